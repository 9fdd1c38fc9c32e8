"""Transactions against a real Ignite 2.18.0 node, with the blocking and the asyncio client.

Every test uses a fresh ``TRANSACTIONAL`` cache (``PROP_CACHE_ATOMICITY_MODE`` 0). What another
connection sees is checked with a second client, so visibility is the server's, not our own
bookkeeping.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from datetime import timedelta
from typing import Any, Iterator, List, Tuple

import pytest

from pyignite import AioClient, Client, TransactionConcurrency, TransactionIsolation
from pyignite.datatypes.prop_codes import PROP_CACHE_ATOMICITY_MODE, PROP_NAME
from pyignite.exceptions import CacheError, NotSupportedError, ParameterError, TransactionError
from pyignite.protocol import cache_ops, tx_ops
from pyignite.protocol.cache_ops import CacheRef
from pyignite.protocol.status import TX_LIMIT_EXCEEDED
from pyignite.transaction import Transaction

from .util import unique_name

TRANSACTIONAL = 0
PESSIMISTIC = TransactionConcurrency.PESSIMISTIC
OPTIMISTIC = TransactionConcurrency.OPTIMISTIC
REPEATABLE_READ = TransactionIsolation.REPEATABLE_READ
SERIALIZABLE = TransactionIsolation.SERIALIZABLE


def tx_settings(name: str) -> dict:
    return {PROP_NAME: name, PROP_CACHE_ATOMICITY_MODE: TRANSACTIONAL}


@pytest.fixture
def tx_cache(client: Client) -> Iterator[Any]:
    cache = client.create_cache(tx_settings(unique_name("tx")))
    try:
        yield cache
    finally:
        cache.destroy()


@pytest.fixture
def other(node: Tuple[str, int]) -> Iterator[Client]:
    """A second client: another connection, to see what the server shows outside the transaction."""
    c = Client()
    c.connect(*node)
    try:
        yield c
    finally:
        c.close()


# --- wire format (no server) ------------------------------------------------------------------------

def test_bind_to_tx_patches_the_cache_prefix() -> None:
    req = cache_ops.get(CacheRef("c"), 7)
    plain = bytes(req.frame)
    assert tx_ops.bind_to_tx(req, 0x01020304)
    frame = bytes(req.frame)
    assert frame[18] == plain[18] | tx_ops.FLAG_TRANSACTIONAL
    assert struct.unpack_from("<i", frame, 19)[0] == 0x01020304
    assert frame[23:] == plain[19:] and frame[:18] == plain[:18]
    assert req.tx_id == 0x01020304
    assert tx_ops.bind_to_tx(req, 0x01020304)  # idempotent
    assert bytes(req.frame) == frame


def test_bind_to_tx_puts_the_id_after_the_expiry_block() -> None:
    req = cache_ops.put(CacheRef("c", (1, -2, -1)), 1, 2)
    plain = bytes(req.frame)
    tx_ops.bind_to_tx(req, 5)
    frame = bytes(req.frame)
    assert frame[18] == tx_ops.FLAG_TRANSACTIONAL | tx_ops.FLAG_WITH_EXPIRY_POLICY
    assert struct.unpack_from("<qqq", frame, 19) == (1, -2, -1)
    assert struct.unpack_from("<i", frame, 43)[0] == 5
    assert frame[47:] == plain[43:]


def test_bind_to_tx_leaves_other_operations_alone() -> None:
    for req in (cache_ops.get_names(), cache_ops.destroy(CacheRef("c")), tx_ops.tx_end(3, True)):
        before = bytes(req.frame)
        assert not tx_ops.bind_to_tx(req, 9)
        assert bytes(req.frame) == before and req.tx_id is None


def test_tx_start_request_layout() -> None:
    frame = tx_ops.tx_start(OPTIMISTIC, SERIALIZABLE, 1500, "lbl").frame
    assert struct.unpack_from("<h", frame, 4)[0] == 4000
    assert struct.unpack_from("<bbq", frame, 14) == (0, 2, 1500)
    assert bytes(frame[24:]) == b"\x09\x03\x00\x00\x00lbl"
    assert bytes(tx_ops.tx_start(PESSIMISTIC, REPEATABLE_READ, 0, None).frame[24:]) == b"\x65"
    end = tx_ops.tx_end(7, False).frame
    assert struct.unpack_from("<hqi?", end, 4) == (4001, 0, 7, False)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"concurrency": 2},
        {"concurrency": "PESSIMISTIC"},
        {"isolation": 3},
        {"isolation": True},
        {"timeout": -1},
        {"timeout": 1.5},
        {"timeout": "10"},
        {"label": 5},
    ],
)
def test_bad_arguments_are_parameter_errors(kwargs: dict) -> None:
    client = Client()  # not connected: validation happens before any I/O
    with pytest.raises(ParameterError):
        client.tx_start(**kwargs)
    assert client._txs.current() is None


# --- commit, rollback, visibility ---------------------------------------------------------------

def test_commit_is_visible(client: Client, tx_cache: Any, other: Client) -> None:
    seen = other.get_cache(tx_cache.name)
    with client.tx_start() as tx:
        assert isinstance(tx, Transaction) and tx.tx_id is not None
        tx_cache.put("a", 1)
        tx_cache.put_all({"b": 2, "c": 3})
        assert tx_cache.get("a") == 1  # the transaction sees its own writes
        assert seen.get("a") is None  # nobody else does yet
        tx.commit()
    assert tx.closed
    assert seen.get_all(["a", "b", "c"]) == {"a": 1, "b": 2, "c": 3}


def test_rollback_is_not_visible(client: Client, tx_cache: Any, other: Client) -> None:
    tx_cache.put("a", "before")
    tx = client.tx_start()
    tx_cache.put("a", "inside")
    tx_cache.put("b", "inside")
    tx.rollback()
    assert tx.closed
    seen = other.get_cache(tx_cache.name)
    assert seen.get("a") == "before" and seen.get("b") is None
    assert tx_cache.get("a") == "before"


def test_leaving_the_block_without_commit_rolls_back(client: Client, tx_cache: Any, other: Client) -> None:
    tx_cache.put("k", 1)
    with client.tx_start(PESSIMISTIC, REPEATABLE_READ) as tx:
        tx_cache.put("k", 2)
        tx_cache.put("new", 2)
        assert tx_cache.remove_key("k")
        assert not tx_cache.contains_key("k")
    assert tx.closed
    seen = other.get_cache(tx_cache.name)
    assert seen.get("k") == 1 and not seen.contains_key("new")


def test_exception_in_the_block_rolls_back_and_propagates(client: Client, tx_cache: Any, other: Client) -> None:
    with pytest.raises(ZeroDivisionError):
        with client.tx_start():
            tx_cache.put("k", "lost")
            _ = 1 / 0
    assert other.get_cache(tx_cache.name).get("k") is None
    with client.tx_start() as tx:  # the thread is free for the next transaction
        tx_cache.put("k", "kept")
        tx.commit()
    assert other.get_cache(tx_cache.name).get("k") == "kept"


def test_other_threads_are_not_in_the_transaction(client: Client, tx_cache: Any, other: Client) -> None:
    errors: List[BaseException] = []

    def outside() -> None:
        try:
            tx_cache.put("outside", 1)  # same client, other thread: not part of the transaction
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with client.tx_start():
        tx_cache.put("inside", 1)
        t = threading.Thread(target=outside)
        t.start()
        t.join(30)
        assert not t.is_alive() and not errors
        assert other.get_cache(tx_cache.name).get("outside") == 1  # committed on its own
    seen = other.get_cache(tx_cache.name)
    assert seen.get("inside") is None and seen.get("outside") == 1


def test_non_key_value_operations_inside_a_transaction(client: Client, tx_cache: Any) -> None:
    with client.tx_start() as tx:
        tx_cache.put(1, "one")
        assert tx_cache.name in client.get_cache_names()  # not a cache data request: passes through
        assert tx_cache.get_size() >= 0  # GET_SIZE takes no transaction id: sent unchanged
        tx_cache.put_if_absent(2, "two")
        assert tx_cache.get_and_replace(2, "TWO") == "two"
        assert tx_cache.contains_keys([1, 2])
        tx.commit()
    assert tx_cache.get_all([1, 2]) == {1: "one", 2: "TWO"}


def test_label_timeout_and_repr(client: Client, tx_cache: Any) -> None:
    with client.tx_start(OPTIMISTIC, SERIALIZABLE, timeout=timedelta(seconds=5), label="nightly batch") as tx:
        assert tx.timeout == 5000 and tx.label == "nightly batch"
        assert "OPTIMISTIC" in repr(tx) and "open" in repr(tx)
        tx_cache.put(1, 1)
        tx.commit()
    assert "closed" in repr(tx)


# --- misuse -----------------------------------------------------------------------------------------

def test_one_transaction_per_thread(client: Client, tx_cache: Any) -> None:
    with client.tx_start() as tx:
        with pytest.raises(TransactionError, match="already open in this thread"):
            client.tx_start()
        tx_cache.put(1, 1)
        tx.commit()


def test_commit_twice_raises_and_rollback_after_commit_is_a_no_op(client: Client, tx_cache: Any) -> None:
    tx = client.tx_start()
    tx_cache.put(1, 1)
    tx.commit()
    with pytest.raises(TransactionError, match="already closed"):
        tx.commit()
    tx.rollback()
    tx.close()
    assert tx_cache.get(1) == 1


def test_ending_in_another_thread_is_refused(client: Client, tx_cache: Any) -> None:
    tx = client.tx_start()
    caught: List[BaseException] = []

    def commit_elsewhere() -> None:
        try:
            tx.commit()
        except BaseException as exc:
            caught.append(exc)

    t = threading.Thread(target=commit_elsewhere)
    t.start()
    t.join(30)
    assert len(caught) == 1 and isinstance(caught[0], TransactionError)
    assert "thread" in str(caught[0])
    assert not tx.closed
    tx.rollback()


def test_transaction_limit_per_connection(client: Client, tx_cache: Any) -> None:
    """The server allows 100 open transactions per connection (ThinClientConfiguration default)."""
    limit = 100
    started = threading.Barrier(limit + 1, timeout=120)
    release = threading.Event()
    errors: List[BaseException] = []

    def hold() -> None:
        try:
            tx = client.tx_start()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            started.abort()
            return
        try:
            started.wait()
            release.wait(120)
        finally:
            tx.rollback()

    threads = [threading.Thread(target=hold) for _ in range(limit)]
    for t in threads:
        t.start()
    try:
        started.wait()
        assert not errors
        with pytest.raises(TransactionError) as info:
            client.tx_start()
        assert info.value.status == TX_LIMIT_EXCEEDED
        assert "limit" in str(info.value)
        assert client._txs.current() is None
    finally:
        release.set()
        for t in threads:
            t.join(60)
    with client.tx_start() as tx:  # the slots are free again
        tx_cache.put(1, 1)
        tx.commit()
    assert tx_cache.get(1) == 1


def test_lost_connection_fails_the_transaction(node: Tuple[str, int], tx_cache: Any, other: Client) -> None:
    c = Client()
    c.connect(*node)
    try:
        cache = c.get_cache(tx_cache.name)
        tx = c.tx_start()
        cache.put("k", 1)
        assert c.connection is not None
        c.connection.close()  # the connection of the transaction goes away
        with pytest.raises(TransactionError, match="lost"):
            cache.put("k", 2)
        with pytest.raises(TransactionError, match="lost"):
            tx.commit()
        assert tx.closed
        tx.rollback()  # nothing to do: no error
        assert other.get_cache(tx_cache.name).get("k") is None  # the server rolled it back
        c.connect(*node)
        cache.put("k", 3)  # outside any transaction again
        assert other.get_cache(tx_cache.name).get("k") == 3
    finally:
        c.close()


def test_not_supported_before_protocol_1_5(node: Tuple[str, int]) -> None:
    c = Client(protocol_version=(1, 4, 0))
    c.connect(*node)
    try:
        assert c.protocol_version == (1, 4, 0)
        with pytest.raises(NotSupportedError, match=r"1\.5\.0"):
            c.tx_start()
        assert c._txs.current() is None
        assert isinstance(c.get_cache_names(), list)  # the client is fine
    finally:
        c.close()


# --- concurrency control ------------------------------------------------------------------------

def test_pessimistic_conflict_times_out(client: Client, tx_cache: Any, other: Client) -> None:
    """A pessimistic transaction locks what it writes; another one waiting for the lock fails when
    its own timeout expires (Ignite: "Failed to acquire lock within provided timeout")."""
    tx_cache.put("k", 0)
    theirs = other.get_cache(tx_cache.name)
    with client.tx_start(PESSIMISTIC, REPEATABLE_READ) as tx:
        tx_cache.put("k", 1)
        started = time.monotonic()
        with pytest.raises(CacheError, match=r"(?i)timeout"):
            with other.tx_start(PESSIMISTIC, REPEATABLE_READ, timeout=500) as blocked:
                theirs.put("k", 2)
        waited = time.monotonic() - started
        assert 0.4 < waited < 30
        assert blocked.closed
        tx.commit()
    assert theirs.get("k") == 1


def test_pessimistic_conflict_blocks_until_the_lock_is_released(
    client: Client, tx_cache: Any, other: Client
) -> None:
    tx_cache.put("k", 0)
    theirs = other.get_cache(tx_cache.name)
    done = threading.Event()
    errors: List[BaseException] = []

    def second() -> None:
        try:
            with other.tx_start(PESSIMISTIC, REPEATABLE_READ) as tx2:
                theirs.put("k", 2)  # waits for the first transaction's lock
                tx2.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    with client.tx_start(PESSIMISTIC, REPEATABLE_READ) as tx:
        tx_cache.put("k", 1)
        t = threading.Thread(target=second)
        t.start()
        assert not done.wait(1.0)  # still blocked while we hold the lock
        tx.commit()
    assert done.wait(30) and not errors
    t.join(10)
    assert theirs.get("k") == 2  # applied after ours


def test_optimistic_serializable_conflict_raises_on_commit(client: Client, tx_cache: Any, other: Client) -> None:
    tx_cache.put("k", 1)
    tx = client.tx_start(OPTIMISTIC, SERIALIZABLE)
    assert tx_cache.get("k") == 1
    other.get_cache(tx_cache.name).put("k", 5)  # changes what the transaction read
    tx_cache.put("k", tx_cache.get("k") + 1)
    with pytest.raises(TransactionError, match=r"(?i)conflict"):
        tx.commit()
    assert tx.closed
    assert tx_cache.get("k") == 5


def test_optimistic_serializable_without_conflict_commits(client: Client, tx_cache: Any) -> None:
    tx_cache.put("k", 1)
    with client.tx_start(OPTIMISTIC, SERIALIZABLE) as tx:
        tx_cache.put("k", tx_cache.get("k") + 1)
        tx.commit()
    assert tx_cache.get("k") == 2


# --- asyncio --------------------------------------------------------------------------------------

def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 120))


async def aio_pair(node: Tuple[str, int]) -> Tuple[AioClient, AioClient, Any, Any]:
    a = AioClient()
    await a.connect(*node)
    b = AioClient()
    await b.connect(*node)
    cache = await a.create_cache(tx_settings(unique_name("aiotx")))
    return a, b, cache, b.get_cache(cache.name)


async def aio_close(a: AioClient, b: AioClient, cache: Any) -> None:
    try:
        await cache.destroy()
    finally:
        await a.close()
        await b.close()


def test_async_commit_rollback_and_block_exit(node: Tuple[str, int]) -> None:
    async def main() -> None:
        a, b, mine, theirs = await aio_pair(node)
        try:
            async with a.tx_start() as tx:
                await mine.put("a", 1)
                assert await mine.get("a") == 1
                assert await theirs.get("a") is None
                await tx.commit()
            assert tx.closed and await theirs.get("a") == 1

            tx = await a.tx_start(PESSIMISTIC, REPEATABLE_READ)  # the awaitable form
            await mine.put("a", 2)
            await tx.rollback()
            assert await theirs.get("a") == 1

            async with a.tx_start():
                await mine.put("a", 3)
            assert await theirs.get("a") == 1  # left without commit: rolled back

            with pytest.raises(KeyError):
                async with a.tx_start():
                    await mine.put("a", 4)
                    raise KeyError("boom")
            assert await theirs.get("a") == 1

            async with a.tx_start() as tx:
                with pytest.raises(TransactionError, match="already open in this task"):
                    await a.tx_start()
                await tx.commit()
        finally:
            await aio_close(a, b, mine)

    run(main())


def test_async_transaction_is_bound_to_its_task(node: Tuple[str, int]) -> None:
    async def main() -> None:
        a, b, mine, theirs = await aio_pair(node)
        try:
            wrote = asyncio.Event()
            checked = asyncio.Event()

            async def in_tx() -> None:
                async with a.tx_start():
                    await mine.put("tx", 1)
                    wrote.set()
                    await checked.wait()
                    # leaves without commit: rolled back

            async def plain() -> None:
                await wrote.wait()
                await mine.put("plain", 1)  # same client, another task: not in the transaction
                assert await theirs.get("plain") == 1
                assert await theirs.get("tx") is None
                checked.set()

            await asyncio.gather(in_tx(), plain())
            assert await theirs.get("tx") is None and await theirs.get("plain") == 1

            # two tasks of one client, each with its own transaction at the same time
            async def own(key: str) -> None:
                async with a.tx_start() as tx:
                    await mine.put(key, key)
                    await asyncio.sleep(0.05)
                    await tx.commit()

            await asyncio.gather(own("x"), own("y"))
            assert await theirs.get_all(["x", "y"]) == {"x": "x", "y": "y"}
        finally:
            await aio_close(a, b, mine)

    run(main())


def test_async_pessimistic_conflict_times_out(node: Tuple[str, int]) -> None:
    async def main() -> None:
        a, b, mine, theirs = await aio_pair(node)
        try:
            await mine.put("k", 0)
            async with a.tx_start(PESSIMISTIC, REPEATABLE_READ) as tx:
                await mine.put("k", 1)
                with pytest.raises(CacheError, match=r"(?i)timeout"):
                    async with b.tx_start(PESSIMISTIC, REPEATABLE_READ, timeout=500):
                        await theirs.put("k", 2)
                await tx.commit()
            assert await theirs.get("k") == 1
        finally:
            await aio_close(a, b, mine)

    run(main())


def test_async_optimistic_serializable_conflict_raises(node: Tuple[str, int]) -> None:
    async def main() -> None:
        a, b, mine, theirs = await aio_pair(node)
        try:
            await mine.put("k", 1)
            async with a.tx_start(OPTIMISTIC, SERIALIZABLE) as tx:
                value = await mine.get("k")
                await theirs.put("k", 5)
                await mine.put("k", value + 1)
                with pytest.raises(TransactionError, match=r"(?i)conflict"):
                    await tx.commit()
            assert await theirs.get("k") == 5
        finally:
            await aio_close(a, b, mine)

    run(main())
