"""Transports: they move bytes between sockets and the protocol core.

:class:`Connection` is the blocking transport, :class:`AioConnection` the asyncio one (the names
the official client uses for its two), :class:`RoundRobin` a reconnection policy for ``connect()``.
"""

from pyignite.connection.aio import AioConnection
from pyignite.connection.protocol_context import ProtocolContext
from pyignite.connection.roundrobin import RoundRobin
from pyignite.connection.sync import Connection

__all__ = ["AioConnection", "Connection", "ProtocolContext", "RoundRobin"]
