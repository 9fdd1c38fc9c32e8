"""Bulk loading with the data streamer: :class:`DataStreamer` (blocking) and :class:`AioDataStreamer`.

Obtain one with ``client.streamer(cache, ...)`` and use it as a context manager::

    with client.streamer('my cache', allow_overwrite=True) as streamer:
        for key, value in rows:
            streamer.add(key, value)
    # leaving the block flushed everything: the entries are in the cache

    async with aio_client.streamer(cache) as streamer:
        await streamer.add_all(pairs)

How it works
------------
Entries are encoded as they are added into one buffer per primary node (with partition awareness on;
else one buffer); ``add_all`` encodes ints and ASCII strings inline and hashes int keys itself, so a
bulk load costs the client about a microsecond per entry, a fraction of what the node spends storing
it. A full buffer (``per_node_buffer`` entries, or 4 MiB of them) is sent as one batch at once, and up to
``per_node_parallel`` batches per node are in flight together; adding waits only when that many are
unanswered. A batch is a one-off server streamer (``OP_DATA_STREAMER_START`` with the ``CLOSE`` flag,
see :mod:`pyignite.protocol.streamer_ops`): the node loads it through Ignite's streamer path and answers
once the entries are in the cache. Each batch costs the node a streamer's set-up and close, which
is why batches are large (4096 entries by default: about a fifth less node CPU per entry than 1024, and
no gain beyond about 8192). :meth:`~DataStreamer.flush` sends the partial buffers and waits for
every batch; ``close()`` (or leaving the ``with`` block) flushes and stops the streamer.
``flush_interval`` (seconds) also sends the buffers periodically, so a slow trickle of entries does
not wait in the client.

**Fallback.** Where the server lacks the streamer operation (before Ignite 2.11, or a protocol older
than 1.7.0), the same batches are sent as pipelined ``put_all`` requests, per node as above, and
:attr:`~DataStreamer.mode` says ``"put_all"``. ``mode="put_all"`` forces that; ``mode="streamer"``
raises :class:`~pyignite.exceptions.NotSupportedByClusterError` instead of falling back. ``put_all``
always overwrites existing values, whatever ``allow_overwrite`` says.

**Errors.** A batch that fails (a server error, a broken connection) makes the streamer fail: the
error is raised by the next ``add``, ``flush`` or ``close``, and the streamer accepts nothing more.
Batches already answered are in the cache; the entries of failed batches, and of batches still
buffered, are not. A key or value that cannot be encoded raises at once from ``add`` (nothing of that
entry is buffered).

**Threads.** A :class:`DataStreamer` may be fed by several threads (its buffers are locked); its
batches are sent by a small pool of threads, so the caller keeps encoding while the node loads. An
:class:`AioDataStreamer` sends its batches as tasks of the running event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Deque, Iterable, Optional, Tuple

from pyignite.exceptions import CacheError, NotSupportedByClusterError, ParameterError
from pyignite.protocol import streamer_ops as so
from pyignite.protocol.capabilities import supports
from pyignite.protocol.streamer_ops import Batch, StreamerCore

__all__ = ["AioDataStreamer", "BaseDataStreamer", "DataStreamer"]

#: entries per batch unless told otherwise
DEFAULT_BUFFER = 4096
#: batches in flight per node unless told otherwise
DEFAULT_PARALLEL = 4
_MODES = ("auto", "streamer", "put_all")


def _pairs(items: Any) -> Iterable[Tuple[Any, Any]]:
    if isinstance(items, dict):
        return items.items()
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise ParameterError(f"add_all() expects a dict or an iterable of (key, value) pairs, not {items!r}")
    return items


class BaseDataStreamer:
    """What both streamers share: options, buffers, the choice of mode and the error state."""

    def __init__(
        self, client: Any, cache: Any, allow_overwrite: bool = False, skip_store: bool = False,
        per_node_buffer: int = DEFAULT_BUFFER, per_node_parallel: int = DEFAULT_PARALLEL,
        flush_interval: Optional[float] = None, mode: str = "auto",
    ) -> None:
        from pyignite.api_base import BaseCache, cache_name_of
        from pyignite.protocol.cache_ops import CacheRef
        from pyignite.protocol.query_ops import check_bool, check_int

        name = cache.name if isinstance(cache, BaseCache) else cache_name_of(cache)
        check_bool("allow_overwrite", allow_overwrite)
        check_bool("skip_store", skip_store)
        check_int("per_node_buffer", per_node_buffer, 1, 1 << 24)
        check_int("per_node_parallel", per_node_parallel, 1, 1024)
        if flush_interval is not None and (
            isinstance(flush_interval, bool) or not isinstance(flush_interval, (int, float)) or flush_interval <= 0
        ):
            raise ParameterError(f"flush_interval must be a positive number of seconds or None, not {flush_interval!r}")
        if mode not in _MODES:
            raise ParameterError(f"mode must be one of {_MODES}, not {mode!r}")
        flags = (so.ALLOW_OVERWRITE if allow_overwrite else 0) | (so.SKIP_STORE if skip_store else 0)
        self._client = client
        self._ref = CacheRef(name)
        self._requested = mode
        conn = client.connection
        if mode == "streamer":
            client._require("data streamer")
        if mode == "put_all" or (mode == "auto" and conn is not None and conn.protocol_version is not None
                                 and not supports(conn, "data streamer")):
            start_mode = "put_all"
        else:
            start_mode = "streamer"
        self._core = StreamerCore(self._ref, flags, per_node_buffer, start_mode, client._ctx)
        self._parallel = per_node_parallel
        self._flush_interval = flush_interval
        self._error: Optional[BaseException] = None
        self._closed = False
        self._routed = False
        #: entries of answered batches; answered batches
        self.loaded = 0
        self.batches = 0

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self._ref.what} mode={self.mode} added={self.added} "
                f"loaded={self.loaded}{' closed' if self._closed else ''}>")

    @property
    def added(self) -> int:
        """Entries added (encoded into a buffer)."""
        return self._core.added

    @property
    def mode(self) -> str:
        """``"streamer"`` (the server's streamer) or ``"put_all"`` (the fallback)."""
        return self._core.mode

    @property
    def cache_name(self) -> str:
        return self._ref.name

    @property
    def closed(self) -> bool:
        return self._closed

    def _check(self) -> None:
        if self._error is not None:
            raise self._error
        if self._closed:
            raise ParameterError("the streamer is closed")

    def _route_setup(self) -> Any:
        """The partition map request to make before routing batches, or ``None``: with partition
        awareness on, batches are grouped by primary node once the cache's map is known."""
        self._routed = True
        pa = getattr(self._client, "_pa", None)
        if pa is None:
            return None
        router = pa.router
        cid = self._ref.cache_id
        if router.stale(cid):
            return router.partitions_request([cid])
        self._core.affinity = router.affinity(cid)
        return None

    def _after_route_setup(self) -> None:
        pa = getattr(self._client, "_pa", None)
        if pa is not None:
            self._core.affinity = pa.router.affinity(self._ref.cache_id)

    def _limit(self) -> int:
        aff = self._core.affinity
        nodes = len(set(aff.owners)) if aff is not None else 1
        return self._parallel * max(1, nodes)

    def _settle(self, batch: Batch, error: Optional[BaseException]) -> Optional[Any]:
        """Account for an answered batch. Returns the request to send again as ``put_all`` when the
        server does not know the streamer op (and the mode allows the fallback), else ``None``;
        records the first error."""
        if error is None:
            self.loaded += batch.count
            self.batches += 1
            return None
        if (self._core.mode == "streamer" and self._requested == "auto"
                and isinstance(error, NotSupportedByClusterError) and error.capability == "data streamer"):
            # the server answered INVALID_OP_CODE: it predates the streamer; same batch as put_all
            self._core.mode = "put_all"
            return self._core.request(batch, "put_all")
        if self._error is None:
            self._error = error
        return None


class DataStreamer(BaseDataStreamer):
    """A data streamer of a blocking :class:`~pyignite.client.Client` (see :mod:`pyignite.streamer`).

    Attributes: :attr:`mode`, ``added`` (entries added), ``loaded`` (entries of answered batches),
    ``batches`` (answered batches).
    """

    def __init__(self, client: Any, cache: Any, **kwargs: Any) -> None:
        super().__init__(client, cache, **kwargs)
        self._lock = threading.RLock()
        self._inflight: Deque[Tuple[Batch, Future]] = deque()
        self._pool: Optional[ThreadPoolExecutor] = None
        self._timer: Optional[threading.Thread] = None
        self._stop = threading.Event()
        if self._flush_interval is not None:
            self._timer = threading.Thread(target=self._tick, name="pyignite-streamer-flush", daemon=True)
            self._timer.start()

    # --- sending ---------------------------------------------------------------------------------

    def _send(self, batch: Batch, req: Any = None) -> None:
        """Submit a batch (lock held), waiting first while the window is full."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._limit(), thread_name_prefix="pyignite-streamer")
        while len(self._inflight) >= self._limit():
            self._wait_oldest()
        if req is None:
            req = self._core.request(batch)
        self._inflight.append((batch, self._pool.submit(self._client._execute, req)))

    def _wait_oldest(self) -> None:
        batch, fut = self._inflight.popleft()
        try:
            fut.result()
            error: Optional[BaseException] = None
        except Exception as exc:
            error = exc
        again = self._settle(batch, error)
        if again is not None:
            self._send(batch, again)

    def _wait_all(self) -> None:
        while self._inflight:
            self._wait_oldest()

    def _start(self) -> None:
        if self._routed:
            return
        req = self._route_setup()
        if req is not None:
            try:
                self._client._execute(req)
            except (CacheError, OSError):
                pass  # no map: batches go through the default connection
            self._after_route_setup()

    # --- API -------------------------------------------------------------------------------------

    def add(self, key: Any, value: Any) -> None:
        """Buffer one entry (key and value may be ``(value, hint)`` tuples); a full buffer is sent."""
        with self._lock:
            self._check()
            self._start()
            batch = self._core.add(key, value)
            if batch is not None:
                self._send(batch)

    def add_all(self, items: Any) -> None:
        """Buffer every entry of a dict or an iterable of ``(key, value)`` pairs."""
        with self._lock:
            self._check()
            self._start()
            fill = self._core.fill
            pairs = iter(_pairs(items))
            while True:
                batch = fill(pairs)
                if batch is None:
                    return
                self._send(batch)
                if self._error is not None:
                    raise self._error

    def flush(self) -> None:
        """Send every buffered entry and wait until all batches are answered (loaded)."""
        with self._lock:
            self._check()
            self._flush()
            self._check()

    def _flush(self) -> None:
        for batch in self._core.drain():
            self._send(batch)
        self._wait_all()

    def close(self) -> None:
        """Flush and stop the streamer (idempotent). Raises the streamer's error, if any."""
        self._stop.set()
        with self._lock:
            if self._closed:
                return
            try:
                if self._error is None:
                    self._flush()
                else:
                    self._wait_all()
            finally:
                self._closed = True
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
            if self._error is not None:
                raise self._error

    def _tick(self) -> None:
        interval = self._flush_interval or 1.0
        while not self._stop.wait(interval):
            with self._lock:
                if self._closed or self._error is not None:
                    return
                for batch in self._core.drain():
                    self._send(batch)
                while self._inflight and self._inflight[0][1].done():
                    self._wait_oldest()

    def __enter__(self) -> DataStreamer:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            self.close()
            return
        try:  # keep what was added before the error, but let the original error through
            self.close()
        except Exception:
            pass


class AioDataStreamer(BaseDataStreamer):
    """A data streamer of an :class:`~pyignite.aio_client.AioClient`: the methods of
    :class:`DataStreamer` as coroutines; ``async with`` flushes and closes it."""

    def __init__(self, client: Any, cache: Any, **kwargs: Any) -> None:
        super().__init__(client, cache, **kwargs)
        self._inflight: Deque[Tuple[Batch, asyncio.Future]] = deque()
        self._lock = asyncio.Lock()
        self._timer: Optional[asyncio.Task] = None

    async def _send(self, batch: Batch, req: Any = None) -> None:
        while len(self._inflight) >= self._limit():
            await self._wait_oldest()
        if req is None:
            req = self._core.request(batch)
        self._inflight.append((batch, asyncio.ensure_future(self._client._execute(req))))

    async def _wait_oldest(self) -> None:
        batch, fut = self._inflight.popleft()
        try:
            await fut
            error: Optional[BaseException] = None
        except Exception as exc:
            error = exc
        again = self._settle(batch, error)
        if again is not None:
            await self._send(batch, again)

    async def _wait_all(self) -> None:
        while self._inflight:
            await self._wait_oldest()

    async def _start(self) -> None:
        if self._routed:
            return
        req = self._route_setup()
        if req is not None:
            try:
                await self._client._execute(req)
            except (CacheError, OSError):
                pass
            self._after_route_setup()
        if self._flush_interval is not None and self._timer is None:
            self._timer = asyncio.ensure_future(self._tick())

    async def add(self, key: Any, value: Any) -> None:
        """Buffer one entry; a full buffer is sent (waiting while too many batches are in flight)."""
        self._check()
        await self._start()
        batch = self._core.add(key, value)
        if batch is not None:
            async with self._lock:
                await self._send(batch)

    async def add_all(self, items: Any) -> None:
        """Buffer every entry of a dict or an iterable of ``(key, value)`` pairs."""
        self._check()
        await self._start()
        fill = self._core.fill
        pairs = iter(_pairs(items))
        while True:
            batch = fill(pairs)
            if batch is None:
                return
            async with self._lock:
                await self._send(batch)
            if self._error is not None:
                raise self._error

    async def flush(self) -> None:
        """Send every buffered entry and wait until all batches are answered."""
        self._check()
        async with self._lock:
            await self._flush()
        self._check()

    async def _flush(self) -> None:
        for batch in self._core.drain():
            await self._send(batch)
        await self._wait_all()

    async def close(self) -> None:
        """Flush and stop the streamer (idempotent). Raises the streamer's error, if any."""
        if self._closed:
            return
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        async with self._lock:
            try:
                if self._error is None:
                    await self._flush()
                else:
                    await self._wait_all()
            finally:
                self._closed = True
        if self._error is not None:
            raise self._error

    async def _tick(self) -> None:
        interval = self._flush_interval or 1.0
        while not self._closed and self._error is None:
            await asyncio.sleep(interval)
            async with self._lock:
                for batch in self._core.drain():
                    await self._send(batch)
                while self._inflight and self._inflight[0][1].done():
                    await self._wait_oldest()

    async def __aenter__(self) -> AioDataStreamer:
        await self._start()
        return self

    async def __aexit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            await self.close()
            return
        try:
            await self.close()
        except Exception:
            pass


def streamer_call(client: Any, cache: Any, **kwargs: Any) -> Any:
    """The body of :meth:`pyignite.api_base.BaseClient.streamer`."""
    if asyncio.iscoroutinefunction(client._execute):
        return AioDataStreamer(client, cache, **kwargs)
    return DataStreamer(client, cache, **kwargs)

