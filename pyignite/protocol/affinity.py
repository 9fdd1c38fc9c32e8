"""Partition awareness, sans I/O: partition maps, Java's partition function, and which node a
single-key request should go to.

Theory of operation
-------------------
Ignite splits a ``PARTITIONED`` cache into partitions and gives each one a *primary* node. A key's
partition follows from its Java hash code, as ``RendezvousAffinityFunction`` computes it
(:func:`partition_for_hash`); a client that knows the partition map can send a single-key request
straight to the primary node, saving the server a hop.

* **Maps** (:class:`PartitionRouter`): ``OP_CACHE_PARTITIONS`` (1101) returns, per group of caches that
  share an assignment, whether the client may route their keys, each cache's *key configurations*
  (binary type id -> id of the affinity key field) and node UUID -> primary partitions. The router
  keeps one :class:`CacheAffinity` per cache id (or ``None``: not routable, e.g. a ``REPLICATED``
  cache or a custom affinity function), stamped with the affinity topology version it is valid for.
* **Topology** (:meth:`PartitionRouter.observe`): every response whose header carries the
  ``AFFINITY_TOPOLOGY_CHANGED`` flag tells the newest affinity topology version (``(major, minor)``:
  a node joined or left, a cache started, rebalancing finished...). A map older than the newest
  version seen is *stale*; the facade fetches it again before it routes the next request for that
  cache (lazily: nothing is fetched until a key of the cache is used).
* **Keys** (:func:`affinity_hash`): the hash code Ignite partitions by. For a Complex object key it is
  the hash code of its affinity key field when the cache's key configuration or the binary type's
  metadata names one (Ignite's ``CacheDefaultBinaryAffinityKeyMapper``), else the object's own hash
  code (the one in its header); for any other key, its Java ``hashCode()``
  (:func:`pyignite.datatypes.hashing.hashcode`) as the type it is sent as.
* **Routing** (:meth:`PartitionRouter.route`): a request built by the key-value builders carries
  ``req.affinity = (cache id, key, key hint)``; the router answers the primary node's UUID, or
  ``None`` when the request cannot be routed (no map yet, a cache that is not routable, a key type
  without a Java hash code). The facade turns the UUID into a connection of its
  :class:`NodePool`, or falls back to its default connection.
* **Multi-key requests** (:class:`KeySplit`, :meth:`PartitionAwareness.split`): ``get_all``,
  ``put_all``, ``contains_keys``, ``remove_keys`` and ``clear_keys`` of a partition-aware client
  carry ``req.affinity = KeySplit(...)``: the keys (or key-value pairs), how to build the same
  request for a part of them (cut out of the request's encoded frame, so no key is encoded twice)
  and how to merge the parts' answers. The router groups the keys by
  primary node; when they span several nodes the facade sends one request per node, all in flight
  at once (pipelined on the blocking client, concurrent tasks on the asyncio one), and merges the
  answers; keys that cannot be routed travel in the part for the default connection. A part whose
  node dies under it is handed to the retry policy like any request (:mod:`pyignite.protocol.retry`).
* **Connections** (:class:`NodePool`): bookkeeping of the nodes a partition-aware client keeps
  connections to -- the addresses given to ``connect()`` and those discovered with
  ``OP_CLUSTER_GROUP_GET_NODE_ENDPOINTS`` -- which of them are connected (node UUID -> connection),
  and when to try again those that are not (after a node joined or left -- a new *major* topology
  version -- or after a growing delay). The facade owns the I/O; the pool only holds the connection
  objects and says what to do next.

Feature bit ``ALL_AFFINITY_MAPPINGS`` (13) is not announced: with it the request starts with a
"custom mappings" flag and each group ends with a "default affinity" flag, for clients that map keys
with user-provided functions, which this client does not do.
"""

from __future__ import annotations

import struct
import uuid
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from pyignite.datatypes.base import NO_CONTEXT, CodecContext, decode, encode_item, is_hint
from pyignite.datatypes.complex import TYPE_CODE as COMPLEX_OBJECT_CODE
from pyignite.datatypes.complex import GenericObjectMeta
from pyignite.datatypes.hashing import hashcode
from pyignite.exceptions import CacheError, ParseError
from pyignite.protocol import op_codes as op
from pyignite.protocol.frames import new_request
from pyignite.protocol.handshake import Feature
from pyignite.protocol.request import Request

__all__ = [
    "PA_CONNECT_TIMEOUT",
    "PA_VERSION",
    "CacheAffinity",
    "KeySplit",
    "NodePool",
    "PartitionAwareness",
    "PartitionRouter",
    "TopologyVersion",
    "affinity_hash",
    "parse_partitions",
    "partition_for_hash",
    "partitions_request",
]

