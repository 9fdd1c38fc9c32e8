"""Run the asyncio client behind a blocking facade, so the sync test modules test it too.

:class:`LoopThread` runs an event loop in a helper thread. :func:`wrap` turns an ``AioClient``, an
``AioCache`` or any other ``Aio*`` object into a :class:`SyncProxy` whose methods submit the
coroutine to that loop and wait for its result (wrapped again), and an ``AioCursor`` into a
:class:`SyncCursor`: an iterator and a context manager. Exceptions raised in the loop reach the
caller unchanged. Proxies given as arguments are unwrapped, so ``client.sql(..., cache=cache)`` or
``cache.client`` comparisons see the real objects.

Nothing here knows any API method: every method of the async facade is reached through the same
generic path, so a sync test module runs unchanged against both clients.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
import sys
import threading
import weakref
from typing import Any, Dict, Iterator, Tuple


class LoopThread:
    """An event loop running in a daemon thread; :meth:`run` waits for a coroutine's result."""

    def __init__(self) -> None:
        #: id(target) -> its proxy (weak: the entry goes with the proxy, which keeps its target alive)
        self.proxies: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._local = threading.local()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="aio-proxy-loop", daemon=True)
        self.thread.start()

    def run(self, awaitable: Any) -> Any:
        """Run ``awaitable`` in the loop, as a task in the calling thread's own context, and wait.

        Every call from one thread runs in that thread's ``contextvars.Context``, so what the async
        client binds to "the current task" (an open transaction) follows the calling thread, as the
        blocking client binds it to the thread.
        """
        if threading.current_thread() is self.thread:
            raise RuntimeError("a sync proxy must not be used from inside its own event loop")
        ctx = getattr(self._local, "context", None)
        if ctx is None:
            ctx = self._local.context = contextvars.Context()
        done: concurrent.futures.Future = concurrent.futures.Future()
        coro = _await(awaitable)

        def start() -> None:
            if sys.version_info >= (3, 11):
                task = self.loop.create_task(coro, context=ctx)
            else:  # pragma: no cover - before 3.11 the task runs in a copy of the context,
                # so what the call set in its context is copied back into the thread's context
                task = ctx.run(self.loop.create_task, _export_context(coro, ctx))
            task.add_done_callback(lambda t: _settle(t, done))

        self.loop.call_soon_threadsafe(start)
        return done.result()

    def close(self) -> None:
        async def cancel_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(cancel_rest(), self.loop).result()
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
        self.loop.close()


async def _await(awaitable: Any) -> Any:
    return await awaitable


async def _export_context(coro: Any, ctx: contextvars.Context) -> Any:
    try:
        return await coro
    finally:
        for var, value in contextvars.copy_context().items():
            ctx.run(var.set, value)


def _settle(task: asyncio.Task, done: concurrent.futures.Future) -> None:
    if task.cancelled():
        done.cancel()
    elif task.exception() is not None:
        done.set_exception(task.exception())
    else:
        done.set_result(task.result())


def _is_awaitable(value: Any) -> bool:
    return inspect.isawaitable(value) and not type(value).__name__.startswith("AioCache")


def unwrap(value: Any) -> Any:
    return value._target if isinstance(value, (SyncProxy, SyncCursor)) else value


def wrap(value: Any, runner: LoopThread) -> Any:
    """The blocking view of what an async facade method returned."""
    if _is_awaitable(value):
        value = runner.run(value)
    if hasattr(type(value), "__anext__"):
        return SyncCursor(value, runner)
    if type(value).__name__.startswith("Aio"):
        proxy = runner.proxies.get(id(value))
        if proxy is None:  # one proxy per object, so ``cache.client is client`` holds as in sync code
            proxy = runner.proxies[id(value)] = SyncProxy(value, runner)
        return proxy
    return value


def _args(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Tuple[Tuple[Any, ...], Dict[str, Any]]:
    return tuple(unwrap(a) for a in args), {k: unwrap(v) for k, v in kwargs.items()}


class SyncProxy:
    """A blocking view of an asyncio object: attribute reads pass through, calls are run to completion."""

    __slots__ = ("__weakref__", "_runner", "_target")

    def __init__(self, target: Any, runner: LoopThread) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_runner", runner)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        runner = self._runner
        # an awaitable that is also callable (``AioCache.settings``) reads like the sync property
        if callable(attr) and not isinstance(attr, type) and not _is_awaitable(attr):

            def call(*args: Any, **kwargs: Any) -> Any:
                args, kwargs = _args(args, kwargs)
                return wrap(attr(*args, **kwargs), runner)

            call.__name__ = name
            call.__doc__ = getattr(attr, "__doc__", None)
            return call
        return wrap(attr, runner)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, unwrap(value))

    def __eq__(self, other: Any) -> bool:
        return bool(self._target == unwrap(other))

    def __hash__(self) -> int:
        return hash(self._target)

    def __repr__(self) -> str:
        return repr(self._target)

    def __str__(self) -> str:
        return str(self._target)

    def __enter__(self) -> Any:
        aenter = getattr(self._target, "__aenter__", None)
        if aenter is None:
            raise TypeError(f"{type(self._target).__name__} is not an async context manager")
        return wrap(aenter(), self._runner)

    def __exit__(self, *exc: Any) -> Any:
        return self._runner.run(self._target.__aexit__(*exc))


class SyncCursor:
    """A blocking view of an async iterator (an ``AioCursor``): an iterator and a context manager."""

    __slots__ = ("_runner", "_target")

    def __init__(self, target: Any, runner: LoopThread) -> None:
        self._target = target
        self._runner = runner

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        try:
            return self._runner.run(self._target.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def __enter__(self) -> SyncCursor:
        self._runner.run(self._target.__aenter__())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._runner.run(self._target.__aexit__(*exc))

    def __getattr__(self, name: str) -> Any:
        return SyncProxy.__getattr__(self, name)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return repr(self._target)
