"""Service requests (op codes 7000-7003), sans I/O.

Wire format (the server's ``platform/client/service`` classes)
---------------------------------------------------------------
* ``OP_SERVICE_INVOKE`` (7000, feature ``SERVICE_INVOKE``): ``String`` service name, ``byte`` flags
  (KEEP_BINARY 0x01: the service gets binary objects as they are; :data:`FLAG_PARAMETER_TYPES` 0x02:
  every argument is preceded by the ``i32`` type id of its Java parameter type), ``i64`` timeout in
  milliseconds (0: none), ``i32`` count of node ids and the ids as raw ``(i64 msb, i64 lsb)`` pairs
  (none: any server node that hosts the service), ``String`` method name, ``i32`` argument count, the
  arguments (objects, each after its type id with the flag); then, when both sides announced
  ``SERVICE_INVOKE_CALLCTX``, the caller context: a ``Map`` of ``String`` attributes (values ``String``
  or ``byte[]``), or ``Null``. The reply is the method's result (an object).

  Without parameter types the server picks the method by name, argument count and the Java classes
  of the deserialized arguments, which cannot tell ``f(int)`` from ``f(long)`` apart when the value is
  an ``Integer``; with them it compares the type ids of each overload's parameter classes, as Java's
  ``BinaryContext.typeId(className)`` computes them (:func:`java_type_id`).
* ``OP_SERVICE_GET_DESCRIPTORS`` (7001, feature ``GET_SERVICE_DESCRIPTORS``): no payload; reply
  ``i32`` count of descriptors; ``OP_SERVICE_GET_DESCRIPTOR`` (7002): ``String`` name; reply one
  descriptor. A descriptor: ``String`` name, ``String`` service class, ``i32`` total count, ``i32``
  max per node, ``String`` cache name, origin node id (UUID object), ``byte`` platform (0 Java, 1 .NET).
* ``OP_SERVICE_GET_TOPOLOGY`` (7003, feature ``SERVICE_TOPOLOGY``): ``String`` name; reply ``i32``
  count and the raw ids of the nodes that host an instance.
"""

from __future__ import annotations

import struct
import uuid
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Type

from pyignite.datatypes.base import CodecContext, IgniteDataType, decode, encode, is_hint
from pyignite.datatypes.complex import entity_id
from pyignite.datatypes.containers import MapObject
from pyignite.datatypes.primitive import (
    BoolObject,
    ByteObject,
    CharObject,
    DoubleObject,
    FloatObject,
    IntObject,
    LongObject,
    ShortObject,
)
from pyignite.datatypes.standard import DateObject, DecimalObject, String, TimeObject, TimestampObject, UUIDObject
from pyignite.exceptions import ParameterError, ParseError, ServiceError
from pyignite.protocol import op_codes as op
from pyignite.protocol.cluster_ops import _pack_uuid, _raw_uuid
from pyignite.protocol.frames import new_request
from pyignite.protocol.request import Request

__all__ = [
    "FLAG_PARAMETER_TYPES",
    "ServiceDescriptor",
    "get_descriptor",
    "get_descriptors",
    "get_topology",
    "invoke",
    "java_type_id",
    "param_type",
]

FLAG_KEEP_BINARY = 0x01
FLAG_PARAMETER_TYPES = 0x02

_INT = struct.Struct("<i")
_LONG = struct.Struct("<q")
_I64_MAX = (1 << 63) - 1

#: Java classes Ignite registers with fixed type ids, by simple name: ``typeId(name)`` looks the simple
#: name of a class up here first (case-sensitively: the primitive ``long`` is not ``Long``, so
#: primitives get the hash of their name like any other class).
_PREDEFINED: Dict[str, int] = {
    "Byte": 1, "Short": 2, "Integer": 3, "Long": 4, "Float": 5, "Double": 6, "Character": 7,
    "Boolean": 8, "String": 9, "UUID": 10, "Date": 11, "BigDecimal": 30, "Timestamp": 33, "Time": 36,
    "[B": 12, "[S": 13, "[I": 14, "[J": 15, "[F": 16, "[D": 17, "[C": 18, "[Z": 19,
}

#: the encoding of an argument whose Java parameter type is named here
_ENCODING: Dict[str, Type[IgniteDataType]] = {
    "byte": ByteObject, "java.lang.Byte": ByteObject, "short": ShortObject, "java.lang.Short": ShortObject,
    "int": IntObject, "java.lang.Integer": IntObject, "long": LongObject, "java.lang.Long": LongObject,
    "float": FloatObject, "java.lang.Float": FloatObject, "double": DoubleObject, "java.lang.Double": DoubleObject,
    "char": CharObject, "java.lang.Character": CharObject, "boolean": BoolObject, "java.lang.Boolean": BoolObject,
    "java.lang.String": String, "java.util.UUID": UUIDObject, "java.util.Date": DateObject,
    "java.sql.Timestamp": TimestampObject, "java.sql.Time": TimeObject, "java.math.BigDecimal": DecimalObject,
}

