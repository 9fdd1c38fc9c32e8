"""The PEP 249 driver (``pyignite.dbapi``) against a real SQL node: every method and attribute,
the error mapping, executemany batching, value conversion."""

from __future__ import annotations

import datetime
import decimal
import time
import uuid
from typing import Any, Iterator, Tuple

import pytest

from pyignite import dbapi
from pyignite.datatypes import IntObject
from pyignite.dbapi import _core

from .util import unique_name

pytestmark = pytest.mark.sql


@pytest.fixture(scope="module")
def conn(sql_node: Tuple[str, int]) -> Iterator[dbapi.Connection]:
    c = dbapi.connect(host=sql_node[0], port=sql_node[1], page_size=7)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def table(conn: dbapi.Connection) -> Iterator[str]:
    name = unique_name("dbapi").upper()
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id INT PRIMARY KEY, name VARCHAR NOT NULL, v DOUBLE)")
    try:
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {name}")


def test_module_globals() -> None:
    assert dbapi.apilevel == "2.0"
    assert dbapi.threadsafety == 2
    assert dbapi.paramstyle == "qmark"
    # the hierarchy PEP 249 prescribes
    assert issubclass(dbapi.Warning, Exception)
    assert issubclass(dbapi.Error, Exception)
    assert issubclass(dbapi.InterfaceError, dbapi.Error)
    assert issubclass(dbapi.DatabaseError, dbapi.Error)
    for name in ("DataError", "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
                 "NotSupportedError"):
        assert issubclass(getattr(dbapi, name), dbapi.DatabaseError), name
        assert getattr(dbapi.Connection, name) is getattr(dbapi, name)


def test_type_constructors() -> None:
    assert dbapi.Date(2020, 1, 2) == datetime.date(2020, 1, 2)
    assert dbapi.Time(1, 2, 3) == datetime.time(1, 2, 3)
    assert dbapi.Timestamp(2020, 1, 2, 3, 4, 5) == datetime.datetime(2020, 1, 2, 3, 4, 5)
    ticks = time.mktime((2020, 1, 2, 3, 4, 5, 0, 0, -1))
    assert dbapi.DateFromTicks(ticks) == datetime.date(2020, 1, 2)
    assert dbapi.TimeFromTicks(ticks) == datetime.time(3, 4, 5)
    assert dbapi.TimestampFromTicks(ticks) == datetime.datetime(2020, 1, 2, 3, 4, 5)
    assert dbapi.Binary(b"ab") == b"ab"
    assert "VARCHAR" == dbapi.STRING and dbapi.STRING != "BIGINT"
    assert "BIGINT" == dbapi.NUMBER and "DECIMAL" == dbapi.NUMBER and "BOOLEAN" == dbapi.NUMBER
    assert "TIMESTAMP" == dbapi.DATETIME and "TIME" == dbapi.DATETIME
    assert "BINARY" == dbapi.BINARY
    assert "BIGINT" != dbapi.ROWID


def test_execute_fetch_and_description(conn: dbapi.Connection, table: str) -> None:
    cur = conn.cursor()
    assert cur.arraysize == 1 and cur.lastrowid is None and cur.connection is conn
    assert cur.description is None and cur.rowcount == -1
    assert cur.execute(f"INSERT INTO {table} (id, name, v) VALUES (?, ?, ?), (?, ?, ?)",
                       (1, "a", 0.5, 2, "b", None)) is cur
    assert cur.rowcount == 2 and cur.description is None
    cur.execute(f"SELECT id, name, v FROM {table} ORDER BY id")
    assert [d[0] for d in cur.description] == ["ID", "NAME", "V"]
    assert [d[1] for d in cur.description] == ["BIGINT", "VARCHAR", "DOUBLE"]
    assert cur.description[0][1] == dbapi.NUMBER and cur.description[1][1] == dbapi.STRING
    assert all(len(d) == 7 for d in cur.description)
    assert cur.rowcount == 2  # the whole result came in the first page
    assert cur.fetchone() == (1, "a", 0.5)
    assert cur.fetchone() == (2, "b", None)
    assert cur.fetchone() is None
    assert cur.fetchmany() == [] and cur.fetchall() == []
    cur.execute(f"UPDATE {table} SET v = ? WHERE id > ?", [9.0, 0])
    assert cur.rowcount == 2
    # Ignite's by-key DELETE uses the argument as the cache key without converting it: an INT key
    # needs an Integer argument (a bare Python int goes as a Long and matches nothing)
    cur.execute(f"DELETE FROM {table} WHERE id = ?", [(2, IntObject)])
    assert cur.rowcount == 1
    cur.close()
    assert cur.closed


