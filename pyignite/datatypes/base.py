"""The codec core: how values become Ignite binary data and back.

Theory of operation
-------------------
Every Ignite value on the wire is a one-byte *type code* followed by a payload. This module keeps two
tables:

* ``DECODERS[type_code]`` -- a function ``(buf, pos, ctx) -> (value, new_pos)`` that reads the payload
  that follows the type code (``pos`` points just after the type code byte);
* the hint classes (subclasses of :class:`IgniteDataType`) -- each knows its type code and how to write a
  Python value (type code included) into a growing ``bytearray``.

:func:`encode` picks the hint class: the explicit hint if given, otherwise the one inferred from the
Python type of the value (:func:`infer_hint`). :func:`decode` reads the type code and dispatches.

Codecs are pure: no I/O. Anything that needs the server (an unknown binary type while decoding, a new
binary type to register while encoding) goes through the *context* object ``ctx`` supplied by the
caller (see :class:`CodecContext`); a decoder that cannot proceed raises :class:`MissingBinaryType`, and
the caller fetches the metadata and decodes the same bytes again.

Hint classes are never instantiated; they are namespaces, as the specification says.
"""

from __future__ import annotations

import struct
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from pyignite.exceptions import ParseError

__all__ = [
    "CodecContext",
    "DECODERS",
    "IgniteDataType",
    "MissingBinaryType",
    "decode",
    "encode",
    "infer_hint",
    "register_decoder",
    "register_inference",
]

DecodeFn = Callable[[Any, int, "CodecContext"], Tuple[Any, int]]

# Precompiled structs, shared by every codec module (little-endian, no padding).
BYTE = struct.Struct("<b")
UBYTE = struct.Struct("<B")
SHORT = struct.Struct("<h")
USHORT = struct.Struct("<H")
INT = struct.Struct("<i")
UINT = struct.Struct("<I")
LONG = struct.Struct("<q")
FLOAT = struct.Struct("<f")
DOUBLE = struct.Struct("<d")
CODE_INT = struct.Struct("<Bi")  # type code + i32 (e.g. String header)


class MissingBinaryType(Exception):
    """Raised by a decoder that needs binary type metadata the context does not have yet.

    The caller fetches the type (``OP_GET_BINARY_TYPE``), adds it to the context and decodes the same
    bytes again. Not a user-facing error.
    """

    def __init__(self, type_id: int, schema_id: Optional[int] = None) -> None:
        super().__init__(type_id, schema_id)
        self.type_id = type_id
        self.schema_id = schema_id


class CodecContext:
    """What codecs may ask of the client that uses them.

    The base implementation knows no binary types; the client supplies a richer one (its binary type
    registry). Keeping this interface here lets the types layer stay free of any I/O.
    """

    #: Use compact footers when writing complex objects (``None``: follow the server, default compact).
    compact_footer: Optional[bool] = None

    def binary_type(self, type_id: int) -> Any:  # pragma: no cover - overridden by the client
        """Return the registered description of a binary type, or raise :class:`MissingBinaryType`."""
        raise MissingBinaryType(type_id)

    def fetch_type_request(self, missing: MissingBinaryType) -> Any:
        """A request (``pyignite.protocol.request.Request``) whose parsing records the missing type
        in this context, so decoding can be retried."""
        raise ParseError(f"unknown binary type {missing.type_id} and no way to fetch it")


NO_CONTEXT = CodecContext()


def _unknown(code: int) -> DecodeFn:
    def fail(buf: Any, pos: int, ctx: CodecContext) -> Tuple[Any, int]:
        raise ParseError(f"unknown Ignite type code {code} (0x{code:02x}) at offset {pos - 1}")

    return fail


#: type code -> decoder of the payload that follows the type code byte
DECODERS: List[DecodeFn] = [_unknown(code) for code in range(256)]

#: type code -> hint class that writes that type code (the first one registered wins)
HINT_BY_CODE: Dict[int, Type[IgniteDataType]] = {}


def register_decoder(type_code: int, fn: DecodeFn) -> None:
    DECODERS[type_code] = fn


