"""Transport tests for both transports (blocking :class:`Connection`, asyncio :class:`AioConnection`):
request-id multiplexing, out-of-order replies, per-call timeouts, late replies, silent nodes, broken
and garbled streams, cancellation.

These tests are about the transports themselves, so they use :class:`ScriptedPeer`, a TCP peer that
completes the handshake and then answers each request after the delay the request asks for (or
never), echoing its payload. Everything Ignite does is tested against real nodes elsewhere.

Each test is written once and runs against both transports: :class:`Driver` starts a request and
hands back a ``concurrent.futures.Future`` -- from a thread pool for the blocking transport, from an
event loop in a helper thread for the asyncio one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import struct
import threading
import time
from typing import Any, Iterator, List, Optional, Tuple

import pytest

from pyignite.connection.aio import FLUSH_EVERY, AioConnection
from pyignite.connection.sync import Connection
from pyignite.exceptions import RequestTimeoutError, SocketError
from pyignite.protocol.frames import new_request

from .aio_proxy import LoopThread

NEVER = -1
GARBLE = -2  # the peer answers with a frame of negative length
HANG_UP = -3  # the peer closes the connection


class ScriptedPeer:
    """A TCP peer for transport tests: accepts any handshake (protocol 1.7.0), then answers every
    request ``[i32 delay_ms][tag bytes]`` after ``delay_ms`` with a success reply echoing the tag;
    ``NEVER`` (and any other request, e.g. a real operation) is never answered, ``GARBLE`` gets a
    garbled frame, ``HANG_UP`` closes the socket."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns: List[socket.socket] = []
        self.requests = 0
        self._send_lock = threading.Lock()
        self._timers: List[threading.Timer] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_frame(conn: socket.socket, buf: bytearray) -> Optional[bytes]:
        while True:
            if len(buf) >= 4:
                (n,) = struct.unpack_from("<i", buf)
                if len(buf) >= 4 + n:
                    frame = bytes(buf[4 : 4 + n])
                    del buf[: 4 + n]
                    return frame
            try:
                chunk = conn.recv(65536)
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk

    def _serve(self, conn: socket.socket) -> None:
        buf = bytearray()
        if self._read_frame(conn, buf) is None:
            return
        accept = b"\x01" + b"\x0c" + struct.pack("<i", 0) + b"\x65"  # success, no features, null UUID
        conn.sendall(struct.pack("<i", len(accept)) + accept)
        while True:
            frame = self._read_frame(conn, buf)
            if frame is None:
                return
            self.requests += 1
            _, request_id = struct.unpack_from("<hq", frame)
            delay = struct.unpack_from("<i", frame, 10)[0] if len(frame) >= 14 else NEVER
            tag = frame[14:]
            reply = struct.pack("<qh", request_id, 0) + tag
            reply = struct.pack("<i", len(reply)) + reply
            if delay == NEVER:
                continue
            if delay == GARBLE:
                reply = struct.pack("<i", -5) + b"\x00" * 8
            if delay == HANG_UP:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
                return
            if delay <= 0:
                self._send(conn, reply)
            else:
                timer = threading.Timer(delay / 1000, self._send, (conn, reply))
                timer.daemon = True
                self._timers.append(timer)
                timer.start()

    def _send(self, conn: socket.socket, data: bytes) -> None:
        with self._send_lock:
            try:
                conn.sendall(data)
            except OSError:
                pass

    def close(self) -> None:
        for t in self._timers:
            t.cancel()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def frame(delay_ms: int, tag: bytes) -> bytearray:
    buf = new_request(1)  # any op code: the peer only looks at the payload
    buf += struct.pack("<i", delay_ms) + tag
    return buf


def echoed(reply: Tuple[Any, bytes]) -> bytes:
    header, data = reply
    return bytes(data[header.payload_offset :])


