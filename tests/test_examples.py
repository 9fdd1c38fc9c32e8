"""Run every example in ``examples/`` against real nodes and compare what it prints (``--examples``).

The examples connect to 127.0.0.1:10800 as the specification's do, so this module starts its own
node(s) there. Each example's expected output is ``examples/expected/<name>.txt``: one line per
printed line, literal unless it starts with ``re:`` (then the rest must match the whole line).

Most examples run against one SQL node. Those listed in :data:`SPECIAL` say what they need instead
(a TLS node, an authenticating node, a 3-node cluster the harness shuts down under the failover
example); the cluster on 10800 is restarted with those options for them, one at a time.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXPECTED = EXAMPLES / "expected"

#: What an example needs when the single SQL node is not enough: ``cluster`` holds the
#: ``harness.Cluster`` options of the cluster on 127.0.0.1:10800.. it runs against; ``run`` names
#: how it is run ("failover": see :func:`run_failover_example`). Every example also gets
#: PYIGNITE_SSL_DIR (the certificates harness.make_certificates made for the TLS nodes) and
#: PYIGNITE_SSL_KEY_PASSWORD in its environment.
#: two nodes with thin client compute and the test services; the second is marked pyignite.role=special
COMPUTE_CLUSTER: Dict[str, Any] = {
    "nodes": 2, "compute": True, "services": True, "node_args": {1: ["--attribute", "pyignite.role=special"]},
}
SPECIAL: Dict[str, Dict[str, Any]] = {
    "failover": {"cluster": {"nodes": 3}, "run": "failover"},
    "ssl_basic": {"cluster": {"ssl": True}},
    "ssl_client_cert": {"cluster": {"ssl_client_auth": True}},
    "auth": {"cluster": {"auth": True, "ssl": True}},
    "auth_no_ssl": {"cluster": {"auth": True}},
    "partition_awareness": {"cluster": {"nodes": 3}},  # three nodes, so keys have different primaries
    "compute": {"cluster": COMPUTE_CLUSTER},
    "services": {"cluster": COMPUTE_CLUSTER},
}
#: the cluster of every other example: one node with SQL
DEFAULT_CLUSTER: Dict[str, Any] = {"sql": True}

_RUNNABLE = sorted(p.stem for p in EXPECTED.glob("*.txt") if p.stem in {s.stem for s in EXAMPLES.glob("*.py")})
#: examples that run against the single SQL node on port 10800
SINGLE_NODE = [name for name in _RUNNABLE if name not in SPECIAL]
SPECIAL_NAMES = [name for name in SPECIAL if name in _RUNNABLE]

pytestmark = pytest.mark.examples


class _ExamplesCluster:
    """The one cluster on 127.0.0.1:10800.. (whatever PYIGNITE_PORT_OFFSET says: the examples use
    10800), restarted whenever an example needs other options."""

    def __init__(self) -> None:
        self.cluster: Any = None
        self.options: Optional[Dict[str, Any]] = None

    def use(self, options: Dict[str, Any]) -> Any:
        import harness

        if self.cluster is not None and self.options == options and all(n.alive for n in self.cluster.nodes):
            return self.cluster
        self.stop()
        cluster = harness.Cluster("examples", base_port=10800 - harness.PORT_OFFSET, **options)
        cluster.start()
        self.cluster, self.options = cluster, options
        return cluster

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()
        self.cluster = self.options = None


@pytest.fixture(scope="module")
def examples_cluster() -> Iterator[_ExamplesCluster]:
    """Test sessions running side by side take turns through a lock file."""
    import fcntl

    with open("/tmp/pyignite-examples-10800.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        clusters = _ExamplesCluster()
        try:
            yield clusters
        finally:
            clusters.stop()


@pytest.fixture
def examples_node(examples_cluster: _ExamplesCluster) -> None:
    """One SQL node on 127.0.0.1:10800."""
    examples_cluster.use(DEFAULT_CLUSTER)


def example_env() -> Dict[str, str]:
    import harness

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYIGNITE_SSL_DIR"] = os.path.dirname(harness.make_certificates()["ca"])
    env["PYIGNITE_SSL_KEY_PASSWORD"] = harness.KEY_PASSWORD
    return env


def check_output(name: str, output: str) -> None:
    expected = (EXPECTED / f"{name}.txt").read_text().splitlines()
    actual = output.splitlines()
    problems: List[str] = []
    for i in range(max(len(expected), len(actual))):
        want = expected[i] if i < len(expected) else "<nothing>"
        got = actual[i] if i < len(actual) else "<nothing>"
        ok = re.fullmatch(want[3:], got) is not None if want.startswith("re:") else want == got
        if not ok:
            problems.append(f"line {i + 1}: expected {want!r}, got {got!r}")
    assert not problems, f"{name}.py printed something else:\n" + "\n".join(problems[:20])


def run_example(name: str, timeout: float = 120) -> str:
    env = example_env()
    res = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")], cwd=EXAMPLES, env=env,
        capture_output=True, text=True, timeout=timeout,
    )
    assert res.returncode == 0, f"{name}.py exited with {res.returncode}:\n{res.stdout}\n{res.stderr}"
    return res.stdout


def test_every_example_has_expected_output() -> None:
    missing = [p.name for p in EXAMPLES.glob("*.py") if not (EXPECTED / f"{p.stem}.txt").exists()]
    assert not missing, f"examples without expected output: {missing}"


@pytest.mark.parametrize("name", SINGLE_NODE)
def test_example(name: str, examples_node: None) -> None:
    check_output(name, run_example(name))


# --- examples with special needs (TLS, authentication, failover) ---------------------------------

def run_failover_example(name: str, cluster: Any, timeout: float = 180) -> str:
    """Run the failover example while the harness shuts nodes down under it.

    Each time the example prints that it (re)connected to a node, the node is left to work for a
    moment and then stopped (SIGTERM, a graceful shutdown), until no node is left and the example
    ends with ReconnectError.
    """
    env = example_env()
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / f"{name}.py")], cwd=EXAMPLES, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[Optional[str]] = queue.Queue()
    errors: List[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def pump_err() -> None:
        assert proc.stderr is not None
        errors.append(proc.stderr.read())

    readers = [threading.Thread(target=pump, daemon=True), threading.Thread(target=pump_err, daemon=True)]
    for t in readers:
        t.start()
    out: List[str] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"{name}.py did not finish in {timeout} s; it printed:\n{''.join(out)}")
            if line is None:
                break
            out.append(line)
            m = re.search(r"onnected to 127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
                node = next((n for n in cluster.nodes if n.port == port and n.alive), None)
                if node is not None:
                    time.sleep(1.5)  # let the loop work on this node for a while
                    node.stop()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for t in readers:
            t.join(5)
    assert proc.returncode == 0, f"{name}.py exited with {proc.returncode}:\n{''.join(out)}\n{''.join(errors)}"
    return "".join(out)


@pytest.mark.parametrize("name", SPECIAL_NAMES)
def test_special_example(name: str, examples_cluster: _ExamplesCluster) -> None:
    need = SPECIAL[name]
    cluster = examples_cluster.use(need["cluster"])
    if need.get("run") == "failover":
        try:
            output = run_failover_example(name, cluster)
        finally:
            examples_cluster.stop()  # its nodes are gone
    else:
        output = run_example(name)
    check_output(name, output)
