"""TLS (specification section 3.5) against real TLS-only nodes, with certificates made at test time
(``harness.make_certificates``: a CA, a server certificate for 127.0.0.1 and localhost, a client
certificate with a plain and a password-protected key, and an unrelated CA).

``ssl_node`` encrypts its client port; ``ssl_auth_node`` also requires a client certificate.
"""

from __future__ import annotations

import socket
import ssl
import time
from typing import Any, Dict, Iterator, Tuple

import harness
import pytest

from pyignite import Client
from pyignite.connection.ssl_context import (
    DEFAULT_MINIMUM_VERSION,
    InsecureTLSWarning,
    make_ssl_context,
    tls_settings,
)
from pyignite.exceptions import ParameterError, ReconnectError, SocketError

from .util import unique_name

Node = Tuple[str, int]

pytestmark = pytest.mark.ssl
Certs = Dict[str, str]


def _works(client: Client) -> None:
    """A real round trip over the connection."""
    cache = client.get_or_create_cache(unique_name("tls"))
    try:
        cache.put("key", "värde")
        assert cache.get("key") == "värde"
    finally:
        cache.destroy()


def _tls_version(client: Client) -> str:
    sock = client.connection._sock  # type: ignore[union-attr]  # the transport's socket
    assert isinstance(sock, ssl.SSLSocket), "the connection is not TLS"
    return sock.version()  # type: ignore[return-value]


