"""Java-compatible hash codes of keys: what ``key.hashCode()`` returns on the Java side.

Ignite routes a key to its partition by the Java hash code of the key object (for binary objects: the
hash code in their header), so a client that computes partitions (partition awareness) or builds binary
object keys must produce exactly Java's numbers. :func:`hashcode` gives them for every type that can be a
key; each hint class also has a ``hashcode(value)`` classmethod.

==========================  ==========================================================================
type                        Java hash code
==========================  ==========================================================================
Byte, Short, Int, Char      the value (Char: the UTF-16 code unit)
Long                        ``(int) (v ^ (v >>> 32))``
Float / Double              ``Float.floatToIntBits`` / ``Double.hashCode`` (NaN canonicalised)
Bool                        1231 for true, 1237 for false
String                      ``s[0]*31^(n-1) + ... + s[n-1]`` over UTF-16 code units
UUID                        ``(int) (hilo >>> 32) ^ (int) hilo`` with ``hilo = msb ^ lsb``
Decimal                     ``31 * unscaledValue().hashCode() + scale`` (``BigInteger.hashCode``: over
                            the 32-bit magnitude words, times the signum)
Date, Timestamp, Time       ``java.util.Date.hashCode()`` of the milliseconds (a Timestamp's whole ms)
Enum, Binary enum           ``31 * typeId + ordinal`` (``BinaryEnumObjectImpl``)
arrays                      ``java.util.Arrays.hashCode`` of the array type
Object array, Collection    ``List.hashCode()`` (set kinds: ``Set.hashCode()``, the sum)
Map                         ``Map.hashCode()``: sum of ``key.hashCode() ^ value.hashCode()``
None                        0
==========================  ==========================================================================

All results are signed 32-bit ints, as in Java.
"""

from __future__ import annotations

from typing import Any, Optional, Type

from pyignite.datatypes.base import IgniteDataType, infer_hint, is_hint

__all__ = ["hashcode"]


def hashcode(value: Any, hint: Optional[Type[IgniteDataType]] = None) -> int:
    """Java ``hashCode()`` of ``value`` stored as ``hint`` (inferred from the value if not given).

    ``value`` may also be a ``(value, hint)`` tuple. Raises :class:`TypeError`/:class:`ValueError`
    when the value does not fit the type (exactly as encoding it would), and
    :class:`NotImplementedError` for a type without a Java hash code (wrapped data).
    """
    if hint is None:
        if type(value) is tuple and len(value) == 2 and is_hint(value[1]):
            value, hint = value
        elif value is None:
            return 0
        else:
            hint = infer_hint(value)
    elif not is_hint(hint):
        raise TypeError(f"{hint!r} is not a pyignite type hint class")
    if value is None:
        return 0
    return int(hint.hashcode(value))
