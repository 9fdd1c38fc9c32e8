"""The floor table: every single-key and bulk operation against a raw socket and the official client.

    PYIGNITE_PORT_OFFSET=<n> .venv/bin/python bench/bench_floor.py [--rounds 3] [--seconds 1] [--port P] [--pin]

(``scripts/bench --floor`` runs this alone and prints its table with the ours/floor column.)

For each operation three numbers are taken on the same node in the same run:

* **ours**: this package, measured in a fresh subprocess (:data:`MEASURE`);
* **official**: the official pyignite 0.6.1, the very same :data:`MEASURE` script run by its own
  interpreter (the APIs agree; its 16-thread row gives every thread its own ``Client``, because its
  client is not thread-safe);
* **floor**: the same requests, pre-encoded once, written to a bare socket and their replies only
  framed (length prefixes), never decoded -- what no Python client can beat. A window of 1 (one
  request at a time) is the floor of one thread or one task; windows of 16 and 64 requests in flight
  are the floors of 16 threads and 64 tasks at their strictest: one thread with no wake-ups at all.
  The concurrent rows are also given against the floor of their own concurrency model, where the
  same threads or tasks do no client work: 16 threads each sending pre-encoded requests on a bare
  socket (the GIL hand-offs and wake-ups of 16 threads are in it), and 64 tasks on one bare asyncio
  connection whose protocol only frames replies and wakes the task each one answers. For import
  time the floor is ``python -c pass``; for the memory of an idle connected client, a bare
  interpreter holding a connected socket.

The three are measured in alternating rounds (ours, official, floor, ours, official, floor...) and
each reported number is the median of its rounds, so drift of a shared machine (other processes
starting and stopping) falls on all three alike. The numbers are still noisy on a busy machine: read
the ratios, not the absolute rates.
"""

from __future__ import annotations

import argparse
import atexit
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, BareTasks, ignite_cluster, official_python, pin_apart, save_results
from pyignite.protocol import cache_ops
from pyignite.protocol.cache_ops import CacheRef
from pyignite.protocol.frames import stamp
from pyignite.protocol.handshake import build_handshake

CACHE = "bench_floor"
KEYS = 1000
VALUE = "value-" + "x" * 26  # a 32-character string

#: (row name, unit, key in the measurement dicts, lower is better)
ROWS: List[Tuple[str, str, str, bool]] = [
    ("get, 1 thread", "ops/s", "get", False),
    ("put, 1 thread", "ops/s", "put", False),
    ("contains_key, 1 thread", "ops/s", "contains_key", False),
    ("get_and_put, 1 thread", "ops/s", "get_and_put", False),
    ("get, 16 threads (official: a Client each)", "ops/s", "get 16t", False),
    ("put, 16 threads (official: a Client each)", "ops/s", "put 16t", False),
    ("asyncio get, 1 task", "ops/s", "aio get", False),
    ("asyncio get, 64 tasks", "ops/s", "aio get 64", False),
    ("asyncio put, 64 tasks", "ops/s", "aio put 64", False),
    # the same measurements against the floor of their own concurrency model: 16 threads each on a
    # bare socket, 64 tasks on one bare asyncio connection (the rows above: one thread, a window)
    ("get, 16 threads; floor: 16 threads on bare sockets", "ops/s", "get 16t/raw threads", False),
    ("put, 16 threads; floor: 16 threads on bare sockets", "ops/s", "put 16t/raw threads", False),
    ("asyncio get, 64 tasks; floor: 64 tasks on a bare connection", "ops/s", "aio get 64/raw tasks", False),
    ("asyncio put, 64 tasks; floor: 64 tasks on a bare connection", "ops/s", "aio put 64/raw tasks", False),
    # the same 64 tasks on uvloop's event loop (rows left empty where uvloop is not installed)
    ("uvloop get, 64 tasks", "ops/s", "uvloop get 64", False),
    ("uvloop put, 64 tasks", "ops/s", "uvloop put 64", False),
    ("uvloop get, 64 tasks; floor: 64 tasks on a bare uvloop connection", "ops/s", "uvloop get 64/raw tasks", False),
    ("uvloop put, 64 tasks; floor: 64 tasks on a bare uvloop connection", "ops/s", "uvloop put 64/raw tasks", False),
]
BULK_ROWS = [
    ("get_all, {n:,} keys", "rows/s", "get_all {n}", False),
    ("put_all, {n:,} entries", "rows/s", "put_all {n}", False),
]
FOOTPRINT_ROWS = [
    ("import time (python -c 'import pyignite'; lower is better)", "ms", "import ms", True),
    ("idle connected client: process RSS (lower is better)", "MiB", "idle rss", True),
]

