"""Forms take what is typed: where focus starts, Tab stops, masks that hide the length.

Keys are pressed as a user presses them, against the real OpenBao dev server.
"""

from __future__ import annotations

import uuid
from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import Input, TextArea

from tests.functional.helpers import open_editor, screen_text, settle
from vault_console.app import VaultConsoleApp, make_app
from vault_console.config import Settings
from vault_console.screens.edit import FormRow, JsonScreen, KeyValueForm
from vault_console.text import MASK
from vault_console.vault.client import VaultGateway
from vault_console.widgets.dialogs import ConfirmScreen
from vault_console.widgets.secret_input import SecretInput

SIZE = (140, 40)
LONG = "sk-live-" + "x" * 29  # 37 characters: a length a mask must not give away


def _drawn(field: Input) -> str:
    return field.render_line(0).text.rstrip()


async def test_edit_starts_on_the_first_value_and_masks_its_length(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"forms/e-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(path, {"api_key": LONG, "org": "acme"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}")
        assert isinstance(form, KeyValueForm)
        values = list(form.query(".form-value").results(SecretInput))
        assert app.focused is values[0]

        # Focused but not edited: the same mask as any other value, never 37 dots.
        assert _drawn(values[0]) == MASK
        assert _drawn(values[1]) == MASK
        await pilot.press("ctrl+t")  # show it to check it
        assert LONG in _drawn(values[0])
        await pilot.press("ctrl+t", "backspace", "Z")
        assert values[0].value == LONG[:-1] + "Z"  # typed at the end, nothing selected
        assert _drawn(values[0]) == MASK  # edited too: the same mask, never one dot a char

        # Tab goes field to field: the next row's key, then its value; no hidden stop.
        await pilot.press("tab")
        assert _drawn(values[0]) == MASK  # left: the fixed mask again
        chain = form.focus_chain
        assert not any(isinstance(widget, VerticalScroll) for widget in chain)
        key = list(form.query(".form-key").results(Input))[1]
        assert app.focused is key
        assert key.selection.is_empty  # Tab into a field does not select its text

        await pilot.press("ctrl+s")
        await settle(pilot)
    assert gateway.kv("scratch", 2).read(path).data == {"api_key": LONG[:-1] + "Z", "org": "acme"}


async def test_new_secret_starts_on_the_path_with_the_cursor_after_the_prefix(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # into the first KV mount
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyValueForm)
        path = form.query_one("#form-path", Input)
        prefix = path.value
        assert app.focused is path
        assert path.selection.is_empty and path.cursor_position == len(prefix)
        await pilot.press(*"forms-new")
        assert path.value == prefix + "forms-new"  # the prefix was kept, not replaced
        await pilot.press("tab")
        assert app.focused is form.query_one(".form-key", Input)
        await pilot.press(*"k", "tab", *LONG)
        value = form.query_one(".form-value", SecretInput)
        assert value.value == LONG
        assert _drawn(value) == MASK  # a new value's length does not show while typed
        await pilot.press("ctrl+t")
        assert LONG in _drawn(value)


def notices(app: VaultConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


def current(gateway: VaultGateway, path: str) -> dict[str, Any]:
    return dict(
        gateway.client.secrets.kv.v2.read_secret_version(
            path, mount_point="scratch", raise_on_deleted_version=True
        )["data"]
    )


async def test_esc_on_a_changed_form_asks_before_discarding(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"forms/esc-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(path, {"api_key": LONG}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}")
        await pilot.press("escape")  # nothing changed: closes at once
        await pilot.pause()
        assert not isinstance(app.screen, KeyValueForm)

        form = await open_editor(pilot, f"scratch/{path}", "e")
        await pilot.press("ctrl+t", "backspace", "Q")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # asked, not closed
        await pilot.click("#no")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one(".form-value", Input).value == LONG[:-1] + "Q"  # kept
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#yes")
        await settle(pilot)
        assert not isinstance(app.screen, KeyValueForm | ConfirmScreen)
    assert current(gateway, path)["metadata"]["version"] == 1  # nothing written


async def test_saving_an_unchanged_form_writes_nothing_and_says_so(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"forms/same-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(path, {"api_key": LONG}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, f"scratch/{path}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"No changes: scratch/{path} was not written" in notices(app)
    assert current(gateway, path)["metadata"]["version"] == 1


async def test_a_key_is_removed_with_its_visible_action_and_the_form_says_so(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"forms/rm-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(path, {"api_key": LONG, "old": "x", "org": "acme"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}")
        assert isinstance(form, KeyValueForm)
        old = next(r for r in form.query(FormRow) if r.original_key == "old")
        await pilot.click(old.query_one(".form-remove"))
        await pilot.pause()
        assert "Removed on save: 'old'" in str(form.query_one("#form-removed").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert current(gateway, path)["data"] == {"api_key": LONG, "org": "acme"}


async def test_metadata_keys_are_removed_with_ctrl_r_and_empty_values_are_refused(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"forms/meta-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(path, {"k": "v"}, cas=0)
    gateway.client.secrets.kv.v2.update_metadata(
        path, mount_point="scratch", custom_metadata={"owner": "team-a", "stale": "yes"}
    )
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}", "m")
        assert isinstance(form, KeyValueForm)
        owner = next(r for r in form.query(FormRow) if r.original_key == "owner")
        owner.query_one(".form-value", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(form.query_one("#form-error").render())
        assert "field 1 (owner): custom_metadata values cannot be empty" in error
        assert "✕" in error and app.screen is form
        owner.query_one(".form-value", Input).value = "team-a"
        stale = next(r for r in form.query(FormRow) if r.original_key == "stale")
        stale.query_one(".form-value", Input).focus()
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
    meta = gateway.client.secrets.kv.v2.read_secret_metadata(path, mount_point="scratch")
    assert meta["data"]["custom_metadata"] == {"owner": "team-a"}


async def test_the_json_editor_masks_values_until_shown(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"forms/json-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(path, {"api_key": LONG, "retries": 3}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, f"scratch/{path}", "J")
        assert isinstance(screen, JsonScreen)
        await pilot.press("e")
        await pilot.pause()
        editor = screen.query_one("#json-editor", TextArea)
        assert LONG not in editor.text and "3" not in editor.text
        assert editor.text.count(MASK) == 2
        assert LONG not in screen_text(app)
        # A new key typed while masked; the masked ones keep what they stand for.
        editor.text = editor.text.replace('"retries"', '"region": "eu",\n  "retries"')
        await pilot.press("ctrl+t")  # show: the typed key stays, the masks are the values
        assert LONG in editor.text and '"region": "eu"' in editor.text
        await pilot.press("ctrl+t")  # hide again
        assert LONG not in editor.text
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert current(gateway, path)["data"] == {"api_key": LONG, "region": "eu", "retries": 3}


async def test_a_wrong_confirmation_word_says_nothing_was_done(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"forms/word-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(path, {"k": "v"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, f"scratch/{path}", "X")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        await pilot.press(*"destory", "enter")
        await pilot.pause()
        said = str(dialog.query_one("#confirm-error").render())
        assert (
            said
            == "Nothing was done: you typed 'destory', not 'destroy'. Type it exactly, or Cancel."
        )
        assert app.screen is dialog
    assert current(gateway, path)["data"] == {"k": "v"}
