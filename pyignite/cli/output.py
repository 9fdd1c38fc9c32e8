"""How values and result sets are shown: a table (rich), CSV, JSON or JSON lines.

Values come from the client as it reads them. Some Ignite types have two shapes, and both are shown
the same way: a TIMESTAMP is a ``datetime`` (possibly with a ``nanosecond`` attribute) or a
``(datetime, nanoseconds)`` tuple as the official client returns it (the datetime to the
millisecond, the int the nanoseconds within that millisecond); a map or a collection is a plain
``dict``/``list`` or a ``(type id, container)`` tuple.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import enum
import json
import uuid
from typing import IO, Any, Iterable, List, Optional, Sequence

__all__ = ["FORMATS", "ResultWriter", "format_value", "to_json"]

FORMATS = ("table", "csv", "json", "jsonl")


def _timestamp_text(dt: datetime.datetime, nanos_of_second: Optional[int]) -> str:
    base = dt.replace(microsecond=0).isoformat(sep=" ")
    if nanos_of_second is None:
        nanos_of_second = dt.microsecond * 1000 + int(getattr(dt, "nanosecond", 0) or 0)
    if nanos_of_second == 0:
        return base
    tz = ""
    if dt.tzinfo is not None:  # isoformat put the offset at the end: keep it after the fraction
        tz = dt.isoformat()[-6:] if dt.utcoffset() is not None else ""
        base = base[: -len(tz)] if tz else base
    frac = f"{nanos_of_second:09d}"
    frac = frac[:6] if frac.endswith("000") else frac
    return f"{base}.{frac}{tz}"


def _unwrap(value: Any) -> Any:
    """The official client's shapes -> one plain value (see the module docstring)."""
    if isinstance(value, tuple) and len(value) == 2:
        first, second = value
        if isinstance(first, datetime.datetime) and isinstance(second, int) and not isinstance(second, bool):
            if 0 <= second < 1_000_000:
                return _Timestamp(first, (first.microsecond // 1000) * 1_000_000 + second)
            return _Timestamp(first, None)
        if isinstance(first, int) and not isinstance(first, bool) and isinstance(second, (dict, list, set, tuple)):
            return second
    return value


class _Timestamp:
    __slots__ = ("dt", "nanos")

    def __init__(self, dt: datetime.datetime, nanos: Optional[int]) -> None:
        self.dt = dt
        self.nanos = nanos

    def __str__(self) -> str:
        return _timestamp_text(self.dt, self.nanos)


def _object_fields(value: Any) -> Optional[dict]:
    """The fields of a Complex object (a class made by :class:`pyignite.GenericObjectMeta`)."""
    from pyignite import GenericObjectMeta

    cls = type(value)
    if isinstance(cls, GenericObjectMeta):
        names = getattr(cls, "_schema", None) or [k for k in getattr(value, "__dict__", {}) if not k.startswith("_")]
        return {name: getattr(value, name, None) for name in names}
    return None


def to_json(value: Any) -> Any:
    """A JSON-serializable form of ``value`` (decimals and binary as strings, to lose nothing)."""
    value = _unwrap(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, _Timestamp):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _timestamp_text(value, None)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "0x" + bytes(value).hex()
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else format_value(k)): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    fields = _object_fields(value)
    if fields is not None:
        return {k: to_json(v) for k, v in fields.items()}
    return str(value)


def format_value(value: Any) -> str:
    """One value as text (table cells, CSV fields); ``None`` is the empty string."""
    value = _unwrap(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal, uuid.UUID, _Timestamp)):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _timestamp_text(value, None)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "0x" + bytes(value).hex()
    if isinstance(value, enum.Enum):
        return value.name
    fields = _object_fields(value)
    if fields is not None:
        inner = ", ".join(f"{k}={format_value(v)}" for k, v in fields.items())
        return f"{type(value).type_name}{{{inner}}}"
    return json.dumps(to_json(value), ensure_ascii=False)


class ResultWriter:
    """Writes result sets in one format. Rows go out as they come: nothing is kept (flat memory).

    ``table`` draws each batch of rows as a rich table (one table per batch when rows keep coming,
    so a long result starts showing at once); the other formats stream.
    """

    def __init__(self, fmt: str, out: IO[str], console: Any = None, null_text: str = "NULL") -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.fmt = fmt
        self.out = out
        self.console = console
        self.null_text = null_text
        self._names: List[str] = []
        self._csv: Any = None
        self._json_first = True

    def start(self, names: Sequence[str]) -> None:
        self._names = [str(n) for n in names]
        self._json_first = True
        if self.fmt == "csv":
            self._csv = csv.writer(self.out, lineterminator="\n")
            self._csv.writerow(self._names)
        elif self.fmt == "json":
            self.out.write("[")

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        if self.fmt == "table":
            self._table(rows)
        elif self.fmt == "csv":
            self._csv.writerows([format_value(v) for v in row] for row in rows)
        else:
            names = self._names
            for row in rows:
                text = json.dumps(dict(zip(names, (to_json(v) for v in row))), ensure_ascii=False)
                if self.fmt == "jsonl":
                    self.out.write(text + "\n")
                else:
                    self.out.write(("\n  " if self._json_first else ",\n  ") + text)
                    self._json_first = False

    def end(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if not self._json_first else "]\n")
        self.out.flush()

    def _table(self, rows: Iterable[Sequence[Any]]) -> None:
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=True, header_style="bold", show_lines=False)
        for name in self._names:
            table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*(Text(self.null_text, style="dim") if _unwrap(v) is None else Text(format_value(v))
                            for v in row))
        self.console.print(table)
