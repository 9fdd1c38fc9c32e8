"""The cluster API: state (activation), WAL per cache, the cluster's nodes, and cluster groups.

Obtain it with ``client.cluster()`` (or ``client.get_cluster()``). Every method is written once and
runs through the client's runner, so with :class:`~pyignite.client.Client` it returns the value and with
:class:`~pyignite.aio_client.AioClient` it returns an awaitable of it::

    cluster = client.get_cluster()
    if cluster.get_state() != ClusterState.ACTIVE:
        cluster.set_state(ClusterState.ACTIVE)

    state = await aio_client.get_cluster().get_state()

Server support: the state, WAL and node operations exist in the servers of protocol 1.7.0 (Ignite
2.9+); an older server answers them with an "invalid op code" :class:`~pyignite.exceptions.CacheError`.
``ACTIVE_READ_ONLY`` needs the ``CLUSTER_STATES`` feature and :meth:`Cluster.get_node_endpoints` the
``CLUSTER_GROUP_GET_NODES_ENDPOINTS`` feature: without them :class:`~pyignite.exceptions.NotSupportedError`
is raised before anything is sent. Server errors raise :class:`~pyignite.exceptions.ClusterError` with
the server's status and message.

Cluster groups
--------------
A :class:`ClusterGroup` is a view of some of the cluster's nodes, built like the Java thin client's
``ClientClusterGroup``: ``cluster.for_servers()``, ``.for_attribute(name, value)``,
``.for_node_ids(ids)``, ``.for_predicate(fn)``, ``.for_oldest()``, ``.for_youngest()``,
``.for_random()``, chained in any order; each returns a new group and does no I/O. A group is
resolved every time it is used (``nodes()``, ``node_ids()``, ``compute()``, ``services()``):

* the leading server and attribute filters go to the server as a projection
  (``OP_CLUSTER_GROUP_GET_NODE_IDS``); the ids it answers are cached per projection with the
  topology version they belong to, and the next request names that version, so an unchanged
  topology is answered without the id list;
* the other steps are applied by the client, in order, on node records
  (``OP_CLUSTER_GROUP_GET_NODE_INFO``): a node's record never changes while the node lives, so the
  client keeps the records it fetched (those of nodes that left are dropped when the topology
  version changes) and asks only for nodes it has not seen.

Groups need the ``CLUSTER_GROUPS`` feature (Ignite 2.9+):
:class:`~pyignite.exceptions.NotSupportedByClusterError` otherwise.
"""

from __future__ import annotations

import random
import threading
import uuid
from enum import IntEnum
from typing import Any, Callable, Dict, Generator, Iterable, List, Optional, Tuple, Union

from pyignite.exceptions import ParameterError, ParseError
from pyignite.protocol import cluster_ops
from pyignite.protocol.cluster_ops import ClusterNode, NodeEndpoint, NodeVersion

__all__ = ["Cluster", "ClusterGroup", "ClusterNode", "ClusterState", "NodeEndpoint", "NodeVersion"]

#: server features (needed by some cluster operations) exist since protocol 1.7.0


class ClusterState(IntEnum):
    """Cluster states (Java ``ClusterState`` ordinals)."""

    #: deactivated: no cache operations are allowed
    INACTIVE = 0
    #: activated: all cache operations are allowed
    ACTIVE = 1
    #: activated, read only: reads are allowed, data modifications fail
    ACTIVE_READ_ONLY = 2


def _cache_name(cache: Any) -> str:
    name = cache if isinstance(cache, str) else getattr(cache, "name", None)
    if not isinstance(name, str) or not name:
        raise ParameterError(f"expected a cache object or a non-empty cache name, not {cache!r}")
    return name


#: how many node records a client keeps at most
MAX_CACHED_NODES = 4096

Step = Tuple[Any, ...]


