"""Cluster groups against real nodes: ``client.cluster().for_...()`` views and their node records.

Runs on ``cluster3`` (three nodes; node 2 carries ``pyignite.role=special``; a topology test elsewhere
may have added a fourth node, so counts are checked against what the cluster reports).
"""

from __future__ import annotations

import uuid
from typing import Any, Iterator

import pytest

from pyignite import Client
from pyignite.cluster import Cluster, ClusterGroup, ClusterNode
from pyignite.exceptions import NotSupportedByClusterError, ParameterError
from pyignite.protocol import op_codes as op

from .compute_util import ROLE, Flavor, Recorder, flavor_fixture, node_address, pinned_client

flavor = pytest.fixture(params=["sync", "aio"])(flavor_fixture)


@pytest.fixture
def client(cluster3: Any, flavor: Flavor) -> Any:
    return flavor.connect(node_address(cluster3, 0), timeout=20)


def test_cluster_alias_and_all_nodes(cluster3: Any, client: Any, flavor: Flavor) -> None:
    cluster = client.cluster()
    assert isinstance(cluster, Cluster) and isinstance(cluster, ClusterGroup)
    nodes = flavor.run(cluster.nodes())
    assert len(nodes) >= 3
    assert all(isinstance(n, ClusterNode) for n in nodes)
    assert [n.order for n in nodes] == sorted(n.order for n in nodes)  # oldest first
    by_name = {str(n.consistent_id): n for n in nodes}
    assert {f"{cluster3.name}-{i}" for i in range(3)} <= set(by_name)
    special = by_name[f"{cluster3.name}-2"]
    assert special.attributes.get(ROLE) == "special"
    assert by_name[f"{cluster3.name}-0"].attributes.get(ROLE) is None
    assert not special.is_client and special.version.major == 2 and special.addresses
    assert sorted(flavor.run(cluster.node_ids())) == sorted(n.id for n in nodes)
    # the old API sees the same
    assert sorted(n.id for n in flavor.run(client.get_cluster().get_nodes())) == sorted(n.id for n in nodes)


def test_filters(cluster3: Any, client: Any, flavor: Flavor) -> None:
    cluster = client.cluster()
    nodes = flavor.run(cluster.nodes())
    by_name = {str(n.consistent_id): n for n in nodes}
    n0, n1, n2 = (by_name[f"{cluster3.name}-{i}"] for i in range(3))

    def ids(group: ClusterGroup) -> set:
        return set(flavor.run(group.node_ids()))

    assert ids(cluster.for_servers()) == {n.id for n in nodes}  # no thick clients here
    assert ids(cluster.for_clients()) == set()
    assert ids(cluster.for_attribute(ROLE, "special")) == {n2.id}
    assert ids(cluster.for_attribute(ROLE, "nobody")) == set()
    assert ids(cluster.for_node_ids([n0.id, n1.id, uuid.uuid4()])) == {n0.id, n1.id}
    assert ids(cluster.for_node_ids(n1.id)) == {n1.id}
    assert ids(cluster.for_node(n2)) == {n2.id}
    assert ids(cluster.for_predicate(lambda n: str(n.consistent_id).endswith("-1"))) == {n1.id}
    assert ids(cluster.for_servers().for_oldest()) == {min(nodes, key=lambda n: n.order).id}
    assert ids(cluster.for_youngest()) == {max(nodes, key=lambda n: n.order).id}
    assert ids(cluster.for_node_ids([n0.id, n1.id]).for_youngest()) == {n1.id}
    picks = {frozenset(ids(cluster.for_random())) for _ in range(12)}
    assert all(len(p) == 1 for p in picks) and len(picks) > 1  # 12 draws among >= 3 nodes
    # steps apply in order: a server-side filter after a client-side step is applied by the client
    assert ids(cluster.for_oldest().for_attribute(ROLE, "special")) == set()
    assert ids(cluster.for_node_ids([n0.id, n2.id]).for_attribute(ROLE, "special").for_servers()) == {n2.id}
    group_nodes = flavor.run(cluster.for_attribute(ROLE, "special").nodes())
    assert [n.id for n in group_nodes] == [n2.id]
    assert group_nodes[0].attributes[ROLE] == "special"


def test_bad_arguments(client: Any) -> None:
    cluster = client.cluster()
    with pytest.raises(ParameterError):
        cluster.for_attribute("", "x")
    with pytest.raises(ParameterError):
        cluster.for_node_ids(["not-a-uuid"])
    with pytest.raises(ParameterError):
        cluster.for_predicate("not callable")


def test_ids_and_node_records_cached_by_topology_version(cluster3: Any) -> None:
    rec = Recorder()
    client = Client(event_listeners=[rec], timeout=20)
    client.connect(*node_address(cluster3, 0))
    try:
        group = client.cluster().for_predicate(lambda n: True)
        first = group.nodes()
        mark = len(rec.events)
        assert group.nodes() == first
        # unchanged topology: one GROUP_GET_NODE_IDS naming the known version, no node info fetched
        assert rec.ops(mark) == [op.OP_CLUSTER_GROUP_GET_NODE_IDS]
        cache = client.__dict__["_cluster_group_cache"]
        version, ids = cache.ids[()]
        assert version > 0 and sorted(ids) == sorted(n.id for n in first)
        # another projection, same nodes: their records are not fetched again
        mark = len(rec.events)
        assert client.cluster().for_servers().for_predicate(lambda n: True).node_ids()
        assert op.OP_CLUSTER_GROUP_GET_NODE_INFO not in rec.ops(mark)
    finally:
        client.close()


@pytest.fixture
def old_client(cluster3: Any) -> Iterator[Client]:
    client = pinned_client(cluster3)
    try:
        yield client
    finally:
        client.close()


def test_protocol_1_6_0_has_no_cluster_groups(old_client: Client) -> None:
    assert old_client.protocol_version == (1, 6, 0)
    with pytest.raises(NotSupportedByClusterError) as err:
        old_client.cluster().for_servers().nodes()
    assert err.value.capability == "cluster groups" and err.value.server_version == (1, 6, 0)
    assert "1.7.0" in str(err.value)
