"""Step 5: an explicit yes; a delete or replace needs the stack name typed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from vault_console.infra.plan import DESTRUCTIVE, counts_line, short_type
from vault_console.screens.wizard.base import Field, WizardStep
from vault_console.text import DETAIL_LIMIT, plain


class ConfirmStep(WizardStep):
    title = "Confirm"

    def compose(self) -> ComposeResult:
        yield Label("", id="confirm-header", classes="section-title")
        yield Static("", id="confirm-body")
        yield Field("", "confirm.stack")
        yield Label("", classes="step-problems")

    @property
    def destructive(self) -> list[str]:
        """Steps that delete or replace, and objects the stack did not make that it changes
        (adopted): each needs the stack name typed."""
        preview = self.state.preview
        steps = preview.plan.steps if preview else []
        found = [f"{s.op} {short_type(s.type)} {s.name}" for s in steps if s.op in DESTRUCTIVE]
        if self.state.adopt:
            found += [f"adopt and change {e.line}" for e in self.state.existing]
        if preview is not None:
            found += preview.mount_losses  # a replaced mount takes every secret in it
        return found

    def load(self) -> None:
        preview = self.state.preview
        assert preview is not None
        plan = preview.plan
        self.query_one("#confirm-header", Label).update(
            plain(f"Apply to stack {self.state.stack}: {counts_line(plan)}")
        )
        lines = [
            "Next applies exactly the reviewed plan (the engine refuses anything else: if the",
            "server changed since the review, the apply stops and asks for a new preview).",
            f"Plan file: {preview.plan_file.name if preview.plan_file else '-'} (in the wizard's "
            "work directory, removed when the wizard closes)",
        ]
        if self.destructive:
            lines += [
                "",
                "These steps delete, replace or change what exists (not made by this stack):",
                *self.destructive,
            ]
        self.query_one("#confirm-body", Static).update(
            plain("\n".join(lines), DETAIL_LIMIT, multiline=True)
        )
        typed = self.field("confirm.stack")
        typed.display = bool(self.destructive)
        typed.query_one(".field-label", Label).update(
            plain(f"Type the stack name {self.state.stack!r} to allow the deletes")
        )

    def first_field(self) -> Input | None:
        return self.field("confirm.stack").input if self.destructive else None

    def problems(self) -> dict[str, str]:
        if self.destructive and self.field("confirm.stack").value.strip() != self.state.stack:
            return {"confirm.stack": f"type {self.state.stack!r} exactly to apply deletes"}
        return {}
