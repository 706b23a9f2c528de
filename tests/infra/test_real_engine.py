"""The engine on the real Pulumi CLI, the real vault provider and a real OpenBao dev server.

Nothing here is replayed: every preview, up and destroy runs ``pulumi`` against the
session's ``bao server -dev``, and the tests read the result back with hvac. The aws
components stay off (OpenBao has no aws plugins, and there is no aws provider plugin here).
"""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import hvac
import pytest
from pulumi.automation.events import EngineEvent

from tests.conftest import settings_for
from tests.infra.gate_program import gated, wait_for
from vault_console.infra.engine import (
    Engine,
    EngineError,
    EngineOptions,
    PulumiCli,
    RunOutcome,
    describe_failure,
)
from vault_console.vault.devserver import DevServer
from vault_console_programs.ai_secrets.config import parse
from vault_console_programs.ai_secrets.program import read_policy_hcl

pytestmark = pytest.mark.needs_pulumi_cli

PASSPHRASE = "real engine passphrase"


class RecordingCli(PulumiCli):
    """The real CLI, remembering the arguments of every command it ran."""

    def __init__(self, command: str) -> None:
        super().__init__(command)
        self.calls: list[list[str]] = []

    def run(self, args: list[str], *rest: Any, **kwargs: Any) -> Any:
        self.calls.append(list(args))
        return super().run(args, *rest, **kwargs)

    def verb(self, name: str) -> list[list[str]]:
        return [a for a in self.calls if name in a[:2]]


def model_raw(mount: str, value: str = "sk-real-engine-value-1") -> dict[str, Any]:
    return {
        "aws_secrets": {"enabled": False},
        "aws_auth": {"enabled": False},
        "model_secrets": {
            "mount_path": mount,
            "policy_name": f"{mount}-read",
            "secrets": {"openai/api-key": {"api_key": value, "org": "org-real"}},
        },
    }


class Bed:
    """One test's stack: a fresh backend and work dir, against a chosen server."""

    def __init__(
        self, tmp_path: Path, cli: str, home: Path, server: DevServer, prefix: str
    ) -> None:
        self.tmp = tmp_path
        self.cli_path = cli
        self.env = {
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_HOME": str(home),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "HOME": str(tmp_path),
        }
        self.server = server
        self.prefix = prefix
        self.stack = f"{prefix}-stack"
        self.clis: list[RecordingCli] = []

    @property
    def provider_env(self) -> dict[str, str]:
        return {"VAULT_ADDR": self.server.address, "VAULT_TOKEN": self.server.root_token}

    def engine(
        self,
        raw: Mapping[str, Any] | None = None,
        *,
        program: Callable[[], None] | None = None,
        env: Mapping[str, str] | None = None,
        verbose: bool = False,
        read_only: bool = False,
        secret_env: Mapping[str, str] | None = None,
    ) -> Engine:
        """An engine whose vault provider goes through the console's guard proxy, as the
        console's own engines do; ``secret_env`` holds the variables secret fields name."""
        config, secrets = parse(raw or model_raw(self.prefix), dict(secret_env or {}))
        cli = RecordingCli(self.cli_path)
        self.clis.append(cli)
        return Engine(
            config,
            secrets,
            options=EngineOptions(stack=self.stack, work_dir=self.tmp / "work", verbose=verbose),
            env={**self.env, **(env or {})},
            vault=settings_for(self.server.address, self.server.root_token, read_only=read_only),
            command=cli,
            program=program,
        )

    def hvac(self) -> hvac.Client:
        return hvac.Client(self.server.address, token=self.server.root_token)

    def locks(self) -> list[Path]:
        return sorted((self.tmp / "state").rglob(".pulumi/locks/**/*.json"))


def step(outcome: RunOutcome, type_suffix: str) -> Any:
    return next(s for s in outcome.plan.steps if s.type.endswith(type_suffix))


def ops(outcome: RunOutcome) -> dict[str, str]:
    """Each resource's op, by resource type (the stack and provider left out)."""
    return {s.type: s.op for s in outcome.plan.steps if not s.type.startswith("pulumi:")}


# -- the whole life of a stack ------------------------------------------------------------


