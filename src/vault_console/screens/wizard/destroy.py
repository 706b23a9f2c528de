"""Destroy a stack from the console: preview the destroy as a diff, type the stack name."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Label, Log

from vault_console import config as console_config
from vault_console.host import ConsoleHost, console_env, host_of
from vault_console.infra.plan import Plan, counts_line
from vault_console.infra.setup import SetupAnswers, config_for_destroy
from vault_console.messages import ServerChanged
from vault_console.screens.wizard.base import Field
from vault_console.text import DETAIL_LIMIT, counted, plain
from vault_console.widgets.engine_run import CommandFactory, EngineRun
from vault_console.widgets.footer import Footer
from vault_console.widgets.plan_diff import PlanDiff
from vault_console.widgets.status_bar import StatusBar
from vault_console_programs.ai_secrets.config import SecretValues

if TYPE_CHECKING:
    from vault_console.infra.engine import Engine


class DestroyScreen(Screen[None]):
    """Preview the destroy of a saved stack, then destroy it once its name is typed."""

    BINDINGS = [Binding("escape", "close", "Close / cancel", id="destroy.close")]

    def __init__(self, stack: str = "dev", *, command: CommandFactory | None = None) -> None:
        super().__init__()
        self.stack = stack
        self.command_factory = command
        self.engine: Engine | None = None
        self.previewed: Plan | None = None
        self.losses: list[str] = []
        self.lost_secrets = 0
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
        yield EngineRun()

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
        self.query_one("#destroy-progress", Log).clear()
        self.query_one("#destroy-progress").display = True
        gateway = self.vc.gateway

        def work(on_event: Callable[[Any], None]) -> Any:  # on the worker thread
            from vault_console.infra.existing import checked_destroy_preview

            if kind == "preview":
                return checked_destroy_preview(engine, gateway, on_event=on_event)
            return engine.destroy(on_event=on_event)

        self.query_one(EngineRun).start(kind, engine, work)

    @property
    def running(self) -> bool:
        return self.query_one(EngineRun).running

    def on_engine_run_progress(self, message: EngineRun.Progress) -> None:
        log = self.query_one("#destroy-progress", Log)
        for line in message.take():
            log.write_line(line)

    def on_engine_run_finished(self, message: EngineRun.Finished) -> None:
        from vault_console.infra.engine import describe_failure

        error = (
            describe_failure(message.error, self.stack, cancelled=message.cancelled)
            if message.error is not None
            else None
        )
        if message.kind != "preview":  # deleted, or partly deleted before a failure
            self.post_message(ServerChanged(f"stack {self.stack} destroyed"))
        self.query_one("#destroy-progress").display = False
        header = self.query_one("#destroy-header", Label)
        status = self.query_one("#destroy-status", Label)
        if message.plan is not None:
            self.query_one("#destroy-diff", PlanDiff).show(message.plan, True)
        if error is not None:
            header.update(plain(f"✖ {error.title}"))
            status.update(plain(error.message, DETAIL_LIMIT, multiline=True))
            self._show_confirm(False)
            return
        assert message.plan is not None
        if message.kind == "preview":
            self.previewed = message.plan
            self.losses = message.outcome.mount_losses
            self.lost_secrets = message.outcome.lost_secrets
            header.update(plain(f"Destroy stack {self.stack}: {counts_line(message.plan)}"))
            lines = [f"⚠ Also gone: {line}" for line in self.losses]
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
        if self.query_one(EngineRun).cancel():
            self.notify("Cancelling: the engine finishes what it started and saves the state")

    def action_close(self) -> None:
        if self.running:
            self.cancel_engine()
            return
        self.dismiss()
