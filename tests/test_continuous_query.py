"""Continuous queries against real nodes: every event once and in order per key (puts, updates,
removes, expiries) with an initial query, a Java remote filter, closing, a killed node, a slow
listener beside ordinary requests, 100 concurrent ``async for`` queries, overflow; and the wire
formats without a server.

The server turns a query's event delivery on in a callback just after its reply went out, so a change
made in that instant is not delivered (rarely: the client makes one more round trip first, see
``pyignite.continuous``). Every test therefore first makes its query *live*: it writes a marker
entry until the marker's event arrives, and only then makes the changes it checks.

The node-killing tests use a one-node cluster of their own (client port 10990, shifted by
PYIGNITE_PORT_OFFSET), started for this module and stopped after it.
"""

from __future__ import annotations

import asyncio
import functools
import struct
import threading
import time
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Tuple

import harness
import pytest

from pyignite import AioClient, Client
from pyignite.continuous import (
    AioContinuousQuery,
    CacheEntryEvent,
    ContinuousQuery,
    EventType,
    ScanQuery,
    SqlFieldsQuery,
    SqlQuery,
)
from pyignite.datatypes.base import NO_CONTEXT
from pyignite.exceptions import (
    CacheError,
    ContinuousQueryOverflowError,
    NotSupportedByClusterError,
    ParameterError,
    SocketError,
)
from pyignite.protocol import continuous_ops, query_ops
from pyignite.protocol.cache_ops import CacheRef
from pyignite.protocol.status import RESOURCE_DOES_NOT_EXIST

from .util import unique_name

Node = Tuple[str, int]
EVEN_KEYS = "org.pyignite.harness.EvenKeysFilter"


def aio_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an ``async def`` test in a fresh event loop (bounded, so a hang fails the test)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 120))

    return run


def wait_for(check: Callable[[], bool], timeout: float = 20.0, what: str = "the events") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Recorder:
    """A listener that records events (and endings) from the dispatcher thread."""

    def __init__(self) -> None:
        self.events: List[CacheEntryEvent] = []
        self.errors: List[BaseException] = []
        self.threads: set = set()

    def __call__(self, event: CacheEntryEvent) -> None:
        self.threads.add(threading.current_thread().name)
        self.events.append(event)

    def on_error(self, error: BaseException) -> None:
        self.errors.append(error)


#: the marker key (even, so EvenKeysFilter passes it too)
MARK = -2


def make_live(cache: Any, events: List[CacheEntryEvent]) -> None:
    """Write the marker until its event shows up in ``events`` (a listener's list); then drop the
    marker's events from it. Changes made afterwards are surely delivered."""
    for attempt in range(100):
        cache.put(MARK, attempt)
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            if any(e.key == MARK for e in events):
                events[:] = [e for e in events if e.key != MARK]
                return
            time.sleep(0.005)
    raise AssertionError("the continuous query never delivered the marker's event")


async def make_live_async(cache: Any, cq: AioContinuousQuery) -> None:
    """:func:`make_live` for a query iterated with ``async for`` (nothing else in it yet)."""
    for attempt in range(100):
        await cache.put(MARK, attempt)
        try:
            event = await asyncio.wait_for(cq.__anext__(), 0.3)
        except asyncio.TimeoutError:
            continue
        assert event.key == MARK
        return
    raise AssertionError("the continuous query never delivered the marker's event")


@pytest.fixture
def sync_client(node: Node) -> Iterator[Client]:
    c = Client()
    c.connect(*node)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def cq_cache(sync_client: Client) -> Iterator[Any]:
    cache = sync_client.create_cache(unique_name("cq"))
    try:
        yield cache
    finally:
        cache.destroy()


# --- every event exactly once, in order per key ----------------------------------------------------

CREATED, UPDATED, REMOVED, EXPIRED = EventType.CREATED, EventType.UPDATED, EventType.REMOVED, EventType.EXPIRED


def _expected_history(n_plain: int, expiring: range) -> Dict[Any, List[Tuple[Any, Any, Any]]]:
    want: Dict[Any, List[Tuple[Any, Any, Any]]] = {}
    for k in range(n_plain):
        want[k] = [(CREATED, f"a{k}", None), (UPDATED, f"b{k}", f"a{k}"), (REMOVED, None, f"b{k}")]
    for k in expiring:
        want[k] = [(CREATED, f"e{k}", None), (EXPIRED, None, f"e{k}")]
    return want


