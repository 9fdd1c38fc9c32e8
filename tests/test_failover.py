"""Failover (specification section 3.4): node iteration, RoundRobin, timeouts, and a 3-node cluster
whose nodes the harness kills (SIGKILL and SIGTERM), freezes (SIGSTOP) and restarts under a client.

The cluster tests share one module-scoped cluster on 10970..10972 (shifted by PYIGNITE_PORT_OFFSET);
each test first brings every node back up. Their cache is REPLICATED with FULL_SYNC writes: a write
is acknowledged only once every node has it, so killing any single node -- even the primary, right
after the acknowledgement -- cannot lose an acknowledged value (with the default PRIMARY_SYNC the
server itself could lose one, which is not what these tests are about).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import harness
import pytest

from pyignite import Client, RetryNone
from pyignite.connection import RoundRobin
from pyignite.connection.roundrobin import NodeSequence
from pyignite.datatypes.cache_config import CacheMode, WriteSynchronizationMode
from pyignite.datatypes.prop_codes import PROP_CACHE_MODE, PROP_NAME, PROP_WRITE_SYNCHRONIZATION_MODE
from pyignite.exceptions import ParameterError, ReconnectError, SocketError

from .util import free_port, unique_name

Node = Tuple[str, int]

# --- RoundRobin and NodeSequence (no server) ------------------------------------------------------

NODES = [("127.0.0.1", 10800), ("127.0.0.1", 10801), ("127.0.0.1", 10802)]


def test_round_robin_cycles_from_the_first_node_after_the_last() -> None:
    rr = RoundRobin(NODES, max_reconnects=7)
    got = list(rr)
    assert got == NODES * 2 + NODES[:2]  # the first connection + 7 reconnections
    assert rr.reconnects == 7
    assert list(rr) == []  # exhausted for good


def test_round_robin_budget_zero_allows_only_the_first_connection() -> None:
    assert list(RoundRobin(NODES, max_reconnects=0)) == NODES[:1]


def test_round_robin_without_limit_keeps_cycling() -> None:
    rr = RoundRobin(iter(NODES))  # any iterable, read once
    got = [next(rr) for _ in range(100)]
    assert got == (NODES * 34)[:100]
    assert rr.reconnects == 99
    assert "unlimited" in repr(rr)


def test_round_robin_continues_where_it_stopped() -> None:
    rr = RoundRobin(NODES, max_reconnects=3)
    assert next(rr) == NODES[0]
    assert next(iter(rr)) == NODES[1]
    assert list(rr) == [NODES[2], NODES[0]]


@pytest.mark.parametrize(
    "nodes, kwargs, message",
    [
        ([], {}, "at least one node"),
        ("127.0.0.1:10800", {}, "iterable of"),
        (None, {}, "iterable of"),
        ([("127.0.0.1", "10800")], {}, "port"),
        ([("127.0.0.1",)], {}, "pair"),
        ([("", 10800)], {}, "host"),
        (NODES, {"max_reconnects": -1}, "max_reconnects"),
        (NODES, {"max_reconnects": 2.5}, "max_reconnects"),
        (NODES, {"max_reconnects": True}, "max_reconnects"),
    ],
)
def test_round_robin_rejects_bad_arguments(nodes: Any, kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        RoundRobin(nodes, **kwargs)


def test_node_sequence_names_every_failed_node_and_chains_the_last() -> None:
    seq = NodeSequence(iter(NODES))
    errors = [SocketError(f"refused {i}") for i in range(3)]
    for node, err in zip(seq.attempts(), errors):
        seq.failed(node, err)
    err = seq.out_of_nodes()
    assert isinstance(err, ReconnectError)
    assert str(err).startswith("Can not connect: out of nodes")
    for (host, port), e in zip(NODES, errors):
        assert f"{host}:{port}: {e}" in str(err)
    assert err.__cause__ is errors[-1]
    assert seq.exhausted
    assert list(seq.attempts()) == []


def test_node_sequence_says_reconnect_after_a_connection() -> None:
    seq = NodeSequence(iter(NODES))
    attempts = seq.attempts()
    seq.connected(next(attempts))
    assert list(attempts) == NODES[1:]
    assert str(seq.out_of_nodes()) == "Can not reconnect: out of nodes"


# --- connect() with dead and silent nodes (no Ignite needed) --------------------------------------

def _dead_nodes(n: int) -> List[Node]:
    return [("127.0.0.1", free_port()) for _ in range(n)]


def test_connect_accepts_a_generator_and_reports_every_dead_node() -> None:
    dead = _dead_nodes(3)
    taken: List[Node] = []

    def policy() -> Iterator[Node]:
        for node in dead:
            taken.append(node)
            yield node

    client = Client()
    with pytest.raises(ReconnectError, match="Can not connect: out of nodes") as err:
        client.connect(policy())
    assert taken == dead
    for _, port in dead:
        assert str(port) in str(err.value)
    assert isinstance(err.value.__cause__, SocketError)
    assert str(client) == "<not connected>"
    with pytest.raises(ReconnectError):  # nothing left: later calls fail the same way, at once
        client.get_cache_names()


def test_round_robin_over_dead_nodes_stops_after_its_budget() -> None:
    rr = RoundRobin(_dead_nodes(2), max_reconnects=5)
    with pytest.raises(ReconnectError):
        Client(timeout=2).connect(rr)
    assert rr.reconnects == 5


def test_connect_rejects_a_malformed_node_from_a_generator() -> None:
    with pytest.raises(ParameterError, match="pair"):
        Client().connect(n for n in ["127.0.0.1:10800"])


class _SilentPeer:
    """A TCP listener that accepts and never answers (a transport-level fake: no Ignite involved)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)  # the kernel completes the TCP handshake; nobody ever reads
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


