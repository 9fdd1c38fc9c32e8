"""Resilience: heartbeats and the server's idle timeout, the retry policy (its table verified op by
op), endpoint discovery, and partition-aware multi-key operations.

The cluster tests share one module-scoped 3-node cluster on 10870..10872 (shifted by
PYIGNITE_PORT_OFFSET) whose client connectors close connections idle for 2 s
(``ClientConnectorConfiguration.idleTimeout``, the harness's ``idle_timeout_ms``). Every client here
therefore either sends heartbeats or works within 2 s of its last request.

The retry table is verified against a real node by breaking the client's connection at a chosen
moment -- just before a request is written, or just after -- through a transport subclass (the only
fake part: the node and its answers are real), and checking that exactly the operations the table
calls safe are sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import harness
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyignite import AioClient, Client
from pyignite.aio_cache import AioCache
from pyignite.connection import RoundRobin
from pyignite.connection.aio import AioConnection
from pyignite.connection.sync import Connection
from pyignite.datatypes import IntObject
from pyignite.datatypes.base import NO_CONTEXT as NO_CONTEXT_FOR_TEST
from pyignite.datatypes.prop_codes import PROP_CACHE_ATOMICITY_MODE, PROP_NAME
from pyignite.exceptions import CacheError, ParameterError, RequestTimeoutError, SocketError, TransactionError
from pyignite.monitoring import ConnectionEventListener, ConnectionLostEvent
from pyignite.protocol import op_codes as op
from pyignite.protocol.frames import new_request, stamp
from pyignite.protocol.keepalive import (
    DEFAULT_HEARTBEAT_INTERVAL,
    KeepAlive,
    check_heartbeat_interval,
    endpoint_addresses,
    heartbeat_interval,
)
from pyignite.protocol.retry import (
    BOUND,
    IDEMPOTENT,
    NOT_IDEMPOTENT,
    RETRY_TABLE,
    Operation,
    RetryAll,
    RetryLimit,
    RetryNone,
    decide,
    mark_unsent,
    operation_of,
    was_sent,
)

from .util import unique_name

Node = Tuple[str, int]

IDLE_TIMEOUT_MS = 2000


# --- sans-IO decisions (no server) -------------------------------------------------------------------

def _frame(code: int, sent: bool) -> bytearray:
    frame = new_request(code)
    if sent:
        stamp(frame, 7)
    return frame


def test_sent_detection_follows_the_request_id() -> None:
    frame = new_request(op.OP_CACHE_PUT)
    assert not was_sent(frame)
    stamp(frame, 42)
    assert was_sent(frame)
    mark_unsent(frame)
    assert not was_sent(frame)
    assert operation_of(frame).name == "put" and operation_of(frame).idempotent


@pytest.mark.parametrize("code, kind", sorted((c, k) for c, (_, k) in RETRY_TABLE.items()))
def test_default_decision_for_every_operation_of_the_table(code: int, kind: str) -> None:
    broken = SocketError("broken")
    policy = RetryLimit(3)
    for sent in (False, True):
        got = decide(policy, _frame(code, sent), broken, 1, False, True)
        expected = kind != BOUND and (kind == IDEMPOTENT or not sent)
        assert (got is not None) == expected, (code, kind, sent)
        # never inside a transaction, never past the limit, never with RetryNone
        assert decide(policy, _frame(code, sent), broken, 1, True, True) is None
        assert decide(policy, _frame(code, sent), broken, 4, False, True) is None
        assert decide(RetryNone(), _frame(code, sent), broken, 1, False, True) is None
        # RetryAll resends what may have been applied, but never what is bound to its connection
        assert (decide(RetryAll(2), _frame(code, sent), broken, 2, False, True) is not None) == (kind != BOUND)


def test_unknown_operations_are_not_idempotent_and_timeouts_on_live_connections_stay() -> None:
    broken = SocketError("broken")
    assert decide(RetryLimit(), _frame(9999, True), broken, 1, False, True) is None
    assert decide(RetryLimit(), _frame(9999, False), broken, 1, False, True) is not None
    timeout = RequestTimeoutError("slow")  # the node answered others: the connection lives
    assert decide(RetryLimit(), _frame(op.OP_CACHE_GET, True), timeout, 1, False, False) is None
    assert decide(RetryLimit(), _frame(op.OP_CACHE_GET, True), ValueError("x"), 1, False, True) is None


def test_custom_policy_gets_operation_error_and_attempt() -> None:
    seen: List[Tuple[str, bool, str, int]] = []

    def policy(operation: Operation, error: BaseException, attempt: int) -> bool:
        seen.append((operation.name, operation.sent, str(error), attempt))
        return attempt < 2

    err = SocketError("gone")
    assert decide(policy, _frame(op.OP_CACHE_PUT_IF_ABSENT, True), err, 1, False, True) is not None
    assert decide(policy, _frame(op.OP_CACHE_PUT_IF_ABSENT, True), err, 2, False, True) is None
    assert seen == [("put_if_absent", True, "gone", 1), ("put_if_absent", True, "gone", 2)]


@pytest.mark.parametrize("kwargs, message", [
    ({"retry_policy": 3}, "retry_policy"),
    ({"heartbeat_interval": -1}, "heartbeat_interval"),
    ({"heartbeat_interval": "often"}, "heartbeat_interval"),
    ({"cluster_discovery": None}, "cluster_discovery"),
])
def test_bad_resilience_settings(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        Client(**kwargs)
    with pytest.raises(ParameterError, match="RetryLimit"):
        RetryLimit(-1)


def test_heartbeat_interval_rules() -> None:
    assert heartbeat_interval(None, 0) == DEFAULT_HEARTBEAT_INTERVAL  # no idle timeout: detection only
    assert math.isclose(heartbeat_interval(None, 2000) or 0, 2 / 3)  # a third of the idle timeout
    assert heartbeat_interval(10.0, 3000) == 1.0  # never more than a third
    assert heartbeat_interval(0.5, 0) == 0.5
    assert heartbeat_interval(0.0, 2000) is None  # off
    assert check_heartbeat_interval(False) == 0.0 and check_heartbeat_interval(None) is None


class _Conn:
    """What KeepAlive needs of a connection."""

    def __init__(self) -> None:
        self.alive = True
        self.received = 0
        self.features = frozenset({3, 11})
        self.client_features = frozenset({3, 11})
        self.topology: Optional[Tuple[int, int]] = None

    def mark(self) -> int:
        return self.received


def test_keepalive_pings_only_idle_connections() -> None:
    keeper = KeepAlive(None)
    busy, idle = _Conn(), _Conn()
    assert keeper.attach(busy, 3000, 0.0) == 1.0
    assert keeper.attach(idle, 3000, 0.0) == 1.0
    assert keeper.due(0.5) == ([], 1.0)
    busy.received += 1  # a reply arrived on busy: the node heard from it
    due, wake = keeper.due(1.0)
    assert due == [idle] and wake == 2.0
    idle.alive = False
    assert keeper.due(2.0)[0] == [busy] and keeper.interval(idle) is None  # the dead one is forgotten
    assert KeepAlive(0.0).attach(_Conn(), 3000, 0.0) is None  # heartbeats off


def test_discovery_is_due_once_per_membership() -> None:
    keeper = KeepAlive(None, discovery=True)
    conn = _Conn()
    assert keeper.discovery_due(conn)
    keeper.discovered(conn)
    assert not keeper.discovery_due(conn)
    conn.topology = (3, 0)
    assert keeper.discovery_due(conn)
    keeper.discovered(conn)
    conn.topology = (3, 1)  # a minor change (a cache started): same nodes
    assert not keeper.discovery_due(conn)
    assert not KeepAlive(None, discovery=False).discovery_due(conn)


def test_endpoint_addresses_prefer_the_given_host() -> None:
    class Ep:
        def __init__(self, port: int, addresses: List[str]) -> None:
            self.node_id = uuid.uuid4()
            self.port = port
            self.addresses = addresses

    eps = [Ep(1, ["10.0.0.1", "127.0.0.1", "fe80::1%eth0", "::1"]), Ep(2, ["127.0.0.1"])]
    assert endpoint_addresses(eps, ["127.0.0.1"]) == [
        ("127.0.0.1", 1), ("10.0.0.1", 1), ("::1", 1), ("127.0.0.1", 2),
    ]


# --- the cluster -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def idle_cluster() -> Iterator[harness.Cluster]:
    cluster = harness.Cluster("resilience", base_port=10870, nodes=3, idle_timeout_ms=IDLE_TIMEOUT_MS)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _nodes(cluster: harness.Cluster) -> List[Node]:
    return [("127.0.0.1", p) for p in cluster.ports]


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


class Lost(ConnectionEventListener):
    def __init__(self) -> None:
        self.lost: List[ConnectionLostEvent] = []

    def on_connection_lost(self, event: ConnectionLostEvent) -> None:
        self.lost.append(event)


@pytest.mark.cluster
def test_idle_client_survives_the_idle_timeout(idle_cluster: harness.Cluster) -> None:
    """Idle for 10 s behind a 2 s idle timeout: heartbeats keep the connection; without them the
    node closes it (which shows the harness option works)."""
    node = _nodes(idle_cluster)[0]
    events = Lost()
    client = Client(event_listeners=[events], partition_aware=False).connect(*node)
    assert client._keepalive.interval(client.connection) == pytest.approx(2 / 3)
    conn = client.connection
    cache = client.get_or_create_cache(unique_name("idle"))
    cache.put(1, "one")
    time.sleep(10)
    assert client.connection is conn and conn.alive and not events.lost
    assert cache.get(1) == "one"
    cache.destroy()
    client.close()
    # control: heartbeats off, the node drops the connection
    quiet = Client(heartbeat_interval=0, event_listeners=[events], partition_aware=False).connect(*node)
    conn = quiet.connection
    time.sleep(IDLE_TIMEOUT_MS / 1000 * 3.5)  # the node checks for idle connections every few seconds
    try:  # the node closed it: this call fails as the specification says, or reconnects at once
        quiet.get_cache_names()  # if the client saw the close first
    except OSError:
        pass
    quiet.get_cache_names()
    assert quiet.connection is not conn and events.lost
    quiet.close()


@pytest.mark.cluster
def test_no_heartbeats_or_discovery_without_the_features(idle_cluster: harness.Cluster) -> None:
    """Protocol 1.6.0 has no feature bits: no idle-timeout request, no heartbeats, no endpoint
    lookups, no keeper thread -- the connection is as the specification's."""
    node = _nodes(idle_cluster)[0]
    with Client(protocol_version=(1, 6, 0), partition_aware=False).connect(*node) as old:
        assert old.protocol_version == (1, 6, 0)
        assert old._keepalive.interval(old.connection) is None
        assert old._keepalive_thread is None and old.discovered_nodes == []
    with Client(heartbeat_interval=0, cluster_discovery=False, partition_aware=False).connect(*node) as off:
        assert off._keepalive.interval(off.connection) is None and off._keepalive_thread is None
    with Client(heartbeat_interval=0.5, partition_aware=False).connect(*node) as fast:
        assert fast._keepalive.interval(fast.connection) == 0.5  # below a third of 2 s: as asked
        thread = fast._keepalive_thread
        assert thread is not None and thread.is_alive() and thread.daemon
    thread.join(5)
    assert not thread.is_alive() and fast._keepalive_thread is None  # close() stopped it


