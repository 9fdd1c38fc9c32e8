"""Bad server bytes stay harmless: every decoder and the frame reader, fed random and mutated bytes,
raises only :class:`~pyignite.exceptions.ParseError` -- never another exception, a hang or a big
allocation.

The inputs start from *real* encodings: replies a real node sent to a run of operations (values of
every kind, complex objects, cursor pages of scans and SQL, cache configuration, binary type
metadata, partition maps, cluster node information, transactions...), captured by wrapping the
client's ``read_response``; values encoded by the client's own encoders; handshake replies. Hypothesis
then mutates them (bit flips, byte overwrites, truncation, inserted bytes, and i32 fields overwritten
with 2^31-1, -2^31, -1 and other huge or negative lengths) or replaces them with random bytes, and
the parser must either return or raise ``ParseError``. :class:`MissingBinaryType` is also allowed
from a payload parser: it is the decoders' request to fetch an unknown binary type (a mutated type
id), which the runners answer with a server request bounded by ``MAX_TYPE_FETCHES``.

Memory: each parse runs under ``tracemalloc`` and its peak may exceed the input's size by at most
:data:`ALLOC_SLACK`, so a length field of 2^31 can never make a decoder allocate what it claims.
Hangs: each example has a hypothesis ``deadline``; the whole module's budget is fixed
(``max_examples``, ``derandomize=True`` for the same examples on every run).
"""

from __future__ import annotations

import os
import struct
import tracemalloc
import uuid
from collections import OrderedDict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyignite import Client, GenericObjectMeta
from pyignite import client as client_module
from pyignite.datatypes import (
    BoolArrayObject,
    ByteArrayObject,
    CharArrayObject,
    CollectionObject,
    DoubleArrayObject,
    EnumObject,
    IntObject,
    LongArrayObject,
    MapObject,
    ObjectArrayObject,
    String,
    StringArrayObject,
    UUIDArrayObject,
)
from pyignite.datatypes.base import NO_CONTEXT, MissingBinaryType, decode, encode
from pyignite.datatypes.cache_config import CacheAtomicityMode
from pyignite.datatypes.prop_codes import (
    PROP_BACKUPS_NUMBER,
    PROP_CACHE_ATOMICITY_MODE,
    PROP_NAME,
)
from pyignite.exceptions import ParseError
from pyignite.monitoring import QueryEventListener
from pyignite.protocol.continuous_ops import parse_events
from pyignite.protocol.frames import FrameBuffer, parse_response_header
from pyignite.protocol.handshake import parse_handshake
from pyignite.protocol.query_ops import read_fields_page
from pyignite.protocol.request import Request, read_response
from pyignite.protocol.session import Session

from .util import unique_name

#: how much more than the input's size one parse may allocate at its peak
ALLOC_SLACK = 4 * 1024 * 1024

#: examples per fuzz test: the suite's fixed budget; ``PYIGNITE_FUZZ_EXAMPLES=20000`` for a long search
EXAMPLES = int(os.environ.get("PYIGNITE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=2000, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- mutations --------------------------------------------------------------------------------------

HUGE_I32 = [0x7FFFFFFF, -0x80000000, -1, -2, 0x7FFFFFF0, 0x10000000, 1 << 24, 65536, 0xFFFF]


@st.composite
def mutations(draw: Any, size: int) -> List[Tuple[Any, ...]]:
    """A list of edits for a buffer of ``size`` bytes (positions are taken modulo the size then)."""
    edit = st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(0, 7)),
        st.tuples(st.just("byte"), st.integers(0, 1 << 20), st.integers(0, 255)),
        st.tuples(st.just("i32"), st.integers(0, 1 << 20),
                  st.sampled_from(HUGE_I32) | st.integers(-(1 << 31), (1 << 31) - 1)),
        st.tuples(st.just("cut"), st.integers(0, 1 << 20)),
        st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.binary(min_size=1, max_size=8)),
    )
    return draw(st.lists(edit, min_size=1, max_size=4 if size else 1))


def mutate(data: bytes, edits: List[Tuple[Any, ...]], start: int = 0) -> bytes:
    """Apply ``edits`` to ``data[start:]`` (the bytes before ``start`` -- a reply's header -- stay)."""
    buf = bytearray(data)
    for e in edits:
        span = len(buf) - start
        if span <= 0:
            break
        pos = start + e[1] % span
        if e[0] == "flip":
            buf[pos] ^= 1 << e[2]
        elif e[0] == "byte":
            buf[pos] = e[2]
        elif e[0] == "i32":
            buf[pos:pos + 4] = struct.pack("<i", e[2])
        elif e[0] == "cut":
            del buf[pos:]
        else:
            buf[pos:pos] = e[2]
    return bytes(buf)


