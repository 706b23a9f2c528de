"""An input for secret values that does not give away their length."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import Input

from vault_console.text import MASK


class SecretInput(Input):
    """A password input that shows the same fixed mask whatever it holds, and a show/hide
    toggle (ctrl+t).

    Textual's password input draws one dot per character, so a field tells a
    shoulder-surfer (or a screenshot) how long the secret is, and a new value's length
    shows as it is typed. Here any value shows as the same fixed mask, focused or not,
    while typing too, with the cursor after it (typing appends); ctrl+t shows the value
    itself, to check it or to edit inside it.
    """

    BINDINGS = [Binding("ctrl+t", "toggle_shown", "Show/hide", id="secret-input.toggle")]

    def __init__(self, value: str = "", **kwargs: object) -> None:
        super().__init__(value, password=True, **kwargs)  # type: ignore[arg-type]

    @property
    def masked(self) -> bool:
        """Whether the fixed mask is drawn instead of one dot per character."""
        return bool(self.password and self.value)

    @property
    def _value(self) -> Text:
        if self.masked:
            return Text(MASK, no_wrap=True, overflow="ignore", end="")
        return super()._value

    def _position_to_cell(self, position: int) -> int:
        # The cursor and the scrolling follow the mask, not the hidden value's length.
        if self.masked:
            return min(position, len(MASK))
        return super()._position_to_cell(position)

    def render_line(self, y: int) -> Strip:
        if y != 0 or not (self.masked and self.has_focus):
            return super().render_line(y)
        # The base class puts the cursor at the value's length, past the mask's end:
        # draw the mask with the cursor after it.
        text = Text(MASK, end="")
        text.pad_right(1)
        if self._cursor_visible:
            text.stylize(self.get_component_rich_style("input--cursor"), len(MASK))
        width = self.scrollable_content_region.width + 1
        options = self.app.console_options.update_width(width)
        strip = Strip(list(self.app.console.render(text, options)))
        return strip.extend_cell_length(width).apply_style(self.rich_style)

    def on_blur(self) -> None:
        self.password = True  # a value shown for checking is hidden again on leaving
        self.refresh()

    def on_focus(self) -> None:
        self.cursor_position = len(self.value)  # typing appends, as in any password field
        self.refresh()

    def action_toggle_shown(self) -> None:
        self.password = not self.password
