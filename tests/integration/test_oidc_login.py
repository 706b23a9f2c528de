"""OIDC login through a browser callback on this machine (issue 21 part 6), against
OpenBao's real OIDC auth method and a real OpenID provider (``oidc-provider-mock``, a
Flask app that issues signed ID tokens; it signs in whoever is typed, with no password).

The browser is ``tests/integration/fake_browser.py``, started through ``BROWSER`` as the
console starts a real one: it loads the provider's page, signs in, and follows the
redirect to the console's callback.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.functional.helpers import screen_text, settle
from tests.integration.oidc import BROWSER, free_port, page_shown, profile_env
from vault_console import config
from vault_console.app import make_app
from vault_console.config import ConfigError
from vault_console.errors import ConsoleError, ErrorKind
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.vault.login import login

NO_HOME = Path("/nonexistent-home")


def test_a_browser_sign_in_gives_a_token_of_the_role(
    bao: DevServer, oidc: dict[str, str], provider: str, tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    env = profile_env(tmp_path, bao, oidc) | {"BROWSER": BROWSER, "FAKE_OIDC_PAGE": str(page)}
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    assert settings.login is not None and settings.login.method == "oidc"
    shown: list[str] = []
    token = login(settings, settings.login, env, show_url=shown.append)
    gateway = VaultGateway(config.with_token(settings, token.reveal()))
    info = gateway.token_info()
    gateway.close()
    assert oidc["policy"] in info.policies
    assert shown and shown[0].startswith(f"{provider}/oauth2/authorize?")
    assert page_shown(page) == "200 Signed in. You can close this tab and go back to vault-console."


def test_without_a_browser_the_url_is_shown_and_cancel_frees_the_port(
    bao: DevServer, oidc: dict[str, str], tmp_path: Path
) -> None:
    env = profile_env(tmp_path, bao, oidc)  # no BROWSER, no DISPLAY: nothing is opened
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    assert settings.login is not None
    cancelled = threading.Event()
    shown: list[str] = []

    def show(url: str) -> None:
        shown.append(url)
        cancelled.set()  # the person closes the login instead of signing in

    with pytest.raises(ConsoleError) as stopped:
        login(settings, settings.login, env, show_url=show, cancelled=cancelled)
    assert stopped.value.kind is ErrorKind.CANCELLED
    assert "redirect_uri=" in shown[0]
    port = int(oidc["redirect"].split(":")[2].split("/")[0])
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # the callback listener is gone


def test_a_denied_sign_in_and_a_callback_the_role_does_not_allow_are_said(
    bao: DevServer, oidc: dict[str, str], tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    env = profile_env(tmp_path, bao, oidc) | {
        "BROWSER": BROWSER,
        "FAKE_OIDC_ACTION": "deny",
        "FAKE_OIDC_PAGE": str(page),
    }
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    assert settings.login is not None
    with pytest.raises(ConsoleError, match="The provider said access_denied") as denied:
        login(settings, settings.login, env, show_url=lambda url: None)
    assert denied.value.kind is ErrorKind.REFUSED
    assert page_shown(page).startswith("400 The login did not finish")

    # Another path (the port alone may differ on loopback: RFC 8252 7.3, which OpenBao follows).
    other = f"http://localhost:{free_port()}/elsewhere"
    env = profile_env(tmp_path, bao, {**oidc, "redirect": other}) | {"BROWSER": BROWSER}
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    assert settings.login is not None
    shown: list[str] = []
    with pytest.raises(ConsoleError, match="must list it in allowed_redirect_uris") as refused:
        login(settings, settings.login, env, show_url=shown.append)
    assert refused.value.kind is ErrorKind.REFUSED and not shown


@pytest.mark.parametrize(
    "redirect",
    ["https://localhost:8250/oidc/callback", "http://evil.example:8250/cb", "http://localhost/cb"],
)
def test_a_callback_that_is_not_on_this_machine_is_refused_at_start(
    bao: DevServer, oidc: dict[str, str], tmp_path: Path, redirect: str
) -> None:
    env = profile_env(tmp_path, bao, {**oidc, "redirect": redirect})
    with pytest.raises(
        ConfigError, match=r"profile .p.: oidc_redirect: .* is not http://localhost:PORT/PATH"
    ):
        config.resolve(env=env, profile_name="p", home=NO_HOME)


def test_a_headless_command_signs_in_with_the_browser(
    bao: DevServer, oidc: dict[str, str], provider: str, tmp_path: Path
) -> None:
    run_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))},
        **profile_env(tmp_path, bao, oidc),
        "BROWSER": BROWSER,
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "vault_console", "ls", "--profile", "p", "--json"],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert {"kind": "mount", "kv_version": 2, "name": "scratch/"} in json.loads(done.stdout)[
        "entries"
    ]
    assert f"{provider}/oauth2/authorize?" in done.stderr  # the URL, for a machine without one
    assert not (tmp_path / ".vault-token").exists()


async def test_the_console_shows_the_url_then_logs_in(
    bao: DevServer, oidc: dict[str, str], provider: str, tmp_path: Path
) -> None:
    env = profile_env(tmp_path, bao, oidc) | {"BROWSER": BROWSER, "HOME": str(tmp_path)}
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    app = make_app(settings, env=env)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await settle(pilot)
        text = screen_text(app)
        assert "Logged in with oidc" in text
        assert "Sign in with your browser at:" in text
        assert app.settings.token is not None
        assert "scratch/" in text
