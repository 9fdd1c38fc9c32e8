"""The expiry policy of a cache (``PROP_EXPIRY_POLICY``, protocol >= 1.6.0).

An :class:`ExpiryPolicy` says how long an entry lives after it is created, updated or accessed. Each of
the three durations is

* ``None`` -- not set: the operation does not change the entry's expiry time (wire value -2);
* :attr:`ExpiryPolicy.ETERNAL` (-1) -- the entry never expires;
* a non-negative number of milliseconds (``int``) or a :class:`datetime.timedelta` (whole
  milliseconds); 0 expires the entry at once.

Values are normalized when the object is made (a timedelta becomes its milliseconds), so a policy read
back from :attr:`Cache.settings` compares equal to the one the cache was created with.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Optional, Tuple, Union

__all__ = ["ExpiryPolicy"]

Duration = Union[int, timedelta, None]

#: the wire value of "not set / unchanged"
UNCHANGED = -2
ETERNAL = -1
_MAX_MS = 2**63 - 1


def _to_ms(value: Any, what: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, timedelta):
        ms, rest = divmod(value, timedelta(milliseconds=1))
        if rest:
            raise ValueError(f"{what} {value!r} is not a whole number of milliseconds")
        value = ms
    elif isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be milliseconds (int), a timedelta or None, not {type(value).__name__}")
    if value < ETERNAL or value > _MAX_MS:
        raise ValueError(f"{what} must be >= 0 ms or ExpiryPolicy.ETERNAL (-1), not {value}")
    return int(value)


class ExpiryPolicy:
    """Expiry durations for created, updated and accessed entries.

    :param create: lifetime of a new entry;
    :param update: lifetime of an entry after it is updated;
    :param access: lifetime of an entry after it is read.

    Each is milliseconds (``int``), a ``timedelta``, :attr:`ETERNAL` or ``None`` (not set).
    Raises :class:`TypeError` or :class:`ValueError` for anything else (negative durations, fractions of
    a millisecond).
    """

    __slots__ = ("_access", "_create", "_update")

    #: "never expires"
    ETERNAL = ETERNAL

    def __init__(self, create: Duration = None, update: Duration = None, access: Duration = None) -> None:
        self._create = _to_ms(create, "create")
        self._update = _to_ms(update, "update")
        self._access = _to_ms(access, "access")

    @property
    def create(self) -> Optional[int]:
        """Lifetime after creation in ms, :attr:`ETERNAL`, or ``None`` (not set)."""
        return self._create

    @property
    def update(self) -> Optional[int]:
        """Lifetime after an update in ms, :attr:`ETERNAL`, or ``None`` (not set)."""
        return self._update

    @property
    def access(self) -> Optional[int]:
        """Lifetime after a read in ms, :attr:`ETERNAL`, or ``None`` (not set)."""
        return self._access

    def millis(self) -> Tuple[int, int, int]:
        """``(create, update, access)`` as the protocol writes them: ms, -1 eternal, -2 not set."""
        return (
            UNCHANGED if self._create is None else self._create,
            UNCHANGED if self._update is None else self._update,
            UNCHANGED if self._access is None else self._access,
        )

    @classmethod
    def from_millis(cls, create: int, update: int, access: int) -> ExpiryPolicy:
        """The policy for three wire values (-2 becomes ``None``)."""
        return cls(*(None if v == UNCHANGED else v for v in (create, update, access)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExpiryPolicy):
            return NotImplemented
        return self.millis() == other.millis()

    def __hash__(self) -> int:
        return hash(self.millis())

    def __repr__(self) -> str:
        def show(v: Optional[int]) -> str:
            return "ETERNAL" if v == ETERNAL else repr(v)

        return f"ExpiryPolicy(create={show(self._create)}, update={show(self._update)}, access={show(self._access)})"
