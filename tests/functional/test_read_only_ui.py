"""Read-only mode in the UI: a lasting badge, no write bindings, palette entries or forms."""

from __future__ import annotations

import dataclasses

import pytest

from tests.functional.helpers import open_path, screen_text, settle
from vault_console.app import make_app
from vault_console.config import Settings
from vault_console.errors import ReadOnlyViolation
from vault_console.screens.browse.keys import WRITE_ACTIONS
from vault_console.screens.browse.screen import MainScreen
from vault_console.screens.edit import KeyValueForm


async def test_read_only_hides_every_write_and_the_client_refuses_them(
    root_settings: Settings,
) -> None:
    app = make_app(dataclasses.replace(root_settings, read_only=True))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, "ai-models/prod/openai")
        assert "READ-ONLY" in screen_text(app)
        footer_actions = {
            b.binding.action
            for b in app.screen.active_bindings.values()
            if b.binding.show and b.enabled
        }
        assert not footer_actions & WRITE_ACTIONS

        for key in ("e", "n", "m", "d", "u", "X", "T"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen), f"{key} opened {app.screen}"
            assert not isinstance(app.screen, KeyValueForm)

        palette = {c.title for c in app.get_system_commands(app.screen)}
        assert not palette & {
            "Edit",
            "New",
            "Delete version",
            "Undelete version",
            "Destroy version",
            "Metadata",
            "Renew token",
        }
        assert "Reveal" in palette
        help_actions = {b.action for _, bs in app.binding_owners() for b in bs}
        assert not help_actions & WRITE_ACTIONS

        with pytest.raises(ReadOnlyViolation):
            app.gateway.kv("ai-models", 2).write("prod/openai", {"x": "y"}, cas=None)


async def test_writes_show_in_normal_mode_on_the_secrets_tab_only(root_settings: Settings) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert "READ-ONLY" not in screen_text(app)

        def footer() -> set[str]:
            return {
                b.binding.action
                for b in app.screen.active_bindings.values()
                if b.binding.show and b.enabled
            }

        assert not footer() & {"edit", "new_secret"}  # the mounts tab
        await pilot.press("2")
        await pilot.pause()
        assert {"edit", "new_secret"} <= footer()
        # A version's delete/destroy never reads like the stack's in the palette.
        palette = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Delete version", "Undelete version", "Destroy version"} <= palette
        assert "Destroy" not in palette


async def test_low_ttl_in_read_only_says_it_is_not_renewed(root_settings: Settings) -> None:
    from vault_console.vault.model import TokenInfo

    app = make_app(dataclasses.replace(root_settings, read_only=True), status_refresh=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.token_info = TokenInfo("ci", ("default",), ttl=240, renewable=True, expire_time=None)
        app.update_status_bar()
        await pilot.pause()
        assert "(read-only: not renewed)" in screen_text(app)
        assert "renew-self" not in "".join(str(w) for w in app.workers)
