"""Engine wiring through the SDK's seam, replaying recorded logs (no real CLI runs here)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import CommandResult
from pulumi.automation.events import EngineEvent

from tests.conftest import PULUMI_EVENTS, pulumi_log
from tests.infra.replay import ReplayCommand
from vault_console.infra.engine import (
    Engine,
    EngineError,
    EngineOptions,
    backend_url,
    describe_failure,
    plugin_versions,
    required_plugins,
)
from vault_console_programs.ai_secrets.config import parse

FIXTURES = PULUMI_EVENTS
RAW = {
    "aws_secrets": {"enabled": False},
    "aws_auth": {"bound_principal_arn": "arn:aws:iam::123456789012:role/inference"},
    "model_secrets": {"secrets": {"openai/api-key": {"api_key": "sk-model-secret-value"}}},
}
ENV = {"PULUMI_CONFIG_PASSPHRASE": "correct horse battery", "HOME": "/nonexistent"}
PROVIDER_ENV = {"VAULT_ADDR": "http://127.0.0.1:8200", "VAULT_TOKEN": "s.vault-token-value"}
SECRETS = ("sk-model-secret-value", "correct horse battery", "s.vault-token-value")


def fixture_log(name: str) -> Path:
    return pulumi_log(name)


def make_engine(
    tmp_path: Path,
    command: ReplayCommand,
    raw: Mapping[str, Any] | None = None,
    **options: object,
) -> Engine:
    config, secrets = parse(raw or RAW, {})
    env = ENV | {"XDG_STATE_HOME": str(tmp_path / "state")}
    return Engine(
        config,
        secrets,
        options=EngineOptions(work_dir=tmp_path / "work", **options),  # type: ignore[arg-type]
        env=env,
        provider_env=PROVIDER_ENV,
        command=command,
    )


@pytest.mark.parametrize("cli_version", ["3.210.0", "3.200.0"], ids=["grpc-events", "file-events"])
def test_preview_streams_events_and_saves_a_plan_that_up_uses(
    tmp_path: Path, cli_version: str
) -> None:
    command = ReplayCommand(fixture_log("up-4.json"), version=cli_version)
    engine = make_engine(tmp_path, command)
    seen: list[EngineEvent] = []

    preview = engine.preview(on_event=seen.append)
    assert preview.plan.summary == {"same": 5, "update": 1}
    assert preview.plan.counts == preview.plan.engine_summary
    assert len(seen) == len(command.events)
    assert preview.plan_file is not None and preview.plan_file.is_file()
    preview_args = next(c for c in command.verbs() if c[0] == "preview")
    assert preview_args[preview_args.index("--save-plan") + 1] == str(preview.plan_file)

    applied = engine.up(preview.plan_file, on_event=seen.append)
    up_args = next(c for c in command.verbs() if c[0] == "up")
    assert up_args[up_args.index("--plan") + 1] == str(preview.plan_file)
    assert applied.plan.summary == {"same": 5, "update": 1}


def test_up_without_a_preview_is_refused(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, ReplayCommand(fixture_log("up-3.json")))
    with pytest.raises(EngineError, match="run a preview first"):
        engine.up(tmp_path / "missing-plan.json")


def test_secret_values_never_reach_the_cli_and_settings_go_to_the_stack_file(
    tmp_path: Path,
) -> None:
    """Secret values go straight to the in-process program as Pulumi secrets: no CLI
    command gets one (argv, stdin or environment), nor does the stack's settings file."""
    command = ReplayCommand(fixture_log("up-3.json"))
    engine = make_engine(tmp_path, command)
    engine.preview()
    for call in command.calls:
        assert not any(secret in " ".join(call.args) for secret in SECRETS), call.args
        seen = (call.stdin or "") + " ".join(call.env.values())
        assert "sk-model-secret-value" not in seen, call.args
    assert not [c for c in command.calls if c.args[0] == "config"]  # no CLI call for config
    settings = (tmp_path / "work" / "Pulumi.dev.yaml").read_text()
    assert "vault-ai-secrets:settings" in settings
    assert not any(secret in settings for secret in SECRETS)


