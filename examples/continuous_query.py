"""Continuous queries: the cluster pushes every change of a cache's entries to the client.

A listener gets each event (created, updated, removed, expired) with the key, the new value and the
old value; an initial query reads what was there before; a Java remote filter drops events on the
server; the asyncio client iterates the events with ``async for``.

The remote filter class must be on the server nodes' class path: ``EvenKeysFilter`` is a small class
of the test harness that this repository's nodes (``scripts/ignite start``) carry.

The server delivers events from the moment its reply went out; a change made in that very instant can
be missed. Where the first changes matter, as here, write a marker entry and wait for its event first.
"""

import asyncio
import threading

from pyignite import AioClient, Client
from pyignite.continuous import ScanQuery

client = Client()
client.connect('127.0.0.1', 10800)
cache = client.get_or_create_cache('cq_example')
cache.clear()
cache.put('existing', 0)

MARKER = -2  # even: EvenKeysFilter lets it through too


def wait_until_live(cache, seen):
    """Write the marker until its event shows up in ``seen``, then forget the marker's events."""
    for attempt in range(100):
        cache.put(MARKER, attempt)
        for _ in range(20):
            if any(event.key == MARKER for event in seen):
                seen[:] = [event for event in seen if event.key != MARKER]
                return
            threading.Event().wait(0.01)


events = []
done = threading.Event()


def listener(event):
    # runs on the client's dispatcher thread, in the order the events arrived
    events.append(event)
    if event.key == 'last':
        done.set()


with cache.continuous_query(listener, initial_query=ScanQuery()) as query:
    print('initial query:', list(query.initial))
    wait_until_live(cache, events)
    cache.put('greeting', 'hello')
    cache.put('greeting', 'hello again')
    cache.remove_key('greeting')
    cache.put('last', 1)
    done.wait(10)
# the query is closed here: no more events

for event in events:
    print(event.type.name, event.key, event.value, event.old_value)
# CREATED greeting hello None
# UPDATED greeting hello again hello
# REMOVED greeting None hello again
# CREATED last 1 None

# a Java remote filter: only the events of even keys leave the server
evens = []
with cache.continuous_query(evens.append, remote_filter='org.pyignite.harness.EvenKeysFilter'):
    wait_until_live(cache, evens)
    for key in range(10):
        cache.put(key, key * key)
    for _ in range(100):
        if len(evens) == 5:
            break
        threading.Event().wait(0.05)
print('even keys:', sorted(event.key for event in evens))
# even keys: [0, 2, 4, 6, 8]
cache.destroy()
client.close()


async def main():
    aio = AioClient()
    async with aio.connect('127.0.0.1', 10800):
        cache = await aio.get_or_create_cache('cq_example_async')
        async with cache.continuous_query() as query:
            for attempt in range(100):  # wait until live: the marker's event comes through
                await cache.put(MARKER, attempt)
                try:
                    await asyncio.wait_for(query.__anext__(), 0.2)
                    break
                except asyncio.TimeoutError:
                    pass
            for value in range(3):
                await cache.put('counter', value)
            async for event in query:
                print('async:', event.type.name, event.key, event.value)
                if event.value == 2:
                    break
        await cache.destroy()

asyncio.run(main())
# async: CREATED counter 0
# async: UPDATED counter 1
# async: UPDATED counter 2
