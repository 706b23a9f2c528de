"""One mapping from every failure the console meets to a message a person can act on.

The bottom of the house: it imports only ``config``. The failures the layers above raise
on purpose (a refused check-and-set, a read-only refusal, a redirect not followed) are
defined here, so that this table knows them without importing the layers that raise them.
Code that must react to one kind of failure branches on ``ConsoleError.kind``, never on
its title (a title is words for people and may change).
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vault_console.config import ConfigError

if TYPE_CHECKING:
    import hvac.exceptions


class ErrorKind(enum.Enum):
    """What went wrong, for code to branch on."""

    FORBIDDEN = "forbidden"
    """403: the token's policies do not allow the request."""
    BAD_TOKEN = "bad-token"
    """401, or a token the server does not know (expired, revoked)."""
    NO_TOKEN = "no-token"
    SEALED = "sealed"
    NOT_FOUND = "not-found"
    REFUSED = "refused"
    """400: the server refused the request as it was sent."""
    SERVER_ERROR = "server-error"
    """500: the server failed (every request does while an audit device cannot be written)."""
    VAULT = "vault"
    """Any other answer of the server that is an error."""
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    TLS = "tls"
    CONFLICT = "conflict"
    """Someone saved a newer version first (check-and-set), or the secret changed."""
    BAD_SETTING = "bad-setting"
    READ_ONLY = "read-only"
    VALUES_OFF = "values-off"
    REDIRECT = "redirect"
    NO_LEADER = "no-leader"
    """A standby knows no active node: an election, or too few nodes for one."""
    ENGINE_MISSING = "engine-missing"
    """The Pulumi CLI or a provider plugin is not installed: nothing can run offline."""
    ENGINE = "engine"
    """The engine failed (a lock, a passphrase, a changed server, ...)."""
    CANCELLED = "cancelled"
    AWS = "aws"
    UNEXPECTED = "unexpected"
    """A failure nothing here knows: its type name is shown."""


@dataclass(frozen=True)
class ConsoleError(Exception):
    """A failure described for the operator: a short title and what to do."""

    message: str
    title: str = "Error"
    retryable: bool = True
    kind: ErrorKind = ErrorKind.UNEXPECTED

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


def _origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL: the node, without the request's path."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.split('/', 1)[0]}" if sep else url


class CrossHostRedirect(Exception):
    """The server redirected to another host, or in a way that could hide one; the token
    is not sent there."""

    def __init__(self, origin: str, target: str, reason: str = "") -> None:
        if reason:
            text = (
                f"{origin} sent a redirect the console does not follow: {reason}. "
                "Nothing was sent there."
            )
        else:
            node = _origin_of(target)
            text = (
                f"{origin} passed this request on to {node} (a standby hands writes to the "
                "node it believes is active). The console never sends the token to an "
                "address a server names, so nothing was sent there and nothing was written. "
                f"If {node} is down, no active node is reachable right now and an election "
                "is probably under way: retry in a few seconds. If it is this cluster's "
                "active node, point the address at it (or at the cluster's address)."
            )
        super().__init__(text)
        self.target = target
        self.reason = reason


class ChangedSinceOpened(Exception):
    """A KV v1 secret changed between opening it and saving an edit; nothing was written."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} changed since it was opened; nothing was written")
        self.path = path


class CasConflict(Exception):
    """A check-and-set write was refused: someone saved a newer version first."""

    def __init__(self, path: str, expected: int) -> None:
        super().__init__(f"{path} changed since version {expected} was loaded; nothing was written")
        self.path = path
        self.expected = expected


class ValuesOff(PermissionError):
    """A request that could return a secret value was refused: values are off."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(
            f"{method} {path} was not sent: values are off in this session (--no-values), "
            "and this request could return one. Keys, versions and metadata still work."
        )
        self.method = method
        self.path = path


class ReadOnlyViolation(PermissionError):
    """A request that could change the server was refused in read-only mode."""

    def __init__(self, method: str, path: str, why: str = "") -> None:
        super().__init__(
            f"{method} {path} was not sent: the console is in read-only mode, which only "
            "lets reads leave this process" + (f" ({why})." if why else ".")
        )
        self.method = method
        self.path = path


