"""The OIDC tests' parts: a real OpenID provider (``oidc-provider-mock``), an OIDC auth
method on the session's OpenBao that trusts it, and a browser (``fake_browser.py``)."""

from __future__ import annotations

import socket
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from vault_console import config
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

BROWSER = f"{sys.executable} {Path(__file__).with_name('fake_browser.py')}"


def page_shown(page: Path) -> str:
    """What the browser's tab said; the browser writes it just after the login returns."""
    deadline = time.monotonic() + 10
    while not page.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return page.read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    # It imports authlib APIs authlib deprecates (and authlib turns its warnings to
    # "always"): not ours to change, and not about the console, so silenced at the import.
    with warnings.catch_warnings():
        import authlib.deprecate  # type: ignore[import-untyped]  # its "always" filter first

        warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
        from oidc_provider_mock import run_server_in_thread  # type: ignore[import-untyped]

    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def oidc(bao: DevServer, provider: str) -> dict[str, str]:
    """An OIDC auth method trusting the provider, with a role whose callback is on a free
    port of this machine (tests run side by side: never the CLI's fixed 8250)."""
    gateway = VaultGateway(bao.settings())
    client = gateway.client
    tag = uuid.uuid4().hex[:6]
    mount = f"oidc-{tag}"
    redirect = f"http://localhost:{free_port()}/oidc/callback"
    client.sys.create_or_update_policy(
        f"oidc-{tag}",
        'path "sys/mounts" { capabilities = ["read"] }\n'
        'path "scratch/metadata/*" { capabilities = ["list"] }\n',
    )
    client.sys.enable_auth_method("oidc", path=mount)
    client.write(
        f"auth/{mount}/config",
        oidc_discovery_url=provider,
        oidc_client_id=f"vc-{tag}",
        oidc_client_secret="not-a-real-secret",
        default_role="reader",
    )
    client.write(
        f"auth/{mount}/role/reader",
        role_type="oidc",
        allowed_redirect_uris=[redirect],
        user_claim="sub",
        token_policies=f"oidc-{tag}",
        token_ttl="10m",
    )
    gateway.close()
    return {"mount": mount, "redirect": redirect, "policy": f"oidc-{tag}"}


def profile_env(
    tmp_path: Path, bao: DevServer, oidc: dict[str, str], extra: str = ""
) -> dict[str, str]:
    path = tmp_path / "profiles.toml"
    path.write_text(
        f'[profiles.p]\naddress = "{bao.address}"\nauth = "oidc"\n'
        f'auth_mount = "{oidc["mount"]}"\noidc_redirect = "{oidc["redirect"]}"\n{extra}',
        encoding="utf-8",
    )
    return {config.CONFIG_ENV: str(path)}
