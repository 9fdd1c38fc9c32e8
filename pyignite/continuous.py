"""Continuous queries: cache events pushed by the cluster, for both clients.

Usage::

    from pyignite.continuous import ScanQuery

    def listener(event):                       # Client: called on the client's dispatcher thread
        print(event.type.name, event.key, event.value, event.old_value)

    with cache.continuous_query(listener, initial_query=ScanQuery()) as cq:
        for key, value in cq.initial:          # what the cache held when the query started
            ...
        cache.put(1, 'one')                    # -> listener(CacheEntryEvent(CREATED, 1, 'one', None))
    # leaving the block closes the query: no event after that

    async with aio_cache.continuous_query() as cq:    # AioClient: iterate the events
        async for event in cq:
            ...

Theory of operation
-------------------
``cache.continuous_query(...)`` sends ``OP_QUERY_CONTINUOUS``
(:mod:`pyignite.protocol.continuous_ops`); the reply names the query, a resource of the connection
that sent it, and the server then pushes the events as notifications on that connection. The
request's ``on_reply`` registers the query as the connection's listener for that id
(:meth:`pyignite.protocol.session.Session.listen`), so the notifications reach it in the order the
server sent them, including any that arrived before the reply was read.

The listener methods (:meth:`BaseContinuousQuery.notify`, :meth:`~BaseContinuousQuery.disconnected`)
run on whatever reads the socket -- the blocking client's reader thread, the asyncio client's reader
task -- so they never decode, call user code or block: they only count the events of a notification
and queue its bytes. Decoding (which may fetch binary types from the server) and the user's code run
on the consumer's side:

* **Client**: one *dispatcher thread* per client takes the queued notifications of all its queries in
  the order they arrived, decodes them and calls each query's ``listener(event)``. A slow listener
  delays only later events, never the client's other requests (the socket reader just queues), and a
  listener may itself use the client. An exception raised by a listener is logged (logger
  ``pyignite``) and the query goes on.
* **AioClient**: ``async for event in query`` takes the events from the query's own queue. Given a
  ``listener`` (a function or a coroutine function), a task of the query runs that loop and calls it.

**Bounded, never silent.** A query keeps at most ``buffer_size`` received events that its consumer
has not taken yet. When the cluster sends faster than the consumer takes for that long, the query
*overflows*: later events are dropped, the events received before are still delivered, then the
query ends with :class:`~pyignite.exceptions.ContinuousQueryOverflowError` and the server-side query
is closed. The socket reader is never blocked, so the other requests of the client stay unaffected.
When the connection of a query breaks (node lost, client closed), the query ends the same way with
the connection's :class:`~pyignite.exceptions.SocketError`. An ending is reported once, after every
event received before it: ``on_error(error)`` is called (on the dispatcher thread, or in the
listener task; without ``on_error`` it is logged as a warning), :attr:`BaseContinuousQuery.error`
holds it, and ``async for`` raises it. A query does not move to another node when its connection is
lost: start a new one (with an initial query to catch up).

**Initial query.** Released servers take no initial query in the continuous query request, so, as
the Java thin client does, the client runs it as an ordinary query (:class:`ScanQuery`,
:class:`SqlQuery`, :class:`SqlFieldsQuery`) right after the continuous query is registered; its
cursor is :attr:`BaseContinuousQuery.initial`. An entry changed meanwhile may show in both.

**When events start.** The server delivers events only from the moment its reply has gone out (it
turns delivery on in a callback after writing the reply), and drops those of changes made before.
A change made in the very instant after the reply was read can fall in that gap: in testing on a
loaded machine, about one change in three hundred made right after the reply. So before returning,
the client makes one more round trip (the initial query is one); that narrows the gap to what a
server thread stalled between writing the reply and running its callback leaves (about one in a
thousand, under heavy load, in testing). A program that must not miss the first changes writes a
marker entry after starting the query and waits for the marker's event.

**Closing** -- ``close()``, or leaving the ``with``/``async with`` block; leaving an ``async for``
loop early does not close -- sends ``RESOURCE_CLOSE`` for the query; after ``close()`` returns no
listener call for it starts (one running on the dispatcher thread is waited for, unless ``close()``
is called from a listener). The server also closes every query of a connection when the connection ends. A
connection holds at most ``maxOpenCursorsPerConnection`` (128 by default) cursors and continuous
queries together.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Generator, Optional

if TYPE_CHECKING:
    import asyncio

from pyignite.exceptions import (
    CacheError,
    ContinuousQueryOverflowError,
    NotSupportedByClusterError,
    ParameterError,
)
from pyignite.protocol import cache_ops, continuous_ops, query_ops
from pyignite.protocol.continuous_ops import DEFAULT_BUFFER_SIZE, CacheEntryEvent, EventType
from pyignite.protocol.request import Request, typed_reply
from pyignite.protocol.session import NotificationListener
from pyignite.protocol.status import INVALID_OP_CODE, RESOURCE_DOES_NOT_EXIST

__all__ = [
    "AioContinuousQuery",
    "BaseContinuousQuery",
    "CacheEntryEvent",
    "ContinuousQuery",
    "DEFAULT_BUFFER_SIZE",
    "EventType",
    "ScanQuery",
    "SqlFieldsQuery",
    "SqlQuery",
]

logger = logging.getLogger("pyignite")


# --- initial queries ----------------------------------------------------------------------------

class ScanQuery:
    """Initial query: every entry of the cache, as :meth:`Cache.scan` (same arguments)."""

    def __init__(self, page_size: int = query_ops.DEFAULT_PAGE_SIZE, partitions: int = -1, local: bool = False
                 ) -> None:
        query_ops.check_page_size(page_size)
        self.kwargs = {"page_size": page_size, "partitions": partitions, "local": local}

    def _open(self, cache: Any) -> Any:
        return cache.scan(**self.kwargs)


class SqlQuery:
    """Initial query: entries chosen by SQL, as :meth:`Cache.select_row` (same arguments); rows are
    ``(key, value)`` tuples like scan rows."""

    def __init__(self, query_str: str, **kwargs: Any) -> None:
        query_ops.check_query(query_str)
        self.kwargs = dict(kwargs, query_str=query_str)

    def _open(self, cache: Any) -> Any:
        return cache.select_row(**self.kwargs)


class SqlFieldsQuery:
    """Initial query: an SQL query run in the cache's schema, as :meth:`Client.sql` (same arguments,
    ``cache`` set to the query's cache); rows are lists."""

    def __init__(self, query_str: str, **kwargs: Any) -> None:
        query_ops.check_query(query_str)
        if "cache" in kwargs:
            raise ParameterError("SqlFieldsQuery runs in the continuous query's cache; do not pass cache")
        self.kwargs = dict(kwargs, query_str=query_str)

    def _open(self, cache: Any) -> Any:
        return cache.client.sql(cache=cache, **self.kwargs)


