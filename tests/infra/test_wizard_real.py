"""The setup wizard and the destroy screen on the real Pulumi CLI, the real vault provider
and the session's real OpenBao dev server; every result is read back with hvac.

The aws components stay off: OpenBao has no aws plugins (the wizard says so and skips
them), and there is no aws provider plugin on this machine.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hvac
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Log, Tree

from tests.conftest import settings_for
from tests.functional.helpers import screen_text, settle
from tests.functional.test_wizard import field, shown, type_into
from tests.infra.gate_program import gated
from tests.infra.test_real_engine import RecordingCli
from vault_console.app import VaultConsoleApp, make_app
from vault_console.screens.browse.screen import MainScreen
from vault_console.screens.wizard.destroy import DestroyScreen
from vault_console.screens.wizard.screen import WizardScreen
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.widgets.fitted_table import FittedTable
from vault_console_programs.ai_secrets.program import read_policy_hcl

pytestmark = pytest.mark.needs_pulumi_cli

SIZE = (140, 50)
VALUE = "sk-wizard-real-engine-value"
_names = itertools.count()


class Run:
    """One test's app: a fresh state dir and backend, the real CLI recorded."""

    def __init__(self, tmp: Path, cli: str, home: Path, server: DevServer) -> None:
        self.cli_path = cli
        self.clis: list[RecordingCli] = []
        self.server = server
        self.prefix = f"wz{next(_names)}-{os.getpid()}"
        self.stack = f"{self.prefix}-stack"
        self.env = {
            "PATH": f"{Path(cli).parent}:{os.environ['PATH']}",
            "HOME": str(tmp),
            "XDG_STATE_HOME": str(tmp / "state"),
            "XDG_CONFIG_HOME": str(tmp / "config"),
            "PULUMI_HOME": str(home),
            "PULUMI_CONFIG_PASSPHRASE": "wizard real engine",
        }

    def command(self) -> RecordingCli:
        cli = RecordingCli(self.cli_path)
        self.clis.append(cli)
        return cli

    def app(self, **changes: Any) -> VaultConsoleApp:
        settings = settings_for(self.server.address, self.server.root_token, **changes)
        return make_app(settings, env=self.env)

    def wizard(self, program: Callable[[], None] | None = None) -> WizardScreen:
        return WizardScreen(self.stack, command=self.command, program=program)

    def hvac(self) -> hvac.Client:
        return hvac.Client(self.server.address, token=self.server.root_token)


@pytest.fixture
def run(tmp_path: Path, pulumi_cli: str, pulumi_home: Path, bao_stock: DevServer) -> Run:
    """On a stock OpenBao (no aws plugins): the wizard offers to skip the AWS components."""
    return Run(tmp_path, pulumi_cli, pulumi_home, bao_stock)


async def until(pilot: Pilot[int], test: Callable[[], bool], timeout: float = 120.0) -> None:
    """Let the app run until ``test`` holds (an engine step is on screen)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return
        await pilot.pause(0.1)
    raise AssertionError("the wizard never got there")


async def fill_model_secrets(pilot: Pilot[int], app: VaultConsoleApp, run: Run) -> WizardScreen:
    screen = app.screen
    assert isinstance(screen, WizardScreen)
    await settle(pilot)
    await pilot.click("#skip-aws")
    await settle(pilot)
    await pilot.press("ctrl+n", "ctrl+n")
    await settle(pilot)
    assert screen.current == "components"
    await type_into(pilot, app, "model_secrets.mount_path", run.prefix)
    await type_into(pilot, app, "model_secrets.policy_name", f"{run.prefix}-read")
    await type_into(pilot, app, "model_secrets.rows[0].value", VALUE)
    return screen


def diff_rows(app: VaultConsoleApp) -> list[str]:
    """The diff's rows, each cell in full (a narrow terminal would shorten what shows)."""
    table = app.screen.query_one("#review-diff", FittedTable)
    return [" ".join(str(c) for c in row).strip() for row in table.rows_as_given]


