"""What the blocking and the asyncio DB-API drivers share, without any I/O.

* the PEP 249 exception hierarchy and the mapping of the server's SQL errors onto it;
* type objects, constructors and the type codes of ``Cursor.description``;
* statement classification (does it return rows or a count?) and the ``executemany`` batching plan;
* :class:`ResultState`, the state of one executed statement (pages of rows, description, rowcount),
  which both cursors fill from their own I/O.

Ignite's thin client protocol returns no column metadata with an SQL result, only the names; the
type code of a column is therefore derived from the Python type of its first non-NULL value in the
first page (``None`` when the first page has none). See :data:`TYPE_CODES`.
"""

from __future__ import annotations

import datetime
import decimal
import re
import time
import uuid
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from pyignite import exceptions as _client_exc

__all__ = [
    "BINARY", "DATETIME", "NUMBER", "ROWID", "STRING", "Binary", "DataError", "DatabaseError", "Date",
    "DateFromTicks", "Error", "IntegrityError", "InterfaceError", "InternalError", "NotSupportedError",
    "OperationalError", "ProgrammingError", "Time", "TimeFromTicks", "Timestamp", "TimestampFromTicks",
    "Warning",
]

apilevel = "2.0"
#: threads may share the module and connections (the client is thread-safe), not cursors
threadsafety = 2
paramstyle = "qmark"


# --- exceptions (PEP 249) -------------------------------------------------------------------------

class Warning(Exception):
    """Important warnings (PEP 249). The driver raises none today."""


class Error(Exception):
    """Base of every DB-API error.

    :ivar sqlstate: the five-character SQL state the server gave (``'23000'``...), or ``None``;
    :ivar status: the thin client status code of the server's reply, or ``None``.
    """

    sqlstate: Optional[str] = None
    status: Optional[int] = None


class InterfaceError(Error):
    """The driver was misused (a closed cursor or connection, for instance)."""


class DatabaseError(Error):
    """An error reported by, or related to, the database."""


class DataError(DatabaseError):
    """A value was out of range, of the wrong type, or a division by zero."""


class OperationalError(DatabaseError):
    """The connection broke, a node did not answer in time, a query was cancelled."""


class IntegrityError(DatabaseError):
    """A constraint was violated: a duplicate primary key, a NULL in a NOT NULL column."""


class InternalError(DatabaseError):
    """The server failed internally."""


class ProgrammingError(DatabaseError):
    """A syntax error, an unknown table or column, a wrong number of parameters."""


class NotSupportedError(DatabaseError):
    """Ignite does not support what was asked (an SQL feature, a rollback of committed work)."""


#: SQL state class (first two characters) -> exception class
_STATE_CLASSES: Dict[str, type] = {
    "01": Warning,
    "07": ProgrammingError,  # dynamic SQL error (parameters)
    "08": OperationalError,  # connection exception
    "0A": NotSupportedError,
    "21": ProgrammingError,  # cardinality violation
    "22": DataError,
    "23": IntegrityError,
    "24": InterfaceError,  # invalid cursor state
    "25": OperationalError,  # invalid transaction state
    "2B": OperationalError,
    "40": OperationalError,  # transaction rollback
    "42": ProgrammingError,
    "44": IntegrityError,  # WITH CHECK OPTION violation
    "50": DatabaseError,  # Ignite's generic "internal" state covers user errors too (IgniteQueryErrorCode)
    "57": OperationalError,  # query cancelled, operator intervention
    "HY": DatabaseError,
    "XX": InternalError,
}

#: single SQL states whose class says less than they do
_STATES: Dict[str, type] = {
    "22004": IntegrityError,  # Ignite's "Null value is not allowed for column": a NOT NULL constraint
}

# Ignite puts its SQL state first ("23000: Failed to INSERT some keys ..."); for errors from the H2
# engine it says "42000: Failed to parse query." and the engine's own, finer state follows at the
# end as "[22012-197]" (state-version): division by zero is a data error, not a syntax error.
_PARAMETER_MESSAGES = ("Invalid number of query parameters", "Failed to bind parameter")
_LEADING_STATE = re.compile(r"^\s*([0-9A-Z]{5}):")
_ENGINE_STATE = re.compile(r"\[([0-9A-Z]{5})-\d+\]")


def sqlstate_of(message: str) -> Optional[str]:
    """The most precise SQL state in a server message, or ``None``."""
    # the engine's own codes 90xxx are vendor codes (general errors), not SQL states
    engine = [state for state in _ENGINE_STATE.findall(message or "") if not state.startswith("9")]
    if engine:
        return str(engine[-1])
    m = _LEADING_STATE.match(message or "")
    return m.group(1) if m else None


