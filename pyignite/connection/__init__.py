"""Transports: they move bytes between sockets and the protocol core.

:class:`Connection` is the blocking transport, :class:`AioConnection` the asyncio one (the names
the official client uses for its two), :class:`RoundRobin` a reconnection policy for ``connect()``.
"""

from typing import TYPE_CHECKING, Any

from pyignite.connection.protocol_context import ProtocolContext
from pyignite.connection.roundrobin import RoundRobin
from pyignite.connection.sync import Connection

if TYPE_CHECKING:
    from pyignite.connection.aio import AioConnection

__all__ = ["AioConnection", "Connection", "ProtocolContext", "RoundRobin"]


def __getattr__(name: str) -> Any:
    """``AioConnection`` is imported on first use (PEP 562): the blocking client never imports asyncio."""
    if name == "AioConnection":
        from pyignite.connection.aio import AioConnection

        return AioConnection
    raise AttributeError(f"module 'pyignite.connection' has no attribute {name!r}")


def __dir__() -> list:
    """The lazily imported names too (documentation tools and ``dir()`` list them)."""
    return sorted(set(globals()) | {"AioConnection"})
