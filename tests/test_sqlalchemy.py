"""The SQLAlchemy dialect (``pyignite.sqlalchemy``) against a real SQL node: entry points, DDL with
Ignite's table options, Core statements, types, reflection of DDL and query-entity tables, the ORM,
the asyncio engine."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import uuid
from typing import Any, Iterator, Tuple

import pytest
import sqlalchemy as sa
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    UniqueConstraint,
    Uuid,
    create_engine,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from pyignite import Client
from pyignite.datatypes.prop_codes import PROP_NAME, PROP_QUERY_ENTITIES, PROP_SQL_SCHEMA
from pyignite.sqlalchemy import IgniteAsyncDialect, IgniteDialect

from .util import unique_name

pytestmark = pytest.mark.sql


@pytest.fixture(scope="module")
def url(sql_node: Tuple[str, int]) -> str:
    return f"ignite://{sql_node[0]}:{sql_node[1]}/PUBLIC"


@pytest.fixture(scope="module")
def engine(url: str) -> Iterator[Any]:
    e = create_engine(url)
    try:
        yield e
    finally:
        e.dispose()


def test_entry_points(url: str) -> None:
    assert sa.engine.make_url(url).get_dialect() is IgniteDialect
    assert sa.engine.make_url(url.replace("ignite:", "ignite+pyignite:")).get_dialect() is IgniteDialect
    assert sa.engine.make_url(url.replace("ignite:", "ignite+async:")).get_dialect() is IgniteAsyncDialect
    assert IgniteDialect.supports_statement_cache is True
    args, kwargs = IgniteDialect().create_connect_args(
        sa.engine.make_url("ignite://h:1234/MYSCHEMA?page_size=77&lazy=true&timeout=2.5"))
    assert args == [] and kwargs == {"host": "h", "port": 1234, "schema": "MYSCHEMA", "page_size": 77,
                                     "lazy": True, "timeout": 2.5}
    _, kwargs = IgniteDialect().create_connect_args(sa.engine.make_url("ignite:///?nodes=a:1,b:2"))
    assert kwargs == {"nodes": ["a:1", "b:2"]}


def test_ddl_with_table_options(engine: Any) -> None:
    md = MetaData()
    name = unique_name("sa_opts")
    cache = unique_name("SA_CACHE").upper()
    t = Table(name, md, Column("id", Integer, primary_key=True, autoincrement=False),
              Column("org", Integer, primary_key=True, autoincrement=False), Column("v", String(20)),
              ignite_template="replicated", ignite_backups=1, ignite_affinity_key="org", ignite_cache_name=cache,
              ignite_atomicity="transactional", ignite_value_type=f"{name}_type")
    ddl = str(sa.schema.CreateTable(t).compile(dialect=engine.dialect))
    assert ('WITH "TEMPLATE=replicated,BACKUPS=1,AFFINITY_KEY=ORG,CACHE_NAME=' + cache) in ddl
    t.create(engine)
    try:
        with engine.connect() as c:
            row = c.exec_driver_sql(
                "SELECT CACHE_NAME, AFFINITY_KEY_COLUMN, VALUE_TYPE_NAME FROM SYS.TABLES WHERE TABLE_NAME = ?",
                (name.upper(),)).one()
            assert tuple(row) == (cache, "ORG", f"{name}_type")
            mode = c.exec_driver_sql("SELECT CACHE_MODE, ATOMICITY_MODE FROM SYS.CACHES WHERE CACHE_NAME = ?",
                                     (cache,)).one()
            assert tuple(mode) == ("REPLICATED", "TRANSACTIONAL")
        assert inspect(engine).has_table(name)
    finally:
        t.drop(engine)
    assert not inspect(engine).has_table(name)
    with pytest.raises(sa.exc.CompileError, match="must not contain"):
        str(sa.schema.CreateTable(Table("x", MetaData(), Column("id", Integer, primary_key=True),
                                        ignite_cache_name="a,b")).compile(dialect=engine.dialect))


def test_core_statements_and_types(engine: Any) -> None:
    md = MetaData()
    t = Table(unique_name("sa_core"), md,
              Column("id", Integer, primary_key=True, autoincrement=False),
              Column("name", String(40), nullable=False), Column("price", Numeric(10, 2)),
              Column("ts", DateTime), Column("d", Date), Column("tm", Time), Column("flag", Boolean),
              Column("f", Float), Column("big", sa.BigInteger), Column("small", sa.SmallInteger),
              Column("u", Uuid), Column("data", LargeBinary), Column("txt", sa.Text))
    md.create_all(engine)
    try:
        u = uuid.uuid4()
        rows = [dict(id=i, name=f"n{i}", price=decimal.Decimal("1.25") * i, ts=datetime.datetime(2021, 1, 1, 2, 3, i),
                     d=datetime.date(2021, 1, 1 + i), tm=datetime.time(1, 2, i), flag=i % 2 == 0, f=i / 2,
                     big=2**40 + i, small=i, u=u, data=bytes([i]), txt="x" * 1000) for i in range(10)]
        with engine.begin() as c:
            assert c.execute(insert(t).execution_options(preserve_rowcount=True), rows).rowcount == 10
            got = c.execute(select(t).where(t.c.id == 3)).one()
            assert got._asdict() == rows[3]
            assert type(got.d) is datetime.date and type(got.tm) is datetime.time
            page = c.execute(select(t.c.id).order_by(t.c.id).limit(3).offset(4)).scalars().all()
            assert page == [4, 5, 6]
            assert c.execute(select(t.c.id).order_by(t.c.id).offset(8)).scalars().all() == [8, 9]
            assert c.execute(select(t.c.id).order_by(t.c.id.desc()).limit(2)).scalars().all() == [9, 8]
            # by-key UPDATE and DELETE (Ignite runs these as cache operations on the key as sent)
            assert c.execute(update(t).where(t.c.id == 3).values(name="three")).rowcount == 1
            assert c.execute(delete(t).where(t.c.id == 4)).rowcount == 1
            assert c.execute(update(t).where(t.c.flag.is_(True)).values(f=0.0)).rowcount == 4
            assert c.execute(select(func.count()).select_from(t)).scalar() == 9
            assert c.execute(select(t.c.name).where(t.c.id == 3)).scalar() == "three"
            assert c.execute(select(func.sum(t.c.price))).scalar() == decimal.Decimal("51.25")  # 1.25 * (45 - 4)
            in_query = select(t.c.id).where(t.c.name.in_(["n1", "n2"])).order_by(t.c.id)
            assert c.execute(in_query).scalars().all() == [1, 2]
            assert c.execute(text(f"SELECT COUNT(*) FROM {t.name} WHERE id > :x"), {"x": 5}).scalar() == 4
        with engine.connect() as c, pytest.raises(sa.exc.IntegrityError):
            c.execute(insert(t), [dict(id=1, name="dup")])
        with engine.connect() as c, pytest.raises(sa.exc.ProgrammingError):
            c.exec_driver_sql("SELEC 1")
    finally:
        md.drop_all(engine)


def test_quoting_and_case(engine: Any) -> None:
    md = MetaData()
    t = Table(unique_name("MixedCase"), md, Column("Id", Integer, primary_key=True, autoincrement=False),
              Column("select", String), Column("lower", String))
    md.create_all(engine)
    try:
        with engine.begin() as c:
            c.execute(insert(t), [{"Id": 1, "select": "s", "lower": "l"}])
            assert c.execute(select(t)).one() == (1, "s", "l")
        insp = inspect(engine)
        assert t.name in insp.get_table_names()  # a quoted mixed-case name keeps its case
        assert [col["name"] for col in insp.get_columns(t.name)] == ["Id", "select", "lower"]
    finally:
        md.drop_all(engine)


def test_reflect_ddl_table(engine: Any) -> None:
    name = unique_name("sa_refl")
    with engine.begin() as c:
        c.exec_driver_sql(
            f"CREATE TABLE {name} (id INT, k2 VARCHAR(10), name VARCHAR(30) NOT NULL DEFAULT 'anon', "
            "score DOUBLE DEFAULT 1.5, amount DECIMAL(12, 3), at TIMESTAMP, b BOOLEAN, PRIMARY KEY (id, k2))"
        )
        c.exec_driver_sql(f"CREATE INDEX {name}_ix ON {name} (name DESC, score)")
    try:
        insp = inspect(engine)
        assert name in insp.get_table_names() and "public" in insp.get_schema_names()
        cols = {c["name"]: c for c in insp.get_columns(name)}
        assert list(cols) == ["id", "k2", "name", "score", "amount", "at", "b"]
        assert isinstance(cols["id"]["type"], sa.INTEGER) and isinstance(cols["k2"]["type"], sa.VARCHAR)
        assert cols["k2"]["type"].length == 10 and cols["name"]["type"].length == 30
        assert isinstance(cols["amount"]["type"], sa.DECIMAL)
        assert (cols["amount"]["type"].precision, cols["amount"]["type"].scale) == (12, 3)
        assert isinstance(cols["at"]["type"], sa.TIMESTAMP) and isinstance(cols["b"]["type"], sa.BOOLEAN)
        assert cols["name"]["nullable"] is False and cols["score"]["nullable"] is True
        assert cols["name"]["default"] == "'anon'" and cols["score"]["default"] == "1.5"
        assert insp.get_pk_constraint(name)["constrained_columns"] == ["id", "k2"]
        indexes = insp.get_indexes(name)
        assert [(ix["name"], ix["column_names"], ix["unique"]) for ix in indexes] == [
            (f"{name}_ix", ["name", "score"], False)]
        assert indexes[0]["column_sorting"] == {"name": ("desc",)}
        assert insp.get_foreign_keys(name) == [] and insp.get_unique_constraints(name) == []
        # a Table loaded from the database, used for a round trip
        t = Table(name, MetaData(), autoload_with=engine)
        with engine.begin() as c:
            c.execute(insert(t).values(id=1, k2="a", amount=decimal.Decimal("2.500")))
            row = c.execute(select(t)).one()
            assert row.name == "anon" and row.score == 1.5 and row.amount == decimal.Decimal("2.500")
        with pytest.raises(sa.exc.NoSuchTableError):
            insp.get_columns("no_such_table_here")
    finally:
        with engine.begin() as c:
            c.exec_driver_sql(f"DROP TABLE {name}")


def test_reflect_query_entity_table(engine: Any, sql_node: Tuple[str, int]) -> None:
    cache_name = unique_name("qe")
    schema = cache_name.upper()
    with Client() as client:
        client.connect(*sql_node)
        client.create_cache({
            PROP_NAME: cache_name,
            PROP_SQL_SCHEMA: schema,
            PROP_QUERY_ENTITIES: [{
                "table_name": "PERSON",
                "key_field_name": "PID",
                "key_type_name": "java.lang.Long",
                "value_type_name": "PersonType",
                "field_name_aliases": [],
                "query_fields": [
                    {"name": "PID", "type_name": "java.lang.Long", "is_key_field": True,
                     "is_notnull_constraint_field": True},
                    {"name": "NAME", "type_name": "java.lang.String", "is_notnull_constraint_field": True},
                    {"name": "BORN", "type_name": "java.sql.Date"},
                    {"name": "SALARY", "type_name": "java.math.BigDecimal", "precision": 9, "scale": 2},
                ],
                "query_indexes": [{"index_name": "PERSON_NAME_IX", "index_type": 0, "inline_size": -1,
                                   "fields": [{"name": "NAME", "is_descending": False}]}],
            }],
        })
        try:
            insp = inspect(engine)
            lower = schema.lower()
            assert lower in insp.get_schema_names()
            assert insp.get_table_names(schema=lower) == ["person"]
            cols = {c["name"]: c for c in insp.get_columns("person", schema=lower)}
            assert set(cols) == {"pid", "name", "born", "salary"}
            assert isinstance(cols["pid"]["type"], sa.BIGINT) and isinstance(cols["born"]["type"], sa.DATE)
            assert cols["name"]["nullable"] is False
            assert (cols["salary"]["type"].precision, cols["salary"]["type"].scale) == (9, 2)
            assert insp.get_pk_constraint("person", schema=lower)["constrained_columns"] == ["pid"]
            assert [ix["column_names"] for ix in insp.get_indexes("person", schema=lower)] == [["name"]]
            person = Table("person", MetaData(), schema=lower, autoload_with=engine)
            with engine.begin() as c:
                c.execute(insert(person).values(pid=7, name="Ann", born=datetime.date(1990, 5, 6),
                                                salary=decimal.Decimal("10.50")))
                row = c.execute(select(person)).one()
                assert row._asdict() == {"pid": 7, "name": "Ann", "born": datetime.date(1990, 5, 6),
                                         "salary": decimal.Decimal("10.50")}
        finally:
            client.get_cache(cache_name).destroy()


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "sa_orm_author"
    __table_args__ = {"ignite_template": "replicated"}
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(50))
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.id")


class Book(Base):
    __tablename__ = "sa_orm_book"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int] = mapped_column(ForeignKey("sa_orm_author.id"))  # not a constraint in Ignite
    published: Mapped[datetime.date]
    author: Mapped[Author] = relationship(back_populates="books")


def test_orm_crud(engine: Any) -> None:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as s:
            a = Author(id=1, name="Ada")
            a.books = [Book(id=10, title="Notes", published=datetime.date(1843, 1, 1)),
                       Book(id=11, title="Letters", published=datetime.date(1844, 2, 2))]
            s.add(a)
            s.add(Author(id=2, name="Bob"))
            s.commit()
        with Session(engine) as s:
            ada = s.get(Author, 1)
            assert ada is not None and [b.title for b in ada.books] == ["Notes", "Letters"]
            assert ada.books[1].published == datetime.date(1844, 2, 2)
            ada.name = "Ada L."
            s.delete(s.get(Book, 10))
            s.delete(s.get(Author, 2))
            s.commit()
        with Session(engine) as s:
            assert s.scalars(select(Author.name).order_by(Author.id)).all() == ["Ada L."]
            assert s.scalars(select(Book.id)).all() == [11]
            q = select(Book.title, Author.name).join(Book.author).where(Author.id == 1)
            assert s.execute(q).all() == [("Letters", "Ada L.")]
    finally:
        Base.metadata.drop_all(engine)


def test_compile_refusals(engine: Any) -> None:
    md = MetaData()
    t = Table("t", md, Column("id", Integer, primary_key=True), Column("v", Integer), UniqueConstraint("v"))
    ddl = str(sa.schema.CreateTable(t).compile(dialect=engine.dialect))
    assert "UNIQUE" not in ddl  # Ignite has no unique constraints: not emitted
    with pytest.raises(sa.exc.CompileError, match="unique"):
        str(sa.schema.CreateIndex(Index("ix", t.c.v, unique=True)).compile(dialect=engine.dialect))
    with pytest.raises(sa.exc.CompileError, match="FOR UPDATE"):
        str(select(t).with_for_update().compile(dialect=engine.dialect))
    assert "INLINE_SIZE 10" in str(sa.schema.CreateIndex(Index("ix2", t.c.v, ignite_inline_size=10)).compile(
        dialect=engine.dialect))


def test_async_engine(url: str) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    md = MetaData()
    t = Table(unique_name("sa_async"), md, Column("id", Integer, primary_key=True, autoincrement=False),
              Column("v", String(10)))

    async def main() -> None:
        e = create_async_engine(url.replace("ignite:", "ignite+async:"))
        try:
            async with e.begin() as c:
                await c.run_sync(md.create_all)
                await c.execute(insert(t), [{"id": i, "v": str(i)} for i in range(5)])
                assert (await c.execute(select(func.count()).select_from(t))).scalar() == 5
                assert await c.run_sync(lambda sc: inspect(sc).has_table(t.name))
            async with AsyncSession(e) as s:
                rows = (await s.execute(select(t.c.v).where(t.c.id < 2).order_by(t.c.id))).scalars().all()
                assert rows == ["0", "1"]
                await s.execute(delete(t).where(t.c.id == 0))
                await s.commit()
            async with e.begin() as c:
                assert (await c.execute(select(func.min(t.c.id)))).scalar() == 1
                await c.run_sync(md.drop_all)
        finally:
            await e.dispose()

    asyncio.run(main())


def test_compliance_suite(sql_node: Tuple[str, int]) -> None:
    """SQLAlchemy's own dialect compliance suite (``sqlalchemy.testing.suite``) against the node, in
    a pytest of its own (it needs SQLAlchemy's plugin). What runs and what is left out, with the
    reasons: tests/sqlalchemy_suite/SELECTED.txt and EXCLUDED.txt."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    suite = Path(__file__).resolve().parent / "sqlalchemy_suite"
    cmd = [sys.executable, "-m", "pytest", "-c", "setup.cfg", "--rootdir", ".", "--confcutdir", ".", "-q",
           "-rfE", "--dburi", f"ignite://{sql_node[0]}:{sql_node[1]}/PUBLIC"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(suite.parent.parent), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(cmd, cwd=suite, env=env, capture_output=True, text=True, timeout=270)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
