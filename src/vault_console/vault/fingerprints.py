"""Fingerprints of values as the audit log records them: the server's own HMAC.

Never a local hash: an unsalted hash of a short value can be reversed by guessing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vault_console.errors import ErrorKind, is_forbidden, kind_of
from vault_console.vault.model import KeyChange

if TYPE_CHECKING:  # the gateway loads the HTTP stack: imported with the first request
    from vault_console.vault.client import VaultGateway


def short_fingerprint(fingerprint: str) -> str:
    """``hmac-sha256:ab12cd34…``: enough to tell two apart; ``f`` gives the whole one."""
    kind, _, digest = fingerprint.partition(":")
    return f"{kind}:{digest[:8]}…" if digest else fingerprint


def with_fingerprints(
    gateway: VaultGateway, changes: list[KeyChange], old: dict[str, Any], new: dict[str, Any]
) -> tuple[list[KeyChange], str]:
    """The changed keys with the audit log's fingerprint of each side, and a note when
    there are none (no audit device, or a token that may not list them). In a worker."""
    changed = [c for c in changes if c.status == "changed"]
    if not changed:
        return changes, ""
    try:
        found = gateway.fingerprints([old[c.key] for c in changed] + [new[c.key] for c in changed])
    except Exception as exc:
        if not is_forbidden(exc):
            raise
        return changes, "No fingerprints: this token may not list audit devices (sys/audit)."
    if found is None:
        return changes, (
            "No fingerprints: the server has no audit device to compute them with (a local "
            "hash is never shown: it would leak short values)."
        )
    olds, news = found[: len(changed)], found[len(changed) :]
    prints = {
        c.key: (short_fingerprint(o), short_fingerprint(n))
        for c, o, n in zip(changed, olds, news, strict=True)
    }
    return [
        replace(c, old_fingerprint=prints[c.key][0], new_fingerprint=prints[c.key][1])
        if c.key in prints
        else c
        for c in changes
    ], ""


def value_changes(
    gateway: VaultGateway, mount: str, planned: dict[str, dict[str, str]]
) -> tuple[list[str], str]:
    """For secrets about to be written: each key whose value changes, as
    ``path key: hmac-sha256:ab12cd34… → 9f3e0a1b…`` (the old from the server, the new before
    it is applied), and a note when there are no fingerprints. Never a value. In a worker."""
    pairs: list[tuple[str, str, str, str]] = []
    for path, data in sorted(planned.items()):
        try:
            current = gateway.kv(mount, 2).read(path).data or {}
        except Exception as exc:
            if is_forbidden(exc):
                return [], "No fingerprints: this token may not read the secrets being replaced."
            if kind_of(exc) is ErrorKind.VALUES_OFF:
                return [], "No fingerprints: values are off in this session."
            if kind_of(exc) is ErrorKind.NOT_FOUND:
                continue  # a new secret: nothing to compare with
            raise
        for key, new in sorted(data.items()):
            old = current.get(key)
            if isinstance(old, str) and old != new:
                pairs.append((path, key, old, new))
    if not pairs:
        return [], ""
    try:
        found = gateway.fingerprints([v for p in pairs for v in p[2:]])
    except Exception as exc:
        if not is_forbidden(exc):
            raise
        return [], "No fingerprints: this token may not list audit devices (sys/audit)."
    if found is None:
        return [], "No fingerprints: the server has no audit device to compute them with."
    return [
        f"{path} {key}: {short_fingerprint(found[2 * i])} → {short_fingerprint(found[2 * i + 1])}"
        for i, (path, key, _, _) in enumerate(pairs)
    ], ""
