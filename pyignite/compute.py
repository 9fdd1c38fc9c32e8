"""Compute: run compute tasks deployed on the cluster, by name, from Python.

Obtain a :class:`Compute` with ``client.compute()`` (all server nodes) or
``client.cluster().for_...().compute()`` (the nodes of a cluster group). The same methods serve both
clients: with :class:`~pyignite.client.Client` ``execute`` returns the result and ``execute_async``
a :class:`concurrent.futures.Future`; with :class:`~pyignite.aio_client.AioClient` both return a
coroutine::

    words = client.compute().execute("org.example.WordCountTask", "a b c")
    words = await aio_client.compute().execute("org.example.WordCountTask", "a b c")

Theory of operation
-------------------
A task is a Java ``ComputeTask`` every node can load (its class name, or a name it was deployed
under). ``OP_COMPUTE_TASK_EXECUTE`` starts it and the reply is the task's id; the result comes later,
as an ``OP_COMPUTE_TASK_FINISHED`` notification on the same connection (see
:mod:`pyignite.protocol.compute_ops`). The start request carries an ``on_reply`` hook that registers
a listener for that id on the connection that answered (:meth:`pyignite.protocol.session.Session.listen`),
so the notification finds its task among any number of concurrent ones; one that arrives before the
listener is kept by the session and replayed. The listener only stores the notification; the
caller's thread or task decodes it (fetching binary types if it must).

* **Timeout.** ``timeout`` (seconds) is sent to the cluster, which ends the task when it expires and
  reports it (:class:`~pyignite.exceptions.ComputeTimeoutError`). The client waits at most the
  timeout plus :data:`TIMEOUT_GRACE` for that report; without it, it closes the task itself and
  raises the same error.
* **Giving up.** When the caller stops waiting -- a timeout, an ``asyncio`` cancellation, a
  ``KeyboardInterrupt``, ``future.cancel()`` -- the client closes the task resource
  (``RESOURCE_CLOSE``), which cancels the task on the cluster and frees its place among the
  connection's active tasks.
* **Errors.** A task that fails raises :class:`~pyignite.exceptions.ComputeError`: with
  ``java_class`` and ``java_message`` of the Java exception when the server sends stack traces
  (``ThinClientConfiguration.sendServerExceptionStackTraceToClient``). The server's limit of active
  tasks per connection (``maxActiveComputeTasksPerConnection``) is status 1030
  (``TOO_MANY_COMPUTE_TASKS``); compute turned off on the server is status 100.
* **Blocking client.** A task's listener is registered for its one notification; while it is,
  the connection's notification reader (see :mod:`pyignite.connection.sync`) reads the socket, so
  ``execute`` simply waits for the listener's future and ``execute_async`` futures complete on
  their own.
* **Connection loss** fails every task waiting on that connection with the connection's
  :class:`~pyignite.exceptions.SocketError` (their results cannot arrive any more).

Needs protocol 1.7.0 with the ``EXECUTE_TASK_BY_NAME`` feature (Ignite 2.9+), and the cluster
group feature for a group: :class:`~pyignite.exceptions.NotSupportedByClusterError` otherwise,
before anything is sent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import math
import threading
from typing import Any, Generator, Optional

from pyignite.datatypes.base import MissingBinaryType
from pyignite.exceptions import CacheError, ComputeError, ComputeTimeoutError, ParameterError, SocketError
from pyignite.protocol import compute_ops
from pyignite.protocol.compute_ops import NO_FAILOVER, NO_RESULT_CACHE
from pyignite.protocol.op_codes import OP_COMPUTE_TASK_FINISHED
from pyignite.protocol.request import Request, read_response, typed_reply
from pyignite.protocol.session import NotificationListener
from pyignite.protocol.status import RESOURCE_DOES_NOT_EXIST, TOO_MANY_COMPUTE_TASKS
from pyignite.services import java_class_names_plan

__all__ = ["Compute", "TIMEOUT_GRACE"]

#: seconds the client waits past a task's timeout for the cluster to report it, before it closes the
#: task itself
TIMEOUT_GRACE = 2.0


class _TaskListener(NotificationListener):
    """Receives the task-finished notification of one task (on the socket-reading thread or task,
    under the session's listener lock: whatever completing :attr:`future` triggers must not call
    the session's ``listen``/``unlisten``)."""

    __slots__ = ("future",)

    def __init__(self) -> None:
        #: set to ``(header, frame)`` of the notification, or to the connection's error
        self.future: concurrent.futures.Future = concurrent.futures.Future()

    def notify(self, header: Any, frame: bytes) -> None:
        if header.op_code != OP_COMPUTE_TASK_FINISHED:
            return
        try:
            self.future.set_result((header, frame))
        except concurrent.futures.InvalidStateError:  # the caller gave up (cancelled) already
            pass

    def disconnected(self, error: BaseException) -> None:
        try:
            self.future.set_exception(error)
        except concurrent.futures.InvalidStateError:
            pass


class _Task:
    """A started task: the connection it runs on, its id, and its result to come."""

    __slots__ = ("conn", "listener", "name", "task_id", "timeout")

    def __init__(self, name: str, listener: _TaskListener, timeout: Optional[float]) -> None:
        self.name = name
        self.listener = listener
        self.timeout = timeout
        self.conn: Any = None
        self.task_id: Optional[int] = None

    def started(self, conn: Any, task_id: int) -> None:
        self.conn = conn
        self.task_id = task_id
        conn.listen(task_id, self.listener, once=True)  # TASK_FINISHED is the task's last word

    def forget(self) -> None:
        if self.conn is not None and self.task_id is not None:
            self.conn.unlisten(self.task_id)

    def close_request(self) -> Request:
        assert self.task_id is not None
        return compute_ops.close_task(self.task_id)

    def timeout_error(self) -> ComputeTimeoutError:
        return ComputeTimeoutError(
            f"compute task {self.name!r} did not finish within {self.timeout} s; it was closed on the cluster"
        )


def _as_timeout(exc: ComputeError, task: _Task) -> ComputeError:
    """A task error that reports the cluster's timeout becomes a :class:`ComputeTimeoutError`."""
    text = exc.message or ""
    if task.timeout and ("ComputeTaskTimeoutException" in text or "timed out" in text.lower()):
        err = ComputeTimeoutError(text, exc.status)
        err.__cause__ = exc.__cause__
        return err
    return exc


def _check_timeout(timeout: Any) -> Optional[float]:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0 or timeout == math.inf:
        raise ParameterError(f"timeout must be a positive finite number of seconds or None, not {timeout!r}")
    return float(timeout)


class Compute:
    """Runs compute tasks on the server nodes of a client, or of a cluster group (see the module
    documentation). Immutable: ``with_*`` return a new object.

    :param client: a :class:`~pyignite.client.Client` or :class:`~pyignite.aio_client.AioClient`;
    :param group: a :class:`~pyignite.cluster.ClusterGroup`, or ``None`` for every server node.
    """

    __slots__ = ("_client", "_flags", "_group", "_timeout")

    def __init__(self, client: Any, group: Any = None, flags: int = 0, timeout: Optional[float] = None) -> None:
        self._client = client
        self._group = group
        self._flags = flags
        self._timeout = _check_timeout(timeout)

    def __repr__(self) -> str:
        return f"<Compute on {self._group!r}>" if self._group is not None else f"<Compute of {self._client!r}>"

    @property
    def client(self) -> Any:
        return self._client

    @property
    def cluster_group(self) -> Any:
        """The :class:`~pyignite.cluster.ClusterGroup` tasks run on (``None``: every server node)."""
        return self._group

    def with_no_failover(self) -> Compute:
        """Tasks whose jobs are not failed over to another node when their node leaves."""
        return Compute(self._client, self._group, self._flags | NO_FAILOVER, self._timeout)

    def with_no_result_cache(self) -> Compute:
        """Tasks that do not keep the results of finished jobs (for tasks that need only the last
        one, or none, in ``reduce``)."""
        return Compute(self._client, self._group, self._flags | NO_RESULT_CACHE, self._timeout)

    def with_timeout(self, timeout: Optional[float]) -> Compute:
        """Tasks with this default timeout in seconds (``None``: none)."""
        return Compute(self._client, self._group, self._flags, timeout)

    # --- plans shared by both clients -----------------------------------------------------------

    def _start_plan(self, task: _Task, task_name: str, arg: Any, arg_hint: Any) -> Generator[Any, Any, _Task]:
        client = self._client
        client._require("compute")
        node_ids = None
        if self._group is not None:
            node_ids = yield from self._group._target_plan()
            if node_ids is not None and not node_ids:
                raise ComputeError(f"cannot run compute task {task_name!r}: the cluster group {self._group!r} is empty")
        yield from java_class_names_plan(client, (arg,))
        timeout_ms = 0 if task.timeout is None else max(1, math.ceil(task.timeout * 1000))
        try:
            req = compute_ops.execute_task(
                task_name, arg, node_ids, self._flags, timeout_ms, client._ctx, arg_hint,
            )
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"cannot send the argument of compute task {task_name!r}: {exc}") from None
        req.on_reply = task.started
        try:
            yield req
        except ComputeError as exc:
            if exc.status == TOO_MANY_COMPUTE_TASKS:
                raise ComputeError(
                    f"compute task {task_name!r} refused: this connection already runs as many tasks as the "
                    f"server allows (ThinClientConfiguration.maxActiveComputeTasksPerConnection): {exc.message}",
                    exc.status,
                ) from None
            raise
        return task

    def _finish_plan(self, task: _Task, header: Any, frame: bytes) -> Generator[Any, Any, Any]:
        task.forget()
        req = compute_ops.task_result_request(task.name)
        try:
            result = yield from typed_reply(req, frame, header, True, self._client._ctx)
        except ComputeError as exc:
            raise _as_timeout(exc, task) from None
        return result

    def _prepare(self, task_name: str, timeout: Any) -> _Task:
        if not isinstance(task_name, str) or not task_name:
            raise ParameterError(f"task_name must be a non-empty str, not {task_name!r}")
        timeout = self._timeout if timeout is None else _check_timeout(timeout)
        return _Task(task_name, _TaskListener(), timeout)

    # --- public API -----------------------------------------------------------------------------

    def execute(self, task_name: str, arg: Any = None, timeout: Optional[float] = None, arg_hint: Any = None) -> Any:
        """Run the task ``task_name`` with argument ``arg`` and return its result.

        :param task_name: the task's class name (or the name a node deployed it under);
        :param arg: the task's argument (any value pyignite can write; ``None`` by default);
        :param timeout: seconds after which the task is ended on the cluster and
            :class:`~pyignite.exceptions.ComputeTimeoutError` raised (default: the
            :meth:`with_timeout` value, else none);
        :param arg_hint: a type hint for ``arg`` (``LongObject``...);
        :raises ComputeError: the task failed (its Java exception), the cluster refused it (status
            1030 too many active tasks on this connection, 100 compute disabled), or the group is
            empty;
        :raises ComputeTimeoutError: the timeout expired;
        :raises NotSupportedByClusterError: the server lacks ``EXECUTE_TASK_BY_NAME``.

        With ``AioClient`` this returns a coroutine; cancelling it closes the task on the cluster.
        """
        task = self._prepare(task_name, timeout)
        if _is_async(self._client):
            return self._execute_aio(task, task_name, arg, arg_hint)
        return self._execute_sync(task, task_name, arg, arg_hint)

    def execute_async(
        self, task_name: str, arg: Any = None, timeout: Optional[float] = None, arg_hint: Any = None,
    ) -> Any:
        """Start the task and return without waiting for its result (arguments as :meth:`execute`).

        With ``Client``: the task is started (one round trip, in the calling thread) and a
        :class:`concurrent.futures.Future` of its result is returned; ``future.cancel()`` closes the
        task on the cluster. With ``AioClient``: the same coroutine as :meth:`execute` (wrap it in
        ``asyncio.ensure_future`` to run it in the background).
        """
        task = self._prepare(task_name, timeout)
        if _is_async(self._client):
            return self._execute_aio(task, task_name, arg, arg_hint)
        return self._execute_future(task, task_name, arg, arg_hint)

    # --- Client ---------------------------------------------------------------------------------

    def _close_sync(self, task: _Task) -> None:
        task.forget()
        if task.conn is None or not task.conn.alive:
            return
        try:
            self._client._send(task.close_request(), task.conn)
        except SocketError:  # the connection broke: the server dropped the task with it
            pass
        except CacheError as exc:  # 1011: the task ended meanwhile, nothing to close
            if exc.status != RESOURCE_DOES_NOT_EXIST:
                raise

    def _execute_sync(self, task: _Task, task_name: str, arg: Any, arg_hint: Any) -> Any:
        client = self._client
        client._drive(self._start_plan(task, task_name, arg, arg_hint))
        wait = None if task.timeout is None else task.timeout + TIMEOUT_GRACE
        try:
            # the connection's notification reader reads the socket while the task's listener is
            # registered; a lost connection completes the future with its error
            concurrent.futures.wait([task.listener.future], wait)
            if not task.listener.future.done():
                self._close_sync(task)
                raise task.timeout_error()
            header, frame = task.listener.future.result(0)
        except ComputeTimeoutError:
            raise
        except SocketError:
            task.forget()
            raise
        except BaseException:  # interrupted (KeyboardInterrupt...): the caller gave up
            with contextlib.suppress(Exception):  # the interruption is what the caller must see
                self._close_sync(task)
            raise
        return client._drive(self._finish_plan(task, header, frame))

    def _execute_future(self, task: _Task, task_name: str, arg: Any, arg_hint: Any) -> concurrent.futures.Future:
        client = self._client
        client._drive(self._start_plan(task, task_name, arg, arg_hint))
        out: concurrent.futures.Future = concurrent.futures.Future()

        def on_cancel(fut: concurrent.futures.Future) -> None:
            if fut.cancelled():
                with contextlib.suppress(Exception):  # cancel() must not fail
                    self._close_sync(task)

        out.add_done_callback(on_cancel)

        def deliver(done: concurrent.futures.Future) -> None:
            # runs on the thread that read the notification: decode without I/O when possible
            if out.done():
                return
            exc = done.exception()
            if exc is not None:
                _settle(out, exc=exc)
                return
            header, frame = done.result()
            # the session removed the task's one-shot listener as it delivered the notification
            req = compute_ops.task_result_request(task.name)
            try:
                _settle(out, read_response(req, frame, header, True, client._ctx))
            except MissingBinaryType:  # fetching binary types is I/O: not on the reading thread
                threading.Thread(target=self._finish_in_thread, args=(out, task, header, frame), daemon=True).start()
            except ComputeError as err:
                _settle(out, exc=_as_timeout(err, task))
            except Exception as err:  # a garbled result
                _settle(out, exc=err)

        task.listener.future.add_done_callback(deliver)
        out.add_done_callback(lambda f: _settle(task.listener.future, exc=_CANCELLED) if f.cancelled() else None)
        return out

    def _finish_in_thread(self, out: concurrent.futures.Future, task: _Task, header: Any, frame: bytes) -> None:
        try:
            _settle(out, self._client._drive(self._finish_plan(task, header, frame)))
        except Exception as exc:
            _settle(out, exc=exc)

    # --- AioClient ------------------------------------------------------------------------------

    async def _close_aio(self, task: _Task) -> None:
        task.forget()
        if task.conn is None or not task.conn.alive:
            return
        try:
            await self._client._send(task.close_request(), task.conn)
        except SocketError:  # the connection broke: the server dropped the task with it
            pass
        except CacheError as exc:  # 1011: the task ended meanwhile, nothing to close
            if exc.status != RESOURCE_DOES_NOT_EXIST:
                raise

    async def _execute_aio(self, task: _Task, task_name: str, arg: Any, arg_hint: Any) -> Any:
        client = self._client
        await client._drive(self._start_plan(task, task_name, arg, arg_hint))
        wait = None if task.timeout is None else task.timeout + TIMEOUT_GRACE
        try:
            header, frame = await asyncio.wait_for(asyncio.wrap_future(task.listener.future), wait)
        except asyncio.TimeoutError:
            await self._close_aio(task)
            raise task.timeout_error() from None
        except SocketError:
            task.forget()
            raise
        except BaseException:  # cancelled: close the task in the background, the caller is gone
            _background(self._close_aio(task))
            raise
        return await client._drive(self._finish_plan(task, header, frame))


#: background closes of cancelled tasks (kept referenced until done)
_PENDING: set = set()


def _background(coro: Any) -> None:
    fut = asyncio.ensure_future(coro)
    _PENDING.add(fut)

    def done(f: asyncio.Future) -> None:
        _PENDING.discard(f)
        if not f.cancelled():
            f.exception()  # retrieved: a close that failed only means the task is gone

    fut.add_done_callback(done)


#: what a cancelled future's task listener is completed with (nobody reads it)
_CANCELLED = SocketError("the caller cancelled the task")


def _settle(fut: concurrent.futures.Future, value: Any = None, exc: Optional[BaseException] = None) -> None:
    try:
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(value)
    except concurrent.futures.InvalidStateError:  # cancelled by the caller meanwhile
        pass


def _is_async(client: Any) -> bool:
    """Whether ``client`` runs its requests as coroutines (an ``AioClient``)."""
    return inspect.iscoroutinefunction(type(client)._execute)
