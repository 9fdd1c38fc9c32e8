"""Services against real nodes (``cluster3``; the services are in ``server/src/.../harness``).

``counter`` (CounterService, overloaded methods) runs on node 2 only; ``objects`` (ObjectsService,
complex objects) on every node. Proves: overloads chosen by argument type hints, binary-object
arguments and results, descriptors and topology, calls routed to the hosting node with partition
awareness, caller context, Java exceptions, call timeouts, groups, and 1.6.0 feature gating.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from typing import Any, Iterator

import pytest

from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import DoubleObject, IntObject, LongObject, String
from pyignite.exceptions import NotSupportedByClusterError, ParameterError, ServiceError
from pyignite.protocol import capabilities, service_ops
from pyignite.protocol import op_codes as op
from pyignite.services import ServiceDescriptor, ServiceProxy

from .compute_util import ROLE, Flavor, Recorder, flavor_fixture, names, node_address, sends_stack_traces

flavor = pytest.fixture(params=["sync", "aio"])(flavor_fixture)


class Point(
    metaclass=GenericObjectMeta, type_name="org.pyignite.harness.Point",
    schema=OrderedDict([("x", IntObject), ("y", IntObject), ("label", String)]),
):
    """The Java class org.pyignite.harness.Point, as a Python binary type."""


@pytest.fixture
def client(cluster3: Any, flavor: Flavor) -> Any:
    return flavor.connect(node_address(cluster3, 0), timeout=20)


# --- unit: Java parameter type ids ------------------------------------------------------------------

def test_java_type_ids() -> None:
    tid = service_ops.java_type_id
    # values the server computes (BinaryContext.typeId): predefined classes by simple name, else the hash
    assert tid("java.lang.Integer") == 3 and tid("java.lang.Long") == 4 and tid("java.lang.String") == 9
    assert tid("int") == 104431 and tid("long") == 3327612  # "int".hashCode(), "long".hashCode()
    assert tid("double") == -1325958191
    assert tid("org.pyignite.harness.Point") == service_ops.param_type(Point)[0]
    assert service_ops.param_type(IntObject) == (104431, IntObject)
    assert service_ops.param_type("java.lang.Integer") == (3, IntObject)
    assert service_ops.param_type(("java.lang.Object", LongObject)) == (tid("java.lang.Object"), LongObject)
    for bad in ("", 5, object, None):
        with pytest.raises(ParameterError):
            service_ops.param_type(bad)


def test_invoke_request_bytes() -> None:
    node = uuid.UUID(int=1)
    req = service_ops.invoke("svc", "m", [7, "s"], [service_ops.param_type("int"), service_ops.param_type(String)],
                             [node], 1500, {"user": "u"}, True)
    p = bytes(req.frame[14:])
    assert p[:8] == b"\x09\x03\x00\x00\x00svc"  # String "svc"
    assert p[8] == service_ops.FLAG_PARAMETER_TYPES and p[9:17] == (1500).to_bytes(8, "little")
    assert p[17:21] == b"\x01\x00\x00\x00" and p[21:37] == bytes(8) + (1).to_bytes(8, "little")
    assert p[37:43] == b"\x09\x01\x00\x00\x00m" and p[43:47] == b"\x02\x00\x00\x00"
    assert p[47:51] == (104431).to_bytes(4, "little") and p[51:56] == b"\x03\x07\x00\x00\x00"  # int 7
    assert p[56:60] == (9).to_bytes(4, "little") and p[60:66] == b"\x09\x01\x00\x00\x00s"
    assert p[66] == 25  # the caller context: a Map
    # without the feature the field is absent; without types, no type ids
    bare = bytes(service_ops.invoke("svc", "m", [], None, None, 0, None, False).frame[14:])
    assert bare == b"\x09\x03\x00\x00\x00svc\x00" + bytes(8) + bytes(4) + b"\x09\x01\x00\x00\x00m" + bytes(4)
    with pytest.raises(ParameterError):
        service_ops.invoke("svc", "m", [], None, None, 0, {"a": "b"}, False)
    with pytest.raises(ParameterError):
        service_ops.invoke("svc", "m", [1], [], None, 0, None, False)


def test_bad_arguments(client: Any) -> None:
    services = client.services()
    with pytest.raises(ParameterError):
        services.service_proxy("")
    with pytest.raises(ParameterError):
        services.service_proxy("counter", timeout=-1)
    with pytest.raises(ParameterError):
        services.service_proxy("counter", call_context={"a": 1})
    proxy = services.service_proxy("counter")
    with pytest.raises(ParameterError):
        proxy.method("add", "int")(1, 2)
    with pytest.raises(AttributeError):
        proxy._private  # noqa: B018


# --- calls ---------------------------------------------------------------------------------------------

def test_overloads_chosen_by_type_hints(client: Any, flavor: Flavor) -> None:
    counter = client.services().service_proxy("counter", timeout=10)
    assert isinstance(counter, ServiceProxy) and counter.name == "counter" and counter.timeout == 10
    run = flavor.run
    assert run(counter.method("describe", "int")(7)) == "int 7"
    assert run(counter.method("describe", IntObject)(7)) == "int 7"
    assert run(counter.method("describe", "long")(7)) == "long 7"
    assert run(counter.method("describe", "java.lang.Integer")(7)) == "Integer 7"
    assert run(counter.method("describe", "java.lang.String")("seven")) == "String seven"
    assert run(counter.method("describe", DoubleObject)(7)) == "double 7.0"
    assert run(counter.method("describe", "int", "long")(1, 2)) == "int,long 1,2"
    assert run(counter.describe("by value")) == "String by value"  # one String overload: no hint needed
    run(counter.reset())
    assert run(counter.method("add", "int")(5)) == 5
    assert run(counter.method("add", "long")(2**40)) == 5 + 2**40
    assert run(counter.method("add", "java.lang.String")(" -5 ")) == 2**40
    assert run(counter.get()) == 2**40
    assert run(counter.call("increment")) == 2**40 + 1
    with pytest.raises(ServiceError, match="Method not found"):
        run(counter.method("describe", "java.util.UUID")(uuid.uuid4()))
    with pytest.raises(ParameterError):  # the type also says how to write the value
        run(counter.method("describe", "java.util.UUID")("not a uuid"))


def test_binary_objects(client: Any, flavor: Flavor) -> None:
    objects = client.services().service_proxy("objects")
    run = flavor.run
    moved = run(objects.method("move", Point, "int", "int")(Point(x=1, y=2, label="a"), 10, 20))
    assert isinstance(moved, Point) and (moved.x, moved.y, moved.label) == (11, 22, "a'")
    line = names(run(objects.method("line", "int")(3)))
    assert [(p.x, p.y, p.label) for p in line] == [(0, 0, "p0"), (1, 1, "p1"), (2, 4, "p2")]
    # Java maps come back as (map kind, dict), the official client's shape
    _, lengths = run(objects.wordLengths("to be or not"))
    assert lengths == {"to": 2, "be": 2, "or": 2, "not": 3}
    assert run(objects.echo({"k": "v", "n": 1}))[1] == {"k": "v", "n": 1}
    assert run(objects.echo(Point(x=5, y=6, label=None))) == Point(x=5, y=6, label=None)
    counter = client.services().service_proxy("counter")
    assert run(counter.method("describe", Point)(Point(x=3, y=4, label="q"))) == "Point 3,4 q"


def test_java_exceptions_and_unknown_services(cluster3: Any, client: Any, flavor: Flavor) -> None:
    counter = client.services().service_proxy("counter")
    with pytest.raises(ServiceError) as err:
        flavor.run(counter.method("divide", "long", "long")(1, 0))
    if sends_stack_traces(cluster3):
        assert err.value.java_class == "java.lang.ArithmeticException" and err.value.java_message == "/ by zero"
    else:  # a release before 2.13: the exception's message only
        assert err.value.java_class is None and err.value.server_trace is None
        assert str(err.value).startswith("/ by zero") and err.value.status == 1
    with pytest.raises(ServiceError, match="no_such_service"):
        flavor.run(client.services().service_proxy("no_such_service").anything())
    with pytest.raises(ServiceError):
        flavor.run(counter.noSuchMethod())


def test_call_timeout(cluster3: Any, client: Any, flavor: Flavor) -> None:
    """The cluster applies a proxy's timeout to calls it forwards to another node."""
    remote = client.cluster().for_attribute(ROLE, "special").services()
    slow = remote.service_proxy("objects", timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ServiceError):
        flavor.run(slow.method("sleep", "long")(3000))
    assert time.monotonic() - started < 2.5
    fast = remote.service_proxy("objects", timeout=10)
    assert flavor.run(fast.method("sleep", "long")(1)) == f"{cluster3.name}-2"


