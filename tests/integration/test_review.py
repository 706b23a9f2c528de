"""Review queries against the real server: policies, roles, accessor capabilities, age, leases."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

from vault_console.config import Settings
from vault_console.vault import review
from vault_console.vault.client import VaultGateway
from vault_console.vault.policies import who_can_read


def test_who_can_read_on_the_demo_policies_and_the_roles_that_carry_them(
    gateway: VaultGateway,
) -> None:
    texts = review.policies(gateway)
    assert {"ai-models-read", "ai-models-admin", "research-dev", "default"} <= set(texts)
    answer = who_can_read(review.parsed(texts), "ai-models/data/prod/openai")
    assert {g.policy for g in answer.grants} == {"ai-models-read", "ai-models-admin"}
    roles = review.auth_roles(gateway)
    inference = next(r for r in roles if r.role == "inference-api")
    assert inference.type == "approle" and inference.policies == ("ai-models-read",)


def test_capabilities_of_a_token_accessor(gateway: VaultGateway) -> None:
    created = gateway.client.auth.token.create(policies=["research-dev"], ttl="10m")
    accessor = created["auth"]["accessor"]
    assert review.capabilities_of_accessor(gateway, accessor, "ai-models/data/dev/openai") == [
        "create",
        "list",
        "read",
        "update",
    ]
    assert review.capabilities_of_accessor(gateway, accessor, "ai-models/data/prod/openai") == [
        "deny"
    ]


def test_age_report_flags_overdue_and_sorts_them_first(gateway: VaultGateway) -> None:
    mount = f"age-{uuid.uuid4().hex[:6]}"
    gateway.client.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
    kv = gateway.kv(mount, 2)
    today = datetime.now(UTC).date()
    for name, rotate_by in (
        ("fresh", today + timedelta(days=30)),
        ("late", today - timedelta(days=400)),
    ):
        kv.write(name, {"k": "v"}, cas=0)
        kv.update_custom_metadata(name, {"rotate-by": rotate_by.isoformat(), "owner": "ml"})
    kv.write("fresh", {"k": "v2"}, cas=1)
    rows = review.age_report(gateway, mount)
    assert [(r.path, r.status) for r in rows] == [
        (f"{mount}/late", "overdue"),
        (f"{mount}/fresh", "ok"),
    ]
    assert rows[1].versions == 2 and rows[0].owner == "ml"
    future = review.age_report(gateway, mount, today=today + timedelta(days=200))
    assert {r.path: r.status for r in future}[f"{mount}/fresh"] == "overdue"
    stale = review.age_report(gateway, mount, today=today + timedelta(days=100))
    assert {r.path: r.status for r in stale}[f"{mount}/fresh"] == "overdue"


def test_leases_under_a_prefix_in_read_only_mode(
    gateway: VaultGateway, root_settings: Settings
) -> None:
    gateway.client.auth.token.create(policies=["default"], ttl="15m")
    reader = VaultGateway(dataclasses.replace(root_settings, read_only=True))
    rows = review.leases(reader, "auth/token/create")
    assert rows and all(r.lease_id.startswith("auth/token/create/") for r in rows)
    assert any(800 < r.ttl <= 900 and r.expire_time for r in rows)  # the 15-minute token


def test_findings_export_formats() -> None:
    findings = [review.Finding("overdue", "ai-models/prod/openai", "rotate-by 2026-01-01 | passed")]
    assert json.loads(review.export(findings, "json"))[0]["kind"] == "overdue"
    rows = list(csv.reader(io.StringIO(review.export(findings, "csv"))))
    assert rows == [
        ["kind", "subject", "detail"],
        ["overdue", "ai-models/prod/openai", "rotate-by 2026-01-01 | passed"],
    ]
    assert "rotate-by 2026-01-01 \\| passed" in review.export(findings, "md")
