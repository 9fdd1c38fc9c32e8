"""Benchmark: bulk loading 1,000,000 entries -- the data streamer vs ``put_all`` batches, and the
official pyignite 0.6.1's ``put_all`` batches.

    .venv/bin/python bench/bench_streamer.py [--entries 1000000] [--repeat 2] [--port 11090]

One node is started (a 1 GiB data region). Each measurement runs in a fresh subprocess that loads
``--entries`` ``(int, str)`` entries into an empty cache and checks the cache size afterwards:

* **streamer**: ``client.streamer(cache)`` (server streamer batches of 1024 entries, 4 in flight);
* **pipelined put_all**: ``client.streamer(cache, mode="put_all")`` -- the fallback used where the
  server lacks the streamer: the same batches as ``put_all`` requests, 4 in flight;
* **put_all batches**: ``cache.put_all()`` of 1024 entries at a time, one after the other -- what a
  program does without a streamer; the official client runs the same code.

A warm-up run of each method comes first (the node's JIT compiles every path), then the runs are
interleaved and repeated (``--repeat``); the best rate of each is reported (the machine is shared,
so the best run is the one least disturbed). The second table gives this client's
streamer/put_all ratios and the node's CPU time per 1,000 entries (``/proc/<pid>/stat``), which is
what the streamer saves on the server whatever else runs on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, List

from common import ROOT, print_table, run_official, save_results

# The measuring half, run in a subprocess by both clients (put_all batches: same code in both APIs).
MEASURE = r"""
import json, sys, time
from pyignite import Client

port, kind, n, cache_name = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
client = Client(timeout=600)
client.connect('127.0.0.1', port)
cache = client.get_or_create_cache(cache_name)
batch = 1024
start = time.perf_counter()
if kind == 'put_all':
    for lo in range(0, n, batch):
        cache.put_all({i: 'value-%d' % i for i in range(lo, min(n, lo + batch))})
else:
    mode = 'streamer' if kind == 'streamer' else 'put_all'
    with client.streamer(cache, mode=mode, per_node_buffer=batch) as streamer:
        streamer.add_all((i, 'value-%d' % i) for i in range(n))
elapsed = time.perf_counter() - start
size = cache.get_size()
client.close()
print(json.dumps({'seconds': elapsed, 'size': size}))
"""

KINDS = ("streamer", "pipelined", "put_all")


def jvm_cpu(pid: int) -> float:
    """CPU seconds (user + system) the node's JVM has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_ours(port: int, kind: str, n: int, cache: str) -> Dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    res = subprocess.run([sys.executable, "-c", MEASURE, str(port), kind, str(n), cache],
                         capture_output=True, text=True, env=env, timeout=900, cwd=str(ROOT / "bench"))
    if res.returncode != 0:
        raise RuntimeError(f"measuring {kind} failed:\n{res.stdout}\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--port", type=int, default=11090, help="client port of the benchmark node")
    args = parser.parse_args()
    n = args.entries

    import harness  # importable once bench/common.py has put server/ on sys.path

    sys.path.insert(0, str(ROOT))
    from pyignite import Client

    cluster = harness.Cluster("bench-streamer", base_port=args.port - harness.PORT_OFFSET, region_mb=1024)
    cluster.start()
    rates: Dict[str, List[float]] = {k: [] for k in (*KINDS, "official")}
    cpu: Dict[str, List[float]] = {k: [] for k in (*KINDS, "official")}
    try:
        port = cluster.ports[0]
        pid = cluster.nodes[0].pid
        assert pid is not None
        admin = Client(timeout=600).connect("127.0.0.1", port)
        run = 0
        for kind in KINDS:  # warm the node's JIT up on every path first, so no method pays for it
            run += 1
            run_ours(port, kind, min(n, 50_000), f"bench_stream_{run}")
            admin.get_cache(f"bench_stream_{run}").destroy()
        for _ in range(args.repeat):
            for kind in (*KINDS, "official"):
                run += 1
                name = f"bench_stream_{run}"
                cpu_before = jvm_cpu(pid)
                if kind == "official":
                    r = run_official(MEASURE, str(port), "put_all", str(n), name, timeout=900)
                else:
                    r = run_ours(port, kind, n, name)
                used = jvm_cpu(pid) - cpu_before
                if r["size"] != n:
                    raise RuntimeError(f"{kind}: the cache holds {r['size']} entries, not {n}")
                admin.get_cache(name).destroy()
                rates[kind].append(n / r["seconds"])
                cpu[kind].append(used * 1000 / n * 1000)  # ms per 1,000 entries
                print(f"[bench] {kind}: {n / r['seconds']:,.0f} entries/s, node CPU {used:.1f} s", file=sys.stderr)
        admin.close()
    finally:
        cluster.stop()

    best = {k: max(v) for k, v in rates.items()}
    theirs = best["official"]
    print_table(f"Bulk loading {n:,} entries (int key, str value)", [
        ("streamer (batches of 1024, 4 in flight)", best["streamer"], theirs, None),
        ("pipelined put_all (the streamer's fallback)", best["pipelined"], theirs, None),
        ("put_all batches of 1024, one at a time", best["put_all"], theirs, None),
    ], unit="entries/s")
    lines = [
        f"## This client: streamer vs put_all batches ({n:,} entries)", "",
        "| method | entries/s (best) | vs put_all batches | node CPU, ms per 1,000 entries (least) |",
        "|---|---:|---:|---:|",
    ]
    for kind, label in (("streamer", "streamer"), ("pipelined", "pipelined put_all"),
                        ("put_all", "put_all batches"), ("official", "official 0.6.1 put_all batches")):
        lines.append(f"| {label} | {best[kind]:,.0f} | {best[kind] / best['put_all']:.2f}x | {min(cpu[kind]):.1f} |")
    print("\n".join(lines) + "\n", flush=True)
    save_results("streamer", {"entries": n, "rates": rates, "node_cpu_ms_per_1000": cpu,
                              "date_run": time.strftime("%H:%M")})


if __name__ == "__main__":
    main()