# --- the client half: the same script for both packages -------------------------------------------

MEASURE = r"""
import asyncio, json, socket, statistics, struct, sys, threading, time
from pyignite import AioClient, Client

port, seconds, KEYS = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
VALUE, CACHE, shared = sys.argv[4], sys.argv[5], sys.argv[6] == "shared"
with open(sys.argv[7]) as f:
    spec = json.load(f)
sizes, slices = spec["sizes"], spec["slices"]
frames = {k: [bytes.fromhex(x) for x in v] for k, v in spec["frames"].items()}
out = {}

# the floor, measured in this very process in slices alternating with the client's
class Raw:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(bytes.fromhex(spec["handshake"]))
        self.buf = bytearray()
        self.read(4)
        self.read(4 + struct.unpack_from("<i", self.buf)[0])
        assert self.buf[4] == 1, "handshake refused"
        self.buf.clear()
    def read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
    def trip(self, batch, window):
        self.sock.sendall(batch)
        buf = self.buf
        for _ in range(window):
            self.read(4)
            end = 4 + struct.unpack_from("<i", buf)[0]
            self.read(end)
            del buf[:end]
raw = Raw()

def raw_rate(name, window, secs):
    fr = frames[name]
    n = 0
    started = time.perf_counter()
    deadline = started + secs
    if window == 1:
        while True:
            for frame in fr:
                raw.trip(frame, 1)
            n += len(fr)
            now = time.perf_counter()
            if now >= deadline:
                return n / (now - started)
    batch = b"".join(fr[:window])
    while True:
        for _ in range(10):
            raw.trip(batch, window)
        n += 10 * window
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - started)

def alternate(key, measure, floor, peer_key=None, peer_floor=None):
    # slices of client and floor in turn (A B A B): medians of each; ``peer_floor`` is a second floor
    # of the same measurement (row ``peer_key``: the same concurrency model without client work)
    ours, raws, peers = [], [], []
    for _ in range(slices):
        ours.append(measure(seconds / slices))
        raws.append(floor(seconds / slices))
        if peer_floor is not None:
            peers.append(peer_floor(seconds / slices))
    out[key] = statistics.median(ours)
    out["floor " + key] = statistics.median(raws)
    if peer_floor is not None:
        out[peer_key] = out[key]
        out["floor " + peer_key] = statistics.median(peers)

def rate1(op):
    def measure(secs):
        n = 0
        started = time.perf_counter()
        deadline = started + secs
        while True:
            for i in range(50):
                op((n + i) % KEYS)
            n += 50
            now = time.perf_counter()
            if now >= deadline:
                return n / (now - started)
    return measure

def rate_threads(threads, make_op):
    ops = [make_op() for _ in range(threads)]
    def measure(secs):
        counts = [0] * threads
        stop = threading.Event()
        barrier = threading.Barrier(threads + 1)
        def work(t, op):
            n = 0
            barrier.wait()
            while not stop.is_set():
                for _ in range(20):
                    op((t * 7919 + n) % KEYS)
                    n += 1
            counts[t] = n
        pool = [threading.Thread(target=work, args=(t, ops[t])) for t in range(threads)]
        for th in pool:
            th.start()
        barrier.wait()
        started = time.perf_counter()
        time.sleep(secs)
        stop.set()
        for th in pool:
            th.join()
        return sum(counts) / (time.perf_counter() - started)
    return measure

def raw_threads_rate(name, threads):
    # the floor of N blocking threads: each its own bare socket, one pre-encoded request at a time
    # (the GIL hand-offs and wake-ups of N threads are in it; client work is not)
    fr = frames[name]
    def make():
        conn = Raw()
        return lambda k: conn.trip(fr[k % len(fr)], 1)
    return rate_threads(threads, make)

client = Client()
client.connect("127.0.0.1", port)
cache = client.get_or_create_cache(CACHE)
cache.put_all({i: VALUE for i in range(KEYS)})
assert cache.get(1) == VALUE
rate1(cache.get)(0.3)  # warm up (both sides)
raw_rate("get", 1, 0.3)
alternate("get", rate1(cache.get), lambda s: raw_rate("get", 1, s))
alternate("put", rate1(lambda k: cache.put(k, VALUE)), lambda s: raw_rate("put", 1, s))
alternate("contains_key", rate1(cache.contains_key), lambda s: raw_rate("contains_key", 1, s))
alternate("get_and_put", rate1(lambda k: cache.get_and_put(k, VALUE)), lambda s: raw_rate("get_and_put", 1, s))

others = []
def maker(kind):
    def make():
        c = cache
        if not shared:  # the official Client is not thread-safe: one per thread
            other = Client()
            other.connect("127.0.0.1", port)
            others.append(other)
            c = other.get_or_create_cache(CACHE)
        return c.get if kind == "get" else (lambda k: c.put(k, VALUE))
    return make
alternate("get 16t", rate_threads(16, maker("get")), lambda s: raw_rate("get", 16, s),
          "get 16t/raw threads", raw_threads_rate("get", 16))
alternate("put 16t", rate_threads(16, maker("put")), lambda s: raw_rate("put", 16, s),
          "put 16t/raw threads", raw_threads_rate("put", 16))
for other in others:
    other.close()

def bulk(fn, n):
    def measure(secs):
        done = 0
        started = time.perf_counter()
        while True:
            fn()
            done += n
            now = time.perf_counter()
            if now - started >= secs:
                return done / (now - started)
    return measure

for n in sizes:
    pairs = {i: VALUE for i in range(n)}
    keys = list(range(n))
    assert len(cache.get_all(keys[:10])) == 10
    put_frame, get_frame = frames[f"put_all {n}"][0], frames[f"get_all {n}"][0]
    alternate(f"put_all {n}", bulk(lambda: cache.put_all(pairs), n), bulk(lambda: raw.trip(put_frame, 1), n))
    alternate(f"get_all {n}", bulk(lambda: cache.get_all(keys), n), bulk(lambda: raw.trip(get_frame, 1), n))
client.close()

async def rate_tasks(tasks, op, secs):
    counts = [0] * tasks
    deadline = time.perf_counter() + secs
    async def work(t):
        n = 0
        while time.perf_counter() < deadline:
            for _ in range(10):
                await op((t * 7919 + n) % KEYS)
                n += 1
        counts[t] = n
    started = time.perf_counter()
    await asyncio.gather(*(work(t) for t in range(tasks)))
    return sum(counts) / (time.perf_counter() - started)

#BARE_TASKS: bench.common.BareTasks, inserted below (the script runs in other processes)

async def raw_tasks_proto():
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(BareTasks, "127.0.0.1", port)
    proto.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    proto.ready = loop.create_future()
    proto.transport.write(bytes.fromhex(spec["handshake"]))
    assert await proto.ready, "handshake refused"
    return proto

async def aio(prefix, rows):
    client = AioClient()
    async with client.connect("127.0.0.1", port):
        cache = await client.get_or_create_cache(CACHE)
        assert await cache.get(1) == VALUE
        await rate_tasks(8, cache.get, 0.2)
        proto = await raw_tasks_proto()
        ops = {"get": cache.get, "put": lambda k: cache.put(k, VALUE)}
        for name, tasks in rows:
            key, op, window = f"{prefix} {name}" + (f" {tasks}" if tasks > 1 else ""), ops[name], tasks
            fr = frames[name]
            raw_op = lambda k, fr=fr: proto.call(fr[k % len(fr)])
            ours, raws, peers = [], [], []
            for _ in range(slices):
                ours.append(await rate_tasks(tasks, op, seconds / slices))
                raws.append(raw_rate(name, window, seconds / slices))
                if tasks > 1:
                    peers.append(await rate_tasks(tasks, raw_op, seconds / slices))
            out[key] = statistics.median(ours)
            out["floor " + key] = statistics.median(raws)
            if peers:
                out[key + "/raw tasks"] = out[key]
                out["floor " + key + "/raw tasks"] = statistics.median(peers)
        proto.transport.close()

asyncio.run(aio("aio", [("get", 1), ("get", 64), ("put", 64)]))
try:  # the same 64 tasks on uvloop's event loop, where it is installed (pip install pyignite[uvloop])
    import uvloop
except ImportError:
    pass
else:
    uvloop.run(aio("uvloop", [("get", 64), ("put", 64)]))
print(json.dumps(out))
"""
_BARE_TASKS = "#BARE_TASKS: bench.common.BareTasks, inserted below (the script runs in other processes)\n"
assert _BARE_TASKS in MEASURE, "the measuring script lost its BareTasks marker"
MEASURE = MEASURE.replace(_BARE_TASKS, inspect.getsource(BareTasks))