async def test_wizard_previews_applies_the_reviewed_plan_verifies_and_destroys(run: Run) -> None:
    app = run.app()
    client = run.hvac()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "review"
        await until(pilot, lambda: screen.running is None)
        await settle(pilot)

        # Progress showed from the key press on: the set-up steps, then the engine's.
        lines = list(app.screen.query_one("#review-progress", Log).lines)
        steps = [
            f"Selecting stack {run.stack} (created on its first run)…",
            "Checking the provider plugins…",
            "Looking for what exists on the server already…",
            "Previewing (refreshing what the stack holds first)…",
        ]
        assert [line for line in lines if line in steps] == steps
        assert len(lines) > len(steps)  # and the engine's own lines after them

        # The review: counts, the diff by component, the secret masked, the policy HCL.
        assert shown(app, "#review-header") == f"Stack {run.stack}, namespace root: +4 create"
        rows = diff_rows(app)
        assert rows[0] == "Model secrets (KV v2)"
        assert "+ create   vault:Mount model-secrets-mount" in rows
        assert "dataJson [secret]" in rows
        assert not any("default_7_14_0" in r for r in rows)  # providers are not shown
        assert VALUE not in screen_text(app)
        hcl = read_policy_hcl(run.prefix, ["openai/api-key"])
        assert hcl.splitlines()[0] in shown(app, "#review-documents")
        preview = screen.state.preview
        assert preview is not None and preview.plan_file is not None
        plan_file = preview.plan_file

        await pilot.press("ctrl+n")  # confirm: creates only, no name to type
        await settle(pilot)
        assert screen.current == "confirm"
        assert plan_file.name in shown(app, "#confirm-body")
        await pilot.press("ctrl+n")
        await settle(pilot)
        await until(pilot, lambda: screen.current == "result")
        await app.workers.wait_for_complete()
        await settle(pilot)

        # The apply ran `pulumi up --plan` with the review's own plan file.
        up_calls = [c for cli in run.clis for c in cli.verb("up")]
        assert len(up_calls) == 1
        assert up_calls[0][up_calls[0].index("--plan") + 1] == str(plan_file)

        checks = screen.state.verifications
        assert checks is not None and all(c.ok for c in checks), checks
        assert "(value not read)" in shown(app, "#result-checks")
        assert "iam_login" not in shown(app, "#result-snippet")  # aws auth is off here
        assert "read_secret_version" in shown(app, "#result-snippet")
        # The service gets the cluster's address, which may not be this console's node.
        assert f"hvac.Client(url={app.settings.address!r})" in shown(app, "#result-snippet")
        address = screen.query_one("#result-address", Input)
        address.value = "https://vault.example.internal:8200"
        await pilot.pause()
        assert "url='https://vault.example.internal:8200'" in shown(app, "#result-snippet")
        address.value = "vault.example.internal"
        await pilot.pause()
        said = shown(app, "#result-snippet")
        assert said.startswith("No snippet: address for the service") and "url=" not in said
        screen.query_one("#result-outputs").focus()  # back to the step's keys

        mounts = client.sys.list_mounted_secrets_engines()["data"]
        assert mounts[f"{run.prefix}/"]["options"]["version"] == "2"
        assert client.sys.read_policy(f"{run.prefix}-read")["data"]["rules"] == hcl
        meta = client.secrets.kv.v2.read_secret_metadata("openai/api-key", mount_point=run.prefix)
        assert meta["data"]["current_version"] == 1
        stored = client.secrets.kv.v2.read_secret_version(
            "openai/api-key", mount_point=run.prefix, raise_on_deleted_version=True
        )
        assert stored["data"]["data"] == {"api_key": VALUE}

        await pilot.press("g")  # jump to the new secret in the browser
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        panel_shown = app.screen.query_one("SecretPanel").shown  # type: ignore[attr-defined]
        assert panel_shown is not None and panel_shown.secret.path == "openai/api-key"
        cursor = app.screen.query_one("#kv-tree", Tree).cursor_node  # shown in the tree too
        assert cursor is not None and cursor.data is not None
        assert cursor.data.path == "openai/api-key"

        # Destroy from the console: preview as a diff, then the stack name typed.
        await app.push_screen(DestroyScreen(run.stack, command=run.command))
        await settle(pilot)
        await pilot.click("#destroy-preview")
        await until(pilot, lambda: app.screen.query_one("#destroy-run").display)
        assert "-4 delete" in shown(app, "#destroy-header")
        await type_into(pilot, app, "destroy.confirm", "wrong")
        await pilot.click("#destroy-run")
        await settle(pilot)
        assert f"{run.prefix}/" in client.sys.list_mounted_secrets_engines()["data"]
        await type_into(pilot, app, "destroy.confirm", run.stack)
        await pilot.press("enter")
        await until(pilot, lambda: "Destroyed" in shown(app, "#destroy-header"))
        assert f"{run.prefix}/" not in client.sys.list_mounted_secrets_engines()["data"]
        main = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        mounts = main.query_one("#mounts-table", FittedTable)
        await until(  # the mounts view, under the destroy screen, listed them again
            pilot, lambda: not any(f"{run.prefix}/" in str(r[0]) for r in mounts.rows_as_given)
        )