@pytest.mark.cluster
def test_idle_aio_client_survives_the_idle_timeout(idle_cluster: harness.Cluster) -> None:
    node = _nodes(idle_cluster)[0]

    async def main() -> None:
        events = Lost()
        client = AioClient(event_listeners=[events], partition_aware=False)
        async with client.connect(*node):
            conn = client.connection
            cache = await client.get_or_create_cache(unique_name("idle_aio"))
            await cache.put(1, "one")
            await asyncio.sleep(10)
            assert client.connection is conn and conn.alive and not events.lost
            assert await cache.get(1) == "one"
            await cache.destroy()
        assert client._keepalive_task is None

    _run(main())


@pytest.mark.cluster
@pytest.mark.parametrize("flavor", ["sync", "aio"])
def test_frozen_node_is_detected_by_heartbeat_and_left(idle_cluster: harness.Cluster, flavor: str) -> None:
    """SIGSTOP the node an idle client uses: the heartbeat finds it silent and the client fails over
    at once -- to a node it only knows from endpoint discovery (it was given one address)."""
    first = _nodes(idle_cluster)[0]
    frozen = idle_cluster.nodes[0]
    events = Lost()
    kwargs = dict(timeout=1.0, heartbeat_interval=0.3, event_listeners=[events], partition_aware=False)

    def check(client: Any, started: float) -> None:
        assert events.lost and events.lost[0].port == first[1], events.lost
        assert client.connection is not None and client.connection.port in idle_cluster.ports[1:]
        assert time.monotonic() - started < 6

    if flavor == "sync":
        client = Client(**kwargs).connect(*first)
        assert sorted(p for _, p in client.discovered_nodes) == idle_cluster.ports
        frozen.pause()
        try:
            started = time.monotonic()
            while not events.lost or client.connection is None or client.connection.port == first[1]:
                if time.monotonic() - started > 8:
                    break
                time.sleep(0.05)
            check(client, started)
        finally:
            frozen.resume()
        assert isinstance(client.get_cache_names(), list)
        client.close()
        return

    async def main() -> None:
        client = AioClient(**kwargs)
        async with client.connect(*first):
            frozen.pause()
            try:
                started = time.monotonic()
                while not events.lost or client.connection is None or client.connection.port == first[1]:
                    if time.monotonic() - started > 8:
                        break
                    await asyncio.sleep(0.05)
                check(client, started)
            finally:
                frozen.resume()
            assert isinstance(await client.get_cache_names(), list)

    _run(main())


