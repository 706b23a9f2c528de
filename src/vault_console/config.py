"""Connection settings resolved the way the vault CLI does, plus named profiles.

Precedence, highest first:

1. command-line flags;
2. the selected profile (``--profile NAME`` or a switch inside the app);
3. ``BAO_*`` environment variables;
4. ``VAULT_*`` environment variables;
5. for the token only: ``~/.vault-token``;
6. defaults.

hvac alone is not enough: it reads ``VAULT_CACERT`` and friends once at import time and
ignores ``VAULT_NAMESPACE``, ``VAULT_SKIP_VERIFY`` and every ``BAO_*`` variable.

Profiles never hold a token. A profile may name the environment variable its token
comes from (``token_env``), so nothing secret is ever written to the profiles file.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vault_console.escaping import escape_controls

DEFAULT_ADDRESS = "https://127.0.0.1:8200"
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_CLIPBOARD_CLEAR_SECONDS = 30.0
"""A copied value is cleared from the clipboard after this long, unless set otherwise."""
CONFIG_ENV = "VAULT_CONSOLE_CONFIG"
"""Environment variable that points at another profiles file (tests use it)."""


class ConfigError(ValueError):
    """A setting is invalid; the message names the setting and the reason."""


class Token:
    """A Vault token that never shows itself in repr, str or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The token itself, for the one place that sends it: the transport."""
        return self._value

    def __repr__(self) -> str:
        return "Token(****)"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Profile:
    """One named connection in the profiles file."""

    name: str
    address: str | None = None
    """Vault or OpenBao address, like VAULT_ADDR."""
    addresses: tuple[str, ...] | None = None
    """Every node of one cluster, in the order to try: when one stops answering, the
    console moves to the next and says so (``address`` is then the first)."""
    namespace: str | None = None
    """Vault Enterprise / OpenBao namespace, like VAULT_NAMESPACE."""
    ca_cert: str | None = None
    """PEM file with the CA that signed the server certificate."""
    ca_path: str | None = None
    """Directory of PEM CA certificates."""
    client_cert: str | None = None
    """PEM client certificate for TLS client authentication."""
    client_key: str | None = None
    """PEM private key for the client certificate."""
    skip_verify: bool | None = None
    """Turn off TLS verification (shown as a warning that stays on screen)."""
    timeout: float | None = None
    """Seconds before a request is abandoned."""
    token_env: str | None = None
    """Name of the environment variable holding this profile's token."""
    read_only: bool = False
    """Refuse every request that could change the server."""
    values: bool = True
    """``values = false``: refuse every request that could return a secret value."""
    clipboard_clear: str | None = None
    """Seconds after which a copied value is cleared from the clipboard (``0``: never)."""
    auth: str | None = None
    """Log in with ``userpass``, ``approle``, ``aws`` (IAM) or ``oidc`` instead of a token."""
    auth_mount: str | None = None
    """Where that auth method is mounted (default: its name)."""
    username: str | None = None
    """userpass: the user."""
    role_id: str | None = None
    """approle: the role_id (not secret: it names the role)."""
    role: str | None = None
    """aws, oidc: the auth method's role to log in as (oidc: its default role if unset)."""
    secret_env: str | None = None
    """The variable holding the password (userpass) or secret_id (approle)."""
    secret_file: str | None = None
    """Or the file holding it."""
    aws_header_value: str | None = None
    """aws: the X-Vault-AWS-IAM-Server-ID header value the method requires, if any."""
    aws_region: str | None = None
    """aws: the STS region to sign for (default us-east-1)."""
    oidc_redirect: str | None = None
    """oidc: the callback the role allows (default ``http://localhost:8250/oidc/callback``,
    as ``vault login -method=oidc``); it must name this machine (localhost, 127.0.0.1)."""
    audit_log: str | None = None
    """Path of a file audit device's log, for the audit view."""
    audit_logs: tuple[tuple[str, str], ...] | None = None
    """A cluster's audit files, one per node (``[profiles.NAME.audit_logs]``, node name =
    path): the audit view merges them by time and names each request's node."""


LOGIN_METHODS = ("userpass", "approle", "aws", "oidc")

