"""One secret: masked values, versions and custom metadata."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Label, Static

from vault_console.host import host_of
from vault_console.text import DETAIL_LIMIT, MASK, format_time, namespace_name, plain
from vault_console.value_kinds import labels
from vault_console.vault.model import ShownSecret


def value_text(value: Any, indent: int | None = None) -> str:
    """A string as it is; anything else as JSON, the form it is stored and edited in."""
    return value if isinstance(value, str) else json.dumps(value, indent=indent, ensure_ascii=False)


class SecretPanel(Vertical):
    """Values show as a fixed mask until revealed; a new secret hides them again."""

    # r / R / h / c are the main screen's (so they work from the tree too): it calls the
    # actions below once it has checked there is something to act on.

    no_values = False
    """Set by the screen in a session whose values are off (the state line says so)."""

    shown: reactive[ShownSecret | None] = reactive(None, always_update=True)
    revealed: reactive[frozenset[str]] = reactive(frozenset())

    class Copied(Message):
        """A value went to the clipboard; carries the key, never the value."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def compose(self) -> ComposeResult:
        yield Label("Select a secret in the tree", id="secret-title")
        yield Static("", id="secret-state")
        values: DataTable[str | Text] = DataTable(cursor_type="row", id="secret-values")
        values.add_columns("Key", "Type", "Value")
        yield values
        with VerticalScroll(id="secret-value-detail"):
            yield Static("", id="secret-value-whole")
        yield Label("Versions", classes="section-title", id="versions-title")
        versions: DataTable[str] = DataTable(cursor_type="row", id="secret-versions")
        versions.add_columns("Version", "Created", "State")
        yield versions
        yield Label("Custom metadata", classes="section-title", id="custom-title")
        yield Static("", id="secret-custom")

    def watch_shown(self, shown: ShownSecret | None) -> None:
        # Navigating to another secret (or another version) hides every value again.
        self.revealed = frozenset()
        self._render_shown()

    def watch_revealed(self) -> None:
        self._render_values()
        self.set_class(bool(self.revealed), "-revealed")

    def _render_shown(self) -> None:
        shown = self.shown
        title = self.query_one("#secret-title", Label)
        state = self.query_one("#secret-state", Static)
        versions = self.query_one("#secret-versions", DataTable)
        versions.clear()
        custom = self.query_one("#secret-custom", Static)
        self.set_class(shown is not None and shown.kv_version == 2, "-kv2")
        if shown is None:
            title.update("Select a secret in the tree")
            state.update("")
            custom.update("")
            self._render_values()
            return
        secret, meta = shown.secret, shown.metadata
        namespace = namespace_name(host_of(self).settings.namespace)
        title.update(plain(f"{shown.full_path}  · namespace {namespace}"))
        if shown.kv_version == 1:
            state.update("KV v1: no versions, no metadata")
        else:
            parts = [f"version {secret.version}"]
            if meta is not None:
                parts[0] += f" of {meta.current_version}"
            parts.append(f"created {format_time(secret.created_time)}")
            if secret.destroyed:
                parts.append("DESTROYED: no values, for good ([ ] other versions)")
            elif secret.deletion_time:
                parts.append(
                    f"DELETED {format_time(secret.deletion_time)}: no values until undeleted (u)"
                )
            if secret.subkeys is not None and secret.data is None and secret.state == "active":
                parts.append(
                    "values are off in this session"
                    if self.no_values
                    else "values not fetched: r, c, e, J, f or D fetch them"
                )
            if shown.note:
                parts.append(shown.note)
            state.update(plain("  ·  ".join(parts)))
        if meta is not None:
            for info in reversed(meta.versions):
                marker = " ◀" if info.version == secret.version else ""
                versions.add_row(
                    f"{info.version}{marker}",
                    format_time(info.created_time),
                    info.state,
                    key=str(info.version),
                )
            lines = [
                plain(f"{k} = {v}", DETAIL_LIMIT) for k, v in sorted(meta.custom_metadata.items())
            ]
            custom.update(Text("\n").join(lines) if lines else "(none)")
        else:
            custom.update("")
        self._render_values()

    def _render_values(self) -> None:
        table = self.query_one("#secret-values", DataTable)
        cursor = table.cursor_row
        # Columns again too: a column keeps the width of the widest cell it ever held, so
        # a long type from the last secret would stay.
        table.clear(columns=True)
        table.add_columns("Key", "Type", "Value")
        for key, kind, cell in self._rows():
            table.add_row(plain(key), plain(kind, style="dim"), cell, key=key)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self._render_whole()

    def _rows(self) -> list[tuple[str, str, Text]]:
        """(key, what the value is, the value or its mask) for each key of the version."""
        shown = self.shown
        masked = Text(MASK, style="dim")
        if shown is None:
            return []
        data, subkeys = shown.secret.data, shown.secret.subkeys
        if data is None:
            # Keys and nesting only (or a deleted version): nothing of the values is here.
            return [
                (
                    key,
                    f"object · {len(below)} keys" if isinstance(below, dict) else "not fetched",
                    masked,
                )
                for key, below in sorted((subkeys or {}).items())
            ]
        kinds = labels(data)  # what each value is, never what it holds
        return [
            (key, kinds[key], plain(value_text(value)) if key in self.revealed else masked)
            for key, value in sorted(data.items())
        ]

    @on(DataTable.RowHighlighted, "#secret-values")
    def _render_whole(self) -> None:
        """The selected value whole (multi-line, JSON indented) once it is revealed."""
        whole = self.query_one("#secret-value-whole", Static)
        key = self.selected_key()
        shown = self.shown
        if key is None or shown is None or shown.secret.data is None or key not in self.revealed:
            whole.update("")
            self.set_class(False, "-whole")
            return
        value = shown.secret.data[key]
        whole.update(plain(value_text(value, indent=2), DETAIL_LIMIT, multiline=True))
        self.set_class(True, "-whole")

    def selected_key(self) -> str | None:
        table = self.query_one("#secret-values", DataTable)
        if self.shown is None or not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    def action_reveal(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.revealed = self.revealed ^ {key}

    def action_reveal_all(self) -> None:
        if self.shown is not None and self.shown.secret.data:
            self.revealed = frozenset(self.shown.secret.data)

    def action_hide(self) -> None:
        self.revealed = frozenset()

    def action_copy(self) -> None:
        key = self.selected_key()
        if key is None or self.shown is None or self.shown.secret.data is None:
            self.notify("No value selected", severity="warning")
            return
        host_of(self).copy_secret(str(self.shown.secret.data[key]))
        self.post_message(self.Copied(key))
        self.notify(f"Copied the value of {key!r} to the clipboard")  # app.notify: plain text

    def selected_version(self) -> int | None:
        """The version row under the cursor in the versions table, if any."""
        table = self.query_one("#secret-versions", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(str(row_key.value))
