"""SQL queries (``Client.sql``, ``Cache.select_row``) and their cursors.

Request layouts are checked against bytes written out by hand from the server's readers
(``ClientCacheSqlFieldsQueryRequest``, ``ClientCacheSqlQueryRequest``); everything else runs against a
real SQL node (``sql_client``; both the blocking and the asyncio client), and the flags whose effect
only shows on several nodes against ``cluster3``.
"""

from __future__ import annotations

import gc
import struct
import threading
import time
from typing import Any, Iterator, List, Tuple

import pytest

from pyignite import Client
from pyignite.cursors import Cursor, StatementType
from pyignite.datatypes import IntObject, LongObject, ShortObject, String
from pyignite.exceptions import CacheError, ParameterError, ParseError, ReconnectError, SocketError, SQLError
from pyignite.protocol import op_codes as op
from pyignite.protocol import query_ops
from pyignite.protocol.cache_ops import CacheRef, cache_id
from pyignite.protocol.frames import REQUEST_HEADER_SIZE, op_code_of
from pyignite.protocol.status import CACHE_DOES_NOT_EXIST, TOO_MANY_CURSORS

from .util import unique_name

ROWS = 2500  # rows of the shared table


# --- helpers ------------------------------------------------------------------------------------

def s(value: str) -> bytes:
    data = value.encode()
    return struct.pack("<Bi", 9, len(data)) + data


def payload(req: Any) -> bytes:
    return bytes(req.frame[REQUEST_HEADER_SIZE:])


def count_requests(client: Any) -> List[int]:
    """Record the op code of every request ``client`` sends (either flavor)."""
    target = getattr(client, "_target", client)
    sent: List[int] = []
    execute = target._execute

    def counting(req: Any) -> Any:
        sent.append(op_code_of(req.frame))
        return execute(req)

    target._execute = counting
    return sent


def running_queries(client: Any, text: str) -> List[str]:
    """SQL text of the running queries (open cursors) that contain ``text``."""
    rows = client.sql("SELECT SQL FROM SYS.SQL_QUERIES WHERE SQL LIKE ? AND SQL NOT LIKE '%SYS.SQL_QUERIES%'",
                      query_args=[f"%{text}%"])
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def nums(sql_node: Tuple[str, int]) -> Iterator[str]:
    """A table NUMS_<random> of ROWS rows: ``(id, label)`` = ``(i, 'n<i>')`` for i in 1..ROWS."""
    table = unique_name("nums").upper()
    c = Client()
    c.connect(*sql_node)
    try:
        c.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, label VARCHAR)")
        c.sql(f"INSERT INTO {table} (id, label) SELECT x, CONCAT('n', x) FROM SYSTEM_RANGE(1, {ROWS})")
        yield table
        c.sql(f"DROP TABLE {table}")
    finally:
        c.close()


@pytest.fixture
def table(sql_client: Any) -> Iterator[str]:
    """A fresh (empty) table name, dropped after the test."""
    name = unique_name("t").upper()
    yield name
    try:
        sql_client.sql(f"DROP TABLE IF EXISTS {name}")
    except Exception:
        pass


# --- request layouts (no server) ------------------------------------------------------------------

def test_sql_fields_request_layout() -> None:
    req, core = query_ops.sql_fields(
        "SELECT ?", page_size=77, query_args=[(5, IntObject), "x"], schema="MY", statement_type=2,
        distributed_joins=True, local=False, replicated_only=True, enforce_join_order=False,
        collocated=True, lazy=False, include_field_names=True, max_rows=500, timeout=1500,
    )
    assert op_code_of(req.frame) == op.OP_QUERY_SQL_FIELDS == 2004
    expected = (
        struct.pack("<ib", 0, 0)  # no cache, no flags
        + s("MY")
        + struct.pack("<ii", 77, 500)  # page size, max rows
        + s("SELECT ?")
        + struct.pack("<i", 2) + struct.pack("<Bi", 3, 5) + s("x")  # args: Int hint, String
        + bytes([2, 1, 0, 1, 0, 1, 0])  # statement type, six flags
        + struct.pack("<q", 1500)  # timeout
        + b"\x01"  # include field names
    )
    assert payload(req) == expected
    assert req.error is SQLError
    assert core.remaining == 500 and core.with_names


