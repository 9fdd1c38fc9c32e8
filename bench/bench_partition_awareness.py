"""Single-key throughput on a 3-node cluster, with partition awareness on and off: this package vs
the official pyignite 0.6.1 (its ``partition_aware`` option on and off), in the same run.

What is measured: cache GET of an int key with a short string value, and PUT of the same, over
1000 keys spread over the three nodes --

* blocking client, one thread, one request at a time;
* asyncio client, 32 concurrent tasks on one client, and 64 (the issue's figure: single-key gets
  and puts only);

and multi-key GET_ALL and PUT_ALL of 100 keys at a time (calls per second), blocking and asyncio
(32 tasks) -- a partition-aware client splits each call by primary node and sends the parts to
the three nodes at once --

each with ``partition_aware=True`` (every request goes to its key's primary node; the client keeps a
connection to each node) and ``partition_aware=False`` (every request goes through the one node the
client is connected to, which forwards two thirds of them to another node). Both clients are given
the same list of the three nodes. The table's rows pair our client with the official one in the same
mode; the lines after it show what partition awareness gains each client.

On the two-core machines of CI the three Ignite nodes and the client share the cores, so the gain is
smaller than on a real network, where the extra hop costs a network round trip.

Run: ``PYIGNITE_PORT_OFFSET=<n> .venv/bin/python bench/bench_partition_awareness.py [--quick]
[--port P] [--seconds S] [--pin]``. It starts its own 3-node cluster (client ports ``P``..``P+2``, default
11030 + offset) and stops it at the end. ``--pin`` runs the three nodes on the first CPU and the
clients on the others (:func:`bench.common.pin_apart`): steadier rounds, but three nodes on one core
are slower than the client, so the rates are the nodes' more than the client's.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import struct
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BareTasks, Row, ignite_cluster, pin_apart, print_table, run_official, save_results
from pyignite import AioClient, Client

CACHE = "bench_partition_awareness"
KEYS = 1000
VALUE = "value-" + "x" * 26  # a 32-character string
TASKS = 32
TASKS64 = 64  # the rows "aio get/put, 64 tasks"
BATCH = 100  # keys per get_all / put_all
BATCHES = [list(range(i, KEYS, KEYS // BATCH)) for i in range(KEYS // BATCH)]  # keys spread over the nodes


# --- ours ----------------------------------------------------------------------------------------------

def rate(op: Callable[[int], Any], seconds: float, repeat: int) -> float:
    """Best of ``repeat`` runs of ``seconds``: operations per second of ``op(key)`` in a loop."""
    best = 0.0
    for _ in range(repeat):
        n = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            for _ in range(50):
                op((n * 7919) % KEYS)
                n += 1
        best = max(best, n / (time.perf_counter() - started))
    return best


async def _count_ops(op: Callable[[int], Any], t: int, deadline: float, counts: List[int]) -> None:
    n = 0
    while time.perf_counter() < deadline:
        for _ in range(20):
            await op((t * 7919 + n * 31) % KEYS)
            n += 1
    counts[t] = n


async def rate_tasks(op: Callable[[int], Any], seconds: float, repeat: int, tasks: int = TASKS) -> float:
    """Best of ``repeat`` runs: operations per second of ``tasks`` concurrent tasks awaiting ``op``."""
    best = 0.0
    for _ in range(repeat):
        counts = [0] * tasks
        started = time.perf_counter()
        await asyncio.gather(*(_count_ops(op, t, started + seconds, counts) for t in range(tasks)))
        best = max(best, sum(counts) / (time.perf_counter() - started))
    return best


# --- the floor: bare sockets to the nodes, pre-encoded requests, replies only framed --------------------

class RawNodes:
    """One bare socket per node (handshake done). Each key's request goes to the port the client
    under test sends it to, so the floor does the same routing with no Python client work at all."""

    def __init__(self, ports: List[int]) -> None:
        from pyignite.protocol.handshake import build_handshake

        self.socks: Dict[int, socket.socket] = {}
        self.bufs: Dict[int, bytearray] = {}
        for port in ports:
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(bytes(build_handshake((1, 7, 0))))
            self.socks[port], self.bufs[port] = sock, bytearray()
            (size,) = struct.unpack("<i", self._read(port, 4))
            assert self._read(port, size)[0] == 1, "handshake refused"

    def _read(self, port: int, n: int) -> bytes:
        buf, sock = self.bufs[port], self.socks[port]
        while len(buf) < n:
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        out = bytes(buf[:n])
        del buf[:n]
        return out

    def _reply(self, port: int) -> None:
        (size,) = struct.unpack("<i", self._read(port, 4))
        self._read(port, size)

    def rate(self, requests: List[Tuple[int, bytes]], window: int, seconds: float, repeat: int) -> float:
        """Best of ``repeat``: requests per second with ``window`` of them in flight (spread over the
        nodes as they come), ``requests`` being ``(port, frame)`` in the order the client sends them."""
        batches = []
        for i in range(0, len(requests) - window + 1, window):
            per_port: Dict[int, List[bytes]] = {}
            for port, frame in requests[i:i + window]:
                per_port.setdefault(port, []).append(frame)
            batches.append([(port, b"".join(frames), len(frames)) for port, frames in per_port.items()])
        best = 0.0
        for _ in range(repeat):
            n = 0
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                for batch in batches:
                    for port, data, _count in batch:
                        self.socks[port].sendall(data)
                    for port, _data, count in batch:
                        for _ in range(count):
                            self._reply(port)
                    n += window
            best = max(best, n / (time.perf_counter() - started))
        return best

    def close(self) -> None:
        for sock in self.socks.values():
            sock.close()


async def _bare_tasks(ports: List[int]) -> Dict[int, BareTasks]:
    """One :class:`BareTasks` per node, handshake done."""
    from pyignite.protocol.handshake import build_handshake

    loop = asyncio.get_running_loop()
    out: Dict[int, BareTasks] = {}
    for port in ports:
        _, proto = await loop.create_connection(BareTasks, "127.0.0.1", port)
        proto.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        proto.ready = loop.create_future()
        proto.transport.write(bytes(build_handshake((1, 7, 0))))
        assert await proto.ready, "handshake refused"
        out[port] = proto
    return out


def _routed(client: Any, build: Callable[[int], Any], keys: List[int]) -> List[Tuple[int, bytes]]:
    """``(port, frame)`` of each key's request, to the node ``client`` sends it to."""
    from pyignite.protocol.frames import stamp
    from pyignite.utils import cache_id

    pa, default = client._pa, client.connection.port
    out = []
    for i, key in enumerate(keys):
        port = default
        if pa is not None:
            node_id = pa.router.node_for_key(cache_id(CACHE), key)
            conn = pa.pool.connection(node_id) if node_id is not None else None
            port = conn.port if conn is not None else default
        frame = build(key).frame
        stamp(frame, i + 1)
        out.append((port, bytes(frame)))
    return out


