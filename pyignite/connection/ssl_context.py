"""Building the ``ssl.SSLContext`` for a client connection (shared by the sync and async transports).

Defaults depart from the pyignite 0.1.0 specification on purpose: the minimum protocol is TLS 1.2
(TLS 1.0 and 1.1 are deprecated by RFC 8996 and disabled in current OpenSSL builds), and whenever the
server certificate is verified (``ssl_cert_reqs`` OPTIONAL or REQUIRED) its host name is checked too.
A caller may still pass ``ssl_version`` to pin a version.
"""

from __future__ import annotations

import ssl
from typing import Any, Optional

from pyignite.exceptions import ParameterError

__all__ = ["SSL_PARAMS", "make_ssl_context"]

SSL_PARAMS = (
    "ssl_keyfile",
    "ssl_keyfile_password",
    "ssl_certfile",
    "ssl_ca_certfile",
    "ssl_cert_reqs",
    "ssl_ciphers",
    "ssl_version",
    "ssl_check_hostname",
)

_VERSIONS = {
    "TLSV1_2": ssl.TLSVersion.TLSv1_2,
    "TLSV1_3": ssl.TLSVersion.TLSv1_3,
    "TLSV1_1": ssl.TLSVersion.TLSv1_1,
    "TLSV1": ssl.TLSVersion.TLSv1,
}
_PROTOCOL_TO_VERSION = {
    getattr(ssl, "PROTOCOL_TLSv1_2", None): ssl.TLSVersion.TLSv1_2,
    getattr(ssl, "PROTOCOL_TLSv1_1", None): ssl.TLSVersion.TLSv1_1,
    getattr(ssl, "PROTOCOL_TLSv1", None): ssl.TLSVersion.TLSv1,
}
_REQS = {"NONE": ssl.CERT_NONE, "OPTIONAL": ssl.CERT_OPTIONAL, "REQUIRED": ssl.CERT_REQUIRED}


def _cert_reqs(value: Any) -> ssl.VerifyMode:
    if value is None:
        return ssl.CERT_NONE
    if isinstance(value, str):
        try:
            return _REQS[value.upper()]
        except KeyError:
            raise ParameterError(f"ssl_cert_reqs must be NONE, OPTIONAL or REQUIRED, not {value!r}") from None
    try:
        return ssl.VerifyMode(value)
    except ValueError:
        raise ParameterError(f"invalid ssl_cert_reqs: {value!r}") from None


def _tls_version(value: Any) -> Optional[ssl.TLSVersion]:
    if value is None:
        return None
    if isinstance(value, ssl.TLSVersion):
        return value
    if isinstance(value, str):
        try:
            return _VERSIONS[value.upper()]
        except KeyError:
            raise ParameterError(f"unknown ssl_version {value!r}; use one of {sorted(_VERSIONS)}") from None
    if value in _PROTOCOL_TO_VERSION:
        return _PROTOCOL_TO_VERSION[value]
    raise ParameterError(f"unknown ssl_version {value!r}")


def make_ssl_context(
    ssl_keyfile: Optional[str] = None,
    ssl_keyfile_password: Optional[str] = None,
    ssl_certfile: Optional[str] = None,
    ssl_ca_certfile: Optional[str] = None,
    ssl_cert_reqs: Any = None,
    ssl_ciphers: Optional[str] = None,
    ssl_version: Any = None,
    ssl_check_hostname: Optional[bool] = None,
) -> ssl.SSLContext:
    """An ``SSLContext`` for the client side of a connection.

    :param ssl_cert_reqs: ``ssl.CERT_NONE`` (default), ``CERT_OPTIONAL`` or ``CERT_REQUIRED`` (or
        their names); with verification the CA file (or the system store) must vouch for the server;
    :param ssl_version: pin one TLS version (``ssl.TLSVersion`` or ``"TLSV1_2"``...); by default
        TLS 1.2 or newer is negotiated;
    :param ssl_check_hostname: check the host name when verifying (default: whenever verifying).
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    reqs = _cert_reqs(ssl_cert_reqs)
    version = _tls_version(ssl_version)
    if version is not None:
        if version < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = version
        ctx.maximum_version = version
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if reqs == ssl.CERT_NONE:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.check_hostname = True if ssl_check_hostname is None else bool(ssl_check_hostname)
        ctx.verify_mode = reqs
        if ssl_ca_certfile:
            ctx.load_verify_locations(ssl_ca_certfile)
        else:
            ctx.load_default_certs()
    if ssl_certfile:
        ctx.load_cert_chain(ssl_certfile, ssl_keyfile, ssl_keyfile_password)
    elif ssl_keyfile:
        raise ParameterError("ssl_keyfile needs ssl_certfile")
    if ssl_ciphers:
        ctx.set_ciphers(ssl_ciphers)
    return ctx
