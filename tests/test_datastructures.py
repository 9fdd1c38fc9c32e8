"""AtomicLong and IgniteSet against a real node, with the Client (threads) and the AioClient (tasks)."""

from __future__ import annotations

import asyncio
import random
import threading
from typing import Any, Tuple

import pytest

from pyignite import AioClient, Client
from pyignite.datastructures import AtomicLong, IgniteSet
from pyignite.datatypes import IntObject
from pyignite.datatypes.cache_config import CacheMode
from pyignite.exceptions import CacheError, NotSupportedByClusterError, ParameterError
from pyignite.protocol import status

from .util import unique_name

# --- AtomicLong ---------------------------------------------------------------------------------


def test_atomic_long_operations(client: Client) -> None:
    name = unique_name("al")
    al = client.atomic_long(name, initial=5)
    assert isinstance(al, AtomicLong) and al.name == name
    assert al.get() == 5
    assert client.atomic_long(name, initial=100).get() == 5  # exists: initial is ignored
    assert al.add_and_get(10) == 15
    assert al.get_and_add(-3) == 15 and al.get() == 12
    assert al.increment_and_get() == 13
    assert al.decrement_and_get() == 12
    assert al.get_and_increment() == 12 and al.get() == 13
    assert al.get_and_decrement() == 13 and al.get() == 12
    assert al.get_and_set(42) == 12 and al.get() == 42
    assert al.compare_and_set(41, 1) is False and al.get() == 42
    assert al.compare_and_set(42, 1) is True and al.get() == 1
    assert al.compare_and_set_and_get(7, 9) == 1 and al.get() == 1
    assert al.compare_and_set_and_get(1, 9) == 1 and al.get() == 9
    assert al.add_and_get(-(2**63) - 9 + 9) == -(2**63) + 9  # 64-bit arithmetic on the server
    al.get_and_set(2**63 - 1)
    assert al.get_and_add(1) == 2**63 - 1 and al.get() == -(2**63)  # wraps as a Java long
    assert al.exists() is True
    al.remove()
    assert al.exists() is False
    with pytest.raises(CacheError) as info:
        al.get()
    assert info.value.status == status.RESOURCE_DOES_NOT_EXIST
    assert client.atomic_long(name, create=False) is None


def test_atomic_long_configuration(client: Client) -> None:
    name = unique_name("al")
    al = client.atomic_long(name, initial=3, backups=0, cache_mode=CacheMode.REPLICATED,
                            atomic_sequence_reserve_size=10, group_name="pyignite_atomics")
    assert al.group_name == "pyignite_atomics" and al.get() == 3
    # the group names the cache: looked up without it, the AtomicLong is not found
    assert client.atomic_long(name, create=False) is None
    assert client.atomic_long(name, create=False, group_name="pyignite_atomics").get() == 3
    al.remove()


