"""Transports: they move bytes between sockets and the protocol core."""

from pyignite.connection.roundrobin import RoundRobin
from pyignite.connection.sync import Connection

__all__ = ["Connection", "RoundRobin"]
