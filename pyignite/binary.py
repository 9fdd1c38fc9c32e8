"""Complex object classes and the binary type registry.

:class:`GenericObjectMeta` (defined in :mod:`pyignite.datatypes.complex`, re-exported here and from
``pyignite``) makes Python classes whose instances are Ignite Complex objects.

:class:`BinaryRegistry` is the codec context of a client: it knows the binary types of the cluster
(type name, affinity key field, fields and their types, schemas, enum values) and the Python class
used for each ``(type id, schema id)``:

* **reading**: an object whose type or schema is unknown makes the codec raise
  :class:`~pyignite.datatypes.base.MissingBinaryType`; the client runs :meth:`fetch_type_request`
  (``OP_GET_BINARY_TYPE``), the registry records the metadata and generates a class for every schema
  it has no class for (named after the type), and the reply is decoded again;
* **writing**: the first time an object of a class is encoded, :meth:`ensure_binary_type` attaches
  an ``OP_PUT_BINARY_TYPE`` request for the class's type and schema to the request being built (see
  :func:`pyignite.protocol.request.defer_prerequisite`); the client sends it first, and on success
  the class is remembered as known to the cluster (and used to read objects of its schema, unless a
  class was registered explicitly for it);
* ``Client.register_binary_type`` registers a class explicitly (it then reads its schema, replacing
  any generated class); ``Client.query_binary_type`` looks classes up.

Registries are thread-safe: lookups are lock-free dict reads; changes happen under a lock.
A registry works without a server too (``BinaryRegistry().register(cls)``), for encoding and
decoding offline.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple, Union

from pyignite.datatypes.base import HINT_BY_CODE, CodecContext, MissingBinaryType, is_hint
from pyignite.datatypes.complex import (
    EMPTY_SCHEMA_ID,
    TYPE_CODE,
    BinaryObject,
    GenericObjectMeta,
    entity_id,
    make_class,
    schema_id,
)
from pyignite.exceptions import ParameterError, ParseError
from pyignite.protocol import binary_ops
from pyignite.protocol.binary_ops import BinaryMeta
from pyignite.protocol.request import Request, defer_prerequisite, pending_prerequisites, take_prerequisites

__all__ = [
    "BinaryRegistry",
    "BinaryTypeInfo",
    "GenericObjectMeta",
    "class_name_for",
    "entity_id",
    "hint_for_type_code",
    "schema_id",
    "type_code_of_hint",
]


def hint_for_type_code(code: int) -> Any:
    """The hint class for a field type code from Ignite metadata (``None`` when no hint writes it)."""
    if code == TYPE_CODE:
        return BinaryObject
    return HINT_BY_CODE.get(code)


def type_code_of_hint(hint: Any) -> int:
    """The field type code Ignite metadata records for a hint (``Object`` when the hint has none)."""
    code = getattr(hint, "type_code", -1) if hint is not None else -1
    return code if isinstance(code, int) and code >= 0 else TYPE_CODE


_NOT_IDENT = re.compile(r"\W")


def class_name_for(type_name: str) -> str:
    """A Python class name for a binary type: the type name itself when it is an identifier, else
    its simple name (after the last ``.``, ``$`` or ``+``) with other characters dropped."""
    if type_name.isidentifier():
        return type_name
    simple = re.split(r"[.$+]", type_name.rstrip("$"))[-1] or type_name
    simple = _NOT_IDENT.sub("", simple)
    if not simple:
        return "BinaryType"
    return simple if simple.isidentifier() else "_" + simple


class BinaryTypeInfo:
    """What the registry knows about one binary type.

    :ivar type_id: type id; :ivar type_name: type name (``None`` until known);
    :ivar affinity_key_field: affinity key field name or ``None``; :ivar is_enum: enum or not;
    :ivar fields: ``OrderedDict`` field name -> ``(type code, field id)``;
    :ivar schemas: schema id -> tuple of field ids;
    :ivar enums: ``OrderedDict`` enum value name -> ordinal;
    :ivar classes: schema id -> the class objects of that schema are read as.
    """

    __slots__ = ("_lock", "affinity_key_field", "classes", "enums", "explicit", "fields", "in_cluster", "is_enum",
                 "names_by_id", "schemas", "type_id", "type_name")

    def __init__(self, type_id: int, type_name: Optional[str], lock: Any) -> None:
        self._lock = lock
        self.type_id = type_id
        self.type_name = type_name
        self.affinity_key_field: Optional[str] = None
        self.is_enum = False
        self.fields: OrderedDict[str, Tuple[int, int]] = OrderedDict()
        self.names_by_id: Dict[int, str] = {}
        self.schemas: Dict[int, Tuple[int, ...]] = {}
        self.enums: OrderedDict[str, int] = OrderedDict()
        self.classes: Dict[int, Any] = {}
        self.explicit: Set[int] = set()
        #: the type's metadata was read from, or registered in, the cluster (so its affinity key
        #: field is the cluster's)
        self.in_cluster = False

    def __repr__(self) -> str:
        return f"<BinaryTypeInfo {self.type_name!r} id={self.type_id} schemas={sorted(self.schemas)}>"

    def schema_dict(self, field_ids: Tuple[int, ...]) -> OrderedDict[str, Any]:
        """Field name -> hint class for a schema given by its field ids."""
        out: OrderedDict[str, Any] = OrderedDict()
        for fid in field_ids:
            name = self.names_by_id.get(fid)
            if name is None:
                raise ParseError(f"binary type {self.type_name!r} has no field with id {fid} in its metadata")
            out[name] = hint_for_type_code(self.fields[name][0])
        return out

    def class_for_schema(self, sid: int) -> Any:
        """The class for schema ``sid``; for the empty schema (0) one is made when needed."""
        cls = self.classes.get(sid)
        if cls is not None:
            return cls
        if sid != 0 or self.type_name is None:
            raise MissingBinaryType(self.type_id, sid)
        with self._lock:
            cls = self.classes.get(0)
            if cls is None:
                cls = make_class(self.type_name, OrderedDict(), class_name_for(self.type_name))
                self.classes[0] = cls
            return cls


def meta_to_dict(meta: Optional[BinaryMeta]) -> Dict[str, Any]:
    """The ``get_binary_type`` result layout of the specification."""
    if meta is None:
        return {"type_exists": False}
    types = {name: code for name, code, _ in meta.fields}
    names = {fid: name for name, _, fid in meta.fields}
    schemas = []
    for _sid, fids in meta.schemas:
        schema: OrderedDict[str, Any] = OrderedDict()
        for fid in fids:
            name = names.get(fid, str(fid))
            schema[name] = hint_for_type_code(types.get(name, TYPE_CODE))
        schemas.append(schema)
    result: Dict[str, Any] = {
        "type_exists": True,
        "type_id": meta.type_id,
        "type_name": meta.type_name,
        "affinity_key_field": meta.affinity_key_field,
        "is_enum": meta.is_enum,
        "schemas": schemas,
    }
    if meta.is_enum:
        result["enums"] = OrderedDict(meta.enums)
    return result


def meta_for_schema(
    type_name: Any, affinity_key_field: Any = None, is_enum: Any = False, schema: Any = None
) -> BinaryMeta:
    """Validate ``put_binary_type`` arguments and build the metadata to send.

    Raises :class:`ParameterError` naming the bad argument.
    """
    if not isinstance(type_name, str) or not type_name:
        raise ParameterError(f"type_name must be a non-empty str, not {type_name!r}")
    if affinity_key_field is not None and (not isinstance(affinity_key_field, str) or not affinity_key_field):
        raise ParameterError(f"affinity_key_field must be a non-empty str or None, not {affinity_key_field!r}")
    if not isinstance(is_enum, bool):
        raise ParameterError(f"is_enum must be True or False, not {is_enum!r}")
    if schema is None:
        schema = {}
    if not isinstance(schema, Mapping):
        raise ParameterError(f"schema must be a dict, not {type(schema).__name__}")
    try:
        tid = entity_id(type_name)
    except (TypeError, ValueError) as exc:
        raise ParameterError(str(exc)) from None
    if is_enum:
        enums = []
        for name, ordinal in schema.items():
            if not isinstance(name, str) or not name:
                raise ParameterError(f"enum value names must be non-empty str, not {name!r}")
            if isinstance(ordinal, bool) or not isinstance(ordinal, int) or not -(2**31) <= ordinal < 2**31:
                raise ParameterError(f"enum value {name!r} needs an int ordinal, not {ordinal!r}")
            enums.append((name, ordinal))
        return BinaryMeta(tid, type_name, affinity_key_field, [], True, enums, [])
    fields = []
    ids: List[int] = []
    for name, hint in schema.items():
        if not isinstance(name, str) or not name:
            raise ParameterError(f"field names must be non-empty str, not {name!r}")
        if hint is not None and not is_hint(hint):
            raise ParameterError(f"field {name!r}: {hint!r} is not a pyignite type hint class")
        try:
            fid = entity_id(name)
        except ValueError as exc:
            raise ParameterError(str(exc)) from None
        if fid in ids:
            raise ParameterError(f"field {name!r} has the same id as another field (names are case-insensitive)")
        ids.append(fid)
        fields.append((name, type_code_of_hint(hint), fid))
    if affinity_key_field is not None and affinity_key_field not in schema:
        raise ParameterError(f"affinity_key_field {affinity_key_field!r} is not a field of the schema")
    # a type without fields gets the empty schema Java registers for it (see EMPTY_SCHEMA_ID)
    schemas = [(schema_id(ids), ids)] if ids else [(EMPTY_SCHEMA_ID, [])]
    return BinaryMeta(tid, type_name, affinity_key_field, fields, False, [], schemas)


def check_data_class(data_class: Any) -> Any:
    if not isinstance(data_class, GenericObjectMeta):
        raise ParameterError(f"{data_class!r} is not a class made with GenericObjectMeta")
    return data_class


class _Deferred(threading.local):
    def __init__(self) -> None:
        self.requests: Dict[Any, Request] = {}


class BinaryRegistry(CodecContext):
    """The binary type registry of one client; the codec context its requests are built with.

    :param compact_footer: write Complex objects with compact footers (``True``), full ones
        (``False``) or follow the server (``None``: compact until a full-footer object is read).
    """

    def __init__(self, compact_footer: Optional[bool] = None) -> None:
        self.compact_footer = compact_footer
        self._lock = threading.RLock()
        self._types: Dict[int, BinaryTypeInfo] = {}
        #: classes whose type and schema the cluster knows (registered by us or read from it)
        self._sent: Set[Any] = set()
        self._deferred = _Deferred()

    def __repr__(self) -> str:
        return f"<BinaryRegistry: {len(self._types)} type(s)>"

    # --- the codec interface -------------------------------------------------------------------

    def binary_type(self, type_id: int) -> BinaryTypeInfo:
        """The registry entry of a type, or :class:`MissingBinaryType` when it is unknown."""
        info = self._types.get(type_id)
        if info is None or info.type_name is None:
            raise MissingBinaryType(type_id)
        return info

    def fetch_type_request(self, missing: MissingBinaryType) -> Request:
        """``OP_GET_BINARY_TYPE`` for a missing type; its parsing records the metadata.

        Parsing raises :class:`ParseError` when the cluster does not know the type or the schema
        (so a reply that cannot be decoded does not make the client ask again and again).
        """
        type_id, sid = missing.type_id, missing.schema_id

        def then(meta: Optional[BinaryMeta], ctx: Any) -> None:
            if meta is None:
                raise ParseError(f"binary type {type_id} is not registered in the cluster")
            info = self.record(meta)
            if sid and sid not in info.classes:
                raise ParseError(f"the cluster has no schema {sid} of binary type {meta.type_name!r}")

        return binary_ops.get_binary_type(type_id, then)

    def ensure_binary_type(self, cls: Any) -> None:
        """Called by the encoder for each Complex object: make sure the cluster will know ``cls``.

        The first time, an ``OP_PUT_BINARY_TYPE`` request is deferred to the request being built in
        this thread (sent before it). Nothing to do once the registration succeeded.
        """
        if cls in self._sent:
            return
        pending = self._deferred.requests.get(cls)
        if pending is not None and any(req is pending for req in pending_prerequisites()):
            return
        info = self._types.get(cls._type_id)
        # build the registration without letting it take the requests deferred so far
        earlier = take_prerequisites()
        if info is not None and (info.in_cluster or info.affinity_key_field is not None):
            req = self._registration(cls, info.affinity_key_field, explicit=False)
        else:
            req = self._implicit_registration(cls)
        for other in earlier:
            defer_prerequisite(other)
        self._deferred.requests[cls] = req
        defer_prerequisite(req)

    # --- registration --------------------------------------------------------------------------

    def meta_of_class(self, cls: Any, affinity_key_field: Optional[str] = None) -> BinaryMeta:
        """The metadata that registers ``cls``'s type and schema."""
        schema = OrderedDict(zip(cls._names, cls._hints))
        meta = meta_for_schema(cls._type_name, affinity_key_field, False, schema)
        return meta

    def _registration(self, cls: Any, affinity_key_field: Optional[str], explicit: bool) -> Request:
        meta = self.meta_of_class(cls, affinity_key_field)

        def then(ctx: Any) -> None:
            # ``ctx`` is the registry of the client that sent it: if a registration deferred here
            # ended up sent by another client (an encoding error left it pending), this cluster
            # still does not know the type
            self.register(cls, explicit=explicit, affinity_key_field=affinity_key_field, sent=ctx is self)

        return binary_ops.put_binary_type(meta, then)

    def _implicit_registration(self, cls: Any) -> Request:
        """Registration of a class whose type this registry has not seen in the cluster.

        Ignite rejects a registration whose affinity key field differs from the one the type
        already has (``F.eq`` in ``BinaryUtils.mergeMetadata``: ``null`` vs. a name is a conflict),
        and a class carries no affinity key field. So the ``OP_PUT_BINARY_TYPE`` gets an
        ``OP_GET_BINARY_TYPE`` prerequisite: if the type exists, its metadata is recorded and the
        registration frame is rewritten with the cluster's affinity key field before it is sent.
        One extra round trip, the first time a class of an unseen type is written.
        """
        put = self._registration(cls, None, explicit=False)

        def then(meta: Optional[BinaryMeta], ctx: Any) -> None:
            if meta is None or meta.is_enum or ctx is not self:
                return  # a new type (or a conflict the server will report on the put)
            self.record(meta)
            if meta.affinity_key_field is not None:
                registration = self.meta_of_class(cls)
                # the cluster's affinity key field, even if this class's schema lacks that field
                registration.affinity_key_field = meta.affinity_key_field
                put.frame = binary_ops.put_binary_type_frame(registration)

        put.prerequisites.append(binary_ops.get_binary_type(cls._type_id, then))
        return put

    def registration_request(self, cls: Any, affinity_key_field: Optional[str] = None) -> Request:
        """``OP_PUT_BINARY_TYPE`` for ``cls``; on success the class reads its schema from then on."""
        return self._registration(check_data_class(cls), affinity_key_field, explicit=True)

    def register(
        self, cls: Any, explicit: bool = True, affinity_key_field: Optional[str] = None, sent: bool = False
    ) -> None:
        """Use ``cls`` for objects of its type and schema (locally; nothing is sent).

        ``explicit`` replaces any class of that schema; otherwise only a missing or generated class
        is replaced. ``sent`` records that the cluster knows the class's type and schema.
        """
        check_data_class(cls)
        with self._lock:
            info = self._info(cls._type_id, cls._type_name)
            if affinity_key_field is not None:
                info.affinity_key_field = affinity_key_field
            for name, hint, fid in zip(cls._names, cls._hints, cls._field_ids):
                if name not in info.fields:
                    info.fields[name] = (type_code_of_hint(hint), fid)
                    info.names_by_id[fid] = name
            sid = cls._schema_id
            info.schemas.setdefault(sid, cls._field_ids)
            current = info.classes.get(sid)
            if explicit or current is None or (sid not in info.explicit and current._autogenerated):
                info.classes[sid] = cls
                if explicit:
                    info.explicit.add(sid)
            if sent:
                self._sent.add(cls)
                info.in_cluster = True

    def _info(self, type_id: int, type_name: Optional[str]) -> BinaryTypeInfo:
        info = self._types.get(type_id)
        if info is None:
            info = BinaryTypeInfo(type_id, type_name, self._lock)
            self._types[type_id] = info
        elif info.type_name is None:
            info.type_name = type_name
        return info

    def record(self, meta: BinaryMeta) -> BinaryTypeInfo:
        """Merge metadata read from the cluster; generate classes for schemas that have none."""
        with self._lock:
            info = self._info(meta.type_id, meta.type_name)
            info.type_name = meta.type_name
            info.affinity_key_field = meta.affinity_key_field
            info.is_enum = meta.is_enum
            info.in_cluster = True
            if meta.is_enum:
                info.enums = OrderedDict(meta.enums)
            for name, code, fid in meta.fields:
                info.fields[name] = (code, fid)
                info.names_by_id[fid] = name
            for sid, fids in meta.schemas:
                fids_t = tuple(fids)
                info.schemas[sid] = fids_t
                if sid in info.classes:
                    continue
                if not fids_t:
                    # Java's builder registers a field-less schema under the FNV-1a offset basis;
                    # such objects carry no schema, and are read as schema 0
                    info.classes[sid] = info.class_for_schema(0)
                    continue
                cls = make_class(meta.type_name, info.schema_dict(fids_t), class_name_for(meta.type_name))
                if cls._schema_id != sid:
                    raise ParseError(
                        f"binary type {meta.type_name!r}: schema {sid} does not match its field ids "
                        f"(computed {cls._schema_id})"
                    )
                info.classes[sid] = cls
                self._sent.add(cls)
            return info

    # --- lookups -------------------------------------------------------------------------------

    def lookup(self, type_id: int, sid: Optional[int] = None) -> Any:
        """The class for ``(type_id, sid)`` or ``None``; with no ``sid``, a dict schema id -> class."""
        info = self._types.get(type_id)
        if sid is None:
            return dict(info.classes) if info is not None else {}
        if info is None:
            return None
        return info.classes.get(sid)

    def type_info(self, type_id: int) -> Optional[BinaryTypeInfo]:
        """What the registry knows of a type, or ``None``."""
        return self._types.get(type_id)

    def enum_ordinal(self, binary_type: Union[str, int], name: str) -> Tuple[int, int]:
        """``(type id, ordinal)`` of a value of a registered binary enum (for ``BinaryEnumObject``).

        Raises :class:`ParameterError` if the registry does not know the enum or the value (query
        the type first, e.g. with ``client.query_binary_type(name)``).
        """
        tid = entity_id(binary_type)
        info = self._types.get(tid)
        if info is None or not info.is_enum:
            raise ParameterError(f"binary enum {binary_type!r} is not known to this client")
        if name not in info.enums:
            raise ParameterError(f"binary enum {info.type_name!r} has no value {name!r}")
        return tid, info.enums[name]

    def enum_name(self, type_id: int, ordinal: int) -> Optional[str]:
        """Name of an enum value, or ``None`` when unknown."""
        info = self._types.get(type_id)
        if info is None:
            return None
        for name, value in info.enums.items():
            if value == ordinal:
                return name
        return None


def schema_id_arg(schema: Any) -> Optional[int]:
    """The schema id given to ``query_binary_type``: ``None``, an id, or a schema dict / field names."""
    if schema is None:
        return None
    if isinstance(schema, bool):
        raise ParameterError(f"schema must be a schema id (int) or a dict of fields, not {schema!r}")
    if isinstance(schema, int):
        return schema
    if isinstance(schema, Mapping) or isinstance(schema, (list, tuple)):
        try:
            return schema_id(schema)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"bad schema: {exc}") from None
    raise ParameterError(f"schema must be a schema id (int) or a dict of fields, not {type(schema).__name__}")


def type_id_arg(binary_type: Any) -> int:
    try:
        return entity_id(binary_type)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"binary_type: {exc}") from None
