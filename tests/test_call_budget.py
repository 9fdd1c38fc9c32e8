"""Regression checks on the cost of the single-key hot path, in operations rather than seconds.

Timing assertions are useless on a shared machine, but the number of Python function calls one
``get`` or ``put`` makes is exact and stable, and it is what the hot path's speed comes from (the
uncontended transport path of :mod:`pyignite.connection.sync`, the per-cache request prefixes and
the inline codecs of :mod:`pyignite.protocol.cache_ops`). Each budget is a little above today's count
(given in the comments, Python 3.11): a change that makes a get or a put pay for more calls fails
here and has to say why, or raise the budget on purpose. ``scripts/bench --floor`` measures the time.

The inline codecs must write and read exactly what the generic codec does; the tests below check
that too.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, Callable, Dict, Tuple

import pytest

from pyignite import AioClient, Client
from pyignite.datatypes.base import decode, encode
from pyignite.datatypes.primitive import IntObject
from pyignite.exceptions import ParseError
from pyignite.protocol.cache_ops import encode_value, parse_value

from .util import unique_name

VALUE = "value-" + "x" * 26

#: Python-level calls (``sys.setprofile`` "call" events) per operation, a little above today's count
#: (10, 9, 10, 10 by the plain path of Client._plain on Python 3.11 -- one of them the reply's
#: ``quick_result``, shared with the general path; 20, 20, 20, 21 by the general path of Request
#: objects; 43, 42, 41, 45 before the fast paths)
SYNC_BUDGET = {"get": 11, "put": 11, "contains_key": 11, "get_and_put": 11}
#: asyncio: every call the event loop makes while the operation runs is counted too (one task,
#: nothing else pending): 40 and 39 today by AioClient._plain, 47 by the general path, 81 before
#: the fast paths
AIO_BUDGET = {"get": 42, "put": 42}
#: with partition awareness on three nodes, where PartitionAwareness.plain_route picks the key's
#: node on the same plain paths: 13 and 12 today (15 and 14 while the pool's connections were
#: keyed by UUID objects, whose hash and == are Python calls), asyncio 43 and 42
PA_SYNC_BUDGET = {"get": 14, "put": 14}
PA_AIO_BUDGET = {"get": 45, "put": 45}


def count_calls(fn: Callable[[], Any]) -> int:
    calls = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


def sync_counts(nodes: Any, names: Tuple[str, ...], **kwargs: Any) -> Dict[str, int]:
    """The fewest calls of 3 runs of each operation in ``names`` on a fresh cache of a ``Client``."""
    with Client(**kwargs).connect(nodes) as client:
        cache = client.create_cache(unique_name("budget"))
        try:
            ops: Dict[str, Callable[[], Any]] = {
                "get": lambda: cache.get(1),
                "put": lambda: cache.put(1, VALUE),
                "contains_key": lambda: cache.contains_key(1),
                "get_and_put": lambda: cache.get_and_put(1, VALUE),
            }
            counts = {}
            for name in names:
                ops[name]()  # first use: request prefixes built, caches warm
                counts[name] = min(count_calls(ops[name]) for _ in range(3))
            assert cache.get(1) == VALUE
            return counts
        finally:
            cache.destroy()


def aio_counts(nodes: Any, **kwargs: Any) -> Dict[str, int]:
    """:func:`sync_counts` of ``get`` and ``put`` for an ``AioClient`` (the event loop's calls too)."""
    async def main() -> Dict[str, int]:
        async with AioClient(**kwargs).connect(nodes) as client:
            cache = await client.create_cache(unique_name("budget"))
            try:
                counts: Dict[str, int] = {}
                for name, make in (("get", lambda: cache.get(1)), ("put", lambda: cache.put(1, VALUE))):
                    await make()
                    best = None
                    for _ in range(3):
                        calls = 0

                        def profile(frame: Any, event: str, arg: Any) -> None:
                            nonlocal calls
                            if event == "call":
                                calls += 1

                        sys.setprofile(profile)
                        try:
                            await make()
                        finally:
                            sys.setprofile(None)
                        best = calls if best is None else min(best, calls)
                    counts[name] = best or 0
                assert await cache.get(1) == VALUE
                return counts
            finally:
                await cache.destroy()

    return asyncio.run(main())


def within(counts: Dict[str, int], budget: Dict[str, int], what: str) -> None:
    for name, calls in counts.items():
        assert calls <= budget[name], f"{what} {name} makes {calls} Python calls, over its budget of {budget[name]}"


def test_sync_single_key_operations_stay_within_their_call_budget(node: Tuple[str, int]) -> None:
    within(sync_counts([node], tuple(SYNC_BUDGET)), SYNC_BUDGET, "")


def test_aio_single_key_operations_stay_within_their_call_budget(node: Tuple[str, int]) -> None:
    within(aio_counts([node]), AIO_BUDGET, "aio")


def test_partition_aware_operations_stay_within_their_call_budget(cluster3: Any) -> None:
    nodes = [("127.0.0.1", port) for port in cluster3.ports]
    within(sync_counts(nodes, ("get", "put"), partition_aware=True), PA_SYNC_BUDGET, "partition-aware")
    within(aio_counts(nodes, partition_aware=True), PA_AIO_BUDGET, "partition-aware aio")


@pytest.mark.parametrize("value", [
    0, 1, -1, 2**31, -(2**63), 2**63 - 1, "", "key", "ключ", "\U0001f600", None,
])
def test_inline_encoder_writes_what_the_codec_writes(value: Any) -> None:
    fast, generic = bytearray(), bytearray()
    encode_value(fast, value, None, None)  # type: ignore[arg-type]
    encode(generic, value)
    assert fast == generic
    assert parse_value(bytes(fast), 0, None) == value  # type: ignore[arg-type]


def test_inline_encoder_hands_the_rest_to_the_codec() -> None:
    fast, generic = bytearray(), bytearray()
    encode_value(fast, 7, IntObject, None)  # type: ignore[arg-type]
    encode(generic, 7, IntObject)
    assert fast == generic and fast[0] == 3
    assert parse_value(bytes(fast), 0, None) == 7  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError)):
        encode_value(bytearray(), 2**63, None, None)  # type: ignore[arg-type]  # too big for a Long
    with pytest.raises(ValueError):
        encode_value(bytearray(), "\ud800", None, None)  # type: ignore[arg-type]  # a lone surrogate
    for value in (True, 1.5, b"ab", [1, 2]):
        fast, generic = bytearray(), bytearray()
        encode_value(fast, value, None, None)  # type: ignore[arg-type]
        encode(generic, value)
        assert fast == generic


