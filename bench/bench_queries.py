"""Benchmark: scanning and selecting up to 1,000,000 rows, against the official pyignite 0.6.1.

    .venv/bin/python bench/bench_queries.py [--rows 1000000] [--small 100000] [--port 11080]

One SQL node is started (a 1 GiB data region) and a table of ``--rows`` rows ``(id INT, v VARCHAR)``
is loaded with ``INSERT ... SELECT FROM SYSTEM_RANGE`` batches (its cache keeps plain keys and
values, so a scan yields ``(int, str)`` pairs as the SQL query yields ``[int, str]`` rows). Then, for
each client, in a fresh subprocess each:

* **scan**: ``cache.scan(page_size=1024)``, reading the first N entries;
* **select**: ``client.sql('SELECT id, v FROM t WHERE id <= ?', page_size=1024, lazy=True)``.

Reported: rows/s at N = ``--rows`` for both clients with the peak resident memory (``VmHWM``) of
the process; and for this client, at N = ``--small`` and N = ``--rows``, the peak RSS and the peak of
Python allocations while reading (``tracemalloc``, a separate run) -- streaming cursors keep both flat.
The floor (the last column) reads the same pages over a bare socket without decoding a row (their row
counts are in the page headers), in a process of its own for its peak RSS. The official client's
select is slow, so the whole run takes about three minutes.
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

TABLE = "QBENCH"
CACHE = "qbench"

# The measuring half, run in a subprocess by both clients (same code: the APIs agree).
MEASURE = r"""
import json, sys, time, tracemalloc
def hwm():
    # peak RSS of this process image (VmHWM): ru_maxrss would include the parent's peak, which Linux
    # carries across fork and exec (the benchmark process that loaded the table is bigger than a client)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0
from pyignite import Client

port, kind, n, trace = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4] == 'trace'
client = Client()
client.connect('127.0.0.1', port)
base = hwm()
if trace:
    tracemalloc.start()
count = 0
checksum = 0
start = time.perf_counter()
if kind == 'scan':
    cursor = client.get_cache('qbench').scan(page_size=1024)
    with cursor:
        for key, value in cursor:
            checksum += key
            count += 1
            if count == n:
                break
else:
    cursor = client.sql('SELECT id, v FROM QBENCH WHERE id <= ?', page_size=1024, query_args=[n], lazy=True)
    with cursor:
        for row in cursor:
            checksum += row[0]
            count += 1
elapsed = time.perf_counter() - start
peak = hwm()
traced = tracemalloc.get_traced_memory()[1] if trace else None
client.close()
print(json.dumps({'rows': count, 'seconds': elapsed, 'base_kb': base, 'peak_kb': peak, 'traced_peak': traced,
                  'checksum': checksum}))
"""


# The floor: the same query over a bare socket (pre-encoded first request, page requests packed by
# hand), reading the first N rows' bytes without decoding a row -- the row count of each page is in its
# header and "more pages" is its last byte. Run in its own process too, for its peak RSS.
RAW = r"""
import json, socket, struct, sys, time
def hwm():
    # peak RSS of this process image (VmHWM): ru_maxrss would include the parent's peak, which Linux
    # carries across fork and exec (the benchmark process that loaded the table is bigger than a client)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0

port, kind, n, first, handshake = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), bytes.fromhex(sys.argv[4]), \
    bytes.fromhex(sys.argv[5])
sock = socket.create_connection(("127.0.0.1", port))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buf = bytearray()

def frame():
    global buf
    while len(buf) < 4:
        buf += sock.recv(1 << 16)
    end = 4 + struct.unpack_from("<i", buf)[0]
    while len(buf) < end:
        buf += sock.recv(max(1 << 16, end - len(buf)))
    out = bytes(buf[4:end])
    del buf[:end]
    return out

sock.sendall(handshake)
assert frame()[0] == 1, "handshake refused"
base = hwm()
start = time.perf_counter()
sock.sendall(first)
reply = frame()
flags = struct.unpack_from("<h", reply, 8)[0]
assert not flags & 1, "query failed"
pos = 10 + (12 if flags & 2 else 0)
cursor = struct.unpack_from("<q", reply, pos)[0]
pos += 8
if kind == "select":
    pos += 4  # column count (no field names)
count = struct.unpack_from("<i", reply, pos)[0]
more = reply[-1]
page_op = 2001 if kind == "scan" else 2005
request_id = 2
while more and count < n:
    sock.sendall(struct.pack("<ihqq", 18, page_op, request_id, cursor))
    request_id += 1
    reply = frame()
    pos = 10 + (12 if struct.unpack_from("<h", reply, 8)[0] & 2 else 0)
    count += struct.unpack_from("<i", reply, pos)[0]
    more = reply[-1]
