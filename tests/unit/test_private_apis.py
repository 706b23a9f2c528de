"""The private APIs of Textual and Pulumi the console uses (textual_private.py,
infra/pulumi_private.py): each test fails when the library renames or changes one."""

from __future__ import annotations

import semver
from textual.app import App

from vault_console import textual_private
from vault_console.app import VaultConsoleApp
from vault_console.config import Settings
from vault_console.infra.pulumi_private import minimum_cli_version


def test_textuals_crash_hook_is_still_the_one_the_app_overrides() -> None:
    hook = getattr(App, textual_private.FATAL_ERROR_HOOK, None)
    assert callable(hook), "Textual no longer calls App._fatal_error on a crash"
    assert VaultConsoleApp._fatal_error is not hook  # ours replaces it (no locals shown)
    assert callable(getattr(App, "_close_messages_no_wait", None))


async def test_the_parts_a_crash_report_reads_are_where_the_wrapper_looks() -> None:
    app = VaultConsoleApp(Settings(address="http://127.0.0.1:1"))
    assert textual_private.fatal_exception(app) is None
    textual_private.print_on_exit(app, "report")
    assert app._exit_renderables == ["report"]


async def test_a_copied_value_does_not_stay_in_textuals_clipboard_copy() -> None:
    app = VaultConsoleApp(Settings(address="http://127.0.0.1:1"))
    App.copy_to_clipboard(app, "s3cret-value")
    assert app.clipboard == "s3cret-value", "Textual keeps its copy elsewhere now"
    textual_private.forget_clipboard(app)
    assert app.clipboard == ""


def test_the_sdk_still_names_its_minimum_cli_version() -> None:
    version = semver.Version.parse(minimum_cli_version())
    assert version >= semver.Version.parse("3.0.0")