def test_call_context(client: Any, flavor: Flavor) -> None:
    services = client.services()
    with_ctx = services.service_proxy("counter", call_context={"user": "alice", "raw": b"\x01"})
    if not capabilities.supports(client.connection, "service call context"):  # releases before 2.13
        with pytest.raises(NotSupportedByClusterError, match="SERVICE_INVOKE_CALLCTX"):
            flavor.run(with_ctx.callerAttribute("user"))
        assert flavor.run(services.service_proxy("counter").callerAttribute("user")) is None
        return
    assert flavor.run(with_ctx.callerAttribute("user")) == "alice"
    assert flavor.run(services.service_proxy("counter").callerAttribute("user")) is None


def test_descriptors_and_topology(cluster3: Any, client: Any, flavor: Flavor) -> None:
    services = client.services()
    if not capabilities.supports(client.connection, "service descriptors"):  # releases before 2.13
        with pytest.raises(NotSupportedByClusterError, match="GET_SERVICE_DESCRIPTORS"):
            flavor.run(services.get_descriptors())
        with pytest.raises(NotSupportedByClusterError, match="GET_SERVICE_DESCRIPTORS"):
            flavor.run(services.get_descriptor("objects"))
        with pytest.raises(NotSupportedByClusterError, match="SERVICE_TOPOLOGY"):
            flavor.run(services.get_topology("counter"))
        return
    descriptors = {d.name: d for d in flavor.run(services.get_descriptors())}
    assert {"counter", "objects"} <= set(descriptors)
    counter = descriptors["counter"]
    assert isinstance(counter, ServiceDescriptor)
    assert counter.service_class == "org.pyignite.harness.CounterService"
    assert (counter.total_count, counter.max_per_node_count, counter.platform) == (1, 1, "java")
    assert flavor.run(services.get_descriptor("objects")).service_class == "org.pyignite.harness.ObjectsService"
    with pytest.raises(ServiceError):
        flavor.run(services.get_descriptor("no_such_service"))
    if not capabilities.supports(client.connection, "service topology"):  # releases before 2.16
        with pytest.raises(NotSupportedByClusterError, match="SERVICE_TOPOLOGY"):
            flavor.run(services.get_topology("counter"))
        return
    special = flavor.run(client.cluster().for_attribute(ROLE, "special").node_ids())
    assert flavor.run(services.get_topology("counter")) == special
    assert len(flavor.run(services.get_topology("objects"))) >= 3


