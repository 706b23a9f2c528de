"""Pilot tests of the browser against a real OpenBao dev server."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from textual.widgets import Input, Label, TabbedContent, Tree
from textual.widgets._footer import FooterKey
from textual.widgets.tree import TreeNode

from tests.conftest import settings_for
from tests.functional.helpers import fitted_rows, open_path, screen_text, settle
from vault_console.app import make_app
from vault_console.config import Settings
from vault_console.screens.edit import KeyValueForm
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.widgets.dialogs import (
    ConfirmScreen,
    ConflictScreen,
    DiffScreen,
    ErrorScreen,
    HelpScreen,
)
from vault_console.widgets.fitted_table import FittedTable
from vault_console.widgets.secret_panel import SecretPanel
from vault_console.widgets.status_bar import StatusBar

SIZE = (140, 40)


def new_path(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def test_navigate_mounts_tree_and_secret(root_settings: Settings) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        mounts = app.screen.query_one("#mounts-table", FittedTable)
        paths = [fitted_rows(mounts)[i][0] for i in range(mounts.row_count)]
        assert paths[:2] == ["ai-models/", "cubbyhole/"]
        assert "approle/" in paths
        status = app.screen.query_one(StatusBar)
        assert status.status is not None and status.status.kind == "OpenBao"
        assert status.token is not None and status.token.policies == ("root",)
        # hvac was loaded in a worker, so the first KV action does not import it on the UI thread
        assert app.gateway._client is not None

        await pilot.press("enter")  # ai-models/ is the first row
        await settle(pilot)
        assert app.screen.query_one("#tabs", TabbedContent).active == "secrets"
        tree = app.screen.query_one("#kv-tree", Tree)
        ai_models = tree.root.children[0]
        assert [str(n.label) for n in ai_models.children] == [
            "dev/",
            "prod/",
            "shared/",
            "staging/",
        ]

        await pilot.press("down", "down", "enter")  # expand prod/
        await settle(pilot)
        prod = ai_models.children[1]
        assert "openai" in [str(n.label) for n in prod.children]
        await pilot.press("down", "down", "down", "down", "enter")  # prod/openai
        await settle(pilot)
        shown = app.screen.query_one(SecretPanel).shown
        assert shown is not None and shown.full_path == "ai-models/prod/openai"
        assert shown.secret.version == 3


async def test_values_are_masked_until_revealed_and_hidden_on_navigation(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    openai = gateway.kv("ai-models", 2).read("prod/openai").data
    cohere = gateway.kv("ai-models", 2).read("prod/cohere").data
    assert openai and cohere
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, "ai-models/prod/openai")
        assert "ai-models/prod/openai" in screen_text(app)
        assert openai["api_key"] not in screen_text(app)
        assert "••••••••" in screen_text(app)

        await pilot.press("r")  # reveal the selected (first) key: api_key
        await pilot.pause()
        assert openai["api_key"] in screen_text(app)
        assert openai["organization"] not in screen_text(app)

        await open_path(pilot, "ai-models/prod/cohere")
        assert app.screen.query_one(SecretPanel).revealed == frozenset()
        assert cohere["api_key"] not in screen_text(app)

        await pilot.press("R")
        await pilot.pause()
        assert cohere["api_key"] in screen_text(app)
        assert cohere["organization"] in screen_text(app)
        await pilot.press("1")  # leaving for the mounts tab hides again
        await pilot.pause()
        assert app.screen.query_one(SecretPanel).revealed == frozenset()


async def test_copy_sends_osc52_says_what_key_and_keeps_nothing(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    data = gateway.kv("ai-models", 2).read("prod/anthropic").data
    assert data
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, "ai-models/prod/anthropic")
        assert app._driver is not None
        written: list[str] = []
        original = app._driver.write

        def capture(text: str) -> None:
            written.append(text)
            original(text)

        app._driver.write = capture  # type: ignore[method-assign,assignment]
        await pilot.press("c")
        await pilot.pause()
        encoded = base64.b64encode(data["api_key"].encode()).decode()
        assert f"\x1b]52;c;{encoded}\a" in written
        assert app.clipboard == ""
        messages = [n.message for n in app._notifications]
        assert "Copied the value of 'api_key' to the clipboard" in messages
        assert not any(data["api_key"] in m for m in messages)
        assert data["api_key"] not in screen_text(app)


async def test_edit_conflict_between_two_clients_overwrites_nothing(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    kv = gateway.kv("scratch", 2)
    path = new_path("conflict/model")
    kv.write(path, {"api_key": "first"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")
        kv.write(path, {"api_key": "from-the-other-client"}, cas=1)  # someone else saves v2

        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyValueForm)
        value = form.query_one(".form-value", Input)
        assert value.password is True
        value.value = "my-stale-edit"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen)
        assert kv.read(path).data == {"api_key": "from-the-other-client"}

        await pilot.click("#reload")
        await settle(pilot)
        shown = app.screen.query_one(SecretPanel).shown
        assert shown is not None and shown.secret.version == 2


async def test_edit_saves_with_check_and_set(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    kv = gateway.kv("scratch", 2)
    path = new_path("edit/model")
    kv.write(path, {"api_key": "old"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(".form-value", Input).value = "new"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert kv.read(path).data == {"api_key": "new"}
    assert kv.metadata(path).current_version == 2


async def test_bad_new_secret_input_names_the_field_and_writes_nothing(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # into ai-models/
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyValueForm)
        form.query_one("#form-path", Input).value = "bad\u202epath/x"
        form.query_one(".form-key", Input).value = "k"
        form.query_one(".form-value", Input).value = "v"
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(form.query_one("#form-error", Label).content)
        assert error.startswith("path: segment 'bad\\u202epath' holds a control, bidi")
        assert app.screen is form
    assert "bad\u202epath/" not in gateway.kv("ai-models", 2).list_folder()


async def test_delete_undelete_destroy_behind_confirmations(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    kv = gateway.kv("scratch", 2)
    path = new_path("lifecycle/model")
    kv.write(path, {"api_key": "v1"}, cas=0)
    kv.write(path, {"api_key": "v2"}, cas=1)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")

        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#no")
        await settle(pilot)
        assert kv.read(path).data == {"api_key": "v2"}  # cancelled: nothing changed

        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#yes")
        await settle(pilot)
        assert kv.read(path, 2).data is None
        shown = app.screen.query_one(SecretPanel).shown
        assert shown is not None and shown.secret.deletion_time

        await pilot.press("u")
        await pilot.pause()
        await pilot.click("#yes")
        await settle(pilot)
        assert kv.read(path, 2).data == {"api_key": "v2"}

        await pilot.press("X")
        await pilot.pause()
        await pilot.click("#yes")  # without the typed word: refused
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.query_one("#confirm-word", Input).focus()
        await pilot.press(*"destroy", "enter")
        await settle(pilot)
        assert kv.read(path, 2).destroyed


async def test_compare_versions_shows_changes_per_key_masked(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    kv = gateway.kv("scratch", 2)
    path = new_path("diff/model")
    kv.write(path, {"api_key": "alpha-secret", "org": "same"}, cas=0)
    kv.write(path, {"api_key": "beta-secret", "org": "same", "region": "eu"}, cas=1)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("enter")  # the only other version: 1
        await settle(pilot)
        diff = app.screen
        assert isinstance(diff, DiffScreen)
        assert [(c.key, c.status) for c in diff.changes] == [
            ("api_key", "changed"),
            ("org", "same"),
            ("region", "added"),
        ]
        text = screen_text(app)
        assert "alpha-secret" not in text and "beta-secret" not in text


async def test_limited_token_gets_403_on_a_folder_and_can_open_a_known_path(
    limited_settings: Settings,
) -> None:
    app = make_app(limited_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # ai-models/ (visible through sys/internal/ui/mounts)
        await settle(pilot)
        tree = app.screen.query_one("#kv-tree", Tree)
        ai_models = tree.root.children[0]
        prod = next(n for n in ai_models.children if str(n.label) == "prod/")
        prod.expand()
        await settle(pilot)
        assert [str(n.label) for n in prod.children] == [
            "(no list permission: press o to open a known path)"
        ]
        assert not isinstance(app.screen, ErrorScreen)

        await open_path(pilot, "ai-models/dev/openai")
        shown = app.screen.query_one(SecretPanel).shown
        assert shown is not None and shown.secret.data is not None

        await open_path(pilot, "ai-models/prod/openai")
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.error.title == "Permission denied"


async def test_server_going_away_mid_session_is_shown_with_retry() -> None:
    with DevServer() as server:
        app = make_app(settings_for(server.address, server.root_token))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.screen.query_one("#mounts-table", FittedTable).row_count > 0
            server.stop()
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, ErrorScreen)
            assert app.screen.error.title == "Unreachable"
            assert app.screen.can_retry
            await pilot.click("#retry")
            await settle(pilot)
            assert isinstance(app.screen, ErrorScreen)  # tried again, failed again, still up
            assert app.is_running
            status = app.screen_stack[0].query_one(StatusBar)
            assert status.error == "Unreachable"


async def test_bad_token_is_explained_and_the_login_screen_offered(bao: DevServer) -> None:
    from vault_console.screens.login import LoginScreen

    app = make_app(settings_for(bao.address, "s.not-a-real-token"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Vault answers an unknown token with 403: it is reported as the token, not policies,
        # and the login screen is offered (retrying the same token cannot help).
        assert isinstance(app.screen, LoginScreen)
        text = screen_text(app)
        assert "The server does not accept this token" in text and "bao login" in text
        assert "s.not-a-real-token" not in text
        status = app.screen_stack[0].query_one(StatusBar)
        assert status.error == "Invalid or expired token"
        assert bao.address in str(status.render())
        state = app.screen_stack[0].query_one("#mounts-state", Label)
        assert state.display
        assert str(state.render()).startswith("✖ No mounts listed: Invalid or expired token.")


async def test_no_token_says_how_to_provide_one(bao: DevServer) -> None:
    from vault_console.screens.login import LoginScreen

    app = make_app(settings_for(bao.address, None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        text = " ".join(screen_text(app).split())
        assert "No token is set" in text
        for way in ("VAULT_TOKEN", "vault login", "bao login", "token_env"):
            assert way in text


async def test_help_lists_every_binding_and_palette_has_every_action(
    root_settings: Settings,
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = {b.id for _, bindings in app.binding_owners() for b in bindings}
        assert {"secret.reveal", "secret.copy", "secret.destroy", "app.renew-token"} <= ids
        titles = {c.title for c in app.get_system_commands(app.screen)}
        descriptions = {b.description for _, bs in app.binding_owners() for b in bs}
        assert descriptions <= titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert descriptions <= {row[1] for row in app.screen.rows}
        assert not any("." in row[2] for row in app.screen.rows)  # no internal ids
        await pilot.press("escape")


async def test_help_starts_with_the_focused_context_and_dialogs_show_their_keys(
    root_settings: Settings,
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")  # the tree has the focus
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        first = [row for row in help_screen.rows if row[2] == "here"]
        assert help_screen.rows[: len(first)] == first  # the focused context comes first
        assert {("⏎", "Select"), ("tab", "Focus Next")} <= {row[:2] for row in first}
        # Its own footer names its key.
        assert "Close" in {k.description for k in help_screen.query(FooterKey)}
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("o")  # a prompt: Esc and Enter are in its footer
        await pilot.pause()
        assert "Cancel" in {k.description for k in app.screen.query(FooterKey)}


async def test_footer_follows_the_tab_and_is_not_redrawn_for_the_same_keys(
    root_settings: Settings,
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def footer() -> list[FooterKey]:
            return list(app.screen.query(FooterKey))

        keys = footer()
        assert "Edit" not in {k.description for k in keys}
        app.screen.refresh_bindings()  # the same keys: nothing is mounted again
        await settle(pilot)
        assert footer() == keys and all(k.is_attached for k in keys)

        await pilot.press("2")
        await settle(pilot)
        assert {"Edit", "New"} <= {k.description for k in footer()}
        await pilot.press("1")
        await settle(pilot)
        assert "Edit" not in {k.description for k in footer()}


async def test_secrets_tab_mounts_on_first_use_and_filter_works_from_the_mounts_tab(
    root_settings: Settings,
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query("#kv-tree") and not app.screen.query(SecretPanel)
        await pilot.press("slash")
        await settle(pilot)
        assert app.screen.query_one("#tabs", TabbedContent).active == "secrets"
        assert app.focused is app.screen.query_one("#filter", Input)
        tree = app.screen.query_one("#kv-tree", Tree)
        labels = {str(n.label) for n in tree.root.children}
        assert {"ai-models/ (kv v2)", "legacy-kv/ (kv v1)"} <= labels  # from the mounts
        await pilot.press(*"openai")
        await settle(pilot)
        count = str(app.screen.query_one("#filter-count", Label).content)
        assert count.startswith("0 of 0 loaded paths")


async def test_enter_in_the_filter_opens_the_highlighted_match(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    folder = new_path("filter")
    kv = gateway.kv("scratch", 2)
    for name in ("alpha", "beta"):
        kv.write(f"{folder}/{name}", {"k": name}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for name in ("alpha", "beta"):  # opened once, so both are loaded paths
            await open_path(pilot, f"scratch/{folder}/{name}")
        panel = app.screen.query_one(SecretPanel)

        await pilot.press("slash", *f"{folder}/alp", "enter")  # the only match: opened
        await settle(pilot)
        assert panel.shown is not None and panel.shown.full_path == f"scratch/{folder}/alpha"

        await pilot.press("slash")
        await pilot.press("ctrl+u", *folder)  # two matches; down moves while typing goes on
        await pilot.press("down")
        assert app.focused is app.screen.query_one("#filter", Input)
        await pilot.press("enter")
        await settle(pilot)
        assert panel.shown.full_path == f"scratch/{folder}/beta"

        await pilot.press("slash", "ctrl+u", *"no-such-path-anywhere", "enter")
        await pilot.pause()
        assert panel.shown.full_path == f"scratch/{folder}/beta"  # nothing opened
        assert app.focused is app.screen.query_one("#filter", Input)


def tree_node(tree: Tree[Any], mount: str, path: str) -> TreeNode[Any] | None:
    """The node for ``path`` (relative to ``mount``, folders ending in /), if it is listed."""
    stack = list(tree.root.children)
    while stack:
        node = stack.pop()
        if node.data is not None and (node.data.mount.path, node.data.path) == (mount, path):
            return node
        stack.extend(node.children)
    return None


async def test_a_new_secret_shows_in_the_tree_at_once_with_the_cursor_on_it(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    folder = new_path("tree-new")
    gateway.kv("scratch", 2).write(f"{folder}/existing", {"k": "v"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, f"scratch/{folder}/existing")
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyValueForm)
        form.query_one("#form-path", Input).value = f"{folder}/deep/made"
        form.query_one(".form-key", Input).value = "k"
        form.query_one(".form-value", Input).value = "v"
        await pilot.press("ctrl+s")
        await settle(pilot)
        tree = app.screen.query_one("#kv-tree", Tree)
        made = tree_node(tree, "scratch/", f"{folder}/deep/made")
        assert made is not None  # listed without a reload
        assert tree.cursor_node is made
        assert made.parent is not None and made.parent.is_expanded
        assert tree_node(tree, "scratch/", f"{folder}/existing") is not None
        shown = app.screen.query_one(SecretPanel).shown
        assert shown is not None and shown.full_path == f"scratch/{folder}/deep/made"


async def test_reload_keeps_the_expanded_folders_the_cursor_and_the_open_secret(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    folder = new_path("tree-reload")
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/inner/app", {"k": "v1"}, cas=0)
    kv.write(f"{folder}/other/x", {"k": "v"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        tree = app.screen.query_one("#kv-tree", Tree)
        for path in ("", f"{folder}/", f"{folder}/inner/"):
            node = tree_node(tree, "scratch/", path)
            assert node is not None
            node.expand()
            await settle(pilot)
        app_node = tree_node(tree, "scratch/", f"{folder}/inner/app")
        assert app_node is not None
        tree.move_cursor(app_node)
        tree.focus()
        await pilot.press("enter")
        await settle(pilot)
        panel = app.screen.query_one(SecretPanel)
        assert panel.shown is not None and panel.shown.secret.version == 1

        kv.write(f"{folder}/inner/app", {"k": "v2"}, cas=1)  # another client meanwhile
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.pause()
        expanded = {
            path
            for path in ("", f"{folder}/", f"{folder}/inner/", f"{folder}/other/")
            if (node := tree_node(tree, "scratch/", path)) is not None and node.is_expanded
        }
        assert expanded == {"", f"{folder}/", f"{folder}/inner/"}  # other/ stays collapsed
        cursor = tree.cursor_node
        assert cursor is tree_node(tree, "scratch/", f"{folder}/inner/app")
        shown = panel.shown
        assert shown is not None and shown.full_path == f"scratch/{folder}/inner/app"
        assert shown.secret.version == 2  # the latest stays the latest


async def test_opening_a_path_shows_it_in_the_tree(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    folder = new_path("tree-open")
    gateway.kv("scratch", 2).write(f"{folder}/deep/app", {"k": "v"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{folder}/deep/app")  # from the Mounts tab
        await settle(pilot)
        await pilot.pause()
        tree = app.screen.query_one("#kv-tree", Tree)
        node = tree_node(tree, "scratch/", f"{folder}/deep/app")
        assert node is not None
        assert tree.cursor_node is node
        assert node.parent is not None and node.parent.is_expanded
        shown = app.screen.query_one(SecretPanel).shown
        assert shown is not None and shown.full_path == f"scratch/{folder}/deep/app"


async def test_opening_a_listed_path_moves_the_cursor_without_listing_again(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    folder = new_path("tree-listed")
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/a", {"k": "v"}, cas=0)
    kv.write(f"{folder}/b", {"k": "v"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, f"scratch/{folder}/a")  # lists the folder, cursor on a
        await settle(pilot)
        tree = app.screen.query_one("#kv-tree", Tree)
        b = tree_node(tree, "scratch/", f"{folder}/b")
        assert b is not None
        await open_path(pilot, f"scratch/{folder}/b")
        await settle(pilot)
        await pilot.pause()
        assert tree.cursor_node is b  # the same node: the folder was not listed again
        shown = app.screen.query_one(SecretPanel).shown
        assert shown is not None and shown.full_path == f"scratch/{folder}/b"


async def test_a_slow_answer_for_an_earlier_secret_never_fills_the_panel(
    root_settings: Settings, gateway: VaultGateway, monkeypatch: Any
) -> None:
    """Open A (its read slow, as over a far link), then B: B is shown, and A's answer,
    arriving later, is dropped instead of replacing it."""
    import threading

    from vault_console.screens.browse import screen as main_screen

    folder = new_path("stale")
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/a", {"k": "A"}, cas=0)
    kv.write(f"{folder}/b", {"k": "B"}, cas=0)
    release = threading.Event()
    from vault_console.vault.opened import read_secret as real_read

    def read(store: Any, path: str, version: int | None, *rest: Any) -> Any:
        if path.endswith("/a"):
            release.wait(10)
        return real_read(store, path, version, *rest)

    monkeypatch.setattr(main_screen, "read_secret", read)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, main_screen.MainScreen)
        await screen.action_show_tab("secrets")
        await settle(pilot)
        mount = next(m for m in screen.mounts if m.path == "scratch/")
        screen.open_secret(mount, f"{folder}/a")
        screen.open_secret(mount, f"{folder}/b")
        panel = screen.query_one(SecretPanel)
        for _ in range(100):  # B's answer; A's read is still held
            await pilot.pause(0.05)
            if panel.shown is not None:
                break
        assert panel.shown is not None and panel.shown.full_path == f"scratch/{folder}/b"
        release.set()  # A's answer comes back now
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert panel.shown is not None and panel.shown.full_path == f"scratch/{folder}/b"
