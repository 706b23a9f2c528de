"""Headless commands: exit codes, JSON, confirmation, read-only, bad config."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.infra.replay import ReplayCommand
from tests.infra.test_engine import FIXTURES
from tests.infra.test_engine import make_engine as make_replay_engine
from vault_console import commands
from vault_console.config import Settings
from vault_console.infra.engine import Engine

# Names the session's seeded server does not hold, so the existing-objects check (which
# asks the real server before every preview) lets the replayed preview run.
RAW: dict[str, dict[str, Any]] = {
    "aws_secrets": {"enabled": False},
    "aws_auth": {"bound_principal_arn": "arn:aws:iam::123456789012:role/inference"},
    "model_secrets": {
        "mount_path": "replayed-models",
        "policy_name": "replayed-models-read",
        "secrets": {"openai/api-key": {"api_key": "sk-model-secret-value"}},
    },
}


@pytest.fixture
def settings(root_settings: Settings) -> Settings:
    return root_settings


def with_models(**changes: str) -> dict[str, dict[str, Any]]:
    """RAW with other model-secrets settings (mount_path, policy_name)."""
    return {**RAW, "model_secrets": {**RAW["model_secrets"], **changes}}


def make_engine(
    tmp_path: Path, command: ReplayCommand, raw: Mapping[str, Any] | None = None
) -> Engine:
    return make_replay_engine(tmp_path, command, raw or RAW)


NO_CHANGES = [
    {
        "sequence": 1,
        "timestamp": 0,
        "resourcePreEvent": {
            "metadata": {
                "op": "same",
                "urn": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
                "type": "pulumi:pulumi:Stack",
                "provider": "",
                "logical": True,
            },
            "planning": True,
        },
    },
    {
        "sequence": 2,
        "timestamp": 0,
        "summaryEvent": {
            "maybeCorrupt": False,
            "durationSeconds": 0,
            "resourceChanges": {"same": 1},
            "PolicyPacks": {},
        },
    },
]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def no_change_log(tmp_path: Path) -> Path:
    path = tmp_path / "same.json"
    path.write_text("\n".join(json.dumps(e) for e in NO_CHANGES) + "\n")
    return path


def test_preview_exit_2_with_changes_and_json_plan(tmp_path: Path, settings: Settings) -> None:
    engine = make_engine(tmp_path, ReplayCommand(FIXTURES / "up-3.json"))
    out, err = io.StringIO(), io.StringIO()
    assert commands.preview(engine, settings, True, out, err) == commands.EXIT_CHANGES
    body = json.loads(out.getvalue())
    assert body["summary"] == {"create": 6}
    assert len(body["steps"]) == 6 and {"urn", "type", "name", "op", "changes"} <= set(
        body["steps"][0]
    )
    assert "plan_file" not in body  # the run's work folder is gone when it ends


def test_preview_exit_0_without_changes(tmp_path: Path, settings: Settings) -> None:
    engine = make_engine(tmp_path, ReplayCommand(no_change_log(tmp_path)))
    out = io.StringIO()
    assert commands.preview(engine, settings, False, out, io.StringIO()) == commands.EXIT_OK
    assert out.getvalue().strip().endswith("Summary: same: 1")


def test_preview_exit_1_on_failure_with_a_clear_message(tmp_path: Path, settings: Settings) -> None:
    from pulumi.automation import CommandResult

    failure = CommandResult("", "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE", 255)
    engine = make_engine(tmp_path, ReplayCommand(FIXTURES / "up-3.json", fail={"preview": failure}))
    err = io.StringIO()
    assert commands.preview(engine, settings, False, io.StringIO(), err) == commands.EXIT_ERROR
    assert err.getvalue().startswith("vault-console: Passphrase missing or wrong:")


def test_up_without_tty_and_without_yes_applies_nothing(tmp_path: Path, settings: Settings) -> None:
    command = ReplayCommand(FIXTURES / "up-3.json")
    engine = make_engine(tmp_path, command)
    err = io.StringIO()
    code = commands.up(engine, settings, False, io.StringIO(), err, io.StringIO())
    assert code == commands.EXIT_ERROR
    assert "no --yes: nothing was applied" in err.getvalue()
    assert [c.args[0] for c in command.calls].count("up") == 0


def test_up_asks_and_a_no_applies_nothing(tmp_path: Path, settings: Settings) -> None:
    command = ReplayCommand(FIXTURES / "up-3.json")
    engine = make_engine(tmp_path, command)
    code = commands.up(engine, settings, False, io.StringIO(), io.StringIO(), Tty("n\n"))
    assert code == commands.EXIT_ERROR
    assert not any(c.args[0] == "up" for c in command.calls)


def test_up_with_yes_applies_the_previewed_plan(tmp_path: Path, settings: Settings) -> None:
    command = ReplayCommand(
        FIXTURES / "up-3.json", outputs={"read_policy": ("ai-models-read", False)}
    )
    engine = make_engine(tmp_path, command)
    out = io.StringIO()
    assert (
        commands.up(engine, settings, True, out, io.StringIO(), io.StringIO()) == commands.EXIT_OK
    )
    verbs = [c.args[0] for c in command.calls]
    assert verbs.index("preview") < verbs.index("up")
    up_args = next(c.args for c in command.calls if c.args[0] == "up")
    preview_args = next(c.args for c in command.calls if c.args[0] == "preview")
    assert (
        up_args[up_args.index("--plan") + 1] == preview_args[preview_args.index("--save-plan") + 1]
    )
    assert 'read_policy = "ai-models-read"' in out.getvalue()


def test_read_only_never_applies_or_destroys(tmp_path: Path, settings: Settings) -> None:
    command = ReplayCommand(FIXTURES / "up-3.json")
    engine = make_engine(tmp_path, command)
    read_only = dataclasses.replace(settings, read_only=True)
    err = io.StringIO()
    assert commands.up(engine, read_only, True, io.StringIO(), err, io.StringIO()) == 1
    assert commands.destroy(engine, read_only, True, io.StringIO(), err, io.StringIO()) == 1
    assert "Read-only mode" in err.getvalue()
    assert command.calls == []


def test_destroy_previews_then_destroys(tmp_path: Path, settings: Settings) -> None:
    command = ReplayCommand(FIXTURES / "destroy-with-components.json")
    engine = make_engine(tmp_path, command)
    out = io.StringIO()
    assert commands.destroy(engine, settings, True, out, io.StringIO(), io.StringIO()) == 0
    destroys = [c.args for c in command.calls if c.args[0] == "destroy"]
    assert len(destroys) == 2
    assert "--preview-only" in destroys[0] and "--preview-only" not in destroys[1]
    assert "Summary: delete: 2, same: 1" in out.getvalue()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vault_console", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_cli_plan_show_text_json_and_errors(tmp_path: Path) -> None:
    log = FIXTURES / "webserver-userdata.json"
    text = run_cli("plan", "show", str(log))
    assert text.returncode == 0 and "Summary: replace: 1, same: 2" in text.stdout
    as_json = run_cli("plan", "show", str(log), "--json")
    assert json.loads(as_json.stdout)["summary"] == {"replace": 1, "same": 2}
    truncated = tmp_path / "cut.json"
    truncated.write_text(log.read_text()[:5000])
    failed = run_cli("plan", "show", str(truncated))
    assert failed.returncode == 1 and "truncated event" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_cli_preview_with_bad_config_names_every_field_and_runs_nothing(tmp_path: Path) -> None:
    config = tmp_path / "stack.toml"
    config.write_text('[aws_secrets]\nregion = "moon"\n[model_secrets]\nmount_path = "sys"\n')
    result = run_cli(
        "preview", "--config", str(config), env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    )
    assert result.returncode == 1
    assert "bad stack config, nothing was run" in result.stderr
    assert "aws_secrets.region: 'moon' is not an AWS region" in result.stderr
    assert "model_secrets.mount_path: 'sys' is reserved" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_preview_without_pulumi_says_how_to_install(tmp_path: Path) -> None:
    config = tmp_path / "stack.toml"
    config.write_text(
        "[aws_secrets]\nenabled = false\n[aws_auth]\nenabled = false\n"
        '[model_secrets.secrets."openai/api-key"]\napi_key = "sk-x"\n'
    )
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path), "PULUMI_CONFIG_PASSPHRASE": "p"}
    result = run_cli("preview", "--config", str(config), env=env)
    assert result.returncode == 1
    assert "Pulumi CLI missing" in result.stderr and "get.pulumi.com" in result.stderr
    assert "sk-x" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "args", [["preview", "--stack"], ["preview", "--config"], ["preview"], ["up", "--bogus"]]
)
def test_cli_usage_errors_exit_64_which_no_success_shares(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == commands.EXIT_USAGE == 64
    assert "usage:" in result.stderr
    assert result.returncode not in {commands.EXIT_OK, commands.EXIT_CHANGES}


def test_preview_refuses_objects_that_exist_and_names_each(
    tmp_path: Path, settings: Settings
) -> None:
    """The seeded server holds the policy ai-models-read and the mount ai-models/ (the
    inference-api approle uses that policy): a preview that would create them runs nothing."""
    raw = with_models(mount_path="ai-models", policy_name="ai-models-read")
    command = ReplayCommand(FIXTURES / "up-3.json")
    engine = make_engine(tmp_path, command, raw)
    err = io.StringIO()
    assert commands.preview(engine, settings, False, io.StringIO(), err) == commands.EXIT_ERROR
    said = err.getvalue()
    assert said.startswith("vault-console: Exists on the server; nothing was run:")
    assert "this stack did not make them" in said
    assert "  KV v2 mount ai-models/ (kv v2 mount" in said
    assert "  ACL policy ai-models-read (" in said
    assert "  secret ai-models/openai/api-key" not in said  # the seed has prod/openai, not this
    assert "--adopt" in said
    assert not any(c.args[0] == "preview" for c in command.calls)


def test_preview_with_adopt_imports_what_exists(tmp_path: Path, settings: Settings) -> None:
    raw = with_models(policy_name="ai-models-read")
    command = ReplayCommand(FIXTURES / "up-3.json")
    engine = make_engine(tmp_path, command, raw)
    out = io.StringIO()
    code = commands.preview(engine, settings, True, out, io.StringIO(), adopt=True)
    assert code == commands.EXIT_CHANGES
    assert json.loads(out.getvalue())["adopted"] == [
        {"kind": "ACL policy", "where": "ai-models-read", "holds": "7 lines of HCL"}
    ]
    # The program got the import: the settings the preview ran with name the policy.
    workspace = engine.stack().workspace
    stack_config = workspace.stack_settings("dev").config or {}
    stored = json.loads(str(stack_config["vault-ai-secrets:settings"]))
    assert stored["adopt"] == [["model-secrets-read-policy", "ai-models-read"]]
