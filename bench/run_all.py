"""Run every benchmark of ``bench/`` and print ONE table (``scripts/bench``).

    scripts/bench [--quick] [--only codec,binary] [--skip queries] [--list] [--merge] [--floor] [--pin]

What it does:

1. installs the official pyignite 0.6.1 into its own virtualenv (``bench/.venv-official``,
   :func:`common.official_python`) if it is not there yet;
2. runs every ``bench/bench_*.py`` in its own process, one after the other (the machine has two
   cores: benchmarks running side by side would measure each other). Each benchmark starts the
   Ignite nodes it needs (``common.ignite_cluster``) and stops them; this runner gives each one a
   distinct client port, shifted by ``PYIGNITE_PORT_OFFSET`` like the test nodes (see
   :data:`BENCHMARKS`);
3. collects the tables the benchmarks print and prints them as one table -- benchmark, operation,
   unit, pyignite, official 0.6.1, ratio, raw-socket floor -- and saves it in
   ``bench/results/summary.json`` (the docs' benchmark page shows it). Each benchmark's own output is
   kept in ``<run dir>/bench-logs/<name>.log`` (``PYIGNITE_RUN_DIR``, default ``server/run``).

Interface of a benchmark module (``bench/bench_<name>.py``):

* it runs as a script (``python bench/bench_<name>.py [options]``) and exits 0 on success;
* it prints its results with :func:`common.print_table` -- rows of (operation, ours, theirs, floor),
  unit in the header -- which is what this runner reads (tables in another format are left in the
  log); it may also keep its raw numbers with :func:`common.save_results`;
* options it may offer, passed only when its ``--help`` lists them: ``--quick`` (a short run),
  ``--port`` (see :data:`BENCHMARKS` for what it means per module). The modules this runner knows
  get the sizes of :data:`BENCHMARKS` instead.

A benchmark that fails (non-zero exit, no table, time limit) is reported with the end of its log,
and the others still run; the exit status is then 1. The whole full run takes about 17 minutes on
two cores (the floor table alone about 6); ``--quick`` takes under one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import common  # noqa: E402  (bench/ is on sys.path, as for the benchmark scripts)
import harness  # noqa: E402  (server/ is on sys.path through common)

#: each benchmark's full output (under the nodes' run directory, which git ignores)
LOGS = harness.RUN_DIR / "bench-logs"

#: How this runner drives the benchmarks it knows (others run with their defaults, or ``--quick``):
#: ``full``/``quick`` -- the arguments of each mode; ``limit`` -- seconds before the run is stopped
#: (full mode; quick mode gets half); ``node`` -- a node this runner starts for the benchmark and
#: passes as ``--port`` (the base client port, shifted by PYIGNITE_PORT_OFFSET); ``port`` -- a port
#: passed to a benchmark that starts its own node there (shifted the same way).
#: Ports: the test nodes of a session use 10900-10989 + its offset, and sessions side by side use
#: offsets 100 apart, so 10990-10999 + offset is free: the benchmarks, run one at a time, all use
#: client port 10990 + offset (a node's IP finder lists the ten discovery ports from its cluster's
#: base, 20990-20999 + offset here, so it cannot join another session's nodes).
BENCHMARKS: Dict[str, Dict[str, Any]] = {
    "codec": {
        "full": ["--values", "2000", "--repeat", "5", "--min-time", "0.2"],
        "quick": ["--values", "500", "--repeat", "2", "--min-time", "0.1"],
        "limit": 240,
    },
    "binary": {
        "full": ["--count", "100000", "--repeat", "3"],
        "quick": ["--count", "20000", "--repeat", "2"],
        "limit": 300,
    },
    "concurrency": {
        "full": ["--seconds", "2"],
        "quick": ["--seconds", "0.5"],
        "node": {"base_port": 10990, "nodes": 1, "sql": False},
        "limit": 300,
    },
    "queries": {
        "full": ["--rows", "1000000", "--small", "100000"],
        "quick": ["--rows", "50000", "--small", "10000"],
        "port": 10990,
        "limit": 480,
    },
    "dbapi": {
        "full": ["--rows", "1000000", "--many", "10000"],
        "quick": ["--rows", "50000", "--many", "2000"],
        "port": 10990,
        "limit": 600,  # loading the million rows takes most of it
    },
    "floor": {
        "full": ["--rounds", "3", "--seconds", "0.8", "--sizes", "1000,10000,100000"],
        "quick": ["--quick"],
        "node": {"base_port": 10990, "nodes": 1, "sql": False},
        "limit": 900,
    },
    "streamer": {  # a 1-node and a 2-node cluster: 10990-10991
        "full": ["--entries", "1000000", "--rounds", "3", "--nodes", "1,2"],
        "quick": ["--entries", "50000", "--rounds", "1", "--nodes", "1"],
        "port": 10990,
        "limit": 900,
    },
    "partition_awareness": {
        "full": ["--seconds", "1", "--repeat", "3"],
        "quick": ["--quick"],
        "port": 10990,  # a 3-node cluster: 10990-10992
        "limit": 300,
    },
}

#: a row of a print_table table: | operation | ours | theirs | ratio | floor |
_ROW = re.compile(r"^\|(.+)\|(.+)\|(.+)\|(.+)\|(.+)\|\s*$")
_UNIT = re.compile(r"pyignite \((.+)\)")


def discover() -> List[str]:
    """Names of the benchmarks in bench/ (``bench_<name>.py``), in a stable order."""
    names = sorted(p.stem[len("bench_"):] for p in BENCH_DIR.glob("bench_*.py"))
    known = [n for n in BENCHMARKS if n in names]
    return known + [n for n in names if n not in BENCHMARKS]


def parse_tables(text: str) -> List[Dict[str, Any]]:
    """The rows of every :func:`common.print_table` table in ``text``.

    Each row is ``{'title', 'operation', 'unit', 'ours', 'theirs', 'floor'}`` (numbers or None).
    Tables with another header are skipped.
    """
    rows: List[Dict[str, Any]] = []
    title = ""
    unit: Optional[str] = None
    floor_format = False
    for line in text.splitlines():
        if line.startswith("## "):
            title, unit, floor_format = line[3:].strip(), None, False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if cells[:3] == ["operation", "unit", "pyignite"]:  # bench_floor's table: the unit in each row
            floor_format = True
            continue
        if floor_format:
            if len(cells) != 7:
                floor_format = False
            elif not set(cells[2]) <= set("-:"):
                rows.append({
                    "title": title, "operation": cells[0], "unit": cells[1],
                    "ours": _number(cells[2]), "theirs": _number(cells[3]), "floor": _number(cells[4]),
                    # its ratios are medians of each round's own ratio: kept as printed
                    "ours/floor": _number(cells[5]), "ratio": _number(cells[6].rstrip("x")),
                })
            continue
        m = _ROW.match(line)
        if m is None:
            unit = None  # a blank line or anything else ends a table
            continue
        cells = [c.strip() for c in m.groups()]
        header = _UNIT.match(cells[1])
        if header and cells[0] == "operation" and cells[2].startswith("official"):
            unit = header.group(1)
            continue
        if cells[0] == "operation":  # the header of a table in another format
            unit = None
            continue
        if unit is None or set(cells[1]) <= set("-:"):
            continue
        rows.append({
            "title": title, "operation": cells[0], "unit": unit,
            "ours": _number(cells[1]), "theirs": _number(cells[2]), "floor": _number(cells[4]),
        })
    return rows


def _number(cell: str) -> Optional[float]:
    cell = cell.replace(",", "").strip()
    if cell in ("", "-", "--"):
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _supported_options(script: Path) -> str:
    """The ``--help`` text of a benchmark (empty if it has none)."""
    try:
        res = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60,
                             cwd=str(common.ROOT))
    except subprocess.TimeoutExpired:
        return ""
    return res.stdout if res.returncode == 0 else ""


def _has_option(help_text: str, option: str) -> bool:
    return re.search(rf"(^|[\s,\[]){re.escape(option)}\b", help_text) is not None


def _drop_unsupported(args: List[str], help_text: str) -> List[str]:
    """Leave out ``--option value`` pairs the benchmark's ``--help`` does not list."""
    out: List[str] = []
    i = 0
    while i < len(args):
        opt = args[i]
        value = args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("--") else None
        if _has_option(help_text, opt):
            out.append(opt)
            if value is not None:
                out.append(value)
        i += 2 if value is not None else 1
    return out


