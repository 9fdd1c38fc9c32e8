"""Shared by the compute, services and cluster group tests: clients of both flavors on ``cluster3``.

``cluster3`` (tests/conftest.py) runs three nodes with thin client compute and the test services of
``server/src/.../ComputeDeployments.java``; its node 2 carries the attribute ``pyignite.role=special``,
allows only 4 active tasks per connection and hosts the ``counter`` service.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import harness
import pytest

from pyignite import AioClient, Client
from pyignite.monitoring import QueryEventListener, QueryStartEvent

TASKS = "org.pyignite.harness."
WORD_COUNT = TASKS + "WordCountTask"
NODE_NAMES = TASKS + "NodeNamesTask"
SLEEP = TASKS + "SleepTask"
FAILING = TASKS + "FailingTask"
ROLE = "pyignite.role"


def sends_stack_traces(cluster: Any) -> bool:
    """Whether the nodes of ``cluster`` send Java stack traces with errors. The harness turns on
    ``ThinClientConfiguration.sendServerExceptionStackTraceToClient``, which Ignite has from 2.13 on;
    an older node sends the exception's message only, so an error carries no Java class."""
    return harness.release_key(cluster.version) >= (2, 13)


class Recorder(QueryEventListener):
    """Every request's start event (operation and node)."""

    def __init__(self) -> None:
        self.events: List[QueryStartEvent] = []

    def on_query_start(self, event: QueryStartEvent) -> None:
        self.events.append(event)

    def ops(self, since: int = 0) -> List[int]:
        return [e.op_code for e in self.events[since:]]


class Flavor:
    """A client of one flavor and how to get a value out of what its methods return."""

    def __init__(self, name: str, runner: Any = None) -> None:
        self.name = name
        self.runner = runner
        self.clients: List[Any] = []

    @property
    def aio(self) -> bool:
        return self.name == "aio"

    def run(self, value: Any) -> Any:
        """The value of a facade call: as is for Client, awaited in the loop thread for AioClient."""
        return self.runner.run(value) if self.aio else value

    def connect(self, nodes: Any, **kwargs: Any) -> Any:
        client = (AioClient if self.aio else Client)(**kwargs)
        if isinstance(nodes, tuple):
            self.run(client.connect(*nodes))
        else:
            self.run(client.connect(nodes))
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            self.run(client.close())
        self.clients.clear()


def flavor_fixture(request: pytest.FixtureRequest) -> Iterator[Flavor]:
    runner = request.getfixturevalue("aio_loop") if request.param == "aio" else None
    flavor = Flavor(request.param, runner)
    try:
        yield flavor
    finally:
        flavor.close()


def node_address(cluster: Any, index: int) -> Tuple[str, int]:
    return ("127.0.0.1", cluster.ports[index])


def names(result: Any) -> List[str]:
    """The list a Java collection result decodes to (``(collection kind, items)``)."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):
        result = result[1]
    return list(result)


def wait_for(check: Callable[[], Any], timeout: float = 10.0, step: float = 0.1) -> Any:
    import time

    end = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > end:
            return value
        time.sleep(step)


def node_ids_by_name(client: Client) -> Dict[str, Any]:
    return {str(n.consistent_id): n.id for n in client.cluster().nodes()}


def pinned_client(cluster: Any, version: Optional[Tuple[int, int, int]] = (1, 6, 0)) -> Client:
    client = Client(protocol_version=version, timeout=10)
    client.connect(*node_address(cluster, 0))
    return client