def test_silent_node_is_skipped_within_the_timeout() -> None:
    peers = [_SilentPeer(), _SilentPeer()]
    try:
        started = time.monotonic()
        with pytest.raises(ReconnectError, match="handshake") as err:
            Client(timeout=0.5).connect([("127.0.0.1", p.port) for p in peers])
        elapsed = time.monotonic() - started
        assert elapsed < 3, f"two silent nodes took {elapsed:.1f} s with timeout=0.5"
        assert all(str(p.port) in str(err.value) for p in peers)
    finally:
        for p in peers:
            p.close()


def test_explicit_reconnect_moves_to_the_next_node(node: Node) -> None:
    # without endpoint discovery: the list is all there is (with it, the cluster's nodes come next)
    client = Client(timeout=5, cluster_discovery=False).connect([node, ("127.0.0.1", free_port()), node])
    first = client.connection
    assert client.reconnect() is client  # skips the dead node in between
    assert client.connection is not first and client.connection is not None
    assert isinstance(client.get_cache_names(), list)
    with pytest.raises(ReconnectError, match="Can not reconnect: out of nodes"):
        client.reconnect()
    assert str(client) == "<not connected>"


def test_client_closed_by_user_does_not_reconnect_on_its_own(node: Node) -> None:
    client = Client(timeout=5).connect([node, node])
    client.close()
    with pytest.raises(ReconnectError, match="not connected"):
        client.get_cache_names()


def _forever(first: Node, then: List[Node]) -> Iterator[Node]:
    """A reconnection policy without end: ``first``, then ``then`` over and over."""
    yield first
    while True:
        yield from then


def test_close_stops_a_reconnection_that_would_never_end(node: Node) -> None:
    # another thread fails over forever (no node answers, no limit) holding the client's lock;
    # close() must not wait for it: the reconnection stops before its next node
    peers = [_SilentPeer(), _SilentPeer()]
    try:
        client = Client(timeout=0.3, cluster_discovery=False, retry_policy=RetryNone()).connect(
            _forever(node, [("127.0.0.1", p.port) for p in peers]))
        client.connection.close()  # the node is gone for the client: the next call fails over
        outcome: List[BaseException] = []

        def call() -> None:
            try:
                client.get_cache_names()
            except BaseException as exc:  # handed to the test thread
                outcome.append(exc)

        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        time.sleep(1.0)  # several silent nodes tried by now
        assert worker.is_alive(), f"the reconnection ended by itself: {outcome}"
        closer = threading.Thread(target=client.close, daemon=True)
        closer.start()
        closer.join(timeout=10)
        assert not closer.is_alive(), "close() waits for a reconnection that never ends"
        worker.join(timeout=10)
        assert not worker.is_alive(), "the reconnection went on after close()"
        assert len(outcome) == 1 and isinstance(outcome[0], ReconnectError), outcome
        assert "closed" in str(outcome[0])
    finally:
        for p in peers:
            p.close()