#: hint classes given as parameter types stand for these Java types (the primitive where there is one)
_HINT_TYPES: Dict[Type[IgniteDataType], str] = {
    ByteObject: "byte", ShortObject: "short", IntObject: "int", LongObject: "long", FloatObject: "float",
    DoubleObject: "double", CharObject: "char", BoolObject: "boolean", String: "java.lang.String",
    UUIDObject: "java.util.UUID", DateObject: "java.util.Date", TimestampObject: "java.sql.Timestamp",
    TimeObject: "java.sql.Time", DecimalObject: "java.math.BigDecimal",
}


def _simple_name(name: str) -> str:
    # Ignite's simple-name mapper: what follows the last '$' (nested classes) or else the last '.'
    idx = name.rfind("$")
    if idx == len(name) - 1:
        idx = -1
    if idx < 0:
        idx = name.rfind(".")
    return name[idx + 1:]


def java_type_id(java_type: str) -> int:
    """The type id Java's ``BinaryContext.typeId`` gives the class named ``java_type`` (``"int"``,
    ``"java.lang.String"``, ``"org.example.Point"``): a fixed id for the classes Ignite predefines
    (``Integer`` 3, ``Long`` 4, ``String`` 9...), otherwise the lower-case Java hash of the name (as
    for ``int``, ``long`` and user classes; a JDK or Ignite class on the marshaller's system list,
    which Java hashes case-sensitively, cannot be named here)."""
    if not isinstance(java_type, str) or not java_type:
        raise ParameterError(f"a Java parameter type is a non-empty class name, not {java_type!r}")
    predefined = _PREDEFINED.get(_simple_name(java_type))
    if predefined is not None:
        return predefined
    return entity_id(java_type)


ParamType = Tuple[int, Optional[Type[IgniteDataType]]]


def param_type(spec: Any) -> ParamType:
    """``(type id, encoding hint or None)`` of a parameter type given as a Java type name (``"long"``,
    ``"java.lang.Integer"``, ``"org.example.Point"``), a hint class (``LongObject`` means ``long``,
    ``String`` ``java.lang.String``...), a ``(java type name, hint class)`` pair, or a class made by
    :class:`~pyignite.binary.GenericObjectMeta` (its type name)."""
    hint: Optional[Type[IgniteDataType]] = None
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str) and is_hint(spec[1]):
        return java_type_id(spec[0]), spec[1]
    if isinstance(spec, type) and spec in _HINT_TYPES:
        name = _HINT_TYPES[spec]
        return java_type_id(name), spec
    type_name = getattr(spec, "_type_name", None) if isinstance(spec, type) else None
    if isinstance(type_name, str):  # a GenericObjectMeta class: the Java class of that name
        return java_type_id(type_name), None
    if isinstance(spec, str):
        hint = _ENCODING.get(spec)
        return java_type_id(spec), hint
    raise ParameterError(
        f"a service parameter type is a Java type name, a pyignite type hint or a binary type class, not {spec!r}"
    )


def _parse_object(frame: bytes, pos: int, ctx: CodecContext) -> Any:
    value, _ = decode(frame, pos, ctx)
    return value


