"""Exceptions raised by pyignite.

The hierarchy follows the pyignite 0.1.0 specification:

* :class:`HandshakeError` (an :class:`OSError`) -- the server refused the handshake;
* :class:`SocketError` (an :class:`OSError`) -- the connection broke or timed out;
* :class:`ReconnectError` -- no node is left to connect to;
* :class:`ParameterError` -- an argument is invalid (raised before anything is sent);
* :class:`ParseError` -- a request could not be built or a reply could not be parsed;
* :class:`CacheError` -- the server answered an operation with an error status; its subclasses
  :class:`CacheCreationError`, :class:`SQLError` and :class:`BinaryTypeError` narrow down the kind.
"""

from __future__ import annotations

import re
import sys
from typing import Optional, Tuple

__all__ = [
    "AuthenticationError",
    "BinaryTypeError",
    "CacheCreationError",
    "CacheError",
    "ClusterError",
    "ContinuousQueryOverflowError",
    "ComputeError",
    "ComputeTimeoutError",
    "HandshakeError",
    "NotSupportedByClusterError",
    "NotSupportedError",
    "ParameterError",
    "ParseError",
    "ReconnectError",
    "RequestTimeoutError",
    "SQLError",
    "ServiceError",
    "SocketError",
    "TransactionError",
    "connection_errors",
]


class HandshakeError(OSError):
    """The server rejected the binary protocol handshake.

    :ivar expected_version: the protocol version the server offered, or ``None``;
    :ivar message: the server's message;
    :ivar status: the server's status code (2000 for an authentication failure), or ``None``.
    """

    def __init__(
        self,
        expected_version: Optional[Tuple[int, int, int]],
        message: str,
        status: Optional[int] = None,
    ) -> None:
        self.expected_version = expected_version
        self.message = message
        self.status = status
        super().__init__(f"Handshake error: {message}")

    def __str__(self) -> str:
        return self.args[0]


class AuthenticationError(HandshakeError):
    """The server refused the credentials in the handshake (status 2000): the official client's
    name for this case, a :class:`HandshakeError` here (so code catching either sees it)."""


class SocketError(OSError):
    """The connection to a node broke, timed out or could not be opened."""


# asyncio.TimeoutError is the builtin TimeoutError from Python 3.11 on, a class of its own before
# (asyncio is only imported for it there: ``import pyignite`` does not pay for asyncio otherwise).
if sys.version_info >= (3, 11):
    _TIMEOUT_BASES: tuple = (TimeoutError,)
else:  # pragma: no cover - Python < 3.11
    import asyncio

    _TIMEOUT_BASES = (TimeoutError, asyncio.TimeoutError)


class RequestTimeoutError(SocketError, *_TIMEOUT_BASES):  # type: ignore[misc]
    """A request got no reply within the client's ``timeout``.

    It is a :class:`SocketError` (so an ``OSError``), a :class:`TimeoutError` and an
    ``asyncio.TimeoutError`` on every Python version. Whether the connection survives is said in the
    message: if the node sent nothing at all meanwhile, the connection is closed (so failover can
    move on); otherwise only this call fails and its late reply is dropped.
    """


class ReconnectError(Exception):
    """No node is left to connect to (a flow-control signal, like ``StopIteration``)."""


class ParameterError(Exception):
    """An argument of a pyignite method is invalid; nothing was sent to the server."""


class ParseError(Exception):
    """A request could not be built, or a reply from the server could not be parsed."""


class NotSupportedError(Exception):
    """The operation needs a protocol version or feature the connected server does not offer."""


class NotSupportedByClusterError(NotSupportedError):
    """The connected node does not offer what an operation needs; nothing was sent.

    Raised by the capability checks of :mod:`pyignite.protocol.capabilities` before a request the
    server would reject is built.

    :ivar capability: the capability's name (e.g. ``"compute"``);
    :ivar feature: the name of the protocol feature bit it needs, or ``None``;
    :ivar required_version: the oldest protocol version that offers it;
    :ivar server_version: the protocol version negotiated with the node, or ``None``.
    """

    def __init__(
        self,
        message: str,
        capability: str = "",
        feature: Optional[str] = None,
        required_version: Optional[Tuple[int, int, int]] = None,
        server_version: Optional[Tuple[int, int, int]] = None,
    ) -> None:
        super().__init__(message)
        self.capability = capability
        self.feature = feature
        self.required_version = required_version
        self.server_version = server_version


