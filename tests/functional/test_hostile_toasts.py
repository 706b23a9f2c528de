"""Every notification is plain text: hostile names through every action that notifies.

Screens and widgets call Textual's ``Widget.notify``, which passed ``markup=True``: a
secret named ``hy/[/]`` crashed the console on ``y``, and ``[@click=app.quit]`` in a path
made the toast a button that quit it. Toasts are drawn here (see conftest), as a person
sees them.
"""

from __future__ import annotations

import uuid

import hvac
import pytest
from textual.widgets import Tree

from tests.functional.helpers import open_editor, open_path, screen_text, settle
from vault_console.app import VaultConsoleApp, make_app
from vault_console.config import Settings
from vault_console.screens.browse.screen import MainScreen
from vault_console.screens.edit import KeyValueForm
from vault_console.vault.devserver import DevServer
from vault_console.widgets.dialogs import ConfirmScreen
from vault_console.widgets.fitted_table import FittedTable

SIZE = (160, 50)
HOSTILE = ("[/]", "[@click=app.quit]Q", "[b]q[/b]z")
"""Names OpenBao takes in paths, keys and mounts, each a markup hazard."""


def toasts(app: VaultConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


def alive(app: VaultConsoleApp) -> None:
    assert app.is_running and app._exception is None, app._exception


def shown_literally(app: VaultConsoleApp, text: str) -> None:
    """The toast drew ``text`` as typed: the brackets are on screen, not parsed away."""
    alive(app)
    assert any(text in message for message in toasts(app)), toasts(app)
    assert text in screen_text(app), f"{text!r} is not drawn as text"


@pytest.fixture
def hostile(bao: DevServer) -> str:
    """A KV v2 mount and a non-KV mount with markup in their names, and secrets and keys
    named with markup."""
    client = hvac.Client(bao.address, token=bao.root_token)
    tag = uuid.uuid4().hex[:6]
    kv = f"kvm[/]{tag}"
    client.sys.enable_secrets_engine("kv", path=kv, options={"version": "2"})
    client.sys.enable_secrets_engine("transit", path=f"tr[/]{tag}")
    for name in HOSTILE:
        client.secrets.kv.v2.create_or_update_secret(
            f"hy/{name}", secret={name: "v", "plain": "w"}, mount_point=kv
        )
    return kv


async def test_every_action_that_notifies_shows_hostile_names_as_text(
    hostile: str, root_settings: Settings
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        mounts = app.screen.query_one("#mounts-table", FittedTable)
        transit = next(
            i for i, row in enumerate(mounts.rows_as_given) if str(row[0]).startswith("tr[/]")
        )
        mounts.focus()
        mounts.move_cursor(row=transit)
        await pilot.press("enter")  # not a KV mount: the notice names it
        await settle(pilot)
        shown_literally(app, f"{mounts.rows_as_given[transit][0]} is not a KV mount")

        for name in HOSTILE:
            full = f"{hostile}/hy/{name}"
            await open_path(pilot, full)
            alive(app)
            await pilot.press("y")  # copy the path
            await settle(pilot)
            shown_literally(app, f"Copied the path {full}")
            await pilot.press("Y")  # copy the kv get command
            await settle(pilot)
            alive(app)
            assert any("vault kv get" in t and name in t for t in toasts(app)), toasts(app)
            await pilot.press("c")  # copy the selected value: the notice names its key
            await settle(pilot)
            alive(app)
            assert any(t.startswith("Copied the value of") for t in toasts(app))

            form = await open_editor(pilot, full)  # save an edit: "Saved …"
            assert isinstance(form, KeyValueForm)
            await pilot.press("ctrl+t", "backspace", "X", "ctrl+s")
            await settle(pilot)
            shown_literally(app, f"Saved {full} as version 2")

        await pilot.press("d")  # soft delete: "Done: Delete version …"
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#yes")
        await settle(pilot)
        shown_literally(app, f"Done: Delete version 2 of {hostile}/hy/{HOSTILE[-1]}")

        tree = app.screen.query_one("#kv-tree", Tree)
        mount_node = next(n for n in tree.root.children if str(n.label).startswith(hostile))
        tree.move_cursor(mount_node)
        tree.focus()
        await pilot.press("i")  # index the mount: "Indexed N secrets in …"
        await settle(pilot)
        shown_literally(app, f"Indexed 3 secrets in {hostile}/")

        # Nothing quit the app: a click on every toast is a click on text.
        for toast in list(app.screen.query("Toast")):
            await pilot.click(toast)
        await pilot.pause()
        alive(app)
        assert isinstance(app.screen, MainScreen)
