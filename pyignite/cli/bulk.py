"""Bulk load (``pyignite load``) and dump (``pyignite dump``) of SQL tables, streaming.

Memory stays flat at any file size: the loader reads the file record by record and keeps one batch
(``--batch`` rows) at a time; the dumper writes rows as the cursor fetches them page by page.

**Loading.** Each batch is one multi-row ``INSERT INTO t (cols) VALUES (?,..),(?,..)...``
statement with arguments: its text is the same for every full batch, so the server parses and plans
it once. Every field is first converted in Python to its column's type, as the table declares it in
``SYS.TABLE_COLUMNS`` (type, NOT NULL, length, precision): a bad field is then reported with its line
number before anything of its batch is sent, and ``--on-error stop`` loads exactly the rows before
it. What only the server can see is a duplicate primary key: Ignite then inserts the batch's other
rows and names the duplicate keys in its error, which maps them back to their lines when the key is
one column (with a composite key the whole batch is reported). Any other error of a batch makes the
loader retry that batch row by row to find the bad row (Ignite applies a batch's rows in order up to
the failing one, so a row that was already in is recognised by its duplicate key on the retry).

Why not ``put_all`` of binary objects? It skips the SQL layer, but then the loader would have to
build each table's binary value type itself (type name, field types, the key/value split, affinity
columns) and would bypass the server's column checks; batched INSERTs load the 1M-row CSV of the
tests at the rate the server can index anyway (see docs/cli.rst for the figures).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import os
import re
import time
import uuid
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

__all__ = ["BadRow", "LoadError", "Table", "detect_format", "dump", "load", "resolve_table"]

BULK_FORMATS = ("csv", "jsonl", "parquet")


class LoadError(Exception):
    """The load stopped (a bad row with ``--on-error stop``, or the server refused a batch)."""


class UsageProblem(Exception):
    """A problem with the arguments or the file's columns (exit code 2)."""


