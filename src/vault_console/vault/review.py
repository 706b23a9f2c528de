"""Read-only review queries: policies, who can read, auth roles, secret age, leases, export."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime

import hvac.exceptions

from vault_console.errors import describe, is_forbidden
from vault_console.vault.client import VaultGateway
from vault_console.vault.policies import Rule, parse_policy

# auth method type -> (LIST path under the mount, how a role's policies are named)
ROLE_LISTS = {
    "approle": "role",
    "aws": "roles",
    "kubernetes": "role",
    "jwt": "role",
    "oidc": "role",
    "userpass": "users",
    "cert": "certs",
}
STALE_DAYS = 90


def policies(gateway: VaultGateway) -> dict[str, str]:
    """Every ACL policy's name and HCL."""
    names = gateway.adapter.list("/v1/sys/policies/acl")["data"]["keys"]
    texts = {}
    for name in sorted(names):
        body = gateway.adapter.get(f"/v1/sys/policies/acl/{name}")["data"]
        texts[name] = str(body.get("policy", ""))
    return texts


@dataclass(frozen=True)
class ParentPolicies:
    """The ACL policies of a namespace above the session's: they grant paths in it too,
    by prefixing them (a root policy on ``team-a/ai-models/data/x`` reaches team-a)."""

    namespace: str
    """'' for root."""
    texts: dict[str, str]
    problem: str = ""
    """Why they could not be read (a team token may not read its parents' policies)."""

    def prefix(self, session: str) -> str:
        """How the session's paths are named from this namespace: ``prod/`` for team-a."""
        below = session[len(self.namespace) :].strip("/") if self.namespace else session
        return f"{below}/" if below else ""


def parent_policies(gateway: VaultGateway) -> list[ParentPolicies]:
    """The policies of every namespace above the session's, nearest first ([] in root)."""
    session = gateway.settings.namespace_path
    parts = session.split("/") if session else []
    found = []
    for depth in range(len(parts) - 1, -1, -1):
        namespace = "/".join(parts[:depth])
        with VaultGateway(replace(gateway.settings, namespace=namespace or None)) as above:
            try:
                found.append(ParentPolicies(namespace, policies(above)))
            except Exception as exc:
                reason = "not allowed" if is_forbidden(exc) else describe(exc).message
                found.append(ParentPolicies(namespace, {}, reason))
    return found


def parsed(texts: dict[str, str]) -> dict[str, list[Rule]]:
    return {name: parse_policy(name, text) for name, text in texts.items() if name != "root"}


def capabilities_of_accessor(gateway: VaultGateway, accessor: str, path: str) -> list[str]:
    """What the server says the token behind ``accessor`` may do on ``path``."""
    response = gateway.adapter.post(
        "/v1/sys/capabilities-accessor", json={"accessor": accessor, "paths": [path]}
    )
    data = response.get("data", response)
    return list(data.get(path) or data.get("capabilities") or [])


@dataclass(frozen=True)
class AuthRole:
    mount: str
    type: str
    role: str
    policies: tuple[str, ...]


def auth_roles(gateway: VaultGateway) -> list[AuthRole]:
    """Roles of the auth methods the token can see, with the policies their tokens get."""
    roles = []
    for mount in gateway.mounts():
        if mount.category != "auth" or mount.type not in ROLE_LISTS:
            continue
        base = f"/v1/auth/{mount.path.rstrip('/')}/{ROLE_LISTS[mount.type]}"
        try:
            names = gateway.adapter.list(base)["data"]["keys"]
        except (hvac.exceptions.InvalidPath, hvac.exceptions.Forbidden):
            continue
        for name in names:
            try:
                data = gateway.adapter.get(f"{base}/{name}")["data"]
            except hvac.exceptions.VaultError:
                continue
            found = data.get("token_policies") or data.get("policies") or []
            roles.append(AuthRole(mount.path, mount.type, str(name), tuple(found)))
    return roles


@dataclass(frozen=True)
class AgeRow:
    path: str
    updated: str
    """When the current version's data was written (not a metadata edit)."""
    age_days: int
    versions: int
    rotate_by: str
    owner: str
    status: str
    """destroyed or deleted (the current version), overdue (past rotate-by), bad rotate-by,
    stale (data not written for STALE_DAYS) or ok."""


