"""Password authentication (specification section 3.6) against real nodes with
``authenticationEnabled`` (and persistence, which Ignite requires for it).

``auth_node`` has no TLS and has SQL (so a test can ``CREATE USER``); ``auth_tls_node`` requires TLS on
its client port. Both start with Ignite's default superuser ``ignite``/``ignite``.
"""

from __future__ import annotations

import time
from typing import Iterator, List, Tuple

import pytest

from pyignite import Client
from pyignite.exceptions import HandshakeError, ReconnectError

from .util import unique_name

Node = Tuple[str, int]

pytestmark = pytest.mark.auth

#: Ignite's status for a refused authentication (ClientStatus.AUTH_FAILED)
AUTH_FAILED = 2000


def _works(client: Client) -> None:
    cache = client.get_or_create_cache(unique_name("auth"))
    try:
        cache.put(1, "one")
        assert cache.get(1) == "one"
    finally:
        cache.destroy()


def _check_refusal(err: HandshakeError) -> None:
    """The server's own message is carried, and printed as the specification shows it."""
    assert err.status == AUTH_FAILED
    assert err.message, "the server's message is missing"
    assert str(err) == f"Handshake error: {err.message}"
    assert "password is incorrect" in err.message  # Ignite's wording (ClientListenerNioListener)


# --- the right credentials -------------------------------------------------------------------------

def test_right_password_without_tls(auth_node: Node) -> None:
    """``Client(username=..., password=..., use_ssl=False)``: the specification's opt-out."""
    client = Client(username="ignite", password="ignite", use_ssl=False)
    assert not client.use_ssl
    with client.connect(*auth_node):
        _works(client)


def test_right_password_with_tls_turned_on_by_the_credentials(auth_tls_node: Node) -> None:
    """``Client(username=..., password=...)``: supplying credentials turns TLS on."""
    client = Client(username="ignite", password="ignite")
    assert client.use_ssl
    with client.connect(*auth_tls_node):
        assert client.connection._sock.version() in ("TLSv1.2", "TLSv1.3")  # type: ignore[union-attr]
        _works(client)


def test_credentials_default_to_tls_so_a_plain_auth_port_refuses_them(auth_node: Node) -> None:
    started = time.monotonic()
    with pytest.raises(ReconnectError, match="TLS handshake"):
        Client(username="ignite", password="ignite", timeout=2).connect(*auth_node)
    assert time.monotonic() - started < 6


def test_credentials_are_ignored_by_a_node_without_authentication(node: Node) -> None:
    """As the specification says: unexpected credentials are simply ignored by the server."""
    with Client(username="ignite", password="whatever", use_ssl=False).connect(*node) as client:
        _works(client)


# --- refusals --------------------------------------------------------------------------------------

def test_wrong_password_is_a_handshake_error_with_the_servers_message(auth_node: Node) -> None:
    with pytest.raises(HandshakeError) as err:
        Client(username="ignite", password="wrong", use_ssl=False).connect(*auth_node)
    _check_refusal(err.value)
    assert isinstance(err.value, OSError)  # as the specification's exception hierarchy says


def test_wrong_password_over_tls(auth_tls_node: Node) -> None:
    with pytest.raises(HandshakeError) as err:
        Client(username="ignite", password="wrong").connect(*auth_tls_node)
    _check_refusal(err.value)


def test_unknown_user(auth_node: Node) -> None:
    with pytest.raises(HandshakeError) as err:
        Client(username="nobody", password="ignite", use_ssl=False).connect(*auth_node)
    _check_refusal(err.value)


def test_no_credentials_against_an_authenticating_node(auth_node: Node) -> None:
    with pytest.raises(HandshakeError) as err:
        Client().connect(*auth_node)
    _check_refusal(err.value)
    assert "userName=null" in err.value.message


def test_refusal_is_not_retried_on_other_nodes(auth_node: Node) -> None:
    """Bad credentials would fail on every node: the error surfaces at once, no other node is tried."""
    taken: List[Node] = []

    def policy() -> Iterator[Node]:
        for n in (auth_node, auth_node):
            taken.append(n)
            yield n

    with pytest.raises(HandshakeError):
        Client(username="ignite", password="wrong", use_ssl=False).connect(policy())
    assert taken == [auth_node]


# --- non-ASCII credentials -------------------------------------------------------------------------

USER = "Jörg_Ж_测试"
PASSWORD = "пароль ü€ 𝄞'"  # a 4-byte UTF-8 character and a quote, too


@pytest.fixture
def non_ascii_user(auth_node: Node) -> Iterator[Tuple[str, str]]:
    """A user created with SQL (``CREATE USER``) by the superuser, dropped afterwards."""
    with Client(username="ignite", password="ignite", use_ssl=False).connect(*auth_node) as admin:
        quoted_password = PASSWORD.replace("'", "''")
        admin.sql(f"CREATE USER \"{USER}\" WITH PASSWORD '{quoted_password}'").close()
        try:
            yield USER, PASSWORD
        finally:
            admin.sql(f'DROP USER "{USER}"').close()


def test_non_ascii_credentials(auth_node: Node, non_ascii_user: Tuple[str, str]) -> None:
    user, password = non_ascii_user
    with Client(username=user, password=password, use_ssl=False).connect(*auth_node) as client:
        _works(client)
    with pytest.raises(HandshakeError) as err:
        Client(username=user, password=password[:-1], use_ssl=False).connect(*auth_node)
    _check_refusal(err.value)
    assert user in err.value.message  # the server names the user: it decoded our UTF-8 name intact