def test_inline_decoder_reads_what_the_codec_reads() -> None:
    cesu = b"\x09" + (6).to_bytes(4, "little") + b"\xed\xa0\xbd\xed\xb8\x80"  # Java's modified UTF-8 of U+1F600
    assert parse_value(cesu, 0, None) == decode(cesu, 0)[0] == "\U0001f600"  # type: ignore[arg-type]
    truncated = b"\x09" + (10).to_bytes(4, "little") + b"abc"
    with pytest.raises(ParseError):
        parse_value(truncated, 0, None)  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - struct.error; read_response reports it as ParseError
        parse_value(b"\x04\x01\x02", 0, None)  # type: ignore[arg-type]


def test_bulk_requests_write_what_the_codec_writes() -> None:
    from pyignite.datatypes import IntObject as Int
    from pyignite.datatypes.base import encode_item
    from pyignite.protocol import cache_ops
    from pyignite.protocol.cache_ops import CacheRef, parse_pairs

    pairs = {1: "a", "é": 2, "k": None, -5: ("zz", None), False: 1.5, "abc": [1, 2], (7, Int): 2**63 - 1}
    generic = bytearray(len(pairs).to_bytes(4, "little"))
    for key, value in pairs.items():
        encode_item(generic, key)
        encode_item(generic, value)
    req = cache_ops.put_all(CacheRef("c"), pairs)
    assert req.frame[-len(generic):] == generic
    keys = [1, "é", "k", -(2**63), (7, Int), 2.5]
    generic = bytearray(len(keys).to_bytes(4, "little"))
    for key in keys:
        encode_item(generic, key)
    assert cache_ops.get_all(CacheRef("c"), keys).frame[-len(generic):] == generic
    # a get_all reply: i32 count, then key, value, key, value...
    reply = bytearray((3).to_bytes(4, "little"))
    for key, value in ((1, "one"), ("two", 2), (2.5, None)):
        encode_item(reply, key)
        encode_item(reply, value)
    assert parse_pairs(bytes(reply), 0, None) == {1: "one", "two": 2, 2.5: None}  # type: ignore[arg-type]


