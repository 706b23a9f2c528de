"""Random keys across every tab and modal must never raise (seeded, so a failure replays).

Runs against its own seeded dev server, because random edits may save. Quitting keys
and the command palette (which could run "Quit") are left out; everything else a user
can press is in. Set VAULT_CONSOLE_MONKEY_SEED to replay one seed.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.functional.helpers import settle
from vault_console.app import make_app
from vault_console.vault import demo_seed
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

KEYS = [
    *"1234",
    *"rRhc[]DenmduXAToiLfHx/?W",
    "escape", "enter", "tab", "shift+tab", "up", "down", "left", "right",
    "pagedown", "pageup", "home", "end", "space", "backspace",
    "ctrl+n", "ctrl+b", "ctrl+s",
    *"abz0-_./[]@",
]  # fmt: skip
WIZARD_KEYS = [
    "ctrl+n", "ctrl+b", "ctrl+s", "ctrl+c", "escape", "enter", "tab", "shift+tab",
    "up", "down", "space", "backspace", *"ab0-_./ ",
]  # fmt: skip
"""In the wizard: its steps, their fields and buttons, its prompts and dialogs."""
PRESSES = 250
SEEDS = (
    [int(os.environ["VAULT_CONSOLE_MONKEY_SEED"])]
    if "VAULT_CONSOLE_MONKEY_SEED" in os.environ
    else [1, 2, 3]
)


@pytest.fixture(scope="module")
def monkey_server() -> Iterator[DevServer]:
    with DevServer() as server:
        gateway = VaultGateway(server.settings())
        demo_seed.seed(gateway.client)
        gateway.close()
        yield server


def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """W opens the wizard, which saves answers: into this test's folders, and with no
    Pulumi CLI on PATH (a preview it reaches says the CLI is missing, at once). The
    working directory too: ctrl+s saves a config file where a typed relative path says."""
    monkeypatch.chdir(tmp_path)
    return {
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PATH": "/usr/bin:/bin",
        "PULUMI_HOME": str(tmp_path / "pulumi"),
    }


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_keys_never_raise(
    monkey_server: DevServer, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chooser = random.Random(seed)
    app = make_app(monkey_server.settings(), env=isolated_env(tmp_path, monkeypatch))
    pressed: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for _ in range(PRESSES):
            key = chooser.choice(KEYS)
            pressed.append(key)
            await pilot.press(key)
            if len(pressed) % 25 == 0:
                await settle(pilot)
            assert app.is_running and app._exception is None, (
                f"seed {seed} failed after {pressed[-10:]}: {app._exception!r}"
            )
        await settle(pilot)
        assert app.is_running and app._exception is None, f"seed {seed}: {app._exception!r}"


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_keys_in_the_wizard_never_raise(
    monkey_server: DevServer, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """W, then random keys through the wizard's steps (Next, Back, typing, its buttons,
    Save as config, Esc and its dialog); W again whenever the wizard was closed."""
    chooser = random.Random(seed)
    app = make_app(monkey_server.settings(), env=isolated_env(tmp_path, monkeypatch))
    pressed: list[str] = []
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        for _ in range(PRESSES):
            on_main = type(app.screen).__name__ == "MainScreen"
            key = "W" if on_main else chooser.choice(WIZARD_KEYS)
            pressed.append(key)
            await pilot.press(key)
            if len(pressed) % 25 == 0:
                await settle(pilot)
            assert app.is_running and app._exception is None, (
                f"seed {seed} failed after {pressed[-10:]}: {app._exception!r}"
            )
        await settle(pilot)
        assert "W" in pressed and "ctrl+n" in pressed
        assert app.is_running and app._exception is None, f"seed {seed}: {app._exception!r}"
