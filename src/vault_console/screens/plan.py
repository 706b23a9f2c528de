"""The plan viewer: every step of a plan, and the property changes of the selected one."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label

from vault_console.infra.plan import Plan, short_value
from vault_console.text import DETAIL_LIMIT, plain
from vault_console.widgets.footer import Footer
from vault_console.widgets.plan_diff import op_text


class PlanScreen(Screen[None]):
    """Read-only view of a plan; secret values arrive already masked by the plan model."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="plan.close")]

    def __init__(self, plan: Plan, title: str) -> None:
        super().__init__()
        self.plan = plan
        self.title_text = title

    def compose(self) -> ComposeResult:
        counts = ", ".join(f"{op} {n}" for op, n in sorted(self.plan.summary.items()))
        failed = f"  ·  {len(self.plan.failed)} failed" if self.plan.failed else ""
        yield Label(
            plain(f"{self.title_text}  ·  {counts or 'no changes'}{failed}"), id="plan-summary"
        )
        steps: DataTable[str | Text] = DataTable(cursor_type="row", id="plan-steps")
        steps.add_columns("Op", "Type", "Name", "State")
        for index, step in enumerate(self.plan.steps):
            state = "FAILED" if step.failed else ("done" if step.done else "pending")
            op = op_text(step.op)
            steps.add_row(op, plain(step.type), plain(step.name), state, key=str(index))
        yield steps
        yield Label("Changes", classes="section-title")
        changes: DataTable[str | Text] = DataTable(cursor_type="row", id="plan-changes")
        changes.add_columns("Property", "Change", "Old", "New")
        yield changes
        yield Label("", id="plan-notes")
        yield Footer()

    def on_mount(self) -> None:
        if self.plan.steps:
            self._show(0)

    @on(DataTable.RowHighlighted, "#plan-steps")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:  # None: empty table
            self._show(int(event.row_key.value))

    def _show(self, index: int) -> None:
        step = self.plan.steps[index]
        table = self.query_one("#plan-changes", DataTable)
        table.clear()
        for change in step.changes:
            table.add_row(
                plain(change.path),
                change.kind,
                plain(short_value(change.old, 48)),
                plain(short_value(change.new, 48)),
            )
        notes = [*step.diagnostics, *step.policy]
        label = self.query_one("#plan-notes", Label)
        label.update(plain("\n".join(notes), DETAIL_LIMIT, multiline=True))
        label.display = bool(notes)

    def action_close(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.dismiss()
        else:
            self.app.exit()


class PlanViewerApp(App[None]):
    """Only the plan viewer, for `vault-console plan show FILE --tui`."""

    CSS_PATH = "../styles/app.tcss"
    TITLE = "vault-console plan"

    def __init__(self, plan: Plan, title: str) -> None:
        super().__init__()
        self.plan = plan
        self.plan_title = title

    def get_default_screen(self) -> Screen[Any]:
        return PlanScreen(self.plan, self.plan_title)
