"""Compute task requests (op 6000) and the task-finished notification (op 6001), sans I/O.

Wire format (the server's ``platform/client/compute`` classes)
---------------------------------------------------------------
* ``OP_COMPUTE_TASK_EXECUTE`` (6000, feature ``EXECUTE_TASK_BY_NAME``): ``i32`` count of node ids and
  the ids as raw ``(i64 msb, i64 lsb)`` pairs (none: every server node), ``byte`` flags
  (:data:`NO_FAILOVER` 0x01, :data:`NO_RESULT_CACHE` 0x02), ``i64`` timeout in milliseconds (0: none),
  ``String`` task name (a class name, or a name a node deployed the task under), the argument (an
  object). The reply is the ``i64`` id of the task, a resource of the connection.
* ``OP_COMPUTE_TASK_FINISHED`` (6001): a notification on the same connection, its resource id the
  task id; the payload is the task's result (an object), or the ERROR flag with a status and message
  when the task failed, was cancelled or timed out. The server registers its listener only after the
  reply was sent, so the notification never overtakes the reply; the session keeps it if the client
  is not listening yet (see :mod:`pyignite.protocol.session`).
* Closing the task resource (``RESOURCE_CLOSE``, op 0, with the task id) cancels the task on the
  cluster and frees its place among the connection's active tasks (the server limits them:
  ``ThinClientConfiguration.maxActiveComputeTasksPerConnection``, status 1030 beyond it, 0 turns thin
  client compute off: status 100).
"""

from __future__ import annotations

import struct
import uuid
from typing import Any, Iterable, Optional

from pyignite.datatypes.base import CodecContext, decode, encode
from pyignite.exceptions import ComputeError, ParameterError
from pyignite.protocol import op_codes as op
from pyignite.protocol.cluster_ops import _pack_uuid
from pyignite.protocol.frames import new_request
from pyignite.protocol.query_ops import resource_close
from pyignite.protocol.request import Request

__all__ = ["NO_FAILOVER", "NO_RESULT_CACHE", "close_task", "execute_task", "task_result_request"]

#: do not fail a job over to another node when its node leaves
NO_FAILOVER = 0x01
#: do not keep the results of finished jobs on the node that runs the task
NO_RESULT_CACHE = 0x02

_INT = struct.Struct("<i")
_LONG = struct.Struct("<q")
_I64_MAX = (1 << 63) - 1


def _parse_task_id(frame: bytes, pos: int, ctx: CodecContext) -> int:
    return _LONG.unpack_from(frame, pos)[0]


def execute_task(
    task_name: str,
    arg: Any = None,
    node_ids: Optional[Iterable[uuid.UUID]] = None,
    flags: int = 0,
    timeout_ms: int = 0,
    ctx: Optional[CodecContext] = None,
    arg_hint: Any = None,
) -> Request:
    """``OP_COMPUTE_TASK_EXECUTE``; the parsed reply is the task id (the notification's resource id).

    Raises :class:`ParameterError` for an empty task name, bad flags or a negative timeout, and
    ``TypeError``/``ValueError`` for an argument its type hint cannot encode.
    """
    if not isinstance(task_name, str) or not task_name:
        raise ParameterError(f"task_name must be a non-empty str, not {task_name!r}")
    if isinstance(flags, bool) or not isinstance(flags, int) or flags & ~(NO_FAILOVER | NO_RESULT_CACHE):
        raise ParameterError(f"unknown compute task flags {flags!r}")
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or not 0 <= timeout_ms <= _I64_MAX:
        raise ParameterError(f"timeout must be a non-negative number of milliseconds, not {timeout_ms!r}")
    ids = list(node_ids or ())
    buf = new_request(op.OP_COMPUTE_TASK_EXECUTE)
    buf += _INT.pack(len(ids))
    for node_id in ids:
        if not isinstance(node_id, uuid.UUID):
            raise ParameterError(f"node ids must be uuid.UUID, not {node_id!r}")
        _pack_uuid(buf, node_id)
    buf.append(flags)
    buf += _LONG.pack(timeout_ms)
    encode(buf, task_name)
    if ctx is None:
        encode(buf, arg, arg_hint)
    else:
        encode(buf, arg, arg_hint, ctx)
    return Request(buf, _parse_task_id, ComputeError, f"compute task {task_name!r}")


def _parse_result(frame: bytes, pos: int, ctx: CodecContext) -> Any:
    value, _ = decode(frame, pos, ctx)
    return value


def task_result_request(task_name: str) -> Request:
    """A request record never sent: how to read a task's ``OP_COMPUTE_TASK_FINISHED`` notification
    with :func:`pyignite.protocol.request.read_response` or :func:`~pyignite.protocol.request.typed_reply`
    (its status becomes a :class:`ComputeError`, its payload the result)."""
    return Request(bytearray(), _parse_result, ComputeError, f"compute task {task_name!r}")


def close_task(task_id: int) -> Request:
    """``RESOURCE_CLOSE`` of a task: cancels it on the cluster (an unknown id -- the task ended
    meanwhile -- answers status 1011, which callers ignore)."""
    return resource_close(task_id, f"compute task {task_id}")
