"""Helpers for pilot tests: wait for IO to finish, read what the screen shows."""

from __future__ import annotations

import contextlib
import html
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Label
from textual.worker import WorkerFailed

from vault_console.app import VaultConsoleApp
from vault_console.widgets.fitted_table import FittedTable


async def settle(pilot: Pilot[int]) -> None:
    """Wait until no IO worker runs and every result message is handled.

    A failed worker is not raised here: the app shows its error, and tests assert on that.
    """
    for _ in range(6):
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def screen_text(app: VaultConsoleApp) -> str:
    """The SVG of what is on screen right now, as a screenshot would save it, with
    entities decoded so words can be searched for."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def toasts(app: VaultConsoleApp) -> list[str]:
    """The notifications on screen now, each as its words on one line: what the toast
    widgets draw (a phrase a toast wraps is still found), not the app's list of them."""
    from textual.widgets._toast import Toast

    return [" ".join(str(toast.render()).split()) for toast in app.screen.query(Toast)]


async def open_path(pilot: Pilot[int], full_path: str) -> None:
    """Open a secret the way a user does: o, type the path, Enter."""
    await pilot.press("o")
    await pilot.pause()
    await pilot.press(*full_path, "enter")
    await settle(pilot)


def fitted_rows(table: FittedTable) -> list[list[str]]:
    """A fitted table's rows as given, every column in full (whatever the width hides)."""
    return [[str(cell) for cell in row] for row in table.rows_as_given]


def row_text(table: DataTable[Any], index: int) -> list[str]:
    """One table row's cells as plain strings (cells holding server data are ``Text``)."""
    return [str(cell) for cell in table.get_row_at(index)]


async def open_editor(pilot: Pilot[int], full_path: str, key: str = "e") -> Screen[Any]:
    """Open a secret by path, then its editor (``e`` the form, ``m`` metadata, ``J`` JSON)."""
    await settle(pilot)
    await open_path(pilot, full_path)
    await pilot.press(key)
    await pilot.pause()
    return pilot.app.screen


def cut_labels(screen: Screen[Any]) -> list[str]:
    """The text of every shown Label on ``screen`` that runs past its container's right edge:
    a message cut off there (a Label sizes to its text unless its width is set)."""
    cut = []
    for label in screen.query(Label):
        parent = label.parent
        if not label.display or not isinstance(parent, Widget) or not label.region.width:
            continue
        if label.region.right > parent.content_region.right:
            cut.append(str(label.render()))
    return cut
