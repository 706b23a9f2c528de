"""Columns give way by importance; paths are shortened in the middle."""

from __future__ import annotations

from rich.text import Text

from vault_console.widgets.fitted_table import Column, elide, fit_widths

COLUMNS = [
    Column("Path", 100, min_width=12, elide="middle", flex=True),
    Column("Type", 90, min_width=4),
    Column("Description", 80, min_width=10, flex=True),
    Column("Accessor", 10, min_width=8),
]


def test_everything_fits_at_its_natural_width() -> None:
    assert fit_widths(COLUMNS, [10, 6, 20, 16], 100) == [10, 6, 20, 16]


def test_less_important_columns_give_way_before_more_important_ones_shrink() -> None:
    # Accessor would fit only if the description shrank: it goes instead.
    assert fit_widths(COLUMNS, [10, 6, 20, 16], 44) == [10, 6, 20, 8]
    assert fit_widths(COLUMNS, [10, 6, 20, 16], 40) == [10, 6, 20, 0]
    assert fit_widths(COLUMNS, [10, 6, 40, 16], 30) == [10, 6, 14, 0]


def test_the_most_important_column_gives_way_last() -> None:
    # A long path keeps the room: the others go before it is shortened.
    assert fit_widths(COLUMNS, [40, 6, 20, 16], 30) == [30, 0, 0, 0]
    # The least important shown column shrinks to its minimum before anything goes.
    assert fit_widths(COLUMNS, [10, 6, 20, 16], 46) == [10, 6, 20, 10]


def test_the_most_important_column_stays_even_when_nothing_else_fits() -> None:
    assert fit_widths(COLUMNS, [40, 6, 20, 16], 5) == [5, 0, 0, 0]


def test_room_left_over_goes_to_flexible_columns_up_to_their_cells() -> None:
    columns = [Column("Path", 100, min_width=4, max_width=8, flex=True), Column("X", 1)]
    assert fit_widths(columns, [30, 6], 40) == [30, 6]  # max_width only caps the start
    assert fit_widths(columns, [30, 6], 20) == [14, 6]


def test_padding_is_counted_per_shown_column() -> None:
    assert fit_widths(COLUMNS, [10, 6, 20, 16], 52, padding=2) == [10, 6, 20, 8]
    assert fit_widths(COLUMNS, [10, 6, 20, 16], 50, padding=2) == [10, 6, 20, 0]


def test_a_path_keeps_both_ends() -> None:
    shown = elide(Text("ai-models/data/prod/openai"), 15, "middle")
    assert shown.plain == "ai-mode…/openai" and shown.cell_len == 15
    assert elide(Text("short"), 15, "middle").plain == "short"


def test_other_cells_are_cut_at_the_end_and_keep_their_style() -> None:
    shown = elide(Text("permission denied", style="red"), 10, "end")
    assert shown.plain == "permissio…" and shown.style == "red"