# --- the blocking client's plain path (Client._plain) ----------------------------------------------

PLAIN_ITEMS = [0, -1, 2**63 - 1, -(2**63), "", "key", "ключ", "\U0001f600", 1.5, float("inf"), -0.0, True, False]


@pytest.mark.parametrize("op_code", [1000, 1001, 1005, 1011])
def test_plain_requests_are_the_requests_of_the_general_path(op_code: int) -> None:
    """cache_ops.plain_request writes byte for byte what key_op / key_value_op write, and declines
    (None) whatever it cannot write: unknown prefix, hints aside, other types, a None key, a Long
    overflow, a lone surrogate -- the general path then encodes or refuses them."""
    from pyignite.protocol import cache_ops
    from pyignite.protocol.cache_ops import NO_VALUE, CacheRef, key_op, key_value_op, plain_request

    for expiry in (None, (1000, -2, -1)):
        ref = CacheRef("plain", expiry)
        assert plain_request(ref, op_code, 1) is None  # no prefix yet: an earlier request makes it
        cache_ops.cache_request(op_code, ref)
        with_value = op_code in (1001, 1005)
        for key in PLAIN_ITEMS:
            for value in [*PLAIN_ITEMS, None] if with_value else [NO_VALUE]:
                plain = plain_request(ref, op_code, key, value)
                general = (key_value_op(op_code, ref, key, value) if with_value else key_op(op_code, ref, key)).frame
                assert plain == general, (key, value)
        value = "v" if with_value else NO_VALUE
        for key in (None, 2**63, "\ud800", b"bytes", (1, IntObject), [1], 2.5j):
            assert plain_request(ref, op_code, key, value) is None, key
        if with_value:
            for bad in (2**63, "\ud800", b"bytes", [1], object()):
                assert plain_request(ref, op_code, 1, bad) is None, bad
            assert plain_request(ref, op_code, 1, None) is not None  # a None value is written


def test_plain_reply_takes_only_a_whole_plain_success() -> None:
    """Session.plain_reply: one whole reply to this request with flags 0, nothing buffered; any
    other chunk is left to Session.replies, untouched."""
    import struct

    from pyignite.protocol.session import Session

    session = Session("127.0.0.1", 1)
    session.flags_header = True

    def reply(rid: int, flags: int, payload: bytes) -> bytes:
        body = struct.pack("<qh", rid, flags) + payload
        return struct.pack("<i", len(body)) + body

    ok = reply(7, 0, b"\x65")
    assert session.plain_reply(ok, 7) == ok[4:]
    assert session.plain_reply(memoryview(ok), 7) == ok[4:]
    assert session._received == 2
    for chunk, rid in (
        (ok, 8),  # another request's reply
        (reply(7, 1, struct.pack("<i", 1) + b"\x09\x00\x00\x00\x00"), 7),  # an error
        (reply(7, 2, b"\x00" * 12 + b"\x65"), 7),  # a topology change
        (reply(7, 4, b"\x00\x00\x65"), 7),  # a notification
        (ok[:-1], 7),  # a partial reply
        (ok + reply(8, 0, b"\x65"), 7),  # two replies
        (ok[:10], 7),  # not even a header
    ):
        assert session.plain_reply(chunk, rid) is None, chunk
    assert session._received == 2
    session.replies(ok[:5])  # a partial frame buffered: whatever comes next completes it first
    assert session.plain_reply(ok, 7) is None
    old = Session("127.0.0.1", 1)  # protocol < 1.4: no flags field
    assert old.plain_reply(ok, 7) is None


