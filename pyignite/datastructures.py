"""Distributed data structures: :class:`AtomicLong` and :class:`IgniteSet` (written once for both clients).

Obtain them with ``client.atomic_long(name, ...)`` and ``client.ignite_set(name, ...)``. Every method
runs through the client's runner, so with :class:`~pyignite.client.Client` it returns the value and
with :class:`~pyignite.aio_client.AioClient` an awaitable of it::

    counter = client.atomic_long('visits', initial=0)
    counter.increment_and_get()                      # 1

    counter = await aio_client.atomic_long('visits')
    await counter.add_and_get(10)                    # 11

    tags = client.ignite_set('tags', backups=1)
    tags.add_all(['a', 'b'])
    'a' in tags, len(tags), set(tags)                # True, 2, {'a', 'b'}

    tags = await aio_client.ignite_set('tags')
    async for tag in tags:
        ...

Both live in the cluster, not in the client: every operation is one request (atomic on the server),
any number of clients and threads may share them, and they survive the client. ``remove()`` (AtomicLong)
and ``close()`` (IgniteSet) delete them cluster-wide; later operations on them raise
:class:`~pyignite.exceptions.CacheError` with status ``RESOURCE_DOES_NOT_EXIST`` (1011).

Server support: Ignite 2.14 and newer. An older server does not know the operations: it answers
``INVALID_OP_CODE``, which the client raises as :class:`~pyignite.exceptions.NotSupportedByClusterError`
naming the capability (``"atomic long"``, ``"ignite set"``).

IgniteSet values are stored by the server as binary objects (``keep_binary=True``, the default), so
Complex objects need no Java class on the server; Python ``set`` semantics follow from Ignite's
equality of the stored binary forms: ``1`` (a ``long``) and ``IntObject`` 1 are different values, as
they are in Java.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from pyignite.exceptions import ParameterError
from pyignite.protocol import datastructures_ops as ds
from pyignite.protocol import op_codes as op
from pyignite.protocol.request import Request

__all__ = ["AtomicLong", "IgniteSet"]

#: entries per round trip of an IgniteSet iteration unless told otherwise
DEFAULT_SET_PAGE_SIZE = 1024


class AtomicLong:
    """A distributed ``long`` with atomic operations (Java ``IgniteAtomicLong``).

    Obtained with :meth:`Client.atomic_long <pyignite.api_base.BaseClient.atomic_long>`; no I/O
    happens when the object is made, each method is one request.

    :ivar name: the AtomicLong's name;
    :ivar group_name: its cache group (``None``: the default atomics group).
    """

    __slots__ = ("_client", "group_name", "name")

    def __init__(self, client: Any, name: str, group_name: Optional[str] = None) -> None:
        self._client = client
        self.name = name
        self.group_name = group_name

    def __repr__(self) -> str:
        return f"<AtomicLong {self.name!r}>"

    def _op(self, op_code: int, *args: int) -> Any:
        return self._client._execute(ds.atomic_long_op(op_code, self.name, self.group_name, *args))

    def get(self) -> Any:
        """The current value."""
        return self._op(op.OP_ATOMIC_LONG_VALUE_GET)

    def add_and_get(self, delta: int) -> Any:
        """Add ``delta`` (may be negative) and return the new value."""
        return self._op(op.OP_ATOMIC_LONG_VALUE_ADD_AND_GET, delta)

    def get_and_add(self, delta: int) -> Any:
        """Add ``delta`` and return the value before."""
        ds.check_long("delta", delta)
        return self._client._drive(self._minus(op.OP_ATOMIC_LONG_VALUE_ADD_AND_GET, delta))

    def _minus(self, op_code: int, delta: int) -> Any:
        # one atomic add on the server; the value before is the new value minus delta (two's complement)
        new = yield ds.atomic_long_op(op_code, self.name, self.group_name, delta)
        old = new - delta
        if old > 0x7FFFFFFFFFFFFFFF:
            old -= 1 << 64
        elif old < -0x8000000000000000:
            old += 1 << 64
        return old

    def increment_and_get(self) -> Any:
        """Add 1 and return the new value."""
        return self.add_and_get(1)

    def decrement_and_get(self) -> Any:
        """Subtract 1 and return the new value."""
        return self.add_and_get(-1)

    def get_and_increment(self) -> Any:
        """Add 1 and return the value before."""
        return self.get_and_add(1)

    def get_and_decrement(self) -> Any:
        """Subtract 1 and return the value before."""
        return self.get_and_add(-1)

    def get_and_set(self, value: int) -> Any:
        """Set ``value`` and return the value before."""
        return self._op(op.OP_ATOMIC_LONG_VALUE_GET_AND_SET, value)

    def compare_and_set(self, expected: int, value: int) -> Any:
        """Set ``value`` if the current value is ``expected``; True if it was set."""
        return self._op(op.OP_ATOMIC_LONG_VALUE_COMPARE_AND_SET, expected, value)

    def compare_and_set_and_get(self, expected: int, value: int) -> Any:
        """Set ``value`` if the current value is ``expected``; return the value before the operation
        (so it was set exactly when the result equals ``expected``)."""
        return self._op(op.OP_ATOMIC_LONG_VALUE_COMPARE_AND_SET_AND_GET, expected, value)

    def exists(self) -> Any:
        """Whether the AtomicLong exists in the cluster (False once removed)."""
        return self._op(op.OP_ATOMIC_LONG_EXISTS)

    def remove(self) -> Any:
        """Delete the AtomicLong from the cluster (for every client). Removing a removed one is a no-op."""
        return self._op(op.OP_ATOMIC_LONG_REMOVE)

    #: Java's ``close()`` removes the AtomicLong too
    close = remove


def atomic_long_call(client: Any, name: str, initial: int, create: bool, config: Optional[ds.AtomicConfig]) -> Any:
    """The body of :meth:`pyignite.api_base.BaseClient.atomic_long`."""
    if not isinstance(create, bool):
        raise ParameterError(f"create must be True or False, not {create!r}")
    client._require("atomic long")
    group = config.group_name if config is not None else None
    handle = AtomicLong(client, ds._name(name, "AtomicLong"), group)
    if create:
        req = ds.atomic_long_create(name, initial, config)
    else:
        ds.check_long("initial", initial)
        req = ds.atomic_long_op(op.OP_ATOMIC_LONG_EXISTS, name, group)

    def plan() -> Any:
        result = yield req
        if not create and not result:
            return None
        return handle

    return client._drive(plan())


class IgniteSet:
    """A distributed set (Java ``IgniteSet``), obtained with
    :meth:`Client.ignite_set <pyignite.api_base.BaseClient.ignite_set>`.

    Methods are single requests; iteration fetches ``page_size`` values per round trip. With the
    blocking client the object also works as a Python collection: ``x in s``, ``len(s)``, ``for x in
    s`` and ``set(s)``; with the asyncio client use ``await s.contains(x)``, ``await s.size()`` and
    ``async for x in s``.

    :ivar name: the set's name;
    :ivar collocated: whether all its values live on one node;
    :ivar cache_id: id of the cache that holds it.
    """

    __slots__ = ("_client", "_keep_binary", "_ref", "page_size")

    def __init__(self, client: Any, ref: ds.SetRef, keep_binary: bool = True,
                 page_size: int = DEFAULT_SET_PAGE_SIZE) -> None:
        self._client = client
        self._ref = ref
        self._keep_binary = keep_binary
        self.page_size = page_size

    def __repr__(self) -> str:
        return f"<IgniteSet {self._ref.name!r}>"

    @property
    def name(self) -> str:
        return self._ref.name

    @property
    def collocated(self) -> bool:
        return self._ref.collocated

    @property
    def cache_id(self) -> int:
        return self._ref.cache_id

    def _run(self, req: Request) -> Any:
        return self._client._execute(req)

    def _one(self, op_code: int, value: Any) -> Any:
        return self._run(ds.set_value_op(op_code, self._ref, value, self._keep_binary, self._client._ctx))

    def _many(self, op_code: int, values: Iterable[Any]) -> Any:
        return self._run(ds.set_values_op(op_code, self._ref, values, self._keep_binary, self._client._ctx))

    def add(self, value: Any) -> Any:
        """Add ``value`` (or a ``(value, hint)`` tuple); True if it was not there."""
        return self._one(op.OP_SET_VALUE_ADD, value)

    def remove(self, value: Any) -> Any:
        """Remove ``value``; True if it was there."""
        return self._one(op.OP_SET_VALUE_REMOVE, value)

    discard = remove

    def contains(self, value: Any) -> Any:
        """Whether ``value`` is in the set."""
        return self._one(op.OP_SET_VALUE_CONTAINS, value)

    def add_all(self, values: Iterable[Any]) -> Any:
        """Add every value; True if the set changed."""
        return self._many(op.OP_SET_VALUE_ADD_ALL, values)

    def remove_all(self, values: Iterable[Any]) -> Any:
        """Remove every value given; True if the set changed."""
        return self._many(op.OP_SET_VALUE_REMOVE_ALL, values)

    def contains_all(self, values: Iterable[Any]) -> Any:
        """Whether every value given is in the set."""
        return self._many(op.OP_SET_VALUE_CONTAINS_ALL, values)

    def retain_all(self, values: Iterable[Any]) -> Any:
        """Keep only the values given (an intersection); True if the set changed."""
        return self._many(op.OP_SET_VALUE_RETAIN_ALL, values)

    def size(self) -> Any:
        """The number of values."""
        return self._run(ds.set_op(op.OP_SET_SIZE, self._ref))

    def clear(self) -> Any:
        """Remove every value (the set itself remains)."""
        return self._run(ds.set_op(op.OP_SET_CLEAR, self._ref))

    def exists(self) -> Any:
        """Whether the set exists in the cluster (False once closed)."""
        return self._run(ds.set_op(op.OP_SET_EXISTS, self._ref))

    def close(self) -> Any:
        """Delete the set from the cluster (for every client)."""
        return self._run(ds.set_op(op.OP_SET_CLOSE, self._ref))

    def values(self, page_size: Optional[int] = None) -> Any:
        """A cursor over the values, fetched ``page_size`` at a time (default :attr:`page_size`):
        with the blocking client an iterator and a context manager, with the asyncio client an
        async iterator (``async for``, ``async with``). Leaving early releases the server's iterator."""
        from pyignite.api_base import cursor_plan

        req, core = ds.set_iterator(self._ref, self.page_size if page_size is None else page_size)
        client = self._client
        coro = client._drive(cursor_plan(client, req, core))
        call = getattr(client, "_cursor_call", None)
        return call(coro) if call is not None else coro

    # --- Python collection protocol (blocking client) ---------------------------------------------

    def _sync_only(self, what: str) -> None:
        if getattr(self._client, "_cursor_call", None) is not None:
            raise TypeError(f"{what} needs the blocking Client; with AioClient use the coroutine methods")

    def __iter__(self) -> Any:
        self._sync_only("iter(IgniteSet)")
        return iter(self.values())

    def __aiter__(self) -> Any:
        return self.values().__aiter__()

    def __len__(self) -> int:
        self._sync_only("len(IgniteSet)")
        return int(self.size())

    def __contains__(self, value: Any) -> bool:
        self._sync_only("'in' on an IgniteSet")
        return bool(self.contains(value))


def ignite_set_call(client: Any, name: str, create: bool, config: Optional[ds.SetConfig], keep_binary: bool,
                    page_size: int) -> Any:
    """The body of :meth:`pyignite.api_base.BaseClient.ignite_set`."""
    from pyignite.protocol.query_ops import check_page_size

    for arg, value in (("create", create), ("keep_binary", keep_binary)):
        if not isinstance(value, bool):
            raise ParameterError(f"{arg} must be True or False, not {value!r}")
    check_page_size(page_size)
    client._require("ignite set")
    req = ds.set_get_or_create(name, config if create else None)

    def plan() -> Any:
        ref = yield req
        return None if ref is None else IgniteSet(client, ref, keep_binary, page_size)

    return client._drive(plan())