def test_preview_up_noop_update_and_destroy_for_real(bed: Bed) -> None:
    mount = bed.prefix
    client = bed.hvac()
    engine = bed.engine()

    preview = engine.preview()
    assert ops(preview) == {
        "vault:index/mount:Mount": "create",
        "vault:kv/secretV2:SecretV2": "create",
        "vault:index/policy:Policy": "create",
    }
    assert preview.plan.summary == {"create": 4}  # with the stack itself
    assert preview.plan_file is not None and preview.plan_file.is_file()
    assert f"{mount}/" not in client.sys.list_mounted_secrets_engines()["data"]  # only a preview

    applied = engine.up(preview.plan_file)
    up_call = next(a for a in engine_cli(bed).verb("up"))
    assert up_call[up_call.index("--plan") + 1] == str(preview.plan_file)
    assert applied.plan.summary == {"create": 4}
    assert applied.outputs["model_secrets_mount"] == mount

    # What the plan said it would create is what the server now holds.
    mounts = client.sys.list_mounted_secrets_engines()["data"]
    planned_mount = {c.path: c.new for c in step(preview, "Mount").changes}
    assert mounts[f"{planned_mount['path']}/"]["type"] == planned_mount["type"] == "kv"
    assert mounts[f"{mount}/"]["options"]["version"] == planned_mount["options"]["version"]
    planned_policy = {c.path: c.new for c in step(preview, "Policy").changes}
    held_policy = client.sys.read_policy(planned_policy["name"])["data"]["rules"]
    assert held_policy == planned_policy["policy"] == read_policy_hcl(mount, ["openai/api-key"])
    planned_secret = {c.path: c.new for c in step(preview, "SecretV2").changes}
    assert planned_secret["dataJson"] == "[secret]"  # masked in the plan, never shown
    held = client.secrets.kv.v2.read_secret_version(
        planned_secret["name"], mount_point=planned_secret["mount"], raise_on_deleted_version=True
    )["data"]
    assert held["data"] == {"api_key": "sk-real-engine-value-1", "org": "org-real"}
    assert held["metadata"]["version"] == 1

    again = engine.preview()
    assert not again.plan.has_changes
    assert again.plan.summary == {"same": 4}
    # The state file read in place is what `pulumi stack export` prints, but for secrets:
    # export masks them, the file holds their ciphertext.
    exported = secrets_as_one(engine.stack().export_stack().deployment)
    assert secrets_as_one(engine.deployment_on_disk()) == exported
    assert set(engine.managed()) == {
        "model-secrets-mount",
        "model-secret-openai-api-key",
        "model-secrets-read-policy",
    }

    changed = bed.engine(model_raw(mount, value="sk-real-engine-value-2"))
    update = changed.preview()
    assert ops(update)["vault:kv/secretV2:SecretV2"] == "update"
    assert update.plan.summary == {"same": 3, "update": 1}
    data_change = next(c for c in step(update, "SecretV2").changes if c.path == "dataJson")
    assert (data_change.kind, data_change.old, data_change.new) == (
        "update",
        "[secret]",
        "[secret]",
    )
    assert update.plan_file is not None
    changed.up(update.plan_file)
    held = client.secrets.kv.v2.read_secret_version(
        "openai/api-key", mount_point=mount, raise_on_deleted_version=True
    )["data"]
    assert held["data"]["api_key"] == "sk-real-engine-value-2"
    assert held["metadata"]["version"] == 2

    gone = changed.preview_destroy()
    assert gone.plan.summary == {"delete": 4}
    changed.destroy()
    assert f"{mount}/" not in client.sys.list_mounted_secrets_engines()["data"]
    assert f"{mount}-read" not in client.sys.list_acl_policies()["data"]["keys"]
    assert bed.locks() == []


def secrets_as_one(value: Any) -> Any:
    """``value`` with every Pulumi secret object replaced by one marker."""
    if isinstance(value, dict):
        if "4dabf18193072939515e22adb298388d" in value:
            return "<secret>"
        return {k: secrets_as_one(v) for k, v in value.items()}
    if isinstance(value, list):
        return [secrets_as_one(v) for v in value]
    return value


