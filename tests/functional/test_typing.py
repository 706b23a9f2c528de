"""Typed text goes where it is typed: a view opened to take a query opens with the focus in
it, and an input keeps the focus after Enter, so no letter of a query fires a single-key
action (o opened the Open-path dialog, d a delete, p the profiles...)."""

from __future__ import annotations

from textual.widgets import Input, TabbedContent

from tests.functional.helpers import open_path, settle
from vault_console.app import VaultConsoleApp, make_app
from vault_console.config import Settings
from vault_console.screens.browse.screen import MainScreen
from vault_console.widgets.secret_panel import SecretPanel

SIZE = (140, 40)
QUERY = "path:ai-models/ op:update"
"""Holds o (open path), p (profiles), d (delete), u (undelete), e (edit), a, i, r, h, c."""


def nothing_ran(app: VaultConsoleApp, tab: str) -> None:
    """No dialog opened, the tab did not change and no value was revealed or copied."""
    assert isinstance(app.screen, MainScreen), f"a key opened {app.screen!r}"
    assert app.screen.query_one("#tabs", TabbedContent).active == tab
    panels = list(app.screen.query(SecretPanel))
    assert all(p.revealed == frozenset() for p in panels)
    notices = [n.message for n in app._notifications]
    assert not [n for n in notices if "Copied" in n or "works on" in n], notices


async def test_a_query_typed_after_access_history_goes_into_the_query(
    root_settings: Settings,
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(pilot, "ai-models/prod/openai")
        await pilot.press("A")
        await settle(pilot)
        line = app.screen.query_one("#audit-query", Input)
        assert line.has_focus
        asked = line.value
        await pilot.press("ctrl+u")  # clear the line, as a user replacing the query would
        await pilot.press(*QUERY)
        await settle(pilot)
        assert line.has_focus and line.value == QUERY, (asked, line.value)
        nothing_ran(app, "audit")
        await pilot.press("enter", *" op:read")  # Enter runs it; the focus stays
        await settle(pilot)
        assert line.has_focus and line.value == QUERY + " op:read"
        nothing_ran(app, "audit")


async def test_review_sub_tabs_open_on_their_query_and_keep_it_after_enter(
    root_settings: Settings,
) -> None:
    app = make_app(root_settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        for key, selector, first, more in (
            ("l", "#lease-prefix", "auth/", "token/create"),
            ("w", "#who-path", "ai-models/prod/openai", "-old"),
            ("a", "#age-mount", "ai-models", "-old"),
        ):
            await pilot.press("escape", key)  # Esc leaves an input; the key opens the sub-tab
            await settle(pilot)
            field = app.screen.query_one(selector, Input)
            assert field.has_focus, key
            field.value = ""
            await pilot.press(*first, "enter")
            await settle(pilot)
            assert field.has_focus, f"{selector} lost the focus on Enter"
            await pilot.press(*more)
            await settle(pilot)
            assert field.value == first + more
            nothing_ran(app, "review")
