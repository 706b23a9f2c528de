"""Server data is data: hostile names, values and audit fields on the real OpenBao server.

Before, any of these in a key, value, metadata entry, mount description, policy name or
audit field raised Textual's MarkupError and the app exited; the OSC sequences reached
the terminal (setting its clipboard or title) just by opening the secret.
"""

from __future__ import annotations

import uuid

import hvac
import hvac.exceptions
import pytest
from textual.widgets import DataTable, Static, Tree

from tests.conftest import settings_for
from tests.functional.helpers import fitted_rows, open_path, row_text, screen_text, settle
from vault_console.app import VaultConsoleApp, make_app
from vault_console.vault.devserver import DevServer
from vault_console.widgets.dialogs import ErrorScreen
from vault_console.widgets.fitted_table import FittedTable

SIZE = (160, 50)
MARKUP = "[/]"
CLICK = "[@click=app.quit]click me[/]"
OSC52 = "\x1b]52;c;aGk=\x07"
OSC0 = "\x1b]0;pwned\x07"
BIDI = "evil\u202etxt.exe"
LONG = "L" * 6000
NAMES = ("markup[b]x", "style[b red]x", "click[@click=app.quit]x")  # "/" splits a path

# What the screen must show instead of the raw characters.
SHOWN = {OSC52: "\\x1b]52;c;aGk=\\x07", OSC0: "\\x1b]0;pwned\\x07", BIDI: "evil\\u202etxt.exe"}


def alive(app: VaultConsoleApp) -> None:
    assert app.is_running, "the app exited"
    assert app._exception is None, app._exception


def no_raw_controls(app: VaultConsoleApp) -> str:
    text = screen_text(app)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    return text


@pytest.fixture
def hostile_mount(bao: DevServer) -> str:
    """A KV v2 mount whose description, paths, keys, values and metadata are hostile."""
    client = hvac.Client(bao.address, token=bao.root_token)
    mount = f"hostile-{uuid.uuid4().hex[:6]}"
    client.sys.enable_secrets_engine(
        "kv", path=mount, options={"version": "2"}, description=f"desc {MARKUP} {CLICK} {OSC0}"
    )
    data = {
        MARKUP: CLICK,
        f"key {OSC52}": f"value {OSC0}",
        f"bidi {BIDI}": BIDI,
        "long": LONG,
        "json": {"nested": [MARKUP, OSC52]},
    }
    # OpenBao refuses control and bidi characters in paths; markup it takes.
    for name in NAMES:
        client.secrets.kv.v2.create_or_update_secret(name, secret=data, mount_point=mount)
    client.secrets.kv.v2.update_metadata(
        # OpenBao refuses unprintable metadata values; markup it takes.
        "markup[b]x",
        custom_metadata={MARKUP: CLICK, "style": "[b red]x[/b red]"},
        mount_point=mount,
    )
    client.sys.create_or_update_policy(f"p-{mount}", f'path "{mount}/data/[/]{OSC52}" {{}}')
    # A denied request with a hostile path lands in the audit log.
    denied = client.auth.token.create(policies=["default"], ttl="10m")["auth"]["client_token"]
    limited = hvac.Client(bao.address, token=denied)
    with pytest.raises(hvac.exceptions.Forbidden):
        limited.secrets.kv.v2.read_secret_version(
            f"denied{MARKUP}{CLICK}", mount_point=mount, raise_on_deleted_version=True
        )
    return mount


async def test_every_view_shows_hostile_data_as_escaped_text(
    hostile_mount: str, bao: DevServer
) -> None:
    settings = settings_for(bao.address, bao.root_token, audit_log=str(bao.audit_log))
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        mounts = app.screen.query_one("#mounts-table", FittedTable)
        alive(app)
        no_raw_controls(app)
        descriptions = [str(cells[2]) for cells in mounts.rows_as_given]
        assert f"desc {MARKUP} {CLICK} {SHOWN[OSC0]}" in descriptions  # literal, not markup

        await pilot.press("2")
        await settle(pilot)
        tree = app.screen.query_one("#kv-tree", Tree)
        node = next(n for n in tree.root.children if str(n.label).startswith(hostile_mount))
        node.expand()
        await settle(pilot)
        labels = [str(n.label) for n in node.children]
        assert set(NAMES) <= set(labels)
        alive(app)

        for name in NAMES:
            await open_path(pilot, f"{hostile_mount}/{name}")
            await pilot.press("R")  # reveal every value
            await settle(pilot)
            alive(app)
            no_raw_controls(app)
            values = app.screen.query_one("#secret-values", DataTable)
            rows = [row_text(values, i) for i in range(values.row_count)]
            cells = {row[0]: row[2] for row in rows}
            assert cells[MARKUP] == CLICK
            assert cells[f"key {SHOWN[OSC52]}"] == f"value {SHOWN[OSC0]}"
            assert cells[f"bidi {SHOWN[BIDI]}"] == SHOWN[BIDI]
            assert cells["long"] == "L" * 200 + "…"  # cut for display only
            assert (
                cells["json"] == r'{"nested": ["[/]", "\u001b]52;c;aGk=\u0007"]}'
            )  # JSON's escapes
            await pilot.click(values, offset=(2, 1))  # a click on a [@click] cell does nothing
            await pilot.press("c")  # the notice names the key
            await settle(pilot)
            alive(app)
        await open_path(pilot, f"{hostile_mount}/markup[b]x")
        custom = str(app.screen.query_one("#secret-custom", Static).render())
        assert f"{MARKUP} = {CLICK}" in custom and "style = [b red]x[/b red]" in custom

        await open_path(pilot, f"{hostile_mount}/missing[b]{CLICK}")  # a 404 error dialog
        alive(app)
        assert isinstance(app.screen, ErrorScreen)
        body = str(app.screen.query_one(".dialog-body", Static).render())
        assert body.startswith("Nothing at that path")
        no_raw_controls(app)
        await pilot.press("escape")

        await pilot.press("3")  # the audit tab reads the dev server's audit log
        await settle(pilot)
        alive(app)
        no_raw_controls(app)
        table = app.screen.query_one("#audit-table", FittedTable)
        paths = [row[2] for row in fitted_rows(table)]
        assert f"{hostile_mount}/data/denied{MARKUP}{CLICK}" in paths
        table.focus()
        # Each row of the hostile mount's requests, selected: its details are drawn.
        for index, path in enumerate(paths):
            if hostile_mount in path:
                table.move_cursor(row=index)
                await pilot.press("down", "up")
        await pilot.pause()
        alive(app)

        await pilot.press("4")  # policies: the hostile policy's HCL
        await settle(pilot)
        alive(app)
        assert f"p-{hostile_mount}" in no_raw_controls(app)

        for typed in (MARKUP, CLICK, BIDI):  # prompts take hostile input as text
            await pilot.press("o")
            await pilot.press(*typed, "enter")
            await settle(pilot)
            alive(app)
            no_raw_controls(app)
            await pilot.press("escape", "escape")
