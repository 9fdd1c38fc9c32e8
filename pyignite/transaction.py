"""Thin client transactions (protocol >= 1.5.0).

Usage::

    from pyignite import Client, TransactionConcurrency, TransactionIsolation

    with client.tx_start(concurrency=TransactionConcurrency.PESSIMISTIC,
                         isolation=TransactionIsolation.REPEATABLE_READ) as tx:
        cache.put(1, 'one')
        cache.put(2, 'two')
        tx.commit()          # leaving the block without commit() rolls back

    async with aio_client.tx_start() as tx:   # AioClient: the same, awaited
        await cache.put(1, 'one')
        await tx.commit()

Theory of operation
-------------------
A transaction is *bound* to where it was started: the current thread for the blocking
:class:`~pyignite.client.Client` (:class:`ThreadTxBinding`, a ``threading.local``), the current
asyncio task -- more exactly the current :mod:`contextvars` context -- for the
:class:`~pyignite.aio_client.AioClient` (:class:`ContextTxBinding`). Tasks created inside the
``async with`` block copy the context and so run inside the transaction too.

While a transaction is bound, the client's runner (``_execute``) calls :meth:`BaseTransaction.route`
for every request issued there: the request goes to the transaction's connection, and key-value
requests get the transaction id patched into their cache prefix
(:func:`pyignite.protocol.tx_ops.bind_to_tx`). The API methods and request builders do not know about
transactions at all. The transaction start request itself is routed the same way: the transaction
is bound first and *attaches* to the connection the runner picks for the start request
(:meth:`BaseTransaction.attach`, which also checks the protocol version).

Only one transaction per thread (task) and client may be open at a time, and it is ended (commit,
rollback, close) where it was started, as in the Java thin client. The server limits open
transactions per connection (``ThinClientConfiguration.maxActiveTxPerConnection``, default 100):
starting one more raises :class:`~pyignite.exceptions.TransactionError` with status 1020. When the
connection of a transaction breaks, the server rolls the transaction back: operations inside it and
``commit()`` raise :class:`~pyignite.exceptions.TransactionError`; ``rollback()``/``close()`` just
close it.

Caches must be ``TRANSACTIONAL`` (``PROP_CACHE_ATOMICITY_MODE: 0``) for their operations to take part
in a transaction; operations on ``ATOMIC`` caches run outside it.
"""

from __future__ import annotations

import contextvars
import threading
from datetime import timedelta
from enum import IntEnum
from typing import Any, Optional, Tuple, Union

from pyignite.exceptions import ParameterError, TransactionError
from pyignite.protocol import capabilities, tx_ops
from pyignite.protocol.request import Request

__all__ = [
    "AioTransaction",
    "BaseTransaction",
    "ContextTxBinding",
    "ThreadTxBinding",
    "Transaction",
    "TransactionConcurrency",
    "TransactionIsolation",
]

#: transactions need this protocol version
TX_VERSION = (1, 5, 0)
_MAX_TIMEOUT = (1 << 63) - 1


class TransactionConcurrency(IntEnum):
    """Concurrency control of a transaction (Java ``TransactionConcurrency`` ordinals)."""

    #: locks are acquired at commit (prepare) time; conflicts are detected then
    OPTIMISTIC = 0
    #: locks are acquired on first access (reads too, for REPEATABLE_READ and SERIALIZABLE)
    PESSIMISTIC = 1


class TransactionIsolation(IntEnum):
    """Isolation level of a transaction (Java ``TransactionIsolation`` ordinals)."""

    READ_COMMITTED = 0
    REPEATABLE_READ = 1
    SERIALIZABLE = 2


class TxArgumentError(ParameterError, TypeError, ValueError):
    """A bad transaction argument: a :class:`ParameterError` that is also the ``TypeError`` /
    ``ValueError`` the official client raises for it, so code written for either catches it."""