def test_stack_is_created_with_the_local_backend_and_passphrase_provider(tmp_path: Path) -> None:
    command = ReplayCommand(fixture_log("up-3.json"))
    engine = make_engine(tmp_path, command)
    engine.stack()
    pulumi_yaml = (tmp_path / "work" / "Pulumi.yaml").read_text()
    assert f"file://{tmp_path / 'state' / 'vault-console' / 'pulumi'}" in pulumi_yaml
    stack_calls = [c.args for c in command.calls if c.args[0] == "stack"]
    assert stack_calls[:2] == [
        ["stack", "select", "--stack", "dev"],
        ["stack", "init", "dev", "--secrets-provider", "passphrase"],
    ]
    again = make_engine(tmp_path, command)  # the stack exists now: selected, not re-created
    again.stack()
    assert [c.args[1] for c in command.calls if c.args[0] == "stack"][2:] == ["select"]
    env = command.calls[-1].env
    assert env["VAULT_ADDR"] == PROVIDER_ENV["VAULT_ADDR"]
    # The passphrase goes as a private file, so no process's environment holds it.
    assert "PULUMI_CONFIG_PASSPHRASE" not in env
    passphrase = Path(env["PULUMI_CONFIG_PASSPHRASE_FILE"])
    assert passphrase.read_text() == ENV["PULUMI_CONFIG_PASSPHRASE"]
    assert oct(passphrase.stat().st_mode & 0o777) == "0o600"
    again.close()
    assert not passphrase.exists()


def test_the_cli_gets_only_what_it_needs_from_the_consoles_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headless runs handed the CLI (and the provider it starts) the whole environment:
    the token, the passphrase and every secret's variable."""
    from vault_console.infra.engine import process_env

    monkeypatch.setenv("VAULT_TOKEN", "s.console-own-token")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "the-passphrase")
    env = process_env({"VAULT_ADDR": "http://x"})
    assert "PATH" in env and env["VAULT_ADDR"] == "http://x"
    for name in ("VAULT_TOKEN", "OPENAI_API_KEY", "PULUMI_CONFIG_PASSPHRASE"):
        assert name not in env


def test_backend_url_honours_pulumi_backend_url() -> None:
    assert backend_url({"PULUMI_BACKEND_URL": "s3://bucket/state"}) == "s3://bucket/state"
    assert backend_url({"XDG_STATE_HOME": "/s"}) == "file:///s/vault-console/pulumi"
    assert backend_url({}, explicit="https://api.pulumi.com") == "https://api.pulumi.com"


def test_up_returns_no_decrypted_config_and_masks_secret_outputs(tmp_path: Path) -> None:
    command = ReplayCommand(
        fixture_log("up-3.json"),
        outputs={"read_policy": ("ai-models-read", False), "token": ("s.leaked", True)},
        history_config={"vault-ai-secrets:modelSecrets": ("sk-model-secret-value", True)},
    )
    engine = make_engine(tmp_path, command)
    preview = engine.preview()
    assert preview.plan_file is not None
    applied = engine.up(preview.plan_file)
    assert applied.outputs == {"read_policy": "ai-models-read", "token": "[secret]"}
    history = [c.args for c in command.calls if c.args[:2] == ["stack", "history"]]
    assert history and all("--show-secrets" not in args for args in history)


def test_workspace_repr_hides_env(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, ReplayCommand(fixture_log("up-3.json")))
    text = repr(engine.stack().workspace) + repr(engine)
    assert not any(secret in text for secret in SECRETS)


def test_a_raising_callback_never_breaks_the_event_stream(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, ReplayCommand(fixture_log("webserver-userdata.json")))

    def explode(event: EngineEvent) -> None:
        raise RuntimeError("UI went away")

    preview = engine.preview(on_event=explode)
    assert preview.plan.summary == {"replace": 1, "same": 2}
    assert engine.callback_errors and "UI went away" in engine.callback_errors[0]


def test_missing_passphrase_is_explained_before_anything_runs(tmp_path: Path) -> None:
    command = ReplayCommand(fixture_log("up-3.json"))
    config, secrets = parse(RAW, {})
    engine = Engine(
        config,
        secrets,
        env={"HOME": "/x"},
        command=command,
        options=EngineOptions(work_dir=tmp_path),
    )
    with pytest.raises(EngineError, match="PULUMI_CONFIG_PASSPHRASE"):
        engine.preview()
    assert command.calls == []