def test_sql_fields_request_with_cache_and_no_schema() -> None:
    req, _ = query_ops.sql_fields("SELECT 1", schema=None, cache_id=cache_id("my cache"))
    body = payload(req)
    assert body[:5] == struct.pack("<ib", cache_id("my cache"), 0)
    assert body[5] == 101  # Null schema: the server takes the cache's
    # defaults: page size 1024, max rows 0, no args, ALL, no flags, no timeout, no names
    assert body[6:14] == struct.pack("<ii", 1024, 0)
    assert body[14:] == s("SELECT 1") + struct.pack("<i", 0) + bytes(7) + struct.pack("<q", 0) + b"\x00"


def test_max_rows_smaller_than_page_asks_for_less() -> None:
    req, core = query_ops.sql_fields("SELECT 1", page_size=1024, max_rows=10, schema="PUBLIC")
    assert payload(req)[5 + len(s("PUBLIC")):][:8] == struct.pack("<ii", 10, 10)
    assert core.remaining == 10


def test_scan_and_sql_request_layouts() -> None:
    ref = CacheRef("c")
    req, _ = query_ops.scan(ref, page_size=10, partitions=3, local=True)
    assert op_code_of(req.frame) == 2000
    assert payload(req) == struct.pack("<ib", ref.cache_id, 0) + b"\x65" + struct.pack("<ii?", 10, 3, True)
    req, _ = query_ops.scan(ref)
    assert payload(req)[5:] == b"\x65" + struct.pack("<ii?", 1024, -1, False)

    req, _ = query_ops.sql(ref, "Person", "age > ?", 5, [(7, LongObject)], True, False, True, 900)
    assert op_code_of(req.frame) == 2002
    assert payload(req) == (
        struct.pack("<ib", ref.cache_id, 0) + s("Person") + s("age > ?") + struct.pack("<i", 1)
        + struct.pack("<Bq", 4, 7) + bytes([1, 1, 0]) + struct.pack("<iq", 5, 900)
    )


def test_page_and_close_requests() -> None:
    core = query_ops.CursorCore(query_ops.FIELDS, op.OP_QUERY_SQL_FIELDS, SQLError, "q")
    frame = bytearray(10) + struct.pack("<qi", 42, 1) + struct.pack("<i", 1) + struct.pack("<Bi", 3, 9) + b"\x01"
    core.parse_first(bytes(frame), 10, query_ops.NO_CONTEXT)
    assert core.cursor_id == 42 and core.rows == [[9]] and core.more and core.needs_close
    page = core.next_page_request()
    assert op_code_of(page.frame) == 2005 and payload(page) == struct.pack("<q", 42)
    close = core.close_request()
    assert close is not None and op_code_of(close.frame) == 0 and payload(close) == struct.pack("<q", 42)
    assert core.closed and core.close_request() is None


def test_statement_type_constants() -> None:
    assert (StatementType.ALL, StatementType.SELECT, StatementType.UPDATE) == (0, 1, 2)


# --- reply parsing (no server) --------------------------------------------------------------------

def fields_reply(cursor_id: int, names: List[str], rows: List[List[int]], more: bool, with_names: bool) -> bytes:
    out = bytearray(10) + struct.pack("<qi", cursor_id, len(names))
    if with_names:
        for n in names:
            out += s(n)
    out += struct.pack("<i", len(rows))
    for row in rows:
        for v in row:
            out += struct.pack("<Bi", 3, v)
    out += bytes([more])
    return bytes(out)


