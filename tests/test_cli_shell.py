"""``pyignite sql`` driven in a real terminal: a pseudo-terminal (pexpect) whose output goes through a
terminal emulator (pyte), so the checks read the screen a person would see.

Against a real node: a multi-line statement shows its table, completion offers table names from the
SYS views, meta commands describe tables, a long query is cancelled with Ctrl-C (and killed on the
server) without leaving the shell, long results are paged, and the shell exits with 0.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pexpect
import pyte
import pytest

from pyignite import Client

from .util import unique_name

pytestmark = pytest.mark.sql

ROWS, COLS = 50, 140


class Terminal:
    """A process in a pseudo-terminal, its output rendered by a VT100 emulator."""

    def __init__(self, argv: List[str], env: Dict[str, str]) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.Stream(self.screen)
        self.child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(ROWS, COLS), encoding="utf-8",
                                   timeout=1)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def pump(self, timeout: float = 0.05) -> None:
        try:
            self.stream.feed(self.child.read_nonblocking(65536, timeout=timeout))
        except (pexpect.TIMEOUT, pexpect.EOF):  # nothing yet, or the process ended
            pass

    def wait(self, pattern: str, timeout: float = 30) -> str:
        """Wait until the screen matches ``pattern``; the screen text."""
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            if rx.search(self.text()):
                return self.text()
            if not self.child.isalive():
                self.pump()
                if rx.search(self.text()):
                    return self.text()
                break
        raise AssertionError(f"{pattern!r} never appeared on the screen:\n{self.text()}")

    def type(self, text: str) -> None:
        self.child.send(text)

    def clear(self) -> None:
        """Forget what is on the screen (the next wait sees only new output)."""
        self.pump()
        self.screen.reset()

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()


@pytest.fixture
def table(sql_node: Tuple[str, int]) -> Iterator[Tuple[Client, str]]:
    c = Client()
    c.connect(*sql_node)
    name = unique_name("SHELL").upper()
    c.sql(f"CREATE TABLE {name} (ID INT PRIMARY KEY, CITY VARCHAR, POPULATION BIGINT)").close()
    c.sql(f"INSERT INTO {name} VALUES (1, 'Oslo', 700000), (2, 'Bergen', 285000), (3, 'Tromso', 77000)").close()
    yield c, name
    c.sql(f"DROP TABLE IF EXISTS {name}").close()
    c.close()


@pytest.fixture
def shell(sql_node: Tuple[str, int], tmp_path: Path) -> Iterator[Terminal]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYIGNITE_") or k == "PYIGNITE_PORT_OFFSET"}
    env.update(PYIGNITE_HOST=f"{sql_node[0]}:{sql_node[1]}", PYIGNITE_CONFIG=str(tmp_path / "none.toml"),
               HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm",
               PROMPT_TOOLKIT_NO_CPR="1")  # the emulator does not answer cursor position requests
    term = Terminal([sys.executable, "-m", "pyignite", "sql"], env)
    try:
        term.wait(r"^ignite>")
        yield term
    finally:
        term.close()


def test_shell_session(table: Tuple[Client, str], shell: Terminal) -> None:
    _, name = table
    # a statement over three lines runs at the ';' and shows a table with its timing
    shell.type("SELECT CITY, POPULATION\r")
    shell.wait(r"^\s*\.\.\.>\s*$")
    shell.type(f"FROM {name}\r")
    shell.type("WHERE POPULATION > 100000 ORDER BY ID;\r")
    screen = shell.wait(r"2 rows \(\d+\.\d+ s\)")
    assert re.search(r"CITY\s+.\s+POPULATION", screen)
    assert re.search(r"Oslo\s+.\s+700000", screen) and re.search(r"Bergen\s+.\s+285000", screen)
    assert "Tromso" not in screen
    shell.wait(r"^ignite> *$")

    # completion of a table name from SYS.TABLES, then of its column
    shell.clear()
    shell.type(f"SELECT * FROM {name[:-4]}\t")
    shell.wait(re.escape(f"SELECT * FROM {name}"))
    shell.type(" WHERE POPUL\t")
    shell.wait(re.escape(f"{name} WHERE POPULATION"))
    shell.type(" < 100000;\r")
    screen = shell.wait(r"1 row \(")
    assert "Tromso" in screen and "Oslo" not in screen

    # meta commands: describe a table, list tables
    shell.clear()
    shell.type(f"\\d {name.lower()}\r")
    screen = shell.wait(r"POPULATION\s+.\s+BIGINT")
    assert re.search(r"ID\s+.\s+INT\s+.\s+\w+\s+.\s+PK", screen)
    shell.clear()
    shell.type("\\dt SHELL_*\r")
    shell.wait(re.escape(name))
    shell.clear()
    shell.type("\\caches\r")  # the caches command, on the shell's connection
    shell.wait(rf"SQL_PUBLIC_{name}\s+.\s+3\s+.\s+PARTITIONED")
    shell.clear()
    shell.type("\\nodes\r")
    shell.wait(r"server")

    # an error is one line, and the shell goes on
    shell.clear()
    shell.type("SELECT * FROM NO_SUCH_TABLE_Z;\r")
    shell.wait(r"error: .*NO_SUCH_TABLE_Z")
    shell.wait(r"^ignite> *$")


def test_ctrl_c_cancels_a_long_query(table: Tuple[Client, str], shell: Terminal) -> None:
    client, _ = table
    marker = "B.X <> -42"
    shell.type(f"SELECT COUNT(*) FROM SYSTEM_RANGE(1, 100000) A, SYSTEM_RANGE(1, 100000) B WHERE {marker};\r")
    deadline = time.monotonic() + 30
    while not _running(client, marker):  # it runs on the server (10^10 rows: minutes)
        assert time.monotonic() < deadline, "the query never started"
        time.sleep(0.2)
    time.sleep(1)
    started = time.monotonic()
    shell.child.sendintr()
    shell.wait(r"query cancelled", timeout=20)
    assert time.monotonic() - started < 15
    deadline = time.monotonic() + 10
    while _running(client, marker):  # killed on the server too, not just abandoned
        assert time.monotonic() - deadline < 0, "the query still runs on the server"
        time.sleep(0.2)
    # the shell is still there and works
    shell.clear()
    shell.type("SELECT 6 * 7 AS ANSWER;\r")
    shell.wait(r"42")
    shell.wait(r"1 row \(")


def _running(client: Client, marker: str) -> bool:
    return any(marker in r[0] and "SQL_QUERIES" not in r[0] for r in client.sql("SELECT SQL FROM SYS.SQL_QUERIES"))


def test_paging_and_exit(shell: Terminal) -> None:
    # 500 rows do not fit the 50-line terminal: the shell stops after each page
    shell.type("SELECT X FROM SYSTEM_RANGE(1, 500);\r")
    screen = shell.wait(r"-- \d+ rows so far; Enter or space: next page, q: stop --")
    first = int(re.search(r"-- (\d+) rows so far", screen).group(1))
    assert 5 <= first < 50
    shell.clear()
    shell.type(" ")  # next page
    screen = shell.wait(rf"-- {2 * first} rows so far")
    shell.type("q")  # stop: the cursor is closed, the shell goes on
    shell.wait(rf"{2 * first} rows \(")
    shell.wait(r"^ignite> *$")
    shell.clear()
    shell.type("\\pager off\r")
    shell.wait("pager: off")
    shell.type("SELECT X FROM SYSTEM_RANGE(1, 300);\r")
    shell.wait(r"300 rows \(")
    shell.wait(r"^ignite> *$")
    shell.type("\\q\r")
    shell.child.expect(pexpect.EOF, timeout=30)
    shell.child.close()
    assert shell.child.exitstatus == 0


def test_load_progress_bar(sql_node: Tuple[str, int], table: Tuple[Client, str], tmp_path: Path) -> None:
    """On a terminal, load draws a progress bar with rows, rows/s and ETA, then a summary line."""
    client, name = table
    client.sql(f"DELETE FROM {name}").close()
    src = tmp_path / "cities.csv"
    with open(src, "w") as f:
        f.write("ID,CITY,POPULATION\n")
        for i in range(40_000):
            f.write(f"{i},city {i},{i * 7}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYIGNITE_") or k == "PYIGNITE_PORT_OFFSET"}
    env.update(PYIGNITE_HOST=f"{sql_node[0]}:{sql_node[1]}", PYIGNITE_CONFIG=str(tmp_path / "none.toml"),
               TERM="xterm")
    term = Terminal([sys.executable, "-m", "pyignite", "load", name, str(src), "--batch", "500"], env)
    try:
        screen = term.wait(r"load \w+ .*\d+%\s+[\d,]+ rows\s+[\d,]+ rows/s ETA", timeout=60)
        assert "━" in screen  # the bar itself
        screen = term.wait(r"loaded 40,000 rows into PUBLIC\.\w+ in [\d.]+ s \([\d,]+ rows/s\); rejected 0",
                           timeout=120)
    finally:
        term.close()
    assert count_rows(client, name) == 40_000


def test_password_is_asked_without_echo(auth_tls_node: Tuple[str, int], certs: Dict[str, str],
                                        tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYIGNITE_") or k == "PYIGNITE_PORT_OFFSET"}
    env.update(PYIGNITE_HOST=f"localhost:{auth_tls_node[1]}", PYIGNITE_CONFIG=str(tmp_path / "none.toml"),
               PYIGNITE_SSL_CA_CERTFILE=certs["ca"], TERM="xterm")
    # --password without a value, and a user name without any password: both ask on the terminal
    for argv in (["-u", "ignite", "--password", "ping", "-c", "2"], ["ping", "-u", "ignite", "-c", "2"]):
        if argv[-1] == "2" and "--password" in argv:
            env["PYIGNITE_PASSWORD"] = "not this one"  # --password asks even when the environment has one
        else:
            env.pop("PYIGNITE_PASSWORD", None)
        term = Terminal([sys.executable, "-m", "pyignite", *argv], env)
        try:
            term.wait(r"Password: *$")
            term.type("ignite\r")
            screen = term.wait(r"2 round trips")
            assert "protocol: 1.7.0" in screen and "ignite\n" not in screen and "Password: ignite" not in screen
        finally:
            term.close()


def count_rows(client: Client, table: str) -> int:
    with client.sql(f"SELECT COUNT(*) FROM {table}") as cur:
        return next(iter(cur))[0]


def test_ctrl_d_exits_and_history_is_kept(shell: Terminal, tmp_path: Path) -> None:
    shell.type("SELECT 1 AS ONE;\r")
    shell.wait(r"1 row \(")
    shell.wait(r"^ignite> *$")  # the prompt reads the terminal again: Ctrl-D goes to it
    time.sleep(0.5)
    shell.child.sendcontrol("d")
    shell.child.expect(pexpect.EOF, timeout=30)
    shell.child.close()
    assert shell.child.exitstatus == 0
    history = (tmp_path / "state" / "pyignite" / "sql_history").read_text()
    assert "SELECT 1 AS ONE;" in history
