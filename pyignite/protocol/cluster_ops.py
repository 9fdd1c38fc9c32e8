"""Cluster requests (op codes 5000-5003 and 5100-5102), sans I/O.

Wire format (from the server's ``platform/client/cluster`` request classes)
-------------------------------------------------------------------------
* ``OP_CLUSTER_GET_STATE`` (5000): no payload; reply ``byte`` state ordinal (``INACTIVE`` 0,
  ``ACTIVE`` 1, ``ACTIVE_READ_ONLY`` 2). Without the ``CLUSTER_STATES`` feature the server answers a
  ``bool`` active flag -- the same byte values for the first two states.
* ``OP_CLUSTER_CHANGE_STATE`` (5001): ``byte`` state ordinal; empty reply. (A ``bool`` force flag
  follows only with the ``FORCE_DEACTIVATION_FLAG`` feature, which this client does not announce, so
  the server forces deactivation as older servers always did.)
* ``OP_CLUSTER_CHANGE_WAL_STATE`` (5002): ``String`` cache name, ``bool`` enable; reply ``bool``: whether
  the state changed.
* ``OP_CLUSTER_GET_WAL_STATE`` (5003): ``String`` cache name; reply ``bool`` enabled.
* ``OP_CLUSTER_GROUP_GET_NODE_IDS`` (5100): ``i64`` known topology version, projection (``i32`` count of
  items; item ``i16`` code: 1 attribute (``String`` name, value object: nodes whose attribute
  equals it), 2 node type (``bool`` servers)); reply ``bool`` changed, then if changed ``i64``
  topology version, ``i32`` count and the ids as raw ``(i64 msb, i64 lsb)`` pairs.
* ``OP_CLUSTER_GROUP_GET_NODE_INFO`` (5101): ``i32`` count, raw ids; reply ``i32`` count, per node: id
  (UUID object), attributes (``i32`` count of ``String`` name + object value; values that are
  Java-serialized objects -- type code -2 -- cannot be read by a Python client and are left out),
  addresses and host names
  (collection objects), ``i64`` order, ``bool`` local, ``bool`` daemon, ``bool`` client, consistent id
  (object), version (``byte`` major, minor, maintenance, ``String`` stage, ``i64`` revision timestamp,
  ``byte[]`` revision hash).
* ``OP_CLUSTER_GROUP_GET_NODE_ENDPOINTS`` (5102, feature ``CLUSTER_GROUP_GET_NODES_ENDPOINTS``):
  ``i64`` start and ``i64`` end topology versions (-1: unknown); reply ``i64`` topology version,
  ``i32`` count of added nodes (raw id, ``i32`` client port, ``i32`` count of ``String`` addresses and
  host names), ``i32`` count of removed nodes (raw ids).
"""

from __future__ import annotations

import struct
import uuid
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from pyignite.datatypes.base import CodecContext, decode, encode
from pyignite.exceptions import ClusterError, ParseError
from pyignite.protocol import op_codes as op
from pyignite.protocol.frames import new_request
from pyignite.protocol.request import Request

__all__ = [
    "ClusterNode",
    "NodeEndpoint",
    "NodeVersion",
    "change_state",
    "change_wal_state",
    "get_state",
    "get_wal_state",
    "node_endpoints",
    "node_ids",
    "node_info",
]

_BYTE = struct.Struct("<b")
_INT = struct.Struct("<i")
_LONG = struct.Struct("<q")
_SHORT = struct.Struct("<h")
_UUID = struct.Struct("<qq")
_BOOL = struct.Struct("<?")

PROJECTION_ATTRIBUTE = 1
PROJECTION_NODE_TYPE = 2

_MASK64 = 0xFFFFFFFFFFFFFFFF

#: type code of an object serialized by Ignite's optimized marshaller (``i32`` length, then bytes)
OPTM_MARSH = 0xFE


class NodeVersion(NamedTuple):
    """Ignite product version of a node."""

    major: int
    minor: int
    maintenance: int
    stage: Optional[str]
    revision_timestamp: int
    revision_hash: Optional[bytes]

    def __str__(self) -> str:
        stage = f"-{self.stage}" if self.stage else ""
        return f"{self.major}.{self.minor}.{self.maintenance}{stage}"


class ClusterNode(NamedTuple):
    """A node of the cluster, as ``OP_CLUSTER_GROUP_GET_NODE_INFO`` describes it.

    ``attributes`` holds the node attributes a Python client can read (strings, numbers, booleans,
    collections...); those whose values are Java-serialized objects are left out.
    """

    id: uuid.UUID
    consistent_id: Any
    order: int
    addresses: List[str]
    host_names: List[str]
    is_local: bool
    is_daemon: bool
    is_client: bool
    attributes: Dict[str, Any]
    version: NodeVersion


