"""Unit tests of the sans-IO framing and handshake code (no server)."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyignite.exceptions import ParseError
from pyignite.protocol import cache_ops
from pyignite.protocol.frames import FrameBuffer, new_request, parse_response_header, stamp
from pyignite.protocol.handshake import build_handshake, features_from_bytes, features_to_bytes, parse_handshake
from pyignite.protocol.request import Request, read_response


def _frame(body: bytes) -> bytes:
    return struct.pack("<i", len(body)) + body


def test_request_framing() -> None:
    buf = new_request(1000)
    buf += b"\x01\x02"
    stamp(buf, 77)
    assert bytes(buf) == struct.pack("<ihq", 12, 1000, 77) + b"\x01\x02"


@given(st.lists(st.binary(max_size=50), max_size=20), st.integers(min_value=1, max_value=7))
def test_frame_buffer_any_fragmentation(bodies: list, chunk: int) -> None:
    stream = b"".join(_frame(b) for b in bodies)
    fb = FrameBuffer()
    out = []
    for i in range(0, len(stream), chunk):
        fb.feed(stream[i : i + chunk])
        out.extend(fb.frames())
    assert out == bodies
    assert len(fb) == 0


def test_frame_buffer_needed() -> None:
    fb = FrameBuffer()
    assert fb.needed() == 4
    fb.feed(struct.pack("<i", 10) + b"abc")
    assert fb.needed() == 7
    assert fb.next_frame() is None


def test_garbled_length_is_parse_error() -> None:
    fb = FrameBuffer()
    fb.feed(struct.pack("<i", -5))
    with pytest.raises(ParseError, match="garbled"):
        fb.next_frame()


def test_response_header_new_format_with_topology_and_error() -> None:
    msg = b"boom"
    body = struct.pack("<qh", 5, 3) + struct.pack("<qi", 9, 1) + struct.pack("<i", 1000)
    body += struct.pack("<Bi", 9, len(msg)) + msg
    h = parse_response_header(body, True)
    assert (h.request_id, h.status, h.message, h.topology) == (5, 1000, "boom", (9, 1))
    assert h.payload_offset == len(body)


def test_response_header_old_format() -> None:
    body = struct.pack("<qi", 3, 0) + b"payload"
    h = parse_response_header(body, False)
    assert (h.request_id, h.status, h.payload_offset) == (3, 0, 12)
    body = struct.pack("<qi", 4, 1) + struct.pack("<Bi", 9, 2) + b"no"
    h = parse_response_header(body, False)
    assert (h.status, h.message) == (1, "no")


def test_truncated_header_is_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_response_header(b"\x01\x02", True)
    with pytest.raises(ParseError):
        parse_response_header(struct.pack("<qh", 1, 1) + b"\x00", True)


def test_handshake_bytes() -> None:
    data = build_handshake((1, 7, 0), [2, 3], "ignite", "пароль")
    pw = "пароль".encode()
    expected_body = (
        struct.pack("<BhhhB", 1, 1, 7, 0, 2)
        + struct.pack("<Bi", 12, 1) + bytes([0b1100])
        + struct.pack("<Bi", 9, 6) + b"ignite"
        + struct.pack("<Bi", 9, len(pw)) + pw
    )
    assert data == _frame(expected_body)
    assert build_handshake((1, 2, 0), []) == _frame(struct.pack("<BhhhB", 1, 1, 2, 0, 2))


def test_handshake_reply_parsing() -> None:
    ok = bytes([1]) + struct.pack("<Bi", 12, 2) + b"\xff\x07" + b"\x0a" + bytes(range(16))
    r = parse_handshake(ok, (1, 7, 0))
    assert r.success and r.features == frozenset(range(11))
    assert r.node_uuid is not None
    msg = b"Unauthenticated sessions are prohibited."
    fail = bytes([0]) + struct.pack("<hhh", 1, 7, 0) + struct.pack("<Bi", 9, len(msg)) + msg + struct.pack("<i", 2000)
    r = parse_handshake(fail, (1, 7, 0))
    assert not r.success and r.server_version == (1, 7, 0) and r.status == 2000
    assert r.message == msg.decode()
    with pytest.raises(ParseError):
        parse_handshake(b"\x00\x01", (1, 7, 0))


@pytest.mark.parametrize("frame", [
    # the feature byte array claims more bytes than the reply has (was: features silently cut short)
    bytes([1]) + struct.pack("<Bi", 12, 40) + b"\xff\x07" + b"\x0a" + bytes(range(16)),
    bytes([1]) + struct.pack("<Bi", 12, -5) + b"\xff\x07",
    # the error message claims more bytes than the reply has (was: message cut short, status lost)
    bytes([0]) + struct.pack("<hhh", 1, 7, 0) + struct.pack("<Bi", 9, 100) + b"short" + struct.pack("<i", 2000),
    bytes([0]) + struct.pack("<hhh", 1, 7, 0) + struct.pack("<Bi", 9, -3) + b"short",
])
def test_garbled_handshake_reply_raises_parse_error(frame: bytes) -> None:
    with pytest.raises(ParseError, match="garbled handshake reply"):
        parse_handshake(frame, (1, 7, 0))


@pytest.mark.parametrize("parse", [cache_ops.parse_long, cache_ops.parse_bool, cache_ops.parse_pairs,
                                   cache_ops.parse_string_list])
def test_truncated_reply_payload_raises_parse_error(parse: Any) -> None:
    """A success reply whose payload is cut short raises ParseError, not struct.error/IndexError."""
    req = Request(new_request(1000), parse)
    frame = struct.pack("<qhb", 1, 0, 3)  # request id, flags, then one byte of payload
    with pytest.raises(ParseError, match="truncated or malformed reply"):
        read_response(req, frame[:10], flags_header=True)
    if parse in (cache_ops.parse_pairs, cache_ops.parse_string_list):  # a count with no items after it
        with pytest.raises(ParseError):
            read_response(req, frame[:10] + struct.pack("<i", 5), flags_header=True)


@given(st.sets(st.integers(min_value=0, max_value=40)))
def test_feature_bits_round_trip(bits: set) -> None:
    assert features_from_bytes(features_to_bytes(bits)) == bits
