"""Connection, handshake, failover basics and the first slice of operations, against real nodes."""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Any, Iterator, List, Tuple

import harness
import pytest

from pyignite import Client, RetryNone
from pyignite.connection import Connection
from pyignite.exceptions import (
    CacheCreationError,
    CacheError,
    ParameterError,
    ReconnectError,
    RequestTimeoutError,
    SocketError,
)
from pyignite.protocol.handshake import PROTOCOL_VERSIONS

from .util import free_port, unique_name

#: the newest protocol version the test nodes speak: 1.7.0 from Ignite 2.9 on, 1.6.0 before
#: (``scripts/compat`` runs this file on older releases too)
NEWEST = (1, 7, 0) if harness.release_key(harness.IGNITE_VERSION) >= (2, 9) else (1, 6, 0)

# --- handshake ------------------------------------------------------------------------------------

def test_handshake_negotiates_newest_version(client: Client) -> None:
    conn = client.connection
    assert conn is not None
    assert client.protocol_version == NEWEST
    assert conn.node_uuid is not None
    if NEWEST >= (1, 7, 0):
        assert conn.features, "a 1.7.0 server reports its feature bitmask"
    assert str(client) == f"{conn.host}:{conn.port}"


@pytest.mark.parametrize("version", PROTOCOL_VERSIONS, ids=lambda v: ".".join(map(str, v)))
def test_client_asking_for_older_version_gets_it(node: Tuple[str, int], version: Tuple[int, int, int]) -> None:
    with Client(protocol_version=version).connect(*node) as client:
        assert client.protocol_version == min(version, NEWEST)  # a node offers its newest when asked for more
        if version >= (1, 4, 0):
            assert client.connection.node_uuid is not None  # type: ignore[union-attr]
        else:
            assert client.connection.node_uuid is None  # type: ignore[union-attr]
        # responses without (< 1.4.0) and with (>= 1.4.0) the flags header both parse, errors too
        cache = client.get_or_create_cache(unique_name("ver"))
        try:
            cache.put("k", "v")
            assert cache.get("k") == "v"
            with pytest.raises(CacheCreationError) as err:
                client.create_cache(cache.name)
            assert err.value.status == 1001
        finally:
            cache.destroy()


def test_unsupported_protocol_version_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="protocol_version"):
        Client(protocol_version=(9, 9, 9))