class _NodeCache:
    """A client's cluster group caches: ids per server projection (with their topology version) and
    node records by id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version = -1
        self.ids: Dict[Tuple[Any, ...], Tuple[int, List[uuid.UUID]]] = {}
        self.nodes: Dict[uuid.UUID, ClusterNode] = {}

    def projection_ids(self, key: Tuple[Any, ...]) -> Optional[Tuple[int, List[uuid.UUID]]]:
        return self.ids.get(key)

    def store(self, key: Tuple[Any, ...], version: int, ids: List[uuid.UUID]) -> None:
        with self.lock:
            if version > self.version:  # the topology changed: older id lists are stale
                self.version = version
                self.ids = {k: v for k, v in self.ids.items() if v[0] >= version}
                if not key:  # the whole topology: records of nodes that left can go
                    alive = set(ids)
                    self.nodes = {i: n for i, n in self.nodes.items() if i in alive}
            self.ids[key] = (version, list(ids))

    def add_nodes(self, nodes: Iterable[ClusterNode]) -> None:
        with self.lock:
            for node in nodes:
                if len(self.nodes) >= MAX_CACHED_NODES:
                    self.nodes.pop(next(iter(self.nodes)))
                self.nodes[node.id] = node


def _node_cache(client: Any) -> _NodeCache:
    cache = client.__dict__.get("_cluster_group_cache")
    if cache is None:
        cache = client.__dict__.setdefault("_cluster_group_cache", _NodeCache())
    return cache


class ClusterGroup:
    """Some nodes of the cluster (see "Cluster groups" in the module documentation). Built with the
    ``for_*`` methods of :class:`Cluster` and of other groups; never instantiated directly."""

    __slots__ = ("_client", "_steps")

    def __init__(self, client: Any, steps: Tuple[Step, ...] = ()) -> None:
        self._client = client
        self._steps = steps

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {' '.join(s[0] for s in self._steps) or 'all'} of {self._client!r}>"

    @property
    def client(self) -> Any:
        return self._client

    # --- building groups (no I/O) ----------------------------------------------------------------

    def _with(self, *step: Any) -> ClusterGroup:
        return ClusterGroup(self._client, (*self._steps, step))

    def for_servers(self) -> ClusterGroup:
        """The server nodes of this group."""
        return self._with("servers", True)

    def for_clients(self) -> ClusterGroup:
        """The client nodes (thick clients) of this group."""
        return self._with("servers", False)

    def for_attribute(self, name: str, value: Any) -> ClusterGroup:
        """The nodes of this group whose user attribute ``name`` equals ``value``."""
        if not isinstance(name, str) or not name:
            raise ParameterError(f"the attribute name must be a non-empty str, not {name!r}")
        return self._with("attribute", name, value)

    def for_node_ids(self, node_ids: Iterable[uuid.UUID]) -> ClusterGroup:
        """The nodes of this group with these ids (``uuid.UUID``; one id or an iterable)."""
        if isinstance(node_ids, uuid.UUID):
            node_ids = [node_ids]
        ids = frozenset(node_ids)
        for node_id in ids:
            if not isinstance(node_id, uuid.UUID):
                raise ParameterError(f"node ids must be uuid.UUID, not {node_id!r}")
        return self._with("ids", ids)

    def for_node(self, node: ClusterNode) -> ClusterGroup:
        """The one node ``node`` (a :class:`ClusterNode`), if it is in this group."""
        return self.for_node_ids([node.id])

    def for_predicate(self, predicate: Callable[[ClusterNode], bool]) -> ClusterGroup:
        """The nodes of this group for which ``predicate(node)`` is true; ``node`` is a
        :class:`ClusterNode` (the client evaluates it on the node records)."""
        if not callable(predicate):
            raise ParameterError(f"predicate must be callable, not {predicate!r}")
        return self._with("predicate", predicate)

    def for_oldest(self) -> ClusterGroup:
        """The oldest node of this group (the smallest join order), resolved at each use."""
        return self._with("oldest")

    def for_youngest(self) -> ClusterGroup:
        """The youngest node of this group (the largest join order), resolved at each use."""
        return self._with("youngest")

    def for_random(self) -> ClusterGroup:
        """One node of this group picked at random, again at each use."""
        return self._with("random")

    # --- facades over the group ------------------------------------------------------------------

    def compute(self) -> Any:
        """A :class:`~pyignite.compute.Compute` that runs tasks on the nodes of this group."""
        from pyignite.compute import Compute

        return Compute(self._client, self)

    def services(self) -> Any:
        """A :class:`~pyignite.services.Services` that calls services on the nodes of this group."""
        from pyignite.services import Services

        return Services(self._client, self)

    # --- resolution (plans) ----------------------------------------------------------------------

    def _projection(self) -> Tuple[Tuple[Any, ...], int]:
        """The leading steps the server applies: ``(key, count of steps used)``."""
        servers: Optional[bool] = None
        attrs: List[Tuple[str, Any]] = []
        used = 0
        for step in self._steps:
            if step[0] == "servers" and servers is None:
                servers = step[1]
            elif step[0] == "attribute":
                attrs.append((step[1], step[2]))
            else:
                break
            used += 1
        key: Tuple[Any, ...] = ()
        if servers is not None or attrs:
            key = (servers, tuple(attrs))
        return key, used

    def _node_ids_plan(self) -> Generator[Any, Any, List[uuid.UUID]]:
        """The ids of the group's nodes, in the server's order (a plan)."""
        self._client._require("cluster groups")
        cache = _node_cache(self._client)
        key, used = self._projection()
        cached = cache.projection_ids(key)
        servers, attrs = key if key else (None, ())
        try:
            version, ids = yield cluster_ops.node_ids(cached[0] if cached else -1, servers, attrs)
        except TypeError as exc:  # an attribute value pyignite cannot write
            raise ParameterError(f"cannot send the cluster group filter: {exc}") from None
        if version is None:
            if cached is None:  # "not newer than -1" cannot happen; ask again from scratch
                version, ids = yield cluster_ops.node_ids(-1, servers, attrs)
            else:
                ids = list(cached[1])
        if version is not None:
            cache.store(key, version, ids)
        rest = self._steps[used:]
        if not rest:
            return list(ids)
        nodes: Optional[List[ClusterNode]] = None
        for step in rest:
            kind = step[0]
            if kind == "ids":
                ids = [i for i in ids if i in step[1]]
                if nodes is not None:
                    nodes = [n for n in nodes if n.id in step[1]]
                continue
            if kind == "random":
                ids = [random.choice(ids)] if ids else []
                if nodes is not None:
                    nodes = [n for n in nodes if n.id in ids]
                continue
            if nodes is None:
                nodes = yield from self._records_plan(ids)
            if kind == "servers":
                nodes = [n for n in nodes if n.is_client != step[1]]
            elif kind == "attribute":
                nodes = [n for n in nodes if n.attributes.get(step[1]) == step[2]]
            elif kind == "predicate":
                nodes = [n for n in nodes if step[1](n)]
            elif kind == "oldest":
                nodes = [min(nodes, key=lambda n: n.order)] if nodes else []
            elif kind == "youngest":
                nodes = [max(nodes, key=lambda n: n.order)] if nodes else []
            ids = [n.id for n in nodes]
        return ids

    def _records_plan(self, ids: List[uuid.UUID]) -> Generator[Any, Any, List[ClusterNode]]:
        """Node records of ``ids`` (in that order), fetching only those not cached."""
        cache = _node_cache(self._client)
        missing = [i for i in ids if i not in cache.nodes]
        if missing:
            fetched = yield cluster_ops.node_info(missing)
            cache.add_nodes(fetched)
            known = {n.id: n for n in fetched}
        else:
            known = {}
        out = []
        for i in ids:
            node = cache.nodes.get(i) or known.get(i)
            if node is not None:  # a node that left between the two requests is left out
                out.append(node)
        return out

    def _nodes_plan_group(self) -> Generator[Any, Any, List[ClusterNode]]:
        ids = yield from self._node_ids_plan()
        nodes = yield from self._records_plan(ids)
        return sorted(nodes, key=lambda n: n.order)

    def _target_plan(self) -> Generator[Any, Any, Optional[List[uuid.UUID]]]:
        """What compute and services send as node ids: ``None`` for the whole cluster (the server
        then picks among all its server nodes), else the resolved ids."""
        if not self._steps:
            return None
        ids = yield from self._node_ids_plan()
        return ids

    def node_ids(self) -> Any:
        """Ids (``uuid.UUID``) of the nodes of this group."""
        return self._client._drive(self._node_ids_plan())

    def nodes(self) -> Any:
        """The nodes of this group as :class:`ClusterNode` records (id, consistent id, order,
        version, attributes, addresses, host names, whether it is a client), oldest first."""
        return self._client._drive(self._nodes_plan_group())


class Cluster(ClusterGroup):
    """Cluster-wide operations of a client, and the group of all its nodes (see the module
    documentation).

    :param client: a :class:`~pyignite.client.Client` or :class:`~pyignite.aio_client.AioClient`.
    """

    __slots__ = ()

    def __init__(self, client: Any) -> None:
        super().__init__(client)

    def __repr__(self) -> str:
        return f"<Cluster of {self._client!r}>"

    # --- support checks ------------------------------------------------------------------------

    def _require(self, capability: str) -> None:
        """Raise :class:`~pyignite.exceptions.NotSupportedByClusterError` if the live connection is
        known to lack ``capability`` (see :mod:`pyignite.protocol.capabilities`)."""
        self._client._require(capability)

    # --- state ---------------------------------------------------------------------------------

    def _state_plan(self) -> Generator[Any, Any, ClusterState]:
        ordinal = yield cluster_ops.get_state()
        try:
            return ClusterState(ordinal)
        except ValueError:
            raise ParseError(f"the server reported an unknown cluster state {ordinal}") from None

    def get_state(self) -> Any:
        """The current :class:`ClusterState`."""
        return self._client._drive(self._state_plan())

    def set_state(self, state: Union[ClusterState, int]) -> Any:
        """Change the cluster state (activate, deactivate, make read-only).

        Deactivation is forced: in-memory caches lose their data. Waits until the change is done.
        ``ACTIVE_READ_ONLY`` needs the ``CLUSTER_STATES`` feature.
        """
        if isinstance(state, bool) or not isinstance(state, int):
            raise ParameterError(f"state must be a ClusterState, not {state!r}")
        try:
            state = ClusterState(state)
        except ValueError:
            raise ParameterError(
                f"state must be one of {', '.join(f'{s.name} ({s.value})' for s in ClusterState)}, not {state!r}"
            ) from None
        if state == ClusterState.ACTIVE_READ_ONLY:
            self._require("cluster state")
        return self._client._execute(cluster_ops.change_state(state))

    # --- WAL -----------------------------------------------------------------------------------

    def enable_wal(self, cache: Any) -> Any:
        """Enable the write-ahead log of a persistent ``cache`` (object or name).

        Returns ``True`` if the state changed, ``False`` if it was enabled already.
        """
        name = _cache_name(cache)
        return self._client._execute(cluster_ops.change_wal_state(name, True))

    def disable_wal(self, cache: Any) -> Any:
        """Disable the write-ahead log of a persistent ``cache`` (object or name), for example for a
        bulk load. Returns ``True`` if the state changed, ``False`` if it was disabled already."""
        name = _cache_name(cache)
        return self._client._execute(cluster_ops.change_wal_state(name, False))

    def wal_enabled(self, cache: Any) -> Any:
        """Whether the write-ahead log of ``cache`` (object or name) is enabled."""
        name = _cache_name(cache)
        return self._client._execute(cluster_ops.get_wal_state(name))

    # --- nodes ---------------------------------------------------------------------------------

    @staticmethod
    def _check_servers_only(servers_only: Optional[bool]) -> None:
        if servers_only is not None and not isinstance(servers_only, bool):
            raise ParameterError(f"servers_only must be True, False or None, not {servers_only!r}")

    def _ids_plan(self, servers_only: Optional[bool]) -> Generator[Any, Any, List[uuid.UUID]]:
        _, ids = yield cluster_ops.node_ids(-1, servers_only)
        return ids

    def get_node_ids(self, servers_only: Optional[bool] = None) -> Any:
        """Ids (``uuid.UUID``) of the nodes in the topology: all (``None``), servers (``True``) or
        client nodes (``False``)."""
        self._check_servers_only(servers_only)
        return self._client._drive(self._ids_plan(servers_only))

    def _nodes_plan(self, servers_only: Optional[bool]) -> Generator[Any, Any, List[ClusterNode]]:
        _, ids = yield cluster_ops.node_ids(-1, servers_only)
        if not ids:
            return []
        nodes = yield cluster_ops.node_info(ids)
        order = {node_id: i for i, node_id in enumerate(ids)}
        return sorted(nodes, key=lambda n: order.get(n.id, len(order)))

    def get_nodes(self, servers_only: Optional[bool] = None) -> Any:
        """The nodes of the topology as :class:`ClusterNode` records (id, consistent id, order,
        addresses, host names, attributes, version...); ``servers_only`` as for :meth:`get_node_ids`."""
        self._check_servers_only(servers_only)
        return self._client._drive(self._nodes_plan(servers_only))

    def get_node_info(self, node_ids: List[uuid.UUID]) -> Any:
        """:class:`ClusterNode` records for the given node ids (unknown ids are left out)."""
        if isinstance(node_ids, uuid.UUID):
            node_ids = [node_ids]
        node_ids = list(node_ids)
        for node_id in node_ids:
            if not isinstance(node_id, uuid.UUID):
                raise ParameterError(f"node ids must be uuid.UUID, not {node_id!r}")
        return self._client._execute(cluster_ops.node_info(node_ids))

    def _endpoints_plan(self) -> Generator[Any, Any, List[NodeEndpoint]]:
        _, added, _ = yield cluster_ops.node_endpoints(-1, -1)
        return added

    def get_node_endpoints(self) -> Any:
        """Where the thin client connectors of the server nodes listen: :class:`NodeEndpoint` records
        (node id, port, addresses and host names). Needs ``CLUSTER_GROUP_GET_NODES_ENDPOINTS``."""
        self._require("node endpoints")
        return self._client._drive(self._endpoints_plan())
