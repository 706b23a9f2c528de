"""The login screen (issue 21 part 6): offered when no token works, against the session's
real OpenBao (token, userpass) and a real OpenID provider (OIDC, see test_oidc_login)."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select

from tests.functional.helpers import screen_text, settle
from tests.integration.oidc import BROWSER, profile_env
from vault_console import config
from vault_console.app import VaultConsoleApp, make_app
from vault_console.errors import ReadOnlyViolation
from vault_console.screens.login import METHODS, LoginScreen
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer


@pytest.fixture(scope="module")
def user(bao: DevServer) -> dict[str, str]:
    gateway = VaultGateway(bao.settings())
    client = gateway.client
    tag = uuid.uuid4().hex[:6]
    client.sys.create_or_update_policy(
        f"screen-{tag}",
        'path "sys/mounts" { capabilities = ["read"] }\n'
        'path "scratch/metadata/*" { capabilities = ["list"] }\n',
    )
    client.sys.enable_auth_method("userpass", path=f"up-{tag}")
    client.write(f"auth/up-{tag}/users/ana", password="correct horse", policies=f"screen-{tag}")
    gateway.close()
    return {"mount": f"up-{tag}", "policy": f"screen-{tag}"}


def tokenless(bao: DevServer, home: Path, **env: str) -> tuple[VaultConsoleApp, dict[str, str]]:
    """The console as started on a machine with no token anywhere."""
    environment = {"VAULT_ADDR": bao.address, "HOME": str(home), **env}
    settings = config.resolve(env=environment, home=home)
    return make_app(settings, env=environment), environment


async def choose_method(pilot: Pilot[int], method: str) -> None:
    """Pick a method as a person does: Enter opens the list, arrows move, Enter picks."""
    select = pilot.app.screen.query_one("#login-method", Select)
    keys = [key for _, key in METHODS]
    select.focus()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*["down"] * (keys.index(method) - keys.index(str(select.value))), "enter")
    await pilot.pause()
    assert select.value == method


async def type_into(pilot: Pilot[int], selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)


async def test_no_token_opens_the_login_screen_and_a_typed_token_is_kept_in_memory(
    bao: DevServer, tmp_path: Path
) -> None:
    app, _ = tokenless(bao, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        text = screen_text(app)
        assert f"Log in to {bao.address}" in text and "No token is set" in text
        await type_into(pilot, "#login-secret", "not-a-token")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)  # refused: the form stays, input kept
        assert "Not logged in: Invalid or expired token" in screen_text(app)
        assert app.screen.query_one("#login-secret", Input).value == "not-a-token"
        assert "not-a-token" not in screen_text(app)  # a password field shows dots

        await type_into(pilot, "#login-secret", bao.root_token)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert not isinstance(app.screen, LoginScreen)
        text = screen_text(app)
        assert "Logged in with token (kept in memory)" in text
        assert "scratch/" in text
        assert bao.root_token not in text
    assert not (tmp_path / ".vault-token").exists()


async def test_userpass_with_save_writes_an_owner_only_token_file(
    bao: DevServer, user: dict[str, str], tmp_path: Path
) -> None:
    app, _ = tokenless(bao, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await choose_method(pilot, "userpass")
        await type_into(pilot, "#login-mount", user["mount"])
        await type_into(pilot, "#login-name", "ana")
        await pilot.press("enter")  # no password yet: said, nothing sent
        await pilot.pause()
        assert "Not logged in: Password: empty" in screen_text(app)

        await type_into(pilot, "#login-secret", "wrong")
        await pilot.press("enter")
        await settle(pilot)
        assert "Not logged in:" in screen_text(app)
        assert not (tmp_path / ".vault-token").exists()

        await type_into(pilot, "#login-secret", "correct horse")
        app.screen.query_one("#login-save").toggle()  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        saved = tmp_path / ".vault-token"
        text = screen_text(app)  # the toast wraps the path: its two ends
        assert "Logged in with userpass (saved to" in text and ".vault-token)" in text
        assert "scratch/" in screen_text(app)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    gateway = VaultGateway(config.with_token(app.settings, saved.read_text()))
    assert user["policy"] in gateway.token_info().policies
    gateway.close()


async def test_a_token_the_server_does_not_know_offers_the_login_screen(
    bao: DevServer, tmp_path: Path
) -> None:
    app, _ = tokenless(bao, tmp_path, VAULT_TOKEN="s.thisTokenWasRevoked")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "does not accept this token" in screen_text(app)
        await pilot.press("escape")  # the person declines: the browser says why it is empty
        await settle(pilot)
        assert "Invalid or expired token" in screen_text(app)


async def test_a_failed_profile_login_opens_the_screen_with_its_fields_then_oidc_signs_in(
    bao: DevServer,
    oidc: dict[str, str],
    tmp_path: Path,
) -> None:
    env = profile_env(tmp_path, bao, oidc, 'role = "no-such-role"\n')
    env |= {"BROWSER": BROWSER, "HOME": str(tmp_path)}
    settings = config.resolve(env=env, profile_name="p", home=tmp_path)
    app = make_app(settings, env=env)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        text = screen_text(app)
        assert "The profile's oidc login failed" in text
        assert app.screen.query_one("#login-name", Input).value == "no-such-role"
        await type_into(pilot, "#login-name", "")  # the method's default role
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        text = screen_text(app)
        assert "Logged in with oidc (kept in memory)" in text
        assert "scratch/" in text


def test_logging_in_is_allowed_in_read_only_mode_and_nothing_else_under_auth(
    bao: DevServer, user: dict[str, str], tmp_path: Path
) -> None:
    from vault_console.vault.login import login

    env = {"VAULT_ADDR": bao.address, "HOME": str(tmp_path)}
    settings = config.resolve(env=env, flags={"read_only": True}, home=tmp_path)
    spec = config.LoginSpec("userpass", user["mount"], "ana", typed=config.Token("correct horse"))
    token = login(settings, spec, env)
    gateway = VaultGateway(config.with_token(settings, token.reveal()))
    with pytest.raises(ReadOnlyViolation):
        gateway.adapter.post(f"/v1/auth/{user['mount']}/users/mallory", json={"password": "x"})
    gateway.close()