class _FakeHandshakePeer:
    """A TCP peer for transport tests only: it answers handshakes by a script, never operations."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests: List[bytes] = []
        self.conns: List[socket.socket] = []
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.behaviour == "silent":
                continue  # accept TCP, never answer
            data = conn.recv(1024)
            self.requests.append(data)
            if self.behaviour == "trickle":  # a reply of 1000 bytes, one byte every 0.2 s
                threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()
                continue
            major, minor, patch = struct.unpack_from("<hhh", data, 5)
            if (major, minor, patch) == (1, 4, 0):
                conn.sendall(struct.pack("<iB", 1 + 17, 1) + b"\x0a" + bytes(16))  # success + UUID
            else:
                # what Ignite 2.8 sends for a version it does not speak: the version it offers, the
                # message, status 1 (FAILED)
                msg = b"Unsupported version."
                body = struct.pack("<Bhhh", 0, 1, 4, 0) + struct.pack("<Bi", 9, len(msg)) + msg + struct.pack("<i", 1)
                conn.sendall(struct.pack("<i", len(body)) + body)

    def _trickle(self, conn: socket.socket) -> None:
        try:
            conn.sendall(struct.pack("<i", 1000))
            while not self._stop:
                time.sleep(0.2)
                conn.sendall(b"\x00")
        except OSError:
            return

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def fake_peer(request: pytest.FixtureRequest) -> Iterator[_FakeHandshakePeer]:
    peer = _FakeHandshakePeer(request.param)
    yield peer
    peer.close()


@pytest.mark.parametrize("fake_peer", ["offers-1.4.0"], indirect=True)
def test_handshake_falls_back_to_version_the_server_offers(fake_peer: _FakeHandshakePeer) -> None:
    conn = Connection("127.0.0.1", fake_peer.port, timeout=5).connect()
    try:
        assert conn.protocol_version == (1, 4, 0)
        proposed = [struct.unpack_from("<hhh", r, 5) for r in fake_peer.requests]
        assert proposed == [(1, 7, 0), (1, 4, 0)]
    finally:
        conn.close()


@pytest.mark.parametrize("fake_peer", ["offers-1.4.0"], indirect=True)
def test_a_request_with_its_own_limit_names_that_limit(fake_peer: _FakeHandshakePeer) -> None:
    # a heartbeat is bounded even when calls are not (timeout=None): its error names its own limit
    from pyignite.protocol.keepalive import heartbeat_request

    conn = Connection("127.0.0.1", fake_peer.port, timeout=None, protocol_version=(1, 4, 0)).connect()
    try:
        with pytest.raises(RequestTimeoutError, match=r"within 0\.3 s"):
            conn.request_within(heartbeat_request().frame, 0.3)
    finally:
        conn.close()


@pytest.mark.parametrize("fake_peer", ["silent"], indirect=True)
def test_silent_server_times_out_instead_of_hanging(fake_peer: _FakeHandshakePeer) -> None:
    started = time.monotonic()
    with pytest.raises(SocketError, match=f"127.0.0.1:{fake_peer.port}"):
        Connection("127.0.0.1", fake_peer.port, timeout=0.5).connect()
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("fake_peer", ["silent"], indirect=True)
def test_silent_server_is_bounded_even_without_timeout(fake_peer: _FakeHandshakePeer) -> None:
    conn = Connection("127.0.0.1", fake_peer.port, connect_timeout=0.3)
    with pytest.raises(SocketError, match="no handshake reply"):
        conn.connect()


@pytest.mark.parametrize("fake_peer", ["trickle"], indirect=True)
def test_handshake_reply_trickling_in_is_bounded_as_a_whole(fake_peer: _FakeHandshakePeer) -> None:
    """``connect_timeout`` bounds the whole handshake, not each read: a peer that sends a byte now and
    then never holds connect() longer (as with the asyncio transport)."""
    started = time.monotonic()
    with pytest.raises(SocketError, match=f"127.0.0.1:{fake_peer.port}"):
        Connection("127.0.0.1", fake_peer.port, connect_timeout=1.0).connect()
    assert time.monotonic() - started < 4


def test_connection_refused_names_host_and_port() -> None:
    port = free_port()
    with pytest.raises(SocketError, match=f"127.0.0.1:{port}") as err:
        Connection("127.0.0.1", port).connect()
    assert isinstance(err.value, OSError)


def test_client_with_no_live_node_raises_reconnect_error() -> None:
    ports = [free_port(), free_port()]
    with pytest.raises(ReconnectError) as err:
        Client().connect([("127.0.0.1", p) for p in ports])
    assert isinstance(err.value.__cause__, SocketError)
    assert str(ports[1]) in str(err.value.__cause__)


def test_connect_skips_dead_nodes(node: Tuple[str, int]) -> None:
    dead = ("127.0.0.1", free_port())
    with Client().connect(iter([dead, node])) as client:
        assert client.connection is not None
        assert (client.connection.host, client.connection.port) == node
        assert isinstance(client.get_cache_names(), list)


@pytest.mark.parametrize(
    "args",
    [("localhost",), ("127.0.0.1", "10800"), ("127.0.0.1", 0), ([("127.0.0.1",)],), (42,)],
)
def test_connect_rejects_bad_addresses(args: Tuple[Any, ...]) -> None:
    with pytest.raises(ParameterError):
        Client().connect(*args)


def test_failing_call_raises_then_client_reconnects_lazily(node: Tuple[str, int]) -> None:
    # the specification's failover: no retry policy, no endpoint discovery beyond the list
    client = Client(timeout=5, retry_policy=RetryNone(), cluster_discovery=False)
    client.connect([node, node])
    name = unique_name("lazy")
    cache = client.get_or_create_cache(name)
    try:
        cache.put(1, 1)
        first = client.connection
        # break the socket under the client, as a node restart would
        first._sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]
        with pytest.raises(OSError):
            cache.get(1)
        assert cache.get(1) == 1  # reconnected to the next node of the list on its own
        assert client.connection is not first
        first2 = client.connection
        first2._sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]
        with pytest.raises(OSError):
            cache.get(1)
        with pytest.raises(ReconnectError, match="out of nodes"):
            cache.get(1)
    finally:
        with Client().connect(*node) as c:
            c.get_cache(name).destroy()


# --- fragmentation --------------------------------------------------------------------------------

class _TrickleConnection(Connection):
    """Delivers at most three bytes per read: every frame arrives in pieces."""

    def _recv_chunk(self, sock: socket.socket, size: int) -> bytes:
        return sock.recv(min(size, 3))


class _TrickleClient(Client):
    def _make_connection(self, host: str, port: int) -> Connection:
        return _TrickleConnection(host, port, timeout=self.timeout)


def test_fragmented_reads(node: Tuple[str, int]) -> None:
    with _TrickleClient().connect(*node) as client:
        assert client.protocol_version == NEWEST
        cache = client.create_cache(unique_name("trickle"))
        try:
            value = "ж" * 5000 + "𝄞"
            cache.put("big", value)
            cache.put(7, -(2**63))
            assert cache.get("big") == value
            assert cache.get(7) == -(2**63)
            assert cache.get("missing") is None
        finally:
            cache.destroy()


def test_threads_share_one_client(client: Client) -> None:
    cache = client.create_cache(unique_name("threads"))
    errors: List[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(200):
                cache.put(f"{t}-{i}", t * 1000 + i)
                assert cache.get(f"{t}-{i}") == t * 1000 + i
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cache.destroy()
    assert not errors, errors


# --- first slice of operations --------------------------------------------------------------------

def test_cache_lifecycle(client: Client) -> None:
    name = unique_name("life")
    assert name not in client.get_cache_names()
    cache = client.create_cache(name)
    assert name in client.get_cache_names()
    with pytest.raises(CacheCreationError) as err:
        client.create_cache(name)
    assert err.value.status == 1001
    assert name in str(err.value)
    same = client.get_or_create_cache(name)
    same.put("a", 1)
    assert client.get_cache(name).get("a") == 1
    cache.destroy()
    assert name not in client.get_cache_names()


def test_put_get_int_and_str(cache: Any) -> None:
    cache.put(1, "one")
    cache.put("two", 2)
    cache.put("neg", -5)
    assert cache.get(1) == "one"
    assert cache.get("two") == 2
    assert cache.get("neg") == -5
    assert cache.get("absent") is None
    cache.put("two", "replaced")
    assert cache.get("two") == "replaced"


def test_missing_cache_raises_cache_error_naming_it(client: Client) -> None:
    name = unique_name("ghost")
    with pytest.raises(CacheError) as err:
        client.get_cache(name).get(1)
    assert err.value.status == 1000
    assert name in str(err.value)


def test_with_statement_closes(node: Tuple[str, int]) -> None:
    client = Client()
    with client.connect(*node):
        assert client.connection is not None
    assert client.connection is None


# Authentication tests live in tests/test_auth.py, TLS tests in tests/test_ssl.py.


class _SlowWriteConnection(Connection):
    """Each write takes ``delay`` seconds first (and is recorded), and the write after ``fail_after``
    of them fails: the requests other threads send meanwhile wait behind the writer."""

    delay = 0.3
    fail_after = 1 << 30

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writes: List[int] = []

    def _write(self, sock: socket.socket, frame: bytearray) -> None:
        time.sleep(self.delay)
        self.fail_after -= 1
        if self.fail_after < 0:
            raise OSError("injected: the write failed")
        self.writes.append(len(frame))
        super()._write(sock, frame)

    def request(self, frame: bytearray, plain: bool = False) -> Any:
        return self.receive(self.send(frame))  # never the lone caller's path, which writes inline


def _pipeline(conn: Connection, frames: List[bytearray]) -> List[Any]:
    """Send ``frames`` from as many threads at once; each thread's reply header or error."""
    out: List[Any] = [None] * len(frames)

    def one(i: int) -> None:
        try:
            out[i] = conn.request(frames[i])[0]
        except Exception as exc:  # handed to the test
            out[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(frames))]
    for t in threads:
        t.start()
        time.sleep(0.02)  # in order: the first one writes, the others find it writing
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a request queued behind a writer never ended"
    return out


def _get_frames(n: int) -> List[bytearray]:
    from pyignite.protocol import cache_ops
    from pyignite.protocol.cache_ops import CacheRef

    ref = CacheRef(unique_name("outbox"))  # no such cache: each get gets an error status
    return [cache_ops.get(ref, i).frame for i in range(n)]


def test_a_failed_write_fails_the_requests_queued_behind_it(node: Tuple[str, int]) -> None:
    conn = _SlowWriteConnection(*node, timeout=10).connect()
    conn.fail_after = 0  # the first write fails, after the others are queued behind it
    results = _pipeline(conn, _get_frames(4))
    assert all(isinstance(r, SocketError) for r in results), results
    assert not conn.alive
