"""Message framing, sans I/O.

Every message on the wire is ``i32 length`` (not counting itself) followed by ``length`` bytes.

* A request is ``i16 op code, i64 request id, payload``. :func:`new_request` starts one in a fresh
  ``bytearray`` with the header reserved; codecs append the payload; :func:`stamp` writes the length
  and the request id just before sending (the transport owns request ids).
* A response (protocol >= 1.4.0) is ``i64 request id, i16 flags`` then, if the affinity topology
  changed, ``i64 major, i32 minor`` topology version, then, if the ERROR flag is set,
  ``i32 status, String message``, then the payload. Before 1.4.0 it is ``i64 request id, i32 status``
  and, if status != 0, the message. :func:`parse_response_header` reads either form.
* A server notification (protocol >= 1.4.0, NOTIFICATION flag) is ``i64 resource id, i16 flags,
  i16 op code`` then, if the ERROR flag is set, ``i32 status, String message``, then the payload: the
  resource id stands where a reply has its request id, and the op code (2007 continuous query event,
  6001 compute task finished) comes *before* the status.
* :class:`FrameBuffer` is fed whatever bytes the socket delivers (any fragmentation) and hands back
  complete frames.
"""

from __future__ import annotations

import struct
from typing import List, Optional, Tuple, Union

from pyignite.exceptions import ParseError

__all__ = [
    "FLAG_AFFINITY_TOPOLOGY_CHANGED",
    "FLAG_ERROR",
    "FLAG_NOTIFICATION",
    "FrameBuffer",
    "ResponseHeader",
    "new_request",
    "parse_response_header",
    "stamp",
]

FLAG_ERROR = 1
FLAG_AFFINITY_TOPOLOGY_CHANGED = 2
FLAG_NOTIFICATION = 4

_REQ_HEADER = struct.Struct("<ihq")  # length, op code, request id
_LEN = struct.Struct("<i")
_REQ_ID = struct.Struct("<q")
_ID_FLAGS = struct.Struct("<qh")
_ID_STATUS = struct.Struct("<qi")
_TOPVER = struct.Struct("<qi")
_STATUS = struct.Struct("<i")
_OP_CODE = struct.Struct("<h")
REQUEST_HEADER_SIZE = _REQ_HEADER.size  # 14

#: The largest frame a peer may announce before we call the stream garbled (2 GiB - 1).
MAX_FRAME = 0x7FFFFFFF

Bytes = Union[bytes, bytearray, memoryview]


def new_request(op_code: int) -> bytearray:
    """A request buffer for ``op_code`` with the length and request id left to :func:`stamp`."""
    buf = bytearray(REQUEST_HEADER_SIZE)
    struct.pack_into("<h", buf, 4, op_code)
    return buf


def stamp(buf: bytearray, request_id: int) -> bytearray:
    """Write the frame length and ``request_id`` into a buffer made by :func:`new_request`."""
    struct.pack_into("<i", buf, 0, len(buf) - 4)
    _REQ_ID.pack_into(buf, 6, request_id)
    return buf


def op_code_of(buf: Bytes) -> int:
    return struct.unpack_from("<h", buf, 4)[0]


class ResponseHeader:
    """What the header of one response frame says."""

    __slots__ = ("flags", "message", "op_code", "payload_offset", "request_id", "status", "topology")

    def __init__(
        self,
        request_id: int,
        flags: int,
        status: int,
        message: Optional[str],
        topology: Optional[Tuple[int, int]],
        payload_offset: int,
        op_code: Optional[int] = None,
    ) -> None:
        #: the id of the request answered; for a notification, the id of the server resource
        #: (continuous query, compute task) it is about
        self.request_id = request_id
        self.flags = flags
        self.status = status
        self.message = message
        self.topology = topology
        self.payload_offset = payload_offset
        #: a notification's op code (2007, 6001...); ``None`` for a reply
        self.op_code = op_code

    @property
    def is_notification(self) -> bool:
        return bool(self.flags & FLAG_NOTIFICATION)

    def __repr__(self) -> str:
        return (
            f"ResponseHeader(request_id={self.request_id}, flags={self.flags}, status={self.status}, "
            f"message={self.message!r}, topology={self.topology}, op_code={self.op_code})"
        )


def _read_error_message(frame: Bytes, pos: int) -> Tuple[Optional[str], int]:
    code = frame[pos]
    if code == 101:  # Null
        return None, pos + 1
    if code != 9:
        raise ParseError(f"expected an error message String at offset {pos}, found type code {code}")
    (length,) = _LEN.unpack_from(frame, pos + 1)
    start = pos + 5
    end = start + length
    if length < 0 or end > len(frame):
        raise ParseError("error message exceeds the response frame")
    return bytes(frame[start:end]).decode("utf-8", "replace"), end