class Driver:
    """Runs requests on one transport; ``start`` returns a ``concurrent.futures.Future``."""

    def __init__(self, kind: str, port: int, timeout: Optional[float]) -> None:
        self.kind = kind
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=64)
        self.loop: Optional[LoopThread] = None
        self.conn: Any
        if kind == "sync":
            self.conn = Connection("127.0.0.1", port, timeout=timeout)
            self.conn.connect()
        else:
            self.loop = LoopThread()
            self.conn = AioConnection("127.0.0.1", port, timeout=timeout)
            self.loop.run(self.conn.connect())

    def start(self, data: bytearray) -> concurrent.futures.Future:
        if self.loop is None:
            return self.pool.submit(self.conn.request, data)
        return asyncio.run_coroutine_threadsafe(self.conn.request(data), self.loop.loop)

    def call(self, data: bytearray) -> Tuple[Any, bytes]:
        return self.start(data).result(timeout=30)

    def close(self) -> None:
        if self.loop is None:
            self.conn.close()
        else:
            self.loop.run(self.conn.close())
            self.loop.close()
        self.pool.shutdown(wait=True)


@pytest.fixture
def peer() -> Iterator[ScriptedPeer]:
    p = ScriptedPeer()
    yield p
    p.close()


@pytest.fixture(params=["sync", "aio"])
def driver_factory(request: pytest.FixtureRequest, peer: ScriptedPeer) -> Iterator[Any]:
    made: List[Driver] = []

    def make(timeout: Optional[float] = None) -> Driver:
        d = Driver(request.param, peer.port, timeout)
        made.append(d)
        return d

    make.kind = request.param  # type: ignore[attr-defined]
    yield make
    for d in made:
        d.close()


def test_out_of_order_replies_reach_their_callers(driver_factory: Any) -> None:
    d = driver_factory()
    # later requests are answered first
    futures = [(d.start(frame(300 - 10 * i, b"req-%d" % i)), b"req-%d" % i) for i in range(30)]
    for fut, tag in futures:
        assert echoed(fut.result(timeout=30)) == tag


def test_many_in_flight_on_one_connection(driver_factory: Any, peer: ScriptedPeer) -> None:
    d = driver_factory()
    futures = [(d.start(frame(0, b"%d" % i * (i % 50))), b"%d" % i * (i % 50)) for i in range(2000)]
    for fut, tag in futures:
        assert echoed(fut.result(timeout=60)) == tag
    assert peer.requests == 2000


def test_a_reply_arrives_while_the_reader_waits_for_its_own(driver_factory: Any) -> None:
    """A caller whose reply is read by another caller gets it at once, not after the other's reply."""
    d = driver_factory()
    slow = d.start(frame(1500, b"slow"))
    time.sleep(0.2)  # the slow request's caller is now reading the socket (blocking transport)
    assert echoed(d.call(frame(0, b"fast"))) == b"fast"
    assert not slow.done(), "the fast reply was not held back behind the slow one"
    assert echoed(slow.result(timeout=30)) == b"slow"


def test_timeout_fails_only_that_call_when_the_node_is_alive(driver_factory: Any) -> None:
    d = driver_factory(timeout=0.5)
    slow = d.start(frame(1500, b"late"))
    # keep the node talking while the slow request waits: it is alive, only that reply is late
    deadline = time.monotonic() + 0.8
    i = 0
    while time.monotonic() < deadline:
        assert echoed(d.call(frame(0, b"t%d" % i))) == b"t%d" % i
        i += 1
        time.sleep(0.02)
    with pytest.raises(RequestTimeoutError, match="did not answer this request") as err:
        slow.result(timeout=30)
    assert isinstance(err.value, SocketError) and isinstance(err.value, TimeoutError)
    assert d.conn.alive
    time.sleep(1.0)  # the late reply arrives now and is dropped
    for j in range(20):
        assert echoed(d.call(frame(0, b"after-%d" % j))) == b"after-%d" % j
    if d.kind == "aio":
        assert d.conn.in_flight == 0
    else:
        assert not d.conn._slots, "no memory is kept for the timed-out request"


def test_silent_node_breaks_the_connection_and_wakes_every_waiter(driver_factory: Any) -> None:
    d = driver_factory(timeout=0.5)
    futures = [d.start(frame(NEVER, b"x")) for _ in range(20)]
    errors = []
    for fut in futures:
        with pytest.raises(SocketError) as err:
            fut.result(timeout=30)
        errors.append(err.value)
    assert any(isinstance(e, RequestTimeoutError) and "sent nothing" in str(e) for e in errors)
    assert not d.conn.alive
    with pytest.raises(SocketError):
        d.call(frame(0, b"too late"))


