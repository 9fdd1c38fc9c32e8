"""Scan queries (``Cache.scan``) and their cursors, against real nodes (both client flavors).

What the server did with the page size, partition and local flag is read back from its
``SYS.SCAN_QUERIES`` view (on the SQL node, where system views are available).
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List

import pytest

from pyignite import Client
from pyignite.exceptions import CacheError, ParameterError
from pyignite.protocol.status import CACHE_DOES_NOT_EXIST, TOO_MANY_CURSORS

from .test_sql import OPEN_CURSOR_LIMIT, count_requests
from .util import unique_name

N = 2000


def fill(cache: Any, n: int = N) -> Dict[Any, Any]:
    data = {f"key_{i}": i for i in range(n)}
    items = list(data.items())
    for start in range(0, n, 500):
        cache.put_all(dict(items[start:start + 500]))
    return data


def test_scan_empty_cache(cache: Any) -> None:
    assert list(cache.scan()) == []


@pytest.mark.parametrize("page_size", [1, 3, 100, 1024, 5000])
def test_scan_pages(client: Any, cache: Any, page_size: int) -> None:
    data = fill(cache)
    sent = count_requests(client)
    cur = cache.scan(page_size=page_size)
    assert sent == [2000]
    rows = list(cur)
    assert all(isinstance(r, tuple) and len(r) == 2 for r in rows)
    assert len(rows) == N and dict(rows) == data  # every entry exactly once
    assert sent == [2000] + [2001] * (-(-N // page_size) - 1)


def test_scan_default_page_size(client: Any, cache: Any) -> None:
    fill(cache)
    sent = count_requests(client)
    assert len(list(cache.scan())) == N
    assert sent == [2000, 2001]  # 1024 + 976


def test_scan_values_of_several_types(cache: Any) -> None:
    data = {1: "one", "two": 2.5, 3.5: True, "big": 2**40, "text": "ünïcode ✓"}
    for k, v in data.items():
        cache.put(k, v)
    assert dict(cache.scan(page_size=2)) == data


def test_scan_partitions(cache: Any) -> None:
    data = fill(cache, 500)
    seen: Dict[Any, int] = {}
    nonempty = 0
    for part in range(1024):  # the default partition count
        rows = list(cache.scan(partitions=part))
        nonempty += bool(rows)
        for key, value in rows:
            assert key not in seen, f"{key} is in partitions {seen[key]} and {part}"
            seen[key] = part
            assert data[key] == value
    assert set(seen) == set(data)
    assert nonempty > 100  # the entries really are spread over partitions
    # a negative partition means the whole cache
    assert dict(cache.scan(partitions=-1)) == data
    assert dict(cache.scan(partitions=-7)) == data


def test_scan_partition_out_of_range(cache: Any) -> None:
    fill(cache, 10)
    with pytest.raises(CacheError):
        list(cache.scan(partitions=1024))


def test_scan_local(cache: Any) -> None:
    data = fill(cache, 300)
    assert dict(cache.scan(local=True)) == data  # one node holds everything


def test_scan_missing_cache(client: Any) -> None:
    with pytest.raises(CacheError) as info:
        client.get_cache(unique_name("missing")).scan()
    assert info.value.status == CACHE_DOES_NOT_EXIST


@pytest.mark.parametrize("kwargs", [
    dict(page_size=0), dict(page_size=-1), dict(page_size="5"), dict(page_size=2**31),
    dict(partitions="1"), dict(partitions=1.0), dict(partitions=2**31), dict(local=1), dict(local=None),
])
def test_scan_bad_arguments(kwargs: Dict[str, Any]) -> None:
    cache = Client().get_cache("x")  # not connected: nothing may be sent
    with pytest.raises(ParameterError):
        cache.scan(**kwargs)


def test_scan_early_close(client: Any, cache: Any) -> None:
    fill(cache, 100)
    for i in range(500):
        if i % 3 == 0:
            for _ in cache.scan(page_size=2):
                break
        elif i % 3 == 1:
            with cache.scan(page_size=2) as cur:
                next(cur)
        else:
            cache.scan(page_size=2)
    held = [cache.scan(page_size=2) for _ in range(OPEN_CURSOR_LIMIT)]
    with pytest.raises(CacheError) as info:
        cache.scan(page_size=2)
    assert info.value.status == TOO_MANY_CURSORS
    for cur in held:
        cur.close()
    assert len(list(cache.scan(page_size=2))) == 100


# --- what the server saw (SYS.SCAN_QUERIES on the SQL node) ----------------------------------------

@pytest.fixture
def sql_cache(sql_client: Any) -> Iterator[Any]:
    c = sql_client.create_cache(unique_name("scan"))
    try:
        yield c
    finally:
        c.destroy()


def scan_queries(client: Any, cache: Any) -> List[List[Any]]:
    return list(client.sql("SELECT PAGE_SIZE, PARTITION FROM SYS.SCAN_QUERIES WHERE CACHE_NAME = ?",
                           query_args=[cache.name]))


def test_scan_parameters_reach_the_server(sql_client: Any, sql_cache: Any) -> None:
    fill(sql_cache, 3000)
    with sql_cache.scan(page_size=7):
        assert scan_queries(sql_client, sql_cache) == [[7, -1]]
    cur = sql_cache.scan(page_size=2, partitions=5)
    if not cur.closed:  # partition 5 may hold fewer than 3 entries
        assert scan_queries(sql_client, sql_cache) == [[2, 5]]
    cur.close()
    # closed and abandoned scans are gone from the server
    for _ in range(50):
        for _ in sql_cache.scan(page_size=3):
            break
    assert scan_queries(sql_client, sql_cache) == []


# --- several nodes: local ---------------------------------------------------------------------------

def test_scan_local_on_three_nodes(cluster3: Any) -> None:
    with Client().connect("127.0.0.1", cluster3.ports[0]) as client:
        cache = client.create_cache(unique_name("scan3"))
        try:
            data = fill(cache, 600)
            assert dict(cache.scan()) == data
            local = dict(cache.scan(local=True))
            assert 0 < len(local) < len(data)  # only this node's primary partitions
            assert all(data[k] == v for k, v in local.items())
        finally:
            cache.destroy()