async def test_running_again_starts_from_saved_answers_and_shows_drift(run: Run) -> None:
    app = run.app()
    client = run.hvac()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.state.preview is not None)
        await pilot.press("ctrl+n", "ctrl+n")
        await until(pilot, lambda: screen.current == "result")
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+n")  # Finish
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        # The mounts view lists what the apply made, without a key press.
        mounts = app.screen.query_one("#mounts-table", FittedTable)
        await until(pilot, lambda: any(f"{run.prefix}/" in str(r[0]) for r in mounts.rows_as_given))

        client.sys.delete_policy(f"{run.prefix}-read")  # by hand, outside the stack

        await app.push_screen(run.wizard())
        await settle(pilot)
        again = app.screen
        assert isinstance(again, WizardScreen)
        assert again.state.answers.raw["model_secrets"]["mount_path"] == run.prefix
        await pilot.press("ctrl+n", "ctrl+n")
        await settle(pilot)
        assert field(app, "model_secrets.mount_path").value == run.prefix
        await type_into(pilot, app, "model_secrets.rows[0].value", VALUE)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: again.state.preview is not None)
        await settle(pilot)
        assert "~1 update" in shown(app, "#review-header")
        drift = shown(app, "#review-drift")
        assert "model-secrets-read-policy (policy)" in drift


async def test_cancel_mid_preview_and_mid_apply(run: Run, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    app = run.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard(program=gated(run.prefix, gate)))
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")

        def logged(log: str, text: str) -> Callable[[], bool]:
            def test() -> bool:
                return any(text in line for line in app.screen.query_one(log, Log).lines)

            return test

        await until(pilot, logged("#review-progress", "mount:Mount first"))
        await pilot.press("escape")  # cancel the running preview
        await until(pilot, lambda: screen.running is None)
        await settle(pilot)
        assert shown(app, "#review-header") == "✖ Cancelled"
        assert isinstance(app.screen, WizardScreen)  # Esc cancelled, it did not leave

        gate.touch()
        await pilot.click("#preview-again")
        await until(pilot, lambda: screen.state.preview is not None)
        gate.unlink()  # the apply will wait at the gate
        await pilot.press("ctrl+n", "ctrl+n")
        await until(pilot, lambda: screen.current == "apply")
        await until(pilot, logged("#apply-progress", "✔ create vault:index/mount:Mount first"))
        await pilot.press("escape")
        await until(pilot, lambda: screen.running is None)
        await settle(pilot)
        assert shown(app, "#apply-header") == "✖ Cancelled", shown(app, "#apply-status")
        status = shown(app, "#apply-status")
        assert "Made: first" in status
        assert "Not made:" in status and "second" in status
        assert app.screen.query_one("#refresh-state").display
        mounts = run.hvac().sys.list_mounted_secrets_engines()["data"]
        assert f"{run.prefix}-first/" in mounts
        assert f"{run.prefix}-second/" not in mounts

        await pilot.click("#refresh-state")
        await until(pilot, lambda: screen.running is None)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "now matches the server" in shown(app, "#apply-status")


async def test_a_missing_provider_plugin_is_named_with_its_install_command(
    run: Run, tmp_path: Path
) -> None:
    empty_home = tmp_path / "empty-pulumi-home"
    empty_home.mkdir()
    run.env["PULUMI_HOME"] = str(empty_home)
    app = run.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.running is None and screen.current == "review")
        await settle(pilot)
        assert shown(app, "#review-header") == "✖ Plugin missing"
        assert "pulumi plugin install resource vault v7.14.0" in shown(app, "#review-status")
        assert app.screen.query_one("#open-recorded").display  # a recorded plan still opens


