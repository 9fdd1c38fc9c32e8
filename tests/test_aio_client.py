"""The asyncio client against real Ignite nodes: what is specific to asyncio.

The API operations themselves run for both clients from the sync test modules (``[aio]`` ids, see
``BOTH_CLIENTS_MODULES`` in conftest.py); this module covers connecting (``await``, ``async with``,
version fallback, TLS, authentication, failover), many concurrent tasks on one connection,
cancellation, timeouts, and async cursors.
"""

from __future__ import annotations

import asyncio
import functools
import random
import socket
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import pytest

from pyignite import AioCache, AioClient, RetryNone
from pyignite.aio_client import CursorCall
from pyignite.connection.aio import FLUSH_EVERY
from pyignite.cursors import AioCursor
from pyignite.exceptions import (
    CacheCreationError,
    CacheError,
    HandshakeError,
    ParameterError,
    ReconnectError,
    RequestTimeoutError,
    SocketError,
)
from pyignite.protocol.handshake import PROTOCOL_VERSIONS

from .test_aio_transport import NEVER, ScriptedPeer
from .util import free_port, unique_name

Node = Tuple[str, int]


def aio_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an ``async def`` test in a fresh event loop (bounded, so a hang fails the test)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 120))

    return run


# --- connecting -----------------------------------------------------------------------------------

@aio_test
async def test_async_with_connect(node: Node) -> None:
    client = AioClient()
    async with client.connect(*node) as same:
        assert same is client
        assert client.protocol_version == PROTOCOL_VERSIONS[0]
        conn = client.connection
        assert conn is not None and conn.node_uuid is not None
        assert str(client) == f"{node[0]}:{node[1]}"
        assert isinstance(await client.get_cache_names(), list)
    assert client.connection is None
    assert not conn.alive


@aio_test
async def test_await_connect_returns_the_client(node: Node) -> None:
    client = AioClient()
    assert await client.connect(*node) is client
    try:
        assert isinstance(await client.get_cache_names(), list)
    finally:
        await client.close()
    async with AioClient() as c2:  # the client itself is an async context manager too
        await c2.connect(host=node[0], port=node[1])
        assert c2.connection is not None


@pytest.mark.parametrize("version", PROTOCOL_VERSIONS, ids=lambda v: ".".join(map(str, v)))
@aio_test
async def test_protocol_versions(node: Node, version: Tuple[int, int, int]) -> None:
    async with AioClient(protocol_version=version).connect(*node) as client:
        assert client.protocol_version == version
        cache = await client.get_or_create_cache(unique_name("aiover"))
        try:
            await cache.put("k", "v")
            assert await cache.get("k") == "v"
            with pytest.raises(CacheCreationError) as err:
                await client.create_cache(cache.name)
            assert err.value.status == 1001
        finally:
            await cache.destroy()


def test_malformed_address_is_refused_before_any_await() -> None:
    with pytest.raises(ParameterError):
        AioClient().connect("127.0.0.1", "10800")


@aio_test
async def test_no_live_node_raises_reconnect_error() -> None:
    ports = [free_port(), free_port()]
    with pytest.raises(ReconnectError) as err:
        await AioClient().connect([("127.0.0.1", p) for p in ports])
    assert isinstance(err.value.__cause__, SocketError)
    assert str(ports[1]) in str(err.value)


@aio_test
async def test_connect_skips_dead_nodes(node: Node) -> None:
    dead = ("127.0.0.1", free_port())
    async with AioClient().connect(iter([dead, node])) as client:
        assert client.connection is not None
        assert (client.connection.host, client.connection.port) == node


@aio_test
async def test_silent_handshake_is_bounded() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        with pytest.raises(ReconnectError) as err:
            await AioClient(timeout=0.3).connect(*listener.getsockname())
        assert "no handshake reply" in str(err.value.__cause__)
    finally:
        listener.close()


