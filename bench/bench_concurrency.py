"""Throughput with many requests in flight: this package vs the official pyignite 0.6.1, same run.

What is measured (cache GET of an int key with a short string value, and PUT of the same):

* blocking client, 1 thread and 16 threads. Ours: one ``Client`` shared by the threads (requests
  multiplexed on one connection). The official ``Client`` is not safe to share between threads, so
  its 16-thread row gives every thread its own ``Client`` (16 connections);
* asyncio client, 1 task and 64 concurrent tasks on one ``AioClient`` (both packages);
* the floor: the same GET request, pre-encoded, sent over a raw socket to the same node -- one at a
  time, and pipelined 64 in flight -- with replies only framed, not decoded. No Python client can do
  better than that on this machine.

Run: ``PYIGNITE_PORT_OFFSET=<n> .venv/bin/python bench/bench_concurrency.py [--seconds S]``. It starts
its own Ignite node (client port 10980 + offset) and prints a table (ops/s, ratio ours/official).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ignite_cluster, print_table, run_official, save_results
from pyignite import AioClient, Client
from pyignite.protocol import cache_ops
from pyignite.protocol.cache_ops import CacheRef
from pyignite.protocol.frames import stamp
from pyignite.protocol.handshake import build_handshake

CACHE = "bench_concurrency"
KEYS = 1000
VALUE = "value-" + "x" * 26  # a 32-character string

# --- ours -------------------------------------------------------------------------------------------


def rate_threads(threads: int, op: Callable[[int], Any], seconds: float) -> float:
    """Operations per second of ``threads`` threads each calling ``op(i)`` for ``seconds``."""
    counts = [0] * threads
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)

    def work(t: int) -> None:
        n = 0
        barrier.wait()
        while not stop.is_set():
            for _ in range(50):
                op((t * 7919 + n) % KEYS)
                n += 1
        counts[t] = n

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for th in pool:
        th.join()
    return sum(counts) / (time.perf_counter() - started)


async def rate_tasks(tasks: int, op: Callable[[int], Any], seconds: float) -> float:
    """Operations per second of ``tasks`` concurrent tasks each awaiting ``op(i)`` for ``seconds``."""
    counts = [0] * tasks
    deadline = 0.0

    async def work(t: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            for _ in range(20):
                await op((t * 7919 + n) % KEYS)
                n += 1
        counts[t] = n

    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(work(t) for t in range(tasks)))
    return sum(counts) / (time.perf_counter() - started)


def bench_ours(port: int, seconds: float) -> Dict[str, float]:
    out: Dict[str, float] = {}
    with Client().connect("127.0.0.1", port) as client:
        cache = client.get_or_create_cache(CACHE)
        cache.put_all({i: VALUE for i in range(KEYS)})
        assert cache.get(1) == VALUE
        rate_threads(4, cache.get, 0.3)  # warm up
        for threads in (1, 16):
            out[f"sync get {threads}"] = rate_threads(threads, cache.get, seconds)
            out[f"sync put {threads}"] = rate_threads(threads, lambda k: cache.put(k, VALUE), seconds)

    async def aio() -> None:
        async with AioClient().connect("127.0.0.1", port) as client:
            cache = await client.get_or_create_cache(CACHE)
            assert await cache.get(1) == VALUE
            await rate_tasks(8, cache.get, 0.3)  # warm up
            for tasks in (1, 64):
                out[f"aio get {tasks}"] = await rate_tasks(tasks, cache.get, seconds)
                out[f"aio put {tasks}"] = await rate_tasks(tasks, lambda k: cache.put(k, VALUE), seconds)

    asyncio.run(aio())
    return out


# --- the official client (run in its own virtualenv) --------------------------------------------------

OFFICIAL = r'''
import asyncio, json, sys, threading, time
from pyignite import AioClient, Client

port, seconds, KEYS, VALUE, CACHE = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
out = {}

def rate_threads(threads, make_op, seconds):
    counts = [0] * threads
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)
    def work(t):
        op = make_op()  # the official Client is not thread-safe: one per thread
        n = 0
        barrier.wait()
        while not stop.is_set():
            for _ in range(50):
                op((t * 7919 + n) % KEYS)
                n += 1
        counts[t] = n
    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for th in pool:
        th.join()
    return sum(counts) / (time.perf_counter() - started)

clients = []
def cache_op(kind):
    def make():
        c = Client()
        c.connect("127.0.0.1", port)
        clients.append(c)
        cache = c.get_or_create_cache(CACHE)
        return cache.get if kind == "get" else (lambda k: cache.put(k, VALUE))
    return make

rate_threads(4, cache_op("get"), 0.3)
for threads in (1, 16):
    out[f"sync get {threads}"] = rate_threads(threads, cache_op("get"), seconds)
    out[f"sync put {threads}"] = rate_threads(threads, cache_op("put"), seconds)
for c in clients:
    c.close()

async def rate_tasks(tasks, op, seconds):
    counts = [0] * tasks
    deadline = time.perf_counter() + seconds
    async def work(t):
        n = 0
        while time.perf_counter() < deadline:
            for _ in range(20):
                await op((t * 7919 + n) % KEYS)
                n += 1
        counts[t] = n
    started = time.perf_counter()
    await asyncio.gather(*(work(t) for t in range(tasks)))
    return sum(counts) / (time.perf_counter() - started)

async def aio():
    client = AioClient()
    async with client.connect("127.0.0.1", port):
        cache = await client.get_or_create_cache(CACHE)
        assert await cache.get(1) == VALUE
        await rate_tasks(8, cache.get, 0.3)
        for tasks in (1, 64):
            out[f"aio get {tasks}"] = await rate_tasks(tasks, cache.get, seconds)
            out[f"aio put {tasks}"] = await rate_tasks(tasks, lambda k: cache.put(k, VALUE), seconds)

asyncio.run(aio())
print(json.dumps(out))
'''


# --- the floor: pre-encoded frames over a raw socket ---------------------------------------------------


def _read_exact(sock: socket.socket, buf: bytearray, n: int) -> None:
    while len(buf) < n:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("node closed the connection")
        buf += chunk


def rate_raw(port: int, window: int, seconds: float) -> float:
    """GETs per second over a raw socket, ``window`` requests in flight (frames pre-encoded)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(build_handshake((1, 7, 0)))
    buf = bytearray()
    _read_exact(sock, buf, 4)
    _read_exact(sock, buf, 4 + struct.unpack_from("<i", buf)[0])
    assert buf[4] == 1, "handshake refused"
    ref = CacheRef(CACHE)
    frames = []
    for i in range(window):
        frame = cache_ops.get(ref, i % KEYS).frame
        stamp(frame, i + 1)
        frames.append(bytes(frame))
    batch = b"".join(frames)
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    buf = bytearray()
    while time.perf_counter() < deadline:
        for _ in range(20):
            sock.sendall(batch)
            got = 0
            while got < window:  # frame the replies (length prefixes only)
                _read_exact(sock, buf, 4)
                end = 4 + struct.unpack_from("<i", buf)[0]
                _read_exact(sock, buf, end)
                del buf[:end]
                got += 1
            done += window
    elapsed = time.perf_counter() - started
    sock.close()
    return done / elapsed