def _bench_sync(nodes: List[Any], aware: bool, seconds: float, repeat: int, out: Dict[str, float]) -> None:
    from pyignite.protocol import cache_ops
    from pyignite.protocol.cache_ops import CacheRef

    mode = "on" if aware else "off"
    with Client(partition_aware=aware).connect(nodes) as client:
        assert client.partition_aware is aware
        cache = client.get_or_create_cache(CACHE)
        cache.put_all({i: VALUE for i in range(KEYS)})
        assert cache.get(1) == VALUE
        rate(cache.get, 0.2, 1)  # warm up
        out[f"sync get {mode}"] = rate(cache.get, seconds, repeat)
        out[f"sync put {mode}"] = rate(lambda k: cache.put(k, VALUE), seconds, repeat)
        # the floors, right after: the key sequences the two measurements above and the asyncio
        # tasks below send, routed as this client routes them
        ref = CacheRef(CACHE)
        seq = [(n * 7919) % KEYS for n in range(KEYS)]
        tasks_seq = [(t * 7919 + n * 31) % KEYS for n in range(40) for t in range(TASKS)]
        raw = RawNodes(sorted({c.port for c in (client._pa.pool.connections() if client._pa else [client.connection])}))
        try:
            gets = _routed(client, lambda k: cache_ops.get(ref, k), seq)
            puts = _routed(client, lambda k: cache_ops.put(ref, k, VALUE), seq)
            out[f"floor sync get {mode}"] = raw.rate(gets, 1, seconds, repeat)
            out[f"floor sync put {mode}"] = raw.rate(puts, 1, seconds, repeat)
            gets = _routed(client, lambda k: cache_ops.get(ref, k), tasks_seq)
            puts = _routed(client, lambda k: cache_ops.put(ref, k, VALUE), tasks_seq)
            out[f"floor aio get {mode}"] = raw.rate(gets, TASKS, seconds, repeat)
            out[f"floor aio put {mode}"] = raw.rate(puts, TASKS, seconds, repeat)
            seq64 = [(t * 7919 + n * 31) % KEYS for n in range(20) for t in range(TASKS64)]
            gets = _routed(client, lambda k: cache_ops.get(ref, k), seq64)
            puts = _routed(client, lambda k: cache_ops.put(ref, k, VALUE), seq64)
            out[f"floor aio get 64 {mode}"] = raw.rate(gets, TASKS64, seconds, repeat)
            out[f"floor aio put 64 {mode}"] = raw.rate(puts, TASKS64, seconds, repeat)
        finally:
            raw.close()
        batches = [(b, {k: VALUE for k in b}) for b in BATCHES]
        out[f"sync get_all {mode}"] = rate(lambda k: cache.get_all(batches[k % len(batches)][0]), seconds, repeat)
        out[f"sync put_all {mode}"] = rate(lambda k: cache.put_all(batches[k % len(batches)][1]), seconds, repeat)