def map_error(exc: BaseException) -> Error:
    """The DB-API exception for an exception of the client (chain the original with ``from``)."""
    if isinstance(exc, Error):
        return exc
    cls: type
    state = None
    status = None
    message = str(exc)
    if isinstance(exc, _client_exc.CacheError):
        status = exc.status
        message = exc.message or message
        state = sqlstate_of(message)
        cls = _STATES.get(state) or _STATE_CLASSES.get(state[:2], DatabaseError) if state else DatabaseError
        if cls is Warning:  # a warning state on a failed statement is still an error
            cls = DatabaseError
        if cls is DatabaseError and any(m in message for m in _PARAMETER_MESSAGES):
            cls = ProgrammingError  # Ignite reports a wrong parameter count as a generic 50000
        if state is None and status is not None and status != 1:
            # no SQL state: a thin client status (cache missing, security, resource limits)
            cls = ProgrammingError if status in (1000, 1011) else OperationalError
    elif isinstance(exc, _client_exc.NotSupportedError):
        cls = NotSupportedError
    elif isinstance(exc, (OSError, _client_exc.ReconnectError)):
        cls = OperationalError
    elif isinstance(exc, _client_exc.ParameterError):
        cls = ProgrammingError
    elif isinstance(exc, (TypeError, ValueError, OverflowError)):
        cls = DataError  # a parameter does not fit an Ignite type
    elif isinstance(exc, _client_exc.ParseError):
        cls = InternalError
    else:
        cls = DatabaseError
    err = cls(message)
    err.sqlstate = state
    err.status = status
    return err


# --- types (PEP 249) ------------------------------------------------------------------------------

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> datetime.date:
    """The local date of ``ticks`` seconds since the epoch."""
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> datetime.time:
    """The local time of day of ``ticks`` seconds since the epoch."""
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> datetime.datetime:
    """The local date and time of ``ticks`` seconds since the epoch."""
    return Timestamp(*time.localtime(ticks)[:6])


class DBAPITypeObject:
    """A PEP 249 type object: equal to every type code of its group."""

    __slots__ = ("name", "values")

    def __init__(self, name: str, *values: str) -> None:
        self.name = name
        self.values = frozenset(values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return other is self
        return other in self.values

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<DBAPITypeObject {self.name}>"


STRING = DBAPITypeObject("STRING", "VARCHAR", "CHAR")
BINARY = DBAPITypeObject("BINARY", "BINARY")
NUMBER = DBAPITypeObject("NUMBER", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE",
                         "DECIMAL")
DATETIME = DBAPITypeObject("DATETIME", "DATE", "TIME", "TIMESTAMP")
#: Ignite has no row ids: nothing compares equal to it
ROWID = DBAPITypeObject("ROWID")

#: Python type of a value -> the type code reported in ``Cursor.description`` (Ignite SQL names).
#: Integers are reported as BIGINT whatever their width on the server, since the values alone
#: do not tell INT from BIGINT; DATE columns arrive as datetimes at midnight and report TIMESTAMP.
TYPE_CODES: Dict[type, str] = {
    bool: "BOOLEAN",
    int: "BIGINT",
    float: "DOUBLE",
    decimal.Decimal: "DECIMAL",
    str: "VARCHAR",
    bytes: "BINARY",
    datetime.datetime: "TIMESTAMP",
    datetime.date: "DATE",
    datetime.time: "TIME",
    uuid.UUID: "UUID",
}


def type_code_of(value: Any) -> Optional[str]:
    if value is None:
        return None
    code = TYPE_CODES.get(type(value))
    if code is not None:
        return code
    for cls in type(value).__mro__:
        code = TYPE_CODES.get(cls)
        if code is not None:
            return code
    return "OTHER"


# --- values ---------------------------------------------------------------------------------------

def _time_of(value: datetime.timedelta) -> datetime.time:
    # Ignite's TIME values decode as the time since midnight (a timedelta)
    seconds = int(value.total_seconds()) % 86400
    return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60, value.microseconds)