@pytest.mark.cluster
@pytest.mark.parametrize("flavor", ["sync", "aio"])
def test_one_address_discovers_three(idle_cluster: harness.Cluster, flavor: str) -> None:
    node = _nodes(idle_cluster)[1]
    if flavor == "sync":
        with Client(partition_aware=False).connect(*node) as client:
            assert sorted(client.discovered_nodes) == sorted(_nodes(idle_cluster))
        with Client(cluster_discovery=False, partition_aware=False).connect(*node) as client:
            assert client.discovered_nodes == []
        return

    async def main() -> None:
        async with AioClient(partition_aware=False).connect(*node) as client:
            assert sorted(client.discovered_nodes) == sorted(_nodes(idle_cluster))

    _run(main())


# --- the retry table, op by op ------------------------------------------------------------------------

class FlakyConnection(Connection):
    """A real connection that can be told to break just before or just after its next write."""

    arm: Optional[str] = None

    def send(self, frame: bytearray) -> int:
        mode, self.arm = self.arm, None
        if mode == "before":
            self._fail(OSError("injected: broken before the write"))
        request_id = super().send(frame)
        if mode == "after":
            self._fail(OSError("injected: broken after the write"))
        return request_id

    def request(self, frame: bytearray, plain: bool = False) -> Any:
        if self.arm is not None:  # armed: through send() (request() may skip it on an idle connection)
            return self.receive(self.send(frame))
        return super().request(frame, plain)


class FlakyClient(Client):
    _connection_class = FlakyConnection


class FlakyAioConnection(AioConnection):
    arm: Optional[str] = None

    async def request(self, frame: bytearray, on_sent: Any = None) -> Any:
        mode, self.arm = self.arm, None
        if mode == "before":
            self._fail(OSError("injected: broken before the write"))
        if mode == "after":
            def sent(request_id: int) -> None:
                if on_sent is not None:
                    on_sent(request_id)
                self._fail(OSError("injected: broken after the write"))

            return await super().request(frame, sent)
        return await super().request(frame, on_sent)

    def submit(self, frame: bytearray) -> Any:  # the plain path's way in (request() also comes here, disarmed)
        mode, self.arm = self.arm, None
        if mode == "before":
            self._fail(OSError("injected: broken before the write"))
        fut = super().submit(frame)
        if mode == "after":
            self._fail(OSError("injected: broken after the write"))
        return fut


