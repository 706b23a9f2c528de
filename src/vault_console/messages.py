"""Messages that travel up to the app from any screen (attributes down, messages up).

A screen that changes the server says so; the app decides which views list again. Kept
here, below the screens, so a screen posts one without importing the app.
"""

from __future__ import annotations

from textual.message import Message


class ServerChanged(Message):
    """Mounts or secrets were made or deleted (an apply, a destroy): views list again."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what


class OpenSecret(Message):
    """Show this secret in the browser (the wizard's ``g`` on its result)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class SwitchNamespace(Message):
    """Move the session to this namespace ('' root), then open ``then_open`` there
    (``o`` with a namespace-prefixed path: ``team-a/ai-models/prod/openai``)."""

    def __init__(self, target: str, then_open: str | None = None) -> None:
        super().__init__()
        self.target = target
        self.then_open = then_open


class OpenWizard(Message):
    """Open the setup wizard (``W``): on the stack last set up, unless one is named."""

    def __init__(self, stack: str | None = None) -> None:
        super().__init__()
        self.stack = stack


class ShowAuditQuery(Message):
    """Show the audit log filtered to these API paths (a secret's access history)."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        super().__init__()
        self.paths = paths


class LoginWanted(Message):
    """No token works (none set, or the server refuses it): offer the login screen."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
