"""Benchmark: bulk loading 1,000,000 entries -- the data streamer vs ``put_all`` batches, and the
official pyignite 0.6.1's ``put_all`` batches.

    .venv/bin/python bench/bench_streamer.py [--entries 1000000] [--rounds 3] [--nodes 1,2] [--port 11090]
                                             [--jit full|c1]

For each cluster size of ``--nodes`` a cluster is started (1 GiB data region per node). Each
measurement runs in a fresh subprocess that loads ``--entries`` ``(int, str)`` entries into an empty
cache and checks the cache size afterwards (every entry must be there):

* **streamer**: ``client.streamer(cache)`` with its defaults;
* **pipelined put_all**: ``client.streamer(cache, mode="put_all")`` -- the fallback used where the
  server lacks the streamer: the same batches as ``put_all`` requests, several in flight;
* **put_all batches**: ``cache.put_all()`` of 1024 entries at a time, one after the other -- what a
  program does without a streamer; the official client runs the same code (on the first node, over
  at most 200,000 entries: it loads about 8,000 entries/s, and its rate does not depend on the count).

With two nodes the client is given both (partition awareness on): the streamer sends each node the
batches of the keys it is primary for; a ``put_all`` goes to one node, which forwards the other
node's keys.

A warm-up run of each method comes first (the nodes' JIT compiles every path), then the methods run
in alternating rounds (A B C A B C ...); each result is the **median** of its rounds. Before each
run the benchmark waits until the nodes are idle: destroying the previous run's cache frees its
pages in the background, and that work must not be billed to the next method. The second table gives
the streamer/put_all ratios and the CPU time per 1,000 entries of the nodes (``/proc/<pid>/stat``)
and of the client process (start-up included), which bound every method on a two-core machine.

``--jit full`` (the default) runs the nodes with the JVM's full JIT (C2), as in production; the
test nodes stop at C1 for a fast start, which makes page-memory inserts -- the bulk of loading, for
every method -- several times slower. ``--jit c1`` measures with the test nodes' settings.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, List

from common import ROOT, print_table, run_official, save_results

BATCH = 1024  # entries per put_all of the put_all-batches method

# The measuring half, run in a subprocess by this client.
MEASURE = r"""
import json, sys, time
from pyignite import Client

ports, kind, n, cache_name, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
nodes = [('127.0.0.1', int(p)) for p in ports.split(',')]
client = Client(timeout=600, partition_aware=len(nodes) > 1)
client.connect(nodes) if len(nodes) > 1 else client.connect(*nodes[0])
cache = client.get_or_create_cache(cache_name)
start = time.perf_counter()
if kind == 'put_all':
    for lo in range(0, n, batch):
        cache.put_all({i: 'value-%d' % i for i in range(lo, min(n, lo + batch))})
else:
    with client.streamer(cache, mode='streamer' if kind == 'streamer' else 'put_all') as streamer:
        streamer.add_all((i, 'value-%d' % i) for i in range(n))
    assert streamer.loaded == n, streamer
elapsed = time.perf_counter() - start
size = cache.get_size()
client.close()
print(json.dumps({'seconds': elapsed, 'size': size}))
"""

# The official client's half: put_all batches through one node (its API has no streamer).
OFFICIAL = r"""
import json, sys, time
from pyignite import Client

port, n, cache_name, batch = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
client = Client(timeout=600)
client.connect('127.0.0.1', port)
cache = client.get_or_create_cache(cache_name)
start = time.perf_counter()
for lo in range(0, n, batch):
    cache.put_all({i: 'value-%d' % i for i in range(lo, min(n, lo + batch))})
elapsed = time.perf_counter() - start
size = cache.get_size()
client.close()
print(json.dumps({'seconds': elapsed, 'size': size}))
"""

KINDS = ("streamer", "pipelined", "put_all")
LABELS = {
    "streamer": "streamer",
    "pipelined": "pipelined put_all (the streamer's fallback)",
    "put_all": f"put_all batches of {BATCH}, one at a time",
}
OFFICIAL_MAX = 200_000


def jvm_cpu(pid: int) -> float:
    """CPU seconds (user + system) the node's JVM has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished client subprocesses so far."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def cluster_cpu(pids: List[int]) -> float:
    return sum(jvm_cpu(p) for p in pids)


