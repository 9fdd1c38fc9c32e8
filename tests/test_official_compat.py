"""Code written for the official pyignite 0.6 runs on this client: its constructor keywords, value
shapes, call forms, error types and public names, against real Ignite nodes.

Tests taking the ``client``/``cache`` fixtures run with the blocking Client and with the AioClient
behind a blocking proxy (``both_clients``); the call forms that only exist in asyncio code
(``await cache.settings()``, ``hashcode_async``) are written as asyncio code here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import time
from collections import OrderedDict
from decimal import Decimal
from typing import Any, Dict, Iterator, Tuple

import pytest

from pyignite import AioClient, Client, GenericObjectMeta
from pyignite.datatypes import (
    BinaryEnumArrayObject,
    BinaryObject,
    CollectionObject,
    EnumArrayObject,
    IntObject,
    MapObject,
    ObjectArrayObject,
    String,
    TimestampArrayObject,
    TimestampObject,
)
from pyignite.datatypes.prop_codes import PROP_CACHE_ATOMICITY_MODE, PROP_NAME
from pyignite.exceptions import ParameterError, ReconnectError, SocketError
from pyignite.utils import entity_id

from .util import unique_name

pytestmark = pytest.mark.both_clients

Node = Tuple[str, int]
TS = dt.datetime(2021, 3, 4, 5, 6, 7, 890123)  # 890 ms + 123000 ns


# --- constructor keywords ---------------------------------------------------------------------------

OFFICIAL_KWARGS: Dict[str, Any] = dict(
    compact_footer=None, partition_aware=False, event_listeners=[], timeout=10.0, handshake_timeout=5.0,
)


def test_client_accepts_the_official_constructor_keywords(node: Node) -> None:
    with Client(**OFFICIAL_KWARGS).connect(*node) as client:
        cache = client.get_or_create_cache(unique_name("kw"))
        cache.put(1, "one")
        assert cache.get(1) == "one"
        cache.destroy()


def test_aio_client_accepts_the_official_constructor_keywords(node: Node) -> None:
    async def main() -> None:
        client = AioClient(**OFFICIAL_KWARGS)
        async with client.connect(*node):
            cache = await client.get_or_create_cache(unique_name("kw"))
            await cache.put(1, "one")
            assert await cache.get(1) == "one"
            await cache.destroy()

    asyncio.run(main())


def test_tls_and_credential_keywords_are_accepted(certs: Dict[str, str]) -> None:
    for cls in (Client, AioClient):
        cls(use_ssl=True, ssl_version=ssl.PROTOCOL_TLSv1_2, ssl_ciphers="ECDHE+AESGCM",
            ssl_cert_reqs=ssl.CERT_REQUIRED, ssl_ca_certfile=certs["ca"], ssl_certfile=certs["client_cert"],
            ssl_keyfile=certs["client_key"], ssl_keyfile_password=None, handshake_timeout=1)
        cls(username="ignite", password="ignite", use_ssl=False)
    for bad in (0, -1, "1", True):
        with pytest.raises(ParameterError, match="handshake_timeout"):
            Client(handshake_timeout=bad)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts TCP connections and never answers the handshake (a fake peer:
    the test is about the transport's handshake deadline, not about Ignite)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def test_handshake_timeout_bounds_a_silent_node(silent_port: int) -> None:
    start = time.monotonic()
    with pytest.raises((ReconnectError, SocketError)):
        Client(handshake_timeout=0.5).connect("127.0.0.1", silent_port)
    assert time.monotonic() - start < 5

    async def main() -> None:
        with pytest.raises((ReconnectError, SocketError)):
            await AioClient(handshake_timeout=0.5).connect("127.0.0.1", silent_port)

    start = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - start < 5


# --- value shapes -----------------------------------------------------------------------------------

def test_timestamp_reads_as_datetime_and_nanos(cache: Any) -> None:
    cache.put("ts", TS, value_hint=TimestampObject)
    got = cache.get("ts")
    assert got == (dt.datetime(2021, 3, 4, 5, 6, 7, 890000), 123000)
    assert TimestampObject.to_datetime(got) == TS
    # the official write forms: (datetime, nanos), and (datetime, 0) for "the datetime's own fraction"
    cache.put("ts2", (dt.datetime(2021, 3, 4, 5, 6, 7, 890000), 123456), value_hint=TimestampObject)
    assert cache.get("ts2") == (dt.datetime(2021, 3, 4, 5, 6, 7, 890000), 123456)
    cache.put("ts3", (TS, 0))  # unhinted: a Timestamp, as the decoded value writes back
    assert cache.get("ts3") == got
    cache.put("ts4", got)
    assert cache.get("ts4") == got
    cache.put("tsa", [TS, None], value_hint=TimestampArrayObject)
    assert cache.get("tsa") == [got, None]


def test_object_array_reads_as_type_id_and_list(cache: Any) -> None:
    cache.put("oa", [1, "a", None], value_hint=ObjectArrayObject)
    got = cache.get("oa")
    assert got == (ObjectArrayObject.OBJECT, [1, "a", None])
    type_id, items = got  # code written for the official client unpacks it
    assert type_id == -1 and items[1] == "a"
    cache.put("oa2", (-1, [1, "b"]), value_hint=ObjectArrayObject)
    assert cache.get("oa2") == (-1, [1, "b"])
    cache.put("oa3", got)  # a decoded object array written back without a hint stays one
    assert cache.get("oa3") == got
    cache.put("mixed", [1, "x"])  # the inferred type of a mixed list
    assert cache.get("mixed") == (-1, [1, "x"])


def test_map_reads_as_kind_and_dict(cache: Any) -> None:
    cache.put("m", {"a": 1, "b": {"c": 2}})
    assert cache.get("m") == (MapObject.HASH_MAP, {"a": 1, "b": (MapObject.HASH_MAP, {"c": 2})})
    cache.put("om", OrderedDict([("z", 1), ("a", 2)]), value_hint=MapObject)
    kind, mapping = cache.get("om")
    assert kind == MapObject.LINKED_HASH_MAP and isinstance(mapping, OrderedDict) and list(mapping) == ["z", "a"]
    # the official write form: an unhinted (kind, dict) is a Map
    cache.put("m2", (MapObject.LINKED_HASH_MAP, {"k": "v"}))
    assert cache.get("m2") == (MapObject.LINKED_HASH_MAP, OrderedDict(k="v"))


def test_unhinted_kind_and_list_tuple_is_a_collection(cache: Any) -> None:
    cache.put("c", (CollectionObject.ARR_LIST, [1, "a"]))
    assert cache.get("c") == (CollectionObject.ARR_LIST, [1, "a"])  # (1, ...): not an Object array (-1, ...)
    cache.put("s", (CollectionObject.HASH_SET, ["x"]))
    assert cache.get("s") == (CollectionObject.HASH_SET, ["x"])
    # a tuple that is no (kind, list) pair stays an Object array of its items
    cache.put("t", (2024, "x"))
    assert cache.get("t") == (-1, [2024, "x"])


def test_enum_array_takes_the_official_write_form(client: Any, cache: Any) -> None:
    type_name = unique_name("Color")
    client.put_binary_type(type_name, is_enum=True, schema=OrderedDict([("RED", 0), ("BLUE", 1)]))
    tid = entity_id(type_name)
    for hint in (EnumArrayObject, BinaryEnumArrayObject):
        cache.put("ea", (tid, [(tid, 1), None, (tid, 0)]), value_hint=hint)
        # the server keeps enums as binary enums in an Object[] (component type java.lang.Object)
        type_id, items = cache.get("ea")
        assert items == [(tid, 1), None, (tid, 0)] and type_id == -1


def test_complex_object_fields_read_in_the_official_shapes(client: Any, cache: Any) -> None:
    class Holder(metaclass=GenericObjectMeta, type_name=unique_name("Holder"), schema=OrderedDict([
        ("ts", TimestampObject), ("map", MapObject), ("objs", ObjectArrayObject), ("col", CollectionObject),
        ("n", IntObject),
    ]), version=1):
        pass

    cache.put(1, Holder(ts=TS, map={"k": 1}, objs=[1, "a"], col=(CollectionObject.LINKED_LIST, [2]), n=3))
    got = cache.get(1)
    assert got.ts == (dt.datetime(2021, 3, 4, 5, 6, 7, 890000), 123000)
    assert got.map == (MapObject.HASH_MAP, {"k": 1})
    assert got.objs == (-1, [1, "a"])
    assert got.col == (CollectionObject.LINKED_LIST, [2])
    cache.put(2, got)  # the read shapes write back as the same field types
    assert cache.get(2) == got


@pytest.mark.sql
def test_sql_timestamp_column_and_plain_datetimes(sql_client: Any) -> None:
    table = unique_name("TS").upper()
    list(sql_client.sql(f"CREATE TABLE {table} (ID INT PRIMARY KEY, T TIMESTAMP)"))
    try:
        list(sql_client.sql(f"INSERT INTO {table} (ID, T) VALUES (1, ?)", query_args=[TS]))
        (row,) = list(sql_client.sql(f"SELECT T FROM {table}"))
        assert row == [(dt.datetime(2021, 3, 4, 5, 6, 7, 890000), 123000)]
        # how a user gets one datetime per column (docs/migration.rst)
        assert [TimestampObject.to_datetime(v) for v in row] == [TS]
        (row,) = list(sql_client.sql(f"SELECT CAST(T AS VARCHAR) FROM {table}"))
        assert row == ["2021-03-04 05:06:07.890123"]
    finally:
        list(sql_client.sql(f"DROP TABLE {table}"))


# --- call forms and arguments -----------------------------------------------------------------------

def test_aio_cache_settings_is_awaitable_and_callable(node: Node) -> None:
    async def main() -> None:
        async with AioClient().connect(*node) as client:
            name = unique_name("settings")
            cache = await client.create_cache(name)
            try:
                called = await cache.settings()  # the official client's form
                awaited = await cache.settings  # this client's property form
                assert called[PROP_NAME] == awaited[PROP_NAME] == name
                assert called == awaited
            finally:
                await cache.destroy()

    asyncio.run(main())


def test_cache_settings_property(cache: Any) -> None:
    assert cache.settings[PROP_NAME] == cache.name


def test_get_size_accepts_none(cache: Any) -> None:
    cache.put_all({i: i for i in range(5)})
    assert cache.get_size(None) == cache.get_size() == 5


def test_create_cache_none_is_a_parameter_error(client: Any) -> None:
    with pytest.raises(ParameterError):
        client.create_cache(None)


@pytest.mark.parametrize(("kwargs", "official_error"), [
    ({"isolation": 7}, ValueError), ({"concurrency": 5}, ValueError), ({"isolation": "READ_COMMITTED"}, ValueError),
    ({"timeout": 1.5}, ValueError), ({"timeout": -1}, ValueError), ({"label": 5}, ValueError),
])
def test_transaction_argument_errors(node: Node, kwargs: Dict[str, Any], official_error: type) -> None:
    with Client().connect(*node) as client:
        cache = client.get_or_create_cache({PROP_NAME: unique_name("tx"), PROP_CACHE_ATOMICITY_MODE: 0})
        try:
            with pytest.raises(official_error) as err:
                client.tx_start(**kwargs)
            assert isinstance(err.value, (ParameterError, TypeError))
            cache.put(1, 1)  # no transaction was left open
            assert client.tx_start().close() is None
        finally:
            cache.destroy()

    async def main() -> None:
        async with AioClient().connect(*node) as aio:
            with pytest.raises(official_error):
                aio.tx_start(**kwargs)

    asyncio.run(main())


# --- binary objects ---------------------------------------------------------------------------------

def test_binary_object_hashcode_with_client(client: Any, cache: Any) -> None:
    class Key(metaclass=GenericObjectMeta, type_name=unique_name("Key"),
              schema=OrderedDict([("id", IntObject), ("code", String)])):
        pass

    key = Key(id=7, code="x")
    h = BinaryObject.hashcode(key, client=client)
    assert h == BinaryObject.hashcode(key) and isinstance(h, int)
    cache.put(key, "v")
    assert cache.get(Key(id=7, code="x")) == "v"  # found by the same hash and bytes

    async def main() -> int:
        return await BinaryObject.hashcode_async(key, client=None)

    assert asyncio.run(main()) == h


def test_generic_object_meta_version_keyword() -> None:
    class V1(metaclass=GenericObjectMeta, schema=OrderedDict([("a", IntObject)]), version=1):
        pass

    assert V1(a=1).a == 1
    with pytest.raises(ValueError, match="version"):
        class V2(metaclass=GenericObjectMeta, schema=OrderedDict([("a", IntObject)]), version=2):
            pass


# --- public names -----------------------------------------------------------------------------------

def test_official_import_paths() -> None:
    import pyignite.cluster
    import pyignite.connection.aio
    import pyignite.transaction
    from pyignite.connection import AioConnection, Connection
    from pyignite.constants import MAX_INT, MAX_LONG, MIN_INT, PROTOCOL_BYTE_ORDER, PROTOCOLS
    from pyignite.datatypes import (
        BinaryEnumArrayObject,
        ByteArray,
        ByteArrayObject,
        ClusterState,
        TransactionConcurrency,
        TransactionIsolation,
    )
    from pyignite.datatypes.cache_config import PeekModes as OurPeekModes
    from pyignite.datatypes.key_value import PeekModes
    from pyignite.exceptions import AuthenticationError, HandshakeError, connection_errors
    from pyignite.utils import cache_id, hashcode, schema_id, unsigned

    assert AioConnection is pyignite.connection.aio.AioConnection is AioClient._connection_class
    assert Connection is Client._connection_class
    assert PeekModes is OurPeekModes and PeekModes.PRIMARY == 2
    assert TransactionIsolation is pyignite.transaction.TransactionIsolation
    assert TransactionConcurrency is pyignite.transaction.TransactionConcurrency
    assert ClusterState is pyignite.cluster.ClusterState
    assert ByteArray is ByteArrayObject and issubclass(BinaryEnumArrayObject, EnumArrayObject)
    assert issubclass(AuthenticationError, HandshakeError)
    assert issubclass(SocketError, connection_errors) and issubclass(HandshakeError, connection_errors)
    assert (MAX_INT, MIN_INT, MAX_LONG) == (2**31 - 1, -(2**31), 2**63 - 1) and PROTOCOL_BYTE_ORDER == "little"
    assert (1, 7, 0) in PROTOCOLS
    # ids and hash codes as Java computes them ("abc".hashCode() is 96354)
    assert hashcode("abc") == 96354 and hashcode(b"\x01\xff") == 991 and hashcode(None) == 0
    assert cache_id(5) == 5 and cache_id("abc") == 96354
    assert unsigned(-1) == 2**32 - 1

    class Person(metaclass=GenericObjectMeta, schema=OrderedDict([("name", String), ("age", IntObject)])):
        pass

    assert entity_id("Person") == Person.type_id and entity_id(None) is None
    assert schema_id(OrderedDict([("name", String), ("age", IntObject)])) == Person.schema_id
    assert schema_id(None) == 0 and schema_id(123) == 123


def test_protocol_context(node: Node) -> None:
    client = Client()
    assert client.protocol_context is None and client.partition_awareness_supported_by_protocol is False
    with client.connect(*node):
        ctx = client.protocol_context
        assert ctx.version == (1, 7, 0)
        assert ctx.is_transactions_supported() and ctx.is_partition_awareness_supported()
        assert ctx.is_cluster_api_supported() and ctx.is_expiry_policy_supported() and ctx.is_status_flags_supported()
        assert client.partition_awareness_supported_by_protocol is True
    with Client(partition_aware=False).connect(*node) as off:
        assert off.partition_awareness_supported_by_protocol is False

    async def main() -> None:
        async with AioClient().connect(*node) as aio:
            assert aio.protocol_context == ctx
            assert aio.partition_awareness_supported_by_protocol is True

    asyncio.run(main())


def test_wrong_password_is_an_authentication_error(auth_node: Node) -> None:
    from pyignite.exceptions import AuthenticationError, HandshakeError

    with pytest.raises(AuthenticationError) as err:
        Client(username="ignite", password="wrong", use_ssl=False).connect(*auth_node)
    assert isinstance(err.value, HandshakeError) and err.value.status == 2000

    async def main() -> None:
        with pytest.raises(AuthenticationError):
            await AioClient(username="ignite", password="wrong", use_ssl=False).connect(*auth_node)

    asyncio.run(main())


def test_decimal_and_other_shapes_unchanged(cache: Any) -> None:
    """Types the official client reads as plain values still are (no tuple where there was none)."""
    cache.put("d", Decimal("1.50"))
    assert cache.get("d") == Decimal("1.50")
    cache.put("l", [1, 2])
    assert cache.get("l") == [1, 2]
    cache.put("date", dt.date(2020, 1, 2))
    assert cache.get("date") == dt.datetime(2020, 1, 2)