class BadRow(Exception):
    """One row of the input could not be loaded."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def detect_format(path: str, given: Optional[str]) -> str:
    if given:
        return given
    name = path.lower()
    for ext, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"),
                     (".parquet", "parquet"), (".pq", "parquet")):
        if name.endswith(ext) or name.endswith(ext + ".gz"):
            return fmt
    raise UsageProblem(f"cannot tell the format of {path!r} from its name: give --format csv, jsonl or parquet")


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise UsageProblem("Parquet files need pyarrow, which is not installed: "
                           "pip install 'pyignite[cli,parquet]'") from None
    return pyarrow


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- the table ------------------------------------------------------------------------------------

class Column:
    __slots__ = ("convert", "name", "not_null", "pk", "precision", "scale", "type")

    def __init__(self, name: str, type_: str, nullable: bool, pk: bool, precision: int, scale: int) -> None:
        self.name = name
        self.type = type_
        self.not_null = not nullable
        self.pk = pk
        self.precision = precision
        self.scale = scale
        self.convert = _converter(self)


class Table:
    """A table as ``SYS.TABLES`` and ``SYS.TABLE_COLUMNS`` describe it (columns in declared order)."""

    def __init__(self, schema: str, name: str, columns: List[Column]) -> None:
        self.schema = schema
        self.name = name
        self.columns = columns
        self.by_name = {c.name.upper(): c for c in columns}

    @property
    def qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"


def _split_name(text: str, schema: Optional[str]) -> Tuple[Optional[str], str]:
    if "." in text and not text.startswith('"'):
        s, t = text.split(".", 1)
        return s, t
    return schema, text


def resolve_table(client: Any, text: str, schema: Optional[str] = None) -> Table:
    """Find a table by name (``T``, ``schema.T``, case-insensitive unless quoted)."""
    want_schema, name = _split_name(text, schema)
    quoted = name.startswith('"') and name.endswith('"')
    name = name.strip('"')
    rows = list(client.sql("SELECT SCHEMA_NAME, TABLE_NAME FROM SYS.TABLES"))
    matches = [r for r in rows if (r[1] == name if quoted else r[1].upper() == name.upper())
               and (want_schema is None or r[0].upper() == want_schema.strip('"').upper())]
    if len(matches) > 1:
        exact = [r for r in matches if r[1] == name]
        if len(exact) == 1:
            matches = exact
        else:
            found = ", ".join(f"{r[0]}.{r[1]}" for r in matches)
            raise UsageProblem(f"table name {text!r} is ambiguous ({found}): give the schema")
    if not matches:
        raise UsageProblem(f"no table {text!r}" + (f" in schema {want_schema}" if want_schema else ""))
    schema_name, table_name = matches[0]
    info = {r[0]: r for r in client.sql(
        "SELECT COLUMN_NAME, TYPE, NULLABLE, PK, PRECISION, SCALE FROM SYS.TABLE_COLUMNS "
        "WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?", query_args=[schema_name, table_name])}
    with client.sql(f"SELECT * FROM {quote_ident(schema_name)}.{quote_ident(table_name)} WHERE 1 = 0",
                    include_field_names=True) as cur:
        order = next(iter(cur))
    columns = []
    for col in order:
        r = info.get(col)
        if r is None:
            columns.append(Column(col, "java.lang.Object", True, False, -1, -1))
        else:
            columns.append(Column(col, r[1] or "java.lang.Object", bool(r[2]), bool(r[3]),
                                  int(r[4] if r[4] is not None else -1), int(r[5] if r[5] is not None else -1)))
    return Table(schema_name, table_name, columns)


# --- converting fields to column types ------------------------------------------------------------

_INT_BITS = {"java.lang.Byte": 8, "java.lang.Short": 16, "java.lang.Integer": 32, "java.lang.Long": 64}
_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}
_TS = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$")


_SQL_TYPES = {
    "java.lang.Integer": "INT", "java.lang.Long": "BIGINT", "java.lang.Short": "SMALLINT", "java.lang.Byte": "TINYINT",
    "java.lang.Boolean": "BOOLEAN", "java.lang.Double": "DOUBLE", "java.lang.Float": "REAL",
    "java.math.BigDecimal": "DECIMAL", "java.lang.String": "VARCHAR", "java.util.UUID": "UUID",
    "java.sql.Timestamp": "TIMESTAMP", "java.sql.Date": "DATE", "java.sql.Time": "TIME", "[B": "BINARY",
}


def sql_type(col: Column, sizes: bool = False) -> str:
    """The SQL name of a column's type (``SYS.TABLE_COLUMNS`` gives the Java class)."""
    name = _SQL_TYPES.get(col.type, col.type.rsplit(".", 1)[-1].upper())
    if sizes and col.precision > 0 and name in ("VARCHAR", "DECIMAL", "BINARY"):
        name += f"({col.precision}" + (f", {col.scale})" if name == "DECIMAL" and col.scale >= 0 else ")")
    return name


_sql_type = sql_type


def _converter(col: Column) -> Callable[[Any], Any]:
    t = col.type
    if t in _INT_BITS:
        bits = _INT_BITS[t]
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

        def to_int(v: Any) -> Any:
            if isinstance(v, bool):
                raise ValueError
            if isinstance(v, float):
                if not v.is_integer():
                    raise ValueError
                v = int(v)
            n = v if isinstance(v, int) else int(str(v).strip())
            if not lo <= n <= hi:
                raise ValueError(f"{n} is out of range for {_sql_type(col)}")
            return n
        return to_int
    if t in ("java.lang.Double", "java.lang.Float"):
        def to_float(v: Any) -> Any:
            if isinstance(v, bool):
                raise ValueError
            return float(v) if isinstance(v, (int, float)) else float(str(v).strip())
        return to_float
    if t == "java.math.BigDecimal":
        def to_decimal(v: Any) -> Any:
            if isinstance(v, bool):
                raise ValueError
            d = decimal.Decimal(str(v).strip()) if not isinstance(v, decimal.Decimal) else v
            if not d.is_finite():
                raise ValueError
            if col.precision > 0:
                int_digits = max(d.adjusted() + 1, 0)
                allowed = col.precision - max(col.scale, 0)
                if int_digits > allowed:
                    raise ValueError(f"{v} does not fit DECIMAL({col.precision}, {max(col.scale, 0)})")
            return d
        return to_decimal
    if t == "java.lang.Boolean":
        def to_bool(v: Any) -> Any:
            if isinstance(v, bool):
                return v
            text = str(v).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError
        return to_bool
    if t == "java.lang.String":
        def to_str(v: Any) -> Any:
            s = v if isinstance(v, str) else (json.dumps(v) if isinstance(v, (dict, list)) else str(v))
            if 0 < col.precision < len(s):
                raise ValueError(f"{len(s)} characters, more than the column's {col.precision}")
            return s
        return to_str
    if t == "java.util.UUID":
        return lambda v: v if isinstance(v, uuid.UUID) else uuid.UUID(str(v).strip())
    if t == "java.sql.Timestamp":
        return _to_timestamp
    if t == "java.sql.Date":
        def to_date(v: Any) -> Any:
            if isinstance(v, datetime.datetime):
                return v.date()
            if isinstance(v, datetime.date):
                return v
            return datetime.date.fromisoformat(str(v).strip()[:10]) if len(str(v).strip()) == 10 else _bad()
        return to_date
    if t == "java.sql.Time":
        return lambda v: v if isinstance(v, datetime.time) else datetime.time.fromisoformat(str(v).strip())
    if t == "[B":
        def to_bytes(v: Any) -> Any:
            if isinstance(v, (bytes, bytearray)):
                return bytes(v)
            text = str(v).strip()
            return bytes.fromhex(text[2:] if text.lower().startswith("0x") else text)
        return to_bytes
    return lambda v: v