def test_aio_close_stops_a_reconnection_that_would_never_end(node: Node) -> None:
    from pyignite import AioClient

    peers = [_SilentPeer(), _SilentPeer()]

    async def scenario() -> BaseException:
        client = AioClient(timeout=0.3, cluster_discovery=False, retry_policy=RetryNone())
        await client.connect(_forever(node, [("127.0.0.1", p.port) for p in peers]))
        await client.connection.close()
        call = asyncio.ensure_future(client.get_cache_names())
        await asyncio.sleep(1.0)
        assert not call.done(), "the reconnection ended by itself"
        await asyncio.wait_for(client.close(), 10)
        done, _ = await asyncio.wait([call], timeout=10)
        assert done, "the reconnection went on after close()"
        return call.exception()  # type: ignore[return-value]

    try:
        exc = asyncio.run(scenario())
        assert isinstance(exc, ReconnectError) and "closed" in str(exc), exc
    finally:
        for p in peers:
            p.close()


# --- a real 3-node cluster ------------------------------------------------------------------------

#: seconds after a restarted node answers before another node may be killed (rebalancing)
REBALANCE_GRACE = 3.0


class _Failover:
    def __init__(self, cluster: harness.Cluster) -> None:
        self.cluster = cluster

    @property
    def nodes(self) -> List[Node]:
        return [("127.0.0.1", p) for p in self.cluster.ports]

    def node_at(self, port: int) -> harness.Node:
        return next(n for n in self.cluster.nodes if n.port == port)

    def all_up(self) -> None:
        restarted = False
        for n in self.cluster.nodes:
            n.resume()
            if not n.alive:
                self.cluster.restart_node(n.index)
                restarted = True
        if restarted:
            time.sleep(REBALANCE_GRACE)

    def replicated_cache(self, client: Client) -> Any:
        return client.get_or_create_cache({
            PROP_NAME: unique_name("failover"),
            PROP_CACHE_MODE: CacheMode.REPLICATED,
            PROP_WRITE_SYNCHRONIZATION_MODE: WriteSynchronizationMode.FULL_SYNC,
        })


@pytest.fixture(scope="module")
def failover() -> Iterator[_Failover]:
    cluster = harness.Cluster("failover", base_port=10970, nodes=3)
    cluster.start()
    try:
        yield _Failover(cluster)
    finally:
        cluster.stop()


@pytest.fixture
def cluster(failover: _Failover) -> _Failover:
    failover.all_up()
    return failover


def _port_of(client: Client) -> Optional[int]:
    conn = client.connection
    return conn.port if conn is not None else None


@pytest.mark.cluster
def test_frozen_node_is_bounded_by_timeout(cluster: _Failover) -> None:
    """SIGSTOP the node in use: the call fails after ``timeout``, the next one goes to the next node."""
    # RetryNone: the specification's behaviour, the call in flight raises (by default a read is resent)
    client = Client(timeout=1.5, retry_policy=RetryNone()).connect(cluster.nodes)
    cache = cluster.replicated_cache(client)
    cache.put("k", 1)
    frozen = cluster.node_at(_port_of(client))  # type: ignore[arg-type]
    frozen.pause()
    try:
        started = time.monotonic()
        with pytest.raises(OSError):
            cache.get("k")
        elapsed = time.monotonic() - started
        assert 1.0 <= elapsed < 5, f"a frozen node held the call {elapsed:.1f} s with timeout=1.5"
        # connecting while the first node is still frozen: its handshake times out, the next answers
        started = time.monotonic()
        other = Client(timeout=1.5).connect(cluster.nodes)
        assert _port_of(other) != frozen.port
        assert time.monotonic() - started < 5
        other.close()
    finally:
        frozen.resume()  # within Ignite's 10 s failure detection: the node stays in the cluster
    assert cache.get("k") == 1  # lazily reconnected to another node
    assert _port_of(client) not in (None, frozen.port)
    cache.destroy()
    client.close()


