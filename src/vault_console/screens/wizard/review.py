"""Step 4: the preview, live, then its diff grouped by component beside the policies."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Log, Static

from vault_console.errors import ConsoleError, ErrorKind
from vault_console.infra.plan import Plan, Step
from vault_console.infra.setup import COMPONENTS, component_of, security_documents
from vault_console.screens.wizard.base import WizardStep
from vault_console.text import DETAIL_LIMIT, counted, plain
from vault_console.widgets.fitted_table import Column, FittedTable

SYMBOLS = {
    "create": ("+", "green"),
    "update": ("~", "yellow"),
    "delete": ("-", "red"),
    "replace": ("±", "magenta"),
    "create-replacement": ("±", "magenta"),
    "delete-replaced": ("±", "magenta"),
    "import": ("=", "cyan"),
    "same": (" ", "dim"),
}
DESTRUCTIVE = frozenset({"delete", "replace", "create-replacement", "delete-replaced"})


def short_type(resource_type: str) -> str:
    """``vault:kv/secretV2:SecretV2`` -> ``vault:SecretV2``."""
    package, _, rest = resource_type.partition(":")
    return f"{package}:{rest.rsplit(':', 1)[-1]}" if rest else resource_type


def value_text(value: Any) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text.replace("\n", "⏎")
    return text if len(text) <= 60 else text[:57] + "..."


def counts_line(plan: Plan) -> str:
    summary = plan.summary
    parts = [
        f"{SYMBOLS[op][0]}{summary.get(op, 0)} {op}"
        for op in ("create", "import", "update", "delete", "replace")
        if summary.get(op)
    ]
    same = summary.get("same", 0)
    return (", ".join(parts) or "no changes") + (f"  ({same} unchanged)" if same else "")


def change_text(old: Any, new: Any, op: str) -> str:
    """``new`` for a create, ``old`` for a delete, else ``old → new``."""
    if op == "create" or old is None:
        return value_text(new)
    if op == "delete" or new is None:
        return value_text(old)
    return f"{value_text(old)} → {value_text(new)}"


DIFF_COLUMNS = (
    Column("Op", 100, min_width=9),
    Column("Resource / property", 95, min_width=20, max_width=44),
    Column("Value (old → new)", 90, min_width=16, max_width=30, flex=True),
)
"""The diff's columns; the values take what the resource names leave."""


def fill_diff(table: FittedTable, plan: Plan, changes_only: bool) -> None:
    """The plan's steps by component, each with its property changes (masked by the plan).

    Providers are left out, as the Pulumi CLI's own display does: they are how the engine
    talks to Vault, not something the stack makes.
    """
    rows: list[tuple[list[Text | str], str | None]] = []
    groups: dict[str, list[Step]] = {}
    for step in plan.steps:
        if (changes_only and step.op == "same") or step.type.startswith("pulumi:providers:"):
            continue
        groups.setdefault(component_of(step.name), []).append(step)
    for part in (*COMPONENTS, *sorted(set(groups) - set(COMPONENTS))):
        # By type and name: the engine announces independent resources in any order,
        # and a reviewer comparing two previews should find each line where it was.
        steps = sorted(groups.get(part, []), key=lambda s: (s.type, s.name))
        if not steps:
            continue
        rows.append((["", Text(COMPONENTS.get(part, part), style="bold"), ""], None))
        for step in steps:
            symbol, style = SYMBOLS.get(step.op, ("?", ""))
            state = " FAILED" if step.failed else ""
            rows.append(
                (
                    [
                        Text(f"{symbol} {step.op}{state}", style=style),
                        plain(f"  {short_type(step.type)} {step.name}"),
                        "",
                    ],
                    None,
                )
            )
            for change in step.changes:
                rows.append(
                    (
                        [
                            "",
                            plain(f"    {change.path}", style=style),
                            plain(change_text(change.old, change.new, step.op)),
                        ],
                        None,
                    )
                )
    if not rows:
        rows.append((["no changes", "", ""], None))
    table.set_rows(rows)


