"""Heartbeats, the server's idle timeout and endpoint discovery, sans I/O.

Theory of operation
-------------------
* **Idle timeout.** An Ignite node may close a client connection on which it received nothing for
  ``ClientConnectorConfiguration.idleTimeout`` ms (0, the server default, never). With the
  ``HEARTBEAT`` feature (protocol 1.7.0, bit 11, Ignite 2.13+) the client may ask that timeout
  (``OP_GET_IDLE_TIMEOUT``, an ``i64`` of ms) and send ``OP_HEARTBEAT`` (no payload, an empty
  reply), which counts as traffic.
* **Interval** (:func:`heartbeat_interval`). ``heartbeat_interval=None`` (the default) sends
  heartbeats when the node offers the feature: every third of its idle timeout, so that two
  heartbeats fit in it even when one of them waits almost an interval behind other traffic, or
  every :data:`DEFAULT_HEARTBEAT_INTERVAL` seconds when the node has no idle timeout (the heartbeat
  then serves to find a dead or frozen node before a caller does). A number of seconds sets the
  interval (still at most a third of the idle timeout); ``0`` or ``False`` turns heartbeats off.
* **Only idle connections** (:class:`KeepAlive`). The keeper never adds anything to a request: at
  each due time it looks at the connection's count of frames received (``conn.mark()``, kept by
  the session anyway). A connection that received something since the last look was busy, so the
  node heard from it; only one that received nothing gets a heartbeat.
* **A heartbeat without an answer.** A heartbeat waits at most ``timeout`` seconds (the client's,
  or the interval when the client has none). If nothing at all arrived meanwhile, the node is
  frozen or gone: the facade breaks the connection, which fails the calls waiting on it, and
  fails over at once (a partition-aware client marks the node for reconnection), before the next
  caller finds the dead connection.
* **Endpoint discovery** (:meth:`KeepAlive.discovery_due`). With the
  ``CLUSTER_GROUP_GET_NODES_ENDPOINTS`` feature the client asks the cluster for the client
  endpoints of every server node (``OP_CLUSTER_GROUP_GET_NODE_ENDPOINTS``) after connecting and
  again whenever the cluster's membership changed (a new *major* affinity topology version in a
  reply header), and keeps them (:func:`endpoint_addresses`) as extra failover targets, tried after
  the nodes given to ``connect()`` ran out (see :class:`pyignite.connection.roundrobin.NodeSequence`),
  and as nodes a partition-aware client connects to. ``cluster_discovery=False`` turns it off.

The facades (``Client``: one daemon thread; ``AioClient``: one task) run the keeper; this module
decides, they do the I/O (see :mod:`pyignite.connection.keepalive`).
"""

from __future__ import annotations

import struct
from typing import Any, Dict, Iterable, List, Optional, Tuple

from pyignite.exceptions import CacheError, ParameterError
from pyignite.protocol import op_codes as op
from pyignite.protocol.frames import new_request
from pyignite.protocol.handshake import Feature
from pyignite.protocol.request import Request

__all__ = [
    "DEFAULT_HEARTBEAT_INTERVAL",
    "IDLE_FRACTION",
    "KeepAlive",
    "MIN_HEARTBEAT_INTERVAL",
    "check_discovery",
    "check_heartbeat_interval",
    "endpoint_addresses",
    "heartbeat_interval",
    "heartbeat_request",
    "idle_timeout_request",
]

#: seconds between heartbeats on a node without an idle timeout (as Java's ``heartbeatInterval``)
DEFAULT_HEARTBEAT_INTERVAL = 30.0
#: heartbeats are sent this fraction of the server's idle timeout apart
IDLE_FRACTION = 1 / 3
#: the shortest interval, whatever the idle timeout says (a busy loop protects nothing)
MIN_HEARTBEAT_INTERVAL = 0.05

_LONG = struct.Struct("<q")

Node = Tuple[str, int]


def check_heartbeat_interval(value: Any) -> Optional[float]:
    """Validate ``heartbeat_interval``: ``None`` (automatic), a positive number of seconds, or
    ``0``/``False`` (off, returned as ``0.0``)."""
    if value is None:
        return None
    if value is False or (isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0):
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        raise ParameterError(
            f"heartbeat_interval must be None (automatic), a positive number of seconds or 0 (off), not {value!r}"
        )
    return float(value)


