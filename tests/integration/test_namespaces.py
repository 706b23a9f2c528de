"""Namespaces (issue 26) on a real OpenBao with nested namespaces, each holding its own
secret at the same path (tests/integration/tenants.py): an answer about the wrong tenant
reads the wrong value and fails."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Label, OptionList, Static, TabbedContent

from tests.functional.helpers import fitted_rows, open_path, screen_text, settle, toasts
from tests.integration.tenants import NAMESPACES, SECRET, Tenants, value_in
from vault_console import config
from vault_console.app import make_app
from vault_console.config import Token
from vault_console.infra.setup import login_snippet, stack_namespace, target_report
from vault_console.screens.edit import KeyValueForm
from vault_console.screens.namespaces import NamespaceScreen
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import find_bao
from vault_console.widgets.audit_panel import AuditPanel
from vault_console.widgets.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen
from vault_console.widgets.fitted_table import FittedTable
from vault_console.widgets.review_panel import ReviewPanel
from vault_console_programs.ai_secrets.config import parse


@pytest.mark.parametrize("namespace", ["", *NAMESPACES])
def test_each_namespace_reads_its_own_secret(tenants: Tenants, namespace: str) -> None:
    with tenants.gateway(namespace) as inside:
        assert inside.kv("ai-models", 2).read(SECRET).data == {"api_key": value_in(namespace)}


def test_the_status_in_a_namespace_is_the_servers_not_a_guess(tenants: Tenants) -> None:
    with tenants.gateway() as root, tenants.gateway("team-a/prod") as inside:
        here, there = root.server_status(), inside.server_status()
    assert here.kind == "OpenBao" and here.version.startswith("2.")
    assert (there.kind, there.version, there.sealed) == (here.kind, here.version, False)


async def test_the_copied_command_reads_this_namespaces_secret_in_a_bare_shell(
    tenants: Tenants,
) -> None:
    app = make_app(tenants.settings("team-a"))
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, f"ai-models/{SECRET}")
        await settle(pilot)
        await pilot.press("Y")
        await settle(pilot)
        assert any("-namespace=team-a" in t for t in toasts(app))
    assert copied == [f"vault kv get -namespace=team-a -mount=ai-models {SECRET}"]
    # Run as pasted, with OpenBao's CLI (the same flags), in a shell without BAO_NAMESPACE.
    words = shlex.split(copied[0])
    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent"}
    env |= {"BAO_ADDR": tenants.server.address, "BAO_TOKEN": tenants.server.root_token}
    done = subprocess.run(
        [find_bao(), *words[1:3], "-format=json", *words[3:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data"]["data"] == {"api_key": value_in("team-a")}


def test_the_login_snippet_reads_the_stacks_namespace_not_the_roots(tenants: Tenants) -> None:
    """A stack made in team-a by a session in team-a (no vault_namespace): the snippet, run
    as the service would, reads team-a's secret; without the namespace hvac reads root's."""
    raw = {
        "aws_secrets": {"enabled": False},
        "aws_auth": {"enabled": False},
        "model_secrets": {
            "enabled": True,
            "mount_path": "ai-models",
            "policy_name": "read",
            "secrets": {SECRET: {"api_key": "unused"}},
        },
    }
    config, _ = parse(raw, env={})
    namespace = stack_namespace("team-a", config)
    assert namespace == "team-a"
    assert stack_namespace("team-a", parse({**raw, "vault_namespace": "prod"}, env={})[0]) == (
        "team-a/prod"
    )
    for shown, expected in ((namespace, "team-a"), ("", "")):
        snippet = login_snippet(config, tenants.server.address, shown)
        assert ("namespace='team-a'" in snippet) == bool(shown)
        # The service logs in its own way; here, the root token stands in for that login.
        code = snippet.replace(
            "# AWS auth is not part of this stack: log in as your service already does",
            f"client.token = {tenants.server.root_token!r}",
        )
        scope: dict[str, object] = {}
        exec(code, scope)  # noqa: S102 - the snippet as the service runs it
        assert scope["secret"] == {"api_key": value_in(expected)}


async def test_access_history_answers_about_this_namespace_only(tenants: Tenants) -> None:
    """Every namespace has ai-models/data/prod/openai: A in team-a/prod lists its requests
    only (the others' creates and reads are the same path), and ns:* asks across them."""
    with tenants.gateway("team-a") as other:
        other.kv("ai-models", 2).read(SECRET)  # a read of the same path, in another tenant
    settings = tenants.settings("team-a/prod", audit_log=str(tenants.server.audit_log))
    app = make_app(settings)
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, f"ai-models/{SECRET}")
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        line = panel.query_one("#audit-query", Input).value
        assert line.endswith(" ns:team-a/prod")
        rows = fitted_rows(panel.query_one("#audit-table", FittedTable))
        assert rows and {r[6] for r in rows} == {"team-a/prod"}  # the Namespace column
        assert {r[1] for r in rows} >= {"create", "read"}
        status = " ".join(str(panel.query_one("#audit-status", Label).render()).split())
        assert "in namespace team-a/prod (ns:* for every namespace)" in status

        await pilot.press(*(["backspace"] * len("team-a/prod")), "asterisk", "enter")
        await settle(pilot)
        rows = fitted_rows(panel.query_one("#audit-table", FittedTable))
        assert {r[6] for r in rows} >= {"root", "team-a", "team-a/prod", "team-b", "ünï"}