class NodeEndpoint(NamedTuple):
    """Where the thin client connector of a server node listens."""

    node_id: uuid.UUID
    port: int
    addresses: List[str]


def _raw_uuid(frame: bytes, pos: int) -> uuid.UUID:
    msb, lsb = _UUID.unpack_from(frame, pos)
    return uuid.UUID(int=((msb & _MASK64) << 64) | (lsb & _MASK64))


def _pack_uuid(buf: bytearray, node_id: uuid.UUID) -> None:
    value = node_id.int
    msb = value >> 64
    lsb = value & _MASK64
    buf += _UUID.pack(msb - (1 << 64) if msb >= 1 << 63 else msb, lsb - (1 << 64) if lsb >= 1 << 63 else lsb)


def _truncated(what: str) -> ParseError:
    return ParseError(f"truncated {what} reply")


# --- state -----------------------------------------------------------------------------------------

def _parse_byte(frame: bytes, pos: int, ctx: CodecContext) -> int:
    if pos >= len(frame):
        raise _truncated("cluster state")
    return _BYTE.unpack_from(frame, pos)[0]


def _parse_bool(frame: bytes, pos: int, ctx: CodecContext) -> bool:
    if pos >= len(frame):
        raise _truncated("cluster")
    return frame[pos] != 0


def get_state() -> Request:
    """``OP_CLUSTER_GET_STATE``; the parsed reply is the state ordinal (int)."""
    return Request(new_request(op.OP_CLUSTER_GET_STATE), _parse_byte, ClusterError, "cluster state")


def change_state(state: int) -> Request:
    """``OP_CLUSTER_CHANGE_STATE`` to the state ordinal ``state`` (validated by the caller)."""
    buf = new_request(op.OP_CLUSTER_CHANGE_STATE)
    buf += _BYTE.pack(state)
    return Request(buf, None, ClusterError, f"cluster state change to {state}")


def change_wal_state(cache_name: str, enable: bool) -> Request:
    """``OP_CLUSTER_CHANGE_WAL_STATE``; the parsed reply tells whether the state changed."""
    buf = new_request(op.OP_CLUSTER_CHANGE_WAL_STATE)
    encode(buf, cache_name)
    buf += _BOOL.pack(enable)
    return Request(buf, _parse_bool, ClusterError, f"WAL of cache {cache_name!r}")


def get_wal_state(cache_name: str) -> Request:
    """``OP_CLUSTER_GET_WAL_STATE``; the parsed reply tells whether the WAL is enabled."""
    buf = new_request(op.OP_CLUSTER_GET_WAL_STATE)
    encode(buf, cache_name)
    return Request(buf, _parse_bool, ClusterError, f"WAL of cache {cache_name!r}")


# --- nodes -----------------------------------------------------------------------------------------

def _parse_node_ids(frame: bytes, pos: int, ctx: CodecContext) -> Tuple[Optional[int], List[uuid.UUID]]:
    try:
        if frame[pos] == 0:
            return None, []
        (top_ver,) = _LONG.unpack_from(frame, pos + 1)
        (count,) = _INT.unpack_from(frame, pos + 9)
        pos += 13
        if count < 0 or pos + 16 * count > len(frame):
            raise ParseError(f"node id count {count} exceeds the reply")
        ids = [_raw_uuid(frame, pos + 16 * i) for i in range(count)]
    except (struct.error, IndexError):
        raise _truncated("node ids") from None
    return top_ver, ids


def node_ids(
    known_topology: int = -1, servers_only: Optional[bool] = None, attributes: Iterable[Tuple[str, Any]] = (),
) -> Request:
    """``OP_CLUSTER_GROUP_GET_NODE_IDS``.

    The parsed reply is ``(topology_version, [UUID, ...])``, or ``(None, [])`` when the topology is
    not newer than ``known_topology``. ``servers_only``: ``True`` server nodes, ``False`` client
    nodes, ``None`` all nodes; ``attributes``: ``(name, value)`` pairs the nodes' attributes must
    all equal.
    """
    attributes = list(attributes)
    buf = new_request(op.OP_CLUSTER_GROUP_GET_NODE_IDS)
    buf += _LONG.pack(known_topology)
    buf += _INT.pack(len(attributes) + (servers_only is not None))
    for name, value in attributes:
        buf += _SHORT.pack(PROJECTION_ATTRIBUTE)
        encode(buf, name)
        encode(buf, value)
    if servers_only is not None:
        buf += _SHORT.pack(PROJECTION_NODE_TYPE) + _BOOL.pack(servers_only)
    return Request(buf, _parse_node_ids, ClusterError, "cluster node ids")


