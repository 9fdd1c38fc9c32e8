"""Bulk loading with the data streamer (``client.streamer``), blocking and asyncio.

The streamer buffers entries per node and sends them in batches, several at once; leaving the
``with`` block flushes what is left, so the entries are all in the cache afterwards.
"""

import asyncio

from pyignite import AioClient, Client

client = Client()
client.connect('127.0.0.1', 10800)

cache = client.create_cache('streamed')

with client.streamer(cache) as streamer:
    for i in range(100_000):
        streamer.add(i, f'value {i}')
print(streamer)
# <DataStreamer cache 'streamed' mode=streamer added=100000 loaded=100000 closed>
print(cache.get_size(), cache.get(99_999))
# 100000 value 99999

# By default keys already in the cache keep their values (Ignite's fastest loading path);
# allow_overwrite=True replaces them.
with client.streamer(cache, allow_overwrite=True, per_node_buffer=500) as streamer:
    streamer.add_all({i: 'updated' for i in range(10)})
print(cache.get(5))
# updated


async def load_async():
    aio_client = AioClient()
    async with aio_client.connect('127.0.0.1', 10800):
        aio_cache = await aio_client.get_cache('streamed')
        async with aio_client.streamer(aio_cache, allow_overwrite=True) as streamer:
            await streamer.add_all((i, i * i) for i in range(1000))
        print(await aio_cache.get(999))
        # 998001

asyncio.run(load_async())

cache.destroy()
client.close()
