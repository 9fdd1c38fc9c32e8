"""Running SQL statements for the command line: splitting scripts, running a statement in a worker
thread, and cancelling it.

A statement runs in a worker thread while the main thread shows its rows, so that Ctrl-C (a
``KeyboardInterrupt`` in the main thread) can cancel it at any moment -- also while the server is
still computing the first page, before there is a cursor to close. Cancelling closes the cursor and
kills the query on the server with ``KILL QUERY`` (Ignite 2.8+): the running query is found in the
``SYS.SQL_QUERIES`` view by its text, which starts with a comment unique to this run. The client is
thread-safe, so both threads share one connection.
"""

from __future__ import annotations

import queue
import threading
import uuid
from typing import Any, Iterator, List, Optional, Tuple

__all__ = ["RunningQuery", "split_statements", "statement_complete"]

#: rows handed from the worker to the display at a time
CHUNK = 256


def split_statements(text: str) -> List[str]:
    """Split SQL text on ``;`` outside quotes and comments; empty statements are dropped.

    A trailing statement without ``;`` is kept (scripts often end without one).
    """
    out: List[str] = []
    buf: List[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in ("'", '"'):
            j = i + 1
            while j < n:
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:  # doubled quote inside
                        j += 2
                        continue
                    break
                j += 1
            buf.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            buf.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            buf.append(text[i:j])
            i = j
        elif c == ";":
            out.append("".join(buf))
            buf = []
            i += 1
        else:
            buf.append(c)
            i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if _has_code(s)]


def _has_code(stmt: str) -> bool:
    """Whether a statement has anything besides blanks and comments."""
    text = stmt.strip()
    while text:
        if text.startswith("--"):
            nl = text.find("\n")
            text = "" if nl < 0 else text[nl + 1:].strip()
        elif text.startswith("/*"):
            end = text.find("*/")
            text = "" if end < 0 else text[end + 2:].strip()
        else:
            return True
    return False


def statement_complete(text: str) -> bool:
    """Whether the shell's input is ready to run: it ends with ``;`` outside quotes and comments."""
    stripped = text.rstrip()
    if not stripped.endswith(";"):
        return False
    # the final ';' is a separator only if splitting sees an empty tail after it
    probe = stripped + "\nx"
    parts = split_statements(probe)
    return bool(parts) and parts[-1] == "x"


class QueryCancelled(Exception):
    """The statement was cancelled (Ctrl-C)."""


class RunningQuery:
    """One statement running in a worker thread; iterate :meth:`events` in the main thread.

    Events: ``("names", [column names])``, ``("rows", [rows])``... then ``("done", None)`` or
    ``("error", exception)``.
    """

    def __init__(self, client: Any, sql: str, schema: Optional[str] = None, page_size: int = 1024,
                 chunk: Optional[int] = None) -> None:
        self.client = client
        self.sql = sql
        self.tagged = f"/* pyignite-cli {uuid.uuid4().hex} */ {sql}"
        self.schema = schema
        self.page_size = page_size
        self.chunk = chunk or CHUNK
        self.cancelled = threading.Event()
        self.cursor: Any = None
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._work, name="pyignite-cli-query", daemon=True)
        self._thread.start()

    # --- worker thread ---------------------------------------------------------------------------

    def _put(self, item: Tuple[str, Any]) -> bool:
        while True:
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                if self.cancelled.is_set():
                    return False

    def _work(self) -> None:
        try:
            cur = self.cursor = self.client.sql(
                self.tagged, page_size=self.page_size, schema=self.schema, include_field_names=True,
            )
            it = iter(cur)
            names = next(it, None)
            if not self._put(("names", list(names or []))):
                return
            chunk: List[Any] = []
            for row in it:
                if self.cancelled.is_set():
                    return
                chunk.append(row)
                if len(chunk) >= self.chunk:
                    if not self._put(("rows", chunk)):
                        return
                    chunk = []
            if chunk and not self._put(("rows", chunk)):
                return
            self._put(("done", None))
        except BaseException as exc:  # handed to the main thread, which reports it
            self._put(("error", QueryCancelled() if self.cancelled.is_set() else exc))
        finally:
            cur = self.cursor
            if cur is not None:
                try:
                    cur.close()
                except Exception:
                    pass

    # --- main thread -----------------------------------------------------------------------------

    def events(self) -> Iterator[Tuple[str, Any]]:
        """Events as the worker produces them. A ``KeyboardInterrupt`` while waiting propagates
        (the caller then calls :meth:`cancel`)."""
        while True:
            try:
                kind, payload = self._queue.get(timeout=0.1)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    if self.cancelled.is_set():
                        raise QueryCancelled() from None
                    return
                continue
            yield kind, payload
            if kind in ("done", "error"):
                return

    def cancel(self, wait: float = 10.0) -> bool:
        """Stop the statement: the worker stops reading and closes the cursor, and the query is
        killed on the server. Returns whether the worker finished within ``wait`` seconds."""
        self.cancelled.set()
        self.kill()
        self._thread.join(wait)
        return not self._thread.is_alive()

    def kill(self) -> int:
        """``KILL QUERY`` every running query with this statement's text; the number killed."""
        killed = 0
        try:
            with self.client.sql("SELECT QUERY_ID FROM SYS.SQL_QUERIES WHERE SQL = ?", query_args=[self.tagged]) as c:
                ids = [row[0] for row in c]
            for qid in ids:
                try:
                    self.client.sql(f"KILL QUERY '{qid}'").close()
                    killed += 1
                except Exception:
                    pass  # it finished in between
        except Exception:
            pass  # an old cluster without the view or KILL: the worker still stops reading
        return killed