def test_every_event_reaches_the_listener_once_in_order_per_key(sync_client: Client, cq_cache: Any) -> None:
    old = {f"old{i}": i for i in range(50)}
    cq_cache.put_all(old)
    n_plain, expiring = 3000, range(100_000, 101_000)  # 9000 + 2000 events
    rec = Recorder()
    with cq_cache.continuous_query(
        rec, initial_query=ScanQuery(page_size=20), include_expired=True, on_error=rec.on_error,
    ) as cq:
        assert isinstance(cq, ContinuousQuery) and cq.active and cq.resource_id is not None
        assert dict(cq.initial) == old  # the initial query: what was there before
        make_live(cq_cache, rec.events)
        short_lived = cq_cache.with_expire_policy(create=1000)
        for start in range(0, n_plain, 500):
            cq_cache.put_all({k: f"a{k}" for k in range(start, start + 500)})
        short_lived.put_all({k: f"e{k}" for k in expiring})
        for start in range(0, n_plain, 500):
            cq_cache.put_all({k: f"b{k}" for k in range(start, start + 500)})
        for start in range(0, n_plain, 500):
            cq_cache.remove_keys(list(range(start, start + 500)))
        total = 3 * n_plain + 2 * len(expiring)
        wait_for(lambda: len(rec.events) >= total, 60, f"{total} events (got {len(rec.events)})")
        time.sleep(0.3)  # nothing more may come
    got: Dict[Any, List[Tuple[Any, Any, Any]]] = {}
    for ev in rec.events:
        got.setdefault(ev.key, []).append((ev.type, ev.value, ev.old_value))
    assert len(rec.events) == total
    assert got == _expected_history(n_plain, expiring)
    assert rec.threads == {"pyignite-cq-dispatcher"} and rec.errors == [] and cq.error is None


@aio_test
async def test_async_iteration_delivers_every_event_in_order(node: Node) -> None:
    client = AioClient()
    async with client.connect(*node):
        cache = await client.create_cache(unique_name("cq"))
        try:
            await cache.put("before", 1)
            async with cache.continuous_query(initial_query=ScanQuery()) as cq:
                assert isinstance(cq, AioContinuousQuery)
                assert [row async for row in cq.initial] == [("before", 1)]
                await make_live_async(cache, cq)
                for i in range(300):
                    await cache.put(i % 10, i)
                got = []
                async for event in cq:
                    got.append(event)
                    if len(got) == 300:
                        break
            assert cq.closed and cq.error is None
            for k in range(10):
                mine = [e for e in got if e.key == k]
                assert [e.value for e in mine] == list(range(k, 300, 10))
                assert [e.old_value for e in mine] == [None, *range(k, 290, 10)]
                assert [e.type for e in mine] == [CREATED] + [UPDATED] * 29
        finally:
            await cache.destroy()


def test_events_with_binary_types_the_client_has_not_seen(node: Node, cq_cache: Any) -> None:
    from collections import OrderedDict

    from pyignite import GenericObjectMeta
    from pyignite.datatypes import IntObject, String

    type_name = unique_name("CqPerson")
    person = GenericObjectMeta(type_name, (), {}, schema=OrderedDict([("name", String), ("age", IntObject)]))
    rec = Recorder()
    with cq_cache.continuous_query(rec):
        make_live(cq_cache, rec.events)
        other = Client()  # another client writes the objects: this one must fetch the type to decode them
        other.connect(*node)
        try:
            other.get_cache(cq_cache.name).put(1, person(name="Ann", age=33))
        finally:
            other.close()
        wait_for(lambda: len(rec.events) == 1)
    value = rec.events[0].value
    assert (value.name, value.age) == ("Ann", 33) and type(value).__name__ == type_name


def test_sql_initial_queries(sql_node: Node) -> None:
    client = Client()
    client.connect(*sql_node)
    table = unique_name("cq").upper()
    try:
        client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, label VARCHAR) WITH \"CACHE_NAME={table}\"")
        for i in range(6):
            client.sql(f"INSERT INTO {table} (id, label) VALUES (?, ?)", query_args=[i, f"l{i}"])
        cache = client.get_cache(table)
        with cache.continuous_query(lambda e: None, initial_query=SqlFieldsQuery(
            f"SELECT id, label FROM {table} WHERE id > ? ORDER BY id", query_args=[3],
        )) as cq:
            assert list(cq.initial) == [[4, "l4"], [5, "l5"]]
        with cache.continuous_query(lambda e: None, initial_query=SqlQuery("id < ?", query_args=[2])) as cq:
            rows = sorted(cq.initial)
            assert [key for key, _ in rows] == [0, 1]
            assert [value.LABEL for _, value in rows] == ["l0", "l1"]
    finally:
        client.sql(f"DROP TABLE IF EXISTS {table}")
        client.close()


