"""The ``pyignite`` commands (click): connection options, errors and exit codes, and every command
but the interactive shell (:mod:`pyignite.cli.shell`).

Exit codes: 0 success; 1 a query or server error (also a load stopped by a bad row); 2 a usage
error (bad options, an unknown table or profile); 3 a connection failure (no node answers, TLS or
authentication refused, the connection broke). An error is one line on standard error;
``--debug`` adds the traceback.
"""

from __future__ import annotations

import decimal
import functools
import json
import re
import sys
import time
import traceback
import uuid
from typing import Any, Callable, Dict, List, Optional

import click

from pyignite.cli.config import ConfigError, Settings, resolve
from pyignite.cli.output import FORMATS, ResultWriter, format_value

__all__ = ["cli", "run"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONNECTION = 0, 1, 2, 3


class CliError(Exception):
    """An error to report in one line with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


# --- state shared by the commands of one run -------------------------------------------------------

class State:
    def __init__(self) -> None:
        self.options: Dict[str, Any] = {}
        self.debug = False
        self.ask_password = False
        self._client: Any = None
        self.settings: Optional[Settings] = None

    def resolve(self) -> Settings:
        if self.settings is None:
            opts = dict(self.options)
            profile = opts.pop("profile", None)
            self.settings = resolve(opts, profile)
        return self.settings

    def client(self, listeners: Optional[List[Any]] = None) -> Any:
        """The connected client (connects on first use)."""
        if self._client is not None:
            return self._client
        from pyignite import Client
        from pyignite.exceptions import HandshakeError, ReconnectError

        settings = self.resolve()
        kwargs = dict(settings.client_kwargs)
        if self.ask_password and kwargs.get("username") is None:
            raise CliError("--password needs a user name (--username or PYIGNITE_USERNAME)", EXIT_USAGE)
        if kwargs.get("username") is not None and (self.ask_password or kwargs.get("password") is None):
            # never from an argument (it would show in the process list): the environment, a
            # profile, or asked for on the terminal without echo
            if not sys.stdin.isatty():
                raise CliError("a user name was given but no password: set PYIGNITE_PASSWORD (or run on a "
                               "terminal to be asked)", EXIT_USAGE)
            kwargs["password"] = click.prompt("Password", hide_input=True, err=True)
        if listeners:
            kwargs["event_listeners"] = listeners
        client = Client(**kwargs)
        try:
            client.connect(settings.nodes)
        except HandshakeError as exc:
            raise CliError(f"{settings.describe()}: handshake refused: {exc}", EXIT_CONNECTION) from exc
        except (ReconnectError, OSError) as exc:
            raise CliError(f"cannot connect to {settings.describe()}: {_one_line(exc)}", EXIT_CONNECTION) from exc
        self._client = client
        return client

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception:
                pass
            self._client = None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


# --- connection options: on the group and on every command (the command's win) -------------------

_CONN_OPTIONS = [
    click.option("-h", "--host", "host", multiple=True, metavar="HOST[:PORT]",
                 help="node address (repeatable; env PYIGNITE_HOST, comma-separated)"),
    click.option("--port", type=int, default=None, help="port of hosts given without one (default 10800)"),
    click.option("--ssl/--no-ssl", "ssl", default=None, help="TLS to the nodes"),
    click.option("--ssl-ca-certfile", type=click.Path(dir_okay=False), default=None,
                 help="CA certificates to verify the nodes"),
    click.option("--ssl-certfile", type=click.Path(dir_okay=False), default=None, help="client certificate"),
    click.option("--ssl-keyfile", type=click.Path(dir_okay=False), default=None, help="client private key"),
    click.option("--ssl-cert-reqs", type=click.Choice(["none", "optional", "required"]), default=None,
                 help="how the node's certificate is checked"),
    click.option("-u", "--username", default=None, help="user name (authentication)"),
    click.option("--password", "ask_password", is_flag=True, default=False,
                 help="ask for the password (no echo); or set PYIGNITE_PASSWORD"),
    click.option("--timeout", type=float, default=None, help="seconds for connecting and each request"),
    click.option("--profile", default=None, help="profile of ~/.config/pyignite/config.toml"),
    click.option("--debug", is_flag=True, default=False, help="show tracebacks"),
]
_CONN_NAMES = ["host", "port", "ssl", "ssl_ca_certfile", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs",
               "username", "timeout", "profile"]


def connection_options(f: Callable) -> Callable:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = _state()
        for name in _CONN_NAMES:
            value = kwargs.pop(name, None)
            if value is not None and value != ():
                state.options[name] = value
        if kwargs.pop("debug", False):
            state.debug = True
        if kwargs.pop("ask_password", False):
            state.ask_password = True
        return f(*args, **kwargs)

    for opt in reversed(_CONN_OPTIONS):
        wrapper = opt(wrapper)
    return wrapper


def _state() -> State:
    return click.get_current_context().ensure_object(State)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _format_option(default: str = "table") -> Callable:
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default=default, show_default=True,
                        help="output format")


def _write_result(fmt: str, names: List[str], rows: List[List[Any]]) -> None:
    writer = ResultWriter(fmt, sys.stdout, console=_console())
    writer.start(names)
    writer.rows(rows)
    writer.end()


@click.group(context_settings={"help_option_names": ["--help"], "max_content_width": 110})
@connection_options
@click.version_option(package_name="pyignite", prog_name="pyignite")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Apache Ignite from the command line: SQL shell, caches, bulk load and dump, cluster.

    Connection options go before or after the command; environment variables
    (PYIGNITE_HOST, PYIGNITE_PORT, PYIGNITE_USERNAME, PYIGNITE_PASSWORD, PYIGNITE_SSL,
    PYIGNITE_TIMEOUT, PYIGNITE_PROFILE) and profiles of ~/.config/pyignite/config.toml fill in
    the rest.
    """


# --- sql -----------------------------------------------------------------------------------------

@cli.command()
@connection_options
@click.option("-e", "--execute", multiple=True, metavar="SQL", help="run these statements and exit (repeatable)")
@click.option("-f", "--file", "files", multiple=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="run the statements of this file ('-': standard input) and exit")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--schema", default=None, help="SQL schema (default PUBLIC)")
@click.option("--page-size", type=click.IntRange(1), default=1024, show_default=True)
@click.option("--timing/--no-timing", default=None, help="print each statement's time (default: in the shell)")
@click.option("--continue", "keep_going", is_flag=True, help="scripts: go on after a failed statement")
@click.option("--history-file", type=click.Path(dir_okay=False), default=None,
              help="shell history (default ~/.local/state/pyignite/sql_history)")
def sql(execute: List[str], files: List[str], fmt: str, schema: Optional[str], page_size: int,
        timing: Optional[bool], keep_going: bool, history_file: Optional[str]) -> None:
    """Run SQL: an interactive shell, or the statements of -e and -f."""
    from pyignite.cli.sqlrun import split_statements

    state = _state()
    if not execute and not files and sys.stdin.isatty() and sys.stdout.isatty():
        from pyignite.cli.shell import Shell

        client = state.client()
        Shell(client, state.resolve(), fmt=fmt, schema=schema, page_size=page_size,
              timing=True if timing is None else timing, history_file=history_file).run()
        return
    statements: List[str] = []
    for text in execute:
        statements.extend(split_statements(text))
    for path in files:
        try:
            if path == "-":
                statements.extend(split_statements(sys.stdin.read()))
            else:
                with open(path, encoding="utf-8") as f:
                    statements.extend(split_statements(f.read()))
        except OSError as exc:
            raise CliError(f"{path}: {exc.strerror or exc}", EXIT_USAGE) from None
    if not execute and not files:
        statements = split_statements(sys.stdin.read())
    client = state.client()
    failed = 0
    for stmt in statements:
        try:
            run_statement(client, stmt, fmt, schema, page_size, bool(timing), _console(), sys.stdout)
        except CliError:
            raise
        except KeyboardInterrupt:
            raise CliError("cancelled") from None
        except Exception as exc:
            if not _is_query_error(exc) or not keep_going:
                raise
            failed += 1
            click.echo(f"pyignite: {_describe_error(exc)}", err=True)
    if failed:
        raise CliError(f"{failed} of {len(statements)} statements failed")


def run_statement(client: Any, stmt: str, fmt: str, schema: Optional[str], page_size: int, timing: bool,
                  console: Any, out: Any, pager: Any = None, chunk: Optional[int] = None) -> int:
    """Run one statement and show its rows as they come; Ctrl-C cancels it. Returns the row count."""
    from pyignite.cli.sqlrun import QueryCancelled, RunningQuery

    started = time.monotonic()
    running = RunningQuery(client, stmt, schema=schema, page_size=page_size, chunk=chunk)
    writer = ResultWriter(fmt, out, console=console)
    count = 0
    names: List[str] = []
    updated: Optional[int] = None
    try:
        for kind, payload in running.events():
            if kind == "names":
                names = [str(n) for n in payload]
            elif kind == "rows":
                if names == ["UPDATED"] and count == 0 and len(payload) == 1 and fmt == "table":
                    updated = payload[0][0]
                    count = 1
                    continue
                if pager is not None and count > 0 and not pager(count):
                    running.cancel()
                    break
                if count == 0:
                    writer.start(names)
                count += len(payload)
                writer.rows(payload)
            elif kind == "error":
                raise payload
    except KeyboardInterrupt:
        running.cancel()
        raise QueryCancelled() from None
    if updated is None:
        if count == 0:
            writer.start(names)
            writer.rows([])
        writer.end()
    elapsed = time.monotonic() - started
    if updated is not None:
        console.print(f"{updated} row{'s' if updated != 1 else ''} updated" + (f" ({elapsed:.3f} s)" if timing else ""))
    elif timing and fmt == "table":
        console.print(f"{count} row{'s' if count != 1 else ''} ({elapsed:.3f} s)")
    elif timing:
        click.echo(f"{count} rows ({elapsed:.3f} s)", err=True)
    return count


def _is_query_error(exc: BaseException) -> bool:
    from pyignite.exceptions import CacheError, ParameterError

    return isinstance(exc, (CacheError, ParameterError))


def _describe_error(exc: BaseException) -> str:
    from pyignite.exceptions import SQLError

    text = _one_line(exc)
    if isinstance(exc, SQLError):
        text = re.sub(r"\s*\[SQL query\]\s*\(status \d+\)$", "", text)
        text = re.sub(r"^class org\.apache\.[\w.]+: ", "", text)
    text = re.sub(r"/\* pyignite-cli [0-9a-f]+ \*/ ", "", text)  # the tag that finds a query to cancel
    return text


# --- caches --------------------------------------------------------------------------------------

_MODES = {0: "LOCAL", 1: "REPLICATED", 2: "PARTITIONED"}
_ATOMICITY = {0: "TRANSACTIONAL", 1: "ATOMIC", 2: "TRANSACTIONAL_SNAPSHOT"}


@cli.command()
@connection_options
@_format_option()
def caches(fmt: str) -> None:
    """List the caches: name, size, mode, atomicity, backups."""
    from pyignite.datatypes.prop_codes import PROP_BACKUPS_NUMBER, PROP_CACHE_ATOMICITY_MODE, PROP_CACHE_MODE

    client = _state().client()
    rows = []
    for name in sorted(client.get_cache_names()):
        cache = client.get_cache(name)
        settings = cache.settings
        mode = settings.get(PROP_CACHE_MODE)
        atom = settings.get(PROP_CACHE_ATOMICITY_MODE)
        rows.append([name, cache.get_size(), _MODES.get(int(mode), str(mode)) if mode is not None else None,
                     _ATOMICITY.get(int(atom), str(atom)) if atom is not None else None,
                     _backups(settings.get(PROP_BACKUPS_NUMBER))])
    _write_result(fmt, ["NAME", "SIZE", "MODE", "ATOMICITY", "BACKUPS"], rows)


def _backups(n: Any) -> Any:
    """A replicated cache reports Integer.MAX_VALUE backups: a copy on every node."""
    return "all" if n == 2**31 - 1 else n


def _hint_types() -> Dict[str, Any]:
    from pyignite import datatypes as d

    return {
        "string": d.String, "int": d.IntObject, "long": d.LongObject, "short": d.ShortObject,
        "byte": d.ByteObject, "float": d.FloatObject, "double": d.DoubleObject, "bool": d.BoolObject,
        "char": d.CharObject, "uuid": d.UUIDObject, "decimal": d.DecimalObject, "date": d.DateObject,
        "timestamp": d.TimestampObject, "json": None,
    }


TYPE_NAMES = ("string", "int", "long", "short", "byte", "float", "double", "bool", "char", "uuid", "decimal",
              "date", "timestamp", "json")


def parse_typed(text: str, type_name: str, what: str) -> Any:
    """A command line value as ``type_name`` (``json``: any JSON value, Ignite type inferred)."""
    try:
        if type_name == "string":
            return text
        if type_name in ("int", "long", "short", "byte"):
            return int(text)
        if type_name in ("float", "double"):
            return float(text)
        if type_name == "bool":
            low = text.strip().lower()
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            raise ValueError
        if type_name == "char":
            if len(text) != 1:
                raise ValueError
            return text
        if type_name == "uuid":
            return uuid.UUID(text)
        if type_name == "decimal":
            return decimal.Decimal(text)
        if type_name in ("date", "timestamp"):
            from pyignite.cli.bulk import _to_timestamp

            return _to_timestamp(text)
        if type_name == "json":
            return json.loads(text)
    except (ValueError, ArithmeticError):
        pass
    raise click.BadParameter(f"{text!r} is not a valid {type_name}", param_hint=what)


@cli.group("cache")
@click.argument("name")
@click.pass_context
def cache_group(ctx: click.Context, name: str) -> None:
    """Work with one cache: get, put, scan, size, clear, destroy."""
    ctx.ensure_object(State)
    ctx.meta["pyignite.cache"] = name


def _cache() -> Any:
    ctx = click.get_current_context()
    name = ctx.meta["pyignite.cache"]
    client = _state().client()
    if name not in client.get_cache_names():
        raise CliError(f"no cache {name!r}")
    return client.get_cache(name)


_type_option = functools.partial(click.option, type=click.Choice(TYPE_NAMES), default="string", show_default=True)


@cache_group.command("get")
@connection_options
@click.argument("key")
@_type_option("--key-type", help="type of KEY")
def cache_get(key: str, key_type: str) -> None:
    """Print the value of KEY (exit code 1 when there is none)."""
    hints = _hint_types()
    k = parse_typed(key, key_type, "KEY")
    value = _cache().get(k, key_hint=hints[key_type])
    if value is None:
        raise CliError(f"no value for key {key!r}")
    click.echo(format_value(value))


@cache_group.command("put")
@connection_options
@click.argument("key")
@click.argument("value")
@_type_option("--key-type", help="type of KEY")
@_type_option("--value-type", help="type of VALUE")
def cache_put(key: str, value: str, key_type: str, value_type: str) -> None:
    """Store VALUE under KEY."""
    hints = _hint_types()
    k = parse_typed(key, key_type, "KEY")
    v = parse_typed(value, value_type, "VALUE")
    _cache().put(k, v, key_hint=hints[key_type], value_hint=hints[value_type])


@cache_group.command("scan")
@connection_options
@click.option("--limit", type=click.IntRange(0), default=100, show_default=True, help="0: all entries")
@click.option("--page-size", type=click.IntRange(1), default=1024, show_default=True)
@_format_option()
def cache_scan(limit: int, page_size: int, fmt: str) -> None:
    """Print the cache's entries (key, value)."""
    cache = _cache()
    writer = ResultWriter(fmt, sys.stdout, console=_console())
    writer.start(["KEY", "VALUE"])
    batch: List[Any] = []
    n = 0
    with cache.scan(page_size=min(page_size, limit) if limit else page_size) as cur:
        for k, v in cur:
            batch.append((k, v))
            n += 1
            if len(batch) >= 1000:
                writer.rows(batch)
                batch = []
            if limit and n >= limit:
                break
    writer.rows(batch)
    writer.end()


@cache_group.command("size")
@connection_options
def cache_size() -> None:
    """Print the number of entries."""
    click.echo(str(_cache().get_size()))


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise CliError(f"{question} Refused: not a terminal to ask; add --yes", EXIT_USAGE)
    if not click.confirm(question, default=False, err=True):
        raise CliError("cancelled", EXIT_ERROR)


@cache_group.command("clear")
@connection_options
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation")
def cache_clear(yes: bool) -> None:
    """Remove every entry (asks first unless --yes)."""
    cache = _cache()
    _confirm(f"Remove all {cache.get_size()} entries of cache {cache.name!r}?", yes)
    cache.clear()
    click.echo(f"cleared {cache.name}", err=True)


@cache_group.command("destroy")
@connection_options
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation")
def cache_destroy(yes: bool) -> None:
    """Destroy the cache and its data (asks first unless --yes)."""
    cache = _cache()
    _confirm(f"Destroy cache {cache.name!r} and its {cache.get_size()} entries?", yes)
    cache.destroy()
    click.echo(f"destroyed {cache.name}", err=True)


# --- cluster -------------------------------------------------------------------------------------

@cli.group("cluster")
def cluster_group() -> None:
    """Cluster state, nodes and WAL."""


@cluster_group.command("status")
@connection_options
def cluster_status() -> None:
    """Print the cluster state (ACTIVE, INACTIVE, ACTIVE_READ_ONLY) and the node count."""
    client = _state().client()
    cluster = client.get_cluster()
    state = cluster.get_state()
    nodes = cluster.get_nodes()
    servers = sum(1 for n in nodes if not n.is_client)
    click.echo(f"state: {state.name}")
    click.echo(f"nodes: {servers} server(s), {len(nodes) - servers} client(s)")


@cluster_group.command("activate")
@connection_options
@click.option("--read-only", is_flag=True, help="ACTIVE_READ_ONLY instead of ACTIVE")
def cluster_activate(read_only: bool) -> None:
    """Activate the cluster."""
    from pyignite import ClusterState

    cluster = _state().client().get_cluster()
    cluster.set_state(ClusterState.ACTIVE_READ_ONLY if read_only else ClusterState.ACTIVE)
    click.echo(f"state: {cluster.get_state().name}")


@cluster_group.command("deactivate")
@connection_options
@click.option("--yes", "-y", is_flag=True, help="do not ask for confirmation")
def cluster_deactivate(yes: bool) -> None:
    """Deactivate the cluster (in-memory data is lost; asks first unless --yes)."""
    from pyignite import ClusterState

    _confirm("Deactivate the cluster? Caches without persistence lose their data.", yes)
    cluster = _state().client().get_cluster()
    cluster.set_state(ClusterState.INACTIVE)
    click.echo(f"state: {cluster.get_state().name}")


@cluster_group.command("nodes")
@connection_options
@_format_option()
def cluster_nodes(fmt: str) -> None:
    """List the nodes: id, consistent id, addresses, version, server or client."""
    nodes = _state().client().get_cluster().get_nodes()
    rows = []
    for n in sorted(nodes, key=lambda n: n.order):
        v = n.version
        rows.append([str(n.id), format_value(n.consistent_id), n.order, ", ".join(n.addresses),
                     f"{v.major}.{v.minor}.{v.maintenance}", "client" if n.is_client else "server"])
    _write_result(fmt, ["ID", "CONSISTENT_ID", "ORDER", "ADDRESSES", "VERSION", "KIND"], rows)


@cluster_group.group("wal")
def wal_group() -> None:
    """Write-ahead log of a persistent cache: enable, disable, status."""


def _wal(action: str, cache_name: str) -> None:
    client = _state().client()
    if cache_name not in client.get_cache_names():
        raise CliError(f"no cache {cache_name!r}")
    cluster = client.get_cluster()
    if action == "enable":
        cluster.enable_wal(cache_name)
    elif action == "disable":
        cluster.disable_wal(cache_name)
    click.echo(f"WAL of {cache_name}: {'enabled' if cluster.wal_enabled(cache_name) else 'disabled'}")


@wal_group.command("enable")
@connection_options
@click.argument("cache")
def wal_enable(cache: str) -> None:
    """Enable the WAL of CACHE."""
    _wal("enable", cache)


@wal_group.command("disable")
@connection_options
@click.argument("cache")
def wal_disable(cache: str) -> None:
    """Disable the WAL of CACHE (faster loads; data may be lost on a crash)."""
    _wal("disable", cache)


@wal_group.command("status")
@connection_options
@click.argument("cache")
def wal_status(cache: str) -> None:
    """Whether the WAL of CACHE is enabled."""
    _wal("status", cache)


# --- ping ----------------------------------------------------------------------------------------

@cli.command()
@connection_options
@click.option("-c", "--count", type=click.IntRange(1, 100000), default=20, show_default=True,
              help="round trips to time")
def ping(count: int) -> None:
    """Connect, show the handshake (protocol version, features) and time round trips."""
    from pyignite import ConnectionEventListener

    seen: Dict[str, Any] = {}

    class Listener(ConnectionEventListener):
        def on_handshake_success(self, event: Any) -> None:
            seen["event"] = event

    state = _state()
    t0 = time.perf_counter()
    client = state.client(listeners=[Listener()])
    connect_ms = (time.perf_counter() - t0) * 1000
    ev = seen.get("event")
    where = f"{ev.host}:{ev.port}" if ev is not None else str(client)
    node = f" (node {ev.node_uuid})" if ev is not None and ev.node_uuid else ""
    click.echo(f"connected to {where}{node} in {connect_ms:.1f} ms")
    version = client.protocol_version
    click.echo(f"protocol: {'.'.join(map(str, version)) if version else 'unknown'}")
    click.echo(f"features: {', '.join(_feature_names(client)) or 'none'}")
    times = []
    for _ in range(count):
        t = time.perf_counter()
        client.get_cache_names()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, round(p / 100 * (len(times) - 1)))]

    click.echo(f"{count} round trips (cache names): min {times[0]:.2f} ms, p50 {pct(50):.2f} ms, "
               f"p90 {pct(90):.2f} ms, p99 {pct(99):.2f} ms, max {times[-1]:.2f} ms")