def _decode_str_list(frame: bytes, pos: int, ctx: CodecContext) -> Tuple[List[str], int]:
    value, pos = decode(frame, pos, ctx)
    if value is None:
        return [], pos
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], int):
        value = value[1]  # a (collection type, items) pair from the collection codec
    return list(value), pos


def _parse_node_info(frame: bytes, pos: int, ctx: CodecContext) -> List[ClusterNode]:
    try:
        (count,) = _INT.unpack_from(frame, pos)
        pos += 4
        nodes = []
        for _ in range(count):
            node_id, pos = decode(frame, pos, ctx)
            (n_attrs,) = _INT.unpack_from(frame, pos)
            pos += 4
            attrs: Dict[str, Any] = {}
            for _ in range(n_attrs):
                name, pos = decode(frame, pos, ctx)
                if frame[pos] == OPTM_MARSH:  # a Java-serialized object: unreadable here, left out
                    (length,) = _INT.unpack_from(frame, pos + 1)
                    if length < 0:
                        raise ParseError(f"negative length of attribute {name!r}")
                    pos += 5 + length
                    continue
                attrs[name], pos = decode(frame, pos, ctx)
            addresses, pos = _decode_str_list(frame, pos, ctx)
            host_names, pos = _decode_str_list(frame, pos, ctx)
            (order,) = _LONG.unpack_from(frame, pos)
            is_local, is_daemon, is_client = (b != 0 for b in frame[pos + 8 : pos + 11])
            pos += 11
            consistent_id, pos = decode(frame, pos, ctx)
            major, minor, maintenance = frame[pos], frame[pos + 1], frame[pos + 2]
            stage, pos = decode(frame, pos + 3, ctx)
            (rev_ts,) = _LONG.unpack_from(frame, pos)
            rev_hash, pos = decode(frame, pos + 8, ctx)
            if rev_hash is not None:
                rev_hash = bytes(b & 0xFF for b in rev_hash)
            nodes.append(ClusterNode(
                node_id, consistent_id, order, addresses, host_names, is_local, is_daemon, is_client, attrs,
                NodeVersion(major, minor, maintenance, stage, rev_ts, rev_hash),
            ))
    except (struct.error, IndexError):
        raise _truncated("node info") from None
    return nodes


def node_info(ids: Iterable[uuid.UUID]) -> Request:
    """``OP_CLUSTER_GROUP_GET_NODE_INFO`` for the nodes ``ids``; parsed: a list of :class:`ClusterNode`."""
    ids = list(ids)
    buf = new_request(op.OP_CLUSTER_GROUP_GET_NODE_INFO)
    buf += _INT.pack(len(ids))
    for node_id in ids:
        if not isinstance(node_id, uuid.UUID):
            raise TypeError(f"node ids must be uuid.UUID, not {type(node_id).__name__}")
        _pack_uuid(buf, node_id)
    return Request(buf, _parse_node_info, ClusterError, "cluster node info")


def _parse_endpoints(
    frame: bytes, pos: int, ctx: CodecContext
) -> Tuple[int, List[NodeEndpoint], List[uuid.UUID]]:
    try:
        (top_ver,) = _LONG.unpack_from(frame, pos)
        (count,) = _INT.unpack_from(frame, pos + 8)
        pos += 12
        added = []
        for _ in range(count):
            node_id = _raw_uuid(frame, pos)
            port, n_addrs = struct.unpack_from("<ii", frame, pos + 16)
            pos += 24
            addrs = []
            for _ in range(n_addrs):
                addr, pos = decode(frame, pos, ctx)
                if addr is not None:
                    addrs.append(addr)
            added.append(NodeEndpoint(node_id, port, addrs))
        (count,) = _INT.unpack_from(frame, pos)
        pos += 4
        if count < 0 or pos + 16 * count > len(frame):
            raise ParseError(f"removed node count {count} exceeds the reply")
        removed = [_raw_uuid(frame, pos + 16 * i) for i in range(count)]
    except (struct.error, IndexError):
        raise _truncated("node endpoints") from None
    return top_ver, added, removed


def node_endpoints(start_topology: int = -1, end_topology: int = -1) -> Request:
    """``OP_CLUSTER_GROUP_GET_NODE_ENDPOINTS``.

    The parsed reply is ``(topology_version, added, removed)``: the server nodes (with a client
    connector) that joined between the two topology versions as :class:`NodeEndpoint` records, and
    the ids of those that left. With ``start_topology=-1`` ``added`` lists every such node.
    """
    buf = new_request(op.OP_CLUSTER_GROUP_GET_NODE_ENDPOINTS)
    buf += _LONG.pack(start_topology) + _LONG.pack(end_topology)
    return Request(buf, _parse_endpoints, ClusterError, "cluster node endpoints")