async def test_an_existing_policy_is_shown_then_adopted_with_its_hcl_before_and_after(
    run: Run,
) -> None:
    """The default policy name is the seeded ``ai-models-read`` (the inference-api approle
    carries it): the review previews nothing until the operator adopts it, then shows the
    import and the policy as it is now beside what the stack writes."""
    app = run.app()
    client = run.hvac()
    before = client.sys.read_policy("ai-models-read")["data"]["rules"]
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await app.push_screen(run.wizard())
            screen = await fill_model_secrets(pilot, app, run)
            await type_into(pilot, app, "model_secrets.policy_name", "ai-models-read")
            await pilot.press("ctrl+n")
            await until(pilot, lambda: screen.running is None and screen.current == "review")
            await settle(pilot)
            assert shown(app, "#review-header") == (
                "✖ 1 object exists on the server; this stack did not make it"
            )
            assert "• ACL policy ai-models-read (" in shown(app, "#review-status")
            assert screen.state.preview is None and not diff_rows(app)  # nothing previewed
            assert not [c for cli in run.clis for c in cli.verb("preview")]
            await pilot.press("ctrl+n")  # Next is refused: nothing was reviewed
            await settle(pilot)
            assert screen.current == "review"
            assert client.sys.read_policy("ai-models-read")["data"]["rules"] == before

            await pilot.click("#adopt-existing")
            await until(pilot, lambda: screen.state.preview is not None)
            await settle(pilot)
            assert "=1 import, ~1 update" in shown(app, "#review-header")
            rows = diff_rows(app)
            assert "= import   vault:Policy model-secrets-read-policy" in rows
            assert "~ update   vault:Policy model-secrets-read-policy" in rows
            docs = shown(app, "#review-documents")
            assert "ai-models-read NOW ON THE SERVER" in docs
            assert before.splitlines()[0] in docs  # the HCL it replaces, before the new one
            assert "Adopting what exists" in shown(app, "#review-status")

            await pilot.press("ctrl+n")
            await settle(pilot)
            assert screen.current == "confirm"  # adopting asks for the stack name
            assert "adopt and change ACL policy ai-models-read" in shown(app, "#confirm-body")
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert screen.current == "confirm"
            await type_into(pilot, app, "confirm.stack", run.stack)
            await pilot.press("ctrl+n")
            await until(pilot, lambda: screen.current == "result")
            await app.workers.wait_for_complete()
            hcl = read_policy_hcl(run.prefix, ["openai/api-key"])
            assert client.sys.read_policy("ai-models-read")["data"]["rules"] == hcl
    finally:
        client.sys.create_or_update_policy("ai-models-read", before)


async def test_a_changed_value_alone_makes_a_new_preview_and_the_apply_writes_it(
    run: Run,
) -> None:
    """The review was reused when only a value changed (the saved TOML holds none), and the
    apply wrote the old value."""
    app = run.app()
    client = run.hvac()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.state.preview is not None)
        previews = sum(len(cli.verb("preview")) for cli in run.clis)
        await pilot.press("ctrl+b")
        await settle(pilot)
        await type_into(pilot, app, "model_secrets.rows[0].value", VALUE + "-3")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.running is None and screen.state.preview is not None)
        await settle(pilot)
        assert sum(len(cli.verb("preview")) for cli in run.clis) > previews  # previewed anew
        await pilot.press("ctrl+n", "ctrl+n")
        await until(pilot, lambda: screen.current == "result")
        await app.workers.wait_for_complete()
        await settle(pilot)
        stored = client.secrets.kv.v2.read_secret_version(
            "openai/api-key", mount_point=run.prefix, raise_on_deleted_version=True
        )
        assert stored["data"]["data"] == {"api_key": VALUE + "-3"}
        assert "version 1, written " in shown(app, "#result-checks")


