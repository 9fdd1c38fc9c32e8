"""Shared benchmark plumbing: the peer client, nodes, timing and the result table.

Every benchmark measures this package against a peer *in the same run* and reports ratios, never
absolute thresholds. The peer is the official pyignite 0.6.1 from PyPI, installed into its own
virtualenv (``bench/.venv-official``) so the two packages never mix: a benchmark writes its peer half
as a small script and runs it with :func:`run_official`, which returns the JSON the script prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import struct
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OFFICIAL_VENV = Path(os.environ.get("PYIGNITE_OFFICIAL_VENV", BENCH_DIR / ".venv-official"))
OFFICIAL_VERSION = "0.6.1"

sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT))


def official_python() -> str:
    """Path to a python that has the official pyignite 0.6.1 (and not this package), and uvloop
    where it can be installed."""
    py = OFFICIAL_VENV / "bin" / "python"
    marker = OFFICIAL_VENV / f".pyignite-{OFFICIAL_VERSION}"
    if not marker.exists():
        print(f"[bench] installing the official pyignite {OFFICIAL_VERSION} into {OFFICIAL_VENV}", file=sys.stderr)
        venv.create(OFFICIAL_VENV, with_pip=True, clear=True)
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", f"pyignite=={OFFICIAL_VERSION}"], check=True,
        )
        marker.touch()
    uv_marker = OFFICIAL_VENV / ".uvloop-tried"
    if not uv_marker.exists():  # the uvloop rows measure the official client on uvloop too (where it installs)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "uvloop>=0.17"], check=False)
        uv_marker.touch()
    return str(py)


def run_official(script: str, *args: str, timeout: float = 600) -> Any:
    """Run ``script`` (Python source) with the official client's interpreter; return its JSON output.

    The script gets ``args`` in ``sys.argv[1:]`` and must print one JSON document as its last line.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run(
        [official_python(), "-c", script, *args], capture_output=True, text=True, timeout=timeout,
        cwd=str(BENCH_DIR), env=env,
    )
    if res.returncode != 0:
        raise RuntimeError(f"official client script failed:\n{res.stdout[-2000:]}\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def ignite_cluster(name: str, base_port: int, nodes: int = 1, sql: bool = False,
                   node_cpus: Optional[Set[int]] = None) -> Iterator[List[int]]:
    """Start a harness cluster for a benchmark; yield its client ports; stop it afterwards.

    ``node_cpus``: run every thread of the nodes on these CPUs only (see :func:`pin_apart`)."""
    import harness

    cluster = harness.Cluster(name, base_port=base_port, nodes=nodes, sql=sql)
    cluster.start()
    try:
        if node_cpus is not None:
            for node in cluster.nodes:
                assert node.pid is not None
                # every thread the JVM has, until a listing finds none unpinned: a thread inherits the
                # mask of its creator, so one started meanwhile by a thread not yet pinned is caught too
                pinned: Set[int] = set()
                while True:
                    tids = {int(t) for t in os.listdir(f"/proc/{node.pid}/task")} - pinned
                    if not tids:
                        break
                    for tid in tids:
                        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                            os.sched_setaffinity(tid, node_cpus)
                    pinned |= tids
        yield cluster.ports
    finally:
        cluster.stop()


def pin_apart(who: str) -> Set[int]:
    """The CPUs for the nodes (the first one), once this process -- and so the measuring processes it
    starts -- is moved to the rest (Linux; 2 CPUs or more); says so on stderr, prefixed ``[who]``.

    On a shared machine the scheduler puts the client and the node's busiest threads now on one
    core, now on two, and a 64-task rate jumps between two modes (about 80k and 120-160k gets/s on
    the 2-core VM of the README): pinned apart, the rounds agree within a few percent, which is
    what an A/B of two versions needs. The node then has one core: the rates are not those of an
    unpinned run."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--pin needs 2 CPUs or more")
    node, rest = {cpus[0]}, set(cpus[1:])
    os.sched_setaffinity(0, rest)
    print(f"[{who}] nodes on CPU {sorted(node)}, clients on CPUs {sorted(rest)}", file=sys.stderr)
    return node


def best_rate(fn: Callable[[], int], repeat: int = 5, min_time: float = 0.2) -> float:
    """Operations per second of ``fn`` (which returns how many operations it did): best of ``repeat``."""
    rates = []
    for _ in range(repeat):
        done = 0
        start = time.perf_counter()
        while True:
            done += fn()
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        rates.append(done / elapsed)
    return max(rates)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


Row = Tuple[str, Optional[float], Optional[float], Optional[float]]


def print_table(title: str, rows: List[Row], unit: str = "ops/s", file: Any = None) -> str:
    """Print rows of (operation, ours, theirs, floor) with the ratio ours/theirs; return the text."""
    lines = [f"## {title}", "",
             f"| operation | pyignite ({unit}) | official 0.6.1 ({unit}) | ratio | raw-socket floor ({unit}) |",
             "|---|---:|---:|---:|---:|"]
    for op, ours, theirs, floor in rows:
        ratio = f"{ours / theirs:.2f}x" if ours and theirs else "-"
        lines.append(
            f"| {op} | {_fmt(ours)} | {_fmt(theirs)} | {ratio} | {_fmt(floor)} |"
        )
    text = "\n".join(lines) + "\n"
    print(text, file=file or sys.stdout, flush=True)
    return text


def _fmt(v: Optional[float]) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}"


def save_results(name: str, payload: Dict[str, Any]) -> None:
    """Keep the latest results of a benchmark in ``bench/results/<name>.json`` for the docs."""
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    payload = dict(payload, date=time.strftime("%Y-%m-%d"), machine=f"{os.cpu_count()} cores")
    (out / f"{name}.json").write_text(json.dumps(payload, indent=2))


class BareTasks(asyncio.Protocol):
    """The floor of asyncio tasks on one connection: a bare protocol that frames replies and wakes
    the task whose request id a reply carries; each ``call`` stamps a fresh id on a pre-encoded
    frame and writes it at once (no client work: no encoding, routing or parsing). Set ``ready`` to
    a future before writing the handshake: the handshake's reply completes it (True: accepted).
    Standard library only: ``bench_floor`` runs its source in the clients' own processes."""

    def __init__(self):
        self.buf, self.waiters, self.next_id, self.ready, self.transport = bytearray(), {}, 1, None, None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        buf = self.buf
        buf += data
        while len(buf) >= 4:
            end = 4 + struct.unpack_from("<i", buf)[0]
            if len(buf) < end:
                break
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(buf[4] == 1)  # the handshake reply
            else:
                fut = self.waiters.pop(struct.unpack_from("<q", buf, 4)[0], None)
                if fut is not None:
                    fut.set_result(None)
            del buf[:end]

    async def call(self, frame):
        rid = self.next_id
        self.next_id += 1
        f = bytearray(frame)
        struct.pack_into("<q", f, 6, rid)
        fut = asyncio.get_running_loop().create_future()
        self.waiters[rid] = fut
        self.transport.write(f)
        await fut
