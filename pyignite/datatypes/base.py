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
Python type of the value (:func:`infer_hint`; the table of defaults is in
:mod:`pyignite.datatypes.inference`). :func:`decode` reads the type code and dispatches.

Codecs are pure: no I/O. Anything that needs the server (an unknown binary type while decoding, a new
binary type to register while encoding) goes through the *context* object ``ctx`` supplied by the
caller (see :class:`CodecContext`); a decoder that cannot proceed raises :class:`MissingBinaryType`, and
the caller fetches the metadata and decodes the same bytes again.

Hint classes are never instantiated; they are namespaces, as the specification says.

Positions and back references (handles)
---------------------------------------
Decoders work on *absolute* offsets into one buffer (the whole reply frame, a ``bytes``,
``bytearray`` or ``memoryview``): nested values are read from the same buffer at their own offsets, never
from re-sliced copies, and wrapped data (type 27) is decoded in place as well. So no decoder needs to know
a "base" position.

A handle (type 102, ``i32 offset``) is how Java writes a second reference to an object already written
in the same top-level value (``BinaryWriterExImpl.tryWriteAsHandle`` writes ``position_of_the_handle -
position_of_the_first_copy``; ``BinaryUtils.unmarshal`` reads ``handle_position - offset``). The target is
therefore ``pos_of_the_handle_type_code - offset`` in the same buffer, whatever encloses it. Resolution:

* every decoder of a value that Java may reference by handle (object array, collection, map -- and, for
  the complex-object codec, the binary object) calls :func:`begin_object` with the buffer, the offset of
  its type code and the (possibly still empty) Python object it will return, *before* decoding its
  elements, and :func:`end_object` when done (in a ``finally``). Self-references and shared references
  then resolve to the very same Python object;
* the handle decoder looks the target up (:func:`lookup_object`); if nothing was registered there (a
  reference to a value whose decoder does not register), it decodes the target again, which gives an
  equal value.