async def test_what_the_preview_cannot_see_is_said(run: Run) -> None:
    """A secret written by someone else since the apply, and a mount that holds secrets the
    stack never made: the review and the destroy say so before anything is written."""
    app = run.app()
    client = run.hvac()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.state.preview is not None)
        await pilot.press("ctrl+n", "ctrl+n")
        await until(pilot, lambda: screen.current == "result")
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+n")  # Finish
        await settle(pilot)

        client.secrets.kv.v2.create_or_update_secret(
            "openai/api-key", {"api_key": "by someone else", "extra": "x"}, mount_point=run.prefix
        )
        client.secrets.kv.v2.create_or_update_secret(
            "not-stack/canary", {"k": "v"}, mount_point=run.prefix
        )
        await app.push_screen(run.wizard())
        await settle(pilot)
        again = app.screen
        assert isinstance(again, WizardScreen)
        # Its own mount is not said to exist "already": the stack made it.
        assert f"KV v2 mount {run.prefix}/" not in shown(app, "#target-report")
        await pilot.press("ctrl+n", "ctrl+n")
        await settle(pilot)
        await type_into(pilot, app, "model_secrets.rows[0].value", VALUE)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: again.running is None and again.state.preview is not None)
        await settle(pilot)
        drift = shown(app, "#review-drift")
        assert f"secret {run.prefix}/openai/api-key: the stack wrote version 1" in drift
        assert "now holds version 2 (written by someone else)" in drift
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)

        await app.push_screen(DestroyScreen(run.stack, command=run.command))
        await settle(pilot)
        await pilot.click("#destroy-preview")
        await until(pilot, lambda: app.screen.query_one("#destroy-run").display)
        status = shown(app, "#destroy-status")
        assert f"deleting mount {run.prefix}/ deletes the 2 secrets in it" in status
        assert "1 of them not made by this stack (not-stack/canary)" in status
        label = str(app.screen.query_one("#f-destroy-confirm-field .field-label").render())
        assert "and the 2 secrets in its mounts" in label
        await type_into(pilot, app, "destroy.confirm", run.stack)
        await pilot.press("enter")
        await until(pilot, lambda: "Destroyed" in shown(app, "#destroy-header"))


async def test_a_component_the_server_cannot_hold_is_refused_before_any_preview(
    run: Run,
) -> None:
    """Skip the AWS components, then turn AWS auth back on in Components: on a server
    without the aws plugins the preview showed creates and the apply failed half-way."""
    app = run.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        screen.query_one("#on-aws_auth").toggle()  # type: ignore[attr-defined]
        await settle(pilot)
        await type_into(pilot, app, "aws_auth.path", f"{run.prefix}-auth")
        screen.state.answers.raw.setdefault("aws_auth", {})["bound_principal_arn"] = (
            "arn:aws:iam::123456789012:role/inference"
        )
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.running is None and screen.current == "review")
        await settle(pilot)
        assert shown(app, "#review-header") == "✖ The server cannot run these answers"
        assert "has no 'aws' auth method plugin" in shown(app, "#review-status")
        assert screen.state.preview is None
        assert not [c for cli in run.clis for c in cli.verb("preview")]  # nothing ran
        mounts = run.hvac().sys.list_mounted_secrets_engines()["data"]
        assert f"{run.prefix}/" not in mounts


async def test_ctrl_c_cancels_a_running_preview(run: Run, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    app = run.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard(program=gated(run.prefix, gate)))
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(
            pilot,
            lambda: any(
                "mount:Mount first" in line
                for line in app.screen.query_one("#review-progress", Log).lines
            ),
        )
        screen.query_one("#review-diff").focus()  # not an input: ctrl+c there copies
        await pilot.press("ctrl+c")
        await until(pilot, lambda: screen.running is None)
        await settle(pilot)
        assert shown(app, "#review-header") == "✖ Cancelled"
        assert isinstance(app.screen, WizardScreen)
        gate.touch()


async def test_esc_during_the_set_up_stops_before_the_preview_starts(run: Run) -> None:
    app = run.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(
            pilot,
            lambda: any(
                line.startswith("Selecting stack")
                for line in app.screen.query_one("#review-progress", Log).lines
            ),
        )
        await pilot.press("escape")  # the engine's own events have not started yet
        await until(pilot, lambda: screen.running is None)
        await settle(pilot)
        assert shown(app, "#review-header") == "✖ Cancelled"
        assert "Cancelled at your request" in shown(app, "#review-status")
        assert not [c for cli in run.clis for c in cli.verb("preview")]
        assert screen.state.preview is None