def test_parse_first_page_with_names_and_limit() -> None:
    core = query_ops.CursorCore(query_ops.FIELDS, op.OP_QUERY_SQL_FIELDS, SQLError, "q", limit=3, with_names=True)
    frame = fields_reply(7, ["A", "B"], [[1, 2], [3, 4]], True, True)
    core.parse_first(frame, 10, query_ops.NO_CONTEXT)
    assert core.rows == [["A", "B"], [1, 2], [3, 4]]
    assert core.field_names == ["A", "B"] and core.remaining == 1 and not core.done
    page = bytes(10) + struct.pack("<i", 2) + struct.pack("<BiBi", 3, 5, 3, 6) * 2 + b"\x01"
    assert core.parse_page(page, 10, query_ops.NO_CONTEXT) == [[5, 6]]
    assert core.remaining == 0 and core.done and core.needs_close  # the server still holds it


@pytest.mark.parametrize("cut", [11, 18, 22, 30, 35])
def test_truncated_reply_raises_parse_error(cut: int) -> None:
    frame = fields_reply(7, ["A"], [[1], [2]], False, True)[:cut]
    core = query_ops.CursorCore(query_ops.FIELDS, op.OP_QUERY_SQL_FIELDS, SQLError, "q", with_names=True)
    with pytest.raises(ParseError):
        core.parse_first(frame, 10, query_ops.NO_CONTEXT)
    assert core.cursor_id is None  # nothing taken from a reply that did not parse


def test_negative_row_count_raises_parse_error() -> None:
    core = query_ops.CursorCore(query_ops.PAIRS, op.OP_QUERY_SCAN, CacheError, "q")
    with pytest.raises(ParseError, match="negative row count"):
        core.parse_first(bytes(10) + struct.pack("<qi", 1, -5) + b"\x00", 10, query_ops.NO_CONTEXT)


def test_sql_type_name() -> None:
    assert query_ops.sql_type_name("java.lang.String") == "String"
    assert query_ops.sql_type_name("my.pkg.Outer$Person") == "Person"
    assert query_ops.sql_type_name("SQL_PUBLIC_T_1234") == "SQL_PUBLIC_T_1234"
    assert query_ops.sql_type_name("a.B[]") == "B_array"


# --- argument checks: raised before anything is sent (the client is not even connected) -----------

@pytest.mark.parametrize(
    "kwargs, exc",
    [
        (dict(query_str=42), ParameterError),
        (dict(query_str="  "), ParameterError),
        (dict(page_size=0), ParameterError),
        (dict(page_size=-3), ParameterError),
        (dict(page_size=2**31), ParameterError),
        (dict(page_size="10"), ParameterError),
        (dict(page_size=True), ParameterError),
        (dict(query_args="abc"), ParameterError),
        (dict(query_args=5), ParameterError),
        (dict(query_args={"a": 1}), ParameterError),
        (dict(query_args=[object()]), TypeError),
        (dict(query_args=[(300, ShortObject)]), None),
        (dict(query_args=[(70000, ShortObject)]), ValueError),
        (dict(schema=5), ParameterError),
        (dict(statement_type=3), ParameterError),
        (dict(statement_type=True), ParameterError),
        (dict(distributed_joins=1), ParameterError),
        (dict(local="yes"), ParameterError),
        (dict(replicated_only=None), ParameterError),
        (dict(enforce_join_order=0), ParameterError),
        (dict(collocated=1.0), ParameterError),
        (dict(lazy="True"), ParameterError),
        (dict(include_field_names=1), ParameterError),
        (dict(max_rows=-2), ParameterError),
        (dict(max_rows=1.5), ParameterError),
        (dict(timeout=-1), ParameterError),
        (dict(timeout=2**31), ParameterError),
        (dict(timeout=0.5), ParameterError),
        (dict(cache=3.5), ParameterError),
        (dict(cache=""), ParameterError),
        (dict(cache=2**40), ParameterError),
    ],
)
def test_bad_arguments_raise_before_sending(kwargs: dict, exc: Any) -> None:
    client = Client()  # never connected: anything sent would raise ReconnectError instead
    kwargs = dict(kwargs)
    query = kwargs.pop("query_str", "SELECT 1")
    if exc is None:
        with pytest.raises(ReconnectError):  # valid: it got as far as sending
            client.sql(query, **kwargs)
        return
    with pytest.raises(exc):
        client.sql(query, **kwargs)