class FlakyAioClient(AioClient):
    _connection_class = FlakyAioConnection


#: (op code, call) for every operation of the API the table names; a call gets the client, a cache
#: holding key 1 -> "v" and a fresh name; prepared calls (cursors) arm the connection themselves
Call = Callable[[Any, Any, str], Any]
TABLE_CALLS: List[Tuple[int, Call]] = [
    (op.OP_CACHE_GET, lambda c, cache, n: cache.get(1)),
    (op.OP_CACHE_GET_ALL, lambda c, cache, n: cache.get_all([1, 2])),
    (op.OP_CACHE_CONTAINS_KEY, lambda c, cache, n: cache.contains_key(1)),
    (op.OP_CACHE_CONTAINS_KEYS, lambda c, cache, n: cache.contains_keys([1])),
    (op.OP_CACHE_GET_SIZE, lambda c, cache, n: cache.get_size()),
    (op.OP_CACHE_GET_NAMES, lambda c, cache, n: c.get_cache_names()),
    (op.OP_CACHE_GET_CONFIGURATION, lambda c, cache, n: cache.settings),
    (op.OP_GET_BINARY_TYPE, lambda c, cache, n: c.get_binary_type("NoSuchType")),
    (op.OP_CLUSTER_GET_STATE, lambda c, cache, n: c.get_cluster().get_state()),
    (op.OP_CACHE_PUT, lambda c, cache, n: cache.put(1, "v")),
    (op.OP_CACHE_PUT_ALL, lambda c, cache, n: cache.put_all({1: "v"})),
    (op.OP_CACHE_CLEAR_KEY, lambda c, cache, n: cache.clear_key(3)),
    (op.OP_CACHE_CLEAR_KEYS, lambda c, cache, n: cache.clear_keys([3])),
    (op.OP_CACHE_REMOVE_KEYS, lambda c, cache, n: cache.remove_keys([3])),
    (op.OP_CACHE_GET_OR_CREATE_WITH_NAME, lambda c, cache, n: c.get_or_create_cache(n)),
    (op.OP_CACHE_PUT_IF_ABSENT, lambda c, cache, n: cache.put_if_absent(1, "v")),
    (op.OP_CACHE_GET_AND_PUT, lambda c, cache, n: cache.get_and_put(1, "v")),
    (op.OP_CACHE_GET_AND_REPLACE, lambda c, cache, n: cache.get_and_replace(1, "v")),
    (op.OP_CACHE_GET_AND_PUT_IF_ABSENT, lambda c, cache, n: cache.get_and_put_if_absent(1, "v")),
    (op.OP_CACHE_REPLACE, lambda c, cache, n: cache.replace(1, "v")),
    (op.OP_CACHE_REPLACE_IF_EQUALS, lambda c, cache, n: cache.replace_if_equals(1, "v", "v")),
    (op.OP_CACHE_REMOVE_IF_EQUALS, lambda c, cache, n: cache.remove_if_equals(3, "v")),
    (op.OP_CACHE_REMOVE_KEY, lambda c, cache, n: cache.remove_key(3)),
    (op.OP_CACHE_GET_AND_REMOVE, lambda c, cache, n: cache.get_and_remove(3)),
    (op.OP_CACHE_CREATE_WITH_NAME, lambda c, cache, n: c.create_cache(n)),
    (op.OP_CACHE_DESTROY, lambda c, cache, n: c.get_cache(n).destroy()),
]
# clear/remove_all last: they empty the cache
TABLE_CALLS += [
    (op.OP_CACHE_CLEAR, lambda c, cache, n: cache.clear()),
    (op.OP_CACHE_REMOVE_ALL, lambda c, cache, n: cache.remove_all()),
]


def _expect_resent(code: int, mode: str) -> bool:
    kind = RETRY_TABLE[code][1]
    return kind != BOUND and (kind == IDEMPOTENT or mode == "before")