#: partition awareness needs this protocol version (node UUIDs, response flags)
PA_VERSION = (1, 4, 0)

#: ``(major, minor)`` affinity topology version, as response headers report it
TopologyVersion = Tuple[int, int]
Node = Tuple[str, int]

_INT = struct.Struct("<i")
_TOPVER = struct.Struct("<qi")
_PAIR = struct.Struct("<ii")
_UUID_CODE = 10

#: offset of the flags byte of a cache request (length, op code, request id, cache id)
_FLAGS_OFFSET = 18
_FLAG_TRANSACTIONAL = 0x02
_FLAG_WITH_EXPIRY_POLICY = 0x04


# --- the partition function ---------------------------------------------------------------------

def partition_for_hash(h: int, partitions: int) -> int:
    """The partition of a key whose Java hash code is ``h``, as Ignite's ``RendezvousAffinityFunction``
    computes it (``calculatePartition``): for a power-of-two count ``(h ^ (h >>> 16)) & (parts - 1)``,
    otherwise ``safeAbs(h % parts)`` with Java's ``%`` (the sign follows ``h``).

    :param h: a 32-bit hash code (signed or unsigned);
    :param partitions: the cache's partition count (> 0);
    :raises ValueError: for a partition count < 1.
    """
    if partitions < 1:
        raise ValueError(f"a cache has at least one partition, not {partitions}")
    h &= 0xFFFFFFFF
    if partitions & (partitions - 1) == 0:
        return (h ^ (h >> 16)) & (partitions - 1)
    # |h % parts| == |h| % parts; |Integer.MIN_VALUE| % parts is what safeAbs yields there too
    if h & 0x80000000:
        h = 0x100000000 - h
    return h % partitions


def key_offset(frame: Any) -> int:
    """Where the key starts in a key-value request frame (after the cache prefix)."""
    flags = frame[_FLAGS_OFFSET]
    pos = _FLAGS_OFFSET + 1
    if flags & _FLAG_WITH_EXPIRY_POLICY:
        pos += 24
    if flags & _FLAG_TRANSACTIONAL:
        pos += 4
    return pos


def affinity_hash(
    frame: Any, key: Any, hint: Any, key_configs: Optional[Dict[int, int]], ctx: CodecContext = NO_CONTEXT,
) -> Optional[int]:
    """The hash code Ignite computes the partition of ``key`` from, or ``None`` if it is unknown.

    :param frame: the request frame ``key`` was encoded into (a Complex object key's own hash code is
        read from its header there rather than encoded again);
    :param key: the key as given to the API (a value, or a ``(value, hint)`` tuple);
    :param hint: the key's type hint or ``None``;
    :param key_configs: the cache's key configurations, binary type id -> affinity key field id;
    :param ctx: the client's binary registry: the affinity key field a binary type's metadata names.
    :raises TypeError: or ValueError, NotImplementedError: a key without a Java hash code.
    """
    if hint is None and type(key) is tuple and len(key) == 2 and is_hint(key[1]):
        key, hint = key
    cls = type(key)
    if not isinstance(cls, GenericObjectMeta):
        return hashcode(key, hint)
    field = None
    if key_configs:
        fid = key_configs.get(cls._type_id)
        if fid is not None:
            try:
                field = cls._field_ids.index(fid)
            except ValueError:
                return None  # the object has no such field: Ignite would see null
    if field is None:
        type_info = getattr(ctx, "type_info", None)
        info = type_info(cls._type_id) if type_info is not None else None
        name = getattr(info, "affinity_key_field", None)
        if name is not None:
            try:
                field = cls._names.index(name)
            except ValueError:
                return None
    if field is not None:
        value = key.__dict__.get(cls._names[field])
        if value is None:
            return None
        return hashcode(value, cls._hints[field])
    pos = key_offset(frame)
    if frame[pos] == COMPLEX_OBJECT_CODE:
        return int(_INT.unpack_from(frame, pos + 8)[0])
    return hashcode(key, hint)


# --- OP_CACHE_PARTITIONS ------------------------------------------------------------------------

