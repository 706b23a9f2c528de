"""The setup model: answers to config, per-field problems, saved answers, the Vault target."""

from __future__ import annotations

import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import settings_for
from vault_console.config import Settings
from vault_console.infra.setup import SetupAnswers, answers_path, secret_env_name, target_report
from vault_console.vault import demo_seed
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console_programs.ai_secrets.config import load

SECRET = "sk-setup-model-value-1"


def answers(mount: str = "setup-models") -> SetupAnswers:
    chosen = SetupAnswers(
        raw={
            "aws_secrets": {"enabled": False},
            "aws_auth": {"enabled": False},
            "model_secrets": {"mount_path": mount, "policy_name": f"{mount}-read"},
        }
    )
    chosen.set_model_secret("openai/api-key", "api_key", SECRET)
    chosen.raw["model_secrets"]["names"] = ["openai/api-key"]
    return chosen


def test_the_written_config_is_what_preview_reads_and_holds_no_secret(tmp_path: Path) -> None:
    chosen = answers()
    text = chosen.config_toml()
    assert SECRET not in text
    written = tmp_path / "stack.toml"
    written.write_text(text)
    from_file, secrets_from_file = load(written, chosen.engine_env())
    built, secrets = chosen.build()
    assert from_file.settings_json() == built.settings_json()  # so the previews are the same
    assert (
        secrets_from_file.model_data
        == secrets.model_data
        == {"openai/api-key": {"api_key": SECRET}}
    )
    assert f'{{ "env" = "{secret_env_name(next(iter(chosen.secrets)))}" }}' in text


def test_problems_name_the_field_and_the_reason() -> None:
    chosen = answers(mount="bad mount//")
    chosen.raw["aws_auth"] = {"enabled": True, "bound_principal_arn": "arn:nope"}
    problems = chosen.problems()
    assert "model_secrets.mount_path" in problems
    assert "aws_auth.bound_principal_arn" in problems
    assert answers().problems() == {}


def test_saved_answers_are_owner_only_hold_no_secret_and_come_back(tmp_path: Path) -> None:
    chosen = answers()
    path = chosen.save(tmp_path, "dev")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRET not in path.read_text()
    again = SetupAnswers.load(tmp_path, "dev")
    assert again is not None and again.raw == tomllib.loads(chosen.config_toml())
    assert again.secrets == {}
    missing = again.problems(env={})
    assert any("is not set" in reason for reason in missing.values())  # asked again
    assert SetupAnswers.load(tmp_path, "other") is None
    with pytest.raises(ValueError, match=r"stack: '\.\./x'"):
        answers_path(tmp_path, "../x")


def test_target_report_on_a_stock_openbao_names_the_missing_aws_plugins(
    stock_settings: Settings,
) -> None:
    gateway = VaultGateway(stock_settings)
    chosen = answers()
    chosen.raw["aws_secrets"] = {
        "enabled": True,
        "path": "aws-setup",
        "policy_arns": ["arn:aws:iam::aws:policy/AmazonBedrockReadOnly"],
    }
    chosen.raw["aws_auth"] = {
        "enabled": True,
        "bound_principal_arn": "arn:aws:iam::123456789012:role/inference",
    }
    config, _ = chosen.build()
    report = target_report(gateway, config)
    assert report.kind == "OpenBao"
    assert report.denied == []  # root may do everything
    unavailable = report.unavailable(config)
    assert set(unavailable) == {"aws_secrets", "aws_auth"}
    assert "OpenBao ships none built in" in unavailable["aws_auth"]
    assert "bao plugin register -sha256=" in unavailable["aws_auth"]
    gateway.close()


def test_target_report_finds_the_registered_aws_plugins(gateway: VaultGateway) -> None:
    chosen = answers()
    chosen.raw["aws_secrets"] = {"enabled": True, "path": "aws-setup", "policy_arns": []}
    chosen.raw["aws_secrets"]["policy_arns"] = ["arn:aws:iam::aws:policy/AmazonBedrockReadOnly"]
    chosen.raw["aws_auth"] = {
        "enabled": True,
        "bound_principal_arn": "arn:aws:iam::123456789012:role/inference",
    }
    config, _ = chosen.build()
    report = target_report(gateway, config)
    assert (report.aws_secret_plugin, report.aws_auth_plugin) == (True, True)
    assert report.unavailable(config) == {}


def test_target_report_lists_what_a_limited_token_cannot_do(
    bao: DevServer, gateway: VaultGateway
) -> None:
    token = demo_seed.limited_token(gateway.client, "research-dev")
    limited = VaultGateway(settings_for(bao.address, token))
    try:
        config, _ = answers().build()
        report = target_report(limited, config)
    finally:
        limited.close()
    denied = {c.path for c in report.denied}
    assert {"sys/mounts/setup-models", "sys/policies/acl/setup-models-read"} <= denied
    assert report.aws_secret_plugin is None  # this token cannot read the catalog


@pytest.mark.needs_pulumi_cli
def test_a_config_written_by_the_model_previews_with_the_headless_command(
    tmp_path: Path, bao: DevServer, pulumi_cli: str, pulumi_home: Path
) -> None:
    chosen = answers(mount="setup-headless")
    config_file = tmp_path / "stack.toml"
    config_file.write_text(chosen.config_toml())
    env = {
        "PATH": f"{Path(pulumi_cli).parent}:{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PULUMI_HOME": str(pulumi_home),
        "PULUMI_CONFIG_PASSPHRASE": "setup",
        "VAULT_ADDR": bao.address,
        "VAULT_TOKEN": bao.root_token,
        **chosen.engine_env(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "vault_console", "preview", "--config", str(config_file), "--json"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert '"create": 4' in done.stdout


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("team-a/llm", "api_key"), ("team-a/llm/api", "key")),
        (("team-a/llm", "k"), ("team_a/llm", "k")),
        (("a", "b.c"), ("a.b", "c")),
    ],
)
def test_two_secret_fields_never_share_a_variable_so_neither_takes_the_others_value(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    """Before, both became VAULT_CONSOLE_SECRET_TEAM_A_LLM_API_KEY: one value for both."""
    chosen = SetupAnswers(raw={"aws_secrets": {"enabled": False}, "aws_auth": {"enabled": False}})
    chosen.set_model_secret(*first, "value-of-the-first")
    chosen.set_model_secret(*second, "value-of-the-second")
    names = list(chosen.engine_env())
    assert len(set(names)) == 2 and all(n.startswith("VAULT_CONSOLE_SECRET_") for n in names)
    problems = chosen.problems()
    if first[0].replace("-", "_") == second[0].replace("-", "_"):
        # Paths that differ only in - and _ would share one resource name: refused, named.
        assert "is named like 'team-a/llm'" in problems["model_secrets.secrets.team_a/llm"]
        return
    assert problems == {}
    _, secrets = chosen.build()
    assert secrets.model_data[first[0]][first[1]] == "value-of-the-first"
    assert secrets.model_data[second[0]][second[1]] == "value-of-the-second"


def test_the_digest_covers_the_values_and_nothing_of_it_is_written() -> None:
    before = answers()
    after = answers()
    after.set_model_secret("openai/api-key", "api_key", "sk-another-value")
    assert before.config_toml() == after.config_toml()  # the file cannot tell them apart
    assert before.digest() != after.digest()  # the review can
    assert SECRET not in before.digest()
