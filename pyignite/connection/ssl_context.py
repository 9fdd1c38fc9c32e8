"""TLS for client connections: the ``ssl.SSLContext`` shared by the sync and async transports.

Client parameters (all optional; see :func:`tls_settings` and :func:`make_ssl_context`):

* ``use_ssl`` -- wrap the connection in TLS. ``None`` (default) turns TLS on when credentials
  (``username``/``password``) or any ``ssl_*`` parameter is given, and leaves it off otherwise;
  ``use_ssl=False`` keeps credentials on a plain connection, as the specification allows;
* ``ssl_cert_reqs`` -- ``ssl.CERT_NONE`` (encrypt, but do not authenticate the server),
  ``ssl.CERT_OPTIONAL`` or ``ssl.CERT_REQUIRED`` (verify the server's certificate chain). The
  default is ``CERT_REQUIRED`` when ``ssl_ca_certfile`` is given (the caller named whom to trust)
  and ``CERT_NONE`` otherwise; TLS without verification emits an :class:`InsecureTLSWarning`;
* ``ssl_ca_certfile`` -- the CA certificate(s) that vouch for the server (PEM); without it, the
  system's default CA store is used when verifying;
* ``ssl_certfile``, ``ssl_keyfile``, ``ssl_keyfile_password`` -- the client's own certificate and
  private key (PEM), for servers that require client authentication; the key may be encrypted;
* ``ssl_ciphers`` -- an OpenSSL cipher list for TLS 1.2 and older (TLS 1.3 suites are not affected);
* ``ssl_version`` -- pin one protocol version: ``ssl.TLSVersion.TLSv1_2``, ``"TLSV1_2"`` or the
  legacy ``ssl.PROTOCOL_TLSv1_2`` style constants;
* ``ssl_check_hostname`` -- (pyignite addition) turn the host name check off (``False``) while
  still verifying the chain, for servers whose certificate does not name the address dialled.

Where this departs from the pyignite 0.1.0 specification, and why
-----------------------------------------------------------------
* **Protocol version.** The specification's default is TLS 1.1. Here the default is to negotiate
  TLS 1.2 or newer (TLS 1.3 when the server has it). TLS 1.0 and 1.1 are deprecated (RFC 8996),
  refused by OpenSSL 3 at its default security level and disabled in current Java runtimes, so a
  TLS 1.1 default would fail against a stock Ignite node as well as being weak. A caller who
  needs an old server may still pin ``ssl_version`` (for TLS 1.0/1.1 the OpenSSL security level is
  lowered for that context only).
* **Host name check.** The specification verifies only the certificate chain. Here, whenever the
  server certificate is verified (``CERT_OPTIONAL`` or ``CERT_REQUIRED``), its subject alternative
  names must also match the host given to ``connect()`` (an IP address must appear as an IP SAN):
  without that check any certificate issued by the same CA -- for any host -- would be accepted,
  which defeats the verification. ``ssl_check_hostname=False`` opts out explicitly.
* **Verification when a CA is given.** The specification leaves ``ssl_cert_reqs`` at ``CERT_NONE``
  even when ``ssl_ca_certfile`` is given, so a configured CA was silently never consulted and any
  server (or a man in the middle) was accepted. Here a CA file without ``ssl_cert_reqs`` means
  ``CERT_REQUIRED`` with the host name check; an explicit ``ssl_cert_reqs=ssl.CERT_NONE`` still
  turns verification off, as the specification allows.
* **A warning without verification.** Whenever TLS runs with ``CERT_NONE`` (the
  specification's ``use_ssl=True``, or credentials that turn TLS on), an
  :class:`InsecureTLSWarning` says that the server is not authenticated; silence it with the
  ``warnings`` module (``warnings.simplefilter('ignore', InsecureTLSWarning)``) where that is
  deliberate.
* **Ciphers.** Python's default cipher selection is used instead of the removed
  ``ssl._DEFAULT_CIPHERS``; ``ssl_ciphers`` still overrides it.
* **TLS parameters without use_ssl.** The specification silently ignores ``ssl_*`` parameters when
  ``use_ssl`` is not set; here they turn TLS on (and contradict ``use_ssl=False``, which is a
  :class:`~pyignite.exceptions.ParameterError`), so a configured certificate is never dropped.

Errors: a bad value or an unreadable certificate/key file raises
:class:`~pyignite.exceptions.ParameterError` when the client is created; a failed TLS handshake
(untrusted certificate, wrong host name, no common protocol version) surfaces at connection time
as a :class:`~pyignite.exceptions.SocketError` naming the node, its cause the ``ssl.SSLError``.
"""

