"""Step 6: apply the reviewed plan file, live, with cancel; on failure what was made."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Label, Log

from vault_console.errors import ConsoleError
from vault_console.infra.plan import Plan
from vault_console.screens.wizard.base import WizardStep
from vault_console.text import DETAIL_LIMIT, plain
from vault_console.widgets.plan_diff import fill_outcome


def made_and_missing(reviewed: Plan | None, applied: Plan | None) -> tuple[list[str], list[str]]:
    """The reviewed plan's changes that the apply did, and those it did not (the stack
    and its provider left out: they are Pulumi's, not the user's)."""
    done = {s.urn for s in applied.steps if s.done and not s.failed} if applied else set()
    made: list[str] = []
    missing: list[str] = []
    for step in reviewed.steps if reviewed else []:
        if step.op == "same" or step.type.startswith("pulumi:"):
            continue
        (made if step.urn in done else missing).append(step.name)
    return made, missing


class ApplyStep(WizardStep):
    title = "Apply"

    def compose(self) -> ComposeResult:
        yield Label("", id="apply-header", classes="section-title")
        yield Label("", id="apply-status")
        yield Log(id="apply-progress", max_lines=500)
        table: DataTable[Any] = DataTable(id="apply-steps", cursor_type="row")
        table.add_columns("Op", "Type", "Resource", "State")
        yield table
        with Horizontal(classes="step-buttons"):
            yield Button("Cancel the apply", id="cancel-run", variant="warning")
            yield Button("Refresh the stack's state", id="refresh-state")
            yield Button("Back to a new preview", id="new-preview")

    def load(self) -> None:
        if self.state.applied is not None or self.state.failed_plan is not None:
            return  # already ran: a failed apply stays here to refresh or preview again
        preview = self.state.preview
        assert preview is not None and preview.plan_file is not None
        self.query_one("#apply-header", Label).update(
            plain(f"Applying the reviewed plan to stack {self.state.stack}…")
        )
        self.query_one("#apply-status", Label).update(plain(f"plan file {preview.plan_file}"))
        self.set_running(True)
        self.wizard.run_engine("up")

    def set_running(self, running: bool, failed: bool = False) -> None:
        self.query_one("#cancel-run").display = running
        self.query_one("#refresh-state").display = failed
        self.query_one("#new-preview").display = failed

    def progress(self, line: str) -> None:
        self.query_one("#apply-progress", Log).write_line(line)

    def finished(self, plan: Plan | None, error: ConsoleError | None) -> None:
        table = self.query_one("#apply-steps", DataTable)
        if plan is not None:
            fill_outcome(table, plan)
        if error is None:
            self.set_running(False)
            self.query_one("#apply-header", Label).update(
                plain(f"✔ Applied to stack {self.state.stack}. Next: check what was made.")
            )
            return
        self.set_running(False, failed=True)
        self.query_one("#apply-header", Label).update(plain(f"✖ {error.title}"))
        made, missing = made_and_missing(
            self.state.preview.plan if self.state.preview else None, plan
        )
        self.query_one("#apply-status", Label).update(
            plain(
                f"{error.message}\nMade: {', '.join(made) or 'nothing'}. "
                f"Not made: {', '.join(missing) or 'nothing'}.",
                DETAIL_LIMIT,
                multiline=True,
            )
        )

    def refreshed(self, error: ConsoleError | None) -> None:
        self.query_one("#apply-status", Label).update(
            plain(
                f"Refresh failed: {error.message}"
                if error
                else "The stack's state now matches the server. Preview again to see what is left.",
                DETAIL_LIMIT,
                multiline=True,
            )
        )

    @on(Button.Pressed, "#cancel-run")
    def _cancel(self) -> None:
        self.wizard.cancel_engine()

    @on(Button.Pressed, "#refresh-state")
    def _refresh(self) -> None:
        self.query_one("#apply-status", Label).update("Refreshing the stack's state…")
        self.wizard.run_engine("refresh")

    @on(Button.Pressed, "#new-preview")
    async def _new_preview(self) -> None:
        self.state.failed_plan = None
        self.state.preview = None
        await self.wizard.go_to("review")