def _vault_errors(exc: hvac.exceptions.VaultError) -> str:
    """The server's own words, or "" when it gave none (a 404 body is {"errors":[]})."""
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors)
    text = str(exc).split(", on ")[0].strip()
    try:
        body = json.loads(text)
    except ValueError:
        return text
    found = body.get("errors") if isinstance(body, dict) else None
    return "; ".join(str(e) for e in found) if isinstance(found, list) else text


def _in_parentheses(detail: str) -> str:
    return f" ({detail})" if detail else ""


def kind_of(exc: BaseException) -> ErrorKind:
    """The kind of any failure (see ``describe``)."""
    return describe(exc).kind


def is_forbidden(exc: BaseException) -> bool:
    """A 403 from the server: the token's policies do not allow the request."""
    return kind_of(exc) is ErrorKind.FORBIDDEN


def is_not_found(exc: BaseException) -> bool:
    """A 404 from the server: nothing at that path."""
    return kind_of(exc) is ErrorKind.NOT_FOUND


LOGIN_HINT = (
    "Set VAULT_TOKEN (or BAO_TOKEN), log in with `vault login` / `bao login` "
    "(~/.vault-token), or name the variable that holds it with token_env in a profile."
)


def invalid_token_error() -> ConsoleError:
    """A 403 on ``auth/token/lookup-self``: the token is unknown to the server or expired."""
    return ConsoleError(
        "The server does not accept this token (403 on auth/token/lookup-self): it is "
        f"invalid or expired. {LOGIN_HINT}",
        "Invalid or expired token",
        retryable=False,
        kind=ErrorKind.BAD_TOKEN,
    )


def no_token_error(source: str = "none") -> ConsoleError:
    """A 403 while no token is configured at all; ``source`` says why when a token file
    was there but not used (``none: ~/.vault-token was ignored (larger than 64 KiB)``)."""
    why = f" ({source.removeprefix('none: ')})" if source.startswith("none: ") else ""
    return ConsoleError(
        f"No token is set{why}, so the server refuses this. {LOGIN_HINT}",
        "No token",
        retryable=False,
        kind=ErrorKind.NO_TOKEN,
    )


_CAUSES = (
    ("Connection refused", "connection refused"),
    ("Name or service not known", "name not resolved"),
    ("Temporary failure in name resolution", "name not resolved"),
    ("No address associated with hostname", "name not resolved"),
    ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed"),
    ("Network is unreachable", "network unreachable"),
    ("Connection reset", "connection reset"),
)
_TIMEOUT = re.compile(r"timeout=([\d.]+)")


def _where(exc: BaseException) -> str:
    """The address urllib3 was connecting to, from the error itself."""
    conn = getattr(exc, "conn", None) or getattr(exc, "pool", None)
    host, port = getattr(conn, "host", None), getattr(conn, "port", None)
    if not host:
        return "the server"
    scheme = getattr(conn, "scheme", None) or (
        "https" if "HTTPS" in type(conn).__name__ else "http"
    )
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def _cause(exc: BaseException) -> str:
    """The underlying cause in words (``: connection refused``), or ''."""
    text = f"{exc} {getattr(exc, 'reason', '')}"
    for needle, said in _CAUSES:
        if needle in text:
            return f": {said}"
    seconds = _TIMEOUT.search(text)
    if seconds:
        shown = f"{float(seconds[1]):.1f}".rstrip("0").rstrip(".")  # urllib3 gives 0.499882
        return f": timed out after {shown} s"
    return ""


NO_LEADER_WORDS = ("active cluster node not found", "local node not active")
"""What a standby answers while it knows no active node (an election, a lost quorum)."""


def no_active_node() -> ConsoleError:
    return ConsoleError(
        "This node is a standby and no active node is reachable from it right now: an "
        "election is probably under way (or too few nodes are up to hold one). Nothing was "
        "written. Retry in a few seconds; the Cluster view (Review, C) shows the nodes.",
        "No active node",
        True,
        ErrorKind.NO_LEADER,
    )


