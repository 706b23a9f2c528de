"""Snapshots of the main screens at a fixed size, on a freshly seeded real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import settings_for
from tests.snapshots.normalizing_proxy import NormalizingProxy
from tests.snapshots.scenes import SCENES
from tests.snapshots.wizard_scenes import SNAPSHOT_SCENES, WIZARD_SCENES, wizard_env
from vault_console.app import make_app
from vault_console.vault import demo_seed
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

pytestmark = pytest.mark.xdist_group("snapshot-proxy")
"""One worker runs every snapshot: the normalizing proxy listens on one fixed address (it
shows in the status bar of every snapshot), so two workers would fight over it."""

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
"""The smallest terminal operators use, and a common one: each view is compared at both."""


@pytest.fixture
def proxied() -> Iterator[tuple[str, str]]:
    """A freshly seeded stock server (no aws plugins) behind the normalizing proxy:
    (proxy address, token)."""
    with DevServer(plugins=False) as server:
        gateway = VaultGateway(settings_for(server.address, server.root_token))
        demo_seed.seed(gateway.client)
        gateway.close()
        with NormalizingProxy(server.address) as proxy:
            yield proxy.address, server.root_token


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("scene", sorted(SCENES))
def test_main_screens(
    scene: str, size: str, proxied: tuple[str, str], snap_compare: Callable[..., Any]
) -> None:
    address, token = proxied
    # A committed synthetic log at a repo-relative path keeps the audit view repeatable.
    # No clipboard countdown: a copy's "clears in 29s" would depend on the moment.
    settings = settings_for(
        address, token, audit_log="tests/snapshots/data/audit.log", clipboard_clear=0.0
    )
    gateway = VaultGateway(settings)
    app = make_app(settings, status_refresh=3600)

    async def run_before(pilot: Any) -> None:
        await SCENES[scene](pilot, gateway)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.needs_pulumi_cli
@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("scene", SNAPSHOT_SCENES)
def test_wizard_review_and_confirm(
    scene: str,
    size: str,
    proxied: tuple[str, str],
    snap_compare: Callable[..., Any],
    pulumi_cli: str,
    pulumi_home: Path,
    tmp_path: Path,
) -> None:
    """The diff and the confirm step of a real preview (real CLI, vault provider, OpenBao)."""
    address, token = proxied
    settings = settings_for(address, token)
    gateway = VaultGateway(settings)
    env = wizard_env(Path(pulumi_cli).parent, pulumi_home, tmp_path)
    app = make_app(settings, status_refresh=3600, env=env)

    async def run_before(pilot: Any) -> None:
        await WIZARD_SCENES[scene](pilot, gateway)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_plan_viewer(snap_compare: Callable[..., Any]) -> None:
    from tests.conftest import pulumi_log
    from vault_console.infra.plan import load_plan
    from vault_console.screens.plan import PlanViewerApp

    log = pulumi_log("webserver-userdata.json")
    app = PlanViewerApp(load_plan(log), log.name)
    assert snap_compare(app, terminal_size=SIZES["120x40"], press=["down", "down"])
