"""--no-values: requests that could return a secret value never leave the process
(enforced in the transport, like read-only); keys, versions and metadata still work.
On the session's real OpenBao, whose audit log shows what reached it."""

from __future__ import annotations

import dataclasses
import time
import uuid

import pytest

from tests.conftest import settings_for
from tests.functional.helpers import open_path, screen_text, settle
from vault_console.app import make_app
from vault_console.errors import ValuesOff
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.vault.novalues import no_values_guard
from vault_console.widgets.dialogs import ErrorScreen
from vault_console.widgets.secret_panel import SecretPanel


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/sys/mounts"),
        ("GET", "/v1/auth/token/lookup-self"),
        ("GET", "/v1/ai-models/metadata/prod/openai"),
        ("GET", "/v1/ai-models/subkeys/prod/openai?version=2"),
        ("LIST", "/v1/ai-models/metadata/prod"),
        ("GET", "/v1/ai-models/metadata/prod?list=true"),
        ("POST", "/v1/sys/capabilities-self"),
        ("PATCH", "/v1/ai-models/data/prod/openai"),
        ("PUT", "/v1/ai-models/data/prod/openai"),
    ],
)
def test_what_returns_no_value_is_sent(method: str, path: str) -> None:
    no_values_guard(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/ai-models/data/prod/openai"),
        ("GET", "/v1/kv1/prod/openai"),  # a KV v1 read is its values
        ("GET", "/v1/aws/creds/ai-service"),  # a credential made on read
        ("GET", "/v1/cubbyhole/x"),
        ("GET", "/v1/sys/raw/logical/abc"),
        ("POST", "/v1/sys/wrapping/unwrap"),
        ("POST", "/v1/transit/decrypt/key"),
        ("POST", "/v1/aws/sts/role"),
    ],
)
def test_what_could_return_a_value_is_refused(method: str, path: str) -> None:
    with pytest.raises(ValuesOff):
        no_values_guard(method, path)


def audit_paths(bao: DevServer) -> list[str]:
    import json

    lines = bao.audit_log.read_text().splitlines()
    return [json.loads(line).get("request", {}).get("path", "") for line in lines if line]


def test_a_value_read_never_reaches_the_server(bao: DevServer, gateway: VaultGateway) -> None:
    folder = f"nov-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(f"{folder}/s", {"k": "v-never-sent"}, cas=0)
    settings = dataclasses.replace(settings_for(bao.address, bao.root_token), no_values=True)
    off = VaultGateway(settings)
    try:
        kv = off.kv("scratch", 2)
        assert kv.structure(f"{folder}/s").subkeys == {"k": None}
        assert kv.metadata(f"{folder}/s").current_version == 1
        with pytest.raises(ValuesOff):
            kv.read(f"{folder}/s")
    finally:
        off.close()
    time.sleep(0.2)  # the audit device writes as it answers
    seen = audit_paths(bao)
    assert f"scratch/subkeys/{folder}/s" in seen
    assert f"scratch/data/{folder}/s" in seen  # the root gateway's write, before
    assert seen.count(f"scratch/data/{folder}/s") == 2  # its request and response: no read


async def test_the_console_without_values_browses_and_says_why_r_cannot(
    bao: DevServer, gateway: VaultGateway
) -> None:
    folder = f"nov-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(f"{folder}/s", {"api_key": "v-never-sent"}, cas=0)
    settings = dataclasses.replace(settings_for(bao.address, bao.root_token), no_values=True)
    app = make_app(settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert "NO VALUES" in screen_text(app)
        await pilot.press("2")
        await open_path(pilot, f"scratch/{folder}/s")
        panel = app.screen.query_one(SecretPanel)
        assert panel.shown is not None and panel.shown.secret.subkeys == {"api_key": None}
        assert "values are off in this session" in screen_text(app)
        assert app.screen.check_action("reveal_value", ()) is None  # shown disabled
        await pilot.press("r")  # says why; nothing is sent (the transport would refuse it)
        await settle(pilot)
        assert not isinstance(app.screen, ErrorScreen)
        said = [n.message for n in app._notifications]
        assert "Reveal: values are off in this session (--no-values)" in said, said
        assert "v-never-sent" not in screen_text(app)