def _root_cause(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


# --- encryption without verification ------------------------------------------------------------

def test_use_ssl_without_verification(ssl_node: Node) -> None:
    """The specification's first snippet: ``Client(use_ssl=True)``."""
    with Client(use_ssl=True).connect(*ssl_node) as client:
        assert client.use_ssl
        assert _tls_version(client) in ("TLSv1.2", "TLSv1.3")
        _works(client)


def test_single_key_operations_take_the_plain_path_over_tls(ssl_node: Node) -> None:
    """get/put/contains_key/get_and_put over TLS go by Client._plain (not SLOW) and read back what
    they wrote, values large enough to span TLS records included; a hinted key still goes the
    general way."""
    from pyignite.api_base import SLOW
    from pyignite.datatypes import IntObject
    from pyignite.protocol import op_codes as op
    from pyignite.protocol.cache_ops import NO_VALUE, parse_value

    with Client(use_ssl=True).connect(*ssl_node) as client:
        cache = client.get_or_create_cache(unique_name("tls_plain"))
        try:
            big = "x" * 40000  # more than two 16 KiB TLS records
            cache.put("key", "värde")  # the first request of each kind makes the cache's prefix
            assert cache.get("key") == "värde"
            assert client._plain(cache._ref, op.OP_CACHE_GET, "key", NO_VALUE, parse_value) == "värde"
            assert client._plain(cache._ref, op.OP_CACHE_PUT, "big", big, None) is None
            assert client._plain(cache._ref, op.OP_CACHE_GET, "big", NO_VALUE, parse_value) == big
            assert cache.get_and_put("key", 7) == "värde" and cache.contains_key("key")
            assert cache.get_and_put("key", 8) == 7
            assert client._plain(cache._ref, op.OP_CACHE_GET, "missing", NO_VALUE, parse_value) is None
            cache.put(5, "int", key_hint=IntObject)  # a hint: the general path (an Int key, not a Long)
            assert cache.get(5, key_hint=IntObject) == "int" and cache.get(5) is None
            assert client._plain(cache._ref, op.OP_CACHE_GET, 5, NO_VALUE, parse_value) is not SLOW
        finally:
            cache.destroy()


@pytest.mark.parametrize("version, name", [
    (ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
    ("TLSV1_2", "TLSv1.2"),
    (ssl.PROTOCOL_TLSv1_2, "TLSv1.2"),
    (ssl.TLSVersion.TLSv1_3, "TLSv1.3"),
])
def test_ssl_version_pins_the_protocol(ssl_node: Node, version: Any, name: str) -> None:
    with Client(use_ssl=True, ssl_version=version).connect(*ssl_node) as client:
        assert _tls_version(client) == name
        _works(client)


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_pinning_tls_1_1_is_honoured_and_refused_by_a_modern_server(ssl_node: Node) -> None:
    """The user may ask for the specification's TLS 1.1; today's Java refuses it, clearly."""
    with pytest.raises(ReconnectError) as err:
        Client(use_ssl=True, ssl_version=ssl.TLSVersion.TLSv1_1).connect(*ssl_node)
    assert "TLS handshake" in str(err.value)
    assert isinstance(_root_cause(err.value), ssl.SSLError)


def test_ssl_ciphers_are_applied(ssl_node: Node) -> None:
    cipher = "ECDHE-RSA-AES128-GCM-SHA256"
    with Client(use_ssl=True, ssl_version="TLSV1_2", ssl_ciphers=cipher).connect(*ssl_node) as client:
        assert client.connection._sock.cipher()[0] == cipher  # type: ignore[union-attr]
        _works(client)


# --- verifying the server -----------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_verification_with_the_right_ca(ssl_node: Node, certs: Certs, host: str) -> None:
    """The specification's third snippet; the host dialled is in the server certificate's SAN."""
    client = Client(use_ssl=True, ssl_ca_certfile=certs["ca"], ssl_cert_reqs=ssl.CERT_REQUIRED)
    with client.connect(host, ssl_node[1]):
        _works(client)


def test_cert_optional_verifies_too(ssl_node: Node, certs: Certs) -> None:
    with Client(use_ssl=True, ssl_ca_certfile=certs["ca"], ssl_cert_reqs="OPTIONAL").connect(*ssl_node) as c:
        _works(c)
    with pytest.raises(ReconnectError, match="certificate verify failed"):
        Client(use_ssl=True, ssl_ca_certfile=certs["other_ca"], ssl_cert_reqs=ssl.CERT_OPTIONAL).connect(*ssl_node)


def test_a_ca_file_alone_means_verification(ssl_node: Node, certs: Certs) -> None:
    """Secure by default where the user asked for trust: ``ssl_ca_certfile`` without
    ``ssl_cert_reqs`` verifies the chain and the host name, and no warning is given."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", InsecureTLSWarning)
        ctx = make_ssl_context(ssl_ca_certfile=certs["ca"])
        assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
        with Client(ssl_ca_certfile=certs["ca"]).connect(*ssl_node) as client:
            _works(client)
    with pytest.raises(ReconnectError, match="certificate verify failed"):
        Client(ssl_ca_certfile=certs["other_ca"]).connect(*ssl_node)


def test_explicit_cert_none_keeps_working_with_a_warning(ssl_node: Node, certs: Certs) -> None:
    """The specification's ``ssl_cert_reqs=CERT_NONE`` still turns verification off, even with a CA
    file (an unrelated CA is then never consulted), and says so with an InsecureTLSWarning."""
    with pytest.warns(InsecureTLSWarning):
        client = Client(use_ssl=True, ssl_ca_certfile=certs["other_ca"], ssl_cert_reqs=ssl.CERT_NONE)
    assert client._settings.ssl_context.verify_mode == ssl.CERT_NONE  # type: ignore[union-attr]
    with client.connect(*ssl_node):
        _works(client)
    with pytest.warns(InsecureTLSWarning):
        Client(use_ssl=True)
    with pytest.warns(InsecureTLSWarning):
        Client(username="u", password="p")  # credentials turn TLS on, unverified


def test_wrong_ca_is_rejected(ssl_node: Node, certs: Certs) -> None:
    client = Client(use_ssl=True, ssl_ca_certfile=certs["other_ca"], ssl_cert_reqs=ssl.CERT_REQUIRED)
    started = time.monotonic()
    with pytest.raises(ReconnectError) as err:
        client.connect(*ssl_node)
    assert time.monotonic() - started < 5
    assert "certificate verify failed" in str(err.value)
    assert f"{ssl_node[0]}:{ssl_node[1]}" in str(err.value)
    assert isinstance(err.value.__cause__, SocketError)
    assert isinstance(_root_cause(err.value), ssl.SSLCertVerificationError)


def test_verification_against_the_system_store_rejects_a_private_ca(ssl_node: Node) -> None:
    with pytest.raises(ReconnectError, match="certificate verify failed"):
        Client(use_ssl=True, ssl_cert_reqs=ssl.CERT_REQUIRED).connect(*ssl_node)


@pytest.fixture
def example_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A host name that resolves to 127.0.0.1 but is not in the server certificate."""
    name = "ignite-example.com"
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == name else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield name


def test_host_name_is_checked_whenever_the_certificate_is(ssl_node: Node, certs: Certs, example_host: str) -> None:
    kwargs: Dict[str, Any] = dict(use_ssl=True, ssl_ca_certfile=certs["ca"], ssl_cert_reqs=ssl.CERT_REQUIRED)
    with pytest.raises(ReconnectError) as err:
        Client(**kwargs).connect(example_host, ssl_node[1])
    root = _root_cause(err.value)
    assert isinstance(root, ssl.SSLCertVerificationError)
    assert "ignite-example.com" in str(root) or "Hostname mismatch" in str(root)
    # the chain alone is trusted when the caller opts out of the host name check explicitly
    with Client(ssl_check_hostname=False, **kwargs).connect(example_host, ssl_node[1]) as client:
        _works(client)
    # without verification nothing is checked, as the specification's use_ssl=True
    with Client(use_ssl=True).connect(example_host, ssl_node[1]) as client:
        _works(client)


# --- client certificates -------------------------------------------------------------------------

def test_client_certificate_required_and_supplied(ssl_auth_node: Node, certs: Certs) -> None:
    """The specification's second snippet, against a node with ``sslClientAuth``."""
    client = Client(use_ssl=True, ssl_keyfile=certs["client_key"], ssl_certfile=certs["client_cert"])
    with client.connect(*ssl_auth_node):
        _works(client)


def test_client_certificate_with_password_protected_key(ssl_auth_node: Node, certs: Certs) -> None:
    client = Client(
        use_ssl=True,
        ssl_keyfile=certs["client_key_encrypted"],
        ssl_keyfile_password=harness.KEY_PASSWORD,
        ssl_certfile=certs["client_cert"],
        ssl_ca_certfile=certs["ca"],
        ssl_cert_reqs=ssl.CERT_REQUIRED,
    )
    with client.connect(*ssl_auth_node):
        _works(client)


def test_missing_client_certificate_is_refused_quickly(ssl_auth_node: Node) -> None:
    started = time.monotonic()
    with pytest.raises(ReconnectError) as err:
        Client(use_ssl=True, timeout=10).connect(*ssl_auth_node)
    assert time.monotonic() - started < 5
    assert isinstance(err.value.__cause__, SocketError)
    assert f"{ssl_auth_node[0]}:{ssl_auth_node[1]}" in str(err.value)


def test_encrypted_key_needs_the_right_password(certs: Certs) -> None:
    kwargs = dict(use_ssl=True, ssl_keyfile=certs["client_key_encrypted"], ssl_certfile=certs["client_cert"])
    with pytest.raises(ParameterError, match="ssl_keyfile_password"):
        Client(ssl_keyfile_password="wrong", **kwargs)
    # without a password OpenSSL would prompt on the terminal; we refuse instead of hanging
    with pytest.raises(ParameterError, match="encrypted: give ssl_keyfile_password"):
        Client(**kwargs)


# --- a plain client against a TLS port, and the reverse --------------------------------------------

def test_plain_client_against_tls_port_fails_clearly_and_quickly(ssl_node: Node) -> None:
    started = time.monotonic()
    with pytest.raises(ReconnectError) as err:
        Client().connect(*ssl_node)  # no timeout given: bounded by the handshake timeout
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert f"{ssl_node[0]}:{ssl_node[1]}" in str(err.value)
    assert "TLS" in str(err.value), str(err.value)


def test_tls_client_against_plain_port_fails_within_timeout(node: Node) -> None:
    started = time.monotonic()
    with pytest.raises(ReconnectError) as err:
        Client(use_ssl=True, timeout=2).connect(*node)
    assert time.monotonic() - started < 6
    assert "TLS handshake" in str(err.value)


# --- parameters (no server) -------------------------------------------------------------------------

def test_default_context_is_modern() -> None:
    with pytest.warns(InsecureTLSWarning, match="CERT_NONE"):
        ctx = make_ssl_context()
    assert ctx.minimum_version == DEFAULT_MINIMUM_VERSION == ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname
    verified = make_ssl_context(ssl_cert_reqs=ssl.CERT_REQUIRED)
    assert verified.check_hostname and verified.verify_mode == ssl.CERT_REQUIRED
    assert make_ssl_context(ssl_cert_reqs="optional").check_hostname


@pytest.mark.parametrize("kwargs, on", [
    ({}, False),
    ({"username": "u", "password": "p"}, True),
    ({"username": "u", "password": "p", "use_ssl": False}, False),
    ({"ssl_ca_certfile": None}, False),
    ({"ssl_cert_reqs": ssl.CERT_NONE}, True),
    ({"use_ssl": True}, True),
])
def test_when_tls_is_on(kwargs: Dict[str, Any], on: bool) -> None:
    client = Client(**kwargs)
    assert client.use_ssl is on
    assert (client._settings.ssl_context is not None) is on


@pytest.mark.parametrize("kwargs, message", [
    ({"use_ssl": False, "ssl_ciphers": "HIGH"}, "use_ssl=False"),
    ({"use_ssl": "yes"}, "use_ssl"),
    ({"ssl_cert_reqs": 7}, "ssl_cert_reqs"),
    ({"ssl_cert_reqs": "SOMETIMES"}, "ssl_cert_reqs"),
    ({"ssl_version": "SSLV3"}, "ssl_version"),
    ({"ssl_version": ssl.PROTOCOL_TLS_SERVER}, "ssl_version"),
    ({"ssl_version": 1.2}, "ssl_version"),
    ({"ssl_ciphers": "NO-SUCH-CIPHER"}, "ssl_ciphers"),
    ({"ssl_keyfile": "/some/key.pem"}, "needs ssl_certfile"),
    ({"ssl_certfile": "/no/such/cert.pem"}, "/no/such/cert.pem"),
    ({"ssl_ca_certfile": "/no/such/ca.pem", "ssl_cert_reqs": "REQUIRED"}, "/no/such/ca.pem"),
    ({"ssl_check_hostname": True}, "ssl_check_hostname"),
    ({"ssl_keyfile_password": "x"}, "ssl_keyfile_password needs"),
])
def test_bad_tls_parameters_are_parameter_errors(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        Client(**kwargs)


def test_tls_settings_rejects_unknown_parameters() -> None:
    with pytest.raises(ParameterError, match="ssl_foo"):
        tls_settings(True, False, {"ssl_foo": 1})
