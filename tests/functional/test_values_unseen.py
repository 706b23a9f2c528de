"""Issue 21: a secret opens with its keys, versions and metadata only; values are fetched
for what needs them and dropped on hide; labels say what a value is; fingerprints are the
audit log's own HMACs. On the session's real OpenBao dev server (it has a file audit
device), with tokens whose policies allow only some of data/, metadata/ and subkeys/."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import settings_for
from tests.functional.helpers import open_path, screen_text, settle
from vault_console.app import make_app
from vault_console.config import Settings, Token
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.widgets.dialogs import DiffScreen, ErrorScreen
from vault_console.widgets.secret_panel import SecretPanel

SIZE = (140, 40)
KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 3  # fake, of OpenAI's shape


@pytest.fixture
def secret(gateway: VaultGateway) -> Iterator[str]:
    """scratch/unseen-N/llm with two versions: the key changed, the model did not."""
    folder = f"unseen-{uuid.uuid4().hex[:8]}"
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/llm", {"api_key": "sk-old-" + "x" * 30, "model": "gpt-4o"}, cas=0)
    kv.write(f"{folder}/llm", {"api_key": KEY, "model": "gpt-4o", "limits": {"rpm": 60}}, cas=1)
    yield f"scratch/{folder}/llm"


def token_with(gateway: VaultGateway, bao: DevServer, name: str, rules: str) -> Settings:
    gateway.client.sys.create_or_update_policy(name, rules)
    token = gateway.client.auth.token.create(policies=[name], ttl="10m")["auth"]["client_token"]
    return dataclasses.replace(
        settings_for(bao.address, None), token=Token(token), token_source="test"
    )


STRUCTURE_ONLY = """
path "scratch/metadata/*" { capabilities = ["read", "list"] }
path "scratch/subkeys/*"  { capabilities = ["read"] }
path "sys/mounts"         { capabilities = ["read"] }
"""


async def test_a_secret_opens_with_its_keys_and_no_value_fetched(
    root_settings: Settings, secret: str
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        panel = app.screen.query_one(SecretPanel)
        assert panel.shown is not None
        assert panel.shown.secret.data is None  # nothing of the values left the server
        assert panel.shown.secret.subkeys == {
            "api_key": None,
            "limits": {"rpm": None},
            "model": None,
        }
        text = screen_text(app)
        assert "values not fetched" in text and "object · 1 keys" in text
        assert KEY not in text

        await pilot.press("r")  # reveal fetches, then shows the selected key
        await settle(pilot)
        assert panel.shown.secret.data is not None
        assert panel.revealed == frozenset({"api_key"})
        assert KEY[:40] in screen_text(app)  # revealed (the cell is cut at the table's width)
        assert "OpenAI project key (sk-proj-…) · 104 chars" in screen_text(app)

        await pilot.press("h")  # hide: the fetched values are dropped again
        await settle(pilot)
        assert panel.shown.secret.data is None
        assert KEY[:40] not in screen_text(app)


async def test_a_token_that_may_not_read_values_browses_the_structure(
    bao: DevServer, gateway: VaultGateway, secret: str
) -> None:
    settings = token_with(gateway, bao, "structure-only", STRUCTURE_ONLY)
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        panel = app.screen.query_one(SecretPanel)
        assert panel.shown is not None and panel.shown.metadata is not None
        assert [v.version for v in panel.shown.metadata.versions] == [1, 2]
        assert not isinstance(app.screen, ErrorScreen)
        assert "api_key" in screen_text(app) and "values not fetched" in screen_text(app)

        await pilot.press("r")  # the token may not read data/: said before anything is sent
        await settle(pilot)
        assert not isinstance(app.screen, ErrorScreen)
        assert any("lacks read" in n.message for n in app._notifications)
        assert KEY not in screen_text(app)


async def test_where_subkeys_is_refused_the_values_are_read_and_it_says_so(
    bao: DevServer, gateway: VaultGateway, secret: str
) -> None:
    settings = token_with(
        gateway,
        bao,
        "data-no-subkeys",
        'path "scratch/data/*" { capabilities = ["read"] }\n'
        'path "scratch/metadata/*" { capabilities = ["read", "list"] }\n'
        'path "sys/mounts" { capabilities = ["read"] }\n',
    )
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        panel = app.screen.query_one(SecretPanel)
        assert panel.shown is not None and panel.shown.secret.data is not None
        assert (
            panel.shown.note
            == "subkeys refused to this token: the values were read to show the keys"
        )
        assert "subkeys refused" in screen_text(app)  # said on the state line
        assert KEY not in screen_text(app)  # read, still masked


async def test_the_version_diff_shows_labels_and_the_audit_logs_fingerprints(
    root_settings: Settings, gateway: VaultGateway, secret: str
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        await pilot.press("D")  # compare: fetches the values it needs
        await settle(pilot)
        await pilot.press("enter")  # with version 1
        await settle(pilot)
        assert isinstance(app.screen, DiffScreen)
        changed = next(c for c in app.screen.changes if c.key == "api_key")
        assert changed.status == "changed"
        assert changed.new_label == "OpenAI project key · 104 chars"  # no prefix: it fits
        # The server's own HMAC, as the audit log records the value; short in the table.
        device = gateway.audit_devices()[0]["path"]
        full = gateway.audit_hash(device, KEY)
        assert full.startswith("hmac-sha256:")
        assert changed.new_fingerprint == "hmac-sha256:" + full.split(":")[1][:8] + "…"
        same = next(c for c in app.screen.changes if c.key == "model")
        assert same.status == "same" and not same.new_fingerprint
        text = screen_text(app)
        assert KEY not in text and "sk-old-" not in text


async def test_f_gives_the_fingerprint_the_audit_log_records(
    root_settings: Settings, gateway: VaultGateway, secret: str
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        await pilot.press("f")  # on the first key, api_key
        await settle(pilot)
        full = gateway.audit_hash(gateway.audit_devices()[0]["path"], KEY)
        said = [n.message for n in app._notifications]
        assert any(full in m and "'api_key'" in m for m in said), said
        assert "Fingerprint of 'api_key'" in screen_text(app)  # the toast is on screen
        assert KEY not in screen_text(app) and not any(KEY in m for m in said)


async def test_a_copied_value_is_cleared_unless_something_else_was_copied_since(
    root_settings: Settings, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Part 5: after clipboard_clear seconds an empty OSC 52 write clears the terminal's
    clipboard; the status bar counts down; a later copy (the path) cancels the clear."""
    from textual.app import App

    sent: list[str] = []
    real = App.copy_to_clipboard

    def record(self: App[object], text: str) -> None:
        sent.append(text)
        real(self, text)

    monkeypatch.setattr(App, "copy_to_clipboard", record)
    app = make_app(dataclasses.replace(root_settings, clipboard_clear=1.5))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        await pilot.press("c")  # fetches the values, copies api_key
        await settle(pilot)
        assert sent == [KEY]
        await pilot.pause(0.5)
        assert "clipboard clears in" in screen_text(app)
        await pilot.pause(2.0)
        assert sent == [KEY, ""]  # cleared
        assert any("cleared from the clipboard" in n.message for n in app._notifications)
        assert "clipboard clears in" not in screen_text(app)

        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")  # the path, copied after: the value is no longer there
        await pilot.pause(2.5)
        assert sent[-2:] == [KEY, secret] and "" not in sent[3:]


