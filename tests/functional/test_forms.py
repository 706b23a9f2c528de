"""Forms take what is typed: where focus starts, Tab stops, masks that hide the length.

Keys are pressed as a user presses them, against the real OpenBao dev server.
"""

from __future__ import annotations

import uuid

from textual.containers import VerticalScroll
from textual.widgets import Input

from tests.functional.helpers import open_editor, settle
from vault_console.app import make_app
from vault_console.config import Settings
from vault_console.screens.edit import KeyValueForm
from vault_console.text import MASK
from vault_console.vault.client import VaultGateway
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
        assert _drawn(values[0]) == "•" * len(LONG)  # edited: the dots follow the typing

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
        await pilot.press(*"k", "tab", *"v")
        value = form.query_one(".form-value", SecretInput)
        assert value.value == "v"
        assert _drawn(value) == "•"
