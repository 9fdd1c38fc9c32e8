"""Which node to connect to next: the failover policy shared by the sync and async clients.

``Client.connect()`` accepts a host and port, or any iterable of ``(host, port)`` pairs: a list,
a generator (which may sleep between nodes for a backoff, skip nodes, prefer some...), or the
:class:`RoundRobin` iterator defined here. The iterable *is* the reconnection policy: every time the
client needs a connection (on ``connect()`` and, lazily, on the first call after a connection broke)
it takes nodes from the iterable until one of them completes the handshake. When the iterable is
exhausted the client raises :class:`~pyignite.exceptions.ReconnectError`.

:class:`NodeSequence` holds that iterable for a client and keeps the bookkeeping that both
transports need (which nodes failed during the current attempt and why), so the sync and the asyncio
client differ only in how they open a connection::

    for node in nodes.attempts():          # nodes: a NodeSequence
        try:
            conn = open_connection(node)   # blocking or awaited
        except (SocketError, ParseError) as exc:
            nodes.failed(node, exc)        # this node is down: try the next one
            continue
        return conn
    raise nodes.out_of_nodes()             # ReconnectError, the last failure chained

A :class:`~pyignite.exceptions.HandshakeError` (bad credentials, no common protocol version) is not
a node failure: every node of the cluster would answer the same, so it propagates at once.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, List, Optional, Tuple

from pyignite.exceptions import ParameterError, ReconnectError

__all__ = ["Node", "NodeSequence", "RoundRobin", "check_node"]

Node = Tuple[str, int]

#: How many failed nodes a ReconnectError message lists (the rest are counted).
_MESSAGE_NODES = 5


def check_node(node: Any) -> Node:
    """Validate one ``(host, port)`` pair; raise :class:`ParameterError` naming what is wrong."""
    try:
        host, port = node
    except (TypeError, ValueError):
        raise ParameterError(f"a node must be a (host, port) pair, not {node!r}") from None
    if not isinstance(host, str) or not host:
        raise ParameterError(f"node host must be a non-empty str, not {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ParameterError(f"node port must be an int in 1..65535, not {port!r}")
    return host, port


def _describe(node: Node, exc: BaseException) -> str:
    name = f"{node[0]}:{node[1]}"
    text = str(exc) or type(exc).__name__
    return text if name in text else f"{name}: {text}"


class RoundRobin:
    """Cycle through a list of nodes, for ``client.connect(RoundRobin(nodes, max_reconnects=20))``.

    The first node yielded is ``nodes[0]``; every later one is a *reconnection*: after the last
    node the cycle starts again from the first. At most ``max_reconnects`` reconnections are made
    (so at most ``1 + max_reconnects`` nodes are yielded in all); then the iterator is exhausted
    and the client raises :class:`~pyignite.exceptions.ReconnectError`. A client connected
    through a RoundRobin that loses its node therefore goes on to the next one, and to the first one
    after the last, for as long as the budget lasts, so nodes that were restarted meanwhile are
    used again.

    :param nodes: a non-empty iterable of ``(host, port)`` pairs (read once, at construction);
    :param max_reconnects: the budget of reconnections, an int >= 0; ``None`` (default) means no
        limit -- then ``connect()`` keeps cycling as long as no node answers, so give a limit
        unless some node is sure to come back;
    :raises ParameterError: for an empty node list, a malformed node or a bad ``max_reconnects``.

    ``reconnects`` tells how many reconnections have been made so far. A RoundRobin is its own
    iterator: giving the same object to ``connect()`` again continues where it stopped.
    """

    __slots__ = ("_index", "_started", "max_reconnects", "nodes", "reconnects")

    def __init__(self, nodes: Iterable[Any], max_reconnects: Optional[int] = None) -> None:
        if isinstance(nodes, (str, bytes)) or not hasattr(nodes, "__iter__"):
            raise ParameterError(f"RoundRobin expects an iterable of (host, port) pairs, not {nodes!r}")
        self.nodes: List[Node] = [check_node(n) for n in nodes]
        if not self.nodes:
            raise ParameterError("RoundRobin needs at least one node")
        if max_reconnects is not None and (
            isinstance(max_reconnects, bool) or not isinstance(max_reconnects, int) or max_reconnects < 0
        ):
            raise ParameterError(f"max_reconnects must be an int >= 0 or None, not {max_reconnects!r}")
        self.max_reconnects = max_reconnects
        self.reconnects = 0
        self._index = 0
        self._started = False

    def __iter__(self) -> RoundRobin:
        return self

    def __next__(self) -> Node:
        if self._started:
            if self.max_reconnects is not None and self.reconnects >= self.max_reconnects:
                raise StopIteration
            self.reconnects += 1
        self._started = True
        node = self.nodes[self._index]
        self._index = (self._index + 1) % len(self.nodes)
        return node

    def __repr__(self) -> str:
        limit = "unlimited" if self.max_reconnects is None else f"{self.reconnects}/{self.max_reconnects}"
        return f"RoundRobin({self.nodes!r}, reconnects {limit})"


class NodeSequence:
    """The nodes a client may still connect to, and why the current attempt's nodes failed.

    :param nodes: an iterator of ``(host, port)`` pairs (each is validated when it is taken).

    A client holds one NodeSequence from ``connect()`` on. Each time it needs a connection it
    iterates :meth:`attempts`, reports every node that could not be connected with :meth:`failed`,
    and, if the iterator runs out, raises :meth:`out_of_nodes`. After that the iterable is
    exhausted for good: later attempts try only the :attr:`discovered` nodes (none without
    endpoint discovery) and then raise ReconnectError.
    """

    __slots__ = ("_closed", "_connected_once", "_exhausted", "_failures", "_iter", "_last", "discovered")

    def __init__(self, nodes: Iterator[Any]) -> None:
        self._iter = nodes
        self._failures: List[Tuple[Node, BaseException]] = []
        self._exhausted = False
        self._closed = False
        self._connected_once = False
        self._last: Optional[Node] = None
        #: node addresses the cluster listed (endpoint discovery, see :mod:`pyignite.protocol.keepalive`):
        #: tried, in order, by every attempt made after the iterable ran out
        self.discovered: List[Node] = []

    @property
    def exhausted(self) -> bool:
        """True once the iterable has run out (no node is left)."""
        return self._exhausted

    def close(self) -> None:
        """The client was closed: a (re)connection under way in another thread or task stops before
        its next node. Without this, ``close()`` would wait for (or leave running) a reconnection
        that, over a ``RoundRobin`` without a limit and no node answering, never ends."""
        self._closed = True
        self._exhausted = True

    def attempts(self) -> Iterator[Node]:
        """The nodes to try, in order, for one (re)connection; forgets the failures of the last one."""
        self._failures = []
        while not self._exhausted:
            try:
                node = next(self._iter)
            except StopIteration:
                self._exhausted = True
                break
            yield check_node(node)
        if self._closed:
            return
        # the nodes the cluster listed: the given ones may all be gone while the cluster lives on.
        # Round robin: from the one after the node connected last, which is tried last
        found = list(self.discovered)
        if self._last in found:
            i = found.index(self._last) + 1
            found = found[i:] + found[:i]
        for node in found:
            if self._closed:
                return
            yield node

    def failed(self, node: Node, exc: BaseException) -> None:
        """Record that ``node`` could not be connected (``exc`` says why)."""
        self._failures.append((node, exc))

    def connected(self, node: Node) -> None:
        """Record that the attempt ended with a connection to ``node``."""
        self._connected_once = True
        self._last = node
        self._failures = []

    def out_of_nodes(self) -> ReconnectError:
        """The ReconnectError to raise when :meth:`attempts` ran out; the last failure is chained."""
        self._exhausted = True
        failures = self._failures
        verb = "reconnect" if self._connected_once else "connect"
        if self._closed:
            err = ReconnectError(f"Can not {verb}: the client was closed")
            if failures:
                err.__cause__ = failures[-1][1]
            return err
        if not failures:
            err = ReconnectError(f"Can not {verb}: out of nodes")
        else:
            shown = "; ".join(_describe(node, exc) for node, exc in failures[-_MESSAGE_NODES:])
            more = len(failures) - _MESSAGE_NODES
            if more > 0:
                shown = f"{more} more failed before; " + shown
            err = ReconnectError(f"Can not {verb}: out of nodes ({shown})")
            err.__cause__ = failures[-1][1]
        return err
