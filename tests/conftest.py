"""Test options (from the pyignite specification) and fixtures that run real Ignite nodes.

Nodes are started lazily, once per session, by the harness in ``server/harness.py``:

=================  =====================  ====================================================
fixture            client port(s)         what
=================  =====================  ====================================================
``node``           10900                  Ignite 2.18.0, ignite-core (key-value, protocol)
``sql_node``       10910                  a node with SQL (ignite-indexing)
``cluster3``       10920..10922 (+10923)  three nodes, SQL, thin client compute (1024 tasks per
                                          connection; node 2: 4 tasks and the attribute
                                          pyignite.role=special), the test services
``ssl_node``       10930                  TLS on the client connector
``ssl_auth_node``  10950                  TLS, client certificate required
``auth_node``      10940                  authentication (persistence, user ignite/ignite), SQL
``auth_tls_node``  10960                  authentication and TLS (user ignite/ignite)
(test_failover)    10970..10972           three nodes the failover tests kill and restart
persistent_node    10980                  persistence (cluster state and WAL tests)
(cq tests)         10990                  one node test_continuous_query.py kills; one node with a
                                          1 GiB data region for test_streamer's 1,000,000 entries
                                          (``-m slow``); each test starts and stops its own
``examples``       10800..10802           three nodes with SQL for the examples, which connect to
                                          127.0.0.1:10800 as the specification's examples do
=================  =====================  ====================================================

Clusters must start at least 10 ports apart: a node's IP finder lists the ten discovery ports from
its cluster's base, so closer clusters would join each other.

``PYIGNITE_PORT_OFFSET`` shifts all ports. With ``--ignite-host``/``--ignite-port`` the tests use those
external nodes instead (every combination of the given hosts and ports), for ``node`` and ``sql_node``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

import harness  # noqa: E402

from pyignite import Client  # noqa: E402

from .util import unique_name  # noqa: E402

#: SQLAlchemy's compliance suite runs under its own plugin and configuration, in a pytest of its own
#: (started by tests/test_sqlalchemy.py::test_compliance_suite)
collect_ignore = ["sqlalchemy_suite"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pyignite")
    group.addoption("--ignite-host", action="append", default=[], help="external node host (repeatable)")
    group.addoption("--ignite-port", action="append", default=[], type=int, help="external node port (repeatable)")
    group.addoption("--use-ssl", action="store_true", default=False, help="use TLS to the external nodes")
    group.addoption("--ssl-keyfile", default=None, help="client private key file")
    group.addoption("--ssl-certfile", default=None, help="client certificate file")
    group.addoption("--ssl-ca-certfile", default=None, help="trusted CA certificate(s)")
    group.addoption("--ssl-cert-reqs", default=None, choices=["NONE", "OPTIONAL", "REQUIRED"],
                    help="how the server certificate is treated (default NONE)")
    group.addoption("--ssl-ciphers", default=None, help="cipher list")
    group.addoption("--ssl-version", default=None, choices=["TLSV1_1", "TLSV1_2", "TLSV1_3"],
                    help="pin a TLS version (default: TLS 1.2 or newer)")
    group.addoption("--timeout", dest="ignite_timeout", default=None, type=float,
                    help="seconds for each socket operation, including connect")
    group.addoption("--username", default=None, help="user name for an authenticating cluster")
    group.addoption("--password", default=None, help="password for an authenticating cluster")
    group.addoption("--examples", action="store_true", default=False, help="also run the examples")
    group.addoption("--event-loop", dest="event_loop", default="asyncio", choices=["asyncio", "uvloop"],
                    help="the event loop of the asyncio tests: the standard library's or uvloop's")


#: No test may run longer than this (seconds); a hang fails the test instead of the whole run.
TEST_TIME_LIMIT = 300


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"test exceeded {limit} s")

    marker = item.get_closest_marker("time_limit")
    limit = int(marker.args[0]) if marker is not None else TEST_TIME_LIMIT
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    if config.getoption("--examples"):
        return
    skip = pytest.mark.skip(reason="examples run only with --examples")
    for item in items:
        if "examples" in item.keywords:
            item.add_marker(skip)


def _external(config: pytest.Config) -> List[Tuple[str, int]]:
    hosts = config.getoption("--ignite-host")
    ports = config.getoption("--ignite-port")
    if not hosts and not ports:
        return []
    return list(itertools.product(hosts or ["127.0.0.1"], ports or [10800]))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "node_address" in metafunc.fixturenames:
        ext = _external(metafunc.config)
        if ext:
            metafunc.parametrize("node_address", ext, ids=[f"{h}:{p}" for h, p in ext], scope="session")
    if "client_flavor" in metafunc.fixturenames and _runs_both_clients(metafunc):
        metafunc.parametrize("client_flavor", CLIENT_FLAVORS, indirect=True)


# --- clusters -------------------------------------------------------------------------------------

class _Clusters:
    def __init__(self) -> None:
        self.started: Dict[str, harness.Cluster] = {}

    def get(self, name: str, **kwargs: Any) -> harness.Cluster:
        cluster = self.started.get(name)
        if cluster is None:
            cluster = harness.Cluster(name, **kwargs)
            cluster.start()
            self.started[name] = cluster
        return cluster

    def stop_all(self) -> None:
        for cluster in self.started.values():
            cluster.stop()
        self.started.clear()


@pytest.fixture(scope="session")
def clusters() -> Iterator[_Clusters]:
    c = _Clusters()
    try:
        yield c
    finally:
        c.stop_all()


@pytest.fixture(scope="session")
def node_address(clusters: _Clusters) -> Tuple[str, int]:
    """(host, port) of the default node (parametrized over external nodes when given)."""
    cluster = clusters.get("main", base_port=10900)
    return ("127.0.0.1", cluster.ports[0])


@pytest.fixture(scope="session")
def node(node_address: Tuple[str, int]) -> Tuple[str, int]:
    return node_address


@pytest.fixture(scope="session")
def sql_node(request: pytest.FixtureRequest, clusters: _Clusters) -> Tuple[str, int]:
    ext = _external(request.config)
    if ext:
        return ext[0]
    cluster = clusters.get("sql", base_port=10910, sql=True)
    return ("127.0.0.1", cluster.ports[0])


@pytest.fixture(scope="session")
def cluster3(clusters: _Clusters) -> harness.Cluster:
    return clusters.get(
        "cluster3", base_port=10920, nodes=3, sql=True, compute=1024, services=True,
        node_args={2: ["--attribute", "pyignite.role=special", "--compute", "4"]},
    )


@pytest.fixture(scope="session")
def certs() -> Dict[str, str]:
    return harness.make_certificates()


@pytest.fixture(scope="session")
def ssl_node(clusters: _Clusters, certs: Dict[str, str]) -> Tuple[str, int]:
    cluster = clusters.get("ssl", base_port=10930, ssl=True)
    return ("127.0.0.1", cluster.ports[0])


@pytest.fixture(scope="session")
def ssl_auth_node(clusters: _Clusters, certs: Dict[str, str]) -> Tuple[str, int]:
    cluster = clusters.get("sslauth", base_port=10950, ssl_client_auth=True)
    return ("127.0.0.1", cluster.ports[0])


@pytest.fixture(scope="session")
def auth_node(clusters: _Clusters) -> Tuple[str, int]:
    """Authentication without TLS; with SQL, so tests can ``CREATE USER``."""
    cluster = clusters.get("auth", base_port=10940, auth=True, sql=True)
    return ("127.0.0.1", cluster.ports[0])


@pytest.fixture(scope="session")
def auth_tls_node(clusters: _Clusters, certs: Dict[str, str]) -> Tuple[str, int]:
    """Authentication over TLS (no client certificate needed)."""
    cluster = clusters.get("authtls", base_port=10960, auth=True, ssl=True)
    return ("127.0.0.1", cluster.ports[0])


@pytest.fixture(scope="session")
def persistent_node(clusters: _Clusters) -> Tuple[str, int]:
    """A node with persistence, activated at start (cluster state and WAL tests: the WAL can only be
    switched on caches of a persistent data region)."""
    cluster = clusters.get("persistent", base_port=10980, persistence=True)
    return ("127.0.0.1", cluster.ports[0])


# --- clients --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def client_kwargs(request: pytest.FixtureRequest) -> Dict[str, Any]:
    """Client arguments from the command line options (TLS, timeout, credentials)."""
    cfg = request.config
    kwargs: Dict[str, Any] = {}
    if cfg.getoption("ignite_timeout") is not None:
        kwargs["timeout"] = cfg.getoption("ignite_timeout")
    if cfg.getoption("--username") is not None:
        kwargs["username"] = cfg.getoption("--username")
        kwargs["password"] = cfg.getoption("--password")
    if cfg.getoption("--use-ssl"):
        kwargs["use_ssl"] = True
        for opt in ("ssl_keyfile", "ssl_certfile", "ssl_ca_certfile", "ssl_ciphers", "ssl_version"):
            value = cfg.getoption(opt)
            if value is not None:
                kwargs[opt] = value
        reqs = cfg.getoption("ssl_cert_reqs")
        if reqs is not None:
            kwargs["ssl_cert_reqs"] = getattr(ssl, f"CERT_{reqs}")
    elif "username" in kwargs:
        kwargs["use_ssl"] = False
    return kwargs


@pytest.fixture
def client(node: Tuple[str, int], client_kwargs: Dict[str, Any], client_flavor: str,
           request: pytest.FixtureRequest) -> Iterator[Client]:
    """A client connected to ``node``: the blocking Client, or in modules that run both clients
    (see ``BOTH_CLIENTS_MODULES``) also the AioClient behind a blocking proxy."""
    with connected_client(client_flavor, node, client_kwargs, request) as c:
        yield c


@pytest.fixture
def sql_client(sql_node: Tuple[str, int], client_kwargs: Dict[str, Any], client_flavor: str,
               request: pytest.FixtureRequest) -> Iterator[Client]:
    """A client connected to ``sql_node`` (both flavors, like ``client``)."""
    with connected_client(client_flavor, sql_node, client_kwargs, request) as c:
        yield c


# --- the sync test modules run against the AioClient too: one method body, two runners -----------

#: Test modules (file name patterns) whose tests using the ``client``, ``sql_client`` or ``cache``
#: fixtures run twice: ``[sync]`` with the blocking Client and ``[aio]`` with the AioClient behind a
#: blocking proxy (tests/aio_proxy.py: an event loop in a helper thread runs each call; cursors become
#: iterators). A module can also opt in with ``pytestmark = pytest.mark.both_clients``.
BOTH_CLIENTS_MODULES = (
    "test_cache_api.py", "test_sql.py", "test_scan.py", "test_binary*.py", "test_cache_config.py", "test_expiry.py",
    "test_datatypes_integration.py", "test_cluster.py", "test_interop.py",
)
CLIENT_FLAVORS = ["sync", "aio"]


def _runs_both_clients(metafunc: pytest.Metafunc) -> bool:
    import fnmatch

    name = Path(str(metafunc.definition.fspath)).name
    return (
        any(fnmatch.fnmatch(name, pattern) for pattern in BOTH_CLIENTS_MODULES)
        or metafunc.definition.get_closest_marker("both_clients") is not None
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("event_loop") == "uvloop":
        # every loop the tests make (asyncio.run, new_event_loop) is then a uvloop loop
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    config.addinivalue_line(
        "markers", "both_clients: run the module's client/cache tests with the Client and the AioClient"
    )


@pytest.fixture
def client_flavor(request: pytest.FixtureRequest) -> str:
    """``"sync"`` (default) or ``"aio"`` in modules that run both clients."""
    return getattr(request, "param", "sync")


@pytest.fixture(scope="session")
def aio_loop() -> Iterator[Any]:
    """An event loop in a helper thread, shared by the session's proxied AioClients."""
    from .aio_proxy import LoopThread

    loop = LoopThread()
    try:
        yield loop
    finally:
        loop.close()


