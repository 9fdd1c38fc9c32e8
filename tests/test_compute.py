"""Compute tasks against real nodes (``cluster3``; the tasks are in ``server/src/.../harness``).

Proves: a task runs only on the group it was sent to (the task reports its nodes), results and Java
exceptions come back, a timeout ends the call on the client and the task on the server, giving up
(cancel) closes the task on the server, the server's active task limit is status 1030, 1,000
concurrent AioClient tasks complete, and a 1.6.0 connection gets NotSupportedByClusterError.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import struct
import threading
import time
import uuid
from typing import Any, List

import pytest

from pyignite import AioClient, Client
from pyignite.compute import TIMEOUT_GRACE, Compute
from pyignite.datatypes import LongObject
from pyignite.exceptions import (
    ComputeError,
    ComputeTimeoutError,
    NotSupportedByClusterError,
    ParameterError,
    SocketError,
)
from pyignite.protocol import compute_ops
from pyignite.protocol import op_codes as op
from pyignite.protocol.status import TOO_MANY_COMPUTE_TASKS

from .compute_util import (
    FAILING,
    NODE_NAMES,
    ROLE,
    SLEEP,
    WORD_COUNT,
    Flavor,
    Recorder,
    flavor_fixture,
    names,
    node_address,
    pinned_client,
    sends_stack_traces,
    wait_for,
)
from .util import unique_name

flavor = pytest.fixture(params=["sync", "aio"])(flavor_fixture)


@pytest.fixture
def client(cluster3: Any, flavor: Flavor) -> Any:
    return flavor.connect(node_address(cluster3, 0), timeout=20)


@pytest.fixture(scope="module")
def states(cluster3: Any) -> Any:
    """The cache SleepTask jobs record their state in, read through a sync client."""
    c = Client(timeout=20)
    c.connect(*node_address(cluster3, 0))
    try:
        yield c.get_or_create_cache("pyignite_tasks")
    finally:
        c.close()


def all_names(cluster: Any) -> List[str]:
    return [f"{cluster.name}-{i}" for i in range(3)]


# --- unit: the request encoding ---------------------------------------------------------------------

def test_execute_request_bytes() -> None:
    node = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")
    req = compute_ops.execute_task("T", 5, [node], compute_ops.NO_FAILOVER | compute_ops.NO_RESULT_CACHE, 1500,
                                   arg_hint=LongObject)
    payload = bytes(req.frame[14:])
    assert payload[:4] == struct.pack("<i", 1)
    msb, lsb = struct.unpack_from("<qq", payload, 4)
    assert uuid.UUID(int=((msb & (2**64 - 1)) << 64) | (lsb & (2**64 - 1))) == node
    assert payload[20] == 3 and struct.unpack_from("<q", payload, 21)[0] == 1500
    assert payload[29:35] == b"\x09\x01\x00\x00\x00T" and payload[35] == 4  # String "T", then a Long
    for bad in ({"task_name": ""}, {"task_name": "T", "flags": 8}, {"task_name": "T", "timeout_ms": -1}):
        with pytest.raises(ParameterError):
            compute_ops.execute_task(**bad)  # type: ignore[arg-type]


def test_bad_arguments(client: Any) -> None:
    compute = client.compute()
    for bad in (0, -1, float("inf"), "1", True):
        with pytest.raises(ParameterError):
            compute.execute(WORD_COUNT, "a", timeout=bad)
    with pytest.raises(ParameterError):
        compute.execute("", "a")
    with pytest.raises(ParameterError):
        Compute(client, timeout=-2)


# --- results, groups, errors --------------------------------------------------------------------------

def test_results(client: Any, flavor: Flavor) -> None:
    compute = client.compute()
    assert flavor.run(compute.execute(WORD_COUNT, "the quick brown fox jumps")) == 5
    assert flavor.run(compute.with_no_failover().execute(WORD_COUNT, "a b")) == 2
    # without the result cache the task's reduce() gets no job results: WordCountTask sums nothing
    assert flavor.run(compute.with_no_result_cache().execute(WORD_COUNT, "a b")) == 0
    assert flavor.run(compute.with_timeout(30).execute(WORD_COUNT, "a", timeout=20)) == 1


def test_task_runs_only_on_its_group(cluster3: Any, client: Any, flavor: Flavor) -> None:
    cluster = client.cluster()
    n0, n1, n2 = all_names(cluster3)

    def ran_on(compute: Any, arg: Any = None) -> List[str]:
        return names(flavor.run(compute.execute(NODE_NAMES, arg)))

    everywhere = ran_on(client.compute())
    assert set(all_names(cluster3)) <= set(everywhere)  # default: every server node
    assert ran_on(cluster.for_attribute(ROLE, "special").compute(), ROLE) == [f"{n2}=special"]
    nodes = {str(n.consistent_id): n.id for n in flavor.run(cluster.nodes())}
    assert ran_on(cluster.for_node_ids([nodes[n0], nodes[n1]]).compute()) == [n0, n1]
    assert ran_on(cluster.for_oldest().compute()) == [n0]
    assert ran_on(cluster.for_predicate(lambda n: n.attributes.get(ROLE) != "special").compute()) == sorted(
        name for name in everywhere if name != n2
    )
    with pytest.raises(ComputeError, match="empty"):
        flavor.run(cluster.for_attribute(ROLE, "nobody").compute().execute(NODE_NAMES))


def test_java_exceptions(cluster3: Any, client: Any, flavor: Flavor) -> None:
    with pytest.raises(ComputeError) as err:
        flavor.run(client.compute().execute(FAILING, "xyz"))
    if sends_stack_traces(cluster3):
        assert err.value.java_class == "java.lang.IllegalArgumentException"
        assert err.value.java_message == "bad argument: xyz"
        assert "IllegalArgumentException: bad argument: xyz" in str(err.value)
        assert err.value.server_trace  # the stack trace the server sent
    else:  # a release before 2.13: the job's message only
        assert err.value.java_class is None and err.value.server_trace is None
        assert "bad argument: xyz" in str(err.value) and "FailingTask" in str(err.value)
    with pytest.raises(ComputeError) as err:
        flavor.run(client.compute().execute("org.example.NoSuchTask"))
    assert "org.example.NoSuchTask" in str(err.value)


# --- timeouts and cancellation --------------------------------------------------------------------------

def test_timeout_ends_the_task_on_client_and_server(client: Any, flavor: Flavor, states: Any) -> None:
    marker = unique_name("timeout")
    started = time.monotonic()
    with pytest.raises(ComputeTimeoutError) as err:
        flavor.run(client.compute().execute(SLEEP, f"{marker}:20000", timeout=1.5))  # time for the job to start
    assert isinstance(err.value, TimeoutError) and isinstance(err.value, asyncio.TimeoutError)
    assert time.monotonic() - started < 1.5 + TIMEOUT_GRACE
    assert wait_for(lambda: states.get(marker) == "cancelled"), states.get(marker)
    # the connection goes on serving tasks
    assert flavor.run(client.compute().execute(WORD_COUNT, "a b c")) == 3


def test_client_ends_a_task_the_server_does_not_time_out(
    client: Any, flavor: Flavor, states: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should the cluster not report the timeout, the client stops waiting after the grace period
    and closes the task itself, which cancels it on the cluster."""
    import pyignite.compute as compute_module

    real = compute_ops.execute_task

    def without_server_timeout(*args: Any, **kwargs: Any) -> Any:
        args = (*args[:4], 0, *args[5:])  # timeout_ms: the server gets none
        return real(*args, **kwargs)

    monkeypatch.setattr(compute_module.compute_ops, "execute_task", without_server_timeout)
    monkeypatch.setattr(compute_module, "TIMEOUT_GRACE", 0.3)
    marker = unique_name("clienttimeout")
    started = time.monotonic()
    with pytest.raises(ComputeTimeoutError, match="closed on the cluster"):
        flavor.run(client.compute().execute(SLEEP, f"{marker}:20000", timeout=1.2))
    assert 1.4 < time.monotonic() - started < 6
    assert wait_for(lambda: states.get(marker) == "cancelled"), states.get(marker)


