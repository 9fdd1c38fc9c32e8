"""Services: call the methods of services deployed on the cluster, from Python.

Obtain a :class:`Services` with ``client.services()`` (any server node) or
``client.cluster().for_...().services()`` (the nodes of a cluster group). A proxy's attributes are
the service's methods; with :class:`~pyignite.client.Client` a call returns the result, with
:class:`~pyignite.aio_client.AioClient` an awaitable of it::

    counter = client.services().service_proxy("counter", timeout=5)
    counter.add(5)                              # the server picks the overload by the values
    counter.method("add", "long")(5)            # add(long): Java overloads told apart by type
    await aio_client.services().service_proxy("counter").add(5)

Theory of operation
-------------------
* **Calls.** Every call is one ``OP_SERVICE_INVOKE`` (see :mod:`pyignite.protocol.service_ops`): the
  service name, the method name, the arguments, and -- for :meth:`ServiceProxy.method` -- the type id
  of each Java parameter type, which is how the server picks among overloads (``f(int)``,
  ``f(long)``, ``f(String)``...). A parameter type also chooses how the value is written
  (``"long"`` writes a Python ``int`` as a Java long). Arguments and results are any values
  pyignite reads and writes, complex objects included; a Java class the service takes must be
  known to the server under the same type name (a class made with
  :class:`~pyignite.binary.GenericObjectMeta` and its ``type_name``).
* **Timeout.** ``service_proxy(name, timeout=...)`` (seconds) is sent with every call; the cluster
  fails a call that takes longer. The client's own ``timeout`` bounds the wait for the reply as for
  every request.
* **Routing.** With partition awareness on (the client keeps connections to several nodes) and a
  server that offers the ``SERVICE_TOPOLOGY`` feature, a proxy asks which nodes host the service
  (``OP_SERVICE_GET_TOPOLOGY``) and sends each call straight to one of them it has a connection to;
  it asks again when the cluster's topology changes, after :data:`TOPOLOGY_MAX_AGE` seconds or
  :data:`TOPOLOGY_MAX_CALLS` calls. Otherwise calls go to the client's connection and the server
  forwards them.
* **Caller context.** ``service_proxy(..., call_context={"user": "x"})``: attributes (``str`` or
  ``bytes`` values) the service reads with ``ServiceContext.currentCallContext()``; needs the
  ``SERVICE_INVOKE_CALLCTX`` feature.
* **Errors.** A failed call raises :class:`~pyignite.exceptions.ServiceError` (unknown service or
  method, a Java exception -- ``java_class``/``java_message`` when the server sends stack traces --,
  a timeout).

Needs the ``SERVICE_INVOKE`` feature (Ignite 2.9+); descriptors need ``GET_SERVICE_DESCRIPTORS``
(2.12+): :class:`~pyignite.exceptions.NotSupportedByClusterError` otherwise, before anything is sent.
"""

from __future__ import annotations

import math
import random
import threading
import time
import uuid
from typing import Any, Dict, Generator, Iterable, List, Optional, Sequence, Tuple

from pyignite.exceptions import ParameterError, ServiceError
from pyignite.protocol import binary_ops, service_ops
from pyignite.protocol.capabilities import supports
from pyignite.protocol.service_ops import ParamType, ServiceDescriptor, param_type

__all__ = [
    "ServiceDescriptor", "ServiceMethod", "ServiceProxy", "Services", "TOPOLOGY_MAX_AGE", "TOPOLOGY_MAX_CALLS",
    "java_class_names_plan",
]

#: seconds a proxy trusts the service topology it fetched (when the cluster's topology does not change)
TOPOLOGY_MAX_AGE = 10.0
#: calls a proxy makes before it fetches the service topology again
TOPOLOGY_MAX_CALLS = 1000


def _timeout_ms(timeout: Any) -> int:
    if timeout is None or timeout == 0:
        return 0
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise ParameterError(f"timeout must be a positive finite number of seconds or None, not {timeout!r}")
    return max(1, math.ceil(timeout * 1000))


