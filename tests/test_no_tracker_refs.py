"""Comments, docstrings and test names say why, not which tracker item asked for them.

A reader of this repository has the code, not the tracker: a comment that only names a tracker item
tells them nothing about the protocol rule, server behaviour or bug behind the line. This check
scans the text files of the package, the tests, the server harness, the benchmarks and the scripts
for a tracker reference (the word followed by a number, see ``PATTERN``) and lists every hit with
its file and line, so a new one fails the suite where it was written rather than in review.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List

ROOT = Path(__file__).resolve().parent.parent

#: A tracker reference: the word, optionally plural, then an optional "#" and a number (but not
#: inside another word such as "tissue"). The examples in ``test_pattern_finds_references`` are built
#: from pieces so that ``grep -rn "<word> [0-9]"`` finds no hit in this repository either.
PATTERN = re.compile(r"\bissues? #?\d+", re.IGNORECASE)

#: What is scanned, relative to the repository root.
SCANNED = ("pyignite", "tests", "server", "bench", "scripts")

#: Directories that are not ours to check: virtual environments, the nodes' work directories and
#: Maven's output under server/, caches of the tools.
SKIPPED_DIRS = {"run", "build", "target", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}

def _skipped(rel: Path) -> bool:
    if rel == Path(__file__).resolve().relative_to(ROOT):
        return True  # this file names the pattern it looks for
    if rel.parts[0] == "server" and len(rel.parts) > 2 and rel.parts[1] != "src":
        return True  # server/: the harness modules and the Java sources, not run/ or build/
    return any(p.startswith(".venv") or p in SKIPPED_DIRS for p in rel.parts[:-1])


def _text_files() -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            rel = path.relative_to(ROOT)
            if not path.is_file() or _skipped(rel):
                continue
            data = path.read_bytes()
            if b"\0" in data[:8192]:
                continue  # binary
            yield rel


def _references() -> List[str]:
    hits = []
    for rel in _text_files():
        name = rel.as_posix()
        text = (ROOT / rel).read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            if PATTERN.search(line):
                hits.append(f"{name}:{lineno}: {line.strip()}")
    return hits


def test_pattern_finds_references() -> None:
    # the check can fail: the first four are references, the others are not
    word = "is" + "sue"
    for text in (f"# {word} 9", f"({word.title()} #12)", f"{word}s 3 and 4", f"{word.upper()} 8: shared"):
        assert PATTERN.search(text), text
    for text in (f"t{word} 5", f"an {word} with 0x10", f"{word} number"):
        assert not PATTERN.search(text), text


def test_scans_the_package() -> None:
    files = {rel.as_posix() for rel in _text_files()}
    for expected in ("pyignite/client.py", "tests/conftest.py", "server/harness.py", "scripts/compat"):
        assert expected in files
    assert not any(f.startswith(("server/run/", "server/build/")) for f in files)


def test_no_tracker_references() -> None:
    hits = _references()
    assert not hits, "say why instead of naming a tracker item:\n" + "\n".join(hits)