class IgniteDataType:
    """Base of every hint class (``IntObject``, ``String``, ``MapObject``...).

    Subclasses set :attr:`type_code` and implement :meth:`encode` (writes the type code and payload)
    and :meth:`decode_payload` (reads the payload after the type code). They are registered in
    :data:`DECODERS` automatically when they set ``type_code``. ``None`` is written as ``Null`` by
    :func:`encode` whatever the hint (as Ignite does for any nullable object).
    """

    type_code: int = -1
    #: Java type name as SQL and query entities know it (``java.lang.Integer``...), if any
    java_type: Optional[str] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("type_code")
        if isinstance(code, int) and code >= 0:
            DECODERS[code] = cls.decode_payload
            HINT_BY_CODE.setdefault(code, cls)

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{cls.__name__} is a type hint class; it is not instantiated")

    @classmethod
    def encode(cls, buf: bytearray, value: Any, ctx: CodecContext = NO_CONTEXT) -> None:
        raise NotImplementedError(f"{cls.__name__} cannot encode")

    @classmethod
    def decode_payload(cls, buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
        raise NotImplementedError(f"{cls.__name__} cannot decode")

    @classmethod
    def hashcode(cls, value: Any) -> int:
        """Java ``hashCode()`` of ``value`` as this type (used for affinity and key lookups)."""
        raise NotImplementedError(f"{cls.__name__} has no Java hash code")


# Python type -> hint class, consulted by infer_hint() in MRO order.
_INFERENCE: Dict[type, Type[IgniteDataType]] = {}
_INFERENCE_FN: List[Callable[[Any], Optional[Type[IgniteDataType]]]] = []


def register_inference(py_type: type, hint: Type[IgniteDataType]) -> None:
    """Make ``hint`` the default hint for values of ``py_type`` (and its subclasses)."""
    _INFERENCE[py_type] = hint


def register_inference_fn(fn: Callable[[Any], Optional[Type[IgniteDataType]]]) -> None:
    """Add a fallback inference function (for example: objects of GenericObjectMeta classes)."""
    _INFERENCE_FN.append(fn)


def infer_hint(value: Any) -> Type[IgniteDataType]:
    """The hint class used for ``value`` when the caller gives none.

    Raises :class:`TypeError` naming the Python type when no Ignite type fits.
    """
    hint = _INFERENCE.get(type(value))
    if hint is not None:
        return hint
    for klass in type(value).__mro__[1:]:
        hint = _INFERENCE.get(klass)
        if hint is not None:
            _INFERENCE[type(value)] = hint
            return hint
    for fn in _INFERENCE_FN:
        hint = fn(value)
        if hint is not None:
            return hint
    raise TypeError(
        f"cannot store a value of type {type(value).__name__!r} in Ignite without a type hint"
    )


def is_hint(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, IgniteDataType)


NULL_CODE = 101


def encode(
    buf: bytearray, value: Any, hint: Optional[Type[IgniteDataType]] = None, ctx: CodecContext = NO_CONTEXT
) -> None:
    """Append ``value`` (type code and payload) to ``buf``.

    ``hint`` selects the Ignite type; without it the type is inferred from the value. ``None`` is
    written as ``Null``. Raises :class:`TypeError` or :class:`ValueError` (never truncates) when the
    value does not fit the type.
    """
    if value is None:
        buf.append(NULL_CODE)
        return
    if hint is None:
        hint = infer_hint(value)
    elif not is_hint(hint):
        raise TypeError(f"{hint!r} is not a pyignite type hint class")
    hint.encode(buf, value, ctx)


def encode_item(buf: bytearray, item: Any, ctx: CodecContext = NO_CONTEXT) -> None:
    """Encode an element of a list or dict: either a value or a ``(value, hint)`` two-tuple."""
    if type(item) is tuple and len(item) == 2 and is_hint(item[1]):
        encode(buf, item[0], item[1], ctx)
    else:
        encode(buf, item, None, ctx)


def decode(buf: Any, pos: int, ctx: CodecContext = NO_CONTEXT) -> Tuple[Any, int]:
    """Read one value (type code and payload) from ``buf`` at ``pos``; return it and the next offset.

    Raises :class:`ParseError` on an unknown type code or truncated data.
    """
    try:
        code = buf[pos]
    except IndexError:
        raise ParseError(f"truncated data: expected a type code at offset {pos}") from None
    try:
        return DECODERS[code](buf, pos + 1, ctx)
    except (struct.error, IndexError) as exc:
        raise ParseError(f"truncated or malformed value of type code {code} at offset {pos}: {exc}") from None
