"""An input for secret values that does not give away their length."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Input

from vault_console.text import MASK


class SecretInput(Input):
    """A password input that shows the same fixed mask whatever it holds until it is
    focused, and a show/hide toggle (ctrl+t).

    Textual's password input draws one dot per character, so an unfocused field still tells
    a shoulder-surfer (or a screenshot) how long the secret is. While focused and typed in,
    the dots follow the cursor as usual.
    """

    BINDINGS = [Binding("ctrl+t", "toggle_shown", "Show/hide", id="secret-input.toggle")]

    def __init__(self, value: str = "", **kwargs: object) -> None:
        super().__init__(value, password=True, **kwargs)  # type: ignore[arg-type]

    @property
    def _value(self) -> Text:
        if self.password and self.value and not self.has_focus:
            return Text(MASK, no_wrap=True, overflow="ignore", end="")
        return super()._value

    def on_blur(self) -> None:
        self.password = True  # a value shown for checking is hidden again on leaving
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def action_toggle_shown(self) -> None:
        self.password = not self.password
