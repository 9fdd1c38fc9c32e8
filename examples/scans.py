"""Scan queries (the specification's scans.py, section 3.1.7).

A scan returns the entries in no particular order, so the example also prints them sorted.
"""

from pyignite import Client

client = Client()
client.connect('127.0.0.1', 10800)

my_cache = client.create_cache('my cache')

my_cache.put_all({f'key_{v}': v for v in range(20)})
# {
#     'key_0': 0,
#     'key_1': 1,
#     'key_2': 2,
#     ... 20 elements in total...
#     'key_18': 18,
#     'key_19': 19
# }

result = my_cache.scan()
for k, v in result:
    print(k, v)
# key_17 17
# key_10 10
# key_6 6
# ... 20 elements in total...
# key_16 16
# key_12 12

result = my_cache.scan()
print(dict(sorted(result, key=lambda item: item[1])))
# {'key_0': 0, 'key_1': 1, 'key_2': 2, ... 20 elements in total... 'key_18': 18, 'key_19': 19}

my_cache.destroy()
client.close()
