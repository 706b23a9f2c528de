"""The setup wizard: seven steps, Back and Next, and the engine run in a worker thread.

The engine is synchronous and reports on the SDK's own thread, so the worker only posts
messages (``EngineProgress``, ``EngineFinished``); their handlers here own every change of
state and widget (STYLE.md, habits 2 and 3).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Label

from vault_console import config as console_config
from vault_console.errors import ConsoleError, ErrorKind
from vault_console.host import ConsoleHost, console_env, host_of
from vault_console.infra.setup import SetupAnswers, save_made
from vault_console.messages import ServerChanged
from vault_console.screens.wizard.apply import ApplyStep
from vault_console.screens.wizard.aws import AwsStep
from vault_console.screens.wizard.base import WizardState, WizardStep
from vault_console.screens.wizard.components import ComponentsStep
from vault_console.screens.wizard.confirm import ConfirmStep
from vault_console.screens.wizard.result import ResultStep
from vault_console.screens.wizard.review import ReviewStep
from vault_console.screens.wizard.target import TargetStep
from vault_console.text import plain
from vault_console.widgets.engine_run import CommandFactory, EngineRun
from vault_console.widgets.footer import Footer
from vault_console.widgets.status_bar import StatusBar

if TYPE_CHECKING:  # pulumi's SDK and grpc load when an engine runs, not when W is pressed
    from vault_console.infra.engine import Engine

STEPS: dict[str, type[WizardStep]] = {
    "target": TargetStep,
    "aws": AwsStep,
    "components": ComponentsStep,
    "review": ReviewStep,
    "confirm": ConfirmStep,
    "apply": ApplyStep,
    "result": ResultStep,
}
ORDER = list(STEPS)
SHORT = {"target": "Target"}
"""Shorter titles for the step line, so all seven fit in 80 columns."""


class WizardScreen(Screen[None]):
    """Set up AI secrets: collect, preview, confirm, apply the reviewed plan, verify."""

    BINDINGS = [
        Binding("ctrl+n", "next", "Next", id="wizard.next"),
        Binding("ctrl+b", "back", "Back", id="wizard.back"),
        Binding("escape", "close", "Close / cancel", id="wizard.close"),
        # Ctrl+C cancels a running preview or apply, as in a terminal running pulumi.
        Binding("ctrl+c", "cancel_or_hint", "Cancel the run", show=False, id="wizard.cancel"),
        Binding("ctrl+s", "save_config", "Save as config file", show=False, id="wizard.save"),
    ]

    def __init__(
        self,
        stack: str = "dev",
        *,
        command: CommandFactory | None = None,
        answers: SetupAnswers | None = None,
        program: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.command_factory = command
        """Builds the Pulumi command (tests wrap the real CLI to record its arguments)."""
        self.program = program
        """Another Pulumi program than the AI-secrets one (tests hold an engine open with it)."""
        self.state = WizardState(stack=stack)
        if answers is not None:
            self.state.answers = answers
        else:
            self.state.answers = SetupAnswers.load(self.state_dir, stack) or SetupAnswers()
        self.loaded_stack = stack
        self.current = "target"
        self.running: str | None = None
        self._engines: list[Engine] = []
        """Every engine this wizard made, closed when it closes."""

    # -- context ------------------------------------------------------------------------------

    @property
    def vc(self) -> ConsoleHost:
        return host_of(self)

    @property
    def env(self) -> dict[str, str]:
        return console_env(self)

    @property
    def state_dir(self) -> Path:
        try:
            return console_config.state_dir(self.env)
        except Exception:  # no app yet (constructing): the process environment
            return console_config.state_dir(os.environ)

    @property
    def needs_passphrase(self) -> bool:
        env = self.env
        return not ("PULUMI_CONFIG_PASSPHRASE" in env or "PULUMI_CONFIG_PASSPHRASE_FILE" in env)

    @property
    def read_only(self) -> bool:
        return bool(self.vc.settings.read_only)

    def step(self, name: str | None = None) -> WizardStep:
        return self.query_one(f"#step-{name or self.current}", WizardStep)

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label("", id="wizard-steps")
        yield Label("", id="wizard-title", classes="section-title")
        yield ContentSwitcher(id="wizard-body")
        with Horizontal(id="wizard-nav"):
            yield Button("Back", id="wizard-back")
            yield Button("Next", id="wizard-next", variant="primary")
        yield StatusBar(id="status-bar")
        yield Footer()
        yield EngineRun()

    async def on_mount(self) -> None:
        self.state.work_dir = Path(tempfile.mkdtemp(prefix="vault-console-wizard-"))
        self.vc.update_status_bar()
        self.state.answers.fill_from_env(self.env)
        await self.go_to("target")

    def on_unmount(self) -> None:
        # The work dir holds the stack's settings and the plan file (secrets encrypted);
        # each engine removes the CLI's automatic logs of its commands.
        for engine in self._engines:
            engine.close()
        if self.state.work_dir is not None:
            shutil.rmtree(self.state.work_dir, ignore_errors=True)

    async def go_to(self, name: str) -> None:
        switcher = self.query_one("#wizard-body", ContentSwitcher)
        if not self.query(f"#step-{name}"):
            await switcher.mount(STEPS[name](id=f"step-{name}"))
        self.current = name
        switcher.current = f"step-{name}"
        index = ORDER.index(name)
        crumbs = Text(no_wrap=True, overflow="ellipsis")
        for i, n in enumerate(ORDER):
            crumbs.append(" · " if i else "")
            crumbs.append(
                f"{i + 1} {SHORT.get(n, STEPS[n].title)}", "reverse bold" if n == name else ""
            )
        self.query_one("#wizard-steps", Label).update(crumbs)
        self._show_title()
        self.query_one("#wizard-back", Button).disabled = index == 0
        self.query_one("#wizard-next", Button).label = "Finish" if name == "result" else "Next"
        step = self.step(name)
        step.load()
        first = step.first_field()
        if first is not None:
            first.focus()
            first.cursor_position = len(first.value)
        elif self.focused is None or step not in self.focused.ancestors_with_self:
            # Never leave the focus in a step that is hidden now: keys would go on acting
            # there (typing into its inputs, its bindings in the footer). The step's first
            # focusable widget takes it, or Next for a step with none.
            inside = [w for w in self.focus_chain if step in w.ancestors]
            (inside[0] if inside else self.query_one("#wizard-next", Button)).focus()

    def _show_title(self) -> None:
        read_only = "  (read-only: preview only)" if self.read_only else ""
        title = STEPS[self.current].title
        self.query_one("#wizard-title", Label).update(
            plain(f"Set up AI secrets · stack {self.state.stack} · {title}{read_only}")
        )

    # -- navigation ---------------------------------------------------------------------------

    async def action_next(self) -> None:
        if self.running:
            self.notify(f"The {self.running} is running: wait for it, or Esc to cancel it")
            return
        step = self.step()
        step.store()
        problems = step.problems()
        step.show_problems(problems)
        if problems:
            name, reason = next(iter(problems.items()))
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            self.notify(f"{step.label_of(name)}: {reason}{more}", severity="error")
            return
        name = self.current
        if name == "target" and self.state.stack != self.loaded_stack:
            # Another stack: its own saved answers, checked against the server before going
            # on (the report on screen was for the previous stack's answers).
            await self._switch_stack()
            self._show_title()
            step.load()
            self.notify(f"Checked again for stack {self.state.stack}: Next to go on")
            return
        if name == "components":
            self._save_answers()
        if name == "review" and not self._can_leave_review():
            return
        if name == "apply" and self.state.applied is None:
            self.notify("The apply did not finish: refresh, or go back to a new preview")
            return
        if name == "result":
            self.dismiss()
            return
        await self.go_to(ORDER[ORDER.index(name) + 1])

    def _can_leave_review(self) -> bool:
        preview = self.state.preview
        if self.read_only:
            self.notify("Read-only mode: the wizard previews, it never applies", severity="warning")
            return False
        if preview is None:
            failed = self.state.preview_error
            self.notify(
                f"Nothing to apply: the preview did not run ({failed.title}); see the review "
                "for what to do, then Preview again"
                if failed is not None
                else "No reviewed plan yet: wait for the preview, or preview again",
                severity="warning",
            )
            return False
        if not preview.plan.has_changes:
            self.notify("No changes: the server already matches these answers")
            return False
        return True

    async def action_back(self) -> None:
        if self.running:
            self.notify(f"The {self.running} is running: wait for it, or Esc to cancel it")
            return
        index = ORDER.index(self.current)
        if self.state.applied is not None and self.current in ("apply", "result"):
            self.notify("Applied already: run the wizard again for another change")
            return
        if index == 0:
            return
        self.step().store()
        await self.go_to(ORDER[index - 1])

    def action_cancel_or_hint(self) -> None:
        if self.running:
            self.cancel_engine()
        else:
            self.vc.action_help_quit()

    def action_close(self) -> None:
        if self.running:
            self.cancel_engine()
            return
        if not self.state.changed or self.state.applied is not None:
            self.dismiss()
            return
        from vault_console.widgets.dialogs import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        self.app.push_screen(
            ConfirmScreen(
                "Leave the wizard?",
                "What you typed is discarded (answers already saved for this stack stay).",
            ),
            answered,
        )

    @on(Button.Pressed, "#wizard-next")
    async def _next_pressed(self) -> None:
        await self.action_next()

    @on(Button.Pressed, "#wizard-back")
    async def _back_pressed(self) -> None:
        await self.action_back()

    async def _switch_stack(self) -> None:
        """A different stack name: start from that stack's saved answers, if any."""
        saved = SetupAnswers.load(self.state_dir, self.state.stack)
        self.loaded_stack = self.state.stack
        if saved is None:
            return
        self.state.answers = saved
        saved.fill_from_env(self.env)
        self.state.preview = None
        for name in ORDER[1:]:
            for widget in self.query(f"#step-{name}"):
                await widget.remove()
        self.notify(
            f"Starting from the answers saved for stack {self.state.stack}; "
            "type the secret values again"
        )

    def _save_answers(self) -> None:
        try:
            self.state.answers.save(self.state_dir, self.state.stack)
        except OSError as exc:
            self.notify(f"answers not saved: {exc.strerror}", severity="warning")

    def action_save_config(self) -> None:
        """The answers as the config file ``vault-console preview --config`` reads (no
        secret value: each secret names the variable a pipeline sets)."""
        from vault_console.widgets.dialogs import PromptScreen

        self.step().store()
        answers, stack = self.state.answers, self.state.stack

        def check(typed: str) -> str:
            if not typed.strip():
                raise ValueError("path: type where to write the file")
            return str(Path(typed.strip()).expanduser())

        def write(target: str | None) -> None:
            if not target:
                return
            path = Path(target)

            def refused(exc: BaseException) -> bool:
                if not isinstance(exc, OSError):
                    return False
                self.notify(f"Not written: {path}: {exc.strerror or exc}", severity="error")
                return True

            self.vc.run_io(
                lambda: answers.save_config(path),
                lambda _: self.notify(
                    f"Saved {path}. `vault-console preview --config {path} --stack {stack}` "
                    "previews the same plan, with the secret values in the variables it names."
                ),
                description=f"write {path}",
                on_error=refused,
            )

        suggested = self.state_dir / "configs" / f"{stack}.toml"
        self.app.push_screen(
            PromptScreen(
                "Save the answers as a config file (a new file; no secret value in it)",
                value=str(suggested),
                check=check,
            ),
            write,
        )

    # -- the engine ---------------------------------------------------------------------------

    def engine_env(self) -> dict[str, str]:
        """The engine's environment: the console's, the passphrase typed at the target
        step, and the AWS step's profile and region, so what the engine reaches in AWS (an
        S3 state backend, the aws provider) is what the identity check was asked about."""
        from vault_console.infra.aws import session_env

        env = self.env
        if self.state.passphrase:
            env["PULUMI_CONFIG_PASSPHRASE"] = self.state.passphrase
        return session_env(self.state.aws_session, env)

    def new_engine(self) -> Engine:
        from vault_console.infra.engine import Engine

        answers = self.state.answers
        config, secrets = answers.build(self.env)
        return Engine(
            config,
            secrets,
            options=answers.engine_options(self.state.stack, self.state.work_dir),
            env=self.engine_env(),
            vault=self.vc.settings,
            command=self.command_factory() if self.command_factory else None,
            program=self.program,
        )

    def run_engine(self, kind: str) -> None:
        """Run ``kind`` (preview, up, refresh); ``EngineRun`` messages report back."""
        if self.read_only and kind != "preview":
            self.notify("Read-only mode: nothing is applied", severity="warning")
            return
        if kind == "preview":
            engine = self.new_engine()
            self._engines.append(engine)
        else:
            assert self.state.engine is not None
            engine = self.state.engine
        self.running = {"preview": "preview", "up": "apply", "refresh": "refresh"}[kind]
        plan_file = self.state.preview.plan_file if self.state.preview else None
        reviewed = self.state.preview.plan if self.state.preview else None
        gateway, adopt = self.vc.gateway, self.state.adopt
        state_dir, stack = self.state_dir, self.state.stack

        def work(on_event: Callable[[Any], None]) -> Any:  # on the worker thread
            from vault_console.infra.existing import checked_preview

            if kind == "preview":
                return checked_preview(engine, gateway, adopt=adopt, on_event=on_event)
            if kind == "up":
                assert plan_file is not None and reviewed is not None
                outcome = engine.up(plan_file, on_event=on_event, reviewed=reviewed)
                save_made(state_dir, stack, engine.managed())
                return outcome
            return engine.refresh(on_event=on_event)

        self.query_one(EngineRun).start(kind, engine, work)

    def cancel_engine(self) -> None:
        if not self.running:
            return
        self.notify(
            f"Cancelling the {self.running}: the engine finishes what it started, "
            "saves the state and releases the lock"
        )
        self.query_one(EngineRun).cancel()

    def on_engine_run_progress(self, message: EngineRun.Progress) -> None:
        step = self.step()
        lines = message.take()
        if isinstance(step, ReviewStep | ApplyStep):
            for line in lines:
                step.progress(line)

    async def on_engine_run_finished(self, message: EngineRun.Finished) -> None:
        from vault_console.infra.engine import describe_failure
        from vault_console.infra.existing import ExistingObjects, PreviewRefused

        outcome, found, error, refused = message.outcome, [], None, None
        if message.kind == "preview" and outcome is not None:
            outcome, found = outcome
        if isinstance(message.error, PreviewRefused):
            refused = message.error
            error = ConsoleError(str(refused), refused.title, False, ErrorKind.REFUSED)
            found = refused.found if isinstance(refused, ExistingObjects) else []
        elif message.error is not None:
            error = describe_failure(message.error, self.state.stack, cancelled=message.cancelled)
        self.running = None
        state = self.state
        plan = message.plan
        if message.kind == "up":  # made, or partly made before a failure
            self.post_message(ServerChanged(f"stack {state.stack} applied"))
        if message.kind == "preview":
            state.engine = message.engine
            state.preview = outcome
            state.existing = found
            state.preview_error = error
            state.refused = refused
            state.reviewed_digest = state.previewing_digest
            state.applied = state.failed_plan = None
            review = self.query(ReviewStep)
            if review:
                review.first().finished(plan, error)
            if error is None:
                self._save_answers()
        elif message.kind == "up":
            state.applied = outcome
            state.failed_plan = plan if error else None
            self.query_one(ApplyStep).finished(plan, error)
            if error is None:
                await self.go_to("result")
        else:
            self.query_one(ApplyStep).refreshed(error)
