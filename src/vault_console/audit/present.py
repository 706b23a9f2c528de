"""An audit request as the Audit tab shows it: a table row and its details (no Textual).

Every field is server data: cells are plain Text (never markup) with controls escaped,
and the details are JSON with ``ensure_ascii``, which escapes every control and bidi
character in the entry's strings.
"""

from __future__ import annotations

import json
from typing import Any

from rich.syntax import Syntax
from rich.text import Text

from vault_console.audit.reader import AuditEntry, AuditPair
from vault_console.text import escape_controls, plain

ENTRY_JSON_LIMIT = 20_000
"""Characters of one entry the details pane lays out."""


def cells(found: AuditPair, *, with_node: bool = False) -> list[Text]:
    first = found.first
    result = "error" if found.error else ("ok" if found.answered else "…")
    parts = [found.request, found.response]
    if found.copy is not None:
        parts += [found.copy.request, found.copy.response]
    if any(entry is not None and entry.findings for entry in parts):
        result += " ⚠"
    row = [
        plain(first.time[:19].replace("T", " ")),
        plain(first.operation),
        plain(first.path),
        plain(first.display_name),
        plain(first.remote_address),
        plain(result),
        plain(first.namespace or "root"),
    ]
    return [plain(found.where), *row] if with_node else row


def _notes(entry: AuditEntry) -> list[str]:
    notes = [escape_controls(f"FINDING: {f}") for f in entry.findings]
    if entry.plain_scalars:
        notes.append(
            escape_controls(
                "Plain by design: Vault logs numbers, booleans and times unhashed ("
                + ", ".join(entry.plain_scalars)
                + ")"
            )
        )
    if entry.bad_utf8:
        notes.append(f"Line {entry.line} had invalid UTF-8 (replaced with �)")
    if entry.too_deep:
        notes.append(
            f"Line {entry.line}: parts of the body are nested too deep to show; the "
            "request's own fields (time, path, operation, caller, result) are read"
        )
    return notes


def _body(found: AuditPair) -> dict[str, Any]:
    body: dict[str, Any] = {"node": found.node} if found.node else {}
    body["request"] = found.request.raw if found.request else None
    body["response"] = found.response.raw if found.response else None
    return body


def details(found: AuditPair) -> Syntax:
    """The request and response as logged (plaintext masked), with notes on top."""
    notes: list[str] = []
    for part in (found, found.copy):
        for entry in (part.request, part.response) if part else ():
            if entry is not None:
                notes.extend(_notes(entry))
    body = _body(found)
    if found.copy is not None:
        notes.append(
            escape_controls(
                f"{found.node} handed this request on to {found.copy.node}, the active node, "
                "which logged it under another request id; the result is its answer"
            )
        )
        body["handed on to"] = _body(found.copy)
    text = json.dumps(body, indent=2, ensure_ascii=True)
    if len(text) > ENTRY_JSON_LIMIT:
        text = text[:ENTRY_JSON_LIMIT] + f"\n… ({len(text) - ENTRY_JSON_LIMIT} more characters)"
    return Syntax(
        "\n".join(f"# {n}" for n in notes) + ("\n" if notes else "") + text,
        "json",
        word_wrap=True,
    )
