"""The I/O-free half of a client connection, shared by the blocking and the asyncio transports.

Theory of operation
-------------------
A transport (:mod:`pyignite.connection.sync`, :mod:`pyignite.connection.aio`) owns a socket or a
stream and nothing else. Everything it decides that does not depend on *how* bytes move lives here,
written once:

* **Handshake negotiation** (:class:`Handshake`): which version to propose, how to read the reply from
  whatever chunks arrive, whether a refusal means "retry on a new socket with the version the server
  offered" or a :class:`~pyignite.exceptions.HandshakeError`.
* **Request ids** (:meth:`Session.stamp`): ids are unique per connection and increase; a transport
  stamps a frame just before queueing it and uses the id to match the reply to its caller.
* **Reply routing** (:meth:`Session.replies`): a transport feeds every chunk it reads and gets back
  ``(header, frame)`` pairs to hand to the callers waiting for ``header.request_id``. Server
  notifications go to their listener instead (see below), the affinity topology version is recorded,
  a garbled stream raises :class:`~pyignite.exceptions.ParseError`. A reply nobody waits for any longer (its caller was
  cancelled or timed out) is simply not claimed by the transport, so it is read and dropped: the
  stream stays in step and no memory is kept for it.
* **Liveness** (:meth:`Session.mark`, :meth:`Session.silent_since`): when a call times out, the
  transport asks whether *anything* arrived since that request was sent. If something did, the node
  is alive and only that call fails (its late reply will be dropped); if nothing did, the node went
  silent for a whole timeout, the connection is declared broken and every waiter gets the error, so
  the client fails over to the next node as the specification's failover example expects.
* **Notifications** (:meth:`Session.listen`): the server pushes messages about a resource it holds
  for this connection -- a continuous query's events (op 2007), a compute task's end (op 6001) --
  framed like replies but with the NOTIFICATION flag and the resource id where a reply has its
  request id. Whoever created the resource registers a :class:`NotificationListener` for its id on
  the connection that created it; :meth:`Session.replies` hands each notification to that listener
  in the order the server sent them, on whatever thread or task is reading the socket. A
  notification can arrive before the reply that tells the client the resource id (a short compute
  task may end before its "started" reply is read by its caller), so notifications for an id nobody
  listens to yet are kept (at most :data:`MAX_PENDING_NOTIFICATIONS` in all, the oldest dropped
  first) and replayed when a listener registers. When the connection ends, every listener gets
  ``disconnected(error)`` once, so a consumer never waits silently on a dead connection. Listeners
  must not block or do I/O: they put the notification where their consumer takes it (a queue, a
  future) and return.
* **Error wording**: every transport error names the node and says what happened in the same words,
  whichever transport raised it.
"""

from __future__ import annotations

import itertools
import socket
import struct
import threading
import uuid
from collections import OrderedDict
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple, Union

from pyignite.exceptions import AuthenticationError, HandshakeError, ParseError, RequestTimeoutError, SocketError
from pyignite.protocol.frames import (  # _ID_FLAGS: a reply's request id and flags
    _ID_FLAGS,
    FLAG_NOTIFICATION,
    FrameBuffer,
    ResponseHeader,
    parse_response_header,
    stamp,
)
from pyignite.protocol.handshake import (
    CLIENT_FEATURES,
    PROTOCOL_VERSIONS,
    Version,
    build_handshake,
    parse_handshake,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT", "Handshake", "MAX_PENDING_NOTIFICATIONS", "NotificationListener", "RECV_SIZE",
    "RequestTimeoutError", "Session",
]

#: a reply's length, request id and flags (protocol >= 1.4.0): what :meth:`Session.plain_reply` checks
_PLAIN = struct.Struct("<iqh")

#: Connecting and the handshake are bounded even when no operation timeout is set, so a silent peer
#: never hangs ``connect()``.
DEFAULT_CONNECT_TIMEOUT = 10.0

#: How many bytes a transport asks its socket for at once.
RECV_SIZE = 1 << 16

