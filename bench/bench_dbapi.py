"""Benchmark: the DB-API driver's executemany and DataFrame reads, against the official pyignite 0.6.1.

    .venv/bin/python bench/bench_dbapi.py [--rows 1000000] [--many 10000] [--port 11090]

One SQL node is started (a 1 GiB data region). Measured, each in a fresh subprocess:

* **executemany**: ``--many`` rows ``(id INT, v VARCHAR, d DOUBLE)`` inserted by
  ``pyignite.dbapi`` ``cursor.executemany('INSERT ... VALUES (?, ?, ?)', rows)`` (multi-row
  statements); the official client has no DB-API driver, so its half is what its users write: one
  ``client.sql('INSERT ...', query_args=row)`` per row;
* **DataFrame read**: a table of ``--rows`` rows ``(id INT, v VARCHAR, d DOUBLE)`` read into a pandas
  DataFrame: ``pyignite.dbapi.read_frame(cursor)`` (columns built page by page), and for comparison
  ``pd.DataFrame(cursor.fetchall())`` with this driver; the official client's half is
  ``pd.DataFrame(list(client.sql(...)))`` over the first ``--peer-rows`` rows (200,000: it reads about
  3,000 rows/s, so a million would take six minutes; rows/s are compared). Both read with
  ``page_size=1024``. pandas is installed
  into the official client's virtualenv for this (once).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, List

from common import ROOT, official_python, print_table, run_official, save_results

TABLE = "DBBENCH"

OURS_MANY = r"""
import json, sys, time
from pyignite import dbapi
port, n, table = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = [(i, 'value-%d' % i, i / 3) for i in range(n)]
with dbapi.connect(host='127.0.0.1', port=port) as conn:
    cur = conn.cursor()
    start = time.perf_counter()
    cur.executemany('INSERT INTO %s (id, v, d) VALUES (?, ?, ?)' % table, rows)
    elapsed = time.perf_counter() - start
    cur.execute('SELECT COUNT(*) FROM %s' % table)
    count = cur.fetchone()[0]
print(json.dumps({'seconds': elapsed, 'count': count}))
"""

OFFICIAL_MANY = r"""
import json, sys, time
from pyignite import Client
port, n, table = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = [(i, 'value-%d' % i, i / 3) for i in range(n)]
client = Client()
client.connect('127.0.0.1', port)
start = time.perf_counter()
for row in rows:
    client.sql('INSERT INTO %s (id, v, d) VALUES (?, ?, ?)' % table, query_args=list(row))
elapsed = time.perf_counter() - start
count = list(client.sql('SELECT COUNT(*) FROM %s' % table))[0][0]
client.close()
print(json.dumps({'seconds': elapsed, 'count': count}))
"""

OURS_READ = r"""
import json, sys, time
import pandas as pd
from pyignite import dbapi
port, kind = int(sys.argv[1]), sys.argv[2]
with dbapi.connect(host='127.0.0.1', port=port, page_size=1024) as conn:
    cur = conn.cursor()
    start = time.perf_counter()
    cur.execute('SELECT id, v, d FROM DBBENCH')
    if kind == 'read_frame':
        frame = dbapi.read_frame(cur)
    else:
        frame = pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
    elapsed = time.perf_counter() - start
print(json.dumps({'seconds': elapsed, 'rows': len(frame), 'sum': int(frame.iloc[:, 0].sum()),
                  'dtypes': [str(t) for t in frame.dtypes]}))
"""

OFFICIAL_READ = r"""
import json, sys, time
import pandas as pd
from pyignite import Client
port = int(sys.argv[1])
client = Client()
client.connect('127.0.0.1', port)
start = time.perf_counter()
cursor = client.sql('SELECT id, v, d FROM DBBENCH WHERE id <= ?', page_size=1024, include_field_names=True,
                    query_args=[int(sys.argv[2])])
names = next(cursor)
frame = pd.DataFrame(list(cursor), columns=names)
elapsed = time.perf_counter() - start
client.close()
print(json.dumps({'seconds': elapsed, 'rows': len(frame), 'sum': int(frame.iloc[:, 0].sum()),
                  'dtypes': [str(t) for t in frame.dtypes]}))
