"""Blocking socket transport: one TCP (optionally TLS) connection to one Ignite node.

It moves bytes only: it opens the socket, runs the handshake (retrying with the version the server
offers), stamps request ids, sends frames and hands back the reply frame of each request. It knows
nothing of caches or values.

Thread model: a connection may be shared by threads. Sending is serialized by a lock; replies are
matched to callers by request id. Whichever waiting thread holds the read lock reads the socket and
files every frame it reads under its request id, so replies for other threads are never lost or
swapped; a thread whose reply has been filed by another one takes it without reading.
"""

from __future__ import annotations

import itertools
import socket
import threading
import uuid
from typing import Any, Dict, FrozenSet, Optional, Tuple

from pyignite.exceptions import HandshakeError, ParseError, SocketError
from pyignite.protocol.frames import FrameBuffer, ResponseHeader, parse_response_header, stamp
from pyignite.protocol.handshake import (
    CLIENT_FEATURES,
    PROTOCOL_VERSIONS,
    Version,
    build_handshake,
    parse_handshake,
)

__all__ = ["Connection", "DEFAULT_CONNECT_TIMEOUT"]

#: Connecting and the handshake are bounded even when no operation timeout is set, so a silent peer
#: never hangs ``connect()``.
DEFAULT_CONNECT_TIMEOUT = 10.0
_RECV_SIZE = 1 << 16


