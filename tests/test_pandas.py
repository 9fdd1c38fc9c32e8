"""pandas on Ignite: ``read_sql``/``to_sql`` through the SQLAlchemy engine and the column-wise
``pyignite.dbapi.read_frame`` fast path, with dtypes kept across the round trip."""

from __future__ import annotations

import asyncio
import datetime
import decimal
from typing import Any, Iterator, Tuple

import pandas as pd
import pytest
import sqlalchemy as sa

from pyignite import dbapi
from pyignite.dbapi import aio

from .util import unique_name

pytestmark = pytest.mark.sql


@pytest.fixture(scope="module")
def engine(sql_node: Tuple[str, int]) -> Iterator[Any]:
    e = sa.create_engine(f"ignite://{sql_node[0]}:{sql_node[1]}/PUBLIC?page_size=100")
    try:
        yield e
    finally:
        e.dispose()


def sample_frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "id": list(range(n)),
        "qty": [i * 3 for i in range(n)],
        "price": [i / 8 for i in range(n)],
        "label": [f"item {i}" for i in range(n)],
        "active": [i % 3 == 0 for i in range(n)],
        "at": pd.to_datetime([datetime.datetime(2022, 1, 1) + datetime.timedelta(minutes=i) for i in range(n)]),
        "amount": [decimal.Decimal(i) / 4 for i in range(n)],
    })


def make_table(engine: Any, name: str) -> sa.Table:
    # Ignite tables need a primary key, which to_sql cannot declare: the table is made first
    md = sa.MetaData()
    table = sa.Table(name, md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("qty", sa.BigInteger), sa.Column("price", sa.Float), sa.Column("label", sa.String),
                     sa.Column("active", sa.Boolean), sa.Column("at", sa.DateTime),
                     sa.Column("amount", sa.Numeric(12, 2)))
    md.create_all(engine)
    return table


def check_dtypes(frame: pd.DataFrame) -> None:
    assert frame["id"].dtype == "int64" and frame["qty"].dtype == "int64"
    assert frame["price"].dtype == "float64"
    assert pd.api.types.is_string_dtype(frame["label"])
    assert frame["active"].dtype == "bool"
    assert pd.api.types.is_datetime64_any_dtype(frame["at"])
    assert frame["amount"].dtype == object and isinstance(frame["amount"][1], decimal.Decimal)


@pytest.mark.parametrize("method", [None, "multi"])
def test_to_sql_read_sql_round_trip(engine: Any, method: Any) -> None:
    name = unique_name("pd")
    table = make_table(engine, name)
    try:
        frame = sample_frame(250)
        written = frame.to_sql(name, engine, if_exists="append", index=False, method=method, chunksize=100)
        assert written in (250, None)
        # coerce_float=False: pandas would turn the DECIMAL column into floats otherwise
        back = pd.read_sql(f"SELECT * FROM {name} ORDER BY id", engine, coerce_float=False)
        back.columns = [c.lower() for c in back.columns]
        check_dtypes(back)
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)
        # through a SQLAlchemy select too
        sel = pd.read_sql(sa.select(table).where(table.c.id < 5).order_by(table.c.id), engine, coerce_float=False)
        assert list(sel["id"]) == [0, 1, 2, 3, 4]
        check_dtypes(sel)
    finally:
        with engine.begin() as c:
            c.exec_driver_sql(f"DROP TABLE {name}")


def test_read_frame(engine: Any, sql_node: Tuple[str, int]) -> None:
    name = unique_name("pdf")
    make_table(engine, name)
    try:
        frame = sample_frame(1234)
        frame.to_sql(name, engine, if_exists="append", index=False)
        with dbapi.connect(host=sql_node[0], port=sql_node[1], page_size=100) as conn:
            cur = conn.cursor()
            cur.execute(f"SELECT id, qty, price, label, active, at, amount FROM {name} ORDER BY id")
            first = cur.fetchone()  # rows already fetched are not repeated
            assert first[0] == 0
            got = dbapi.read_frame(cur)
            assert cur.rowcount == 1234
            got.columns = [c.lower() for c in got.columns]
            check_dtypes(got)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), frame.iloc[1:].reset_index(drop=True),
                                          check_dtype=False)
            cur.execute(f"SELECT id, label FROM {name} WHERE id < 3 ORDER BY id")
            indexed = dbapi.read_frame(cur, index="ID")
            assert list(indexed.index) == [0, 1, 2] and list(indexed["LABEL"]) == ["item 0", "item 1", "item 2"]
            cur.execute(f"SELECT id, price FROM {name} WHERE id < 0")
            empty = dbapi.read_frame(cur)
            assert list(empty.columns) == ["ID", "PRICE"] and len(empty) == 0
            cur.execute("SELECT CAST(NULL AS INT) AS n, 1 AS one")
            nulls = dbapi.read_frame(cur)
            assert nulls["N"].isna().all() and list(nulls["ONE"]) == [1]
            cur.execute(f"DELETE FROM {name} WHERE id > 1000")
            with pytest.raises(dbapi.ProgrammingError):
                dbapi.read_frame(cur)  # no result set

        async def via_aio() -> pd.DataFrame:
            async with await aio.connect(host=sql_node[0], port=sql_node[1], page_size=64) as conn:
                cur = conn.cursor()
                await cur.execute(f"SELECT id, price FROM {name} ORDER BY id")
                return aio.read_frame(await cur.fetch_columns())

        af = asyncio.run(via_aio())
        assert list(af["ID"]) == list(range(1001)) and af["PRICE"].dtype == "float64"
    finally:
        with engine.begin() as c:
            c.exec_driver_sql(f"DROP TABLE {name}")
