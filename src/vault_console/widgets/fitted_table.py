"""A table whose columns give way by importance when the terminal is narrow.

Textual's DataTable sizes each column to its widest cell and lets the table scroll
sideways, so at 80 columns the last columns (a mount's description, the audit's result)
are simply off screen, and a fixed-width column cuts a path's end, where two paths differ.
Here each column says how much it matters: when the table does not fit, the least
important columns shrink to their minimum first, then go; a path is shortened in the
middle (``ai-models/da…/prod/openai``), so its ends still tell rows apart. Space left
over goes to the flexible column (a description, a path).

Rows are kept as given, so a resize lays them out again for the new width.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.timer import Timer
from textual.widgets import DataTable

ELLIPSIS = "…"


@dataclass(frozen=True)
class Column:
    """One column: its label, how much it matters, and how narrow it may get."""

    label: str
    priority: int
    """Higher stays longer: when space runs out the lowest shrink, then go."""
    min_width: int = 6
    max_width: int | None = None
    """The widest it grows to fit its cells (None: as wide as its widest cell)."""
    elide: str = "end"
    """``end`` cuts the end (…); ``middle`` keeps both ends (paths)."""
    flex: bool = False
    """Takes the space left over, up to its widest cell."""


def elide(text: Text, width: int, where: str) -> Text:
    """``text`` in at most ``width`` cells, with an ellipsis where it was cut."""
    if text.cell_len <= width:
        return text
    if width <= 1:
        return Text(ELLIPSIS[:width])
    if where == "middle":
        head = (width - 1 + 1) // 2
        tail = width - 1 - head
        return Text.assemble(text[:head], ELLIPSIS, text[len(text) - tail :] if tail else "")
    cut = text.copy()
    cut.truncate(width, overflow="ellipsis")
    return cut


def fit_widths(
    columns: Sequence[Column], natural: Sequence[int], room: int, padding: int = 0
) -> list[int]:
    """Each column's width (0: not shown) so that they fit in ``room`` cells, where each
    shown column also takes ``padding`` cells.

    The most important columns come first, at their natural width (capped by
    ``max_width``); a less important one is shown only while there is room for at least
    its minimum, so it gives way before a more important one loses width. If the shown
    columns still do not fit, the least important of them shrink to their minimum. Room
    left over goes back to the shown columns, the most important first; a flexible one may
    grow past its ``max_width``, up to its widest cell.
    """
    capped = [
        min(n, c.max_width) if c.max_width else n for c, n in zip(columns, natural, strict=True)
    ]
    floors = [min(c.min_width, n) for c, n in zip(columns, natural, strict=True)]
    descending = sorted(range(len(columns)), key=lambda i: -columns[i].priority)
    widths = [0] * len(columns)

    def used() -> int:
        return sum(w + padding for w in widths if w)

    for index in descending:
        if widths != [0] * len(columns) and used() + floors[index] + padding > room:
            break
        widths[index] = max(1, capped[index])
    shown = [i for i in descending if widths[i]]
    for index in reversed(shown):  # too wide: the least important shown shrink first
        excess = used() - room
        if excess <= 0:
            break
        widths[index] -= min(excess, widths[index] - max(1, floors[index]))
    if used() > room:  # the most important alone is wider than the room
        widths[shown[0]] = max(1, room - padding)
        return widths
    for index in shown:
        limit = natural[index] if columns[index].flex else capped[index]
        widths[index] += max(0, min(room - used(), limit - widths[index]))
    return widths


class FittedTable(DataTable[Any]):
    """A DataTable laid out by column importance for the width it has (see module doc)."""

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fitted_columns = list(columns)
        self._rows: dict[str, list[Text]] = {}
        """Every row as given, by key, in order (a dict: follow mode drops the oldest)."""
        self._unnamed = 0
        self._pending: Timer | None = None
        self._widths: list[int] = []
        self._room = -1

    # -- rows ---------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[tuple[Sequence[Text | str], str | None]]) -> None:
        """Replace every row; each is (cells, key)."""
        self._rows = {}
        for cells, key in rows:
            self._rows[self._key(key)] = [_text(c) for c in cells]
        self._layout(force=True)

    def add_fitted_row(self, cells: Sequence[Text | str], key: str | None = None) -> None:
        """Add one row at the current widths (a later resize lays it out again)."""
        key = self._key(key)
        row = self._rows[key] = [_text(c) for c in cells]
        if not self._widths:
            self._layout(force=True)
            return
        self.add_row(*self._cells(row), key=key)
        if any(cell.cell_len > width for cell, width in zip(row, self._widths, strict=True)):
            self._layout_soon()  # a wider cell: the columns may be laid out better now

    def update_fitted_row(self, key: str, cells: Sequence[Text | str]) -> None:
        """Change one row's cells in place."""
        row = self._rows[key] = [_text(c) for c in cells]
        if not self._widths:
            return
        for column, cell in zip(self.ordered_columns, self._cells(row), strict=True):
            self.update_cell(key, column.key, cell)

    def remove_fitted_row(self, key: str) -> None:
        del self._rows[key]
        if self._widths:
            self.remove_row(key)

    def remove_fitted_rows(self, keys: Iterable[str]) -> None:
        """Remove many rows with one rebuild. DataTable.remove_row renumbers every row
        after the one it removes, so removing the oldest rows one by one costs rows times
        removed: in follow mode that stalled the UI for seconds at 2,000 lines a second."""
        for key in keys:
            del self._rows[key]
        if self._widths:
            self._layout(force=True)

    def clear_rows(self) -> None:
        self._rows = {}
        self.clear()

    @property
    def rows_as_given(self) -> list[list[Text]]:
        """Every row's cells in full, in the columns' order (before any is shortened)."""
        return [list(cells) for cells in self._rows.values()]

    def _key(self, key: str | None) -> str:
        if key is None:
            self._unnamed += 1
            key = f"row-{self._unnamed}"
        return key

    # -- layout -------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._layout()

    def on_show(self) -> None:
        # Rows set while the table was hidden (a tab not shown) are laid out now.
        self._layout()

    def _layout_soon(self) -> None:
        """Lay out again once rows stop arriving (rows come in batches, a frame apart)."""
        if self._pending is not None:
            self._pending.stop()
        self._pending = self.set_timer(0.05, self._layout)

    def _room_now(self) -> int:
        # The widget's own width, less room for a vertical scrollbar whether one shows or
        # not: a width that changed with the scrollbar would lay out, add or drop rows'
        # height, show or hide the scrollbar, and lay out again, without end.
        return max(0, self.size.width - self.styles.scrollbar_size_vertical - 1)

    def _natural(self) -> list[int]:
        natural = [len(c.label) for c in self.fitted_columns]
        for cells in list(self._rows.values())[-500:]:  # the latest size the columns
            for index, cell in enumerate(cells):
                natural[index] = max(natural[index], cell.cell_len)
        return natural

    def _layout(self, force: bool = False) -> None:
        room = self._room_now()
        if room <= 0:
            self._widths = []  # hidden: laid out when it shows (on_show, on_resize)
            return
        widths = fit_widths(self.fitted_columns, self._natural(), room, 2 * self.cell_padding)
        if not force and widths == self._widths and room == self._room:
            return
        self._room, self._widths = room, widths
        cursor = self.cursor_coordinate
        self.clear(columns=True)
        for column, width in zip(self.fitted_columns, widths, strict=True):
            if width:
                self.add_column(elide(Text(column.label), width, "end"), width=width)
        for key, cells in self._rows.items():
            self.add_row(*self._cells(cells), key=key)
        if self.row_count:
            self.move_cursor(row=min(cursor.row, self.row_count - 1), animate=False)

    def _cells(self, cells: Sequence[Text]) -> list[Text]:
        return [
            elide(cell, width, column.elide)
            for cell, column, width in zip(cells, self.fitted_columns, self._widths, strict=True)
            if width
        ]


def _text(cell: Text | str) -> Text:
    return cell if isinstance(cell, Text) else Text(cell)
