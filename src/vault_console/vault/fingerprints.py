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


def fingerprints_or_why(gateway: VaultGateway, values: list[Any]) -> tuple[list[str] | None, str]:
    """Each value's fingerprint (``VaultGateway.fingerprints``), or None and why there are
    none: no audit device, a token that may not list them, or a session in a namespace
    (audit devices and their HMACs live in the root namespace only)."""
    try:
        found = gateway.fingerprints(values)
    except Exception as exc:
        if is_forbidden(exc):
            return None, "No fingerprints: this token may not list audit devices (sys/audit)."
        if kind_of(exc) is ErrorKind.REFUSED and gateway.settings.namespace:
            return None, (
                "No fingerprints: audit devices answer in the root namespace only, and this "
                f"session is in namespace {gateway.settings.namespace}."
            )
        raise
    if found is None:
        return None, (
            "No fingerprints: the server has no audit device to compute them with (a local "
            "hash is never shown: it would leak short values)."
        )
    return found, ""


def _short_pairs(
    gateway: VaultGateway, pairs: list[tuple[Any, Any]]
) -> tuple[list[tuple[str, str]] | None, str]:
    """Each (old, new) pair's short fingerprints, or None and why there are none."""
    found, why = fingerprints_or_why(gateway, [v for pair in pairs for v in pair])
    if found is None:
        return None, why
    short = [short_fingerprint(f) for f in found]
    return list(zip(short[::2], short[1::2], strict=True)), ""


def with_fingerprints(
    gateway: VaultGateway, changes: list[KeyChange], old: dict[str, Any], new: dict[str, Any]
) -> tuple[list[KeyChange], str]:
    """The changed keys with the audit log's fingerprint of each side, and a note when
    there are none. In a worker."""
    changed = [c for c in changes if c.status == "changed"]
    if not changed:
        return changes, ""
    found, note = _short_pairs(gateway, [(old[c.key], new[c.key]) for c in changed])
    if found is None:
        return changes, note
    prints = {c.key: pair for c, pair in zip(changed, found, strict=True)}
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
    found, note = _short_pairs(gateway, [(old, new) for _, _, old, new in pairs])
    if found is None:
        return [], note
    return [
        f"{path} {key}: {old} → {new}"
        for (path, key, _, _), (old, new) in zip(pairs, found, strict=True)
    ], ""