_INITIAL_QUERIES = (ScanQuery, SqlQuery, SqlFieldsQuery)


# --- the remote filter ----------------------------------------------------------------------------

_class_factory: Any = None


def _filter_object(remote_filter: Any) -> Any:
    """The factory object sent for ``remote_filter``: a Java class name becomes a JSR 107
    ``FactoryBuilder$ClassFactory``; a Complex object is sent as it is (its Java class must be a
    ``javax.cache.configuration.Factory`` of the filter)."""
    global _class_factory
    if remote_filter is None:
        return None
    if isinstance(remote_filter, str):
        if not remote_filter.strip():
            raise ParameterError("remote_filter must be a Java class name, not an empty str")
        if _class_factory is None:
            from collections import OrderedDict

            from pyignite.binary import GenericObjectMeta
            from pyignite.datatypes import String

            _class_factory = GenericObjectMeta(
                "ClassFactory", (), {}, type_name=continuous_ops.CLASS_FACTORY_TYPE,
                schema=OrderedDict([("className", String)]),
            )
        return _class_factory(className=remote_filter)
    if getattr(type(remote_filter), "_type_name", None) is not None:
        return remote_filter
    raise ParameterError(
        f"remote_filter must be a Java class name (str) or a Complex object of a Java Factory class, "
        f"not {remote_filter!r}"
    )


# --- the shared core ------------------------------------------------------------------------------