@contextlib.contextmanager
def _node_for(name: str, spec: Optional[Dict[str, Any]]) -> Iterator[Optional[int]]:
    """Start the node a benchmark is given with ``--port`` (if the runner provides one)."""
    if spec is None:
        yield None
        return
    with common.ignite_cluster(f"bench-{name}", **spec) as ports:
        yield ports[0]


def run_one(name: str, quick: bool, pin: bool = False) -> Tuple[List[Dict[str, Any]], Optional[str], float]:
    """Run ``bench_<name>.py``; return its rows, an error message (or None) and its duration.

    ``pin``: a benchmark that offers ``--pin`` gets it and starts its own node, pinned apart from its
    clients (``bench.common.pin_apart``); the others run as usual."""
    script = BENCH_DIR / f"bench_{name}.py"
    spec = BENCHMARKS.get(name, {})
    help_text = _supported_options(script)
    args: List[str]
    if spec:
        args = _drop_unsupported(list(spec["quick" if quick else "full"]), help_text)
    else:
        args = ["--quick"] if quick and _has_option(help_text, "--quick") else []
    pinned = pin and _has_option(help_text, "--pin")
    if pinned:
        args.append("--pin")
    # pinned, a benchmark starts its own nodes (on the CPUs it keeps for them), not the runner's
    node = spec.get("node") if _has_option(help_text, "--port") and not pinned else None
    if spec.get("port") is not None and _has_option(help_text, "--port"):
        args += ["--port", str(spec["port"] + harness.PORT_OFFSET)]
    limit = float(spec.get("limit", 600)) / (2 if quick else 1)

    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"{name}.log"
    started = time.perf_counter()
    error: Optional[str] = None
    output = ""
    _say(f"{name}: running bench/bench_{name}.py {' '.join(args)}".rstrip())
    try:
        with _node_for(name, node) as port, open(log_path, "w") as log:
            cmd = [sys.executable, str(script), *args]
            if port is not None:
                cmd += ["--port", str(port)]
            log.write(f"$ {' '.join(cmd)}\n")
            log.flush()
            try:
                # cwd: the run directory, so whatever the nodes write relative to their working
                # directory (Ignite's diagnostic dumps...) stays out of the checkout
                res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=log, text=True, timeout=limit,
                                     cwd=str(LOGS))
                output = res.stdout
                if res.returncode != 0:
                    error = f"exited with status {res.returncode}"
            except subprocess.TimeoutExpired as exc:
                output = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode(errors="replace")
                error = f"stopped after {limit:.0f} s (its time limit)"
            log.write("\n--- stdout ---\n" + output)
    except Exception as exc:  # a node that would not start, a missing jar...
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    rows = parse_tables(output)
    if error is None and not rows:
        error = "printed no result table (common.print_table)"
    for row in rows:
        row["benchmark"] = name
    if error:
        _say(f"{name}: FAILED ({error}) after {seconds:.0f} s; log: {log_path}")
        _say(_tail(log_path))
    else:
        _say(f"{name}: {len(rows)} rows in {seconds:.0f} s")
    return rows, error, seconds


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    " + line for line in text[-lines:])


