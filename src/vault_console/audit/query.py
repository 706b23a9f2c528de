"""The audit view's one-line query: ``path:ai-models/ op:read errors since:2026-11-28``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vault_console.audit.reader import Query

_KEYS = {
    "path": "path_prefix",
    "op": "operation",
    "mount": "mount",
    "addr": "remote_address",
    "token": "token",
    "since": "since",
    "until": "until",
    "hmac": "hmac",
}
HELP = "path:PREFIX op:read mount:NAME addr:IP token:ACCESSOR|NAME since:TIME until:TIME hmac:VALUE errors"


def parse_query(text: str) -> Query:
    """Words ``key:value`` and the flag ``errors``; a bare word is a path prefix.

    Raises ValueError naming the bad word.
    """
    query = Query()
    for word in text.split():
        if word == "errors":
            query = replace(query, errors_only=True)
            continue
        key, sep, value = word.partition(":")
        if not sep:
            query = replace(query, path_prefix=word)
            continue
        if key not in _KEYS:
            raise ValueError(
                f"query: unknown key {key!r} in {word!r} (known: {', '.join(_KEYS)}, errors)"
            )
        if not value:
            raise ValueError(f"query: {key}: needs a value")
        if key == "path" and value.startswith("/"):
            value = value.lstrip("/")
        changes: dict[str, Any] = {_KEYS[key]: value}
        query = replace(query, **changes)
    return query


def to_text(query: Query) -> str:
    words = [f"{k}:{getattr(query, f)}" for k, f in _KEYS.items() if getattr(query, f)]
    if query.errors_only:
        words.append("errors")
    return " ".join(words)
