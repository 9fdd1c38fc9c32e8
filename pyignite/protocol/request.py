"""The request record every operation is written as, and the common response handling.

An operation is data: a :class:`Request` carries its encoded frame (header reserved, payload
written), a ``parse`` function for the payload of a successful reply, and the exception class for an
error reply. The sync and async clients drive the same records; only the transport differs.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Type

from pyignite.datatypes.base import NO_CONTEXT, CodecContext
from pyignite.exceptions import CacheError
from pyignite.protocol.frames import ResponseHeader, parse_response_header
from pyignite.protocol.status import NAMES

__all__ = ["Request", "raise_for_status", "read_response"]

ParseFn = Callable[[bytes, int, CodecContext], Any]


class Request:
    """One request: frame bytes, how to read the reply, how to report an error.

    :ivar frame: request buffer from :func:`pyignite.protocol.frames.new_request` with the payload
        appended; the transport stamps the length and request id;
    :ivar parse: ``(frame, payload_offset, ctx) -> result`` for a successful reply, or ``None`` when
        the reply has no payload (the result is then ``None``);
    :ivar error: exception class raised for an error status;
    :ivar what: a short description for error messages (``"cache 'x'"``);
    :ivar affinity: ``(cache_id, key_hash)`` for partition-aware routing, or ``None``;
    :ivar tx_id: id of the transaction the request belongs to, or ``None``.
    """

    __slots__ = ("affinity", "error", "frame", "parse", "prerequisites", "tx_id", "what")

    def __init__(
        self,
        frame: bytearray,
        parse: Optional[ParseFn] = None,
        error: Type[CacheError] = CacheError,
        what: str = "",
        affinity: Optional[tuple] = None,
        tx_id: Optional[int] = None,
    ) -> None:
        self.frame = frame
        self.parse = parse
        self.error = error
        self.what = what
        self.affinity = affinity
        self.tx_id = tx_id
        #: requests that must succeed first (binary type registrations found while encoding)
        self.prerequisites: list = []

    def __repr__(self) -> str:
        return f"Request(op={int.from_bytes(self.frame[4:6], 'little', signed=True)}, what={self.what!r})"


def raise_for_status(req: Request, header: ResponseHeader) -> None:
    if header.status:
        name = NAMES.get(header.status, str(header.status))
        where = f" [{req.what}]" if req.what else ""
        raise req.error(f"{header.message or name}{where}", header.status)


def read_response(
    req: Request, frame: bytes, header: Optional[ResponseHeader] = None, flags_header: bool = True,
    ctx: CodecContext = NO_CONTEXT,
) -> Any:
    """Check the status of a reply to ``req`` and parse its payload."""
    if header is None:
        header = parse_response_header(frame, flags_header)
    raise_for_status(req, header)
    if req.parse is None:
        return None
    return req.parse(frame, header.payload_offset, ctx)