def test_bad_select_row_arguments_raise_before_sending() -> None:
    cache = Client().get_cache("whatever")
    for kwargs in (dict(page_size=0), dict(query_args="x"), dict(timeout=-5), dict(local=1), dict(type_name=5)):
        with pytest.raises(ParameterError):
            cache.select_row("id > 0", **kwargs)
    with pytest.raises(ParameterError):
        cache.select_row(None)


# --- DDL, DML, SELECT -----------------------------------------------------------------------------

def test_ddl_dml_select(sql_client: Any, table: str) -> None:
    # DDL runs at once, without iterating
    sql_client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR, score DOUBLE, small SMALLINT)")
    inserted = sql_client.sql(
        f"INSERT INTO {table} (id, name, score, small) VALUES (?, ?, ?, ?), (?, ?, ?, ?)",
        query_args=[1, "one", 1.5, (7, ShortObject), 2, "two", 2.5, (8, ShortObject)],
    )
    assert list(inserted) == [[2]]
    assert list(sql_client.sql(f"UPDATE {table} SET score = score * 2 WHERE id = ?", query_args=[2])) == [[1]]
    rows = list(sql_client.sql(f"SELECT id, name, score, small FROM {table} ORDER BY id"))
    assert rows == [[1, "one", 1.5, 7], [2, "two", 5.0, 8]]
    assert all(isinstance(r, list) for r in rows)
    assert list(sql_client.sql(f"DELETE FROM {table} WHERE id = ?", query_args=[(1, IntObject)])) == [[1]]
    assert list(sql_client.sql(f"SELECT COUNT(*) FROM {table}")) == [[1]]
    sql_client.sql(f"DROP TABLE {table}")
    with pytest.raises(SQLError, match=table):
        sql_client.sql(f"SELECT * FROM {table}")


def test_query_args_with_hints_reach_the_server_typed(sql_client: Any) -> None:
    row = next(sql_client.sql(
        "SELECT CAST(? AS VARCHAR), CAST(? AS VARCHAR), ?, ?",
        query_args=[(5, IntObject), ("x", String), None, "plain"],
    ))
    assert row == ["5", "x", None, "plain"]


def test_include_field_names(sql_client: Any, nums: str) -> None:
    cur = sql_client.sql(f"SELECT id AS first, label FROM {nums} WHERE id <= 3 ORDER BY id",
                         include_field_names=True)
    assert next(cur) == ["FIRST", "LABEL"]
    assert list(cur) == [[1, "n1"], [2, "n2"], [3, "n3"]]
    # names come even for an empty result
    assert list(sql_client.sql(f"SELECT id FROM {nums} WHERE id < 0", include_field_names=True)) == [["ID"]]
    # and without the flag, no names
    assert list(sql_client.sql(f"SELECT id FROM {nums} WHERE id = 1")) == [[1]]


def test_join(sql_client: Any, table: str) -> None:
    other = table + "_B"
    try:
        sql_client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR)")
        sql_client.sql(f"CREATE TABLE {other} (id INT PRIMARY KEY, a_id INT, what VARCHAR)")
        for i, name in enumerate(["x", "y", "z"]):
            sql_client.sql(f"INSERT INTO {table} (id, name) VALUES (?, ?)", query_args=[i, name])
        for i in range(6):
            sql_client.sql(f"INSERT INTO {other} (id, a_id, what) VALUES (?, ?, ?)", query_args=[i, i % 3, f"w{i}"])
        rows = list(sql_client.sql(
            f"SELECT a.name, COUNT(b.id) AS n FROM {table} a JOIN {other} b ON b.a_id = a.id "
            "GROUP BY a.name ORDER BY a.name", include_field_names=True,
        ))
        assert rows == [["NAME", "N"], ["x", 2], ["y", 2], ["z", 2]]
    finally:
        sql_client.sql(f"DROP TABLE IF EXISTS {other}")