async def test_a_revealed_value_goes_when_its_secret_is_deleted_and_the_tree_reloads(
    tenants: Tenants,
) -> None:
    with tenants.gateway("team-b") as seed:
        seed.kv("ai-models", 2).write("gone/soon", {"api_key": "sk-about-to-go"}, cas=0)
    app = make_app(tenants.settings("team-b"))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, "ai-models/gone/soon")
        await settle(pilot)
        await pilot.press("R")  # reveal every value
        await settle(pilot)
        assert "sk-about-to-go" in screen_text(app)
        with tenants.gateway("team-b") as other:
            other.client.secrets.kv.v2.delete_metadata_and_all_versions(
                "gone/soon", mount_point="ai-models"
            )
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "sk-about-to-go" not in screen_text(app)


async def test_a_revealed_value_goes_when_its_namespace_is_deleted(tenants: Tenants) -> None:
    with tenants.gateway() as root:
        root.adapter.post("/v1/sys/namespaces/short-lived", json={})
    with tenants.gateway("short-lived") as seed:
        seed.client.sys.enable_secrets_engine("kv", path="kv", options={"version": "2"})
        seed.kv("kv", 2).write("k", {"api_key": "sk-namespace-going"}, cas=0)
    app = make_app(tenants.settings("short-lived"))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, "kv/k")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert "sk-namespace-going" in screen_text(app)
        with tenants.gateway() as root:
            root.adapter.delete("/v1/sys/namespaces/short-lived")
        await pilot.press("ctrl+r")
        await settle(pilot)
        while len(app.screen_stack) > 2:  # the error dialog says the mounts are gone
            await pilot.press("escape")
            await settle(pilot)
        assert "sk-namespace-going" not in screen_text(app)


async def shown_value(pilot: Any, app: Any) -> str:
    """Open ai-models/prod/openai as a user does, reveal it, and say which tenant's it is."""
    await open_path(pilot, f"ai-models/{SECRET}")
    await settle(pilot)
    await pilot.press("R")
    await settle(pilot)
    text = screen_text(app)
    found = [ns for ns in ("", *NAMESPACES) if value_in(ns) in text]
    assert len(found) == 1, found
    return found[0]


async def pick(pilot: Any, app: Any, label: str) -> None:
    """ctrl+p, Switch namespace…, then the option that starts with ``label``."""
    app.action_switch_namespace()
    await settle(pilot)
    assert isinstance(app.screen, NamespaceScreen)
    options = app.screen.query_one(OptionList)
    texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    options.highlighted = next(i for i, t in enumerate(texts) if t.startswith(label + "  ("))
    await pilot.press("enter")
    await settle(pilot)


async def test_switching_namespace_reads_each_tenants_secret(tenants: Tenants) -> None:
    app = make_app(tenants.settings())
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        assert await shown_value(pilot, app) == ""
        await pick(pilot, app, "team-a")
        assert any("Namespace: team-a" in t for t in toasts(app))
        assert "ns: team-a" in screen_text(app)  # the status bar
        assert await shown_value(pilot, app) == "team-a"
        await pick(pilot, app, "team-a/prod")  # a child of team-a, listed by the server
        assert await shown_value(pilot, app) == "team-a/prod"
        await pick(pilot, app, "team-a")  # its parent
        assert await shown_value(pilot, app) == "team-a"
        await pick(pilot, app, "root")
        assert await shown_value(pilot, app) == ""
        app.action_switch_namespace()
        await settle(pilot)
        await pilot.press("tab", *"ünï", "enter")  # typed, from root
        await settle(pilot)
        assert await shown_value(pilot, app) == "ünï"


