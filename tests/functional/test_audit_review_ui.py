"""Pilot tests of the audit and review tabs, in read-only mode, on the real server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import uuid
from pathlib import Path

import hvac
import pytest
from textual.widgets import Input, Label, Static, TabbedContent

from tests.functional.helpers import fitted_rows, open_path, screen_text, settle, toasts
from vault_console.app import make_app
from vault_console.config import Settings, Token
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.widgets.audit_panel import AuditPanel
from vault_console.widgets.dialogs import ChoiceScreen, PromptScreen
from vault_console.widgets.fitted_table import FittedTable
from vault_console.widgets.review_panel import ReviewPanel


@pytest.fixture
def read_only(root_settings: Settings, bao: DevServer) -> Settings:
    return dataclasses.replace(root_settings, read_only=True, audit_log=str(bao.audit_log))


async def test_audit_query_details_and_hmac_search(
    read_only: Settings, gateway: VaultGateway
) -> None:
    folder = f"ui-audit-{uuid.uuid4().hex[:6]}"
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/key", {"api_key": "sk-ui-hmac-target"}, cas=0)
    kv.read(f"{folder}/key")
    app = make_app(read_only)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        assert "file/ (file" in str(panel.query_one("#audit-devices", Label).content)
        await pilot.press("slash")
        await pilot.press(*f"path:scratch/data/{folder}/ op:read", "enter")
        await settle(pilot)
        assert app.focused is panel.query_one("#audit-query", Input)  # typing goes on here
        await pilot.press("escape")  # to the table, where its keys work
        table = panel.query_one("#audit-table", FittedTable)
        assert table.row_count == 1
        assert fitted_rows(table)[0][1:3] == ["read", f"scratch/data/{folder}/key"]
        details = screen_text(app)
        assert "hmac-sha256:" in details and "sk-ui-hmac-target" not in details

        await pilot.press("H")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        assert prompt.query_one("#prompt", Input).password
        await pilot.press(*"sk-ui-hmac-target", "enter")
        await settle(pilot)
        paths = {fitted_rows(table)[i][2] for i in range(table.row_count)}
        assert paths == {f"scratch/data/{folder}/key"}
        assert "sk-ui-hmac-target" not in screen_text(app)


async def test_follow_mode_shows_new_requests(read_only: Settings, gateway: VaultGateway) -> None:
    folder = f"ui-follow-{uuid.uuid4().hex[:6]}"
    app = make_app(read_only)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        panel.query_one("#audit-query", Input).value = f"path:scratch/data/{folder}/"
        await pilot.press("slash", "enter", "escape")
        await settle(pilot)
        table = panel.query_one("#audit-table", FittedTable)
        assert table.row_count == 0
        await pilot.press("f")
        await pilot.pause()
        gateway.kv("scratch", 2).write(f"{folder}/new", {"k": "v"}, cas=0)
        for _ in range(60):  # the follower polls the file; wait for its message, bounded
            await pilot.pause(0.05)
            if table.row_count:
                break
        assert table.row_count == 1 and fitted_rows(table)[0][2] == f"scratch/data/{folder}/new"
        await pilot.press("f")
        await asyncio.sleep(0)


async def test_access_history_lists_every_operation_on_exactly_that_secret(
    read_only: Settings, gateway: VaultGateway
) -> None:
    folder = f"history-{uuid.uuid4().hex[:6]}"
    kv = gateway.kv("scratch", 2)
    v2 = gateway.client.secrets.kv.v2
    kv.write(f"{folder}/openai", {"k": "1"}, cas=0)  # create (data/)
    kv.write(f"{folder}/openai", {"k": "2"}, cas=1)  # update
    kv.read(f"{folder}/openai")  # read
    kv.metadata(f"{folder}/openai")  # metadata read
    v2.delete_secret_versions(f"{folder}/openai", versions=[2], mount_point="scratch")
    v2.undelete_secret_versions(f"{folder}/openai", versions=[2], mount_point="scratch")
    v2.destroy_secret_versions(f"{folder}/openai", versions=[1], mount_point="scratch")
    kv.write(f"{folder}/openai-old", {"k": "x"}, cas=0)  # shares the prefix: not listed
    kv.read(f"{folder}/openai-old")
    app = make_app(read_only)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{folder}/openai")
        await pilot.press("A")
        await settle(pilot)
        assert app.screen.query_one("#tabs", TabbedContent).active == "audit"
        table = app.screen.query_one("#audit-table", FittedTable)
        rows = [fitted_rows(table)[i][1:3] for i in range(table.row_count)]
        secret = f"{folder}/openai"
        paths = {path for _, path in rows}
        assert paths >= {
            f"scratch/data/{secret}",
            f"scratch/metadata/{secret}",
            f"scratch/delete/{secret}",
            f"scratch/undelete/{secret}",
            f"scratch/destroy/{secret}",
        }
        assert not any("openai-old" in path for path in paths)
        assert {op for op, _ in rows} >= {"create", "update", "read"}

        # The query line is the query that ran: Enter on it gives the same rows.
        line = app.screen.query_one("#audit-query", Input)
        assert line.value.startswith(f"exact:scratch/data/{secret},scratch/metadata/{secret}")
        line.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert [fitted_rows(table)[i][1:3] for i in range(table.row_count)] == rows
        assert app.focused is line  # the query keeps the focus after Enter


async def test_review_policies_who_can_read_age_leases_and_export(
    read_only: Settings, gateway: VaultGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    broad = f"ops-sudo-{uuid.uuid4().hex[:6]}"  # a finding the export must carry
    gateway.client.sys.create_or_update_policy(
        broad, 'path "sys/mounts/*" { capabilities = ["read", "sudo"] }'
    )
    app = make_app(read_only, env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")})
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        review = app.screen.query_one(ReviewPanel)
        assert {"ai-models-read", "research-dev"} <= set(review.policy_texts)
        shown = review.query_one("#policy-hcl", Static).content
        first = sorted(review.policy_texts)[0]
        assert getattr(shown, "code", None) == review.policy_texts[first]  # rendered as HCL

        review.query_one("#review-tabs", TabbedContent).active = "review-who"
        who = review.query_one("#who-path", Input)
        who.value = "ai-models/data/prod/openai"  # an API path is taken as it is
        who.focus()
        await pilot.press("enter")
        await settle(pilot)
        table = review.query_one("#who-table", FittedTable)
        rows = {fitted_rows(table)[i][1]: fitted_rows(table)[i] for i in range(table.row_count)}
        assert set(rows) == {"ai-models-admin", "ai-models-read"}
        assert {row[0] for row in rows.values()} == {"ai-models/data/prod/openai"}
        assert "approle/inference-api" in rows["ai-models-read"][4]
        assert app.focused is who  # the input keeps the focus

        # The path as the tree shows it: mapped to the KV v2 API paths, and it says so.
        who.value = "ai-models/prod/openai"
        await pilot.press("enter")
        await settle(pilot)
        checked = {
            (fitted_rows(table)[i][0], fitted_rows(table)[i][1]) for i in range(table.row_count)
        }
        assert ("ai-models/data/prod/openai", "ai-models-read") in checked
        assert ("ai-models/metadata/prod/openai", "ai-models-read") in checked
        summary = str(review.query_one("#who-summary", Label).content)
        assert "ai-models/ is KV v2: checked ai-models/data/prod/openai (the values)" in summary

        # Secret age loads when its tab opens, on the model secrets' mount.
        await pilot.press("escape", "a")
        await settle(pilot)
        assert review.query_one("#age-mount", Input).value == "ai-models"
        assert "14 secrets in ai-models/" in str(review.query_one("#age-summary", Label).content)
        ages = review.query_one("#age-table", FittedTable)
        statuses = [fitted_rows(ages)[i][0] for i in range(ages.row_count)]
        assert (
            ages.row_count == 14 and statuses[0] == "overdue"
        )  # the demo's prod keys are past rotate-by

        await pilot.press("escape", "l")
        await pilot.press(*"auth/token/create", "enter")
        await settle(pilot)
        assert review.query_one("#lease-table", FittedTable).row_count >= 1
        assert review.query_one("#lease-prefix", Input).has_focus  # Enter keeps it there

        await pilot.press("escape", "x")  # Esc leaves the input; x is the export then
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "enter")  # JSON
        await pilot.pause()
        # It asks where, suggesting a new file under the state directory, not the cwd.
        ask = app.screen
        assert isinstance(ask, PromptScreen)
        target = ask.query_one("#prompt", Input)
        folder = tmp_path / "state" / "vault-console" / "findings"
        assert Path(target.value).parent == folder
        assert target.value.endswith(".json")
        (tmp_path / "taken.json").write_text("theirs")
        target.value = str(tmp_path / "taken.json")
        await pilot.press("enter")
        await pilot.pause()
        refused = str(ask.query_one("#prompt-error", Label).content)
        assert "taken.json already exists; choose a new name" in refused
        target.value = str(tmp_path / "no-such-folder" / "f.json")
        await pilot.press("enter")
        await pilot.pause()
        assert "no-such-folder does not exist" in str(ask.query_one("#prompt-error", Label).content)
        target.value = str(folder / "review.json")
        await pilot.press("enter")
        await settle(pilot)
    assert (tmp_path / "taken.json").read_text() == "theirs"
    assert not list(tmp_path.glob("vault-console-findings-*"))  # nothing in the cwd
    written = folder / "review.json"
    assert written.stat().st_mode & 0o777 == 0o600
    report = json.loads(written.read_text())
    assert report["server"] == read_only.address
    assert report["generated"].endswith("Z")
    assert report["checked"][1].startswith("secret age of the 14 secrets in ai-models/")
    findings = report["findings"]
    assert any(f["kind"] == "overdue" and f["subject"].startswith("ai-models/") for f in findings)
    assert any(f["kind"] == "broad-policy" and f["subject"] == f"policy {broad}" for f in findings)
    gateway.client.sys.delete_policy(broad)
    assert "sk-" not in written.read_text()


async def test_tab_panels_mount_on_first_visit_also_when_clicked(read_only: Settings) -> None:
    app = make_app(read_only)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.query(AuditPanel) and not app.screen.query(ReviewPanel)
        await pilot.click("#--content-tab-review")
        await settle(pilot)
        review = app.screen.query_one(ReviewPanel)
        assert {"ai-models-read", "research-dev"} <= set(review.policy_texts)
        assert not app.screen.query(AuditPanel)


async def test_palette_runs_an_action_of_a_tab_not_visited_yet(read_only: Settings) -> None:
    app = make_app(read_only)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.query(ReviewPanel)
        [export] = [c for c in app.get_system_commands(app.screen) if c.title == "Export findings"]
        app.call_later(export.callback)
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)  # the export's format question
        await pilot.press("escape")
        assert app.screen.query_one("#tabs", TabbedContent).active == "review"
        assert app.screen.query_one(ReviewPanel).policy_texts


async def test_a_write_with_a_deeply_nested_body_cannot_hide_from_access_history(
    read_only: Settings, gateway: VaultGateway
) -> None:
    """A token allowed one write sent a body nested 600 levels deep: OpenBao stored and
    logged it, and the Audit tab used to skip that line as unreadable."""
    folder = f"deep-{uuid.uuid4().hex[:6]}"
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/target", {"password": "before"}, cas=0)
    gateway.client.sys.create_or_update_policy(
        f"write-{folder}", f'path "scratch/data/{folder}/target" {{ capabilities = ["update"] }}'
    )
    writer = gateway.client.auth.token.create(policies=[f"write-{folder}"], ttl="10m")
    hidden: object = 1
    for _ in range(600):
        hidden = [hidden]
    limited = hvac.Client(read_only.address, token=writer["auth"]["client_token"])
    limited.secrets.kv.v2.create_or_update_secret(
        f"{folder}/target", {"password": "EVIL", "x": hidden}, mount_point="scratch"
    )
    app = make_app(read_only)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{folder}/target")
        await pilot.press("A")
        await settle(pilot)
        table = app.screen.query_one("#audit-table", FittedTable)
        rows = fitted_rows(table)
        updates = [r for r in rows if r[1] == "update" and r[2] == f"scratch/data/{folder}/target"]
        assert updates, rows  # the write is listed
        assert "unreadable" not in str(app.screen.query_one("#audit-status").render())
        table.focus()
        table.move_cursor(row=rows.index(updates[-1]))
        await settle(pilot)
        details = app.screen.query_one("#audit-details", Static)
        assert "nested too deep to show" in str(getattr(details.content, "code", ""))
        assert "EVIL" not in screen_text(app)


async def test_enter_on_access_history_reruns_it_for_a_name_with_a_comma(
    read_only: Settings, gateway: VaultGateway
) -> None:
    """``exact:`` split on commas: Enter on the line A wrote gave another secret's rows."""
    folder = f"comma-{uuid.uuid4().hex[:6]}"
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/a,b", {"k": "v"}, cas=0)
    kv.write(f"{folder}/a", {"k": "other"}, cas=0)
    kv.read(f"{folder}/a")
    app = make_app(read_only)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, f"scratch/{folder}/a,b")
        await pilot.press("A")
        await settle(pilot)
        table = app.screen.query_one("#audit-table", FittedTable)
        first = {row[2] for row in fitted_rows(table)}
        assert f"scratch/data/{folder}/a,b" in first
        await pilot.press("enter")  # run the line as it stands
        await settle(pilot)
        again = {row[2] for row in fitted_rows(table)}
        assert again == first
        assert f"scratch/data/{folder}/a" not in again


async def test_find_a_value_shows_disabled_for_a_token_that_may_not_hash(
    read_only: Settings, gateway: VaultGateway
) -> None:
    """An auditor who may list the devices but not use sys/audit-hash: H says why before
    anything is typed (footer, help, the key), instead of a refusal after."""
    from vault_console.widgets.dialogs import HelpScreen

    name = f"auditor-{uuid.uuid4().hex[:6]}"
    gateway.client.sys.create_or_update_policy(
        name, 'path "sys/audit" { capabilities = ["read", "sudo"] }\n'
    )
    token = gateway.client.auth.token.create(policies=[name], ttl="10m")["auth"]["client_token"]
    app = make_app(dataclasses.replace(read_only, token=Token(token)))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        panel.query_one("#audit-table").focus()
        reason = "this token lacks update on sys/audit-hash/file"
        assert panel.denied == {"hmac_search": reason}
        await pilot.press("H")
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)
        assert f"Find a value: {reason}" in toasts(app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = [" ".join(str(c) for c in row) for row in app.screen.rows]
        assert any(f"Find a value (disabled: {reason})" in r for r in rows)
