"""Open a secret the way the browser shows it: keys, versions and metadata, no value
(see ``read_secret``), and what the token may not do on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vault_console.errors import ErrorKind, is_forbidden, kind_of
from vault_console.vault.model import ShownSecret

if TYPE_CHECKING:  # the KV layer loads hvac: the console imports it with its first request
    from vault_console.vault.kv import KvStore


def read_secret(
    kv: KvStore,
    path: str,
    version: int | None,
    capabilities: Callable[[list[str]], dict[str, list[str]]] | None = None,
) -> ShownSecret:
    """A secret as it opens: on KV v2 its keys, versions and metadata, no value (the
    values are fetched for reveal, copy, edit, JSON, fingerprint or compare, and dropped
    on hide); where ``subkeys`` is refused or missing, the values are read, and said so.
    KV v1 has no subkeys: its values are read."""
    if kv.version == 1:
        return ShownSecret(kv.mount, 1, kv.read(path, version), None)
    note = ""
    try:
        secret = kv.structure(path, version)
    except Exception as exc:
        if kind_of(exc) not in (ErrorKind.FORBIDDEN, ErrorKind.NOT_FOUND, ErrorKind.REFUSED):
            raise
        secret = kv.read(path, version)  # a 404 here is a secret that is not there
        why = "refused to this token" if is_forbidden(exc) else "not offered by this server"
        note = f"subkeys {why}: the values were read to show the keys"
    try:
        metadata = kv.metadata(path)
    except Exception as exc:
        if not is_forbidden(exc):
            raise
        metadata = None  # a token may read data or subkeys without reading metadata
    denied = denied_actions(kv, path, capabilities) if capabilities else {}
    return ShownSecret(kv.mount, kv.version, secret, metadata, note, denied)


def denied_actions(
    kv: KvStore, path: str, capabilities: Callable[[list[str]], dict[str, list[str]]]
) -> dict[str, str]:
    """What this token may not do on the secret (one sys/capabilities-self call, a read);
    none when the server will not say, and each action then says so when tried. A standby
    hands that POST to the active node: while none is reachable (an election), the secret
    still opens from the standby's own copy."""
    try:
        return kv.denied_actions(path, capabilities)
    except Exception as exc:
        if kind_of(exc) in (
            ErrorKind.FORBIDDEN,
            ErrorKind.REFUSED,
            ErrorKind.NOT_FOUND,
            ErrorKind.REDIRECT,
            ErrorKind.NO_LEADER,
        ):
            return {}
        raise