@contextlib.contextmanager
def connected_client(flavor: str, node: Tuple[str, int], kwargs: Dict[str, Any],
                     request: pytest.FixtureRequest) -> Iterator[Any]:
    """A connected Client (``"sync"``) or proxied AioClient (``"aio"``), closed on exit."""
    if flavor == "sync":
        c = Client(**kwargs)
        c.connect(*node)
        try:
            yield c
        finally:
            c.close()
        return
    from pyignite import AioClient

    from .aio_proxy import wrap

    runner = request.getfixturevalue("aio_loop")
    aio = AioClient(**kwargs)
    runner.run(aio.connect(*node))
    try:
        yield wrap(aio, runner)
    finally:
        runner.run(aio.close())


@pytest.fixture
def cache(client: Client) -> Iterator[Any]:
    """A fresh cache on the default node, destroyed after the test."""
    c = client.create_cache(unique_name("cache"))
    try:
        yield c
    finally:
        try:
            c.destroy()
        except Exception:
            pass


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    ext = _external(config)
    loop = f"; event loop {config.getoption('event_loop')}"
    if ext:
        return f"pyignite: external nodes {ext}{loop}"
    return (f"pyignite: nodes started by server/harness.py (Ignite {harness.IGNITE_VERSION}; "
            f"SQL nodes {harness.SQL_VERSION}; port offset {harness.PORT_OFFSET}){loop}")