def test_sync_futures(cluster3: Any) -> None:
    """Results delivered by the notification pump (a task that ends after its start reply)."""
    client = Client()  # no timeout: waiting for a notification must not depend on one
    client.connect(*node_address(cluster3, 0))
    try:
        futures = [client.compute().execute_async(NODE_NAMES) for _ in range(40)]
        pumps = [t for t in threading.enumerate() if t.name.startswith("pyignite-compute-")]
        assert len(pumps) <= 1  # one thread reads the connection for all of them
        for fut in futures:
            assert set(all_names(cluster3)) <= set(names(fut.result(20)))
        for i in range(1, 9):
            assert client.compute().execute_async(WORD_COUNT, "w " * i).result(20) == i
        with pytest.raises(ComputeError) as err:
            client.compute().execute_async(FAILING, 1).result(20)
        if sends_stack_traces(cluster3):
            assert err.value.java_class == "java.lang.IllegalArgumentException"
        else:
            assert err.value.java_class is None and "bad argument: 1" in str(err.value)
    finally:
        client.close()


def test_sync_future_cancel_closes_the_task(cluster3: Any, states: Any) -> None:
    client = Client(timeout=20)
    client.connect(*node_address(cluster3, 0))
    try:
        marker = unique_name("cancel")
        fut = client.compute().execute_async(SLEEP, f"{marker}:20000")
        assert isinstance(fut, concurrent.futures.Future)
        assert wait_for(lambda: states.get(marker) == "started")
        assert fut.cancel()
        assert wait_for(lambda: states.get(marker) == "cancelled"), states.get(marker)
        ok = client.compute().execute_async(WORD_COUNT, "x y")
        assert ok.result(10) == 2
    finally:
        client.close()


