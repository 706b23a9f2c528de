"""Namespaces (issue 26) on a real OpenBao with nested namespaces, each holding its own
secret at the same path (tests/integration/tenants.py): an answer about the wrong tenant
reads the wrong value and fails."""

from __future__ import annotations

import json
import os
import shlex
import subprocess

import pytest
from textual.widgets import Input, Label

from tests.functional.helpers import fitted_rows, open_path, settle, toasts
from tests.integration.tenants import NAMESPACES, SECRET, Tenants, value_in
from vault_console.app import make_app
from vault_console.infra.setup import login_snippet, stack_namespace
from vault_console.vault.devserver import find_bao
from vault_console.widgets.audit_panel import AuditPanel
from vault_console.widgets.fitted_table import FittedTable
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
