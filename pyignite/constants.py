"""Constants under the names of the official client's ``pyignite.constants``.

Code written for the official client imports some of these (``MAX_INT`` to bound values,
``PROTOCOLS`` to list versions...). Each one here is this client's own value, taken from where
this client defines it; constants of the official client's internals that this client has no
counterpart for (its affinity retry delays, its reconnect back-off table) are not provided.
"""

from __future__ import annotations

import ssl
from typing import FrozenSet

from pyignite.api_base import DEFAULT_HOST, DEFAULT_PORT
from pyignite.datatypes.complex import FNV1_OFFSET_BASIS, FNV1_PRIME
from pyignite.protocol.frames import FLAG_AFFINITY_TOPOLOGY_CHANGED, FLAG_ERROR
from pyignite.protocol.handshake import LATEST, PROTOCOL_VERSIONS, Version

__all__ = [
    "FNV1_OFFSET_BASIS",
    "FNV1_PRIME",
    "IGNITE_DEFAULT_HOST",
    "IGNITE_DEFAULT_PORT",
    "MAX_INT",
    "MAX_LONG",
    "MIN_INT",
    "MIN_LONG",
    "PROTOCOLS",
    "PROTOCOL_BYTE_ORDER",
    "PROTOCOL_CHAR_ENCODING",
    "PROTOCOL_STRING_ENCODING",
    "PROTOCOL_VERSION_MAJOR",
    "PROTOCOL_VERSION_MINOR",
    "PROTOCOL_VERSION_PATCH",
    "RHF_ERROR",
    "RHF_TOPOLOGY_CHANGED",
    "SSL_DEFAULT_CIPHERS",
    "SSL_DEFAULT_VERSION",
]

#: the binary protocol versions this client speaks
PROTOCOLS: FrozenSet[Version] = frozenset(PROTOCOL_VERSIONS)
#: the newest of them, proposed first in the handshake
PROTOCOL_VERSION_MAJOR, PROTOCOL_VERSION_MINOR, PROTOCOL_VERSION_PATCH = LATEST

#: Java ``Long.MAX_VALUE`` / ``MIN_VALUE`` and ``Integer.MAX_VALUE`` / ``MIN_VALUE``
MAX_LONG = 2**63 - 1
MIN_LONG = -(2**63)
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)

#: every number of the protocol is little-endian; strings are UTF-8, chars UTF-16
PROTOCOL_BYTE_ORDER = "little"
PROTOCOL_STRING_ENCODING = "utf-8"
PROTOCOL_CHAR_ENCODING = "utf-16le"

#: the TLS version pinned by ``ssl_version`` when it is given as the official client's default; this
#: client itself negotiates TLS 1.2 or newer unless ``ssl_version`` pins one
SSL_DEFAULT_VERSION = ssl.PROTOCOL_TLSv1_2
#: the cipher list used when ``ssl_ciphers`` is not given (Python's default)
SSL_DEFAULT_CIPHERS = getattr(ssl, "_DEFAULT_CIPHERS", "DEFAULT")

#: where ``connect()`` goes without arguments
IGNITE_DEFAULT_HOST = DEFAULT_HOST
IGNITE_DEFAULT_PORT = DEFAULT_PORT

#: response header flags (protocol 1.4.0 and newer)
RHF_ERROR = FLAG_ERROR
RHF_TOPOLOGY_CHANGED = FLAG_AFFINITY_TOPOLOGY_CHANGED