def parse_response_header(frame: Bytes, flags_header: bool) -> ResponseHeader:
    """Parse the header of a response frame (the bytes after the i32 length).

    ``flags_header`` is True for protocol >= 1.4.0. Raises :class:`ParseError` on a truncated header.
    """
    try:
        if flags_header:
            request_id, flags = _ID_FLAGS.unpack_from(frame, 0)
            pos = 10
            topology = None
            status = 0
            message = None
            if flags & FLAG_NOTIFICATION:  # resource id, flags, op code, [status, message], payload
                (op_code,) = _OP_CODE.unpack_from(frame, pos)
                pos += 2
                if flags & FLAG_ERROR:
                    (status,) = _STATUS.unpack_from(frame, pos)
                    message, pos = _read_error_message(frame, pos + 4)
                return ResponseHeader(request_id, flags, status, message, None, pos, op_code)
            if flags & FLAG_AFFINITY_TOPOLOGY_CHANGED:
                topology = _TOPVER.unpack_from(frame, pos)
                pos += 12
            if flags & FLAG_ERROR:
                (status,) = _STATUS.unpack_from(frame, pos)
                message, pos = _read_error_message(frame, pos + 4)
            return ResponseHeader(request_id, flags, status, message, topology, pos)
        request_id, status = _ID_STATUS.unpack_from(frame, 0)
        pos = 12
        message = None
        if status != 0:
            message, pos = _read_error_message(frame, pos)
        return ResponseHeader(request_id, 0, status, message, None, pos)
    except (struct.error, IndexError):
        raise ParseError(f"truncated response header ({len(frame)} bytes)") from None


class FrameBuffer:
    """Accumulates stream bytes and splits them into frames.

    ``feed(data)`` takes any chunk (one byte or many frames); ``next_frame()`` returns the bytes of
    the next complete frame without its length prefix, or ``None`` if more bytes are needed. Data is
    kept in one ``bytearray`` that is compacted lazily, so a burst of small frames is not re-sliced
    per frame.
    """

    __slots__ = ("_buf", "_pos")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0

    def feed(self, data: Bytes) -> None:
        if self._pos and self._pos == len(self._buf):
            self._buf.clear()
            self._pos = 0
        self._buf += data

    def __len__(self) -> int:
        return len(self._buf) - self._pos

    def needed(self) -> int:
        """How many more bytes complete the next frame (at least 1 when none is complete)."""
        avail = len(self._buf) - self._pos
        if avail < 4:
            return 4 - avail
        (length,) = _LEN.unpack_from(self._buf, self._pos)
        return max(1, 4 + length - avail)

    def next_frame(self) -> Optional[bytes]:
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if avail < 4:
            return None
        (length,) = _LEN.unpack_from(buf, pos)
        if length < 0 or length > MAX_FRAME:
            raise ParseError(f"garbled stream: frame length {length}")
        end = pos + 4 + length
        if end > len(buf):
            return None
        frame = bytes(buf[pos + 4 : end])
        if end == len(buf):
            buf.clear()
            self._pos = 0
        elif end > 65536 and end > len(buf) // 2:
            del buf[:end]
            self._pos = 0
        else:
            self._pos = end
        return frame

    def frames(self) -> List[bytes]:
        out: List[bytes] = []
        while True:
            frame = self.next_frame()
            if frame is None:
                return out
            out.append(frame)

    def take(self, chunk: Bytes) -> List[bytes]:
        """``feed(chunk)`` then ``frames()``, in one pass: the transports' hot path.

        When nothing is buffered (the usual case: replies arrive whole), frames are cut straight out
        of ``chunk`` and only an incomplete tail is kept, so a reply is copied once (into its own
        ``bytes``) instead of into the buffer first. ``chunk`` may be a view of a buffer the caller
        reuses: nothing refers to it after the call.
        """
        buf = self._buf
        if len(buf) != self._pos:  # a partial frame is waiting: join it (rare)
            self.feed(chunk)
            return self.frames()
        if buf:
            buf.clear()
            self._pos = 0
        out: List[bytes] = []
        size = len(chunk)
        pos = 0
        unpack = _LEN.unpack_from
        while size - pos >= 4:
            (length,) = unpack(chunk, pos)
            if length < 0 or length > MAX_FRAME:
                raise ParseError(f"garbled stream: frame length {length}")
            end = pos + 4 + length
            if end > size:
                break
            out.append(bytes(chunk[pos + 4 : end]))
            pos = end
        if pos < size:
            buf += chunk[pos:]
        return out
