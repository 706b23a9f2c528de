"""Filter the paths loaded so far; Enter opens the highlighted match (fzf's keys)."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from vault_console.text import PathIndex, plain

FILTER_LIMIT = 100
"""Most matches the filter lists at once; the count of all matches is shown."""


class PathFilter(Vertical):
    """A query line over ``index`` (set by the screen) and its matches; posts ``Chosen``."""

    class Chosen(Message):
        def __init__(self, full_path: str) -> None:
            super().__init__()
            self.full_path = full_path

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.index = PathIndex()

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter loaded paths", id="filter")
        yield Label("", id="filter-count")
        yield OptionList(id="filter-results")

    def start(self) -> None:
        """Focus the query line and list what it matches now."""
        field = self.query_one("#filter", Input)
        field.focus()
        self.show_matches(field.value)

    def show_matches(self, query: str) -> None:
        shown, total = self.index.search(query, FILTER_LIMIT)
        results = self.query_one("#filter-results", OptionList)
        results.clear_options()
        results.add_options([Option(plain(path), id=path) for path in shown])
        results.highlighted = 0 if shown else None  # what Enter opens
        more = f" (first {len(shown)})" if total > len(shown) else ""
        self.query_one("#filter-count", Label).update(
            f"{total} of {len(self.index)} loaded paths{more}"
        )

    @on(Input.Changed, "#filter")
    def _changed(self, event: Input.Changed) -> None:
        self.show_matches(event.value)

    @on(Input.Submitted, "#filter")
    def _submitted(self) -> None:
        """Enter opens the highlighted match (the first, or the one up/down moved to)."""
        results = self.query_one("#filter-results", OptionList)
        if results.highlighted is None:
            self.notify("No loaded path matches the filter (i loads a whole mount)")
            return
        results.action_select()

    def on_key(self, event: events.Key) -> None:
        # As in fzf or k9s: up/down move through the matches while typing goes on.
        if event.key in ("up", "down") and self.query_one("#filter", Input).has_focus:
            results = self.query_one("#filter-results", OptionList)
            if event.key == "down":
                results.action_cursor_down()
            else:
                results.action_cursor_up()
            event.stop()

    @on(OptionList.OptionSelected, "#filter-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(str(event.option.id)))
