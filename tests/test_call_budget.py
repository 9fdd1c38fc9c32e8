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
#: (19, 19, 19, 20 on Python 3.9 to 3.13; 43, 42, 41, 45 before the fast paths)
SYNC_BUDGET = {"get": 21, "put": 21, "contains_key": 21, "get_and_put": 22}
#: asyncio: every call the event loop makes while the operation runs is counted too (one task,
#: nothing else pending): 45 today, 81 before the fast paths
AIO_BUDGET = {"get": 48, "put": 48}


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


def test_sync_single_key_operations_stay_within_their_call_budget(node: Tuple[str, int]) -> None:
    with Client().connect(*node) as client:
        cache = client.create_cache(unique_name("budget"))
        try:
            ops: Dict[str, Callable[[], Any]] = {
                "get": lambda: cache.get(1),
                "put": lambda: cache.put(1, VALUE),
                "contains_key": lambda: cache.contains_key(1),
                "get_and_put": lambda: cache.get_and_put(1, VALUE),
            }
            for name, op in ops.items():
                op()  # first use: request prefixes built, caches warm
                counts = [count_calls(op) for _ in range(3)]
                assert min(counts) <= SYNC_BUDGET[name], (
                    f"{name} makes {min(counts)} Python calls, over its budget of {SYNC_BUDGET[name]}"
                )
            assert cache.get(1) == VALUE
        finally:
            cache.destroy()


def test_aio_single_key_operations_stay_within_their_call_budget(node: Tuple[str, int]) -> None:
    async def main() -> Dict[str, int]:
        async with AioClient().connect(*node) as client:
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

    counts = asyncio.run(main())
    for name, calls in counts.items():
        budget = AIO_BUDGET[name]
        assert calls <= budget, f"aio {name} makes {calls} Python calls, over its budget of {budget}"


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