async def test_a_token_used_outside_its_namespace_is_offered_its_own(tenants: Tenants) -> None:
    with tenants.gateway("team-b") as inside:
        inside.adapter.put(
            "/v1/sys/policies/acl/reader",
            json={"policy": 'path "ai-models/*" { capabilities = ["read", "list"] }'},
        )
        made = inside.adapter.post("/v1/auth/token/create", json={"policies": ["reader"]})
    token = Token(made["auth"]["client_token"])
    app = make_app(dataclasses.replace(tenants.settings(), token=token))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        offer = app.screen
        assert isinstance(offer, ConfirmScreen)
        words = " ".join(str(offer.query_one(".dialog-body", Static).render()).split())
        assert "This token belongs to namespace team-b; this session is in root" in words
        await pilot.click("#yes")
        await settle(pilot)
        assert app.settings.namespace == "team-b"
        assert await shown_value(pilot, app) == "team-b"


async def test_root_only_endpoints_are_said_plainly_in_a_namespace(tenants: Tenants) -> None:
    app = make_app(tenants.settings("team-a", audit_log=str(tenants.server.audit_log)))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        devices = " ".join(str(panel.query_one("#audit-devices", Label).render()).split())
        assert "listed in the root namespace only, and this session is in namespace team-a" in (
            devices
        )
        assert "Open a log file with L" in devices
        panel.query_one("#audit-table").focus()
        await pilot.press("H")
        await settle(pilot)
        assert any("served in the root namespace only" in t for t in toasts(app))
        assert not isinstance(app.screen, PromptScreen)  # no prompt for a value it cannot use
        rows = fitted_rows(panel.query_one("#audit-table", FittedTable))
        assert rows and {r[6] for r in rows} == {"team-a"}  # the log, read in this namespace


def stack_config(vault_namespace: str = "") -> Any:
    raw: dict[str, Any] = {
        "aws_secrets": {"enabled": False},
        "aws_auth": {"enabled": False},
        "model_secrets": {
            "mount_path": "ai-stack",
            "policy_name": "ai-stack-read",
            "secrets": {"openai/api-key": {"api_key": "unused"}},
        },
    }
    if vault_namespace:
        raw["vault_namespace"] = vault_namespace
    return parse(raw, env={})[0]


def test_the_target_check_asks_in_the_stacks_namespace_as_the_engine_writes(
    tenants: Tenants,
) -> None:
    """A team-a token whose policy covers team-a's own paths: ✔ for a stack in team-a, ✖
    for one in team-a/prod (its policy's sys/* does not reach prod/sys/*), where the
    engine, using that token there, would be refused."""
    with tenants.gateway("team-a") as inside:
        inside.adapter.put(
            "/v1/sys/policies/acl/stack-admin",
            json={
                "policy": 'path "sys/*" { capabilities = ["create", "read", "update", "sudo"] }\n'
                'path "ai-stack/*" { capabilities = ["create", "read", "update"] }'
            },
        )
        made = inside.adapter.post("/v1/auth/token/create", json={"policies": ["stack-admin"]})
    settings = dataclasses.replace(
        tenants.settings("team-a"), token=Token(made["auth"]["client_token"])
    )
    with VaultGateway(settings) as session:
        here = target_report(session, stack_config())
        below = target_report(session, stack_config("prod"))
    assert here.namespace == "team-a" and here.denied == []
    assert below.namespace == "team-a/prod"
    assert {c.path for c in below.denied} == {c.path for c in below.checks}


async def test_the_namespace_is_named_where_the_console_acts(tenants: Tenants) -> None:
    app = make_app(tenants.settings("team-a/prod"))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, f"ai-models/{SECRET}")
        await settle(pilot)
        title = str(app.screen.query_one("#secret-title", Label).render())
        assert title == f"ai-models/{SECRET}  · namespace team-a/prod"
        await pilot.press("d")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.title_text == (
            f"Delete version 1 of ai-models/{SECRET} · namespace team-a/prod"
        )
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, KeyValueForm)
        assert form.title_text == f"Edit ai-models/{SECRET} · namespace team-a/prod"
    app = make_app(tenants.settings())
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, f"ai-models/{SECRET}")
        await settle(pilot)
        title = str(app.screen.query_one("#secret-title", Label).render())
        assert title.endswith("· namespace root")


