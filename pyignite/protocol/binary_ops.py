"""Binary type metadata operations: ``OP_GET_BINARY_TYPE`` (3002) and ``OP_PUT_BINARY_TYPE`` (3003).

Both carry Ignite's ``BinaryMetadata`` as the server's ``PlatformUtils`` writes and reads it (strings
are ``String`` objects or ``Null``, booleans one byte)::

    i32 type id, String type name, String affinity key field name (or Null),
    i32 field count, then per field: String name, i32 field type (a type code), i32 field id,
    bool is enum, then if enum: i32 count, per value: String name, i32 ordinal,
    i32 schema count, then per schema: i32 schema id, i32 field count, i32 field id...

The get request is ``i32 type id``; its reply is ``bool exists`` and, if it exists, the metadata.
The put request is the metadata; its reply is empty. No I/O here.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from typing import Any, Callable, List, Optional, Tuple

from pyignite.datatypes.base import INT, NO_CONTEXT, CodecContext, decode, encode
from pyignite.exceptions import BinaryTypeError, ParseError
from pyignite.protocol import op_codes as op
from pyignite.protocol.frames import new_request
from pyignite.protocol.request import Request

__all__ = [
    "BinaryMeta", "get_binary_type", "put_binary_type", "put_binary_type_frame", "read_meta", "register_type_name",
    "write_meta",
]

_INT2 = struct.Struct("<ii")
_FIELD = struct.Struct("<ii")


class BinaryMeta:
    """One binary type's metadata as the protocol carries it.

    :ivar type_id: type id;
    :ivar type_name: type name;
    :ivar affinity_key_field: affinity key field name or ``None``;
    :ivar fields: list of ``(name, type_code, field_id)``;
    :ivar is_enum: whether the type is an enum;
    :ivar enums: list of ``(name, ordinal)`` for an enum;
    :ivar schemas: list of ``(schema_id, [field ids])``.
    """

    __slots__ = ("affinity_key_field", "enums", "fields", "is_enum", "schemas", "type_id", "type_name")

    def __init__(
        self,
        type_id: int,
        type_name: str,
        affinity_key_field: Optional[str] = None,
        fields: Optional[List[Tuple[str, int, int]]] = None,
        is_enum: bool = False,
        enums: Optional[List[Tuple[str, int]]] = None,
        schemas: Optional[List[Tuple[int, List[int]]]] = None,
    ) -> None:
        self.type_id = type_id
        self.type_name = type_name
        self.affinity_key_field = affinity_key_field
        self.fields = fields or []
        self.is_enum = is_enum
        self.enums = enums or []
        self.schemas = schemas or []

    def __repr__(self) -> str:
        return (f"BinaryMeta(type_id={self.type_id}, type_name={self.type_name!r}, "
                f"affinity_key_field={self.affinity_key_field!r}, fields={self.fields!r}, is_enum={self.is_enum}, "
                f"enums={self.enums!r}, schemas={self.schemas!r})")

    def field_names(self) -> OrderedDict[int, str]:
        """Field id -> field name."""
        return OrderedDict((fid, name) for name, _, fid in self.fields)


def _read_string(frame: Any, pos: int, what: str) -> Tuple[Optional[str], int]:
    code = frame[pos]
    if code not in (9, 101):
        raise ParseError(f"binary type metadata: expected a String for {what} at offset {pos}, got type code {code}")
    return decode(frame, pos, NO_CONTEXT)


def _read_count(frame: Any, pos: int, what: str) -> Tuple[int, int]:
    (count,) = INT.unpack_from(frame, pos)
    if count < 0 or count > len(frame):
        raise ParseError(f"binary type metadata: bad {what} count {count} at offset {pos}")
    return count, pos + 4


def read_meta(frame: Any, pos: int) -> Tuple[BinaryMeta, int]:
    """Read one ``BinaryMetadata`` at ``pos``; return it and the next offset."""
    try:
        (type_id,) = INT.unpack_from(frame, pos)
        type_name, pos = _read_string(frame, pos + 4, "the type name")
        affinity, pos = _read_string(frame, pos, "the affinity key field")
        count, pos = _read_count(frame, pos, "field")
        fields = []
        for _ in range(count):
            name, pos = _read_string(frame, pos, "a field name")
            type_code, field_id = _FIELD.unpack_from(frame, pos)
            pos += 8
            fields.append((name or "", type_code, field_id))
        is_enum = frame[pos] != 0
        pos += 1
        enums = []
        if is_enum:
            count, pos = _read_count(frame, pos, "enum value")
            for _ in range(count):
                name, pos = _read_string(frame, pos, "an enum value name")
                (ordinal,) = INT.unpack_from(frame, pos)
                pos += 4
                enums.append((name or "", ordinal))
        count, pos = _read_count(frame, pos, "schema")
        schemas = []
        for _ in range(count):
            sid, n = _INT2.unpack_from(frame, pos)
            pos += 8
            if n < 0 or pos + 4 * n > len(frame):
                raise ParseError(f"binary type metadata: bad schema field count {n}")
            schemas.append((sid, list(struct.unpack_from(f"<{n}i", frame, pos))))
            pos += 4 * n
    except (struct.error, IndexError) as exc:
        raise ParseError(f"truncated binary type metadata: {exc}") from None
    return BinaryMeta(type_id, type_name or "", affinity, fields, is_enum, enums, schemas), pos


def write_meta(buf: bytearray, meta: BinaryMeta) -> None:
    """Append ``meta`` in the protocol's ``BinaryMetadata`` layout."""
    buf += INT.pack(meta.type_id)
    encode(buf, meta.type_name)
    encode(buf, meta.affinity_key_field)
    buf += INT.pack(len(meta.fields))
    for name, type_code, field_id in meta.fields:
        encode(buf, name)
        buf += _FIELD.pack(type_code, field_id)
    buf.append(1 if meta.is_enum else 0)
    if meta.is_enum:
        buf += INT.pack(len(meta.enums))
        for name, ordinal in meta.enums:
            encode(buf, name)
            buf += INT.pack(ordinal)
    buf += INT.pack(len(meta.schemas))
    for sid, field_ids in meta.schemas:
        buf += _INT2.pack(sid, len(field_ids))
        buf += struct.pack(f"<{len(field_ids)}i", *field_ids)


