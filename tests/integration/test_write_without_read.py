"""Issue 21 part 2: set keys without reading the others. A PATCH with check-and-set when
the token may patch; else read-modify-write with check-and-set. On the session's real
OpenBao with tokens whose policies allow only patch, only read+update, and both."""

from __future__ import annotations

import uuid

import hvac.exceptions
import pytest
from textual.widgets import Input

from tests.conftest import settings_for
from tests.functional.helpers import open_path, settle
from vault_console.app import make_app
from vault_console.config import Token
from vault_console.errors import CasConflict
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

START = {"api_key": "sk-old", "rpm": 60, "tags": ["a", "b"], "nested": {"x": True}}

POLICIES = {
    "patch-only": ["patch"],
    "update-only": ["read", "update"],
    "patch-and-update": ["read", "update", "patch"],
}


def token_for(gateway: VaultGateway, folder: str, capabilities: list[str]) -> str:
    name = f"wwr-{uuid.uuid4().hex[:8]}"
    rules = (
        f'path "scratch/data/{folder}/*" {{ capabilities = {capabilities!r} }}\n'
        f'path "scratch/metadata/{folder}/*" {{ capabilities = ["read"] }}\n'
        f'path "scratch/subkeys/{folder}/*" {{ capabilities = ["read"] }}\n'
        'path "sys/mounts" { capabilities = ["read"] }\n'
    ).replace("'", '"')
    gateway.client.sys.create_or_update_policy(name, rules)
    return str(gateway.client.auth.token.create(policies=[name], ttl="5m")["auth"]["client_token"])


def gateway_for(bao: DevServer, token: str) -> VaultGateway:
    return VaultGateway(settings_for(bao.address, token))


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_set_keys_keeps_every_other_key_and_its_type(
    bao: DevServer, gateway: VaultGateway, policy: str
) -> None:
    folder = f"wwr-{uuid.uuid4().hex[:8]}"
    root = gateway.kv("scratch", 2)
    root.write(f"{folder}/s", START, cas=0)
    limited = gateway_for(bao, token_for(gateway, folder, POLICIES[policy]))
    try:
        version, how = limited.kv("scratch", 2).set_keys(f"{folder}/s", {"api_key": "sk-new"}, 1)
    finally:
        limited.close()
    assert version == 2
    assert how == ("update" if policy == "update-only" else "patch")
    assert root.read(f"{folder}/s").data == {**START, "api_key": "sk-new"}  # types kept


def test_a_stale_version_is_refused_on_both_paths(bao: DevServer, gateway: VaultGateway) -> None:
    folder = f"wwr-{uuid.uuid4().hex[:8]}"
    root = gateway.kv("scratch", 2)
    root.write(f"{folder}/s", START, cas=0)
    root.write(f"{folder}/s", {**START, "rpm": 90}, cas=1)  # someone else saved version 2
    for capabilities in (["patch"], ["read", "update"]):
        limited = gateway_for(bao, token_for(gateway, folder, capabilities))
        try:
            with pytest.raises(CasConflict):
                limited.kv("scratch", 2).set_keys(f"{folder}/s", {"api_key": "sk-x"}, 1)
        finally:
            limited.close()
    assert root.read(f"{folder}/s").data == {**START, "rpm": 90}


def test_a_token_with_neither_is_refused_and_nothing_is_written(
    bao: DevServer, gateway: VaultGateway
) -> None:
    folder = f"wwr-{uuid.uuid4().hex[:8]}"
    root = gateway.kv("scratch", 2)
    root.write(f"{folder}/s", START, cas=0)
    limited = gateway_for(bao, token_for(gateway, folder, ["read"]))
    try:
        with pytest.raises(hvac.exceptions.Forbidden):
            limited.kv("scratch", 2).set_keys(f"{folder}/s", {"api_key": "sk-x"}, 1)
    finally:
        limited.close()
    assert root.read(f"{folder}/s").version == 1


async def test_k_in_the_console_patches_with_a_patch_only_token(
    bao: DevServer, gateway: VaultGateway
) -> None:
    """A token that may patch but not read data: K sets one key; the notice says PATCH."""
    import dataclasses

    folder = f"wwr-{uuid.uuid4().hex[:8]}"
    root = gateway.kv("scratch", 2)
    root.write(f"{folder}/s", START, cas=0)
    token = token_for(gateway, folder, ["patch"])
    settings = dataclasses.replace(settings_for(bao.address, None), token=Token(token))
    app = make_app(settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, f"scratch/{folder}/s")
        await pilot.press("K")
        await settle(pilot)
        form = app.screen
        form.query(".form-key").results(Input).__next__().value = "api_key"
        form.query(".form-value").results(Input).__next__().value = "sk-patched"
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert any("Sent as a PATCH" in m for m in said), said
    assert root.read(f"{folder}/s").data == {**START, "api_key": "sk-patched"}


async def test_k_starts_in_the_key_field_so_typing_names_the_key_first(
    bao: DevServer, gateway: VaultGateway
) -> None:
    """Found by hand in tmux: K opened with the focus in the value, so a key typed first
    went into the value and the save was refused ('the key is empty')."""
    folder = f"wwr-{uuid.uuid4().hex[:8]}"
    root = gateway.kv("scratch", 2)
    root.write(f"{folder}/s", START, cas=0)
    app = make_app(settings_for(bao.address, bao.root_token))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_path(pilot, f"scratch/{folder}/s")
        await pilot.press("K")
        await settle(pilot)
        await pilot.press(*"api_key", "tab", *"sk-typed", "ctrl+s")
        await settle(pilot)
    assert root.read(f"{folder}/s").data == {**START, "api_key": "sk-typed"}