def invoke(
    name: str,
    method: str,
    args: Sequence[Any],
    param_types: Optional[Sequence[ParamType]] = None,
    node_ids: Optional[Iterable[uuid.UUID]] = None,
    timeout_ms: int = 0,
    call_context: Optional[Dict[str, Any]] = None,
    send_call_context: bool = False,
    ctx: Optional[CodecContext] = None,
) -> Request:
    """``OP_SERVICE_INVOKE`` of ``method`` of service ``name``; the parsed reply is what it returned.

    ``param_types``: one :func:`param_type` per argument, or ``None`` to let the server pick by the
    argument values; ``send_call_context``: the connection negotiated ``SERVICE_INVOKE_CALLCTX`` (the
    field is then always sent; ``call_context`` must be ``None`` otherwise).
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"the service name must be a non-empty str, not {name!r}")
    if not isinstance(method, str) or not method:
        raise ParameterError(f"the method name must be a non-empty str, not {method!r}")
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or not 0 <= timeout_ms <= _I64_MAX:
        raise ParameterError(f"timeout must be a non-negative number of milliseconds, not {timeout_ms!r}")
    if param_types is not None and len(param_types) != len(args):
        raise ParameterError(f"{len(param_types)} parameter types for {len(args)} arguments of {method}()")
    if call_context is not None and not send_call_context:
        raise ParameterError("a caller context needs SERVICE_INVOKE_CALLCTX")
    ids = list(node_ids or ())
    buf = new_request(op.OP_SERVICE_INVOKE)
    encode(buf, name)
    buf.append(FLAG_PARAMETER_TYPES if param_types is not None else 0)
    buf += _LONG.pack(timeout_ms)
    buf += _INT.pack(len(ids))
    for node_id in ids:
        _pack_uuid(buf, node_id)
    encode(buf, method)
    buf += _INT.pack(len(args))
    kw: Dict[str, Any] = {} if ctx is None else {"ctx": ctx}
    for i, arg in enumerate(args):
        hint = None
        if param_types is not None:
            type_id, hint = param_types[i]
            buf += _INT.pack(type_id)
        if isinstance(arg, tuple) and len(arg) == 2 and is_hint(arg[1]):  # an explicit (value, hint)
            arg, hint = arg
        encode(buf, arg, hint, **kw)
    if send_call_context:
        if call_context is None:
            encode(buf, None)
        else:
            encode(buf, call_context, MapObject, **kw)
    return Request(buf, _parse_object, ServiceError, f"service {name!r} method {method!r}")


class ServiceDescriptor(NamedTuple):
    """A deployed service, as the cluster describes it."""

    name: str
    #: the class of the service implementation
    service_class: str
    #: instances in the whole cluster (0: no limit)
    total_count: int
    #: instances per node (0: no limit)
    max_per_node_count: int
    #: the cache of an affinity-bound service, or ``None``
    cache_name: Optional[str]
    #: the node that deployed it
    origin_node_id: Optional[uuid.UUID]
    #: ``"java"`` or ``"dotnet"``
    platform: str


def _read_descriptor(frame: bytes, pos: int, ctx: CodecContext) -> Tuple[ServiceDescriptor, int]:
    name, pos = decode(frame, pos, ctx)
    svc_class, pos = decode(frame, pos, ctx)
    total, per_node = struct.unpack_from("<ii", frame, pos)
    cache_name, pos = decode(frame, pos + 8, ctx)
    origin, pos = decode(frame, pos, ctx)
    platform = frame[pos]
    return ServiceDescriptor(name, svc_class, total, per_node, cache_name, origin,
                             "java" if platform == 0 else "dotnet"), pos + 1


def _parse_descriptors(frame: bytes, pos: int, ctx: CodecContext) -> List[ServiceDescriptor]:
    try:
        (count,) = _INT.unpack_from(frame, pos)
        pos += 4
        out = []
        for _ in range(count):
            desc, pos = _read_descriptor(frame, pos, ctx)
            out.append(desc)
    except (struct.error, IndexError):
        raise ParseError("truncated service descriptors reply") from None
    return out


def _parse_descriptor(frame: bytes, pos: int, ctx: CodecContext) -> ServiceDescriptor:
    try:
        return _read_descriptor(frame, pos, ctx)[0]
    except (struct.error, IndexError):
        raise ParseError("truncated service descriptor reply") from None


def get_descriptors() -> Request:
    """``OP_SERVICE_GET_DESCRIPTORS``; parsed: a list of :class:`ServiceDescriptor`."""
    return Request(new_request(op.OP_SERVICE_GET_DESCRIPTORS), _parse_descriptors, ServiceError, "service descriptors")


def get_descriptor(name: str) -> Request:
    """``OP_SERVICE_GET_DESCRIPTOR`` of service ``name``; parsed: a :class:`ServiceDescriptor`."""
    if not isinstance(name, str) or not name:
        raise ParameterError(f"the service name must be a non-empty str, not {name!r}")
    buf = new_request(op.OP_SERVICE_GET_DESCRIPTOR)
    encode(buf, name)
    return Request(buf, _parse_descriptor, ServiceError, f"service {name!r}")


def _parse_topology(frame: bytes, pos: int, ctx: CodecContext) -> List[uuid.UUID]:
    try:
        (count,) = _INT.unpack_from(frame, pos)
        pos += 4
        if count < 0 or pos + 16 * count > len(frame):
            raise ParseError(f"service topology count {count} exceeds the reply")
        return [_raw_uuid(frame, pos + 16 * i) for i in range(count)]
    except (struct.error, IndexError):
        raise ParseError("truncated service topology reply") from None


def get_topology(name: str) -> Request:
    """``OP_SERVICE_GET_TOPOLOGY`` of service ``name``; parsed: the ids of the nodes hosting it."""
    if not isinstance(name, str) or not name:
        raise ParameterError(f"the service name must be a non-empty str, not {name!r}")
    buf = new_request(op.OP_SERVICE_GET_TOPOLOGY)
    encode(buf, name)
    return Request(buf, _parse_topology, ServiceError, f"topology of service {name!r}")