def _instant(stamp: str) -> datetime | None:
    """A Vault RFC 3339 time (nanoseconds, ``Z``) as an aware datetime; None if unset."""
    if not stamp or stamp.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(stamp[:19]).replace(tzinfo=UTC)
    except ValueError:
        return None


def age_report(gateway: VaultGateway, mount: str, today: date | None = None) -> list[AgeRow]:
    """KV v2 secrets of a mount by the age of their data, with rotate-by from custom_metadata.

    "Updated" is the current version's ``created_time``: the metadata's ``updated_time`` also
    moves when only custom_metadata or settings change, which says nothing about the secret.
    """
    now = datetime.now(UTC)
    today = today or now.date()
    kv = gateway.kv(mount, 2)
    rows = []
    for path in kv.walk():
        meta = kv.metadata(path)
        current = next((v for v in meta.versions if v.version == meta.current_version), None)
        written = _instant(current.created_time) if current else None
        deleted = _instant(current.deletion_time) if current else None
        age = (today - written.date()).days if written else 0
        rotate_by = meta.custom_metadata.get("rotate-by", "")
        status = "stale" if age > STALE_DAYS else "ok"
        try:
            if rotate_by and date.fromisoformat(rotate_by) < today:
                status = "overdue"
        except ValueError:
            status = "bad rotate-by"
        if current and current.destroyed:
            status = f"destroyed (v{current.version})"
        elif deleted and deleted <= now:  # a future deletion_time is delete_version_after
            status = f"deleted (v{current.version})" if current else "deleted"
        rows.append(
            AgeRow(
                f"{kv.mount}/{path}",
                written.strftime("%Y-%m-%d %H:%M:%SZ") if written else "-",
                age,
                len(meta.versions),
                rotate_by,
                meta.custom_metadata.get("owner", ""),
                status,
            )
        )
    return sorted(rows, key=lambda r: (r.status == "ok", -r.age_days, r.path))


@dataclass(frozen=True)
class LeaseRow:
    lease_id: str
    ttl: int
    expire_time: str


def leases(gateway: VaultGateway, prefix: str) -> list[LeaseRow]:
    """Leases under a prefix (``sys/leases/lookup``), with their TTLs."""
    prefix = prefix.strip("/") + "/"
    try:
        keys = gateway.adapter.list(f"/v1/sys/leases/lookup/{prefix}")["data"]["keys"]
    except hvac.exceptions.InvalidPath:
        return []
    rows = []
    for key in keys:
        if key.endswith("/"):
            rows.extend(leases(gateway, prefix + key))
            continue
        info = gateway.adapter.post("/v1/sys/leases/lookup", json={"lease_id": prefix + key})[
            "data"
        ]
        rows.append(
            LeaseRow(prefix + key, int(info.get("ttl") or 0), str(info.get("expire_time") or ""))
        )
    return rows


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    detail: str


@dataclass(frozen=True)
class ExportHeader:
    """What a findings file says about itself: which server, when, and what was checked."""

    server: str
    generated: str
    checked: tuple[str, ...]


def export(findings: list[Finding], fmt: str, header: ExportHeader) -> str:
    """Findings as Markdown, JSON or CSV, after the header; findings never carry secret values.

    CSV has no comments, so its header is ``#``-prefixed lines before the column names
    (``pandas.read_csv(comment="#")`` and most tools skip them).
    """
    if fmt == "json":
        body = {**asdict(header), "findings": [asdict(f) for f in findings]}
        return json.dumps(body, indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write(f"# vault-console findings for {header.server}, {header.generated}\n")
        for item in header.checked:
            buffer.write(f"# checked: {item}\n")
        writer = csv.writer(buffer)
        writer.writerow(["kind", "subject", "detail"])
        for finding in findings:
            writer.writerow([finding.kind, finding.subject, finding.detail])
        return buffer.getvalue()
    if fmt == "md":
        lines = [
            f"# vault-console findings for {header.server}",
            "",
            f"Generated {header.generated}. Checked:",
            "",
            *(f"- {item}" for item in header.checked),
            "",
            "| kind | subject | detail |",
            "| --- | --- | --- |",
        ]
        for f in findings:
            cells = [c.replace("|", "\\|") for c in (f.kind, f.subject, f.detail)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"
    raise ValueError(f"format: {fmt!r} is not md, json or csv")
