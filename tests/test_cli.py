"""The ``pyignite`` command line tool against real nodes: every command, its output formats and
exit codes, profiles, and bulk load and dump (flat memory, exact counts, bad rows).

Most commands run in-process through :func:`pyignite.cli.app.run` (fast); the console script,
``python -m pyignite``, Ctrl-C and the memory measurements run the real process. The interactive
shell is driven in a terminal by tests/test_cli_shell.py.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from pyignite import Client, ClusterState
from pyignite.cli import app
from pyignite.cli.config import ConfigError, resolve
from pyignite.cli.output import format_value, to_json
from pyignite.cli.sqlrun import split_statements, statement_complete

from .util import free_port, unique_name

pytestmark = pytest.mark.sql

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli_env(sql_node: Tuple[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    """Environment that points the tool at ``sql_node`` with no profile file or history of the user."""
    for name in list(os.environ):
        if name.startswith("PYIGNITE_") and name != "PYIGNITE_PORT_OFFSET":
            monkeypatch.delenv(name)
    env = {"PYIGNITE_HOST": f"{sql_node[0]}:{sql_node[1]}", "PYIGNITE_CONFIG": str(tmp_path / "none.toml"),
           "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def cli(capsys: pytest.CaptureFixture, *argv: str) -> Tuple[int, str, str]:
    """Run the tool in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = app.run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_proc(env: Dict[str, str], *argv: str, stdin: Optional[str] = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyignite", *argv], env={**os.environ, **env}, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def sqlc(sql_node: Tuple[str, int]) -> Iterator[Client]:
    c = Client()
    c.connect(*sql_node)
    yield c
    c.close()


@pytest.fixture
def people(sqlc: Client) -> Iterator[str]:
    name = unique_name("CLI").upper()
    sqlc.sql(f"CREATE TABLE {name} (ID INT PRIMARY KEY, NAME VARCHAR(10), AGE INT NOT NULL, SCORE DOUBLE, "
             "CREATED TIMESTAMP, PRICE DECIMAL(8, 2))").close()
    yield name
    sqlc.sql(f"DROP TABLE IF EXISTS {name}").close()


def count(c: Client, table: str) -> int:
    with c.sql(f"SELECT COUNT(*) FROM {table}") as cur:
        return next(iter(cur))[0]


# --- packaging ---------------------------------------------------------------------------------------

def test_console_script_and_module(cli_env: Dict[str, str]) -> None:
    script = Path(sys.executable).parent / "pyignite"
    assert script.exists(), "the pyignite console script is not installed"
    res = subprocess.run([str(script), "--version"], capture_output=True, text=True, env={**os.environ, **cli_env},
                         timeout=60)
    assert res.returncode == 0 and "pyignite" in res.stdout
    res = cli_proc(cli_env, "--help")
    assert res.returncode == 0
    for command in ("sql", "caches", "cache", "load", "dump", "cluster", "ping"):
        assert command in res.stdout


def test_missing_extra_is_one_clear_line() -> None:
    code = ("import sys; sys.modules['rich'] = None\n"  # as if rich were not installed
            "from pyignite.cli import main; sys.exit(main(['caches']))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "pip install 'pyignite[cli]'" in res.stderr and "Traceback" not in res.stderr
    # the core library never imports the optional packages
    code = "import sys, pyignite; print(sorted(m for m in ('click', 'rich', 'prompt_toolkit') if m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.stdout.strip() == "[]"


# --- settings --------------------------------------------------------------------------------------

def test_profiles_env_and_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PYIGNITE_") and name != "PYIGNITE_PORT_OFFSET":
            monkeypatch.delenv(name)
    cfg = tmp_path / "config.toml"
    cfg.write_text('[default]\nhost = ["a:1", "b"]\nport = 2\ntimeout = 5\n\n'
                   '[prod]\nhost = "p:10800"\nusername = "u"\nssl_cert_reqs = "required"\n')
    monkeypatch.setenv("PYIGNITE_CONFIG", str(cfg))
    s = resolve({}, None)
    assert s.nodes == [("a", 1), ("b", 2)] and s.client_kwargs == {"timeout": 5.0}
    monkeypatch.setenv("PYIGNITE_PASSWORD", "secret")
    s = resolve({}, "prod")
    assert s.nodes == [("p", 10800)]
    assert s.client_kwargs["username"] == "u" and s.client_kwargs["password"] == "secret"
    assert s.client_kwargs["use_ssl"] is True
    # the command line beats the environment, which beats the profile
    monkeypatch.setenv("PYIGNITE_HOST", "e:3")
    assert resolve({}, "prod").nodes == [("e", 3)]
    assert resolve({"host": ("o:4", "[::1]:5")}, "prod").nodes == [("o", 4), ("::1", 5)]
    with pytest.raises(ConfigError, match=r"no profile 'nope'.*default, prod"):
        resolve({}, "nope")
    with pytest.raises(ConfigError, match="invalid port"):
        resolve({"host": ("h:99999",)}, None)
    cfg.write_text("[default]\nhots = 'x'\n")
    with pytest.raises(ConfigError, match=r"unknown setting.*hots"):
        resolve({}, None)


def test_usage_and_connection_exit_codes(cli_env: Dict[str, str], capsys: pytest.CaptureFixture,
                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, err = cli(capsys, "sql", "--format", "xml", "-e", "SELECT 1")
    assert code == 2 and "xml" in err
    code, _, err = cli(capsys, "nosuchcommand")
    assert code == 2
    code, _, err = cli(capsys, "--profile", "missing", "caches")
    assert code == 2 and err.count("\n") == 1 and "profile 'missing'" in err
    port = free_port()
    code, _, err = cli(capsys, "-h", f"127.0.0.1:{port}", "caches")
    assert code == 3 and err.startswith("pyignite: error: cannot connect to 127.0.0.1:") and err.count("\n") == 1
    code, _, err = cli(capsys, "caches", "--host", f"127.0.0.1:{port}", "--timeout", "2")  # options after it
    assert code == 3
    # a profile supplies the node when nothing else does
    cfg = tmp_path / "p.toml"
    cfg.write_text(f'[other]\nhost = "{cli_env["PYIGNITE_HOST"]}"\n')
    monkeypatch.setenv("PYIGNITE_CONFIG", str(cfg))
    monkeypatch.delenv("PYIGNITE_HOST")
    code, out, _ = cli(capsys, "--profile", "other", "sql", "--format", "csv", "-e", "SELECT 41 + 1 AS X")
    assert (code, out) == (0, "X\n42\n")


def test_credentials_need_a_password(cli_env: Dict[str, str], capsys: pytest.CaptureFixture) -> None:
    # no terminal to ask on: a usage error, never a prompt that hangs
    res = cli_proc(cli_env, "-u", "ignite", "caches", stdin="")
    assert res.returncode == 2 and "PYIGNITE_PASSWORD" in res.stderr


def test_tls_and_authentication(auth_tls_node: Tuple[str, int], certs: Dict[str, str], cli_env: Dict[str, str],
                                capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """TLS verified against the CA, user and password (from the environment, never an argument)."""
    monkeypatch.setenv("PYIGNITE_HOST", f"localhost:{auth_tls_node[1]}")
    monkeypatch.setenv("PYIGNITE_PASSWORD", "ignite")
    tls = ["--ssl-ca-certfile", certs["ca"], "--ssl-cert-reqs", "required"]
    code, out, err = cli(capsys, "-u", "ignite", *tls, "ping", "-c", "3")
    assert code == 0 and "protocol: 1.7.0" in out, err
    code, out, err = cli(capsys, "caches", "-u", "ignite", *tls, "--format", "csv")  # options after the command
    assert code == 0 and out.startswith("NAME,SIZE,MODE,ATOMICITY,BACKUPS\n"), err
    # a wrong password and an untrusted CA are connection failures, in one line
    monkeypatch.setenv("PYIGNITE_PASSWORD", "wrong")
    code, _, err = cli(capsys, "-u", "ignite", *tls, "ping")
    assert code == 3 and err.count("\n") == 1 and "handshake refused" in err
    monkeypatch.setenv("PYIGNITE_PASSWORD", "ignite")
    code, _, err = cli(capsys, "-u", "ignite", "--ssl-ca-certfile", certs["other_ca"], "--ssl-cert-reqs", "required",
                       "ping")
    assert code == 3 and "certificate verify failed" in err
    code, _, err = cli(capsys, "-u", "ignite", "--no-ssl", "--timeout", "3", "ping")  # a TLS port, spoken to in clear
    assert code == 3


# --- sql -----------------------------------------------------------------------------------------

def test_split_statements() -> None:
    assert split_statements("SELECT 1; SELECT ';' -- x;\n; /* ; */ SELECT \"a;b\" FROM t") == [
        "SELECT 1", "SELECT ';' -- x;", "/* ; */ SELECT \"a;b\" FROM t"]
    assert split_statements("-- only a comment\n;  ;") == []
    assert statement_complete("SELECT 1;") and statement_complete("SELECT\n 1 ;  ")
    assert not statement_complete("SELECT ';") and not statement_complete("SELECT 1 -- ;")
    assert not statement_complete("SELECT 1")


def test_sql_formats(cli_env: Dict[str, str], capsys: pytest.CaptureFixture, people: str, sqlc: Client) -> None:
    sqlc.sql(f"INSERT INTO {people} (ID, NAME, AGE, SCORE, CREATED, PRICE) VALUES "
             "(1, 'ann', 30, 1.5, '2024-05-06 07:08:09.123456789', 12.50), (2, NULL, 40, NULL, NULL, NULL)").close()
    q = f"SELECT ID, NAME, AGE, CREATED, PRICE FROM {people} ORDER BY ID"
    code, out, err = cli(capsys, "sql", "--format", "csv", "-e", q)
    assert code == 0, err
    assert out.splitlines() == ["ID,NAME,AGE,CREATED,PRICE", "1,ann,30,2024-05-06 07:08:09.123456789,12.50",
                                "2,,40,,"]
    code, out, _ = cli(capsys, "sql", "--format", "jsonl", "-e", q)
    assert [json.loads(line) for line in out.splitlines()] == [
        {"ID": 1, "NAME": "ann", "AGE": 30, "CREATED": "2024-05-06 07:08:09.123456789", "PRICE": "12.50"},
        {"ID": 2, "NAME": None, "AGE": 40, "CREATED": None, "PRICE": None}]
    code, out, _ = cli(capsys, "sql", "--format", "json", "-e", q)
    assert [r["ID"] for r in json.loads(out)] == [1, 2]
    code, out, _ = cli(capsys, "sql", "--format", "table", "--timing", "-e", q)
    assert code == 0 and "ann" in out and "NULL" in out and "2 rows (" in out
    # DML and DDL say what they did; several statements run in order
    code, out, _ = cli(capsys, "sql", "-e", f"UPDATE {people} SET AGE = AGE + 1; SELECT SUM(AGE) AS S FROM {people}")
    assert code == 0 and "2 rows updated" in out and "72" in out


def test_value_shapes_of_both_clients() -> None:
    """TIMESTAMP as a datetime or as the official client's (datetime, nanos); maps and collections
    as plain containers or (type id, container)."""
    dt = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
    assert format_value((dt, 456789)) == "2024-05-06 07:08:09.123456789"
    assert format_value((datetime.datetime(2024, 5, 6), 0)) == "2024-05-06 00:00:00"
    assert format_value(dt) == "2024-05-06 07:08:09.123000"
    assert to_json((1, {"a": (dt, 0)})) == {"a": "2024-05-06 07:08:09.123000"}
    assert format_value((1, {"a": 1})) == '{"a": 1}' == format_value({"a": 1})
    assert to_json((2, [1, 2])) == [1, 2]
    assert format_value(b"\x01\xff") == "0x01ff" and format_value(None) == "" and format_value(True) == "true"


def test_sql_errors_are_one_line(cli_env: Dict[str, str], capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, out, err = cli(capsys, "sql", "-e", "SELECT * FROM NO_SUCH_TABLE")
    assert code == 1 and err.count("\n") == 1 and 'Table "NO_SUCH_TABLE" not found' in err
    assert "Traceback" not in err and "pyignite-cli" not in err
    res = cli_proc(cli_env, "--debug", "sql", "-e", "SELECT * FROM NO_SUCH_TABLE")
    assert res.returncode == 1 and "Traceback" in res.stderr
    # scripts from a file and from standard input; --continue goes past a failing statement
    script = tmp_path / "s.sql"
    script.write_text("SELECT 1 AS A;\nSELECT * FROM NOPE;\nSELECT 3 AS C;\n")
    code, out, err = cli(capsys, "sql", "--format", "csv", "-f", str(script))
    assert code == 1 and out == "A\n1\n"
    code, out, err = cli(capsys, "sql", "--format", "csv", "--continue", "-f", str(script))
    assert code == 1 and out == "A\n1\nC\n3\n" and "1 of 3 statements failed" in err
    res = cli_proc(cli_env, "sql", "--format", "csv", stdin="SELECT 5 AS F;")
    assert (res.returncode, res.stdout) == (0, "F\n5\n")


def test_ctrl_c_cancels_a_script_query(cli_env: Dict[str, str], sqlc: Client) -> None:
    slow = "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 100000) A, SYSTEM_RANGE(1, 100000) B WHERE A.X <> -7"
    p = subprocess.Popen([sys.executable, "-m", "pyignite", "sql", "-e", slow], env={**os.environ, **cli_env},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not _running(sqlc, "A.X <> -7"):
            assert time.monotonic() < deadline, "the query never showed up in SYS.SQL_QUERIES"
            time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 1 and "cancelled" in err and "Traceback" not in err
    deadline = time.monotonic() + 10
    while _running(sqlc, "A.X <> -7"):  # killed on the server, not only abandoned by the client
        assert time.monotonic() < deadline, "the query still runs on the server"
        time.sleep(0.2)


def _running(c: Client, marker: str) -> bool:
    rows = list(c.sql("SELECT SQL FROM SYS.SQL_QUERIES"))
    return any(marker in r[0] and "SQL_QUERIES" not in r[0] for r in rows)


# --- caches --------------------------------------------------------------------------------------

def test_cache_commands(cli_env: Dict[str, str], capsys: pytest.CaptureFixture, sqlc: Client) -> None:
    from pyignite.datatypes import IntObject
    from pyignite.datatypes.prop_codes import PROP_BACKUPS_NUMBER, PROP_CACHE_MODE, PROP_NAME

    name = unique_name("clicache")
    cache = sqlc.create_cache({PROP_NAME: name, PROP_CACHE_MODE: 2, PROP_BACKUPS_NUMBER: 1})
    try:
        assert cli(capsys, "cache", name, "put", "k1", "v1")[0] == 0
        assert cli(capsys, "cache", name, "put", "7", "3.5", "--key-type", "int", "--value-type", "double")[0] == 0
        assert cli(capsys, "cache", name, "put", "j", '{"a": [1, 2]}', "--value-type", "json")[0] == 0
        assert cache.get("k1") == "v1" and cache.get(7, key_hint=IntObject) == 3.5
        assert cache.get("j") == (1, {"a": [1, 2]})  # a map reads as (kind, dict), the official shape
        assert cli(capsys, "cache", name, "get", "k1")[1] == "v1\n"
        assert cli(capsys, "cache", name, "get", "7", "--key-type", "int")[1] == "3.5\n"
        code, _, err = cli(capsys, "cache", name, "get", "absent")
        assert code == 1 and "no value for key" in err
        code, _, err = cli(capsys, "cache", name, "put", "x", "notanint", "--value-type", "int")
        assert code == 2 and "not a valid int" in err
        assert cli(capsys, "cache", name, "size")[1] == "3\n"
        code, out, _ = cli(capsys, "cache", name, "scan", "--format", "jsonl", "--limit", "2")
        assert code == 0 and len(out.splitlines()) == 2
        code, out, _ = cli(capsys, "cache", name, "scan", "--format", "csv", "--limit", "0")
        assert sorted(out.splitlines()[1:]) == sorted(["k1,v1", "7,3.5", 'j,"{""a"": [1, 2]}"'])
        code, out, _ = cli(capsys, "caches", "--format", "json")
        mine = [c for c in json.loads(out) if c["NAME"] == name]
        assert mine == [{"NAME": name, "SIZE": 3, "MODE": "PARTITIONED", "ATOMICITY": "ATOMIC", "BACKUPS": 1}]
        # destructive commands ask first; without a terminal to ask on they refuse
        res = cli_proc(cli_env, "cache", name, "clear", stdin="")
        assert res.returncode == 2 and "--yes" in res.stderr and cache.get_size() == 3
        assert cli(capsys, "cache", name, "clear", "--yes")[0] == 0 and cache.get_size() == 0
        res = cli_proc(cli_env, "cache", name, "destroy", stdin="")
        assert res.returncode == 2 and name in sqlc.get_cache_names()
        assert cli(capsys, "cache", name, "destroy", "-y")[0] == 0
        assert name not in sqlc.get_cache_names()
        code, _, err = cli(capsys, "cache", name, "size")
        assert code == 1 and f"no cache '{name}'" in err
    finally:
        if name in sqlc.get_cache_names():
            cache.destroy()


# --- cluster and ping ----------------------------------------------------------------------------

def test_cluster_and_ping(cli_env: Dict[str, str], capsys: pytest.CaptureFixture) -> None:
    code, out, _ = cli(capsys, "cluster", "status")
    assert code == 0 and "state: ACTIVE" in out and "1 server(s)" in out
    code, out, _ = cli(capsys, "cluster", "nodes", "--format", "json")
    nodes = json.loads(out)
    assert len(nodes) == 1 and nodes[0]["KIND"] == "server" and nodes[0]["VERSION"].startswith("2.")
    code, out, _ = cli(capsys, "ping", "-c", "50")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("connected to 127.0.0.1:") and "(node " in lines[0]
    assert lines[1] == "protocol: 1.7.0" and "CLUSTER_STATES" in lines[2]
    assert "50 round trips" in lines[3] and "p50" in lines[3] and "p99" in lines[3]


def test_cluster_state_and_wal(persistent_node: Tuple[str, int], cli_env: Dict[str, str],
                               capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYIGNITE_HOST", f"{persistent_node[0]}:{persistent_node[1]}")
    c = Client()
    c.connect(*persistent_node)
    before = c.get_cluster().get_state()
    name = unique_name("cliwal")
    try:
        assert cli(capsys, "cluster", "activate")[1] == "state: ACTIVE\n"
        c.get_or_create_cache(name)
        assert cli(capsys, "cluster", "wal", "disable", name)[1] == f"WAL of {name}: disabled\n"
        assert c.get_cluster().wal_enabled(name) is False
        assert cli(capsys, "cluster", "wal", "enable", name)[1] == f"WAL of {name}: enabled\n"
        assert cli(capsys, "cluster", "wal", "status", name)[1] == f"WAL of {name}: enabled\n"
        code, _, err = cli(capsys, "cluster", "wal", "disable", "no_such_cache_x")
        assert code == 1 and "no cache 'no_such_cache_x'" in err
        assert cli(capsys, "cluster", "activate", "--read-only")[1] == "state: ACTIVE_READ_ONLY\n"
        assert cli(capsys, "cluster", "deactivate", "--yes")[1] == "state: INACTIVE\n"
        assert c.get_cluster().get_state() is ClusterState.INACTIVE
    finally:
        cluster = c.get_cluster()
        cluster.set_state(ClusterState.ACTIVE)
        if name in c.get_cache_names():
            c.get_cache(name).destroy()
        cluster.set_state(before)
        c.close()


# --- load and dump -------------------------------------------------------------------------------

def _write_csv(path: Path, rows: List[List[Any]], header: Optional[List[str]] = None) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header or ["id", "name", "age", "score", "created", "price"])
        w.writerows(rows)


def test_load_stops_at_a_bad_row(cli_env: Dict[str, str], capsys: pytest.CaptureFixture, people: str,
                                 sqlc: Client, tmp_path: Path) -> None:
    good = [[i, f"n{i}", 20 + i, i / 2, "2024-01-02 03:04:05", "1.25"] for i in range(1, 8)]
    rows = [*good[:5], [6, "n6", "old", 1, "", ""], *good[6:]]  # line 7: AGE is not a number
    path = tmp_path / "bad.csv"
    _write_csv(path, rows)
    code, _, err = cli(capsys, "load", people, str(path), "--batch", "2")
    assert code == 1
    assert f"{path}: line 7: column AGE (INT): cannot use 'old'" in err
    assert "loaded 5 rows" in err and "rejected 1" in err and "Traceback" not in err
    assert count(sqlc, people) == 5  # exactly the rows before the bad one


def test_load_skips_bad_rows_into_a_reject_file(cli_env: Dict[str, str], capsys: pytest.CaptureFixture,
                                                people: str, sqlc: Client, tmp_path: Path) -> None:
    sqlc.sql(f"INSERT INTO {people} (ID, NAME, AGE) VALUES (3, 'there', 1)").close()
    path = tmp_path / "mixed.csv"
    with open(path, "w", newline="") as f:
        f.write("ID,Name,AGE,score,created,price\n")
        f.write("1,a,10,1.5,2024-01-01,1\n")
        f.write("2,toolongname!,10,,,\n")            # line 3: longer than VARCHAR(10)
        f.write("3,dup,10,,,\n")                     # line 4: the key exists already
        f.write('4,"multi\nline",11,,2024-01-01T10:11:12.5,\n')  # lines 5-6: one record
        f.write("5,e,,,,\n")                         # line 7: AGE is NOT NULL
        f.write("6,f,12,x,,\n")                      # line 8: SCORE not a number
        f.write("7,g,13,,not a date,\n")             # line 9
        f.write("8,h,14,,,1234567.5\n")              # line 10: does not fit DECIMAL(8, 2)
        f.write("9,i,15\n")                          # line 11: too few fields
        f.write("10,j,16,2.5,2024-02-03 04:05:06.123456789,99.99\n")
    rejects = tmp_path / "rej.csv"
    code, _, err = cli(capsys, "load", people, str(path), "--on-error", "skip", "--reject-file", str(rejects),
                         "--batch", "3")
    assert code == 0, err
    for line, what in [(3, "NAME"), (4, "duplicate key ID=3"), (7, "AGE"), (8, "SCORE"), (9, "CREATED"),
                       (10, "PRICE"), (11, "3 fields, expected 6")]:
        assert f"line {line}: " in err and what in err.split(f"line {line}: ")[1].splitlines()[0], (line, err)
    assert "loaded 3 rows" in err and "rejected 7" in err and str(rejects) in err
    with open(rejects, newline="") as f:
        rejected = list(csv.reader(f))
    assert rejected[0] == ["ID", "Name", "AGE", "score", "created", "price"]
    assert [r[0] for r in rejected[1:]] == ["2", "3", "5", "6", "7", "8", "9"]
    assert count(sqlc, people) == 4
    got = {r[0]: r[1:] for r in sqlc.sql(f"SELECT ID, NAME, CREATED, PRICE FROM {people}")}
    # a TIMESTAMP column reads as (datetime, nanos), the official client's shape
    assert got[4][0] == "multi\nline" and got[4][1][0].microsecond == 500000
    assert str(got[10][2]) == "99.99"


def test_load_jsonl_and_parquet_and_dump(cli_env: Dict[str, str], capsys: pytest.CaptureFixture, people: str,
                                         sqlc: Client, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    with open(src, "w") as f:
        for i in range(1, 101):
            f.write(json.dumps({"ID": i, "name": f"n{i}", "AGE": i, "SCORE": i * 1.5, "CREATED": None}) + "\n")
        f.write('{"ID": 200, "AGE": "x"}\n')
        f.write("not json\n")
    code, _, err = cli(capsys, "load", people, str(src), "--on-error", "skip")
    assert code == 0 and "loaded 100 rows" in err and "rejected 2" in err
    assert "line 101: column AGE" in err and "line 102: not valid JSON" in err
    assert len((tmp_path / "in.rejected.jsonl").read_text().splitlines()) == 2
    # dump a table to each format, and a query
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"out.{fmt}"
        code, _, err = cli(capsys, "dump", people, str(out))
        assert code == 0 and "dumped 100 rows" in err, err
    assert len((tmp_path / "out.csv").read_text().splitlines()) == 101
    first = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert set(first) == {"ID", "NAME", "AGE", "SCORE", "CREATED", "PRICE"}
    code, out, err = cli(capsys, "dump", f"SELECT ID FROM {people} WHERE AGE > 90 ORDER BY ID", "-")
    assert code == 0 and out.split() == ["ID", *map(str, range(91, 101))]
    # parquet back into an empty copy of the table
    sqlc.sql(f"DELETE FROM {people}").close()
    code, _, err = cli(capsys, "load", people, str(tmp_path / "out.parquet"))
    assert code == 0 and "loaded 100 rows" in err, err
    assert count(sqlc, people) == 100
    code, _, err = cli(capsys, "load", "NO_SUCH_TABLE_Q", str(src))
    assert code == 2 and "no table" in err
    code, _, err = cli(capsys, "load", people, str(src), "--columns", "id,nope")
    assert code == 2 and "'nope'" in err


def _measure(env: Dict[str, str], *argv: str) -> Tuple[int, str, float]:
    """Run the tool; (exit code, stderr, peak RSS in MiB of that process)."""
    p = subprocess.Popen([sys.executable, "-m", "pyignite", *argv], env={**os.environ, **env},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert p.stderr is not None
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, err, usage.ru_maxrss / 1024


def _big_csv(path: Path, n: int) -> None:
    with open(path, "w") as f:
        f.write("id,name,age,score,created,price\n")
        for i in range(n):
            f.write(f"{i},n{i % 100000},{i % 90},{i * 0.5},2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:00,{i % 1000}.5\n")


def load_and_dump(cli_env: Dict[str, str], sqlc: Client, table: str, tmp_path: Path, n: int) -> Dict[str, float]:
    """Load n rows and dump them, then the same with 2,000 rows: the peak RSS must not grow with n."""
    results: Dict[str, float] = {}
    for size in (2000, n):
        sqlc.sql(f"DELETE FROM {table}").close()
        src = tmp_path / f"big{size}.csv"
        _big_csv(src, size)
        t = time.monotonic()
        code, err, rss = _measure(cli_env, "load", table, str(src), "--batch", "1000")
        load_s = time.monotonic() - t
        assert code == 0, err
        assert f"loaded {size:,} rows" in err and "rejected 0" in err
        assert count(sqlc, table) == size
        out = tmp_path / f"dump{size}.csv"
        t = time.monotonic()
        code, err, drss = _measure(cli_env, "dump", table, str(out))
        dump_s = time.monotonic() - t
        assert code == 0 and f"dumped {size:,} rows" in err, err
        with open(out) as f:
            assert sum(1 for _ in f) == size + 1
        results.update({f"load_rss_{size}": rss, f"dump_rss_{size}": drss, f"load_s_{size}": load_s,
                        f"dump_s_{size}": dump_s})
        src.unlink()
        out.unlink()
    print(f"\nload/dump of {n:,} rows: {results}")
    assert results[f"load_rss_{n}"] < results["load_rss_2000"] + 20, results  # MiB: flat, not O(rows)
    assert results[f"dump_rss_{n}"] < results["dump_rss_2000"] + 20, results
    return results


def test_load_and_dump_flat_memory(cli_env: Dict[str, str], people: str, sqlc: Client, tmp_path: Path) -> None:
    load_and_dump(cli_env, sqlc, people, tmp_path, 40_000)


@pytest.mark.slow
def test_load_and_dump_a_million_rows(cli_env: Dict[str, str], people: str, sqlc: Client, tmp_path: Path) -> None:
    load_and_dump(cli_env, sqlc, people, tmp_path, 1_000_000)