def harmless(parse: Callable[[], Any], size: int, allowed: Tuple[type, ...] = (ParseError,)) -> None:
    """Run ``parse``: it returns or raises one of ``allowed``, and allocates at most the input's size
    plus :data:`ALLOC_SLACK` at its peak."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        try:
            parse()
        except allowed:
            pass
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak <= 2 * size + ALLOC_SLACK, f"a parse of {size} bytes allocated {peak} bytes"


# --- values encoded by the client ----------------------------------------------------------------------

class FuzzPerson(metaclass=GenericObjectMeta, type_name="org.pyignite.fuzz.Person", schema=OrderedDict([
    ("id", IntObject), ("name", String), ("tags", StringArrayObject),
])):
    pass


def _values() -> List[Tuple[Any, Any]]:
    person = FuzzPerson(id=7, name="Ann", tags=["a", "b"])
    return [
        (1, None), (1 << 40, None), (3.5, None), (True, None), ("héllo wörld", None), (b"\x00\x01\x02", None),
        (uuid.UUID(int=12345), None), (datetime(2024, 5, 6, 7, 8, 9), None), (date(2020, 1, 2), None),
        (timedelta(seconds=5), None), (Decimal("-12345.6789"), None), ([1, "two", 3.0, None], None),
        ({"a": 1, 2: [3, 4]}, None), ([True, False], BoolArrayObject), ([1, 2, 3], LongArrayObject),
        ([1.5, -2.5], DoubleArrayObject), (["x", "y"], CharArrayObject), (b"bytes", ByteArrayObject),
        (["s", None, "t"], StringArrayObject), ([uuid.UUID(int=1), None], UUIDArrayObject),
        ((-1, [1, "a", [2, 3]]), ObjectArrayObject), ((1, [1, 2, {"k": "v"}]), CollectionObject),
        ((1, {"k": [1, 2], 3: person}), MapObject), ((123, 4), EnumObject), (person, None),
        ([person, person], None),
    ]


def _encoded_values() -> List[bytes]:
    out = []
    for value, hint in _values():
        buf = bytearray()
        encode(buf, value, hint)
        out.append(bytes(buf))
    return out


VALUES = _encoded_values()


@FUZZ
@given(st.data())
def test_value_decoders_raise_only_parse_error_on_mutated_encodings(data: Any) -> None:
    original = data.draw(st.sampled_from(VALUES))
    mutated = mutate(original, data.draw(mutations(len(original))))
    harmless(lambda: decode(mutated, 0, NO_CONTEXT), len(mutated), (ParseError, MissingBinaryType))


@FUZZ
@given(st.binary(max_size=256))
def test_value_decoders_raise_only_parse_error_on_random_bytes(raw: bytes) -> None:
    harmless(lambda: decode(raw, 0, NO_CONTEXT), len(raw), (ParseError, MissingBinaryType))


@pytest.mark.parametrize("code", range(256))
def test_every_type_code_with_a_huge_length_is_refused_without_allocating(code: int) -> None:
    for n in (0x7FFFFFFF, -1, -0x80000000, 0x10000000):
        raw = bytes([code]) + struct.pack("<i", n) * 4 + b"\x01\x02\x03"
        harmless(lambda raw=raw: decode(raw, 0, NO_CONTEXT), len(raw), (ParseError, MissingBinaryType))


def test_deep_nesting_is_a_parse_error_not_a_recursion_error() -> None:
    # Collection of one Collection of one Collection...: six bytes per level
    raw = b"\x18\x01\x00\x00\x00\x01" * 50000 + b"\x65"
    harmless(lambda: decode(raw, 0, NO_CONTEXT), len(raw))


def _notification() -> bytes:
    """A continuous query notification payload: a count, then (key, old value, value, event type)."""
    buf = bytearray(struct.pack("<i", 3))
    for key, old, new, kind in ((1, None, "a", 0), ("k", VALUES[5], None, 2), (uuid.UUID(int=3), 2.5, [1, 2], 1)):
        for v in (key, old, new):
            if isinstance(v, bytes):
                buf += v
            else:
                encode(buf, v)
        buf.append(kind)
    return bytes(buf)


NOTIFICATION = _notification()


@FUZZ
@given(st.data())
def test_continuous_query_notification_parser_raises_only_parse_error(data: Any) -> None:
    mutated = mutate(NOTIFICATION, data.draw(mutations(len(NOTIFICATION))))
    harmless(lambda: parse_events(mutated, 0, NO_CONTEXT), len(mutated), (ParseError, MissingBinaryType))


def test_a_page_of_rows_without_columns_cannot_claim_2_gib_rows() -> None:
    # found by the fuzz: a first page whose column count was mutated to 0 and row count to 2^31-1
    # built empty rows until memory ran out
    for columns in (0, -1, -0x80000000):
        page = struct.pack("<i", 0x7FFFFFFF) + b"\x00"
        harmless(lambda columns=columns, page=page: read_fields_page(page, 0, NO_CONTEXT, columns), len(page))
        with pytest.raises(ParseError, match="rows of"):
            read_fields_page(page, 0, NO_CONTEXT, columns)
    assert read_fields_page(struct.pack("<i", 0) + b"\x00", 0, NO_CONTEXT, 0) == ([], False, 5)


# --- the frame reader and the response header ----------------------------------------------------------

def _frames() -> List[bytes]:
    ok = struct.pack("<qh", 5, 0) + b"\x03" + struct.pack("<i", 42)
    topo = struct.pack("<qhqi", 6, 2, 9, 1) + b"\x01"
    err = struct.pack("<qhi", 7, 1, 1000) + b"\x09" + struct.pack("<i", 5) + b"boom!"
    note = struct.pack("<qhh", 8, 4, 2007) + b"\x00\x00\x00\x00"
    note_err = struct.pack("<qhhi", 8, 5, 6001, 1) + b"\x65"
    return [struct.pack("<i", len(f)) + f for f in (ok, topo, err, note, note_err)]


FRAMES = _frames()


@FUZZ
@given(st.data())
def test_frame_reader_and_session_raise_only_parse_error(data: Any) -> None:
    stream = b"".join(data.draw(st.lists(st.sampled_from(FRAMES), min_size=1, max_size=4)))
    stream = mutate(stream, data.draw(mutations(len(stream))))
    chunk = data.draw(st.integers(1, 64))

    def read() -> None:
        session = Session("127.0.0.1", 10800)
        session.flags_header = data.draw(st.booleans())
        for i in range(0, len(stream), chunk):
            session.replies(stream[i:i + chunk])
        buf = FrameBuffer()
        buf.feed(stream)
        buf.needed()
        for frame in buf.frames():
            parse_response_header(frame, True)
            parse_response_header(frame, False)

    harmless(read, len(stream))


@FUZZ
@given(st.binary(max_size=64), st.booleans())
def test_response_header_of_random_bytes(raw: bytes, flags: bool) -> None:
    harmless(lambda: parse_response_header(raw, flags), len(raw))


def test_frame_of_2_gib_is_refused_and_one_that_claims_2_gib_waits_without_allocating() -> None:
    buf = FrameBuffer()
    buf.feed(struct.pack("<i", -5))
    with pytest.raises(ParseError):
        buf.next_frame()
    buf = FrameBuffer()
    buf.feed(struct.pack("<i", 0x7FFFFFFF) + b"abc")
    harmless(lambda: buf.frames(), 7)
    assert buf.frames() == [] and buf.needed() == 0x7FFFFFFF + 4 - 7


# --- the handshake reply -----------------------------------------------------------------------------

def _handshakes() -> List[bytes]:
    features = bytes([0xFF, 0x0F, 0x03])
    ok17 = b"\x01\x0c" + struct.pack("<i", len(features)) + features + b"\x0b" + uuid.UUID(int=99).bytes
    refused = (b"\x00" + struct.pack("<hhh", 1, 6, 0) + b"\x09" + struct.pack("<i", 4) + b"nope"
               + struct.pack("<i", 2000))
    return [ok17, b"\x01", refused, b"\x00" + struct.pack("<hhh", 1, 7, 0) + b"\x65"]


HANDSHAKES = _handshakes()


@FUZZ
@given(st.data())
def test_handshake_reply_parser_raises_only_parse_error(data: Any) -> None:
    original = data.draw(st.sampled_from(HANDSHAKES))
    mutated = mutate(original, data.draw(mutations(len(original))))
    version = data.draw(st.sampled_from([(1, 7, 0), (1, 4, 0), (1, 2, 0)]))
    harmless(lambda: parse_handshake(mutated, version), len(mutated))


# --- real replies of a real node ---------------------------------------------------------------------

Captured = Tuple[str, Request, bytes, Any, Any]


@pytest.fixture(scope="module")
def captured(sql_node: Tuple[str, int], monkeypatch_module: Any) -> List[Captured]:
    """Replies a real node sent to a run of operations: ``(label, request, frame, header, ctx)``."""
    seen: List[Captured] = []
    original = client_module.read_response

    def recording(req: Request, frame: bytes, header: Any = None, flags_header: bool = True,
                  ctx: Any = NO_CONTEXT) -> Any:
        if req.parse is not None and header is not None and header.status == 0:
            seen.append((getattr(req.parse, "__qualname__", repr(req.parse)), req, bytes(frame), header, ctx))
        return original(req, frame, header, flags_header, ctx)

    monkeypatch_module.setattr(client_module, "read_response", recording)
    name = unique_name("fuzz")
    table = unique_name("FUZZ").upper()
    # a query listener takes every request the monitored way, through read_response (the client's
    # fast path parses a plain success reply inline)
    listeners = [QueryEventListener()]
    with Client(partition_aware=True, event_listeners=listeners).connect(*sql_node) as client:
        cache = client.get_or_create_cache({
            PROP_NAME: name, PROP_CACHE_ATOMICITY_MODE: CacheAtomicityMode.TRANSACTIONAL, PROP_BACKUPS_NUMBER: 1,
        })
        try:
            for i, (value, hint) in enumerate(_values()):
                cache.put(i, value, value_hint=hint)
                cache.get(i)
            cache.get_all(list(range(len(VALUES))))
            cache.get_size()
            cache.contains_key(1)
            cache.get_and_put(1, "x")
            list(cache.scan(page_size=5))
            assert cache.settings[PROP_NAME] == name
            client.get_cache_names()
            with Client(event_listeners=listeners).connect(*sql_node) as other:  # a client that has to ask the server
                other.get_binary_type("org.pyignite.fuzz.Person")
            with client.tx_start():
                cache.put(100, "tx")
            cluster = client.get_cluster()
            cluster.get_state()
            ids = cluster.get_node_ids()
            cluster.get_nodes()
            cluster.get_node_info(ids)
            cluster.get_node_endpoints()
            client.sql(f"CREATE TABLE {table} (id INT PRIMARY KEY, s VARCHAR, d DOUBLE, t TIMESTAMP)")
            for i in range(12):
                client.sql(f"INSERT INTO {table} VALUES (?, ?, ?, ?)",
                           query_args=[i, f"s{i}", i / 3, datetime(2024, 1, 1 + i)])
            list(client.sql(f"SELECT * FROM {table}", page_size=5, include_field_names=True))
            list(client.sql(f"SELECT id, s FROM {table} WHERE id > ?", page_size=4, query_args=[2]))
        finally:
            try:
                client.sql(f"DROP TABLE IF EXISTS {table}")
            finally:
                cache.destroy()
    labels = {c[0] for c in seen}
    assert len(labels) >= 10, labels
    return seen


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_captured_replies_parse_as_they_are(captured: List[Captured]) -> None:
    for _label, req, frame, header, ctx in captured:
        read_response(req, frame, header, True, ctx)


def _fuzz_replies(captured: List[Captured], label_filter: Callable[[str], bool], data: Any) -> None:
    pool = [c for c in captured if label_filter(c[0])]
    _label, req, frame, header, ctx = data.draw(st.sampled_from(pool))
    start = header.payload_offset
    if data.draw(st.integers(0, 9)) == 0:
        mutated = frame[:start] + data.draw(st.binary(max_size=128))
    else:
        mutated = mutate(frame, data.draw(mutations(len(frame) - start)), start)
    harmless(lambda: read_response(req, mutated, header, True, ctx), len(mutated), (ParseError, MissingBinaryType))


@FUZZ
@given(data=st.data())
def test_reply_parsers_of_real_replies_raise_only_parse_error(captured: List[Captured], data: Any) -> None:
    _fuzz_replies(captured, lambda label: True, data)


@FUZZ
@given(data=st.data())
def test_cursor_page_parsers_raise_only_parse_error(captured: List[Captured], data: Any) -> None:
    _fuzz_replies(captured, lambda label: label.startswith("CursorCore."), data)


@FUZZ
@given(data=st.data())
def test_cache_configuration_and_metadata_parsers_raise_only_parse_error(captured: List[Captured], data: Any) -> None:
    _fuzz_replies(captured, lambda label: "settings" in label or "binary_type" in label, data)


def test_labels_cover_the_reply_parsers(captured: List[Captured]) -> None:
    """The capture reached the parsers this module claims to fuzz."""
    labels = {c[0] for c in captured}
    for needle in ("CursorCore.parse_first", "CursorCore.parse_page", "decode_settings", "get_binary_type",
                   "partitions_request", "_parse_node_info", "_parse_node_ids", "_parse_endpoints", "parse_pairs",
                   "parse_value", "_parse_tx_id"):
        assert any(label.startswith(needle) for label in labels), (needle, sorted(labels))