@pytest.mark.cluster
@pytest.mark.parametrize("mode", ["before", "after"])
def test_retry_table_op_by_op(idle_cluster: harness.Cluster, mode: str) -> None:
    """Break the connection just before (or after) each operation's request is written: the
    operation is sent again on the next connection exactly when the table says so."""
    node = _nodes(idle_cluster)[2]
    client = FlakyClient(timeout=10, partition_aware=False, heartbeat_interval=0.5)
    client.connect(RoundRobin([node], max_reconnects=1000))
    cache = client.get_or_create_cache(unique_name("retry"))
    checked = []
    try:
        for code, call in TABLE_CALLS:
            name = unique_name("made")
            if code == op.OP_CACHE_DESTROY:
                client.create_cache(name)
            cache.put(1, "v")
            client.connection.arm = mode
            before = client.connection
            try:
                call(client, cache, name)
                resent = True
            except SocketError:
                resent = False
            assert before is not client.connection or not before.alive, RETRY_TABLE[code]
            assert resent == _expect_resent(code, mode), (RETRY_TABLE[code], mode)
            checked.append(code)
            if code in (op.OP_CACHE_CREATE_WITH_NAME, op.OP_CACHE_GET_OR_CREATE_WITH_NAME, op.OP_CACHE_DESTROY):
                if name in client.get_cache_names():
                    try:
                        client.get_cache(name).destroy()
                    except CacheError:  # a destroy that reached the node may still be finishing
                        assert code == op.OP_CACHE_DESTROY and mode == "after"
        # bound to the connection: a cursor's next page, and anything inside a transaction
        cache.put_all({i: i for i in range(5)})
        cursor = cache.scan(page_size=1)
        next(cursor)
        client.connection.arm = mode
        with pytest.raises(SocketError):
            list(cursor)
        tx_cache = client.get_or_create_cache({PROP_NAME: unique_name("retry_tx"), PROP_CACHE_ATOMICITY_MODE: 0})
        with pytest.raises((SocketError, TransactionError)):
            with client.tx_start():
                client.connection.arm = mode
                tx_cache.put(1, 1)
        tx_cache.destroy()
    finally:
        cache.destroy()
        client.close()
    assert len(checked) == len(TABLE_CALLS)


@pytest.mark.cluster
@pytest.mark.parametrize("mode", ["before", "after"])
def test_retry_table_aio(idle_cluster: harness.Cluster, mode: str) -> None:
    """The asyncio runner acts on the same decisions (one operation of each kind)."""
    node = _nodes(idle_cluster)[2]
    sample = [op.OP_CACHE_GET, op.OP_CACHE_PUT_ALL, op.OP_CACHE_PUT_IF_ABSENT, op.OP_CACHE_REMOVE_KEY]
    calls = [(code, call) for code, call in TABLE_CALLS if code in sample]

    async def main() -> None:
        client = FlakyAioClient(timeout=10, partition_aware=False)
        async with client.connect(RoundRobin([node], max_reconnects=1000)):
            cache: AioCache = await client.get_or_create_cache(unique_name("retry_aio"))
            for code, call in calls:
                await cache.put(1, "v")
                client.connection.arm = mode
                try:
                    await call(client, cache, "")
                    resent = True
                except SocketError:
                    resent = False
                assert resent == _expect_resent(code, mode), (RETRY_TABLE[code], mode)
            await client.get_cache_names()  # connected again after the last failure
            client.connection.arm = mode
            with pytest.raises(SocketError):  # RetryNone: the caller sees every failure
                await _none(client)
            await cache.destroy()

    async def _none(client: Any) -> Any:
        client._settings.retry_policy = RetryNone()
        return await client.get_cache_names()

    _run(main())


def test_kinds_are_known() -> None:
    assert {kind for _, kind in RETRY_TABLE.values()} == {IDEMPOTENT, NOT_IDEMPOTENT, BOUND}


# --- partition-aware multi-key operations ---------------------------------------------------------------

MULTI_OPS = (op.OP_CACHE_GET_ALL, op.OP_CACHE_PUT_ALL, op.OP_CACHE_CONTAINS_KEYS, op.OP_CACHE_REMOVE_KEYS,
             op.OP_CACHE_CLEAR_KEYS)


SINGLE_OPS = (op.OP_CACHE_GET, op.OP_CACHE_PUT, op.OP_CACHE_CONTAINS_KEY, op.OP_CACHE_GET_AND_PUT)


class _Sent:
    """Frames of multi-key requests as they were written: (node UUID, op code, keys); and of the
    single-key requests of the plain path (``singles``)."""

    def __init__(self) -> None:
        self.parts: List[Tuple[Any, int, List[Any]]] = []
        self.singles: List[Tuple[Any, int, Any]] = []  # single-key requests: (node UUID, op code, key)
        self.ctx: Any = None  # the binary registry to decode Complex object keys with

    def record(self, conn: Any, frame: bytearray) -> None:
        from pyignite.datatypes.base import decode
        from pyignite.protocol.frames import op_code_of

        code = op_code_of(frame)
        if code in SINGLE_OPS:
            self.singles.append((conn.node_uuid, code, decode(frame, 19, self.ctx)[0]))
            return
        if code not in MULTI_OPS:
            return
        count = int.from_bytes(frame[19:23], "little", signed=True)  # after the cache prefix
        pos, keys = 23, []
        for _ in range(count):
            key, pos = decode(frame, pos, self.ctx)
            if code == op.OP_CACHE_PUT_ALL:
                _, pos = decode(frame, pos, self.ctx)
            keys.append(key)
        self.parts.append((conn.node_uuid, code, keys))


SENT = _Sent()


class RecordingConnection(Connection):
    """Records every request written, whichever way (request() may or may not go through send();
    the tests using it are single-threaded)."""

    in_request = False

    def send(self, frame: bytearray) -> int:
        if not self.in_request:
            SENT.record(self, frame)
        return super().send(frame)

    def request(self, frame: bytearray, plain: bool = False) -> Any:
        SENT.record(self, frame)
        self.in_request = True
        try:
            return super().request(frame, plain)
        finally:
            self.in_request = False


class RecordingAioConnection(AioConnection):
    def submit(self, frame: bytearray) -> Any:  # every request passes here (request() too)
        SENT.record(self, frame)
        return super().submit(frame)


class RecordingClient(Client):
    _connection_class = RecordingConnection


class RecordingAioClient(AioClient):
    _connection_class = RecordingAioConnection