from __future__ import annotations

import os
import ssl
import warnings
from typing import Any, Dict, Optional, Tuple

from pyignite.exceptions import ParameterError

__all__ = ["SSL_PARAMS", "InsecureTLSWarning", "make_ssl_context", "tls_settings"]


class InsecureTLSWarning(UserWarning):
    """TLS runs without verifying the server's certificate (``ssl_cert_reqs=CERT_NONE``): the
    connection is encrypted, but anyone who can intercept it can pose as the server."""

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

#: The protocol floor when no version is pinned.
DEFAULT_MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2

_VERSIONS = {
    "TLSV1": ssl.TLSVersion.TLSv1,
    "TLSV1_1": ssl.TLSVersion.TLSv1_1,
    "TLSV1_2": ssl.TLSVersion.TLSv1_2,
    "TLSV1_3": ssl.TLSVersion.TLSv1_3,
}
# The legacy PROTOCOL_* constants the specification's users pass (``ssl_version=ssl.PROTOCOL_TLSv1_2``).
# PROTOCOL_TLS / PROTOCOL_TLS_CLIENT mean "negotiate", i.e. no pin. Looked up by name: the
# version-specific ones are deprecated and may be missing from a Python build.
_PROTOCOLS: Dict[Any, Optional[ssl.TLSVersion]] = {}
for _name, _version in (
    ("PROTOCOL_TLSv1", ssl.TLSVersion.TLSv1),
    ("PROTOCOL_TLSv1_1", ssl.TLSVersion.TLSv1_1),
    ("PROTOCOL_TLSv1_2", ssl.TLSVersion.TLSv1_2),
    ("PROTOCOL_TLS", None),
    ("PROTOCOL_TLS_CLIENT", None),
):
    if hasattr(ssl._SSLMethod, _name):
        _PROTOCOLS[getattr(ssl._SSLMethod, _name)] = _version

_REQS = {"NONE": ssl.CERT_NONE, "OPTIONAL": ssl.CERT_OPTIONAL, "REQUIRED": ssl.CERT_REQUIRED}


def _cert_reqs(value: Any, cafile: Optional[str] = None) -> ssl.VerifyMode:
    if value is None:
        # a CA named by the caller is meant to be used: verify against it (secure by default)
        return ssl.CERT_REQUIRED if cafile else ssl.CERT_NONE
    if isinstance(value, str):
        name = value.upper()
        name = name[5:] if name.startswith("CERT_") else name
        try:
            return _REQS[name]
        except KeyError:
            raise ParameterError(
                f"ssl_cert_reqs must be ssl.CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED, not {value!r}"
            ) from None
    if not isinstance(value, bool) and isinstance(value, int):
        try:
            return ssl.VerifyMode(value)
        except ValueError:
            pass
    raise ParameterError(f"ssl_cert_reqs must be ssl.CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED, not {value!r}")


