"""The key/value form used to write a secret or its custom metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from vault_console.text import check_secret_path


@dataclass(frozen=True)
class FormResult:
    """What the form returns: the path (for a new secret) and the fields."""

    path: str
    data: dict[str, str] = field(repr=False)


def validate_fields(pairs: list[tuple[str, str]], *, allow_empty_values: bool) -> dict[str, str]:
    """Check form rows; raise ValueError naming the row and the reason."""
    data: dict[str, str] = {}
    for number, (key, value) in enumerate(pairs, start=1):
        key = key.strip()
        if not key and not value:
            continue
        if not key:
            raise ValueError(f"field {number}: the key is empty")
        if key in data:
            raise ValueError(f"field {number}: key {key!r} is given twice")
        if not value and not allow_empty_values:
            raise ValueError(f"field {number} ({key}): the value is empty")
        data[key] = value
    return data


class KeyValueForm(ModalScreen[FormResult | None]):
    """Edit fields of a secret (values are password inputs) or of custom metadata."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("ctrl+n", "add_row", "Add field", id="form.add-row"),
    ]

    def __init__(
        self,
        title: str,
        data: dict[str, Any],
        *,
        path: str | None = None,
        ask_path: bool = False,
        secret_values: bool = True,
        note: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.initial = {str(k): "" if v is None else str(v) for k, v in data.items()}
        self.path = path or ""
        self.ask_path = ask_path
        self.secret_values = secret_values
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide", id="form"):
            yield Label(self.title_text, classes="dialog-title")
            if self.note:
                yield Label(self.note, classes="hint")
            if self.ask_path:
                yield Input(value=self.path, placeholder="path/in/mount", id="form-path")
            with VerticalScroll(id="form-rows"):
                for key, value in self.initial.items():
                    yield self._row(key, value)
                if not self.initial:
                    yield self._row("", "")
            yield Label("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Add field", id="add")
                yield Button("Cancel", id="cancel")

    def _row(self, key: str, value: str) -> Horizontal:
        return Horizontal(
            Input(value=key, placeholder="key", classes="form-key"),
            Input(
                value=value,
                placeholder="value",
                password=self.secret_values,
                classes="form-value",
            ),
            classes="form-row",
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "add":
            self.action_add_row()
        else:
            self.dismiss(None)

    def action_add_row(self) -> None:
        row = self._row("", "")
        self.query_one("#form-rows", VerticalScroll).mount(row)
        self.call_after_refresh(row.query_one(".form-key", Input).focus)

    def pairs(self) -> list[tuple[str, str]]:
        return [
            (row.query_one(".form-key", Input).value, row.query_one(".form-value", Input).value)
            for row in self.query(".form-row")
        ]

    def action_save(self) -> None:
        error = self.query_one("#form-error", Label)
        try:
            path = self.path
            if self.ask_path:
                path = check_secret_path("path", self.query_one("#form-path", Input).value)
            data = validate_fields(self.pairs(), allow_empty_values=not self.secret_values)
            if self.secret_values and not data:
                raise ValueError("fields: a secret needs at least one key")
        except ValueError as exc:
            error.update(str(exc))
            return
        self.dismiss(FormResult(path, data))