# --- the Java remote filter -----------------------------------------------------------------------

def test_java_remote_filter_drops_what_it_should(cq_cache: Any) -> None:
    rec = Recorder()
    with cq_cache.continuous_query(rec, remote_filter=EVEN_KEYS):
        make_live(cq_cache, rec.events)
        for k in range(40):
            cq_cache.put(k, k)
        cq_cache.put("text", 1)  # not a whole number: dropped
        cq_cache.remove_key(4)
        cq_cache.remove_key(5)
        wait_for(lambda: len(rec.events) >= 21)
        time.sleep(0.3)
    assert [(e.type, e.key) for e in rec.events] == [(CREATED, k) for k in range(0, 40, 2)] + [(REMOVED, 4)]


def test_an_unknown_filter_class_is_refused(cq_cache: Any) -> None:
    with pytest.raises(CacheError):
        cq_cache.continuous_query(lambda e: None, remote_filter="org.pyignite.NoSuchFilter")
    rec = Recorder()
    with cq_cache.continuous_query(rec):  # the connection is fine afterwards
        make_live(cq_cache, rec.events)


def test_an_old_protocol_is_refused_by_the_capability_check(node: Node) -> None:
    client = Client(protocol_version=(1, 3, 0))  # no notification framing before 1.4.0
    client.connect(*node)
    try:
        with pytest.raises(NotSupportedByClusterError, match="continuous queries"):
            client.get_cache("any").continuous_query(lambda e: None)
    finally:
        client.close()


# --- closing --------------------------------------------------------------------------------------

def test_closing_stops_events_and_releases_the_server_query(sync_client: Client, cq_cache: Any) -> None:
    rec = Recorder()
    cq = cq_cache.continuous_query(rec)
    make_live(cq_cache, rec.events)
    cq_cache.put(1, "one")
    wait_for(lambda: len(rec.events) == 1)
    cq.close()
    cq.close()  # idempotent
    assert cq.closed and not cq.active
    for k in range(20):
        cq_cache.put(k, "after")
    time.sleep(0.5)
    assert len(rec.events) == 1
    with pytest.raises(CacheError) as info:  # the server no longer knows the query
        sync_client._execute(query_ops.resource_close(cq.resource_id))
    assert info.value.status == RESOURCE_DOES_NOT_EXIST
    # with no query left, the notification reader and the dispatcher thread end
    wait_for(lambda: sync_client.connection._notifier is None, 5, "the notification reader to end")
    wait_for(lambda: sync_client._cq_dispatcher._thread is None, 5, "the dispatcher thread to end")
    names = {t.name for t in threading.enumerate()}
    assert f"pyignite-notify-{sync_client.connection}" not in names


def test_many_queries_opened_and_closed_do_not_leak(cq_cache: Any) -> None:
    # the server counts queries against the connection's cursor limit (128 by default)
    for _ in range(150):
        with cq_cache.continuous_query(lambda e: None):
            pass


# --- a slow listener does not delay other requests ------------------------------------------------

def test_a_sleeping_listener_does_not_delay_gets(sync_client: Client, cq_cache: Any) -> None:
    seen: List[Any] = []

    marks: List[CacheEntryEvent] = []

    def slow(event: CacheEntryEvent) -> None:
        if event.key == MARK:
            marks.append(event)
            return
        time.sleep(1.0)
        seen.append(event.key)

    with cq_cache.continuous_query(slow):
        make_live(cq_cache, marks)
        for k in range(3):
            cq_cache.put(k, k)
        worst = 0.0
        for i in range(100):
            t = time.monotonic()
            assert cq_cache.get(i % 3) == i % 3
            worst = max(worst, time.monotonic() - t)
        # the listener needs 3 s for its events: the gets did not wait for it
        assert len(seen) < 3 and worst < 0.9, (seen, worst)
        wait_for(lambda: len(seen) >= 3, 10, f"the events (seen {seen})")
        time.sleep(0.2)
    assert seen == [0, 1, 2]