def _bad() -> Any:
    raise ValueError


def _to_timestamp(v: Any) -> Any:
    if isinstance(v, datetime.datetime):
        return v
    if isinstance(v, datetime.date):
        return datetime.datetime(v.year, v.month, v.day)
    text = str(v).strip()
    m = _TS.match(text)
    if m is None:
        return datetime.datetime.fromisoformat(text)  # offsets and other ISO forms
    day, hh, mm, ss, frac = m.groups()
    d = datetime.date.fromisoformat(day)
    micro = int((frac or "0").ljust(9, "0")[:6])
    return datetime.datetime(d.year, d.month, d.day, int(hh or 0), int(mm or 0), int(ss or 0), micro)


def convert_row(columns: Sequence[Column], values: Sequence[Any], null: Optional[str]) -> List[Any]:
    """Convert one record's fields (raises ``ValueError`` naming the column)."""
    out: List[Any] = []
    for col, v in zip(columns, values):
        if v is None or (null is not None and isinstance(v, str) and v == null):
            if col.not_null:
                raise ValueError(f"column {col.name} is NOT NULL but the value is empty")
            out.append(None)
            continue
        try:
            out.append(col.convert(v))
        except (ValueError, TypeError, ArithmeticError) as exc:
            detail = str(exc)
            if "invalid literal" in detail or "could not convert" in detail:
                detail = ""  # Python's wording adds nothing to the value and column shown
            shown = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
            raise ValueError(f"column {col.name} ({_sql_type(col)}): cannot use {shown}"
                             + (f": {detail}" if detail else "")) from None
    return out


# --- readers: (line number, fields, raw record) ---------------------------------------------------