def test_bad_statement_raises_sql_error_with_server_message(sql_client: Any) -> None:
    with pytest.raises(SQLError) as info:
        sql_client.sql("SELEKT 1")
    assert "Syntax error" in str(info.value) and "SELEKT" in info.value.message
    with pytest.raises(SQLError, match="NO_SUCH_TABLE"):
        sql_client.sql("SELECT * FROM no_such_table")
    with pytest.raises(SQLError):
        sql_client.sql("SELECT ? + ?", query_args=[1])  # an argument missing
    # the connection is fine afterwards
    assert list(sql_client.sql("SELECT 1")) == [[1]]


# --- paging and laziness --------------------------------------------------------------------------

@pytest.mark.parametrize("page_size", [1, 7, 100, 1024, 5000])
def test_paging(sql_client: Any, nums: str, page_size: int) -> None:
    sent = count_requests(sql_client)
    cur = sql_client.sql(f"SELECT id, label FROM {nums} ORDER BY id", page_size=page_size)
    assert sent == [2004]  # only the first page so far
    rows = list(cur)
    assert rows == [[i, f"n{i}"] for i in range(1, ROWS + 1)]
    pages = -(-ROWS // page_size)
    assert sent == [2004] + [2005] * (pages - 1)
    assert cur.closed


def test_default_page_size_is_1024(sql_client: Any, nums: str) -> None:
    sent = count_requests(sql_client)
    assert len(list(sql_client.sql(f"SELECT id FROM {nums}"))) == ROWS
    assert sent == [2004, 2005, 2005]  # 1024 + 1024 + 452


def test_rows_are_fetched_as_consumed(sql_client: Any, nums: str) -> None:
    sent = count_requests(sql_client)
    cur = sql_client.sql(f"SELECT id FROM {nums} ORDER BY id", page_size=10)
    assert [next(cur) for _ in range(10)] == [[i] for i in range(1, 11)]
    assert sent == [2004]
    assert next(cur) == [11]
    assert sent == [2004, 2005]
    cur.close()


# --- max_rows and timeout ---------------------------------------------------------------------------

def test_max_rows(sql_client: Any, nums: str) -> None:
    sent = count_requests(sql_client)
    cur = sql_client.sql(f"SELECT id FROM {nums} ORDER BY id", page_size=10, max_rows=25)
    assert list(cur) == [[i] for i in range(1, 26)]
    assert sent == [2004, 2005, 2005, 0]  # three pages, then the server's cursor is released
    assert running_queries(sql_client, nums) == []
    # a limit above the result size changes nothing; max_rows=0 and -1 mean all rows
    assert len(list(sql_client.sql(f"SELECT id FROM {nums}", max_rows=ROWS + 10))) == ROWS
    assert len(list(sql_client.sql(f"SELECT id FROM {nums}", max_rows=0))) == ROWS
    # field names do not count as a row
    assert list(sql_client.sql(f"SELECT id FROM {nums} ORDER BY id", max_rows=2, include_field_names=True)) == [
        ["ID"], [1], [2]
    ]


def test_timeout_cancels_a_slow_query(sql_node: Tuple[str, int]) -> None:
    # a client-side socket timeout turns a broken ``timeout`` into a failure instead of a hang
    with Client(timeout=60).connect(*sql_node) as client:
        slow = "SELECT COUNT(*) FROM SYSTEM_RANGE(1, 200000) a, SYSTEM_RANGE(1, 200000) b"
        start = time.monotonic()
        with pytest.raises(SQLError, match="cancel"):
            client.sql(slow, timeout=300)
        assert time.monotonic() - start < 30
        # a fast query within its timeout runs
        assert list(client.sql("SELECT 1", timeout=5000)) == [[1]]


# --- other parameters -----------------------------------------------------------------------------

def test_statement_type(sql_client: Any, table: str) -> None:
    sql_client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, v INT)", statement_type=StatementType.UPDATE)
    with pytest.raises(SQLError):
        sql_client.sql(f"INSERT INTO {table} (id, v) VALUES (1, 1)", statement_type=StatementType.SELECT)
    assert list(sql_client.sql(f"INSERT INTO {table} (id, v) VALUES (1, 1)", statement_type=2)) == [[1]]
    with pytest.raises(SQLError):
        sql_client.sql(f"SELECT * FROM {table}", statement_type=StatementType.UPDATE)
    assert list(sql_client.sql(f"SELECT * FROM {table}", statement_type=StatementType.SELECT)) == [[1, 1]]
    assert list(sql_client.sql(f"SELECT * FROM {table}", statement_type=StatementType.ALL)) == [[1, 1]]


