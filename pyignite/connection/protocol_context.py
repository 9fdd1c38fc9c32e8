"""What a connected node speaks: the protocol version and the negotiated feature bits.

``client.protocol_context`` gives one (``None`` before the first connection), as the official
client does; its questions (``is_transactions_supported()``...) are answered from this client's
capability table (:mod:`pyignite.protocol.capabilities`).
"""

from __future__ import annotations

from typing import FrozenSet, Optional

from pyignite.protocol.capabilities import check
from pyignite.protocol.handshake import Version

__all__ = ["ProtocolContext"]


class ProtocolContext:
    """The protocol version a node accepted and the feature bits both sides announced.

    :ivar version: the protocol version, e.g. ``(1, 7, 0)``;
    :ivar features: the negotiated feature bits (:class:`~pyignite.protocol.handshake.Feature`).
    """

    __slots__ = ("features", "version")

    def __init__(self, version: Version, features: Optional[FrozenSet[int]] = None) -> None:
        self.version: Version = tuple(version)  # type: ignore[assignment]
        self.features: FrozenSet[int] = frozenset(features or ())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProtocolContext):
            return NotImplemented
        return (self.version, self.features) == (other.version, other.features)

    def __hash__(self) -> int:
        return hash((self.version, self.features))

    def __repr__(self) -> str:
        return f"ProtocolContext(version={self.version}, features={sorted(self.features)})"

    def _has(self, capability: str) -> bool:
        return check(self.version, self.features, capability) is None

    def is_feature_supported(self, feature: int) -> bool:
        """Whether feature bit ``feature`` was negotiated (protocol 1.7.0 and newer)."""
        return feature in self.features

    def is_partition_awareness_supported(self) -> bool:
        return self._has("partition awareness")

    def is_status_flags_supported(self) -> bool:
        """Response headers carry flags (protocol 1.4.0 and newer)."""
        return self.version >= (1, 4, 0)

    def is_transactions_supported(self) -> bool:
        return self._has("transactions")

    def is_expiry_policy_supported(self) -> bool:
        return self._has("expiry policies")

    def is_cluster_api_supported(self) -> bool:
        return self._has("cluster state")
