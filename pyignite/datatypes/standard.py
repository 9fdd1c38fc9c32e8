"""Standard Ignite objects: String, UUID, Timestamp, Date, Time, Decimal, Enum, Binary enum."""

from __future__ import annotations

from typing import Any, Tuple

from pyignite.datatypes.base import (
    CODE_INT,
    INT,
    NO_CONTEXT,
    CodecContext,
    IgniteDataType,
    register_inference,
)
from pyignite.datatypes.primitive import java_int
from pyignite.exceptions import ParseError

__all__ = ["String"]


def java_string_hash(value: str) -> int:
    """Java ``String.hashCode()``: over UTF-16 code units (a non-BMP character counts as two)."""
    h = 0
    if value.isascii():
        for ch in value.encode("ascii"):
            h = (31 * h + ch) & 0xFFFFFFFF
    else:
        data = value.encode("utf-16-le", "surrogatepass")
        for i in range(0, len(data), 2):
            h = (31 * h + (data[i] | (data[i + 1] << 8))) & 0xFFFFFFFF
    return java_int(h)


class String(IgniteDataType):
    """Java ``String`` (type code 9): i32 length in bytes, then UTF-8 bytes; Python ``str``.

    Lone surrogates cannot be represented in UTF-8 and raise :class:`ValueError`.
    """

    type_code = 9
    java_type = "java.lang.String"

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        if not isinstance(value, str):
            raise TypeError(f"String expects a str, got {type(value).__name__}")
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"string cannot be encoded as UTF-8: {exc}") from None
        buf += CODE_INT.pack(9, len(data))
        buf += data

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        length = INT.unpack_from(buf, pos)[0]
        start = pos + 4
        end = start + length
        if length < 0 or end > len(buf):
            raise ParseError(f"String of {length} bytes at offset {pos} exceeds the data")
        try:
            return str(buf[start:end], "utf-8"), end
        except UnicodeDecodeError as exc:
            raise ParseError(f"String at offset {pos} is not valid UTF-8: {exc}") from None

    @classmethod
    def hashcode(cls, value: Any) -> int:
        if not isinstance(value, str):
            raise TypeError(f"String expects a str, got {type(value).__name__}")
        return java_string_hash(value)


register_inference(str, String)