def _check_context(call_context: Any) -> Optional[Dict[str, Any]]:
    if call_context is None:
        return None
    if not isinstance(call_context, dict):
        raise ParameterError(f"call_context must be a dict of str to str or bytes, not {call_context!r}")
    out: Dict[str, Any] = {}
    for key, value in call_context.items():
        if not isinstance(key, str):
            raise ParameterError(f"call context attribute names must be str, not {key!r}")
        if isinstance(value, (bytes, bytearray)):
            out[key] = bytes(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise ParameterError(f"call context attribute {key!r} must be str or bytes, not {type(value).__name__}")
    return out


def _binary_types(value: Any, out: Dict[int, str], depth: int = 0) -> None:
    """Collect ``type id -> class name`` of the binary objects (``GenericObjectMeta`` instances) in
    ``value``, looking into containers and object fields a few levels deep."""
    if depth > 8 or value is None or isinstance(value, (str, bytes, int, float)):
        return
    cls = type(value)
    type_name = getattr(cls, "_type_name", None)
    if isinstance(type_name, str) and isinstance(getattr(cls, "_type_id", None), int):
        out.setdefault(cls._type_id, type_name)
        for field in getattr(cls, "_schema", {}) or {}:
            _binary_types(getattr(value, field, None), out, depth + 1)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _binary_types(k, out, depth + 1)
            _binary_types(v, out, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _binary_types(item, out, depth + 1)


def java_class_names_plan(client: Any, values: Iterable[Any]) -> Generator[Any, Any, None]:
    """Make sure the cluster maps the type id of every binary object in ``values`` to its class name
    (``OP_REGISTER_BINARY_TYPE_NAME``, once per type and client): a service or compute task that gets
    an object as its Java class -- not kept binary -- needs that mapping, which registering the binary
    type's fields does not make."""
    found: Dict[int, str] = {}
    for value in values:
        _binary_types(value, found)
    if not found:
        return
    done = client.__dict__.setdefault("_java_class_names", set())
    for type_id, type_name in found.items():
        if type_id not in done:
            yield binary_ops.register_type_name(type_id, type_name)
            done.add(type_id)


class Services:
    """The services of a client's cluster, or of a cluster group (see the module documentation).

    :param client: a :class:`~pyignite.client.Client` or :class:`~pyignite.aio_client.AioClient`;
    :param group: a :class:`~pyignite.cluster.ClusterGroup`, or ``None`` for every server node.
    """

    __slots__ = ("_client", "_group")

    def __init__(self, client: Any, group: Any = None) -> None:
        self._client = client
        self._group = group

    def __repr__(self) -> str:
        return f"<Services on {self._group!r}>" if self._group is not None else f"<Services of {self._client!r}>"

    @property
    def cluster_group(self) -> Any:
        """The :class:`~pyignite.cluster.ClusterGroup` calls go to (``None``: any server node)."""
        return self._group

    def service_proxy(
        self, name: str, timeout: Optional[float] = None, call_context: Optional[Dict[str, Any]] = None,
    ) -> ServiceProxy:
        """A proxy for the service ``name``: its attributes call the service's methods (no I/O here).

        :param timeout: seconds the cluster allows each call (``None``: no limit);
        :param call_context: caller context attributes (``str`` or ``bytes`` values) sent with every
            call (needs ``SERVICE_INVOKE_CALLCTX``).
        """
        if not isinstance(name, str) or not name:
            raise ParameterError(f"the service name must be a non-empty str, not {name!r}")
        return ServiceProxy(self, name, _timeout_ms(timeout), _check_context(call_context))

    def _descriptors_plan(self) -> Generator[Any, Any, List[ServiceDescriptor]]:
        self._client._require("service descriptors")
        result = yield service_ops.get_descriptors()
        return result

    def get_descriptors(self) -> Any:
        """The deployed services as :class:`ServiceDescriptor` records (name, class, counts, cache,
        origin node, platform). Needs ``GET_SERVICE_DESCRIPTORS``."""
        return self._client._drive(self._descriptors_plan())

    def _descriptor_plan(self, name: str) -> Generator[Any, Any, ServiceDescriptor]:
        self._client._require("service descriptors")
        result = yield service_ops.get_descriptor(name)
        return result

    def get_descriptor(self, name: str) -> Any:
        """The :class:`ServiceDescriptor` of service ``name``; :class:`~pyignite.exceptions.ServiceError`
        if there is no such service. Needs ``GET_SERVICE_DESCRIPTORS``."""
        if not isinstance(name, str) or not name:
            raise ParameterError(f"the service name must be a non-empty str, not {name!r}")
        return self._client._drive(self._descriptor_plan(name))

    def _topology_plan(self, name: str) -> Generator[Any, Any, List[uuid.UUID]]:
        self._client._require("service topology")
        result = yield service_ops.get_topology(name)
        return result

    def get_topology(self, name: str) -> Any:
        """Ids (``uuid.UUID``) of the nodes that host an instance of service ``name``. Needs
        ``SERVICE_TOPOLOGY`` (Ignite 2.15+)."""
        if not isinstance(name, str) or not name:
            raise ParameterError(f"the service name must be a non-empty str, not {name!r}")
        return self._client._drive(self._topology_plan(name))


class _Topology:
    """What a proxy knows about where its service runs (used with partition awareness only)."""

    __slots__ = ("calls", "fetched_at", "lock", "nodes", "version")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.nodes: List[uuid.UUID] = []
        self.version: Any = None
        self.fetched_at = -math.inf  # never: due at once
        self.calls = 0

    def due(self, version: Any, now: float) -> bool:
        with self.lock:
            self.calls += 1
            return (
                version != self.version or now - self.fetched_at > TOPOLOGY_MAX_AGE or self.calls > TOPOLOGY_MAX_CALLS
            )

    def update(self, nodes: List[uuid.UUID], version: Any, now: float) -> None:
        with self.lock:
            self.nodes, self.version, self.fetched_at, self.calls = list(nodes), version, now, 0


class ServiceProxy:
    """Calls the methods of one service: ``proxy.name(*args)`` (the server picks the overload by
    the argument values) or ``proxy.method(name, *param_types)(*args)`` (by Java parameter types).

    Attributes starting with ``_`` are not service methods; a method whose name is one of this
    class's own (``method``, ``call``, ``name``, ``timeout``) is reached with :meth:`call` or
    :meth:`method`.
    """

    __slots__ = ("_call_context", "_name", "_services", "_timeout_ms", "_topology")

    def __init__(self, services: Services, name: str, timeout_ms: int, call_context: Optional[Dict[str, Any]]) -> None:
        self._services = services
        self._name = name
        self._timeout_ms = timeout_ms
        self._call_context = call_context
        self._topology = _Topology()

    def __repr__(self) -> str:
        return f"<ServiceProxy {self._name!r}>"

    @property
    def name(self) -> str:
        """The service's name."""
        return self._name

    @property
    def timeout(self) -> Optional[float]:
        """Seconds the cluster allows each call (``None``: no limit)."""
        return self._timeout_ms / 1000 if self._timeout_ms else None

    def __getattr__(self, method: str) -> ServiceMethod:
        if method.startswith("_"):
            raise AttributeError(method)
        return ServiceMethod(self, method, None)

    def method(self, name: str, *param_types: Any) -> ServiceMethod:
        """The service method ``name`` with these Java parameter types, one per argument: Java type
        names (``"int"``, ``"long"``, ``"java.lang.Integer"``, ``"java.lang.String"``,
        ``"org.example.Point"``), pyignite type hints (``IntObject`` means ``int``, ``LongObject``
        ``long``, ``String`` ``java.lang.String``...), ``(java type name, hint)`` pairs, or
        :class:`~pyignite.binary.GenericObjectMeta` classes. Without types (``method("f")``) the
        server picks the overload by the argument values."""
        if not isinstance(name, str) or not name:
            raise ParameterError(f"the method name must be a non-empty str, not {name!r}")
        types = tuple(param_type(t) for t in param_types) if param_types else None
        return ServiceMethod(self, name, types)

    def call(self, method: str, *args: Any) -> Any:
        """Call ``method`` with ``args`` (like ``proxy.<method>(*args)``)."""
        return self.method(method)(*args)

    # --- the call (a plan shared by both clients) -----------------------------------------------

    def _route_plan(self, client: Any, node_ids: Optional[List[uuid.UUID]]) -> Generator[Any, Any, Optional[uuid.UUID]]:
        """The node to send the call to, or ``None`` for the default connection."""
        pa = getattr(client, "_pa", None)
        conn = getattr(client, "_conn", None)
        if pa is None or conn is None or not supports(conn, "service topology"):
            return None
        topo = self._topology
        now = time.monotonic()
        if topo.due(pa.router.latest, now):
            try:
                nodes = yield service_ops.get_topology(self._name)
            except ServiceError:  # the service is not deployed (yet): let the call report it
                nodes = []
            # the version the reply reported (a first reply tells the client its first version)
            topo.update(nodes, pa.router.latest, now)
        candidates = [n for n in topo.nodes if node_ids is None or n in node_ids]
        connected = [n for n in candidates if pa.pool.connection(n) is not None]
        return random.choice(connected) if connected else None

    def _invoke_plan(self, method: str, args: Tuple[Any, ...], types: Optional[Sequence[ParamType]]
                     ) -> Generator[Any, Any, Any]:
        services = self._services
        client = services._client
        client._require("services")
        if self._call_context is not None:
            client._require("service call context")
        node_ids = None
        if services._group is not None:
            node_ids = yield from services._group._target_plan()
            if node_ids is not None and not node_ids:
                raise ServiceError(
                    f"cannot call service {self._name!r}: the cluster group {services._group!r} is empty"
                )
        yield from java_class_names_plan(client, args)
        target = yield from self._route_plan(client, node_ids)
        conn = getattr(client, "_conn", None)
        try:
            req = service_ops.invoke(
                self._name, method, args, types, node_ids, self._timeout_ms, self._call_context,
                conn is not None and supports(conn, "service call context"), client._ctx,
            )
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"cannot send the arguments of {self._name}.{method}(): {exc}") from None
        req.node = target
        result = yield req
        return result


class ServiceMethod:
    """One method of a service, bound to its proxy (and to parameter types, if given); call it."""

    __slots__ = ("_name", "_proxy", "_types")

    def __init__(self, proxy: ServiceProxy, name: str, types: Optional[Tuple[ParamType, ...]]) -> None:
        self._proxy = proxy
        self._name = name
        self._types = types

    def __repr__(self) -> str:
        return f"<ServiceMethod {self._proxy.name}.{self._name}>"

    def __call__(self, *args: Any) -> Any:
        if self._types is not None and len(self._types) != len(args):
            raise ParameterError(
                f"{self._proxy.name}.{self._name}() has {len(self._types)} parameter types, called with {len(args)} "
                "arguments"
            )
        client = self._proxy._services._client
        return client._drive(self._proxy._invoke_plan(self._name, args, self._types))
