"""Small helpers shared by the tests."""

from __future__ import annotations

import socket
import uuid


def unique_name(prefix: str = "test") -> str:
    """A cache or table name no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    """A loopback TCP port nothing listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
