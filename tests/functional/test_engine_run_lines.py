"""The engine's progress lines as the wizard's log shows them: a diagnostic that spans
lines (Vault's "1 error occurred:" then "* permission denied") is one log line each, with
controls escaped, never one line with \\x0a in it and the reason past the edge."""

from __future__ import annotations

from textual.app import App, ComposeResult

from vault_console.widgets.engine_run import EngineRun


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield EngineRun()


async def test_a_multi_line_diagnostic_is_one_log_line_per_line() -> None:
    app = Host()
    async with app.run_test():
        run = app.query_one(EngineRun)
        run._line("error: Vault answered 403:\n1 error occurred:\n\t* permission denied\x1b[2J\n\n")
        assert run.take_lines() == [
            "error: Vault answered 403:",
            "1 error occurred:",
            "  * permission denied\\x1b[2J",
            "",
        ]
