"""Services: call the methods of the cluster's Java services from Python.

A proxy's attributes are the service's methods. Java overloads (``add(int)``, ``add(long)``...) are
told apart with parameter types; complex objects go in and come back as binary objects. The
services used here come with the test harness (``server/src/main/java/org/pyignite/harness``):
``counter`` (``CounterService``, one instance in the cluster, on the node with the attribute
``pyignite.role=special``) and ``objects`` (``ObjectsService``, one instance per node).
"""

from collections import OrderedDict

from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import IntObject, String
from pyignite.exceptions import ServiceError


class Point(
    metaclass=GenericObjectMeta, type_name='org.pyignite.harness.Point',
    schema=OrderedDict([('x', IntObject), ('y', IntObject), ('label', String)]),
):
    """The Java class org.pyignite.harness.Point."""


client = Client()
client.connect('127.0.0.1', 10800)
services = client.services()

# what is deployed, and where
for descriptor in sorted(services.get_descriptors()):
    print(descriptor.name, descriptor.service_class, descriptor.total_count)
# counter org.pyignite.harness.CounterService 1
# objects org.pyignite.harness.ObjectsService 0
special = client.cluster().for_attribute('pyignite.role', 'special').node_ids()
print(services.get_topology('counter') == special)
# True

counter = services.service_proxy('counter', timeout=5)
counter.reset()
print(counter.method('add', 'int')(5), counter.method('add', 'long')(10 ** 12))
# 5 1000000000005
print(counter.method('describe', 'int')(7), '/', counter.method('describe', 'java.lang.Integer')(7))
# int 7 / Integer 7
print(counter.describe('no hint needed: one String overload'))
# String no hint needed: one String overload

# complex objects as arguments and results
objects = services.service_proxy('objects')
print(objects.method('move', Point, 'int', 'int')(Point(x=1, y=2, label='a'), 10, 20))
# Point(x=11, y=22, label="a'", version=1)
print([(p.x, p.y) for p in objects.method('line', 'int')(4)[1]])
# [(0, 0), (1, 1), (2, 4), (3, 9)]

# caller context attributes, read by the service
print(services.service_proxy('counter', call_context={'user': 'alice'}).callerAttribute('user'))
# alice

# a Java exception comes back with its class and message
try:
    counter.method('divide', 'long', 'long')(1, 0)
except ServiceError as err:
    print(err.java_class, '-', err.java_message)
# java.lang.ArithmeticException - / by zero

client.close()
