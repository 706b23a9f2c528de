"""One mapping from every failure the console meets to a message a person can act on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vault_console.config import ConfigError
from vault_console.vault.model import CasConflict, CrossHostRedirect
from vault_console.vault.readonly import ReadOnlyViolation

if TYPE_CHECKING:
    import hvac.exceptions


@dataclass(frozen=True)
class ConsoleError(Exception):
    """A failure described for the operator: a short title and what to do."""

    message: str
    title: str = "Error"
    retryable: bool = True

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


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


def is_forbidden(exc: BaseException) -> bool:
    """A 403 from the server: the token's policies do not allow the request."""
    import hvac.exceptions

    return isinstance(exc, hvac.exceptions.Forbidden)


def is_not_found(exc: BaseException) -> bool:
    """A 404 from the server: nothing at that path."""
    import hvac.exceptions

    return isinstance(exc, hvac.exceptions.InvalidPath)


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
    )


def no_token_error(source: str = "none") -> ConsoleError:
    """A 403 while no token is configured at all; ``source`` says why when a token file
    was there but not used (``none: ~/.vault-token was ignored (larger than 64 KiB)``)."""
    why = f" ({source.removeprefix('none: ')})" if source.startswith("none: ") else ""
    return ConsoleError(
        f"No token is set{why}, so the server refuses this. {LOGIN_HINT}",
        "No token",
        retryable=False,
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


def describe(exc: BaseException) -> ConsoleError:
    """Turn any exception into a ConsoleError; unknown ones keep their type name."""
    if isinstance(exc, ConsoleError):
        return exc
    if isinstance(exc, CasConflict):
        return ConsoleError(str(exc), "Changed by someone else", retryable=False)
    if isinstance(exc, ConfigError):
        return ConsoleError(str(exc), "Bad setting", retryable=False)
    if isinstance(exc, ReadOnlyViolation):
        return ConsoleError(str(exc), "Read-only mode", retryable=False)
    if isinstance(exc, CrossHostRedirect):
        return ConsoleError(str(exc), "Redirected to another host", retryable=False)
    # The HTTP stack loads with the first request (see vault.model), so not at import here.
    import hvac.exceptions
    import urllib3.exceptions

    if isinstance(exc, hvac.exceptions.Forbidden):
        return ConsoleError(
            f"The token's policies do not allow this{_in_parentheses(_vault_errors(exc))}.",
            "Permission denied",
            retryable=False,  # the same request gets the same answer
        )
    if isinstance(exc, hvac.exceptions.Unauthorized):
        return ConsoleError(
            f"The token was refused{_in_parentheses(_vault_errors(exc))}. "
            "Set VAULT_TOKEN or log in again.",
            "Bad token",
            retryable=False,
        )
    if isinstance(exc, hvac.exceptions.VaultDown):
        return ConsoleError(
            "The server is sealed or unavailable (503). Unseal it, then retry.", "Vault is sealed"
        )
    if isinstance(exc, hvac.exceptions.InvalidPath):
        return ConsoleError(
            f"Nothing at that path{_in_parentheses(_vault_errors(exc))}.",
            "Not found",
            retryable=False,
        )
    if isinstance(exc, hvac.exceptions.InvalidRequest):
        return ConsoleError(
            _vault_errors(exc) or type(exc).__name__, "Request refused", retryable=False
        )
    if isinstance(exc, hvac.exceptions.VaultError):
        return ConsoleError(_vault_errors(exc) or type(exc).__name__, "Vault error")
    if isinstance(exc, urllib3.exceptions.NewConnectionError | ConnectionError):
        # Checked before timeouts: urllib3 2 makes NewConnectionError a ConnectTimeoutError.
        return ConsoleError(
            f"Cannot reach {_where(exc)}{_cause(exc)}. Check the address and that the "
            "server is running.",
            "Unreachable",
        )
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return ConsoleError(f"{_where(exc)} did not answer{_cause(exc)}.", "Timed out")
    if isinstance(exc, urllib3.exceptions.SSLError):
        return ConsoleError(
            f"TLS with {_where(exc)} failed{_cause(exc) or f' ({exc})'}. Check VAULT_CACERT, "
            "or the address's scheme.",
            "TLS error",
        )
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return ConsoleError(
            f"Cannot reach {_where(exc)}{_cause(exc)}. Check the address and that the "
            "server is running.",
            "Unreachable",
        )
    return ConsoleError(f"{type(exc).__name__}: {exc}", "Unexpected error")