@aio_test
async def test_failover_on_broken_connection(node: Node) -> None:
    client = AioClient(timeout=5, retry_policy=RetryNone(), cluster_discovery=False)  # the specification's failover
    await client.connect([node, node])
    name = unique_name("aiofail")
    cache = await client.get_or_create_cache(name)
    try:
        await cache.put(1, 1)
        first = client.connection
        assert first is not None
        first._writer.transport.abort()  # type: ignore[union-attr] # as a node restart would
        with pytest.raises(OSError):
            await cache.get(1)
        assert await cache.get(1) == 1  # reconnected to the next node of the list on its own
        assert client.connection is not first
        client.connection._writer.transport.abort()  # type: ignore[union-attr]
        with pytest.raises(OSError):
            await cache.get(1)
        with pytest.raises(ReconnectError, match="out of nodes"):
            await cache.get(1)
    finally:
        await client.close()
        async with AioClient().connect(*node) as c:
            await c.get_cache(name).destroy()


@aio_test
async def test_reconnect_on_purpose(node: Node) -> None:
    async with AioClient(cluster_discovery=False).connect([node, node]) as client:
        first = client.connection
        assert await client.reconnect() is client
        assert client.connection is not first and client.connection is not None
        assert not first.alive  # type: ignore[union-attr]
        assert isinstance(await client.get_cache_names(), list)
        with pytest.raises(ReconnectError, match="out of nodes"):
            await client.reconnect()


@aio_test
async def test_many_tasks_reconnect_once(node: Node) -> None:
    async with AioClient().connect([node] * 3) as client:
        cache = await client.create_cache(unique_name("aioreco"))
        await cache.put("k", "v")
        client.connection._writer.transport.abort()  # type: ignore[union-attr]
        await asyncio.sleep(0.05)  # the reader notices
        results = await asyncio.gather(*(cache.get("k") for _ in range(50)))
        assert results == ["v"] * 50
        conn = client.connection
        assert conn is not None and conn.alive
        # one reconnection served all 50 tasks: the third node of the list is still unused
        assert await cache.get("k") == "v"
        await cache.destroy()


@aio_test
async def test_close_during_a_reconnection_does_not_revive_the_client(node: Node) -> None:
    """close() while a task is reconnecting: the new connection is closed, not kept by the closed client."""
    client = AioClient(timeout=5)
    await client.connect([node, node])
    made: List[Any] = []
    make = client._make_connection

    def slow_connection(*args: Any, **kwargs: Any) -> Any:
        conn = make(*args, **kwargs)
        connect = conn.connect

        async def slow_connect() -> Any:
            await asyncio.sleep(0.3)
            return await connect()

        conn.connect = slow_connect
        made.append(conn)
        return conn

    client._make_connection = slow_connection  # type: ignore[method-assign]
    try:
        client.connection._writer.transport.abort()  # type: ignore[union-attr]
        await asyncio.sleep(0.05)  # the reader notices
        call = asyncio.ensure_future(client.get_cache_names())  # reconnects, slowly
        await asyncio.sleep(0.1)
        assert made, "the call should be connecting"
        await client.close()
        with pytest.raises(ReconnectError, match="closed"):
            await call
        assert client.connection is None
        assert not made[0].alive, "a connection opened for a closed client was left open"
    finally:
        await client.close()


def test_connect_again_in_another_event_loop(node: Node) -> None:
    """A client closed in one event loop (asyncio.run) and connected again in another works there,
    even when its tasks had to wait for a reconnection in the first one."""
    client = AioClient(timeout=5)

    async def reconnect_together() -> None:
        await client.connect([node] * 3)
        try:
            client.connection._writer.transport.abort()  # type: ignore[union-attr]
            await asyncio.sleep(0.05)  # the reader notices
            names = await asyncio.gather(*(client.get_cache_names() for _ in range(20)))  # they wait
            assert all(isinstance(n, list) for n in names)
        finally:
            await client.close()

    asyncio.run(asyncio.wait_for(reconnect_together(), 60))
    asyncio.run(asyncio.wait_for(reconnect_together(), 60))


@pytest.mark.ssl
@aio_test
async def test_tls(ssl_node: Node, certs: Dict[str, str]) -> None:
    async with AioClient(use_ssl=True, ssl_ca_certfile=certs["ca"], ssl_cert_reqs="REQUIRED").connect(
        *ssl_node
    ) as client:
        cache = await client.create_cache(unique_name("aiotls"))
        value = "секрет" * 5000  # spans many TLS records
        await cache.put("k", value)
        assert await cache.get("k") == value
        await cache.destroy()


