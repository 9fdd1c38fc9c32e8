"""The key-value Cache API against real nodes: every method of the specification's ``Cache`` and the
client's cache factory, with the documented return values and error behaviour."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from pyignite import Client
from pyignite.datatypes import CharObject, IntObject, LongObject, PeekModes, ShortObject, String
from pyignite.datatypes.cache_config import WriteSynchronizationMode
from pyignite.datatypes.prop_codes import PROP_BACKUPS_NUMBER, PROP_NAME, PROP_WRITE_SYNCHRONIZATION_MODE
from pyignite.exceptions import CacheCreationError, CacheError, ParameterError
from pyignite.protocol import status

from .conftest import connected_client
from .util import unique_name

# --- factory --------------------------------------------------------------------------------------


def test_create_cache_and_names(client: Client) -> None:
    name = unique_name("create")
    cache = client.create_cache(name)
    try:
        assert cache.name == name
        assert name in client.get_cache_names()
    finally:
        cache.destroy()
    assert name not in client.get_cache_names()


def test_create_existing_cache_raises_with_status(client: Client) -> None:
    name = unique_name("exists")
    cache = client.create_cache(name)
    try:
        with pytest.raises(CacheCreationError) as err:
            client.create_cache(name)
        assert err.value.status == status.CACHE_EXISTS
        assert name in str(err.value)
        with pytest.raises(CacheCreationError) as err:
            client.create_cache({PROP_NAME: name})
        assert err.value.status == status.CACHE_EXISTS
        assert name in err.value.message
    finally:
        cache.destroy()


def test_get_or_create_cache_keeps_existing_data(client: Client) -> None:
    name = unique_name("goc")
    cache = client.get_or_create_cache(name)
    try:
        cache.put("k", "v")
        again = client.get_or_create_cache(name)
        assert again.get("k") == "v"
        by_dict = client.get_or_create_cache({PROP_NAME: name, PROP_BACKUPS_NUMBER: 3})
        assert by_dict.get("k") == "v"
        assert by_dict.settings[PROP_BACKUPS_NUMBER] == 0  # the existing cache is not reconfigured
    finally:
        cache.destroy()


def test_get_cache_does_no_io() -> None:
    client = Client()  # never connected: any I/O would raise ReconnectError
    cache = client.get_cache("whatever")
    assert cache.name == "whatever"
    assert cache.client == client
    assert client.get_cache({PROP_NAME: "other"}).name == "other"
    with pytest.raises(ParameterError):
        client.get_cache({PROP_NAME: "other", PROP_BACKUPS_NUMBER: 1})
    with pytest.raises(ParameterError):
        client.get_cache({PROP_BACKUPS_NUMBER: 1})
    with pytest.raises(ParameterError):
        client.get_cache(42)  # type: ignore[arg-type]


def test_operations_on_missing_cache_name_it(client: Client) -> None:
    name = unique_name("missing")
    cache = client.get_cache(name)
    calls: Any = [
        lambda: cache.get(1), lambda: cache.put(1, 1), lambda: cache.get_all([1]), lambda: cache.put_all({1: 1}),
        lambda: cache.contains_key(1), lambda: cache.get_size(), lambda: cache.clear(), lambda: cache.remove_all(),
        lambda: cache.settings, lambda: cache.replace_if_equals(1, 1, 2), lambda: cache.destroy(),
    ]
    for call in calls:
        with pytest.raises(CacheError) as err:
            call()
        assert err.value.status == status.CACHE_DOES_NOT_EXIST
        assert repr(name) in str(err.value)


def test_properties(cache: Any, client: Client) -> None:
    from pyignite.protocol.cache_ops import cache_id

    assert cache.client == client
    assert cache.cache_id == cache_id(cache.name)
    assert cache.settings[PROP_NAME] == cache.name


def test_destroy(client: Client) -> None:
    name = unique_name("destroy")
    cache = client.create_cache(name)
    cache.put(1, 1)
    assert cache.destroy() is None
    assert name not in client.get_cache_names()
    with pytest.raises(CacheError):
        cache.get(1)
    assert client.create_cache(name).get(1) is None  # the data went with it
    client.get_cache(name).destroy()


# --- single-key operations ------------------------------------------------------------------------


def test_get_put(cache: Any) -> None:
    assert cache.get("k") is None
    assert cache.put("k", 42) is None
    assert cache.get("k") == 42
    cache.put("k", "overwritten")
    assert cache.get("k") == "overwritten"


def test_type_hints_make_distinct_keys(cache: Any) -> None:
    cache.put("a", 1)
    cache.put("a", 2, key_hint=CharObject)
    assert cache.get("a") == 1
    assert cache.get("a", key_hint=CharObject) == 2
    cache.put(7, 70, key_hint=IntObject, value_hint=ShortObject)
    assert cache.get(7) is None  # a Long key 7 is another key
    assert cache.get(7, key_hint=IntObject) == 70
    cache.remove_keys(["a", ("a", CharObject)])
    assert not cache.contains_keys([("a", CharObject)])
    assert not cache.contains_key("a")


def test_get_and_put(cache: Any) -> None:
    assert cache.get_and_put("k", 1) is None
    assert cache.get_and_put("k", 2) == 1
    assert cache.get("k") == 2


def test_get_and_put_if_absent(cache: Any) -> None:
    assert cache.get_and_put_if_absent("k", 1) is None
    assert cache.get("k") == 1
    assert cache.get_and_put_if_absent("k", 2) == 1
    assert cache.get("k") == 1  # the present value is kept


def test_put_if_absent(cache: Any) -> None:
    assert cache.put_if_absent("k", "first") is True
    assert cache.put_if_absent("k", "second") is False
    assert cache.get("k") == "first"


def test_get_and_remove(cache: Any) -> None:
    assert cache.get_and_remove("k") is None
    cache.put("k", 5)
    assert cache.get_and_remove("k") == 5
    assert cache.contains_key("k") is False


def test_get_and_replace(cache: Any) -> None:
    assert cache.get_and_replace("k", 1) is None
    assert cache.contains_key("k") is False  # absent key: nothing put
    cache.put("k", 1)
    assert cache.get_and_replace("k", 2) == 1
    assert cache.get("k") == 2


def test_replace(cache: Any) -> None:
    assert cache.replace("k", 1) is False
    assert cache.contains_key("k") is False
    cache.put("k", 1)
    assert cache.replace("k", 2) is True
    assert cache.get("k") == 2


def test_replace_if_equals(cache: Any) -> None:
    assert cache.replace_if_equals("k", 1, 2) is False
    assert cache.contains_key("k") is False
    cache.put("k", 1)
    assert cache.replace_if_equals("k", 99, 2) is False  # wrong sample: nothing changes
    assert cache.get("k") == 1
    assert cache.replace_if_equals("k", 1, 2) is True
    assert cache.get("k") == 2
    # the sample is compared as the Ignite type it is written as
    cache.put("s", 3, value_hint=IntObject)
    assert cache.replace_if_equals("s", 3, 4) is False  # a Long 3 is not the Int 3
    assert cache.replace_if_equals("s", 3, 4, sample_hint=IntObject, value_hint=ShortObject) is True
    assert cache.get("s") == 4


def test_remove_key(cache: Any) -> None:
    assert cache.remove_key("k") is False
    cache.put("k", 1)
    assert cache.remove_key("k") is True
    assert cache.get("k") is None


def test_remove_if_equals(cache: Any) -> None:
    cache.put("k", "v")
    assert cache.remove_if_equals("k", "other") is False
    assert cache.get("k") == "v"
    assert cache.remove_if_equals("k", "v") is True
    assert cache.contains_key("k") is False
    cache.put(1, 10, key_hint=IntObject, value_hint=IntObject)
    assert cache.remove_if_equals(1, 10, key_hint=IntObject) is False  # Long sample
    assert cache.remove_if_equals(1, 10, key_hint=IntObject, sample_hint=IntObject) is True


def test_contains_key_and_keys(cache: Any) -> None:
    cache.put_all({1: "a", 2: "b"})
    assert cache.contains_key(1) is True
    assert cache.contains_key(3) is False
    assert cache.contains_keys([1, 2]) is True
    assert cache.contains_keys([1, 2, 3]) is False
    assert cache.contains_keys([(1, LongObject)]) is True
    assert cache.contains_keys([(1, IntObject)]) is False


# --- multi-key operations -------------------------------------------------------------------------


def test_get_all_returns_dict_of_found_keys(cache: Any) -> None:
    cache.put("my key", 42)
    cache.put(5, "five", key_hint=IntObject)
    assert cache.get_all(["my key", "non-existent key", "other-key"]) == {"my key": 42}
    assert cache.get_all(["my key", (5, IntObject), 5]) == {"my key": 42, 5: "five"}
    assert cache.get_all([]) == {}
    with pytest.raises(ParameterError):
        cache.get_all("my key")


def test_put_all_with_hints(cache: Any) -> None:
    cache.put_all({"a": 1, ("b", String): (2, ShortObject), (3, IntObject): "three"})
    assert cache.get_all(["a", "b", (3, IntObject)]) == {"a": 1, "b": 2, 3: "three"}
    assert cache.replace_if_equals("b", 2, 20, sample_hint=ShortObject) is True  # stored as a Short
    assert cache.get(3) is None  # the key is an Int, not a Long
    cache.put_all({})
    with pytest.raises(ParameterError):
        cache.put_all([("a", 1)])  # type: ignore[arg-type]


def test_remove_keys(cache: Any) -> None:
    cache.put_all({i: i for i in range(5)})
    assert cache.remove_keys([0, 1, 99]) is None
    assert cache.get_all(list(range(5))) == {2: 2, 3: 3, 4: 4}


def test_remove_all_and_clear_empty_the_cache(cache: Any, client: Client) -> None:
    other = client.create_cache(unique_name("other"))
    try:
        other.put("keep", 1)
        cache.put_all({i: i for i in range(10)})
        assert cache.remove_all() is None
        assert cache.get_size() == 0
        cache.put_all({i: i for i in range(10)})
        assert cache.clear() is None
        assert cache.get_size() == 0
        assert other.get("keep") == 1  # other caches are untouched
    finally:
        other.destroy()


def test_clear_with_keys_clear_key_clear_keys(cache: Any) -> None:
    cache.put_all({i: i for i in range(6)})
    cache.put("c", "char", key_hint=CharObject)
    assert cache.clear([0, 1]) is None
    assert cache.clear_key(2) is None
    assert cache.clear_keys([3, ("c", CharObject)]) is None
    assert cache.get_all([0, 1, 2, 3, 4, 5]) == {4: 4, 5: 5}
    assert cache.contains_key("c", key_hint=CharObject) is False
    with pytest.raises(ParameterError):
        cache.clear(5)  # type: ignore[arg-type]


# --- size -----------------------------------------------------------------------------------------


def test_get_size_single_node(cache: Any) -> None:
    assert cache.get_size() == 0
    cache.put_all({i: i for i in range(7)})
    assert cache.get_size() == 7
    assert cache.get_size(PeekModes.PRIMARY) == 7
    assert cache.get_size([PeekModes.PRIMARY]) == 7
    assert cache.get_size(PeekModes.BACKUP) == 0
    assert cache.get_size(PeekModes.NEAR) == 0
    for bad in (9, -1, "ALL", [PeekModes.PRIMARY, 7], 1.0):
        with pytest.raises(ParameterError):
            cache.get_size(bad)


@pytest.fixture
def cluster_client(cluster3: Any, client_flavor: str, request: pytest.FixtureRequest) -> Iterator[Client]:
    """A client (either flavor) connected to the first node of the 3-node cluster."""
    with connected_client(client_flavor, ("127.0.0.1", cluster3.ports[0]), {}, request) as c:
        yield c


@pytest.mark.cluster
def test_peek_modes_on_a_cache_with_backups(cluster_client: Client) -> None:
    cache = cluster_client.create_cache({
        PROP_NAME: unique_name("backups"), PROP_BACKUPS_NUMBER: 1,
        # backups are written before put_all returns (PRIMARY_SYNC, the default, writes them later)
        PROP_WRITE_SYNCHRONIZATION_MODE: WriteSynchronizationMode.FULL_SYNC,
    })
    try:
        n = 40
        cache.put_all({i: str(i) for i in range(n)})
        assert cache.get_size(PeekModes.PRIMARY) == n
        assert cache.get_size(PeekModes.BACKUP) == n  # one backup copy of each entry
        assert cache.get_size(PeekModes.ALL) == 2 * n  # every copy
        assert cache.get_size() == 2 * n  # the default is ALL
        assert cache.get_size([PeekModes.PRIMARY, PeekModes.BACKUP]) == 2 * n
        assert cache.get_size(PeekModes.NEAR) == 0
        assert cache.get_size([]) == n  # no mode: the server's default (primary copies)
    finally:
        cache.destroy()