def test_schema(sql_client: Any, nums: str) -> None:
    # system views live in schema SYS
    names = [r[0] for r in sql_client.sql("SELECT TABLE_NAME FROM TABLES", schema="SYS")]
    assert nums in names
    with pytest.raises(SQLError):
        sql_client.sql("SELECT TABLE_NAME FROM TABLES")  # not in PUBLIC
    assert list(sql_client.sql(f"SELECT COUNT(*) FROM {nums}", schema="PUBLIC")) == [[ROWS]]
    with pytest.raises(SQLError):
        sql_client.sql("SELECT 1", schema="NO_SUCH_SCHEMA")


def test_cache_context(sql_client: Any, table: str) -> None:
    cache_name = unique_name("sqlcache")
    sql_client.sql(f'CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR) WITH "cache_name={cache_name}"')
    sql_client.sql(f"INSERT INTO {table} (id, v) VALUES (1, 'a')")
    cache = sql_client.get_cache(cache_name)
    for ref in (cache_name, cache, cache_id(cache_name)):
        assert list(sql_client.sql(f"SELECT v FROM {table}", cache=ref)) == [["a"]]
    # an explicit schema wins over the cache's
    assert list(sql_client.sql("SELECT COUNT(*) FROM TABLES WHERE TABLE_NAME = ?", query_args=[table],
                               cache=cache, schema="SYS")) == [[1]]
    with pytest.raises(CacheError) as info:
        sql_client.sql("SELECT 1", cache=unique_name("missing"))
    assert info.value.status == CACHE_DOES_NOT_EXIST


def test_enforce_join_order_reaches_the_planner(sql_client: Any, table: str) -> None:
    other = table + "_B"
    try:
        sql_client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, x INT)")
        sql_client.sql(f"CREATE TABLE {other} (id INT PRIMARY KEY, y INT)")
        # written order: OTHER first; the planner prefers scanning TABLE and looking OTHER up by key
        query = f"EXPLAIN SELECT COUNT(*) FROM {other}, {table} WHERE {table}.x = {other}.id"

        def first_table(**kwargs: Any) -> str:
            plan = next(sql_client.sql(query, **kwargs))[0]
            return plan.split("FROM PUBLIC.")[1].split()[0]

        assert first_table(enforce_join_order=False) == table
        assert first_table(enforce_join_order=True) == other
    finally:
        sql_client.sql(f"DROP TABLE IF EXISTS {other}")


def test_collocated_reaches_the_planner(sql_client: Any, nums: str) -> None:
    query = f"EXPLAIN SELECT id % 3, COUNT(*) FROM {nums} GROUP BY id % 3"

    def reduce_query(**kwargs: Any) -> str:
        return list(sql_client.sql(query, **kwargs))[-1][0]

    assert "GROUP BY" in reduce_query(collocated=False)
    assert "GROUP BY" not in reduce_query(collocated=True)  # groups are complete on each node


@pytest.mark.parametrize("flag", ["lazy", "replicated_only", "distributed_joins", "local"])
def test_flags_give_the_same_result_on_one_node(sql_client: Any, nums: str, flag: str) -> None:
    cur = sql_client.sql(f"SELECT id FROM {nums} WHERE id > ? ORDER BY id", page_size=100, query_args=[500],
                         **{flag: True})
    assert [r[0] for r in cur] == list(range(501, ROWS + 1))


def test_replicated_only_on_replicated_table(sql_client: Any, table: str) -> None:
    sql_client.sql(f'CREATE TABLE {table} (id INT PRIMARY KEY, v INT) WITH "template=replicated"')
    sql_client.sql(f"INSERT INTO {table} (id, v) SELECT x, x * 2 FROM SYSTEM_RANGE(1, 50)")
    assert list(sql_client.sql(f"SELECT SUM(v) FROM {table}", replicated_only=True)) == [[2550]]


