"""Partition awareness: single-key operations go to the primary node of their key.

The proof is independent of the client's own routing code: the primary node of every key is read
from the cluster itself -- a *local* scan query on each node returns exactly the entries whose
primary copy that node holds (backups are not included) -- and every request the partition-aware
client sends is observed through its query events, which name the node it went to. For the
17-partition cache the partition of every key is also read from the cluster (a scan of each partition)
and compared with the partition the client computes.

Caches: the default 1024 partitions, 17 partitions (not a power of two) and 1000 partitions with a
backup -- the last two come from cache templates of the test nodes (``pa17*``, ``pa1000*`` in
``server/src/main/java/org/pyignite/harness/IgniteNode.java``), as the thin client cannot set a
partition count -- and a cache with a key configuration (``PROP_CACHE_KEY_CONFIGURATION``). Keys:
longs, ints, strings, UUIDs, floats, and Complex objects with an affinity key field (from their binary
type metadata or from the cache's key configuration) or without one.

The tests using a client run with the blocking Client and the AioClient (``both_clients``).
"""

from __future__ import annotations

import contextlib
import shutil
import struct
import sys
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyignite import Client, GenericObjectMeta
from pyignite.api_base import partition_aware_seeds
from pyignite.connection import RoundRobin
from pyignite.datatypes import DoubleObject, IntObject, LongObject, String, UUIDObject
from pyignite.datatypes.cache_config import CacheAtomicityMode, CacheMode
from pyignite.datatypes.hashing import hashcode
from pyignite.datatypes.prop_codes import (
    PROP_CACHE_ATOMICITY_MODE,
    PROP_CACHE_KEY_CONFIGURATION,
    PROP_CACHE_MODE,
    PROP_NAME,
)
from pyignite.exceptions import CacheError, ParameterError, ParseError
from pyignite.monitoring import QueryEventListener, QueryFailEvent, QueryStartEvent
from pyignite.protocol import op_codes as op
from pyignite.protocol.affinity import (
    CacheAffinity,
    NodePool,
    PartitionAwareness,
    PartitionRouter,
    affinity_hash,
    parse_partitions,
    partition_for_hash,
    partitions_request,
)
from pyignite.protocol.cache_ops import CacheRef, cache_id, get
from pyignite.protocol.handshake import Feature

from .aio_proxy import unwrap
from .conftest import connected_client
from .util import unique_name

pytestmark = pytest.mark.both_clients


# --- the partition function (no Ignite needed) -----------------------------------------------------

def java_partition(h: int, parts: int) -> int:
    """RendezvousAffinityFunction.calculatePartition, transcribed with explicit 32-bit Java arithmetic."""
    h = struct.unpack("<i", struct.pack("<I", h & 0xFFFFFFFF))[0]  # a Java int
    mask = parts - 1 if (parts & (parts - 1)) == 0 else -1
    if mask >= 0:
        unsigned_shift = (h & 0xFFFFFFFF) >> 16  # h >>> 16
        return ((h ^ unsigned_shift) & 0xFFFFFFFF) & mask
    q = abs(h) // parts  # Java's % truncates toward zero: the remainder has the sign of h
    rem = h - (q if h >= 0 else -q) * parts
    return abs(rem)


@given(st.integers(-(2 ** 31), 2 ** 31 - 1), st.sampled_from([1, 2, 16, 17, 512, 1000, 1024, 1023, 65000]))
def test_partition_function_matches_java(h: int, parts: int) -> None:
    assert partition_for_hash(h, parts) == java_partition(h, parts)
    assert partition_for_hash(h & 0xFFFFFFFF, parts) == partition_for_hash(h, parts)  # unsigned input too
    assert 0 <= partition_for_hash(h, parts) < parts


def test_partition_function_known_values() -> None:
    assert partition_for_hash(-1, 17) == 1  # Java: -1 % 17 == -1 -> safeAbs -> 1
    assert partition_for_hash(-(2 ** 31), 17) == 2 ** 31 % 17
    assert partition_for_hash(-(2 ** 31), 1024) == (0x80000000 ^ 0x8000) & 1023 == 0
    assert partition_for_hash(0x12345678, 1024) == (0x12345678 ^ 0x1234) & 1023
    assert partition_for_hash(42, 1000) == 42
    with pytest.raises(ValueError):
        partition_for_hash(1, 0)


# --- OP_CACHE_PARTITIONS replies (no Ignite needed) ------------------------------------------------

N1, N2 = uuid.UUID(int=1 << 100), uuid.UUID(int=7)


def _uuid_obj(u: uuid.UUID) -> bytes:
    buf = bytearray()
    UUIDObject.encode(buf, u)
    return bytes(buf)


def _reply(groups: List[bytes], version: Tuple[int, int] = (5, 2)) -> bytes:
    return struct.pack("<qii", version[0], version[1], len(groups)) + b"".join(groups)


def _group(caches: List[Tuple[int, Dict[int, int]]], owners: Optional[Dict[uuid.UUID, List[int]]]) -> bytes:
    out = struct.pack("<?i", owners is not None, len(caches))
    for cid, cfgs in caches:
        out += struct.pack("<i", cid)
        if owners is not None:
            out += struct.pack("<i", len(cfgs)) + b"".join(struct.pack("<ii", t, f) for t, f in cfgs.items())
    if owners is not None:
        out += struct.pack("<i", len(owners))
        for node, parts in owners.items():
            out += _uuid_obj(node) + struct.pack(f"<i{len(parts)}i", len(parts), *parts)
    return out


