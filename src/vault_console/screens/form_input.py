"""What an edit form's rows become: each value typed back into its original type (a
number stays a number, JSON stays JSON), untouched ones exactly as the server sent them,
and every problem named by its row. No Textual: the forms in ``edit.py`` use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from vault_console.text import has_unsafe, json_kind


@dataclass(frozen=True)
class FormResult:
    """What the form returns: the path (for a new secret) and the fields."""

    path: str
    data: dict[str, Any] = field(repr=False)


NEW_ROW = object()
"""The original value of a row the user added."""


def edit_text(value: Any) -> str:
    """How a value is shown for editing: a one-line string as it is, anything else (and a
    string with line breaks, which an input cannot hold) as JSON text.

    An input draws its text raw, so text holding control or bidi characters is JSON with
    every non-ASCII character escaped: it reads safely and parses back to the same value.
    """
    if isinstance(value, str) and not has_unsafe(value):
        return value
    text = json.dumps(value, ensure_ascii=False)
    return json.dumps(value) if has_unsafe(text) else text


def edited_as_json(value: Any) -> bool:
    return value is not NEW_ROW and edit_text(value) != value


@dataclass
class RowInput:
    """One form row as typed, with the key and value the server returned for it."""

    key: str
    text: str
    original_key: str | None = None
    original: Any = NEW_ROW


REMOVE_HINT = "remove a key with its ✕ (or ctrl+r in its row)"


def validate_fields(rows: list[RowInput], *, metadata: bool = False) -> dict[str, Any]:
    """The data to write, or a ValueError naming the field and the reason.

    A row whose text is what the form showed sends back the server's value itself, type
    and all; a changed JSON-edited row is parsed back to JSON. Emptying a row never
    removes its key unseen: that is the row's ✕, which the form lists.
    """
    data: dict[str, Any] = {}
    for number, row in enumerate(rows, start=1):
        key = row.key.strip()
        name = f"field {number} ({key})" if key else f"field {number}"
        if not key and not row.text:
            if row.original_key is not None:
                raise ValueError(
                    f"field {number}: key and value are empty; to remove "
                    f"{row.original_key!r}, {REMOVE_HINT}"
                )
            continue
        if not key:
            raise ValueError(f"{name}: the key is empty")
        if key in data:
            raise ValueError(f"{name}: key {key!r} is given twice")
        if row.original is not NEW_ROW and row.text == edit_text(row.original):
            data[key] = row.original  # untouched: exactly as the server returned it
            continue
        if edited_as_json(row.original):
            try:
                value = json.loads(row.text)
            except ValueError as exc:
                raise ValueError(
                    f"{name}: not valid JSON ({exc.args[0].split(':')[0]}); this field holds "
                    f"{edited_kind(row.original)} and is edited as JSON"
                ) from None
            if isinstance(row.original, str) and not isinstance(value, str):
                raise ValueError(f"{name}: {edited_kind(row.original)} is edited as a JSON string")
            data[key] = value
            continue
        if not row.text:
            why = (
                "custom_metadata values cannot be empty (Vault refuses them)"
                if metadata
                else ("the value is empty")
            )
            raise ValueError(f"{name}: {why}; {REMOVE_HINT}")
        data[key] = row.text
    return data


def edited_kind(value: Any) -> str:
    """What a JSON-edited value is, for the row's label and errors."""
    if isinstance(value, str):
        if "\n" in value or "\r" in value:
            return "a multi-line string"
        return "a string with control or bidi characters"
    kind = json_kind(value)
    return kind if kind == "null" else ("an " if kind[0] in "ao" else "a ") + kind