@pytest.mark.ssl
@aio_test
async def test_tls_untrusted_server_is_a_socket_error(ssl_node: Node, certs: Dict[str, str]) -> None:
    client = AioClient(use_ssl=True, ssl_ca_certfile=certs["other_ca"], ssl_cert_reqs="REQUIRED")
    with pytest.raises(ReconnectError) as err:
        await client.connect(*ssl_node)
    assert "TLS handshake" in str(err.value.__cause__)


@pytest.mark.ssl
@aio_test
async def test_tls_plain_client_on_tls_port(ssl_node: Node) -> None:
    with pytest.raises(ReconnectError):
        await AioClient(timeout=3).connect(*ssl_node)


@pytest.mark.auth
@aio_test
async def test_authentication(auth_node: Node) -> None:
    async with AioClient(username="ignite", password="ignite", use_ssl=False).connect(*auth_node) as client:
        assert isinstance(await client.get_cache_names(), list)
    with pytest.raises(HandshakeError) as err:
        await AioClient(username="ignite", password="wrong", use_ssl=False).connect(*auth_node)
    assert err.value.status == 2000


# --- concurrency on one connection ----------------------------------------------------------------

@aio_test
async def test_thousand_concurrent_get_put_tasks(node: Node) -> None:
    async with AioClient().connect(*node) as client:
        cache = await client.create_cache(unique_name("aio1000"))
        conn = client.connection
        assert conn is not None
        peak = 0

        async def task(i: int) -> Tuple[Any, Any, Any]:
            nonlocal peak
            key = f"key-{i}" if i % 2 else i
            value: Any = [f"v{i}" * (i % 13), i * 7, float(i) / 3][i % 3]
            await cache.put(key, value)
            peak = max(peak, conn.in_flight)
            got = await cache.get(key)
            replaced = await cache.get_and_put(key, -i)
            return value, got, replaced

        results = await asyncio.gather(*(task(i) for i in range(1000)))
        for value, got, replaced in results:
            assert got == value
            assert replaced == value
        assert peak > 100, "requests were pipelined, not sent one at a time"
        assert client.connection is conn, "all on one connection"
        assert conn.in_flight == 0
        found = await cache.get_all([f"key-{i}" if i % 2 else i for i in range(1000)])
        assert found == {(f"key-{i}" if i % 2 else i): -i for i in range(1000)}
        await cache.destroy()


class _CountingWriter:
    """A connection's stream writer that records how many frames each write carried."""

    def __init__(self, writer: Any, writes: List[int]) -> None:
        self._writer, self._writes = writer, writes
        self.transport = self  # the connection writes a lone frame on the transport itself

    def write(self, frame: Any) -> None:
        self._writes.append(1)
        self._writer.transport.write(frame)

    def writelines(self, frames: List[Any]) -> None:
        self._writes.append(len(frames))
        self._writer.writelines(frames)

    def __getattr__(self, name: str) -> Any:  # everything else: the stream writer's or its transport's
        try:
            return getattr(self._writer, name)
        except AttributeError:
            return getattr(self._writer.transport, name)


