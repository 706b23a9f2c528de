"""The audit view's one-line query: ``path:ai-models/ op:read errors since:7d``.

Every value is checked here, so a query either means exactly what it says or is refused
with the reason: times are RFC 3339 (or a date, or a duration back from now), ``op:`` takes
Vault's operation names only, and a key given twice is refused rather than last-wins.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from vault_console.audit.reader import Query

_KEYS = {
    "path": "path_prefix",
    "exact": "paths",
    "op": "operation",
    "mount": "mount",
    "addr": "remote_address",
    "token": "token",
    "since": "since",
    "until": "until",
    "hmac": "hmac",
    "ns": "namespace",
}
HELP = (
    "path:PREFIX exact:P,P op:read mount:M addr:IP token:T since:7d until:TIME hmac:V "
    "ns:NS|root|* errors"
)
"""The query line's placeholder (the README lists what each key takes)."""

OPERATIONS = (
    "create",
    "read",
    "update",
    "patch",
    "delete",
    "list",
    "help",
    "alias-lookahead",
    "resolve-role",
    "header",
    "rollback",
    "renew",
    "revoke",
)
"""Vault's logical operations, as its audit log writes them (``request.operation``)."""

_DURATION = re.compile(r"(\d{1,6})([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _time(key: str, value: str, now: datetime) -> str:
    """An RFC 3339 time, a date or a duration back from ``now``, as Vault writes times
    (UTC, ``Z``), so they compare as text with the log's."""
    duration = _DURATION.fullmatch(value)
    if duration:
        moment = now - timedelta(**{_UNITS[duration[2]]: int(duration[1])})
    elif _DATE.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            raise ValueError(f"query: {key}: {value!r} is not a real date") from None
    else:
        try:
            parsed: datetime | None = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None or "T" not in value.upper():
            raise ValueError(
                f"query: {key}: {value!r} is not an RFC 3339 time with a zone "
                "(2026-11-28T09:00:00Z), a date (2026-11-28) or a duration (30m, 1h, 7d, 2w)"
            )
        moment = parsed
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Char = tuple[str, bool]
"""One character of the line, and whether it was inside quotes."""


def _words(text: str) -> list[list[Char]]:
    """The line's words: whitespace outside quotes separates them. ``"…"`` quotes any
    character (spaces, commas, colons), with ``\\"`` and ``\\\\`` inside."""
    words: list[list[Char]] = []
    word: list[Char] | None = None
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            word = None
            position += 1
            continue
        if word is None:
            word = []
            words.append(word)
        if char != '"':
            word.append((char, False))
            position += 1
            continue
        position += 1
        while True:
            if position >= len(text):
                raise ValueError('query: a quote is not closed (" opens and closes a value)')
            char = text[position]
            if char == '"':
                position += 1
                break
            if char == "\\" and position + 1 < len(text):
                position += 1
                char = text[position]
            word.append((char, True))
            position += 1
    return words


def _split(chars: list[Char], separator: str) -> list[str]:
    """``chars`` cut at each ``separator`` outside quotes."""
    parts: list[list[str]] = [[]]
    for char, quoted in chars:
        if char == separator and not quoted:
            parts.append([])
        else:
            parts[-1].append(char)
    return ["".join(part) for part in parts]


def parse_query(text: str, now: datetime | None = None) -> Query:
    """Words ``key:value`` and the flag ``errors``; a bare word is a path prefix. A value
    in double quotes may hold spaces, commas and colons (``exact:"a,b"``).

    Raises ValueError naming the bad word and the reason.
    """
    now = now or datetime.now(UTC)
    query = Query()
    seen: set[str] = set()
    for chars in _words(text):
        word = "".join(char for char, _ in chars)
        if chars == [(c, False) for c in "errors"]:
            query = replace(query, errors_only=True)
            continue
        head = _split(chars, ":")
        if len(head) > 1:
            key = head[0]
            rest = chars[len(key) + 1 :]
        else:
            key, rest = "path", chars
        value = "".join(char for char, _ in rest)
        if key not in _KEYS:
            raise ValueError(
                f"query: unknown key {key!r} in {word!r} (known: {', '.join(_KEYS)}, errors)"
            )
        if key in seen:
            raise ValueError(f"query: {key}: given twice; give it once")
        seen.add(key)
        if not value:
            raise ValueError(f"query: {key}: needs a value")
        parsed: Any = value
        if key == "path":
            parsed = value.lstrip("/")
        elif key == "exact":
            parsed = tuple(p.strip("/") for p in _split(rest, ",") if p.strip("/"))
            if not parsed:
                raise ValueError(f"query: exact: {value!r} names no path")
        elif key == "op" and value not in OPERATIONS:
            raise ValueError(
                f"query: op: {value!r} is not a Vault operation ({', '.join(OPERATIONS)})"
            )
        elif key in ("since", "until"):
            parsed = _time(key, value, now)
        elif key == "ns":
            # root: the root namespace; *: every namespace (only when asked: otherwise the
            # view answers about the session's namespace).
            parsed = "" if value == "root" else value if value == "*" else value.strip("/")
        query = replace(query, **{_KEYS[key]: parsed})
    if query.since and query.until and query.since > query.until:
        raise ValueError(f"query: since: {query.since} is after until: {query.until}")
    return query


def quoted(value: str) -> str:
    """``value`` as the query line writes it: in quotes when it holds a space, a comma,
    a colon, a quote or a backslash, so it reads back as exactly that value."""
    if value and not any(c.isspace() or c in ',:"\\' for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_text(query: Query) -> str:
    """The query as a line that parses back to the same query (the times absolute)."""
    words = []
    for key, name in _KEYS.items():
        value = getattr(query, name)
        if key == "ns" and value is not None:
            words.append(f"ns:{quoted(value) if value else 'root'}")
        elif value:
            shown = ",".join(quoted(p) for p in value) if key == "exact" else quoted(value)
            words.append(f"{key}:{shown}")
    if query.errors_only:
        words.append("errors")
    return " ".join(words)