class CacheError(Exception):
    """A remote thin client operation returned an error.

    :ivar status: the server's status code (see ``pyignite.protocol.status``), or ``None``;
    :ivar message: the server's message.
    """

    def __init__(self, message: str = "", status: Optional[int] = None) -> None:
        self.status = status
        self.message = message
        super().__init__(message if status is None else f"{message} (status {status})")


class CacheCreationError(CacheError):
    """A cache could not be created (for example, it already exists)."""


class SQLError(CacheError):
    """An SQL query failed."""


class BinaryTypeError(CacheError):
    """A remote error in an operation with the Complex object registry."""


class ClusterError(CacheError):
    """A cluster management operation failed."""


class TransactionError(CacheError):
    """A transaction could not be started, used or ended.

    Raised with the server's status for a server error (1020 ``TX_LIMIT_EXCEEDED`` when the
    connection already has ``ThinClientConfiguration.maxActiveTxPerConnection`` open transactions,
    1021 ``TX_NOT_FOUND``), and with ``status=None`` for a client-side misuse (a second transaction in
    the same thread or task, an operation on a closed transaction, a lost transaction connection).
    """


#: what the official client's code catches for "the connection failed" (``except connection_errors``):
#: every transport error of this client is an ``OSError`` (:class:`SocketError`, :class:`HandshakeError`)
connection_errors = (IOError, OSError, EOFError)


class ContinuousQueryOverflowError(Exception):
    """A continuous query ended because its consumer fell behind: more events arrived than the
    query's ``buffer_size`` lets the client keep. The events received before are delivered first;
    the server-side query is closed (see :mod:`pyignite.continuous`)."""


# --- compute tasks and services: errors raised by Java code on the cluster -------------------------

#: a Java exception line of a server stack trace: "[Caused by: ][class ]pkg.Name: message" (Ignite's own
#: exceptions print themselves with "class ")
_JAVA_EXCEPTION = re.compile(r"^(?:Caused by: )?(?:class )?((?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*): ?(.*)$")


class _JavaError(CacheError):
    """An error raised by Java code on the cluster (a compute job, a service method).

    :ivar java_class: the class of the Java exception at the root of the failure (the last
        ``Caused by:`` of the server's stack trace), or ``None`` when the server sent no stack trace
        (it does only with ``ThinClientConfiguration.sendServerExceptionStackTraceToClient``, Ignite 2.13 or newer);
    :ivar java_message: that exception's message (the server's whole first line without a trace);
    :ivar server_trace: the stack trace the server sent, or ``None``.
    """

    def __init__(self, message: str = "", status: Optional[int] = None) -> None:
        first, _, trace = (message or "").partition("\n")
        self.server_trace: Optional[str] = trace or None
        self.java_class: Optional[str] = None
        self.java_message: str = first
        for line in (message or "").splitlines():
            m = _JAVA_EXCEPTION.match(line.strip())
            if m is not None and ("Exception" in m.group(1) or "Error" in m.group(1)):
                self.java_class, self.java_message = m.group(1), m.group(2)
        super().__init__(message, status)
        if self.java_class is not None:  # short and useful: the root cause first, the trace on .server_trace
            self.args = (f"{self.java_class}: {self.java_message} [{first}]"
                         + ("" if status is None else f" (status {status})"),)


class ComputeError(_JavaError):
    """A compute task failed: the server refused it (1030 ``TOO_MANY_COMPUTE_TASKS`` when the
    connection already runs ``ThinClientConfiguration.maxActiveComputeTasksPerConnection`` tasks,
    100 ``FUNCTIONALITY_DISABLED`` when thin client compute is off, 1 for an unknown task), or it
    ended with an error (a job threw: :attr:`java_class` and :attr:`java_message` name the Java
    exception; it was cancelled; it timed out on the server)."""


class ComputeTimeoutError(ComputeError, *_TIMEOUT_BASES):  # type: ignore[misc]
    """A compute task did not finish within its timeout. The task was ended on the cluster too (the
    client closed it, or the server's own timeout ended it). A :class:`TimeoutError` and an
    ``asyncio.TimeoutError`` on every Python version."""


class ServiceError(_JavaError):
    """A service call failed: unknown service or method, a method that threw (:attr:`java_class`
    and :attr:`java_message` name the Java exception), or a timeout on the cluster."""
