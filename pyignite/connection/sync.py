"""Blocking socket transport: one TCP (optionally TLS) connection to one Ignite node.

It moves bytes only: it opens the socket, runs the handshake, sends stamped frames and hands each
caller the reply to its own request. Everything that is not I/O -- handshake negotiation, request ids,
reply routing, liveness and error wording -- is :class:`pyignite.protocol.session.Session`, shared with
the asyncio transport.

Thread model
------------
A connection may be shared by any number of threads, each with requests in flight at the same time
(pipelining: a thread's request does not wait for another thread's reply).

* **Sending**: a request is registered under its request id *before* it is written, then written whole
  under a send lock, so frames never interleave and no reply can arrive unclaimed.
* **Reading** (leader/followers): at most one waiting thread -- the *reader* -- reads the socket. It
  files every reply it reads into the slot of the request it answers and wakes that slot's thread
  directly, so a thread whose reply has arrived never waits behind the reader's own, possibly slow,
  request. When the reader's own reply arrives (or it gives up), it hands the reader role to the
  longest-waiting thread that still waits. Waiting threads sleep on their own slot, not on a shared
  lock or condition, so each reply wakes exactly one thread.
* **Timeouts** (``timeout``): every request has a deadline ``timeout`` seconds after it was sent. A
  thread past its deadline unregisters its slot and raises
  :class:`~pyignite.exceptions.RequestTimeoutError`; its late reply is read and dropped. If
  nothing at all arrived from the node since that request was sent, the node is considered silent:
  the connection is broken (see below) so the client fails over.
* **Broken connections**: when the socket fails, the stream is garbled or the connection is closed,
  every thread waiting on it is woken with the same :class:`~pyignite.exceptions.SocketError`, and
  later calls fail at once until the client reconnects.
* **TLS**: OpenSSL must not be entered by two threads at once on one connection (a concurrent
  read and write can corrupt the TLS state), so a TLS socket is non-blocking and every read or
  write call on it is made under one I/O lock, which is never held while waiting: threads wait for
  the socket to become readable or writable outside it.
* **Memory**: slots live from ``send`` to the matching ``receive`` (or timeout); a reply for a slot
  that is gone is discarded as soon as it is read. Every ``send`` must be followed by a ``receive``
  of the id it returned (``request`` does both).
* **Notifications** (continuous query events, see :meth:`Session.listen`) arrive when no thread may
  be waiting for a reply, and a reader is otherwise only there while some thread waits. So while
  listeners are registered, a *notification reader* thread takes the reader role whenever nobody else
  holds it and keeps reading (it also files replies for waiting threads, like any reader); it polls
  every :data:`NOTIFICATION_POLL` seconds whether listeners remain and ends when none do or the
  connection ends. It only hands notifications to their listeners, which must not block; a thread
  that waits for one notification (a compute task's end) waits on what its listener completes.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from typing import Any, Dict, Optional, Tuple

from pyignite.exceptions import SocketError
from pyignite.protocol.frames import ResponseHeader
from pyignite.protocol.session import (
    DEFAULT_CONNECT_TIMEOUT,
    RECV_SIZE,
    Handshake,
    RequestTimeoutError,
    Session,
)

__all__ = ["Connection", "DEFAULT_CONNECT_TIMEOUT", "NOTIFICATION_POLL", "RequestTimeoutError"]

Reply = Tuple[ResponseHeader, bytes]

#: Seconds between the notification reader's checks whether listeners remain.
NOTIFICATION_POLL = 0.5

_LEN = struct.Struct("<i")  # a request frame's length, at offset 0 (see frames.stamp)
_REQ_ID = struct.Struct("<q")  # its request id, at offset 6


class _Slot:
    """One request in flight: where its reply (or error) is put and how its thread is woken.

    ``signal`` is a lock held while nobody has woken the thread; waking releases it once (``woken``
    tells whether it is released, both under the connection's mutex).
    """

    __slots__ = ("deadline", "error", "limit", "mark", "reply", "signal", "waiting", "woken")

    def __init__(self, mark: int, deadline: Optional[float], limit: Optional[float] = None) -> None:
        self.signal = threading.Lock()
        self.signal.acquire()
        self.woken = False
        self.waiting = False
        self.reply: Optional[Reply] = None
        self.error: Optional[BaseException] = None
        self.mark = mark
        self.deadline = deadline
        self.limit = limit  # the seconds ``deadline`` allows (error messages name them)


class Connection(Session):
    """A blocking connection to one node, safe to share between threads.

    :param host: node address;
    :param port: node thin client port;
    :param timeout: seconds a request may wait for its reply, and for any socket write
        (``None``: without limit);
    :param ssl_context: an ``ssl.SSLContext`` to wrap the socket with, or ``None`` for plain TCP;
    :param username: and ``password``: credentials sent in the handshake;
    :param protocol_version: the version to propose first (default: the newest we speak);
    :param connect_timeout: seconds for connecting and the handshake (default: ``timeout`` or 10 s).
    """

    def __init__(self, host: str, port: int, timeout: Optional[float] = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(host, port, timeout, *args, **kwargs)
        self._sock: Optional[socket.socket] = None
        self._send_lock = threading.Lock()
        self._mutex = threading.Lock()
        self._slots: Dict[int, _Slot] = {}
        #: TLS only: OpenSSL calls on one connection must not overlap (see module docstring)
        self._io_lock: Optional[threading.Lock] = None
        self._reading = False
        self._broken: Optional[SocketError] = None
        #: the notification reader thread (see the module docstring) and the slot it waits on
        self._notifier: Optional[threading.Thread] = None
        self._notifier_slot: Optional[_Slot] = None
        #: the receive buffer of the fast path (plain TCP with the stock ``_recv_chunk`` only)
        self._rview: Optional[memoryview] = None

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._sock is not None and self._broken is None

    def connect(self) -> Connection:
        """Open the socket and complete the handshake; on a version mismatch retry with the server's.

        Raises :class:`SocketError` naming host and port when the node cannot be reached or goes
        silent, :class:`HandshakeError` when it refuses the handshake.
        """
        hs = self.handshake()
        self.notify_handshake_start(hs.version)  # connection events (monitoring)
        accepted = False
        try:
            while not accepted:
                sock = self._open()
                try:
                    accepted = self._handshake(sock, hs)
                finally:
                    if not accepted:
                        sock.close()
        except BaseException as exc:
            self.notify_handshake_fail(hs.version, exc)
            raise
        if self.ssl_context is None:
            sock.settimeout(self.timeout)
            if type(self)._recv_chunk is Connection._recv_chunk:  # (tests fragment reads through it)
                self._rview = memoryview(bytearray(RECV_SIZE))
        else:  # TLS: non-blocking, so no thread ever waits inside an OpenSSL call
            sock.setblocking(False)
            self._io_lock = threading.Lock()
        self._sock = sock
        self.notify_handshake_success()
        return self

    def _open(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise self.connect_error(exc) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if self.ssl_context is not None:
            try:
                sock = self.ssl_context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
            except OSError as exc:
                sock.close()
                raise self.tls_error(exc) from exc
        return sock

    def _handshake(self, sock: socket.socket, hs: Handshake) -> bool:
        """One handshake attempt on ``sock``: True if accepted, False to retry with ``hs.version``."""
        deadline = time.monotonic() + self.connect_timeout  # for the whole exchange, not per read
        try:
            sock.sendall(hs.request)
            outcome = None
            while outcome is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise socket.timeout("timed out")
                sock.settimeout(remaining)
                outcome = hs.feed(self._recv_chunk(sock, hs.need()))
            return outcome
        except Exception as exc:
            raise self.handshake_error(exc)  # noqa: B904 - chained by handshake_error

    def close(self) -> None:
        """Close the socket; threads waiting on this connection get a :class:`SocketError`."""
        self._fail(self.closed_error(), by_client=True)

    # --- I/O ----------------------------------------------------------------------------------

    def _recv_chunk(self, sock: socket.socket, size: int) -> bytes:
        """One ``recv`` from the socket (tests override this to fragment the stream)."""
        return sock.recv(size)

    def _fail(self, exc: BaseException, by_client: bool = False) -> SocketError:
        """Break the connection: close the socket, wake every waiter with the error, return it."""
        with self._mutex:
            was_alive = self._broken is None and self._sock is not None  # connection-lost event: once, if it was open
            if self._broken is None:
                self._broken = self.broken_error(exc)
            err = self._broken
            for slot in self._slots.values():
                if slot.reply is None and slot.error is None:
                    slot.error = err
                    _wake(slot)
            sock, self._sock = self._sock, None
        if sock is not None:
            with self._io_lock or contextlib.nullcontext():
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # unblocks a reader sitting in recv()
                except OSError:
                    pass
                sock.close()
        self.end_listeners(err)
        if was_alive:
            self.notify_down(err, by_client)
        return err

    def send(self, frame: bytearray) -> int:
        """Stamp a request id on ``frame``, send it and return the id (pass it to :meth:`receive`)."""
        sock = self._sock
        if sock is None or self._broken is not None:
            raise self._broken or self.closed_error()
        request_id = self.stamp(frame)
        timeout = self.timeout
        slot = _Slot(self.mark(), None if timeout is None else time.monotonic() + timeout, timeout)
        with self._mutex:
            if self._broken is not None:
                raise self._broken
            self._slots[request_id] = slot
        try:
            with self._send_lock:
                self._write(sock, frame)
        except (OSError, ValueError) as exc:
            with self._mutex:
                self._slots.pop(request_id, None)
            raise self._fail(exc) from exc
        return request_id

    def receive(self, request_id: int) -> Reply:
        """Wait for the reply to ``request_id``; return its parsed header and the frame.

        Raises :class:`RequestTimeoutError` after ``timeout`` seconds, :class:`SocketError` if the
        connection breaks meanwhile, ``KeyError`` for an id that is not awaited.
        """
        slot = self._slots[request_id]
        mutex = self._mutex
        while True:
            with mutex:
                if slot.reply is not None or slot.error is not None:
                    del self._slots[request_id]
                    break
                lead = not self._reading
                if lead:
                    self._reading = True
                else:
                    slot.woken = False
                    slot.waiting = True
            if lead:
                self._lead(slot)
                if slot.reply is None and slot.error is None:
                    self._expire(request_id, slot)
                continue
            deadline = slot.deadline
            if deadline is None:
                slot.signal.acquire()
            elif not slot.signal.acquire(timeout=max(0.0, deadline - time.monotonic())):
                self._expire(request_id, slot)
            slot.waiting = False
        if slot.error is not None:
            raise slot.error
        return slot.reply  # type: ignore[return-value]

    def _expire(self, request_id: int, slot: _Slot) -> None:
        """``slot`` is past its deadline: unless it was answered meanwhile, give it up and raise."""
        with self._mutex:
            if slot.reply is not None or slot.error is not None:
                return
            del self._slots[request_id]
            self._hand_over()
            silent = self.silent_since(slot.mark)
        err = self.timeout_error(silent, slot.limit)
        if silent:
            self._fail(err)
        raise err

    def _hand_over(self) -> None:
        """Wake the longest-waiting thread to take the reader role if nobody reads (mutex held); the
        notification reader, if it waits, comes after the threads that wait for replies."""
        if self._reading:
            return
        for slot in self._slots.values():
            if slot.waiting and slot.reply is None and slot.error is None:
                _wake(slot)
                return
        notifier = self._notifier_slot
        if notifier is not None and notifier.waiting:
            _wake(notifier)

    def _lead(self, slot: _Slot) -> None:
        """As the reader: read the socket, filing replies for everyone, until ``slot`` is answered,
        the connection breaks (the error is then in ``slot``) or ``slot``'s deadline passes."""
        deadline = slot.deadline
        try:
            while slot.reply is None and slot.error is None:
                sock = self._sock
                if sock is None:
                    raise self._broken or self.closed_error()
                try:
                    chunk = self._read(sock, deadline)
                    if chunk is None:
                        return  # past the deadline
                    if not chunk:
                        raise self.eof_error()
                    replies = self.replies(chunk)
                except Exception as exc:
                    raise self._fail(exc) from exc
                with self._mutex:
                    for header, frame in replies:
                        other = self._slots.get(header.request_id)
                        if other is not None:  # else: its caller gave up; the reply is dropped
                            other.reply = (header, frame)
                            _wake(other)
        except SocketError as exc:
            with self._mutex:
                if slot.reply is None and slot.error is None:
                    slot.error = exc
        finally:
            with self._mutex:
                self._reading = False
                self._hand_over()

    # --- notifications --------------------------------------------------------------------------

    def listen(self, resource_id: int, listener: Any, once: bool = False) -> None:
        """:meth:`Session.listen`, and make sure a notification reader runs (module docstring)."""
        super().listen(resource_id, listener, once)
        with self._mutex:
            if self._notifier is not None or self._broken is not None or self._sock is None:
                return
            thread = threading.Thread(target=self._notification_reader, name=f"pyignite-notify-{self}", daemon=True)
            self._notifier = thread
            self._notifier_slot = _Slot(0, None)
        thread.start()

    def _notification_reader(self) -> None:
        """Read the socket whenever no other thread does, while listeners are registered."""
        slot = self._notifier_slot
        assert slot is not None
        mutex = self._mutex
        try:
            while True:
                with mutex:
                    if self._broken is not None or self._sock is None or not self._listeners:
                        # decided under the mutex, so a listen() that follows starts a new reader
                        self._notifier = None
                        self._notifier_slot = None
                        return
                    lead = not self._reading
                    if lead:
                        self._reading = True
                    else:
                        # a wake that came after a timed-out wait left the signal released: take it
                        # back, so the next wake releases a held lock (releasing a free one raises)
                        slot.signal.acquire(blocking=False)
                        slot.woken = False
                        slot.waiting = True
                if lead:
                    self._read_notifications()
                else:  # woken by _hand_over when the reader role is free, or to check again
                    slot.signal.acquire(timeout=NOTIFICATION_POLL)
                    slot.waiting = False
        finally:
            with mutex:
                if self._notifier is threading.current_thread():
                    self._notifier = None
                    self._notifier_slot = None

    def _read_notifications(self) -> None:
        """As the reader: read and route everything that arrives until no listener remains or the
        connection ends; replies go to their threads as in :meth:`_lead`."""
        try:
            while self._listeners:
                sock = self._sock
                if sock is None or self._broken is not None:
                    return
                try:
                    chunk = self._read(sock, time.monotonic() + NOTIFICATION_POLL)
                    if chunk is None:
                        continue  # nothing for a while: check the listeners again
                    if not chunk:
                        raise self.eof_error()
                    replies = self.replies(chunk)
                except Exception as exc:
                    self._fail(exc)
                    return
                with self._mutex:
                    for header, frame in replies:
                        other = self._slots.get(header.request_id)
                        if other is not None:
                            other.reply = (header, frame)
                            _wake(other)
        finally:
            with self._mutex:
                self._reading = False
                self._hand_over()

    # --- the uncontended fast path ----------------------------------------------------------------
    # One caller and nothing else in flight is the common case of a blocking client (a single
    # thread, or threads that rarely overlap), and there the leader/followers machinery is pure
    # cost: a slot with its own lock, a dict entry, five trips through the mutex and a hand-off.
    # :meth:`request` therefore takes the reader role itself when it finds no other request in flight
    # and nobody reading, writes the frame and reads until its own reply arrives, into one receive
    # buffer reused for the life of the connection. Everything else stays as in the slow path:
    # a thread that sends meanwhile registers its slot and waits (the reader role is taken), and
    # the replies read here for such threads are filed into their slots and woken, as ``_lead``
    # does; the reader role is handed over on the way out; the deadline, the liveness rule on a
    # timeout, and breaking the connection on any socket or stream error are the same; every
    # chunk goes through :meth:`Session.replies`, so notifications are routed as always -- except,
    # with ``plain`` (the client's single-key shortcut, Client._plain), the one chunk that is
    # exactly the awaited reply and a plain success, which :meth:`Session.plain_reply` accounts
    # for. On a VM with 2 cores every microsecond of client CPU between a reply and the next
    # request cost about 3 us of wall time (the node's threads go idle and must be woken; measured
    # with a busy-wait added to a bare-socket loop), so this path is kept to a few calls.

    def request(self, frame: bytearray, plain: bool = False) -> Any:
        """Send a request frame and wait for its reply; return its parsed header and the frame.

        When nobody else has a request in flight on this connection, the call takes the reader role
        at once (the fast path above: no slot, no wake-up lock); otherwise it is :meth:`send` then
        :meth:`receive`, the leader/followers machinery of the module docstring. ``plain``: a reply
        that :meth:`Session.plain_reply` recognizes (a success with nothing in its header to act
        on, read whole) is returned as its frame alone, ``bytes``; anything else as usual.
        """
        with self._mutex:
            if self._reading or self._slots or self._broken is not None:
                alone = False
            else:
                alone = self._reading = True
        if not alone:
            return self.receive(self.send(frame))
        try:
            sock = self._sock
            if sock is None:
                raise self._broken or self.closed_error()
            request_id = next(self._ids)  # Session.stamp, inline
            _LEN.pack_into(frame, 0, len(frame) - 4)
            _REQ_ID.pack_into(frame, 6, request_id)
            try:
                with self._send_lock:
                    if self._io_lock is None:
                        sock.sendall(frame)  # plain TCP: the socket's timeout applies
                    else:
                        self._write(sock, frame)
            except (OSError, ValueError) as exc:
                raise self._fail(exc) from exc
            # (after the write: what follows overlaps the node's work; only this thread reads, so
            # nothing can have been received meanwhile)
            mark = self._received
            timeout = self.timeout
            deadline = None if timeout is None else time.monotonic() + timeout
            rview = self._rview
            chunk: Any
            while True:
                try:
                    if rview is not None:  # plain TCP, stock recv: straight into the reused buffer
                        if deadline is not None and not _wait(sock, deadline, write=False):
                            chunk = None
                        else:
                            chunk = rview[: sock.recv_into(rview)]
                    else:
                        chunk = self._read(sock, deadline)
                    if chunk is None:  # past the deadline: the rule of _expire
                        silent = self.silent_since(mark)
                        err = self.timeout_error(silent)
                        if silent:
                            self._fail(err)
                        raise err
                    if not chunk:
                        raise self.eof_error()
                    if plain:
                        whole = self.plain_reply(chunk, request_id)
                        if whole is not None:
                            return whole
                    replies = self.replies(chunk)
                except RequestTimeoutError:
                    raise
                except Exception as exc:
                    raise self._fail(exc) from exc
                mine = None
                if len(replies) == 1 and replies[0][0].request_id == request_id:
                    mine = replies[0]
                elif replies:
                    with self._mutex:  # replies to threads that sent meanwhile: as in _lead
                        for reply in replies:
                            rid = reply[0].request_id
                            if rid == request_id:
                                mine = reply
                                continue
                            other = self._slots.get(rid)
                            if other is not None:  # else: its caller gave up; the reply is dropped
                                other.reply = reply
                                _wake(other)
                if mine is not None:
                    return mine
        finally:
            with self._mutex:
                self._reading = False
                if self._slots or self._notifier_slot is not None:
                    self._hand_over()  # a thread that sent meanwhile, or the notification reader

    # --- heartbeats (pyignite.connection.keepalive) ----------------------------------------------

    def request_within(self, frame: bytearray, timeout: float) -> Reply:
        """:meth:`request` with its own deadline of ``timeout`` seconds, whatever the connection's
        ``timeout`` (a heartbeat must be bounded even when calls are not). As for any call, a
        deadline passed without anything received from the node breaks the connection."""
        request_id = self.send(frame)
        slot = self._slots.get(request_id)
        if slot is not None:
            slot.deadline = time.monotonic() + timeout
            slot.limit = timeout
        return self.receive(request_id)

    # --- socket primitives ----------------------------------------------------------------------

    def _read(self, sock: socket.socket, deadline: Optional[float]) -> Optional[bytes]:
        """One chunk from the socket (the reader role held): ``b""`` at end of stream, ``None`` if
        nothing could be read before ``deadline``."""
        io_lock = self._io_lock
        if io_lock is None:  # plain TCP: a blocking read, while other threads may write
            if deadline is not None and not _wait(sock, deadline, write=False):
                return None
            return self._recv_chunk(sock, RECV_SIZE)
        import ssl  # TLS only (already imported by then): plain-TCP programs do not import ssl

        while True:  # TLS: wait outside the lock, read under it without blocking
            with io_lock:
                try:
                    return self._recv_chunk(sock, RECV_SIZE)
                except ssl.SSLWantReadError:
                    write = False  # a partial TLS record, or a record without application data
                except ssl.SSLWantWriteError:
                    write = True
            if not _wait(sock, deadline, write):
                return None

    def _write(self, sock: socket.socket, frame: bytearray) -> None:
        """Write a whole frame (the send lock held); ``socket.timeout`` after ``timeout`` seconds."""
        io_lock = self._io_lock
        if io_lock is None:
            sock.sendall(frame)  # plain TCP: the socket's timeout applies
            return
        import ssl  # TLS only, as in _read

        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        view = memoryview(frame)
        while view:
            with io_lock:
                try:
                    view = view[sock.send(view) :]
                    continue
                except ssl.SSLWantWriteError:
                    write = True
                except ssl.SSLWantReadError:
                    write = False
            if not _wait(sock, deadline, write):
                raise socket.timeout(f"sending to {self} timed out after {self.timeout} s")


def _wake(slot: _Slot) -> None:
    """Release ``slot``'s thread (the connection's mutex held); at most once per wait."""
    if not slot.woken:
        slot.woken = True
        slot.signal.release()


def _wait(sock: socket.socket, deadline: Optional[float], write: bool) -> bool:
    """Wait until ``sock`` is readable (or writable); False if ``deadline`` passed first."""
    if not write:
        pending = getattr(sock, "pending", None)
        if pending is not None and pending():
            return True  # TLS data already decrypted: select() cannot see it
    if deadline is None:
        timeout_ms = None
    else:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            return False
        timeout_ms = max(1, int(timeout * 1000 + 0.999))
    if _POLL:
        poller = select.poll()
        poller.register(sock, select.POLLOUT if write else select.POLLIN)
        return bool(poller.poll(timeout_ms))
    wait = None if timeout_ms is None else timeout_ms / 1000
    ready = select.select([], [sock], [], wait) if write else select.select([sock], [], [], wait)
    return bool(ready[0] or ready[1])


_POLL = hasattr(select, "poll")
