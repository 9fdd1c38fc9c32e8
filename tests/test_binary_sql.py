"""Complex objects against a real SQL node: SQL rows, Python classes as table values, schema evolution,
the binary type registry API and compact footers."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, Iterator, Tuple

import pytest

from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import BinaryObject, DoubleObject, IntObject, LongObject, String
from pyignite.datatypes.complex import entity_id, schema_id
from pyignite.datatypes.prop_codes import PROP_QUERY_ENTITIES
from pyignite.exceptions import BinaryTypeError, ParameterError, SQLError

from .util import unique_name

Node = Tuple[str, int]


@pytest.fixture
def second_client(sql_node: Node, client_kwargs: Dict[str, Any]) -> Iterator[Client]:
    """Another client: its registry knows nothing yet."""
    c = Client(**client_kwargs)
    c.connect(*sql_node)
    try:
        yield c
    finally:
        c.close()


def _rows(cursor: Any) -> list:
    with cursor:
        return list(cursor)


def _make_class(type_name: str, schema: Dict[str, Any], name: str = "Row") -> Any:
    return GenericObjectMeta(name, (), {}, type_name=type_name, schema=OrderedDict(schema))


# --- SQL --------------------------------------------------------------------------------------------

def test_sql_rows_scan_as_classes_named_after_their_types(sql_client: Client) -> None:
    table = unique_name("CITY").upper()
    sql_client.sql(
        f"CREATE TABLE {table} (ID INT, NAME VARCHAR, COUNTRYCODE CHAR(3), POPULATION INT, "
        f"PRIMARY KEY (ID, COUNTRYCODE)) WITH \"affinityKey=COUNTRYCODE\""
    )
    try:
        sql_client.sql(f"INSERT INTO {table} (ID, NAME, COUNTRYCODE, POPULATION) VALUES (?, ?, ?, ?)",
                       query_args=[1890, "Shanghai", "CHN", 9696300])
        cache = sql_client.get_cache(f"SQL_PUBLIC_{table}")
        entity = cache.settings[PROP_QUERY_ENTITIES][0]
        key_type, value_type = entity["key_type_name"], entity["value_type_name"]
        ((key, value),) = _rows(cache.scan())
        assert type(key).__name__ == key_type and type(value).__name__ == value_type
        assert type(key).type_name == key_type and type(value).type_id == entity_id(value_type)
        assert (key.ID, key.COUNTRYCODE) == (1890, "CHN")
        assert repr(value) == f"{value_type}(NAME='Shanghai', POPULATION=9696300, version=1)"

        # the generated key class rebuilds the key byte for byte: Python finds the row, and SQL
        # sees a Python-written key as the same primary key
        KeyClass = type(key)
        assert cache.get(KeyClass(ID=1890, COUNTRYCODE="CHN")) == value
        ValueClass = type(value)
        cache.put(KeyClass(ID=1, COUNTRYCODE="XYZ"), ValueClass(NAME="Nowhere", POPULATION=7))
        assert _rows(sql_client.sql(f"SELECT NAME, POPULATION FROM {table} WHERE ID = 1 AND COUNTRYCODE = 'XYZ'")) == [
            ["Nowhere", 7]]
        # the server's wording changed over releases ("Duplicate key during INSERT" before 2.10)
        with pytest.raises(SQLError, match=r"already in cache|Duplicate key"):
            sql_client.sql(f"INSERT INTO {table} (ID, NAME, COUNTRYCODE, POPULATION) VALUES (1, 'x', 'XYZ', 0)")
        sql_client.sql(f"UPDATE {table} SET POPULATION = 8 WHERE ID = 1 AND COUNTRYCODE = 'XYZ'")
        assert cache.get(KeyClass(ID=1, COUNTRYCODE="XYZ")).POPULATION == 8
    finally:
        sql_client.sql(f"DROP TABLE {table}")


def test_python_class_as_table_value_type(sql_client: Client, second_client: Client) -> None:
    table = unique_name("STUDENT").upper()
    value_type = f"{table}_TYPE"
    sql_client.sql(
        f"CREATE TABLE {table} (SID INT PRIMARY KEY, NAME VARCHAR, LOGIN VARCHAR, AGE INT, GPA DOUBLE) "
        f"WITH \"VALUE_TYPE={value_type}\""
    )
    try:
        Student = _make_class(value_type, {"NAME": String, "LOGIN": String, "AGE": IntObject, "GPA": DoubleObject},
                              "Student")
        cache = sql_client.get_cache(f"SQL_PUBLIC_{table}")
        cache.put(1, Student(LOGIN="jdoe", NAME="John Doe", AGE=17, GPA=4.25), key_hint=IntObject)
        rows = _rows(sql_client.sql(f"SELECT * FROM {table}", include_field_names=True))
        assert rows == [["SID", "NAME", "LOGIN", "AGE", "GPA"], [1, "John Doe", "jdoe", 17, 4.25]]
        sql_client.sql(f"INSERT INTO {table} (SID, NAME, LOGIN, AGE, GPA) VALUES (2, 'Ann', 'ann', 18, 3.5)")
        # the client's own class reads SQL-written rows of its schema; another client generates one
        assert cache.get(2, key_hint=IntObject) == Student(NAME="Ann", LOGIN="ann", AGE=18, GPA=3.5)
        assert type(cache.get(2, key_hint=IntObject)) is Student
        other = second_client.get_cache(f"SQL_PUBLIC_{table}").get(2, key_hint=IntObject)
        assert type(other).__name__ == value_type and other == Student(NAME="Ann", LOGIN="ann", AGE=18, GPA=3.5)
    finally:
        sql_client.sql(f"DROP TABLE {table}")


# --- schema evolution ----------------------------------------------------------------------------

def test_schema_evolution(sql_client: Client, second_client: Client) -> None:
    type_name = unique_name("Voucher")
    V1 = _make_class(type_name, {"amount": IntObject, "date": String, "reported": DoubleObject}, "V1")
    # a field added (note), one renamed (date -> expense_date), one removed (reported)
    V2 = _make_class(type_name, {"amount": IntObject, "expense_date": String, "note": String}, "V2")
    cache = sql_client.create_cache(unique_name("vouchers"))
    try:
        cache.put(1, V1(amount=10, date="2017-09-21", reported=1.5))
        cache.put(2, V2(amount=20, expense_date="2018-08-29", note="new"))
        assert cache.get(1) == V1(amount=10, date="2017-09-21", reported=1.5) and type(cache.get(1)) is V1
        assert type(cache.get(2)) is V2

        other = second_client.get_cache(cache.name)
        old, new = other.get(1), other.get(2)
        assert repr(old).endswith("(amount=10, date='2017-09-21', reported=1.5, version=1)")
        assert repr(new).endswith("(amount=20, expense_date='2018-08-29', note='new', version=1)")
        assert type(old).__name__ == type(new).__name__ == type_name
        classes = second_client.query_binary_type(type_name)
        assert set(classes) == {V1.schema_id, V2.schema_id}
        assert classes[V2.schema_id].schema == V2.schema

        info = second_client.get_binary_type(type_name)
        assert info["type_exists"] and len(info["schemas"]) == 2
        assert sorted(map(list, info["schemas"])) == sorted([list(V1.schema), list(V2.schema)])
        # an old object rewritten with the new schema (the specification's migration)
        migrated = V2(amount=old.amount, expense_date=old.date, note=None)
        other.put(1, migrated)
        assert cache.get(1) == migrated
        # a third schema appears after the other client learned the type: it fetches it again
        V3 = _make_class(type_name, {"amount": IntObject, "note": String, "extra": LongObject}, "V3")
        cache.put(3, V3(amount=30, note="third", extra=2**40))
        third = other.get(3)
        assert repr(third).endswith("(amount=30, note='third', extra=1099511627776, version=1)")
        assert set(second_client.query_binary_type(type_name, sync=False)) == {
            V1.schema_id, V2.schema_id, V3.schema_id}
    finally:
        cache.destroy()


def test_changing_a_field_type_is_refused_by_the_server(sql_client: Client) -> None:
    type_name = unique_name("Typed")
    cache = sql_client.create_cache(unique_name("typed"))
    try:
        cache.put(1, _make_class(type_name, {"f1": String})(f1="text"))
        Wrong = _make_class(type_name, {"f1": IntObject, "f2": IntObject})
        with pytest.raises(BinaryTypeError) as info:
            cache.put(2, Wrong(f1=5, f2=6))
        message = str(info.value)
        assert "f1" in message and type_name in message and "String" in message and "int" in message
        assert cache.get(2) is None  # nothing was written
        with pytest.raises(BinaryTypeError):  # and it keeps refusing
            cache.put(2, Wrong(f1=5, f2=6))
        with pytest.raises(BinaryTypeError):
            sql_client.put_binary_type(type_name, schema={"f1": LongObject})
    finally:
        cache.destroy()


# --- the registry API -------------------------------------------------------------------------------

def test_put_and_get_binary_type(sql_client: Client, second_client: Client) -> None:
    type_name = unique_name("Manual")
    schema = OrderedDict([("id", IntObject), ("name", String), ("other", BinaryObject)])
    result = sql_client.put_binary_type(type_name, affinity_key_field="id", schema=schema)
    assert result == {"type_id": entity_id(type_name), "schema_id": schema_id(schema)}
    info = second_client.get_binary_type(type_name)
    assert info == {
        "type_exists": True, "type_id": entity_id(type_name), "type_name": type_name,
        "affinity_key_field": "id", "is_enum": False, "schemas": [schema],
    }
    assert second_client.get_binary_type(entity_id(type_name)) == info
    assert second_client.get_binary_type(unique_name("Missing")) == {"type_exists": False}
    # the registry is not changed by put_binary_type, query_binary_type(sync=True) fills it
    assert sql_client.query_binary_type(type_name, sync=False) == {}
    classes = sql_client.query_binary_type(type_name)
    assert list(classes) == [schema_id(schema)] and classes[schema_id(schema)].schema == schema

    with pytest.raises(ParameterError):
        sql_client.put_binary_type("", schema=schema)
    with pytest.raises(ParameterError):
        sql_client.get_binary_type(3.5)  # type: ignore[arg-type]
    with pytest.raises(BinaryTypeError, match="affinity"):  # another affinity key field
        sql_client.put_binary_type(type_name, affinity_key_field="name", schema=schema)


def test_binary_enums(sql_client: Client, second_client: Client) -> None:
    type_name = unique_name("Color")
    result = sql_client.put_binary_type(type_name, is_enum=True, schema={"RED": 0, "GREEN": 1, "BLUE": 7})
    assert result == {"type_id": entity_id(type_name), "schema_id": None}
    info = second_client.get_binary_type(type_name)
    assert info["is_enum"] is True and info["enums"] == OrderedDict([("RED", 0), ("GREEN", 1), ("BLUE", 7)])
    assert info["schemas"] == []
    second_client.query_binary_type(type_name)
    assert second_client._ctx.enum_ordinal(type_name, "BLUE") == (entity_id(type_name), 7)
    with pytest.raises(BinaryTypeError, match="enum"):
        sql_client.put_binary_type(type_name, schema={"x": IntObject})


def test_register_and_query_binary_type(sql_client: Client, second_client: Client) -> None:
    type_name = unique_name("Person")
    schema = {"first_name": String, "last_name": String, "age": IntObject}
    Writer = _make_class(type_name, schema, "Writer")
    cache = sql_client.create_cache(unique_name("people"))
    try:
        cache.put(1, Writer(first_name="Ivan", last_name="Ivanov", age=33))  # registered implicitly
        generated = second_client.get_cache(cache.name).get(1)
        assert type(generated).__name__ == type_name
        assert second_client.query_binary_type(type_name, schema=Writer.schema_id) is type(generated)
        assert second_client.query_binary_type(type_name, schema=dict(schema)) is type(generated)
        assert second_client.query_binary_type(entity_id(type_name)) == {Writer.schema_id: type(generated)}

        # a class registered explicitly replaces the generated one for reading
        Mine = _make_class(type_name, schema, "Mine")
        assert second_client.register_binary_type(Mine) is None
        mine = second_client.get_cache(cache.name).get(1)
        assert type(mine) is Mine and mine == Mine(first_name="Ivan", last_name="Ivanov", age=33)
        assert second_client.query_binary_type(type_name, Mine.schema_id, sync=False) is Mine

        # the autogenerated class can be written back
        Generated = type(generated)
        second_client.get_cache(cache.name).put(2, Generated(first_name="Petr", last_name="Petrov", age=1))
        assert cache.get(2) == Writer(first_name="Petr", last_name="Petrov", age=1)

        assert second_client.query_binary_type(type_name, schema={"nope": IntObject}) is None
        assert second_client.query_binary_type(unique_name("Nothing")) == {}
        with pytest.raises(ParameterError):
            second_client.register_binary_type(dict)
        with pytest.raises(ParameterError):
            second_client.register_binary_type(Mine, affinity_key_field="nope")
        with pytest.raises(ParameterError):
            second_client.query_binary_type(type_name, schema=1.5)  # type: ignore[arg-type]
    finally:
        cache.destroy()


def test_implicit_registration_keeps_the_clusters_affinity_key_field(
    sql_client: Client, second_client: Client
) -> None:
    """A class sent first by a client that never saw its type keeps the affinity key field another
    client registered (Ignite rejects a registration whose affinity key field differs, ``null``
    included); the key is then found by either client."""
    type_name = unique_name("AffKey")
    schema = {"id": IntObject, "group": String}
    sql_client.register_binary_type(_make_class(type_name, schema, "First"), affinity_key_field="group")
    Key = _make_class(type_name, schema, "Key")
    cache = second_client.create_cache(unique_name("affkeys"))
    try:
        cache.put(Key(id=1, group="g"), "one")  # registered implicitly by a client that knows nothing
        assert cache.get(Key(id=1, group="g")) == "one"
        assert sql_client.get_cache(cache.name).get(Key(id=1, group="g")) == "one"
        info = second_client.query_binary_type(type_name, schema=Key.schema_id)
        assert info is not None
        assert second_client._ctx.type_info(entity_id(type_name)).affinity_key_field == "group"
        # a brand-new type still registers with no affinity key field
        Fresh = _make_class(unique_name("Fresh"), schema, "Fresh")
        cache.put(Fresh(id=2, group="h"), "two")
        assert sql_client.get_cache(cache.name).get(Fresh(id=2, group="h")) == "two"
        assert sql_client.get_binary_type(Fresh.type_name)["affinity_key_field"] is None
    finally:
        cache.destroy()


def test_compact_footer_setting(sql_node: Node, client_kwargs: Dict[str, Any]) -> None:
    type_name = unique_name("Footer")
    Cls = _make_class(type_name, {"a": IntObject, "b": String})
    name = unique_name("footer")
    with Client(compact_footer=False, **client_kwargs) as full, Client(**client_kwargs) as follower:
        full.connect(*sql_node)
        follower.connect(*sql_node)
        assert full.compact_footer is False and follower.compact_footer is True
        cache = full.create_cache(name)
        try:
            cache.put(1, Cls(a=1, b="x"))
            assert follower.get_cache(name).get(1) == Cls(a=1, b="x")
            assert follower.compact_footer is False  # it saw a full footer from the server
            follower.compact_footer = True
            assert follower.compact_footer is True
            follower.get_cache(name).put(2, Cls(a=2, b="y"))
            assert cache.get(2) == Cls(a=2, b="y")
            assert full.compact_footer is False  # an explicit choice stays
        finally:
            cache.destroy()
    with pytest.raises(ParameterError):
        Client(compact_footer="yes")  # type: ignore[arg-type]


def test_threads_share_the_registry(sql_node: Node, client_kwargs: Dict[str, Any]) -> None:
    """Threads of one client write and read new types at the same time: each type is registered
    (implicitly, possibly more than once) before its objects, and every read decodes."""
    import threading

    types = [_make_class(unique_name("Threaded"), {"n": IntObject, "s": String}, f"T{i}") for i in range(4)]
    errors: list = []
    with Client(**client_kwargs) as client, Client(**client_kwargs) as reader:
        client.connect(*sql_node)
        reader.connect(*sql_node)
        cache = client.create_cache(unique_name("threads"))
        try:
            def work(t: int) -> None:
                try:
                    for i in range(25):
                        cls = types[(t + i) % len(types)]
                        cache.put(t * 1000 + i, cls(n=i, s=f"{t}-{i}"))
                        assert reader.get_cache(cache.name).get(t * 1000 + i).s == f"{t}-{i}"
                except Exception as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(120)
            assert not errors, errors[:3]
            assert cache.get_size() == 150
            for cls in types:
                assert reader.query_binary_type(cls.type_name, cls.schema_id, sync=False) is not None
        finally:
            cache.destroy()
