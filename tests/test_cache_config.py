"""Cache configuration: the settings codec (golden bytes, validation) and every property against real
nodes (``create_cache(settings)`` then ``cache.settings`` gives back what was set)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any, Dict

import pytest

from pyignite import Client
from pyignite.datatypes import ExpiryPolicy, IntObject, LongObject, ShortObject, prop_codes
from pyignite.datatypes.cache_config import (
    CacheAtomicityMode,
    CacheMode,
    IndexType,
    PartitionLossPolicy,
    PeekModes,
    RebalanceMode,
    WriteSynchronizationMode,
)
from pyignite.datatypes.cache_properties import WRITABLE_PROPERTIES, decode_settings, encode_settings
from pyignite.datatypes.prop_codes import (
    PROP_BACKUPS_NUMBER,
    PROP_CACHE_ATOMICITY_MODE,
    PROP_CACHE_KEY_CONFIGURATION,
    PROP_CACHE_MODE,
    PROP_COPY_ON_READ,
    PROP_DATA_REGION_NAME,
    PROP_DEFAULT_LOCK_TIMEOUT,
    PROP_EAGER_TTL,
    PROP_EXPIRY_POLICY,
    PROP_GROUP_NAME,
    PROP_INVALIDATE,
    PROP_IS_ONHEAP_CACHE_ENABLED,
    PROP_MAX_CONCURRENT_ASYNC_OPERATIONS,
    PROP_MAX_QUERY_ITERATORS,
    PROP_NAME,
    PROP_PARTITION_LOSS_POLICY,
    PROP_QUERY_DETAIL_METRIC_SIZE,
    PROP_QUERY_ENTITIES,
    PROP_QUERY_PARALLELISM,
    PROP_READ_FROM_BACKUP,
    PROP_REBALANCE_BATCH_SIZE,
    PROP_REBALANCE_BATCHES_PREFETCH_COUNT,
    PROP_REBALANCE_DELAY,
    PROP_REBALANCE_MODE,
    PROP_REBALANCE_ORDER,
    PROP_REBALANCE_THROTTLE,
    PROP_REBALANCE_TIMEOUT,
    PROP_SQL_ESCAPE_ALL,
    PROP_SQL_INDEX_INLINE_MAX_SIZE,
    PROP_SQL_SCHEMA,
    PROP_STATISTICS_ENABLED,
    PROP_WRITE_SYNCHRONIZATION_MODE,
)
from pyignite.exceptions import CacheError, NotSupportedError, ParameterError, ParseError
from pyignite.protocol import cache_ops, op_codes, status

from .util import unique_name

pytestmark = pytest.mark.both_clients

V170 = (1, 7, 0)


def encoded(settings: dict, version: Any = V170) -> bytes:
    buf = bytearray()
    encode_settings(buf, settings, version)
    return bytes(buf)


# --- enums ----------------------------------------------------------------------------------------


def test_enum_values_match_the_server() -> None:
    # ordinals/codes read by ClientCacheConfigurationSerializer in Ignite 2.17/2.18
    assert (CacheMode.REPLICATED, CacheMode.PARTITIONED) == (1, 2)
    assert (CacheAtomicityMode.TRANSACTIONAL, CacheAtomicityMode.ATOMIC) == (0, 1)
    assert list(WriteSynchronizationMode) == [0, 1, 2]
    assert WriteSynchronizationMode.PRIMARY_SYNC == 2
    assert (RebalanceMode.SYNC, RebalanceMode.ASYNC, RebalanceMode.NONE) == (0, 1, 2)
    assert PartitionLossPolicy.IGNORE == 4 and PartitionLossPolicy.READ_ONLY_SAFE == 0
    assert (IndexType.SORTED, IndexType.FULLTEXT, IndexType.GEOSPATIAL) == (0, 1, 2)
    assert (PeekModes.ALL, PeekModes.NEAR, PeekModes.PRIMARY, PeekModes.BACKUP) == (0, 1, 2, 3)


def test_every_spec_property_is_writable_except_invalidate() -> None:
    codes = {getattr(prop_codes, name) for name in prop_codes.__all__}
    assert len(codes) == 32  # the specification's table (31) and PROP_EXPIRY_POLICY
    assert codes - set(WRITABLE_PROPERTIES) == {PROP_INVALIDATE}
    assert PROP_EXPIRY_POLICY == 407


# --- expiry policy --------------------------------------------------------------------------------


def test_expiry_policy_values() -> None:
    p = ExpiryPolicy(create=timedelta(seconds=2), update=ExpiryPolicy.ETERNAL)
    assert (p.create, p.update, p.access) == (2000, -1, None)
    assert p.millis() == (2000, -1, -2)
    assert p == ExpiryPolicy(2000, -1, None)
    assert p != ExpiryPolicy(2000, -1, 0)
    assert ExpiryPolicy.from_millis(2000, -1, -2) == p
    assert "ETERNAL" in repr(p)
    with pytest.raises(ValueError):
        ExpiryPolicy(create=-5)
    with pytest.raises(ValueError):
        ExpiryPolicy(create=timedelta(microseconds=1500))
    with pytest.raises(TypeError):
        ExpiryPolicy(access=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ExpiryPolicy(update=True)


# --- encoding -------------------------------------------------------------------------------------


def test_encode_golden_bytes() -> None:
    data = encoded({PROP_NAME: "c", PROP_BACKUPS_NUMBER: 2, PROP_COPY_ON_READ: False})
    assert data.hex() == (
        "13000000"  # length of what follows
        "0300"  # three properties
        "0000" "090100000063"  # PROP_NAME 'c'
        "0300" "02000000"  # PROP_BACKUPS_NUMBER 2
        "0500" "00"  # PROP_COPY_ON_READ false
    )
    data = encoded({PROP_NAME: "c", PROP_EXPIRY_POLICY: ExpiryPolicy(create=5000), PROP_GROUP_NAME: None})
    assert data[6:].hex() == (
        "0000090100000063"
        "9701" "01" "8813000000000000" "feffffffffffffff" "feffffffffffffff"
        "9001" "65"
    )


def _entity(**field: Any) -> dict:
    return {"table_name": "T", "query_fields": [dict({"name": "X", "type_name": "java.lang.Integer"}, **field)]}


def test_query_field_default_value_uses_the_field_type() -> None:
    def field_bytes(version: Any = V170, **field: Any) -> bytes:
        data = encoded({PROP_NAME: "c", PROP_QUERY_ENTITIES: [_entity(**field)]}, version)
        head = (
            4 + 2  # length, property count
            + 2 + 6  # PROP_NAME 'c'
            + 2 + 4  # PROP_QUERY_ENTITIES, one entity
            + 1 + 1 + 6 + 1 + 1  # key type, value type, table 'T', key field, value field
            + 4  # one field
        )
        return data[head:]

    body = field_bytes(default_value=7, is_notnull_constraint_field=True, precision=5)
    name_and_type = "0901000000" "58" "0911000000" + b"java.lang.Integer".hex()
    assert body.hex().startswith(
        name_and_type + "00" "01" "0307000000" "05000000" "ffffffff"  # IntObject 7, precision 5, scale -1
    )
    assert field_bytes(default_value=(7, LongObject)).hex().startswith(name_and_type + "0000" "040700000000000000")
    assert field_bytes(default_value=None).hex().startswith(name_and_type + "0000" "65" "ffffffff" "ffffffff")
    # protocol 1.1.0 and older had no precision and scale
    assert field_bytes((1, 1, 0)).hex().startswith(name_and_type + "0000" "65" "00000000")  # then: no aliases
    with pytest.raises(ParameterError, match="precision"):
        field_bytes((1, 1, 0), precision=3)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({PROP_NAME: "c", 999: 1}, "unknown cache property code 999"),
        ({PROP_NAME: "c", "backups": 1}, "unknown cache property code 'backups'"),
        ({PROP_NAME: "c", PROP_INVALIDATE: True}, "read-only"),
        ({PROP_BACKUPS_NUMBER: 1}, "PROP_NAME"),
        ({PROP_NAME: ""}, "PROP_NAME"),
        ({PROP_NAME: 5}, "PROP_NAME"),
        ({PROP_NAME: "c", PROP_BACKUPS_NUMBER: "2"}, "PROP_BACKUPS_NUMBER"),
        ({PROP_NAME: "c", PROP_BACKUPS_NUMBER: 2**31}, "PROP_BACKUPS_NUMBER"),
        ({PROP_NAME: "c", PROP_BACKUPS_NUMBER: True}, "PROP_BACKUPS_NUMBER"),
        ({PROP_NAME: "c", PROP_REBALANCE_DELAY: 2**63}, "PROP_REBALANCE_DELAY"),
        ({PROP_NAME: "c", PROP_COPY_ON_READ: "yes"}, "PROP_COPY_ON_READ"),
        ({PROP_NAME: "c", PROP_CACHE_MODE: 7}, "PROP_CACHE_MODE"),
        ({PROP_NAME: "c", PROP_CACHE_MODE: CacheMode.LOCAL}, "LOCAL"),
        ({PROP_NAME: "c", PROP_CACHE_ATOMICITY_MODE: 2}, "CacheAtomicityMode"),
        ({PROP_NAME: "c", PROP_PARTITION_LOSS_POLICY: "IGNORE"}, "PROP_PARTITION_LOSS_POLICY"),
        ({PROP_NAME: "c", PROP_SQL_SCHEMA: 5}, "PROP_SQL_SCHEMA"),
        ({PROP_NAME: "c", PROP_EXPIRY_POLICY: 1000}, "ExpiryPolicy"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: {}}, "PROP_QUERY_ENTITIES"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: [{"table": "T"}]}, "unknown keys"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: [_entity(type_name=3)]}, "type_name"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: [_entity(default_value="x")]}, "default_value"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: [_entity(default_value=2**40)]}, "default_value"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: [_entity(scale="2")]}, "scale"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: [{"query_indexes": [{"index_type": 9}]}]}, "IndexType"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: [{"query_indexes": [{"fields": [{"name": None}]}]}]},
         "name"),
        ({PROP_NAME: "c", PROP_QUERY_ENTITIES: [{"field_name_aliases": [("A", "B")]}]}, "dict"),
        ({PROP_NAME: "c", PROP_CACHE_KEY_CONFIGURATION: [{"type_name": "K"}]}, "affinity_key_field_name"),
        ([(PROP_NAME, "c")], "dict"),
    ],
)
def test_bad_settings_raise_parameter_error(settings: Any, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        encoded(settings)


def test_bad_settings_are_refused_before_anything_is_sent() -> None:
    client = Client()  # not connected: sending anything would raise ReconnectError instead
    for call in (client.create_cache, client.get_or_create_cache):
        with pytest.raises(ParameterError):
            call({PROP_NAME: "c", PROP_BACKUPS_NUMBER: "many"})
        with pytest.raises(ParameterError):
            call({PROP_NAME: "c", 12345: 1})


def test_expiry_policy_needs_protocol_1_6() -> None:
    settings = {PROP_NAME: "c", PROP_EXPIRY_POLICY: ExpiryPolicy(create=1)}
    with pytest.raises(NotSupportedError):
        encoded(settings, (1, 5, 0))
    assert encoded(settings, (1, 6, 0))
    req = cache_ops.create_with_configuration(settings, True, (1, 6, 0))
    assert int.from_bytes(req.frame[4:6], "little") == op_codes.OP_CACHE_CREATE_WITH_CONFIGURATION
    req = cache_ops.create_with_configuration(settings, False, (1, 6, 0))
    assert int.from_bytes(req.frame[4:6], "little") == op_codes.OP_CACHE_GET_OR_CREATE_WITH_CONFIGURATION


# --- decoding -------------------------------------------------------------------------------------

#: The payload of an OP_CACHE_GET_CONFIGURATION reply from Ignite 2.17.0 (protocol 1.7.0) for
#: {PROP_NAME: 'g1', PROP_BACKUPS_NUMBER: 1, PROP_EXPIRY_POLICY: ExpiryPolicy(create=5000),
#:  PROP_CACHE_KEY_CONFIGURATION: [{'type_name': 'K', 'affinity_key_field_name': 'a'}],
#:  PROP_QUERY_ENTITIES: [{'table_name': 'T', 'key_type_name': 'java.lang.Integer', 'value_type_name': 'V',
#:     'query_fields': [{'name': 'X', 'type_name': 'java.lang.Integer', 'default_value': 7,
#:                       'is_notnull_constraint_field': True, 'precision': 5}],
#:     'query_indexes': [{'index_name': 'IX', 'inline_size': 8, 'fields': [{'name': 'X', 'is_descending': True}]}]}]}
SERVER_REPLY = bytes.fromhex(
    "1701000001000000010000000200000001650100650000000000000000f401000000040000090200000067310004000000000000"
    "000100000001000008000300000000000000000000000000000001000000000000000000000000000000102700000000000000ff"
    "ffffff65020000000100000009010000004b0901000000610100000009110000006a6176612e6c616e672e496e74656765720901"
    "0000005609010000005465650100000009010000005809110000006a6176612e6c616e672e496e74656765720001030700000005"
    "000000ffffffff01000000090100000058090100000058010000000902000000495800080000000100000009010000005801018813"
    "000000000000fefffffffffffffffeffffffffffffff"
)


def test_decode_server_reply() -> None:
    s = decode_settings(SERVER_REPLY, 0)
    assert list(s) == sorted(s)
    assert s[PROP_NAME] == "g1"
    assert s[PROP_BACKUPS_NUMBER] == 1
    assert s[PROP_CACHE_MODE] is CacheMode.PARTITIONED
    assert s[PROP_CACHE_ATOMICITY_MODE] is CacheAtomicityMode.ATOMIC
    assert s[PROP_WRITE_SYNCHRONIZATION_MODE] is WriteSynchronizationMode.PRIMARY_SYNC
    assert s[PROP_REBALANCE_MODE] is RebalanceMode.ASYNC
    assert s[PROP_PARTITION_LOSS_POLICY] is PartitionLossPolicy.IGNORE
    assert s[PROP_REBALANCE_TIMEOUT] == 10000 and s[PROP_REBALANCE_BATCH_SIZE] == 512 * 1024
    assert s[PROP_SQL_INDEX_INLINE_MAX_SIZE] == -1 and s[PROP_MAX_QUERY_ITERATORS] == 1024
    assert s[PROP_DATA_REGION_NAME] is None and s[PROP_GROUP_NAME] is None
    assert s[PROP_COPY_ON_READ] is True and s[PROP_IS_ONHEAP_CACHE_ENABLED] is False
    assert s[PROP_CACHE_KEY_CONFIGURATION] == [{"type_name": "K", "affinity_key_field_name": "a"}]
    assert s[PROP_EXPIRY_POLICY] == ExpiryPolicy(create=5000)
    assert s[PROP_QUERY_ENTITIES] == [{
        "table_name": "T", "key_field_name": None, "key_type_name": "java.lang.Integer",
        "value_field_name": None, "value_type_name": "V",
        "field_name_aliases": [{"field_name": "X", "alias": "X"}],
        "query_fields": [{
            "name": "X", "type_name": "java.lang.Integer", "is_key_field": False,
            "is_notnull_constraint_field": True, "default_value": 7, "precision": 5, "scale": -1,
        }],
        "query_indexes": [{
            "index_name": "IX", "index_type": IndexType.SORTED, "inline_size": 8,
            "fields": [{"name": "X", "is_descending": True}],
        }],
    }]
    assert PROP_INVALIDATE not in s


def _with_length(body: bytes) -> bytes:
    return len(body).to_bytes(4, "little", signed=True) + body


def test_decode_without_expiry_and_with_trailing_data() -> None:
    body = SERVER_REPLY[4:]
    old = decode_settings(_with_length(body[:-25]), 0)  # protocol < 1.6.0: no expiry policy
    assert PROP_EXPIRY_POLICY not in old and old[PROP_NAME] == "g1"
    none = decode_settings(_with_length(body[:-25] + b"\x00"), 0)
    assert none[PROP_EXPIRY_POLICY] is None
    newer = decode_settings(b"\xAA\xBB" + _with_length(body + b"\x15\x00\x00\x00\x00\x65") + b"\x99", 2)
    assert newer == decode_settings(SERVER_REPLY, 0)  # bytes after the known fields are skipped


def test_decode_garbled_reply_raises_parse_error() -> None:
    body = SERVER_REPLY[4:]
    for bad in (
        SERVER_REPLY[:-1],  # length says more than there is
        _with_length(body[:40]),  # truncated configuration
        _with_length(body[:-26]),  # cut inside the query entities
        SERVER_REPLY[:3],
        _with_length(body[:-24] + b"\xfa" * 24),  # expiry with a negative duration
    ):
        with pytest.raises(ParseError):
            decode_settings(bad, 0)


# --- against real nodes ---------------------------------------------------------------------------


def _non_defaults(name: str) -> Dict[int, Any]:
    """Every writable property but the query entities, each set to something other than its default."""
    return {
        PROP_NAME: name,
        PROP_CACHE_MODE: CacheMode.PARTITIONED,  # the default; REPLICATED is tested below
        PROP_CACHE_ATOMICITY_MODE: CacheAtomicityMode.TRANSACTIONAL,
        PROP_BACKUPS_NUMBER: 2,
        PROP_WRITE_SYNCHRONIZATION_MODE: WriteSynchronizationMode.FULL_SYNC,
        PROP_COPY_ON_READ: False,
        PROP_READ_FROM_BACKUP: False,
        PROP_DATA_REGION_NAME: "default",  # the only region; unset reads back None
        PROP_IS_ONHEAP_CACHE_ENABLED: True,
        PROP_QUERY_PARALLELISM: 4,
        PROP_QUERY_DETAIL_METRIC_SIZE: 16,
        PROP_SQL_SCHEMA: "MY_SCHEMA_" + name[-6:].upper(),
        PROP_SQL_INDEX_INLINE_MAX_SIZE: 32,
        PROP_SQL_ESCAPE_ALL: True,
        PROP_MAX_QUERY_ITERATORS: 2048,
        PROP_REBALANCE_MODE: RebalanceMode.SYNC,
        PROP_REBALANCE_DELAY: 100,
        PROP_REBALANCE_TIMEOUT: 20000,
        PROP_REBALANCE_BATCH_SIZE: 1 << 20,
        PROP_REBALANCE_BATCHES_PREFETCH_COUNT: 4,
        PROP_REBALANCE_ORDER: 5,
        PROP_REBALANCE_THROTTLE: 10,
        PROP_GROUP_NAME: "group_" + name,
        PROP_CACHE_KEY_CONFIGURATION: [
            {"type_name": "MyKey", "affinity_key_field_name": "region"},
            {"type_name": "OtherKey", "affinity_key_field_name": "id"},
        ],
        PROP_DEFAULT_LOCK_TIMEOUT: 3000,
        PROP_MAX_CONCURRENT_ASYNC_OPERATIONS: 100,
        PROP_PARTITION_LOSS_POLICY: PartitionLossPolicy.READ_ONLY_SAFE,
        PROP_EAGER_TTL: False,
        PROP_STATISTICS_ENABLED: True,
        PROP_EXPIRY_POLICY: ExpiryPolicy(create=timedelta(minutes=1), update=2000, access=ExpiryPolicy.ETERNAL),
    }


PERSON_ENTITY = {
    "table_name": "PERSON",
    "key_field_name": "ID",
    "key_type_name": "java.lang.Long",
    "value_field_name": None,
    "value_type_name": "PersonValue",
    "field_name_aliases": [{"field_name": "FIRST_NAME", "alias": "FNAME"}],
    "query_fields": [
        {"name": "ID", "type_name": "java.lang.Long", "is_key_field": True,
         "is_notnull_constraint_field": True, "default_value": None, "precision": -1, "scale": -1},
        {"name": "FIRST_NAME", "type_name": "java.lang.String", "is_key_field": False,
         "is_notnull_constraint_field": True, "default_value": "anonymous", "precision": 40, "scale": -1},
        {"name": "AGE", "type_name": "java.lang.Integer", "is_key_field": False,
         "is_notnull_constraint_field": False, "default_value": 18, "precision": -1, "scale": -1},
        {"name": "SALARY", "type_name": "java.math.BigDecimal", "is_key_field": False,
         "is_notnull_constraint_field": False, "default_value": Decimal("1000.50"), "precision": 10, "scale": 2},
        {"name": "NICK", "type_name": "java.lang.String", "is_key_field": False,
         "is_notnull_constraint_field": False, "default_value": None, "precision": -1, "scale": -1},
        {"name": "LEVEL", "type_name": "java.lang.Short", "is_key_field": False,
         "is_notnull_constraint_field": False, "default_value": (3, ShortObject), "precision": -1, "scale": -1},
    ],
    "query_indexes": [
        {"index_name": "AGE_NAME_IDX", "index_type": IndexType.SORTED, "inline_size": 24,
         "fields": [{"name": "AGE", "is_descending": True}, {"name": "FIRST_NAME", "is_descending": False}]},
        {"index_name": "NAME_TEXT_IDX", "index_type": IndexType.FULLTEXT, "inline_size": -1,
         "fields": [{"name": "FIRST_NAME", "is_descending": False}]},
    ],
}


def _check_entity(got: dict, want: dict) -> None:
    """The server keeps a query entity as given, except that it adds an alias for every field."""
    def plain(value: Any) -> Any:  # a (value, hint) default reads back as the value
        return value[0] if isinstance(value, tuple) else value

    expected = {k: v for k, v in want.items() if k != "field_name_aliases"}
    expected["query_fields"] = [dict(f, default_value=plain(f["default_value"])) for f in want["query_fields"]]
    assert {k: v for k, v in got.items() if k != "field_name_aliases"} == expected
    aliases = {a["field_name"]: a["alias"] for a in got["field_name_aliases"]}
    for alias in want["field_name_aliases"]:
        assert aliases[alias["field_name"]] == alias["alias"]


def _check_settings(got: dict, want: dict) -> None:
    for code, value in want.items():
        if code == PROP_QUERY_ENTITIES:
            assert len(got[code]) == len(value)
            for g, w in zip(got[code], value):
                _check_entity(g, w)
        else:
            assert got[code] == value, f"{code}: {got[code]!r} != {value!r}"
    assert PROP_INVALIDATE not in got


def test_every_property_reads_back(client: Client) -> None:
    """Ignite 2.18.0: every writable property but the query entities (they need the SQL module)."""
    settings = _non_defaults(unique_name("props"))
    cache = client.create_cache(settings)
    plain = client.create_cache(unique_name("defaults"))
    try:
        got = cache.settings
        _check_settings(got, settings)
        assert set(got) == set(WRITABLE_PROPERTIES)
        assert got[PROP_QUERY_ENTITIES] == []
        defaults = plain.settings
        for code, value in settings.items():
            if code not in (PROP_NAME, PROP_CACHE_MODE):
                assert defaults[code] != value, f"{code} is set to its default {value!r}"
    finally:
        cache.destroy()
        plain.destroy()


def test_every_property_with_query_entities_reads_back(sql_client: Client) -> None:
    """Ignite 2.17.0 with SQL: every writable property, query entities included."""
    settings = _non_defaults(unique_name("sqlprops"))
    settings[PROP_QUERY_ENTITIES] = [PERSON_ENTITY]
    cache = sql_client.create_cache(settings)
    try:
        _check_settings(cache.settings, settings)
    finally:
        cache.destroy()


def test_replicated_cache(client: Client) -> None:
    name = unique_name("replicated")
    cache = client.create_cache({
        PROP_NAME: name, PROP_CACHE_MODE: CacheMode.REPLICATED,
        PROP_REBALANCE_MODE: RebalanceMode.NONE,
        PROP_PARTITION_LOSS_POLICY: PartitionLossPolicy.READ_WRITE_SAFE,
        PROP_WRITE_SYNCHRONIZATION_MODE: WriteSynchronizationMode.FULL_ASYNC,
    })
    try:
        got = cache.settings
        assert got[PROP_CACHE_MODE] is CacheMode.REPLICATED
        assert got[PROP_REBALANCE_MODE] is RebalanceMode.NONE
        assert got[PROP_PARTITION_LOSS_POLICY] is PartitionLossPolicy.READ_WRITE_SAFE
        assert got[PROP_WRITE_SYNCHRONIZATION_MODE] is WriteSynchronizationMode.FULL_ASYNC
        cache.put(1, "one")
        assert cache.get(1) == "one"
    finally:
        cache.destroy()


def test_query_entity_makes_a_usable_table(sql_client: Client) -> None:
    """The entity's not-null constraint, default value and types reach SQL."""
    name = unique_name("person")
    schema = "S_" + name[-12:].upper()
    cache = sql_client.create_cache({
        PROP_NAME: name, PROP_SQL_SCHEMA: schema,
        PROP_QUERY_ENTITIES: [{
            "table_name": "PERSON", "key_field_name": "ID", "key_type_name": "java.lang.Long",
            "value_type_name": "PersonRow_" + name,
            "query_fields": [
                {"name": "ID", "type_name": "java.lang.Long", "is_key_field": True},
                {"name": "NAME", "type_name": "java.lang.String", "is_notnull_constraint_field": True},
                {"name": "AGE", "type_name": "java.lang.Integer", "default_value": 18},
            ],
            "field_name_aliases": [{"field_name": "NAME", "alias": "FULL_NAME"}],
        }],
    })
    try:
        list(sql_client.sql(f"INSERT INTO {schema}.PERSON (ID, FULL_NAME) VALUES (?, ?)", query_args=[1, "Ann"]))
        rows = list(sql_client.sql(f"SELECT ID, FULL_NAME, AGE FROM {schema}.PERSON"))
        assert rows == [[1, "Ann", 18]]  # the default value arrived as an Integer
        with pytest.raises(CacheError):
            list(sql_client.sql(f"INSERT INTO {schema}.PERSON (ID, AGE) VALUES (?, ?)", query_args=[2, 30]))
    finally:
        cache.destroy()


