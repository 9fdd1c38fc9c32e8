"""Retry policy, sans I/O: which failed operations a client sends again, on another node.

Theory of operation
-------------------
When the connection an operation used breaks (the node died, was killed, froze past ``timeout`` or
was found dead by a heartbeat), the operation fails with a
:class:`~pyignite.exceptions.SocketError`. Whether it is safe to send it again, on the connection
the client fails over to, depends on two facts the runner knows and this module weighs:

* **Was the request written?** A transport stamps a request id into the frame just before it
  writes it (:func:`pyignite.protocol.frames.stamp`), and refuses to stamp a frame on a connection
  that is already broken. A frame whose request id is still 0 (:func:`was_sent`) therefore never
  left the client: the server cannot have applied it, so *any* operation may be sent again.
* **Is the operation idempotent?** Once a request may have reached the server its outcome is
  unknown: it may have been applied before the node died. Sending it again is harmless only when
  applying it twice leaves the same data *and* gives the same answer (:data:`RETRY_TABLE`): reads,
  ``put``/``put_all`` (the same value again), ``clear*``, ``remove_keys``/``remove_all`` (no
  answer). A ``put_if_absent``, ``replace``, ``get_and_*`` or ``remove_key`` may answer differently
  the second time (a ``put_if_absent`` that was applied answers False on the retry), so the default
  policy does not resend them; :class:`RetryAll` (or a custom policy) may.

Some operations are never resent, whatever the policy says (:data:`BOUND`): they name a resource that
lives on the connection that broke -- a cursor page, a resource close, a transaction's start and
end, and every operation inside a transaction (the server rolled the transaction back when the
connection broke; the transaction fails with the error instead, as in the Java thin client). A
timeout on a connection that stays alive (the node answers other requests) is not retried either:
the request is still in flight there and there is no other node to send it to.

Policies
--------
The policies and the table are :mod:`pyignite.retry` (public; re-exported here). A policy is any
callable ``policy(operation, error, attempt) -> bool``: ``operation`` is an
:class:`Operation` (its name, op code, whether it is idempotent and whether its request may have
been written), ``error`` the exception the attempt raised, ``attempt`` the number of the attempt
that failed (1 for the first). It is consulted only for operations that may be resent at all (see
above), each time an attempt fails. :class:`RetryLimit` (default: ``RetryLimit(3)``) resends
idempotent and unsent operations, :class:`RetryNone` nothing, :class:`RetryAll` every operation.

The runners (``Client._retry`` and ``AioClient._retry``) call :func:`decide` only after an attempt
failed, so a successful operation costs nothing here.
"""

from __future__ import annotations

import struct
from typing import Any, Optional

from pyignite.exceptions import RequestTimeoutError, SocketError
from pyignite.retry import (
    BOUND,
    DEFAULT_RETRY_POLICY,
    IDEMPOTENT,
    NOT_IDEMPOTENT,
    RETRY_TABLE,
    Operation,
    RetryAll,
    RetryLimit,
    RetryNone,
    RetryPolicy,
    check_policy,
)

__all__ = [
    "BOUND",
    "DEFAULT_RETRY_POLICY",
    "IDEMPOTENT",
    "NOT_IDEMPOTENT",
    "RETRY_TABLE",
    "Operation",
    "RetryAll",
    "RetryLimit",
    "RetryNone",
    "RetryPolicy",
    "check_policy",
    "connection_lost",
    "decide",
    "mark_unsent",
    "operation_of",
    "was_sent",
]

_OP = struct.Struct("<h")
_REQ_ID = struct.Struct("<q")
_ZERO_ID = bytes(8)

def was_sent(frame: Any) -> bool:
    """Whether a request frame may have been written: transports stamp the request id (never 0)
    just before writing, and never stamp a frame on a connection already broken."""
    return bytes(frame[6:14]) != _ZERO_ID


def mark_unsent(frame: Any) -> None:
    """Clear the request id of a frame before it is sent again, so :func:`was_sent` describes the
    new attempt (the transport stamps a fresh id)."""
    _REQ_ID.pack_into(frame, 6, 0)


def operation_of(frame: Any) -> Operation:
    """The :class:`Operation` for a request frame (after an attempt with it failed)."""
    (code,) = _OP.unpack_from(frame, 4)
    name, kind = RETRY_TABLE.get(code, (f"op {code}", NOT_IDEMPOTENT))
    return Operation(code, name, kind, was_sent(frame))


def connection_lost(error: BaseException) -> bool:
    """Whether the connection a :class:`SocketError` came from is gone: always, except for a
    :class:`RequestTimeoutError` on a node that kept sending other replies (only that call failed;
    the transports flag the other kind, a silent node whose connection they closed)."""
    if isinstance(error, RequestTimeoutError):
        return bool(getattr(error, "connection_closed", False))
    return isinstance(error, SocketError)


def decide(
    policy: RetryPolicy, frame: Any, error: BaseException, attempt: int, in_transaction: bool,
    connection_lost: bool,
) -> Optional[Operation]:
    """After attempt number ``attempt`` of the request ``frame`` failed with ``error``: the
    :class:`Operation` to resend (the runner then calls :func:`mark_unsent` and sends it on the
    connection it fails over to), or ``None`` to raise ``error``.

    :param in_transaction: the request belongs to a transaction (never resent);
    :param connection_lost: the connection it used is no longer alive (a timeout on a live
        connection is not resent).
    :raises: whatever the policy raises (a custom policy may raise its own error).
    """
    if in_transaction or not isinstance(error, SocketError):
        return None
    operation = operation_of(frame)
    if operation.kind == BOUND:
        return None
    if operation.sent and not connection_lost:
        return None
    return operation if policy(operation, error, attempt) else None