@pytest.mark.parametrize("how", [GARBLE, HANG_UP], ids=["garbled", "hang-up"])
def test_broken_stream_fails_every_waiter(driver_factory: Any, how: int) -> None:
    d = driver_factory()
    waiting = [d.start(frame(NEVER, b"w")) for _ in range(10)]
    time.sleep(0.2)
    breaker = d.start(frame(how, b""))
    for fut in [*waiting, breaker]:
        with pytest.raises(SocketError, match=f"127.0.0.1:{d.conn.port}"):
            fut.result(timeout=30)
    assert not d.conn.alive


def test_close_wakes_every_waiter(driver_factory: Any) -> None:
    d = driver_factory()
    waiting = [d.start(frame(NEVER, b"w")) for _ in range(10)]
    time.sleep(0.2)
    if d.loop is None:
        d.conn.close()
    else:
        d.loop.run(d.conn.close())
    for fut in waiting:
        with pytest.raises(SocketError, match="closed"):
            fut.result(timeout=30)


def test_cancelled_request_does_not_disturb_the_next_one(peer: ScriptedPeer) -> None:
    async def main() -> None:
        conn = AioConnection("127.0.0.1", peer.port)
        await conn.connect()
        try:
            for round_ in range(5):
                slow = asyncio.ensure_future(conn.request(frame(200, b"cancelled-%d" % round_)))
                await asyncio.sleep(0.05)  # sent, waiting for its reply
                slow.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await slow
                # the next caller gets its own reply, never the cancelled one's
                assert echoed(await conn.request(frame(300, b"next-%d" % round_))) == b"next-%d" % round_
                assert conn.in_flight == 0
            # cancelled before it was even written: still written whole, reply dropped
            task = asyncio.ensure_future(conn.request(frame(0, b"never seen")))
            await asyncio.sleep(0)
            task.cancel()
            assert echoed(await conn.request(frame(50, b"ok"))) == b"ok"
            assert conn.in_flight == 0
        finally:
            await conn.close()

    asyncio.run(main())


def test_a_write_that_fails_mid_turn_fails_every_caller(peer: ScriptedPeer) -> None:
    """A loop turn's frames go out FLUSH_EVERY at a time while tasks still queue more: when such a
    write fails, every request of the turn (and the one written before it) fails with the same
    SocketError at once -- none waits for a reply to a request that was never sent."""

    class FailingWriter:
        def __init__(self, writer: Any) -> None:
            self.writer, self.transport = writer, writer.transport

        def writelines(self, frames: List[Any]) -> None:
            raise OSError(32, "Broken pipe (injected)")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.writer, name)

    async def main() -> None:
        conn = AioConnection("127.0.0.1", peer.port)
        await conn.connect()
        try:
            assert echoed(await conn.request(frame(0, b"before"))) == b"before"
            conn._writer = FailingWriter(conn._writer)  # type: ignore[assignment]
            calls = [conn.request(frame(0, b"r%d" % i)) for i in range(FLUSH_EVERY * 2 + 1)]
            results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 10)
            # every one of them, the request written before the failing write too, has the one error
            assert isinstance(results[0], SocketError), results
            assert all(r is results[0] for r in results), results
            assert "Broken pipe (injected)" in str(results[0])
            assert not conn.alive and conn.in_flight == 0
            with pytest.raises(SocketError):
                await conn.request(frame(0, b"after"))
        finally:
            await conn.close()

    asyncio.run(main())


def test_cancellation_storm_keeps_results_straight(peer: ScriptedPeer) -> None:
    async def main() -> None:
        conn = AioConnection("127.0.0.1", peer.port)
        await conn.connect()
        try:
            tasks = [asyncio.ensure_future(conn.request(frame(i % 7 * 20, b"%d" % i))) for i in range(600)]
            await asyncio.sleep(0.03)
            for i, t in enumerate(tasks):
                if i % 3 == 0:
                    t.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for i, r in enumerate(results):
                if i % 3 == 0 and isinstance(r, asyncio.CancelledError):
                    continue
                assert not isinstance(r, BaseException), r
                assert echoed(r) == b"%d" % i
            await asyncio.sleep(0.2)  # every late reply has been read (and dropped)
            assert conn.in_flight == 0
            assert echoed(await conn.request(frame(0, b"last"))) == b"last"
        finally:
            await conn.close()

    asyncio.run(main())


