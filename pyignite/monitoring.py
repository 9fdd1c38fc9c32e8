"""Monitoring: event listeners for connections and queries, and logging under the ``pyignite`` logger.

Listeners
---------
Pass any objects to ``Client(event_listeners=[...])`` (or ``AioClient``). A listener implements any
of these methods; each receives one immutable event record:

==========================  ===================================  ================================================
method                      event                                when
==========================  ===================================  ================================================
``on_handshake_start``      :class:`HandshakeStartEvent`         before a connection attempt to a node
``on_handshake_success``    :class:`HandshakeSuccessEvent`       the node accepted the handshake
``on_handshake_fail``       :class:`HandshakeFailedEvent`        the node could not be reached or refused
``on_authentication_fail``  :class:`AuthenticationFailedEvent`   the node refused the credentials
                                                                 (falls back to ``on_handshake_fail`` if absent)
``on_connection_closed``    :class:`ConnectionClosedEvent`       the client closed a connection
``on_connection_lost``      :class:`ConnectionLostEvent`         a connection broke (error, peer closed,
                                                                 timeout)
``on_query_start``          :class:`QueryStartEvent`             a request was sent
``on_query_success``        :class:`QuerySuccessEvent`           its reply arrived and was read
``on_query_fail``           :class:`QueryFailEvent`              it failed (error status, broken connection...)
==========================  ===================================  ================================================

:class:`ConnectionEventListener` and :class:`QueryEventListener` are convenient base classes with
no-op methods; subclassing them is optional. Listeners run synchronously in the thread (or event loop)
that caused the event, so they must be quick; an exception raised by a listener is logged and
otherwise ignored.

Query events name the request (``query_id`` is the request id, ``op_code``/``op_name`` the
operation) and the node it went to (``host``, ``port``, ``node_uuid``); success and failure events
carry ``duration`` in milliseconds (from just before sending to the end of reading the reply).

Logging
-------
The ``pyignite`` logger gets INFO records for connections established, closed and lost and for
handshake failures, and DEBUG records for every request (start, success, failure). Nothing is logged
(or timed) per request unless a query listener is registered or DEBUG is enabled for ``pyignite``:
the runner asks :meth:`EventDispatcher.query_monitoring` once per request.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from pyignite.exceptions import HandshakeError
from pyignite.protocol import op_codes
from pyignite.protocol.status import AUTH_FAILED

__all__ = [
    "AuthenticationFailedEvent",
    "ConnectionClosedEvent",
    "ConnectionEventListener",
    "ConnectionLostEvent",
    "EventDispatcher",
    "HandshakeFailedEvent",
    "HandshakeStartEvent",
    "HandshakeSuccessEvent",
    "QueryEventListener",
    "QueryFailEvent",
    "QueryStartEvent",
    "QuerySuccessEvent",
    "op_name",
]

logger = logging.getLogger("pyignite")

_OP_NAMES: Dict[int, str] = {
    value: name[3:] for name, value in vars(op_codes).items() if name.startswith("OP_") and isinstance(value, int)
}


def op_name(code: int) -> str:
    """A readable name of an operation code (``CACHE_GET`` for 1000), or ``OP_<code>``."""
    return _OP_NAMES.get(code) or f"OP_{code}"


# --- event records ---------------------------------------------------------------------------------

#: the order fields are shown in
_FIELD_ORDER = (
    "host", "port", "node_uuid", "protocol_version", "query_id", "op_code", "op_name", "duration", "error",
)

_FIELDS: Dict[type, Tuple[str, ...]] = {}


class _Event:
    """Immutable, slotted event record, made with keyword arguments (one per field)."""

    __slots__: Tuple[str, ...] = ()

    def __init__(self, **fields: Any) -> None:
        names = self._fields()
        if set(fields) != set(names):
            raise TypeError(f"{type(self).__name__} takes exactly the fields {', '.join(names)}")
        for name in names:
            object.__setattr__(self, name, fields[name])

    @classmethod
    def _fields(cls) -> Tuple[str, ...]:
        fields = _FIELDS.get(cls)
        if fields is None:
            names: List[str] = []
            for klass in reversed(cls.__mro__):
                names.extend(klass.__dict__.get("__slots__", ()))
            fields = _FIELDS[cls] = tuple(
                sorted(names, key=lambda f: (_FIELD_ORDER.index(f) if f in _FIELD_ORDER else 99, f))
            )
        return fields

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, f) == getattr(other, f) for f in self._fields()
        )

    def __hash__(self) -> int:
        return hash((type(self), *(getattr(self, f) for f in self._fields())))

    def __repr__(self) -> str:
        body = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields())
        return f"{type(self).__name__}({body})"


class _ConnectionEvent(_Event):
    __slots__ = ("host", "port")
    host: str
    port: int


class HandshakeStartEvent(_ConnectionEvent):
    """A connection attempt begins. ``protocol_version`` is the version proposed."""

    __slots__ = ("protocol_version",)
    protocol_version: Tuple[int, int, int]


class HandshakeSuccessEvent(_ConnectionEvent):
    """The node accepted the handshake (``protocol_version`` negotiated, ``node_uuid`` of the node)."""

    __slots__ = ("node_uuid", "protocol_version")
    protocol_version: Tuple[int, int, int]
    node_uuid: Optional[uuid.UUID]


class HandshakeFailedEvent(_ConnectionEvent):
    """The node could not be reached, went silent or refused the handshake (``error``)."""

    __slots__ = ("error", "protocol_version")
    protocol_version: Tuple[int, int, int]
    error: BaseException


class AuthenticationFailedEvent(HandshakeFailedEvent):
    """The node refused the credentials (status 2000)."""

    __slots__ = ()


class ConnectionClosedEvent(_ConnectionEvent):
    """The client closed a live connection."""

    __slots__ = ("node_uuid",)
    node_uuid: Optional[uuid.UUID]


class ConnectionLostEvent(ConnectionClosedEvent):
    """A live connection broke (``error`` says how)."""

    __slots__ = ("error",)
    error: BaseException


class _QueryEvent(_Event):
    __slots__ = ("host", "node_uuid", "op_code", "op_name", "port", "query_id")
    host: str
    port: int
    node_uuid: Optional[uuid.UUID]
    query_id: Optional[int]
    op_code: int
    op_name: str


class QueryStartEvent(_QueryEvent):
    """A request was sent."""

    __slots__ = ()


class QuerySuccessEvent(_QueryEvent):
    """A request succeeded; ``duration`` in milliseconds."""

    __slots__ = ("duration",)
    duration: float


class QueryFailEvent(_QueryEvent):
    """A request failed with ``error``; ``duration`` in milliseconds. ``query_id`` is ``None`` when the
    request could not be sent at all."""

    __slots__ = ("duration", "error")
    duration: float
    error: BaseException


# --- listener base classes (optional) --------------------------------------------------------------

class ConnectionEventListener:
    """Base class for connection listeners; override what you need."""

    def on_handshake_start(self, event: HandshakeStartEvent) -> None:
        pass

    def on_handshake_success(self, event: HandshakeSuccessEvent) -> None:
        pass

    def on_handshake_fail(self, event: HandshakeFailedEvent) -> None:
        pass

    def on_authentication_fail(self, event: AuthenticationFailedEvent) -> None:
        pass

    def on_connection_closed(self, event: ConnectionClosedEvent) -> None:
        pass

    def on_connection_lost(self, event: ConnectionLostEvent) -> None:
        pass


class QueryEventListener:
    """Base class for query listeners; override what you need."""

    def on_query_start(self, event: QueryStartEvent) -> None:
        pass

    def on_query_success(self, event: QuerySuccessEvent) -> None:
        pass

    def on_query_fail(self, event: QueryFailEvent) -> None:
        pass


_METHODS = (
    "on_handshake_start", "on_handshake_success", "on_handshake_fail", "on_authentication_fail",
    "on_connection_closed", "on_connection_lost", "on_query_start", "on_query_success", "on_query_fail",
)

Callback = Callable[[Any], Any]

#: per listener: ``on_authentication_fail``, or ``on_handshake_fail`` when it has no such method
_AUTH_OR_HANDSHAKE_FAIL = "authentication failure"


def _version_str(version: Optional[Tuple[int, int, int]]) -> str:
    return ".".join(map(str, version)) if version else "?"


class EventDispatcher:
    """Delivers events to the listeners of one client and writes the ``pyignite`` log.

    Created by the client from its ``event_listeners`` argument; the transports call the
    ``handshake_*``/``connection_*`` methods, the runners the ``query_*`` ones.

    :param listeners: objects with any of the ``on_*`` methods (see the module documentation).
    """

    __slots__ = ("_callbacks", "_has_query_listeners")

    def __init__(self, listeners: Optional[Iterable[Any]] = None) -> None:
        if listeners is not None and (isinstance(listeners, (str, bytes)) or not isinstance(listeners, Iterable)):
            raise TypeError(f"event_listeners must be a list of listener objects, not {listeners!r}")
        callbacks: Dict[str, List[Callback]] = {name: [] for name in (*_METHODS, _AUTH_OR_HANDSHAKE_FAIL)}
        for listener in listeners or ():
            found = False
            for name in _METHODS:
                method = getattr(listener, name, None)
                if method is not None:
                    if not callable(method):
                        raise TypeError(f"{name} of listener {listener!r} is not callable")
                    callbacks[name].append(method)
                    found = True
            if not found:
                raise TypeError(
                    f"event listener {listener!r} has none of the methods {', '.join(_METHODS)}"
                )
            # an authentication failure goes to on_authentication_fail, else to on_handshake_fail
            auth = getattr(listener, "on_authentication_fail", None) or getattr(listener, "on_handshake_fail", None)
            if auth is not None:
                callbacks[_AUTH_OR_HANDSHAKE_FAIL].append(auth)
        self._callbacks: Dict[str, Tuple[Callback, ...]] = {k: tuple(v) for k, v in callbacks.items()}
        self._has_query_listeners = any(
            self._callbacks[n] for n in ("on_query_start", "on_query_success", "on_query_fail")
        )

    def _publish(self, name: str, event: Any) -> None:
        for callback in self._callbacks[name]:
            try:
                callback(event)
            except Exception:
                logger.exception("event listener %r failed on %r", callback, event)

    # --- connections ---------------------------------------------------------------------------

    def handshake_start(self, host: str, port: int, version: Tuple[int, int, int]) -> None:
        logger.debug("connecting to %s:%s (protocol %s)", host, port, _version_str(version))
        if self._callbacks["on_handshake_start"]:
            self._publish("on_handshake_start", HandshakeStartEvent(host=host, port=port, protocol_version=version))

    def handshake_success(
        self, host: str, port: int, version: Tuple[int, int, int], node_uuid: Optional[uuid.UUID]
    ) -> None:
        logger.info("connected to %s:%s (protocol %s, node %s)", host, port, _version_str(version), node_uuid)
        if self._callbacks["on_handshake_success"]:
            self._publish("on_handshake_success", HandshakeSuccessEvent(
                host=host, port=port, protocol_version=version, node_uuid=node_uuid))

    def handshake_fail(self, host: str, port: int, version: Tuple[int, int, int], error: BaseException) -> None:
        auth = isinstance(error, HandshakeError) and error.status == AUTH_FAILED
        logger.info(
            "%s with %s:%s (protocol %s) failed: %s",
            "authentication" if auth else "handshake", host, port, _version_str(version), error,
        )
        if auth:
            if self._callbacks[_AUTH_OR_HANDSHAKE_FAIL]:
                self._publish(_AUTH_OR_HANDSHAKE_FAIL, AuthenticationFailedEvent(
                    host=host, port=port, protocol_version=version, error=error))
        elif self._callbacks["on_handshake_fail"]:
            self._publish("on_handshake_fail", HandshakeFailedEvent(
                host=host, port=port, protocol_version=version, error=error))

    def connection_closed(self, host: str, port: int, node_uuid: Optional[uuid.UUID]) -> None:
        logger.info("connection to %s:%s closed", host, port)
        if self._callbacks["on_connection_closed"]:
            self._publish("on_connection_closed", ConnectionClosedEvent(host=host, port=port, node_uuid=node_uuid))

    def connection_lost(
        self, host: str, port: int, node_uuid: Optional[uuid.UUID], error: BaseException
    ) -> None:
        logger.warning("connection to %s:%s lost: %s", host, port, error)
        if self._callbacks["on_connection_lost"]:
            self._publish("on_connection_lost", ConnectionLostEvent(
                host=host, port=port, node_uuid=node_uuid, error=error))

    # --- queries -------------------------------------------------------------------------------

    def query_monitoring(self) -> bool:
        """Whether per-request events or DEBUG records are wanted (the runner asks once per request)."""
        return self._has_query_listeners or logger.isEnabledFor(logging.DEBUG)

    @staticmethod
    def _query_fields(conn: Any, query_id: Optional[int], op_code: int) -> Dict[str, Any]:
        return {
            "host": conn.host, "port": conn.port, "node_uuid": conn.node_uuid, "query_id": query_id,
            "op_code": op_code, "op_name": op_name(op_code),
        }

    def query_start(self, conn: Any, query_id: int, op_code: int) -> None:
        """Publish that request ``query_id`` was sent on ``conn``.

        The runner takes ``started = time.perf_counter()`` just before sending and passes it to
        :meth:`query_success`/:meth:`query_fail`.
        """
        logger.debug("request %s %s -> %s:%s", query_id, op_name(op_code), conn.host, conn.port)
        if self._callbacks["on_query_start"]:
            self._publish("on_query_start", QueryStartEvent(**self._query_fields(conn, query_id, op_code)))

    def query_success(self, conn: Any, query_id: int, op_code: int, started: float) -> None:
        duration = (time.perf_counter() - started) * 1000.0
        logger.debug("request %s %s <- %s:%s ok in %.3f ms", query_id, op_name(op_code), conn.host, conn.port,
                     duration)
        if self._callbacks["on_query_success"]:
            self._publish("on_query_success", QuerySuccessEvent(
                **self._query_fields(conn, query_id, op_code), duration=duration))

    def query_fail(
        self, conn: Any, query_id: Optional[int], op_code: int, started: float, error: BaseException
    ) -> None:
        """Publish a failed request (``query_id`` is ``None`` when it could not even be sent)."""
        duration = (time.perf_counter() - started) * 1000.0
        logger.debug("request %s %s <- %s:%s failed in %.3f ms: %s", query_id, op_name(op_code), conn.host,
                     conn.port, duration, error)
        if self._callbacks["on_query_fail"]:
            self._publish("on_query_fail", QueryFailEvent(
                **self._query_fields(conn, query_id, op_code), duration=duration, error=error))


#: a dispatcher without listeners (logging only), shared by connections created without one
NO_LISTENERS = EventDispatcher()
