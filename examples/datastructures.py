"""Distributed data structures: an AtomicLong counter and an IgniteSet, shared by every client.

Each operation is one atomic request on the cluster, so threads (and other clients) can use them
together without locks of their own.
"""

import threading

from pyignite import Client

client = Client()
client.connect('127.0.0.1', 10800)

counter = client.atomic_long('page views', initial=0)


def visit():
    for _ in range(100):
        counter.increment_and_get()


threads = [threading.Thread(target=visit) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counter.get())
# 800
print(counter.compare_and_set(800, 0), counter.get())
# True 0
counter.remove()
print(client.atomic_long('page views', create=False))
# None

tags = client.ignite_set('tags')
print(tags.add('python'), tags.add('python'))
# True False
tags.add_all(['ignite', 'sql', 'cache'])
print(len(tags), 'sql' in tags, sorted(tags))
# 4 True ['cache', 'ignite', 'python', 'sql']
tags.retain_all(['python', 'ignite', 'other'])
print(sorted(tags))
# ['ignite', 'python']
tags.close()
print(tags.exists())
# False

client.close()