async def _bench_aio(nodes: List[Any], aware: bool, seconds: float, repeat: int, out: Dict[str, float]) -> None:
    mode = "on" if aware else "off"
    async with AioClient(partition_aware=aware).connect(nodes) as client:
        assert client.partition_aware is aware
        cache = await client.get_or_create_cache(CACHE)
        assert await cache.get(1) == VALUE
        await rate_tasks(cache.get, 0.2, 1)  # warm up
        out[f"aio get {mode}"] = await rate_tasks(cache.get, seconds, repeat)
        out[f"aio put {mode}"] = await rate_tasks(lambda k: cache.put(k, VALUE), seconds, repeat)
        out[f"aio get 64 {mode}"] = await rate_tasks(cache.get, seconds, repeat, TASKS64)
        out[f"aio put 64 {mode}"] = await rate_tasks(lambda k: cache.put(k, VALUE), seconds, repeat, TASKS64)
        await _paired_aio(client, cache, seconds, f"aio {{}} 64 {mode}", out)
        out[f"aio get_all {mode}"] = await rate_tasks(
            lambda k: cache.get_all(BATCHES[k % len(BATCHES)]), seconds, repeat)


async def _paired_aio(client: Any, cache: Any, seconds: float, key: str, out: Dict[str, float]) -> None:
    """64 tasks of ours against the floor in alternating slices (A B A B...), the median of each
    pair's ratio (``out["paired " + key.format("get")]``...): the rows of :func:`_bench_aio` take the
    best of separate runs, minutes apart from their floor."""
    from pyignite.protocol import cache_ops
    from pyignite.protocol.cache_ops import CacheRef

    # the floor: the same requests, routed the same way, pre-encoded on bare blocking sockets; and
    # the same 64 tasks on bare connections of this event loop to the same nodes, each key's request
    # to the node this client sends it to (what the event loop itself costs, without ours)
    ref = CacheRef(CACHE)
    seq64 = [(t * 7919 + n * 31) % KEYS for n in range(20) for t in range(TASKS64)]
    conns = client._pa.pool.connections() if client._pa else [client.connection]
    ports = sorted({c.port for c in conns})
    raw = RawNodes(ports)
    bare = await _bare_tasks(ports)
    try:
        for name, op, build in (("get", cache.get, lambda k: cache_ops.get(ref, k)),
                                ("put", lambda k: cache.put(k, VALUE), lambda k: cache_ops.put(ref, k, VALUE))):
            requests = _routed(client, build, seq64)
            by_key = dict(zip(range(KEYS), _routed(client, build, list(range(KEYS)))))

            def bare_op(k: int, by_key: Dict[int, Tuple[int, bytes]] = by_key) -> Any:
                port, frame = by_key[k]
                return bare[port].call(frame)

            ratios, bare_ratios = [], []
            for _ in range(6):
                mine = await rate_tasks(op, seconds / 2, 1, TASKS64)
                ratios.append(mine / raw.rate(requests, TASKS64, seconds / 2, 1))
                bare_ratios.append(mine / await rate_tasks(bare_op, seconds / 2, 1, TASKS64))
            out["paired " + key.format(name)] = statistics.median(ratios)
            out["paired bare " + key.format(name)] = statistics.median(bare_ratios)
    finally:
        raw.close()
        for proto in bare.values():
            proto.transport.close()