class CacheAffinity:
    """How the keys of one cache map to nodes.

    :ivar partitions: the partition count;
    :ivar owners: the primary node UUID of each partition (index = partition number);
    :ivar owner_ids: the same as ints (``UUID.int``): the key of :class:`NodePool`'s connections, whose
        hash and comparison, unlike a UUID's, are no Python calls on the hot path;
    :ivar key_configs: binary type id -> affinity key field id (the cache's ``CacheKeyConfiguration``).
    """

    __slots__ = ("key_configs", "mask", "node_index", "nodes", "owner_ids", "owners", "partitions")

    def __init__(self, owners: Sequence[uuid.UUID], key_configs: Dict[int, int]) -> None:
        self.owners = tuple(owners)
        self.owner_ids = tuple(o.int for o in self.owners)
        self.partitions = parts = len(self.owners)
        #: ``partitions - 1`` for a power-of-two count (most caches), whose partition of a hash is
        #: ``(h ^ (h >>> 16)) & mask`` (see :func:`partition_for_hash`); 0 for any other count
        self.mask = parts - 1 if parts & (parts - 1) == 0 else 0
        self.key_configs = key_configs
        #: the distinct primary nodes, and the index in it of each partition's primary: grouping
        #: the keys of a multi-key request by a small int is cheaper than by UUID
        self.nodes: List[uuid.UUID] = list(dict.fromkeys(self.owners))
        position = {node: i for i, node in enumerate(self.nodes)}
        self.node_index: Tuple[int, ...] = tuple(position[o] for o in self.owners)

    def node_for_hash(self, h: int) -> uuid.UUID:
        """The primary node of the partition of a key with hash code ``h``."""
        return self.owners[partition_for_hash(h, self.partitions)]

    def __repr__(self) -> str:
        return f"<CacheAffinity {self.partitions} partitions on {len(set(self.owners))} node(s)>"


def _count(frame: Any, pos: int, what: str, item_size: int = 4) -> int:
    (n,) = _INT.unpack_from(frame, pos)
    if n < 0 or pos + 4 + n * item_size > len(frame):
        raise ParseError(f"OP_CACHE_PARTITIONS reply: {what} count {n} exceeds the reply")
    return int(n)


def parse_partitions(
    frame: Any, pos: int, ctx: CodecContext = NO_CONTEXT,
) -> Tuple[TopologyVersion, Dict[int, Optional[CacheAffinity]]]:
    """Parse an ``OP_CACHE_PARTITIONS`` reply payload (without ``ALL_AFFINITY_MAPPINGS``).

    Layout (``ClientCachePartitionsResponse``): ``i64`` major and ``i32`` minor affinity topology
    version, ``i32`` group count; per group ``bool`` applicable, ``i32`` cache count, per cache ``i32``
    cache id and, if applicable, ``i32`` count of ``(i32 key type id, i32 affinity key field id)``;
    then, if applicable, ``i32`` node count, per node a UUID object, ``i32`` count and the ``i32``
    primary partitions.

    :return: the version and cache id -> :class:`CacheAffinity`, or ``None`` for caches whose keys
        cannot be routed (not applicable, or a map that does not give every partition exactly one
        primary node).
    :raises ParseError: a truncated or malformed reply.
    """
    try:
        major, minor = _TOPVER.unpack_from(frame, pos)
        pos += 12
        groups = _count(frame, pos, "group", 5)
        pos += 4
        out: Dict[int, Optional[CacheAffinity]] = {}
        for _ in range(groups):
            applicable = frame[pos] != 0
            pos += 1
            n_caches = _count(frame, pos, "cache")
            pos += 4
            caches: List[Tuple[int, Dict[int, int]]] = []
            for _ in range(n_caches):
                (cache_id,) = _INT.unpack_from(frame, pos)
                pos += 4
                configs: Dict[int, int] = {}
                if applicable:
                    n_cfg = _count(frame, pos, "key configuration", 8)
                    pos += 4
                    for _ in range(n_cfg):
                        type_id, field_id = _PAIR.unpack_from(frame, pos)
                        pos += 8
                        configs[type_id] = field_id
                caches.append((cache_id, configs))
            owners: Optional[List[Optional[uuid.UUID]]] = None
            if applicable:
                n_nodes = _count(frame, pos, "node", 21)
                pos += 4
                assigned: Dict[int, uuid.UUID] = {}
                complete = True
                for _ in range(n_nodes):
                    if frame[pos] != _UUID_CODE:
                        raise ParseError(f"OP_CACHE_PARTITIONS reply: expected a node UUID at offset {pos}")
                    node_id, pos = decode(frame, pos, ctx)
                    n_parts = _count(frame, pos, "partition")
                    pos += 4
                    for part in struct.unpack_from(f"<{n_parts}i", frame, pos):
                        if part in assigned:
                            complete = False
                        assigned[part] = node_id
                    pos += 4 * n_parts
                if complete and assigned and min(assigned) == 0 and max(assigned) == len(assigned) - 1:
                    owners = [assigned[p] for p in range(len(assigned))]
            for cache_id, configs in caches:
                out[cache_id] = CacheAffinity(owners, configs) if owners is not None else None  # type: ignore[arg-type]
        return (int(major), int(minor)), out
    except (struct.error, IndexError):
        raise ParseError("truncated OP_CACHE_PARTITIONS reply") from None