@contextlib.contextmanager
def _truth_and_cache(cluster3: Any, prefix: str) -> Iterator[Tuple[Any, str, List[Tuple[str, int]]]]:
    """The cluster's own view of the first 3 nodes (test_partition_awareness.Truth), a new cache
    on them (destroyed after) and the nodes' addresses."""
    from .test_partition_awareness import Truth

    truth = Truth(cluster3.ports[:3])
    name = truth.clients[0].create_cache(unique_name(prefix)).name
    try:
        yield truth, name, [("127.0.0.1", p) for p in cluster3.ports[:3]]
    finally:
        truth.clients[0].get_cache(name).destroy()
        truth.close()


@pytest.mark.cluster
@pytest.mark.parametrize("flavor", ["sync", "aio"])
def test_multi_key_operations_go_to_the_primary_nodes(cluster3: Any, flavor: str) -> None:
    """get_all, put_all, contains_keys, remove_keys and clear_keys of a partition-aware client send
    one request per node holding primary copies, each with exactly that node's keys -- as the
    cluster itself files them (local scans on each node) -- and merge the answers."""
    from .test_partition_awareness import plain_keys

    keys = plain_keys()
    items = [k if h is None else (k, h) for k, h in keys]
    with _truth_and_cache(cluster3, "pa_multi") as (truth, name, nodes):
        truth.put_all(name, keys)
        owner = truth.primaries(name)
        assert len(set(owner.values())) == 3
        expected = {k: "v" for k, _ in keys}

        def norm(key: Any) -> str:
            """Keys decoded by two registries: Complex objects compared by type id and fields."""
            cls = type(key)
            if hasattr(cls, "_type_id") and hasattr(cls, "_names"):
                return repr((cls._type_id, [getattr(key, n) for n in cls._names]))
            return repr(key)

        def check(code: int, mark: int) -> None:
            parts = [p for p in SENT.parts[mark:] if p[1] == code]
            assert len(parts) == 3, (code, parts)
            for node_id, _, sent_keys in parts:
                assert sorted(map(norm, sent_keys)) == sorted(norm(k) for k in owner if owner[k] == node_id), code
            assert len({p[0] for p in parts}) == 3

        def run_sync() -> None:
            with RecordingClient().connect(nodes) as client:
                SENT.ctx = client._ctx
                assert client.partition_aware
                cache = client.get_cache(name)
                for code, call, result in (
                    (op.OP_CACHE_PUT_ALL, lambda: cache.put_all({i: "v" for i in items}), None),
                    (op.OP_CACHE_GET_ALL, lambda: cache.get_all(items), expected),
                    (op.OP_CACHE_CONTAINS_KEYS, lambda: cache.contains_keys(items), True),
                    (op.OP_CACHE_REMOVE_KEYS, lambda: cache.remove_keys(items), None),
                    (op.OP_CACHE_CONTAINS_KEYS, lambda: cache.contains_keys(items), False),
                    (op.OP_CACHE_PUT_ALL, lambda: cache.put_all({i: "v" for i in items}), None),
                    (op.OP_CACHE_CLEAR_KEYS, lambda: cache.clear_keys(items), None),
                    (op.OP_CACHE_GET_ALL, lambda: cache.get_all(items), {}),
                ):
                    mark = len(SENT.parts)
                    assert call() == result, code
                    check(code, mark)

        async def run_aio() -> None:
            async with RecordingAioClient().connect(nodes) as client:
                SENT.ctx = client._ctx
                cache = client.get_cache(name)
                for code, call, result in (
                    (op.OP_CACHE_PUT_ALL, lambda: cache.put_all({i: "v" for i in items}), None),
                    (op.OP_CACHE_GET_ALL, lambda: cache.get_all(items), expected),
                    (op.OP_CACHE_CONTAINS_KEYS, lambda: cache.contains_keys(items), True),
                    (op.OP_CACHE_CLEAR_KEYS, lambda: cache.clear_keys(items), None),
                    (op.OP_CACHE_CONTAINS_KEYS, lambda: cache.contains_keys(items), False),
                ):
                    mark = len(SENT.parts)
                    assert await call() == result, code
                    check(code, mark)

        if flavor == "sync":
            run_sync()
        else:
            _run(run_aio())
        # without partition awareness: one request, to the one node
        with RecordingClient(partition_aware=False).connect(nodes) as plain:
            mark = len(SENT.parts)
            assert plain.get_cache(name).get_all(items) == {}
            assert len(SENT.parts) == mark + 1


