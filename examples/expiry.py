"""Expiry policies: for a whole cache (``PROP_EXPIRY_POLICY``) and per operation
(``cache.with_expire_policy``). Durations are milliseconds or ``timedelta``.
"""

import time
from datetime import timedelta

from pyignite import Client
from pyignite.datatypes.expiry_policy import ExpiryPolicy
from pyignite.datatypes.prop_codes import PROP_EXPIRY_POLICY, PROP_NAME

client = Client()
client.connect('127.0.0.1', 10800)


def wait_until_gone(cache, key, patience=10.0):
    deadline = time.monotonic() + patience
    while cache.get(key) is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


# every entry of this cache lives one second after it is created
sessions = client.create_cache({
    PROP_NAME: 'sessions',
    PROP_EXPIRY_POLICY: ExpiryPolicy(create=timedelta(seconds=1)),
})
sessions.put('session-1', 'alice')
print(sessions.get('session-1'))
# alice
print('expired:', wait_until_gone(sessions, 'session-1'))
# expired: True

# a cache without a policy, and a view of it whose operations carry one
cache = client.create_cache('my cache')
short_lived = cache.with_expire_policy(create=500)

short_lived.put('temporary', 1)
cache.put('permanent', 2)
print('expired:', wait_until_gone(cache, 'temporary'))
# expired: True
print(cache.get('permanent'))
# 2

# expire an entry one second after it is read
touch = cache.with_expire_policy(access=timedelta(seconds=1))
print(touch.get('permanent'))
# 2
print('expired:', wait_until_gone(cache, 'permanent'))
# expired: True

sessions.destroy()
cache.destroy()
client.close()
