"""The main screens as scenes: key presses from a fresh app to a screen worth a picture.

Used by the snapshot tests and by ``scripts/screenshots.py``, so both show the same app.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerFailed

from vault_console.vault.client import VaultGateway

Scene = Callable[[Pilot[int], VaultGateway], Awaitable[None]]


async def settle(pilot: Pilot[int]) -> None:
    for _ in range(6):
        # A failed worker (the login scene's refused password) is the app's to show.
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    # A focused Input blinks its cursor on a timer, so a picture would show it or not
    # depending on the moment (CI caught review-who without it). A steady cursor is shown.
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    # DataTable re-measures its columns on idle after rows arrive; a picture taken before
    # that shows header-wide columns. A short real pause lets the idle pass run.
    await pilot.pause(0.1)


async def mounts(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await settle(pilot)


async def tree(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await settle(pilot)
    await pilot.press("enter")  # ai-models/
    await settle(pilot)
    await pilot.press("down", "down", "enter")  # prod/
    await settle(pilot)


async def secret_masked(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await tree(pilot, gateway)
    await pilot.press("down", "down", "down", "down", "enter")  # prod/openai
    await settle(pilot)


async def secret_labels(pilot: Pilot[int], gateway: VaultGateway) -> None:
    """c fetches the values to copy one: each value's kind and length show, still masked."""
    await secret_masked(pilot, gateway)
    await pilot.press("c")
    await settle(pilot)


async def version_diff(pilot: Pilot[int], gateway: VaultGateway) -> None:
    """D on a secret with two versions: each side's kind and the audit log's HMACs (they
    depend on the server's salt, so this is a screenshot, not a snapshot)."""
    kv = gateway.kv("ai-models", 2)
    current = kv.metadata("prod/openai").current_version
    data = kv.read("prod/openai").data or {}
    kv.write("prod/openai", {**data, "api_key": "sk-proj-" + "R0tat3dDem0K3y" * 6}, cas=current)
    await secret_masked(pilot, gateway)
    await pilot.press("D")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def disabled_action(pilot: Pilot[int], gateway: VaultGateway) -> None:
    """Help on a secret this token may read the structure of but not the values (the
    app runs with such a token, see SCREENSHOT_ONLY): each action it lacks, and why."""
    await secret_masked(pilot, gateway)
    await pilot.press("r")  # says why, and sends nothing
    await pilot.pause()
    await pilot.press("question_mark")
    await settle(pilot)


async def login(pilot: Pilot[int], gateway: VaultGateway) -> None:
    """The login screen from the palette, userpass picked, after a refused password."""
    await settle(pilot)
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Log in", "enter")
    await settle(pilot)
    pilot.app.screen.query_one("#login-method").focus()
    await pilot.press("enter", "down", "enter")
    await pilot.pause()
    pilot.app.screen.query_one("#login-name").focus()
    await pilot.press(*"ana", "tab", *"wrong password", "enter")
    await settle(pilot)


async def edit_form(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await secret_masked(pilot, gateway)
    await pilot.press("e")
    await settle(pilot)


async def conflict(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await secret_masked(pilot, gateway)
    kv = gateway.kv("ai-models", 2)
    current = kv.metadata("prod/openai").current_version
    kv.write("prod/openai", {"api_key": "rotated-by-someone-else"}, cas=current)
    await pilot.press("e")  # on the first value: api_key
    await pilot.pause()
    await pilot.press("ctrl+t", "backspace", "ctrl+t", "ctrl+s")  # an edit, then save
    await settle(pilot)


async def audit(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("down", "down", "down")  # the denied update
    await settle(pilot)


async def review_policies(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("down")  # ai-models-read
    await settle(pilot)


async def review_who(pilot: Pilot[int], gateway: VaultGateway) -> None:
    await review_policies(pilot, gateway)
    await pilot.click("#--content-tab-review-who")
    await pilot.click("#who-path")
    await pilot.press(*"ai-models/prod/openai", "enter")  # as the tree shows it
    await settle(pilot)


SCENES: dict[str, Scene] = {
    "mounts": mounts,
    "tree": tree,
    "secret-masked": secret_masked,
    "secret-labels": secret_labels,
    "edit-form": edit_form,
    "conflict": conflict,
    "audit": audit,
    "review-policies": review_policies,
    "review-who": review_who,
}

STRUCTURE_ONLY_POLICY = """
path "ai-models/metadata/*" { capabilities = ["read", "list"] }
path "ai-models/subkeys/*" { capabilities = ["read"] }
path "sys/mounts" { capabilities = ["read"] }
"""
"""An auditor's token in the disabled-action screenshot: structure, never values."""

SCREENSHOT_ONLY: dict[str, Scene] = {
    "version-diff": version_diff,
    "disabled-action": disabled_action,
    "login": login,
}
"""Scenes whose picture depends on the server (a salted HMAC) or on a token of its own."""