def test_pages_fetchmany_iteration_rowcount(conn: dbapi.Connection, table: str) -> None:
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {table} (id, name, v) VALUES (?, ?, ?)", [(i, str(i), i * 1.0) for i in range(30)])
    cur.execute(f"SELECT id FROM {table} ORDER BY id")  # page_size=7: five pages
    assert cur.rowcount == -1  # not known before the last page
    assert cur.fetchmany(3) == [(0,), (1,), (2,)]
    cur.arraysize = 5
    assert cur.fetchmany() == [(i,) for i in range(3, 8)]  # across a page boundary
    assert next(cur) == (8,)
    assert [r[0] for r in cur] == list(range(9, 30))
    assert cur.rowcount == 30
    cur.execute(f"SELECT id FROM {table} ORDER BY id")
    assert len(cur.fetchall()) == 30 and cur.rowcount == 30
    with pytest.raises(dbapi.ProgrammingError):
        cur.fetchmany(-1)


def test_abandoned_result_is_released(conn: dbapi.Connection, table: str) -> None:
    cur = conn.cursor()
    cur.executemany(f"INSERT INTO {table} (id, name) VALUES (?, ?)", [(i, "x") for i in range(50)])
    # far more unfinished results than the server's open cursor limit (128 per connection)
    for _ in range(150):
        cur.execute(f"SELECT id FROM {table}")
        assert cur.fetchone() is not None
    cur.close()


def test_executemany_10k_rows_is_batched(conn: dbapi.Connection, table: str, monkeypatch: Any) -> None:
    calls = []
    sql = conn.client.sql

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return sql(*args, **kwargs)

    monkeypatch.setattr(conn.client, "sql", counting)
    cur = conn.cursor()
    rows = [(i, f"name {i}", i / 4) for i in range(10_000)]
    cur.executemany(f"INSERT INTO {table} (id, name, v) VALUES (?, ?, ?)", rows)
    assert cur.rowcount == 10_000
    assert len(calls) == 10  # 1000 rows per statement, not a round trip per row
    monkeypatch.undo()
    cur.execute(f"SELECT COUNT(*), SUM(id), MAX(name) FROM {table}")
    assert cur.fetchone() == (10_000, sum(range(10_000)), "name 9999")
    # statements that cannot be merged run once per parameter set, in order
    cur.executemany(f"UPDATE {table} SET v = ? WHERE id = ?", [(1.0, 1), (2.0, 1), (3.0, 2)])
    assert cur.rowcount == 3
    cur.execute(f"SELECT v FROM {table} WHERE id IN (1, 2) ORDER BY id")
    assert cur.fetchall() == [(2.0,), (3.0,)]
    cur.executemany(f"INSERT INTO {table} (id, name) VALUES (?, ?)", [])
    assert cur.rowcount == 0
    with pytest.raises(dbapi.ProgrammingError, match="2 parameters"):
        cur.executemany(f"INSERT INTO {table} (id, name) VALUES (?, ?)", [(1, "a"), (2,)])
    with pytest.raises(dbapi.ProgrammingError, match="return no rows"):
        cur.executemany("SELECT ?", [(1,), (2,)])


def test_multirow_template() -> None:
    t = _core.multirow_template
    assert t("INSERT INTO t (a, b) VALUES (?, ?)") == ("INSERT INTO t (a, b) VALUES ", "(?, ?)", "")
    assert t("merge into t values (?, 'x(', ?);") == ("merge into t values ", "(?, 'x(', ?)", "")
    assert t("INSERT INTO t (a) VALUES (?), (?)") is None
    assert t("INSERT INTO t (a) SELECT ? FROM u") is None
    assert t("UPDATE t SET a = ?") is None
    assert t("INSERT INTO t (a) VALUES (1)") is None
    assert _core.batches("INSERT INTO t (a) VALUES ((SELECT ? FROM u WHERE b = ?))", [(1, 2)]) is not None