def test_hashivault_provider_needs_no_passphrase(tmp_path: Path) -> None:
    command = ReplayCommand(fixture_log("up-3.json"))
    config, secrets = parse(RAW, {})
    engine = Engine(
        config,
        secrets,
        env={"HOME": "/x", "XDG_STATE_HOME": str(tmp_path)},
        command=command,
        options=EngineOptions(work_dir=tmp_path / "w", secrets_provider="hashivault://pulumi"),
    )
    engine.stack()
    assert any("hashivault://pulumi" in " ".join(c.args) for c in command.calls)


def test_only_the_plugins_of_enabled_components_are_installed(tmp_path: Path) -> None:
    import importlib.metadata

    command = ReplayCommand(fixture_log("up-3.json"))
    engine = make_engine(tmp_path, command)  # aws auth bound to an existing ARN: no aws:
    assert engine.install_plugins() == {"vault": plugin_versions()["vault"]}
    installs = [c.args for c in command.calls if c.args[:2] == ["plugin", "install"]]
    vault_version = "v" + importlib.metadata.version("pulumi_vault")
    assert installs == [["plugin", "install", "resource", "vault", vault_version]]
    assert set(plugin_versions()) == {"vault", "aws"}


def test_the_aws_plugin_is_required_only_to_create_an_iam_role() -> None:
    creates_role = {**RAW, "aws_auth": {"workload_service": "sagemaker"}}
    assert set(required_plugins(parse(creates_role, {})[0])) == {"vault", "aws"}
    assert set(required_plugins(parse(RAW, {})[0])) == {"vault"}
    only_model = {**RAW, "aws_auth": {"enabled": False}}
    assert set(required_plugins(parse(only_model, {})[0])) == {"vault"}


VERSIONS = plugin_versions()
LOCKED = (
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) "
    "to end or delete the lock file with `pulumi cancel`.\n"
    "  file:///state/.pulumi/locks/organization/vault-ai-secrets/dev/3f1c.json: created by "
    "ana@build-7 (pid 4242) at 2026-11-28T09:12:00Z"
)


@pytest.mark.parametrize(
    ("stderr", "title", "needle"),
    [
        (LOCKED, "Stack is locked", "ana@build-7 (pid 4242) at 2026-11-28T09:12:00Z"),
        (
            "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE",
            "Passphrase missing or wrong",
            "PULUMI_CONFIG_PASSPHRASE",
        ),
        (
            "error: could not find plugin for provider 'vault'",
            "Plugin missing",
            f"`pulumi plugin install resource vault {VERSIONS['vault']}`",
        ),
        (
            f"[resource plugin aws-{VERSIONS['aws'][1:]}] downloading from : failed to download "
            'plugin: Get "https://api.github.com/repos/pulumi/pulumi-aws": dial tcp: '
            "lookup api.github.com: no such host",
            "Plugin missing",
            f"`pulumi plugin install resource aws {VERSIONS['aws']}`",
        ),
        (
            "error: preview failed\n^C received; cancelling. If you would like to terminate "
            "immediately, press ^C again.\nerror: expected resource operations for "
            "urn:pulumi:dev::p::vault:index/mount:Mount::second but none were seen",
            "Cancelled",
            "released the stack's lock",
        ),
        (
            'error: sdk.helper_schema: error writing to Vault: Post "http://127.0.0.1:8200/'
            'v1/sys/mounts/x": dial tcp 127.0.0.1:8200: connect: connection refused',
            "Vault unreachable",
            "http://127.0.0.1:8200 could not be reached (connect: connection refused)",
        ),
        (
            "error: resource urn:pulumi:dev::p::vault:kv/secretV2:SecretV2::model-secret-a "
            "violates plan: properties changed: =+dataJson[{[secret]}]",
            "Changed since the preview",
            "model-secret-a changed since",
        ),
        (
            "error: the current deployment has 1 resource(s) with pending operations",
            "Interrupted apply",
            "--clear-pending-creates",
        ),
        (
            "error: Error making API request.\n\nURL: PUT http://v/v1/sys/mounts/x\nCode: 403. Errors:\n\n* permission denied",
            "Vault refused a change",
            "403 to PUT sys/mounts/x: permission denied",
        ),
        ("error: * plugin not found in the catalog: aws", "Server lacks the AWS plugin", "OpenBao"),
    ],
)
def test_failures_are_mapped_to_clear_messages(
    tmp_path: Path, stderr: str, title: str, needle: str
) -> None:
    failure = CommandResult(stdout="", stderr=stderr + "\nsk-model-secret-value", code=255)
    command = ReplayCommand(fixture_log("up-3.json"), fail={"preview": failure})
    engine = make_engine(tmp_path, command)
    with pytest.raises(Exception) as caught:
        engine.preview()
    described = describe_failure(caught.value)
    assert described.title == title
    assert needle in described.message
    assert "sk-model-secret-value" not in described.message
    if title == "Stack is locked":
        assert "never clears locks" in described.message