def test_parse_partitions_reply() -> None:
    frame = _reply([
        _group([(11, {100: 200, 101: 201}), (12, {})], {N1: [0, 2], N2: [1]}),
        _group([(13, {})], None),  # a REPLICATED cache: not applicable
        _group([(14, {})], {N1: [0, 2], N2: [2]}),  # partition 2 twice, 1 missing: unusable
    ])
    version, maps = parse_partitions(b"xx" + frame, 2)
    assert version == (5, 2)
    a11, a12 = maps[11], maps[12]
    assert a11 is not None and a12 is not None
    assert a11.partitions == 3 and a11.owners == (N1, N2, N1) and a11.key_configs == {100: 200, 101: 201}
    assert a12.owners == (N1, N2, N1) and a12.key_configs == {}
    assert maps[13] is None and maps[14] is None


@pytest.mark.parametrize("cut", [3, 12, 15, 22, 40, -1])
def test_parse_partitions_rejects_truncated_replies(cut: int) -> None:
    frame = _reply([_group([(11, {100: 200})], {N1: [0, 1], N2: [2]})])
    with pytest.raises(ParseError):
        parse_partitions(frame[:cut], 0)


def test_parse_partitions_rejects_absurd_counts() -> None:
    frame = struct.pack("<qii", 1, 0, 1 << 30)
    with pytest.raises(ParseError, match="group count"):
        parse_partitions(frame, 0)


def test_router_staleness_and_routing() -> None:
    router = PartitionRouter()
    ref = CacheRef("c")
    assert router.stale(ref.cache_id)
    router.observe((3, 0))
    router.update((3, 0), {ref.cache_id: CacheAffinity([N1, N2] * 8, {})}, [ref.cache_id, 12345])
    assert not router.stale(ref.cache_id) and not router.stale(12345)
    assert router.affinity(12345) is None  # requested, not in the reply: the cache does not exist
    req = get(ref, "key")
    expected = [N1, N2][partition_for_hash(hashcode("key"), 16) % 2]
    assert router.route(req, None) == expected  # type: ignore[arg-type]
    assert router.observe((3, 1)) and not router.observe((3, 0))
    assert router.stale(ref.cache_id)  # a newer topology: fetch again
    # a reply older than what was known when it was asked does not cause a fetch loop
    router.update((3, 0), {ref.cache_id: CacheAffinity([N1], {})}, [ref.cache_id], asked_at=(3, 1))
    assert not router.stale(ref.cache_id)
    router.unroutable([ref.cache_id])
    assert router.route(req, None) is None  # type: ignore[arg-type]


def test_router_keeps_only_the_maps_it_asked_for() -> None:
    """Releases before 2.14 list caches of other partition counts in a requested cache's group, with
    the group's map: a cache's map is taken only from a reply to a request for it."""
    router = PartitionRouter()
    asked, other = CacheRef("asked"), CacheRef("other")
    group = CacheAffinity([N1, N2] * 512, {})
    router.update((3, 0), {asked.cache_id: group, other.cache_id: group}, [asked.cache_id])
    assert router.affinity(asked.cache_id) is group
    assert router.affinity(other.cache_id) is None and router.stale(other.cache_id)
    router.update((3, 0), {other.cache_id: CacheAffinity([N2] * 17, {})}, [other.cache_id])
    assert router.affinity(other.cache_id).partitions == 17  # type: ignore[union-attr]


# --- which nodes a client keeps connections to (no Ignite needed) ----------------------------------

A, B, C = ("127.0.0.1", 1), ("127.0.0.1", 2), ("127.0.0.1", 3)


def test_partition_aware_is_on_for_collections_of_several_nodes() -> None:
    assert partition_aware_seeds(None, ([A, B],), {}) == [A, B]
    assert partition_aware_seeds(None, ((A, B, A),), {}) == [A, B]
    assert partition_aware_seeds(None, ([A, A],), {}) is None  # one distinct node
    assert partition_aware_seeds(None, ("127.0.0.1", 1), {}) is None
    assert partition_aware_seeds(None, (), {}) is None
    assert partition_aware_seeds(None, (iter([A, B]),), {}) is None  # an iterator: a reconnection policy
    assert partition_aware_seeds(None, ((n for n in [A, B]),), {}) is None
    assert partition_aware_seeds(None, (RoundRobin([A, B]),), {}) is None
    assert partition_aware_seeds(False, ([A, B],), {}) is None
    assert partition_aware_seeds(True, ("127.0.0.1", 1), {}) == [A]
    assert partition_aware_seeds(True, (), {"port": 2}) == [B]
    assert partition_aware_seeds(True, (RoundRobin([A, B, C], max_reconnects=3),), {}) == [A, B, C]
    gen = (n for n in [A, B])
    assert partition_aware_seeds(True, (gen,), {}) == []  # not consumed: discovery finds the nodes
    assert next(gen) == A