def test_error_mapping(conn: dbapi.Connection, table: str) -> None:
    cur = conn.cursor()
    cur.execute(f"INSERT INTO {table} (id, name) VALUES (1, 'a')")
    with pytest.raises(dbapi.IntegrityError) as info:
        cur.execute(f"INSERT INTO {table} (id, name) VALUES (1, 'b')")  # duplicate key
    assert info.value.sqlstate == "23000" and info.value.status == 1
    assert isinstance(info.value.__cause__, Exception)
    with pytest.raises(dbapi.IntegrityError):
        cur.execute(f"INSERT INTO {table} (id, name) VALUES (2, NULL)")  # NOT NULL
    with pytest.raises(dbapi.ProgrammingError) as info:
        cur.execute("SELEC 1")
    assert info.value.sqlstate.startswith("42")
    with pytest.raises(dbapi.ProgrammingError):
        cur.execute("SELECT * FROM no_such_table")
    with pytest.raises(dbapi.ProgrammingError):
        cur.execute(f"SELECT no_such_column FROM {table}")
    with pytest.raises(dbapi.ProgrammingError):
        cur.execute("SELECT ?, ?", [1])  # wrong number of parameters
    with pytest.raises(dbapi.ProgrammingError):
        cur.execute("SELECT ?", {"a": 1})  # qmark takes a sequence
    with pytest.raises(dbapi.DataError):
        cur.execute("SELECT 1 / 0")
    with pytest.raises(dbapi.DataError):
        cur.execute("SELECT CAST('x' AS INT)")
    with pytest.raises(dbapi.NotSupportedError):
        cur.execute("CREATE TABLE only_key (id INT PRIMARY KEY)")
    with pytest.raises(dbapi.DataError):
        cur.execute("SELECT ?", [object()])  # no Ignite type for it
    with pytest.raises(dbapi.ProgrammingError):
        cur.fetchone()  # the failed statement left no result
    # the cursor still works after errors
    cur.execute("SELECT 1")
    assert cur.fetchall() == [(1,)]


def test_error_mapping_of_messages() -> None:
    from pyignite.exceptions import CacheError, SocketError

    err = _core.map_error(CacheError("42000: Failed to parse query. Division by zero [22012-197]", 1))
    assert isinstance(err, dbapi.DataError) and err.sqlstate == "22012"
    assert isinstance(_core.map_error(SocketError("gone")), dbapi.OperationalError)
    assert isinstance(_core.map_error(CacheError("57014: The query was cancelled", 1)), dbapi.OperationalError)
    assert type(_core.map_error(CacheError("no state here", 1))) is dbapi.DatabaseError
    assert isinstance(_core.map_error(CacheError("Cache does not exist", 1000)), dbapi.ProgrammingError)


def test_value_types_round_trip(conn: dbapi.Connection) -> None:
    name = unique_name("types").upper()
    cur = conn.cursor()
    cur.execute(
        f"CREATE TABLE {name} (id INT PRIMARY KEY, b BOOLEAN, ti TINYINT, si SMALLINT, bi BIGINT, r REAL, "
        "d DOUBLE, dec DECIMAL(10, 3), s VARCHAR, ts TIMESTAMP, dt DATE, tm TIME, bin BINARY, u UUID)"
    )
    try:
        ts = datetime.datetime(2021, 5, 6, 7, 8, 9, 123000)
        u = uuid.uuid4()
        values = (1, True, 3, 300, 2**40, 1.5, 2.25, decimal.Decimal("12.345"), "text", ts,
                  dbapi.Date(2021, 5, 6), dbapi.Time(7, 8, 9), dbapi.Binary(b"\x00\x01"), u)
        cur.execute(f"INSERT INTO {name} VALUES ({', '.join('?' * len(values))})", values)
        cur.execute(f"SELECT * FROM {name}")
        row = cur.fetchone()
        assert row[:10] == values[:10]
        assert row[10] == datetime.datetime(2021, 5, 6)  # a DATE comes back as a datetime at midnight
        assert row[11] == datetime.time(7, 8, 9) and row[12] == b"\x00\x01" and row[13] == u
        assert [d[1] for d in cur.description] == [
            "BIGINT", "BOOLEAN", "BIGINT", "BIGINT", "BIGINT", "DOUBLE", "DOUBLE", "DECIMAL", "VARCHAR",
            "TIMESTAMP", "TIMESTAMP", "TIME", "BINARY", "UUID",
        ]
        cur.execute("SELECT NULL")
        assert cur.description[0][1] is None and cur.fetchall() == [(None,)]
    finally:
        cur.execute(f"DROP TABLE {name}")


