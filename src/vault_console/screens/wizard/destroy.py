"""Destroy a stack from the console: preview the destroy as a diff, type the stack name."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Label, Log

from vault_console import config as console_config
from vault_console.errors import ConsoleError
from vault_console.host import ConsoleHost, console_env, host_of
from vault_console.infra.plan import Plan, counts_line
from vault_console.infra.setup import SetupAnswers, config_for_destroy
from vault_console.messages import ServerChanged
from vault_console.screens.wizard.base import Field
from vault_console.screens.wizard.screen import CommandFactory
from vault_console.text import DETAIL_LIMIT, counted, escape_controls, plain
from vault_console.widgets.footer import Footer
from vault_console.widgets.plan_diff import PlanDiff
from vault_console.widgets.status_bar import StatusBar
from vault_console_programs.ai_secrets.config import SecretValues

if TYPE_CHECKING:
    from vault_console.infra.engine import Engine


class DestroyScreen(Screen[None]):
    """Preview the destroy of a saved stack, then destroy it once its name is typed."""

    BINDINGS = [Binding("escape", "close", "Close / cancel", id="destroy.close")]

    class Finished(Message):
        def __init__(
            self,
            kind: str,
            plan: Plan | None,
            error: ConsoleError | None,
            losses: list[str] | None = None,
            lost_secrets: int = 0,
        ) -> None:
            super().__init__()
            self.kind = kind
            self.plan = plan
            self.error = error
            self.losses = losses or []
            """What goes with each mount the destroy deletes (every secret in it)."""
            self.lost_secrets = lost_secrets

    class Progress(Message):
        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, stack: str = "dev", *, command: CommandFactory | None = None) -> None:
        super().__init__()
        self.stack = stack
        self.command_factory = command
        self.engine: Engine | None = None
        self.previewed: Plan | None = None
        self.losses: list[str] = []
        self.lost_secrets = 0
        self.running = False
        self.work_dir = Path(tempfile.mkdtemp(prefix="vault-console-destroy-"))

    @property
    def vc(self) -> ConsoleHost:
        return host_of(self)

    @property
    def env(self) -> dict[str, str]:
        return console_env(self)

    def compose(self) -> ComposeResult:
        read_only = "  (read-only: preview only)" if self.vc.settings.read_only else ""
        yield Label(plain(f"Destroy a stack{read_only}"), classes="section-title")
        with Vertical(id="destroy-form"):
            yield Field("Stack to destroy", "destroy.stack", self.stack)
            yield Button("Preview the destroy", id="destroy-preview", variant="primary")
        yield Label("", id="destroy-header", classes="section-title")
        yield Label("", id="destroy-status")
        yield Log(id="destroy-progress", max_lines=500)
        yield PlanDiff(id="destroy-diff")
        yield Field("", "destroy.confirm")
        with Horizontal(classes="step-buttons"):
            yield Button("Destroy", id="destroy-run", variant="error")
        yield StatusBar(id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.vc.update_status_bar()
        self._show_confirm(False)
        self.query(Field).first().input.focus()

    def on_unmount(self) -> None:
        if self.engine is not None:
            self.engine.close()  # the CLI's automatic logs of its commands
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def _show_confirm(self, shown: bool) -> None:
        confirm = self.query(Field).last()
        confirm.display = shown
        self.query_one("#destroy-run").display = shown and not self.vc.settings.read_only
        if shown:
            lost = counted(self.lost_secrets, "secret")
            extra = f", and the {lost} in its mounts" if self.losses else ""
            confirm.query_one(".field-label", Label).update(
                plain(
                    f"Type the stack name {self.stack!r} to destroy everything listed above{extra}"
                )
            )

    # -- running ----------------------------------------------------------------------------

    def _engine(self) -> Engine | None:
        from vault_console.infra.engine import Engine

        stack_field = self.query(Field).first()
        self.stack = stack_field.value.strip()
        try:
            saved = SetupAnswers.load(console_config.state_dir(self.env), self.stack)
        except ValueError as exc:
            stack_field.set_error(str(exc).partition(": ")[2])
            return None
        if saved is None:
            stack_field.set_error(
                f"no saved answers for stack {self.stack!r} (the wizard saves them); destroy it "
                f"with `vault-console destroy --config FILE --stack {self.stack}`"
            )
            return None
        stack_field.set_error(None)
        env = self.env
        return Engine(
            config_for_destroy(saved),
            SecretValues(),
            options=saved.engine_options(self.stack, self.work_dir),
            env=env,
            vault=self.vc.settings,
            command=self.command_factory() if self.command_factory else None,
        )

    def _run(self, kind: str) -> None:
        engine = self.engine
        assert engine is not None
        engine.begin()
        self.running = True
        self.query_one("#destroy-progress", Log).clear()
        self.query_one("#destroy-progress").display = True

        gateway = self.vc.gateway

        def work() -> None:
            from vault_console.infra.engine import describe_failure
            from vault_console.infra.existing import checked_destroy_preview
            from vault_console.infra.plan import progress_line

            def forward(event: Any) -> None:
                line = progress_line(event)
                if line is not None:
                    self.post_message(self.Progress(escape_controls(line)))

            try:
                if kind == "preview":
                    outcome = checked_destroy_preview(engine, gateway, on_event=forward)
                else:
                    outcome = engine.destroy(on_event=forward)
            except BaseException as exc:
                self.post_message(
                    self.Finished(
                        kind,
                        engine.last_plan,
                        describe_failure(exc, self.stack, cancelled=engine.cancel_requested),
                    )
                )
            else:
                self.post_message(
                    self.Finished(
                        kind, outcome.plan, None, outcome.mount_losses, outcome.lost_secrets
                    )
                )

        self.run_worker(work, thread=True, exclusive=True, group="engine", exit_on_error=False)

    def on_destroy_screen_progress(self, message: Progress) -> None:
        self.query_one("#destroy-progress", Log).write_line(message.line)

    def on_destroy_screen_finished(self, message: Finished) -> None:
        self.running = False
        if message.kind != "preview":  # deleted, or partly deleted before a failure
            self.post_message(ServerChanged(f"stack {self.stack} destroyed"))
        self.query_one("#destroy-progress").display = False
        header = self.query_one("#destroy-header", Label)
        status = self.query_one("#destroy-status", Label)
        if message.plan is not None:
            self.query_one("#destroy-diff", PlanDiff).show(message.plan, True)
        if message.error is not None:
            header.update(plain(f"✖ {message.error.title}"))
            status.update(plain(message.error.message, DETAIL_LIMIT, multiline=True))
            self._show_confirm(False)
            return
        assert message.plan is not None
        if message.kind == "preview":
            self.previewed = message.plan
            self.losses, self.lost_secrets = message.losses, message.lost_secrets
            header.update(plain(f"Destroy stack {self.stack}: {counts_line(message.plan)}"))
            lines = [f"⚠ Also gone: {line}" for line in message.losses]
            if self.vc.settings.read_only:
                lines.append("read-only mode: preview only")
            status.update(plain("\n".join(lines), DETAIL_LIMIT, multiline=True))
            self._show_confirm(message.plan.has_changes)
            if message.plan.has_changes and not self.vc.settings.read_only:
                self.query(Field).last().input.focus()
        else:
            header.update(plain(f"✔ Destroyed stack {self.stack}: {counts_line(message.plan)}"))
            status.update("")
            self._show_confirm(False)

    @on(Button.Pressed, "#destroy-preview")
    def _preview(self) -> None:
        if self.running:
            return
        self.engine = self._engine()
        if self.engine is not None:
            self.query_one("#destroy-header", Label).update(
                plain(f"Previewing the destroy of {self.stack}…")
            )
            self._run("preview")

    @on(Button.Pressed, "#destroy-run")
    def _destroy(self) -> None:
        if self.running or self.previewed is None:
            return
        if self.vc.settings.read_only:
            self.notify("Read-only mode: nothing is destroyed", severity="warning")
            return
        confirm = self.query(Field).last()
        if confirm.value.strip() != self.stack:
            confirm.set_error(f"type {self.stack!r} exactly to destroy")
            return
        confirm.set_error(None)
        self.query_one("#destroy-header", Label).update(plain(f"Destroying stack {self.stack}…"))
        self._run("destroy")

    def on_input_submitted(self, event: Any) -> None:
        confirm = self.query(Field).last()
        if event.input is confirm.input:
            self._destroy()
        else:
            self._preview()

    def cancel_engine(self) -> None:
        if self.running and self.engine is not None:
            self.notify("Cancelling: the engine finishes what it started and saves the state")
            self.engine.cancel()

    def action_close(self) -> None:
        if self.running:
            self.cancel_engine()
            return
        self.dismiss()
