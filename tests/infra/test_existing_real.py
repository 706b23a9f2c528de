"""What the stack would create that exists already: refused, or adopted (imported, then
changed as the preview showed), on the real Pulumi CLI, the vault provider and OpenBao.

The seeded server holds the policy ``ai-models-read``, which the ``inference-api`` approle
carries: a run that kept the wizard's default policy name used to replace it.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.test_real_engine import Bed, model_raw, ops
from vault_console import commands
from vault_console.config import Settings
from vault_console.infra.existing import ExistingObjects, checked_preview, find_existing
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console_programs.ai_secrets.program import read_policy_hcl

pytestmark = pytest.mark.needs_pulumi_cli

SEEDED_POLICY = "ai-models-read"


def policy_raw(bed: Bed) -> dict[str, Any]:
    raw = model_raw(bed.prefix)
    raw["model_secrets"]["policy_name"] = SEEDED_POLICY
    return raw


def test_an_existing_policy_is_refused_and_left_byte_for_byte(
    bed: Bed, root_settings: Settings, bao: DevServer
) -> None:
    client = bed.hvac()
    before = client.sys.read_policy(SEEDED_POLICY)["data"]["rules"]
    role = client.read("auth/approle/role/inference-api")["data"]
    assert SEEDED_POLICY in role["token_policies"]

    engine = bed.engine(policy_raw(bed))
    err = io.StringIO()
    code = commands.preview(engine, root_settings, False, io.StringIO(), err)
    assert code == commands.EXIT_ERROR
    assert f"  ACL policy {SEEDED_POLICY} (" in err.getvalue()
    assert not [c for cli in bed.clis for c in cli.verb("preview")]  # nothing previewed

    code = commands.up(engine, root_settings, True, io.StringIO(), err, io.StringIO())
    assert code == commands.EXIT_ERROR
    assert not [c for cli in bed.clis for c in cli.verb("up")]
    assert client.sys.read_policy(SEEDED_POLICY)["data"]["rules"] == before
    assert f"{bed.prefix}/" not in client.sys.list_mounted_secrets_engines()["data"]
    assert client.read("auth/approle/role/inference-api")["data"] == role


def test_an_adopted_policy_is_imported_and_changed_as_the_preview_showed(
    bed: Bed, root_settings: Settings, bao: DevServer
) -> None:
    client = bed.hvac()
    before = client.sys.read_policy(SEEDED_POLICY)["data"]["rules"]
    gateway = VaultGateway(root_settings)
    engine = bed.engine(policy_raw(bed))
    try:
        preview, found = checked_preview(engine, gateway, adopt=True)
        assert [e.line for e in found] == [
            f"ACL policy {SEEDED_POLICY} ({len(before.splitlines())} lines of HCL)"
        ]
        assert found[0].text == before  # shown beside the new HCL in the review
        policies = [s for s in preview.plan.steps if s.type == "vault:index/policy:Policy"]
        assert [s.op for s in policies] == ["import", "update"]
        change = next(c for c in policies[1].changes if c.path == "policy")
        new_hcl = read_policy_hcl(bed.prefix, ["openai/api-key"])
        assert (change.old, change.new) == (before, new_hcl)  # the diff: server -> stack
        assert client.sys.read_policy(SEEDED_POLICY)["data"]["rules"] == before  # a preview

        assert preview.plan_file is not None
        applied = engine.up(preview.plan_file)
        assert applied.plan.summary == {"create": 3, "import": 1, "update": 1}
        assert client.sys.read_policy(SEEDED_POLICY)["data"]["rules"] == new_hcl
        assert engine.managed()["model-secrets-read-policy"] == SEEDED_POLICY

        # Now the stack's own: a later run finds nothing to ask about, and no change.
        again = bed.engine(policy_raw(bed))
        assert find_existing(gateway, again.config, again.managed()) == []
        assert checked_preview(again, gateway, adopt=False)[0].plan.summary == {"same": 4}
    finally:
        client.sys.create_or_update_policy(SEEDED_POLICY, before)  # the seed, for the others
        gateway.close()


def test_an_existing_mount_is_refused_then_adopted_keeping_what_it_holds(
    bed: Bed, root_settings: Settings
) -> None:
    client = bed.hvac()
    mount = bed.prefix
    client.sys.enable_secrets_engine(
        "kv", path=mount, options={"version": "2"}, description="made by hand"
    )
    client.secrets.kv.v2.create_or_update_secret(
        "not-the-stack/canary", {"k": "v"}, mount_point=mount
    )
    gateway = VaultGateway(root_settings)
    try:
        engine = bed.engine()
        with pytest.raises(ExistingObjects) as refused:
            checked_preview(engine, gateway, adopt=False)
        assert [e.line for e in refused.value.found] == [
            f'KV v2 mount {mount}/ (kv v2 mount, "made by hand")'
        ]
        assert client.sys.list_mounted_secrets_engines()["data"][f"{mount}/"]["description"] == (
            "made by hand"
        )

        preview, _ = checked_preview(engine, gateway, adopt=True)
        mounts = [s for s in preview.plan.steps if s.type == "vault:index/mount:Mount"]
        assert [s.op for s in mounts] == ["import", "update"]
        described = next(c for c in mounts[1].changes if c.path == "description")
        assert (described.old, described.new) == ("made by hand", "Secrets for AI models")
        assert ops(preview)["vault:kv/secretV2:SecretV2"] == "create"
        assert preview.plan_file is not None
        engine.up(preview.plan_file)
        held = client.sys.list_mounted_secrets_engines()["data"][f"{mount}/"]
        assert held["description"] == "Secrets for AI models"
        canary = client.secrets.kv.v2.read_secret_version(
            "not-the-stack/canary", mount_point=mount, raise_on_deleted_version=True
        )
        assert canary["data"]["data"] == {"k": "v"}  # an import changes nothing it holds
    finally:
        gateway.close()


def test_a_secret_in_an_adopted_mount_is_found_too(bed: Bed, root_settings: Settings) -> None:
    client = bed.hvac()
    mount = bed.prefix
    client.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
    client.secrets.kv.v2.create_or_update_secret(
        "openai/api-key", {"api_key": "by hand"}, mount_point=mount
    )
    gateway = VaultGateway(root_settings)
    try:
        found = find_existing(gateway, bed.engine().config, {})
        assert [e.line for e in found] == [
            f"KV v2 mount {mount}/ (kv v2 mount)",
            f"secret {mount}/openai/api-key (version 1)",
        ]
    finally:
        gateway.close()


def test_headless_adopt_prints_what_it_adopts_and_the_update(
    bed: Bed, root_settings: Settings, tmp_path: Path
) -> None:
    client = bed.hvac()
    before = client.sys.read_policy(SEEDED_POLICY)["data"]["rules"]
    out = io.StringIO()
    try:
        code = commands.preview(
            bed.engine(policy_raw(bed)), root_settings, True, out, io.StringIO(), adopt=True
        )
        assert code == commands.EXIT_CHANGES
        body = json.loads(out.getvalue())
        assert body["adopted"][0]["where"] == SEEDED_POLICY
        assert body["summary"] == {"create": 3, "import": 1, "update": 1}
        assert client.sys.read_policy(SEEDED_POLICY)["data"]["rules"] == before
    finally:
        client.sys.create_or_update_policy(SEEDED_POLICY, before)