class _Source:
    """A file read record by record, with its byte position for the progress bar."""

    total: Optional[int] = None  # progress total (bytes, or rows for parquet)
    unit_rows = False  # whether progress counts rows (parquet) instead of bytes
    header: Optional[List[str]] = None

    def position(self) -> int:
        return 0

    def records(self) -> Iterator[Tuple[int, Any, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _CsvSource(_Source):
    def __init__(self, path: str, header: bool, delimiter: str) -> None:
        self.raw = open(path, "rb")
        self.text = io.TextIOWrapper(self.raw, encoding="utf-8-sig", newline="")
        self.reader = csv.reader(self.text, delimiter=delimiter, strict=True)
        self.total = os.fstat(self.raw.fileno()).st_size
        self.has_header = header
        self.header = None
        self.first_line = 1
        if header:
            try:
                self.header = next(self.reader)
            except StopIteration:
                self.header = []
            except csv.Error as exc:
                raise UsageProblem(f"{path}: line 1: {exc}") from None
            self.first_line = self.reader.line_num + 1

    def position(self) -> int:
        return self.raw.tell()

    def records(self) -> Iterator[Tuple[int, Any, Any]]:
        reader = self.reader
        line = self.first_line
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line, BadRow(line, f"malformed CSV: {exc}"), None
                line = reader.line_num + 1
                continue
            if fields:  # csv yields [] for a blank line
                yield line, fields, fields
            line = reader.line_num + 1

    def close(self) -> None:
        self.text.close()


class _JsonlSource(_Source):
    def __init__(self, path: str) -> None:
        self.raw = open(path, "rb")
        self.total = os.fstat(self.raw.fileno()).st_size

    def position(self) -> int:
        return self.raw.tell()

    def records(self) -> Iterator[Tuple[int, Any, Any]]:
        for n, raw in enumerate(self.raw, 1):
            text = raw.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except ValueError as exc:
                yield n, BadRow(n, f"not valid JSON: {exc}"), raw
                continue
            if not isinstance(obj, dict):
                yield n, BadRow(n, "a JSON lines record must be an object {\"column\": value, ...}"), raw
                continue
            yield n, obj, raw

    def close(self) -> None:
        self.raw.close()


class _ParquetSource(_Source):
    unit_rows = True

    def __init__(self, path: str, batch: int) -> None:
        pa = _pyarrow()
        self.file = pa.parquet.ParquetFile(path)
        self.total = self.file.metadata.num_rows
        self.header = list(self.file.schema_arrow.names)
        self.batch = batch
        self.done = 0

    def position(self) -> int:
        return self.done

    def records(self) -> Iterator[Tuple[int, Any, Any]]:
        n = 0
        for rb in self.file.iter_batches(batch_size=max(self.batch, 1024)):
            for row in rb.to_pylist():
                n += 1
                self.done = n
                yield n, row, row

    def close(self) -> None:
        self.file.close() if hasattr(self.file, "close") else None


# --- reject file ----------------------------------------------------------------------------------

class _Rejects:
    """Rejected records, written in the input's format (CSV keeps its header) so they can be fixed
    and loaded again."""

    def __init__(self, path: str, fmt: str, header: Optional[List[str]]) -> None:
        self.path = path
        self.fmt = fmt
        self.header = header
        self.count = 0
        self._f: Any = None
        self._csv: Any = None

    def write(self, raw: Any) -> None:
        if raw is None:
            return
        if self._f is None:
            if self.fmt == "csv":
                self._f = open(self.path, "w", encoding="utf-8", newline="")
                self._csv = csv.writer(self._f, lineterminator="\n")
                if self.header is not None:
                    self._csv.writerow(self.header)
            elif self.fmt == "jsonl":
                self._f = open(self.path, "wb")
            else:
                self._f = open(self.path, "w", encoding="utf-8")
        self.count += 1
        if self.fmt == "csv":
            self._csv.writerow(raw)
        elif self.fmt == "jsonl":
            self._f.write(raw if raw.endswith(b"\n") else raw + b"\n")
        else:
            from pyignite.cli.output import to_json

            self._f.write(json.dumps({k: to_json(v) for k, v in raw.items()}, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._f is not None:
            self._f.close()


# --- load -----------------------------------------------------------------------------------------

class LoadResult:
    def __init__(self) -> None:
        self.loaded = 0
        self.rejected = 0
        self.read = 0
        self.seconds = 0.0
        self.reject_path: Optional[str] = None


def load(client: Any, table: Table, path: str, fmt: str, batch: int = 1000, on_error: str = "stop",
         reject_path: Optional[str] = None, columns: Optional[List[str]] = None, header: bool = True,
         delimiter: str = ",", null: Optional[str] = "", report: Callable[[BadRow], None] = print,
         progress: Any = None) -> LoadResult:
    """Load ``path`` into ``table``; see the module docstring. ``progress(pos, total, rows)`` is
    called after each batch. Raises :class:`LoadError` when stopped, :class:`UsageProblem` for
    columns that do not match."""
    if batch < 1:
        raise UsageProblem("--batch must be at least 1")
    if fmt == "csv":
        src: _Source = _CsvSource(path, header, delimiter)
    elif fmt == "jsonl":
        src = _JsonlSource(path)
    elif fmt == "parquet":
        src = _ParquetSource(path, batch)
    else:
        raise UsageProblem(f"unknown format {fmt!r}")
    res = LoadResult()
    start = time.monotonic()
    rejects: Optional[_Rejects] = None
    try:
        names = columns or (src.header if fmt != "jsonl" else None)
        target: Optional[List[Column]] = None
        if names is not None:
            target = _map_columns(table, names)
        if on_error == "skip":
            res.reject_path = reject_path or _default_reject_path(path, fmt)
            rejects = _Rejects(res.reject_path, fmt, src.header)
        sender = _BatchSender(client, table, batch)
        pending_lines: List[int] = []
        pending_rows: List[List[Any]] = []
        pending_raw: List[Any] = []
        jsonl_cols: Dict[Tuple[str, ...], List[Column]] = {}

        def bad(err: BadRow, raw: Any) -> None:
            res.rejected += 1
            report(err)
            if on_error == "stop":
                raise LoadError(str(err))
            assert rejects is not None
            rejects.write(raw)

        def flush() -> None:
            if not pending_rows:
                return
            loaded, failures = sender.send(pending_lines, pending_rows, target_cols(pending_rows))
            res.loaded += loaded
            failed_lines = set()
            for err in failures:
                failed_lines.add(err.line)
            for line, raw in zip(pending_lines, pending_raw):
                if line in failed_lines:
                    err = next(e for e in failures if e.line == line)
                    bad(err, raw)
            for err in failures:
                if err.line == 0:  # a batch that could not be mapped to one line
                    res.rejected += 1
                    report(err)
                    raise LoadError(str(err))
            pending_lines.clear()
            pending_rows.clear()
            pending_raw.clear()
            if progress is not None:
                progress(src.position(), src.total, res.loaded)

        current_cols: List[List[Column]] = [[]]

        def target_cols(_rows: Any) -> List[Column]:
            return current_cols[0]

        for line, fields, raw in src.records():
            res.read += 1
            if isinstance(fields, BadRow):
                flush()
                bad(fields, raw)
                continue
            if isinstance(fields, dict):
                key = tuple(fields)
                cols = jsonl_cols.get(key)
                if cols is None:
                    try:
                        cols = jsonl_cols[key] = _map_columns(table, list(key))
                    except UsageProblem as exc:
                        flush()
                        bad(BadRow(line, str(exc)), raw)
                        continue
                values = list(fields.values())
                null_text: Optional[str] = None
            else:
                assert target is not None or fmt == "csv"
                cols = target if target is not None else table.columns
                values = fields
                null_text = null
                if len(values) != len(cols):
                    flush()
                    bad(BadRow(line, f"{len(values)} fields, expected {len(cols)}"), raw)
                    continue
            if cols is not current_cols[0]:
                flush()  # a batch has one column list
                current_cols[0] = cols
            try:
                row = convert_row(cols, values, null_text)
            except ValueError as exc:
                flush()  # with stop, exactly the rows before the bad one are loaded
                bad(BadRow(line, str(exc)), raw)
                continue
            pending_lines.append(line)
            pending_rows.append(row)
            pending_raw.append(raw)
            if len(pending_rows) >= batch:
                flush()
        flush()
        if progress is not None:
            progress(src.total if src.total is not None else src.position(), src.total, res.loaded)
    except LoadError as exc:
        exc.result = res  # type: ignore[attr-defined]
        raise
    except KeyboardInterrupt:
        # the batches sent so far are in the table: say how many before stopping
        stop = LoadError("cancelled (Ctrl-C)")
        stop.result = res  # type: ignore[attr-defined]
        raise stop from None
    finally:
        res.seconds = time.monotonic() - start
        src.close()
        if rejects is not None:
            rejects.close()
            if rejects.count == 0 and os.path.exists(rejects.path) is False:
                res.reject_path = None
    return res


def _default_reject_path(path: str, fmt: str) -> str:
    base = path[:-3] if path.endswith(".gz") else path
    root, _ext = os.path.splitext(base)
    return f"{root}.rejected.{'jsonl' if fmt == 'parquet' else fmt}"


def _map_columns(table: Table, names: Sequence[str]) -> List[Column]:
    cols = []
    seen = set()
    for name in names:
        key = name.strip().strip('"')
        col = table.by_name.get(key.upper())
        if col is None:
            raise UsageProblem(f"column {name!r} of the file is not a column of {table.schema}.{table.name} "
                               f"({', '.join(c.name for c in table.columns)})")
        if col.name in seen:
            raise UsageProblem(f"column {name!r} appears twice")
        seen.add(col.name)
        cols.append(col)
    return cols


_DUP_KEYS = re.compile(r"already in cache \[keys=\[(.*)\]\]", re.S)


class _BatchSender:
    def __init__(self, client: Any, table: Table, batch: int) -> None:
        self.client = client
        self.table = table
        self.batch = batch
        self._sql: Dict[Tuple[Tuple[str, ...], int], str] = {}

    def _statement(self, cols: List[Column], n: int) -> str:
        key = (tuple(c.name for c in cols), n)
        sql = self._sql.get(key)
        if sql is None:
            one = "(" + ", ".join("?" * len(cols)) + ")"
            sql = (f"INSERT INTO {self.table.qualified} ({', '.join(quote_ident(c.name) for c in cols)}) "
                   f"VALUES {', '.join([one] * n)}")
            if len(self._sql) > 8:
                self._sql.clear()
            self._sql[key] = sql
        return sql

    def _run(self, cols: List[Column], rows: List[List[Any]]) -> None:
        args = [v for row in rows for v in row]
        self.client.sql(self._statement(cols, len(rows)), query_args=args).close()

    def send(self, lines: List[int], rows: List[List[Any]], cols: List[Column]) -> Tuple[int, List[BadRow]]:
        """Insert ``rows``; ``(rows inserted, bad rows)``."""
        from pyignite.exceptions import SQLError

        try:
            self._run(cols, rows)
            return len(rows), []
        except SQLError as exc:
            message = str(exc)
            m = _DUP_KEYS.search(message)
            if m is not None:
                return self._duplicates(lines, rows, cols, m.group(1), message)
            return self._one_by_one(lines, rows, cols)

    def _duplicates(self, lines: List[int], rows: List[List[Any]], cols: List[Column], keys_text: str,
                    message: str) -> Tuple[int, List[BadRow]]:
        keys = [i for i, c in enumerate(cols) if c.pk]
        if len(keys) != 1:
            return 0, [BadRow(0, f"lines {lines[0]}-{lines[-1]}: {message} (the other rows of the batch "
                                 "were inserted)")]
        ki = keys[0]
        text = f", {keys_text}, "
        bad = []
        for line, row in zip(lines, rows):
            if f", {_key_text(row[ki])}, " in text:
                bad.append(BadRow(line, f"duplicate key {cols[ki].name}={_key_text(row[ki])}"))
        if not bad:
            return 0, [BadRow(0, f"lines {lines[0]}-{lines[-1]}: {message}")]
        return len(rows) - len(bad), bad

    def _one_by_one(self, lines: List[int], rows: List[List[Any]], cols: List[Column]) -> Tuple[int, List[BadRow]]:
        from pyignite.exceptions import SQLError

        loaded = 0
        bad = []
        failed_before = False
        for line, row in zip(lines, rows):
            try:
                self._run(cols, [row])
                loaded += 1
            except SQLError as exc:
                message = str(exc)
                if _DUP_KEYS.search(message) and not failed_before:
                    loaded += 1  # inserted by the failed batch before its failing row
                    continue
                failed_before = True
                bad.append(BadRow(line, _server_message(message)))
        return loaded, bad


def _key_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _server_message(message: str) -> str:
    return re.sub(r"\s*\[SQL query\]\s*\(status \d+\)$", "", message).strip()


# --- dump -----------------------------------------------------------------------------------------

class DumpResult:
    def __init__(self) -> None:
        self.rows = 0
        self.seconds = 0.0


def _parquet_value(v: Any) -> Any:
    from pyignite.cli.output import _Timestamp, _unwrap, to_json

    v = _unwrap(v)
    if isinstance(v, _Timestamp):
        return v.dt
    if v is None or isinstance(v, (bool, int, float, str, bytes, decimal.Decimal, datetime.date, datetime.time)):
        return v
    if isinstance(v, uuid.UUID):
        return str(v)
    return json.dumps(to_json(v), ensure_ascii=False)


class _ParquetWriter:
    def __init__(self, path: str, rows_per_group: int = 65536) -> None:
        self.pa = _pyarrow()
        self.path = path
        self.rows_per_group = rows_per_group
        self.names: List[str] = []
        self.buf: List[List[Any]] = []
        self.writer: Any = None
        self.schema: Any = None

    def start(self, names: List[str]) -> None:
        self.names = names
        self.buf = [[] for _ in names]

    def rows(self, rows: List[Any]) -> None:
        for row in rows:
            for col, v in zip(self.buf, row):
                col.append(_parquet_value(v))
        if self.buf and len(self.buf[0]) >= self.rows_per_group:
            self._flush()

    def _flush(self) -> None:
        pa = self.pa
        if not self.buf or not self.buf[0]:
            return
        if self.schema is None:
            fields = []
            for name, values in zip(self.names, self.buf):
                arr = pa.array(values)
                typ = pa.string() if pa.types.is_null(arr.type) else arr.type
                fields.append(pa.field(name, typ))
            self.schema = pa.schema(fields)
            self.writer = pa.parquet.ParquetWriter(self.path, self.schema)
        arrays = []
        for field, values in zip(self.schema, self.buf):
            try:
                arrays.append(pa.array(values, type=field.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
                raise LoadError(f"column {field.name}: values of different types than in the first rows "
                                f"({field.type}); dump to csv or jsonl instead") from None
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.buf = [[] for _ in self.names]

    def end(self) -> None:
        self._flush()
        if self.writer is None:  # no rows: still a valid file with the columns
            pa = self.pa
            self.schema = pa.schema([pa.field(n, pa.string()) for n in self.names])
            self.writer = pa.parquet.ParquetWriter(self.path, self.schema)
        self.writer.close()


def dump(client: Any, source: str, path: str, fmt: str, page_size: int = 1024, schema: Optional[str] = None,
         progress: Any = None, out: Optional[IO[str]] = None) -> DumpResult:
    """Stream a table or a SELECT into ``path`` (``-``: standard output)."""
    from pyignite.cli.output import ResultWriter

    res = DumpResult()
    start = time.monotonic()
    total: Optional[int] = None
    if _is_query(source):
        query = source
    else:
        table = resolve_table(client, source, schema)
        query = f"SELECT * FROM {table.qualified}"
        with client.sql(f"SELECT COUNT(*) FROM {table.qualified}") as cur:
            total = next(iter(cur))[0]
    f: Any = None
    writer: Any
    if fmt == "parquet":
        if path == "-":
            raise UsageProblem("Parquet cannot go to standard output: give a file name")
        writer = _ParquetWriter(path)
    elif fmt in ("csv", "jsonl"):
        f = out if path == "-" else open(path, "w", encoding="utf-8", newline="")
        writer = ResultWriter(fmt, f)
    else:
        raise UsageProblem(f"unknown format {fmt!r}")
    try:
        with client.sql(query, page_size=page_size, schema=schema, include_field_names=True, lazy=True) as cur:
            it = iter(cur)
            names = next(it, None) or []
            writer.start([str(n) for n in names])
            chunk: List[Any] = []
            last = time.monotonic()
            for row in it:
                chunk.append(row)
                if len(chunk) >= page_size:
                    writer.rows(chunk)
                    res.rows += len(chunk)
                    chunk = []
                    now = time.monotonic()
                    if progress is not None and now - last > 0.1:
                        progress(res.rows, total, res.rows)
                        last = now
            writer.rows(chunk)
            res.rows += len(chunk)
            writer.end()
            if progress is not None:
                progress(res.rows, total if total is not None else res.rows, res.rows)
    finally:
        if f is not None and f is not out:
            f.close()
        res.seconds = time.monotonic() - start
    return res


def _is_query(source: str) -> bool:
    head = source.lstrip().split(None, 1)[0].upper() if source.strip() else ""
    return head in ("SELECT", "WITH", "(", "VALUES", "TABLE") or head.startswith("(") or " " in source.strip()
