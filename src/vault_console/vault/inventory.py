"""An inventory of KV secrets without their values: for ``vault-console ls`` and ``show``.

Paths, keys and their nesting (``subkeys``), versions, metadata and age come from requests
that return no value. Labels and fingerprints need the value: only when asked for
(``values=True``) is it read, in this process, and only the label (``OpenAI project
key (sk-proj-…) · 164 chars``) and the audit log's HMAC are kept; never the value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vault_console.errors import ErrorKind, kind_of
from vault_console.value_kinds import labels
from vault_console.vault.client import VaultGateway
from vault_console.vault.fingerprints import fingerprints_or_why
from vault_console.vault.model import MountInfo


class NotFound(LookupError):
    """Nothing at that path (``ls`` and ``show`` exit 3)."""


def _split(gateway: VaultGateway, path: str) -> tuple[MountInfo, str]:
    """The KV mount ``path`` is in (longest match), and the rest of the path."""
    full = path.strip("/") + "/"
    mounts = [m for m in gateway.mounts() if m.kv_version is not None and full.startswith(m.path)]
    if not mounts:
        raise NotFound(f"{path!r} is in no KV mount this token can see")
    mount = max(mounts, key=lambda m: len(m.path))
    return mount, full[len(mount.path) :].rstrip("/")


def list_path(gateway: VaultGateway, path: str = "") -> dict[str, Any]:
    """The KV mounts (no path), or a folder's entries: ``{"path", "entries": [...]}``."""
    if not path.strip("/"):
        entries = [
            {"name": m.path, "kind": "mount", "kv_version": m.kv_version}
            for m in gateway.mounts()
            if m.kv_version is not None
        ]
        return {"path": "", "entries": entries}
    mount, rest = _split(gateway, path)
    folder = rest + "/" if rest else ""
    names = gateway.kv(mount).list_folder(folder)
    if not names:
        raise NotFound(f"{path!r} lists nothing (no such folder, or it is empty)")
    entries = [
        {
            "name": name,
            "kind": "folder" if name.endswith("/") else "secret",
            "path": f"{mount.path}{folder}{name}",
        }
        for name in names
    ]
    return {"path": f"{mount.path}{folder}", "entries": entries}


def _age_days(updated: str, now: datetime) -> int | None:
    """Whole days since an RFC 3339 time (Vault gives nanoseconds, which Python does not
    parse: the seconds are enough)."""
    try:
        stamp = datetime.strptime(updated[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return (now - stamp).days


def describe(
    gateway: VaultGateway, path: str, *, values: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """A secret without its value: keys, versions, metadata, age; with ``values``, each
    key's label and fingerprint (the value is read here and dropped)."""
    mount, rest = _split(gateway, path)
    if not rest:
        raise NotFound(f"{path!r} is a mount, not a secret (ls lists it)")
    kv = gateway.kv(mount)
    found: dict[str, Any] = {
        "path": f"{mount.path}{rest}",
        "mount": mount.path,
        "kv_version": kv.version,
    }
    try:
        if kv.version == 2:
            structure = kv.structure(rest)
            found.update(version=structure.version, state=structure.state)
            found["keys"] = structure.subkeys
            found["created_time"] = structure.created_time
        else:
            # KV v1 has no subkeys: the keys come from a read, the values are dropped.
            found["keys"] = dict.fromkeys(kv.read(rest).data or {})
    except Exception as exc:
        if kind_of(exc) is ErrorKind.NOT_FOUND:
            raise NotFound(f"no secret at {path!r}") from None
        raise
    if kv.version == 2:
        try:
            meta = kv.metadata(rest)
        except Exception as exc:
            if kind_of(exc) is not ErrorKind.FORBIDDEN:
                raise
            found["metadata"] = "refused to this token"
        else:
            found["versions"] = [
                {"version": v.version, "created_time": v.created_time, "state": v.state}
                for v in meta.versions
            ]
            found["current_version"] = meta.current_version
            found["updated_time"] = meta.updated_time
            found["custom_metadata"] = meta.custom_metadata
            found["age_days"] = _age_days(meta.updated_time, now or datetime.now(UTC))
    if values:
        data = kv.read(rest).data or {}
        found["labels"] = labels(data)
        prints, why = fingerprints_or_why(gateway, list(data.values()))
        found["fingerprints"] = dict(zip(data, prints, strict=True)) if prints is not None else why
        del data
    return found