@pytest.mark.parametrize("loop_name", ["asyncio", "uvloop"])
def test_the_requests_of_one_loop_turn_go_out_in_writes_of_flush_every(node: Node, loop_name: str) -> None:
    """The frames that tasks queue in one loop turn are batched, on the standard event loop and on
    uvloop alike: a write every :data:`FLUSH_EVERY` frames and one for the rest at the turn's end,
    never a write per frame. Handing uvloop's transport every frame at once, tried on 2026-12-04,
    cost 1.5 us more client CPU per request (A/B in one process: 87k against 123k gets/s with 64
    tasks); waiting for the turn's end with all of them left a node on another core idle (0.81 of a
    bare connection's rate against 0.98). Every caller gets its own answer."""
    if loop_name == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        new_loop = uvloop.new_event_loop
    else:
        new_loop = asyncio.SelectorEventLoop  # the standard library's, whatever the policy (--event-loop)
    writes: Dict[str, List[int]] = {"put": [], "get": []}

    async def main() -> None:
        async with AioClient().connect(*node) as client:
            cache = await client.create_cache(unique_name("turns"))
            conn = client.connection
            assert conn is not None
            real = conn._writer
            conn._writer = _CountingWriter(real, writes["put"])  # type: ignore[assignment]
            await asyncio.gather(*(cache.put(i, f"v{i}") for i in range(64)))
            conn._writer = _CountingWriter(real, writes["get"])  # type: ignore[assignment]
            assert await asyncio.gather(*(cache.get(i) for i in range(64))) == [f"v{i}" for i in range(64)]
            conn._writer = real
            await cache.destroy()

    loop = new_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(main(), 60))
    finally:
        loop.close()
    # the first request of a gather is written alone (nothing else was in flight); the other 63
    # go out 16 at a time as they are queued, and the last 15 at the turn's end
    full, rest = divmod(63, FLUSH_EVERY)
    expected = [1] + [FLUSH_EVERY] * full + ([rest] if rest else [])
    assert writes == {"put": expected, "get": expected}


@aio_test
async def test_cancellation_mid_flight_keeps_the_next_result_straight(node: Node) -> None:
    async with AioClient().connect(*node) as client:
        cache = await client.create_cache(unique_name("aiocancel"))
        big = "x" * 200_000  # slow enough to be cancelled while in flight
        await cache.put_all({i: f"{big}{i}" for i in range(20)})
        conn = client.connection
        assert conn is not None
        rng = random.Random(8)
        for round_ in range(30):
            tasks = [asyncio.ensure_future(cache.get(i)) for i in range(20)]
            await asyncio.sleep(rng.choice([0, 0, 0.0005, 0.002]))
            cancelled = {i for i in range(20) if rng.random() < 0.5 and tasks[i].cancel()}
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for i, r in enumerate(results):
                if i in cancelled and isinstance(r, asyncio.CancelledError):
                    continue
                assert r == f"{big}{i}", (round_, i)
            # the very next call gets its own reply, never a cancelled call's
            assert await cache.get("absent") is None
            await cache.put("marker", round_)
            assert await cache.get("marker") == round_
        assert conn.alive and client.connection is conn
        assert conn.in_flight == 0
        # wait_for cancels too
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(cache.get_all(list(range(20))), 0.0001)
        assert await cache.get(3) == f"{big}3"
        await cache.destroy()


@aio_test
async def test_timeout_that_fires_then_failover() -> None:
    """A node that accepts the handshake and then stays silent: the call times out, the connection
    is dropped, and the next call goes to the next node."""
    peer = ScriptedPeer()
    try:
        client = AioClient(timeout=0.5, retry_policy=RetryNone())  # every timeout reaches the caller
        await client.connect([("127.0.0.1", peer.port), ("127.0.0.1", peer.port)])
        try:
            started = asyncio.get_running_loop().time()
            with pytest.raises(RequestTimeoutError, match="sent nothing") as err:
                await client.get_cache_names()  # the peer never answers an operation
            assert isinstance(err.value, asyncio.TimeoutError) and isinstance(err.value, OSError)
            assert asyncio.get_running_loop().time() - started < 5
            first = client.connection
            assert first is not None and not first.alive
            with pytest.raises(RequestTimeoutError):
                await client.get_cache_names()  # reconnected (second node of the list), silent again
            assert client.connection is not first
        finally:
            await client.close()
    finally:
        peer.close()
    assert NEVER  # the peer answers no operation at all: nothing it says is mistaken for a reply


@aio_test
async def test_timeout_on_a_real_node(node: Node) -> None:
    """A timeout shorter than any round trip fires on a real node too; the client recovers."""
    client = AioClient(timeout=5, retry_policy=RetryNone())  # the timeout reaches the caller
    await client.connect([node] * 3)
    try:
        cache = await client.create_cache(unique_name("aiotimeout"))
        await cache.put(1, "one")
        first = client.connection
        assert first is not None
        first.timeout = 1e-6  # this connection only; connecting again uses the client's 5 s
        # On a loaded machine the event loop may find the reply and the expired timer ready in the
        # same turn, and asyncio runs I/O callbacks first: the call then still gets its answer. So
        # a few tries are allowed; the timeout must fire in one of them.
        for _ in range(50):
            try:
                await cache.get(1)
            except RequestTimeoutError:
                break
        else:
            pytest.fail("a 1 us timeout never fired in 50 calls")
        assert not first.alive  # nothing arrived within the timeout: the node counts as silent
        assert await cache.get(1) == "one"  # the next call reconnected
        assert client.connection is not first
        await cache.destroy()
    finally:
        await client.close()