DEFAULT_OIDC_REDIRECT = "http://localhost:8250/oidc/callback"
"""The callback ``vault login -method=oidc`` uses, so a role set up for it works here."""


@dataclass(frozen=True)
class LoginSpec:
    """How a profile logs in. ``secret_env``/``secret_file`` hold the password (userpass)
    or the secret_id (approle); AWS IAM signs with boto3's own credential chain; OIDC
    needs no secret here (the user signs in in a browser). ``typed`` is what the user typed
    on the login screen, in memory only."""

    method: str
    mount: str
    name: str = ""
    """The username (userpass), the role_id (approle) or the role (aws)."""
    secret_env: str | None = None
    secret_file: str | None = None
    header_value: str | None = None
    """AWS: the ``X-Vault-AWS-IAM-Server-ID`` the auth method is configured to require."""
    region: str = "us-east-1"
    redirect_uri: str = DEFAULT_OIDC_REDIRECT
    typed: Token | None = None

    def secret(self, env: Mapping[str, str]) -> str:
        """The password or secret_id: typed, or from its file or variable; ConfigError
        naming it."""
        where = f"auth {self.method}"
        if self.typed is not None:
            return self.typed.reveal()
        if self.secret_file:
            try:
                text = Path(self.secret_file).expanduser().read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(
                    f"{where}: secret_file {self.secret_file!r}: {exc.strerror}"
                ) from None
            return text.strip()
        if self.secret_env:
            value = env.get(self.secret_env)
            if not value:
                raise ConfigError(f"{where}: the variable {self.secret_env} is not set")
            return value
        raise ConfigError(f"{where}: set secret_file or secret_env (never on the command line)")


def login_spec(profile: Profile) -> LoginSpec | None:
    """The login a profile asks for (``auth = ...``), or None; ConfigError naming the field."""
    method = profile.auth
    if method is None:
        return None
    where = f"profile {profile.name!r}"
    if method not in LOGIN_METHODS:
        raise ConfigError(f"{where}: auth {method!r} is not one of {', '.join(LOGIN_METHODS)}")
    name_field = {"userpass": "username", "approle": "role_id", "aws": "role", "oidc": "role"}
    name = str(getattr(profile, name_field[method]) or "")
    if not name and method != "oidc":
        raise ConfigError(f"{where}: auth = {method!r} needs {name_field[method]}")
    return LoginSpec(
        method=method,
        mount=profile.auth_mount or method,
        name=name,
        secret_env=profile.secret_env,
        secret_file=profile.secret_file,
        header_value=profile.aws_header_value,
        region=profile.aws_region or "us-east-1",
        redirect_uri=check_redirect(
            f"{where}: oidc_redirect", profile.oidc_redirect or DEFAULT_OIDC_REDIRECT
        ),
    )


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def check_redirect(source: str, uri: str) -> str:
    """An OIDC callback on this machine (``http://localhost:PORT/PATH``); ConfigError
    naming ``source`` otherwise: the code the provider sends there is a login."""
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or not port:
        raise ConfigError(
            f"{source}: {uri!r} is not http://localhost:PORT/PATH (the callback listens "
            "on this machine only)"
        )
    return uri


@dataclass(frozen=True)
class Settings:
    """Everything needed to connect; the token is wrapped so it cannot be printed."""

    address: str = DEFAULT_ADDRESS
    token: Token | None = field(default=None, compare=False)
    token_source: str = "none"
    """Where the token came from (a variable name or a file), for the status bar."""
    namespace: str | None = None
    ca_cert: str | None = None
    ca_path: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    skip_verify: bool = False
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    read_only: bool = False
    no_values: bool = False
    """Values are off: requests that could return one never leave the process."""
    clipboard_clear: float = DEFAULT_CLIPBOARD_CLEAR_SECONDS
    """A copied value is cleared from the clipboard after this many seconds (0: never)."""
    login: LoginSpec | None = None
    """How to get a token when the profile logs in (``auth = ...``); the token then comes
    from that login, in memory only."""
    profile: str | None = None
    audit_log: str | None = None
    audit_logs: tuple[tuple[str, str], ...] = ()
    """(node, path) per node of a cluster, from the profile; the audit view merges them."""
    addresses: tuple[str, ...] = ()
    """Other addresses of the same cluster (a profile's ``addresses`` after the first):
    the transport moves to the next when the current one does not answer."""
    first_address: str = ""
    """The profile's first listed address, kept when the console moves to another node:
    the address the wizard offers for the AI service's login snippet."""

    @property
    def namespace_path(self) -> str:
        """The namespace as paths are joined with it: ``team-a/prod``, '' for root."""
        return (self.namespace or "").strip("/")