def convert_value(value: Any) -> Any:
    """A value as PEP 249 callers expect it.

    * ``(datetime, nanos)`` (a timestamp in the specification's tuple form, nanoseconds within the
      millisecond) becomes a ``datetime`` rounded down to the microsecond;
    * a TIME (a ``timedelta`` since midnight) becomes a ``datetime.time``;
    * other values are kept.
    """
    cls = type(value)
    if cls is tuple:
        if len(value) == 2 and isinstance(value[0], datetime.datetime) and type(value[1]) is int:
            dt, nanos = value
            return dt.replace(microsecond=(dt.microsecond // 1000) * 1000 + nanos // 1000)
        return value
    if cls is datetime.timedelta:
        return _time_of(value)
    if isinstance(value, datetime.datetime) and cls is not datetime.datetime:
        # a datetime subclass keeping nanoseconds: callers (pandas, SQLAlchemy) want the plain type
        return datetime.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                                 value.microsecond, value.tzinfo)
    return value


_PLAIN = frozenset((int, str, float, bool, type(None), bytes, decimal.Decimal, datetime.datetime, uuid.UUID))


def convert_rows(rows: List[list]) -> List[tuple]:
    """Rows of a page as tuples, with values converted by :func:`convert_value` where needed."""
    out = []
    plain = _PLAIN
    for row in rows:
        if plain.issuperset(map(type, row)):
            out.append(tuple(row))
        else:
            out.append(tuple(map(convert_value, row)))
    return out


def convert_column(values: Sequence[Any]) -> Sequence[Any]:
    """A column of values (see :func:`convert_value`); the same list when nothing needs converting."""
    if _PLAIN.issuperset(map(type, values)):
        return values
    return [convert_value(v) for v in values]


def check_params(params: Any) -> Optional[list]:
    """The parameters of one statement as a list (qmark style takes a sequence, not a mapping)."""
    if params is None:
        return None
    if isinstance(params, (str, bytes, bytearray)) or isinstance(params, dict) or not hasattr(params, "__len__"):
        raise ProgrammingError(
            f"parameters must be a sequence (list or tuple) for paramstyle 'qmark', not {type(params).__name__}"
        )
    return list(params)


# --- statements -----------------------------------------------------------------------------------

_FIRST_WORD = re.compile(r"\s*(?:(?:--[^\n]*\n)|(?:/\*.*?\*/)|\s|\()*\s*([A-Za-z]+)", re.S)
#: statements that return a row count, not rows
DML = frozenset(("INSERT", "UPDATE", "DELETE", "MERGE"))
#: statements that return neither (the server answers with a count of 0)
DDL = frozenset(("CREATE", "DROP", "ALTER", "SET", "KILL", "COPY", "ANALYZE", "REFRESH", "COMMIT",
                 "ROLLBACK", "BEGIN", "START"))


def first_word(sql: str) -> str:
    m = _FIRST_WORD.match(sql)
    return m.group(1).upper() if m else ""


def _scan(sql: str) -> Iterable[Tuple[int, str]]:
    """(position, character) of the SQL text outside quotes and comments."""
    i = 0
    n = len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            j = sql.find(c, i + 1)
            while j != -1 and j + 1 < n and sql[j + 1] == c:  # doubled quote inside
                j = sql.find(c, j + 2)
            if j == -1:
                return
            i = j + 1
            continue
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j == -1 else j + 1
            continue
        if c == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j == -1 else j + 2
            continue
        yield i, c
        i += 1


def count_placeholders(sql: str) -> int:
    return sum(1 for _, c in _scan(sql) if c == "?")


def multirow_template(sql: str) -> Optional[Tuple[str, str, str]]:
    """``(head, row, tail)`` when ``sql`` is ``INSERT/MERGE ... VALUES (row)`` with a single row of
    placeholders and nothing after it but whitespace or ``;``: such a statement can take many rows
    in one round trip as ``head (row), (row), ...``. ``None`` for any other statement."""
    if first_word(sql) not in ("INSERT", "MERGE"):
        return None
    upper = sql.upper()
    values_at = -1
    depth = 0
    start = end = -1
    for i, c in _scan(sql):
        if c == "(":
            if depth == 0 and values_at != -1 and start == -1:
                start = i
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0 and start != -1 and end == -1:
                end = i
        elif depth == 0 and end != -1 and not c.isspace() and c != ";":
            return None  # something follows the row (ON DUPLICATE..., a second row, RETURNING)
        elif depth == 0 and c in "Vv" and upper.startswith("VALUES", i) and (i == 0 or not upper[i - 1].isalnum()):
            if values_at != -1:
                return None
            values_at = i
        elif depth == 0 and c == "," and start != -1:
            return None  # already several rows
    if values_at == -1 or start == -1 or end == -1:
        return None
    row = sql[start:end + 1]
    if count_placeholders(row) == 0:
        return None
    return sql[:start], row, sql[end + 1:].rstrip().rstrip(";")


#: at most this many parameters in one multi-row statement (the H2 parser's cost grows with the
#: statement and Ignite caches a plan per distinct text, so batches have one size but the last)
MAX_BATCH_PARAMS = 4000
MAX_BATCH_ROWS = 1000


def batches(sql: str, seq_of_params: Sequence[Any]) -> Optional[List[Tuple[str, Optional[list]]]]:
    """The statements that run ``executemany(sql, seq_of_params)`` as multi-row statements, or
    ``None`` when ``sql`` cannot be batched (then each parameter set runs by itself)."""
    template = multirow_template(sql)
    if template is None:
        return None
    head, row, tail = template
    width = count_placeholders(row)
    if width != count_placeholders(sql):
        return None  # placeholders outside the row (in a sub-select, say)
    per = max(1, min(MAX_BATCH_ROWS, MAX_BATCH_PARAMS // width))
    out: List[Tuple[str, Optional[list]]] = []
    texts: Dict[int, str] = {}
    for begin in range(0, len(seq_of_params), per):
        chunk = seq_of_params[begin:begin + per]
        args: list = []
        for params in chunk:
            p = check_params(params) or []
            if len(p) != width:
                raise ProgrammingError(
                    f"the statement takes {width} parameters, a parameter set has {len(p)}"
                )
            args.extend(p)
        text = texts.get(len(chunk))
        if text is None:
            text = texts[len(chunk)] = head + ", ".join([row] * len(chunk)) + tail
        out.append((text, args))
    return out


# --- results --------------------------------------------------------------------------------------

class ResultState:
    """What a cursor knows about its current statement's result (no I/O).

    The cursor hands it pages (lists of rows as the client returns them); it keeps the rows not yet
    fetched, the description (from the names and the first page) and the row count.
    """

    __slots__ = ("buffer", "description", "exhausted", "field_names", "pos", "rowcount", "seen")

    def __init__(self) -> None:
        self.buffer: List[tuple] = []
        self.pos = 0
        self.description: Optional[List[tuple]] = None
        self.rowcount = -1
        self.exhausted = True
        self.field_names: Optional[List[str]] = None
        self.seen = 0

    def start_rows(self, names: List[str], first_page: List[list], complete: bool) -> None:
        """A statement that returns rows: its column names and first page; ``complete`` when the
        server holds no more pages."""
        self.field_names = list(names)
        codes: List[Optional[str]] = [None] * len(names)
        for i in range(len(names)):
            for row in first_page:
                if row[i] is not None:
                    codes[i] = type_code_of(convert_value(row[i]))
                    break
        self.description = [(name, code, None, None, None, None, None) for name, code in zip(names, codes)]
        self.set_page(first_page)
        self.exhausted = complete
        self.rowcount = len(first_page) if complete else -1

    def start_count(self, count: Optional[int]) -> None:
        """A statement that returns a count (DML: rows changed; DDL: ``None``, reported as -1)."""
        self.description = None
        self.field_names = None
        self.buffer = []
        self.pos = 0
        self.exhausted = True
        self.rowcount = -1 if count is None else count

    def set_page(self, rows: List[list]) -> None:
        self.buffer = convert_rows(rows)
        self.pos = 0
        self.seen += len(rows)

    def end(self) -> None:
        self.exhausted = True
        self.rowcount = self.seen

    def take(self, n: Optional[int]) -> List[tuple]:
        """Up to ``n`` buffered rows (all with ``None``)."""
        buf = self.buffer
        pos = self.pos
        if n is None:
            rows = buf[pos:] if pos else buf
            self.buffer = []
            self.pos = 0
            return rows
        rows = buf[pos:pos + n]
        self.pos = pos + len(rows)
        if self.pos >= len(buf):
            self.buffer = []
            self.pos = 0
        return rows

    @property
    def buffered(self) -> int:
        return len(self.buffer) - self.pos


def dml_count(sql: str, names: List[str], rows: List[list]) -> Tuple[bool, Optional[int]]:
    """``(True, count)`` when the reply is a count rather than rows: DML gives its count, DDL ``None``."""
    word = first_word(sql)
    if names == ["UPDATED"] and len(rows) == 1 and len(rows[0]) == 1 and (word in DML or word in DDL):
        return True, rows[0][0] if word in DML else None
    return False, None


def make_client_kwargs(kwargs: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Split ``connect()`` keyword arguments into the query options the driver keeps and the
    options for the client's constructor."""
    query_keys = ("page_size", "distributed_joins", "local", "replicated_only", "enforce_join_order",
                  "collocated", "lazy", "query_timeout")
    query = {k: kwargs.pop(k) for k in query_keys if k in kwargs}
    return query, kwargs


def nodes_of(host: Optional[str], port: Optional[int], nodes: Optional[Iterable[Any]]) -> List[Tuple[str, int]]:
    """The ``(host, port)`` list to connect to."""
    if nodes is not None:
        if host is not None or port is not None:
            raise InterfaceError("give either host/port or nodes, not both")
        out = []
        for node in nodes:
            if isinstance(node, str):
                h, _, p = node.rpartition(":")
                out.append((h or "127.0.0.1", int(p)))
            else:
                h, p = node
                out.append((h, int(p)))
        if not out:
            raise InterfaceError("nodes is empty")
        return out
    return [(host or "127.0.0.1", 10800 if port is None else int(port))]