@pytest.mark.parametrize("kwargs,match", [
    ({"name": ""}, "name"),
    ({"name": "x", "initial": 2**63}, "initial"),
    ({"name": "x", "initial": "1"}, "initial"),
    ({"name": "x", "create": 1}, "create"),
    ({"name": "x", "backups": -1}, "backups"),
    ({"name": "x", "cache_mode": CacheMode.LOCAL}, "cache_mode"),
    ({"name": "x", "cache_mode": 7}, "cache_mode"),
])
def test_atomic_long_bad_arguments(client: Client, kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        client.atomic_long(**kwargs)


def test_atomic_long_16_threads(client: Client) -> None:
    al = client.atomic_long(unique_name("al"))
    per_thread = 200
    seen: list = []
    lock = threading.Lock()

    def work() -> None:
        mine = [al.increment_and_get() for _ in range(per_thread)]
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert al.get() == 16 * per_thread
    assert sorted(seen) == list(range(1, 16 * per_thread + 1))  # every increment seen exactly once
    al.remove()


def test_atomic_long_64_tasks(node: Tuple[str, int]) -> None:
    async def main() -> None:
        async with AioClient().connect(*node) as client:
            al = await client.atomic_long(unique_name("al"), initial=0)
            assert isinstance(al, AtomicLong)

            async def work() -> list:
                return [await al.increment_and_get() for _ in range(50)]

            results = await asyncio.gather(*(work() for _ in range(64)))
            assert await al.get() == 64 * 50
            assert sorted(v for r in results for v in r) == list(range(1, 64 * 50 + 1))
            # compare-and-set loops converge under contention too
            async def cas_add() -> None:
                while True:
                    cur = await al.get()
                    if await al.compare_and_set(cur, cur + 1):
                        return

            await asyncio.gather(*(cas_add() for _ in range(64)))
            assert await al.get() == 64 * 51
            await al.remove()
            assert await client.atomic_long(al.name, create=False) is None

    asyncio.run(main())


# --- IgniteSet ----------------------------------------------------------------------------------


@pytest.fixture
def ignite_set(client: Client) -> Any:
    s = client.ignite_set(unique_name("set"))
    try:
        yield s
    finally:
        if s.exists():
            s.close()


def test_set_behaves_as_a_python_set(client: Client, ignite_set: IgniteSet) -> None:
    rnd = random.Random(3)
    model: set = set()
    for _ in range(400):
        value = rnd.choice([rnd.randrange(50), f"s{rnd.randrange(30)}"])
        action = rnd.randrange(6)
        if action <= 1:
            assert ignite_set.add(value) is (value not in model)
            model.add(value)
        elif action == 2:
            assert ignite_set.remove(value) is (value in model)
            model.discard(value)
        elif action == 3:
            assert (value in ignite_set) is (value in model)
        elif action == 4:
            batch = [rnd.randrange(60) for _ in range(5)]
            assert ignite_set.add_all(batch) is (not set(batch) <= model)
            model.update(batch)
        else:
            batch = [rnd.randrange(60) for _ in range(5)]
            assert ignite_set.remove_all(batch) is bool(model & set(batch))
            model.difference_update(batch)
    assert len(ignite_set) == len(model)
    assert set(ignite_set) == model
    assert set(ignite_set.values(page_size=3)) == model
    assert ignite_set.contains_all(list(model)[:5]) is True
    assert ignite_set.contains_all([*list(model)[:5], "absent"]) is False
    keep = set(list(model)[: len(model) // 2])
    assert ignite_set.retain_all(keep) is True
    assert set(ignite_set) == keep
    assert ignite_set.retain_all(keep) is False
    ignite_set.clear()
    assert len(ignite_set) == 0 and list(ignite_set) == []
    assert ignite_set.exists() is True


def test_set_types_and_hints(ignite_set: IgniteSet) -> None:
    assert ignite_set.add(1) is True
    assert ignite_set.add((1, IntObject)) is True  # an int is another Java value than a long
    assert ignite_set.size() == 2
    assert ignite_set.contains((1, IntObject)) is True
    with pytest.raises(ParameterError, match="None"):
        ignite_set.add(None)
    with pytest.raises(ParameterError):
        ignite_set.add_all("abc")


def test_set_iteration_pages_and_early_stop(client: Client) -> None:
    s = client.ignite_set(unique_name("set"), page_size=7)
    s.add_all(range(100))
    assert sorted(s) == list(range(100))
    for _ in range(150):  # more than the server's open resources would allow if leaked
        with s.values(page_size=2) as cursor:
            next(cursor)
    it = s.values(page_size=10)
    assert len([next(it) for _ in range(25)]) == 25
    it.close()
    s.close()
    assert s.exists() is False
    with pytest.raises(CacheError) as info:
        s.size()
    assert info.value.status == status.RESOURCE_DOES_NOT_EXIST
    assert client.ignite_set(s.name, create=False) is None


def test_set_configuration(client: Client) -> None:
    name = unique_name("set")
    assert client.ignite_set(name, create=False) is None
    s = client.ignite_set(name, collocated=True, backups=1, cache_mode=CacheMode.PARTITIONED, atomicity_mode=0)
    assert s.collocated is True
    s.add_all(["a", "b"])
    again = client.ignite_set(name, create=False)
    assert again is not None and again.cache_id == s.cache_id and again.collocated is True
    assert set(again) == {"a", "b"}
    s.close()
    with pytest.raises(ParameterError, match="collocated"):
        client.ignite_set(name, collocated=1)
    with pytest.raises(ParameterError, match="page_size"):
        client.ignite_set(name, page_size=0)


def test_set_async(node: Tuple[str, int]) -> None:
    async def main() -> None:
        async with AioClient().connect(*node) as client:
            s = await client.ignite_set(unique_name("set"), page_size=16)
            assert isinstance(s, IgniteSet)
            results = await asyncio.gather(*(s.add(i % 100) for i in range(300)))
            assert sum(results) == 100  # each value added once, whatever the order
            assert await s.size() == 100
            assert {v async for v in s} == set(range(100))
            async with s.values(page_size=5) as cursor:
                first = [await cursor.__anext__() for _ in range(3)]
            assert len(first) == 3
            assert await s.contains(5) is True
            with pytest.raises(TypeError):
                len(s)
            await s.close()
            assert await s.exists() is False

    asyncio.run(main())


def test_old_server_is_refused() -> None:
    """A server before 2.14 answers the ops with INVALID_OP_CODE: NotSupportedByClusterError naming
    the capability and the first release that has it."""
    from pyignite.protocol.capabilities import unknown_op_error

    for op_code, name in ((9000, "atomic long"), (9007, "atomic long"), (9010, "ignite set"), (9023, "ignite set")):
        err = unknown_op_error(op_code, "Invalid request op code")
        assert isinstance(err, NotSupportedByClusterError) and err.capability == name and "2.14" in str(err)
