"""The key/value form used to write a secret or its custom metadata."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from vault_console.screens.form_input import (
    NEW_ROW,
    FormResult,
    RowInput,
    edit_text,
    edited_as_json,
    edited_kind,
    validate_fields,
)
from vault_console.text import (
    DETAIL_LIMIT,
    MASK,
    check_secret_path,
    escape_controls,
    has_unsafe,
    plain,
)
from vault_console.value_kinds import labels
from vault_console.widgets.footer import Footer
from vault_console.widgets.secret_input import SecretInput


class FormRow(Horizontal):
    """A key input and a value input, remembering what the server returned."""

    def __init__(self, key: str, original: Any, *, password: bool) -> None:
        self.original_key = key if original is not NEW_ROW else None
        self.original = original
        text = "" if original is NEW_ROW else edit_text(original)
        # A key with control or bidi characters is shown escaped and kept as it is: an
        # input would send it to the terminal raw.
        self.key_fixed = has_unsafe(key)
        children: list[Widget] = [
            Input(
                value=escape_controls(key) if self.key_fixed else key,
                placeholder="key",
                classes="form-key",
                select_on_focus=False,
                disabled=self.key_fixed,
            ),
            (SecretInput if password else Input)(
                value=text,
                placeholder="value (JSON)" if edited_as_json(original) else "value",
                classes="form-value",
                select_on_focus=False,
            ),
            Button("✕", classes="form-remove", tooltip="Remove this key (ctrl+r)"),
        ]
        # No Tab stop: Tab goes field to field; the keyboard removes a row with ctrl+r.
        children[-1].can_focus = False
        if edited_as_json(original):
            children.append(Label(f"JSON: {edited_kind(original)}", classes="form-kind"))
        super().__init__(*children, classes="form-row")

    @property
    def shown_key(self) -> str:
        """The key as the row shows it (escaped when it holds control characters)."""
        return self.query_one(".form-key", Input).value

    def read(self) -> RowInput:
        key_input = self.query_one(".form-key", Input)
        return RowInput(
            self.original_key or "" if self.key_fixed else key_input.value,
            self.query_one(".form-value", Input).value,
            self.original_key,
            self.original,
        )


Submit = Callable[[FormResult, "FormScreen"], None]
"""Starts the write of a checked form; answers with ``form.dismiss`` or ``form.save_failed``."""


class FormScreen(ModalScreen[FormResult | None]):
    """A dialog whose save writes to the server.

    With a ``submit``, the dialog stays open while the write runs and closes only when it
    succeeded: a refusal (403, 404, a path that exists, a server error) is shown inside it,
    under the fields as they were typed, so nothing is retyped and no field loses its
    state (a rebuilt form would mask typed values again and forget what was edited).
    Without one, Save dismisses with the result.
    """

    ERROR_ID = "form-error"

    def __init__(self, submit: Submit | None) -> None:
        super().__init__()
        self.submit = submit
        self.saving = False

    def submit_result(self, result: FormResult) -> None:
        if self.submit is None:
            self.dismiss(result)
            return
        self.saving = True
        self.query_one(f"#{self.ERROR_ID}", Label).update("Saving…")
        self.refresh_bindings()
        self.submit(result, self)

    def save_failed(self, message: str, *, known: bool = True) -> None:
        """The write was refused: say why here; the input stays as it was. ``known=False``:
        whether it was written is not known (a timeout), so it is not called "Not saved"."""
        self.saving = False
        self.query_one(f"#{self.ERROR_ID}", Label).update(
            plain(f"Not saved. {message}" if known else message, DETAIL_LIMIT, multiline=True)
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # One write at a time: a second ctrl+s while the first runs would send it twice.
        return not (self.saving and action == "save")

    def has_changes(self) -> bool:
        """Whether closing now would lose something typed."""
        return False

    def action_close(self) -> None:
        """Esc, or Cancel: close; with changes, ask first (as the wizard does)."""
        if not self.has_changes():
            self.dismiss(None)
            return
        from vault_console.widgets.dialogs import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                "Discard your changes?",
                "What you typed in this form is not saved. Confirm to close it anyway, or "
                "Cancel to go back to it.",
            ),
            answered,
        )


class KeyValueForm(FormScreen):
    """Edit fields of a secret (values are password inputs) or of custom metadata."""

    BINDINGS = [
        Binding("escape", "close", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("ctrl+n", "add_row", "Add field", id="form.add-row"),
        Binding("ctrl+r", "remove_row", "Remove field", id="form.remove-row"),
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
        submit: Submit | None = None,
    ) -> None:
        super().__init__(submit)
        self.title_text = title
        self.initial = dict(data)
        self.path = path or ""
        self.ask_path = ask_path
        self.secret_values = secret_values
        self.note = note
        self.removed: list[str] = []
        """Keys of the server's rows that the operator removed (shown in the form)."""
        self._start: list[RowInput] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide", id="form"):
            yield Label(plain(self.title_text), classes="dialog-title")
            if self.note:
                yield Label(plain(self.note, DETAIL_LIMIT, multiline=True), classes="hint")
            if self.ask_path:
                yield Input(
                    value=self.path,
                    placeholder="path/in/mount",
                    id="form-path",
                    select_on_focus=False,  # the prefix is typed after, not replaced
                )
            with VerticalScroll(id="form-rows"):
                for key, value in self.initial.items():
                    yield FormRow(str(key), value, password=self.secret_values)
                if not self.initial:
                    yield FormRow("", NEW_ROW, password=self.secret_values)
            yield Label("", id="form-removed", classes="hint")
            yield Label("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Add field", id="add")
                yield Button("Cancel", id="cancel")
        yield Footer()  # the dialog's own keys

    def on_mount(self) -> None:
        # The scroll around the rows is no Tab stop of its own: Tab goes field to field.
        self.query_one("#form-rows", VerticalScroll).can_focus = False
        self.query_one("#form-removed").display = False
        self._start = self.rows()
        if self.ask_path:
            path = self.query_one("#form-path", Input)
            path.focus()
            path.cursor_position = len(path.value)
            return
        if not self.initial:
            # Nothing there yet (set keys, metadata to add): a new row starts with its key.
            keys = [i for i in self.query(".form-key").results(Input) if not i.disabled]
            if keys:
                keys[0].focus()
            return
        values = [i for i in self.query(".form-value").results(Input) if not i.disabled]
        if values:
            values[0].focus()  # `e` is for changing a value: start on the first one

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.has_class("form-remove"):
            row = next(a for a in event.button.ancestors if isinstance(a, FormRow))
            await self.remove_row(row)
        elif event.button.id == "save":
            self.action_save()
        elif event.button.id == "add":
            await self.action_add_row()
        else:
            self.action_close()

    async def action_remove_row(self) -> None:
        """Remove the row the focus is in (ctrl+r): its key is not written back."""
        focused = self.focused
        row = (
            next((a for a in focused.ancestors if isinstance(a, FormRow)), None)
            if focused
            else None
        )
        if row is None:
            self.notify("Put the cursor in the row to remove first", severity="warning")
            return
        await self.remove_row(row)

    async def remove_row(self, row: FormRow) -> None:
        if row.original_key is not None:
            self.removed.append(row.original_key)
        await row.remove()
        listed = self.query_one("#form-removed", Label)
        listed.update(
            plain("Removed on save: " + ", ".join(repr(k) for k in self.removed), DETAIL_LIMIT)
        )
        listed.display = bool(self.removed)
        values = [i for i in self.query(".form-value").results(Input)]
        if values:
            values[-1].focus()

    def has_changes(self) -> bool:
        return (
            bool(self.removed)
            or self.rows() != self._start
            or (self.ask_path and self.query_one("#form-path", Input).value != self.path)
        )

    async def action_add_row(self) -> None:
        row = FormRow("", NEW_ROW, password=self.secret_values)
        # The row's inputs exist only once the mount is done: wait for it, then focus.
        await self.query_one("#form-rows", VerticalScroll).mount(row)
        row.query_one(".form-key", Input).focus()

    def rows(self) -> list[RowInput]:
        return [row.read() for row in self.query(FormRow)]

    def action_save(self) -> None:
        error = self.query_one("#form-error", Label)
        try:
            path = self.path
            if self.ask_path:
                path = check_secret_path("path", self.query_one("#form-path", Input).value)
            data = validate_fields(self.rows(), metadata=not self.secret_values)
            if self.secret_values and not data:
                raise ValueError("fields: a secret needs at least one key")
        except ValueError as exc:
            error.update(plain(exc, DETAIL_LIMIT))
            return
        self.submit_result(FormResult(path, data))