def partitions_request(cache_ids: Iterable[int], then: Optional[Callable[..., Any]] = None) -> Request:
    """``OP_CACHE_PARTITIONS``: ``i32`` count and the cache ids.

    The parsed reply is ``then(version, maps)`` if ``then`` is given, else ``(version, maps)`` (see
    :func:`parse_partitions`).
    """
    ids = list(cache_ids)
    buf = new_request(op.OP_CACHE_PARTITIONS)
    buf += _INT.pack(len(ids))
    for cid in ids:
        buf += _INT.pack(cid)

    def parse(frame: Any, pos: int, ctx: CodecContext) -> Any:
        version, maps = parse_partitions(frame, pos, ctx)
        return then(version, maps) if then is not None else (version, maps)

    return Request(buf, parse, CacheError, "cache partitions")


# --- the router -----------------------------------------------------------------------------------

class PartitionRouter:
    """Partition maps of the caches a client used, and the newest affinity topology version seen.

    Thread-safe for the way the facades use it: lookups are plain dict reads; updates replace whole
    entries. No I/O: the facade sends :meth:`partitions_request` when :meth:`stale` says so.
    """

    __slots__ = ("_caches", "latest")

    def __init__(self) -> None:
        #: the newest affinity topology version any response reported (``None``: none yet)
        self.latest: Optional[TopologyVersion] = None
        #: cache id -> (version the entry is valid for, its map or None)
        self._caches: Dict[int, Tuple[Optional[TopologyVersion], Optional[CacheAffinity]]] = {}

    def observe(self, version: Optional[TopologyVersion]) -> bool:
        """Take the affinity topology version a response reported; True if it is newer than any before."""
        if version is None:
            return False
        latest = self.latest
        if latest is None or version > latest:
            self.latest = (int(version[0]), int(version[1]))
            return True
        return False

    def stale(self, cache_id: int) -> bool:
        """Whether the map of ``cache_id`` must be fetched (never fetched, or older than :attr:`latest`)."""
        entry = self._caches.get(cache_id)
        if entry is None:
            return True
        version = entry[0]
        latest = self.latest
        return latest is not None and (version is None or version < latest)

    def affinity(self, cache_id: int) -> Optional[CacheAffinity]:
        """The current map of a cache, or ``None`` (unknown or not routable)."""
        entry = self._caches.get(cache_id)
        return entry[1] if entry is not None else None

    def partitions_request(self, cache_ids: Iterable[int]) -> Request:
        """The ``OP_CACHE_PARTITIONS`` request for ``cache_ids``; its parsing updates this router
        (every cache of the reply, and the requested ones it does not name as not routable)."""
        ids = list(cache_ids)
        asked_at = self.latest

        def then(version: TopologyVersion, maps: Dict[int, Optional[CacheAffinity]]) -> None:
            self.update(version, maps, ids, asked_at)

        return partitions_request(ids, then)

    def update(
        self,
        version: TopologyVersion,
        maps: Dict[int, Optional[CacheAffinity]],
        requested: Iterable[int] = (),
        asked_at: Optional[TopologyVersion] = None,
    ) -> None:
        """Record the maps of an ``OP_CACHE_PARTITIONS`` reply made at ``version``.

        A requested cache missing from the reply (it does not exist) is recorded as not routable.
        Only the requested caches are recorded (all of the reply when ``requested`` is empty): the
        reply also names the other caches of each cache's group, and releases before 2.14 put caches
        with other partition counts in that group too (a 17-partition cache listed beside a
        1024-partition one, with the 1024-partition map), so a cache is trusted only with the map
        asked for it. Entries are stamped with the newer of ``version`` and ``asked_at`` (the newest
        version known when the request was sent), so a reply from a node that lags behind does not
        make every request fetch the map again; the next topology change does.
        """
        self.observe(version)
        stamp: TopologyVersion = version if asked_at is None or version >= asked_at else asked_at
        caches = self._caches
        wanted = set(requested)
        for cid in wanted:
            if cid not in maps:
                caches[cid] = (stamp, None)
        for cid, aff in maps.items():
            if not wanted or cid in wanted:
                caches[cid] = (stamp, aff)

    def unroutable(self, cache_ids: Iterable[int]) -> None:
        """Do not route the keys of ``cache_ids`` until the topology changes (the server refused to
        give their map)."""
        for cid in cache_ids:
            self._caches[cid] = (self.latest, None)

    def route(self, req: Request, ctx: CodecContext = NO_CONTEXT) -> Optional[uuid.UUID]:
        """The UUID of the primary node for ``req``'s key, or ``None`` when it cannot be routed."""
        info = req.affinity
        if info is None:
            return None
        entry = self._caches.get(info[0])
        if entry is None:
            return None
        aff = entry[1]
        if aff is None:
            return None
        try:
            h = affinity_hash(req.frame, info[1], info[2], aff.key_configs, ctx)
        except (TypeError, ValueError, NotImplementedError):
            return None
        if h is None:
            return None
        return aff.node_for_hash(h)

    def node_for_key(self, cache_id: int, item: Any, ctx: CodecContext = NO_CONTEXT) -> Optional[uuid.UUID]:
        """The primary node of one key of a multi-key request (a value or a ``(value, hint)``
        tuple), or ``None`` when it cannot be routed."""
        aff = self.affinity(cache_id)
        if aff is None:
            return None
        h = key_hash(aff, item, ctx)
        return aff.node_for_hash(h) if h is not None else None

    def node_ids(self) -> Set[uuid.UUID]:
        """Every node that is the primary of some partition in the maps held."""
        out: Set[uuid.UUID] = set()
        for _, aff in self._caches.values():
            if aff is not None:
                out.update(aff.owners)
        return out