def settle(pids: List[int], limit: float = 60.0) -> None:
    """Wait (at most ``limit`` s) until the nodes use under 10% of a core: the previous run's cache
    is being freed in the background, which would otherwise count against the next method."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cluster_cpu(pids)
        time.sleep(0.5)
        if cluster_cpu(pids) - before < 0.05:
            return


def run_ours(ports: List[int], kind: str, n: int, cache: str) -> Dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    res = subprocess.run(
        [sys.executable, "-c", MEASURE, ",".join(map(str, ports)), kind, str(n), cache, str(BATCH)],
        capture_output=True, text=True, env=env, timeout=900, cwd=str(ROOT / "bench"))
    if res.returncode != 0:
        raise RuntimeError(f"measuring {kind} failed:\n{res.stdout}\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure_cluster(args: argparse.Namespace, nodes: int) -> Dict[str, Any]:
    """Every method on a cluster of ``nodes`` nodes: rates (entries/s) and node CPU (ms per 1,000
    entries) of each round."""
    import harness  # importable once bench/common.py has put server/ on sys.path

    sys.path.insert(0, str(ROOT))
    from pyignite import Client

    n = args.entries
    cluster = harness.Cluster(f"bench-streamer-{nodes}", base_port=args.port - harness.PORT_OFFSET, nodes=nodes,
                              region_mb=1024, jvm_opts=harness.FULL_JIT if args.jit == "full" else None)
    cluster.start()
    kinds = KINDS + (("official",) if nodes == 1 and not args.no_official else ())
    rates: Dict[str, List[float]] = {k: [] for k in kinds}
    cpu: Dict[str, List[float]] = {k: [] for k in kinds}
    client_cpu: Dict[str, List[float]] = {k: [] for k in kinds}
    try:
        ports = cluster.ports
        pids = [node.pid for node in cluster.nodes if node.pid is not None]
        admin = Client(timeout=600).connect("127.0.0.1", ports[0])
        run = 0

        def one(kind: str, count: int, record: bool) -> None:
            nonlocal run
            run += 1
            name = f"bench_stream_{nodes}_{run}"
            settle(pids)
            cpu_before = cluster_cpu(pids)
            child_before = children_cpu()
            if kind == "official":
                r = run_official(OFFICIAL, str(ports[0]), str(count), name, str(BATCH), timeout=900)
            else:
                r = run_ours(ports, kind, count, name)
            used = cluster_cpu(pids) - cpu_before
            client_used = children_cpu() - child_before  # the whole client process, start-up included
            if r["size"] != count:
                raise RuntimeError(f"{kind}: the cache holds {r['size']} entries, not {count}")
            admin.get_cache(name).destroy()
            if record:
                rates[kind].append(count / r["seconds"])
                cpu[kind].append(used * 1000 / count * 1000)  # ms per 1,000 entries
                client_cpu[kind].append(client_used * 1000 / count * 1000)
                print(f"[bench] {nodes} node(s), {kind}: {count / r['seconds']:,.0f} entries/s, "
                      f"node CPU {used:.1f} s, client CPU {client_used:.1f} s", file=sys.stderr, flush=True)

        for kind in KINDS:  # warm the nodes' JIT up on every path first (a full run: C2 compiling
            # the per-batch paths costs seconds of node CPU), so no method pays for it
            one(kind, n, False)
        for _ in range(args.rounds):
            for kind in KINDS:
                one(kind, n, True)
        if "official" in kinds:  # slow: one run, on fewer entries
            one("official", min(n, OFFICIAL_MAX), True)
        admin.close()
    finally:
        cluster.stop()
    return {"rates": rates, "node_cpu_ms_per_1000": cpu, "client_cpu_ms_per_1000": client_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", "--repeat", type=int, default=3, help="alternating rounds of the methods")
    parser.add_argument("--nodes", default="1,2", help="cluster sizes to measure, e.g. 1 or 1,2")
    parser.add_argument("--port", type=int, default=11090, help="first client port of the benchmark nodes")
    parser.add_argument("--jit", choices=("full", "c1"), default="full",
                        help="the nodes' JIT: full (C2, as in production) or c1 (the test nodes' setting)")
    parser.add_argument("--no-official", action="store_true", help="leave out the official client's run")
    args = parser.parse_args()
    n = args.entries
    sizes = [int(s) for s in args.nodes.split(",") if s]

    results: Dict[str, Any] = {}
    for nodes in sizes:
        results[str(nodes)] = measure_cluster(args, nodes)

    med = {k: {kind: statistics.median(v) for kind, v in r["rates"].items()} for k, r in results.items()}
    theirs = med.get("1", {}).get("official")
    rows = []
    for nodes in sizes:
        m = med[str(nodes)]
        where = "1 node" if nodes == 1 else f"{nodes} nodes"
        for kind in KINDS:
            rows.append((f"{LABELS[kind]}, {where}", m[kind], theirs, None))
    print_table(f"Bulk loading {n:,} entries (int key, str value; medians of {args.rounds} rounds)",
                rows, unit="entries/s")
    lines = [
        f"## This client: streamer vs put_all batches ({n:,} entries, nodes with {args.jit} JIT)", "",
        "| nodes | method | entries/s (median) | vs put_all batches | node CPU, ms per 1,000 entries (median) "
        "| client CPU, ms per 1,000 entries (median) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for nodes in sizes:
        r, m = results[str(nodes)], med[str(nodes)]
        for kind in r["rates"]:
            label = "official 0.6.1 put_all batches" if kind == "official" else LABELS[kind]
            lines.append(f"| {nodes} | {label} | {m[kind]:,.0f} | {m[kind] / m['put_all']:.2f}x | "
                         f"{statistics.median(r['node_cpu_ms_per_1000'][kind]):.2f} | "
                         f"{statistics.median(r['client_cpu_ms_per_1000'][kind]):.2f} |")
    print("\n".join(lines) + "\n", flush=True)
    save_results("streamer", {"entries": n, "rounds": args.rounds, "jit": args.jit, "clusters": results,
                              "date_run": time.strftime("%H:%M")})


if __name__ == "__main__":
    main()