def check_discovery(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(f"cluster_discovery must be True or False, not {value!r}")
    return value


def _parse_long(frame: Any, pos: int, ctx: Any) -> int:
    return int(_LONG.unpack_from(frame, pos)[0])


def idle_timeout_request() -> Request:
    """``OP_GET_IDLE_TIMEOUT``: the node's idle timeout in ms (0: none)."""
    return Request(new_request(op.OP_GET_IDLE_TIMEOUT), _parse_long, CacheError, "idle timeout")


def heartbeat_request() -> Request:
    """``OP_HEARTBEAT``: no payload, an empty reply."""
    return Request(new_request(op.OP_HEARTBEAT), None, CacheError, "heartbeat")


def supports_heartbeat(conn: Any) -> bool:
    """Whether both sides announced ``HEARTBEAT`` on ``conn``."""
    return Feature.HEARTBEAT in (getattr(conn, "features", None) or ()) and Feature.HEARTBEAT in (
        getattr(conn, "client_features", None) or ()
    )


def supports_discovery(conn: Any) -> bool:
    """Whether ``conn``'s node lists node endpoints (``CLUSTER_GROUP_GET_NODES_ENDPOINTS``)."""
    return Feature.CLUSTER_GROUP_GET_NODES_ENDPOINTS in (getattr(conn, "features", None) or ())


def heartbeat_interval(setting: Optional[float], idle_timeout_ms: int) -> Optional[float]:
    """Seconds between heartbeats on a connection whose node negotiated ``HEARTBEAT`` and has an
    idle timeout of ``idle_timeout_ms`` (0: none), for the client's ``heartbeat_interval``
    ``setting``; ``None`` for no heartbeats."""
    if setting == 0.0:
        return None
    cap = idle_timeout_ms / 1000 * IDLE_FRACTION if idle_timeout_ms > 0 else None
    interval = setting if setting is not None else (cap if cap is not None else DEFAULT_HEARTBEAT_INTERVAL)
    if cap is not None:
        interval = min(interval, cap)
    return max(interval, MIN_HEARTBEAT_INTERVAL)


def endpoint_addresses(endpoints: Iterable[Any], prefer: Iterable[str] = ()) -> List[Node]:
    """The ``(host, port)`` addresses to try for discovered node endpoints (records with ``port``
    and ``addresses``): for each node its addresses, hosts in ``prefer`` (those the user gave)
    first, then IPv4 before IPv6; link-local IPv6 (``%scope``) and empty addresses left out;
    duplicates dropped."""
    preferred = list(prefer)
    out: Dict[Node, None] = {}
    for ep in endpoints:
        addrs = [a for a in getattr(ep, "addresses", ()) if isinstance(a, str) and a and "%" not in a]
        addrs.sort(key=lambda a: (preferred.index(a) if a in preferred else len(preferred), ":" in a))
        port = getattr(ep, "port", None)
        if not isinstance(port, int) or not 0 < port < 65536:
            continue
        for a in addrs:
            out[(a, port)] = None
    return list(out)


class _State:
    __slots__ = ("due", "interval", "mark")

    def __init__(self, interval: Optional[float], mark: int, due: float) -> None:
        self.interval = interval
        self.mark = mark
        self.due = due


class KeepAlive:
    """The heartbeat schedule of one client's connections and when to refresh discovered endpoints.

    :param setting: the client's ``heartbeat_interval`` (see :func:`check_heartbeat_interval`);
    :param discovery: whether endpoint discovery is on.

    Connections are registered with :meth:`attach` (after ``GET_IDLE_TIMEOUT`` answered, or without
    it) and need ``alive``, ``mark()`` and ``topology``. Time is passed in (a monotonic clock).
    Thread-safe for one keeper thread plus attaching threads: entries are replaced whole.
    """

    __slots__ = ("_discovered_at", "_states", "discovery", "setting")

    def __init__(self, setting: Optional[float], discovery: bool = True) -> None:
        self.setting = setting
        self.discovery = discovery
        self._states: Dict[Any, _State] = {}
        #: the major topology version endpoints were last fetched at (``-1``: before any version)
        self._discovered_at: Optional[int] = None

    @property
    def enabled(self) -> bool:
        """Whether heartbeats may be sent at all (not turned off by the setting)."""
        return self.setting != 0.0

    def wants_idle_timeout(self, conn: Any) -> bool:
        """Whether to ask ``conn``'s node its idle timeout before :meth:`attach` (heartbeats on and
        the feature negotiated)."""
        return self.enabled and supports_heartbeat(conn)

    def attach(self, conn: Any, idle_timeout_ms: Optional[int], now: float) -> Optional[float]:
        """Schedule heartbeats on ``conn`` (``idle_timeout_ms``: what the node answered, ``None``
        when it was not asked: no heartbeats). Returns the interval, or ``None``."""
        interval = None
        if idle_timeout_ms is not None and self.wants_idle_timeout(conn):
            interval = heartbeat_interval(self.setting, idle_timeout_ms)
        self._states[conn] = _State(interval, conn.mark(), now + interval if interval is not None else float("inf"))
        return interval

    def interval(self, conn: Any) -> Optional[float]:
        state = self._states.get(conn)
        return state.interval if state is not None else None

    def forget(self, conn: Any) -> None:
        self._states.pop(conn, None)

    def due(self, now: float) -> Tuple[List[Any], float]:
        """The connections that need a heartbeat now (alive, and nothing received since the last
        look), and the time of the next look. Connections no longer alive are forgotten; busy ones
        are looked at again an interval later."""
        out = []
        wake = float("inf")
        for conn, state in list(self._states.items()):
            if not conn.alive:
                self._states.pop(conn, None)
                continue
            if state.interval is None:
                continue
            if now >= state.due:
                mark = conn.mark()
                if mark == state.mark:
                    out.append(conn)
                state.mark = mark
                state.due = now + state.interval
            wake = min(wake, state.due)
        return out, wake

    def next_wake(self) -> float:
        """When :meth:`due` next has something to do (``inf``: never), without changing anything."""
        return min((state.due for state in list(self._states.values())), default=float("inf"))

    def answered(self, conn: Any) -> None:
        """A heartbeat on ``conn`` was answered: its reply is not traffic of the caller's."""
        state = self._states.get(conn)
        if state is not None:
            state.mark = conn.mark()

    def discovery_on(self, conn: Any) -> bool:
        """Whether endpoint discovery is on and ``conn``'s node offers it."""
        return self.discovery and conn is not None and supports_discovery(conn)

    def discovery_due(self, conn: Any) -> bool:
        """Whether to fetch the node endpoints over ``conn`` now: discovery is on, the node offers
        it, and nothing was fetched at the membership (major topology version) ``conn`` reports."""
        if not self.discovery or conn is None or not supports_discovery(conn):
            return False
        topology = getattr(conn, "topology", None)
        major = topology[0] if topology is not None else -1
        return major != self._discovered_at

    def discovered(self, conn: Any) -> None:
        """The endpoints were fetched over ``conn`` (at the membership it reports)."""
        topology = getattr(conn, "topology", None)
        self._discovered_at = topology[0] if topology is not None else -1