elapsed = time.perf_counter() - start
peak = hwm()
sock.close()
print(json.dumps({"rows": min(count, n), "seconds": elapsed, "base_kb": base, "peak_kb": peak}))
"""


def run_raw(port: int, kind: str, n: int) -> Dict[str, Any]:
    """The floor of ``kind`` for ``n`` rows (see :data:`RAW`)."""
    sys.path.insert(0, str(ROOT))
    from pyignite.protocol import query_ops
    from pyignite.protocol.cache_ops import CacheRef
    from pyignite.protocol.frames import stamp
    from pyignite.protocol.handshake import build_handshake

    if kind == "scan":
        req, _ = query_ops.scan(CacheRef(CACHE), page_size=1024)
    else:
        req, _ = query_ops.sql_fields(f"SELECT id, v FROM {TABLE} WHERE id <= ?", page_size=1024, query_args=[n],
                                      lazy=True)
    stamp(req.frame, 1)
    res = subprocess.run([sys.executable, "-c", RAW, str(port), kind, str(n), bytes(req.frame).hex(),
                          bytes(build_handshake((1, 7, 0))).hex()],
                         capture_output=True, text=True, timeout=900, cwd=str(ROOT / "bench"))
    if res.returncode != 0:
        raise RuntimeError(f"raw {kind} failed:\n{res.stdout}\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_ours(port: int, kind: str, n: int, trace: bool = False) -> Dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    res = subprocess.run([sys.executable, "-c", MEASURE, str(port), kind, str(n), "trace" if trace else "-"],
                         capture_output=True, text=True, env=env, timeout=900, cwd=str(ROOT / "bench"))
    if res.returncode != 0:
        raise RuntimeError(f"measuring {kind} failed:\n{res.stdout}\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def load(port: int, rows: int) -> float:
    sys.path.insert(0, str(ROOT))
    from pyignite import Client

    start = time.perf_counter()
    with Client(timeout=600).connect("127.0.0.1", port) as client:
        client.sql(f'CREATE TABLE {TABLE} (id INT PRIMARY KEY, v VARCHAR) '
                   f'WITH "wrap_key=false,wrap_value=false,cache_name={CACHE}"')
        batch = 100_000
        for lo in range(1, rows + 1, batch):
            hi = min(lo + batch - 1, rows)
            client.sql(f"INSERT INTO {TABLE} (id, v) SELECT x, CONCAT('value-', x) FROM SYSTEM_RANGE(?, ?)",
                       query_args=[lo, hi])
        (count,) = next(client.sql(f"SELECT COUNT(*) FROM {TABLE}"))
        assert count == rows, count
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=11080, help="client port of the benchmark node")
    args = parser.parse_args()
    big, small = args.rows, args.small

    import harness  # importable once bench/common.py has put server/ on sys.path

    cluster = harness.Cluster("bench-queries", base_port=args.port - harness.PORT_OFFSET, sql=True, region_mb=1024)
    cluster.start()
    try:
        port = cluster.ports[0]
        loaded = load(port, big)
        print(f"[bench] loaded {big:,} rows in {loaded:.1f} s", file=sys.stderr)
        results: Dict[str, Dict[str, Any]] = {}

        def check(who: str, kind: str, n: int, r: Dict[str, Any]) -> Dict[str, Any]:
            if r["rows"] != n or (kind == "select" and r["checksum"] != n * (n + 1) // 2):
                raise RuntimeError(f"{who}: {kind} of {n} rows returned {r}")
            return r

        for kind in ("scan", "select"):  # warm the node up (query plans, JIT) before anything is timed
            run_raw(port, kind, small)
        for kind in ("scan", "select"):
            # throughput and peak RSS at the full size, for both clients
            ours = check("ours", kind, big, run_ours(port, kind, big))
            theirs = check("official", kind, big, run_official(MEASURE, str(port), kind, str(big), "-", timeout=900))
            raw = run_raw(port, kind, big)
            if raw["rows"] != big:
                raise RuntimeError(f"raw: {kind} of {big} rows returned {raw}")
            results[f"{kind}-{big}"] = {"ours": ours, "official": theirs, "floor": raw}
            print(f"[bench] {kind} {big:,}: ours {big / ours['seconds']:,.0f} rows/s, "
                  f"official {big / theirs['seconds']:,.0f} rows/s", file=sys.stderr)
            # memory of ours at both sizes: peak RSS, and the peak of Python allocations while reading
            results[f"{kind}-{small}"] = {"ours": check("ours", kind, small, run_ours(port, kind, small))}
            for n in (small, big):
                results[f"{kind}-{n}"]["ours-traced"] = check("ours", kind, n, run_ours(port, kind, n, trace=True))
    finally:
        cluster.stop()

    rows: List[Any] = []
    for kind in ("scan", "select"):
        r = results[f"{kind}-{big}"]
        rows.append((f"{kind} {big:,} rows (page 1024)", big / r["ours"]["seconds"], big / r["official"]["seconds"],
                     big / r["floor"]["seconds"]))
    print_table("Query throughput", rows, unit="rows/s")

    mem_rows: List[Any] = []
    for kind in ("scan", "select"):
        r = results[f"{kind}-{big}"]
        mem_rows.append((f"{kind} {big:,} rows: peak RSS", r["ours"]["peak_kb"] / 1024,
                         r["official"]["peak_kb"] / 1024, r["floor"]["peak_kb"] / 1024))
    print_table("Peak resident memory of the client process (MiB; lower is better)", mem_rows, unit="MiB")

    print(f"| operation | peak RSS, {small:,} rows (MiB) | peak RSS, {big:,} rows (MiB) "
          f"| peak Python allocations while reading, {small:,} rows (KiB) | same, {big:,} rows (KiB) |")
    print("|---|---:|---:|---:|---:|")
    for kind in ("scan", "select"):
        a, b = results[f"{kind}-{small}"], results[f"{kind}-{big}"]
        print(f"| {kind} (pyignite) | {a['ours']['peak_kb'] / 1024:.1f} | {b['ours']['peak_kb'] / 1024:.1f} "
              f"| {a['ours-traced']['traced_peak'] / 1024:,.0f} | {b['ours-traced']['traced_peak'] / 1024:,.0f} |")
    print()
    save_results("queries", {"rows": big, "small": small, "load_seconds": loaded, "results": results})


if __name__ == "__main__":
    main()