def test_a_listener_may_use_the_client_and_errors_in_it_are_logged(cq_cache: Any, caplog: Any) -> None:
    copies: List[Any] = []

    marks: List[CacheEntryEvent] = []

    def listener(event: CacheEntryEvent) -> None:
        if event.key == MARK:
            marks.append(event)
        elif event.key == "boom":
            raise RuntimeError("listener bug")
        else:
            copies.append(cq_cache.get(event.key))

    with cq_cache.continuous_query(listener):
        make_live(cq_cache, marks)
        cq_cache.put("boom", 0)
        cq_cache.put("x", 42)
        # keys of different partitions: their events may come in either order
        wait_for(lambda: copies == [42] and "listener bug" in caplog.text)


# --- overflow -------------------------------------------------------------------------------------

def test_a_listener_that_falls_behind_ends_with_an_overflow_error(cq_cache: Any) -> None:
    gate = threading.Event()
    rec = Recorder()

    marks: List[CacheEntryEvent] = []

    def blocked(event: CacheEntryEvent) -> None:
        if event.key == MARK:
            marks.append(event)
            return
        gate.wait(10)
        rec(event)

    cq = cq_cache.continuous_query(blocked, buffer_size=10, on_error=rec.on_error)
    make_live(cq_cache, marks)
    for k in range(40):
        cq_cache.put(k, k)
    time.sleep(0.5)
    gate.set()
    wait_for(lambda: rec.errors != [])
    assert isinstance(rec.errors[0], ContinuousQueryOverflowError) and cq.error is rec.errors[0]
    keys = [e.key for e in rec.events]
    assert keys == list(range(len(keys))) and 1 <= len(keys) <= 11  # what arrived before, in order
    cq.close()


@aio_test
async def test_async_consumer_that_falls_behind_gets_an_overflow_error(node: Node) -> None:
    client = AioClient()
    async with client.connect(*node):
        cache = await client.create_cache(unique_name("cq"))
        try:
            cq = await cache.continuous_query(buffer_size=5)
            await make_live_async(cache, cq)
            for k in range(30):
                await cache.put(k, k)
            await asyncio.sleep(0.5)
            got = []
            with pytest.raises(ContinuousQueryOverflowError):
                async for event in cq:
                    got.append(event.key)
            assert got == list(range(5))
            await cq.close()
        finally:
            await cache.destroy()


# --- 100 concurrent async queries -----------------------------------------------------------------

@aio_test
async def test_one_hundred_concurrent_async_queries(node: Node) -> None:
    client = AioClient()
    async with client.connect(*node):
        cache = await client.create_cache(unique_name("cq"))
        try:
            queries = []
            for _ in range(100):
                q = await cache.continuous_query()
                await make_live_async(cache, q)
                queries.append(q)
            assert len({q.resource_id for q in queries}) == 100

            async def consume(q: AioContinuousQuery) -> List[Any]:
                got = []
                async for event in q:
                    if event.key == MARK:  # written while later queries were made live
                        continue
                    got.append((event.key, event.value))
                    if len(got) == 50:
                        break
                return got

            tasks = [asyncio.ensure_future(consume(q)) for q in queries]
            await asyncio.gather(*(cache.put(k, -k) for k in range(50)))
            results = await asyncio.wait_for(asyncio.gather(*tasks), 30)
            for got in results:
                assert sorted(got) == [(k, -k) for k in range(50)]
            await asyncio.gather(*(q.close() for q in queries))
            assert await cache.get(1) == -1  # the client still works
        finally:
            await cache.destroy()


@aio_test
async def test_async_listener_and_coroutine_listener(node: Node) -> None:
    client = AioClient()
    async with client.connect(*node):
        cache = await client.create_cache(unique_name("cq"))
        try:
            plain: List[Any] = []
            awaited: List[Any] = []

            async def coro(event: CacheEntryEvent) -> None:
                await asyncio.sleep(0)
                awaited.append(event.key)

            async with cache.continuous_query(lambda e: plain.append(e.key)), cache.continuous_query(coro):
                for attempt in range(100):  # make both live: the marker shows up in both lists
                    await cache.put(MARK, attempt)
                    await asyncio.sleep(0.1)
                    if MARK in plain and MARK in awaited:
                        break
                await asyncio.sleep(0.1)
                plain[:] = [k for k in plain if k != MARK]
                awaited[:] = [k for k in awaited if k != MARK]
                for k in range(5):
                    await cache.put(k, k)
                for _ in range(200):
                    if len(plain) == 5 and len(awaited) == 5:
                        break
                    await asyncio.sleep(0.05)
            assert plain == awaited == list(range(5))
        finally:
            await cache.destroy()


# --- a killed node ends the query with the disconnect -----------------------------------------------

