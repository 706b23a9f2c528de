"""AWS identity and the IAM trust policy against a real moto server; doctor on real OpenBao."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from vault_console.config import Settings
from vault_console.infra.doctor import aws_check, backend_check, pulumi_checks, render, run_doctor
from vault_console.vault.devserver import DevServer
from vault_console_programs.ai_secrets.config import WORKLOAD_SERVICES
from vault_console_programs.ai_secrets.program import trust_policy


def test_aws_identity_comes_from_sts(aws_env: dict[str, str]) -> None:
    check = aws_check(aws_env)
    assert check.status == "ok"
    assert "arn:aws:sts::123456789012:user/moto" in check.detail or "123456789012" in check.detail


def test_no_aws_credentials_is_a_warning_with_a_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    check = aws_check({})
    assert check.status == "warn" and "bound_principal_arn" in check.fix


@pytest.mark.parametrize("service", sorted(WORKLOAD_SERVICES))
def test_trust_policy_is_accepted_by_iam_and_names_the_service(
    aws_env: dict[str, str], service: str
) -> None:
    iam = boto3.client("iam")
    name = f"ai-service-{service}"
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy(service))
    stored = created["Role"]["AssumeRolePolicyDocument"]
    document = stored if isinstance(stored, dict) else json.loads(stored)
    assert document["Statement"][0]["Principal"] == {"Service": WORKLOAD_SERVICES[service]}
    assert created["Role"]["Arn"] == f"arn:aws:iam::123456789012:role/{name}"
    iam.delete_role(RoleName=name)


def test_doctor_on_a_stock_openbao_says_the_aws_plugins_are_missing_and_how_to_add_them(
    bao_stock: DevServer,
    stock_settings: Settings,
    aws_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bao = bao_stock
    monkeypatch.setenv("PATH", "/nonexistent")  # no pulumi CLI, as on this machine
    checks = {c.name: c for c in run_doctor(stock_settings)}
    assert (
        checks["vault.reachable"].status == "ok" and "OpenBao" in checks["vault.reachable"].detail
    )
    assert checks["vault.token"].status == "ok" and "root" in checks["vault.token"].detail
    assert checks["vault.plugin.secret.aws"].status == "fail"
    assert "OpenBao ships none built in" in checks["vault.plugin.secret.aws"].detail
    assert checks["vault.plugin.secret.aws"].fix.endswith(
        "bao plugin register -sha256=7293cde341d49813ed7a980fe26e93b9bc821d9ecc36ffd501ed28f6f056745d"
        " -command=openbao-plugin-secrets-aws secret aws"
    )
    assert checks["vault.plugin.auth.aws"].status == "fail"
    assert "-command=openbao-plugin-auth-aws auth aws" in checks["vault.plugin.auth.aws"].fix
    assert checks["pulumi.cli"].status == "fail" and "install" in checks["pulumi.cli"].fix.lower()
    assert checks["aws.identity"].status == "ok"
    text = render(list(checks.values()), as_json=False)
    assert bao.root_token not in text
    as_json = json.loads(render(list(checks.values()), as_json=True))
    assert {c["name"] for c in as_json} == set(checks)


def test_doctor_with_an_unreachable_server(
    root_settings: Settings, aws_env: dict[str, str]
) -> None:
    import dataclasses

    gone = dataclasses.replace(root_settings, address="http://127.0.0.1:9")
    checks = {c.name: c for c in run_doctor(gone)}
    assert checks["vault.reachable"].status == "fail"
    assert "VAULT_ADDR" in checks["vault.reachable"].fix


def test_pulumi_plugins_are_compared_with_the_sdk_packages(tmp_path: Path) -> None:
    from vault_console.infra.engine import plugin_versions

    fake = tmp_path / "pulumi"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    wanted = plugin_versions()
    listed = json.dumps(
        [{"name": "vault", "version": wanted["vault"].lstrip("v"), "kind": "resource"}]
    )

    class Result:
        def __init__(self, stdout: str) -> None:
            self.stdout = stdout

    def run(args: list[str], **_: object) -> Result:
        return Result("v3.210.0" if args[1:] == ["version"] else listed)

    checks = {c.name: c for c in pulumi_checks({"PATH": str(tmp_path)}, run=run)}
    assert checks["pulumi.cli"].status == "ok"
    assert checks["pulumi.plugin.vault"].status == "ok"
    assert checks["pulumi.plugin.aws"].status == "warn"
    assert checks["pulumi.plugin.aws"].fix == f"pulumi plugin install resource aws {wanted['aws']}"


def test_backend_check(tmp_path: Path) -> None:
    assert backend_check({"XDG_STATE_HOME": str(tmp_path)}).status == "ok"
    remote = backend_check({"PULUMI_BACKEND_URL": "s3://bucket"})
    assert remote.status == "ok" and "PULUMI_BACKEND_URL" in remote.detail


def test_doctor_finds_the_registered_aws_plugins(
    root_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session's server registers OpenBao's aws plugins (shared/openbao-plugins)."""
    monkeypatch.setenv("PATH", "/nonexistent")
    checks = {c.name: c for c in run_doctor(root_settings)}
    assert checks["vault.plugin.secret.aws"].status == "ok"
    assert checks["vault.plugin.auth.aws"].status == "ok"
