"""Random keys across every tab and modal must never raise (seeded, so a failure replays).

Runs against its own seeded dev server, because random edits may save. Quitting keys
and the command palette (which could run "Quit") are left out; everything else a user
can press is in. Set VAULT_CONSOLE_MONKEY_SEED to replay one seed.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from tests.functional.helpers import settle
from vault_console.app import make_app
from vault_console.vault import demo_seed
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

KEYS = [
    *"1234",
    *"rRhc[]DenmduXAToiLfHx/?",
    "escape", "enter", "tab", "shift+tab", "up", "down", "left", "right",
    "pagedown", "pageup", "home", "end", "space", "backspace",
    "ctrl+n", "ctrl+s",
    *"abz0-_./[]@",
]  # fmt: skip
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


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_keys_never_raise(monkey_server: DevServer, seed: int) -> None:
    chooser = random.Random(seed)
    app = make_app(monkey_server.settings())
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
