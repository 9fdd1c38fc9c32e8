"""Run the Java interop program (``Interop.java``) against a test node and compare what it sees.

:func:`run` starts ``org.pyignite.harness.Interop`` -- an Ignite *thin client* written in Java, using
Ignite's own binary API (``withKeepBinary``, ``BinaryObjectBuilder``) -- with the class path of a
harness flavor (:func:`harness.ensure_build` compiles it with the node launcher) and returns the JSON
lines it printed. See the Java source for the commands (``dump``, ``hex``, ``write``, ``get``) and the
tagged JSON it prints for Java values.

:func:`from_java` and :func:`from_python` turn a Java value (tagged JSON) and a Python value (as
pyignite decodes or encodes it) into the same plain structure, so a test compares the two with ``==``:
numbers become ints, floats their IEEE 754 double bits, date/time values nanoseconds since the epoch,
decimals their exact ``(sign, digits, exponent)``, objects ``("object", type name, sorted fields)``,
enums ``("enum", type id, ordinal)``, collections and maps ``("collection"|"map", kind, items)`` with
the items of hash-based kinds sorted, and a reference back to an object on the path being converted
``("ref",)`` (a cycle). :data:`JAVA_TAG` names the Java type each pyignite hint writes, for checking
the declared type of each field.
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import struct
import subprocess
import uuid
from typing import Any, Dict, List, Optional

import harness

INTEROP_CLASS = "org.pyignite.harness.Interop"

_EPOCH = datetime.datetime(1970, 1, 1)


def run(port: int, *args: str, version: Optional[str] = None, sql: bool = True, timeout: float = 120) -> List[dict]:
    """Run ``Interop <port> <args...>`` and return its stdout as a list of JSON objects.

    Raises :class:`harness.HarnessError` with the program's stderr when it fails.
    """
    classpath = harness.ensure_build(version or (harness.SQL_VERSION if sql else harness.IGNITE_VERSION), sql)
    cmd = ["java", *harness.JVM_OPTS, "-cp", classpath, INTEROP_CLASS, str(port), *args]
    env = dict(os.environ)
    res = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    out = res.stdout.decode("utf-8")
    if res.returncode != 0:
        raise harness.HarnessError(
            f"Interop {' '.join(args)} exited with {res.returncode}:\n{out[-2000:]}\n"
            f"{res.stderr.decode('utf-8', 'replace')[-4000:]}"
        )
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


# --- normalization ---------------------------------------------------------------------------------

def _double_bits(x: float) -> int:
    return struct.unpack("<q", struct.pack("<d", x))[0]


def _float_bits_to_double_bits(bits: int) -> int:
    return _double_bits(struct.unpack("<f", struct.pack("<i", bits))[0])


def _ns(dt: datetime.datetime) -> int:
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    delta = dt - _EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * 1000 + getattr(dt, "nanosecond", 0)


def _dec(unscaled: str, scale: int) -> tuple:
    t = decimal.Decimal(unscaled).as_tuple()  # exact: no context rounding (unlike scaleb)
    return decimal.DecimalTuple(t.sign, t.digits, -scale)


_COLLECTION_KIND = {-1: 3, 0: 1}  # USER_SET reads back as a HashSet, USER_COL as an ArrayList
_HASHED_COLLECTIONS = {3}


def _sorted(items: list) -> list:
    return sorted(items, key=repr)


def _collection(kind: int, items: list) -> tuple:
    kind = _COLLECTION_KIND.get(kind, kind)
    return ("collection", kind, _sorted(items) if kind in _HASHED_COLLECTIONS else items)


def _map(kind: int, pairs: list) -> tuple:
    return ("map", kind, _sorted(pairs) if kind != 2 else pairs)


def from_java(v: Any) -> Any:
    """The plain structure of a value printed by Interop.java (tagged JSON)."""
    if v is None:
        return None
    t = v["t"]
    x = v.get("v")
    if t in ("byte", "short", "int", "long"):
        return x
    if t == "float":
        return ("float", _float_bits_to_double_bits(x))
    if t == "double":
        return ("float", x)
    if t == "char":
        return chr(x)
    if t in ("bool", "string"):
        return x
    if t == "uuid":
        return uuid.UUID(x)
    if t in ("date", "time"):
        return (t if t == "time" else "instant", x * 1_000_000)
    if t == "timestamp":
        return ("instant", x[0] * 1_000_000 + x[1])
    if t == "decimal":
        return ("decimal", _dec(x, v["scale"]))
    if t == "byte[]":
        return bytes(b & 0xFF for b in x)
    if t in ("short[]", "int[]", "long[]", "bool[]"):
        return ("array", list(x))
    if t == "float[]":
        return ("array", [("float", _float_bits_to_double_bits(b)) for b in x])
    if t == "double[]":
        return ("array", [("float", b) for b in x])
    if t == "char[]":
        return ("array", [chr(c) for c in x])
    if t.endswith("[]"):
        return ("array", [from_java(e) for e in x])
    if t == "collection":
        return _collection(v["kind"], [from_java(e) for e in x])
    if t == "map":
        return _map(v["kind"], [(from_java(k), from_java(val)) for k, val in x])
    if t == "enum":
        from pyignite.datatypes.complex import entity_id

        return ("enum", entity_id(v["type"]), v["ordinal"])
    if t == "object":
        return ("object", v["type"], tuple(sorted((k, from_java(f)) for k, f in v["fields"].items())))
    if t == "ref":
        return ("ref",)
    raise ValueError(f"unknown Java value {v!r}")


def from_python(value: Any, _path: Optional[set] = None) -> Any:
    """The plain structure of a value as pyignite reads or writes it (see the module docstring)."""
    from pyignite.datatypes.complex import is_binary_object

    path = _path if _path is not None else set()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return ("float", _double_bits(value))
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, datetime.datetime):
        return ("instant", _ns(value))
    if isinstance(value, datetime.date):
        return ("instant", _ns(datetime.datetime(value.year, value.month, value.day)))
    if isinstance(value, datetime.timedelta):
        return ("time", (value // datetime.timedelta(microseconds=1)) * 1000)
    if isinstance(value, decimal.Decimal):
        return ("decimal", value.as_tuple())
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if is_binary_object(value):
        if id(value) in path:
            return ("ref",)
        path.add(id(value))
        try:
            cls = type(value)
            fields = tuple(sorted((name, from_python(value.__dict__.get(name), path)) for name in cls._names))
            return ("object", cls._type_name, fields)
        finally:
            path.discard(id(value))
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], datetime.datetime):
        # a Timestamp as pyignite reads it: (datetime in whole ms, nanoseconds within the ms)
        return ("instant", _ns(value[0]) + value[1])
    if type(value).__name__ in ("_ObjectArrayPair", "_EnumArrayPair"):
        # an Object array or Enum array as pyignite reads it: (component type id, elements)
        if id(value[1]) in path:
            return ("ref",)
        path.add(id(value[1]))
        try:
            return ("array", [from_python(e, path) for e in value[1]])
        finally:
            path.discard(id(value[1]))
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], int) and not isinstance(value[0], bool):
        kind, second = value
        if isinstance(second, int) and not isinstance(second, bool):
            return ("enum", kind, second)
        if isinstance(second, dict):
            return _map(kind, [(from_python(k, path), from_python(val, path)) for k, val in second.items()])
        if id(second) in path:
            return ("ref",)
        path.add(id(second))
        try:
            return _collection(kind, [from_python(e, path) for e in second])
        finally:
            path.discard(id(second))
    if isinstance(value, (list, tuple)):
        return ("array", [from_python(e, path) for e in value])
    if isinstance(value, (set, frozenset)):
        return _collection(3, [from_python(e, path) for e in value])
    if isinstance(value, dict):
        from collections import OrderedDict

        kind = 2 if isinstance(value, OrderedDict) else 1
        return _map(kind, [(from_python(k, path), from_python(val, path)) for k, val in value.items()])
    raise TypeError(f"no plain structure for {type(value).__name__}: {value!r}")


def _java_tags() -> Dict[Any, str]:
    from pyignite import datatypes as dt

    names = {
        "ByteObject": "byte", "ShortObject": "short", "IntObject": "int", "LongObject": "long",
        "FloatObject": "float", "DoubleObject": "double", "CharObject": "char", "BoolObject": "bool",
        "String": "string", "UUIDObject": "uuid", "DateObject": "date", "TimestampObject": "timestamp",
        "TimeObject": "time", "DecimalObject": "decimal", "ByteArrayObject": "byte[]",
        "ShortArrayObject": "short[]", "IntArrayObject": "int[]", "LongArrayObject": "long[]",
        "FloatArrayObject": "float[]", "DoubleArrayObject": "double[]", "CharArrayObject": "char[]",
        "BoolArrayObject": "bool[]", "StringArrayObject": "string[]", "UUIDArrayObject": "uuid[]",
        "DateArrayObject": "date[]", "TimestampArrayObject": "timestamp[]", "TimeArrayObject": "time[]",
        "DecimalArrayObject": "decimal[]", "ObjectArrayObject": "object[]", "EnumArrayObject": "object[]",
        "CollectionObject": "collection", "MapObject": "map", "EnumObject": "enum",
        "BinaryEnumObject": "enum", "BinaryObject": "object",
    }
    return {getattr(dt, name): tag for name, tag in names.items() if hasattr(dt, name)}


#: pyignite hint class -> the tag Interop.java prints for the Java type it writes
JAVA_TAG: Dict[Any, str] = {}


def java_tag(hint: Any) -> Optional[str]:
    """The Java type tag values written with ``hint`` have (``None`` if unknown)."""
    if not JAVA_TAG:
        JAVA_TAG.update(_java_tags())
    return JAVA_TAG.get(hint)
