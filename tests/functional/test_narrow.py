"""At 80x24, the smallest terminal operators use, no message is cut off: labels wrap."""

from __future__ import annotations

import dataclasses

from textual.widgets import Input, TabbedContent

from tests.functional.helpers import cut_labels, open_path, settle
from vault_console.app import make_app
from vault_console.config import Settings
from vault_console.screens.edit import KeyValueForm
from vault_console.screens.wizard.screen import WizardScreen
from vault_console.vault.devserver import DevServer
from vault_console.widgets.dialogs import ConfirmScreen, HelpScreen
from vault_console.widgets.review_panel import ReviewPanel

NARROW = (80, 24)


async def test_no_message_is_cut_at_80_columns(
    bao_stock: DevServer, stock_settings: Settings
) -> None:
    # A stock OpenBao (no aws plugins): the wizard's target step lists that problem too.
    settings = dataclasses.replace(stock_settings, audit_log=str(bao_stock.audit_log))
    app = make_app(settings)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert cut_labels(app.screen) == [], "mounts"
        await open_path(pilot, "ai-models/prod/openai")
        assert cut_labels(app.screen) == [], "secret"

        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, KeyValueForm)
        form.query_one("#form-path", Input).value = "prod/openai"  # exists: refused
        form.query_one(".form-key", Input).value = "k"
        form.query_one(".form-value", Input).value = "v"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already exists" in str(form.query_one("#form-error").render())
        assert cut_labels(form) == [], "form refusal"
        await pilot.press("escape")  # typed into: it asks before discarding
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert cut_labels(app.screen) == [], "discard question"
        await pilot.click("#yes")
        await pilot.pause()

        await pilot.press("3")
        await settle(pilot)
        assert cut_labels(app.screen) == [], "audit"

        await pilot.press("4")
        await settle(pilot)
        review = app.screen.query_one(ReviewPanel)
        tabs = review.query_one("#review-tabs", TabbedContent)
        tabs.active = "review-who"
        await pilot.pause()
        review.query_one("#who-path", Input).value = "ai-models/prod/openai"
        review.query_one("#who-path", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert cut_labels(app.screen) == [], "who can read"
        tabs.active = "review-age"
        await settle(pilot)
        assert "secrets in ai-models/" in str(review.query_one("#age-summary").render())
        assert cut_labels(app.screen) == [], "secret age"

        app.screen.set_focus(None)  # "?" in an input is a character
        await pilot.press("?")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert cut_labels(app.screen) == [], "help"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, WizardScreen)
        assert cut_labels(app.screen) == [], "wizard: target"
        assert "has no 'aws' secrets engine plugin" in str(
            app.screen.query_one("#target-report").render()
        )
        await pilot.press("ctrl+n")  # the AWS step (the AWS components are still on)
        await settle(pilot)
        assert cut_labels(app.screen) == [], "wizard: the AWS step"