Reply = Tuple[ResponseHeader, bytes]

#: How many notifications for resource ids without a listener a connection keeps (oldest dropped).
MAX_PENDING_NOTIFICATIONS = 10_000


class NotificationListener:
    """What :meth:`Session.listen` takes: receives the server's notifications about one resource.

    Both methods are called on the thread or task that reads the socket, so they must return at once
    (no blocking, no I/O): hand the data to the consumer and return.
    """

    def notify(self, header: ResponseHeader, frame: bytes) -> None:
        """One notification: ``header.op_code`` says which kind, the payload starts at
        ``header.payload_offset`` of ``frame``; ``header.status`` is non-zero for an error
        notification (``header.message`` then says what failed)."""
        raise NotImplementedError

    def disconnected(self, error: BaseException) -> None:
        """The connection ended (``error`` says why): no notification will follow."""
        raise NotImplementedError


#: What a timed-out socket operation raises (``socket.timeout`` is not a ``TimeoutError`` before 3.10).
TIMEOUTS = (TimeoutError, socket.timeout)


class Session:
    """Settings and protocol state of one connection to one node (no I/O).

    :param host: node address;
    :param port: node thin client port;
    :param timeout: seconds a request may wait for its reply (``None``: without limit);
    :param ssl_context: an ``ssl.SSLContext`` for the transport to wrap the stream in, or ``None``;
    :param username: and ``password``: credentials sent in the handshake (protocol >= 1.1.0);
    :param protocol_version: the version to propose first (default: the newest we speak);
    :param features: the feature bits to announce (protocol >= 1.7.0);
    :param connect_timeout: seconds for connecting and the handshake (default: ``timeout``, or
        :data:`DEFAULT_CONNECT_TIMEOUT` when that is ``None``);
    :param events: the client's :class:`~pyignite.monitoring.EventDispatcher`, or ``None``; the
        transports report connection events through the ``notify_*`` methods.
    """

    def __init__(
        self,
        host: str,
        port: int,
        timeout: Optional[float] = None,
        ssl_context: object = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        protocol_version: Optional[Version] = None,
        features: FrozenSet[int] = CLIENT_FEATURES,
        connect_timeout: Optional[float] = None,
        events: Any = None,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        if connect_timeout is None:
            connect_timeout = timeout if timeout is not None else DEFAULT_CONNECT_TIMEOUT
        self.connect_timeout = connect_timeout
        self.ssl_context = ssl_context
        self.username = username
        self.password = password
        self.requested_version: Version = protocol_version or PROTOCOL_VERSIONS[0]
        self.client_features = features
        #: negotiated protocol version (``None`` until the handshake succeeds)
        self.protocol_version: Optional[Version] = None
        #: feature bits the server announced (protocol >= 1.7.0)
        self.features: FrozenSet[int] = frozenset()
        #: the node's UUID (protocol >= 1.4.0)
        self.node_uuid: Optional[uuid.UUID] = None
        #: latest affinity topology version reported in a response header, if any
        self.topology: Optional[Tuple[int, int]] = None
        #: whether responses carry the flags field (protocol >= 1.4.0), fixed by the handshake
        self.flags_header = False
        self._ids = itertools.count(1)
        self._frames = FrameBuffer()
        self._received = 0
        #: monitoring: a :class:`pyignite.monitoring.EventDispatcher` or ``None``
        self.events = events
        # notifications: listeners by resource id, and what arrived before its listener
        self._listen_lock = threading.Lock()
        self._listeners: Dict[int, NotificationListener] = {}
        self._once: Set[int] = set()  # resource ids whose listener ends with its first notification
        self._unclaimed: OrderedDict[int, List[Reply]] = OrderedDict()
        self._unclaimed_count = 0
        self._ended: Optional[BaseException] = None

    def __repr__(self) -> str:
        return f"{self.host}:{self.port}"

    # --- handshake ------------------------------------------------------------------------------

    def handshake(self) -> Handshake:
        """A fresh negotiation, starting with the requested version."""
        return Handshake(self)

    def _accept(self, version: Version, features: FrozenSet[int], node_uuid: Optional[uuid.UUID]) -> None:
        self.protocol_version = version
        self.flags_header = version >= (1, 4, 0)
        self.features = features
        self.node_uuid = node_uuid

    # --- monitoring: the transports report connection events through these ---------------------

    def notify_handshake_start(self, version: Version) -> None:
        """A connection attempt begins (once per ``connect()``, proposing ``version``)."""
        if self.events is not None:
            self.events.handshake_start(self.host, self.port, version)

    def notify_handshake_success(self) -> None:
        """``connect()`` succeeded (the session knows the version and node UUID)."""
        if self.events is not None:
            self.events.handshake_success(self.host, self.port, self.protocol_version, self.node_uuid)

    def notify_handshake_fail(self, version: Version, exc: BaseException) -> None:
        """``connect()`` failed with ``exc`` (unreachable node, silence, refusal, bad credentials)."""
        if self.events is not None:
            self.events.handshake_fail(self.host, self.port, version, exc)

    def notify_down(self, exc: BaseException, by_client: bool) -> None:
        """A live connection ended: closed by the client, or lost because of ``exc``."""
        if self.events is not None:
            if by_client:
                self.events.connection_closed(self.host, self.port, self.node_uuid)
            else:
                self.events.connection_lost(self.host, self.port, self.node_uuid, exc)

    # --- requests and replies -------------------------------------------------------------------

    def stamp(self, frame: bytearray) -> int:
        """Give ``frame`` (from :func:`~pyignite.protocol.frames.new_request`) the next request id."""
        request_id = next(self._ids)
        stamp(frame, request_id)
        return request_id

    def replies(self, chunk: Union[bytes, bytearray, memoryview]) -> List[Reply]:
        """Feed bytes read from the stream; return the ``(header, frame)`` of every reply completed.

        Raises :class:`ParseError` when the stream is garbled (the transport must then give up the
        connection: it cannot find the next frame boundary).
        """
        out: List[Reply] = []
        flags_header = self.flags_header
        for frame in self._frames.take(chunk):
            header = parse_response_header(frame, flags_header)
            self._received += 1
            if header.topology is not None:
                self.topology = header.topology
            if header.flags & FLAG_NOTIFICATION:  # (not the property: this loop is the hot path)
                self._route_notification(header, frame)
                continue
            out.append((header, frame))
        return out

    def replies_by_id(self, chunk: Union[bytes, bytearray, memoryview]) -> List[Tuple[int, Any]]:
        """:meth:`replies` for the asyncio transport's hot path: ``(request id, reply)`` of every
        reply completed, where ``reply`` is the frame alone (``bytes``, its payload at offset 10)
        for a plain success -- flags 0: no error, no topology change, not a notification -- and
        the ``(header, frame)`` of :meth:`replies` for any other. Notifications are routed as there.
        """
        out: List[Tuple[int, Any]] = []
        if not self.flags_header:
            return [(reply[0].request_id, reply) for reply in self.replies(chunk)]
        unpack = _ID_FLAGS.unpack_from
        for frame in self._frames.take(chunk):
            if len(frame) >= 10:
                request_id, flags = unpack(frame, 0)
                if not flags:
                    self._received += 1
                    out.append((request_id, frame))
                    continue
            header = parse_response_header(frame, True)
            self._received += 1
            if header.topology is not None:
                self.topology = header.topology
            if header.flags & FLAG_NOTIFICATION:
                self._route_notification(header, frame)
                continue
            out.append((header.request_id, (header, frame)))
        return out

    def plain_reply(self, chunk: Union[bytes, bytearray, memoryview], request_id: int) -> Optional[bytes]:
        """The hot path's shortcut past :meth:`replies`: if ``chunk`` is exactly one whole reply to
        ``request_id`` with flags 0 (a success: no error, no topology change, not a notification)
        and nothing is buffered, account for it and return its frame (the bytes after the length;
        its payload starts at offset 10). Otherwise ``None``, with nothing consumed: the caller
        feeds ``chunk`` to :meth:`replies` as always. Protocol >= 1.4.0 only."""
        if len(chunk) < 14 or not self.flags_header or self._frames._buf:
            return None
        length, rid, flags = _PLAIN.unpack_from(chunk, 0)
        if flags or rid != request_id or length != len(chunk) - 4:
            return None
        self._received += 1
        return bytes(chunk[4:])

    # --- notifications (see the module docstring) -----------------------------------------------

    def listen(self, resource_id: int, listener: NotificationListener, once: bool = False) -> None:
        """Send the notifications about ``resource_id`` to ``listener`` from now on, starting with
        those that arrived before it registered. On a connection that already ended, ``listener``
        gets ``disconnected`` at once.

        ``once``: the resource sends one notification and then ends (a compute task's end): the
        listener is removed as that notification is delivered, so nothing needs to unregister it
        from inside ``notify`` (which runs under the listener lock)."""
        with self._listen_lock:
            ended = self._ended
            if ended is None:
                early = self._unclaimed.pop(resource_id, ())
                self._unclaimed_count -= len(early)
                if once and early:
                    listener.notify(*early[0])
                    return
                self._listeners[resource_id] = listener
                if once:
                    self._once.add(resource_id)
                for header, frame in early:  # under the lock: nothing newer can overtake them
                    listener.notify(header, frame)
                return
        listener.disconnected(ended)

    def unlisten(self, resource_id: int) -> None:
        """Stop delivering notifications about ``resource_id`` (later ones are dropped)."""
        with self._listen_lock:
            self._listeners.pop(resource_id, None)
            self._once.discard(resource_id)
            early = self._unclaimed.pop(resource_id, ())
            self._unclaimed_count -= len(early)

    def listening(self, resource_id: int) -> bool:
        """Whether a listener is registered for ``resource_id``."""
        return resource_id in self._listeners

    def _route_notification(self, header: ResponseHeader, frame: bytes) -> None:
        rid = header.request_id
        with self._listen_lock:
            listener = self._listeners.get(rid)
            if listener is not None:
                if rid in self._once:
                    del self._listeners[rid]
                    self._once.discard(rid)
                listener.notify(header, frame)
                return
            self._unclaimed.setdefault(rid, []).append((header, frame))
            self._unclaimed_count += 1
            while self._unclaimed_count > MAX_PENDING_NOTIFICATIONS:  # bounded: drop the oldest
                oldest = next(iter(self._unclaimed))
                queue = self._unclaimed[oldest]
                queue.pop(0)
                self._unclaimed_count -= 1
                if not queue:
                    del self._unclaimed[oldest]

    def end_listeners(self, exc: BaseException) -> None:
        """The connection ended because of ``exc``: tell every listener (the transports call this
        whenever they give a connection up; later calls find nobody left)."""
        with self._listen_lock:
            if self._ended is None:
                self._ended = exc
            listeners = list(self._listeners.values())
            self._listeners.clear()
            self._once.clear()
            self._unclaimed.clear()
            self._unclaimed_count = 0
        for listener in listeners:
            listener.disconnected(exc)

    def mark(self) -> int:
        """A liveness mark to take when a request is sent (see :meth:`silent_since`)."""
        return self._received

    def silent_since(self, mark: int) -> bool:
        """Whether no frame at all has arrived since :meth:`mark` returned ``mark``."""
        return self._received == mark

    # --- error wording --------------------------------------------------------------------------

    def closed_error(self) -> SocketError:
        return SocketError(f"connection to {self} is closed")

    def connect_error(self, exc: BaseException) -> SocketError:
        return _chain(SocketError(f"cannot connect to {self}: {exc}"), exc)

    def tls_error(self, exc: BaseException) -> SocketError:
        return _chain(SocketError(f"TLS handshake with {self} failed: {exc}"), exc)

    def handshake_error(self, exc: BaseException) -> BaseException:
        """What a transport raises when the handshake exchange itself failed with ``exc``."""
        if isinstance(exc, (SocketError, ParseError, HandshakeError)):
            return exc
        if isinstance(exc, TIMEOUTS):
            return _chain(SocketError(f"no handshake reply from {self} within {self.connect_timeout} s"), exc)
        return _chain(SocketError(f"handshake with {self} failed: {exc}"), exc)

    def eof_error(self) -> SocketError:
        return SocketError(f"{self} closed the connection")

    def broken_error(self, exc: BaseException) -> SocketError:
        """The error every waiter gets when the connection breaks because of ``exc``."""
        if isinstance(exc, SocketError):
            return exc
        if isinstance(exc, TIMEOUTS):
            return _chain(SocketError(f"{self} timed out after {self.timeout} s"), exc)
        return _chain(SocketError(f"connection to {self} broken: {exc}"), exc)

    def timeout_error(self, silent: bool, seconds: Optional[float] = None) -> RequestTimeoutError:
        """The error of a call that timed out after ``seconds`` (default: the connection's
        ``timeout``; a heartbeat has its own); ``silent``: nothing arrived meanwhile (see module doc)."""
        limit = self.timeout if seconds is None else seconds
        if silent:
            err = RequestTimeoutError(
                f"{self} did not answer within {limit} s and sent nothing meanwhile: connection closed"
            )
            err.connection_closed = True  # the retry policy reads it (pyignite.protocol.retry)
            return err
        return RequestTimeoutError(f"{self} did not answer this request within {limit} s")


def _chain(err: SocketError, cause: BaseException) -> SocketError:
    err.__cause__ = cause
    return err


class Handshake:
    """One handshake negotiation, sans I/O.

    The transport opens a socket, sends :attr:`request`, and feeds what it reads to :meth:`feed`
    until that returns ``True`` (accepted: the session now knows the version, features and node
    UUID) or ``False`` (refused with a version we also speak: close the socket, open a new one and
    send the new :attr:`request`). ``feed`` raises :class:`HandshakeError` when the server refuses
    for good (an authentication failure, or no common version), :class:`SocketError` when the
    stream ends first and :class:`ParseError` on a garbled reply.
    """

    __slots__ = ("_frames", "_session", "_tried", "version")

    def __init__(self, session: Session) -> None:
        self._session = session
        self.version: Version = session.requested_version
        self._tried: Set[Version] = {self.version}
        self._frames = FrameBuffer()

    @property
    def request(self) -> bytes:
        """The handshake frame for the current attempt (length prefix included)."""
        s = self._session
        return build_handshake(self.version, s.client_features, s.username, s.password)

    def need(self) -> int:
        """How many bytes to ask the socket for next."""
        return max(self._frames.needed(), 4096)

    def feed(self, chunk: bytes) -> Optional[bool]:
        """Take bytes of the reply: ``None`` wants more, ``True`` accepted, ``False`` retry."""
        s = self._session
        if not chunk:
            hint = " (is the port TLS-only?)" if s.ssl_context is None else ""
            raise SocketError(f"{s} closed the connection during the handshake{hint}")
        self._frames.feed(chunk)
        frame = self._frames.next_frame()
        if frame is None:
            return None
        self._frames = FrameBuffer()
        result = parse_handshake(frame, self.version)
        if result.success:
            s._accept(self.version, result.features, result.node_uuid)
            return True
        offered = result.server_version
        if (
            offered is not None
            and offered in PROTOCOL_VERSIONS
            and offered not in self._tried
            # An auth failure is not a version problem. A refused version may come with status 1
            # (FAILED): Ignite 2.8 (protocol 1.6.0) answers a 1.7.0 proposal that way.
            and result.status != 2000
        ):
            self.version = offered
            self._tried.add(offered)
            return False
        # ClientStatus.AUTH_FAILED: bad or missing credentials
        error = AuthenticationError if result.status == 2000 else HandshakeError
        raise error(offered, result.message or "handshake refused", result.status)
