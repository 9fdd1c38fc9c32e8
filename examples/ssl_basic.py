"""TLS (the specification's section 3.5): encryption alone, then a verified server.

Needs an Ignite node whose thin client port 127.0.0.1:10800 speaks TLS (``sslEnabled`` on its
ClientConnectorConfiguration, e.g. ``scripts/ignite start --ssl``). The CA certificate that signed
the node's certificate is read from ``$PYIGNITE_SSL_DIR/ca.pem`` (default ``etc/.ssl``); the test
suite points PYIGNITE_SSL_DIR at the certificates server/harness.py generated for the node.
"""

import os
import ssl

from pyignite import Client
from pyignite.exceptions import ReconnectError

SSL_DIR = os.environ.get('PYIGNITE_SSL_DIR', 'etc/.ssl')

# 1. Encryption without certificate validation: just use_ssl.
client = Client(use_ssl=True)
client.connect('127.0.0.1', 10800)
my_cache = client.get_or_create_cache('my cache')
my_cache.put('my key', 42)
print('encrypted, server not checked:', my_cache.get('my key'))
client.close()

# 2. Check the authenticity of the server: the CA certificate (or chain) that vouches for it.
#    The host name is checked too: 127.0.0.1 must be in the server certificate.
client = Client(
    use_ssl=True,
    ssl_ca_certfile=os.path.join(SSL_DIR, 'ca.pem'),
    ssl_cert_reqs=ssl.CERT_REQUIRED,
)
client.connect('127.0.0.1', 10800)
my_cache = client.get_cache('my cache')
print('encrypted, server verified:', my_cache.get('my key'))
my_cache.destroy()
client.close()

# 3. A server whose certificate the CA did not sign is refused.
client = Client(
    use_ssl=True,
    ssl_ca_certfile=os.path.join(SSL_DIR, 'other-ca.pem'),
    ssl_cert_reqs=ssl.CERT_REQUIRED,
)
try:
    client.connect('127.0.0.1', 10800)
except ReconnectError as e:
    print('untrusted server refused:', 'certificate verify failed' in str(e))

# encrypted, server not checked: 42
# encrypted, server verified: 42
# untrusted server refused: True