def test_local_flag_is_sent(sql_client: Any, nums: str) -> None:
    query = f"SELECT id FROM {nums} WHERE id > 0"
    for local in (False, True):
        with sql_client.sql(query, page_size=5, local=local):
            rows = list(sql_client.sql(
                "SELECT LOCAL FROM SYS.SQL_QUERIES WHERE SQL = ?", query_args=[query]))
            assert rows == [[local]]


# --- early close: no server cursor leaks ------------------------------------------------------------

OPEN_CURSOR_LIMIT = 128  # ClientConnectorConfiguration.maxOpenCursorsPerConnection default


def assert_cursor_count_is_zero(client: Any, nums: str) -> None:
    """The connection holds no open cursor: exactly the server's limit can be opened now."""
    held = [client.sql(f"SELECT id FROM {nums}", page_size=2) for _ in range(OPEN_CURSOR_LIMIT)]
    with pytest.raises(CacheError) as info:
        client.sql(f"SELECT id FROM {nums}", page_size=2)
    assert info.value.status == TOO_MANY_CURSORS
    for cur in held:
        cur.close()
    assert running_queries(client, nums) == []


def test_abandoned_cursors_do_not_leak(sql_client: Any, nums: str) -> None:
    query = f"SELECT id FROM {nums}"
    for i in range(500):
        style = i % 5
        if style == 0:  # break out of a loop
            for _ in sql_client.sql(query, page_size=3):
                break
        elif style == 1:  # leave a with block
            with sql_client.sql(query, page_size=3) as cur:
                next(cur)
        elif style == 2:  # drop the cursor after one row
            cur = sql_client.sql(query, page_size=3)
            next(cur)
        elif style == 3:  # explicit close
            cur = sql_client.sql(query, page_size=3)
            cur.close()
            assert list(cur) == []
        else:  # never touched
            sql_client.sql(query, page_size=3)
    del cur
    assert running_queries(sql_client, nums) == []
    assert_cursor_count_is_zero(sql_client, nums)


def test_cursor_dropped_by_the_garbage_collector_is_released(sql_client: Any, nums: str) -> None:
    cycle: List[Any] = [sql_client.sql(f"SELECT id FROM {nums}", page_size=3)]
    cycle.append(cycle)  # only the cycle collector can free it
    del cycle
    gc.collect()
    assert running_queries(sql_client, nums) == []


def test_cursors_dropped_in_other_threads_are_released(sql_client: Any, nums: str) -> None:
    def worker() -> None:
        for _ in range(40):
            for _ in sql_client.sql(f"SELECT id FROM {nums}", page_size=3):
                break

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert running_queries(sql_client, nums) == []
    assert_cursor_count_is_zero(sql_client, nums)


def test_exhausted_cursor_needs_no_close(sql_client: Any, nums: str) -> None:
    sent = count_requests(sql_client)
    with sql_client.sql(f"SELECT id FROM {nums} WHERE id <= 5", page_size=10) as cur:
        assert len(list(cur)) == 5
    assert sent == [2004]  # one page, released by the server itself; no RESOURCE_CLOSE


def test_cursor_does_not_outlive_its_connection(sql_node: Tuple[str, int], nums: str) -> None:
    with Client().connect(*sql_node) as client:
        cur = client.sql(f"SELECT id FROM {nums}", page_size=2)
        assert isinstance(cur, Cursor)
        next(cur), next(cur)
        client.connection.close()  # the node drops the cursor with the connection
        with pytest.raises(SocketError, match="cursor"):
            next(cur)
        assert list(cur) == []


# --- select_row -----------------------------------------------------------------------------------

