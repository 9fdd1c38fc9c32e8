"""asyncio transport: one TCP (optionally TLS) connection to one Ignite node, many requests in flight.

Like the blocking transport it only moves bytes; handshake negotiation, request ids, reply routing,
liveness and error wording are :class:`pyignite.protocol.session.Session`, shared with it.

Theory of operation
-------------------
* **Streams.** The connection is an ``asyncio`` stream pair (``asyncio.open_connection``, TLS through
  the same ``ssl.SSLContext`` as the blocking transport).
* **Writing.** :meth:`AioConnection.request` stamps the frame, registers a future under its request id
  and queues the frame; frames queued during one turn of the event loop are written together by one
  callback (one system call for a burst of requests), or every :data:`FLUSH_EVERY` frames as they
  come, so the node starts on the first requests of a big burst while the rest are still being
  encoded. A request that is alone in flight is written at once (nothing to batch it with). A frame
  is always written whole, so a caller cancelled at any point cannot leave half a request on the
  wire. When the transport's write buffer is above a limit (the node reads slowly), new requests
  wait for it to drain -- at most ``timeout`` seconds: a buffer that does not drain in time breaks
  the connection.
* **Reading.** Once the handshake is done, the stream's transport delivers what it reads straight to
  this connection (:class:`_ReplyProtocol`, installed in place of the stream's protocol, which it
  keeps for flow control and closing), and every reply is filed into the future registered under
  its request id in the same event loop callback -- no reader task to wake in between, and on plain
  TCP the bytes are read into one buffer reused for the life of the connection. A reply whose
  future is gone (its caller was cancelled or timed out) is read and dropped, so the stream stays in
  step and the next caller gets its own reply.
* **Timeouts.** With a ``timeout``, each request has a timer; when it fires first, the request fails
  with :class:`~pyignite.exceptions.RequestTimeoutError`. If nothing at all arrived from the
  node since the request was sent, the node is considered silent and the connection is broken, so the
  client fails over (the same rule as the blocking transport).
* **Broken connections.** End of stream, a socket error or a garbled frame fails every pending
  request with the same :class:`~pyignite.exceptions.SocketError`; later requests fail at once.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from typing import Any, Callable, Dict, List, Optional, Tuple

from pyignite.exceptions import SocketError
from pyignite.protocol.frames import ResponseHeader
from pyignite.protocol.request import header_and_frame
from pyignite.protocol.session import RECV_SIZE, Handshake, RequestTimeoutError, Session

__all__ = ["AioConnection", "RequestTimeoutError"]

Reply = Tuple[ResponseHeader, bytes]

_LEN = struct.Struct("<i")  # a request frame's length, at offset 0 (see frames.stamp)
_REQ_ID = struct.Struct("<q")  # its request id, at offset 6

#: Above this many unsent bytes in the transport, new requests wait for the buffer to drain.
WRITE_BUFFER_LIMIT = 1 << 20

#: A loop turn's queued frames are written as soon as there are this many, not only at the turn's
#: end: with 64 tasks on 2 cores (the node on one, the client on the other) waiting for the whole
#: turn left the node idle while the client encoded, at 0.81 of a bare asyncio connection's gets
#: against 0.99 in writes of 16 (2026-12-05, A/B in one process; writes of 4 to 32 did as well).
FLUSH_EVERY = 16

#: Seconds ``close()`` waits for the stream to shut down (a TLS close_notify exchange).
CLOSE_TIMEOUT = 5.0


class AioConnection(Session):
    """An asyncio connection to one node; any number of tasks may have requests in flight on it.

    Parameters are those of :class:`pyignite.protocol.session.Session` (``host``, ``port``,
    ``timeout``, ``ssl_context``, ``username``, ``password``, ``protocol_version``, ``features``,
    ``connect_timeout``). Create it, ``await connect()``, then ``await request(frame)``.
    """

    def __init__(self, host: str, port: int, timeout: Optional[float] = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(host, port, timeout, *args, **kwargs)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._writer: Optional[asyncio.StreamWriter] = None
        self._pending: Dict[int, asyncio.Future] = {}
        self._out: List[bytearray] = []
        #: a flush of ``_out`` is scheduled (submit: once per loop turn)
        self._flush_due = False
        self._broken: Optional[SocketError] = None
        self._drain_lock: Optional[asyncio.Lock] = None
        #: the transport's write buffer is above its high-water mark (see _ReplyProtocol)
        self._write_paused = False

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._writer is not None and self._broken is None

    @property
    def in_flight(self) -> int:
        """How many requests wait for their reply."""
        return len(self._pending)

    async def connect(self) -> AioConnection:
        """Open the stream and complete the handshake; on a version mismatch retry with the server's.

        Raises :class:`SocketError` naming host and port when the node cannot be reached or stays
        silent for ``connect_timeout``, :class:`HandshakeError` when it refuses the handshake.
        """
        hs = self.handshake()
        self.notify_handshake_start(hs.version)  # connection events (monitoring)
        try:
            while True:
                reader, writer = await self._open()
                try:
                    accepted = await asyncio.wait_for(self._handshake(reader, writer, hs), self.connect_timeout)
                except BaseException as exc:
                    writer.close()
                    if isinstance(exc, asyncio.TimeoutError):
                        raise self.handshake_error(TimeoutError(str(exc))) from exc
                    raise
                if accepted:
                    break
                writer.close()
        except BaseException as exc:
            self.notify_handshake_fail(hs.version, exc)
            raise
        sock = writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._loop = asyncio.get_running_loop()
        self._drain_lock = asyncio.Lock()
        self._writer = writer
        transport = writer.transport
        leftover = bytes(getattr(reader, "_buffer", b""))  # nothing, unless the node spoke first
        inner = transport.get_protocol()
        transport.set_protocol(
            _ReplyProtocol(self, inner) if self.ssl_context is not None else _BufferedReplyProtocol(self, inner)
        )
        if leftover:
            self._on_data(leftover)
        self.notify_handshake_success()
        return self

    async def _open(self) -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        ssl_context = self.ssl_context
        try:
            return await asyncio.wait_for(
                asyncio.open_connection(
                    self.host, self.port, ssl=ssl_context, server_hostname=self.host if ssl_context else None,
                    limit=RECV_SIZE,
                ),
                self.connect_timeout,
            )
        except asyncio.TimeoutError as exc:
            raise self.connect_error(TimeoutError(f"timed out after {self.connect_timeout} s")) from exc
        except OSError as exc:
            if isinstance(exc, ssl.SSLError):
                raise self.tls_error(exc) from exc
            raise self.connect_error(exc) from exc

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hs: Handshake) -> bool:
        """One handshake attempt: True if accepted, False to retry with ``hs.version``."""
        try:
            writer.write(hs.request)
            outcome = None
            while outcome is None:
                outcome = hs.feed(await reader.read(hs.need()))
            return outcome
        except Exception as exc:
            raise self.handshake_error(exc)  # noqa: B904 - chained by handshake_error

    async def close(self) -> None:
        """Close the stream; pending requests fail with :class:`SocketError`."""
        writer = self._writer
        self._fail(self.closed_error(), by_client=True)
        if writer is not None:
            # bounded: a TLS peer that never answers close_notify must not hang close()
            waiter = asyncio.ensure_future(writer.wait_closed())
            done, _ = await asyncio.wait({waiter}, timeout=CLOSE_TIMEOUT)
            if done:
                waiter.exception()  # retrieved: an error while closing is of no interest
            else:
                waiter.cancel()
                writer.transport.abort()  # the peer does not read (or answer close_notify): drop it

    def _fail(self, exc: BaseException, by_client: bool = False) -> SocketError:
        """Break the connection: fail every pending request with the error, close the stream."""
        was_alive = self._broken is None and self._writer is not None  # connection-lost event: once, if it was open
        if self._broken is None:
            self._broken = self.broken_error(exc)
        err = self._broken
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(err)
        self._out = []
        writer, self._writer = self._writer, None
        if writer is not None:
            if by_client:
                writer.close()  # graceful: unsent requests are flushed (close() bounds the wait)
            else:
                # broken: drop unsent bytes at once; a graceful close would keep the socket open (and
                # a request waiting in _drain() asleep) for as long as a frozen node does not read
                writer.transport.abort()
        self.end_listeners(err)
        if was_alive:
            self.notify_down(err, by_client)
        return err

    # --- I/O ----------------------------------------------------------------------------------

    def _on_data(self, chunk: Any) -> None:
        """Bytes read from the stream (by the transport, see :class:`_ReplyProtocol`): file every
        reply into its caller's future."""
        if self._broken is not None:
            return
        try:
            replies = self.replies_by_id(chunk)
        except Exception as exc:  # a garbled stream
            self._fail(exc)
            return
        pending = self._pending
        for request_id, reply in replies:
            fut = pending.pop(request_id, None)
            if fut is not None and not fut.done():  # else: its caller gave up; drop it
                fut.set_result(reply)  # a plain success as its frame alone (see submit)

    def _on_lost(self, exc: Optional[BaseException]) -> None:
        """The stream ended (``exc``: why, ``None`` for a clean end of stream)."""
        if self._broken is None:
            self._fail(exc if exc is not None else self.eof_error())

    def _flush(self) -> None:
        """Write the frames queued since it was scheduled (once per loop turn, by :meth:`submit`)."""
        self._flush_due = False
        self._write_queued()

    def _write_queued(self) -> None:
        """Write every queued frame at once."""
        out, self._out = self._out, []
        writer = self._writer
        if writer is None or not out:
            return
        try:
            writer.writelines(out)
        except Exception as exc:
            self._fail(exc)

    def _expire(self, fut: asyncio.Future, mark: int) -> None:
        """A request's timer fired: fail it; if the node sent nothing since, break the connection."""
        if fut.done():
            return
        silent = self.silent_since(mark)
        err = self.timeout_error(silent)
        fut.set_exception(err)
        if silent:
            self._fail(err)

    async def request(self, frame: bytearray, on_sent: Optional[Callable[[int], None]] = None) -> Reply:
        """Send a request frame and wait for its reply; return the parsed header and the frame.

        Raises :class:`RequestTimeoutError` after ``timeout`` seconds and :class:`SocketError` when the
        connection is or becomes broken. Cancelling the awaiting task leaves the connection intact:
        the request is still written whole and its reply is dropped when it arrives. ``on_sent`` is
        called with the request id once the request is queued (query events name it).
        """
        writer = self._writer
        # the buffer size is only worth asking once the transport said it is above its high-water
        # mark (pause_writing, far below WRITE_BUFFER_LIMIT)
        if (self._write_paused and writer is not None
                and writer.transport.get_write_buffer_size() > WRITE_BUFFER_LIMIT):
            await self._drain()
        fut = self.submit(frame)  # (it checks whether the connection broke meanwhile)
        request_id = _REQ_ID.unpack_from(frame, 6)[0]
        timer = None
        try:
            if on_sent is not None:
                on_sent(request_id)
            timeout = self.timeout
            if timeout is not None:
                timer = self._loop.call_later(timeout, self._expire, fut, self.mark())  # type: ignore[union-attr]
            # a plain success comes as its frame alone (Session.replies_by_id): its header after all
            return header_and_frame(await fut)
        finally:
            if timer is not None:
                timer.cancel()
            self._pending.pop(request_id, None)

    def submit(self, frame: bytearray) -> asyncio.Future:
        """Stamp ``frame`` with a request id, queue it for writing and return the future of its reply
        -- the frame alone (``bytes``, payload at offset 10) for a plain success, else ``(header,
        frame)`` (:meth:`Session.replies_by_id`): :meth:`request` without the coroutine, for a caller that awaits the
        future itself and needs neither a timeout nor the wait for a full write buffer (the plain
        path, ``AioClient._plain``, when ``timeout`` is None and writing is not paused). Raises
        :class:`SocketError` if the connection is broken. A future whose caller was cancelled keeps
        its entry until its reply arrives (and is dropped) or the connection ends."""
        writer = self._writer
        if writer is None or self._broken is not None:
            raise self._broken or self.closed_error()
        loop = self._loop
        request_id = next(self._ids)  # Session.stamp, inline (the hot path)
        _LEN.pack_into(frame, 0, len(frame) - 4)
        _REQ_ID.pack_into(frame, 6, request_id)
        fut: asyncio.Future = asyncio.Future(loop=loop)  # (loop.create_future, one call less)
        pending = self._pending
        pending[request_id] = fut
        if self._flush_due:
            out = self._out
            out.append(frame)
            if len(out) >= FLUSH_EVERY:
                self._write_queued()  # (on an error the connection breaks: fut fails with it)
        elif len(pending) == 1:
            try:
                writer.transport.write(frame)  # alone in flight: write now, waiting a loop turn only adds latency
            except BaseException:
                del pending[request_id]
                raise
        else:
            loop.call_soon(self._flush)  # type: ignore[union-attr]
            self._flush_due = True
            self._out.append(frame)
        return fut

    async def _drain(self) -> None:
        """Wait until the transport's write buffer is below the limit (one drainer at a time).

        With a ``timeout``, a buffer that does not drain within it (the node stopped reading) breaks
        the connection, as a blocking write that times out does.
        """
        assert self._drain_lock is not None
        async with self._drain_lock:
            writer = self._writer
            if writer is None:
                raise self._broken or self.closed_error()
            try:
                # bounded like a blocking write: a node that stops reading must not hold callers forever
                await asyncio.wait_for(writer.drain(), self.timeout)
            except asyncio.TimeoutError as exc:
                err = socket.timeout(f"sending to {self} timed out after {self.timeout} s")
                raise self._fail(err) from exc
            except Exception as exc:
                raise self._fail(exc) from exc


