"""Keys behave the same everywhere: r/R/h/c from the tree as from the value table, and a
key that cannot act right now says why in a notice instead of doing nothing."""

from __future__ import annotations

import uuid

from textual.screen import ModalScreen
from textual.widgets import Tree

from tests.conftest import settings_for
from tests.functional.helpers import open_path, settle
from vault_console.app import VaultConsoleApp, make_app
from vault_console.config import Settings
from vault_console.screens.edit import KeyValueForm
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.widgets.secret_panel import SecretPanel

SIZE = (140, 40)


def notices(app: VaultConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_value_keys_work_from_the_tree(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"keys/tree-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(path, {"api_key": "from-the-tree", "org": "acme"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")
        app.screen.query_one("#kv-tree", Tree).focus()
        await pilot.pause()
        panel = app.screen.query_one(SecretPanel)
        assert panel.revealed == frozenset()
        await pilot.press("r")
        assert panel.revealed == {"api_key"}
        await pilot.press("h")
        assert panel.revealed == frozenset()
        await pilot.press("R")
        assert panel.revealed == {"api_key", "org"}
        await pilot.press("c")
        assert "Copied the value of 'api_key' to the clipboard" in notices(app)


async def test_keys_that_cannot_act_say_why(root_settings: Settings, gateway: VaultGateway) -> None:
    path = f"keys/why-{uuid.uuid4().hex[:8]}"
    kv = gateway.kv("scratch", 2)
    kv.write(path, {"k": "v1"}, cas=0)
    kv.write(path, {"k": "v2"}, cas=1)
    gateway.client.secrets.kv.v2.delete_latest_version_of_secret(path, mount_point="scratch")
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")  # on the Mounts tab
        await pilot.pause()
        assert "Edit works on the Secrets tab (press 2)" in notices(app)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("r")  # nothing open yet
        assert "Open a secret first" in notices(app)

        await open_path(pilot, f"scratch/{path}")  # version 2, deleted
        await pilot.press("r")
        assert any(
            n.startswith("Version 2 is deleted (soft): it cannot be shown") and "u undeletes" in n
            for n in notices(app)
        )
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "Version 2 is the newest one kept" in notices(app)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "Version 1 is the oldest one kept" in notices(app)


async def test_write_keys_in_read_only_mode_say_so(bao: DevServer) -> None:
    app = make_app(settings_for(bao.address, bao.root_token, read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert "Read-only mode: New would change the server" in notices(app)
        assert not isinstance(app.screen, KeyValueForm)


async def test_a_destroyed_version_says_so_for_every_action(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = f"keys/destroyed-{uuid.uuid4().hex[:8]}"
    kv = gateway.kv("scratch", 2)
    kv.write(path, {"k": "v1"}, cas=0)
    kv.write(path, {"k": "v2"}, cas=1)
    kv.destroy_versions(path, [1])
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")
        await pilot.press("left_square_bracket")  # version 1, destroyed
        await settle(pilot)
        panel = app.screen.query_one(SecretPanel)
        assert panel.shown is not None and panel.shown.secret.version == 1
        assert "DESTROYED: no values, for good" in str(
            app.screen.query_one("#secret-state").render()
        )
        for key, action in (("d", "deleted again"), ("u", "undeleted"), ("e", "edited")):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ModalScreen), f"{key} opened {app.screen!r}"
            said = notices(app)[-1]
            assert said.startswith("Version 1 is destroyed: its data is gone for good"), said
            assert f"cannot be {action}" in said
            assert "Done" not in said and "not soft-deleted" not in said
        await pilot.press("X")
        await pilot.pause()
        assert "cannot be destroyed again" in notices(app)[-1]