def test_sql_ddl_table_shows_its_query_entity(sql_client: Client) -> None:
    table = "CITY_" + unique_name("t")[-12:].upper()
    list(sql_client.sql(
        f"CREATE TABLE {table} (ID INT(11), Name CHAR(35), CountryCode CHAR(3), Population INT(11), "
        f'Area DECIMAL(10, 2) NOT NULL, PRIMARY KEY (ID, CountryCode)) WITH "affinityKey=CountryCode"'
    ))
    try:
        settings = sql_client.get_cache(f"SQL_PUBLIC_{table}").settings
        assert settings[PROP_NAME] == f"SQL_PUBLIC_{table}"
        (entity,) = settings[PROP_QUERY_ENTITIES]
        assert entity["table_name"] == table
        assert entity["key_type_name"].startswith(f"SQL_PUBLIC_{table}_") and entity["key_type_name"].endswith("_KEY")
        assert entity["value_type_name"].startswith(f"SQL_PUBLIC_{table}_")
        fields = {f["name"]: f for f in entity["query_fields"]}
        assert list(fields) == ["ID", "NAME", "COUNTRYCODE", "POPULATION", "AREA"]
        assert fields["ID"]["type_name"] == "java.lang.Integer" and fields["ID"]["is_key_field"] is True
        assert fields["COUNTRYCODE"]["is_key_field"] is True and fields["NAME"]["is_key_field"] is False
        assert (fields["NAME"]["type_name"], fields["NAME"]["precision"]) == ("java.lang.String", 35)
        assert fields["AREA"]["type_name"] == "java.math.BigDecimal"
        assert (fields["AREA"]["precision"], fields["AREA"]["scale"]) == (10, 2)
        assert fields["AREA"]["is_notnull_constraint_field"] is True
        assert {a["field_name"] for a in entity["field_name_aliases"]} == set(fields)
        assert settings[PROP_CACHE_KEY_CONFIGURATION] == [
            {"type_name": entity["key_type_name"], "affinity_key_field_name": "COUNTRYCODE"}
        ]
    finally:
        list(sql_client.sql(f"DROP TABLE {table}"))


