"""Actions a token may not take in a widget: shown disabled, with the reason in the footer,
help and the palette, and said when the key is pressed (not hidden: hidden keys leave an
operator guessing). A mixin for widgets that check their own actions (the Audit tab's
``H``); the main screen keeps its own for the secret actions."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.binding import Binding


class DeniedActions:
    denied: dict[str, str]
    """Action -> why this token may not take it here."""
    BINDINGS: ClassVar[Any]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action in self.denied else True  # shown, disabled: the key says why

    def denied_reason(self, action: str) -> str:
        """Why the token may not take ``action`` here ('' if it may)."""
        return self.denied.get(action, "")

    def on_key(self, event: events.Key) -> None:
        for b in self.BINDINGS:
            if isinstance(b, Binding) and b.key == event.key and b.action in self.denied:
                self.notify(f"{b.description}: {self.denied[b.action]}", severity="warning")  # type: ignore[attr-defined]
                event.stop()