def test_group_services(cluster3: Any, client: Any, flavor: Flavor) -> None:
    cluster = client.cluster()
    nodes = {str(n.consistent_id): n.id for n in flavor.run(cluster.nodes())}
    for name in (f"{cluster3.name}-0", f"{cluster3.name}-1"):
        proxy = cluster.for_node_ids([nodes[name]]).services().service_proxy("objects")
        assert flavor.run(proxy.nodeName()) == name
    with pytest.raises(ServiceError, match="empty"):
        flavor.run(cluster.for_attribute(ROLE, "nobody").services().service_proxy("objects").nodeName())


@pytest.mark.parametrize("partition_aware", [True, False])
def test_calls_go_to_the_hosting_node(cluster3: Any, partition_aware: bool) -> None:
    """With partition awareness the client sends the call to the node hosting the service (node 2),
    learnt through GET_TOPOLOGY; without, to its one connection (the server forwards the call)."""
    rec = Recorder()
    client = Client(event_listeners=[rec], timeout=20, partition_aware=partition_aware)
    client.connect([node_address(cluster3, i) for i in range(3)])
    try:
        counter = client.services().service_proxy("counter")
        for _ in range(5):
            assert counter.nodeName() == f"{cluster3.name}-2"
        invokes = [e for e in rec.events if e.op_code == op.OP_SERVICE_INVOKE]
        assert len(invokes) == 5
        topology = [e for e in rec.events if e.op_code == op.OP_SERVICE_GET_TOPOLOGY]
        if partition_aware and not capabilities.supports(client.connection, "service topology"):
            # a release before 2.16 cannot say where the service runs: the default connection
            assert {e.port for e in invokes} == {cluster3.ports[0]} and not topology
        elif partition_aware:
            assert {e.port for e in invokes} == {cluster3.ports[2]}
            assert len(topology) == 1  # asked once, then trusted
        else:
            assert {e.port for e in invokes} == {cluster3.ports[0]} and not topology
    finally:
        client.close()


@pytest.fixture
def old_client(cluster3: Any) -> Iterator[Client]:
    rec = Recorder()
    client = Client(protocol_version=(1, 6, 0), timeout=10, event_listeners=[rec])
    client.connect(*node_address(cluster3, 0))
    client.recorder = rec  # type: ignore[attr-defined]
    try:
        yield client
    finally:
        client.close()


def test_protocol_1_6_0_gets_not_supported(old_client: Client) -> None:
    services = old_client.services()
    with pytest.raises(NotSupportedByClusterError) as err:
        services.service_proxy("counter").get()
    assert err.value.capability == "services" and err.value.server_version == (1, 6, 0)
    with pytest.raises(NotSupportedByClusterError):
        services.get_descriptors()
    with pytest.raises(NotSupportedByClusterError):
        services.get_topology("counter")
    sent = old_client.recorder.ops()  # type: ignore[attr-defined]
    assert not any(7000 <= code <= 7003 for code in sent)