def test_missing_cli_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from vault_console.infra.engine import PulumiCli

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineError, match="not found on PATH") as caught:
        PulumiCli()
    assert "get.pulumi.com" in caught.value.message


@pytest.mark.needs_pulumi_cli
def test_real_cli_version_is_read(pulumi_cli: str) -> None:
    from vault_console.infra.engine import PulumiCli

    cli = PulumiCli(pulumi_cli)
    assert cli.version is not None and cli.version.major == 3


FAKE_CLI = """#!/bin/sh
# Stands in for `pulumi` to exercise PulumiCli.run itself (stdin and redaction).
case "$*" in
  version) echo v3.210.0 ;;
  *"config set"*) cat > "$STDIN_CAPTURE" ;;
  *) echo "error: provider said token=s.vault-token-value is bad" >&2; exit 3 ;;
esac
"""


def test_pulumi_cli_run_sends_stdin_and_redacts_errors(tmp_path: Path) -> None:
    from pulumi.automation.errors import CommandError

    from vault_console.infra.engine import PulumiCli

    script = tmp_path / "pulumi"
    script.write_text(FAKE_CLI)
    script.chmod(0o755)
    capture = tmp_path / "stdin.txt"
    cli = PulumiCli(command=str(script), secrets=["s.vault-token-value"])
    assert str(cli.version) == "3.210.0"
    cli.run(
        ["config", "set", "p:k", "--secret"],
        str(tmp_path),
        {"STDIN_CAPTURE": str(capture)},
        stdin="the-secret-value",
    )
    assert capture.read_text() == "the-secret-value"
    with pytest.raises(CommandError) as caught:
        cli.run(["up"], str(tmp_path), {})
    assert "s.vault-token-value" not in str(caught.value)
    assert "token=[secret] is bad" in str(caught.value)


def test_refresh_destroy_outputs_and_cancel_go_through_the_cli(tmp_path: Path) -> None:
    command = ReplayCommand(
        fixture_log("destroy-with-components.json"),
        outputs={"aws_auth_role": ("ai-service", False), "api": ("sk-out", True)},
    )
    engine = make_engine(tmp_path, command)
    refreshed = engine.refresh()
    assert refreshed.plan.summary == {"delete": 2, "same": 1}
    destroyed = engine.destroy()
    assert destroyed.plan.summary == {"delete": 2, "same": 1}
    assert engine.outputs() == {"aws_auth_role": "ai-service", "api": "[secret]"}
    assert engine.cancel() is False  # nothing is running
    verbs = [c.args for c in command.calls]
    refresh = next(a for a in verbs if a[0] == "refresh")
    destroy = next(a for a in verbs if a[0] == "destroy")
    assert "--show-secrets" not in refresh and "--show-secrets" not in destroy
    # `pulumi cancel` would delete the lock under a running update: never run.
    assert not any(a[0] == "cancel" for a in verbs)


def test_a_refusal_keeps_vaults_whole_answer_with_the_path() -> None:
    """Vault's errors span lines; keeping the first lost "permission denied" and the path."""
    from pulumi.automation.errors import create_command_error

    stderr = (
        "error: update failed\n  vault:index/mount:Mount (model-secrets-mount):\n"
        "    error: error writing to Vault: Error making API request.\n\n"
        "URL: POST http://127.0.0.1:8200/v1/sys/mounts/ai-models\n"
        "Code: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n\n"
    )
    described = describe_failure(create_command_error(CommandResult("", stderr, 255)))
    assert described.title == "Vault refused a change"
    assert described.message == "Vault answered 403 to POST sys/mounts/ai-models: permission denied"