# --- main ---------------------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per row (default 2)")
    parser.add_argument("--port", type=int, default=None, help="use a running node instead of starting one")
    args = parser.parse_args(argv)

    def run(port: int) -> None:
        ours = bench_ours(port, args.seconds)
        theirs = run_official(OFFICIAL, str(port), str(args.seconds), str(KEYS), VALUE, CACHE)
        floor1 = rate_raw(port, 1, args.seconds)
        floor64 = rate_raw(port, 64, args.seconds)
        rows = [
            ("blocking get, 1 thread", ours["sync get 1"], theirs["sync get 1"], floor1),
            ("blocking get, 16 threads (official: a Client per thread)", ours["sync get 16"],
             theirs["sync get 16"], floor64),
            ("blocking put, 1 thread", ours["sync put 1"], theirs["sync put 1"], None),
            ("blocking put, 16 threads (official: a Client per thread)", ours["sync put 16"],
             theirs["sync put 16"], None),
            ("asyncio get, 1 task", ours["aio get 1"], theirs["aio get 1"], floor1),
            ("asyncio get, 64 tasks", ours["aio get 64"], theirs["aio get 64"], floor64),
            ("asyncio put, 1 task", ours["aio put 1"], theirs["aio put 1"], None),
            ("asyncio put, 64 tasks", ours["aio put 64"], theirs["aio put 64"], None),
        ]
        print_table("Concurrency: throughput on one node (floor: raw socket, 1 or 64 GETs in flight)", rows)
        save_results("concurrency", {"ours": ours, "official": theirs, "floor": {"1": floor1, "64": floor64},
                                     "seconds": args.seconds})

    if args.port is not None:
        run(args.port)
    else:
        with ignite_cluster("bench-concurrency", base_port=10980) as ports:
            run(ports[0])


if __name__ == "__main__":
    main()
