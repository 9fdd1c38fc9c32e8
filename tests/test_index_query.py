"""Index queries against a real node with SQL: the rows of each index query equal those of the same
SQL query, with the Client and the AioClient (``both_clients``)."""

from __future__ import annotations

import random
from typing import Any, Iterator, List, Tuple

import pytest

from pyignite.exceptions import CacheError, NotSupportedByClusterError, ParameterError
from pyignite.index_query import IndexCriterion, between, eq, gt, gte, in_, lt, lte
from pyignite.protocol import index_ops
from pyignite.protocol.cache_ops import CacheRef

from .util import unique_name

pytestmark = pytest.mark.both_clients

ROWS = 500


@pytest.fixture
def people(sql_client: Any) -> Iterator[Tuple[Any, Any, str]]:
    """A table of ROWS people with indexes on AGE and on (CITY, AGE); yields (client, cache, type)."""
    table = unique_name("person")
    cache_name = f"cache_{table}"
    value_type = f"Person_{table}"
    sql_client.sql(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR, age INT, city VARCHAR) "
        f'WITH "CACHE_NAME={cache_name},VALUE_TYPE={value_type}"'
    )
    sql_client.sql(f"CREATE INDEX {table}_age ON {table} (age)")
    sql_client.sql(f"CREATE INDEX {table}_city_age ON {table} (city, age)")
    rnd = random.Random(7)
    cities = ["Oslo", "Lima", "Pune", "Kyiv"]
    for start in range(0, ROWS, 100):
        values = []
        args: List[Any] = []
        for i in range(start, start + 100):
            values.append("(?, ?, ?, ?)")
            age = rnd.randrange(18, 80) if i % 50 else None  # a few NULL ages
            args += [i, f"name{i}", age, rnd.choice(cities)]
        sql_client.sql(f"INSERT INTO {table} (id, name, age, city) VALUES {', '.join(values)}", query_args=args)
    cache = sql_client.get_cache(cache_name)
    try:
        if _server_release(sql_client) < (2, 17):
            # Ignite 2.14-2.16 look the value type up as a Java class on the server: a type made by
            # SQL DDL (or by this client) has none, and the query fails with the type's name
            with pytest.raises(CacheError, match=value_type):
                list(cache.index_query(value_type, criteria=[gt("AGE", 30)]))
            pytest.skip("index queries over a value type without a Java class need Ignite 2.17+ (checked above)")
        yield sql_client, cache, value_type, table
    finally:
        sql_client.sql(f"DROP TABLE {table}")


def _server_release(client: Any) -> Tuple[int, ...]:
    """(major, minor) of the node's Ignite release, from its SYS.NODES view (e.g. '2.17.0#2024...')."""
    (version,) = next(iter(client.sql("SELECT VERSION FROM SYS.NODES")))
    return tuple(int(part) for part in str(version).split("#")[0].split(".")[:2])


def _ids(rows: Any) -> List[int]:
    return [key for key, _ in rows]


def _sql_ids(client: Any, table: str, where: str, args: Any = None, order: str = "id") -> List[int]:
    return [row[0] for row in client.sql(f"SELECT id FROM {table} WHERE {where} ORDER BY {order}", query_args=args)]


CASES = [
    ([gt("AGE", 30)], "age > 30", None),
    ([gte("AGE", 30)], "age >= 30", None),
    # the index holds NULL before every value, so an open lower end includes NULLs (unlike SQL)
    ([lt("AGE", 30)], "(age < 30 OR age IS NULL)", None),
    ([lte("AGE", 30)], "(age <= 30 OR age IS NULL)", None),
    ([eq("AGE", 42)], "age = 42", None),
    ([between("AGE", 20, 29)], "age BETWEEN 20 AND 29", None),
    ([in_("AGE", [19, 25, 77])], "age IN (19, 25, 77)", None),
]


@pytest.mark.parametrize("criteria,where,args", CASES, ids=[c[1] for c in CASES])
def test_matches_sql(people: Any, criteria: list, where: str, args: Any) -> None:
    client, cache, value_type, table = people
    with cache.index_query(value_type, criteria=criteria, page_size=64) as cursor:
        rows = list(cursor)
    assert rows, "the criteria should match some rows"
    assert sorted(_ids(rows)) == _sql_ids(client, table, where, args)
    # index order: by AGE, then by key
    ages = [-1 if person.AGE is None else person.AGE for _, person in rows]
    assert ages == sorted(ages)


def test_composite_index_and_name(people: Any) -> None:
    client, cache, value_type, table = people
    index = f"{table}_city_age".upper()
    rows = list(cache.index_query(value_type, index_name=index, criteria=[eq("CITY", "Oslo"), gt("AGE", 40)]))
    assert sorted(_ids(rows)) == _sql_ids(client, table, "city = 'Oslo' AND age > 40")
    assert {person.CITY for _, person in rows} == {"Oslo"}


