"""The private parts of Textual's App the console relies on, in one place, with why.

Each has no public replacement in Textual 6/7; ``tests/unit/test_private_apis.py`` fails
when Textual renames or changes one, so an upgrade breaks a named test, not a crash report.

- ``App._fatal_error`` is the hook Textual calls on an unhandled exception. Its report
  shows local variables, which can hold secret values; ``VaultConsoleApp`` overrides it
  (a method of that name) to print a traceback without them.
- ``App._exception``, ``App._exit_renderables`` and ``App._close_messages_no_wait``: what
  that override reads and does, as Textual's own ``_fatal_error`` does.
- ``App._clipboard``: Textual keeps a copy of the last text sent to the terminal's
  clipboard; the console drops it, so a copied value does not stay in memory.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

FATAL_ERROR_HOOK = "_fatal_error"


def fatal_exception(app: App[Any]) -> BaseException | None:
    """The exception that is ending the app."""
    error: BaseException | None = getattr(app, "_exception", None)
    return error


def print_on_exit(app: App[Any], renderable: Any) -> None:
    """Printed to the terminal after the app has left it (Textual prints the first one)."""
    app._exit_renderables.append(renderable)


def close_now(app: App[Any]) -> None:
    """End the app's message loop without waiting for what is queued (a crash)."""
    app._close_messages_no_wait()


def forget_clipboard(app: App[Any]) -> None:
    """Drop Textual's copy of the last text sent to the clipboard."""
    app._clipboard = ""