async def test_the_profile_picker_names_each_profiles_namespace(
    tenants: Tenants, tmp_path: Path
) -> None:
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        f'[profiles.a]\naddress = "{tenants.server.address}"\nnamespace = "team-a"\n'
        'token_env = "T"\n'
        f'[profiles.b]\naddress = "{tenants.server.address}"\ntoken_env = "T"\n',
        encoding="utf-8",
    )
    env = {config.CONFIG_ENV: str(profiles), "T": tenants.server.root_token, "HOME": str(tmp_path)}
    app = make_app(tenants.settings(), env=env)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        options = app.screen.query_one(OptionList)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "namespace team-a" in texts[0] and "namespace root" in texts[1]
        await pilot.press("enter")
        await settle(pilot)
        assert await shown_value(pilot, app) == "team-a"


async def who_can_read(app: Any, pilot: Any, path: str) -> set[str]:
    """Review > Who can read ``path``: the policy cells of the data/ rows."""
    await pilot.press("4")
    await settle(pilot)
    review = app.screen.query_one(ReviewPanel)
    review.query_one("#review-tabs", TabbedContent).active = "review-who"
    who = review.query_one("#who-path", Input)
    who.value = path
    who.focus()
    await pilot.press("enter")
    await settle(pilot)
    rows = fitted_rows(review.query_one("#who-table", FittedTable))
    return {r[1] for r in rows if "/data/" in r[0]}


async def test_who_can_read_lists_parent_namespaces_policies_that_reach_in(
    tenants: Tenants,
) -> None:
    rule = 'path "{}" {{ capabilities = ["read"] }}'
    with tenants.gateway() as root, tenants.gateway("team-a") as team_a:
        root.adapter.put(  # reaches team-a's secret: the server honours it (below)
            "/v1/sys/policies/acl/root-reaches-a",
            json={"policy": rule.format(f"team-a/ai-models/data/{SECRET}")},
        )
        root.adapter.put(  # root's own secret at the same path: another tenant's
            "/v1/sys/policies/acl/root-own",
            json={"policy": rule.format(f"ai-models/data/{SECRET}")},
        )
        team_a.adapter.put(
            "/v1/sys/policies/acl/a-reaches-prod",
            json={"policy": rule.format(f"prod/ai-models/data/{SECRET}")},
        )
        made = root.adapter.post("/v1/auth/token/create", json={"policies": ["root-reaches-a"]})
    reader = dataclasses.replace(
        tenants.settings("team-a"), token=Token(made["auth"]["client_token"])
    )
    with VaultGateway(reader) as honoured:
        assert honoured.kv("ai-models", 2).read(SECRET).data == {"api_key": value_in("team-a")}

    app = make_app(tenants.settings("team-a"))
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        granted = await who_can_read(app, pilot, f"ai-models/{SECRET}")
    assert "root-reaches-a (namespace root)" in granted
    assert not any(g.startswith("root-own") for g in granted)  # root's secret, not team-a's
    app = make_app(tenants.settings("team-a/prod"))
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        granted = await who_can_read(app, pilot, f"ai-models/{SECRET}")
    assert "a-reaches-prod (namespace team-a)" in granted
    assert "root-reaches-a (namespace root)" not in granted  # team-a's, not team-a/prod's


async def test_o_takes_a_namespace_prefixed_path(tenants: Tenants) -> None:
    app = make_app(tenants.settings())
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await open_path(pilot, f"team-a/prod/ai-models/{SECRET}")
        await settle(pilot)
        assert app.settings.namespace == "team-a/prod"
        await pilot.press("R")
        await settle(pilot)
        assert value_in("team-a/prod") in screen_text(app)
        assert value_in("") not in screen_text(app)
        await open_path(pilot, "nowhere/at-all/x")
        await settle(pilot)
        assert any("no KV mount or namespace starts 'nowhere/at-all/x'" in t for t in toasts(app))
        assert app.settings.namespace == "team-a/prod"
