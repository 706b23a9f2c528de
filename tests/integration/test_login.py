"""Logins besides a token (issue 21 part 6), against OpenBao's real userpass and approle
methods on the session's dev server: from a profile, the secret part from a file or an
environment variable, the token in memory only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.functional.helpers import screen_text, settle
from vault_console import config
from vault_console.app import make_app
from vault_console.config import ConfigError
from vault_console.errors import ErrorKind, kind_of
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.vault.login import login

NO_HOME = Path("/nonexistent-home")


@pytest.fixture(scope="module")
def methods(bao: DevServer) -> dict[str, str]:
    """A userpass user and an approle role, each with a policy to read sys/mounts."""
    gateway = VaultGateway(bao.settings())
    client = gateway.client
    tag = uuid.uuid4().hex[:6]
    client.sys.create_or_update_policy(
        f"login-{tag}",
        'path "sys/mounts" { capabilities = ["read"] }\n'
        'path "scratch/metadata/*" { capabilities = ["list"] }\n',
    )
    client.sys.enable_auth_method("userpass", path=f"up-{tag}")
    client.write(f"auth/up-{tag}/users/ana", password="correct horse", policies=f"login-{tag}")
    client.sys.enable_auth_method("approle", path=f"ar-{tag}")
    client.write(f"auth/ar-{tag}/role/ci", token_policies=f"login-{tag}", token_ttl="10m")
    role_id = client.read(f"auth/ar-{tag}/role/ci/role-id")["data"]["role_id"]
    secret_id = client.write(f"auth/ar-{tag}/role/ci/secret-id")["data"]["secret_id"]
    gateway.close()
    return {"tag": tag, "role_id": role_id, "secret_id": secret_id, "policy": f"login-{tag}"}


def profiles(tmp_path: Path, bao: DevServer, body: str) -> dict[str, str]:
    path = tmp_path / "profiles.toml"
    path.write_text(f'[profiles.p]\naddress = "{bao.address}"\n{body}', encoding="utf-8")
    return {config.CONFIG_ENV: str(path)}


def test_userpass_from_a_variable_and_approle_from_a_file(
    bao: DevServer, methods: dict[str, str], tmp_path: Path
) -> None:
    env = profiles(
        tmp_path,
        bao,
        f'auth = "userpass"\nauth_mount = "up-{methods["tag"]}"\nusername = "ana"\n'
        'secret_env = "ANA_PASSWORD"\n',
    ) | {"ANA_PASSWORD": "correct horse"}
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    assert settings.token is None and settings.login is not None
    token = login(settings, settings.login, env)
    info = VaultGateway(config.with_token(settings, token.reveal())).token_info()
    assert methods["policy"] in info.policies

    secret_file = tmp_path / "secret-id"
    secret_file.write_text(methods["secret_id"] + "\n")
    secret_file.chmod(0o600)
    env = profiles(
        tmp_path,
        bao,
        f'auth = "approle"\nauth_mount = "ar-{methods["tag"]}"\n'
        f'role_id = "{methods["role_id"]}"\nsecret_file = "{secret_file}"\n',
    )
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    assert settings.login is not None
    token = login(settings, settings.login, env)
    info = VaultGateway(config.with_token(settings, token.reveal())).token_info()
    assert methods["policy"] in info.policies


def test_a_wrong_password_and_a_missing_secret_are_said(
    bao: DevServer, methods: dict[str, str], tmp_path: Path
) -> None:
    env = profiles(
        tmp_path,
        bao,
        f'auth = "userpass"\nauth_mount = "up-{methods["tag"]}"\nusername = "ana"\n'
        'secret_env = "ANA_PASSWORD"\n',
    )
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    assert settings.login is not None
    with pytest.raises(ConfigError, match="the variable ANA_PASSWORD is not set"):
        login(settings, settings.login, env)
    with pytest.raises(Exception) as refused:
        login(settings, settings.login, env | {"ANA_PASSWORD": "wrong"})
    assert kind_of(refused.value) in (ErrorKind.REFUSED, ErrorKind.BAD_TOKEN, ErrorKind.FORBIDDEN)
    bad = profiles(tmp_path, bao, 'auth = "ldap"\nusername = "x"\n')
    with pytest.raises(ConfigError, match="auth 'ldap' is not one of userpass, approle, aws"):
        config.resolve(env=bad, profile_name="p", home=NO_HOME)


def test_a_headless_command_logs_in_from_the_profile(
    bao: DevServer, methods: dict[str, str], tmp_path: Path
) -> None:
    env = profiles(
        tmp_path,
        bao,
        f'auth = "approle"\nauth_mount = "ar-{methods["tag"]}"\n'
        f'role_id = "{methods["role_id"]}"\nsecret_env = "CI_SECRET_ID"\n',
    )
    run_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))},
        **env,
        "CI_SECRET_ID": methods["secret_id"],
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
    assert not (tmp_path / ".vault-token").exists()  # the token stayed in memory
    assert methods["secret_id"] not in done.stdout + done.stderr


async def test_the_console_logs_in_then_lists_the_mounts(
    bao: DevServer, methods: dict[str, str], tmp_path: Path
) -> None:
    env = profiles(
        tmp_path,
        bao,
        f'auth = "userpass"\nauth_mount = "up-{methods["tag"]}"\nusername = "ana"\n'
        'secret_env = "ANA_PASSWORD"\n',
    ) | {"ANA_PASSWORD": "correct horse", "HOME": str(tmp_path)}
    settings = config.resolve(env=env, profile_name="p", home=NO_HOME)
    app = make_app(settings, env=env)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await settle(pilot)
        assert app.settings.token is not None
        assert any("Logged in with userpass" in n.message for n in app._notifications)
        assert "scratch/" in screen_text(app)
        assert "userpass login" in screen_text(app) or app.settings.token_source == "userpass login"
