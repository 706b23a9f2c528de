"""The setup wizard's steps as scenes, on the real Pulumi CLI and vault provider.

Used by the snapshot tests and by ``scripts/screenshots.py``. The app must run with an
environment that has ``pulumi`` on PATH, a PULUMI_HOME holding the vault provider and a
passphrase (``wizard_env``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, Log

from tests.snapshots.scenes import Scene, settle
from vault_console.screens.wizard.base import field_id
from vault_console.screens.wizard.screen import WizardScreen
from vault_console.vault.client import VaultGateway

MOUNT = "ai-agents"
VALUE = "sk-snapshot-value-never-shown"


def wizard_env(pulumi_dir: Path, pulumi_home: Path, state: Path) -> dict[str, str]:
    import os

    return {
        "PATH": f"{pulumi_dir}:{os.environ['PATH']}",
        "HOME": str(state),
        "XDG_STATE_HOME": str(state / "state"),
        "XDG_CONFIG_HOME": str(state / "config"),
        "PULUMI_HOME": str(pulumi_home),
        "PULUMI_CONFIG_PASSPHRASE": "snapshot passphrase",
    }


def _wizard(pilot: Pilot[int]) -> WizardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen)
    return screen


async def _type(pilot: Pilot[int], name: str, text: str) -> None:
    target = pilot.app.screen.query_one(f"#{field_id(name)}", Input)
    target.focus()
    target.value = ""
    await pilot.press(*text)


async def _engine_done(pilot: Pilot[int]) -> None:
    screen = _wizard(pilot)
    deadline = time.monotonic() + 180
    while screen.running is not None and time.monotonic() < deadline:
        await pilot.pause(0.1)
    await settle(pilot)


async def target(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await settle(pilot)
    await pilot.press("W")
    await settle(pilot)


async def aws(pilot: Pilot[int], gateway: VaultGateway) -> None:
    """The AWS step with its components on (the server's lack of aws plugins aside).

    The identity comes from boto3's chain in the process environment (the screenshots
    script points it at a moto server).
    """
    await target(pilot, gateway)
    await _wizard(pilot).go_to("aws")
    deadline = time.monotonic() + 30
    identity = pilot.app.screen.query_one("#aws-identity", Label)
    while str(identity.render()).startswith("Asking STS") and time.monotonic() < deadline:
        await pilot.pause(0.1)
    await settle(pilot)
    role_filter = pilot.app.screen.query_one("#role-filter", Input)
    if role_filter.display:
        role_filter.focus()
        await pilot.press(*"inference")
        await settle(pilot)


async def components(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await target(pilot, gateway)
    # Pressed, not clicked: the target's report can push the button below the fold.
    pilot.app.screen.query_one("#skip-aws", Button).press()
    await settle(pilot)
    await pilot.press("ctrl+n", "ctrl+n")  # past the AWS step, which has nothing to ask
    await settle(pilot)
    await _type(pilot, "model_secrets.mount_path", MOUNT)
    await _type(pilot, "model_secrets.policy_name", f"{MOUNT}-read")
    await _type(pilot, "model_secrets.rows[0].value", VALUE)
    pilot.app.screen.query_one(f"#{field_id('model_secrets.mount_path')}", Input).focus()
    await settle(pilot)


async def review(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await components(pilot, gateway)
    await pilot.press("ctrl+n")
    await _engine_done(pilot)


async def confirm(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await review(pilot, gateway)
    await pilot.press("ctrl+n")
    await settle(pilot)


async def result(
    pilot: Pilot[int],
    gateway: VaultGateway,
    while_applying: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Apply the reviewed plan and wait for the result; ``while_applying`` runs once the
    apply step shows the engine's progress (the screenshots script shoots it then)."""
    await confirm(pilot, gateway)
    await pilot.press("ctrl+n")
    if while_applying is not None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            wizard = _wizard(pilot)
            if wizard.current == "result":
                break  # the apply was over before it showed enough to be worth a look
            progress = (
                wizard.query_one("#apply-progress", Log) if wizard.current == "apply" else None
            )
            if progress is not None and progress.line_count >= 3:
                await while_applying()
                break
            await pilot.pause(0.02)
    await _engine_done(pilot)
    deadline = time.monotonic() + 60
    while _wizard(pilot).current != "result" and time.monotonic() < deadline:
        await pilot.pause(0.1)
    await settle(pilot)


WIZARD_SCENES: dict[str, Scene] = {
    "wizard-1-target": target,
    "wizard-2-aws": aws,
    "wizard-3-components": components,
    "wizard-4-review": review,
    "wizard-5-confirm": confirm,
    "wizard-7-result": result,
}
SNAPSHOT_SCENES = ("wizard-4-review", "wizard-5-confirm")
"""The review (the diff) and confirm screens are compared in tests; all are screenshots."""
