"""Connection settings of the command line tool: options, environment variables and profiles.

Each setting comes from the first of: the command line option, its environment variable
(``PYIGNITE_HOST``...), the profile named by ``--profile``/``PYIGNITE_PROFILE`` (else the profile
``default`` if the file has one) in the profile file (``~/.config/pyignite/config.toml``, or
``$XDG_CONFIG_HOME/pyignite/config.toml``, or ``PYIGNITE_CONFIG``), and the built-in default.

A profile file is TOML, one table per profile::

    [default]
    host = ["127.0.0.1:10800", "127.0.0.1:10801"]
    timeout = 10

    [prod]
    host = "ignite.example.com:10800"
    ssl = true
    ssl_ca_certfile = "/etc/ignite/ca.pem"
    username = "ignite"            # the password comes from PYIGNITE_PASSWORD or a prompt
"""

from __future__ import annotations

import os
import ssl
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["ConfigError", "Settings", "SETTING_NAMES", "config_path", "load_profile", "resolve"]

DEFAULT_PORT = 10800

#: setting name -> (environment variable, kind)
SETTING_NAMES: Dict[str, Tuple[str, str]] = {
    "host": ("PYIGNITE_HOST", "hosts"),
    "port": ("PYIGNITE_PORT", "int"),
    "ssl": ("PYIGNITE_SSL", "bool"),
    "ssl_ca_certfile": ("PYIGNITE_SSL_CA_CERTFILE", "str"),
    "ssl_certfile": ("PYIGNITE_SSL_CERTFILE", "str"),
    "ssl_keyfile": ("PYIGNITE_SSL_KEYFILE", "str"),
    "ssl_keyfile_password": ("PYIGNITE_SSL_KEYFILE_PASSWORD", "str"),
    "ssl_cert_reqs": ("PYIGNITE_SSL_CERT_REQS", "str"),
    "username": ("PYIGNITE_USERNAME", "str"),
    "password": ("PYIGNITE_PASSWORD", "str"),
    "timeout": ("PYIGNITE_TIMEOUT", "float"),
}

_CERT_REQS = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}


class ConfigError(Exception):
    """A setting, the profile file or a profile name is invalid (a usage error: exit code 2)."""


class Settings:
    """Resolved connection settings: the nodes and the :class:`~pyignite.Client` arguments."""

    def __init__(self, nodes: List[Tuple[str, int]], client_kwargs: Dict[str, Any], profile: Optional[str]) -> None:
        self.nodes = nodes
        self.client_kwargs = client_kwargs
        self.profile = profile

    def describe(self) -> str:
        return ", ".join(f"{h}:{p}" for h, p in self.nodes)


def config_path() -> Path:
    explicit = os.environ.get("PYIGNITE_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "pyignite" / "config.toml"


def _toml_load(path: Path) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the cli extra installs tomli on older Pythons
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None


def load_profile(name: Optional[str]) -> Dict[str, Any]:
    """The settings of profile ``name`` (``None``: ``default`` if present, else none)."""
    path = config_path()
    if not path.exists():
        if name is not None:
            raise ConfigError(f"profile {name!r} asked for, but there is no profile file {path}")
        return {}
    data = _toml_load(path)
    wanted = name or "default"
    profile = data.get(wanted)
    if profile is None:
        if name is None:
            return {}
        known = ", ".join(sorted(k for k, v in data.items() if isinstance(v, dict))) or "none"
        raise ConfigError(f"no profile {name!r} in {path} (profiles: {known})")
    if not isinstance(profile, dict):
        raise ConfigError(f"{path}: [{wanted}] must be a table of settings")
    unknown = sorted(set(profile) - set(SETTING_NAMES))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) in [{wanted}]: {', '.join(unknown)} "
                          f"(known: {', '.join(SETTING_NAMES)})")
    return dict(profile)


def _convert(name: str, kind: str, value: Any, source: str) -> Any:
    try:
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if kind == "hosts":
            if isinstance(value, str):
                return [h.strip() for h in value.split(",") if h.strip()]
            if isinstance(value, (list, tuple)) and all(isinstance(h, str) for h in value):
                return list(value)
            raise ValueError
        if not isinstance(value, str):
            raise ValueError
        return value
    except ValueError:
        raise ConfigError(f"{source}: invalid value {value!r} for {name}") from None


def parse_host(text: str, default_port: int) -> Tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` -> ``(host, port)``."""
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ConfigError(f"invalid host {text!r}")
        host, rest = text[1:end], text[end + 1:]
        if rest and not rest.startswith(":"):
            raise ConfigError(f"invalid host {text!r}")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ConfigError(f"invalid host {text!r}: no host name")
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"invalid port in {text!r}")
        return host, int(port_text)
    return host, default_port


def resolve(options: Dict[str, Any], profile_name: Optional[str]) -> Settings:
    """Merge command line ``options`` (``None`` = not given), environment and profile."""
    profile_name = profile_name or os.environ.get("PYIGNITE_PROFILE") or None
    profile = load_profile(profile_name)
    values: Dict[str, Any] = {}
    for name, (env, kind) in SETTING_NAMES.items():
        given = options.get(name)
        if given is not None and given != () and given != []:
            values[name] = _convert(name, kind, given, f"--{name.replace('_', '-')}")
        elif os.environ.get(env) not in (None, ""):
            values[name] = _convert(name, kind, os.environ[env], env)
        elif name in profile:
            values[name] = _convert(name, kind, profile[name], f"profile {profile_name or 'default'}")
    port = values.get("port", DEFAULT_PORT)
    if not 0 < port < 65536:
        raise ConfigError(f"invalid port {port}")
    nodes = [parse_host(h, port) for h in values.get("host") or ["127.0.0.1"]]
    kwargs: Dict[str, Any] = {}
    if "timeout" in values:
        if values["timeout"] <= 0:
            raise ConfigError("--timeout must be positive")
        kwargs["timeout"] = values["timeout"]
    tls_files = ("ssl_ca_certfile", "ssl_certfile", "ssl_keyfile", "ssl_keyfile_password")
    use_ssl = values.get("ssl")
    if use_ssl is None and any(k in values for k in tls_files):
        use_ssl = True
    for key in tls_files:
        if key in values:
            kwargs[key] = values[key]
    if "ssl_cert_reqs" in values:
        reqs = _CERT_REQS.get(values["ssl_cert_reqs"].lower())
        if reqs is None:
            raise ConfigError(f"invalid ssl_cert_reqs {values['ssl_cert_reqs']!r} (none, optional or required)")
        kwargs["ssl_cert_reqs"] = reqs
        use_ssl = True if use_ssl is None else use_ssl
    if "username" in values:
        kwargs["username"] = values["username"]
        kwargs["password"] = values.get("password")
    elif "password" in values:
        raise ConfigError("a password was given without a user name (--username)")
    if use_ssl is not None:
        kwargs["use_ssl"] = use_ssl
    # else the client's default: TLS when credentials are given (--no-ssl turns it off), else none
    return Settings(nodes, kwargs, profile_name)