class _End:
    """The last item of a query's queue: why it ended."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _check_callable(name: str, fn: Any) -> None:
    if fn is not None and not callable(fn):
        raise ParameterError(f"{name} must be callable, not {fn!r}")


class BaseContinuousQuery(NotificationListener):
    """What :class:`ContinuousQuery` and :class:`AioContinuousQuery` share: arguments, the start
    plan, and the listener methods the socket reader calls (see the module docstring).

    :ivar initial: the cursor of the initial query (``None`` without one);
    """

    def __init__(
        self,
        cache: Any,
        listener: Optional[Callable[[CacheEntryEvent], Any]] = None,
        initial_query: Any = None,
        remote_filter: Any = None,
        page_size: int = 1,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
        time_interval: int = 0,
        include_expired: bool = False,
        on_error: Optional[Callable[[BaseException], Any]] = None,
    ) -> None:
        _check_callable("listener", listener)
        _check_callable("on_error", on_error)
        if initial_query is not None and not isinstance(initial_query, _INITIAL_QUERIES):
            raise ParameterError(
                f"initial_query must be a ScanQuery, SqlQuery or SqlFieldsQuery, not {initial_query!r}"
            )
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, int) or buffer_size < 1:
            raise ParameterError(f"buffer_size must be a positive int, not {buffer_size!r}")
        self._cache = cache
        self._client = cache.client
        self._listener = listener
        self._on_error = on_error
        self._initial_query = initial_query
        self._filter = _filter_object(remote_filter)
        self._args = (page_size, time_interval, include_expired)
        continuous_ops.continuous_query(cache._ref, page_size, time_interval, include_expired)  # check them now
        self._buffer_size = buffer_size
        self._lock = threading.Lock()
        self._pending = 0  # events queued, not yet taken by the consumer
        self._ending: Optional[BaseException] = None  # set when the end was queued: drop what follows
        self._events_req = Request(bytearray(), continuous_ops.parse_events, CacheError, "continuous query")
        self.initial: Any = None
        self._conn: Any = None
        self._resource_id: Optional[int] = None
        self._started = False
        self._closed = False
        self._server_closed = False
        self._error: Optional[BaseException] = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else "ended" if self._error is not None else (
            "open" if self._started else "not started")
        return f"<{type(self).__name__} on {self._cache.name!r} #{self._resource_id}: {state}>"

    # --- state ----------------------------------------------------------------------------------

    @property
    def resource_id(self) -> Optional[int]:
        """The server's id of the query (on its connection), or ``None`` before it started."""
        return self._resource_id

    @property
    def closed(self) -> bool:
        """``close()`` was called."""
        return self._closed

    @property
    def error(self) -> Optional[BaseException]:
        """Why the query ended by itself -- a :class:`~pyignite.exceptions.SocketError` (connection
        lost), :class:`~pyignite.exceptions.ContinuousQueryOverflowError` or the server's error --
        once its consumer got there; ``None`` while it runs and after a ``close()``."""
        return self._error

    @property
    def active(self) -> bool:
        """The query runs: started, not closed, not ended."""
        return self._started and not self._closed and self._error is None

    # --- starting -------------------------------------------------------------------------------

    def _start_plan(self) -> Generator[Request, Any, Any]:
        """Register the filter's type name, start the query (its reply registers the listener)."""
        client = self._client
        client._require("continuous queries")
        flt = self._filter
        if flt is not None:
            cls = type(flt)
            yield continuous_ops.register_type_name(cls._type_id, cls._type_name)
        page_size, time_interval, include_expired = self._args
        req = continuous_ops.continuous_query(
            self._cache._ref, page_size, time_interval, include_expired, flt, client._ctx,
        )
        req.on_reply = self._attach
        try:
            yield req
        except CacheError as exc:
            if exc.status == INVALID_OP_CODE:
                raise NotSupportedByClusterError(
                    f"the server does not offer continuous queries: {exc}", "continuous queries",
                ) from exc
            raise
        self._started = True
        if self._initial_query is None:
            # The server turns event delivery on only once its reply has gone out (in a callback
            # after the write), so an event that fires in that instant is dropped: about one in a
            # few hundred changes made right after the reply was read was lost in testing. One
            # more round trip lets that callback run first; an initial query is such a round trip.
            yield cache_ops.get_size(self._cache._ref)
        return self

    def _attach(self, conn: Any, resource_id: int) -> None:
        """``on_reply`` of the start request: listen on the connection that answered."""
        self._conn = conn
        self._resource_id = resource_id
        conn.listen(resource_id, self)

    def _close_request(self) -> Optional[Request]:
        """``RESOURCE_CLOSE`` for the server's query, once, if its connection still lives."""
        with self._lock:
            if self._server_closed or self._resource_id is None:
                return None
            self._server_closed = True
        conn = self._conn
        conn.unlisten(self._resource_id)
        if not getattr(conn, "alive", False):
            return None  # the server dropped the query with the connection
        return query_ops.resource_close(self._resource_id, "continuous query")

    # --- NotificationListener: called on the socket reader; only counts and queues ---------------

    def notify(self, header: Any, frame: bytes) -> None:
        with self._lock:
            if self._ending is not None:
                return
            try:
                count = continuous_ops.event_count(frame, header.payload_offset) if not header.status else 0
            except Exception as exc:  # garbled: end the query with the error
                self._end_locked(exc)
                return
            if self._pending + count > self._buffer_size:
                self._end_locked(ContinuousQueryOverflowError(
                    f"continuous query #{self._resource_id} on {self._cache.name!r}: more than "
                    f"buffer_size={self._buffer_size} events waited for the consumer; later events were dropped "
                    "and the query was closed"
                ))
                return
            self._pending += count
            self._enqueue((header, frame))

    def disconnected(self, error: BaseException) -> None:
        with self._lock:
            if self._ending is None and not self._closed:
                self._end_locked(error)

    def _end_locked(self, error: BaseException) -> None:
        self._ending = error
        self._enqueue(_End(error))
        self._ended_early(error)

    def _enqueue(self, item: Any) -> None:  # pragma: no cover - provided by the facades
        raise NotImplementedError

    def _ended_early(self, error: BaseException) -> None:
        """Hook called on the socket reader when the end is queued (lock held; no I/O)."""

    # --- consumer side --------------------------------------------------------------------------

    def _decode_plan(self, header: Any, frame: bytes) -> Generator[Request, Any, Any]:
        """The events of a notification (fetching the binary types they name, if any)."""
        return (yield from typed_reply(self._events_req, frame, header, True, self._client._ctx))

    def _taken(self, count: int) -> None:
        with self._lock:
            self._pending -= count

    def _report(self, error: BaseException) -> None:
        """Log an ending nobody handles."""
        logger.warning("continuous query #%s on %r ended: %s", self._resource_id, self._cache.name, error)


