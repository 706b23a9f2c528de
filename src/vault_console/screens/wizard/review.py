"""Step 4: the preview, live, then its diff grouped by component beside the policies."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Label, Log, Static

from vault_console.errors import ConsoleError, ErrorKind
from vault_console.infra.plan import DESTRUCTIVE, Plan, counts_line
from vault_console.infra.setup import security_documents, stack_namespace
from vault_console.screens.wizard.base import WizardStep
from vault_console.text import DETAIL_LIMIT, counted, namespace_name, plain
from vault_console.widgets.plan_diff import PlanDiff


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
        fingerprints = Label("", id="review-fingerprints")
        fingerprints.display = False  # shown once a preview found a value that changes
        yield fingerprints
        yield Log(id="review-progress", max_lines=500)
        with Horizontal(id="review-body"):
            yield PlanDiff(id="review-diff")
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

    def target_namespace(self) -> str:
        """Where the stack acts: the session's namespace joined with the stack's."""
        try:
            config, _ = self.state.answers.build(self.wizard.env)
        except ValueError:
            return namespace_name(self.wizard.vc.settings.namespace)
        return namespace_name(stack_namespace(self.wizard.vc.settings.namespace, config))

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
        self.query_one("#review-diff", PlanDiff).clear()
        self.query_one("#review-header", Label).update(
            plain(f"Previewing stack {self.state.stack} in namespace {self.target_namespace()}…")
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
                self.query_one("#review-diff", PlanDiff).show(plan, self.changes_only)
            return
        assert plan is not None
        self.show_plan(plan)
        self.show_value_changes()

    def show_value_changes(self) -> None:
        """Each model secret value this apply changes, as the audit log's fingerprints of
        the old (on the server) and the new (typed): which values change, never what they
        are. Read in a worker; the new values go to sys/audit-hash, as the apply sends them."""
        from vault_console.vault.fingerprints import value_changes

        label = self.query_one("#review-fingerprints", Label)
        label.display = False
        config, secrets = self.state.answers.build(self.wizard.env)
        if not config.model_secrets.enabled or not secrets.model_data:
            return
        gateway, mount = self.wizard.vc.gateway, config.model_secrets.mount_path
        planned = dict(secrets.model_data)

        def show(found: tuple[list[str], str]) -> None:
            lines, note = found
            text = "\n".join(f"Value changes: {line}" for line in lines) or note
            label.update(plain(text, DETAIL_LIMIT, multiline=True))
            label.display = bool(text)

        self.wizard.vc.run_io(
            lambda: value_changes(gateway, mount, planned),
            show,
            description="fingerprints of the changed values",
            quiet=True,
        )

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
        header = (
            f"Stack {self.state.stack}, namespace {self.target_namespace()}: {counts_line(plan)}"
        )
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
        table = self.query_one("#review-diff", PlanDiff)
        table.show(plan, self.changes_only)
        table.focus()

    # -- actions ------------------------------------------------------------------------------

    def action_toggle_changes(self) -> None:
        self.changes_only = not self.changes_only
        plan = self.state.preview.plan if self.state.preview else None
        if plan is not None:
            self.query_one("#review-diff", PlanDiff).show(plan, self.changes_only)
        self.notify("Showing changes only" if self.changes_only else "Showing every resource")

    def action_open_recorded(self) -> None:
        from vault_console.infra.plan import PlanLogError, load_plan
        from vault_console.screens.plan import PlanScreen
        from vault_console.widgets.dialogs import PromptScreen

        def chosen(path: str | None) -> None:
            if not path:
                return
            from pathlib import Path

            def refused(exc: BaseException) -> bool:
                if not isinstance(exc, OSError | PlanLogError):
                    return False
                self.app.notify(f"path: {exc}", severity="error")
                return True

            def show(plan: Plan) -> None:
                self.app.push_screen(PlanScreen(plan, f"recorded plan {path}"))

            # Read in a worker: a recorded log can be large, and the path may be slow.
            self.wizard.vc.run_io(
                lambda: load_plan(Path(path).expanduser(), False),
                show,
                description=f"read {path}",
                on_error=refused,
            )

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
