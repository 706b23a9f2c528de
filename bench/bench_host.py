"""The least of the app the Audit panel needs to run in a bench without a Vault: the
settings and ``run_io`` of ``host.ConsoleHost``, the work in a thread, its answer on the
UI thread (as ``VaultConsoleApp.run_io``, without the error dialogs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.worker import Worker

from vault_console.config import Settings


class BenchHost(App[None]):
    settings = Settings()
    env = None

    def run_io(
        self, work: Callable[[], Any], done: Callable[[Any], None], **_: Any
    ) -> Worker[None]:
        def run() -> None:
            result = work()
            self.call_from_thread(done, result)

        return self.run_worker(run, thread=True, exit_on_error=False, group="io")