# Environment names per setting, BAO_* first.
_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "address": ("BAO_ADDR", "VAULT_ADDR"),
    "namespace": ("BAO_NAMESPACE", "VAULT_NAMESPACE"),
    "ca_cert": ("BAO_CACERT", "VAULT_CACERT"),
    "ca_path": ("BAO_CAPATH", "VAULT_CAPATH"),
    "client_cert": ("BAO_CLIENT_CERT", "VAULT_CLIENT_CERT"),
    "client_key": ("BAO_CLIENT_KEY", "VAULT_CLIENT_KEY"),
    "skip_verify": ("BAO_SKIP_VERIFY", "VAULT_SKIP_VERIFY"),
    "timeout": ("BAO_CLIENT_TIMEOUT", "VAULT_CLIENT_TIMEOUT"),
}
_TOKEN_ENV = ("BAO_TOKEN", "VAULT_TOKEN")

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(h|ms|m|s))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_bool(name: str, text: str) -> bool:
    """Parse a boolean the way Go's strconv.ParseBool (and so the vault CLI) does."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name}: {text!r} is not a boolean (use true/false, 1/0, t/f)")


MAX_TIMEOUT_SECONDS = 86400.0
"""A day: longer is a typo, and far longer overflows the socket layer."""


def parse_timeout(name: str, text: str) -> float:
    """Parse seconds ("30") or a Go duration ("1m30s"), from 1 ms to a day."""
    text = text.strip()
    accepted = "use seconds like 30, or 30s, 2m, 1h; from 1ms to 24h"
    if len(text) > 32:
        raise ConfigError(f"{name}: {text[:32]!r}… is too long for a duration ({accepted})")
    try:
        seconds = float(text)
    except ValueError:
        if not _DURATION.match(text):
            raise ConfigError(f"{name}: {text!r} is not a duration ({accepted})") from None
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    if not math.isfinite(seconds) or not 0.001 <= seconds <= MAX_TIMEOUT_SECONDS:
        raise ConfigError(f"{name}: {text!r} is out of range ({accepted})")
    return seconds


def _check_address(name: str, text: str) -> str:
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        shown = escape_controls(text.strip()[:200])
        raise ConfigError(
            f"{name}: {shown!r} holds a space or a control character (a line break at its "
            "end?): an address has none"
        )
    reason = ""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that does not parse
    except ValueError as exc:
        reason = f" ({exc})"
        parts = None
    if parts is not None and "@" in parts.netloc:
        # The vault CLI ignores a user and password in the address; shown or logged, they
        # would leak: refused, and never echoed.
        bare = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
        raise ConfigError(
            f"{name}: an address with a user name or password in it is refused "
            f"({escape_controls(bare[:200])!r} without them); Vault takes a token "
            "(VAULT_TOKEN), not credentials in the address"
        )
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        shown = escape_controls(text[:200])
        raise ConfigError(f"{name}: {shown!r} is not an http:// or https:// address{reason}")
    return text.rstrip("/")


def check_namespace(source: str, namespace: str) -> str:
    """A namespace that can be sent in a header, or an error naming where it came from
    (the value itself is not echoed). Names outside ASCII are sent as UTF-8, as OpenBao
    and curl do."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F or 0x80 <= ord(c) <= 0x9F for c in namespace):
        raise ConfigError(
            f"{source}: the namespace holds a control character (a line break?); "
            "a namespace path is names separated by /"
        )
    return namespace.strip("/")


def _check_file(source: str, path: str, folder: bool = False) -> str:
    """A certificate, key or CA folder that exists, or an error naming the setting and
    the path (a missing client certificate looked like an unreachable server)."""
    found = Path(path).expanduser()
    if not (found.is_dir() if folder else found.is_file()):
        what = "folder" if folder else "file"
        raise ConfigError(
            f"{source}: {escape_controls(str(path))[:300]!r} is not a {what} that exists here"
        )
    return path