def test_replies_by_id_gives_plain_successes_as_their_frames() -> None:
    """Session.replies_by_id (the asyncio transport's reader): a flags-0 reply as its frame alone,
    any other as replies() gives it; notifications routed; pieces and protocol < 1.4 handled."""
    import struct

    from pyignite.protocol.session import Session

    def reply(rid: int, flags: int, payload: bytes) -> bytes:
        body = struct.pack("<qh", rid, flags) + payload
        return struct.pack("<i", len(body)) + body

    session = Session("127.0.0.1", 1)
    session.flags_header = True
    ok, err = reply(7, 0, b"\x65"), reply(8, 1, struct.pack("<i", 1001) + b"\x09\x02\x00\x00\x00no")
    topo = reply(9, 2, struct.pack("<qi", 5, 1) + b"\x65")
    notification = reply(11, 4, struct.pack("<h", 2007) + b"\x65")  # about resource 11: routed, not a reply
    stream = ok + err + notification + topo + reply(10, 0, b"")
    got = session.replies_by_id(stream[:20]) + session.replies_by_id(stream[20:])
    assert [rid for rid, _ in got] == [7, 8, 9, 10]
    assert got[0][1] == ok[4:] and got[3][1] == reply(10, 0, b"")[4:]
    header, frame = got[1][1]
    assert header.status == 1001 and header.message == "no" and frame == err[4:]
    header, _ = got[2][1]
    assert header.topology == (5, 1) and session.topology == (5, 1) and header.payload_offset == 22
    assert session._received == 5 and list(session._unclaimed) == [11]
    general = Session("127.0.0.1", 1)
    general.flags_header = True
    assert [(h.request_id, f) for h, f in general.replies(stream)] == [
        (rid, r if type(r) is bytes else r[1]) for rid, r in got]
    old = Session("127.0.0.1", 1)  # protocol < 1.4: request id, status; always the header
    legacy = struct.pack("<qi", 3, 0) + b"\x65"
    (rid, (header, frame)), = old.replies_by_id(struct.pack("<i", len(legacy)) + legacy)
    assert rid == 3 and header.status == 0 and frame == legacy


def test_quick_result_parses_only_a_success_it_can_read_alone() -> None:
    """quick_result (the success path of both transports): a plain success's frame or a status-0
    (header, frame) is parsed; an error status or a payload its parser refuses is UNFINISHED, for
    read_response to name; header_and_frame gives every reply as read_response takes it."""
    import struct

    from pyignite.datatypes.base import NO_CONTEXT
    from pyignite.protocol.request import UNFINISHED, header_and_frame, quick_result

    plain = struct.pack("<qh", 7, 0) + b"\x04" + struct.pack("<q", -5)  # a Long after id and flags
    assert quick_result(plain, parse_value, NO_CONTEXT) == -5
    assert quick_result(plain, None, NO_CONTEXT) is None  # a put
    assert quick_result(plain[:12], parse_value, NO_CONTEXT) is UNFINISHED  # a truncated Long
    topo = struct.pack("<qhqi", 7, 2, 5, 1) + b"\x65"  # a success with a topology change
    assert quick_result(header_and_frame(topo), parse_value, NO_CONTEXT) is None
    error = struct.pack("<qhi", 8, 1, 1001) + b"\x09\x02\x00\x00\x00no"
    assert quick_result(header_and_frame(error), None, NO_CONTEXT) is UNFINISHED
    header, frame = header_and_frame(plain)
    assert frame is plain and (header.request_id, header.status, header.payload_offset) == (7, 0, 10)
    reply = header_and_frame(error)
    assert header_and_frame(reply) is reply and reply[0].status == 1001


