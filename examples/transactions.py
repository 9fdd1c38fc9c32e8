"""Transactions: commit, rollback, the ``with`` block, and a conflict between two transactions.

A transaction needs a TRANSACTIONAL cache (``PROP_CACHE_ATOMICITY_MODE`` 0); the example creates one.
Every key-value operation issued in the thread that started a transaction runs inside it.
"""

from pyignite import Client, TransactionConcurrency, TransactionIsolation
from pyignite.datatypes.prop_codes import PROP_CACHE_ATOMICITY_MODE, PROP_NAME
from pyignite.exceptions import CacheError

TRANSACTIONAL = 0

client = Client()
client.connect('127.0.0.1', 10800)

accounts = client.create_cache({
    PROP_NAME: 'accounts',
    PROP_CACHE_ATOMICITY_MODE: TRANSACTIONAL,
})
accounts.put_all({'alice': 100, 'bob': 20})

# commit: both updates become visible together
with client.tx_start() as tx:
    accounts.put('alice', accounts.get('alice') - 30)
    accounts.put('bob', accounts.get('bob') + 30)
    tx.commit()
print(sorted(accounts.get_all(['alice', 'bob']).items()))
# [('alice', 70), ('bob', 50)]

# rollback: nothing happened
tx = client.tx_start()
accounts.put('alice', 0)
tx.rollback()
print(accounts.get('alice'))
# 70

# leaving the block without commit (here because of an error) rolls back
try:
    with client.tx_start():
        accounts.put('bob', 1000)
        raise ValueError('something went wrong')
except ValueError as error:
    print('rolled back after:', error)
print(accounts.get('bob'))
# 50

# a pessimistic transaction locks what it writes; another client's transaction that wants the
# same key waits, and gives up when its timeout expires
other = Client()
other.connect('127.0.0.1', 10800)
other_accounts = other.get_cache('accounts')
with client.tx_start(
    concurrency=TransactionConcurrency.PESSIMISTIC,
    isolation=TransactionIsolation.REPEATABLE_READ,
) as tx:
    accounts.put('alice', 80)
    try:
        with other.tx_start(timeout=300):
            other_accounts.put('alice', 0)
    except CacheError:
        print('the other transaction timed out waiting for the lock')
    tx.commit()
print(accounts.get('alice'))
# 80

# an optimistic serializable transaction fails at commit if what it read changed meanwhile
tx = client.tx_start(
    concurrency=TransactionConcurrency.OPTIMISTIC,
    isolation=TransactionIsolation.SERIALIZABLE,
    label='bonus',
)
bonus = accounts.get('bob') + 5
other_accounts.put('bob', 10)
accounts.put('bob', bonus)
try:
    tx.commit()
except CacheError:
    print('conflict: the transaction was rolled back')
print(accounts.get('bob'))
# 10

other.close()
accounts.destroy()
client.close()