# --- the connection pool's bookkeeping ------------------------------------------------------------

#: the longest a connection to another node of the pool may take (connecting and the handshake), so
#: that a node that does not answer holds ``connect()`` and the request that retries it that long at most
PA_CONNECT_TIMEOUT = 2.0

#: seconds before the first retry of a node that could not be connected; doubled on each failure
RETRY_DELAY = 1.0
#: the longest delay between two retries of the same node
MAX_RETRY_DELAY = 30.0


class _Entry:
    __slots__ = ("conn", "delay", "next_try")

    def __init__(self) -> None:
        self.conn: Any = None
        self.delay = RETRY_DELAY
        self.next_try = 0.0


class NodePool:
    """Which nodes a partition-aware client keeps connections to, and when to (re)connect them.

    :param seeds: the addresses given to ``connect()`` (duplicates are dropped).

    The facade opens the connections; this class records them (:meth:`connected`, :meth:`failed`),
    maps node UUIDs to live connections (:meth:`connection`) and says which addresses to try
    (:meth:`due`): all those without a live connection after the cluster's membership changed (the
    *major* affinity topology version: a node joined or left, so one may have come back), otherwise
    each after a delay that doubles with every failure (1 s to 30 s); and when to look nodes up among
    the node endpoints (:meth:`discovery_due`: once per membership).
    Connection objects only need ``alive`` and ``node_uuid`` attributes. Time is passed in (``now``,
    from a monotonic clock), so this stays free of I/O and clocks.

    Threads: the blocking client calls :meth:`connection`, :meth:`live`, :meth:`upkeep_due`,
    :meth:`lost` and :meth:`lost_node` from any thread and everything else under its lock; those
    methods therefore never iterate a dict that the others may grow.
    """

    __slots__ = ("_by_node", "_discovered_at", "_entries", "_upkeep_at", "_wake")

    def __init__(self, seeds: Iterable[Node] = ()) -> None:
        self._entries: Dict[Node, _Entry] = {}
        #: node UUID (as an int, ``UUID.int``: see CacheAffinity.owner_ids) -> its connection
        self._by_node: Dict[int, Any] = {}
        #: the earliest time an address without a connection is due (inf: none)
        self._wake = float("inf")
        #: the major topology version the last upkeep ran at
        self._upkeep_at: Optional[int] = None
        #: the major topology version node endpoints were last asked at (discovery)
        self._discovered_at: Optional[int] = None
        for node in seeds:
            self.add(node)

    def __repr__(self) -> str:
        live = sum(1 for e in self._entries.values() if e.conn is not None and e.conn.alive)
        return f"<NodePool {live}/{len(self._entries)} connected>"

    @property
    def addresses(self) -> List[Node]:
        return list(self._entries)

    def add(self, node: Node) -> None:
        """Know ``node`` (a seed or a discovered address); it is due for a connection at once."""
        if node not in self._entries:
            self._entries[node] = _Entry()
            self._wake = 0.0

    def connection(self, node_id: uuid.UUID) -> Any:
        """The live connection to the node with UUID ``node_id``, or ``None``."""
        conn = self._by_node.get(node_id.int)
        if conn is not None and conn.alive:
            return conn
        return None

    def live(self, node: Node) -> Any:
        """The live connection to address ``node``, or ``None``."""
        entry = self._entries.get(node)
        if entry is not None and entry.conn is not None and entry.conn.alive:
            return entry.conn
        return None

    def connections(self) -> List[Any]:
        """Every connection object held (live or not)."""
        return [e.conn for e in self._entries.values() if e.conn is not None]

    def connected(self, node: Node, conn: Any) -> None:
        """``conn`` (handshake done) is the connection to address ``node``."""
        self.add(node)
        entry = self._entries[node]
        entry.conn = conn
        entry.delay = RETRY_DELAY
        if conn.node_uuid is not None:
            self._by_node[conn.node_uuid.int] = conn

    def failed(self, node: Node, now: float) -> None:
        """Connecting to ``node`` failed at time ``now``: retry after the node's current delay."""
        self.add(node)
        entry = self._entries[node]
        entry.conn = None
        entry.next_try = now + entry.delay
        entry.delay = min(entry.delay * 2, MAX_RETRY_DELAY)
        self._wake = min(e.next_try for e in self._entries.values() if e.conn is None or not e.conn.alive)

    def lost(self, conn: Any, now: float) -> None:
        """A connection of the pool was found broken (or closed): its address is due for
        reconnection at once. Later calls for the same connection change nothing."""
        for node_id, held in list(self._by_node.items()):
            if held is conn:
                del self._by_node[node_id]
        # a snapshot: the facade calls this without its lock while another thread, holding it, may
        # add addresses (discovery, failover to a node that was not a seed)
        for entry in list(self._entries.values()):
            if entry.conn is conn:
                entry.conn = None
                entry.next_try = min(entry.next_try, now)
                self._wake = min(self._wake, entry.next_try)

    def lost_node(self, node_id: uuid.UUID, now: float) -> None:
        """A request for node ``node_id`` found no live connection: if it had one, reconnect it
        (see :meth:`lost`); an unknown node is left to discovery."""
        conn = self._by_node.get(node_id.int)
        if conn is not None:
            self.lost(conn, now)

    def upkeep_due(self, now: float, version: Optional[TopologyVersion]) -> bool:
        """Whether the facade should run an upkeep (:meth:`due`, discovery) before routing: the
        cluster's membership changed since the last one, or an address is due."""
        return now >= self._wake or (version[0] if version is not None else None) != self._upkeep_at

    def due(self, now: float, version: Optional[TopologyVersion]) -> List[Node]:
        """The addresses to connect now (and start an upkeep at ``version``): those without a live
        connection -- all of them when the membership changed since the last upkeep, otherwise those
        whose retry time has come."""
        major = version[0] if version is not None else None
        changed = major != self._upkeep_at
        self._upkeep_at = major
        out = []
        wake = float("inf")
        for node, entry in self._entries.items():
            if entry.conn is not None and entry.conn.alive:
                continue
            if changed or entry.next_try <= now:
                out.append(node)
                entry.next_try = now + entry.delay  # until failed() or connected() says more
            wake = min(wake, entry.next_try)
        self._wake = wake
        return out

    def discovery_due(self, version: Optional[TopologyVersion]) -> bool:
        """Whether to ask for the node endpoints now (then the facade does): not yet at this major
        topology version. Call it only when some node of the maps has no connection."""
        if version is None or version[0] == self._discovered_at:
            return False
        self._discovered_at = version[0]
        return True

    def missing(self, node_ids: Iterable[uuid.UUID]) -> Set[uuid.UUID]:
        """The nodes of ``node_ids`` without a live connection."""
        return {n for n in node_ids if self.connection(n) is None}

    def candidates(self, endpoints: Iterable[Any], wanted: Set[uuid.UUID]) -> List[Tuple[uuid.UUID, List[Node]]]:
        """For discovered node endpoints (``node_id``, ``port``, ``addresses``), the addresses to try
        for each node of ``wanted`` -- seed hosts first, link-local IPv6 addresses left out."""
        hosts = [host for host, _ in self._entries]
        out = []
        for ep in endpoints:
            if ep.node_id not in wanted:
                continue
            addrs = [a for a in ep.addresses if isinstance(a, str) and a and "%" not in a]
            addrs.sort(key=lambda a: (hosts.index(a) if a in hosts else len(hosts), ":" in a))
            nodes = [(a, ep.port) for a in addrs if (a, ep.port) not in self._entries]
            if nodes:
                out.append((ep.node_id, nodes))
        return out


