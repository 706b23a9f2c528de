"""What the Vault layer returns and raises: plain data, with no HTTP client behind it.

Kept apart from ``client``, ``kv`` and ``transport`` so that the UI can import these types
without loading hvac, requests and urllib3, which the console imports only when its first
request is made (after the first frame is drawn).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vault_console.value_kinds import labels


@dataclass(frozen=True)
class SecretVersion:
    """One read of a secret; ``data`` is None when that version is deleted or destroyed."""

    path: str
    version: int | None
    """None on KV v1, which has no versions."""
    data: dict[str, Any] | None = field(repr=False)
    created_time: str = ""
    deletion_time: str = ""
    destroyed: bool = False
    subkeys: dict[str, Any] | None = None
    """The keys and their nesting without values (KV v2 ``subkeys``; a leaf is None):
    set when the version was opened without fetching its values (``data`` is None)."""

    @property
    def values_fetched(self) -> bool:
        return self.data is not None

    @property
    def state(self) -> str:
        """``active``, ``deleted`` (soft, can be undeleted) or ``destroyed`` (gone)."""
        if self.destroyed:
            return "destroyed"
        return "deleted" if self.deletion_time else "active"


@dataclass(frozen=True)
class VersionInfo:
    version: int
    created_time: str
    deletion_time: str
    destroyed: bool

    @property
    def state(self) -> str:
        if self.destroyed:
            return "destroyed"
        return "deleted" if self.deletion_time else "active"


@dataclass(frozen=True)
class SecretMetadata:
    """KV v2 metadata of one secret."""

    path: str
    current_version: int
    oldest_version: int
    created_time: str
    updated_time: str
    max_versions: int
    cas_required: bool
    custom_metadata: dict[str, str]
    versions: tuple[VersionInfo, ...]


@dataclass(frozen=True)
class KeyChange:
    """How one key differs between two versions (never carries the values)."""

    key: str
    status: str
    """"added", "removed", "changed" or "same"."""
    old_label: str = ""
    """What the old value is, never what it holds (``value_kinds.label``)."""
    new_label: str = ""
    old_fingerprint: str = ""
    """The audit log's HMAC of the old value (``hmac-sha256:…``), when one was asked for."""
    new_fingerprint: str = ""


def diff_versions(old: dict[str, Any], new: dict[str, Any]) -> list[KeyChange]:
    """Per-key changes from ``old`` to ``new``, sorted by key."""
    # Without the public prefix: the diff's two columns must fit beside the keys.
    old_labels, new_labels = labels(old, prefix=False), labels(new, prefix=False)
    changes = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            status = "added"
        elif key not in new:
            status = "removed"
        else:
            status = "same" if old[key] == new[key] else "changed"
        changes.append(KeyChange(key, status, old_labels.get(key, ""), new_labels.get(key, "")))
    return changes


@dataclass(frozen=True)
class ServerStatus:
    """What ``sys/health`` says, and which server it is."""

    kind: str
    """"OpenBao", "Vault" or "Vault-compatible" when it cannot tell."""
    version: str
    initialized: bool
    sealed: bool
    standby: bool
    cluster_name: str
    leader: str | None = None
    """A standby's view of the active node (``sys/leader``): its address, '' when HA is on
    and it names none (an election), None when not asked or not HA."""


@dataclass(frozen=True)
class TokenInfo:
    """The current token as ``auth/token/lookup-self`` describes it (never the token)."""

    display_name: str
    policies: tuple[str, ...]
    ttl: int
    """Seconds left; 0 means the token never expires."""
    renewable: bool
    expire_time: str | None
    looked_up_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    namespace: str | None = None
    """The namespace the token belongs to (``namespace_path``, ``team-a``; '' root), None
    when the server does not say (no namespaces)."""

    def seconds_left(self, now: datetime | None = None) -> int | None:
        """Seconds left now, or None for a token that does not expire."""
        if self.ttl == 0:
            return None
        elapsed = ((now or datetime.now(UTC)) - self.looked_up_at).total_seconds()
        return max(0, int(self.ttl - elapsed))


@dataclass(frozen=True)
class MountInfo:
    """One secrets engine or auth method."""

    path: str
    category: str
    """"secret" or "auth"."""
    type: str
    description: str
    accessor: str
    plugin_version: str
    options: dict[str, str]
    default_lease_ttl: int
    max_lease_ttl: int

    @property
    def kv_version(self) -> int | None:
        """1 or 2 for a KV engine, None for anything else."""
        if self.category != "secret" or self.type not in {"kv", "generic"}:
            return None
        return 2 if self.options.get("version") == "2" else 1


@dataclass(frozen=True)
class ShownSecret:
    """What the panel shows: where it lives, one version, and metadata on KV v2."""

    mount: str
    kv_version: int
    secret: SecretVersion
    metadata: SecretMetadata | None
    note: str = ""
    """How it was read, when that is not the usual way (subkeys refused: values read)."""
    denied: dict[str, str] = field(default_factory=dict)
    """The secret actions this token may not take here, each with the reason."""

    @property
    def full_path(self) -> str:
        return f"{self.mount}/{self.secret.path}"