@pytest.mark.cluster
@pytest.mark.parametrize("flavor", ["sync", "aio"])
def test_the_plain_path_goes_to_the_primary_nodes(cluster3: Any, flavor: str) -> None:
    """get/put/contains_key/get_and_put of int and str keys by a partition-aware client take the
    plain path (Client._plain / AioClient._plain, no query listener) and each goes to its key's
    primary node, as the cluster files the keys."""
    from pyignite.api_base import SLOW
    from pyignite.protocol.cache_ops import NO_VALUE, parse_value

    keys = [i * 7919 for i in range(12)] + [f"key-{i}" for i in range(12)] + ["ключ", -(2**63)]
    ops = [(op.OP_CACHE_PUT, "put"), (op.OP_CACHE_GET, "get"), (op.OP_CACHE_CONTAINS_KEY, "contains_key"),
           (op.OP_CACHE_GET_AND_PUT, "get_and_put")]
    with _truth_and_cache(cluster3, "pa_plain") as (truth, name, nodes):
        truth.put_all(name, [(k, None) for k in keys])
        owner = truth.primaries(name)
        assert len(set(owner.values())) == 3

        def check(results: List[Any]) -> None:
            assert results == ([None, "v", True, "v"] * len(keys))
            assert len(SENT.singles) == 4 * len(keys)
            wrong = [(code, key) for node_id, code, key in SENT.singles if node_id != owner[key]]
            assert not wrong, wrong

        if flavor == "sync":
            with RecordingClient().connect(nodes) as client:
                cache = client.get_cache(name)
                for key in keys:  # the first requests map the cache and make its prefixes
                    cache.get(key)
                    cache.get_and_put(key, "v")
                    cache.contains_key(key)
                assert client._plain(cache._ref, op.OP_CACHE_GET, keys[0], NO_VALUE, parse_value) is not SLOW
                SENT.singles.clear()
                results = []
                for key in keys:
                    for _, method in ops:
                        call = getattr(cache, method)
                        results.append(call(key, "v") if method in ("put", "get_and_put") else call(key))
                check(results)
        else:
            async def run() -> None:
                async with RecordingAioClient().connect(nodes) as client:
                    cache = client.get_cache(name)
                    for key in keys:
                        await cache.get(key)
                        await cache.get_and_put(key, "v")
                        await cache.contains_key(key)
                    plain = client._plain(cache._ref, op.OP_CACHE_GET, keys[0], NO_VALUE, parse_value)
                    assert plain is not SLOW
                    assert await plain == "v"
                    SENT.singles.clear()
                    results = []
                    for key in keys:
                        for _, method in ops:
                            call = getattr(cache, method)
                            results.append(await (call(key, "v") if method in ("put", "get_and_put") else call(key)))
                    check(results)

            _run(run())


@pytest.mark.cluster
@pytest.mark.parametrize("flavor", ["sync", "aio"])
def test_a_split_put_all_registers_new_binary_types_first(cluster3: Any, flavor: str) -> None:
    """put_all of objects of a type the cluster has never seen, split over 3 nodes: the type is
    registered before the parts go out, so a client that never saw the class reads them back."""
    from collections import OrderedDict

    from pyignite import GenericObjectMeta
    from pyignite.datatypes import String

    fresh = GenericObjectMeta("Fresh", (), {}, type_name=f"split.Fresh{uuid.uuid4().hex[:8]}",
                              schema=OrderedDict([("id", IntObject), ("name", String)]))
    nodes = [("127.0.0.1", p) for p in cluster3.ports[:3]]
    rows = {i: fresh(id=i, name=f"row {i}") for i in range(40)}
    with Client(partition_aware=False).connect("127.0.0.1", cluster3.ports[0]) as helper:
        name = helper.create_cache(unique_name("pa_fresh_type")).name
        try:
            if flavor == "sync":
                with Client().connect(nodes) as client:
                    assert client.partition_aware
                    client.get_cache(name).put_all(rows)
            else:
                async def put() -> None:
                    async with AioClient().connect(nodes) as client:
                        assert client.partition_aware
                        await client.get_cache(name).put_all(rows)

                _run(put())
            got = helper.get_cache(name).get_all(list(rows))
            assert sorted(got) == sorted(rows)
            assert {k: (v.id, v.name) for k, v in got.items()} == {i: (i, f"row {i}") for i in rows}
        finally:
            helper.get_cache(name).destroy()


@pytest.mark.cluster
@pytest.mark.parametrize("flavor", ["sync", "aio"])
def test_a_part_on_a_dead_connection_is_retried(idle_cluster: harness.Cluster, flavor: str) -> None:
    """The connection of one part breaks after its request was written: get_all (idempotent) is
    resent on the default connection and the merged answer is complete; with RetryNone the error
    reaches the caller."""
    nodes = _nodes(idle_cluster)
    keys = list(range(60))

    def victim(client: Any) -> Any:
        others = [c for c in client._pa.pool.connections() if c is not client.connection and c.alive]
        assert others
        return others[0]

    if flavor == "sync":
        with FlakyClient(timeout=10).connect(nodes) as client:
            cache = client.get_or_create_cache(unique_name("pa_retry"))
            cache.put_all({k: k for k in keys})
            assert cache.get_all(keys) == {k: k for k in keys}  # maps fetched, three parts
            victim(client).arm = "after"
            assert cache.get_all(keys) == {k: k for k in keys}
            client._settings.retry_policy = RetryNone()
            cache.get_all(keys)  # the broken node is reconnected
            victim(client).arm = "after"
            with pytest.raises(SocketError):
                cache.get_all(keys)
            cache.destroy()
        return

    async def main() -> None:
        client = FlakyAioClient(timeout=10)
        async with client.connect(nodes):
            cache = await client.get_or_create_cache(unique_name("pa_retry_aio"))
            await cache.put_all({k: k for k in keys})
            assert await cache.get_all(keys) == {k: k for k in keys}
            victim(client).arm = "after"
            assert await cache.get_all(keys) == {k: k for k in keys}
            client._settings.retry_policy = RetryNone()
            await cache.get_all(keys)
            victim(client).arm = "after"
            with pytest.raises(SocketError):
                await cache.get_all(keys)
            await cache.destroy()

    _run(main())


