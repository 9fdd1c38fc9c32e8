"""Unit tests of the sans-IO notification routing and the capability checks (no server).

Server notifications are framed like replies with the NOTIFICATION flag, the resource id in place of
the request id and the op code before the status; the session hands them to the listener registered
for that resource, in order, keeping early ones until a listener registers.
"""

from __future__ import annotations

import struct
from typing import Any, List, Tuple

import pytest

from pyignite.exceptions import NotSupportedByClusterError, NotSupportedError, SocketError
from pyignite.protocol import capabilities
from pyignite.protocol.frames import FLAG_ERROR, FLAG_NOTIFICATION, parse_response_header
from pyignite.protocol.handshake import Feature
from pyignite.protocol.session import MAX_PENDING_NOTIFICATIONS, NotificationListener, Session


def _notification(resource_id: int, op_code: int, payload: bytes = b"", error: str = "") -> bytes:
    flags = FLAG_NOTIFICATION | (FLAG_ERROR if error else 0)
    body = struct.pack("<qhh", resource_id, flags, op_code)
    if error:
        data = error.encode()
        body += struct.pack("<iBi", 1, 9, len(data)) + data
    body += payload
    return struct.pack("<i", len(body)) + body


def _reply(request_id: int, payload: bytes = b"") -> bytes:
    body = struct.pack("<qh", request_id, 0) + payload
    return struct.pack("<i", len(body)) + body


class Recorder(NotificationListener):
    def __init__(self) -> None:
        self.got: List[Tuple[int, int, bytes]] = []
        self.ended: List[BaseException] = []

    def notify(self, header: Any, frame: bytes) -> None:
        self.got.append((header.op_code, header.status, frame[header.payload_offset:]))

    def disconnected(self, error: BaseException) -> None:
        self.ended.append(error)


def _session() -> Session:
    s = Session("127.0.0.1", 1)
    s.flags_header = True
    return s


def test_notification_header_puts_the_op_code_before_the_status() -> None:
    frame = _notification(42, 6001, b"\x01\x02", error="boom")[4:]
    header = parse_response_header(frame, True)
    assert header.is_notification and header.request_id == 42 and header.op_code == 6001
    assert header.status == 1 and header.message == "boom"
    assert frame[header.payload_offset:] == b"\x01\x02"
    reply = parse_response_header(_reply(7, b"xy")[4:], True)
    assert reply.op_code is None and not reply.is_notification


def test_notifications_reach_their_listener_in_order_and_replies_still_flow() -> None:
    s = _session()
    a, b = Recorder(), Recorder()
    s.listen(1, a)
    s.listen(2, b)
    stream = (
        _notification(1, 2007, b"a1") + _reply(5, b"r") + _notification(2, 2007, b"b1") + _notification(1, 2007, b"a2")
    )
    replies = []
    for i in range(len(stream)):  # one byte at a time: any fragmentation
        replies += s.replies(stream[i:i + 1])
    assert [h.request_id for h, _ in replies] == [5]
    assert a.got == [(2007, 0, b"a1"), (2007, 0, b"a2")]
    assert b.got == [(2007, 0, b"b1")]


def test_early_notifications_are_kept_until_the_listener_registers() -> None:
    s = _session()
    s.replies(_notification(9, 6001, b"done"))
    late = Recorder()
    s.listen(9, late)
    assert late.got == [(6001, 0, b"done")]
    s.replies(_notification(9, 6001, b"again"))
    assert late.got[-1] == (6001, 0, b"again")


def test_unclaimed_notifications_are_bounded() -> None:
    s = _session()
    for i in range(MAX_PENDING_NOTIFICATIONS + 5):
        s.replies(_notification(i, 2007))
    r = Recorder()
    s.listen(0, r)  # the oldest were dropped to keep the bound
    assert r.got == []
    s.listen(MAX_PENDING_NOTIFICATIONS + 4, r)
    assert len(r.got) == 1


def test_unlisten_drops_later_notifications() -> None:
    s = _session()
    r = Recorder()
    s.listen(3, r)
    s.unlisten(3)
    s.replies(_notification(3, 2007))
    assert r.got == [] and not s.listening(3)


def test_a_lost_connection_ends_every_listener_once() -> None:
    s = _session()
    a, b = Recorder(), Recorder()
    s.listen(1, a)
    s.listen(2, b)
    err = SocketError("gone")
    s.end_listeners(err)
    s.end_listeners(SocketError("again"))
    assert a.ended == [err] and b.ended == [err]
    late = Recorder()
    s.listen(4, late)  # registering on a dead connection says so at once
    assert late.ended == [err]


class _Conn:
    host, port = "127.0.0.1", 10800

    def __init__(self, version: Any, features: Any, client_features: Any = None) -> None:
        self.protocol_version = version
        self.features = frozenset(features)
        if client_features is not None:
            self.client_features = frozenset(client_features)


def test_capability_checks_name_the_feature_and_the_version() -> None:
    capabilities.require(None, "compute")  # not connected: the server answers for itself
    capabilities.require(_Conn((1, 7, 0), {Feature.EXECUTE_TASK_BY_NAME}), "compute")
    with pytest.raises(NotSupportedByClusterError) as info:
        capabilities.require(_Conn((1, 6, 0), set()), "compute")
    assert isinstance(info.value, NotSupportedError)
    assert info.value.required_version == (1, 7, 0) and info.value.server_version == (1, 6, 0)
    assert "1.7.0" in str(info.value) and "1.6.0" in str(info.value)
    with pytest.raises(NotSupportedByClusterError) as info:
        capabilities.require(_Conn((1, 7, 0), {Feature.CLUSTER_STATES}), "compute")
    assert info.value.feature == "EXECUTE_TASK_BY_NAME" and "EXECUTE_TASK_BY_NAME" in str(info.value)
    # a bit only the server announced is not usable
    assert not capabilities.supports(_Conn((1, 7, 0), {Feature.HEARTBEAT}, client_features=set()), "heartbeats")
    with pytest.raises(KeyError):
        capabilities.require(_Conn((1, 7, 0), set()), "no such capability")
    assert len(capabilities.table_rows()) == len(capabilities.CAPABILITIES)


def test_a_one_shot_listener_ends_with_its_notification() -> None:
    s = _session()
    r = Recorder()
    s.listen(5, r, once=True)
    s.replies(_notification(5, 6001, b"done") + _notification(5, 6001, b"late"))
    assert r.got == [(6001, 0, b"done")] and not s.listening(5)
    early = Recorder()
    s.replies(_notification(6, 6001, b"first"))
    s.listen(6, early, once=True)  # it had ended before the listener came: delivered, not kept
    assert early.got == [(6001, 0, b"first")] and not s.listening(6)