@pytest.mark.cluster
def test_node_killed_with_a_request_in_flight(cluster: _Failover) -> None:
    """A node dies while a request waits for its reply: the call fails at once, not after ``timeout``."""
    # a generator works as well; RetryNone: the call in flight raises, as the specification says
    client = Client(timeout=30, retry_policy=RetryNone()).connect(n for n in cluster.nodes)
    cache = cluster.replicated_cache(client)
    cache.put("k", 7)
    victim = cluster.node_at(_port_of(client))  # type: ignore[arg-type]
    victim.pause()  # the next request is surely in flight, unanswered, when the node dies
    outcome: List[BaseException] = []

    def call() -> None:
        try:
            cache.get("k")
        except BaseException as exc:
            outcome.append(exc)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.5)
    assert t.is_alive(), "the request should be waiting on the frozen node"
    started = time.monotonic()
    victim.kill()
    t.join(10)
    assert not t.is_alive()
    assert time.monotonic() - started < 5
    assert len(outcome) == 1 and isinstance(outcome[0], OSError), outcome
    assert cache.get("k") == 7  # reconnected to the next node the generator yields
    assert _port_of(client) != victim.port
    cache.destroy()
    client.close()


def _chaos(cluster: _Failover, client: Client, progress: Callable[[], int], log: List[str]) -> None:
    """Kill the node the client uses (SIGKILL, SIGTERM, SIGKILL), restarting each after the client
    moved on; finally kill every node."""

    def wait_progress(steps: int, what: str) -> None:
        start = progress()
        deadline = time.monotonic() + 60
        while progress() < start + steps:
            if time.monotonic() > deadline:
                raise AssertionError(f"the loop made no progress {what}")
            time.sleep(0.05)

    for how in ("kill", "stop", "kill"):
        wait_progress(30, "before a kill")
        port = _port_of(client)
        if port is None:
            continue
        node = cluster.node_at(port)
        log.append(f"{how} {port}")
        node.kill() if how == "kill" else node.stop()
        wait_progress(30, f"after the {how} of {port}")
        cluster.cluster.restart_node(node.index)
        log.append(f"restarted {port}")
        time.sleep(REBALANCE_GRACE)
    wait_progress(30, "before the end")
    log.append("kill all")
    for node in cluster.cluster.nodes:
        node.kill()


@pytest.mark.cluster
def test_counter_loop_survives_kills_and_restarts(cluster: _Failover) -> None:
    """The specification's loop under chaos: no acknowledged increment is ever lost."""
    rr = RoundRobin(cluster.nodes, max_reconnects=30)
    client = Client(timeout=4.0, retry_policy=RetryNone())  # the specification's loop sees every error
    client.connect(rr)
    cache = cluster.replicated_cache(client)
    cache.put("test_key", 0)

    acked = 0  # the last value the client saw acknowledged
    seen = 0  # the highest value the client has read or had acknowledged
    reads_after_error: List[Tuple[int, int]] = []  # (acked, value read) at the first read after an error
    errors: List[BaseException] = []
    ports = [_port_of(client)]
    log: List[str] = []
    chaos_error: List[BaseException] = []

    def run_chaos() -> None:
        try:
            _chaos(cluster, client, lambda: acked, log)
        except BaseException as exc:  # pragma: no cover - reported below
            chaos_error.append(exc)
            for node in cluster.cluster.nodes:  # end the loop
                node.kill()

    chaos = threading.Thread(target=run_chaos, daemon=True)
    chaos.start()
    deadline = time.monotonic() + 240
    after_error = False
    final: Optional[ReconnectError] = None
    while time.monotonic() < deadline:
        try:
            value = cache.get("test_key")
            # a put whose reply was lost may still have been applied: never less than what was
            # acknowledged, at most one more than the client has ever seen
            assert acked <= value <= seen + 1, f"read {value} after {acked} was acknowledged ({log})"
            seen = value
            if after_error:
                reads_after_error.append((acked, value))
                ports.append(_port_of(client))
                after_error = False
            cache.put("test_key", value + 1)
            acked = seen = value + 1
        except ReconnectError as exc:
            final = exc
            break
        except OSError as exc:
            errors.append(exc)
            after_error = True
    chaos.join(60)
    assert not chaos_error, chaos_error
    assert final is not None, f"the loop did not end with ReconnectError; log {log}"
    assert "out of nodes" in str(final)
    assert rr.reconnects == rr.max_reconnects
    assert log[-1] == "kill all"
    assert sum(entry.startswith("restarted") for entry in log) == 3, log
    # one failing call per killed node in use (more if a call timed out meanwhile) and a read after each
    assert len(errors) >= 4, (errors, log)
    assert len(reads_after_error) >= 3, (reads_after_error, log)
    assert all(a <= v for a, v in reads_after_error)
    # the client moved through every node and came back to a restarted one (round robin)
    assert len(set(ports)) == 3, (ports, log)
    assert len(ports) > 3, (ports, log)
    assert acked > 100