def test_partition_aware_setting_is_validated() -> None:
    with pytest.raises(ParameterError, match="partition_aware"):
        Client(partition_aware="yes")
    assert Client(partition_aware=True).partition_aware is False  # not connected yet


class _Conn:
    def __init__(self, node_uuid: uuid.UUID) -> None:
        self.node_uuid = node_uuid
        self.alive = True


def test_node_pool_reconnection_schedule() -> None:
    pool = NodePool([A, B, A])
    assert pool.addresses == [A, B]
    assert pool.upkeep_due(0.0, None)
    assert pool.due(0.0, None) == [A, B]
    a = _Conn(N1)
    pool.connected(A, a)
    pool.failed(B, 0.0)
    assert pool.connection(N1) is a and pool.live(A) is a and pool.live(B) is None
    assert not pool.upkeep_due(0.5, None)  # B waits 1 s
    assert pool.upkeep_due(1.0, None) and pool.due(1.0, None) == [B]
    pool.failed(B, 1.0)  # then 2 s
    assert pool.due(2.5, None) == [] and pool.due(3.0, None) == [B]
    assert pool.due(3.1, (4, 0)) == [B]  # a node joined or left: every node without a connection, at once
    assert pool.due(3.2, (4, 0)) == []
    assert not pool.upkeep_due(3.3, (4, 1)) and pool.due(3.3, (4, 1)) == []  # a cache started: no
    a.alive = False  # the connection broke
    assert pool.connection(N1) is None
    pool.lost_node(N1, 10.0)
    assert pool.upkeep_due(10.0, (4, 0)) and A in pool.due(10.0, (4, 0))
    assert pool.missing([N1, N2]) == {N1, N2}


def test_facade_decisions_are_sans_io() -> None:
    """The decisions Client and AioClient share: keep it on, refresh, route, retry elsewhere, accept."""
    pa = PartitionAwareness([A, B])
    old, new = _Conn(N1), _Conn(N1)
    old.protocol_version, new.protocol_version = (1, 3, 0), (1, 4, 0)  # type: ignore[attr-defined]
    assert not pa.supported(None) and not pa.supported(old) and pa.supported(new)
    ref = CacheRef("c")
    assert pa.refresh_due(ref.cache_id, 0.0)  # no map yet
    pa.router.update((1, 0), {ref.cache_id: CacheAffinity([N1] * 4, {})}, [ref.cache_id])
    pa.pool.due(0.0, (1, 0))
    a = _Conn(N1)
    pa.pool.connected(A, a)
    pa.pool.failed(B, 0.0)
    assert not pa.refresh_due(ref.cache_id, 0.5)
    req = get(ref, "key")
    assert pa.routed(req, None, 0.5) is a  # type: ignore[arg-type]
    assert pa.routed(get(CacheRef("other"), "key"), None, 0.5) is None  # type: ignore[arg-type]
    a.alive = False
    assert pa.routed(req, None, 0.6) is None  # type: ignore[arg-type]  # its node is due again
    assert A in pa.pool.due(0.6, (1, 0))
    live, default = _Conn(N2), _Conn(N2)
    assert not pa.retry_elsewhere(live, default, 1.0)  # a timeout on a live connection
    default.alive = False
    assert not pa.retry_elsewhere(default, default, 1.0)  # the default connection itself
    pa.pool.connected(B, live)
    live.alive = False
    assert pa.retry_elsewhere(live, default, 1.0) and pa.pool.live(B) is None
    assert pa.accepts(live, None) and pa.accepts(live, N2) and not pa.accepts(live, N1)
    # discovery: N1 (in the map) has no live connection; once per membership, with the feature only
    plain = _Conn(N2)
    plain.features = frozenset()  # type: ignore[attr-defined]
    assert pa.to_discover(plain) == set() and pa.to_discover(None) == set()
    pa.router.observe((2, 0))
    able = _Conn(N2)
    able.features = frozenset({Feature.CLUSTER_GROUP_GET_NODES_ENDPOINTS})  # type: ignore[attr-defined]
    assert pa.to_discover(able) == {N1}
    assert pa.to_discover(able) == set()  # asked at this membership already


_N3 = uuid.UUID(int=99)
_ROUTE_KEYS = st.one_of(
    st.integers(-(2 ** 63), 2 ** 63 - 1), st.text(max_size=8), st.floats(allow_nan=False), st.booleans(),
    st.uuids(), st.tuples(st.integers(-(2 ** 31), 2 ** 31 - 1), st.just(IntObject)),
)


