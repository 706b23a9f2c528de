"""One engine run at a time, for the wizard's preview/apply/refresh and the destroy screen.

The engine is synchronous and reports on the SDK's own thread. This widget (it draws
nothing) starts a run through the app's ``run_io``, so a failure takes the one error path;
it turns the engine's events into progress lines, posts them up coalesced (a burst of
events is one message, toolong's habit), and posts ``Finished`` with the outcome or the
failure. Cancel asks the engine to stop; the failure that follows says it was cancelled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.widget import Widget

from vault_console.host import host_of
from vault_console.text import escape_controls

if TYPE_CHECKING:
    from pulumi import automation as auto

    from vault_console.infra.engine import Engine
    from vault_console.infra.plan import Plan

CommandFactory = Callable[[], "auto.PulumiCommand"]
"""Builds the Pulumi command an engine runs (tests wrap the real CLI to record it)."""

OnEvent = Callable[[Any], None]


class EngineRun(Widget):
    """Runs ``work(on_event)`` for one engine in a worker; messages report back."""

    DEFAULT_CSS = "EngineRun { display: none; }"

    class Progress(Message):
        """New progress lines are waiting: ``take()`` them (a newer one replaces this)."""

        def __init__(self, run: EngineRun) -> None:
            super().__init__()
            self.run = run

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, EngineRun.Progress) and message.run is self.run

        def take(self) -> list[str]:
            return self.run.take_lines()

    class Finished(Message):
        """The run ended: ``outcome`` (what ``work`` returned) or ``error``."""

        def __init__(
            self,
            kind: str,
            engine: Engine,
            outcome: Any,
            error: BaseException | None,
            plan: Plan | None,
        ) -> None:
            super().__init__()
            self.kind = kind
            self.engine = engine
            self.outcome = outcome
            self.error = error
            self.plan = plan
            """The outcome's plan, or what the engine had planned when it failed."""
            self.cancelled = engine.cancel_requested

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind: str | None = None
        """The kind of the run going on (``preview``, ``up``...), None between runs."""
        self.engine: Engine | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self.kind is not None

    def start(self, kind: str, engine: Engine, work: Callable[[OnEvent], Any]) -> None:
        """Run ``work`` with a callback for the engine's events, in a worker thread."""
        engine.begin()
        self.kind, self.engine = kind, engine
        engine.on_step = self._line

        def forward(event: Any) -> None:  # on the SDK's thread
            from vault_console.infra.plan import progress_line

            line = progress_line(event)
            if line is not None:
                self._line(line)

        def done(outcome: Any) -> None:
            self.kind = None
            plan = getattr(outcome, "plan", None) or engine.last_plan
            self.post_message(self.Finished(kind, engine, outcome, None, plan))

        def failed(error: BaseException) -> bool:
            self.kind = None
            self.post_message(self.Finished(kind, engine, None, error, engine.last_plan))
            return True  # the screen says it, where the run was asked for

        host_of(self).run_io(
            lambda: work(forward),
            done,
            description=f"pulumi {kind}",
            on_error=failed,
            key=f"engine:{id(self)}",
        )

    def cancel(self) -> bool:
        """Ask the running engine to stop; False when nothing runs."""
        if self.engine is None or not self.running:
            return False
        self.engine.cancel()
        return True

    def _line(self, line: str) -> None:
        # A diagnostic can span lines (Vault's "1 error occurred:" then "* permission
        # denied"): each is its own log line, not one line with \x0a in it.
        parts = line.expandtabs(2).splitlines() or [""]
        with self._lock:
            self._lines.extend(escape_controls(part) for part in parts)
        self.post_message(self.Progress(self))

    def take_lines(self) -> list[str]:
        with self._lock:
            lines, self._lines = self._lines, []
        return lines
