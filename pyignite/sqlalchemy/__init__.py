"""A SQLAlchemy 2 dialect for Ignite SQL, on :mod:`pyignite.dbapi` (needs ``pip install pyignite[sqlalchemy]``).

>>> from sqlalchemy import create_engine
>>> engine = create_engine('ignite://127.0.0.1:10800/PUBLIC')            # blocking driver
>>> # create_async_engine('ignite+async://127.0.0.1:10800/PUBLIC')      # asyncio driver

Registered by the entry points ``ignite`` (= ``ignite+pyignite``) and ``ignite+async`` of the
``sqlalchemy.dialects`` group. The URL's database part is the default SQL schema (``PUBLIC``);
query parameters go to :func:`pyignite.dbapi.connect` (``?page_size=5000&lazy=true&timeout=5``);
``nodes=host1:port1,host2:port2`` lists several nodes.

What Ignite's SQL makes of SQLAlchemy's model (see the documentation's chapter for more):

* **names**: unquoted identifiers are upper case in Ignite; as for Oracle, SQLAlchemy's lower case
  names stand for them (``requires_name_normalize``), and reflection reports them in lower case;
* **DDL**: ``CREATE TABLE`` takes the table options of Ignite's ``WITH "..."`` clause from the
  dialect keyword arguments ``ignite_template``, ``ignite_backups``, ``ignite_affinity_key``,
  ``ignite_cache_name``, ``ignite_atomicity``, ``ignite_cache_group``, ``ignite_data_region``,
  ``ignite_key_type``, ``ignite_value_type``, ``ignite_write_synchronization_mode``,
  ``ignite_wrap_key``, ``ignite_wrap_value``; every table needs a primary key and a column besides
  it. Ignite has no foreign key, unique or check constraints: they are not emitted (a
  ``ForeignKey`` still drives ORM relationships); ``Index`` is emitted, ``unique=True`` raises;
* **transactions**: statements commit as they run (see :mod:`pyignite.dbapi`); the dialect's
  rollback does nothing, so a failed ORM flush leaves the rows it had written;
* **types**: Integer/SmallInteger/BigInteger parameters are sent with the matching Ignite type (a
  by-key ``DELETE``/``UPDATE`` compares the argument with the cache key as is), Date results become
  ``date`` again, no autoincrement and no RETURNING.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import exc, pool, sql, types
from sqlalchemy import util as sa_util
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.engine import default, reflection
from sqlalchemy.sql import compiler

from pyignite.datatypes import ByteObject, IntObject, LongObject, ShortObject

__all__ = ["IgniteAsyncDialect", "IgniteDialect", "TABLE_OPTIONS"]

#: dialect keyword -> key of Ignite's ``CREATE TABLE ... WITH "key=value,..."``
TABLE_OPTIONS: Dict[str, str] = {
    "template": "TEMPLATE",
    "backups": "BACKUPS",
    "affinity_key": "AFFINITY_KEY",
    "cache_name": "CACHE_NAME",
    "atomicity": "ATOMICITY",
    "cache_group": "CACHE_GROUP",
    "data_region": "DATA_REGION",
    "key_type": "KEY_TYPE",
    "value_type": "VALUE_TYPE",
    "write_synchronization_mode": "WRITE_SYNCHRONIZATION_MODE",
    "wrap_key": "WRAP_KEY",
    "wrap_value": "WRAP_VALUE",
    "encrypted": "ENCRYPTED",
}

# Keywords of Ignite's SQL parser (H2 1.4.197's, and those its CREATE TABLE refuses as column
# names): a name equal to one of them must be quoted. Quoting more than needed would make the name
# case-sensitive, so that raw SQL could not name it unquoted (``value``, ``key`` are fine as they are).
RESERVED_WORDS = {
    "all", "case", "check", "constraint", "cross", "current_date", "current_time", "current_timestamp",
    "distinct", "except", "exists", "false", "fetch", "for", "foreign", "from", "full", "group", "having",
    "inner", "intersect", "intersects", "is", "join", "like", "limit", "minus", "natural", "not", "null",
    "offset", "on", "order", "primary", "rownum", "select", "sysdate", "systime", "systimestamp", "today",
    "top", "true", "union", "unique", "where", "with", "_rowid_",
}


# --- types ----------------------------------------------------------------------------------------

def _hinted(hint: Any) -> Any:
    def bind_processor(self: Any, dialect: Any) -> Any:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, bool) or not isinstance(value, int):
                return value
            return (value, hint)
        return process
    return bind_processor


class _Integer(types.Integer):
    bind_processor = _hinted(IntObject)  # type: ignore[assignment]


class _SmallInteger(types.SmallInteger):
    bind_processor = _hinted(ShortObject)  # type: ignore[assignment]


class _BigInteger(types.BigInteger):
    bind_processor = _hinted(LongObject)  # type: ignore[assignment]


class TINYINT(types.Integer):
    """Ignite's TINYINT (a Java byte)."""

    __visit_name__ = "TINYINT"
    bind_processor = _hinted(ByteObject)  # type: ignore[assignment]