_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def key_hash(aff: CacheAffinity, item: Any, ctx: CodecContext = NO_CONTEXT) -> Optional[int]:
    """The hash code Ignite partitions one key of a multi-key request by (a value or a
    ``(value, hint)`` tuple), or ``None`` when it has none."""
    if type(item) is int and _LONG_MIN <= item <= _LONG_MAX:  # the common case: a Long key
        v = item & 0xFFFFFFFFFFFFFFFF
        return (v ^ (v >> 32)) & 0xFFFFFFFF  # Long.hashCode
    key = item[0] if type(item) is tuple and len(item) == 2 and is_hint(item[1]) else item
    frame: Any = b""
    if isinstance(type(key), GenericObjectMeta):  # its own hash code is read from its encoding
        frame = bytearray(_FLAGS_OFFSET + 1)  # a cache request prefix without flags
        encode_item(frame, item, ctx)
    try:
        return affinity_hash(frame, item, None, aff.key_configs, ctx)
    except (TypeError, ValueError, NotImplementedError):
        return None


class KeySplit:
    """What a multi-key request carries in ``req.affinity`` for a partition-aware client.

    :ivar cache_id: the cache;
    :ivar items: the keys (values or ``(value, hint)`` tuples), or ``(key, value)`` pairs for
        ``put_all`` (``pairs`` True);
    :ivar build: ``build(indices) -> Request``: the same operation for the items at ``indices`` (in
        that order);
    :ivar merge: ``merge(results) -> result``: the answer from the parts' answers.
    """

    __slots__ = ("build", "cache_id", "items", "merge", "pairs")

    def __init__(
        self, cache_id: int, items: List[Any], build: Callable[[List[Any]], Request],
        merge: Callable[[List[Any]], Any], pairs: bool = False,
    ) -> None:
        self.cache_id = cache_id
        self.items = items
        self.build = build
        self.merge = merge
        self.pairs = pairs

    def __getitem__(self, index: int) -> Any:  # the cache id where single-key routing reads it
        if index == 0:
            return self.cache_id
        raise IndexError(index)