@pytest.fixture(scope="module")
def doomed() -> Iterator[harness.Cluster]:
    cluster = harness.Cluster("cqkill", base_port=10990)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_killing_the_node_surfaces_the_disconnect(doomed: harness.Cluster) -> None:
    if not doomed.nodes[0].alive:
        doomed.restart_node(0)
    node = ("127.0.0.1", doomed.ports[0])
    client = Client(timeout=5)
    client.connect(*node)
    rec = Recorder()
    ended = threading.Event()

    def on_error(error: BaseException) -> None:
        rec.on_error(error)
        ended.set()

    outcome: Dict[str, Any] = {}

    async def aio_side(started: threading.Event) -> None:
        aio = AioClient()
        async with aio.connect(*node):
            cache = aio.get_cache(name)
            async with cache.continuous_query() as cq:
                await make_live_async(cache, cq)
                started.set()
                got = []
                try:
                    async for event in cq:
                        got.append(event.key)
                        outcome["seen"] = event.key
                except Exception as exc:
                    outcome["error"] = exc
                outcome["events"] = got

    try:
        name = unique_name("cq")
        cache = client.create_cache(name)
        cq = cache.continuous_query(rec, on_error=on_error)
        make_live(cache, rec.events)
        started = threading.Event()
        thread = threading.Thread(target=lambda: asyncio.run(aio_side(started)))
        thread.start()
        assert started.wait(20)
        cache.put(1, "one")
        wait_for(lambda: any(e.key == 1 for e in rec.events))
        wait_for(lambda: outcome.get("seen") == 1)
        doomed.nodes[0].kill()
        assert ended.wait(20), "the listener's on_error was not called"
        thread.join(20)
        assert not thread.is_alive()
        assert isinstance(rec.errors[0], SocketError) and cq.error is rec.errors[0] and not cq.active
        assert [e.key for e in rec.events if e.key != MARK] == [1]  # the aio side made its query live
        assert isinstance(outcome.get("error"), SocketError) and outcome["events"] == [1]
        cq.close()  # fine after the loss
    finally:
        client.close()


# --- arguments and wire formats (no server) ---------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"page_size": 0}, "page_size"),
    ({"time_interval": -1}, "time_interval"),
    ({"include_expired": 1}, "include_expired"),
    ({"buffer_size": 0}, "buffer_size"),
    ({"initial_query": "SELECT 1"}, "initial_query"),
    ({"remote_filter": 42}, "remote_filter"),
    ({"remote_filter": " "}, "remote_filter"),
    ({"on_error": 5}, "on_error"),
])
def test_bad_arguments_are_refused_before_anything_is_sent(kwargs: Dict[str, Any], message: str) -> None:
    client = Client()  # not connected: nothing may be sent
    cache = client.get_cache("x")
    with pytest.raises(ParameterError, match=message):
        cache.continuous_query(lambda e: None, **kwargs)
    with pytest.raises(ParameterError, match="listener"):
        cache.continuous_query()  # the blocking client needs a listener
    with pytest.raises(ParameterError, match="listener"):
        cache.continuous_query("not callable")


def test_request_layout() -> None:
    req = continuous_ops.continuous_query(CacheRef("c"), page_size=7, time_interval=250, include_expired=True)
    payload = bytes(req.frame[14:])
    cache_id = CacheRef("c").cache_id
    assert payload == struct.pack("<ib", cache_id, 1) + struct.pack("<iq?", 7, 250, True) + b"\x65"


def test_event_notification_parsing() -> None:
    def s(text: str) -> bytes:
        data = text.encode()
        return b"\x09" + struct.pack("<i", len(data)) + data

    null = b"\x65"
    payload = struct.pack("<i", 3)
    payload += s("k") + null + s("v1") + b"\x00"
    payload += s("k") + s("v1") + s("v2") + b"\x01"
    payload += s("k") + s("v2") + null + b"\x02"
    assert continuous_ops.event_count(payload, 0) == 3
    assert continuous_ops.parse_events(payload, 0, NO_CONTEXT) == [
        CacheEntryEvent(CREATED, "k", "v1", None),
        CacheEntryEvent(UPDATED, "k", "v2", "v1"),
        CacheEntryEvent(REMOVED, "k", None, "v2"),
    ]
    from pyignite.exceptions import ParseError

    with pytest.raises(ParseError):
        continuous_ops.parse_events(struct.pack("<i", 1) + s("k") + null + null + b"\x09", 0, NO_CONTEXT)
    with pytest.raises(ParseError):
        continuous_ops.parse_events(struct.pack("<i", 2) + s("k"), 0, NO_CONTEXT)