# --- caches and cursors ---------------------------------------------------------------------------

@aio_test
async def test_unknown_binary_types_are_fetched_concurrently(node: Node) -> None:
    """Many tasks read complex objects whose types this client has never seen: each reply's
    types are fetched (MissingBinaryType -> fetch -> parse again) while other tasks go on."""
    from collections import OrderedDict

    from pyignite import Client, GenericObjectMeta
    from pyignite.datatypes import IntObject, String

    suffix = unique_name("T")
    classes = [
        GenericObjectMeta(f"AioPoint{i}{suffix}", (), {}, schema=OrderedDict([("x", IntObject), ("label", String)]))
        for i in range(5)
    ]
    name = unique_name("aiotypes")
    with Client().connect(*node) as writer:  # another client registers the types and writes
        cache = writer.create_cache(name)
        cache.put_all({i: classes[i % 5](x=i, label=f"p{i}") for i in range(50)})
    try:
        async with AioClient().connect(*node) as client:
            reader = client.get_cache(name)
            values = await asyncio.gather(*(reader.get(i) for i in range(50)))
            for i, v in enumerate(values):
                assert (type(v).__name__, v.x, v.label) == (f"AioPoint{i % 5}{suffix}", i, f"p{i}")
    finally:
        with Client().connect(*node) as c:
            c.get_cache(name).destroy()


@aio_test
async def test_get_cache_is_also_awaitable(node: Node) -> None:
    async with AioClient().connect(*node) as client:
        name = unique_name("aioget")
        created = await client.create_cache(name)
        assert isinstance(created, AioCache)
        plain = client.get_cache(name)
        awaited = await client.get_cache(name)
        assert isinstance(plain, AioCache) and isinstance(awaited, AioCache)
        await plain.put(1, 2)
        assert await awaited.get(1) == 2
        await created.destroy()
        with pytest.raises(CacheError):
            await plain.get(1)


@pytest.mark.sql
@aio_test
async def test_async_cursors(sql_node: Node) -> None:
    async with AioClient().connect(*sql_node) as client:
        table = unique_name("AIOT").upper()
        await client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR)")
        try:
            for i in range(25):
                await client.sql(f"INSERT INTO {table} (id, name) VALUES (?, ?)", query_args=[i, f"n{i}"])
            query = f"SELECT id, name FROM {table} ORDER BY id"
            call = client.sql(query, page_size=4)
            assert isinstance(call, CursorCall)
            async with call as cursor:
                assert isinstance(cursor, AioCursor)
                rows = [row async for row in cursor]
            assert rows == [[i, f"n{i}"] for i in range(25)]
            assert cursor.closed
            rows = [row async for row in client.sql(query, page_size=7)]  # no await, no with
            assert len(rows) == 25
            cursor = await client.sql(query, page_size=3, include_field_names=True)
            assert await cursor.__anext__() == ["ID", "NAME"]
            assert await cursor.__anext__() == [0, "n0"]
            await cursor.close()
            assert [row async for row in cursor] == []

            cache = client.get_cache(f"SQL_PUBLIC_{table}")
            async with cache.scan(page_size=5) as scan:
                entries = [e async for e in scan]
            assert len(entries) == 25
            # many cursors open at once on one connection, read concurrently
            queries = [f"SELECT id FROM {table} WHERE id >= {k} ORDER BY id" for k in range(10)]

            async def read(q: str) -> List[Any]:
                return [r[0] async for r in client.sql(q, page_size=2)]

            got = await asyncio.gather(*(read(q) for q in queries))
            assert got == [list(range(k, 25)) for k in range(10)]
        finally:
            await client.sql(f"DROP TABLE {table}")
