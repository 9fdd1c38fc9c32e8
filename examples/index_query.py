"""Index queries: entries read through a sorted SQL index with criteria, without the SQL engine.

The table's rows are the cache's entries; an index query on its AGE index returns the entries whose
AGE matches, as (key, value) pairs in index order. The same SQL query gives the same rows.
"""

from pyignite import Client
from pyignite.index_query import between, gt, in_

client = Client()
client.connect('127.0.0.1', 10800)

client.sql(
    'CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR, age INT) '
    'WITH "CACHE_NAME=person,VALUE_TYPE=Person"'
)
client.sql('CREATE INDEX person_age ON person (age)')
people = [(1, 'Ann', 25), (2, 'Bob', 41), (3, 'Cid', 33), (4, 'Dee', 58), (5, 'Eve', 33)]
for row in people:
    client.sql('INSERT INTO person (id, name, age) VALUES (?, ?, ?)', query_args=list(row))

cache = client.get_cache('person')

with cache.index_query('Person', criteria=[gt('AGE', 30)]) as cursor:
    for key, person in cursor:
        print(key, person.NAME, person.AGE)
# 3 Cid 33
# 5 Eve 33
# 2 Bob 41
# 4 Dee 58

print([p.NAME for _, p in cache.index_query('Person', index_name='PERSON_AGE', criteria=[between('AGE', 30, 45)])])
# ['Cid', 'Eve', 'Bob']
print(sorted(k for k, _ in cache.index_query('Person', criteria=[in_('AGE', [25, 58])])))
# [1, 4]
print(len(list(cache.index_query('Person', criteria=[gt('AGE', 0)], limit=2))))
# 2

# the same rows through SQL
print([row[0] for row in client.sql('SELECT id FROM person WHERE age > 30 ORDER BY age, id')])
# [3, 5, 2, 4]

client.sql('DROP TABLE person')
client.close()