def test_sync_reader_that_times_out_hands_the_socket_over(peer: ScriptedPeer) -> None:
    """The reading thread gives up on its own request; a thread still waiting takes over reading."""
    conn = Connection("127.0.0.1", peer.port, timeout=0.5)
    conn.connect()
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            reader = pool.submit(conn.request, frame(NEVER, b"never"))  # t=0, gives up at t=0.5
            time.sleep(0.1)
            # keep the node talking until t~0.45, so it counts as alive when the reader gives up
            for i in range(8):
                assert echoed(conn.request(frame(0, b"%d" % i))) == b"%d" % i
                time.sleep(0.04)
            later = pool.submit(conn.request, frame(300, b"later"))  # answered at t~0.75 < deadline
            with pytest.raises(RequestTimeoutError, match="did not answer this request"):
                reader.result(timeout=10)
            assert echoed(later.result(timeout=10)) == b"later"
        assert conn.alive
        assert echoed(conn.request(frame(0, b"end"))) == b"end"
    finally:
        conn.close()


class _DeafPeer:
    """Accepts one connection, completes the handshake, then never reads again (a node that froze
    with its socket open): whatever the client writes piles up in the buffers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.conn: Optional[socket.socket] = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.conn = conn
        ScriptedPeer._read_frame(conn, bytearray())
        accept = b"\x01" + b"\x0c" + struct.pack("<i", 0) + b"\x65"
        conn.sendall(struct.pack("<i", len(accept)) + accept)

    def close(self) -> None:
        self.sock.close()
        if self.conn is not None:
            self.conn.close()


def test_aio_write_to_a_node_that_stops_reading_is_bounded_by_timeout() -> None:
    """A node that stops reading (frozen): requests that wait for the write buffer to drain fail
    after ``timeout`` instead of waiting forever, and the socket is released at once."""
    peer = _DeafPeer()

    async def main() -> None:
        conn = AioConnection("127.0.0.1", peer.port, timeout=0.5)
        await conn.connect()
        try:
            writer = conn._writer
            assert writer is not None
            sock = writer.get_extra_info("socket")
            big = asyncio.ensure_future(conn.request(frame(NEVER, b"x" * (64 << 20))))  # fills every buffer
            await asyncio.sleep(0.05)
            assert writer.transport.get_write_buffer_size() > (1 << 20)
            started = time.monotonic()
            small = asyncio.ensure_future(conn.request(frame(0, b"small")))  # waits for the buffer to drain
            done, _ = await asyncio.wait({small, big}, timeout=10)
            assert small in done and big in done, "a request waited forever on a node that does not read"
            assert time.monotonic() - started < 5
            with pytest.raises(SocketError):
                small.result()
            with pytest.raises(SocketError):
                big.result()
            assert not conn.alive
            await asyncio.sleep(0.05)
            assert sock.fileno() == -1, "the broken connection's socket is still open (unsent bytes kept)"
        finally:
            await asyncio.wait_for(conn.close(), 10)

    try:
        asyncio.run(main())
    finally:
        peer.close()


def test_sync_abandoned_cursor_releases_never_leak_or_raise(peer: ScriptedPeer) -> None:
    """close_abandoned() (the queued RESOURCE_CLOSE requests sent before a blocking call): one that
    times out neither raises into the caller's unrelated request nor leaves the others registered."""
    from pyignite.cursors import close_abandoned
    from pyignite.protocol.request import Request

    conn = Connection("127.0.0.1", peer.port, timeout=0.5)
    conn.connect()
    try:
        closes = [Request(frame(NEVER, b"lost"), None, None), Request(frame(300, b"late"), None, None)]
        close_abandoned(conn, closes)
        assert conn._slots == {}, "a release was left registered on the connection"
        assert conn.alive  # the node answered meanwhile: only that release timed out
        assert echoed(conn.request(frame(0, b"mine"))) == b"mine"
    finally:
        conn.close()