class Connection:
    """A connection to one node.

    :param host: node address;
    :param port: node thin client port;
    :param timeout: seconds for every socket operation (``None``: operations wait without limit);
    :param ssl_context: an ``ssl.SSLContext`` to wrap the socket with, or ``None`` for plain TCP;
    :param username: and ``password``: credentials sent in the handshake;
    :param protocol_version: the version to propose first (default: the newest we speak).
    """

    def __init__(
        self,
        host: str,
        port: int,
        timeout: Optional[float] = None,
        ssl_context: Any = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        protocol_version: Optional[Version] = None,
        features: FrozenSet[int] = CLIENT_FEATURES,
        connect_timeout: Optional[float] = None,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.connect_timeout = connect_timeout if connect_timeout is not None else (
            timeout if timeout is not None else DEFAULT_CONNECT_TIMEOUT
        )
        self.ssl_context = ssl_context
        self.username = username
        self.password = password
        self.requested_version: Version = protocol_version or PROTOCOL_VERSIONS[0]
        self.client_features = features
        self.protocol_version: Optional[Version] = None
        self.features: FrozenSet[int] = frozenset()
        self.node_uuid: Optional[uuid.UUID] = None
        self._sock: Optional[socket.socket] = None
        self._ids = itertools.count(1)
        self._send_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._filed: Dict[int, bytes] = {}
        self._frames = FrameBuffer()
        self._broken: Optional[BaseException] = None
        #: latest affinity topology version reported in a response header, if any
        self.topology: Optional[Tuple[int, int]] = None

    # --- lifecycle ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def alive(self) -> bool:
        return self._sock is not None and self._broken is None

    @property
    def flags_header(self) -> bool:
        """Responses carry a flags field (protocol >= 1.4.0)."""
        return self.protocol_version is not None and self.protocol_version >= (1, 4, 0)

    def connect(self) -> Connection:
        """Open the socket and complete the handshake; on a version mismatch retry with the server's.

        Raises :class:`SocketError` naming host and port when the node cannot be reached or goes
        silent, :class:`HandshakeError` when it refuses the handshake.
        """
        version = self.requested_version
        tried = set()
        while True:
            tried.add(version)
            sock = self._open()
            try:
                result = self._handshake(sock, version)
            except BaseException:
                sock.close()
                raise
            if result.success:
                self._sock = sock
                self.protocol_version = version
                self.features = result.features
                self.node_uuid = result.node_uuid
                sock.settimeout(self.timeout)
                return self
            sock.close()
            offered = result.server_version
            if (
                offered is not None
                and offered in PROTOCOL_VERSIONS
                and offered not in tried
                and not result.status  # an auth failure is not a version problem
            ):
                version = offered
                continue
            raise HandshakeError(offered, result.message or "handshake refused", result.status)

    def _open(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise SocketError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if self.ssl_context is not None:
            try:
                sock = self.ssl_context.wrap_socket(sock, server_hostname=self.host)
            except OSError as exc:
                sock.close()
                raise SocketError(f"TLS handshake with {self.host}:{self.port} failed: {exc}") from exc
        return sock

    def _handshake(self, sock: socket.socket, version: Version) -> Any:
        data = build_handshake(version, self.client_features, self.username, self.password)
        frames = FrameBuffer()
        try:
            sock.sendall(data)
            while True:
                frame = frames.next_frame()
                if frame is not None:
                    return parse_handshake(frame, version)
                chunk = self._recv_chunk(sock, max(frames.needed(), 4096))
                if not chunk:
                    raise SocketError(
                        f"{self.host}:{self.port} closed the connection during the handshake"
                        + (" (is the port TLS-only?)" if self.ssl_context is None else "")
                    )
                frames.feed(chunk)
        except socket.timeout as exc:
            raise SocketError(
                f"no handshake reply from {self.host}:{self.port} within {self.connect_timeout} s"
            ) from exc
        except (SocketError, ParseError):
            raise
        except OSError as exc:
            raise SocketError(f"handshake with {self.host}:{self.port} failed: {exc}") from exc

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    # --- I/O ----------------------------------------------------------------------------------

    def _recv_chunk(self, sock: socket.socket, size: int) -> bytes:
        """One ``recv`` from the socket (tests override this to fragment the stream)."""
        return sock.recv(size)

    def _fail(self, exc: BaseException) -> SocketError:
        self._broken = exc
        self.close()
        if isinstance(exc, SocketError):
            return exc
        if isinstance(exc, socket.timeout):
            err = SocketError(f"{self.host}:{self.port} timed out after {self.timeout} s")
        else:
            err = SocketError(f"connection to {self.host}:{self.port} broken: {exc}")
        err.__cause__ = exc
        return err

    def send(self, frame: bytearray) -> int:
        """Stamp a request id on ``frame``, send it and return the id."""
        if self._sock is None or self._broken is not None:
            raise SocketError(f"connection to {self.host}:{self.port} is closed")
        request_id = next(self._ids)
        stamp(frame, request_id)
        with self._send_lock:
            try:
                self._sock.sendall(frame)
            except (OSError, AttributeError) as exc:
                raise self._fail(exc) from exc
        return request_id

    def receive(self, request_id: int) -> Tuple[ResponseHeader, bytes]:
        """Wait for the reply to ``request_id``; return its parsed header and the frame."""
        while True:
            frame = self._filed.pop(request_id, None)
            if frame is not None:
                return parse_response_header(frame, self.flags_header), frame
            with self._read_lock:
                frame = self._filed.pop(request_id, None)
                if frame is not None:
                    return parse_response_header(frame, self.flags_header), frame
                self._read_some()

    def _read_some(self) -> None:
        """Read from the socket and file every complete frame by request id (read lock held)."""
        sock = self._sock
        if sock is None or self._broken is not None:
            raise SocketError(f"connection to {self.host}:{self.port} is closed")
        try:
            chunk = self._recv_chunk(sock, _RECV_SIZE)
        except OSError as exc:
            raise self._fail(exc) from exc
        if not chunk:
            raise self._fail(SocketError(f"{self.host}:{self.port} closed the connection"))
        self._frames.feed(chunk)
        try:
            frames = self._frames.frames()
        except ParseError as exc:
            raise self._fail(exc) from exc
        flags_header = self.flags_header
        for frame in frames:
            header = parse_response_header(frame, flags_header)
            if header.topology is not None:
                self.topology = header.topology
            if header.is_notification:
                continue  # server notifications (continuous queries, compute) are not used yet
            self._filed[header.request_id] = frame

    def request(self, frame: bytearray) -> Tuple[ResponseHeader, bytes]:
        """Send a request frame and wait for its reply."""
        return self.receive(self.send(frame))
