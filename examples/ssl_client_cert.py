"""TLS with a client certificate (the specification's section 3.5).

Needs an Ignite node on 127.0.0.1:10800 whose thin client port speaks TLS and requires client
certificates (``sslClientAuth``, e.g. ``scripts/ignite start --ssl-client-auth``). The client's key
and certificate, made with openssl and signed by a CA the node trusts, are read from
``$PYIGNITE_SSL_DIR`` (default ``etc/.ssl``): ``client.key``, ``client.pem``, and the same key
encrypted with a password in ``client-encrypted.key``.
"""

import os

from pyignite import Client

SSL_DIR = os.environ.get('PYIGNITE_SSL_DIR', 'etc/.ssl')
KEY_PASSWORD = os.environ.get('PYIGNITE_SSL_KEY_PASSWORD', 'keypass')

# identify the client with a key pair and a certificate
client = Client(
    use_ssl=True,
    ssl_keyfile=os.path.join(SSL_DIR, 'client.key'),
    ssl_certfile=os.path.join(SSL_DIR, 'client.pem'),
)
client.connect('127.0.0.1', 10800)
my_cache = client.get_or_create_cache('my cache')
my_cache.put('my key', 'identified')
print(my_cache.get('my key'))
client.close()

# the same with a password-protected private key
client = Client(
    use_ssl=True,
    ssl_keyfile=os.path.join(SSL_DIR, 'client-encrypted.key'),
    ssl_keyfile_password=KEY_PASSWORD,
    ssl_certfile=os.path.join(SSL_DIR, 'client.pem'),
)
client.connect('127.0.0.1', 10800)
my_cache = client.get_cache('my cache')
print(my_cache.get('my key'))
my_cache.destroy()
client.close()

# identified
# identified
