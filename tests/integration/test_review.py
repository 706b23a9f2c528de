"""Review queries against the real server: policies, roles, accessor capabilities, age, leases."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import time
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


def test_age_report_says_deleted_and_destroyed_and_dates_the_data_not_the_metadata(
    gateway: VaultGateway,
) -> None:
    mount = f"age-{uuid.uuid4().hex[:6]}"
    gateway.client.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
    kv, v2 = gateway.kv(mount, 2), gateway.client.secrets.kv.v2
    for name in ("deleted", "destroyed", "live"):
        kv.write(name, {"k": "v1"}, cas=0)
        kv.write(name, {"k": "v2"}, cas=1)
    v2.delete_latest_version_of_secret("deleted", mount_point=mount)
    v2.destroy_secret_versions("destroyed", versions=[2], mount_point=mount)
    written = kv.metadata("live").versions[-1].created_time
    time.sleep(1.1)  # a metadata edit a second later must not move "updated"
    kv.update_custom_metadata("live", {"owner": "ml"})
    assert kv.metadata("live").updated_time[:19] != written[:19]

    rows = {r.path.split("/", 1)[1]: r for r in review.age_report(gateway, mount)}
    assert rows["deleted"].status == "deleted (v2)"
    assert rows["destroyed"].status == "destroyed (v2)"
    assert rows["live"].status == "ok"
    assert rows["live"].updated == written[:10] + " " + written[11:19] + "Z"
    assert [r.path for r in review.age_report(gateway, mount)][-1] == f"{mount}/live"


def test_leases_under_a_prefix_in_read_only_mode(
    gateway: VaultGateway, root_settings: Settings
) -> None:
    gateway.client.auth.token.create(policies=["default"], ttl="15m")
    reader = VaultGateway(dataclasses.replace(root_settings, read_only=True))
    rows = review.leases(reader, "auth/token/create")
    assert rows and all(r.lease_id.startswith("auth/token/create/") for r in rows)
    assert any(800 < r.ttl <= 900 and r.expire_time for r in rows)  # the 15-minute token


def test_findings_export_formats_say_which_server_when_and_what_was_checked() -> None:
    findings = [review.Finding("overdue", "ai-models/prod/openai", "rotate-by 2026-01-01 | passed")]
    header = review.ExportHeader(
        "http://127.0.0.1:8200", "2026-12-04T08:00:00Z", ("4 ACL policies", "secret age of 2")
    )
    as_json = json.loads(review.export(findings, "json", header))
    assert as_json["server"] == "http://127.0.0.1:8200"
    assert as_json["generated"] == "2026-12-04T08:00:00Z"
    assert as_json["checked"] == ["4 ACL policies", "secret age of 2"]
    assert as_json["findings"][0]["kind"] == "overdue"

    text = review.export(findings, "csv", header)
    lines = text.splitlines()
    assert lines[:3] == [
        "# vault-console findings for http://127.0.0.1:8200, 2026-12-04T08:00:00Z",
        "# checked: 4 ACL policies",
        "# checked: secret age of 2",
    ]
    rows = list(csv.reader(io.StringIO("\n".join(lines[3:]))))
    assert rows == [
        ["kind", "subject", "detail"],
        ["overdue", "ai-models/prod/openai", "rotate-by 2026-01-01 | passed"],
    ]
    markdown = review.export(findings, "md", header)
    assert markdown.startswith("# vault-console findings for http://127.0.0.1:8200\n")
    assert "- 4 ACL policies\n- secret age of 2\n" in markdown
    assert "rotate-by 2026-01-01 \\| passed" in markdown