@given(st.lists(_ROUTE_KEYS, min_size=1, max_size=20), st.sampled_from([1, 17, 1000, 1024]))
def test_plain_route_is_refresh_due_and_routed_in_one_call(keys: List[Any], parts: int) -> None:
    """PartitionAwareness.plain_route (the plain path's routing, written out in one call) answers
    what refresh_due and routed answer: the key's primary node's live connection when nothing is
    due, None when the map is stale, an upkeep is due or the node has no live connection."""
    pa = PartitionAwareness([A, B, C])
    ref = CacheRef("plain-route")
    owners = [(N1, N2, _N3)[(p * 7) % 3] for p in range(parts)]
    pa.router.update((1, 0), {ref.cache_id: CacheAffinity(owners, {})}, [ref.cache_id])
    pa.pool.due(0.0, (1, 0))
    conns = {A: _Conn(N1), B: _Conn(N2), C: _Conn(_N3)}
    for address, conn in conns.items():
        pa.pool.connected(address, conn)
    assert pa.pool.due(0.5, (1, 0)) == []  # an upkeep that finds every node connected
    for key in keys:
        key_only = key[0] if isinstance(key, tuple) else key
        assert not pa.refresh_due(ref.cache_id, 1.0)
        expected = pa.routed(get(ref, key_only, key[1] if isinstance(key, tuple) else None), None, 1.0)  # type: ignore[arg-type]
        assert expected is not None
        assert pa.plain_route(ref.cache_id, key, None, 1.0) is expected, key  # type: ignore[arg-type]
    key = keys[0]
    assert pa.plain_route(CacheRef("no map").cache_id, key, None, 1.0) is None  # type: ignore[arg-type]
    target = pa.plain_route(ref.cache_id, key, None, 1.0)  # type: ignore[arg-type]
    target.alive = False  # its node's connection broke
    assert pa.plain_route(ref.cache_id, key, None, 1.0) is None  # type: ignore[arg-type]
    target.alive = True
    pa.pool.failed(("127.0.0.1", 4), 1.0)  # an address to retry at 2.0: an upkeep is due then
    assert pa.plain_route(ref.cache_id, key, None, 1.5) is target  # type: ignore[arg-type]
    assert pa.refresh_due(ref.cache_id, 2.0) and pa.plain_route(ref.cache_id, key, None, 2.0) is None  # type: ignore[arg-type]
    pa.router.observe((1, 1))  # a newer affinity version: the map is stale
    assert pa.refresh_due(ref.cache_id, 1.5) and pa.plain_route(ref.cache_id, key, None, 1.5) is None  # type: ignore[arg-type]


def test_node_pool_lost_is_safe_while_another_thread_adds_addresses() -> None:
    """Client._execute_pa calls lost()/lost_node() without the client's lock, while a thread holding
    it may add addresses (discovery, failover): lost() must not iterate a dict that grows."""
    pool = NodePool([("h", port) for port in range(1, 3000)])
    errors: List[BaseException] = []
    stop = time.monotonic() + 1.0

    def lose() -> None:
        while time.monotonic() < stop and not errors:
            try:
                pool.lost(object(), 0.0)
            except RuntimeError as exc:
                errors.append(exc)

    def add() -> None:
        port = 3000
        while time.monotonic() < stop and not errors:
            pool.add(("h", port))
            port += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=lose), threading.Thread(target=add)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors


def test_node_pool_asks_for_endpoints_once_per_membership() -> None:
    pool = NodePool([A])
    assert not pool.discovery_due(None)
    assert pool.discovery_due((3, 0))
    assert not pool.discovery_due((3, 0)) and not pool.discovery_due((3, 2))
    assert pool.discovery_due((4, 0))


def test_node_pool_discovery_candidates() -> None:
    class Endpoint:
        def __init__(self, node_id: uuid.UUID, port: int, addresses: List[str]) -> None:
            self.node_id, self.port, self.addresses = node_id, port, addresses

    pool = NodePool([A])
    found = pool.candidates(
        [Endpoint(N1, 1, ["127.0.0.1"]), Endpoint(N2, 9, ["fe80::1%eth0", "::1", "host.example", "127.0.0.1"])],
        {N2},
    )
    assert found == [(N2, [("127.0.0.1", 9), ("host.example", 9), ("::1", 9)])]


# --- the hash a key is partitioned by --------------------------------------------------------------

TAG = uuid.uuid4().hex[:8]


def _key_class(name: str, schema: Dict[str, Any]) -> Any:
    return GenericObjectMeta(name, (), {}, type_name=f"pa.{name}{TAG}", schema=OrderedDict(schema))


#: affinity key field ``group`` registered in the type's metadata (Client.register_binary_type)
AffKey = _key_class("AffKey", {"id": IntObject, "group": String})
#: affinity key field ``group`` named by the cache's key configuration only
CfgKey = _key_class("CfgKey", {"id": IntObject, "group": IntObject})
#: no affinity key field: the whole object's hash code
PlainKey = _key_class("PlainKey", {"id": IntObject, "name": String})


def test_affinity_hash_of_complex_keys() -> None:
    from pyignite.binary import BinaryRegistry

    registry = BinaryRegistry()
    registry.register(AffKey, affinity_key_field="group")
    registry.register(CfgKey)
    ref = CacheRef("c")

    def h(key: Any, configs: Optional[Dict[int, int]] = None) -> Optional[int]:
        req = get(ref, key, ctx=registry)
        return affinity_hash(req.frame, key, None, configs, registry)

    assert h(AffKey(id=1, group="g")) == hashcode("g") == h(AffKey(id=2, group="g"))
    assert h(CfgKey(id=1, group=5)) == object_hash(CfgKey(id=1, group=5))  # no configuration
    assert h(CfgKey(id=1, group=5), {CfgKey.type_id: CfgKey.field_ids[1]}) == 5
    assert h(CfgKey(id=1, group=None), {CfgKey.type_id: CfgKey.field_ids[1]}) is None  # null: not routed
    assert h(PlainKey(id=3, name="x")) == object_hash(PlainKey(id=3, name="x"))
    assert h(7) == hashcode(7) and h("s") == hashcode("s")
    req = get(CacheRef("c", (1, 2, 3)), PlainKey(id=3, name="x"), ctx=registry)  # expiry in the prefix
    assert affinity_hash(req.frame, PlainKey(id=3, name="x"), None, None, registry) == h(PlainKey(id=3, name="x"))