def _tls_version(value: Any) -> Optional[ssl.TLSVersion]:
    """The pinned version for ``ssl_version``, or ``None`` to negotiate (TLS 1.2 or newer)."""
    if value is None:
        return None
    if isinstance(value, ssl.TLSVersion):
        if value in (ssl.TLSVersion.MINIMUM_SUPPORTED, ssl.TLSVersion.MAXIMUM_SUPPORTED):
            raise ParameterError(f"ssl_version must name one protocol version, not {value!r}")
        return value
    if isinstance(value, str):
        key = value.upper().replace(".", "_").replace("TLSV1_0", "TLSV1")
        try:
            return _VERSIONS[key]
        except KeyError:
            raise ParameterError(f"unknown ssl_version {value!r}; use one of {sorted(_VERSIONS)}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return _PROTOCOLS[ssl._SSLMethod(value)]
        except (ValueError, KeyError):
            raise ParameterError(f"unsupported ssl_version {value!r}") from None
    raise ParameterError(
        f"ssl_version must be an ssl.TLSVersion, a name such as 'TLSV1_2' or an ssl.PROTOCOL_TLSv1_x constant, "
        f"not {value!r}"
    )


def _path(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, (str, bytes)) and not hasattr(value, "__fspath__"):
        raise ParameterError(f"{name} must be a file path, not {value!r}")
    path = os.fsdecode(os.fspath(value))
    if not path:
        raise ParameterError(f"{name} must be a file path, not an empty string")
    return path


def _no_password(path: str) -> Any:
    """A password callback for a key loaded without ``ssl_keyfile_password``.

    OpenSSL calls it only for an encrypted key; without it, OpenSSL would prompt on the terminal
    (and hang a process that has none).
    """

    def callback() -> str:
        raise ParameterError(f"the private key in {path!r} is encrypted: give ssl_keyfile_password")

    return callback


def make_ssl_context(
    ssl_keyfile: Optional[str] = None,
    ssl_keyfile_password: Any = None,
    ssl_certfile: Optional[str] = None,
    ssl_ca_certfile: Optional[str] = None,
    ssl_cert_reqs: Any = None,
    ssl_ciphers: Optional[str] = None,
    ssl_version: Any = None,
    ssl_check_hostname: Optional[bool] = None,
) -> ssl.SSLContext:
    """An ``SSLContext`` for the client side of a connection.

    :param ssl_keyfile: the client's private key (PEM); needs ``ssl_certfile``; may be omitted
        when the certificate file holds the key too;
    :param ssl_keyfile_password: the password of an encrypted key (str, bytes or a callable
        returning one);
    :param ssl_certfile: the client's certificate (PEM), sent when the server asks for one;
    :param ssl_ca_certfile: trusted CA certificate(s) (PEM) for verifying the server; the system
        store is used when verifying without it;
    :param ssl_cert_reqs: ``ssl.CERT_NONE``, ``CERT_OPTIONAL`` or ``CERT_REQUIRED`` (or their
        names); default ``CERT_REQUIRED`` with ``ssl_ca_certfile``, else ``CERT_NONE`` (which emits
        an :class:`InsecureTLSWarning`); with verification the host name is checked too (see
        ``ssl_check_hostname``);
    :param ssl_ciphers: OpenSSL cipher list (TLS <= 1.2);
    :param ssl_version: pin one TLS version (``ssl.TLSVersion``, ``"TLSV1_2"``, ``ssl.PROTOCOL_TLSv1_2``);
        by default TLS 1.2 or newer is negotiated;
    :param ssl_check_hostname: check the host name when verifying (default: whenever verifying);
        ``True`` without verification is a contradiction;
    :return: a configured ``ssl.SSLContext`` (``PROTOCOL_TLS_CLIENT``);
    :raises ParameterError: for a bad value or a certificate/key file that cannot be loaded.
    """
    version = _tls_version(ssl_version)
    keyfile = _path("ssl_keyfile", ssl_keyfile)
    certfile = _path("ssl_certfile", ssl_certfile)
    cafile = _path("ssl_ca_certfile", ssl_ca_certfile)
    reqs = _cert_reqs(ssl_cert_reqs, cafile)
    if ssl_check_hostname is not None and not isinstance(ssl_check_hostname, bool):
        raise ParameterError(f"ssl_check_hostname must be True, False or None, not {ssl_check_hostname!r}")
    if ssl_ciphers is not None and (not isinstance(ssl_ciphers, str) or not ssl_ciphers):
        raise ParameterError(f"ssl_ciphers must be a non-empty OpenSSL cipher string, not {ssl_ciphers!r}")
    if keyfile and not certfile:
        raise ParameterError("ssl_keyfile needs ssl_certfile (the client certificate that goes with the key)")
    if ssl_keyfile_password is not None and not certfile:
        raise ParameterError("ssl_keyfile_password needs ssl_certfile and ssl_keyfile")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if version is not None:
        if version < ssl.TLSVersion.TLSv1_2:
            # OpenSSL 3 refuses TLS < 1.2 at its default security level; the caller asked for it.
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        try:
            ctx.minimum_version = version
            ctx.maximum_version = version
        except ValueError as exc:  # pragma: no cover - depends on the OpenSSL build
            raise ParameterError(f"ssl_version {version.name} is not available in this OpenSSL build: {exc}") from exc
    else:
        ctx.minimum_version = DEFAULT_MINIMUM_VERSION
    if reqs == ssl.CERT_NONE:
        if ssl_check_hostname:
            raise ParameterError("ssl_check_hostname=True needs ssl_cert_reqs CERT_OPTIONAL or CERT_REQUIRED")
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        warnings.warn(
            "TLS without verifying the server certificate (ssl_cert_reqs=CERT_NONE): the connection is "
            "encrypted but the server is not authenticated; give ssl_ca_certfile to verify it",
            InsecureTLSWarning, stacklevel=_caller_level(),
        )
    else:
        ctx.verify_mode = reqs
        ctx.check_hostname = True if ssl_check_hostname is None else ssl_check_hostname
        if cafile:
            try:
                ctx.load_verify_locations(cafile)
            except (OSError, ValueError) as exc:
                raise ParameterError(f"cannot load ssl_ca_certfile {cafile!r}: {exc}") from exc
        else:
            ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if certfile:
        password = ssl_keyfile_password if ssl_keyfile_password is not None else _no_password(keyfile or certfile)
        try:
            ctx.load_cert_chain(certfile, keyfile, password)
        except ParameterError:
            raise
        except (OSError, ValueError, TypeError) as exc:
            what = f"ssl_certfile {certfile!r}" + (f" / ssl_keyfile {keyfile!r}" if keyfile else "")
            hint = " (is ssl_keyfile_password right?)" if ssl_keyfile_password is not None else ""
            raise ParameterError(f"cannot load {what}: {exc}{hint}") from exc
    if ssl_ciphers:
        try:
            ctx.set_ciphers(ssl_ciphers)
        except ssl.SSLError as exc:
            raise ParameterError(f"ssl_ciphers {ssl_ciphers!r} selects no usable cipher: {exc}") from exc
    return ctx


def _caller_level() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside pyignite (the line that
    created the client), however deep the constructor chain is."""
    import sys

    level = 1
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("pyignite"):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def tls_settings(
    use_ssl: Optional[bool], has_credentials: bool, ssl_kwargs: Dict[str, Any]
) -> Tuple[bool, Optional[ssl.SSLContext]]:
    """Decide whether a client uses TLS and build its context.

    :param use_ssl: the client's ``use_ssl`` argument (``True``, ``False`` or ``None``);
    :param has_credentials: whether ``username``/``password`` were given;
    :param ssl_kwargs: the ``ssl_*`` arguments given (see :data:`SSL_PARAMS`);
    :return: ``(use_ssl, context)``; the context is ``None`` without TLS;
    :raises ParameterError: for a bad ``use_ssl``, ``ssl_*`` arguments with ``use_ssl=False``, or
        anything :func:`make_ssl_context` rejects.

    ``use_ssl=None`` means TLS when credentials or ``ssl_*`` arguments are given (the specification:
    "supplying credentials automatically turns SSL on"), plain TCP otherwise.
    """
    if use_ssl is not None and not isinstance(use_ssl, bool):
        raise ParameterError(f"use_ssl must be True, False or None, not {use_ssl!r}")
    unknown = sorted(set(ssl_kwargs) - set(SSL_PARAMS))
    if unknown:
        raise ParameterError(f"unknown TLS parameters: {unknown}")
    given = sorted(k for k, v in ssl_kwargs.items() if v is not None)
    if use_ssl is False:
        if given:
            raise ParameterError(f"{', '.join(given)} given with use_ssl=False: drop them or turn TLS on")
        return False, None
    if use_ssl is None and not has_credentials and not given:
        return False, None
    return True, make_ssl_context(**ssl_kwargs)