class _ReplyEvents:
    """What both reply protocols do besides receiving bytes: closing goes to the connection, and
    flow control and closing also to the stream's own protocol (``inner``), so
    ``StreamWriter.drain()`` and ``wait_closed()`` work as before."""

    _conn: AioConnection
    _inner: Any

    def eof_received(self) -> bool:
        self._conn._on_lost(None)
        return False  # the transport closes itself

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self._conn._on_lost(exc)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._conn._write_paused = True
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._conn._write_paused = False
        self._inner.resume_writing()


class _ReplyProtocol(_ReplyEvents, asyncio.Protocol):
    """What the stream's transport calls once the handshake is done: received bytes go straight to
    :meth:`AioConnection._on_data` (the rest: :class:`_ReplyEvents`)."""

    def __init__(self, conn: AioConnection, inner: Any) -> None:
        self._conn = conn
        self._inner = inner

    def data_received(self, data: bytes) -> None:
        self._conn._on_data(data)


class _BufferedReplyProtocol(_ReplyEvents, asyncio.BufferedProtocol):
    """:class:`_ReplyProtocol` for plain TCP: the transport reads into one reused buffer."""

    def __init__(self, conn: AioConnection, inner: Any) -> None:
        self._conn = conn
        self._inner = inner
        self._view = memoryview(bytearray(RECV_SIZE))

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self._conn._on_data(self._view[:nbytes])
