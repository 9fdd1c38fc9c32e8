"""Run a compatibility slice of the test suite against each Apache Ignite release and print a matrix.

    scripts/compat [--versions 2.14.0,2.15.0,2.16.0,2.17.0,2.18.0] [--ci] [--json FILE]

For each version the harness resolves the release with Maven (ignite-core, and ignite-indexing when
Maven Central has it for that version), starts one probe node to read what it negotiates (protocol
version and feature bits), then runs the test files of every area the node offers, with the test nodes
on that version (``PYIGNITE_IGNITE_VERSION``/``PYIGNITE_SQL_VERSION``). A version without an
ignite-indexing release runs its SQL areas on the default SQL version and the cell says so.

The table has one row per version and one column per area: ``pass``, ``FAIL`` (with the failing tests
listed below the table), ``not offered`` (the server lacks the protocol version or feature bit the area
needs, per :data:`pyignite.protocol.capabilities.CAPABILITIES`; the client then raises
``NotSupportedByClusterError``, which ``tests/test_capabilities.py`` checks), or ``no tests`` (none of
the area's test files exist in this checkout). ``--ci`` runs a bounded slice (fewer files) on the
oldest release that passes every area it offers, :data:`CI_VERSION`, unless ``--versions`` is given. Exit status
1 when any cell failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT))

import harness  # noqa: E402

from pyignite import Client  # noqa: E402
from pyignite.protocol import capabilities  # noqa: E402

DEFAULT_VERSIONS = ["2.14.0", "2.15.0", "2.16.0", "2.17.0", "2.18.0"]
#: the oldest release that passes every area it offers (2.8.0 starts too, but speaks protocol 1.6.0
#: and some tests assume 2.9 or newer there): what ``--ci`` runs its bounded slice on
CI_VERSION = "2.9.0"

#: area -> (capabilities it needs, whether it needs SQL nodes, test paths, test paths in --ci mode)
AREAS: Dict[str, Tuple[Tuple[str, ...], bool, Tuple[str, ...], Tuple[str, ...]]] = {
    "handshake": ((), False, ("tests/test_connection.py", "tests/test_capabilities.py"),
                  ("tests/test_capabilities.py",)),
    "key-value": ((), False, ("tests/test_cache_api.py", "tests/test_datatypes_integration.py",
                              "tests/test_cache_config.py"), ("tests/test_cache_api.py",)),
    "SQL and scan": ((), True, ("tests/test_sql.py", "tests/test_scan.py"), ("tests/test_scan.py",)),
    "binary objects": ((), True, ("tests/test_binary.py", "tests/test_binary_sql.py", "tests/test_interop.py"),
                       ("tests/test_binary_sql.py",)),
    "transactions": (("transactions",), False, ("tests/test_tx.py",), ("tests/test_tx.py",)),
    "expiry": (("expiry policies",), False, ("tests/test_expiry.py",), ()),
    "partition awareness": (("partition awareness",), True, ("tests/test_partition_awareness.py",), ()),
    "cluster": (("cluster state",), False, ("tests/test_cluster.py",), ("tests/test_cluster.py",)),
    "cluster groups": (("cluster groups",), True, ("tests/test_cluster_groups.py",), ()),
    "compute": (("compute",), True, ("tests/test_compute.py",), ("tests/test_compute.py",)),
    "services": (("services",), True, ("tests/test_services.py",), ("tests/test_services.py",)),
    "continuous queries": (("continuous queries",), False, ("tests/test_continuous_query.py",), ()),
    "data streamer": (("data streamer",), False, ("tests/test_streamer.py",), ()),
    "index queries": (("index queries",), True, ("tests/test_index_query.py",), ()),
    "atomics and sets": (("atomic long", "ignite set"), False, ("tests/test_datastructures.py",), ()),
    "resilience": (("heartbeats",), False, ("tests/test_resilience.py",), ()),
}


def _probe(version: str) -> Tuple[Tuple[int, int, int], frozenset]:
    """Start one node of ``version``; return what a client negotiates with it (and check that the
    node really is that release: it reports its product version in its node record)."""
    cluster = harness.Cluster("compat-probe", base_port=10990, version=version)
    cluster.start()
    try:
        client = Client()
        client.connect("127.0.0.1", cluster.ports[0])
        try:
            conn = client.connection
            if capabilities.supports(conn, "cluster groups"):
                reported = {str(n.version) for n in client.get_cluster().get_nodes()}
            else:  # a release before 2.9 has no cluster API: the version the launcher printed
                log = cluster.nodes[0].log_path.read_text(errors="replace")
                reported = set(re.findall(r"PYIGNITE-NODE-STARTED \S+ version (\d+\.\d+\.\d+)", log))
            if reported != {version}:
                raise RuntimeError(f"the probe node reports version(s) {sorted(reported)}, not {version}")
            return tuple(conn.protocol_version), capabilities.negotiated_features(conn)
        finally:
            client.close()
    finally:
        cluster.stop()


def _release(text: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _offered(version: Tuple[int, int, int], features: frozenset, needs: Sequence[str],
             release: str = "") -> Optional[str]:
    """``None`` when every capability in ``needs`` is offered by a node of Ignite ``release`` that
    negotiated ``version`` and ``features``, else why not. A capability without a feature bit is
    offered from the release the table names (an older node answers its operations with
    INVALID_OP_CODE)."""
    for name in needs:
        cap = capabilities.CAPABILITIES[name]
        err = capabilities.check(version, features, name)
        if err is not None:
            if cap.feature is not None and tuple(version) >= cap.version:
                return f"feature {capabilities.feature_name(cap.feature)}"
            return f"protocol {'.'.join(map(str, cap.version))}"
        if cap.feature is None and cap.since_release and release and _release(release) < _release(cap.since_release):
            return f"Ignite {cap.since_release} or newer (its operations have no feature bit)"
    return None


def _run_pytest(paths: List[str], env: Dict[str, str], xml: Path, extra: Sequence[str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", *extra, *paths]
    print(f"[compat] {' '.join(cmd[3:])}", file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def _results(xml: Path) -> Dict[str, List[Tuple[str, str]]]:
    """test file -> [(test id, outcome)] from a JUnit XML report; the outcome is ``passed``,
    ``failed`` or ``skipped``."""
    out: Dict[str, List[Tuple[str, str]]] = {}
    if not xml.exists():
        return out
    for case in ET.parse(xml).getroot().iter("testcase"):
        classname = case.get("classname", "")
        file = "tests/" + classname.split(".")[1] + ".py" if classname.startswith("tests.") else classname
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped" and outcome == "passed":
                outcome = "skipped"
        out.setdefault(file, []).append((f"{file}::{case.get('name')}", outcome))
    return out


def run_version(version: str, ci: bool, extra: Sequence[str], workdir: Path,
                areas: Optional[Sequence[str]] = None) -> Dict[str, object]:
    """Test one release; return its row: cells by area, failures, notes."""
    row: Dict[str, object] = {"version": version, "cells": {}, "failures": [], "notes": []}
    cells: Dict[str, str] = row["cells"]  # type: ignore[assignment]
    notes: List[str] = row["notes"]  # type: ignore[assignment]
    try:
        harness.ensure_build(version, False)
    except harness.HarnessError as exc:
        row["error"] = f"cannot build the harness for Ignite {version}: {str(exc).splitlines()[0]}"
        return row
    sql_version = version
    try:
        harness.ensure_build(version, True)
    except harness.HarnessError:
        sql_version = harness.SQL_VERSION
        notes.append(f"no ignite-indexing {version} on Maven Central: SQL areas ran on Ignite {sql_version}")
    try:
        proto, features = _probe(version)
    except Exception as exc:  # a release that does not start here
        row["error"] = f"Ignite {version} did not start: {str(exc).splitlines()[0]}"
        return row
    row["protocol"] = ".".join(map(str, proto))
    row["features"] = sorted(capabilities.feature_name(f) for f in features)
    paths_by_area: Dict[str, List[str]] = {}
    for area, (needs, _sql, paths, ci_paths) in AREAS.items():
        if areas is not None and area not in areas:
            continue
        why = _offered(proto, features, needs, version)
        if why is not None:
            cells[area] = "not offered"
            notes.append(f"{area}: not offered (needs {why})")
            continue
        chosen = [p for p in (ci_paths if ci else paths) if (ROOT / p).exists()]
        if not chosen:
            cells[area] = "no tests" if not ci else "-"
            continue
        paths_by_area[area] = chosen
    wanted = sorted({p for paths in paths_by_area.values() for p in paths})
    if not wanted:
        return row
    env = dict(os.environ, PYIGNITE_IGNITE_VERSION=version, PYIGNITE_SQL_VERSION=sql_version)
    xml = workdir / f"compat-{version}.xml"
    started = time.monotonic()
    _run_pytest(wanted, env, xml, extra)
    row["seconds"] = round(time.monotonic() - started)
    results = _results(xml)
    failures: List[str] = row["failures"]  # type: ignore[assignment]
    for area, chosen_paths in paths_by_area.items():
        cases = [c for p in chosen_paths for c in results.get(p, [])]
        failed = [tid for tid, outcome in cases if outcome == "failed"]
        passed = [tid for tid, outcome in cases if outcome == "passed"]
        if failed:
            cells[area] = "FAIL"
            failures.extend(failed)
        elif passed:
            cells[area] = "pass"
        else:
            cells[area] = "FAIL"
            failures.append(f"{area}: no test ran ({', '.join(chosen_paths)})")
        if AREAS[area][1] and sql_version != version and cells[area] == "pass":
            cells[area] = f"pass ({sql_version} SQL)"
    return row


def render(rows: List[Dict[str, object]]) -> str:
    areas = [a for a in AREAS if any(a in r.get("cells", {}) for r in rows)] or list(AREAS)  # type: ignore[operator]
    lines = ["| version | protocol | " + " | ".join(areas) + " |", "|---|---|" + "---|" * len(areas)]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['version']} | - | " + " | ".join(["-"] * len(areas)) + " |")
            continue
        cells: Dict[str, str] = row["cells"]  # type: ignore[assignment]
        lines.append(f"| {row['version']} | {row.get('protocol', '-')} | "
                     + " | ".join(cells.get(a, "-") for a in areas) + " |")
    for row in rows:
        if "error" in row:
            lines.append(f"- {row['version']}: {row['error']}")
        for note in row.get("notes", []):  # type: ignore[attr-defined]
            lines.append(f"- {row['version']}: {note}")
        for failure in row.get("failures", []):  # type: ignore[attr-defined]
            lines.append(f"- {row['version']} FAILED: {failure}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/compat", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", default=None,
                        help=f"comma-separated Ignite versions (default {','.join(DEFAULT_VERSIONS)}; "
                             f"with --ci: {CI_VERSION})")
    parser.add_argument("--ci", action="store_true", help="a bounded slice: fewer test files per area")
    parser.add_argument("--json", default=None, help="also write the matrix as JSON to this file")
    parser.add_argument("--areas", default=None,
                        help=f"comma-separated areas to run (default: all of {', '.join(AREAS)})")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    versions = args.versions.split(",") if args.versions else ([CI_VERSION] if args.ci else DEFAULT_VERSIONS)
    workdir = harness.RUN_DIR / "compat"
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    areas = None
    if args.areas:
        areas = [a.strip() for a in args.areas.split(",") if a.strip()]
        unknown = sorted(set(areas) - set(AREAS))
        if unknown:
            parser.error(f"unknown areas {unknown}; choose from {list(AREAS)}")
    rows = [run_version(v.strip(), args.ci, args.pytest_args, workdir, areas) for v in versions if v.strip()]
    seconds = round(time.monotonic() - started)
    header = (f"Compatibility matrix of {datetime.date.today().isoformat()} ({platform.machine()}, "
              f"Python {platform.python_version()}, {'CI slice' if args.ci else 'full slice'}, {seconds} s)")
    print()
    print(header)
    print()
    print(render(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"title": header, "rows": rows}, indent=2))
    bad = any("error" in r or r.get("failures") for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
