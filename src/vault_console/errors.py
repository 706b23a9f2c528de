"""One mapping from every failure the console meets to a message a person can act on."""

from __future__ import annotations

import json
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


def describe(exc: BaseException) -> ConsoleError:
    """Turn any exception into a ConsoleError; unknown ones keep their type name."""
    if isinstance(exc, ConsoleError):
        return exc
    if isinstance(exc, CasConflict):
        return ConsoleError(str(exc), "Changed by someone else")
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
        )
    if isinstance(exc, hvac.exceptions.Unauthorized):
        return ConsoleError(
            f"The token was refused{_in_parentheses(_vault_errors(exc))}. "
            "Set VAULT_TOKEN or log in again.",
            "Bad token",
        )
    if isinstance(exc, hvac.exceptions.VaultDown):
        return ConsoleError(
            "The server is sealed or unavailable (503). Unseal it, then retry.", "Vault is sealed"
        )
    if isinstance(exc, hvac.exceptions.InvalidPath):
        return ConsoleError(
            f"Nothing at that path{_in_parentheses(_vault_errors(exc))}.", "Not found"
        )
    if isinstance(exc, hvac.exceptions.InvalidRequest):
        return ConsoleError(_vault_errors(exc) or type(exc).__name__, "Request refused")
    if isinstance(exc, hvac.exceptions.VaultError):
        return ConsoleError(_vault_errors(exc) or type(exc).__name__, "Vault error")
    if isinstance(exc, urllib3.exceptions.NewConnectionError | ConnectionError):
        # Checked before timeouts: urllib3 2 makes NewConnectionError a ConnectTimeoutError.
        return ConsoleError(
            "Cannot reach the server. Check the address and that the server is running.",
            "Unreachable",
        )
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return ConsoleError("The server did not answer in time.", "Timed out")
    if isinstance(exc, urllib3.exceptions.SSLError):
        return ConsoleError(
            f"TLS failed: {exc}. Check VAULT_CACERT, or the address's scheme.", "TLS error"
        )
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return ConsoleError(
            "Cannot reach the server. Check the address and that the server is running.",
            "Unreachable",
        )
    return ConsoleError(f"{type(exc).__name__}: {exc}", "Unexpected error")