def object_hash(obj: Any) -> int:
    from pyignite.datatypes.complex import BinaryObject

    return BinaryObject.hashcode(obj)


# --- against a real 3-node cluster -----------------------------------------------------------------

class Recorder(QueryEventListener):
    """Keeps every query start event (the request id, operation and node of each request) and
    every failure event."""

    def __init__(self) -> None:
        self.events: List[QueryStartEvent] = []
        self.failures: List[QueryFailEvent] = []

    def on_query_start(self, event: QueryStartEvent) -> None:
        self.events.append(event)

    def on_query_fail(self, event: QueryFailEvent) -> None:
        self.failures.append(event)

    def mark(self) -> int:
        return len(self.events)

    def since(self, mark: int, op_code: int) -> List[QueryStartEvent]:
        return [e for e in self.events[mark:] if e.op_code == op_code]


Key = Tuple[Any, Any]  # (key, hint)

#: every single-key operation, in an order that ends with the key removed: name, op code, call, result
OPS: List[Tuple[str, int, Callable[[Any, Any, Any], Any], Any]] = [
    ("get", op.OP_CACHE_GET, lambda c, k, h: c.get(k, key_hint=h), "v"),
    ("put", op.OP_CACHE_PUT, lambda c, k, h: c.put(k, "v", key_hint=h), None),
    ("get_and_put", op.OP_CACHE_GET_AND_PUT, lambda c, k, h: c.get_and_put(k, "v", key_hint=h), "v"),
    ("get_and_replace", op.OP_CACHE_GET_AND_REPLACE, lambda c, k, h: c.get_and_replace(k, "v", key_hint=h), "v"),
    ("replace", op.OP_CACHE_REPLACE, lambda c, k, h: c.replace(k, "v", key_hint=h), True),
    ("replace_if_equals", op.OP_CACHE_REPLACE_IF_EQUALS,
     lambda c, k, h: c.replace_if_equals(k, "v", "v", key_hint=h), True),
    ("contains_key", op.OP_CACHE_CONTAINS_KEY, lambda c, k, h: c.contains_key(k, key_hint=h), True),
    ("put_if_absent", op.OP_CACHE_PUT_IF_ABSENT, lambda c, k, h: c.put_if_absent(k, "v", key_hint=h), False),
    ("get_and_put_if_absent", op.OP_CACHE_GET_AND_PUT_IF_ABSENT,
     lambda c, k, h: c.get_and_put_if_absent(k, "v", key_hint=h), "v"),
    ("remove_if_equals", op.OP_CACHE_REMOVE_IF_EQUALS,
     lambda c, k, h: c.remove_if_equals(k, "other", key_hint=h), False),
    ("get_and_remove", op.OP_CACHE_GET_AND_REMOVE, lambda c, k, h: c.get_and_remove(k, key_hint=h), "v"),
    ("remove_key", op.OP_CACHE_REMOVE_KEY, lambda c, k, h: c.remove_key(k, key_hint=h), False),
    ("clear_key", op.OP_CACHE_CLEAR_KEY, lambda c, k, h: c.clear_key(k, key_hint=h), None),
]


def plain_keys() -> List[Key]:
    keys: List[Key] = [(i, None) for i in range(6)]  # longs
    keys += [(-(2 ** 40) - i, LongObject) for i in range(2)]
    keys += [(10_000 + i, IntObject) for i in range(3)]
    keys += [(f"key-{i}", None) for i in range(4)] + [("ключ", String)]
    keys += [(uuid.UUID(int=i * 0x1234567 + 1), UUIDObject) for i in range(2)]
    keys += [(0.5 + i, DoubleObject) for i in range(2)]
    keys += [(PlainKey(id=i, name=f"n{i}"), None) for i in range(3)]
    return keys


def complex_keys() -> List[Key]:
    keys: List[Key] = [(AffKey(id=i, group=f"g{i % 4}"), None) for i in range(8)]
    keys += [(CfgKey(id=i, group=i % 5), None) for i in range(8)]
    return keys


class Truth:
    """The cluster's own view: single-node clients (no partition awareness) to each node."""

    def __init__(self, ports: List[int]) -> None:
        self.clients = [Client(partition_aware=False).connect("127.0.0.1", p) for p in ports]

    def close(self) -> None:
        for c in self.clients:
            c.close()

    def primaries(self, cache_name: str) -> Dict[Any, uuid.UUID]:
        """key -> UUID of its primary node: local scans return the primary entries of each node."""
        out: Dict[Any, uuid.UUID] = {}
        for c in self.clients:
            for key, _ in c.get_cache(cache_name).scan(local=True):
                assert key not in out, f"{key!r} is primary on two nodes"
                out[key] = c.connection.node_uuid
        return out

    def put_all(self, cache_name: str, keys: List[Key]) -> None:
        cache = self.clients[0].get_cache(cache_name)
        for key, hint in keys:
            cache.put(key, "v", key_hint=hint)

    def map_nodes(self, cache_name: str) -> int:
        """How many nodes hold primary partitions of the cache, by a fresh OP_CACHE_PARTITIONS."""
        _, maps = self.clients[0]._execute(partitions_request([cache_id(cache_name)]))
        aff = maps.get(cache_id(cache_name))
        return len(set(aff.owners)) if aff is not None else 0