def test_discovered_nodes_come_after_the_given_ones_in_round_robin() -> None:
    from pyignite.connection.roundrobin import NodeSequence

    a, b, c = ("h", 1), ("h", 2), ("h", 3)
    seq = NodeSequence(iter([a]))
    assert list(seq.attempts()) == [a]
    seq.connected(a)
    seq.discovered = [a, b, c]
    assert list(seq.attempts()) == [b, c, a]  # the node just left is tried last
    seq.connected(c)
    assert list(seq.attempts()) == [a, b, c]
    seq.discovered = []
    assert list(seq.attempts()) == []
    assert "out of nodes" in str(seq.out_of_nodes())


@pytest.mark.cluster
def test_discovered_nodes_follow_the_cluster(idle_cluster: harness.Cluster) -> None:
    """A fourth node joins, then leaves: an idle client (its heartbeats carry the topology changes)
    refreshes the endpoints it fails over to."""
    node = _nodes(idle_cluster)[0]
    client = Client(partition_aware=False, heartbeat_interval=0.3).connect(*node)
    before = sorted(_nodes(idle_cluster))
    assert sorted(client.discovered_nodes) == before

    def wait_for(want: List[Node]) -> None:
        deadline = time.monotonic() + 20
        while sorted(client.discovered_nodes) != want and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sorted(client.discovered_nodes) == want

    fourth = idle_cluster.add_node()
    try:
        wait_for(sorted([*before, ("127.0.0.1", fourth.port)]))
    finally:
        fourth.stop()
        idle_cluster.nodes.remove(fourth)
        idle_cluster.save_state()
    wait_for(before)
    client.close()


@given(st.lists(st.one_of(st.integers(-(2**63), 2**63 - 1), st.text(max_size=8), st.uuids(), st.floats(allow_nan=False),
                         st.tuples(st.integers(-(2**31), 2**31 - 1), st.just(IntObject)), st.none()),
                min_size=1, max_size=30),
       st.data())
def test_a_part_is_the_request_built_for_its_items(keys: List[Any], data: Any) -> None:
    """A part of a split multi-key request, cut out of the whole request's frame, is byte for byte
    the request the builder writes for those items alone: for the key lists of get_all,
    contains_keys, remove_keys, clear_keys and for the pairs of put_all."""
    from pyignite.protocol import cache_ops
    from pyignite.protocol.cache_ops import CacheRef

    ref = CacheRef("parts")
    indices = data.draw(st.lists(st.integers(0, len(keys) - 1), unique=True))
    for build in (cache_ops.get_all, cache_ops.contains_keys, cache_ops.remove_keys, cache_ops.clear_keys):
        offsets: List[int] = []
        whole = build(ref, keys, ctx=NO_CONTEXT_FOR_TEST, offsets=offsets)
        assert whole.frame == build(ref, keys, ctx=NO_CONTEXT_FOR_TEST).frame  # recording changes nothing
        part = cache_ops.part_of(whole, offsets, indices)
        assert part.frame == build(ref, [keys[i] for i in indices], ctx=NO_CONTEXT_FOR_TEST).frame
        assert part.parse is whole.parse
    pairs = {(k if not isinstance(k, tuple) else k[0]): k for k in keys if k is not None}
    items = list(pairs.items())
    offsets = []
    whole = cache_ops.put_all(ref, pairs, ctx=NO_CONTEXT_FOR_TEST, offsets=offsets)
    chosen = [i for i in indices if i < len(items)]
    part = cache_ops.part_of(whole, offsets, chosen, 2)
    assert part.frame == cache_ops.put_all(ref, dict(items[i] for i in chosen), ctx=NO_CONTEXT_FOR_TEST).frame


@given(st.lists(st.one_of(st.integers(-(2**63), 2**63 - 1), st.text(max_size=8), st.uuids()), min_size=2,
                max_size=40),
       st.sampled_from([1024, 17, 1, 64]))
def test_split_groups_each_key_by_its_primary_node(keys: List[Any], parts: int) -> None:
    """The sans-IO split puts every key in the group of the node the single-key routing picks."""
    from pyignite.datatypes.hashing import hashcode
    from pyignite.protocol.affinity import CacheAffinity, KeySplit, PartitionAwareness, merge_none

    nodes = [uuid.UUID(int=i + 1) for i in range(3)]
    pa = PartitionAwareness()
    aff = CacheAffinity([nodes[(p * 7) % 3] for p in range(parts)], {})
    pa.router.update((1, 0), {5: aff}, [5])

    class Live:
        alive = True

        def __init__(self, node_uuid: uuid.UUID) -> None:
            self.node_uuid = node_uuid

    conns = {n: Live(n) for n in nodes}
    for i, n in enumerate(nodes[:2]):  # the third node has no connection: its keys go to the default
        pa.pool.connected(("h", i), conns[n])
    groups = pa.split(KeySplit(5, keys, lambda part: None, merge_none), NO_CONTEXT_FOR_TEST, 0.0)
    assert sorted(i for indices in groups.values() for i in indices) == list(range(len(keys)))
    for conn, indices in groups.items():
        for key in (keys[i] for i in indices):
            owner = aff.node_for_hash(hashcode(key))
            assert (conn.node_uuid if conn is not None else nodes[2]) == owner, key
