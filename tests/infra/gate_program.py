"""A Pulumi program that holds an operation open, so tests can act on a running engine.

It creates the mount ``PREFIX-first``, then waits (without blocking the program's event
loop) until a gate file exists before declaring ``PREFIX-second``. While it waits, the
engine is mid-preview or mid-update: a test can cancel it, lock against it, or stop the
server under it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pulumi
import pulumi_vault as vault


def wait_for(path: Path, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def gated(prefix: str, gate: Path) -> Callable[[], None]:
    def program() -> None:
        vault.Mount("first", path=f"{prefix}-first", type="kv", options={"version": "2"})
        opened: asyncio.Future[bool] = asyncio.get_event_loop().run_in_executor(
            None, wait_for, gate
        )

        def second(_: object) -> str:
            vault.Mount("second", path=f"{prefix}-second", type="kv", options={"version": "2"})
            return "open"

        gate_output: pulumi.Output[bool] = pulumi.Output.from_input(opened)
        pulumi.export("gate", gate_output.apply(second))

    return program