class JsonScreen(FormScreen):
    """The whole secret as JSON: values masked until ``r``; ``e`` edits it as one object.

    For operators who prefer JSON to the form. The text is ASCII JSON (every control, bidi
    or other non-ASCII character escaped), so the editor never draws server data raw, and
    saving parses it back: untouched values come back equal in type and value.
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="json.close"),
        Binding("r", "reveal", "Reveal", id="json.reveal"),
        Binding("ctrl+t", "toggle_values", "Show/hide values", id="json.reveal-editing"),
        Binding("e", "edit", "Edit", id="json.edit"),
        Binding("ctrl+s", "save", "Save", id="json.save"),
    ]
    ERROR_ID = "json-error"

    def __init__(
        self,
        title: str,
        data: dict[str, Any],
        *,
        path: str,
        note: str = "",
        can_edit: bool,
        submit: Submit | None = None,
    ) -> None:
        super().__init__(submit)
        self.title_text = title
        self.data = data
        self.path = path
        self.note = note
        self.can_edit = can_edit
        self.revealed = False
        self.editing = False
        self.behind_masks: dict[str, Any] = dict(data)
        """While editing masked: the value each key's mask stands for (the server's, or
        what was typed while shown). A value left as the mask is saved as this value."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide", id="json-dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            if self.note:
                yield Label(plain(self.note, DETAIL_LIMIT, multiline=True), classes="hint")
            with VerticalScroll(id="json-view-box"):
                yield Static(self._view_text(), id="json-view")
            yield Label("", id="json-error", classes="field-error")
            yield Label(plain(self._keys_hint()), classes="hint", id="json-keys")
        yield Footer()  # the dialog's own keys

    def _keys_hint(self) -> str:
        if self.editing:
            shown = "hide" if self.revealed else "show"
            return (
                f"ctrl+t {shown} values · ctrl+s save · esc close without saving "
                f"(a value left as {MASK} keeps what it stands for)"
            )
        return "r reveal values · " + ("e edit as JSON · " if self.can_edit else "") + "esc close"

    def _view_text(self) -> Text:
        # Masked, each value says what it is (its kind and length), never what it holds.
        kinds = labels(self.data)
        shown = self.data if self.revealed else {k: f"{MASK} {kinds[k]}" for k in self.data}
        # plain() escapes control and bidi characters; the rest reads as it is.
        text = json.dumps(shown, indent=2, ensure_ascii=False)
        return plain(text, DETAIL_LIMIT * 4, multiline=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return self.can_edit and not self.editing
        if action == "reveal":
            return not self.editing  # while editing, r is typed: ctrl+t shows and hides
        if action == "toggle_values":
            return self.editing
        if action == "save":
            return self.editing and not self.saving
        return True

    def has_changes(self) -> bool:
        if not self.editing:
            return False
        try:
            return self._typed() != self.data
        except ValueError:
            return True  # half-typed JSON is a change too

    def _editor_text(self, values: dict[str, Any]) -> str:
        """The editor's JSON: values as they are when revealed, else each one masked.
        ASCII (every control, bidi and non-ASCII character escaped): a TextArea draws raw."""
        shown = values if self.revealed else {key: MASK for key in values}
        # The mask itself is drawn as dots, not as \u2022 escapes.
        return json.dumps(shown, indent=2).replace(json.dumps(MASK), f'"{MASK}"')

    def _typed(self) -> dict[str, Any]:
        """The editor's object, each value left as the mask replaced by what it stands for;
        ValueError names what is wrong."""
        try:
            data = json.loads(self.query_one("#json-editor", TextArea).text)
        except ValueError as exc:
            raise ValueError(f"secret: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or not data:
            raise ValueError("secret: must be a JSON object with at least one key")
        return {
            key: self.behind_masks[key] if value == MASK and key in self.behind_masks else value
            for key, value in data.items()
        }

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self.query_one("#json-view", Static).update(self._view_text())

    def action_toggle_values(self) -> None:
        """Show or hide the values in the editor, keeping what was typed."""
        try:
            values = self._typed()
        except ValueError as exc:
            self.query_one("#json-error", Label).update(
                plain(f"{exc}: fix it before showing or hiding values", DETAIL_LIMIT)
            )
            return
        self.behind_masks = dict(values)
        self.revealed = not self.revealed
        self.query_one("#json-editor", TextArea).text = self._editor_text(values)
        self.query_one("#json-keys", Label).update(plain(self._keys_hint()))

    async def action_edit(self) -> None:
        self.editing = True
        editor = TextArea(self._editor_text(self.data), id="json-editor", soft_wrap=True)
        await self.query_one("#json-view-box", VerticalScroll).remove()
        await self.query_one("#json-dialog", Vertical).mount(editor, before="#json-error")
        self.query_one("#json-keys", Label).update(plain(self._keys_hint()))
        editor.focus()
        self.refresh_bindings()

    def action_save(self) -> None:
        try:
            data = self._typed()
        except ValueError as exc:
            self.query_one("#json-error", Label).update(plain(exc, DETAIL_LIMIT))
            return
        self.submit_result(FormResult(self.path, data))