async def _bench_uvloop(nodes: List[Any], seconds: float, repeat: int, out: Dict[str, float]) -> None:
    """The 64-task rows with partition awareness on uvloop's event loop (run where it is installed)."""
    async with AioClient(partition_aware=True).connect(nodes) as client:
        cache = await client.get_or_create_cache(CACHE)
        assert await cache.get(1) == VALUE
        await rate_tasks(cache.get, 0.2, 1, TASKS64)  # warm up
        out["uvloop get 64 on"] = await rate_tasks(cache.get, seconds, repeat, TASKS64)
        out["uvloop put 64 on"] = await rate_tasks(lambda k: cache.put(k, VALUE), seconds, repeat, TASKS64)
        await _paired_aio(client, cache, seconds, "uvloop {} 64 on", out)


def bench_ours(ports: List[int], seconds: float, repeat: int) -> Dict[str, float]:
    nodes = [("127.0.0.1", p) for p in ports]
    out: Dict[str, float] = {}
    for aware in (True, False):
        _bench_sync(nodes, aware, seconds, repeat, out)
        asyncio.run(_bench_aio(nodes, aware, seconds, repeat, out))
    try:
        import uvloop
    except ImportError:
        pass
    else:
        uvloop.run(_bench_uvloop(nodes, seconds, repeat, out))
    return out


# --- the official client (run in its own virtualenv) --------------------------------------------------

OFFICIAL = r'''
import asyncio, json, sys, time
from pyignite import AioClient, Client

ports = [int(p) for p in sys.argv[1].split(",")]
seconds, repeat, KEYS, VALUE, CACHE, TASKS, BATCH = (
    float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7]),
    int(sys.argv[8]))
BATCHES = [list(range(i, KEYS, KEYS // BATCH)) for i in range(KEYS // BATCH)]
nodes = [("127.0.0.1", p) for p in ports]
out = {}

def rate(op, seconds, repeat):
    best = 0.0
    for _ in range(repeat):
        n = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            for _ in range(50):
                op((n * 7919) % KEYS)
                n += 1
        best = max(best, n / (time.perf_counter() - started))
    return best

async def rate_tasks(op, seconds, repeat, tasks=TASKS):
    best = 0.0
    for _ in range(repeat):
        counts = [0] * tasks
        started = time.perf_counter()
        deadline = started + seconds
        async def work(t):
            n = 0
            while time.perf_counter() < deadline:
                for _ in range(20):
                    await op((t * 7919 + n * 31) % KEYS)
                    n += 1
            counts[t] = n
        await asyncio.gather(*(work(t) for t in range(tasks)))
        best = max(best, sum(counts) / (time.perf_counter() - started))
    return best

for aware in (True, False):
    mode = "on" if aware else "off"
    client = Client(partition_aware=aware)
    client.connect(nodes)
    cache = client.get_or_create_cache(CACHE)
    assert cache.get(1) == VALUE
    rate(cache.get, 0.2, 1)
    out["sync get " + mode] = rate(cache.get, seconds, repeat)
    out["sync put " + mode] = rate(lambda k: cache.put(k, VALUE), seconds, repeat)
    batches = [(b, {k: VALUE for k in b}) for b in BATCHES]
    out["sync get_all " + mode] = rate(lambda k: cache.get_all(batches[k % len(batches)][0]), seconds, repeat)
    out["sync put_all " + mode] = rate(lambda k: cache.put_all(batches[k % len(batches)][1]), seconds, repeat)
    client.close()

    async def aio():
        client = AioClient(partition_aware=aware)
        async with client.connect(nodes):
            cache = await client.get_or_create_cache(CACHE)
            assert await cache.get(1) == VALUE
            await rate_tasks(cache.get, 0.2, 1)
            out["aio get " + mode] = await rate_tasks(cache.get, seconds, repeat)
            out["aio put " + mode] = await rate_tasks(lambda k: cache.put(k, VALUE), seconds, repeat)
            out["aio get 64 " + mode] = await rate_tasks(cache.get, seconds, repeat, 64)
            out["aio put 64 " + mode] = await rate_tasks(lambda k: cache.put(k, VALUE), seconds, repeat, 64)
            out["aio get_all " + mode] = await rate_tasks(
                lambda k: cache.get_all(BATCHES[k % len(BATCHES)]), seconds, repeat)

    asyncio.run(aio())
print(json.dumps(out))
'''