async def test_what_the_token_may_not_do_shows_disabled_with_the_reason(
    bao: DevServer, gateway: VaultGateway, secret: str
) -> None:
    """Part 5: one sys/capabilities-self call for the open path; an action the token
    cannot take is disabled before it is tried, and its key says why."""
    settings = token_with(gateway, bao, "structure-only", STRUCTURE_ONLY)
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        screen = app.screen
        data_path = secret.replace("scratch/", "scratch/data/", 1)
        assert screen.check_action("reveal_value", ()) is None  # disabled, still listed
        assert screen.check_action("edit", ()) is None
        assert screen.check_action("older", ()) is True  # versions come from metadata
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, ErrorScreen)  # nothing was sent to be refused
        said = [n.message for n in app._notifications]
        assert f"Reveal: this token lacks read on {data_path}" in said, said
        assert "this token lacks read on" in screen_text(app)


async def test_a_root_token_has_every_action(root_settings: Settings, secret: str) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        panel = app.screen.query_one(SecretPanel)
        assert panel.shown is not None and panel.shown.denied == {}
        assert app.screen.check_action("edit", ()) is True


async def test_help_lists_a_disabled_action_with_its_reason(
    bao: DevServer, gateway: VaultGateway, secret: str
) -> None:
    from vault_console.widgets.dialogs import HelpScreen

    settings = token_with(gateway, bao, "structure-only", STRUCTURE_ONLY)
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        data_path = secret.replace("scratch/", "scratch/data/", 1)
        rows = [" ".join(str(c) for c in row) for row in app.screen.rows]
        assert any(f"Edit (disabled: this token lacks read on {data_path})" in r for r in rows)


async def test_the_json_view_shows_each_masked_values_kind(
    root_settings: Settings, secret: str
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, secret)
        await pilot.press("J")  # fetches the values; the view is masked
        await settle(pilot)
        text = screen_text(app)
        assert "OpenAI project key (sk-proj-…) · 104 chars" in text
        assert KEY[:20] not in text


async def test_a_reason_naming_a_hostile_path_is_plain_text_in_the_palette(
    bao: DevServer, gateway: VaultGateway
) -> None:
    """The command palette reads help as markup; a reason names the secret's path, which
    comes from the server: it shows as typed, and opening the palette does not crash."""
    from textual.content import Content

    hostile = f"hostile-{uuid.uuid4().hex[:6]}/[b]x[/b]"
    gateway.kv("scratch", 2).write(hostile, {"k": "v"}, cas=0)
    settings = token_with(gateway, bao, "structure-only", STRUCTURE_ONLY)
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, f"scratch/{hostile}")
        helps = [c.help for c in app.get_system_commands(app.screen) if c.title == "Reveal"]
        assert helps, "Reveal is in the palette"
        assert f"lacks read on scratch/data/{hostile})" in Content.from_markup(helps[0]).plain
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Reveal")
        await settle(pilot)
        assert app._exception is None
        assert "[b]x[/b]" in screen_text(app)
