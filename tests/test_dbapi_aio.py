"""The asyncio DB-API driver (``pyignite.dbapi.aio``) against a real SQL node."""

from __future__ import annotations

import asyncio
from typing import Any, Tuple

import pytest

from pyignite import dbapi
from pyignite.datatypes import IntObject
from pyignite.dbapi import aio

from .util import unique_name

pytestmark = pytest.mark.sql


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_module_surface() -> None:
    assert aio.apilevel == "2.0" and aio.paramstyle == "qmark" and aio.threadsafety == 2
    assert aio.IntegrityError is dbapi.IntegrityError and aio.STRING is dbapi.STRING
    assert aio.Timestamp is dbapi.Timestamp


def test_every_method(sql_node: Tuple[str, int]) -> None:
    table = unique_name("aio").upper()

    async def main() -> None:
        conn = await aio.connect(host=sql_node[0], port=sql_node[1], page_size=5)
        async with conn:
            cur = conn.cursor()
            assert cur.arraysize == 1 and cur.lastrowid is None and cur.description is None
            await cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR NOT NULL)")
            assert cur.rowcount == -1
            try:
                await cur.executemany(f"INSERT INTO {table} (id, name) VALUES (?, ?)",
                                      [(i, f"n{i}") for i in range(10_000)])
                assert cur.rowcount == 10_000
                await cur.execute(f"SELECT id, name FROM {table} WHERE id < ? ORDER BY id", [12])
                assert [d[0] for d in cur.description] == ["ID", "NAME"]
                assert cur.description[1][1] == aio.STRING and cur.rowcount == -1
                assert await cur.fetchone() == (0, "n0")
                assert await cur.fetchmany(6) == [(i, f"n{i}") for i in range(1, 7)]
                cur.arraysize = 2
                assert await cur.fetchmany() == [(7, "n7"), (8, "n8")]
                assert [row async for row in cur] == [(9, "n9"), (10, "n10"), (11, "n11")]
                assert await cur.fetchone() is None and cur.rowcount == 12
                await cur.execute(f"SELECT id FROM {table} WHERE id < 3 ORDER BY id")
                assert await cur.fetchall() == [(0,), (1,), (2,)] and cur.rowcount == 3
                await cur.execute(f"SELECT id, name FROM {table} WHERE id < 8 ORDER BY id")
                names, columns = await cur.fetch_columns()
                assert names == ["ID", "NAME"] and columns[0] == list(range(8))
                await cur.execute(f"UPDATE {table} SET name = ? WHERE id < ?", ["x", 100])
                assert cur.rowcount == 100
                await cur.execute(f"DELETE FROM {table} WHERE id = ?", [(5, IntObject)])
                assert cur.rowcount == 1
                with pytest.raises(aio.IntegrityError):
                    await cur.execute(f"INSERT INTO {table} (id, name) VALUES (1, 'dup')")
                with pytest.raises(aio.ProgrammingError):
                    await cur.execute("SELEC 1")
                with pytest.raises(aio.DataError):
                    await cur.execute("SELECT 1 / 0")
                cur.setinputsizes([1])
                cur.setoutputsize(1)
                with pytest.raises(aio.NotSupportedError):
                    await conn.rollback()
                await conn.commit()
                await conn.rollback()
                # several tasks share the connection, each with its own cursor
                async def count(i: int) -> Any:
                    async with conn.cursor() as c:
                        await c.execute(f"SELECT COUNT(*) FROM {table} WHERE id >= ?", [i])
                        return (await c.fetchone())[0]
                assert await asyncio.gather(*(count(i) for i in (0, 5000, 9999))) == [9999, 5000, 1]
            finally:
                await cur.execute(f"DROP TABLE {table}")
            await cur.close()
            assert cur.closed
            with pytest.raises(aio.InterfaceError):
                await cur.execute("SELECT 1")
        assert conn.closed
        with pytest.raises(aio.InterfaceError):
            conn.cursor()

    run(main())


def test_connect_failure() -> None:
    from .util import free_port

    with pytest.raises(aio.OperationalError):
        run(aio.connect(port=free_port(), timeout=2.0))
