"""The background half of heartbeats and endpoint discovery: one daemon thread per :class:`Client`,
one task per :class:`AioClient`.

The decisions (intervals, which connection is idle, when to ask for endpoints) are
:class:`pyignite.protocol.keepalive.KeepAlive`; this module only waits, sends heartbeats and calls
the client back:

* ``client._keepalive_connections()`` -- nothing; the keeper holds the connections the client
  attached (``client._keep(conn)`` after each connection is made);
* ``client._keepalive_lost(conn)`` -- a heartbeat found ``conn`` dead (the keeper already broke
  it): fail over now (the default connection reconnects, a partition-aware pool marks the node);
* ``client._discover()`` -- fetch the cluster's node endpoints again (membership changed).

The thread holds only a weak reference to its client: a client dropped without ``close()`` is
collected, and its thread ends at its next wake-up.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from typing import Any, Optional

from pyignite.exceptions import ReconnectError, SocketError
from pyignite.protocol.keepalive import KeepAlive, heartbeat_request
from pyignite.protocol.request import read_response

__all__ = ["DISCOVERY_CHECK", "KeepAliveThread", "keepalive_task"]

#: seconds between two looks at the default connection's topology version (endpoint refresh)
DISCOVERY_CHECK = 2.0


def _heartbeat_timeout(client: Any, interval: Optional[float]) -> float:
    """How long a heartbeat may wait for its answer: the client's ``timeout``, or the interval."""
    timeout = client._settings.timeout
    return float(timeout if timeout is not None else (interval or 1.0))


def _next_wait(keeper: KeepAlive, wake: float, now: float) -> float:
    wait = wake - now
    if keeper.discovery:
        wait = min(wait, DISCOVERY_CHECK)
    return max(0.0, min(wait, 3600.0))


class KeepAliveThread(threading.Thread):
    """Heartbeats and endpoint refreshes for one blocking :class:`~pyignite.client.Client`."""

    def __init__(self, client: Any, keeper: KeepAlive) -> None:
        super().__init__(name=f"pyignite-keepalive-{id(client):x}", daemon=True)
        self._client = weakref.ref(client)
        self.keeper = keeper
        self._stop_event = threading.Event()

    def stop(self) -> None:
        """Ask the thread to end (it does at once; ``close()`` does not wait for a heartbeat)."""
        self._stop_event.set()

    def run(self) -> None:
        keeper = self.keeper
        wait = 0.0
        while not self._stop_event.wait(wait):
            client = self._client()
            if client is None:
                return
            now = time.monotonic()
            idle, _ = keeper.due(now)
            for conn in idle:
                if self._stop_event.is_set():
                    return
                if not self._ping(conn, _heartbeat_timeout(client, keeper.interval(conn))):
                    try:
                        client._keepalive_lost(conn)
                    except Exception:  # the next call reports it to its caller
                        pass
            if keeper.discovery_due(client._conn):
                try:
                    client._discover()
                except Exception:  # endpoints stay as they were; tried again later
                    pass
            now = time.monotonic()
            wait = _next_wait(keeper, keeper.next_wake(), now)
            del client

    def _ping(self, conn: Any, timeout: float) -> bool:
        """Send a heartbeat; False if it showed the connection dead (and the connection is broken)."""
        req = heartbeat_request()
        try:
            header, frame = conn.request_within(req.frame, timeout)
            read_response(req, frame, header, conn.flags_header)
        except SocketError:
            return conn.alive  # a timeout with other replies arriving: the node lives
        except Exception:  # an error status: the node answered, so it lives
            return True
        self.keeper.answered(conn)
        return True


async def keepalive_task(client_ref: Any, keeper: KeepAlive) -> None:
    """Heartbeats and endpoint refreshes for one :class:`~pyignite.aio_client.AioClient` (its
    ``_connect`` starts this task, ``close()`` cancels it)."""
    wait = 0.0
    while True:
        await asyncio.sleep(wait)
        client = client_ref()
        if client is None:
            return
        now = time.monotonic()
        idle, _ = keeper.due(now)
        if idle:
            results = await asyncio.gather(
                *(_aio_ping(keeper, conn, _heartbeat_timeout(client, keeper.interval(conn))) for conn in idle)
            )
            for conn, alive in zip(idle, results):
                if not alive:
                    try:
                        await client._keepalive_lost(conn)
                    except (SocketError, ReconnectError, OSError):
                        pass  # the next call reports it to its caller
        if keeper.discovery_due(client._conn):
            try:
                await client._discover()
            except Exception:  # endpoints stay as they were; tried again later
                pass
        now = time.monotonic()
        wait = _next_wait(keeper, keeper.next_wake(), now)
        del client


async def _aio_ping(keeper: KeepAlive, conn: Any, timeout: float) -> bool:
    req = heartbeat_request()
    mark = conn.mark()
    try:
        header, frame = await asyncio.wait_for(conn.request(req.frame), timeout)
        read_response(req, frame, header, conn.flags_header)
    except (asyncio.TimeoutError, SocketError) as exc:
        if conn.alive and conn.silent_since(mark):
            # nothing at all arrived for a whole timeout: the node is frozen or gone
            if isinstance(exc, asyncio.TimeoutError):
                exc = SocketError(f"{conn} did not answer a heartbeat within {timeout} s: connection closed")
            conn._fail(exc)
        return bool(conn.alive)
    except Exception:  # an error status: the node answered, so it lives
        return True
    keeper.answered(conn)
    return True