# --- blocking client ------------------------------------------------------------------------------

class _Dispatcher:
    """The dispatcher thread of one :class:`~pyignite.client.Client`: runs the listeners of all its
    continuous queries, in the order their notifications arrived."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: Deque[Any] = deque()
        self._queries = 0  # queries started and not finished
        self._thread: Optional[threading.Thread] = None
        self.current: Any = None  # the query whose item is being delivered

    def put(self, query: ContinuousQuery, item: Any) -> None:
        with self._cond:
            self._items.append((query, item))
            self._cond.notify()

    def added(self) -> None:
        with self._cond:
            self._queries += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pyignite-cq-dispatcher", daemon=True)
                self._thread.start()

    def finished(self) -> None:
        with self._cond:
            self._queries -= 1
            self._cond.notify()

    def on_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def wait_idle(self, query: ContinuousQuery) -> None:
        """Wait while ``query``'s listener runs (not on the dispatcher thread itself)."""
        if self.on_thread():
            return
        with self._cond:
            while self.current is query:
                self._cond.wait()

    def _run(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._items:
                    if self._queries <= 0:
                        self._thread = None
                        return
                    cond.wait()
                query, item = self._items.popleft()
                self.current = query
            try:
                query._deliver(item)
            except BaseException:  # pragma: no cover - _deliver handles everything itself
                logger.exception("continuous query dispatcher")
            finally:
                with cond:
                    self.current = None
                    cond.notify_all()


_DISPATCHERS_LOCK = threading.Lock()


def _dispatcher_of(client: Any) -> _Dispatcher:
    with _DISPATCHERS_LOCK:
        dispatcher = client.__dict__.get("_cq_dispatcher")
        if dispatcher is None:
            dispatcher = client.__dict__["_cq_dispatcher"] = _Dispatcher()
        return dispatcher


class ContinuousQuery(BaseContinuousQuery):
    """A running continuous query of a :class:`~pyignite.client.Client` (see the module docstring);
    ``with`` closes it on exit.

    The listener is called as ``listener(event)`` with a :class:`CacheEntryEvent`, on the client's
    dispatcher thread; ``on_error(error)`` there when the query ends by itself.
    """

    def _begin(self) -> ContinuousQuery:
        if self._listener is None:
            raise ParameterError("Client.continuous_query() needs a listener (a callable taking an event)")
        self._dispatcher = _dispatcher_of(self._client)
        self._dispatcher.added()
        self._counted = True  # in the dispatcher's count of running queries, until _uncount()
        try:
            self._client._drive(self._start_plan())
            if self._initial_query is not None:
                self.initial = self._initial_query._open(self._cache)
        except BaseException:
            self.close()
            raise
        return self

    def _enqueue(self, item: Any) -> None:
        self._dispatcher.put(self, item)

    def _uncount(self) -> None:
        """Leave the dispatcher's count of running queries (once): its thread ends with the last."""
        with self._lock:
            if not self._counted:
                return
            self._counted = False
        self._dispatcher.finished()

    def _deliver(self, item: Any) -> None:
        """On the dispatcher thread: decode and hand out one notification, or the end."""
        if self._closed:
            return
        if isinstance(item, _End):
            self._finish(item.error)
            return
        header, frame = item
        try:
            events = self._client._drive(self._decode_plan(header, frame))
        except Exception as exc:  # the server's error notification, a garbled or undecodable event
            with self._lock:
                if self._ending is not None:
                    return  # another end is queued already
                self._ending = exc
            self._finish(exc)
            return
        self._taken(len(events))
        listener = self._listener
        for event in events:
            if self._closed:
                return
            try:
                listener(event)  # type: ignore[misc]
            except Exception:
                logger.exception("the listener of continuous query #%s raised", self._resource_id)

    def _finish(self, error: BaseException) -> None:
        """The query ended by itself: release the server's query (overflow), report once."""
        self._error = error
        try:
            req = self._close_request()
            if req is not None:
                self._client._send(req, self._conn)
        except Exception:  # the connection broke meanwhile: the server dropped the query with it
            pass
        finally:
            self._uncount()
        if self._on_error is not None:
            try:
                self._on_error(error)
            except Exception:
                logger.exception("on_error of continuous query #%s raised", self._resource_id)
        else:
            self._report(error)

    def close(self) -> None:
        """Stop the query: no listener call starts after this returns. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._ending is None:
                self._ending = ParameterError("closed")  # drop whatever still arrives
        self._dispatcher.wait_idle(self)
        try:
            req = self._close_request()
            if req is not None:
                self._client._send(req, self._conn)
        except CacheError as exc:
            if exc.status != RESOURCE_DOES_NOT_EXIST:
                raise
        except OSError:
            pass  # the connection broke: the server dropped the query with it
        finally:
            self._uncount()
        cursor = self.initial
        if cursor is not None:
            cursor.close()

    def __enter__(self) -> ContinuousQuery:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# --- asyncio client -------------------------------------------------------------------------------

class AioContinuousQuery(BaseContinuousQuery):
    """A continuous query of an :class:`~pyignite.aio_client.AioClient` (see the module docstring).

    ``await cache.continuous_query(...)`` starts it and returns it; ``async with`` starts it and
    closes it on exit; ``async for event in ...`` starts it if needed and yields
    :class:`CacheEntryEvent` objects until it is closed (then the loop ends) or ends by itself (then
    the loop raises :attr:`error`). With a ``listener``, a task of the query runs that loop and calls
    ``listener(event)`` (awaited if it returns an awaitable) and ``on_error(error)`` at an ending.
    """

    def _begin(self) -> AioContinuousQuery:
        self._items: Deque[Any] = deque()
        self._events: Deque[CacheEntryEvent] = deque()
        self._waiter: Optional[asyncio.Future] = None
        self._task: Optional[asyncio.Task] = None
        self._starting: Optional[asyncio.Task] = None
        return self

    async def _start(self) -> AioContinuousQuery:
        import asyncio  # here, not at the top: ``import pyignite`` does not import asyncio

        if self._starting is None:
            self._starting = asyncio.ensure_future(self._do_start())
        await asyncio.shield(self._starting)
        return self

    async def _do_start(self) -> None:
        import asyncio  # here, not at the top: ``import pyignite`` does not import asyncio

        try:
            await self._client._drive(self._start_plan())
            if self._initial_query is not None:
                self.initial = await self._initial_query._open(self._cache)
        except BaseException:
            await self.close()
            raise
        if self._listener is not None:
            self._task = asyncio.ensure_future(self._run_listener())

    def __await__(self) -> Generator[Any, None, AioContinuousQuery]:
        return self._start().__await__()

    async def __aenter__(self) -> AioContinuousQuery:
        return await self._start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # --- socket reader side (in the event loop) ---------------------------------------------------

    def _enqueue(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _ended_early(self, error: BaseException) -> None:
        import asyncio  # here, not at the top: ``import pyignite`` does not import asyncio

        if isinstance(error, ContinuousQueryOverflowError):
            # stop the server at once; the consumer reports the overflow when it gets there
            try:
                asyncio.get_running_loop().create_task(self._release())
            except RuntimeError:  # pragma: no cover - not in the loop: the consumer releases it
                pass

    # --- consumer side --------------------------------------------------------------------------

    def __aiter__(self) -> AioContinuousQuery:
        return self

    async def __anext__(self) -> CacheEntryEvent:
        import asyncio  # here, not at the top: ``import pyignite`` does not import asyncio

        if self._starting is None:
            await self._start()
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._events:
                return self._events.popleft()
            if self._error is not None:
                raise self._error
            if not self._items:
                if self._starting is not None and not self._starting.done():
                    await self._start()
                    continue
                loop = asyncio.get_running_loop()
                self._waiter = waiter = loop.create_future()
                try:
                    await waiter
                finally:
                    self._waiter = None
                continue
            item = self._items.popleft()
            if isinstance(item, _End):
                self._error = item.error
                await self._release()
                raise item.error
            header, frame = item
            try:
                events = await self._client._drive(self._decode_plan(header, frame))
            except Exception as exc:
                with self._lock:
                    self._ending = self._ending or exc
                self._error = exc
                await self._release()
                raise
            self._taken(len(events))
            self._events.extend(events)

    async def _release(self) -> None:
        try:
            req = self._close_request()
            if req is not None:
                await self._client._send(req, self._conn)
        except (CacheError, OSError):
            pass  # gone already (with its connection, or closed by the server)

    async def _run_listener(self) -> None:
        """The listener task: take the events in order and call the listener (as the dispatcher
        thread does for the blocking client: a listener error is logged and the query goes on)."""
        listener = self._listener
        while True:
            try:
                event = await self.__anext__()
            except StopAsyncIteration:
                return
            except Exception as exc:  # the query ended by itself
                if self._on_error is None:
                    self._report(exc)
                    return
                try:
                    result = self._on_error(exc)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.exception("on_error of continuous query #%s raised", self._resource_id)
                return
            try:
                result = listener(event)  # type: ignore[misc]
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("the listener of continuous query #%s raised", self._resource_id)

    async def close(self) -> None:
        """Stop the query: the ``async for`` loops over it end, no listener call starts after this
        returns. Idempotent."""
        import asyncio  # here, not at the top: ``import pyignite`` does not import asyncio

        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._ending is None:
                self._ending = ParameterError("closed")
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        try:
            req = self._close_request()
            if req is not None:
                await self._client._send(req, self._conn)
        except CacheError as exc:
            if exc.status != RESOURCE_DOES_NOT_EXIST:
                raise
        except OSError:
            pass
        cursor = self.initial
        if cursor is not None:
            await cursor.close()