class _PieceSocket:
    """A real socket whose reads return at most ``size`` bytes: every reply arrives in pieces."""

    def __init__(self, sock: Any, size: int) -> None:
        self.sock = sock
        self.size = size

    def recv_into(self, view: Any, nbytes: int = 0) -> int:
        return int(self.sock.recv_into(view, min(len(view), self.size)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


def test_the_plain_path_against_a_node(node: Tuple[str, int]) -> None:
    """get/put/contains_key/get_and_put by the plain path: every supported type round trips,
    replies read in pieces are assembled by the general reader, a server error is a CacheError,
    and a value of a binary type the client has not seen is fetched and decoded."""
    from collections import OrderedDict

    from pyignite import GenericObjectMeta
    from pyignite.datatypes import String
    from pyignite.exceptions import CacheError
    from pyignite.protocol.session import Session

    with Client().connect(*node) as client, Client().connect(*node) as other:
        cache = client.create_cache(unique_name("plain"))
        conn = client._conn
        assert conn is not None
        seen: list = []

        def spy(chunk: Any, rid: int) -> Any:
            whole = Session.plain_reply(conn, chunk, rid)
            seen.append(whole is not None)
            return whole

        try:
            for first in (lambda: cache.put(0, 0), lambda: cache.get(0), lambda: cache.contains_key(0),
                          lambda: cache.get_and_put(0, 0)):
                first()  # the general path builds the cache's prefixes
            conn.plain_reply = spy  # type: ignore[method-assign]
            for i, item in enumerate(PLAIN_ITEMS):
                cache.put(item, item)
                assert cache.get(item) == item and type(cache.get(item)) is type(item)
                assert cache.contains_key(item) is True
                assert cache.get_and_put(item, i) == item
                assert cache.get(item) == i
            assert cache.get("absent") is None and cache.contains_key("absent") is False
            assert seen and all(seen), "every reply above took the plain path"

            seen.clear()
            conn._sock = _PieceSocket(conn._sock, 3)  # type: ignore[assignment]
            try:
                big = "ж" * 5000 + "𝄞"
                cache.put("big", big)
                assert cache.get("big") == big
                assert cache.get_and_put("big", 2.5) == big
                assert cache.contains_key("big") is True and cache.get("big") == 2.5
            finally:
                conn._sock = conn._sock.sock  # type: ignore[attr-defined]
            assert seen and not any(seen), "replies in pieces go to the general reader"

            fresh = GenericObjectMeta("PlainValue", (), {}, type_name=unique_name("plain.Value"),
                                      schema=OrderedDict([("name", String)]))
            other.get_cache(cache.name).put(1, fresh(name="from the other client"))
            seen.clear()
            got = cache.get(1)  # decoding needs the type's schema: fetched, then decoded
            assert got.name == "from the other client" and seen == [True]
        finally:
            cache.destroy()
        seen.clear()
        with pytest.raises(CacheError) as err:
            cache.get(1)  # the prefix is known: the plain path, and the server's error
        assert seen == [False] and err.value.status is not None and cache.name in str(err.value)


def test_the_aio_plain_path_against_a_node(node: Tuple[str, int]) -> None:
    """AioClient._plain: the same round trips, the server's error, a binary type fetched first, and
    the general path where the plain one does not apply (a hint, an unsupported type)."""
    from collections import OrderedDict

    from pyignite import GenericObjectMeta
    from pyignite.api_base import SLOW
    from pyignite.datatypes import String
    from pyignite.exceptions import CacheError
    from pyignite.protocol.cache_ops import NO_VALUE

    fresh = GenericObjectMeta("PlainAioValue", (), {}, type_name=unique_name("plain.AioValue"),
                              schema=OrderedDict([("name", String)]))

    async def main() -> None:
        async with AioClient().connect(*node) as client, AioClient().connect(*node) as other:
            cache = await client.create_cache(unique_name("plain_aio"))
            try:
                await cache.put(0, 0)
                await cache.get(0)
                await cache.contains_key(0)
                await cache.get_and_put(0, 0)
                plain = client._plain(cache._ref, 1000, 0, NO_VALUE, parse_value)
                assert plain is not SLOW  # the prefixes are made: the plain path applies
                assert await plain == 0
                for i, item in enumerate(PLAIN_ITEMS):
                    await cache.put(item, item)
                    got = await cache.get(item)
                    assert got == item and type(got) is type(item)
                    assert await cache.contains_key(item) is True
                    assert await cache.get_and_put(item, i) == item
                    assert await cache.get(item) == i
                assert await cache.get("absent") is None
                assert client._plain(cache._ref, 1000, [1], NO_VALUE, parse_value) is SLOW
                await cache.put(5, 7, value_hint=IntObject)  # the general path
                assert await cache.get(5) == 7
                await other.get_cache(cache.name).put(1, fresh(name="from the other client"))
                assert (await cache.get(1)).name == "from the other client"
            finally:
                await cache.destroy()
            with pytest.raises(CacheError) as err:
                await cache.get(1)
            assert cache.name in str(err.value)

    asyncio.run(main())
