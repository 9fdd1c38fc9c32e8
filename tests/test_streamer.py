"""The data streamer against real nodes: loads and counts, overwrite and fallback modes, periodic
flushes, errors, Complex objects, the asyncio client and partition-aware routing.

CI streams 100,000 entries; ``-m slow`` runs 1,000,000 into a node with a 1 GiB data region.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Iterator, Tuple

import pytest

from pyignite import AioClient, Client, GenericObjectMeta
from pyignite.datatypes import IntObject, String
from pyignite.exceptions import CacheError, NotSupportedByClusterError, ParameterError
from pyignite.protocol import status
from pyignite.streamer import DEFAULT_BUFFER, AioDataStreamer, DataStreamer

from .util import unique_name

CI_ENTRIES = 100_000


@pytest.fixture
def fresh_cache(client: Client) -> Iterator[Any]:
    cache = client.create_cache(unique_name("stream"))
    try:
        yield cache
    finally:
        cache.destroy()


def test_streams_and_counts(client: Client, fresh_cache: Any) -> None:
    with client.streamer(fresh_cache) as streamer:
        assert isinstance(streamer, DataStreamer) and streamer.mode == "streamer"
        for i in range(CI_ENTRIES):
            streamer.add(i, f"v{i}")
    assert streamer.closed and streamer.added == streamer.loaded == CI_ENTRIES
    assert streamer.batches == -(-CI_ENTRIES // DEFAULT_BUFFER)
    assert fresh_cache.get_size() == CI_ENTRIES
    sample = list(range(0, CI_ENTRIES, 997))
    assert fresh_cache.get_all(sample) == {i: f"v{i}" for i in sample}


def test_add_all_flush_and_cache_name(client: Client, fresh_cache: Any) -> None:
    streamer = client.streamer(fresh_cache.name, per_node_buffer=100, per_node_parallel=2)
    streamer.add_all({i: i * i for i in range(250)})
    streamer.add_all((i, i * i) for i in range(250, 300))
    # three full batches went out; with two in flight at most, the first was waited for
    assert 100 <= streamer.loaded <= 300
    streamer.flush()
    assert streamer.loaded == 300 and fresh_cache.get_size() == 300
    streamer.close()
    streamer.close()  # idempotent
    with pytest.raises(ParameterError, match="closed"):
        streamer.add(1, 1)
    assert fresh_cache.get(17) == 289


def test_allow_overwrite(client: Client, fresh_cache: Any) -> None:
    fresh_cache.put_all({1: "old", 2: "old"})
    with client.streamer(fresh_cache) as streamer:  # Ignite's default: existing keys keep their values
        streamer.add_all({1: "new", 3: "new"})
    assert fresh_cache.get_all([1, 2, 3]) == {1: "old", 2: "old", 3: "new"}
    with client.streamer(fresh_cache, allow_overwrite=True, skip_store=True) as streamer:
        streamer.add_all({1: "new", 2: "new"})
    assert fresh_cache.get_all([1, 2, 3]) == {1: "new", 2: "new", 3: "new"}


def test_put_all_mode(client: Client, fresh_cache: Any) -> None:
    fresh_cache.put(1, "old")
    with client.streamer(fresh_cache, mode="put_all", per_node_buffer=500) as streamer:
        assert streamer.mode == "put_all"
        streamer.add_all((i, f"v{i}") for i in range(5000))
    assert fresh_cache.get_size() == 5000 and fresh_cache.get(1) == "v1"  # put_all overwrites


def test_hints_and_complex_objects(client: Client, fresh_cache: Any) -> None:
    class StreamedPerson(metaclass=GenericObjectMeta, schema={"name": String, "age": IntObject}):
        pass

    with client.streamer(fresh_cache, per_node_buffer=64) as streamer:
        for i in range(200):
            streamer.add((i, IntObject), StreamedPerson(name=f"p{i}", age=i))
    assert fresh_cache.get_size() == 200
    person = fresh_cache.get(7, key_hint=IntObject)
    assert (person.name, person.age) == ("p7", 7)


def test_flush_interval(client: Client, fresh_cache: Any) -> None:
    with client.streamer(fresh_cache, flush_interval=0.2) as streamer:
        streamer.add_all({i: i for i in range(10)})  # far from a full buffer
        deadline = time.monotonic() + 10
        while (fresh_cache.get_size() < 10 or streamer.loaded < 10) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fresh_cache.get_size() == 10
        assert streamer.loaded == 10  # the answered batch is accounted by a later tick


def test_errors(client: Client) -> None:
    streamer = client.streamer(unique_name("missing"), per_node_buffer=10)
    with pytest.raises(CacheError) as info:
        streamer.add_all({i: i for i in range(50)})
        streamer.flush()
    assert info.value.status == status.CACHE_DOES_NOT_EXIST
    with pytest.raises(CacheError):  # the streamer stays failed
        streamer.add(1, 1)
    with pytest.raises(CacheError):
        streamer.close()
    assert streamer.closed


def test_bad_entries_raise_at_once(client: Client, fresh_cache: Any) -> None:
    with client.streamer(fresh_cache) as streamer:
        with pytest.raises(ParameterError, match="None"):
            streamer.add(1, None)
        with pytest.raises(ParameterError):
            streamer.add(None, 1)
        with pytest.raises((TypeError, ValueError)):
            streamer.add(1, object())
        streamer.add(2, "fine")  # nothing of the bad entries was buffered
    assert fresh_cache.get_size() == 1 and fresh_cache.get(2) == "fine"


@pytest.mark.parametrize("kwargs,match", [
    ({"allow_overwrite": 1}, "allow_overwrite"),
    ({"per_node_buffer": 0}, "per_node_buffer"),
    ({"per_node_parallel": 0}, "per_node_parallel"),
    ({"flush_interval": 0}, "flush_interval"),
    ({"mode": "fast"}, "mode"),
])
def test_bad_arguments(client: Client, kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        client.streamer("c", **kwargs)


def test_exception_in_block_keeps_what_was_added(client: Client, fresh_cache: Any) -> None:
    with pytest.raises(KeyError):
        with client.streamer(fresh_cache) as streamer:
            streamer.add_all({i: i for i in range(10)})
            raise KeyError("boom")
    assert fresh_cache.get_size() == 10


def test_fallback_when_the_server_lacks_the_op(client: Client) -> None:
    """A server before Ignite 2.11 answers OP_DATA_STREAMER_START with INVALID_OP_CODE: the batch is
    sent again as put_all (mode "auto") or the error is NotSupportedByClusterError (mode "streamer")."""
    from pyignite.protocol.capabilities import unknown_op_error
    from pyignite.protocol.streamer_ops import Batch

    refusal = unknown_op_error(8000, "Invalid request op code: 8000")  # what the runner raises
    auto = client.streamer("c")
    batch = Batch(None)
    again = auto._settle(batch, refusal)
    assert again is not None and auto.mode == "put_all"
    assert int.from_bytes(again.frame[4:6], "little") == 1004  # OP_CACHE_PUT_ALL
    strict = client.streamer("c", mode="streamer")
    assert strict._settle(Batch(None), refusal) is None
    assert strict._error is refusal and strict.mode == "streamer"
    assert isinstance(refusal, NotSupportedByClusterError) and "2.11" in str(refusal)


def test_async_streamer(node: Tuple[str, int]) -> None:
    async def main() -> None:
        async with AioClient().connect(*node) as client:
            cache = await client.create_cache(unique_name("stream"))
            try:
                async with client.streamer(cache, per_node_buffer=512) as streamer:
                    assert isinstance(streamer, AioDataStreamer)

                    async def produce(start: int) -> None:
                        for i in range(start, start + 10_000):
                            await streamer.add(i, i)

                    await asyncio.gather(*(produce(k * 10_000) for k in range(5)))
                    await streamer.add_all({-i: i for i in range(1, 101)})
                    await streamer.flush()
                    assert streamer.loaded == 50_100
                assert await cache.get_size() == 50_100
                async with client.streamer(cache, flush_interval=0.1) as streamer:
                    await streamer.add(-1000, 1)
                    for _ in range(100):
                        if await cache.get(-1000) == 1:
                            break
                        await asyncio.sleep(0.05)
                    assert await cache.get(-1000) == 1
                bad = client.streamer(unique_name("missing"), per_node_buffer=5)
                with pytest.raises(CacheError):
                    await bad.add_all({i: i for i in range(20)})
                    await bad.close()
            finally:
                await cache.destroy()

    asyncio.run(main())


@pytest.mark.cluster
def test_partition_aware_batches_per_node(cluster3: Any) -> None:
    nodes = [("127.0.0.1", p) for p in cluster3.ports[:3]]
    client = Client(partition_aware=True)
    with client.connect(nodes):
        cache = client.create_cache(unique_name("stream"))
        try:
            with client.streamer(cache, per_node_buffer=256) as streamer:
                streamer.add_all((i, i) for i in range(20_000))
                aff = streamer._core.affinity
                assert aff is not None and len(set(aff.owners)) == 3  # buffers per primary node
            assert cache.get_size() == 20_000
            assert streamer.loaded == 20_000
        finally:
            cache.destroy()


@pytest.mark.slow
def test_one_million_entries() -> None:
    """1,000,000 entries loaded and counted, into a node with a 1 GiB data region (``-m slow``)."""
    import harness

    cluster = harness.Cluster("streamer1m", base_port=10990, region_mb=1024)
    cluster.start()
    try:
        with Client().connect("127.0.0.1", cluster.ports[0]) as client:
            cache = client.create_cache(unique_name("million"))
            with client.streamer(cache) as streamer:
                streamer.add_all((i, i) for i in range(1_000_000))
            assert streamer.loaded == 1_000_000
            assert cache.get_size() == 1_000_000
            assert cache.get_all([0, 999_999, 123_456]) == {0: 0, 999_999: 999_999, 123_456: 123_456}
    finally:
        cluster.stop()


def _entries() -> list:
    from pyignite.datatypes import LongObject

    return [(i, f"v{i}") for i in range(-5, 40)] + [
        (1 << 62, "big key"), (-(1 << 63), "min key"), ("ключ", "значение"), ("k", 1.5),
        ((7, IntObject), ("x", String)),
        (2 ** 40 + 3, -(2 ** 62)), (True, b"bytes"), ("s" * 300, [1, 2]), ((9, LongObject), 9),
    ]


@pytest.mark.parametrize("owners", [None, 1, 3])
def test_fill_writes_what_add_writes(owners: Any) -> None:
    """The bulk path (``add_all``) inlines Longs and ASCII strings and hashes Long keys itself: its
    batches must hold the same bytes, in the same groups, as adding the entries one by one."""
    import uuid

    from pyignite.protocol.affinity import CacheAffinity
    from pyignite.protocol.cache_ops import CacheRef
    from pyignite.protocol.streamer_ops import StreamerCore

    nodes = [uuid.UUID(int=n + 1) for n in range(owners or 1)]
    aff = None if owners is None else CacheAffinity([nodes[p % len(nodes)] for p in range(1024)], {})

    def run(bulk: bool) -> list:
        core = StreamerCore(CacheRef("c"), 0, 7, "streamer")
        core.affinity = aff
        out = []
        if bulk:
            pairs = iter(_entries())
            while (batch := core.fill(pairs)) is not None:
                out.append(batch)
        else:
            out = [b for b in (core.add(k, v) for k, v in _entries()) if b is not None]
        added = core.added
        out += core.drain()
        return [(b.group, b.count, bytes(b.body), b.route_key) for b in out] + [added]

    assert run(True) == run(False)
    assert run(True)[-1] == len(_entries())


def test_fill_rejects_bad_entries_keeping_the_good_ones() -> None:
    from pyignite.protocol.cache_ops import CacheRef
    from pyignite.protocol.streamer_ops import StreamerCore

    core = StreamerCore(CacheRef("c"), 0, 100, "streamer")
    with pytest.raises(ParameterError, match="None"):
        core.fill(iter([(1, "a"), (2, None), (3, "c")]))
    with pytest.raises(TypeError):
        core.fill(iter([(4, "d"), (5, object())]))
    assert core.added == 2 and core.buffered == 2
    (batch,) = core.drain()
    ref = StreamerCore(CacheRef("c"), 0, 100, "streamer")
    ref.add(1, "a")
    ref.add(4, "d")
    assert bytes(batch.body) == bytes(ref.drain()[0].body)