def engine_cli(bed: Bed) -> RecordingCli:
    return bed.clis[0]


def test_debug_diagnostics_are_hidden_unless_verbose(bed: Bed) -> None:
    quiet = bed.engine().preview()
    assert quiet.plan.debug_hidden > 10  # the engine's "registering resource" lines
    every_diagnostic = quiet.plan.diagnostics + [d for s in quiet.plan.steps for d in s.diagnostics]
    assert not [d for d in every_diagnostic if d.startswith("debug:")]

    loud = bed.engine(verbose=True).preview()
    assert any("registering resource" in d for d in loud.plan.diagnostics)
    assert loud.plan.debug_hidden == 0


def test_only_the_enabled_components_plugins_are_needed(bed: Bed) -> None:
    # The session's PULUMI_HOME holds no aws plugin: a preview with the aws components
    # off must not ask for one (before, every stack set-up installed both).
    engine = bed.engine()
    engine.preview()
    cli = engine_cli(bed)
    assert not [a for a in cli.verb("plugin") if "aws" in a]
    listed = subprocess.run(
        [bed.cli_path, "plugin", "ls", "--json"],
        env={"PULUMI_HOME": bed.env["PULUMI_HOME"], "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert {p["name"] for p in json.loads(listed.stdout)} == {"vault"}


# -- the real engine's failure paths --------------------------------------------------------


def test_a_missing_plugin_is_named_with_its_install_command(bed: Bed, tmp_path: Path) -> None:
    engine = bed.engine(env={"PULUMI_HOME": str(tmp_path / "empty-pulumi-home")})
    with pytest.raises(EngineError) as caught:
        engine.preview()
    assert caught.value.title == "Plugin missing"
    assert "`pulumi plugin install resource vault v7.14.0`" in caught.value.message
    assert "downloading from" not in caught.value.message  # no raw engine line


def test_a_wrong_passphrase_is_reported_as_such(bed: Bed) -> None:
    first = bed.engine()
    preview = first.preview()
    assert preview.plan_file is not None
    first.up(preview.plan_file)
    wrong = bed.engine(env={"PULUMI_CONFIG_PASSPHRASE": "not the passphrase"})
    with pytest.raises(Exception) as caught:
        wrong.preview()
    described = describe_failure(caught.value, bed.stack)
    assert described.title == "Passphrase missing or wrong"
    assert "PULUMI_CONFIG_PASSPHRASE" in described.message
    first.destroy()


def run_in_thread(call: Callable[[], RunOutcome]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def wait_for_event(
    seen: list[EngineEvent], test: Callable[[EngineEvent], bool], timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(test(e) for e in list(seen)):
            return
        time.sleep(0.05)
    raise AssertionError("the engine never sent the expected event")


def created(name: str) -> Callable[[EngineEvent], bool]:
    def test(event: EngineEvent) -> bool:
        outputs = event.res_outputs_event
        return outputs is not None and outputs.metadata.urn.endswith(f"::{name}")

    return test


def planned(name: str) -> Callable[[EngineEvent], bool]:
    def test(event: EngineEvent) -> bool:
        pre = event.resource_pre_event
        return pre is not None and pre.metadata.urn.endswith(f"::{name}")

    return test


def test_cancel_mid_preview_stops_it_and_leaves_no_lock(bed: Bed) -> None:
    gate = bed.tmp / "gate"
    engine = bed.engine(program=gated(bed.prefix, gate))
    seen: list[EngineEvent] = []
    thread, box = run_in_thread(lambda: engine.preview(on_event=seen.append))
    wait_for_event(seen, planned("first"))
    assert engine.cancel() is True
    thread.join(60)
    assert not thread.is_alive()
    assert "result" not in box
    described = describe_failure(box["error"], bed.stack)
    assert described.title == "Cancelled"
    assert bed.locks() == []
    gate.touch()
    assert bed.engine(program=gated(bed.prefix, gate)).preview().plan.summary == {"create": 3}


def up_held_at_the_gate(bed: Bed, gate: Path) -> tuple[Engine, threading.Thread, dict[str, Any]]:
    """Preview the gated program (gate open), then start ``up`` with the gate shut and
    return once the first mount exists: the update is running, holding the lock."""
    engine = bed.engine(program=gated(bed.prefix, gate))
    gate.touch()
    preview = engine.preview()
    gate.unlink()
    assert preview.plan_file is not None
    seen: list[EngineEvent] = []
    plan_file = preview.plan_file
    thread, box = run_in_thread(lambda: engine.up(plan_file, on_event=seen.append))
    wait_for_event(seen, created("first"))
    return engine, thread, box


def test_cancel_mid_up_keeps_what_was_made_and_releases_the_lock(bed: Bed) -> None:
    gate = bed.tmp / "gate"
    engine, thread, box = up_held_at_the_gate(bed, gate)
    assert len(bed.locks()) == 1  # a real update holds the lock now
    assert engine.cancel() is True
    thread.join(60)
    assert not thread.is_alive()
    described = describe_failure(box["error"], bed.stack)
    assert described.title == "Cancelled"
    assert "expected resource operations" not in described.message
    assert bed.locks() == []
    mounts = bed.hvac().sys.list_mounted_secrets_engines()["data"]
    assert f"{bed.prefix}-first/" in mounts and f"{bed.prefix}-second/" not in mounts
    deployment = engine.stack().export_stack().deployment
    assert deployment is not None
    state = deployment["resources"]
    assert [
        r["urn"].rsplit("::", 1)[-1] for r in state if r["type"] == "vault:index/mount:Mount"
    ] == ["first"]
    gate.touch()
    with pytest.raises(EngineError, match="Cancelled at your request"):
        engine.destroy()  # the cancel holds until a new run begins
    engine.begin()
    engine.destroy()


def test_a_lock_held_by_another_process_names_it(bed: Bed) -> None:
    gate = bed.tmp / "gate"
    started = bed.tmp / "holder-started"
    spec = bed.tmp / "holder.json"
    spec.write_text(
        json.dumps(
            {
                "raw": model_raw(bed.prefix),
                "stack": bed.stack,
                "work_dir": str(bed.tmp / "holder-work"),
                "provider_env": bed.provider_env,
                "prefix": bed.prefix,
                "gate": str(gate),
                "started": str(started),
            }
        )
    )
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.infra.lock_holder", str(spec)],
        env={**bed.env, "PATH": str(Path(bed.cli_path).parent) + ":/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert wait_for(started, 90), "the holder never started its update"
        deadline = time.monotonic() + 60
        while not bed.locks() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert bed.locks(), "the holder's update never took the lock"
        engine = bed.engine(program=gated(bed.prefix, gate))
        with pytest.raises(Exception) as caught:
            engine.stack().up(color="never")
        described = describe_failure(caught.value, bed.stack)
        assert described.title == "Stack is locked"
        locker = re.search(r"\(pid (\d+)\)", described.message)
        assert locker, described.message
        # The lock names the holder's `pulumi` process, a child of the holder.
        parent = Path(f"/proc/{locker[1]}/stat").read_text().rsplit(")", 1)[1].split()[1]
        assert int(parent) == holder.pid
        assert "never clears locks" in described.message
        assert bed.locks(), "the console must not clear another process's lock"
    finally:
        gate.touch()
        holder.wait(90)
    assert holder.returncode == 0
    assert bed.locks() == []


# The abort leaves the SDK's run_in_stack coroutine to fail in its cleanup when collected;
# the engine keeps that off stderr (pyproject makes an unraisable exception an error).
def test_up_refuses_when_the_server_changed_after_the_preview(bed: Bed) -> None:
    engine = bed.engine()
    first = engine.preview()
    assert first.plan_file is not None
    engine.up(first.plan_file)
    reviewed = engine.preview()
    assert not reviewed.plan.has_changes
    client = bed.hvac()
    client.secrets.kv.v2.delete_metadata_and_all_versions("openai/api-key", mount_point=bed.prefix)
    assert reviewed.plan_file is not None

    with pytest.raises(Exception) as caught:
        engine.up(reviewed.plan_file)
    described = describe_failure(caught.value, bed.stack)
    assert described.title == "Changed since the preview"
    assert "model-secret-openai-api-key" in described.message
    with pytest.raises(hvac.exceptions.InvalidPath):  # the apply did not recreate it
        client.secrets.kv.v2.read_secret_version(
            "openai/api-key", mount_point=bed.prefix, raise_on_deleted_version=True
        )

    drift = engine.preview()  # the next review shows the drift
    assert ops(drift)["vault:kv/secretV2:SecretV2"] == "create"
    engine.destroy()
    gc.collect()  # the abandoned coroutine is collected inside this test


def test_the_server_going_away_mid_apply(
    tmp_path: Path, pulumi_cli: str, pulumi_home: Path
) -> None:
    with DevServer() as server:
        bed = Bed(tmp_path, pulumi_cli, pulumi_home, server, "gone")
        gate = tmp_path / "gate"
        engine, thread, box = up_held_at_the_gate(bed, gate)
        address = server.address
        server.stop()
        gate.touch()
        thread.join(120)
    described = describe_failure(box["error"], bed.stack)
    assert described.title == "Vault unreachable"
    assert address in described.message and "connection refused" in described.message
    assert "sdk-v2/provider2.go" not in described.message
    assert bed.locks() == []
    partial = engine.last_plan
    assert partial is not None
    by_name = {s.name: s for s in partial.steps}
    assert by_name["first"].done and not by_name["first"].failed
    assert by_name["second"].failed


# -- the headless commands, as a pipeline runs them ------------------------------------------


def test_headless_preview_up_destroy_exit_codes_for_real(bed: Bed) -> None:
    config_file = bed.tmp / "stack.toml"
    config_file.write_text(
        "[aws_secrets]\nenabled = false\n[aws_auth]\nenabled = false\n"
        f'[model_secrets]\nmount_path = "{bed.prefix}"\npolicy_name = "{bed.prefix}-read"\n'
        '[model_secrets.secrets."openai/api-key"]\napi_key = { env = "MODEL_KEY" }\n'
    )
    env = {
        **bed.env,
        "PATH": f"{Path(bed.cli_path).parent}:{Path(sys.executable).parent}:/usr/bin:/bin",
        "VAULT_ADDR": bed.server.address,
        "VAULT_TOKEN": bed.server.root_token,
        "MODEL_KEY": "sk-headless-value-123",
        "TMPDIR": str(bed.tmp / "tmp"),  # where each run's work folder goes, and goes away
    }
    (bed.tmp / "tmp").mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "vault_console", *args, "--config", str(config_file),
             "--stack", bed.stack],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        for text in (done.stdout, done.stderr):
            assert "sk-headless-value-123" not in text
            assert bed.server.root_token not in text
        assert list((bed.tmp / "tmp").glob("vault-console-stack-*")) == []  # none left
        return done

    preview = run("preview", "--json")
    assert preview.returncode == 2, preview.stderr
    body = json.loads(preview.stdout)
    assert body["summary"] == {"create": 4}
    assert not [d for d in body["diagnostics"] if d.startswith("debug:")]

    verbose = run("preview", "--verbose")
    assert verbose.returncode == 2
    assert "registering resource" in verbose.stdout

    text = run("preview")
    assert "debug:" not in text.stdout and "debug diagnostics hidden" in text.stdout

    applied = run("up", "--yes")
    assert applied.returncode == 0, applied.stderr
    assert f'model_secrets_mount = "{bed.prefix}"' in applied.stdout
    held = bed.hvac().secrets.kv.v2.read_secret_version(
        "openai/api-key", mount_point=bed.prefix, raise_on_deleted_version=True
    )
    assert held["data"]["data"] == {"api_key": "sk-headless-value-123"}

    assert run("preview").returncode == 0  # no changes

    destroyed = run("destroy", "--yes")
    assert destroyed.returncode == 0, destroyed.stderr
    assert f"{bed.prefix}/" not in bed.hvac().sys.list_mounted_secrets_engines()["data"]


def test_state_is_private_and_nothing_is_left_behind(bed: Bed) -> None:
    """The file backend used to be 0755/0644 (the secrets' ciphertext and salt readable by
    every local user); every headless run left a vault-console-stack-* folder in /tmp; the
    CLI's automatic logs kept the secret values, encrypted, for a week."""
    state = bed.tmp / "state" / "vault-console" / "pulumi"
    state.mkdir(parents=True)
    state.chmod(0o755)
    (state / "left-by-an-older-run.json").write_text("{}")
    (state / "left-by-an-older-run.json").chmod(0o644)
    config, secrets = parse(model_raw(bed.prefix), {})
    cli = RecordingCli(bed.cli_path)
    engine = Engine(
        config,
        secrets,
        options=EngineOptions(stack=bed.stack),  # no work dir given: a temporary one
        env=bed.env,
        vault=settings_for(bed.server.address, bed.server.root_token),
        command=cli,
    )
    with engine:
        preview = engine.preview()
        assert preview.plan_file is not None
        work = preview.plan_file.parent
        assert work.name.startswith("vault-console-stack-")
        engine.up(preview.plan_file)
        logs = Path(bed.env["PULUMI_HOME"]) / "logs"
        assert any(str(pid) in p.name for p in logs.iterdir() for pid in cli.pids)
    assert not work.exists()  # the temporary work folder is gone
    assert not [p for p in logs.iterdir() for pid in cli.pids if f"-{pid}-" in p.name]
    assert not [p for p in logs.iterdir() if "+vault-ai-secrets+" in p.name]
    modes = {
        path: path.stat().st_mode & 0o777
        for path in [state, *state.rglob("*")]
        if not path.is_symlink()
    }
    assert modes and all(
        mode == (0o700 if path.is_dir() else 0o600) for path, mode in modes.items()
    ), {str(p): oct(m) for p, m in modes.items() if m not in (0o700, 0o600)}
    bed.engine().destroy()


def test_an_apply_checks_the_server_before_it_writes_anything(bed: Bed) -> None:
    """The engine's own "violates plan" check comes per resource: the reviewed secret
    update was written before the changed policy stopped the apply. Checked first now."""
    engine = bed.engine()
    first = engine.preview()
    assert first.plan_file is not None
    engine.up(first.plan_file)
    changed = bed.engine(model_raw(bed.prefix, value="sk-real-engine-value-2"))
    reviewed = changed.preview()  # the secret's value changes: one update
    assert ops(reviewed)["vault:kv/secretV2:SecretV2"] == "update"
    client = bed.hvac()
    client.sys.delete_policy(f"{bed.prefix}-read")  # the server changes after the review
    assert reviewed.plan_file is not None
    with pytest.raises(EngineError) as caught:
        changed.up(reviewed.plan_file, reviewed=reviewed.plan)
    assert caught.value.title == "Changed since the preview"
    assert "model-secrets-read-policy" in caught.value.message
    assert "Nothing was written" in caught.value.message
    held = client.secrets.kv.v2.read_secret_version(
        "openai/api-key", mount_point=bed.prefix, raise_on_deleted_version=True
    )["data"]
    assert held["metadata"]["version"] == 1 and held["data"]["api_key"] == "sk-real-engine-value-1"
    assert not bed.clis[1].verb("up")  # the apply never started
    changed.destroy()


def test_a_passphrase_that_is_part_of_a_name_does_not_corrupt_what_the_engine_reads(
    bed: Bed,
) -> None:
    """Secret strings are redacted from what the CLI prints, but not from the JSON the
    engine parses: a passphrase equal to the policy's name once turned its id in `stack
    export` into "[secret]", and an applied stack's own objects read as someone else's."""
    engine = bed.engine(env={"PULUMI_CONFIG_PASSPHRASE": f"{bed.prefix}-read"})
    preview = engine.preview()
    assert preview.plan_file is not None
    engine.up(preview.plan_file)
    exported = engine.stack().export_stack().deployment or {}
    ids = {r.get("id") for r in exported.get("resources", []) if r.get("custom")}
    assert bed.prefix in ids and f"{bed.prefix}-read" in ids
    assert engine.stack().outputs()["read_policy"].value == f"{bed.prefix}-read"
    engine.destroy()
