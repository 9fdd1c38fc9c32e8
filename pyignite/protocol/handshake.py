"""The protocol handshake, sans I/O.

The client proposes a protocol version (1.7.0 first) with its feature bitmask and optional
credentials. The server either accepts -- answering with its own feature bitmask (>= 1.7.0) and its
node UUID (>= 1.4.0) -- or refuses, naming the version it would accept and a message. The transport
retries on a new socket with the offered version if it is one we support (down to 1.2.0).
"""

from __future__ import annotations

import struct
import uuid
from typing import FrozenSet, Iterable, Optional, Tuple

from pyignite.exceptions import ParseError

__all__ = [
    "Feature",
    "HandshakeResult",
    "PROTOCOL_VERSIONS",
    "build_handshake",
    "features_to_bytes",
    "parse_handshake",
]

Version = Tuple[int, int, int]

#: Protocol versions this client speaks, newest first.
PROTOCOL_VERSIONS: Tuple[Version, ...] = (
    (1, 7, 0),
    (1, 6, 0),
    (1, 5, 0),
    (1, 4, 0),
    (1, 3, 0),
    (1, 2, 0),
)
LATEST: Version = PROTOCOL_VERSIONS[0]

HANDSHAKE_CODE = 1
THIN_CLIENT_CODE = 2


class Feature:
    """Bits of the protocol feature bitmask (protocol >= 1.7.0, ``ClientBitmaskFeature``)."""

    USER_ATTRIBUTES = 0
    EXECUTE_TASK_BY_NAME = 1
    CLUSTER_STATES = 2
    CLUSTER_GROUP_GET_NODES_ENDPOINTS = 3
    CLUSTER_GROUPS = 4
    SERVICE_INVOKE = 5
    DEFAULT_QRY_TIMEOUT = 6
    QRY_PARTITIONS_BATCH_SIZE = 7
    BINARY_CONFIGURATION = 8
    GET_SERVICE_DESCRIPTORS = 9
    SERVICE_INVOKE_CALLCTX = 10
    HEARTBEAT = 11
    DATA_REPLICATION_OPERATIONS = 12
    ALL_AFFINITY_MAPPINGS = 13
    INDEX_QUERY = 14
    INDEX_QUERY_LIMIT = 15
    SERVICE_TOPOLOGY = 16
    CACHE_INVOKE = 17
    TX_AWARE_QUERIES = 18


#: The features this client implements and announces. Only bits whose message formats we handle
#: may be listed: a bit changes what the server sends.
CLIENT_FEATURES: FrozenSet[int] = frozenset(
    {
        Feature.EXECUTE_TASK_BY_NAME,
        Feature.CLUSTER_STATES,
        Feature.CLUSTER_GROUP_GET_NODES_ENDPOINTS,
        Feature.CLUSTER_GROUPS,
        Feature.SERVICE_INVOKE,
        Feature.GET_SERVICE_DESCRIPTORS,
        Feature.SERVICE_INVOKE_CALLCTX,
        Feature.HEARTBEAT,
        Feature.INDEX_QUERY,
        Feature.INDEX_QUERY_LIMIT,
        Feature.SERVICE_TOPOLOGY,
    }
)


def features_to_bytes(features: Iterable[int]) -> bytes:
    bits = 0
    for f in features:
        bits |= 1 << f
    length = (bits.bit_length() + 7) // 8
    return bits.to_bytes(length, "little")


def features_from_bytes(data: bytes) -> FrozenSet[int]:
    bits = int.from_bytes(data, "little")
    return frozenset(i for i in range(bits.bit_length()) if bits >> i & 1)


def _string(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack("<Bi", 9, len(data)) + data


def build_handshake(
    version: Version,
    features: Iterable[int] = CLIENT_FEATURES,
    username: Optional[str] = None,
    password: Optional[str] = None,
) -> bytes:
    """The complete handshake request frame (length prefix included)."""
    body = bytearray(struct.pack("<BhhhB", HANDSHAKE_CODE, *version, THIN_CLIENT_CODE))
    if version >= (1, 7, 0):
        fbytes = features_to_bytes(features)
        body += struct.pack("<Bi", 12, len(fbytes)) + fbytes
    if version >= (1, 1, 0) and username is not None:
        body += _string(username)
        body += _string(password if password is not None else "")
    return struct.pack("<i", len(body)) + bytes(body)


class HandshakeResult:
    """The server's answer to a handshake."""

    __slots__ = ("features", "message", "node_uuid", "server_version", "status", "success", "version")

    def __init__(
        self,
        success: bool,
        version: Version,
        features: FrozenSet[int] = frozenset(),
        node_uuid: Optional[uuid.UUID] = None,
        server_version: Optional[Version] = None,
        message: str = "",
        status: Optional[int] = None,
    ) -> None:
        self.success = success
        self.version = version
        self.features = features
        self.node_uuid = node_uuid
        self.server_version = server_version
        self.message = message
        self.status = status


def _uuid_at(frame: bytes, pos: int) -> Tuple[Optional[uuid.UUID], int]:
    code = frame[pos]
    if code == 101:
        return None, pos + 1
    if code != 10:
        raise ParseError(f"expected a node UUID in the handshake reply, found type code {code}")
    msb, lsb = struct.unpack_from("<qq", frame, pos + 1)
    return uuid.UUID(int=((msb & 0xFFFFFFFFFFFFFFFF) << 64) | (lsb & 0xFFFFFFFFFFFFFFFF)), pos + 17


def _length_at(frame: bytes, pos: int, what: str) -> int:
    """The i32 length at ``pos`` of data that follows it, checked against the frame."""
    (n,) = struct.unpack_from("<i", frame, pos)
    if n < 0 or pos + 4 + n > len(frame):
        raise ParseError(f"garbled handshake reply: the {what} claims {n} bytes, {len(frame) - pos - 4} remain")
    return n


def parse_handshake(frame: bytes, version: Version) -> HandshakeResult:
    """Parse a handshake reply frame (without its length prefix) to a request for ``version``."""
    try:
        if not frame:
            raise ParseError("empty handshake reply")
        if frame[0] == 1:
            pos = 1
            features: FrozenSet[int] = frozenset()
            node = None
            if version >= (1, 7, 0) and pos < len(frame):
                if frame[pos] != 12:
                    raise ParseError("expected the server feature byte array in the handshake reply")
                n = _length_at(frame, pos + 1, "server feature byte array")
                features = features_from_bytes(bytes(frame[pos + 5 : pos + 5 + n]))
                pos += 5 + n
            if version >= (1, 4, 0) and pos < len(frame):
                node, pos = _uuid_at(frame, pos)
            return HandshakeResult(True, version, features, node)
        server_version = struct.unpack_from("<hhh", frame, 1)
        pos = 7
        message = ""
        if pos < len(frame):
            code = frame[pos]
            if code == 9:
                n = _length_at(frame, pos + 1, "error message")
                message = bytes(frame[pos + 5 : pos + 5 + n]).decode("utf-8", "replace")
                pos += 5 + n
            elif code == 101:
                pos += 1
        status = None
        if pos + 4 <= len(frame):
            (status,) = struct.unpack_from("<i", frame, pos)
        return HandshakeResult(
            False, version, server_version=(server_version[0], server_version[1], server_version[2]),
            message=message, status=status,
        )
    except (struct.error, IndexError):
        raise ParseError(f"truncated handshake reply ({len(frame)} bytes)") from None
