"""Index queries: the criteria builders and ``Cache.index_query`` (written once for both clients).

An index query reads the entries of a cache through one of its sorted SQL indexes (declared by a
``QueryEntity`` of the cache, or by ``CREATE INDEX``), keeping those whose indexed fields match the
criteria -- no SQL parsing or planning, rows come back as ``(key, value)`` in index order::

    from pyignite.index_query import between, gt, in_

    with cache.index_query('Person', criteria=[gt('AGE', 30)], limit=100) as cursor:
        for key, person in cursor:
            ...

    async for key, person in aio_cache.index_query('Person', index_name='PERSON_AGE_IDX',
                                                    criteria=[between('AGE', 20, 29)]):
        ...

The criteria are those of the Java ``IndexQueryCriteriaBuilder``: :func:`eq`, :func:`gt`,
:func:`gte`, :func:`lt`, :func:`lte`, :func:`between`, :func:`in_`. Field names are the index's SQL
column names (``AGE`` for a field ``age`` declared without quotes). The criteria must follow the
index's fields from the first one on (the server refuses ``('B' ...)`` alone on an index of
``(A, B)``); without ``index_name`` the server picks an index whose leading fields are the criteria's.

Server support: Ignite 2.14 and newer (feature ``INDEX_QUERY``); but Ignite 2.14 to 2.16 resolve
the value type as a Java class on the server, so a type without one there (an SQL DDL table, objects
written by this client) needs Ignite 2.17 or newer -- older servers fail the query with the type's
name as the message; ``limit`` is applied by the server
from Ignite 2.16 on (``INDEX_QUERY_LIMIT``) and by the cursor on older servers. An older server makes
``index_query`` raise :class:`~pyignite.exceptions.NotSupportedByClusterError` before anything is
sent. The server needs the SQL indexes, so the cache must have a query entity with an index (no
``ignite-indexing`` module is needed for the index itself, but SQL over the same data is).
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from pyignite.protocol.index_ops import IndexCriterion, in_criterion, range_criterion

__all__ = ["IndexCriterion", "between", "eq", "gt", "gte", "in_", "lt", "lte"]


def eq(field: str, value: Any) -> IndexCriterion:
    """``field = value`` (a range with both ends ``value``, inclusive)."""
    return between(field, value, value)


def gt(field: str, value: Any) -> IndexCriterion:
    """``field > value``."""
    return range_criterion(field, value, None, False, True, value is None, False)


def gte(field: str, value: Any) -> IndexCriterion:
    """``field >= value``."""
    return range_criterion(field, value, None, True, True, value is None, False)


def lt(field: str, value: Any) -> IndexCriterion:
    """``field < value``."""
    return range_criterion(field, None, value, True, False, False, value is None)


def lte(field: str, value: Any) -> IndexCriterion:
    """``field <= value``."""
    return range_criterion(field, None, value, True, True, False, value is None)


def between(field: str, lower: Any, upper: Any) -> IndexCriterion:
    """``lower <= field <= upper`` (both ends inclusive)."""
    return range_criterion(field, lower, upper, True, True, lower is None, upper is None)


def in_(field: str, values: Iterable[Any]) -> IndexCriterion:
    """``field IN (values...)``; ``values`` must not be empty. Values may be ``(value, hint)`` tuples."""
    return in_criterion(field, values)


def index_query_call(
    cache: Any, value_type: str, index_name: Optional[str], criteria: Any, limit: int, partition: int,
    local: bool, page_size: int,
) -> Any:
    """The body of :meth:`pyignite.api_base.BaseCache.index_query` (see there)."""
    from pyignite.api_base import cursor_plan
    from pyignite.protocol.capabilities import supports
    from pyignite.protocol.handshake import CLIENT_FEATURES, Feature
    from pyignite.protocol.index_ops import index_query

    client = cache._client
    client._require("index queries")
    conn = client.connection
    # The limit field exists only when both sides announced INDEX_QUERY_LIMIT; before the first
    # connection the newest format is assumed (the server then answers for itself).
    if conn is None or conn.protocol_version is None:
        send_limit = Feature.INDEX_QUERY_LIMIT in CLIENT_FEATURES
    else:
        send_limit = supports(conn, "index query limit")
    req, core = index_query(
        cache._ref, value_type, index_name, criteria, limit, partition, local, page_size, send_limit, client._ctx,
    )
    return client._drive(cursor_plan(client, req, core))
