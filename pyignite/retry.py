"""Retry policies: which operations a client sends again after its connection broke.

A client's ``retry_policy`` argument (``Client(retry_policy=...)``, ``AioClient(...)``) is one of
the policies here or any callable ``policy(operation, error, attempt) -> bool``. It is consulted
only after an attempt failed because the connection broke (a :class:`~pyignite.exceptions.SocketError`),
and only for operations that may be resent at all; the operation then goes to the connection the
client fails over to. :data:`RETRY_TABLE` says, for every operation, whether it is
:data:`IDEMPOTENT` (resent by default), :data:`NOT_IDEMPOTENT` (resent by default only when its
request was never written, so the server cannot have applied it) or :data:`BOUND` to the
connection that broke (never resent: cursor pages, transactions). The rules and the theory are in
the "Resilience" chapter of the guide; the decisions themselves are made without I/O in
``pyignite.protocol.retry``.

This module has no dependencies but :mod:`pyignite.exceptions` and the op codes, like the
exceptions module, so every layer may use it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from pyignite.exceptions import ParameterError
from pyignite.protocol import op_codes as op

__all__ = [
    "BOUND",
    "DEFAULT_RETRY_POLICY",
    "IDEMPOTENT",
    "NOT_IDEMPOTENT",
    "RETRY_TABLE",
    "Operation",
    "RetryAll",
    "RetryLimit",
    "RetryNone",
    "RetryPolicy",
    "check_policy",
]

#: kinds of operation (the second column of :data:`RETRY_TABLE`)
IDEMPOTENT = "idempotent"
NOT_IDEMPOTENT = "not idempotent"
BOUND = "bound to its connection"


#: op code -> (operation name, kind). Op codes not listed are treated as :data:`NOT_IDEMPOTENT`.
RETRY_TABLE: Dict[int, Tuple[str, str]] = {
    # reads
    op.OP_CACHE_GET: ("get", IDEMPOTENT),
    op.OP_CACHE_GET_ALL: ("get_all", IDEMPOTENT),
    op.OP_CACHE_CONTAINS_KEY: ("contains_key", IDEMPOTENT),
    op.OP_CACHE_CONTAINS_KEYS: ("contains_keys", IDEMPOTENT),
    op.OP_CACHE_GET_SIZE: ("get_size", IDEMPOTENT),
    op.OP_CACHE_LOCAL_PEEK: ("local_peek", IDEMPOTENT),
    op.OP_CACHE_GET_NAMES: ("get_cache_names", IDEMPOTENT),
    op.OP_CACHE_GET_CONFIGURATION: ("settings", IDEMPOTENT),
    op.OP_CACHE_NODE_PARTITIONS: ("node partitions", IDEMPOTENT),
    op.OP_CACHE_PARTITIONS: ("partition map", IDEMPOTENT),
    op.OP_QUERY_SCAN: ("scan (first page)", IDEMPOTENT),
    op.OP_QUERY_SQL: ("select_row (first page)", IDEMPOTENT),
    op.OP_GET_BINARY_TYPE_NAME: ("binary type name", IDEMPOTENT),
    op.OP_GET_BINARY_TYPE: ("get_binary_type", IDEMPOTENT),
    op.OP_CLUSTER_GET_STATE: ("cluster get_state", IDEMPOTENT),
    op.OP_CLUSTER_GET_WAL_STATE: ("cluster wal state", IDEMPOTENT),
    op.OP_CLUSTER_GROUP_GET_NODE_IDS: ("cluster node ids", IDEMPOTENT),
    op.OP_CLUSTER_GROUP_GET_NODE_INFO: ("cluster node info", IDEMPOTENT),
    op.OP_CLUSTER_GROUP_GET_NODE_ENDPOINTS: ("cluster node endpoints", IDEMPOTENT),
    op.OP_GET_IDLE_TIMEOUT: ("idle timeout", IDEMPOTENT),
    # writes that leave the same data and give the same (or no) answer when applied twice
    op.OP_CACHE_PUT: ("put", IDEMPOTENT),
    op.OP_CACHE_PUT_ALL: ("put_all", IDEMPOTENT),
    op.OP_CACHE_CLEAR: ("clear", IDEMPOTENT),
    op.OP_CACHE_CLEAR_KEY: ("clear_key", IDEMPOTENT),
    op.OP_CACHE_CLEAR_KEYS: ("clear_keys", IDEMPOTENT),
    op.OP_CACHE_REMOVE_KEYS: ("remove_keys", IDEMPOTENT),
    op.OP_CACHE_REMOVE_ALL: ("remove_all", IDEMPOTENT),
    op.OP_CACHE_GET_OR_CREATE_WITH_NAME: ("get_or_create_cache (name)", IDEMPOTENT),
    op.OP_CACHE_GET_OR_CREATE_WITH_CONFIGURATION: ("get_or_create_cache (settings)", IDEMPOTENT),
    op.OP_REGISTER_BINARY_TYPE_NAME: ("register binary type name", IDEMPOTENT),
    op.OP_PUT_BINARY_TYPE: ("put_binary_type", IDEMPOTENT),
    op.OP_CLUSTER_CHANGE_STATE: ("cluster set_state", IDEMPOTENT),
    # writes whose answer (or effect) may differ when applied twice
    op.OP_CACHE_PUT_IF_ABSENT: ("put_if_absent", NOT_IDEMPOTENT),
    op.OP_CACHE_GET_AND_PUT: ("get_and_put", NOT_IDEMPOTENT),
    op.OP_CACHE_GET_AND_REPLACE: ("get_and_replace", NOT_IDEMPOTENT),
    op.OP_CACHE_GET_AND_REMOVE: ("get_and_remove", NOT_IDEMPOTENT),
    op.OP_CACHE_GET_AND_PUT_IF_ABSENT: ("get_and_put_if_absent", NOT_IDEMPOTENT),
    op.OP_CACHE_REPLACE: ("replace", NOT_IDEMPOTENT),
    op.OP_CACHE_REPLACE_IF_EQUALS: ("replace_if_equals", NOT_IDEMPOTENT),
    op.OP_CACHE_REMOVE_KEY: ("remove_key", NOT_IDEMPOTENT),
    op.OP_CACHE_REMOVE_IF_EQUALS: ("remove_if_equals", NOT_IDEMPOTENT),
    op.OP_CACHE_CREATE_WITH_NAME: ("create_cache (name)", NOT_IDEMPOTENT),
    op.OP_CACHE_CREATE_WITH_CONFIGURATION: ("create_cache (settings)", NOT_IDEMPOTENT),
    op.OP_CACHE_DESTROY: ("destroy", NOT_IDEMPOTENT),
    op.OP_QUERY_SQL_FIELDS: ("sql", NOT_IDEMPOTENT),  # may be DML or DDL
    op.OP_CLUSTER_CHANGE_WAL_STATE: ("cluster wal enable/disable", NOT_IDEMPOTENT),  # answers "changed"
    # resources of the connection that broke: never resent elsewhere
    op.OP_RESOURCE_CLOSE: ("resource close", BOUND),
    op.OP_HEARTBEAT: ("heartbeat", BOUND),
    op.OP_QUERY_SCAN_CURSOR_GET_PAGE: ("scan cursor page", BOUND),
    op.OP_QUERY_SQL_CURSOR_GET_PAGE: ("select_row cursor page", BOUND),
    op.OP_QUERY_SQL_FIELDS_CURSOR_GET_PAGE: ("sql cursor page", BOUND),
    op.OP_TX_START: ("tx_start", BOUND),
    op.OP_TX_END: ("tx commit/rollback", BOUND),
}


class Operation:
    """What a retry policy is told about the operation that failed.

    :ivar op_code: the protocol op code;
    :ivar name: the API name (``"put"``, ``"get_all"``...) or ``"op <code>"``;
    :ivar kind: :data:`IDEMPOTENT`, :data:`NOT_IDEMPOTENT` or :data:`BOUND`;
    :ivar sent: whether the request may have reached the server (``False``: it was never written,
        so the server cannot have applied it).
    """

    __slots__ = ("kind", "name", "op_code", "sent")

    def __init__(self, op_code: int, name: str, kind: str, sent: bool) -> None:
        self.op_code = op_code
        self.name = name
        self.kind = kind
        self.sent = sent

    @property
    def idempotent(self) -> bool:
        """Whether applying the operation twice leaves the same data and gives the same answer."""
        return self.kind == IDEMPOTENT

    def __repr__(self) -> str:
        return f"<Operation {self.name} ({self.kind}{', sent' if self.sent else ', not sent'})>"


#: ``policy(operation, error, attempt) -> bool``
RetryPolicy = Callable[[Operation, BaseException, int], bool]


class RetryLimit:
    """The default policy: resend an operation whose request was never written, or an idempotent
    one (see :data:`RETRY_TABLE`), at most ``retries`` times. Like Java's ``ClientRetryReadPolicy``
    extended to idempotent writes and to requests known not to have left the client.

    :param retries: the most resends per operation (an int >= 0).
    """

    __slots__ = ("retries",)

    def __init__(self, retries: int = 3) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ParameterError(f"RetryLimit needs an int >= 0, not {retries!r}")
        self.retries = retries

    def __call__(self, operation: Operation, error: BaseException, attempt: int) -> bool:
        return attempt <= self.retries and (operation.idempotent or not operation.sent)

    def __repr__(self) -> str:
        return f"RetryLimit({self.retries})"


class RetryNone:
    """Never resend: every connection failure reaches the caller (the next call still fails over)."""

    __slots__ = ()

    def __call__(self, operation: Operation, error: BaseException, attempt: int) -> bool:
        return False

    def __repr__(self) -> str:
        return "RetryNone()"


class RetryAll:
    """Resend any operation, even one that may have been applied already (Java's
    ``ClientRetryAllPolicy``), at most ``retries`` times: a ``put_if_absent`` may then answer
    False for the value it put itself, a ``get_and_remove`` None for the value it removed.

    :param retries: the most resends per operation (an int >= 0).
    """

    __slots__ = ("retries",)

    def __init__(self, retries: int = 3) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ParameterError(f"RetryAll needs an int >= 0, not {retries!r}")
        self.retries = retries

    def __call__(self, operation: Operation, error: BaseException, attempt: int) -> bool:
        return attempt <= self.retries

    def __repr__(self) -> str:
        return f"RetryAll({self.retries})"


#: what ``retry_policy=None`` (the default) means
DEFAULT_RETRY_POLICY = RetryLimit(3)


def check_policy(policy: Any) -> RetryPolicy:
    """Validate a client's ``retry_policy`` argument (``None``: :data:`DEFAULT_RETRY_POLICY`)."""
    if policy is None:
        return DEFAULT_RETRY_POLICY
    if not callable(policy):
        raise ParameterError(
            f"retry_policy must be RetryLimit(n), RetryNone(), RetryAll(n) or a callable "
            f"(operation, error, attempt) -> bool, not {policy!r}"
        )
    return policy
