"""``pyignite sql``: the interactive SQL shell (prompt-toolkit).

Statements may span lines and run when a line ends with ``;``; ``\\`` meta commands run at once.
Completion offers SQL keywords, meta commands, schema, table and column names (read from the
``SYS.TABLES`` and ``SYS.TABLE_COLUMNS`` views at start and after each DDL statement). Each
statement runs in a worker thread (:mod:`pyignite.cli.sqlrun`), so Ctrl-C cancels it -- the cursor
is closed and the query killed on the server -- and the shell goes on. Long results are shown a
page at a time.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings

from pyignite.cli.output import FORMATS, ResultWriter
from pyignite.cli.sqlrun import QueryCancelled, statement_complete

__all__ = ["SQL_KEYWORDS", "Shell", "SqlCompleter"]

SQL_KEYWORDS = sorted(set("""
SELECT FROM WHERE AND OR NOT NULL IS IN EXISTS BETWEEN LIKE ILIKE REGEXP AS ON JOIN INNER LEFT RIGHT OUTER FULL CROSS
NATURAL USING GROUP BY HAVING ORDER ASC DESC NULLS FIRST LAST LIMIT OFFSET FETCH NEXT ROWS ONLY DISTINCT ALL ANY
UNION INTERSECT EXCEPT MINUS CASE WHEN THEN ELSE END CAST INSERT INTO VALUES UPDATE SET DELETE MERGE KEY
CREATE TABLE DROP ALTER ADD COLUMN INDEX IF PRIMARY WITH TEMPLATE BACKUPS ATOMICITY CACHE_NAME AFFINITY_KEY
VALUE_TYPE KEY_TYPE WRAP_KEY WRAP_VALUE LOGGING NOLOGGING INLINE_SIZE PARALLEL SPATIAL SCHEMA EXPLAIN ANALYZE
KILL QUERY SCAN CONTINUOUS TRANSACTION COMPUTE SERVICE COPY FORMAT CSV SHOW USER PASSWORD GRANT REVOKE
COUNT SUM AVG MIN MAX COALESCE IFNULL NULLIF GREATEST LEAST ABS ROUND FLOOR CEILING LOWER UPPER TRIM LENGTH
SUBSTRING CONCAT REPLACE NOW CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATEADD DATEDIFF EXTRACT
INT INTEGER BIGINT SMALLINT TINYINT BOOLEAN DECIMAL DOUBLE REAL FLOAT VARCHAR CHAR DATE TIME TIMESTAMP UUID BINARY
TRUE FALSE DEFAULT SYSTEM_RANGE
""".split()))

META_HELP = [
    ("\\dt [PATTERN]", "list tables (schema, name, cache)"),
    ("\\d [TABLE]", "describe a table's columns (no TABLE: list tables)"),
    ("\\caches", "list caches with sizes, modes and backups"),
    ("\\nodes", "list cluster nodes"),
    ("\\schema [NAME]", "show or set the default SQL schema"),
    ("\\format FORMAT", "output format: table, csv, json, jsonl"),
    ("\\timing [on|off]", "show each statement's time"),
    ("\\pager [on|off]", "show long results a page at a time"),
    ("\\?", "this help"),
    ("\\q", "quit (also Ctrl-D, quit, exit)"),
]
META_COMMANDS = ["\\dt", "\\d", "\\caches", "\\nodes", "\\schema", "\\format", "\\timing", "\\pager", "\\?", "\\q"]

#: seconds after which a completion reads the table and column names again
REFRESH_AFTER = 10.0

_DDL = re.compile(r"^\s*(CREATE|DROP|ALTER)\b", re.I)


class SqlCompleter(Completer):
    """Completes SQL keywords, meta commands and the cluster's schema, table and column names."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.tables: List[str] = []
        self.schemas: List[str] = []
        self.columns: Dict[str, List[str]] = {}
        self.loaded = 0.0
        self.refresh()

    def refresh(self) -> None:
        """Read the names from the SYS views (errors leave the old names)."""
        self.loaded = time.monotonic()
        try:
            tables = list(self.client.sql("SELECT SCHEMA_NAME, TABLE_NAME FROM SYS.TABLES"))
            cols = list(self.client.sql("SELECT TABLE_NAME, COLUMN_NAME FROM SYS.TABLE_COLUMNS"))
        except Exception:
            return
        self.schemas = sorted({r[0] for r in tables})
        self.tables = sorted({r[1] for r in tables})
        columns: Dict[str, List[str]] = {}
        for table, col in cols:
            if col in ("_KEY", "_VAL"):
                continue
            columns.setdefault(table, []).append(col)
        self.columns = columns

    def words(self, text: str) -> Iterable[str]:
        upper = text.upper()
        mentioned = [t for t in self.tables if re.search(rf"\b{re.escape(t)}\b", upper)]
        cols: List[str] = []
        for t in mentioned:
            cols.extend(self.columns.get(t, []))
        seen = set()
        for w in [*cols, *self.tables, *self.schemas, *SQL_KEYWORDS,
                  *sorted({c for cs in self.columns.values() for c in cs})]:
            if w not in seen:
                seen.add(w)
                yield w

    def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
        before = document.text_before_cursor
        if before.lstrip().startswith("\\") and " " not in before.lstrip():
            word = before.lstrip()
            for m in META_COMMANDS:
                if m.startswith(word):
                    yield Completion(m, start_position=-len(word))
            return
        match = re.search(r"[\w$]+$", before)
        word = match.group(0) if match else ""
        if not word:
            return
        if time.monotonic() - self.loaded > REFRESH_AFTER:  # tables made by others since
            self.refresh()
        up = word.upper()
        lower = word.islower()
        for w in self.words(document.text):
            if w.upper().startswith(up) and w.upper() != up:
                yield Completion(w.lower() if lower and w in SQL_KEYWORDS else w, start_position=-len(word))