def test_select_row(sql_client: Any, table: str) -> None:
    cache_name = unique_name("rows")
    sql_client.sql(f'CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR) '
                   f'WITH "wrap_key=false,wrap_value=false,cache_name={cache_name}"')
    sql_client.sql(f"INSERT INTO {table} (id, v) SELECT x, CONCAT('v', x) FROM SYSTEM_RANGE(1, 300)")
    cache = sql_client.get_cache(cache_name)
    rows = list(cache.select_row("id > ? ORDER BY id", query_args=[290]))
    assert rows == [(i, f"v{i}") for i in range(291, 301)]
    assert all(isinstance(r, tuple) for r in rows)
    # a whole SELECT, paging, each page size
    for page_size in (1, 7, 1024):
        rows = list(cache.select_row(f"SELECT * FROM {table} WHERE id <= ?", query_args=[50], page_size=page_size))
        assert sorted(rows) == [(i, f"v{i}") for i in range(1, 51)]
    # the other parameters are accepted and keep the result
    rows = list(cache.select_row("id < ?", query_args=[4], distributed_joins=True, replicated_only=True,
                                 local=True, timeout=10000, page_size=2))
    assert sorted(rows) == [(1, "v1"), (2, "v2"), (3, "v3")]
    # the value type can be named
    assert list(cache.select_row("id = 5", type_name="String")) == [(5, "v5")]
    with pytest.raises(SQLError):
        list(cache.select_row("id = 5", type_name="NoSuchType"))
    with pytest.raises(SQLError):
        cache.select_row("no_such_column = 5")


def test_select_row_early_close(sql_client: Any, table: str) -> None:
    cache_name = unique_name("rows")
    sql_client.sql(f'CREATE TABLE {table} (id INT PRIMARY KEY, v INT) '
                   f'WITH "wrap_key=false,wrap_value=false,cache_name={cache_name}"')
    sql_client.sql(f"INSERT INTO {table} (id, v) SELECT x, x FROM SYSTEM_RANGE(1, 100)")
    cache = sql_client.get_cache(cache_name)
    for _ in range(300):
        for _ in cache.select_row("id > 0", page_size=2):
            break
    # the connection still has room for the full limit of cursors
    held = [cache.select_row("id > 0", page_size=2) for _ in range(OPEN_CURSOR_LIMIT)]
    with pytest.raises(CacheError) as info:
        cache.select_row("id > 0", page_size=2)
    assert info.value.status == TOO_MANY_CURSORS
    for cur in held:
        cur.close()


def test_select_row_needs_an_sql_table(sql_client: Any) -> None:
    cache = sql_client.create_cache(unique_name("plain"))
    try:
        with pytest.raises(SQLError, match="no SQL table"):
            cache.select_row("id > 0")
    finally:
        cache.destroy()


# --- several nodes: local and distributed joins -------------------------------------------------

@pytest.fixture(scope="module")
def cluster_client(cluster3: Any) -> Iterator[Client]:
    c = Client()
    c.connect("127.0.0.1", cluster3.ports[0])
    try:
        yield c
    finally:
        c.close()


def test_local_and_distributed_joins_on_three_nodes(cluster_client: Client) -> None:
    a, b = unique_name("a").upper(), unique_name("b").upper()
    c = cluster_client
    try:
        c.sql(f"CREATE TABLE {a} (id INT PRIMARY KEY, ref INT)")
        c.sql(f"CREATE TABLE {b} (id INT PRIMARY KEY, v INT)")
        n = 300
        c.sql(f"INSERT INTO {a} (id, ref) SELECT x, MOD(x * 7 + 13, {n}) FROM SYSTEM_RANGE(0, {n - 1})")
        c.sql(f"INSERT INTO {b} (id, v) SELECT x, x FROM SYSTEM_RANGE(0, {n - 1})")

        # local: only the connected node's share of the rows
        (total,) = next(c.sql(f"SELECT COUNT(*) FROM {a}"))
        (here,) = next(c.sql(f"SELECT COUNT(*) FROM {a}", local=True))
        assert total == n and 0 < here < n

        # a join on a non-affinity column: complete only with distributed joins
        join = f"SELECT COUNT(*) FROM {a} JOIN {b} ON {b}.id = {a}.ref"
        (partial,) = next(c.sql(join))
        (complete,) = next(c.sql(join, distributed_joins=True))
        assert complete == n and partial < n
    finally:
        c.sql(f"DROP TABLE IF EXISTS {a}")
        c.sql(f"DROP TABLE IF EXISTS {b}")