class ReviewStep(WizardStep):
    title = "Review"
    BINDINGS = [
        Binding("c", "toggle_changes", "Changes only", id="wizard.changes-only"),
        # In help (?) and the palette, and a button when no preview can run: the footer
        # fits 80 columns.
        Binding("o", "open_recorded", "Recorded plan", id="wizard.recorded-plan", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.changes_only = True

    def compose(self) -> ComposeResult:
        yield Label("", id="review-header", classes="section-title")
        yield Label("", id="review-status")
        yield Label("", id="review-drift")
        yield Log(id="review-progress", max_lines=500)
        with Horizontal(id="review-body"):
            yield FittedTable(DIFF_COLUMNS, id="review-diff", cursor_type="row")
            with VerticalScroll(id="review-docs"):
                yield Static("", id="review-documents")
        with Horizontal(classes="step-buttons"):
            yield Button("Cancel the preview", id="cancel-run", variant="warning")
            yield Button("Adopt them and preview", id="adopt-existing", variant="warning")
            yield Button("Preview again", id="preview-again")
            yield Button("Open a recorded plan…", id="open-recorded")

    def load(self) -> None:
        state = self.state
        self.query_one("#open-recorded").display = False
        self.query_one("#adopt-existing").display = False
        problems = state.answers.problems(self.wizard.env)
        if problems:
            # Components blocks Next on every one of these; should one get here anyway,
            # it is said, and nothing runs (it used to end the app).
            self.query_one("#review-header", Label).update("✖ The answers have problems")
            self.query_one("#review-status", Label).update(
                plain(
                    "\n".join(f"{k}: {v}" for k, v in problems.items())
                    + "\nBack (ctrl+b) to fix them; nothing was previewed.",
                    DETAIL_LIMIT,
                    multiline=True,
                )
            )
            self.set_running(False)
            return
        self.show_documents()
        if state.preview is not None and state.reviewed_digest == state.answers.digest():
            self.show_plan(state.preview.plan)
            return
        state.adopt = False  # other answers: what exists is asked about again
        self.start()

    def show_documents(self) -> None:
        """The policies the stack writes; an adopted policy's HCL as the server holds it
        first, so the reviewer sees it before and after."""
        config, _ = self.state.answers.build(self.wizard.env)
        documents = [
            f"{e.planned.kind} {e.planned.where} NOW ON THE SERVER (replaced by the one below)"
            f"\n{e.text}"
            for e in self.state.existing
            if self.state.adopt and e.text is not None
        ]
        documents += [f"{title}\n{text}" for title, text in security_documents(config)]
        self.query_one("#review-documents", Static).update(
            plain(
                "\n\n".join(documents) or "This stack writes no policy.",
                DETAIL_LIMIT,
                multiline=True,
            )
        )

    def start(self) -> None:
        self.state.preview = None
        self.state.previewing_digest = self.state.answers.digest()
        self.query_one("#review-progress", Log).clear()
        self.query_one("#review-diff", FittedTable).clear()
        self.query_one("#review-header", Label).update(
            plain(f"Previewing stack {self.state.stack}…")
        )
        self.query_one("#review-status", Label).update("")
        self.query_one("#review-drift", Label).display = False
        self.set_running(True)
        self.wizard.run_engine("preview")

    def set_running(self, running: bool) -> None:
        self.query_one("#cancel-run").display = running
        self.query_one("#preview-again").display = not running
        self.query_one("#review-progress").display = running
        if running:
            self.query_one("#adopt-existing").display = False

    # -- engine messages (from WizardScreen) -------------------------------------------------

    def progress(self, line: str) -> None:
        self.query_one("#review-progress", Log).write_line(line)

    def finished(self, plan: Plan | None, error: ConsoleError | None) -> None:
        self.set_running(False)
        if error is not None and self.state.refused is not None:
            self.show_refused()
            return
        if error is not None:
            self.query_one("#review-header", Label).update(plain(f"✖ {error.title}"))
            self.query_one("#review-status", Label).update(
                plain(error.message, DETAIL_LIMIT, multiline=True)
            )
            offline = error.kind is ErrorKind.ENGINE_MISSING
            self.query_one("#open-recorded").display = offline
            if plan is not None and plan.steps:
                fill_diff(self.query_one("#review-diff", FittedTable), plan, self.changes_only)
            return
        assert plan is not None
        self.show_plan(plan)

    def show_refused(self) -> None:
        """Why nothing was previewed: what exists on the server and the stack did not make
        (rename it with Back, or adopt it), or what the server cannot do (Back)."""
        refused = self.state.refused
        assert refused is not None
        found = self.state.existing
        if found:
            header = (
                f"✖ {counted(len(found), 'object')} "
                f"{'exists' if len(found) == 1 else 'exist'} on the server; "
                f"this stack did not make {'it' if len(found) == 1 else 'them'}"
            )
            advice = (
                "Creating them would replace what is there, so nothing was previewed or "
                "changed. Back (ctrl+b) to choose other names or paths in Components, or "
                "adopt them: they are imported into the stack, and the preview shows what it "
                "would change in each as an update, before anything is applied."
            )
        else:
            header = f"✖ {refused.title}"
            advice = f"{refused.advice} Back (ctrl+b) to change the answers."
        self.query_one("#review-header", Label).update(plain(header))
        lines = [*(f"• {line}" for line in refused.lines), advice]
        self.query_one("#review-status", Label).update(
            plain("\n".join(lines), DETAIL_LIMIT, multiline=True)
        )
        can_adopt = bool(found) and not any(e.unreadable for e in found)
        self.query_one("#adopt-existing").display = can_adopt
        if can_adopt:
            self.query_one("#adopt-existing", Button).focus()

    def show_plan(self, plan: Plan) -> None:
        header = f"Stack {self.state.stack}: {counts_line(plan)}"
        if self.wizard.read_only:
            header += "  ·  read-only: preview only, nothing can be applied"
        self.query_one("#review-header", Label).update(plain(header))
        destructive = [s for s in plan.steps if s.op in DESTRUCTIVE]
        if self.wizard.read_only:
            status = "Read-only mode: this is what an apply would do; nothing can be applied here."
        elif destructive:
            status = (
                f"⚠ {counted(len(destructive), 'delete or replace step')}: confirming asks "
                "for the stack name."
            )
        else:
            status = "Next: confirm and apply exactly this plan." if plan.has_changes else ""
        adopted = self.state.existing if self.state.adopt else []
        if adopted:
            status = (
                "Adopting what exists (imported, then changed as shown): "
                + "; ".join(e.line for e in adopted)
                + (f"\n{status}" if status else "")
            )
        self.query_one("#review-status", Label).update(plain(status, DETAIL_LIMIT, multiline=True))
        self.show_documents()
        drift = plan.drift
        unseen = self.state.preview.unseen_drift if self.state.preview else []
        label = self.query_one("#review-drift", Label)
        label.display = bool(drift or unseen)
        lines = []
        if drift:
            names = ", ".join(
                f"{s.name} ({'deleted' if s.gone else ', '.join(c.path for c in s.changes)})"
                for s in drift
            )
            lines.append(f"Drift: changed on the server since the last apply: {names}")
        lines.extend(f"Drift: {line}" for line in unseen)
        label.update(plain("\n".join(lines), DETAIL_LIMIT, multiline=True))
        table = self.query_one("#review-diff", FittedTable)
        fill_diff(table, plan, self.changes_only)
        table.focus()

    # -- actions ------------------------------------------------------------------------------

    def action_toggle_changes(self) -> None:
        self.changes_only = not self.changes_only
        plan = self.state.preview.plan if self.state.preview else None
        if plan is not None:
            fill_diff(self.query_one("#review-diff", FittedTable), plan, self.changes_only)
        self.notify("Showing changes only" if self.changes_only else "Showing every resource")

    def action_open_recorded(self) -> None:
        from vault_console.infra.plan import PlanLogError, load_plan
        from vault_console.screens.plan import PlanScreen
        from vault_console.widgets.dialogs import PromptScreen

        def chosen(path: str | None) -> None:
            if not path:
                return
            from pathlib import Path

            try:
                plan = load_plan(Path(path).expanduser(), False)
            except (OSError, PlanLogError) as exc:
                self.app.notify(f"path: {exc}", severity="error")
                return
            self.app.push_screen(PlanScreen(plan, f"recorded plan {path}"))

        self.app.push_screen(
            PromptScreen(
                "Review a recorded plan (pulumi preview --event-log FILE)", "events.jsonl"
            ),
            chosen,
        )

    @on(Button.Pressed, "#cancel-run")
    def _cancel(self) -> None:
        self.wizard.cancel_engine()

    @on(Button.Pressed, "#preview-again")
    def _again(self) -> None:
        self.start()

    @on(Button.Pressed, "#adopt-existing")
    def _adopt(self) -> None:
        self.state.adopt = True
        self.state.changed = True
        self.start()

    @on(Button.Pressed, "#open-recorded")
    def _recorded(self) -> None:
        self.action_open_recorded()