#: an idle connected client: the process's resident memory once connected (MiB)
IDLE = r'''
import gc, json, sys
from pyignite import Client
client = Client()
client.connect("127.0.0.1", int(sys.argv[1]))
gc.collect()
rss = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
print(json.dumps({"idle rss": rss}))
'''

IDLE_FLOOR = r'''
import json, socket, sys
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
rss = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
print(json.dumps({"idle rss": rss}))
'''


def _env(ours: Any) -> Dict[str, str]:
    """The environment of a measuring process: ``ours`` True puts this checkout first on the path, a
    path string puts that directory (another checkout's package: ``--baseline``) there instead."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if ours:
        env["PYTHONPATH"] = ours if isinstance(ours, str) else str(ROOT)
    return env


def run_script(python: str, script: str, args: List[str], ours: Any) -> Dict[str, float]:
    res = subprocess.run([python, "-c", script, *args], capture_output=True, text=True, timeout=900,
                         cwd="/" if isinstance(ours, str) else str(Path(__file__).resolve().parent), env=_env(ours))
    if res.returncode != 0:
        raise RuntimeError(f"measuring script failed:\n{res.stdout[-2000:]}\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


#: bytecode of the import-time runs (see import_ms)
_PYCACHE = tempfile.mkdtemp(prefix="pyignite-bench-pyc-")
atexit.register(shutil.rmtree, _PYCACHE, True)


def import_ms(python: str, code: str, ours: Any, repeat: int = 5) -> float:
    """Median wall time of ``python -c code`` in ms (interpreter start included, like a user sees it).

    With the modules' bytecode cached, as an installed package has it (pip compiles on install): a
    source checkout under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module at every
    import. The cache goes to a temporary ``PYTHONPYCACHEPREFIX`` (one warm-up run fills it), so
    the checkout stays clean.
    """
    env = _env(ours)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    subprocess.run([python, "-c", code], check=True, env=env, cwd="/")  # fills the cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([python, "-c", code], check=True, env=env, cwd="/")
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


# --- the floor: the pre-encoded frames the measuring script sends over its bare socket ----------------

def floor_spec(sizes: List[int], slices: int) -> Dict[str, Any]:
    """What :data:`MEASURE` needs for its floor: the handshake and the request frames, pre-encoded
    (hex) with this package's request builders, so both clients' processes send identical bytes."""
    ref = CacheRef(CACHE)

    def frames(build: Callable[[int], Any], count: int) -> List[str]:
        out = []
        for i in range(count):
            frame = build(i % KEYS).frame
            stamp(frame, i + 1)
            out.append(bytes(frame).hex())
        return out

    spec: Dict[str, Any] = {
        "handshake": bytes(build_handshake((1, 7, 0))).hex(), "sizes": sizes, "slices": slices,
        "frames": {
            "get": frames(lambda k: cache_ops.get(ref, k), 100),
            "put": frames(lambda k: cache_ops.put(ref, k, VALUE), 100),
            "contains_key": frames(lambda k: cache_ops.contains_key(ref, k), 100),
            "get_and_put": frames(lambda k: cache_ops.get_and_put(ref, k, VALUE), 100),
        },
    }
    for n in sizes:
        for name, req in (("put_all", cache_ops.put_all(ref, {i: VALUE for i in range(n)})),
                          ("get_all", cache_ops.get_all(ref, list(range(n))))):
            stamp(req.frame, 1)
            spec["frames"][f"{name} {n}"] = [bytes(req.frame).hex()]
    return spec


# --- main ---------------------------------------------------------------------------------------------------

def rows_for(sizes: List[int]) -> List[Tuple[str, str, str, bool]]:
    rows = list(ROWS)
    for n in sizes:
        for name, unit, key, lower in BULK_ROWS:
            rows.append((name.format(n=n), unit, key.format(n=n), lower))
    return rows + FOOTPRINT_ROWS


def paired(results: Dict[str, List[Dict[str, float]]], a: str, b: str, key: str) -> Optional[float]:
    """The median over rounds of ``a``'s figure divided by ``b``'s in the same round (``b`` may be
    "floor", measured in slices alternating with the client's). Pairing within a round is what
    cancels the machine's drift: in a slow round both sides are slow. A ratio of the two columns'
    medians would mix rounds (with rounds at 0.76, 0.93 and 0.90 it can say 0.76)."""
    ratios = [x[key] / y[key] for x, y in zip(results[a], results[b])
              if x.get(key) and y.get(key)]
    return statistics.median(ratios) if ratios else None


def print_floor_table(title: str, rows: List[Tuple[str, str, Optional[float], Optional[float], Optional[float]]],
                      file: Any = None, before: Optional[List[Optional[float]]] = None,
                      ratios: Optional[List[Tuple[Optional[float], Optional[float]]]] = None) -> str:
    """| operation | unit | ours | official | floor | ours/floor | ours/official | (before, its /floor) |

    ``ratios``: each row's (ours/floor, ours/official) as :func:`paired` medians; without them, the
    ratios of the medians."""
    from bench.common import _fmt

    head = "| operation | unit | pyignite | official 0.6.1 | raw floor | ours/floor | ours/official |"
    rule = "|---|---|---:|---:|---:|---:|---:|"
    if before is not None:
        head += " baseline | baseline/floor |"
        rule += "---:|---:|"
    lines = [f"## {title}", "", head, rule]
    for i, (op, unit, ours, theirs, floor) in enumerate(rows):
        rf, rt = ratios[i] if ratios is not None else (
            ours / floor if ours and floor else None, ours / theirs if ours and theirs else None)
        of = f"{rf:.2f}" if rf else "-"
        ot = f"{rt:.2f}x" if rt else "-"
        line = f"| {op} | {unit} | {_fmt(ours)} | {_fmt(theirs)} | {_fmt(floor)} | {of} | {ot} |"
        if before is not None:
            b = before[i]
            line += f" {_fmt(b)} | {f'{b / floor:.2f}' if b and floor else '-'} |"
        lines.append(line)
    text = "\n".join(lines) + "\n"
    print(text, file=file or sys.stdout, flush=True)
    return text


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--seconds", type=float, default=1.0, help="measuring time per row and round (default 1)")
    parser.add_argument("--sizes", default="1000,10000,100000", help="get_all/put_all sizes")
    parser.add_argument("--slices", type=int, default=6, help="alternating client/floor slices per row (default 6)")
    parser.add_argument("--quick", action="store_true", help="1 round of 0.6 s, sizes 1000,10000")
    parser.add_argument("--no-official", action="store_true", help="leave the official client out")
    parser.add_argument("--port", type=int, default=None, help="use a running node instead of starting one")
    parser.add_argument("--pin", action="store_true",
                        help="run the node on the first CPU and the clients on the others (steadier rounds; "
                             "see bench.common.pin_apart)")
    parser.add_argument("--baseline", default=None, metavar="DIR",
                        help="also measure the pyignite package in DIR (another checkout) in every round: "
                             "a before/after comparison under the same conditions")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.sizes = 1, 0.6, "1000,10000"
    sizes = [int(s) for s in args.sizes.split(",") if s]

    def run(port: int) -> None:
        ours_py = sys.executable
        theirs_py = None if args.no_official else official_python()
        spec_path = Path(tempfile.mkdtemp(prefix="pyignite-floor-")) / "spec.json"
        spec_path.write_text(json.dumps(floor_spec(sizes, args.slices)))
        margs = [str(port), str(args.seconds), str(KEYS), VALUE, CACHE]
        results: Dict[str, List[Dict[str, float]]] = {"ours": [], "official": [], "floor": [], "baseline": []}
        for rnd in range(args.rounds):
            print(f"[floor] round {rnd + 1}/{args.rounds}", file=sys.stderr, flush=True)
            if args.baseline:
                base = run_script(ours_py, MEASURE, [*margs, "shared", str(spec_path)], args.baseline)
                base.update(run_script(ours_py, IDLE, [str(port)], args.baseline))
                base["import ms"] = import_ms(ours_py, "import pyignite", args.baseline)
                results["baseline"].append(base)
            ours = run_script(ours_py, MEASURE, [*margs, "shared", str(spec_path)], True)
            ours.update(run_script(ours_py, IDLE, [str(port)], True))
            ours["import ms"] = import_ms(ours_py, "import pyignite", True)
            results["ours"].append(ours)
            floor = {k[len("floor "):]: v for k, v in ours.items() if k.startswith("floor ")}
            if theirs_py is not None:
                theirs = run_script(theirs_py, MEASURE, [*margs, "own", str(spec_path)], False)
                theirs.update(run_script(theirs_py, IDLE, [str(port)], False))
                theirs["import ms"] = import_ms(theirs_py, "import pyignite", False)
                results["official"].append(theirs)
            floor.update(run_script(ours_py, IDLE_FLOOR, [str(port)], False))
            floor["import ms"] = import_ms(ours_py, "pass", False)
            results["floor"].append(floor)

        def med(who: str, key: str) -> Optional[float]:
            vals = [r[key] for r in results[who] if key in r]
            return statistics.median(vals) if vals else None

        table, ratios = [], []
        for name, unit, key, _lower in rows_for(sizes):
            table.append((name, unit, med("ours", key), med("official", key), med("floor", key)))
            ratios.append((paired(results, "ours", "floor", key), paired(results, "ours", "official", key)))
        print_floor_table(
            f"Floor: ours, the official client and a raw socket on one node"
            f"{' pinned apart (--pin)' if args.pin else ''} (medians of {args.rounds} "
            f"rounds x {args.slices} alternating slices, {args.seconds} s per row; the ratios are medians "
            f"of each round's own ratio)", table,
            before=[med("baseline", key) for _n, _u, key, _l in rows_for(sizes)] if args.baseline else None,
            ratios=ratios)
        save_results("floor", {"rounds": args.rounds, "slices": args.slices, "seconds": args.seconds,
                               "pinned": args.pin, "sizes": sizes, "raw": results,
                               "rows": [dict(zip(("operation", "unit", "ours", "theirs", "floor", "ours/floor",
                                                  "ours/official"), (*r, *q))) for r, q in zip(table, ratios)]})

    if args.port is not None:
        if args.pin:
            parser.error("--pin needs the node this benchmark starts (no --port)")
        run(args.port)
    else:
        node_cpus = pin_apart("floor") if args.pin else None
        with ignite_cluster("bench-floor", base_port=10980, node_cpus=node_cpus) as ports:
            run(ports[0])


if __name__ == "__main__":
    main()