def test_no_criteria_is_every_row_in_index_order(people: Any) -> None:
    _client, cache, value_type, table = people
    rows = list(cache.index_query(value_type, index_name=f"{table}_age".upper(), page_size=100))
    assert sorted(_ids(rows)) == list(range(ROWS))


def test_limit_and_partition(people: Any) -> None:
    client, cache, value_type, table = people
    rows = list(cache.index_query(value_type, criteria=[gt("AGE", 30)], limit=7, page_size=3))
    assert len(rows) == 7
    expected = _sql_ids(client, table, "age > 30", order="age, id")[:7]
    assert sorted(_ids(rows)) == sorted(expected)
    # one partition: exactly the matching keys of that partition (1024 partitions, the default)
    from pyignite.datatypes.hashing import hashcode
    from pyignite.protocol.affinity import partition_for_hash

    part = partition_for_hash(hashcode(7), 1024)
    matching = _sql_ids(client, table, "age >= 0")
    expected = sorted(k for k in matching if partition_for_hash(hashcode(k), 1024) == part)
    got = sorted(_ids(cache.index_query(value_type, criteria=[gte("AGE", 0)], partition=part)))
    assert got == expected


def test_early_close_releases_the_cursor(people: Any) -> None:
    _client, cache, value_type, _table = people
    for _ in range(200):  # more than the server's 128 open cursors per connection
        with cache.index_query(value_type, criteria=[gt("AGE", 0)], page_size=2) as cursor:
            next(iter(cursor))


def test_server_errors(people: Any) -> None:
    _, cache, value_type, _ = people
    with pytest.raises(CacheError):
        list(cache.index_query("NoSuchType", criteria=[gt("AGE", 1)]))
    with pytest.raises(CacheError):
        list(cache.index_query(value_type, index_name="NO_SUCH_INDEX"))
    with pytest.raises(CacheError):  # NAME is not indexed
        list(cache.index_query(value_type, criteria=[gt("NAME", "a")]))


@pytest.mark.parametrize("kwargs,match", [
    ({"value_type": ""}, "value_type"),
    ({"value_type": "T", "index_name": ""}, "index_name"),
    ({"value_type": "T", "criteria": ["AGE > 3"]}, "criteria"),
    ({"value_type": "T", "criteria": "AGE"}, "criteria"),
    ({"value_type": "T", "limit": -1}, "limit"),
    ({"value_type": "T", "page_size": 0}, "page_size"),
    ({"value_type": "T", "local": 1}, "local"),
])
def test_bad_arguments(client: Any, kwargs: dict, match: str) -> None:
    cache = client.get_cache("whatever")
    with pytest.raises(ParameterError, match=match):
        cache.index_query(**kwargs)


def test_builders() -> None:
    assert gt("A", 1) == index_ops.range_criterion("A", 1, None, False, True, False, False)
    assert lt("A", None).upper_null and not lt("A", 1).upper_null
    assert eq("A", 5).lower == eq("A", 5).upper == 5
    assert isinstance(in_("A", (1, 2)), IndexCriterion)
    with pytest.raises(ParameterError):
        in_("A", [])
    with pytest.raises(ParameterError):
        gt("", 1)
    with pytest.raises(AttributeError):
        gt("A", 1).field = "B"  # type: ignore[misc]
    assert repr(gt("A", 1)) == "<IndexCriterion A in (1, +inf]>"
    assert repr(in_("A", [1])) == "in_('A', [1])"


def test_wire_format_with_and_without_limit() -> None:
    ref = CacheRef("c")
    with_limit, _ = index_ops.index_query(ref, "T", None, [gt("A", 1)], limit=5, send_limit=True)
    without, core = index_ops.index_query(ref, "T", None, [gt("A", 1)], limit=5, send_limit=False)
    assert len(with_limit.frame) == len(without.frame) + 4
    assert core.remaining == 5  # the cursor applies the limit when the server cannot


def test_old_server_is_refused(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyignite.protocol.handshake import Feature

    conn = client.connection
    monkeypatch.setattr(conn, "features", frozenset(conn.features) - {Feature.INDEX_QUERY})
    with pytest.raises(NotSupportedByClusterError, match="INDEX_QUERY"):
        client.get_cache("x").index_query("T")


def test_async_iteration(people: Any, sql_node: Tuple[str, int]) -> None:
    """``async for`` and ``async with`` straight on the AioCache method (no proxy)."""
    import asyncio

    from pyignite import AioClient

    _, cache, value_type, table = people

    async def main() -> Tuple[List[int], List[int]]:
        async with AioClient().connect(*sql_node) as client:
            aio_cache = client.get_cache(cache.name)
            streamed = [k async for k, _ in aio_cache.index_query(value_type, criteria=[gt("AGE", 60)], page_size=8)]
            async with aio_cache.index_query(value_type, criteria=[gt("AGE", 60)], limit=3) as cursor:
                first = [k async for k, _ in cursor]
            return streamed, first

    streamed, first = asyncio.run(main())
    expected = _sql_ids(people[0], table, "age > 60", order="age, id")
    assert sorted(streamed) == sorted(expected)
    assert first == expected[:3]
