"""Shared fixtures: one real OpenBao dev server for the session, seeded like the demo."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from vault_console import config
from vault_console.config import Settings, Token
from vault_console.vault import demo_seed
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

# No animations in tests: a tab underline caught mid-slide makes snapshots flaky.
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def notifications_are_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot tests see what a person sees: toasts are rendered (``run_test`` draws none by
    default, so a toast that crashed the console went unseen by every test)."""
    run_test = App.run_test

    def drawn(self: App[Any], **kwargs: Any) -> Any:
        kwargs.setdefault("notifications", True)
        return run_test(self, **kwargs)

    monkeypatch.setattr(App, "run_test", drawn)


SCRATCH = "scratch"

SHARED = Path(
    os.environ.get("VAULT_CONSOLE_SHARED", Path(__file__).resolve().parents[2] / "shared")
)
"""The project's shared/ folder; CI lays it beside the clone."""

PULUMI_EVENTS = Path(
    os.environ.get("VAULT_CONSOLE_PULUMI_EVENTS", SHARED / "fixtures" / "pulumi-events")
)
"""The recorded engine logs; CI lays shared/ beside the clone, so their absence is a failure."""


def pulumi_log(name: str) -> Path:
    path = PULUMI_EVENTS / name
    assert path.is_file(), (
        f"recorded engine log {path} is missing (set VAULT_CONSOLE_PULUMI_EVENTS)"
    )
    return path


@pytest.fixture(scope="session")
def bao() -> Iterator[DevServer]:
    """A real ``bao server -dev`` on a free port, seeded with the demo layout."""
    with DevServer() as server:
        settings = settings_for(server.address, server.root_token)
        gateway = VaultGateway(settings)
        demo_seed.seed(gateway.client)
        # Tests that write use this mount, so the seeded ai-models/ stays as the demo has it.
        gateway.client.sys.enable_secrets_engine("kv", path=SCRATCH, options={"version": "2"})
        gateway.close()
        yield server


@pytest.fixture(scope="session")
def bao_stock() -> Iterator[DevServer]:
    """A second real dev server, seeded the same, without the aws plugins: a stock
    OpenBao, for what the console does when a server lacks them."""
    with DevServer(plugins=False) as server:
        gateway = VaultGateway(settings_for(server.address, server.root_token))
        demo_seed.seed(gateway.client)
        gateway.close()
        yield server


@pytest.fixture
def stock_settings(bao_stock: DevServer) -> Settings:
    return settings_for(bao_stock.address, bao_stock.root_token)


def settings_for(address: str, token: str | None, **changes: object) -> Settings:
    """Settings from a clean environment (no VAULT_* of the machine leaks in)."""
    env = {"VAULT_ADDR": address, "HOME": "/nonexistent"}
    settings = config.resolve(env=env, home=Path("/nonexistent"))
    if token is not None:
        settings = config.with_token(settings, token)
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


@pytest.fixture
def root_settings(bao: DevServer) -> Settings:
    return settings_for(bao.address, bao.root_token)


@pytest.fixture
def gateway(root_settings: Settings) -> Iterator[VaultGateway]:
    gateway = VaultGateway(root_settings)
    yield gateway
    gateway.close()


@pytest.fixture
def limited_settings(bao: DevServer, gateway: VaultGateway) -> Settings:
    """Settings with a token that holds only the research-dev policy."""
    token = demo_seed.limited_token(gateway.client, "research-dev")
    return dataclasses.replace(
        settings_for(bao.address, None), token=Token(token), token_source="test"
    )


# -- the real Pulumi engine -------------------------------------------------------------

VAULT_PLUGIN_VERSION = "v7.14.0"


@pytest.fixture(scope="session")
def pulumi_cli() -> str:
    """The real ``pulumi`` CLI (``./dev`` builds one onto PATH); CI fails without it."""
    found = shutil.which("pulumi")
    if found is None:
        reason = "needs the real `pulumi` CLI on PATH (./dev test builds it: tools/pulumi/)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the real engine")
        pytest.skip(reason)
    return found


def install_vault_plugin(pulumi_cli: str, home: Path) -> Path:
    """Make ``home`` a PULUMI_HOME holding only the vault provider from shared/pulumi-plugins.

    Shared by the ``pulumi_home`` fixture and ``scripts/screenshots.py``.
    """
    from vault_console.demo import install_vault_plugin as install

    assert install(pulumi_cli, home, VAULT_PLUGIN_VERSION), (
        f"{SHARED / 'pulumi-plugins'} has no vault provider {VAULT_PLUGIN_VERSION} "
        "(set VAULT_CONSOLE_SHARED)"
    )
    return home


@pytest.fixture(scope="session")
def pulumi_home(pulumi_cli: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PULUMI_HOME holding only the vault provider plugin from shared/pulumi-plugins."""
    return install_vault_plugin(pulumi_cli, tmp_path_factory.mktemp("pulumi-home"))
