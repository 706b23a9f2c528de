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
}
HELP = "path:PREFIX exact:P,P op:read mount:M addr:IP token:T since:7d until:TIME hmac:V errors"
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


def parse_query(text: str, now: datetime | None = None) -> Query:
    """Words ``key:value`` and the flag ``errors``; a bare word is a path prefix.

    Raises ValueError naming the bad word and the reason.
    """
    now = now or datetime.now(UTC)
    query = Query()
    seen: set[str] = set()
    for word in text.split():
        if word == "errors":
            query = replace(query, errors_only=True)
            continue
        key, sep, value = word.partition(":")
        if not sep:
            key, value = "path", word
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
            parsed = tuple(p.strip("/") for p in value.split(",") if p.strip("/"))
            if not parsed:
                raise ValueError(f"query: exact: {value!r} names no path")
        elif key == "op" and value not in OPERATIONS:
            raise ValueError(
                f"query: op: {value!r} is not a Vault operation ({', '.join(OPERATIONS)})"
            )
        elif key in ("since", "until"):
            parsed = _time(key, value, now)
        query = replace(query, **{_KEYS[key]: parsed})
    if query.since and query.until and query.since > query.until:
        raise ValueError(f"query: since: {query.since} is after until: {query.until}")
    return query


def to_text(query: Query) -> str:
    """The query as a line that parses back to the same query (the times absolute)."""
    words = []
    for key, name in _KEYS.items():
        value = getattr(query, name)
        if value:
            words.append(f"{key}:{','.join(value) if key == 'exact' else value}")
    if query.errors_only:
        words.append("errors")
    return " ".join(words)