def _check_all_ops(client: Any, rec: Recorder, cache_name: str, keys: List[Key],
                   truth: Dict[Any, uuid.UUID]) -> int:
    """Run every single-key operation on every key; each must go to the key's primary node."""
    cache = client.get_cache(cache_name)
    wrong = []
    checked = 0
    for key, hint in keys:
        owner = truth[key]
        for name, code, call, expected in OPS:
            mark = rec.mark()
            assert call(cache, key, hint) == expected, (name, key)
            sent = rec.since(mark, code)
            assert len(sent) == 1, (name, key, sent)
            checked += 1
            if sent[0].node_uuid != owner:
                wrong.append((name, key, f"{sent[0].host}:{sent[0].port}"))
        cache.put(key, "v", key_hint=hint)  # back for the next round
    assert not wrong, (
        f"cache {cache_name}: {len(wrong)} of {checked} operations missed the primary node: {wrong[:10]}"
    )
    return checked


@pytest.fixture
def truth(cluster3: Any) -> Iterator[Truth]:
    t = Truth(cluster3.ports[:3])
    try:
        yield t
    finally:
        t.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def pa_client(cluster3: Any, recorder: Recorder, client_flavor: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A client (either flavor) given the three nodes as a list: partition awareness on by default."""
    nodes = [("127.0.0.1", p) for p in cluster3.ports[:3]]
    with connected_client(client_flavor, (nodes,), {"event_listeners": [recorder]}, request) as c:
        yield c


@pytest.fixture
def caches(pa_client: Any, truth: Truth) -> Iterator[Dict[str, str]]:
    """Name -> cache name: 1024, 17 and 1000 (+1 backup) partitions, and a key configuration."""
    helper = truth.clients[0]
    made = {
        "1024": helper.create_cache(unique_name("pa_default")).name,
        "17": helper.create_cache(unique_name("pa17_cache")).name,
        "1000": helper.create_cache(unique_name("pa1000_cache")).name,
        "keycfg": helper.create_cache({
            PROP_NAME: unique_name("pa_keycfg"),
            PROP_CACHE_KEY_CONFIGURATION: [{"type_name": CfgKey.type_name, "affinity_key_field_name": "group"}],
        }).name,
    }
    pa_client.register_binary_type(AffKey, affinity_key_field="group")
    helper.register_binary_type(AffKey, affinity_key_field="group")
    try:
        yield made
    finally:
        for name in made.values():
            helper.get_cache(name).destroy()


@pytest.mark.cluster
def test_every_single_key_operation_goes_to_the_primary_node(
    pa_client: Any, recorder: Recorder, truth: Truth, caches: Dict[str, str],
) -> None:
    assert pa_client.partition_aware
    keys = plain_keys() + complex_keys()
    total = 0
    for kind, name in caches.items():
        truth.put_all(name, keys)
        primaries = truth.primaries(name)
        assert len(primaries) == len(keys)
        assert len(set(primaries.values())) == 3, f"{kind}: the keys should be spread over the 3 nodes"
        total += _check_all_ops(pa_client, recorder, name, keys, primaries)
        aff = pa_client._pa.router.affinity(cache_id(name))  # the templates gave the partition counts
        assert aff is not None and aff.partitions == {"17": 17, "1000": 1000}.get(kind, 1024)
    assert total == 4 * len(keys) * len(OPS)


@pytest.mark.cluster
def test_the_client_computes_the_partitions_the_cluster_uses(
    pa_client: Any, truth: Truth, caches: Dict[str, str],
) -> None:
    """17 partitions: the partition of each key as the cluster files it (a scan of each partition)
    is the one the client computes."""
    name = caches["17"]
    keys = plain_keys() + complex_keys()
    truth.put_all(name, keys)
    helper = truth.clients[0].get_cache(name)
    cluster_partition = {}
    for part in range(17):
        for key, _ in helper.scan(partitions=part):
            cluster_partition[key] = part
    assert len(cluster_partition) == len(keys)
    pa_client.get_cache(name).get(0)  # the client fetches the map
    router = pa_client._pa.router
    aff = router.affinity(cache_id(name))
    assert aff is not None and aff.partitions == 17
    ref = CacheRef(name)
    for key, hint in keys:
        req = get(ref, key, hint, ctx=pa_client._ctx)
        h = affinity_hash(req.frame, key, hint, aff.key_configs, pa_client._ctx)
        assert h is not None
        assert partition_for_hash(h, 17) == cluster_partition[key], key


@pytest.mark.cluster
def test_without_partition_awareness_everything_goes_to_one_node(
    cluster3: Any, truth: Truth, client_flavor: str, request: pytest.FixtureRequest,
) -> None:
    nodes = [("127.0.0.1", p) for p in cluster3.ports[:3]]
    name = truth.clients[0].create_cache(unique_name("pa_off")).name
    try:
        keys = plain_keys()[:8]
        truth.put_all(name, keys)
        assert len(set(truth.primaries(name).values())) > 1
        for args in ({"partition_aware": False}, {}):  # off, and a generator: off by default
            rec = Recorder()
            where = (nodes,) if args else (iter(nodes),)
            with connected_client(client_flavor, where, dict(args, event_listeners=[rec]), request) as c:
                assert not c.partition_aware
                for key, hint in keys:
                    assert c.get_cache(name).get(key, key_hint=hint) == "v"
                assert {e.port for e in rec.events} == {cluster3.ports[0]}
    finally:
        truth.clients[0].get_cache(name).destroy()


@pytest.mark.cluster
def test_discovery_finds_the_other_nodes(
    cluster3: Any, truth: Truth, client_flavor: str, request: pytest.FixtureRequest,
) -> None:
    """``partition_aware=True`` with one node: the others are found through their endpoints."""
    name = truth.clients[0].create_cache(unique_name("pa_disc")).name
    try:
        keys = plain_keys()
        truth.put_all(name, keys)
        rec = Recorder()
        kwargs = {"partition_aware": True, "event_listeners": [rec]}
        with connected_client(client_flavor, ("127.0.0.1", cluster3.ports[1]), kwargs, request) as c:
            assert c.partition_aware
            _check_all_ops(c, rec, name, keys, truth.primaries(name))
            assert {e.port for e in rec.events} == set(cluster3.ports[:3])
    finally:
        truth.clients[0].get_cache(name).destroy()


@pytest.mark.cluster
def test_caches_that_cannot_be_routed(pa_client: Any, recorder: Recorder, truth: Truth) -> None:
    """A REPLICATED cache and a cache that does not exist: their keys go to the default connection,
    and their map is asked for once (not again before the topology changes)."""
    replicated = truth.clients[0].create_cache({
        PROP_NAME: unique_name("pa_repl"), PROP_CACHE_MODE: CacheMode.REPLICATED,
    })
    try:
        default = pa_client.connection.node_uuid
        mark = recorder.mark()
        cache = pa_client.get_cache(replicated.name)
        for key, hint in plain_keys():
            cache.put(key, "v", key_hint=hint)
            assert cache.get(key, key_hint=hint) == "v"
        assert {e.node_uuid for e in recorder.since(mark, op.OP_CACHE_GET)} == {default}
        assert len(recorder.since(mark, op.OP_CACHE_PARTITIONS)) == 1
        assert pa_client._pa.router.affinity(cache_id(replicated.name)) is None
        missing = pa_client.get_cache(unique_name("pa_missing"))
        mark = recorder.mark()
        for _ in range(3):
            with pytest.raises(CacheError):
                missing.get(1)
        assert len(recorder.since(mark, op.OP_CACHE_PARTITIONS)) == 1
        assert {e.node_uuid for e in recorder.since(mark, op.OP_CACHE_GET)} == {default}
    finally:
        replicated.destroy()


@pytest.mark.cluster
def test_unreachable_owner_falls_back_and_is_reconnected(
    pa_client: Any, recorder: Recorder, truth: Truth, caches: Dict[str, str],
) -> None:
    name = caches["1024"]
    keys = plain_keys()
    truth.put_all(name, keys)
    primaries = truth.primaries(name)
    cache = pa_client.get_cache(name)
    cache.get(0)  # fetch the map
    default = unwrap(pa_client.connection)
    victim_id = next(u for u in primaries.values() if u != default.node_uuid)
    victim_keys = [(k, h) for k, h in keys if primaries[k] == victim_id]
    pool = pa_client._pa.pool
    conn = pool.connection(victim_id)
    assert conn is not None and conn is not default
    close = conn.close()
    if close is not None:  # AioConnection.close() is a coroutine: run it in the client's loop
        pa_client._runner.run(close)
    key, hint = victim_keys[0]
    mark = recorder.mark()
    assert cache.get(key, key_hint=hint) == "v"
    assert [e.node_uuid for e in recorder.since(mark, op.OP_CACHE_GET)] == [default.node_uuid]  # fell back
    time.sleep(0.05)
    mark = recorder.mark()
    assert cache.get(key, key_hint=hint) == "v"  # the node was reconnected before this one
    assert [e.node_uuid for e in recorder.since(mark, op.OP_CACHE_GET)] == [victim_id]
    assert pool.connection(victim_id) is not conn


@pytest.mark.cluster
def test_a_transaction_keeps_its_connection(pa_client: Any, recorder: Recorder, truth: Truth) -> None:
    name = truth.clients[0].create_cache({
        PROP_NAME: unique_name("pa_tx"), PROP_CACHE_ATOMICITY_MODE: CacheAtomicityMode.TRANSACTIONAL,
    }).name
    try:
        keys = plain_keys()[:10]
        truth.put_all(name, keys)
        assert len(set(truth.primaries(name).values())) > 1
        cache = pa_client.get_cache(name)
        cache.get(0)
        with pa_client.tx_start() as tx:
            mark = recorder.mark()
            for key, hint in keys:
                cache.put(key, "in tx", key_hint=hint)
            tx.commit()
        nodes = {e.node_uuid for e in recorder.events[mark:]}
        assert nodes == {pa_client.connection.node_uuid}
        assert all(truth.clients[0].get_cache(name).get(k, key_hint=h) == "in tx" for k, h in keys)
    finally:
        truth.clients[0].get_cache(name).destroy()


def _wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.cluster
def test_routing_follows_a_node_that_joins_and_leaves(
    cluster3: Any, pa_client: Any, recorder: Recorder, truth: Truth, caches: Dict[str, str], client_flavor: str,
    request: pytest.FixtureRequest,
) -> None:
    """A fourth node joins (the client finds it through the node endpoints), then leaves -- killed
    (SIGKILL) under the blocking client, stopped under the asyncio one. Operations on the keys of
    the nodes that stay never fail; those on the leaving node's keys fall back (the first one, sent
    on the dead node's connection, fails there and is sent again to the default connection); after
    each change every operation goes to the primary node again.

    A second client is given the fourth node first: its default connection dies with it, and it
    fails over to the next node of its list as without partition awareness."""
    keys = plain_keys() + complex_keys()[:8]
    names = [caches["1024"], caches["17"]]
    for name in names:
        truth.put_all(name, keys)
        _check_all_ops(pa_client, recorder, name, keys, truth.primaries(name))

    fourth = cluster3.add_node()
    stack = contextlib.ExitStack()
    try:
        truth4 = Truth([fourth.port])
        truth.clients += truth4.clients
        for name in names:  # rebalancing done: the fourth node is primary for some partitions
            _wait_for("the fourth node to own partitions", lambda name=name: truth.map_nodes(name) == 4)
        pa_client.get_cache_names()  # any reply tells the client that the topology changed
        for name in names:
            truth.put_all(name, keys)
            primaries = truth.primaries(name)
            assert fourth_uuid(truth) in primaries.values(), "no key on the fourth node: add keys"
            _check_all_ops(pa_client, recorder, name, keys, primaries)
        new_id = fourth_uuid(truth)
        assert pa_client._pa.pool.connection(new_id) is not None
        rec2 = Recorder()
        nodes2 = [("127.0.0.1", p) for p in [fourth.port, *cluster3.ports[:3]]]
        second = stack.enter_context(connected_client(client_flavor, (nodes2,), {"event_listeners": [rec2]}, request))
        assert str(second) == f"127.0.0.1:{fourth.port}" and second.partition_aware
        second.register_binary_type(AffKey, affinity_key_field="group")
        _check_all_ops(second, rec2, names[0], keys, truth.primaries(names[0]))
        # the fourth node leaves
        truth.clients.pop().close()
        before = {name: truth_primaries_with(truth, name, new_id, keys) for name in names}
        if client_flavor == "sync":
            fourth.kill()
        else:
            fourth.stop()
        failed = len(recorder.failures)
        for name in names:  # operations right away: nothing fails, the lost node's keys fall back
            cache = pa_client.get_cache(name)
            # the lost node's keys first: the client does not know yet that the node is gone
            for key, hint in sorted(keys, key=lambda kh: before[name][kh[0]] != new_id):
                mark = recorder.mark()
                cache.put(key, "v", key_hint=hint)
                sent = recorder.since(mark, op.OP_CACHE_PUT)
                assert sent and sent[-1].node_uuid != new_id, (key, sent)
                if before[name][key] != new_id:
                    assert sent[-1].node_uuid == before[name][key]
        if client_flavor == "sync":  # the first put was sent to the dead node, and then again
            lost = [e for e in recorder.failures[failed:] if e.op_code == op.OP_CACHE_PUT]
            assert [e.node_uuid for e in lost] == [new_id]
        for name in names:
            _wait_for("the cluster to drop the fourth node", lambda name=name: truth.map_nodes(name) == 3)
        pa_client.get_cache_names()
        try:  # the second client's default connection is gone: one call may fail, the next fails over
            second.get_cache_names()
        except OSError:
            pass
        assert isinstance(second.get_cache_names(), list)
        assert str(second) == f"127.0.0.1:{cluster3.ports[0]}"
        for name in names:
            truth.put_all(name, keys)
            primaries = truth.primaries(name)
            _check_all_ops(pa_client, recorder, name, keys, primaries)
            _check_all_ops(second, rec2, name, keys, primaries)
    finally:
        stack.close()
        fourth.stop()
        if fourth in cluster3.nodes:
            cluster3.nodes.remove(fourth)
            cluster3.save_state()
        shutil.rmtree(fourth.dir, ignore_errors=True)


def fourth_uuid(truth: Truth) -> uuid.UUID:
    return truth.clients[3].connection.node_uuid


def truth_primaries_with(truth: Truth, name: str, fourth: uuid.UUID, keys: List[Key]) -> Dict[Any, uuid.UUID]:
    """The primaries while the fourth node is still there (its client already closed: the keys
    that are not on the other three are its)."""
    out: Dict[Any, uuid.UUID] = {key: fourth for key, _ in keys}
    out.update(truth.primaries(name))
    return out