The registry is per thread and lives only while at least one registering decoder is active, so handles
never leak from one reply into another.
"""

from __future__ import annotations

import struct
import threading
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, Type

from pyignite.exceptions import ParseError

__all__ = [
    "CodecContext",
    "DECODERS",
    "IgniteDataType",
    "MissingBinaryType",
    "NOT_FOUND",
    "NO_CONTEXT",
    "MALFORMED",
    "begin_object",
    "decode",
    "encode",
    "encode_item",
    "end_object",
    "malformed",
    "infer_hint",
    "is_hint",
    "lookup_object",
    "register_decoder",
    "register_inference",
    "register_inference_fn",
    "register_value_inference",
]

DecodeFn = Callable[[Any, int, "CodecContext"], Tuple[Any, int]]
EncodeFn = Callable[[bytearray, Any, "CodecContext"], None]

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

#: every hint class (a fast membership test for :func:`encode`)
_HINTS: Set[type] = set()


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
        _HINTS.add(cls)
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
# Python type -> encoder used by encode() without a hint (the hint's bound encode, or a function that
# looks at the value, e.g. for lists).
_ENCODERS: Dict[type, EncodeFn] = {}


def register_inference(py_type: type, hint: Type[IgniteDataType]) -> None:
    """Make ``hint`` the default hint for values of ``py_type`` (and its subclasses)."""
    _INFERENCE[py_type] = hint
    _ENCODERS[py_type] = hint.encode


def register_inference_fn(fn: Callable[[Any], Optional[Type[IgniteDataType]]]) -> None:
    """Add a fallback inference function (for example: objects of GenericObjectMeta classes)."""
    _INFERENCE_FN.append(fn)


def register_value_inference(
    py_type: type, fn: Callable[[Any], Type[IgniteDataType]], encoder: Optional[EncodeFn] = None
) -> None:
    """Infer the hint of ``py_type`` values (and its subclasses) from the value itself.

    ``fn(value)`` returns the hint (a list of ints is a ``LongArrayObject``, a mixed list an
    ``ObjectArrayObject``...). ``encoder(buf, value, ctx)``, if given, is used by :func:`encode` for
    values of exactly ``py_type`` instead of inferring and then encoding (it may skip work the two
    steps would repeat).
    """
    _VALUE_INFERENCE[py_type] = fn
    if encoder is not None:
        _ENCODERS[py_type] = encoder
    else:
        _ENCODERS.pop(py_type, None)


#: Python type -> function of the value that returns the hint (consulted before _INFERENCE)
_VALUE_INFERENCE: Dict[type, Callable[[Any], Type[IgniteDataType]]] = {}


def infer_hint(value: Any) -> Type[IgniteDataType]:
    """The hint class used for ``value`` when the caller gives none.

    The defaults are listed in :mod:`pyignite.datatypes.inference`. Raises :class:`TypeError`
    naming the Python type when no Ignite type fits.
    """
    vtype = type(value)
    hint = _INFERENCE.get(vtype)
    if hint is not None:
        return hint
    fn = _VALUE_INFERENCE.get(vtype)
    if fn is not None:
        return fn(value)
    for klass in vtype.__mro__[1:]:
        hint = _INFERENCE.get(klass)
        if hint is not None:
            _INFERENCE[vtype] = hint
            return hint
        fn = _VALUE_INFERENCE.get(klass)
        if fn is not None:
            return fn(value)
    for ifn in _INFERENCE_FN:
        hint = ifn(value)
        if hint is not None:
            return hint
    raise TypeError(
        f"cannot store a value of type {vtype.__name__!r} in Ignite without a type hint"
    )


def is_hint(obj: Any) -> bool:
    """True if ``obj`` is a hint class (a subclass of :class:`IgniteDataType`)."""
    return isinstance(obj, type) and (obj in _HINTS or issubclass(obj, IgniteDataType))


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
        enc = _ENCODERS.get(type(value))
        if enc is not None:
            enc(buf, value, ctx)
            return
        hint = infer_hint(value)
    elif not is_hint(hint):
        raise TypeError(f"{hint!r} is not a pyignite type hint class")
    hint.encode(buf, value, ctx)


def encode_item(buf: bytearray, item: Any, ctx: CodecContext = NO_CONTEXT) -> None:
    """Encode an element of a list or dict: either a value or a ``(value, hint)`` two-tuple."""
    if type(item) is tuple and len(item) == 2 and is_hint(item[1]):
        value = item[0]
        if value is None:
            buf.append(NULL_CODE)
        else:
            item[1].encode(buf, value, ctx)
        return
    if item is None:
        buf.append(NULL_CODE)
        return
    enc = _ENCODERS.get(type(item))
    if enc is not None:
        enc(buf, item, ctx)
    else:
        infer_hint(item).encode(buf, item, ctx)


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
    except MALFORMED as exc:
        raise malformed(f"malformed value of type code {code} at offset {pos}", exc) from None


#: What the decoders may raise on bytes that are not a valid encoding, besides :class:`ParseError`:
#: reading past the end (``struct.error``, ``IndexError``), a length, count or field that makes no
#: sense (``ValueError``, ``OverflowError``: e.g. a date out of range, a negative count; this covers
#: ``UnicodeDecodeError``), a lookup of a code no table has (``KeyError``), a value that is not what
#: its position requires (``TypeError``: e.g. an unhashable map key), and nesting deeper than the
#: interpreter's stack (``RecursionError``). The entry points (:func:`decode` and the protocol's
#: ``read_response``) turn them into :class:`ParseError`, in one place, so a garbled reply never
#: surfaces as an arbitrary exception.
MALFORMED = (struct.error, IndexError, ValueError, OverflowError, KeyError, TypeError, RecursionError)


def malformed(what: str, exc: BaseException) -> ParseError:
    """The :class:`ParseError` for a :data:`MALFORMED` exception ``exc`` raised while decoding ``what``."""
    if isinstance(exc, (struct.error, IndexError)):
        return ParseError(f"truncated or {what}: {exc}")
    if isinstance(exc, RecursionError):
        return ParseError(f"{what}: nested too deeply")
    return ParseError(f"{what}: {type(exc).__name__}: {exc}")


# --- back references (handles) ------------------------------------------------------------------

class _HandleRegistry(threading.local):
    def __init__(self) -> None:
        self.depth = 0
        self.objects: Dict[Tuple[int, int], Any] = {}


_HANDLES = _HandleRegistry()
_NOT_FOUND = object()


def begin_object(buf: Any, pos: int, obj: Any) -> None:
    """Record ``obj`` as the value whose type code is at ``buf[pos]``, so handles to it resolve to it.

    Call before decoding the object's elements or fields; pair every call with :func:`end_object`.
    """
    h = _HANDLES
    h.depth += 1
    h.objects[(id(buf), pos)] = obj


def end_object() -> None:
    """Close a :func:`begin_object`; the registry is emptied when the outermost object is done."""
    h = _HANDLES
    h.depth -= 1
    if h.depth <= 0:
        h.depth = 0
        h.objects.clear()


def lookup_object(buf: Any, pos: int) -> Any:
    """The object registered for ``buf[pos]`` by :func:`begin_object`, or :data:`NOT_FOUND`."""
    return _HANDLES.objects.get((id(buf), pos), _NOT_FOUND)


NOT_FOUND = _NOT_FOUND
