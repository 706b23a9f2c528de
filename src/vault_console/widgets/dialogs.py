"""Small modal screens; each returns a typed answer through ``dismiss``."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from vault_console.errors import ConsoleError
from vault_console.text import DETAIL_LIMIT, MASK, plain
from vault_console.vault.model import KeyChange
from vault_console.widgets.footer import Footer


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no before a change; a dangerous one needs a typed word."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal.cancel")]

    def __init__(self, title: str, detail: str, confirm_word: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail
        self.confirm_word = confirm_word

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self.detail, DETAIL_LIMIT, multiline=True), classes="dialog-body")
            if self.confirm_word:
                yield Label(plain(f"Type {self.confirm_word!r} to confirm:"))
                yield Input(id="confirm-word")
                yield Label("", id="confirm-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Confirm", variant="error", id="yes")
                yield Button("Cancel", id="no")
        yield Footer()  # the dialog's own keys

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "no":
            self.dismiss(False)
            return
        if self.confirm_word:
            typed = self.query_one("#confirm-word", Input).value.strip()
            if typed != self.confirm_word:
                said = (
                    f"you typed {typed!r}, not {self.confirm_word!r}"
                    if typed
                    else (f"type {self.confirm_word!r} first")
                )
                self.query_one("#confirm-error", Label).update(
                    plain(f"Nothing was done: {said}. Type it exactly, or Cancel.", DETAIL_LIMIT)
                )
                return
        self.dismiss(True)

    def on_input_submitted(self) -> None:
        self.query_one("#yes", Button).press()

    def action_cancel(self) -> None:
        self.dismiss(False)


class ErrorScreen(ModalScreen[bool]):
    """An error with its title; returns True when the user asks to retry."""

    BINDINGS = [
        Binding("escape", "dismiss(False)", "Close", id="modal.close"),
        Binding("r", "dismiss(True)", "Retry", id="modal.retry"),
    ]

    def __init__(self, error: ConsoleError, can_retry: bool) -> None:
        super().__init__()
        self.error = error
        self.can_retry = can_retry and error.retryable

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # No "r Retry" in the footer (nor a key that does it) where retrying cannot help.
        if action == "dismiss" and parameters == (True,):
            return self.can_retry
        return True

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -error"):
            yield Label(plain(self.error.title), classes="dialog-title")
            yield Static(
                plain(self.error.message, DETAIL_LIMIT, multiline=True), classes="dialog-body"
            )
            with Horizontal(classes="dialog-buttons"):
                if self.can_retry:
                    yield Button("Retry", variant="primary", id="retry")
                yield Button("Close", id="close")
        yield Footer()  # the dialog's own keys

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "retry")


class PromptScreen(ModalScreen[str | None]):
    """Ask for one value; ``check`` returns it cleaned or raises ValueError with the reason."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="modal.cancel")]

    def __init__(
        self,
        title: str,
        placeholder: str = "",
        value: str = "",
        check: Callable[[str], str] | None = None,
        password: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.value = value
        self.check = check
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield Input(
                value=self.value, placeholder=self.placeholder, password=self.password, id="prompt"
            )
            yield Label("", id="prompt-error", classes="field-error")
        yield Footer()  # the dialog's own keys

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            value = self.check(event.value) if self.check else event.value
        except ValueError as exc:
            self.query_one("#prompt-error", Label).update(plain(exc, DETAIL_LIMIT))
            return
        self.dismiss(value)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of several options by id."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="modal.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-title")
            yield OptionList(*(Option(plain(label), id=key) for key, label in self.choices))
        yield Footer()  # the dialog's own keys

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class HelpScreen(ModalScreen[None]):
    """Every key binding: those of where help was asked for first (rows: key, action, where)."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="modal.close"),
        Binding("question_mark", "dismiss", "Close", show=False, id="modal.close-help"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide"):
            yield Label("Key bindings", classes="dialog-title")
            table: DataTable[Text] = DataTable(cursor_type="row", id="help-table")
            table.add_columns("Key", "Action", "Where")
            for row in self.rows:  # key displays such as "[" would be markup as str
                table.add_row(*(plain(cell) for cell in row))
            yield table
            yield Static("Every action is also in the command palette (ctrl+p).", classes="hint")
        yield Footer()  # the dialog's own keys


class ConflictScreen(ModalScreen[str]):
    """A write was refused because the secret changed (check-and-set on KV v2, a re-read
    on KV v1, when ``loaded_version`` is None); answers "reload" or "keep"."""

    BINDINGS = [Binding("escape", "dismiss('keep')", "Back to my edits", id="modal.cancel")]

    def __init__(self, path: str, loaded_version: int | None) -> None:
        super().__init__()
        self.path = path
        self.loaded_version = loaded_version

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -error", id="conflict"):
            yield Label("Changed by someone else", classes="dialog-title")
            yield Static(
                plain(
                    (
                        f"{self.path} has a newer version than version {self.loaded_version}, "
                        "which your edit started from. The server refused the write "
                        "(check-and-set) and nothing was overwritten."
                        if self.loaded_version is not None
                        else f"{self.path} changed since you opened it: KV v1 keeps no "
                        "versions, so it was read again just before saving, and it differed. "
                        "Nothing was written."
                    )
                    + "\n\nReload to see the current version and discard your edit, or "
                    "go back to your edit.",
                    DETAIL_LIMIT,
                    multiline=True,
                ),
                classes="dialog-body",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Reload", variant="primary", id="reload")
                yield Button("Back to my edit", id="keep")
        yield Footer()  # the dialog's own keys

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss("reload" if event.button.id == "reload" else "keep")


class DiffScreen(ModalScreen[None]):
    """Per-key changes between two versions; values stay masked."""

    BINDINGS = [Binding("escape", "dismiss", "Close", id="modal.close")]

    def __init__(
        self, path: str, old: int, new: int, changes: list[KeyChange], note: str = ""
    ) -> None:
        super().__init__()
        self.path = path
        self.old = old
        self.new = new
        self.changes = changes
        self.note = note
        """Why no fingerprints show, when none do."""

    def compose(self) -> ComposeResult:
        marks = {"added": "+", "removed": "-", "changed": "~", "same": " "}
        with Vertical(classes="dialog -wide"):
            yield Label(
                plain(f"{self.path}: version {self.old} → {self.new}"), classes="dialog-title"
            )
            table: DataTable[str | Text] = DataTable(cursor_type="row", id="diff-table")
            table.add_columns("", "Key", "Change", f"v{self.old}", f"v{self.new}")
            for change in self.changes:
                # What each value is (its kind and length), never what it holds.
                old_cell = "" if change.status == "added" else plain(change.old_label or MASK)
                new_cell = "" if change.status == "removed" else plain(change.new_label or MASK)
                table.add_row(
                    marks[change.status], plain(change.key), change.status, old_cell, new_cell
                )
                if change.old_fingerprint or change.new_fingerprint:
                    # The audit log's HMACs: search either one in the Audit tab.
                    table.add_row(
                        "",
                        "",
                        "hmac",
                        plain(change.old_fingerprint or "-"),
                        plain(change.new_fingerprint or "-"),
                    )
            yield table
            if self.note:
                yield Label(plain(self.note, DETAIL_LIMIT, multiline=True), classes="hint")
        yield Footer()  # the dialog's own keys