def merge_dicts(results: List[Any]) -> dict:
    out: dict = {}
    for part in results:
        out.update(part)
    return out


def merge_all(results: List[Any]) -> bool:
    return all(results)


def merge_none(results: List[Any]) -> None:
    return None


class PartitionAwareness:
    """The partition awareness state of one client: its :class:`PartitionRouter` and :class:`NodePool`.

    :param seeds: the addresses to keep connections to (see
        :func:`pyignite.api_base.partition_aware_seeds`).
    """

    __slots__ = ("pool", "router")

    def __init__(self, seeds: Iterable[Node] = ()) -> None:
        self.router = PartitionRouter()
        self.pool = NodePool(seeds)

    def observe(self, conn: Any) -> None:
        """Take the affinity topology version the last replies on ``conn`` reported."""
        version = conn.topology
        if version is not None and version != self.router.latest:
            self.router.observe(version)

    # --- the facades' decisions (the same for Client and AioClient; no I/O) ---------------------

    @staticmethod
    def supported(conn: Any) -> bool:
        """Whether partition awareness can stay on over ``conn`` (the default connection after
        ``connect()``): it needs protocol :data:`PA_VERSION` or newer."""
        version = None if conn is None else conn.protocol_version
        return version is not None and tuple(version) >= PA_VERSION

    def refresh_due(self, cache_id: int, now: float) -> bool:
        """Whether to refresh (the map of ``cache_id`` is stale, or an upkeep is due) before routing."""
        router = self.router
        return router.stale(cache_id) or self.pool.upkeep_due(now, router.latest)

    def routed(self, req: Request, ctx: CodecContext, now: float) -> Any:
        """The live pool connection to the primary node of ``req``'s key (or to ``req.node``), or
        ``None`` (send ``req`` on the default connection): the key cannot be routed, or its node has
        no live connection (then that node is marked for reconnection)."""
        node_id = req.node if req.node is not None else self.router.route(req, ctx)
        if node_id is None:
            return None
        conn = self.pool.connection(node_id)
        if conn is None:
            self.pool.lost_node(node_id, now)
        return conn

    def plain_route(self, cache_id: int, key: Any, ctx: CodecContext, now: float) -> Any:
        """For the facades' plain single-key path (``Client._plain``): the live pool connection to
        the primary node of ``key`` when routing needs nothing done first -- the cache's map is
        current, no upkeep is due, the key has a hash code and its node a live connection. ``None``
        otherwise: the general path (:meth:`refresh_due`, :meth:`routed`) then refreshes, falls
        back to the default connection or marks the node for reconnection, as it always does.

        It runs on every plain request, so the checks of :meth:`refresh_due`
        (:meth:`PartitionRouter.stale`, :meth:`NodePool.upkeep_due`), :func:`key_hash` for a
        Long key and :func:`partition_for_hash` for a power-of-two count are written out here, in
        one call; the tests hold them to the methods' answers."""
        router, pool = self.router, self.pool
        entry = router._caches.get(cache_id)
        if entry is None:
            return None
        version, aff = entry
        latest = router.latest
        if aff is None or (latest is not None and (version is None or version < latest)):
            return None  # never fetched, not routable or stale
        if now >= pool._wake or (latest[0] if latest is not None else None) != pool._upkeep_at:
            return None  # an upkeep is due
        h: Optional[int]
        if type(key) is int and _LONG_MIN <= key <= _LONG_MAX:
            h = key & 0xFFFFFFFFFFFFFFFF
            h = (h ^ (h >> 32)) & 0xFFFFFFFF  # Long.hashCode
        else:
            h = key_hash(aff, key, ctx)
            if h is None:
                return None
            h &= 0xFFFFFFFF
        mask = aff.mask
        part = (h ^ (h >> 16)) & mask if mask else partition_for_hash(h, aff.partitions)
        conn = pool._by_node.get(aff.owner_ids[part])
        if conn is not None and conn.alive:
            return conn
        return None

    def split(self, split: KeySplit, ctx: CodecContext, now: float) -> Dict[Any, List[int]]:
        """Group the items of a multi-key request -- their indices in ``split.items`` -- by the live
        pool connection to their primary node (``None``: the default connection -- keys that cannot
        be routed, or whose node has no live connection, which is then marked for reconnection).
        Order within a group is kept."""
        aff = self.router.affinity(split.cache_id)
        if aff is None:
            return {None: list(range(len(split.items)))}
        index = aff.node_index
        parts = aff.partitions
        mask = aff.mask
        by_node: Dict[int, List[int]] = {}
        unroutable: List[int] = []
        pairs = split.pairs
        for i, item in enumerate(split.items):
            h = key_hash(aff, item[0] if pairs else item, ctx)
            if h is None:
                unroutable.append(i)
                continue
            # partition_for_hash, inlined for the power-of-two partition counts of most caches
            h &= 0xFFFFFFFF
            part = (h ^ (h >> 16)) & mask if mask else partition_for_hash(h, parts)
            node = index[part]
            group = by_node.get(node)
            if group is None:
                by_node[node] = group = []
            group.append(i)
        groups: Dict[Any, List[int]] = {}
        for node, indices in by_node.items():
            node_id = aff.nodes[node]
            conn = self.pool.connection(node_id)
            if conn is None:
                self.pool.lost_node(node_id, now)
            groups.setdefault(conn, []).extend(indices)
        if unroutable:
            groups.setdefault(None, []).extend(unroutable)
        return groups

    def retry_elsewhere(self, conn: Any, default: Any, now: float) -> bool:
        """A routed request on ``conn`` failed with a ``SocketError``: True if the node died under it
        (``conn`` is broken and is not the ``default`` connection), so the request is sent once more
        on the default connection -- ``conn`` is then marked for reconnection; False to raise the
        error as without routing (a timeout on a live connection, or the default connection)."""
        if conn.alive or conn is default:
            return False
        self.pool.lost(conn, now)
        return True

    def to_discover(self, conn: Any) -> Set[uuid.UUID]:
        """After an upkeep connected what was due: the nodes the maps name without a live connection,
        to look up among the node endpoints ``conn`` (the default connection) lists -- empty when
        there is nothing to look up, when that was done at this membership already, or when ``conn``
        lacks ``CLUSTER_GROUP_GET_NODES_ENDPOINTS``."""
        missing = self.pool.missing(self.router.node_ids())
        if not missing or not self.pool.discovery_due(self.router.latest):
            return set()
        if conn is None or Feature.CLUSTER_GROUP_GET_NODES_ENDPOINTS not in conn.features:
            return set()
        return missing

    @staticmethod
    def accepts(conn: Any, node_id: Optional[uuid.UUID]) -> bool:
        """Whether a new connection belongs in the pool: for a discovered address (``node_id`` given)
        the node answering must be that node (another may have taken the address)."""
        return node_id is None or conn.node_uuid == node_id

    def __repr__(self) -> str:
        return f"<PartitionAwareness {self.pool!r} topology {self.router.latest}>"
