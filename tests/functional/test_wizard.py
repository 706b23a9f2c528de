"""The setup wizard's steps, driven by keys on the real OpenBao dev server.

Nothing here needs the Pulumi CLI except where a test proves what happens without it;
tests/infra/test_wizard_real.py runs the engine for real and tests/infra/test_wizard_aws.py
asks a moto server who we are.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path

from textual.widgets import Input, Label

from tests.conftest import pulumi_log
from tests.functional.helpers import screen_text, settle
from vault_console.app import VaultConsoleApp, make_app
from vault_console.config import Settings
from vault_console.infra.setup import SetupAnswers, secret_env_name
from vault_console.screens.browse.screen import MainScreen
from vault_console.screens.plan import PlanScreen
from vault_console.screens.wizard.base import Field, field_id
from vault_console.screens.wizard.screen import WizardScreen
from vault_console.widgets.dialogs import ConfirmScreen, PromptScreen

SIZE = (120, 50)
VALUE = "sk-wizard-functional-value"


def wizard_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PULUMI_CONFIG_PASSPHRASE": "wizard functional",
        **extra,
    }


def wizard(app: VaultConsoleApp) -> WizardScreen:
    screen = app.screen
    assert isinstance(screen, WizardScreen), f"on {screen!r}"
    return screen


def field(app: VaultConsoleApp, name: str) -> Field:
    return app.screen.query_one(f"#{field_id(name)}-field", Field)


def error_of(app: VaultConsoleApp, name: str) -> str:
    """The reason shown under a field ("" when it is accepted)."""
    shown = field(app, name)
    return (
        str(shown.query_one(".field-error", Label).render()) if shown.has_class("-invalid") else ""
    )


def shown(app: VaultConsoleApp, selector: str) -> str:
    """What a Label or Static shows, unwrapped."""
    return str(app.screen.query_one(selector).render())


async def type_into(pilot: object, app: VaultConsoleApp, name: str, text: str) -> None:
    target = field(app, name).input
    target.focus()
    target.value = ""
    await pilot.press(*text)  # type: ignore[attr-defined]


async def open_wizard(pilot: object, app: VaultConsoleApp) -> WizardScreen:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("W")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    return wizard(app)


async def to_components(pilot: object, app: VaultConsoleApp) -> WizardScreen:
    """Target (skipping the AWS components OpenBao cannot run), AWS, on to Components."""
    screen = await open_wizard(pilot, app)
    await pilot.click("#skip-aws")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("ctrl+n")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert screen.current == "aws"
    await pilot.press("ctrl+n")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert screen.current == "components"
    return screen


async def test_target_step_says_openbao_lacks_aws_and_offers_to_skip(
    stock_settings: Settings, tmp_path: Path
) -> None:
    app = make_app(stock_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_wizard(pilot, app)
        text = screen_text(app)
        assert "OpenBao" in text
        assert "has no 'aws' secrets engine plugin (OpenBao ships none built in)" in text
        assert "bao plugin register -sha256=" in shown(app, "#target-report")
        assert "this token can do all" in text  # root: every sys/ path allowed
        # The demo's mount and policy: the review will ask before touching them.
        assert "! KV v2 mount ai-models/ (kv v2 mount" in text
        assert "! ACL policy ai-models-read (" in text

        assert "Skip the AWS components" in screen_text(app)
        assert "Next goes on all the same" in shown(app, "#target-report")

        await pilot.click("#skip-aws")
        await settle(pilot)
        assert screen.state.answers.raw["aws_secrets"]["enabled"] is False
        assert screen.state.answers.raw["aws_auth"]["enabled"] is False
        assert "has no 'aws'" not in screen_text(app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "aws"
        assert "The AWS components are off" in screen_text(app)
        # Nothing to ask: the focus is on no hidden input (the AWS fields are hidden here,
        # the target step behind), so typing changes no field the operator cannot see.
        focused = app.focused
        assert focused is not None and focused.display
        assert all(node.display for node in focused.ancestors if hasattr(node, "display"))
        before = {i.id: i.value for i in screen.query(Input)}
        await pilot.press("x", "y")
        await settle(pilot)
        assert {i.id: i.value for i in screen.query(Input)} == before


async def test_a_token_that_cannot_write_is_told_before_any_step(
    limited_settings: Settings, tmp_path: Path
) -> None:
    app = make_app(limited_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_wizard(pilot, app)
        text = screen_text(app)
        assert "this token cannot do" in text
        assert "✖ sys/mounts/ai-models: enable the KV v2 mount" in text
        # Next goes on: the paths refused may be defaults the operator changes in
        # Components (before, the step could not be left at all).
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "aws"


async def test_bad_input_is_named_under_its_field_and_back_next_keep_answers(
    stock_settings: Settings, tmp_path: Path
) -> None:
    app = make_app(stock_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_components(pilot, app)
        await type_into(pilot, app, "model_secrets.mount_path", "sys")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "components"
        assert error_of(app, "model_secrets.mount_path") == "'sys' is reserved by Vault"
        assert error_of(app, "model_secrets.rows[0].value") == "is empty"  # nothing was saved
        # The notice names the field as the screen does, never an internal name.
        said = [n.message for n in app._notifications][-1]
        assert said == "KV v2 mount path: 'sys' is reserved by Vault (and 1 more)"
        assert "model_secrets" not in said

        # Refused from a button: the first refused field takes the focus, so the next
        # keys go where the error is.
        screen.query_one("#wizard-next").focus()
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.focused is field(app, "model_secrets.mount_path").input

        await type_into(pilot, app, "model_secrets.mount_path", "wizard-fn")
        await type_into(pilot, app, "model_secrets.rows[0].value", VALUE)
        # Leaving the field masks it with the fixed mask, whatever its length.
        field(app, "model_secrets.mount_path").input.focus()
        await settle(pilot)
        assert VALUE not in screen_text(app)
        assert "•" * len(VALUE) not in screen_text(app)

        await pilot.press("ctrl+b")
        await settle(pilot)
        assert screen.current == "aws"
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert field(app, "model_secrets.mount_path").value == "wizard-fn"
        assert field(app, "model_secrets.rows[0].value").value == VALUE


async def test_answers_are_saved_per_stack_without_values_and_reused(
    stock_settings: Settings, tmp_path: Path
) -> None:
    env = wizard_env(tmp_path, PATH="/nonexistent")  # no pulumi: the review fails fast
    app = make_app(stock_settings, env=env)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_components(pilot, app)
        await type_into(pilot, app, "model_secrets.mount_path", "wizard-saved")
        await type_into(pilot, app, "model_secrets.rows[0].value", VALUE)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "review"

    saved = tmp_path / "state" / "vault-console" / "setup" / "dev.toml"
    text = saved.read_text()
    assert VALUE not in text
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    raw = tomllib.loads(text)
    assert raw["model_secrets"]["mount_path"] == "wizard-saved"
    assert raw["model_secrets"]["secrets"]["openai/api-key"]["api_key"] == {
        "env": secret_env_name('model_secrets.secrets."openai/api-key".api_key')
    }

    app = make_app(stock_settings, env=env)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_wizard(pilot, app)
        assert screen.state.answers.raw["model_secrets"]["mount_path"] == "wizard-saved"
        await pilot.press("ctrl+n", "ctrl+n")
        await settle(pilot)
        assert screen.current == "components"
        assert field(app, "model_secrets.mount_path").value == "wizard-saved"
        assert field(app, "model_secrets.rows[0].value").value == ""  # typed again, never saved
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "components"
        assert "saved answers never hold values" in error_of(app, "model_secrets.rows[0].value")
        await type_into(pilot, app, "model_secrets.rows[0].value", "x")
        assert error_of(app, "model_secrets.rows[0].value") == ""  # fixed: the reason goes


async def test_without_the_pulumi_cli_the_review_says_what_to_install_and_opens_a_recording(
    stock_settings: Settings, tmp_path: Path
) -> None:
    app = make_app(stock_settings, env=wizard_env(tmp_path, PATH="/nonexistent"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_components(pilot, app)
        await type_into(pilot, app, "model_secrets.mount_path", "wizard-nocli")
        await type_into(pilot, app, "model_secrets.rows[0].value", VALUE)
        await pilot.press("ctrl+n")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert screen.current == "review"
        assert shown(app, "#review-header") == "✖ Pulumi CLI missing"
        assert "make sure `pulumi` is on PATH" in shown(app, "#review-status")
        # The security effect is readable before any engine runs.
        assert 'path "wizard-nocli/data/openai/api-key"' in shown(app, "#review-documents")

        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "review"  # nothing reviewed: no way on
        said = [n.message for n in app._notifications][-1]
        assert said.startswith("Nothing to apply: the preview did not run (Pulumi CLI missing)")
        assert "wait" not in said  # no preview is coming

        await pilot.click("#open-recorded")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = str(pulumi_log("up-3.json"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)


async def test_escape_asks_before_discarding_typed_answers(
    stock_settings: Settings, tmp_path: Path
) -> None:
    app = make_app(stock_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await to_components(pilot, app)
        await type_into(pilot, app, "model_secrets.mount_path", "typed")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # cancel: back to the wizard, input intact
        await settle(pilot)
        assert field(app, "model_secrets.mount_path").value == "typed"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.click("#yes")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


async def test_read_only_palette_and_review_say_preview_only(
    stock_settings: Settings, tmp_path: Path
) -> None:
    app = make_app(
        dataclasses.replace(stock_settings, read_only=True),
        env=wizard_env(tmp_path, PATH="/nonexistent"),
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        for title in ("Set up AI secrets…", "Preview stack…", "Destroy stack…"):
            assert "read-only: preview only" in commands[title]
        screen = await to_components(pilot, app)
        assert "read-only: preview only" in screen_text(app)
        screen.state.preview = None
        assert not screen._can_leave_review()


def test_saved_answers_load_as_the_same_config(tmp_path: Path) -> None:
    answers = SetupAnswers(raw={"aws_secrets": {"enabled": False}, "aws_auth": {"enabled": False}})
    answers.set_model_secret("a/b", "k", "v-value")
    answers.save(tmp_path, "s1")
    again = SetupAnswers.load(tmp_path, "s1")
    assert again is not None and again.raw == answers.raw


async def test_a_bad_secret_path_or_key_is_said_under_its_field_and_never_ends_the_app(
    stock_settings: Settings, tmp_path: Path
) -> None:
    """``team a/x`` in Components ended the console with StackConfigError on Next."""
    env = wizard_env(tmp_path)
    app = make_app(stock_settings, env=env)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_components(pilot, app)
        await type_into(pilot, app, "model_secrets.mount_path", "wizard-bad-path")
        await type_into(pilot, app, "model_secrets.rows[0].path", "team a/x")
        await type_into(pilot, app, "model_secrets.rows[0].value", VALUE)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.is_running and app._exception is None
        assert screen.current == "components"  # Next is blocked
        assert error_of(app, "model_secrets.rows[0].path") == (
            "is not a secret path (letters, digits, _ . - and /)"
        )
        said = [n.message for n in app._notifications][-1]
        assert said.startswith("Secret path (secret 1): is not a secret path")
    saved = tmp_path / "state" / "vault-console" / "setup" / "dev.toml"
    assert not saved.exists()  # bad answers are not saved


async def test_w_opens_the_stack_of_setup_and_a_new_stack_name_is_checked_again(
    stock_settings: Settings, tmp_path: Path
) -> None:
    env = wizard_env(tmp_path)
    wz = SetupAnswers(
        raw={
            "aws_secrets": {"enabled": False},
            "aws_auth": {"enabled": False},
            "model_secrets": {"mount_path": "wz-models", "policy_name": "wz-read"},
        }
    )
    wz.set_model_secret("openai/api-key", "api_key", VALUE)
    wz.save(tmp_path / "state" / "vault-console", "wz")
    app = make_app(stock_settings, env=env, setup_stack="wz")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = wizard(app)
        assert first.state.stack == "wz"  # `vault-console setup --stack wz`
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("W")  # W opens the same stack, not "dev"
        await settle(pilot)
        screen = wizard(app)
        assert screen.state.stack == "wz"
        assert screen.state.answers.raw["model_secrets"]["mount_path"] == "wz-models"

        await type_into(pilot, app, "stack", "dev")  # another stack: checked again first
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "target"
        assert "Checked again for stack dev" in [n.message for n in app._notifications][-1]
        assert "stack dev · Vault target" in screen_text(app)  # the title says which stack
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "aws"


async def test_the_state_backend_is_an_answer_checked_under_its_field_and_saved(
    stock_settings: Settings, tmp_path: Path
) -> None:
    env = wizard_env(tmp_path, PATH="/nonexistent")
    app = make_app(stock_settings, env=env)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_wizard(pilot, app)
        await type_into(pilot, app, "state.backend", "s3://state?endpoint=http://10.0.0.9:9000")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "target"
        assert "http:// only for 127.0.0.1 or localhost" in error_of(app, "state.backend")
        backend = "s3://team-state/vault?region=eu-west-1"
        await type_into(pilot, app, "state.backend", backend)
        await type_into(pilot, app, "state.secrets_provider", "awskms://alias/pulumi")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current != "target"
        assert screen.state.answers.state().backend == backend
        assert screen.state.answers.state().secrets_provider == "awskms://alias/pulumi"
        assert tomllib.loads(screen.state.answers.config_toml())["state"] == {
            "backend": backend,
            "secrets_provider": "awskms://alias/pulumi",
        }


async def test_a_refused_stack_name_left_behind_does_not_break_the_next_w(
    stock_settings: Settings, tmp_path: Path
) -> None:
    """Found by the wizard's monkey test: a stack name refused at the target step, then
    Esc and leave; W again crashed the app loading that name's answers. W opens the stack
    the wizard last loaded."""
    app = make_app(stock_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot, app)
        await type_into(pilot, app, "stack", "not a / stack")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert "may only hold letters" in shown(app, "#f-stack-field .field-error")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.click("#yes")  # leave, discarding what was typed
        await settle(pilot)
        again = await open_wizard(pilot, app)
        assert app._exception is None
        assert again.state.stack == "dev"
        assert field(app, "stack").value == "dev"


async def test_a_typed_secret_value_shows_its_kind_never_its_text(
    stock_settings: Settings, tmp_path: Path
) -> None:
    app = make_app(stock_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await to_components(pilot, app)
        value = "hf_" + "Q8zT2lWp0XvB7nCr5MyKd3JsLa9GhEu4Fo"
        await type_into(pilot, app, "model_secrets.rows[0].value", value)
        await settle(pilot)
        label = field(app, "model_secrets.rows[0].value").query_one(".field-label")
        assert str(label.render()) == f"Value · Hugging Face token (hf_…) · {len(value)} chars"
        assert value not in screen_text(app)