def _feature_names(client: Any) -> List[str]:
    """Names of the feature bits both the node and this client announced (protocol 1.7.0+)."""
    from pyignite.protocol.handshake import Feature  # the bit names; constants only

    conn = client.connection
    server = set(getattr(conn, "features", None) or ())
    mine = getattr(conn, "client_features", None)
    both = server & set(mine) if mine is not None else server
    names = {v: k for k, v in vars(Feature).items() if k.isupper() and isinstance(v, int)}
    return [names.get(b, f"bit {b}") for b in sorted(both)]


# --- load and dump -------------------------------------------------------------------------------

class _Progress:
    """A rich progress bar on standard error: rows, rows/s and ETA (from bytes, or rows when known)."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.enabled = enabled
        self.label = label
        self._progress: Any = None
        self._task: Any = None
        self._start = time.monotonic()

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[rows]:>12,} rows"), TextColumn("{task.fields[rate]:>9,.0f} rows/s"),
                TextColumn("ETA"), TimeRemainingColumn(),
                console=_console(stderr=True), transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=None, rows=0, rate=0.0)
        return self

    def __call__(self, pos: int, total: Optional[int], rows: int) -> None:
        if self._progress is None:
            return
        elapsed = max(time.monotonic() - self._start, 1e-6)
        self._progress.update(self._task, completed=pos, total=total, rows=rows, rate=rows / elapsed)

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "-"


@cli.command()
@connection_options
@click.argument("table")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default=None,
              help="file format (default: from the file name)")
@click.option("--batch", type=click.IntRange(1, 100000), default=1000, show_default=True,
              help="rows per INSERT statement")
@click.option("--on-error", type=click.Choice(["stop", "skip"]), default="stop", show_default=True,
              help="at a bad row: stop, or skip it into the reject file")
@click.option("--reject-file", type=click.Path(dir_okay=False), default=None,
              help="where skipped rows go (default FILE.rejected.csv|jsonl)")
@click.option("--columns", default=None, help="comma-separated columns of the file (default: the CSV header, "
              "or all columns in table order)")
@click.option("--header/--no-header", default=True, show_default=True, help="CSV: the first line names the columns")
@click.option("--delimiter", default=",", show_default=True, help="CSV field delimiter")
@click.option("--null", "null_text", default="", show_default=True, help="CSV: the text that means NULL")
@click.option("--schema", default=None, help="schema of TABLE")
@click.option("--progress/--no-progress", default=None, help="progress bar (default: when stderr is a terminal)")
def load(table: str, file: str, fmt: Optional[str], batch: int, on_error: str, reject_file: Optional[str],
         columns: Optional[str], header: bool, delimiter: str, null_text: str, schema: Optional[str],
         progress: Optional[bool]) -> None:
    """Load a CSV, JSON lines or Parquet FILE into TABLE (streaming, batched INSERTs)."""
    from pyignite.cli import bulk

    fmt = bulk.detect_format(file, fmt)
    if len(delimiter) != 1:
        raise CliError("--delimiter must be one character", EXIT_USAGE)
    client = _state().client()
    target = bulk.resolve_table(client, table, schema)
    cols = [c.strip() for c in columns.split(",")] if columns else None
    shown = [0]

    def report(err: Any) -> None:
        shown[0] += 1
        if shown[0] <= 50:
            click.echo(f"{file}: {err}", err=True)
        elif shown[0] == 51:
            click.echo(f"{file}: more bad rows: see the summary and the reject file", err=True)

    enabled = sys.stderr.isatty() if progress is None else progress
    stopped: Optional[str] = None
    res: Any = None
    with _Progress(f"load {target.name}", enabled) as bar:
        try:
            res = bulk.load(client, target, file, fmt, batch=batch, on_error=on_error, reject_path=reject_file,
                            columns=cols, header=header, delimiter=delimiter, null=null_text, report=report,
                            progress=bar)
        except bulk.LoadError as exc:
            stopped = str(exc)
            res = getattr(exc, "result", None)
    if res is None:
        raise CliError(f"load stopped: {stopped}")
    summary = (f"loaded {res.loaded:,} rows into {target.schema}.{target.name} in {res.seconds:.1f} s "
               f"({_rate(res.loaded, res.seconds)}); rejected {res.rejected:,}")
    if res.rejected and res.reject_path:
        summary += f" (written to {res.reject_path})"
    click.echo(summary, err=True)
    if stopped is not None:
        raise CliError(f"load stopped at {stopped}" if stopped.startswith("line ") else f"load stopped: {stopped}")


@cli.command()
@connection_options
@click.argument("source")
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default=None,
              help="output format (default: from the file name; csv for '-')")
@click.option("--page-size", type=click.IntRange(1), default=1024, show_default=True)
@click.option("--schema", default=None, help="SQL schema of the table or query")
@click.option("--progress/--no-progress", default=None, help="progress bar (default: when stderr is a terminal)")
def dump(source: str, out: str, fmt: Optional[str], page_size: int, schema: Optional[str],
         progress: Optional[bool]) -> None:
    """Write a table or the result of a SELECT to OUT (csv, jsonl or parquet), streaming."""
    from pyignite.cli import bulk

    fmt = fmt or ("csv" if out == "-" else bulk.detect_format(out, None))
    client = _state().client()
    enabled = sys.stderr.isatty() if progress is None else progress
    with _Progress("dump", enabled) as bar:
        res = bulk.dump(client, source, out, fmt, page_size=page_size, schema=schema, progress=bar, out=sys.stdout)
    click.echo(f"dumped {res.rows:,} rows to {out} in {res.seconds:.1f} s ({_rate(res.rows, res.seconds)})", err=True)


# --- running -------------------------------------------------------------------------------------

def run(argv: Optional[List[str]] = None) -> int:
    """Run the command line; the exit code (see the module docstring)."""
    from pyignite.cli.bulk import UsageProblem
    from pyignite.cli.sqlrun import QueryCancelled
    from pyignite.exceptions import HandshakeError, ReconnectError, SocketError

    state = State()
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    code = EXIT_OK
    try:
        cli.main(args=argv, prog_name="pyignite", standalone_mode=False, obj=state)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.UsageError as exc:
        exc.show()
        code = EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.Abort:
        click.echo("pyignite: aborted", err=True)
        code = EXIT_ERROR
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        if isinstance(exc, CliError):
            message, code = str(exc), exc.code
        elif isinstance(exc, (ConfigError, UsageProblem)):
            message, code = str(exc), EXIT_USAGE
        elif isinstance(exc, (ReconnectError, HandshakeError, SocketError, ConnectionError)):
            message, code = f"connection failed: {_one_line(exc)}", EXIT_CONNECTION
        elif isinstance(exc, (KeyboardInterrupt, QueryCancelled)):
            message, code = "cancelled", EXIT_ERROR
        elif isinstance(exc, OSError) and exc.filename is not None:
            message, code = f"{exc.filename}: {exc.strerror or exc}", EXIT_ERROR
        else:
            message, code = _describe_error(exc), EXIT_ERROR
        if debug or state.debug:
            traceback.print_exc()
        click.echo(f"pyignite: error: {message}", err=True)
    finally:
        state.close()
    return code


def main() -> None:  # pragma: no cover - the console script goes through pyignite.cli.main
    sys.exit(run())