def _enum_arg(name: str, value: Any, enum: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TxArgumentError(f"{name} must be a {enum.__name__} member, not {value!r}")
    try:
        return enum(value)
    except ValueError:
        raise TxArgumentError(
            f"{name} must be one of {', '.join(f'{m.name} ({m.value})' for m in enum)}, not {value!r}"
        ) from None


def _timeout_ms(timeout: Any) -> int:
    if isinstance(timeout, timedelta):
        ms = timeout // timedelta(milliseconds=1)
    elif isinstance(timeout, bool) or not isinstance(timeout, int):
        raise TxArgumentError(
            f"timeout must be an int number of milliseconds (0: no timeout) or a timedelta, not {timeout!r}"
        )
    else:
        ms = timeout
    if not 0 <= ms <= _MAX_TIMEOUT:
        raise TxArgumentError(f"timeout must be >= 0 ms (0: no timeout), not {timeout!r}")
    return ms


class BaseTransaction:
    """What the blocking and the asyncio transaction share: arguments, state, routing.

    :ivar tx_id: the server's id of the transaction (``None`` until started);
    :ivar connection: the connection it lives on (``None`` until started);
    :ivar closed: committed, rolled back or failed to start.
    """

    __slots__ = ("client", "closed", "concurrency", "connection", "isolation", "label", "timeout", "tx_id")

    def __init__(
        self,
        client: Any,
        concurrency: Union[TransactionConcurrency, int] = TransactionConcurrency.PESSIMISTIC,
        isolation: Union[TransactionIsolation, int] = TransactionIsolation.REPEATABLE_READ,
        timeout: Union[int, timedelta] = 0,
        label: Optional[str] = None,
    ) -> None:
        if label is not None and not isinstance(label, str):
            raise TxArgumentError(f"label must be a str or None, not {label!r}")
        self.client = client
        self.concurrency = TransactionConcurrency(_enum_arg("concurrency", concurrency, TransactionConcurrency))
        self.isolation = TransactionIsolation(_enum_arg("isolation", isolation, TransactionIsolation))
        self.timeout = _timeout_ms(timeout)
        self.label = label
        self.tx_id: Optional[int] = None
        self.connection: Any = None
        self.closed = False

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("open" if self.tx_id is not None else "not started")
        return (
            f"<{type(self).__name__} id={self.tx_id} {self.concurrency.name} {self.isolation.name} "
            f"timeout={self.timeout}ms label={self.label!r} {state}>"
        )

    # --- runner protocol ----------------------------------------------------------------------

    def route(self, req: Request) -> Any:
        """Called by the runner for a request issued while this transaction is bound.

        Returns the connection the request must use, or ``None`` while the transaction has no
        connection yet (its start request: the runner then picks one and calls :meth:`attach`).
        Key-value requests are bound to the transaction (see :func:`tx_ops.bind_to_tx`).
        """
        conn = self.connection
        if conn is None:
            return None
        if not conn.alive:
            raise TransactionError(
                f"the connection of transaction {self.tx_id} to {conn.host}:{conn.port} was lost and the "
                "server rolled the transaction back; close it (rollback()) before doing anything else here"
            )
        if self.tx_id is not None:
            tx_ops.bind_to_tx(req, self.tx_id)
        return conn

    def attach(self, conn: Any) -> Any:
        """Pin this (starting) transaction to ``conn``; raise
        :class:`~pyignite.exceptions.NotSupportedByClusterError` before 1.5.0."""
        err = capabilities.check(
            conn.protocol_version, capabilities.negotiated_features(conn), "transactions", f"{conn.host}:{conn.port}"
        )
        if err is not None:
            raise err
        self.connection = conn
        return conn

    # --- shared steps of start and end ----------------------------------------------------------

    def _start_request(self) -> Request:
        if self.closed or self.tx_id is not None:
            raise TransactionError("a transaction object can be started only once")
        return tx_ops.tx_start(self.concurrency, self.isolation, self.timeout, self.label)

    def _end_request(self, committed: bool) -> Optional[Request]:
        """The request that ends the transaction, or ``None`` when there is nothing to send.

        Raises :class:`TransactionError` for a commit of a closed or lost transaction and for an
        end outside the thread/task that started it.
        """
        if self.closed:
            if committed:
                raise TransactionError(f"transaction {self.tx_id} is already closed; it cannot be committed")
            return None
        if self.tx_id is None:
            raise TransactionError("the transaction has not been started")
        if self.client._txs.current() is not self:
            raise TransactionError(
                f"transaction {self.tx_id} can be ended only in the thread (or asyncio task) that started it"
            )
        conn = self.connection
        if conn is None or not conn.alive:
            if committed:
                self._mark_closed()
                raise TransactionError(
                    f"transaction {self.tx_id} cannot be committed: its connection was lost and the server "
                    "rolled it back"
                )
            return None
        return tx_ops.tx_end(self.tx_id, committed)

    def _mark_closed(self) -> None:
        self.closed = True
        self.client._txs.unbind(self)


class Transaction(BaseTransaction):
    """A transaction of the blocking :class:`~pyignite.client.Client`; started when created.

    Obtain it from :meth:`Client.tx_start`. Use it as a context manager: leaving the ``with``
    block without :meth:`commit` -- normally or by an exception -- rolls the transaction back.

    Raises :class:`NotSupportedError` (protocol < 1.5.0), :class:`TransactionError` (status 1020 when
    the server's per-connection transaction limit is reached; another transaction already open in
    this thread), :class:`ParameterError` for bad arguments.
    """

    __slots__ = ()

    def __init__(self, client: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(client, *args, **kwargs)
        req = self._start_request()
        client._txs.bind(self)
        try:
            self.tx_id = client._execute(req)
        except BaseException:
            self._mark_closed()
            raise

    def commit(self) -> None:
        """Commit the transaction. Raises :class:`TransactionError` if it is closed (or lost), and the
        server's error if the commit fails (for example an optimistic SERIALIZABLE conflict); the
        transaction is closed either way."""
        self._end(True)

    def rollback(self) -> None:
        """Roll the transaction back (nothing happens if it is already closed)."""
        self._end(False)

    def close(self) -> None:
        """Roll back unless committed or rolled back already."""
        self._end(False)

    def _end(self, committed: bool) -> None:
        req = self._end_request(committed)
        if req is None:
            self._mark_closed()
            return
        try:
            self.client._execute(req)
        finally:
            self._mark_closed()

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AioTransaction(BaseTransaction):
    """A transaction of the :class:`~pyignite.aio_client.AioClient`; started by ``async with`` or ``await``.

    ``async with client.tx_start(...) as tx:`` starts it and rolls it back on leaving the block
    unless :meth:`commit` was awaited; ``tx = await client.tx_start(...)`` starts it too. Errors as
    for :class:`Transaction`.
    """

    __slots__ = ()

    async def _start(self) -> AioTransaction:
        req = self._start_request()
        self.client._txs.bind(self)
        try:
            self.tx_id = await self.client._execute(req)
        except BaseException:
            self._mark_closed()
            raise
        return self

    def __await__(self) -> Any:
        return self._start().__await__()

    async def commit(self) -> None:
        """Commit (see :meth:`Transaction.commit`)."""
        await self._end(True)

    async def rollback(self) -> None:
        """Roll back (nothing happens if already closed)."""
        await self._end(False)

    async def close(self) -> None:
        """Roll back unless committed or rolled back already."""
        await self._end(False)

    async def _end(self, committed: bool) -> None:
        req = self._end_request(committed)
        if req is None:
            self._mark_closed()
            return
        try:
            await self.client._execute(req)
        finally:
            self._mark_closed()

    async def __aenter__(self) -> AioTransaction:
        if self.tx_id is None:
            await self._start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


# --- bindings: where the current transaction of a caller is kept --------------------------------

class ThreadTxBinding:
    """The open transaction of each thread, for one blocking client.

    :ivar active: number of bound transactions (all threads): the runner skips the thread-local lookup
        entirely while it is 0.
    """

    __slots__ = ("_local", "_lock", "active")

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self.active = 0

    def current(self) -> Optional[BaseTransaction]:
        if not self.active:
            return None
        tx = getattr(self._local, "tx", None)
        if tx is not None and tx.closed:
            return None
        return tx

    def bind(self, tx: BaseTransaction) -> None:
        other = self.current()
        if other is not None:
            raise TransactionError(
                f"a transaction ({other.tx_id}) is already open in this thread; commit or roll it back first"
            )
        self._local.tx = tx
        with self._lock:
            self.active += 1

    def unbind(self, tx: BaseTransaction) -> None:
        if getattr(self._local, "tx", None) is tx:
            self._local.tx = None
            with self._lock:
                self.active -= 1


#: the transactions bound in the current context, of any AioClient
_CONTEXT_TXS: contextvars.ContextVar[Tuple[BaseTransaction, ...]] = contextvars.ContextVar(
    "pyignite_transactions", default=()
)


class ContextTxBinding:
    """The open transaction of each asyncio task (contextvars context), for one asyncio client."""

    __slots__ = ("_client", "active")

    def __init__(self, client: Any) -> None:
        self._client = client
        self.active = 0

    def current(self) -> Optional[BaseTransaction]:
        if not self.active:
            return None
        for tx in _CONTEXT_TXS.get():
            if tx.client is self._client and not tx.closed:
                return tx
        return None

    def bind(self, tx: BaseTransaction) -> None:
        other = self.current()
        if other is not None:
            raise TransactionError(
                f"a transaction ({other.tx_id}) is already open in this task; commit or roll it back first"
            )
        _CONTEXT_TXS.set((*(t for t in _CONTEXT_TXS.get() if not t.closed), tx))
        self.active += 1

    def unbind(self, tx: BaseTransaction) -> None:
        txs = _CONTEXT_TXS.get()
        if any(t is tx for t in txs):
            _CONTEXT_TXS.set(tuple(t for t in txs if t is not tx))
            self.active -= 1