def parse_meta_reply(frame: Any, pos: int, ctx: CodecContext) -> Optional[BinaryMeta]:
    """Reply of ``OP_GET_BINARY_TYPE``: the metadata, or ``None`` when the type does not exist."""
    try:
        exists = frame[pos] != 0
    except IndexError:
        raise ParseError("empty reply to OP_GET_BINARY_TYPE") from None
    if not exists:
        return None
    return read_meta(frame, pos + 1)[0]


def get_binary_type(
    type_id: int, then: Optional[Callable[[Optional[BinaryMeta], CodecContext], Any]] = None
) -> Request:
    """``OP_GET_BINARY_TYPE``: the result is a :class:`BinaryMeta` or ``None`` (or ``then(meta, ctx)``)."""
    buf = new_request(op.OP_GET_BINARY_TYPE)
    buf += INT.pack(type_id)
    if then is None:
        parse = parse_meta_reply
    else:
        def parse(frame: Any, pos: int, ctx: CodecContext) -> Any:
            return then(parse_meta_reply(frame, pos, ctx), ctx)
    return Request(buf, parse, BinaryTypeError, f"binary type {type_id}")


def put_binary_type_frame(meta: BinaryMeta) -> bytearray:
    """The request frame of ``OP_PUT_BINARY_TYPE`` for ``meta`` (no :class:`Request` is built, so
    no deferred prerequisite is taken)."""
    buf = new_request(op.OP_PUT_BINARY_TYPE)
    write_meta(buf, meta)
    return buf


def put_binary_type(meta: BinaryMeta, then: Optional[Callable[[CodecContext], Any]] = None) -> Request:
    """``OP_PUT_BINARY_TYPE``: register (merge) ``meta`` in the cluster.

    An incompatible change (a field's type changed, another affinity key field, enum vs. object)
    makes the server answer with an error, raised as :class:`BinaryTypeError`. The result is
    ``then(ctx)`` when given, else ``None``.
    """
    buf = put_binary_type_frame(meta)
    parse = None
    if then is not None:
        def parse(frame: Any, pos: int, ctx: CodecContext) -> Any:
            return then(ctx)
    return Request(buf, parse, BinaryTypeError, f"binary type {meta.type_name!r}")


def _parse_bool(frame: Any, pos: int, ctx: CodecContext) -> bool:
    return bool(frame[pos])


def register_type_name(type_id: int, type_name: str, platform: int = 0) -> Request:
    """``OP_REGISTER_BINARY_TYPE_NAME`` (3001): ``byte`` platform (0 Java), ``i32`` type id, ``String``
    class name; reply ``bool`` registered. The server's marshaller context then maps the type id to
    that class, which it needs to turn a binary object into an object of the class (a service
    argument, a compute task argument: not kept binary). Binary type metadata (3003) does not do this."""
    buf = new_request(op.OP_REGISTER_BINARY_TYPE_NAME)
    buf.append(platform)
    buf += INT.pack(type_id)
    encode(buf, type_name)
    return Request(buf, _parse_bool, BinaryTypeError, f"binary type name {type_name!r}")
