"""The request record every operation is written as, and the common response handling.

An operation is data: a :class:`Request` carries its encoded frame (header reserved, payload
written), a ``parse`` function for the payload of a successful reply, and the exception class for an
error reply. The sync and async clients drive the same records; only the transport differs.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Generator, Optional, Tuple, Type

from pyignite.datatypes.base import MALFORMED, NO_CONTEXT, CodecContext, MissingBinaryType, malformed
from pyignite.exceptions import CacheError, ParseError
from pyignite.protocol.frames import ResponseHeader, parse_response_header
from pyignite.protocol.status import INVALID_OP_CODE, NAMES

__all__ = [
    "MAX_TYPE_FETCHES", "Request", "defer_prerequisite", "pending_prerequisites", "raise_for_status",
    "read_response", "take_prerequisites", "typed_reply",
]

ParseFn = Callable[[bytes, int, CodecContext], Any]


class Request:
    """One request: frame bytes, how to read the reply, how to report an error.

    :ivar frame: request buffer from :func:`pyignite.protocol.frames.new_request` with the payload
        appended; the transport stamps the length and request id;
    :ivar parse: ``(frame, payload_offset, ctx) -> result`` for a successful reply, or ``None`` when
        the reply has no payload (the result is then ``None``);
    :ivar error: exception class raised for an error status;
    :ivar what: a short description for error messages (``"cache 'x'"``);
    :ivar affinity: ``(cache_id, key, key_hint)`` of a single-key request, what partition-aware
        routing needs (:mod:`pyignite.protocol.affinity`), or ``None``;
    :ivar tx_id: id of the transaction the request belongs to, or ``None``;
    :ivar on_reply: ``(connection, result) -> None`` called by the runner with the connection that
        answered and the parsed result, before the result is returned -- how a request that creates
        a server resource with notifications (continuous query, compute task) registers its
        listener on the one connection the server will notify (see
        :meth:`pyignite.protocol.session.Session.listen`); ``None`` for most requests;
    :ivar node: the UUID of the node to send the request to when the client keeps a connection to
        it (partition awareness), e.g. a node hosting the service called; ``None`` for most requests.
    """

    __slots__ = ("affinity", "error", "frame", "node", "on_reply", "parse", "prerequisites", "tx_id", "what")

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
        self.on_reply: Optional[Callable[[Any, Any], None]] = None
        self.node: Any = None
        #: requests that must succeed first (binary type registrations found while encoding): the
        #: ones deferred in this thread since the last Request was built (see defer_prerequisite)
        pending = _DEFERRED.pending  # take_prerequisites(), inline: every request passes here
        if pending:
            _DEFERRED.pending = []
            self.prerequisites: list = pending
        else:
            self.prerequisites = []

    def __repr__(self) -> str:
        return f"Request(op={int.from_bytes(self.frame[4:6], 'little', signed=True)}, what={self.what!r})"


# --- prerequisites found while encoding (a Complex object's binary type registered first) -------

class _Deferred(threading.local):
    def __init__(self) -> None:
        self.pending: list = []


_DEFERRED = _Deferred()


def defer_prerequisite(req: Request) -> None:
    """Make ``req`` a prerequisite of the next :class:`Request` built in this thread.

    Encoders call this (through the codec context) when a value needs something done on the server
    first, e.g. registering a Complex object's binary type; request builders encode their values and
    then construct the Request, which takes every deferred request into its ``prerequisites``.
    """
    _DEFERRED.pending.append(req)


def pending_prerequisites() -> list:
    """The requests deferred in this thread and not yet taken by a Request (do not modify)."""
    return _DEFERRED.pending


def take_prerequisites() -> list:
    """Take (and clear) the requests deferred in this thread."""
    pending = _DEFERRED.pending
    if not pending:
        return []
    _DEFERRED.pending = []
    return pending


def raise_for_status(req: Request, header: ResponseHeader) -> None:
    if header.status:
        if header.status == INVALID_OP_CODE:  # a server older than the operation
            from pyignite.protocol.capabilities import unknown_op_error
            from pyignite.protocol.frames import op_code_of

            raise unknown_op_error(op_code_of(req.frame), header.message)
        name = NAMES.get(header.status, str(header.status))
        where = f" [{req.what}]" if req.what else ""
        raise req.error(f"{header.message or name}{where}", header.status)


def read_response(
    req: Request, frame: bytes, header: Optional[ResponseHeader] = None, flags_header: bool = True,
    ctx: CodecContext = NO_CONTEXT,
) -> Any:
    """Check the status of a reply to ``req`` and parse its payload.

    Raises ``req.error`` for an error status and :class:`ParseError` for a payload that is
    truncated or malformed.
    """
    if header is None:
        header = parse_response_header(frame, flags_header)
    raise_for_status(req, header)
    if req.parse is None:
        return None
    try:
        return req.parse(frame, header.payload_offset, ctx)
    except MALFORMED as exc:
        # a payload shorter than its parser expects (e.g. an empty reply to OP_CACHE_GET_SIZE), or
        # garbled: whatever the parsers trip over becomes one ParseError here
        raise malformed(f"malformed reply to {req!r}", exc) from None


#: what :func:`quick_result` returns for a reply that needs :func:`read_response` (and perhaps a plan)
UNFINISHED: Any = object()


def quick_result(reply: Any, parse: Optional[Callable[..., Any]], ctx: CodecContext) -> Any:
    """The value of a successful reply, parsed with nothing else to do: the transports' success path
    (``Client._send``, ``Client._plain`` and their asyncio twins). ``reply`` is a plain success's
    frame alone (``bytes``, its payload at offset 10: ``Session.plain_reply`` and
    ``Session.replies_by_id``) or ``(header, frame)``. Returns :data:`UNFINISHED` for an error status
    or a payload the parser could not read (a binary type to fetch first, a garbled value): the
    caller then hands the reply to :func:`read_response` / :func:`typed_reply`, which say what it is
    (parsers are pure, so parsing again there is safe)."""
    if type(reply) is bytes:
        if parse is None:
            return None
        try:
            return parse(reply, 10, ctx)
        except Exception:
            return UNFINISHED
    header = reply[0]
    if header.status:
        return UNFINISHED
    if parse is None:
        return None
    try:
        return parse(reply[1], header.payload_offset, ctx)
    except Exception:
        return UNFINISHED


def header_and_frame(reply: Any) -> Tuple[ResponseHeader, bytes]:
    """``(header, frame)`` of a reply as :func:`quick_result` takes it."""
    if type(reply) is bytes:
        return parse_response_header(reply, True), reply
    return reply


# --- replies that need binary types (one plan, shared by the sync and async runners) ------------

#: How many binary types one reply may make a client fetch before it is called garbled.
MAX_TYPE_FETCHES = 64


def typed_reply(
    req: Request, frame: bytes, header: ResponseHeader, flags_header: bool, ctx: CodecContext,
) -> Generator[Request, Any, Any]:
    """A plan that parses the reply to ``req`` although it names binary types ``ctx`` does not know:
    it yields the request that fetches each missing type (its parse records it in ``ctx``), then
    parses again. A facade runs it with its ``_drive`` when :func:`read_response` raised
    :class:`~pyignite.datatypes.base.MissingBinaryType`; decoding itself never does I/O.

    Raises :class:`ParseError` after :data:`MAX_TYPE_FETCHES` fetches.
    """
    for _ in range(MAX_TYPE_FETCHES):
        try:
            return read_response(req, frame, header, flags_header, ctx)
        except MissingBinaryType as missing:
            yield ctx.fetch_type_request(missing)
    raise ParseError(f"reply to {req!r} needs more than {MAX_TYPE_FETCHES} binary types")