class Shell:
    def __init__(self, client: Any, settings: Any, fmt: str = "table", schema: Optional[str] = None,
                 page_size: int = 1024, timing: bool = True, history_file: Optional[str] = None,
                 pager: Optional[bool] = None) -> None:
        from rich.console import Console

        self.client = client
        self.settings = settings
        self.fmt = fmt
        self.schema = schema
        self.page_size = page_size
        self.timing = timing
        self.pager = sys.stdout.isatty() if pager is None else pager
        self.console = Console(highlight=False)
        self.completer = SqlCompleter(client)
        self.history_file = history_file
        self.session: Any = None

    def _history(self) -> Any:
        path = self.history_file
        if path is None:
            base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
            path = os.path.join(base, "pyignite", "sql_history")
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            return FileHistory(path)
        except OSError:
            return InMemoryHistory()

    def _bindings(self) -> KeyBindings:
        kb = KeyBindings()

        @kb.add("enter")
        def _(event: Any) -> None:
            buf = event.current_buffer
            text = buf.text
            stripped = text.strip()
            if (not stripped or stripped.startswith("\\") or stripped.lower() in ("quit", "exit", "help")
                    or statement_complete(text)):
                buf.validate_and_handle()
            else:
                buf.insert_text("\n")

        return kb

    def run(self) -> None:
        from pyignite import __version__

        self.session = PromptSession(
            history=self._history(), completer=self.completer, complete_while_typing=False,
            multiline=True, key_bindings=self._bindings(),
            prompt_continuation=lambda width, line, wrap: "...> ".rjust(width),
        )
        version = ".".join(map(str, self.client.protocol_version or ()))
        self.console.print(f"pyignite {__version__} connected to {self.client} (protocol {version}). "
                           "End statements with ';'. \\? for help, \\q to quit.")
        while True:
            try:
                text = self.session.prompt("ignite> ")
            except KeyboardInterrupt:
                continue  # Ctrl-C clears the input
            except EOFError:
                break
            if not self.handle(text):
                break

    def handle(self, text: str) -> bool:
        """Run one input (statements or a meta command); False to quit."""
        from pyignite.cli.sqlrun import split_statements

        stripped = text.strip()
        if not stripped:
            return True
        if stripped.lower() in ("quit", "exit", "\\q"):
            return False
        if stripped.lower() == "help":
            stripped = "\\?"
        if stripped.startswith("\\"):
            try:
                self.meta(stripped)
            except Exception as exc:
                self.error(exc)
            return True
        for stmt in split_statements(text):
            if not self.execute(stmt):
                break
        return True

    def error(self, exc: BaseException) -> None:
        from rich.text import Text

        from pyignite.cli.app import _describe_error

        self.console.print(Text(f"error: {_describe_error(exc)}", style="bold red"))

    def execute(self, stmt: str) -> bool:
        from pyignite.cli.app import run_statement

        try:
            run_statement(self.client, stmt, self.fmt, self.schema, self.page_size, self.timing, self.console,
                          sys.stdout, pager=self._pager if self.pager and self.fmt == "table" else None,
                          chunk=self._page_rows() if self.pager and self.fmt == "table" else None)
        except (KeyboardInterrupt, QueryCancelled):
            self.console.print("query cancelled", style="yellow")
            return False
        except Exception as exc:  # one line, and the shell goes on (the rest of the input is dropped)
            self.error(exc)
            return False
        if _DDL.match(stmt):
            self.completer.refresh()
        return True

    def _page_rows(self) -> int:
        return max(shutil.get_terminal_size((80, 24)).lines - 8, 5)

    def _pager(self, shown: int) -> bool:
        """Asked before each further page: whether to go on."""
        import click

        self.console.print(f"-- {shown} rows so far; Enter or space: next page, q: stop --", style="dim")
        try:
            key = click.getchar()
        except (KeyboardInterrupt, EOFError):
            return False
        return key not in ("q", "Q", "\x03", "\x1b")

    # --- meta commands ---------------------------------------------------------------------------

    def meta(self, text: str) -> None:
        parts = text.split()
        cmd, args = parts[0].lower(), parts[1:]
        if cmd in ("\\?", "\\h", "\\help"):
            from rich.table import Table

            table = Table(show_header=False, box=None)
            for name, what in META_HELP:
                table.add_row(name, what)
            self.console.print(table)
            self.console.print("SQL statements end with ';' and may span lines; Ctrl-C cancels a running query.")
        elif cmd == "\\dt" or (cmd == "\\d" and not args):
            self._tables(args[0] if args else None)
        elif cmd == "\\d":
            self._describe(args[0])
        elif cmd == "\\caches":
            self._run_command(["caches"])
        elif cmd == "\\nodes":
            self._run_command(["cluster", "nodes"])
        elif cmd == "\\schema":
            if args:
                self.schema = args[0]
            self.console.print(f"schema: {self.schema or 'PUBLIC'}")
        elif cmd == "\\format":
            if not args or args[0] not in FORMATS:
                raise ValueError(f"\\format needs one of {', '.join(FORMATS)}")
            self.fmt = args[0]
            self.console.print(f"format: {self.fmt}")
        elif cmd in ("\\timing", "\\pager"):
            attr = cmd[1:]
            value = (not getattr(self, attr)) if not args else args[0].lower() in ("on", "true", "1", "yes")
            setattr(self, attr, value)
            self.console.print(f"{attr}: {'on' if value else 'off'}")
        else:
            raise ValueError(f"unknown command {parts[0]} (\\? lists them)")

    def _show(self, names: List[str], rows: List[List[Any]]) -> None:
        writer = ResultWriter(self.fmt, sys.stdout, console=self.console)
        writer.start(names)
        writer.rows(rows)
        writer.end()

    def _tables(self, pattern: Optional[str]) -> None:
        rows = [r for r in self.client.sql(
            "SELECT SCHEMA_NAME, TABLE_NAME, CACHE_NAME, KEY_TYPE_NAME, VALUE_TYPE_NAME FROM SYS.TABLES "
            "ORDER BY SCHEMA_NAME, TABLE_NAME")]
        if pattern:
            rx = re.compile("^" + re.escape(pattern.upper()).replace("\\*", ".*").replace("%", ".*") + "$")
            rows = [r for r in rows if rx.match(r[1].upper())]
        self._show(["SCHEMA", "TABLE", "CACHE", "KEY_TYPE", "VALUE_TYPE"], rows)

    def _describe(self, name: str) -> None:
        from pyignite.cli.bulk import resolve_table, sql_type

        table = resolve_table(self.client, name, self.schema)
        rows = [[c.name, sql_type(c, sizes=True), "NO" if c.not_null else "YES", "PK" if c.pk else ""]
                for c in table.columns]
        self.console.print(f"{table.schema}.{table.name}")
        self._show(["COLUMN", "TYPE", "NULLABLE", "KEY"], rows)

    def _run_command(self, argv: List[str]) -> None:
        """Run a ``pyignite`` command that lists things, on this shell's connection."""
        from pyignite.cli import app

        state = app.State()
        state._client = self.client  # share the connection
        ctx = app.cli.make_context("pyignite", [*argv, "--format", self.fmt], obj=state)
        with ctx:
            app.cli.invoke(ctx)
