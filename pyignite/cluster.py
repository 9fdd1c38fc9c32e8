"""The cluster API: state (activation), WAL per cache, and the cluster's nodes.

Obtain it with ``client.get_cluster()``. Every method is written once and runs through the client's
runner, so with :class:`~pyignite.client.Client` it returns the value and with
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
"""

from __future__ import annotations

import uuid
from enum import IntEnum
from typing import Any, Generator, List, Optional, Union

from pyignite.exceptions import ParameterError, ParseError
from pyignite.protocol import cluster_ops
from pyignite.protocol.cluster_ops import ClusterNode, NodeEndpoint, NodeVersion

__all__ = ["Cluster", "ClusterNode", "ClusterState", "NodeEndpoint", "NodeVersion"]

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


class Cluster:
    """Cluster-wide operations of a client (see the module documentation).

    :param client: a :class:`~pyignite.client.Client` or :class:`~pyignite.aio_client.AioClient`.
    """

    __slots__ = ("_client",)

    def __init__(self, client: Any) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<Cluster of {self._client!r}>"

    @property
    def client(self) -> Any:
        return self._client

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