class DOUBLE(types.Float):
    """Ignite's DOUBLE."""

    __visit_name__ = "DOUBLE"


class _Date(types.Date):
    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            # the protocol sends DATE values as timestamps at midnight
            if isinstance(value, datetime.datetime):
                return value.date()
            return value
        return process


class _Time(types.Time):
    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            if isinstance(value, datetime.timedelta):
                seconds = int(value.total_seconds()) % 86400
                return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60, value.microseconds)
            return value
        return process


class _DateTime(types.DateTime):
    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            if isinstance(value, tuple):  # (datetime, nanos within the millisecond)
                dt, nanos = value
                return dt.replace(microsecond=(dt.microsecond // 1000) * 1000 + nanos // 1000)
            return value
        return process


COLSPECS = {
    types.Integer: _Integer,
    types.SmallInteger: _SmallInteger,
    types.BigInteger: _BigInteger,
    types.Date: _Date,
    types.Time: _Time,
    types.DateTime: _DateTime,
}

#: Java class of a column in SYS.TABLE_COLUMNS -> SQLAlchemy type
JAVA_TYPES: Dict[str, Any] = {
    "java.lang.Boolean": types.BOOLEAN,
    "java.lang.Byte": TINYINT,
    "java.lang.Short": types.SMALLINT,
    "java.lang.Integer": types.INTEGER,
    "java.lang.Long": types.BIGINT,
    "java.lang.Float": types.REAL,
    "java.lang.Double": DOUBLE,
    "java.math.BigDecimal": types.DECIMAL,
    "java.lang.String": types.VARCHAR,
    "java.lang.Character": types.CHAR,
    "java.sql.Date": types.DATE,
    "java.time.LocalDate": types.DATE,
    "java.sql.Time": types.TIME,
    "java.time.LocalTime": types.TIME,
    "java.sql.Timestamp": types.TIMESTAMP,
    "java.util.Date": types.TIMESTAMP,
    "java.time.LocalDateTime": types.TIMESTAMP,
    "[B": types.BINARY,
    "java.util.UUID": types.Uuid,
}


class IgniteTypeCompiler(compiler.GenericTypeCompiler):
    def visit_TINYINT(self, type_: Any, **kw: Any) -> str:
        return "TINYINT"

    def visit_DOUBLE(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_float(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_FLOAT(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_double(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_DOUBLE_PRECISION(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_numeric(self, type_: Any, **kw: Any) -> str:
        return self.visit_DECIMAL(type_, **kw)

    def visit_NUMERIC(self, type_: Any, **kw: Any) -> str:
        return self.visit_DECIMAL(type_, **kw)

    def visit_text(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"

    def visit_TEXT(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"

    def visit_CLOB(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"

    def visit_NVARCHAR(self, type_: Any, **kw: Any) -> str:
        return self.visit_VARCHAR(type_, **kw)

    def visit_NCHAR(self, type_: Any, **kw: Any) -> str:
        return self.visit_CHAR(type_, **kw)

    def visit_large_binary(self, type_: Any, **kw: Any) -> str:
        return "BINARY"

    def visit_BLOB(self, type_: Any, **kw: Any) -> str:
        return "BINARY"

    def visit_VARBINARY(self, type_: Any, **kw: Any) -> str:
        return "BINARY"

    def visit_BINARY(self, type_: Any, **kw: Any) -> str:
        return "BINARY"

    def visit_DATETIME(self, type_: Any, **kw: Any) -> str:
        return "TIMESTAMP"

    def visit_datetime(self, type_: Any, **kw: Any) -> str:
        return "TIMESTAMP"

    def visit_uuid(self, type_: Any, **kw: Any) -> str:
        if not type_.native_uuid:
            return "CHAR(32)"  # Uuid(native_uuid=False) keeps the hex digits as text
        return "UUID"

    def visit_UUID(self, type_: Any, **kw: Any) -> str:
        return "UUID"

    def visit_boolean(self, type_: Any, **kw: Any) -> str:
        return "BOOLEAN"


# --- compilers ------------------------------------------------------------------------------------

class IgniteCompiler(compiler.SQLCompiler):
    def limit_clause(self, select: Any, **kw: Any) -> str:
        text = ""
        if select._limit_clause is not None:
            text += "\n LIMIT " + self.process(select._limit_clause, **kw)
        if select._offset_clause is not None:
            # an OFFSET alone: Ignite reads LIMIT -1 as "no rows" and turns "LIMIT NULL OFFSET ?"
            # into an invalid "LIMIT ?1 + NULL" for the map queries
            text += "\n" if select._limit_clause is None else ""
            text += " OFFSET " + self.process(select._offset_clause, **kw)
        return text

    def for_update_clause(self, select: Any, **kw: Any) -> str:
        raise exc.CompileError("Ignite SQL does not support SELECT ... FOR UPDATE")

    def visit_floordiv_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        # "/" of two integer literals is an integer division in Ignite, but of two bound integers
        # a decimal one (the parameters' types are not known when the statement is parsed)
        return f"FLOOR({self.process(binary.left, **kw)} / {self.process(binary.right, **kw)})"

    def visit_true(self, expr: Any, **kw: Any) -> str:
        return "TRUE"

    def visit_false(self, expr: Any, **kw: Any) -> str:
        return "FALSE"

    def default_from(self) -> str:
        return ""


class IgniteDDLCompiler(compiler.DDLCompiler):
    def post_create_table(self, table: Any) -> str:
        opts = table.dialect_options["ignite"]
        parts = []
        for key, name in TABLE_OPTIONS.items():
            value = opts.get(key)
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif key == "affinity_key" and not isinstance(value, str):
                value = value.name  # a Column
            text = str(value)
            if any(c in text for c in ',"='):
                raise exc.CompileError(f"ignite_{key} must not contain ',', '\"' or '=': {text!r}")
            if key == "affinity_key":
                preparer: Any = self.dialect.identifier_preparer
                text = preparer.normalize_option_name(text)
            parts.append(f"{name}={text}")
        if not parts:
            return ""
        return ' WITH "' + ",".join(parts) + '"'

    def visit_foreign_key_constraint(self, constraint: Any, **kw: Any) -> Optional[str]:
        return None  # Ignite has no foreign keys

    def visit_unique_constraint(self, constraint: Any, **kw: Any) -> Optional[str]:
        return None  # nor unique constraints

    def visit_check_constraint(self, constraint: Any, **kw: Any) -> Optional[str]:
        return None  # nor check constraints

    def visit_column_check_constraint(self, constraint: Any, **kw: Any) -> Optional[str]:
        return None

    def visit_create_index(self, create: Any, include_schema: bool = False, include_table_schema: bool = True,
                           **kw: Any) -> str:
        index = create.element
        if index.unique:
            raise exc.CompileError("Ignite SQL has no unique indexes (only the primary key is unique)")
        if index.name is None:
            raise exc.CompileError("CREATE INDEX needs an index name")
        preparer = self.preparer
        text = "CREATE INDEX "
        if getattr(create, "if_not_exists", False):
            text += "IF NOT EXISTS "
        columns = ", ".join(
            self.sql_compiler.process(expr, include_table=False, literal_binds=True) for expr in index.expressions
        )
        text += (f"{self._prepared_index_name(index, include_schema=False)} ON "
                 f"{preparer.format_table(index.table, use_schema=include_table_schema)} ({columns})")
        inline = index.dialect_options["ignite"].get("inline_size")
        if inline is not None:
            text += f" INLINE_SIZE {int(inline)}"
        return text


class IgniteIdentifierPreparer(compiler.IdentifierPreparer):
    reserved_words = compiler.RESERVED_WORDS | RESERVED_WORDS

    def normalize_option_name(self, name: str) -> str:
        """A column name as Ignite's WITH options want it (unquoted: upper case)."""
        if name.lower() == name and not self._requires_quotes(name):
            return name.upper()
        return name


class IgniteExecutionContext(default.DefaultExecutionContext):
    pass


# --- the dialect ----------------------------------------------------------------------------------

_INDEX_COLUMN = re.compile(r'"((?:[^"]|"")*)"\s+(ASC|DESC)')


class IgniteDialect(default.DefaultDialect):
    """SQLAlchemy dialect for Ignite SQL over :mod:`pyignite.dbapi` (``ignite://``)."""

    name = "ignite"
    driver = "pyignite"
    default_paramstyle = "qmark"
    supports_statement_cache = True
    supports_native_boolean = True
    supports_native_decimal = True
    supports_native_uuid = True
    supports_native_enum = False
    supports_sequences = False
    supports_alter = False
    supports_comments = False
    supports_default_values = False
    supports_default_metavalue = False
    supports_empty_insert = False
    supports_multivalues_insert = True
    supports_is_distinct_from = True
    supports_server_side_cursors = False
    supports_identity_columns = False
    postfetch_lastrowid = False
    implicit_returning = False
    insert_returning = False
    update_returning = False
    delete_returning = False
    use_insertmanyvalues = False
    requires_name_normalize = True
    max_identifier_length = 128
    supports_simple_order_by_label = True
    div_is_floordiv = True
    tuple_in_values = True

    statement_compiler = IgniteCompiler
    ddl_compiler = IgniteDDLCompiler
    type_compiler_cls = IgniteTypeCompiler
    preparer = IgniteIdentifierPreparer
    execution_ctx_cls = IgniteExecutionContext
    colspecs = COLSPECS

    construct_arguments = [
        (sql.schema.Table, {key: None for key in TABLE_OPTIONS}),
        (sql.schema.Index, {"inline_size": None}),
    ]

    @classmethod
    def import_dbapi(cls) -> Any:
        from pyignite import dbapi

        return dbapi

    # -- connecting ------------------------------------------------------------------------------

    def create_connect_args(self, url: Any) -> Tuple[List[Any], Dict[str, Any]]:
        kwargs: Dict[str, Any] = {}
        query = dict(url.query)
        nodes = query.pop("nodes", None)
        if nodes:
            kwargs["nodes"] = [n.strip() for n in str(nodes).split(",") if n.strip()]
        else:
            kwargs["host"] = url.host or "127.0.0.1"
            kwargs["port"] = url.port or 10800
        if url.database:
            kwargs["schema"] = url.database
        if url.username:
            kwargs["username"] = url.username
        if url.password:
            kwargs["password"] = url.password
        ints = ("page_size", "query_timeout")
        floats = ("timeout",)
        bools = ("distributed_joins", "local", "replicated_only", "enforce_join_order", "collocated", "lazy",
                 "use_ssl", "partition_aware")
        for key, value in query.items():
            if key in ints:
                kwargs[key] = int(value)
            elif key in floats:
                kwargs[key] = float(value)
            elif key in bools:
                kwargs[key] = sa_util.asbool(value)
            else:
                kwargs[key] = value
        return [], kwargs

    def do_rollback(self, dbapi_connection: Any) -> None:
        # Ignite SQL is always in autocommit: nothing to roll back (the driver's rollback() would
        # raise after a change, which would turn every pool reset into an error)
        pass

    def do_commit(self, dbapi_connection: Any) -> None:
        pass

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        return "AUTOCOMMIT"

    def get_isolation_level_values(self, dbapi_connection: Any) -> List[str]:
        return ["AUTOCOMMIT"]

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        if level != "AUTOCOMMIT":
            raise exc.ArgumentError("Ignite SQL only runs in AUTOCOMMIT")

    def get_default_isolation_level(self, dbapi_conn: Any) -> str:
        return "AUTOCOMMIT"

    def _get_default_schema_name(self, connection: Any) -> str:
        schema = getattr(connection.connection.dbapi_connection, "schema", None) or "PUBLIC"
        return str(self.normalize_name(schema))

    def _get_server_version_info(self, connection: Any) -> Optional[Tuple[int, ...]]:
        return None

    def is_disconnect(self, e: Any, connection: Any, cursor: Any) -> bool:
        dbapi = self.loaded_dbapi
        if isinstance(e, dbapi.OperationalError):
            return isinstance(e.__cause__, OSError)
        if isinstance(e, dbapi.InterfaceError):
            return "connection is closed" in str(e)
        return False

    # -- reflection ------------------------------------------------------------------------------

    def _rows(self, connection: Any, query: str, *params: Any) -> List[Any]:
        return list(connection.exec_driver_sql(query, params).fetchall())

    def _schema(self, connection: Any, schema: Optional[str]) -> str:
        return str(self.denormalize_name(schema or self.default_schema_name))

    @reflection.cache
    def get_schema_names(self, connection: Any, **kw: Any) -> List[str]:
        rows = self._rows(connection, "SELECT SCHEMA_NAME FROM SYS.SCHEMAS ORDER BY SCHEMA_NAME")
        return [self.normalize_name(r[0]) for r in rows]

    def has_schema(self, connection: Any, schema_name: str, **kw: Any) -> bool:
        return schema_name in self.get_schema_names(connection, **kw)

    @reflection.cache
    def get_table_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        rows = self._rows(connection, "SELECT TABLE_NAME FROM SYS.TABLES WHERE SCHEMA_NAME = ? ORDER BY TABLE_NAME",
                          self._schema(connection, schema))
        return [self.normalize_name(r[0]) for r in rows]

    @reflection.cache
    def get_view_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        rows = self._rows(connection, "SELECT NAME FROM SYS.VIEWS WHERE SCHEMA = ? ORDER BY NAME",
                          self._schema(connection, schema))
        return [self.normalize_name(r[0]) for r in rows]

    def get_view_definition(self, connection: Any, view_name: str, schema: Optional[str] = None,
                            **kw: Any) -> str:
        rows = self._rows(connection, "SELECT SQL FROM SYS.VIEWS WHERE SCHEMA = ? AND NAME = ?",
                          self._schema(connection, schema), self.denormalize_name(view_name))
        if not rows:
            raise exc.NoSuchTableError(view_name)
        return str(rows[0][0])

    def get_temp_table_names(self, connection: Any, **kw: Any) -> List[str]:
        return []

    def get_temp_view_names(self, connection: Any, **kw: Any) -> List[str]:
        return []

    def get_sequence_names(self, connection: Any, schema: Optional[str] = None, **kw: Any) -> List[str]:
        return []

    def has_table(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> bool:
        self._ensure_has_table_connection(connection)
        rows = self._rows(connection, "SELECT 1 FROM SYS.TABLES WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?",
                          self._schema(connection, schema), self.denormalize_name(table_name))
        return bool(rows)

    def has_index(self, connection: Any, table_name: str, index_name: str, schema: Optional[str] = None,
                  **kw: Any) -> bool:
        if not self.has_table(connection, table_name, schema, **kw):
            return False
        return any(ix["name"] == index_name for ix in self.get_indexes(connection, table_name, schema, **kw))

    def _table_info(self, connection: Any, table_name: str, schema: Optional[str]) -> Any:
        schema_name = self._schema(connection, schema)
        name = self.denormalize_name(table_name)
        tables = self._rows(
            connection,
            "SELECT KEY_ALIAS, AFFINITY_KEY_COLUMN FROM SYS.TABLES WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?",
            schema_name, name,
        )
        if not tables:
            raise exc.NoSuchTableError(table_name)
        return schema_name, name, tables[0]

    @reflection.cache
    def _columns_info(self, connection: Any, table_name: str, schema: Optional[str] = None, **kw: Any) -> Any:
        schema_name, name, _ = self._table_info(connection, table_name, schema)
        rows = self._rows(
            connection,
            "SELECT COLUMN_NAME, TYPE, NULLABLE, DEFAULT_VALUE, PK, PRECISION, SCALE, AFFINITY_COLUMN "
            "FROM SYS.TABLE_COLUMNS WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?",
            schema_name, name,
        )
        # SYS.TABLE_COLUMNS has no ordinal: the order of ``SELECT *`` is the table's column order
        quoted = self.identifier_preparer.quote_identifier
        order = connection.exec_driver_sql(f"SELECT * FROM {quoted(schema_name)}.{quoted(name)} WHERE 1 = 0")
        names = [d[0] for d in order.cursor.description]
        order.close()
        position = {n: i for i, n in enumerate(names)}
        by_name = {r[0]: r for r in rows}
        return [by_name[n] for n in names if n in by_name] + [
            r for r in rows if r[0] not in position and r[0] not in ("_KEY", "_VAL")
        ]

    def get_columns(self, connection: Any, table_name: str, schema: Optional[str] = None,
                    **kw: Any) -> List[Dict[str, Any]]:
        out = []
        for col_name, java, nullable, default_value, _pk, precision, scale, _aff in self._columns_info(
            connection, table_name, schema, **kw
        ):
            out.append({
                "name": self.normalize_name(col_name),
                "type": self._type_of(java, precision, scale),
                "nullable": bool(nullable),
                "default": self._default_of(java, default_value),
                "autoincrement": False,
            })
        return out

    def _type_of(self, java: str, precision: Optional[int], scale: Optional[int]) -> Any:
        cls = JAVA_TYPES.get(java)
        if cls is None:
            sa_util.warn(f"no SQLAlchemy type for the Ignite column type {java!r}")
            return types.NullType()
        if cls is types.DECIMAL:
            if precision is not None and precision >= 0:
                return types.DECIMAL(precision, scale if scale is not None and scale >= 0 else None)
            return types.DECIMAL()
        if cls in (types.VARCHAR, types.CHAR):
            if precision is not None and 0 < precision < 2147483647:
                return cls(precision)
            return cls()
        return cls()

    def _default_of(self, java: str, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        if java in ("java.lang.String", "java.lang.Character"):
            return "'" + value.replace("'", "''") + "'"
        return value

    @reflection.cache
    def get_pk_constraint(self, connection: Any, table_name: str, schema: Optional[str] = None,
                          **kw: Any) -> Dict[str, Any]:
        cols = [r[0] for r in self._columns_info(connection, table_name, schema, **kw)
                if r[4] and r[0] not in ("_KEY", "_VAL")]
        return {"constrained_columns": [self.normalize_name(c) for c in cols], "name": None}

    def get_foreign_keys(self, connection: Any, table_name: str, schema: Optional[str] = None,
                         **kw: Any) -> List[Any]:
        self._table_info(connection, table_name, schema)
        return []  # Ignite has no foreign keys

    def get_unique_constraints(self, connection: Any, table_name: str, schema: Optional[str] = None,
                               **kw: Any) -> List[Any]:
        self._table_info(connection, table_name, schema)
        return []

    def get_check_constraints(self, connection: Any, table_name: str, schema: Optional[str] = None,
                              **kw: Any) -> List[Any]:
        self._table_info(connection, table_name, schema)
        return []

    def get_table_comment(self, connection: Any, table_name: str, schema: Optional[str] = None,
                          **kw: Any) -> Dict[str, Any]:
        raise NotImplementedError("Ignite has no table comments")

    @reflection.cache
    def get_indexes(self, connection: Any, table_name: str, schema: Optional[str] = None,
                    **kw: Any) -> List[Dict[str, Any]]:
        schema_name, name, _ = self._table_info(connection, table_name, schema)
        pk = set(self.denormalize_name(c) for c in
                 self.get_pk_constraint(connection, table_name, schema, **kw)["constrained_columns"])
        rows = self._rows(
            connection,
            "SELECT INDEX_NAME, COLUMNS, IS_UNIQUE FROM SYS.INDEXES "
            "WHERE SCHEMA_NAME = ? AND TABLE_NAME = ? AND IS_PK = FALSE ORDER BY INDEX_NAME",
            schema_name, name,
        )
        out = []
        for index_name, columns, unique in rows:
            # Ignite lists an index twice (on the hidden _KEY and, as "<name>_proxy", on its alias)
            # and adds its own: the primary key's and the affinity key's
            if index_name.endswith("_proxy") or index_name in ("_key_PK", "AFFINITY_KEY") or index_name.startswith("_"):
                continue
            cols = [c.replace('""', '"') for c, _ in _INDEX_COLUMN.findall(columns or "")]
            # the primary key columns that Ignite appends to every index to make its entries unique
            while cols and (cols[-1] in ("_KEY", "_VAL") or (cols[-1] in pk and len(cols) > 1)):
                cols.pop()
            orders = {self.normalize_name(c): ("desc",) for c, d in _INDEX_COLUMN.findall(columns or "")
                      if d == "DESC" and c in cols}
            entry: Dict[str, Any] = {
                "name": self.normalize_name(index_name),
                "column_names": [self.normalize_name(c) for c in cols],
                "unique": bool(unique),
            }
            if orders:
                entry["column_sorting"] = orders
            out.append(entry)
        return out


# --- asyncio --------------------------------------------------------------------------------------

try:  # SQLAlchemy 2.1
    from sqlalchemy.util.concurrency import await_ as _await
except ImportError:  # SQLAlchemy 2.0
    from sqlalchemy.util.concurrency import await_only as _await  # type: ignore[attr-defined,no-redef]


class AsyncAdaptConnection(AsyncAdapt_dbapi_connection):
    """A blocking connection over :class:`pyignite.dbapi.aio.AsyncConnection` for SQLAlchemy's
    greenlet bridge (SQLAlchemy's own adapter: each call awaits the coroutine; a SELECT's rows are
    read when it runs)."""

    __slots__ = ()

    @property
    def schema(self) -> str:
        return str(self._connection.schema)

    def terminate(self) -> None:
        self.close()


class _AsyncDBAPI:
    """The module-like object SQLAlchemy takes as the DB-API of the asyncio dialect."""

    def __init__(self) -> None:
        from pyignite.dbapi import aio

        self.aio = aio
        for name in aio.__all__:
            if name != "connect":
                setattr(self, name, getattr(aio, name))

    def connect(self, *args: Any, **kwargs: Any) -> AsyncAdaptConnection:
        connection: Any = _await(self.aio.connect(*args, **kwargs))
        return AsyncAdaptConnection(self, connection)


class IgniteAsyncDialect(IgniteDialect):
    """The dialect on :mod:`pyignite.dbapi.aio` (``ignite+async://``, for ``create_async_engine``)."""

    driver = "async"
    is_async = True
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        return _AsyncDBAPI()

    @classmethod
    def get_pool_class(cls, url: Any) -> Any:
        return pool.AsyncAdaptedQueuePool

    def get_driver_connection(self, connection: Any) -> Any:
        return connection._connection
