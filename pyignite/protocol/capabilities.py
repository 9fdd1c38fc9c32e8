"""What each capability of the client needs from the server, and the check that enforces it (sans I/O).

An Ignite node tells the client what it offers in the handshake: the protocol version it accepted
(1.0.0 ... 1.7.0) and, from 1.7.0 on, a feature bitmask (:class:`~pyignite.protocol.handshake.Feature`).
Newer server capabilities have no new version number: each has a feature bit, and a feature is usable
only when *both* sides announced it (the server then also changes what it sends for it). Some operations
arrived in a server release without a bit of their own; for those the table names the release, and an
older server answers with ``INVALID_OP_CODE`` (status 2), which the operation turns into the same
:class:`~pyignite.exceptions.NotSupportedByClusterError`.

:data:`CAPABILITIES` is the one table: the checks below read it before a request is built, and the
documentation's "which server offers what" table is generated from it. An operation that needs a
capability calls :func:`require` with the connection it will use; nothing is sent when the check
fails.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, NamedTuple, Optional, Tuple

from pyignite.exceptions import NotSupportedByClusterError
from pyignite.protocol.handshake import Feature, Version

__all__ = [
    "CAPABILITIES",
    "Capability",
    "FEATURE_NAMES",
    "check",
    "feature_name",
    "negotiated_features",
    "require",
    "supports",
    "table_rows",
    "unknown_op_error",
]

#: feature bit -> its name in the protocol (``ClientBitmaskFeature``)
FEATURE_NAMES: Dict[int, str] = {v: k for k, v in vars(Feature).items() if not k.startswith("_") and isinstance(v, int)}

#: the protocol version that introduced the feature bitmask
BITMASK_VERSION: Version = (1, 7, 0)


class Capability(NamedTuple):
    """One thing the client can do that not every server offers."""

    #: short name used by :func:`require` and in error messages
    name: str
    #: what it is, for the documentation table
    description: str
    #: the oldest protocol version that offers it
    version: Version
    #: the feature bit it needs (protocol >= 1.7.0), or ``None``
    feature: Optional[int] = None
    #: the first Apache Ignite release that offers it, as ``scripts/compat`` found (documentation only)
    since_release: str = ""


def _cap(
    name: str, description: str, version: Version, feature: Optional[int] = None, since: str = ""
) -> Tuple[str, Capability]:
    return name, Capability(name, description, version, feature, since)


#: Every gated capability, by name.
CAPABILITIES: Dict[str, Capability] = dict(
    [
        _cap("authentication", "user name and password in the handshake", (1, 1, 0), since="2.5"),
        _cap("partition awareness", "single-key operations sent to the key's primary node", (1, 4, 0), since="2.8"),
        _cap("transactions", "key-value transactions", (1, 5, 0), since="2.8"),
        _cap("expiry policies", "expiry policy per cache and per operation", (1, 6, 0), since="2.8"),
        _cap("cluster state", "ACTIVE_READ_ONLY and the cluster state API", BITMASK_VERSION, Feature.CLUSTER_STATES,
             "2.9"),
        _cap("node endpoints", "the client endpoints of the cluster's nodes (endpoint discovery)", BITMASK_VERSION,
             Feature.CLUSTER_GROUP_GET_NODES_ENDPOINTS, "2.9"),
        _cap("cluster groups", "cluster group views: node ids and node details", BITMASK_VERSION,
             Feature.CLUSTER_GROUPS, "2.9"),
        _cap("compute", "executing compute tasks by name", BITMASK_VERSION, Feature.EXECUTE_TASK_BY_NAME, "2.9"),
        _cap("services", "invoking services", BITMASK_VERSION, Feature.SERVICE_INVOKE, "2.9"),
        _cap("service descriptors", "listing deployed services", BITMASK_VERSION, Feature.GET_SERVICE_DESCRIPTORS,
             "2.13"),
        _cap("service call context", "caller context attributes on service calls", BITMASK_VERSION,
             Feature.SERVICE_INVOKE_CALLCTX, "2.13"),
        _cap("service topology", "the nodes a service is deployed on", BITMASK_VERSION, Feature.SERVICE_TOPOLOGY,
             "2.16"),
        _cap("heartbeats", "heartbeat requests and the server's idle timeout", BITMASK_VERSION, Feature.HEARTBEAT,
             "2.13"),
        _cap("continuous queries", "continuous queries (server-pushed cache events)", (1, 4, 0), since="2.10"),
        _cap("index queries", "index queries (OP_QUERY_INDEX)", BITMASK_VERSION, Feature.INDEX_QUERY, "2.14"),
        _cap("index query limit", "a limit on index query results applied by the server", BITMASK_VERSION,
             Feature.INDEX_QUERY_LIMIT, "2.16"),
        # The next three have no feature bit. Their first releases are those whose ClientMessageParser
        # knows the ops (read in the released ignite-core jars: 8000/8001 from 2.11.0 on, absent from
        # 2.10.0; 9000-9023 from 2.14.0 on, absent from 2.13.0).
        _cap("data streamer", "the thin client data streamer (OP_DATA_STREAMER_START)", BITMASK_VERSION,
             since="2.11"),
        _cap("atomic long", "the distributed AtomicLong (ops 9000-9007)", BITMASK_VERSION, since="2.14"),
        _cap("ignite set", "the distributed IgniteSet (ops 9010-9023)", BITMASK_VERSION, since="2.14"),
    ]
)


#: Operations that belong to a capability, by op code range (inclusive): an older server answers them
#: with INVALID_OP_CODE, which :func:`unknown_op_error` turns into the capability's error.
OP_CAPABILITIES: Tuple[Tuple[int, int, str], ...] = (
    (1, 2, "heartbeats"),
    (2006, 2006, "continuous queries"),
    (2008, 2009, "index queries"),
    (4000, 4001, "transactions"),
    (5000, 5001, "cluster state"),
    (5100, 5101, "cluster groups"),
    (5102, 5102, "node endpoints"),
    (6000, 6000, "compute"),
    (7000, 7000, "services"),
    (7001, 7002, "service descriptors"),
    (7003, 7003, "service topology"),
    (8000, 8001, "data streamer"),
    (9000, 9009, "atomic long"),
    (9010, 9030, "ignite set"),
)


def capability_of_op(op_code: int) -> Optional[Capability]:
    """The capability operation ``op_code`` belongs to, if it is a gated one."""
    for low, high, name in OP_CAPABILITIES:
        if low <= op_code <= high:
            return CAPABILITIES[name]
    return None


def unknown_op_error(op_code: int, server_message: Optional[str], where: str = "the server"
                     ) -> NotSupportedByClusterError:
    """The error for a request the server answered with INVALID_OP_CODE (status 2): it does not know
    the operation, so it predates the capability (or was built without it)."""
    cap = capability_of_op(op_code)
    said = f" (the server said: {server_message})" if server_message else ""
    if cap is None:
        return NotSupportedByClusterError(f"{where} does not know operation {op_code}{said}")
    since = f" (Apache Ignite {cap.since_release} or newer)" if cap.since_release else ""
    return NotSupportedByClusterError(
        f"{cap.name} ({cap.description}) is not offered by {where}: it does not know operation "
        f"{op_code}{since}{said}",
        cap.name, feature_name(cap.feature) if cap.feature is not None else None, cap.version,
    )


def feature_name(feature: int) -> str:
    return FEATURE_NAMES.get(feature, f"feature bit {feature}")


def negotiated_features(conn: Any) -> FrozenSet[int]:
    """The feature bits both the client and the node of ``conn`` announced (what is usable)."""
    server: FrozenSet[int] = getattr(conn, "features", None) or frozenset()
    client = getattr(conn, "client_features", None)
    return frozenset(server) if client is None else frozenset(server) & frozenset(client)


def check(version: Optional[Version], features: FrozenSet[int], name: str, where: str = "the server"
          ) -> Optional[NotSupportedByClusterError]:
    """The error to raise if a node that negotiated ``version`` and ``features`` lacks capability
    ``name``, or ``None`` when it offers it. An unknown ``name`` is a programming error (``KeyError``)."""
    cap = CAPABILITIES[name]
    shown = ".".join(map(str, version)) if version is not None else "an unknown version"
    if version is None or tuple(version) < cap.version:
        return NotSupportedByClusterError(
            f"{cap.name} ({cap.description}) needs protocol {'.'.join(map(str, cap.version))} or newer; "
            f"{where} speaks {shown}",
            cap.name, feature_name(cap.feature) if cap.feature is not None else None, cap.version,
            tuple(version) if version is not None else None,  # type: ignore[arg-type]
        )
    if cap.feature is not None and cap.feature not in features:
        since = f" (Apache Ignite {cap.since_release} or newer)" if cap.since_release else ""
        return NotSupportedByClusterError(
            f"{cap.name} ({cap.description}) needs the protocol feature {feature_name(cap.feature)}{since}, "
            f"which {where} (protocol {shown}) does not offer",
            cap.name, feature_name(cap.feature), cap.version, tuple(version),  # type: ignore[arg-type]
        )
    return None


def supports(conn: Any, name: str) -> bool:
    """Whether the connected node of ``conn`` offers capability ``name``."""
    version = getattr(conn, "protocol_version", None)
    return check(version, negotiated_features(conn), name) is None


def require(conn: Any, name: str) -> None:
    """Raise :class:`~pyignite.exceptions.NotSupportedByClusterError` if the node of ``conn`` (a
    connected transport) lacks capability ``name``. An unconnected ``conn`` (``None``, or no
    handshake yet) passes: the runner connects first and the server answers for itself."""
    if conn is None:
        return
    version = getattr(conn, "protocol_version", None)
    if version is None:
        return
    err = check(version, negotiated_features(conn), name, f"{conn.host}:{conn.port}")
    if err is not None:
        raise err


def table_rows() -> List[Tuple[str, str, str, str, str]]:
    """``(name, description, protocol version, feature bit, first release)`` of every capability, for
    the documentation."""
    rows = []
    for cap in CAPABILITIES.values():
        rows.append((
            cap.name, cap.description, ".".join(map(str, cap.version)),
            feature_name(cap.feature) if cap.feature is not None else "-", cap.since_release or "-",
        ))
    return rows
