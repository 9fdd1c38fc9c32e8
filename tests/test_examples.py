"""Run every example in ``examples/`` against real nodes and compare what it prints (``--examples``).

The examples connect to 127.0.0.1:10800 as the specification's do, so this module starts its own
node(s) there. Each example's expected output is ``examples/expected/<name>.txt``: one line per
printed line, literal unless it starts with ``re:`` (then the rest must match the whole line).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXPECTED = EXAMPLES / "expected"

#: examples that run against the single SQL node on port 10800
SINGLE_NODE = sorted(p.stem for p in EXPECTED.glob("*.txt") if p.stem in {s.stem for s in EXAMPLES.glob("*.py")})

pytestmark = pytest.mark.examples


@pytest.fixture(scope="module")
def examples_node() -> Iterator[None]:
    """One SQL node on 127.0.0.1:10800 (whatever PYIGNITE_PORT_OFFSET says: the examples use 10800).

    Test sessions running side by side take turns through a lock file.
    """
    import fcntl

    import harness

    with open("/tmp/pyignite-examples-10800.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cluster = harness.Cluster("examples", base_port=10800 - harness.PORT_OFFSET, sql=True)
        cluster.start()
        try:
            yield
        finally:
            cluster.stop()


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
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
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
