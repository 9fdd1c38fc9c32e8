"""Expiry policies: per operation with ``cache.with_expire_policy(...)`` and per cache with
``PROP_EXPIRY_POLICY``, against a real Ignite 2.18.0 node.

Durations are short (``TTL``) and disappearance is polled with a bounded wait. Reads that check
whether an entry is still there go through a cache object *without* a policy: a plain ``get`` does
not change an entry's expiry time.
"""

from __future__ import annotations

import asyncio
import struct
import time
from datetime import timedelta
from typing import Any, Iterator, Tuple

import pytest

from pyignite import AioClient, Client
from pyignite.cache import Cache
from pyignite.datatypes.expiry_policy import ExpiryPolicy
from pyignite.datatypes.prop_codes import PROP_CACHE_ATOMICITY_MODE, PROP_EXPIRY_POLICY, PROP_NAME
from pyignite.exceptions import NotSupportedError, ParameterError

from .util import unique_name

#: entry lifetime used by the tests (ms)
TTL = 1000
#: how long a test waits at most for an entry to disappear (s)
PATIENCE = 15.0


def wait_until_gone(cache: Any, key: Any) -> float:
    """Poll ``cache.get(key)`` until it is None; return the seconds it took (fail after PATIENCE)."""
    started = time.monotonic()
    while time.monotonic() - started < PATIENCE:
        if cache.get(key) is None:
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"{key!r} still in {cache.name!r} after {PATIENCE} s")


@pytest.fixture
def plain(client: Client) -> Iterator[Cache]:
    cache = client.create_cache(unique_name("expiry"))
    try:
        yield cache
    finally:
        cache.destroy()


# --- the cache object ---------------------------------------------------------------------------

def test_with_expire_policy_makes_a_new_cache_object(plain: Cache) -> None:
    short = plain.with_expire_policy(create=TTL)
    assert type(short) is type(plain)
    assert short.name == plain.name and short.cache_id == plain.cache_id and short.client is plain.client
    assert short is not plain
    assert plain._ref.expiry is None  # the original is untouched
    assert short._ref.expiry == (TTL, -2, -2)
    policy = ExpiryPolicy(create=timedelta(seconds=1), update=ExpiryPolicy.ETERNAL, access=5)
    assert plain.with_expire_policy(policy)._ref.expiry == (1000, -1, 5)
    assert plain.with_expire_policy(access=timedelta(milliseconds=250))._ref.expiry == (-2, -2, 250)


def test_requests_carry_the_policy(plain: Cache) -> None:
    from pyignite.protocol import cache_ops

    short = plain.with_expire_policy(create=1, update=2, access=3)
    frame = cache_ops.get(short._ref, 1).frame
    assert frame[18] == 0x04
    assert struct.unpack_from("<qqq", frame, 19) == (1, 2, 3)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        ((ExpiryPolicy(create=1),), {"update": 5}),
        (("1000",), {}),
        ((), {"create": -5}),
        ((), {"update": 1.5}),
        ((), {"access": timedelta(microseconds=1500)}),
    ],
)
def test_bad_policies_are_parameter_errors(plain: Cache, args: tuple, kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        plain.with_expire_policy(*args, **kwargs)


def test_not_supported_before_protocol_1_6(node: Tuple[str, int]) -> None:
    c = Client(protocol_version=(1, 5, 0))
    c.connect(*node)
    try:
        with pytest.raises(NotSupportedError, match=r"1\.6\.0"):
            c.get_cache("whatever").with_expire_policy(create=TTL)
    finally:
        c.close()


# --- entries expire -----------------------------------------------------------------------------

def test_create_duration(plain: Cache) -> None:
    short = plain.with_expire_policy(create=TTL)
    short.put("k", "v")
    plain.put("eternal", "v")
    assert plain.get("k") == "v"  # there right after the put
    waited = wait_until_gone(plain, "k")
    assert waited > 0.3
    assert plain.get("eternal") == "v"


def test_create_duration_as_timedelta_and_put_all(plain: Cache) -> None:
    short = plain.with_expire_policy(ExpiryPolicy(create=timedelta(milliseconds=TTL)))
    short.put_all({1: "a", 2: "b"})
    assert plain.get_all([1, 2]) == {1: "a", 2: "b"}
    wait_until_gone(plain, 1)
    wait_until_gone(plain, 2)


def test_update_duration(plain: Cache) -> None:
    plain.put("old", "v1")  # eternal
    on_update = plain.with_expire_policy(update=TTL)
    on_update.put("old", "v2")  # an update: now expires
    on_update.put("new", "v")  # a creation: creation expiry not set, so it stays
    assert plain.get("old") == "v2"
    wait_until_gone(plain, "old")
    assert plain.get("new") == "v"


def test_access_duration(plain: Cache) -> None:
    plain.put("read me", "v")
    plain.put("leave me", "v")
    on_access = plain.with_expire_policy(access=TTL)
    assert on_access.get("read me") == "v"  # the read starts the clock
    wait_until_gone(plain, "read me")
    assert plain.get("leave me") == "v"


def test_eternal_overrides_the_cache_policy(client: Client) -> None:
    cache = client.create_cache({PROP_NAME: unique_name("expiry"), PROP_EXPIRY_POLICY: ExpiryPolicy(create=TTL)})
    try:
        cache.with_expire_policy(create=ExpiryPolicy.ETERNAL).put("stays", 1)
        cache.put("goes", 1)
        wait_until_gone(cache, "goes")
        assert cache.get("stays") == 1
    finally:
        cache.destroy()


def test_cache_wide_policy(client: Client) -> None:
    """``PROP_EXPIRY_POLICY`` (the key-value engineer's property) makes every entry expire."""
    cache = client.create_cache({PROP_NAME: unique_name("expiry"), PROP_EXPIRY_POLICY: ExpiryPolicy(create=TTL)})
    try:
        assert cache.settings[PROP_EXPIRY_POLICY] == ExpiryPolicy(create=TTL)
        cache.put("k", 1)
        assert cache.get("k") == 1
        wait_until_gone(cache, "k")
    finally:
        cache.destroy()


def test_policy_inside_a_transaction(client: Client) -> None:
    """Expiry block and transaction id in one request: the id goes after the three durations."""
    cache = client.create_cache({PROP_NAME: unique_name("expiry"), PROP_CACHE_ATOMICITY_MODE: 0})
    try:
        with client.tx_start() as tx:
            cache.with_expire_policy(create=TTL).put("k", 1)
            cache.put("stays", 1)
            tx.commit()
        assert cache.get("k") == 1
        wait_until_gone(cache, "k")
        assert cache.get("stays") == 1
    finally:
        cache.destroy()


def test_async_cache_with_expire_policy(node: Tuple[str, int]) -> None:
    async def main() -> None:
        c = AioClient()
        await c.connect(*node)
        cache = await c.create_cache(unique_name("aioexpiry"))
        try:
            short = cache.with_expire_policy(create=TTL)
            assert type(short) is type(cache)
            await short.put("k", 1)
            assert await cache.get("k") == 1
            started = time.monotonic()
            while await cache.get("k") is not None:
                assert time.monotonic() - started < PATIENCE, "entry did not expire"
                await asyncio.sleep(0.1)
        finally:
            await cache.destroy()
            await c.close()

    asyncio.run(asyncio.wait_for(main(), 60))