"""


def run_ours(script: str, *args: str) -> Dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    res = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                         timeout=900, cwd=str(ROOT / "bench"))
    if res.returncode != 0:
        raise RuntimeError(f"measuring failed:\n{res.stdout}\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def official_with_pandas() -> None:
    """The official client's virtualenv gets pandas (once) for its DataFrame half."""
    py = official_python()
    if subprocess.run([py, "-c", "import pandas"], capture_output=True).returncode != 0:
        print("[bench] installing pandas into the official client's virtualenv", file=sys.stderr)
        subprocess.run([py, "-m", "pip", "install", "-q", "pandas"], check=True)


def sql(port: int, statement: str, args: Any = None) -> Any:
    sys.path.insert(0, str(ROOT))
    from pyignite import Client

    with Client(timeout=600).connect("127.0.0.1", port) as client:
        return list(client.sql(statement, query_args=args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows read into a DataFrame")
    parser.add_argument("--many", type=int, default=10_000, help="rows inserted by executemany")
    parser.add_argument("--peer-rows", type=int, default=200_000,
                        help="rows the official client reads (it manages about 3,000 rows/s: a million would "
                             "take six minutes; its rate does not depend on the count)")
    parser.add_argument("--port", type=int, default=11090, help="client port of the benchmark node")
    args = parser.parse_args()

    import harness  # importable once bench/common.py has put server/ on sys.path

    official_with_pandas()
    cluster = harness.Cluster("bench-dbapi", base_port=args.port - harness.PORT_OFFSET, sql=True, region_mb=1024)
    cluster.start()
    results: Dict[str, Any] = {}
    try:
        port = cluster.ports[0]
        for who, script, runner in (("ours", OURS_MANY, run_ours), ("official", OFFICIAL_MANY, run_official)):
            table = f"MANY_{who.upper()}"
            sql(port, f"CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR, d DOUBLE)")
            r = runner(script, str(port), str(args.many), table)
            if r["count"] != args.many:
                raise RuntimeError(f"{who}: executemany left {r['count']} rows, not {args.many}")
            results[f"many-{who}"] = r
            sql(port, f"DROP TABLE {table}")
            print(f"[bench] executemany {args.many:,} rows, {who}: {r['seconds']:.2f} s", file=sys.stderr)

        start = time.perf_counter()
        sql(port, f'CREATE TABLE {TABLE} (id INT PRIMARY KEY, v VARCHAR, d DOUBLE) WITH "cache_name=dbbench"')
        batch = 100_000
        for lo in range(1, args.rows + 1, batch):
            hi = min(lo + batch - 1, args.rows)
            sql(port, f"INSERT INTO {TABLE} (id, v, d) SELECT x, CONCAT('value-', x), x / 3.0 "
                      "FROM SYSTEM_RANGE(?, ?)", [lo, hi])
        print(f"[bench] loaded {args.rows:,} rows in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        peer_rows = min(args.peer_rows, args.rows)
        for name, r in (("read_frame", run_ours(OURS_READ, str(port), "read_frame")),
                        ("fetchall", run_ours(OURS_READ, str(port), "fetchall")),
                        ("official", run_official(OFFICIAL_READ, str(port), str(peer_rows), timeout=900))):
            n = peer_rows if name == "official" else args.rows
            if r["rows"] != n or r["sum"] != n * (n + 1) // 2:
                raise RuntimeError(f"{name}: read {r}")
            results[f"read-{name}"] = r
            print(f"[bench] DataFrame of {args.rows:,} rows, {name}: {r['seconds']:.2f} s {r['dtypes']}",
                  file=sys.stderr)
    finally:
        cluster.stop()

    many, n, peer = args.many, args.rows, min(args.peer_rows, args.rows)
    rows: List[Any] = [
        (f"executemany INSERT {many:,} rows (official: one sql() per row)",
         many / results["many-ours"]["seconds"], many / results["many-official"]["seconds"], None),
        (f"DataFrame of {n:,} rows: read_frame (official: pd.DataFrame(list(cursor)) of {peer:,} rows)",
         n / results["read-read_frame"]["seconds"], peer / results["read-official"]["seconds"], None),
        (f"DataFrame of {n:,} rows: pd.DataFrame(fetchall()) (official: pd.DataFrame(list(cursor)) of {peer:,} rows)",
         n / results["read-fetchall"]["seconds"], peer / results["read-official"]["seconds"], None),
    ]
    print_table("DB-API driver and pandas", rows, unit="rows/s")
    save_results("dbapi", {"rows": n, "many": many, "peer_rows": peer, "results": results})


if __name__ == "__main__":
    main()
