"""Editing never changes what it did not touch; ordinary keys never crash (real OpenBao)."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from typing import Any

import hvac
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Label, Static, TextArea

from tests.conftest import settings_for
from tests.functional.helpers import open_editor, open_path, screen_text, settle
from vault_console.app import make_app
from vault_console.config import Settings
from vault_console.screens.edit import FormRow, FormScreen, JsonScreen, KeyValueForm
from vault_console.text import MASK
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.widgets.dialogs import ConfirmScreen, ConflictScreen, ErrorScreen

SIZE = (140, 40)
SEEDED = {
    "api_key": "sk-original",
    "config": {"region": "us", "retries": 3},
    "enabled": True,
    "multi": "a\nb",
}


def new_path(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def row(form: KeyValueForm, key: str) -> FormRow:
    return next(r for r in form.query(FormRow) if r.original_key == key)


async def test_editing_one_field_writes_the_others_back_unchanged(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/typed")
    gateway.client.secrets.kv.v2.create_or_update_secret(path, secret=SEEDED, mount_point="scratch")
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}")
        assert isinstance(form, KeyValueForm)
        assert row(form, "config").query_one(".form-value", Input).value == (
            '{"region": "us", "retries": 3}'
        )
        row(form, "api_key").query_one(".form-value", Input).value = "sk-rotated"
        await pilot.press("ctrl+s")
        await settle(pilot)
    read = gateway.client.secrets.kv.v2.read_secret_version(
        path, mount_point="scratch", raise_on_deleted_version=True
    )["data"]["data"]
    assert read == {**SEEDED, "api_key": "sk-rotated"}
    assert read["enabled"] is True and isinstance(read["config"], dict)  # was 'True', a repr


async def test_bad_json_names_the_field_and_keeps_the_form_open(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/badjson")
    gateway.client.secrets.kv.v2.create_or_update_secret(path, secret=SEEDED, mount_point="scratch")
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}")
        assert isinstance(form, KeyValueForm)
        row(form, "config").query_one(".form-value", Input).value = "{region: eu}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and isinstance(form, KeyValueForm)  # still open
        error = str(form.query_one("#form-error", Label).render())
        assert "(config): not valid JSON" in error
        assert row(form, "config").query_one(".form-value", Input).value == "{region: eu}"
    meta = gateway.client.secrets.kv.v2.read_secret_metadata(path, mount_point="scratch")
    assert meta["data"]["current_version"] == 1  # nothing was written


async def test_ctrl_n_adds_a_field_and_focuses_it(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/add")
    gateway.kv("scratch", 2).write(path, {"a": "1"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+n")  # crashed: NoMatches '.form-key'
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyValueForm)
        assert len(form.query(FormRow)) == 2
        assert app.focused is form.query(FormRow).last().query_one(".form-key", Input)
        await pilot.press(*"b", "tab", *"2", "ctrl+s")
        await settle(pilot)
    assert gateway.kv("scratch", 2).read(path).data == {"a": "1", "b": "2"}


async def test_a_metadata_edit_keeps_keys_another_client_added(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/meta")
    client = gateway.client
    client.secrets.kv.v2.create_or_update_secret(path, secret={"k": "v"}, mount_point="scratch")
    client.secrets.kv.v2.update_metadata(
        path, custom_metadata={"owner": "ml"}, mount_point="scratch"
    )
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}", "m")
        assert isinstance(form, KeyValueForm)
        # Meanwhile another client adds a key.
        client.secrets.kv.v2.update_metadata(
            path, custom_metadata={"owner": "ml", "rotate-by": "2027-01-01"}, mount_point="scratch"
        )
        row(form, "owner").query_one(".form-value", Input).value = "platform"
        await pilot.press("ctrl+s")
        await settle(pilot)
    custom = client.secrets.kv.v2.read_secret_metadata(path, mount_point="scratch")["data"]
    assert custom["custom_metadata"] == {"owner": "platform", "rotate-by": "2027-01-01"}


async def test_editing_from_an_older_version_says_so_and_asks(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/older")
    kv = gateway.kv("scratch", 2)
    kv.write(path, {"k": "v1"}, cas=0)
    kv.write(path, {"k": "v2"}, cas=1)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")
        await pilot.press("[")  # to version 1
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyValueForm)
        note = str(form.query_one(".hint", Label).render())
        assert "Editing from version 1 of 2: saving makes version 3" in note
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # asked, not silently reverted
        await pilot.press("escape")  # no: back to the form, nothing written
        await pilot.pause()
        assert isinstance(app.screen, KeyValueForm)
    assert kv.metadata(path).current_version == 2


async def test_kv1_save_stops_when_the_secret_changed_since_it_was_opened(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep-v1")
    client: hvac.Client = gateway.client
    client.secrets.kv.v1.create_or_update_secret(path, secret={"k": "one"}, mount_point="legacy-kv")
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"legacy-kv/{path}")
        assert isinstance(form, KeyValueForm)
        note = str(form.query_one(".hint", Label).render())
        assert "the last write wins" in note
        client.secrets.kv.v1.create_or_update_secret(
            path, secret={"k": "someone else"}, mount_point="legacy-kv"
        )
        row(form, "k").query_one(".form-value", Input).value = "mine"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen)
    read = client.secrets.kv.v1.read_secret(path, mount_point="legacy-kv")["data"]
    assert read == {"k": "someone else"}


async def test_page_down_on_an_empty_audit_result_does_not_crash(
    root_settings: Settings,
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        query = app.screen.query_one("#audit-query", Input)
        query.value = "path:no/such/path/anywhere"
        query.focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("pagedown", "pagedown", "down", "up")  # crashed: AttributeError
        await settle(pilot)
        assert app.is_running and app._exception is None


async def test_the_palette_offers_no_screenshot(root_settings: Settings) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Quit" in titles


async def test_a_500_from_sys_audit_is_said_as_such(bao: DevServer) -> None:
    from tests.integration.test_redirect_read_only import Proxy

    proxy = Proxy(bao.address, {})
    proxy.failures["/v1/sys/audit"] = 500
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        app = make_app(settings_for(proxy.base, bao.root_token))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            while isinstance(app.screen, ErrorScreen):
                await pilot.press("escape")
            devices = str(app.screen.query_one("#audit-devices", Label).render())
            assert "cannot read sys/audit" not in devices  # it could; the server failed
            assert "sys/audit failed" in devices and "failing audit device" in devices
    finally:
        proxy.shutdown()
        proxy.server_close()


async def test_hostile_keys_and_values_survive_an_edit_and_never_reach_the_terminal(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/hostile")
    seeded = {"key \x1b]52;c;aGk=\x07": "value \u202etxt", "plain": "p"}
    gateway.client.secrets.kv.v2.create_or_update_secret(path, secret=seeded, mount_point="scratch")
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}")
        assert isinstance(form, KeyValueForm)
        shown = screen_text(app)
        assert "\x1b" not in shown and "\u202e" not in shown
        hostile = row(form, "key \x1b]52;c;aGk=\x07")
        assert hostile.query_one(".form-key", Input).value == "key \\x1b]52;c;aGk=\\x07"
        assert hostile.query_one(".form-value", Input).value == '"value \\u202etxt"'
        row(form, "plain").query_one(".form-value", Input).value = "changed"
        await pilot.press("ctrl+s")
        await settle(pilot)
    read = gateway.client.secrets.kv.v2.read_secret_version(
        path, mount_point="scratch", raise_on_deleted_version=True
    )["data"]["data"]
    assert read == {**seeded, "plain": "changed"}


async def test_json_view_is_masked_until_revealed_and_edits_keep_types(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/json")
    gateway.client.secrets.kv.v2.create_or_update_secret(path, secret=SEEDED, mount_point="scratch")
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, f"scratch/{path}", "J")
        assert isinstance(screen, JsonScreen)
        view = str(screen.query_one("#json-view", Static).render())
        assert '"api_key": "' + MASK in view and "sk-original" not in view
        await pilot.press("r")
        await pilot.pause()
        assert '"retries": 3' in str(screen.query_one("#json-view", Static).render())
        await pilot.press("e")
        await pilot.pause()
        editor = screen.query_one("#json-editor", TextArea)
        editor.text = editor.text.replace("sk-original", "sk-from-json")
        await pilot.press("ctrl+s")
        await settle(pilot)
    read = gateway.client.secrets.kv.v2.read_secret_version(
        path, mount_point="scratch", raise_on_deleted_version=True
    )["data"]
    assert read["data"] == {**SEEDED, "api_key": "sk-from-json"}
    assert read["metadata"]["version"] == 2


async def test_json_view_in_read_only_mode_offers_no_edit(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/json-ro")
    gateway.kv("scratch", 2).write(path, {"k": "v"}, cas=0)
    app = make_app(dataclasses.replace(root_settings, read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot, f"scratch/{path}", "J")
        assert isinstance(screen, JsonScreen)
        await pilot.press("e")
        await pilot.pause()
        assert not screen.query("#json-editor")


async def test_copy_path_and_the_kv_get_command_without_a_value(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/copy it")
    kv = gateway.kv("scratch", 2)
    kv.write(path, {"k": "sk-never-copied"}, cas=0)
    kv.write(path, {"k": "sk-never-copied-2"}, cas=1)
    app = make_app(root_settings)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{path}")
        await pilot.press("y", "Y", "[", "Y")
        await settle(pilot)
    assert copied == [
        f"scratch/{path}",
        f"vault kv get -mount=scratch '{path}'",
        f"vault kv get -mount=scratch -version=1 '{path}'",
    ]
    assert not any("sk-never" in c or root_settings.token.reveal() in c for c in copied)  # type: ignore[union-attr]


def on_top(app: App[Any], screen: Screen[Any]) -> bool:
    """Whether ``screen`` is the one showing (a plain ``is`` would narrow its type for mypy)."""
    return app.screen is screen


def form_error(form: FormScreen) -> str:
    return str(form.query_one(f"#{form.ERROR_ID}", Label).render())


async def test_a_refused_write_keeps_the_form_open_with_the_input_and_the_reason(
    bao: DevServer, gateway: VaultGateway
) -> None:
    path = new_path("keep/refused")
    gateway.kv("scratch", 2).write(path, {"k": "v"}, cas=0)
    # The token may update when the secret opens (capabilities-self says so: e opens the
    # form); the policy loses update before the save, so the write itself is refused.
    gateway.client.sys.create_or_update_policy(
        "scratch-refused-write",
        'path "scratch/data/*" { capabilities = ["read", "update"] }\n'
        'path "scratch/metadata/*" { capabilities = ["read", "list"] }\n',
    )
    token = gateway.client.auth.token.create(policies=["scratch-refused-write"], ttl="10m")
    app = make_app(settings_for(bao.address, token["auth"]["client_token"]))
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"scratch/{path}")
        assert isinstance(form, KeyValueForm)
        value = row(form, "k").query_one(".form-value", Input)
        value.value = "typed by the user"
        gateway.client.sys.create_or_update_policy(
            "scratch-refused-write",
            'path "scratch/data/*" { capabilities = ["read"] }\n'
            'path "scratch/metadata/*" { capabilities = ["read", "list"] }\n',
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert on_top(app, form)  # the same form: not closed, not rebuilt
        assert "Not saved. Permission denied" in form_error(form)
        assert value.value == "typed by the user"
        assert not app.screen.query("#retry")  # no blind resend
        assert "typed by the user" not in screen_text(app)  # still masked

        await pilot.press("escape")  # what was typed is not saved: it asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#yes")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        new = app.screen
        assert isinstance(new, KeyValueForm)
        new.query_one("#form-path", Input).value = "keep/not-allowed"
        new.query_one(".form-key", Input).value = "key"
        new.query_one(".form-value", Input).value = "value"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert on_top(app, new)
        assert "Permission denied" in form_error(new)
        assert new.query_one("#form-path", Input).value == "keep/not-allowed"
        assert [r.read().text for r in new.query(FormRow)] == ["value"]

        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#yes")  # discard it
        await pilot.pause()
        # Custom metadata needs patch on metadata/, which this token lacks: the key says
        # so before any form is filled in (capabilities-self, asked when the secret opened).
        metadata = await open_editor(pilot, f"scratch/{path}", key="m")
        assert not isinstance(metadata, KeyValueForm)
        said = [n.message for n in app._notifications]
        assert f"Metadata: this token lacks patch on scratch/metadata/{path}" in said, said
    assert gateway.kv("scratch", 2).read(path).data == {"k": "v"}
    assert gateway.kv("scratch", 2).metadata(path).custom_metadata == {}


async def test_creating_at_a_path_that_exists_says_so_in_the_form(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    path = new_path("keep/taken")
    gateway.kv("scratch", 2).write(path, {"k": "first"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=(80, 24)) as pilot:  # the reason wraps, never cut
        await open_path(pilot, f"scratch/{path}")
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyValueForm)
        form.query_one("#form-path", Input).value = path
        form.query_one(".form-key", Input).value = "k"
        form.query_one(".form-value", Input).value = "second"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert on_top(app, form)
        assert f"path: scratch/{path} already exists; nothing was written" in form_error(form)
        assert "open that secret and edit it." in screen_text(app)
        # Another path, same form: it saves and closes.
        form.query_one("#form-path", Input).value = f"{path}-2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, KeyValueForm)
    assert gateway.kv("scratch", 2).read(path).data == {"k": "first"}
    assert gateway.kv("scratch", 2).read(f"{path}-2").data == {"k": "second"}


async def test_a_save_to_a_mount_gone_since_opening_says_not_found_in_the_form(
    root_settings: Settings, gateway: VaultGateway
) -> None:
    mount = f"gone-{uuid.uuid4().hex[:6]}"
    gateway.client.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
    gateway.kv(mount, 2).write("app", {"k": "v"}, cas=0)
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_editor(pilot, f"{mount}/app")
        assert isinstance(form, KeyValueForm)
        gateway.client.sys.disable_secrets_engine(mount)
        row(form, "k").query_one(".form-value", Input).value = "kept"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert on_top(app, form)
        assert "Not saved." in form_error(form)
        assert row(form, "k").query_one(".form-value", Input).value == "kept"
