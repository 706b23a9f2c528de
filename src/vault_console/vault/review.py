"""Read-only review queries: policies, who can read, auth roles, secret age, leases, export."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

import hvac.exceptions

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
    age_days: int
    versions: int
    rotate_by: str
    owner: str
    status: str
    """ok, stale (not updated for STALE_DAYS) or overdue (past rotate-by)."""


def age_report(gateway: VaultGateway, mount: str, today: date | None = None) -> list[AgeRow]:
    """KV v2 secrets of a mount by age, with rotate-by from custom_metadata."""
    today = today or datetime.now(UTC).date()
    kv = gateway.kv(mount, 2)
    rows = []
    for path in kv.walk():
        meta = kv.metadata(path)
        updated = (
            datetime.fromisoformat(meta.updated_time[:19]).date() if meta.updated_time else today
        )
        age = (today - updated).days
        rotate_by = meta.custom_metadata.get("rotate-by", "")
        status = "ok"
        if age > STALE_DAYS:
            status = "stale"
        try:
            if rotate_by and date.fromisoformat(rotate_by) < today:
                status = "overdue"
        except ValueError:
            status = "bad rotate-by"
        rows.append(
            AgeRow(
                f"{kv.mount}/{path}",
                meta.updated_time[:19],
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


def export(findings: list[Finding], fmt: str) -> str:
    """Findings as Markdown, JSON or CSV; findings never carry secret values."""
    if fmt == "json":
        return json.dumps([asdict(f) for f in findings], indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["kind", "subject", "detail"])
        for finding in findings:
            writer.writerow([finding.kind, finding.subject, finding.detail])
        return buffer.getvalue()
    if fmt == "md":
        lines = ["| kind | subject | detail |", "| --- | --- | --- |"]
        for f in findings:
            cells = [c.replace("|", "\\|") for c in (f.kind, f.subject, f.detail)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"
    raise ValueError(f"format: {fmt!r} is not md, json or csv")