def bench_official(ports: List[int], seconds: float, repeat: int) -> Dict[str, float]:
    return run_official(
        OFFICIAL, ",".join(map(str, ports)), str(seconds), str(repeat), str(KEYS), VALUE, CACHE, str(TASKS),
        str(BATCH),
    )


# --- main -----------------------------------------------------------------------------------------------

LABELS = [
    ("sync get", "get, 1 thread"),
    ("sync put", "put, 1 thread"),
    ("aio get", f"aio get, {TASKS} tasks"),
    ("aio put", f"aio put, {TASKS} tasks"),
    ("aio get 64", f"aio get, {TASKS64} tasks"),
    ("aio put 64", f"aio put, {TASKS64} tasks"),
    ("sync get_all", f"get_all of {BATCH} keys (calls), 1 thread"),
    ("sync put_all", f"put_all of {BATCH} keys (calls), 1 thread"),
    ("aio get_all", f"aio get_all of {BATCH} keys (calls), {TASKS} tasks"),
]


def main() -> None:
    import harness

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=11030 + harness.PORT_OFFSET,
                        help="first client port of the 3-node cluster this benchmark starts")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per measurement (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per figure, best kept (default 3)")
    parser.add_argument("--quick", action="store_true", help="a short run (0.3 s, 2 repeats)")
    parser.add_argument("--pin", action="store_true", help="the nodes on the first CPU, the clients on the others")
    args = parser.parse_args()
    seconds, repeat = (0.3, 2) if args.quick else (args.seconds, args.repeat)
    node_cpus = pin_apart("pa") if args.pin else None

    with ignite_cluster("bench-pa", base_port=args.port - harness.PORT_OFFSET, nodes=3,
                        node_cpus=node_cpus) as ports:
        bench_ours(ports, 0.5, 1)  # warm-up: the nodes' JIT compilers, which else favour whoever runs last
        theirs = bench_official(ports, seconds, repeat)
        ours = bench_ours(ports, seconds, repeat)

    rows: List[Row] = []
    for key, label in LABELS:
        for mode in ("on", "off"):
            rows.append((f"{label}, partition awareness {mode}", ours[f"{key} {mode}"], theirs[f"{key} {mode}"],
                         ours.get(f"floor {key} {mode}")))
    print_table("Single-key and multi-key operations on 3 nodes, partition awareness on and off"
                + (" (pinned apart: the nodes on one CPU, the clients on the others)" if args.pin else ""), rows)
    print("Ours / the raw floor (the same requests, routed the same way, pre-encoded on bare sockets):")
    for key, label in LABELS:
        for mode in ("on", "off"):
            floor = ours.get(f"floor {key} {mode}")
            if floor:
                print(f"  {label}, partition awareness {mode}: {ours[f'{key} {mode}'] / floor:.2f}")
    print("Asyncio, 64 tasks, ours / the raw floor and ours / 64 tasks on bare asyncio connections, measured")
    print("in alternating slices (medians of 6 pairs):")
    for key in ("get", "put"):
        for mode in ("on", "off"):
            paired, bare = ours.get(f"paired aio {key} 64 {mode}"), ours.get(f"paired bare aio {key} 64 {mode}")
            if paired and bare:
                print(f"  aio {key}, {TASKS64} tasks, partition awareness {mode}: {paired:.2f} of the floor, "
                      f"{bare:.2f} of bare asyncio")
        paired, bare = ours.get(f"paired uvloop {key} 64 on"), ours.get(f"paired bare uvloop {key} 64 on")
        if paired and bare:
            print(f"  uvloop {key}, {TASKS64} tasks, partition awareness on: {paired:.2f} of the floor, "
                  f"{bare:.2f} of bare uvloop ({ours[f'uvloop {key} 64 on']:,.0f} ops/s)")
    print("What partition awareness gains (on / off):")
    for key, label in LABELS:
        print(f"  {label}: pyignite {ours[f'{key} on'] / ours[f'{key} off']:.2f}x, "
              f"official 0.6.1 {theirs[f'{key} on'] / theirs[f'{key} off']:.2f}x")
    save_results("partition_awareness", {"ours": ours, "official": theirs, "seconds": seconds, "repeat": repeat,
                                         "pinned": args.pin})


if __name__ == "__main__":
    main()
