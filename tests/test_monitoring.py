"""Monitoring: connection and query events, and the ``pyignite`` logger.

Queries run against a real Ignite 2.18.0 node. A lost connection is made with a small TCP relay
between the client and the node that the test cuts -- the relay only moves bytes (a fake peer is
fine where the test is about the transport), the node behind it is real.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import uuid
from typing import Any, Iterator, List, Tuple

import pytest

from pyignite import AioClient, Client, QueryEventListener, RetryNone
from pyignite.exceptions import CacheError, HandshakeError, ParameterError, ReconnectError, SocketError
from pyignite.monitoring import (
    AuthenticationFailedEvent,
    ConnectionClosedEvent,
    ConnectionLostEvent,
    EventDispatcher,
    HandshakeFailedEvent,
    HandshakeStartEvent,
    HandshakeSuccessEvent,
    QueryFailEvent,
    QueryStartEvent,
    QuerySuccessEvent,
    op_name,
)

from .util import free_port, unique_name


class Recorder:
    """A listener with every method: keeps the events in order."""

    def __init__(self) -> None:
        self.events: List[Any] = []

    def _add(self, event: Any) -> None:
        self.events.append(event)

    on_handshake_start = on_handshake_success = on_handshake_fail = on_authentication_fail = _add
    on_connection_closed = on_connection_lost = _add
    on_query_start = on_query_success = on_query_fail = _add

    def of(self, kind: type) -> List[Any]:
        return [e for e in self.events if type(e) is kind]


class Relay:
    """Forwards one TCP connection at a time to ``target``; :meth:`cut` drops it."""

    def __init__(self, target: Tuple[str, int]) -> None:
        self.target = target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.socks: List[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.socks.clear()

    def close(self) -> None:
        self.server.close()
        self.cut()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def mclient(node: Tuple[str, int], recorder: Recorder) -> Iterator[Client]:
    c = Client(event_listeners=[recorder])
    c.connect(*node)
    try:
        yield c
    finally:
        c.close()


# --- connection events ------------------------------------------------------------------------

def test_handshake_events_on_connect_and_closed_event(node: Tuple[str, int], recorder: Recorder) -> None:
    c = Client(event_listeners=[recorder])
    c.connect(*node)
    conn = c.connection
    assert conn is not None
    start, success = recorder.events[:2]
    assert start == HandshakeStartEvent(host=node[0], port=node[1], protocol_version=(1, 7, 0))
    assert success == HandshakeSuccessEvent(
        host=node[0], port=node[1], protocol_version=(1, 7, 0), node_uuid=conn.node_uuid
    )
    assert isinstance(success.node_uuid, uuid.UUID)
    c.close()
    assert recorder.events[-1] == ConnectionClosedEvent(host=node[0], port=node[1], node_uuid=conn.node_uuid)
    assert not recorder.of(ConnectionLostEvent)
    c.close()  # closing again publishes nothing
    assert len(recorder.of(ConnectionClosedEvent)) == 1


def test_handshake_failure_event(recorder: Recorder) -> None:
    port = free_port()
    c = Client(event_listeners=[recorder])
    with pytest.raises(ReconnectError):
        c.connect("127.0.0.1", port)
    assert [type(e) for e in recorder.events] == [HandshakeStartEvent, HandshakeFailedEvent]
    failed = recorder.events[1]
    assert (failed.host, failed.port, failed.protocol_version) == ("127.0.0.1", port, (1, 7, 0))
    assert isinstance(failed.error, SocketError) and str(port) in str(failed.error)


def test_authentication_failure_is_told_apart() -> None:
    """The dispatcher sends a status-2000 refusal to ``on_authentication_fail`` when the listener
    has it, else to ``on_handshake_fail`` (as an :class:`AuthenticationFailedEvent`)."""
    both, only_fail = Recorder(), []

    class OnlyFail:
        def on_handshake_fail(self, event: Any) -> None:
            only_fail.append(event)

    events = EventDispatcher([both, OnlyFail()])
    refusal = HandshakeError((1, 7, 0), "The user name or password is incorrect", 2000)
    events.handshake_fail("h", 1, (1, 7, 0), refusal)
    assert [type(e) for e in both.events] == [AuthenticationFailedEvent]
    assert [type(e) for e in only_fail] == [AuthenticationFailedEvent]
    assert only_fail[0].error is refusal
    events.handshake_fail("h", 1, (1, 7, 0), SocketError("x"))
    assert type(both.events[-1]) is HandshakeFailedEvent


def test_connection_lost_event(node: Tuple[str, int], recorder: Recorder) -> None:
    relay = Relay(node)  # no retry, no discovery: the failure reaches the caller
    c = Client(event_listeners=[recorder], retry_policy=RetryNone(), cluster_discovery=False)
    try:
        c.connect("127.0.0.1", relay.port)
        assert isinstance(c.get_cache_names(), list)
        node_uuid = c.connection.node_uuid  # type: ignore[union-attr]
        relay.cut()
        with pytest.raises(SocketError):
            c.get_cache_names()
        (lost,) = recorder.of(ConnectionLostEvent)
        assert (lost.host, lost.port, lost.node_uuid) == ("127.0.0.1", relay.port, node_uuid)
        assert isinstance(lost.error, SocketError)
        failed = recorder.of(QueryFailEvent)[-1]
        assert failed.op_name == "CACHE_GET_NAMES" and isinstance(failed.error, SocketError)
        assert not recorder.of(ConnectionClosedEvent)
    finally:
        c.close()
        relay.close()
    assert len(recorder.of(ConnectionLostEvent)) == 1  # closing a broken connection: no more events


# --- query events ---------------------------------------------------------------------------------

def test_successful_query_events(mclient: Client, recorder: Recorder, node: Tuple[str, int]) -> None:
    recorder.events.clear()
    names = mclient.get_cache_names()
    assert isinstance(names, list)
    start, success = recorder.events
    conn = mclient.connection
    assert conn is not None
    assert isinstance(start, QueryStartEvent) and isinstance(success, QuerySuccessEvent)
    for event in (start, success):
        assert (event.host, event.port, event.node_uuid) == (node[0], node[1], conn.node_uuid)
        assert (event.op_code, event.op_name) == (1050, "CACHE_GET_NAMES")
    assert start.query_id == success.query_id and start.query_id > 0
    assert 0 < success.duration < 60_000


def test_failing_query_events(mclient: Client, recorder: Recorder) -> None:
    recorder.events.clear()
    missing = mclient.get_cache(unique_name("missing"))
    with pytest.raises(CacheError) as info:
        missing.get(1)
    start, failed = recorder.events
    assert isinstance(start, QueryStartEvent) and isinstance(failed, QueryFailEvent)
    assert failed.query_id == start.query_id
    assert (failed.op_code, failed.op_name) == (1000, "CACHE_GET")
    assert failed.error is info.value and info.value.status == 1000
    assert failed.duration > 0


def test_query_ids_increase_and_pair_up(mclient: Client, recorder: Recorder) -> None:
    recorder.events.clear()
    cache = mclient.create_cache(unique_name("mon"))
    cache.put(1, 1)
    cache.get(1)
    cache.destroy()
    starts = recorder.of(QueryStartEvent)
    ends = recorder.of(QuerySuccessEvent)
    assert [e.op_name for e in starts] == ["CACHE_CREATE_WITH_NAME", "CACHE_PUT", "CACHE_GET", "CACHE_DESTROY"]
    assert [e.query_id for e in starts] == [e.query_id for e in ends]
    assert [e.query_id for e in starts] == sorted({e.query_id for e in starts})


def test_listener_errors_are_logged_not_raised(
    node: Tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(QueryEventListener):
        def on_query_start(self, event: QueryStartEvent) -> None:
            raise RuntimeError("listener bug")

    c = Client(event_listeners=[Broken()])
    c.connect(*node)
    try:
        with caplog.at_level(logging.ERROR, logger="pyignite"):
            assert isinstance(c.get_cache_names(), list)
        assert any("listener bug" in r.getMessage() or (r.exc_info and "listener bug" in str(r.exc_info[1]))
                   for r in caplog.records)
    finally:
        c.close()


@pytest.mark.parametrize("listeners", [[object()], "on_query_start", 5, [QueryEventListener, 3]])
def test_bad_listeners_are_parameter_errors(listeners: Any) -> None:
    with pytest.raises(ParameterError):
        Client(event_listeners=listeners)


def test_events_are_frozen_and_slotted() -> None:
    event = QuerySuccessEvent(host="h", port=1, node_uuid=None, query_id=2, op_code=1000, op_name="CACHE_GET",
                              duration=1.5)
    with pytest.raises(AttributeError):
        event.duration = 2.0  # type: ignore[misc]
    assert not hasattr(event, "__dict__")
    assert "query_id=2" in repr(event) and event == QuerySuccessEvent(**{
        f: getattr(event, f) for f in ("host", "port", "node_uuid", "query_id", "op_code", "op_name", "duration")
    })
    with pytest.raises(TypeError):
        QueryStartEvent(host="h")
    assert op_name(1000) == "CACHE_GET" and op_name(9999) == "OP_9999"


def test_async_query_events(node: Tuple[str, int]) -> None:
    recorder = Recorder()

    async def main() -> None:
        c = AioClient(event_listeners=[recorder])
        await c.connect(*node)
        try:
            recorder.events.clear()
            await c.get_cache_names()
            with pytest.raises(CacheError):
                await c.get_cache(unique_name("missing")).get(1)
        finally:
            await c.close()

    asyncio.run(asyncio.wait_for(main(), 60))
    kinds = [type(e) for e in recorder.events]
    assert kinds == [QueryStartEvent, QuerySuccessEvent, QueryStartEvent, QueryFailEvent, ConnectionClosedEvent]
    assert recorder.events[0].query_id == recorder.events[1].query_id
    assert recorder.events[2].query_id == recorder.events[3].query_id > recorder.events[0].query_id
    assert recorder.events[3].op_name == "CACHE_GET"


def test_async_cancelled_query_gets_its_fail_event(node: Tuple[str, int]) -> None:
    """Every QueryStartEvent is followed by a success or a fail event: a cancelled call too."""
    recorder = Recorder()

    async def main() -> None:
        c = AioClient(event_listeners=[recorder])
        await c.connect(*node)
        try:
            recorder.events.clear()
            call = asyncio.ensure_future(c.get_cache_names())
            await asyncio.sleep(0)  # sent, waiting for its reply
            assert recorder.of(QueryStartEvent), "the request should have been sent"
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            assert isinstance(await c.get_cache_names(), list)
        finally:
            await c.close()

    asyncio.run(asyncio.wait_for(main(), 60))
    kinds = [type(e) for e in recorder.events]
    assert kinds[:2] == [QueryStartEvent, QueryFailEvent], kinds
    assert recorder.events[0].query_id == recorder.events[1].query_id
    assert isinstance(recorder.events[1].error, asyncio.CancelledError)


# --- logging ----------------------------------------------------------------------------------------

def test_log_records(node: Tuple[str, int], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="pyignite"):
        c = Client()
        c.connect(*node)
        try:
            c.get_cache_names()
        finally:
            c.close()
    records = [r for r in caplog.records if r.name == "pyignite"]
    messages = [r.getMessage() for r in records]
    assert any(r.levelno == logging.INFO and r.getMessage().startswith(f"connected to {node[0]}:{node[1]}")
               for r in records)
    assert any("CACHE_GET_NAMES" in m and "ok in" in m for m in messages)
    assert any(r.levelno == logging.INFO and "closed" in r.getMessage() for r in records)


def test_no_per_request_work_without_listeners_or_debug(caplog: pytest.LogCaptureFixture) -> None:
    events = EventDispatcher()
    with caplog.at_level(logging.INFO, logger="pyignite"):
        assert not events.query_monitoring()
    with caplog.at_level(logging.DEBUG, logger="pyignite"):
        assert events.query_monitoring()
    assert EventDispatcher([Recorder()]).query_monitoring()

    class ConnectionsOnly:
        def on_connection_lost(self, event: Any) -> None:
            pass

    with caplog.at_level(logging.INFO, logger="pyignite"):
        assert not EventDispatcher([ConnectionsOnly()]).query_monitoring()