def _size(limit: int) -> str:
    """``64 KiB``, ``4 MiB``: a limit in words (its integer MiB would say 0 for 64 KiB)."""
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    return f"{limit // 1024} KiB"


def check_token(source: str, token: str) -> str:
    """A token that can be sent in an HTTP header, or an error naming where it came from.

    The message never holds the token: it only says what is wrong with it.
    """
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in token):
        raise ConfigError(f"{source}: the token holds a control character (a line break?)")
    if any(ord(c) > 0xFF for c in token):
        raise ConfigError(f"{source}: the token holds characters an HTTP header cannot carry")
    return token


def config_dir(env: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/vault-console`` (``~/.config/vault-console`` by default)."""
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vault-console"


def state_dir(env: Mapping[str, str]) -> Path:
    """``$XDG_STATE_HOME/vault-console`` (``~/.local/state/vault-console`` by default)."""
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "vault-console"


def profiles_path(env: Mapping[str, str]) -> Path:
    """The profiles file: ``$VAULT_CONSOLE_CONFIG`` or ``config.toml`` in the config dir."""
    override = env.get(CONFIG_ENV)
    return Path(override) if override else config_dir(env) / "config.toml"


_PROFILE_TYPES: dict[str, type | tuple[type, ...]] = {
    f.name: (bool if f.name in {"skip_verify", "read_only", "values"} else str)
    for f in fields(Profile)
    if f.name != "name"
}
_PROFILE_TYPES["timeout"] = (int, float, str)
_PROFILE_TYPES["clipboard_clear"] = (int, float, str)
_PROFILE_TYPES["addresses"] = list
_PROFILE_TYPES["audit_logs"] = dict


PROFILES_LIMIT = 4 * 1024 * 1024
"""The largest profiles file read (bytes); a larger one is refused, not read."""

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]*?)\s*\]")
_KEY = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


def _read_bounded(path: Path, limit: int) -> str:
    """A regular file's text, at most ``limit`` bytes; devices and FIFOs are refused
    before they are opened (reading one would never end, opening a FIFO can block)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: not a regular file")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ConfigError(f"{path}: larger than {_size(limit)}; not read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8 (byte {exc.start})") from None


class _LineIndex:
    """Where each table header and key stands in a TOML text, from one pass over it.

    Only for error messages: the names are compared as strings, never turned into regular
    expressions, so a key like ``"(a+)+$"`` is only text.
    """

    def __init__(self, text: str) -> None:
        self.headers: dict[tuple[str, ...], int] = {}
        self.keys: dict[tuple[tuple[str, ...], str], int] = {}
        section: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                section = tuple(part.strip().strip("\"'") for part in header[1].split("."))
                self.headers.setdefault(section, number)
                continue
            key = _KEY.match(line)
            if key:
                name = next(k for k in key.groups() if k is not None)
                self.keys.setdefault((section, name), number)
                if not section:
                    self.headers.setdefault((name,), number)

    def line(self, section: str, key: str | None = None) -> int:
        parts = tuple(section.split(".", 1)) if section.startswith("profiles.") else (section,)
        if key is not None and (parts, key) in self.keys:
            return self.keys[(parts, key)]
        if key is not None and parts == ("profiles",) and ("profiles", key) in self.headers:
            return self.headers[("profiles", key)]
        return self.headers.get(parts, 1)


def load_profiles(path: Path) -> dict[str, Profile]:
    """Read the profiles file; a missing file means no profiles.

    Every error names the file, the line and the reason.
    """
    try:
        text = _read_bounded(path, PROFILES_LIMIT)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    import tomllib  # only when there is a profiles file: a few ms off every start-up

    try:
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: {escape_controls(str(exc))[:300]}") from None
    index = _LineIndex(text)
    unknown_top = set(document) - {"profiles"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise ConfigError(
            f"{path}:{index.line(key)}: unknown setting {escape_controls(key)[:100]!r} "
            "(expected [profiles.NAME])"
        )
    profiles: dict[str, Profile] = {}
    raw_profiles = document.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError(f"{path}: 'profiles' must be a table of [profiles.NAME] sections")
    for name, raw in raw_profiles.items():
        section = f"profiles.{name}"
        if not isinstance(raw, dict):
            raise ConfigError(
                f"{path}:{index.line('profiles', name)}: profile {escape_controls(name)[:100]!r} "
                "must be a table"
            )
        values: dict[str, Any] = {}
        for key, value in raw.items():
            line = index.line(section, key)
            where = f"{path}:{line}: profile {escape_controls(name)[:100]!r}"
            expected = _PROFILE_TYPES.get(key)
            if expected is None:
                allowed = ", ".join(sorted(_PROFILE_TYPES))
                raise ConfigError(
                    f"{where}: unknown setting {escape_controls(key)[:100]!r} (known: {allowed})"
                )
            if not isinstance(value, expected) or (
                expected is not bool and isinstance(value, bool)
            ):
                kind = "true or false" if expected is bool else "a string"
                if key == "timeout":
                    kind = "seconds or a duration like '30s'"
                if key == "addresses":
                    kind = 'a list of addresses, like ["https://vault-1:8200", ...]'
                if key == "audit_logs":
                    kind = 'a table of node = "path", like { node1 = "/var/log/vault/audit.log" }'

                raise ConfigError(
                    f"{where}: {key} must be {kind}, not {escape_controls(repr(value))[:100]}"
                )
            try:
                if key == "address":
                    value = _check_address(key, str(value))
                elif key == "addresses":
                    value = _check_addresses(value)
                elif key == "audit_logs":
                    value = _check_audit_logs(value)
                elif key == "timeout":
                    value = parse_timeout(key, str(value))
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            values[key] = value
        profiles[name] = Profile(name=name, **values)
    return profiles


def check_address(source: str, value: str) -> str:
    """An address as every setting checks it (http or https, a host); ConfigError naming
    ``source`` otherwise."""
    return _check_address(source, value)


def _check_addresses(value: Any) -> tuple[str, ...]:
    """A profile's ``addresses``: one or more, each checked as ``address`` is."""
    items = list(value) if isinstance(value, list) else []
    if not items or not all(isinstance(a, str) for a in items):
        raise ConfigError("addresses: a list of one or more address strings")
    return tuple(_check_address(f"addresses[{i}]", a) for i, a in enumerate(items))


def _check_audit_logs(value: Any) -> tuple[tuple[str, str], ...]:
    """A profile's ``audit_logs``: one or more ``node = "path"``."""
    if not value:
        raise ConfigError('audit_logs: name one or more nodes, like node1 = "/var/log/audit.log"')
    checked = []
    for node, path in value.items():
        if not isinstance(path, str) or not path.strip():
            raise ConfigError(
                f"audit_logs.{escape_controls(node)[:100]}: the path of that node's audit file "
                f"(a string), not {escape_controls(repr(path))[:100]}"
            )
        if not node.strip() or escape_controls(node) != node:
            raise ConfigError(
                f"audit_logs: '{escape_controls(node)[:100]}' is not a node name "
                "(it is empty or holds a control character)"
            )
        checked.append((node, str(Path(path).expanduser())))
    return tuple(checked)


def _from_env(env: Mapping[str, str], setting: str) -> tuple[str, str] | None:
    for name in _ENV_NAMES[setting]:
        value = env.get(name)
        if value:
            return name, value
    return None


def _token_from(
    env: Mapping[str, str], profile: Profile | None, home: Path
) -> tuple[Token | None, str]:
    if profile and profile.token_env:
        value = env.get(profile.token_env)
        if value:
            return Token(check_token(profile.token_env, value.strip())), profile.token_env
    for name in _TOKEN_ENV:
        value = env.get(name)
        if value:
            return Token(check_token(name, value.strip())), name
    token_file = home / ".vault-token"
    try:
        value = _read_bounded(token_file, TOKEN_FILE_LIMIT).strip()
    except FileNotFoundError:
        return None, "none"
    except OSError as exc:
        return None, f"none: {token_file} was not read ({exc.strerror})"
    except ConfigError as exc:
        return None, f"none: {token_file} was ignored ({str(exc).partition(': ')[2]})"
    if not value:
        return None, "none"
    return Token(check_token(str(token_file), value)), str(token_file)


_CHECKED_FILES = ("ca_cert", "client_cert", "client_key", "ca_path")
"""Settings that name a file (or, ca_path, a folder): checked to exist at start-up."""

TOKEN_FILE_LIMIT = 64 * 1024
"""The largest ``~/.vault-token`` read: a token is a few hundred bytes at most."""


def resolve(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    profile_name: str | None = None,
    home: Path | None = None,
) -> Settings:
    """Resolve settings from flags, the selected profile, the environment and defaults."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = os.environ if env is None else env
    home = Path.home() if home is None else home

    profile: Profile | None = None
    if profile_name:
        path = profiles_path(env)
        profiles = load_profiles(path)
        if profile_name not in profiles:
            known = ", ".join(sorted(profiles)) or "none defined"
            raise ConfigError(f"profile: {profile_name!r} is not in {path} (profiles: {known})")
        profile = profiles[profile_name]

    values: dict[str, Any] = {}
    source: str
    for setting in _ENV_NAMES:
        if setting in flags:
            raw, source = flags[setting], f"--{setting.replace('_', '-')}"
        elif profile is not None and getattr(profile, setting) is not None:
            raw, source = getattr(profile, setting), f"profile {profile.name}: {setting}"
            if setting not in _CHECKED_FILES:
                values[setting] = raw
                continue
        elif (found := _from_env(env, setting)) is not None:
            source, raw = found
        else:
            continue
        if setting == "skip_verify":
            values[setting] = raw if isinstance(raw, bool) else parse_bool(source, str(raw))
        elif setting == "timeout":
            values[setting] = parse_timeout(source, str(raw))
        elif setting == "address":
            values[setting] = _check_address(source, str(raw))
        elif setting == "namespace":
            values[setting] = check_namespace(source, str(raw)) or None
        elif setting in _CHECKED_FILES:
            values[setting] = _check_file(source, str(raw), folder=setting == "ca_path")
        else:
            values[setting] = str(raw)

    login = login_spec(profile) if profile is not None else None
    if login is not None:
        token, token_source = None, f"login: {login.method} at auth/{login.mount}"
    else:
        token, token_source = _token_from(env, profile, home)
    read_only = bool(flags.get("read_only")) or bool(profile and profile.read_only)
    no_values = bool(flags.get("no_values")) or bool(profile and not profile.values)
    clipboard_clear = DEFAULT_CLIPBOARD_CLEAR_SECONDS
    if profile is not None and profile.clipboard_clear is not None:
        raw = str(profile.clipboard_clear).strip()
        clipboard_clear = (
            0.0
            if raw in {"0", "0s", "0.0"}
            else parse_timeout(f"profile {profile.name!r}: clipboard_clear", raw)
        )
    audit_log = flags.get("audit_log") or (profile.audit_log if profile else None)
    fallbacks: tuple[str, ...] = ()
    if profile is not None and profile.addresses and "address" not in flags:
        # The profile's nodes of one cluster: the first (or ``address``) is used, the others
        # are where the transport goes when it stops answering.
        values["address"] = values.get("address") if profile.address else profile.addresses[0]
        fallbacks = tuple(a for a in profile.addresses if a != values["address"])
    return Settings(
        token=token,
        token_source=token_source,
        read_only=read_only,
        no_values=no_values,
        clipboard_clear=clipboard_clear,
        login=login,
        profile=profile.name if profile else None,
        audit_log=audit_log,
        audit_logs=(profile.audit_logs or ()) if profile and "audit_log" not in flags else (),
        addresses=fallbacks,
        first_address=profile.addresses[0] if profile and profile.addresses else "",
        **values,
    )


def with_token(settings: Settings, token: str) -> Settings:
    """A copy of ``settings`` that uses ``token`` (the demo server's, say)."""
    return replace(settings, token=Token(token), token_source="demo server")


def store_token(home: Path, token: Token) -> Path:
    """Write ``~/.vault-token`` as ``vault login`` does, only when the user asks for it:
    owner-only (0600) from the first byte, and replaced whole, so a reader never sees half
    a token and a file that other users could read is not reused."""
    path = home / ".vault-token"
    fd, temporary = tempfile.mkstemp(prefix=".vault-token.", dir=home)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(token.reveal())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path