def test_aio_cancel_closes_the_task(cluster3: Any, aio_loop: Any, states: Any) -> None:
    marker = unique_name("aiocancel")

    async def scenario() -> None:
        client = AioClient(timeout=20)
        await client.connect(*node_address(cluster3, 0))
        try:
            task = asyncio.ensure_future(client.compute().execute(SLEEP, f"{marker}:20000"))
            for _ in range(100):
                if await (await client.get_or_create_cache("pyignite_tasks")).get(marker) == "started":
                    break
                await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await client.compute().execute_async(WORD_COUNT, "p q r") == 3
        finally:
            await client.close()

    aio_loop.run(scenario())
    assert wait_for(lambda: states.get(marker) == "cancelled"), states.get(marker)


def test_connection_loss_fails_waiting_tasks(cluster3: Any) -> None:
    client = Client(timeout=20)
    client.connect(*node_address(cluster3, 0))
    fut = client.compute().execute_async(SLEEP, f"{unique_name('lost')}:20000")
    client.close()
    with pytest.raises(SocketError):
        fut.result(10)


# --- limits and load --------------------------------------------------------------------------------------

def test_active_task_limit_is_a_clear_error(cluster3: Any, states: Any) -> None:
    """Node 2 allows 4 active tasks per connection: the fifth is refused with status 1030."""
    client = Client(timeout=20)
    client.connect(*node_address(cluster3, 2))
    try:
        markers = [unique_name("limit") for _ in range(4)]
        futures = [client.compute().execute_async(SLEEP, f"{m}:20000") for m in markers]
        assert wait_for(lambda: all(states.get(m) == "started" for m in markers))
        with pytest.raises(ComputeError) as err:
            client.compute().execute(WORD_COUNT, "one more")
        assert err.value.status == TOO_MANY_COMPUTE_TASKS
        assert "maxActiveComputeTasksPerConnection" in str(err.value)
        for fut in futures:
            fut.cancel()
        # closing them freed their places
        assert wait_for(lambda: all(states.get(m) == "cancelled" for m in markers))
        assert client.compute().execute(WORD_COUNT, "now it fits") == 3
    finally:
        client.close()


def test_threads_share_a_client(cluster3: Any) -> None:
    client = Client(timeout=20)
    client.connect(*node_address(cluster3, 1))
    try:
        results: List[Any] = []

        def work(i: int) -> None:
            results.append(client.compute().execute(WORD_COUNT, " ".join(["w"] * (i + 1))))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(results) == list(range(1, 17))
    finally:
        client.close()


def test_a_thousand_concurrent_aio_tasks(cluster3: Any, aio_loop: Any) -> None:
    async def scenario() -> List[int]:
        client = AioClient(timeout=60)
        await client.connect(*node_address(cluster3, 0))
        try:
            compute = client.compute()
            return await asyncio.gather(*(
                compute.execute(WORD_COUNT, " ".join(["w"] * (i % 7 + 1))) for i in range(1000)
            ))
        finally:
            await client.close()

    results = aio_loop.run(scenario())
    assert results == [i % 7 + 1 for i in range(1000)]


# --- feature gating ---------------------------------------------------------------------------------------

def test_protocol_1_6_0_gets_not_supported(cluster3: Any) -> None:
    rec = Recorder()
    client = Client(protocol_version=(1, 6, 0), event_listeners=[rec], timeout=10)
    client.connect(*node_address(cluster3, 0))
    try:
        with pytest.raises(NotSupportedByClusterError) as err:
            client.compute().execute(WORD_COUNT, "a")
        assert err.value.capability == "compute" and err.value.server_version == (1, 6, 0)
        with pytest.raises(NotSupportedByClusterError):
            client.compute().execute_async(WORD_COUNT, "a")
        assert op.OP_COMPUTE_TASK_EXECUTE not in rec.ops()  # nothing was sent
    finally:
        client.close()
    old = pinned_client(cluster3)
    try:
        with pytest.raises(NotSupportedByClusterError):
            old.cluster().for_servers().compute().execute(WORD_COUNT, "a")
    finally:
        old.close()