def describe(exc: BaseException) -> ConsoleError:
    """Turn any exception into a ConsoleError; unknown ones keep their type name."""
    if isinstance(exc, ConsoleError):
        return exc
    if any(words in str(exc) for words in NO_LEADER_WORDS):
        return no_active_node()
    for types, kind, title, retryable, words in _table():
        if isinstance(exc, types):
            return ConsoleError(words(exc), title, retryable, kind)
    return ConsoleError(
        f"{type(exc).__name__}: {exc}", "Unexpected error", True, ErrorKind.UNEXPECTED
    )


_Row = tuple[
    type[BaseException] | tuple[type[BaseException], ...],
    ErrorKind,
    str,
    bool,
    Callable[[BaseException], str],
]


def _unreachable(exc: BaseException) -> str:
    return (
        f"Cannot reach {_where(exc)}{_cause(exc)}. Check the address and that the server is "
        "running."
    )


@functools.cache
def _table() -> list[_Row]:
    """The table, first match wins: exception types, kind, title, retryable, the words.

    Built on the first failure, not at import: hvac's and urllib3's exception types load
    with the HTTP stack, which the console imports with its first request (see vault.model).
    A retryable failure gets a Retry button; the others get the same answer again.
    """
    import hvac.exceptions as hv
    import urllib3.exceptions as u3

    return [
        (
            (CasConflict, ChangedSinceOpened),
            ErrorKind.CONFLICT,
            "Changed by someone else",
            False,
            str,
        ),
        (ConfigError, ErrorKind.BAD_SETTING, "Bad setting", False, str),
        (ReadOnlyViolation, ErrorKind.READ_ONLY, "Read-only mode", False, str),
        (ValuesOff, ErrorKind.VALUES_OFF, "Values are off", False, str),
        (CrossHostRedirect, ErrorKind.REDIRECT, "Redirected to another host", True, str),
        (
            hv.Forbidden,
            ErrorKind.FORBIDDEN,
            "Permission denied",
            False,
            lambda e: f"The token's policies do not allow this{_in_parentheses(_vault_errors(e))}.",
        ),
        (
            hv.Unauthorized,
            ErrorKind.BAD_TOKEN,
            "Bad token",
            False,
            lambda e: (
                f"The token was refused{_in_parentheses(_vault_errors(e))}. "
                "Set VAULT_TOKEN or log in again."
            ),
        ),
        (
            hv.VaultDown,
            ErrorKind.SEALED,
            "Vault is sealed",
            True,
            lambda e: (
                "This node is sealed or unavailable (503). In a cluster the other nodes may "
                "still serve: point the address at one of them (or at the cluster's "
                "address), or unseal this node, then retry."
            ),
        ),
        (
            hv.InvalidPath,
            ErrorKind.NOT_FOUND,
            "Not found",
            False,
            lambda e: f"Nothing at that path{_in_parentheses(_vault_errors(e))}.",
        ),
        (
            hv.InvalidRequest,
            ErrorKind.REFUSED,
            "Request refused",
            False,
            lambda e: _vault_errors(e) or type(e).__name__,
        ),
        (
            hv.InternalServerError,
            ErrorKind.SERVER_ERROR,
            "Vault error",
            True,
            lambda e: _vault_errors(e) or type(e).__name__,
        ),
        (
            hv.VaultError,
            ErrorKind.VAULT,
            "Vault error",
            True,
            lambda e: _vault_errors(e) or type(e).__name__,
        ),
        # Before timeouts: urllib3 2 makes NewConnectionError a ConnectTimeoutError.
        (
            (u3.NewConnectionError, ConnectionError),
            ErrorKind.UNREACHABLE,
            "Unreachable",
            True,
            _unreachable,
        ),
        (
            u3.TimeoutError,
            ErrorKind.TIMEOUT,
            "Timed out",
            True,
            lambda e: f"{_where(e)} did not answer{_cause(e)}.",
        ),
        (
            u3.SSLError,
            ErrorKind.TLS,
            "TLS error",
            True,
            lambda e: (
                f"TLS with {_where(e)} failed{_cause(e) or f' ({e})'}. Check "
                "VAULT_CACERT, or the address's scheme."
            ),
        ),
        (u3.HTTPError, ErrorKind.UNREACHABLE, "Unreachable", True, _unreachable),
    ]
