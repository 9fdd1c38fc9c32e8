"""The asyncio client: the key-value API as coroutines, many requests in flight, async cursors.

``AioClient`` has every method of ``Client``; each returns an awaitable. One client holds one
connection, and any number of tasks may use it at once: their requests are in flight together and
each reply goes to the task that sent the request.
"""

import asyncio

from pyignite import AioClient


async def main():
    client = AioClient()
    async with client.connect('127.0.0.1', 10800):
        cache = await client.get_or_create_cache('my async cache')

        await cache.put('my key', 42)
        print(await cache.get('my key'))
        # 42

        # a thousand puts in flight at once on one connection, then a thousand gets
        await asyncio.gather(*(cache.put(i, i * i) for i in range(1000)))
        squares = await asyncio.gather(*(cache.get(i) for i in range(1000)))
        print(squares[:5], squares[-1])
        # [0, 1, 4, 9, 16] 998001

        print(await cache.get_size())
        # 1001

        # cursors: async for (the cursor fetches further pages as it goes)
        total = 0
        async for key, value in cache.scan(page_size=100):
            if isinstance(key, int):
                total += value
        print(total)
        # 332833500

        # SQL: async with closes the cursor, whatever happens inside
        async with client.sql('SELECT 6 * 7 AS answer', include_field_names=True) as cursor:
            async for row in cursor:
                print(row)
        # ['ANSWER']
        # [42]

        await cache.destroy()


asyncio.run(main())