def test_expiry_policy_expires_entries(client: Client) -> None:
    cache = client.create_cache({PROP_NAME: unique_name("ttl"), PROP_EXPIRY_POLICY: ExpiryPolicy(create=300)})
    try:
        assert cache.settings[PROP_EXPIRY_POLICY] == ExpiryPolicy(create=300)
        cache.put("k", "v")
        deadline = time.monotonic() + 20
        while cache.get("k") is not None:
            assert time.monotonic() < deadline, "the entry did not expire"
            time.sleep(0.2)
    finally:
        cache.destroy()
    plain = client.create_cache(unique_name("nottl"))
    try:
        assert plain.settings[PROP_EXPIRY_POLICY] is None
    finally:
        plain.destroy()


def test_settings_of_missing_cache(client: Client) -> None:
    name = unique_name("gone")
    with pytest.raises(CacheError) as err:
        client.get_cache(name).settings  # noqa: B018
    assert err.value.status == status.CACHE_DOES_NOT_EXIST
    assert name in str(err.value)


def test_create_with_configuration_existing_cache(client: Client) -> None:
    name = unique_name("dup")
    cache = client.create_cache({PROP_NAME: name, PROP_BACKUPS_NUMBER: 1})
    try:
        with pytest.raises(CacheError) as err:
            client.create_cache({PROP_NAME: name, PROP_BACKUPS_NUMBER: 2})
        assert err.value.status == status.CACHE_EXISTS
        assert cache.settings[PROP_BACKUPS_NUMBER] == 1
    finally:
        cache.destroy()


def test_enum_properties_take_plain_ints(client: Client) -> None:
    """Enum members and plain ints are both accepted; ``(value, hint)`` tuples are not property values."""
    name = unique_name("ints")
    cache = client.create_cache({PROP_NAME: name, PROP_CACHE_ATOMICITY_MODE: 0, PROP_BACKUPS_NUMBER: 1})
    try:
        got = cache.settings
        assert got[PROP_CACHE_ATOMICITY_MODE] is CacheAtomicityMode.TRANSACTIONAL
        with pytest.raises(ParameterError):
            client.create_cache({PROP_NAME: name + "x", PROP_BACKUPS_NUMBER: (1, IntObject)})
    finally:
        cache.destroy()
