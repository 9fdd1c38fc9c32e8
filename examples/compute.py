"""Compute: run the cluster's Java compute tasks from Python, on every server node or on a group.

A task is a Java ``ComputeTask`` the nodes can load; the client names it by class and gets its
result. The tasks used here come with the test harness (``server/src/main/java/org/pyignite/harness``):
``WordCountTask`` counts the words of a string (one job per word), ``NodeNamesTask`` runs a job on
every node of its group and lists where they ran, ``SleepTask`` sleeps, ``FailingTask`` throws. The
nodes run with thin client compute on (``ThinClientConfiguration.maxActiveComputeTasksPerConnection``);
one of them has the user attribute ``pyignite.role=special``.
"""

import asyncio

from pyignite import AioClient, Client
from pyignite.exceptions import ComputeError, ComputeTimeoutError

TASKS = 'org.pyignite.harness.'
WORD_COUNT = TASKS + 'WordCountTask'
NODE_NAMES = TASKS + 'NodeNamesTask'
SLEEP = TASKS + 'SleepTask'
FAILING = TASKS + 'FailingTask'

client = Client()
client.connect('127.0.0.1', 10800)

# run a task on the server nodes and get its result
compute = client.compute()
print(compute.execute(WORD_COUNT, 'the quick brown fox jumps over the lazy dog'))
# 9

# a Java collection comes back as (collection kind, items): here, where the jobs ran
_, nodes = compute.execute(NODE_NAMES)
print(nodes)
# ['examples-0', 'examples-1']

# cluster groups: only the nodes with an attribute, the oldest node, a predicate on node records
cluster = client.cluster()
special = cluster.for_attribute('pyignite.role', 'special')
print([node.consistent_id for node in special.nodes()])
# ['examples-1']
print(special.compute().execute(NODE_NAMES, 'pyignite.role')[1])
# ['examples-1=special']
print(cluster.for_oldest().compute().execute(NODE_NAMES)[1])
# ['examples-0']
plain = cluster.for_predicate(lambda node: 'pyignite.role' not in node.attributes)
print(plain.compute().execute(NODE_NAMES)[1])
# ['examples-0']

# without waiting: a concurrent.futures.Future
future = compute.execute_async(WORD_COUNT, 'to be or not to be')
print(future.result(10))
# 6

# a Java exception comes back with its class and message
try:
    compute.execute(FAILING, 'oops')
except ComputeError as err:
    print(err.java_class, '-', err.java_message)
# java.lang.IllegalArgumentException - bad argument: oops

# a timeout ends the task on the cluster too
try:
    compute.execute(SLEEP, 'nap:60000', timeout=0.5)
except ComputeTimeoutError:
    print('the task timed out and was cancelled')
# the task timed out and was cancelled

client.close()


# the asyncio client: many tasks in flight on one connection (at most as many as the server's
# maxActiveComputeTasksPerConnection, 100 on these nodes: more are refused with status 1030)
async def main():
    aio = AioClient()
    async with aio.connect('127.0.0.1', 10800):
        texts = ['a', 'a b', 'a b c'] * 30
        counts = await asyncio.gather(*(aio.compute().execute(WORD_COUNT, text) for text in texts))
        print(len(counts), sum(counts))
        # 90 180

asyncio.run(main())
