"""Transaction requests (protocol >= 1.5.0), and how a cache request joins a transaction, sans I/O.

Wire format
-----------
* ``OP_TX_START`` (4000): ``byte concurrency, byte isolation, i64 timeout (ms), String label``
  (nullable); the reply is the ``i32`` transaction id, unique per connection.
* ``OP_TX_END`` (4001): ``i32 tx id, bool committed``; empty reply.
* A key-value request runs inside a transaction when its cache prefix has the ``TRANSACTIONAL``
  flag (0x02) and the ``i32`` tx id right after the prefix (after the 24-byte expiry block when the
  ``WITH_EXPIRY_POLICY`` flag is set).

Theory of operation
-------------------
Key-value builders (:mod:`pyignite.protocol.cache_ops`) know nothing of transactions. The client's
runner asks the transaction bound to the caller's thread or task whether there is one; if so it
calls :func:`bind_to_tx` on every request before sending it. That function patches the frame in
place -- sets the flag bit and inserts the id -- but only for the operations the server reads a
transaction id for (:data:`TX_AWARE_OPS`: the classes extending ``ClientCacheDataRequest`` that the
Java thin client sends under a transaction). Every other request (cache creation, queries, binary
types, cluster operations) passes through unchanged and merely travels on the transaction's
connection. The frame layout this relies on is fixed for every cache request::

    0   i32 length      4  i16 op code     6  i64 request id
    14  i32 cache id    18 byte flags      19 [3 x i64 expiry]  19|43 [i32 tx id]  ... payload
"""

from __future__ import annotations

import struct
from typing import Optional

from pyignite.datatypes.base import NO_CONTEXT, CodecContext, encode
from pyignite.exceptions import ParseError, TransactionError
from pyignite.protocol import op_codes as op
from pyignite.protocol.frames import REQUEST_HEADER_SIZE, new_request, op_code_of
from pyignite.protocol.request import Request

__all__ = ["TX_AWARE_OPS", "bind_to_tx", "tx_end", "tx_start"]

FLAG_TRANSACTIONAL = 0x02
FLAG_WITH_EXPIRY_POLICY = 0x04

_TX_START = struct.Struct("<bbq")
_TX_END = struct.Struct("<i?")
_INT = struct.Struct("<i")

#: offset of the flags byte of a cache request (header, then i32 cache id)
FLAGS_OFFSET = REQUEST_HEADER_SIZE + 4
_EXPIRY_SIZE = 24

#: Operations whose cache prefix may carry a transaction id.
TX_AWARE_OPS = frozenset({
    op.OP_CACHE_GET,
    op.OP_CACHE_PUT,
    op.OP_CACHE_PUT_IF_ABSENT,
    op.OP_CACHE_GET_ALL,
    op.OP_CACHE_PUT_ALL,
    op.OP_CACHE_GET_AND_PUT,
    op.OP_CACHE_GET_AND_REPLACE,
    op.OP_CACHE_GET_AND_REMOVE,
    op.OP_CACHE_GET_AND_PUT_IF_ABSENT,
    op.OP_CACHE_REPLACE,
    op.OP_CACHE_REPLACE_IF_EQUALS,
    op.OP_CACHE_CONTAINS_KEY,
    op.OP_CACHE_CONTAINS_KEYS,
    op.OP_CACHE_CLEAR_KEY,
    op.OP_CACHE_CLEAR_KEYS,
    op.OP_CACHE_REMOVE_KEY,
    op.OP_CACHE_REMOVE_IF_EQUALS,
    op.OP_CACHE_REMOVE_KEYS,
    1024,  # OP_CACHE_INVOKE
    1025,  # OP_CACHE_INVOKE_ALL
})


def _parse_tx_id(frame: bytes, pos: int, ctx: CodecContext) -> int:
    try:
        return _INT.unpack_from(frame, pos)[0]
    except struct.error:
        raise ParseError("truncated transaction id in the OP_TX_START reply") from None


def tx_start(concurrency: int, isolation: int, timeout_ms: int, label: Optional[str]) -> Request:
    """``OP_TX_START``; the parsed reply is the transaction id.

    Arguments are already validated (see :class:`pyignite.transaction.Transaction`).
    """
    buf = new_request(op.OP_TX_START)
    buf += _TX_START.pack(concurrency, isolation, timeout_ms)
    encode(buf, label, None, NO_CONTEXT)
    return Request(buf, _parse_tx_id, TransactionError, "transaction start")


def tx_end(tx_id: int, committed: bool) -> Request:
    """``OP_TX_END``: commit (``committed=True``) or roll back transaction ``tx_id``."""
    buf = new_request(op.OP_TX_END)
    buf += _TX_END.pack(tx_id, committed)
    return Request(buf, None, TransactionError, f"transaction {tx_id} {'commit' if committed else 'rollback'}")


def bind_to_tx(req: Request, tx_id: int) -> bool:
    """Make ``req`` part of transaction ``tx_id`` if its operation takes part in transactions.

    Patches the frame in place (flag bit + inserted ``i32`` id) and sets ``req.tx_id``. Returns
    whether the request was bound. A request already bound (``req.tx_id`` set, or the flag already in
    its frame) is left as it is, so calling this twice is harmless.
    """
    if req.tx_id is not None:
        return req.tx_id == tx_id
    frame = req.frame
    if len(frame) <= FLAGS_OFFSET or op_code_of(frame) not in TX_AWARE_OPS:
        return False
    flags = frame[FLAGS_OFFSET]
    if flags & FLAG_TRANSACTIONAL:
        return False
    pos = FLAGS_OFFSET + 1
    if flags & FLAG_WITH_EXPIRY_POLICY:
        pos += _EXPIRY_SIZE
    frame[FLAGS_OFFSET] = flags | FLAG_TRANSACTIONAL
    frame[pos:pos] = _INT.pack(tx_id)
    req.tx_id = tx_id
    return True

