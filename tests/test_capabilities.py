"""What a node does not offer is a clear NotSupportedByClusterError, raised before anything is sent.

A client pinned to an older protocol version stands in for an older server: the node negotiates the
version the client proposes, so the checks see exactly what an old node would offer. The unknown
operation test needs no pinning: every server answers an op code it does not know with
INVALID_OP_CODE, which the client reports as the capability the op belongs to.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, Tuple

import pytest

from pyignite import Client
from pyignite.cluster import ClusterState
from pyignite.exceptions import NotSupportedByClusterError
from pyignite.protocol import capabilities
from pyignite.protocol.frames import new_request
from pyignite.protocol.handshake import CLIENT_FEATURES
from pyignite.protocol.request import Request

from .conftest import connected_client
from .util import unique_name


@pytest.fixture(params=["sync", "aio"])
def flavor(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def old_client(node: Tuple[str, int], flavor: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A client that negotiated protocol 1.4.0: no transactions, expiry or bitmask features."""
    with connected_client(flavor, node, {"protocol_version": (1, 4, 0)}, request) as c:
        yield c


def test_pinned_client_negotiates_what_it_proposed(old_client: Any) -> None:
    assert old_client.protocol_version == (1, 4, 0)
    assert not capabilities.supports(old_client.connection, "transactions")
    assert capabilities.supports(old_client.connection, "partition awareness")


def test_transactions_need_1_5_0(old_client: Any) -> None:
    with pytest.raises(NotSupportedByClusterError, match=r"1\.5\.0.*1\.4\.0") as info:
        with old_client.tx_start():
            pass
    assert info.value.capability == "transactions"
    assert info.value.server_version == (1, 4, 0) and info.value.required_version == (1, 5, 0)


def test_expiry_per_operation_needs_1_6_0(old_client: Any) -> None:
    cache = old_client.get_or_create_cache(unique_name("cap"))
    try:
        with pytest.raises(NotSupportedByClusterError, match=r"1\.6\.0") as info:
            cache.with_expire_policy(create=1000)
        assert info.value.capability == "expiry policies"
    finally:
        cache.destroy()


def test_bitmask_features_need_1_7_0(old_client: Any) -> None:
    cluster = old_client.get_cluster()
    with pytest.raises(NotSupportedByClusterError, match=r"1\.7\.0") as info:
        cluster.set_state(ClusterState.ACTIVE_READ_ONLY)
    assert info.value.capability == "cluster state"
    with pytest.raises(NotSupportedByClusterError, match="node endpoints"):
        cluster.get_node_endpoints()


def test_an_operation_the_server_does_not_know_is_not_supported(node: Tuple[str, int], flavor: str,
                                                                   request: pytest.FixtureRequest) -> None:
    with connected_client(flavor, node, {}, request) as c:
        with pytest.raises(NotSupportedByClusterError, match="does not know operation 9999"):
            c._execute(Request(new_request(9999)))
        assert c.get_cache_names() is not None  # the connection goes on


def test_an_unknown_op_of_a_capability_names_the_capability() -> None:
    err = capabilities.unknown_op_error(8000, "Invalid request op code: 8000")
    assert err.capability == "data streamer" and "2.11" in str(err) and "8000" in str(err)


def test_negotiated_features_are_what_both_sides_announced(node: Tuple[str, int]) -> None:
    with Client() as c:
        c.connect(*node)
        conn = c.connection
        negotiated = capabilities.negotiated_features(conn)
        assert negotiated == conn.features & CLIENT_FEATURES
        offered: Dict[str, bool] = {name: capabilities.supports(conn, name) for name in capabilities.CAPABILITIES}
        for name, ok in offered.items():
            cap = capabilities.CAPABILITIES[name]
            if cap.feature is not None:
                assert ok == (cap.feature in conn.features), name