def test_timestamp_shapes_are_converted() -> None:
    # the client may hand timestamps as (datetime, nanos-within-the-millisecond) tuples and TIME as
    # timedeltas; the driver gives datetime / time either way
    dt = datetime.datetime(2020, 1, 2, 3, 4, 5, 6000)
    assert _core.convert_value((dt, 6789)) == datetime.datetime(2020, 1, 2, 3, 4, 5, 6006)
    assert _core.convert_value(datetime.timedelta(hours=25, seconds=3)) == datetime.time(1, 0, 3)
    assert _core.convert_value((1, 2, 3)) == (1, 2, 3)
    from pyignite.datatypes.standard import NanoDatetime

    nano = NanoDatetime(2020, 1, 2, 3, 4, 5, 6, nanosecond=7)
    plain = _core.convert_value(nano)
    assert type(plain) is datetime.datetime and plain == datetime.datetime(2020, 1, 2, 3, 4, 5, 6)
    assert _core.convert_rows([[1, (dt, 0)], ["a", None]]) == [(1, dt), ("a", None)]


def test_ddl_rowcount_and_schema(conn: dbapi.Connection, sql_node: Tuple[str, int]) -> None:
    cur = conn.cursor()
    name = unique_name("ddl").upper()
    cur.execute(f'CREATE TABLE {name} (id INT PRIMARY KEY, v INT) WITH "template=replicated,cache_name={name}"')
    assert cur.rowcount == -1 and cur.description is None
    try:
        cur.execute("INSERT INTO " + name + " VALUES (1, 2)")
        # a connection whose default schema is the table's
        with dbapi.connect(nodes=[f"{sql_node[0]}:{sql_node[1]}"], schema="PUBLIC", lazy=True) as other:
            c2 = other.cursor()
            c2.execute(f"SELECT v FROM {name}")
            assert c2.fetchall() == [(2,)]
    finally:
        cur.execute(f"DROP TABLE {name}")


def test_transactions_and_closing(sql_node: Tuple[str, int], table: str) -> None:
    conn = dbapi.connect(host=sql_node[0], port=sql_node[1])
    assert conn.autocommit is True
    with pytest.raises(dbapi.NotSupportedError):
        conn.autocommit = False
    conn.rollback()  # nothing changed: nothing to undo
    cur = conn.cursor()
    cur.setinputsizes([10])
    cur.setoutputsize(10)
    cur.setoutputsize(10, 0)
    cur.execute(f"INSERT INTO {table} (id, name) VALUES (1, 'a')")
    with pytest.raises(dbapi.NotSupportedError, match="cannot be rolled back"):
        conn.rollback()
    cur.execute(f"INSERT INTO {table} (id, name) VALUES (2, 'b')")
    conn.commit()
    conn.rollback()  # committed (as every statement): nothing pending
    cur.execute(f"SELECT id FROM {table} ORDER BY id")
    cur.close()
    cur.close()  # again: nothing
    with pytest.raises(dbapi.InterfaceError):
        cur.execute("SELECT 1")
    with pytest.raises(dbapi.InterfaceError):
        cur.fetchall()
    with conn as same:
        assert same is conn
        c2 = conn.cursor()
    assert conn.closed
    with pytest.raises(dbapi.InterfaceError):
        c2.execute("SELECT 1")
    with pytest.raises(dbapi.InterfaceError):
        conn.cursor()
    with pytest.raises(dbapi.InterfaceError):
        conn.commit()
    conn.close()  # again: nothing


def test_connect_errors(sql_node: Tuple[str, int]) -> None:
    from .util import free_port

    with pytest.raises(dbapi.OperationalError):
        dbapi.connect(host="127.0.0.1", port=free_port(), timeout=2.0)
    with pytest.raises(dbapi.InterfaceError):
        dbapi.connect(host="127.0.0.1", nodes=[sql_node])
    with pytest.raises(dbapi.InterfaceError):
        dbapi.connect(port=sql_node[1], no_such_option=1)


def test_cursor_context_manager_releases(conn: dbapi.Connection, table: str) -> None:
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} (id, name) VALUES (?, ?)", [(i, "n") for i in range(20)])
        cur.execute(f"SELECT * FROM {table}")
        cur.fetchone()
    assert cur.closed