async def test_the_destroy_preview_shows_its_rows_at_80x24(run: Run) -> None:
    """At 80x24 the destroy screen's fixed parts once left the plan table no row at all:
    the operator was asked to type the stack name under a list they could not see."""
    app = run.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.state.preview is not None)
        await pilot.press("ctrl+n", "ctrl+n")
        await until(pilot, lambda: screen.current == "result")
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+n")  # Finish
        await settle(pilot)
    app = run.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(DestroyScreen(run.stack, command=run.command))
        await settle(pilot)
        await pilot.click("#destroy-preview")
        await until(pilot, lambda: app.screen.query_one("#destroy-run").display)
        table = app.screen.query_one("#destroy-diff", FittedTable)
        assert table.row_count >= 4
        assert table.size.height >= 6  # the header and rows, not a bare header line
        await type_into(pilot, app, "destroy.confirm", run.stack)
        await pilot.click("#destroy-run")
        await until(pilot, lambda: "Destroyed stack" in shown(app, "#destroy-header"))


async def test_the_answers_saved_as_a_config_file_preview_the_same_plan_headless(
    run: Run,
) -> None:
    """One setup model: the wizard's ctrl+s writes the config file that ``vault-console
    preview --config`` reads, and that headless preview (a new process, the secret value
    in the variable the file names) plans what the wizard's review showed."""
    import json
    import subprocess
    import sys

    from vault_console.infra.setup import secret_env_name

    app = run.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.state.preview is not None)
        assert screen.state.preview is not None
        reviewed = {(s.urn, s.op) for s in screen.state.preview.plan.steps}
        secret_fields = list(screen.state.answers.secrets)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("enter")  # the suggested path, under the state folder
        await settle(pilot)
        saved = Path(run.env["XDG_STATE_HOME"]) / "vault-console" / "configs" / f"{run.stack}.toml"
        await until(pilot, saved.exists, timeout=10)
        await until(pilot, lambda: "previews the same plan" in screen_text(app), timeout=10)
    text = saved.read_text()
    assert VALUE not in text  # the file names the variable, never the value
    assert len(secret_fields) == 1
    env = {
        **run.env,
        "VAULT_ADDR": run.server.address,
        "VAULT_TOKEN": run.server.root_token,
        secret_env_name(secret_fields[0]): VALUE,
    }
    command = [sys.executable, "-m", "vault_console", "preview", "--config", str(saved)]
    done = subprocess.run(
        [*command, "--stack", run.stack, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stdout + done.stderr  # 2: the plan has changes
    headless = {(s["urn"], s["op"]) for s in json.loads(done.stdout)["steps"]}
    assert headless == reviewed
    assert ("create" in {op for _, op in headless}) and VALUE not in done.stdout + done.stderr


async def test_a_changed_model_secret_shows_both_fingerprints_in_the_review(
    run: Run,
) -> None:
    """Issue 21 part 4: after an apply, a new value for the model secret shows in the
    review as the audit log's HMAC of the old (on the server) and of the new, never as
    either value."""
    app = run.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(run.wizard())
        screen = await fill_model_secrets(pilot, app, run)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.state.preview is not None)
        await settle(pilot)
        assert not app.screen.query_one("#review-fingerprints").display  # a new secret
        await pilot.press("ctrl+n", "ctrl+n")
        await until(pilot, lambda: screen.current == "result")
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+n")  # Finish
        await settle(pilot)

        again = run.wizard()
        await app.push_screen(again)
        await settle(pilot)
        await pilot.press("ctrl+n", "ctrl+n")  # target (saved answers), aws (skipped)
        await settle(pilot)
        await type_into(pilot, app, "model_secrets.rows[0].value", VALUE + "-rotated")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: again.running is None and again.state.preview is not None)
        await settle(pilot)
        line = shown(app, "#review-fingerprints")
        gateway = VaultGateway(settings_for(run.server.address, run.server.root_token))
        device = gateway.audit_devices()[0]["path"]
        old = gateway.audit_hash(device, VALUE).split(":")[1][:8]
        new = gateway.audit_hash(device, VALUE + "-rotated").split(":")[1][:8]
        gateway.close()
        assert line == (
            f"Value changes: openai/api-key api_key: hmac-sha256:{old}… → hmac-sha256:{new}…"
        )
        assert VALUE not in screen_text(app)
