"""The cluster API: state, WAL and nodes, against a real persistent Ignite 2.18.0 node.

State tests leave the cluster ACTIVE whatever happens (the node is shared by the session).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Iterator, Tuple

import harness
import pytest

from pyignite import AioClient, Client, ClusterState
from pyignite.cluster import Cluster, ClusterNode, NodeEndpoint
from pyignite.exceptions import CacheError, ClusterError, NotSupportedError, ParameterError
from pyignite.protocol import cluster_ops

from .util import unique_name


@pytest.fixture
def pclient(persistent_node: Tuple[str, int]) -> Iterator[Client]:
    c = Client()
    c.connect(*persistent_node)
    try:
        yield c
    finally:
        try:
            if c.get_cluster().get_state() != ClusterState.ACTIVE:
                c.get_cluster().set_state(ClusterState.ACTIVE)
        finally:
            c.close()


@pytest.fixture
def pcache(pclient: Client) -> Iterator[Any]:
    cache = pclient.create_cache(unique_name("persistent"))
    try:
        yield cache
    finally:
        cache.destroy()


# --- requests (no server) -------------------------------------------------------------------------

def test_request_layouts() -> None:
    assert bytes(cluster_ops.change_state(2).frame[14:]) == b"\x02"
    wal = cluster_ops.change_wal_state("c", False).frame
    assert bytes(wal[14:]) == b"\x09\x01\x00\x00\x00c\x00"
    ids = cluster_ops.node_ids(-1, True).frame
    assert bytes(ids[14:]) == b"\xff" * 8 + b"\x01\x00\x00\x00" + b"\x02\x00" + b"\x01"
    node = uuid.UUID("01234567-89ab-cdef-fedc-ba9876543210")
    info = cluster_ops.node_info([node]).frame
    assert bytes(info[14:18]) == b"\x01\x00\x00\x00"
    assert bytes(info[18:26]) == bytes.fromhex("0123456789abcdef")[::-1]
    assert bytes(info[26:34]) == bytes.fromhex("fedcba9876543210")[::-1]


@pytest.mark.parametrize("state", [3, -1, "ACTIVE", True, None, 1.0])
def test_bad_states_are_parameter_errors(state: Any) -> None:
    with pytest.raises(ParameterError):
        Client().get_cluster().set_state(state)


# --- state ------------------------------------------------------------------------------------------

def test_cluster_object(pclient: Client) -> None:
    cluster = pclient.get_cluster()
    assert isinstance(cluster, Cluster) and cluster.client is pclient
    assert cluster.get_state() is ClusterState.ACTIVE


def test_read_only_and_back(pclient: Client, pcache: Any) -> None:
    cluster = pclient.get_cluster()
    pcache.put(1, "one")
    cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
    try:
        assert cluster.get_state() is ClusterState.ACTIVE_READ_ONLY
        assert pcache.get(1) == "one"  # reads work
        with pytest.raises(CacheError, match="read-only"):
            pcache.put(2, "two")
    finally:
        cluster.set_state(ClusterState.ACTIVE)
    assert cluster.get_state() is ClusterState.ACTIVE
    pcache.put(2, "two")
    assert pcache.get_all([1, 2]) == {1: "one", 2: "two"}


def test_deactivate_and_activate(pclient: Client, pcache: Any) -> None:
    cluster = pclient.get_cluster()
    pcache.put("k", "persisted")
    cluster.set_state(ClusterState.INACTIVE)
    try:
        assert cluster.get_state() is ClusterState.INACTIVE
        with pytest.raises(CacheError, match="inactive"):
            pcache.get("k")
        cluster.set_state(ClusterState.INACTIVE)  # already there: fine
    finally:
        cluster.set_state(ClusterState.ACTIVE)
    assert cluster.get_state() is ClusterState.ACTIVE
    assert pcache.get("k") == "persisted"  # persistence kept the data


def test_plain_ints_are_accepted(pclient: Client) -> None:
    cluster = pclient.get_cluster()
    cluster.set_state(1)  # ACTIVE: no change
    assert cluster.get_state() == 1


def test_features_needed_before_protocol_1_7(persistent_node: Tuple[str, int]) -> None:
    c = Client(protocol_version=(1, 6, 0))  # before bitmask features
    c.connect(*persistent_node)
    try:
        cluster = c.get_cluster()
        assert cluster.get_state() is ClusterState.ACTIVE  # answered as an "active" flag
        with pytest.raises(NotSupportedError, match=r"1\.7\.0"):
            cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
        with pytest.raises(NotSupportedError, match=r"1\.7\.0"):
            cluster.get_node_endpoints()
        assert cluster.get_state() is ClusterState.ACTIVE
    finally:
        c.close()


# --- WAL ------------------------------------------------------------------------------------------

def test_wal_disable_and_enable(pclient: Client, pcache: Any) -> None:
    cluster = pclient.get_cluster()
    assert cluster.wal_enabled(pcache) is True
    assert cluster.disable_wal(pcache) is True
    try:
        assert cluster.wal_enabled(pcache.name) is False
        assert cluster.disable_wal(pcache.name) is False  # no change
        pcache.put(1, "written without WAL")
    finally:
        assert cluster.enable_wal(pcache) is True
    assert cluster.wal_enabled(pcache) is True
    assert cluster.enable_wal(pcache) is False
    assert pcache.get(1) == "written without WAL"


def test_wal_of_a_missing_cache(pclient: Client) -> None:
    with pytest.raises(ClusterError):
        pclient.get_cluster().disable_wal(unique_name("missing"))


@pytest.mark.parametrize("cache", [None, "", 5])
def test_wal_bad_cache_argument(cache: Any) -> None:
    with pytest.raises(ParameterError):
        Client().get_cluster().wal_enabled(cache)


# --- nodes ------------------------------------------------------------------------------------------

def test_node_ids(pclient: Client) -> None:
    cluster = pclient.get_cluster()
    conn = pclient.connection
    assert conn is not None
    assert cluster.get_node_ids() == [conn.node_uuid]
    assert cluster.get_node_ids(servers_only=True) == [conn.node_uuid]
    assert cluster.get_node_ids(servers_only=False) == []  # no client (thick) nodes


def test_nodes(pclient: Client, persistent_node: Tuple[str, int]) -> None:
    cluster = pclient.get_cluster()
    conn = pclient.connection
    assert conn is not None
    (node,) = cluster.get_nodes()
    assert isinstance(node, ClusterNode)
    assert node.id == conn.node_uuid
    assert node.consistent_id == "persistent-0"  # the harness names nodes <cluster>-<index>
    assert node.is_local and not node.is_client and not node.is_daemon
    assert node.order >= 1
    assert "127.0.0.1" in node.addresses
    release = harness.IGNITE_VERSION  # the release the harness runs (the compatibility matrix varies it)
    assert (node.version.major, node.version.minor) == tuple(int(p) for p in release.split(".")[:2])
    assert str(node.version).startswith(release)
    assert node.attributes["org.apache.ignite.build.ver"] == release
    assert node.attributes["org.apache.ignite.consistent.id"] == "persistent-0"
    assert all(isinstance(k, str) for k in node.attributes)
    assert cluster.get_node_info([node.id]) == [node]
    assert cluster.get_node_info([uuid.uuid4()]) == []


def test_node_endpoints(pclient: Client, persistent_node: Tuple[str, int]) -> None:
    conn = pclient.connection
    assert conn is not None
    (endpoint,) = pclient.get_cluster().get_node_endpoints()
    assert isinstance(endpoint, NodeEndpoint)
    assert endpoint.node_id == conn.node_uuid
    assert endpoint.port == persistent_node[1]
    assert "127.0.0.1" in endpoint.addresses


def test_async_cluster(persistent_node: Tuple[str, int]) -> None:
    async def main() -> None:
        c = AioClient()
        await c.connect(*persistent_node)
        try:
            cluster = c.get_cluster()
            assert await cluster.get_state() is ClusterState.ACTIVE
            await cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
            try:
                assert await cluster.get_state() is ClusterState.ACTIVE_READ_ONLY
            finally:
                await cluster.set_state(ClusterState.ACTIVE)
            assert await cluster.get_state() is ClusterState.ACTIVE
            assert await cluster.get_node_ids() == [c.connection.node_uuid]  # type: ignore[union-attr]
        finally:
            await c.close()

    asyncio.run(asyncio.wait_for(main(), 120))