def _say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def machine() -> str:
    """CPU model, core count and Python version of this machine."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, Linux {platform.release()}"


def ratios_of(row: Dict[str, Any]) -> Tuple[Optional[float], Optional[float]]:
    """A row's (ours/official, ours/floor): as its benchmark gave them (bench_floor: medians of
    paired rounds), else from the row's figures."""
    ours, theirs, floor = row.get("ours"), row.get("theirs"), row.get("floor")
    rt = row.get("ratio") or (ours / theirs if ours and theirs else None)
    rf = row.get("ours/floor") or (ours / floor if ours and floor else None)
    return rt, rf


def table(rows: List[Dict[str, Any]]) -> str:
    """The one table, as Markdown."""
    lines = ["| benchmark | operation | unit | pyignite | official 0.6.1 | ratio | raw-socket floor | ours/floor |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        ours, theirs, floor = r["ours"], r["theirs"], r["floor"]
        rt, rf = ratios_of(r)
        ratio = f"{rt:.2f}x" if rt else "-"
        of = f"{rf:.2f}" if rf else "-"
        lines.append(f"| {r['benchmark']} | {r['operation']} | {r['unit']} | {common._fmt(ours)} | "
                     f"{common._fmt(theirs)} | {ratio} | {common._fmt(floor)} | {of} |")
    return "\n".join(lines) + "\n"


def merge_saved(summary_name: str, mode: str, rows: List[Dict[str, Any]], selected: List[str],
                durations: Dict[str, float], failed: Dict[str, str]) -> Tuple[List[Dict[str, Any]], List[str],
                                                                            Dict[str, float], Dict[str, str]]:
    """``--merge``: the rows (and durations, failures) of this run plus those of the saved summary
    of the same mode for the benchmarks this run left out, in :func:`discover` order."""
    path = BENCH_DIR / "results" / f"{summary_name}.json"
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return rows, selected, durations, failed
    if saved.get("mode") != mode:
        _say(f"--merge: {path.name} holds a {saved.get('mode')} run, not {mode}: not merged")
        return rows, selected, durations, failed
    ran = set(selected)
    kept = [r for r in saved.get("rows", []) if r.get("benchmark") not in ran]
    names = [n for n in discover() if n in ran or any(r.get("benchmark") == n for r in kept)]
    order = {n: i for i, n in enumerate(names)}
    merged = sorted(kept + rows, key=lambda r: order.get(r.get("benchmark", ""), len(order)))
    old_durations = {k: v for k, v in saved.get("durations", {}).items() if k not in ran}
    old_failed = {k: v for k, v in saved.get("failed", {}).items() if k not in ran}
    return merged, names, {**old_durations, **durations}, {**old_failed, **failed}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter runs (under a minute)")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names to leave out")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of the benchmarks not run from the saved summary of the same mode "
                             "(re-run one benchmark without losing the others' results)")
    parser.add_argument("--floor", action="store_true",
                        help="only bench_floor.py: every operation against the raw-socket floor and the official "
                             "client, medians of alternating rounds (saved in bench/results/summary-floor.json)")
    parser.add_argument("--pin", action="store_true",
                        help="the benchmarks that offer --pin (floor, partition_awareness) run their nodes on the "
                             "first CPU and their clients on the others (steady rounds; the nodes have one core, "
                             "so the rates are not those of an unpinned run)")
    args = parser.parse_args(argv)

    names = discover()
    if args.list:
        print("\n".join(names))
        return 0
    only = [n for n in args.only.split(",") if n]
    skip = {n for n in args.skip.split(",") if n}
    unknown = sorted((set(only) | skip) - set(names))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; there are: {', '.join(names)}")
    if args.floor:
        only = ["floor"]
    selected = [n for n in (only or names) if n not in skip]

    started = time.perf_counter()
    _say(f"official pyignite {common.OFFICIAL_VERSION}: {common.official_python()}")
    rows: List[Dict[str, Any]] = []
    failed: Dict[str, str] = {}
    durations: Dict[str, float] = {}
    for name in selected:
        got, error, seconds = run_one(name, args.quick, args.pin)
        rows += got
        durations[name] = round(seconds, 1)
        if error:
            failed[name] = error
    total = time.perf_counter() - started

    mode = ("quick " if args.quick else "") + "floor" if args.floor else ("quick" if args.quick else "full")
    if args.pin:
        mode += ", pinned apart"
    summary_name = "summary-floor" if args.floor else "summary"
    host = machine()
    if args.merge:
        ran = list(selected)
        rows, selected, durations, failed = merge_saved(summary_name, mode, rows, selected, durations, failed)
        with contextlib.suppress(OSError, ValueError):
            saved_host = json.loads((BENCH_DIR / "results" / f"{summary_name}.json").read_text()).get("host")
            if saved_host and saved_host.split("; ")[0] != host:  # say which rows ran where
                host = f"{saved_host.split('; ')[0]}; {', '.join(ran)}: {host}"
    text = table(rows)
    print(f"\n## pyignite vs the official pyignite {common.OFFICIAL_VERSION} ({mode} run, "
          f"{time.strftime('%Y-%m-%d')}, {host})\n")
    print(text)
    if failed:
        print("failed: " + "; ".join(f"{n}: {e}" for n, e in failed.items()))
    print(f"({len(selected)} benchmarks in {total:.0f} s; logs in {LOGS})")
    common.save_results(summary_name, {
        # merged: the benchmarks' own durations, summed (this run took only part of it)
        "mode": mode, "seconds": round(sum(durations.values()) if args.merge else total, 1), "host": host,
        "python": f"Python {platform.python_version()}", "benchmarks": selected, "durations": durations,
        "failed": failed, "rows": rows, "table": text,
    })
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
