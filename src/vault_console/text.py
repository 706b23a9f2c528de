"""Small pure helpers for what the screens show: masks, durations, times, path filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from vault_console.escaping import UNSAFE
from vault_console.escaping import escape_controls as escape_controls  # for the screens
from vault_console.escaping import has_unsafe as has_unsafe

MASK = "•" * 8
"""Every hidden value looks the same, so the mask tells nothing about its length."""

CELL_LIMIT = 200
"""Characters a table cell, tree label or one-line label shows of one value."""
DETAIL_LIMIT = 5000
"""Characters a details pane or dialog shows of one value."""


def json_kind(value: Any) -> str:
    """The JSON type of a KV value: string, number, boolean, null, array or object."""
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def plain(
    value: Any,
    limit: int = CELL_LIMIT,
    *,
    multiline: bool = False,
    style: str = "",
) -> Text:
    """Data from a server, a file or a user, ready to draw: never parsed as markup.

    Every string that did not come from this code goes through here (tables, trees,
    labels, dialogs, notifications). It is escaped (see ``escape_controls``), and cut to
    ``limit`` characters with an ellipsis for display only; the data itself is untouched.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return Text(escape_controls(text, keep_newlines=multiline), style=style, end="")


def plain_str(value: Any, limit: int = CELL_LIMIT) -> str:
    """``plain`` as a ``str`` for places that take no ``Text``, such as a notification
    shown with ``markup=False``."""
    return plain(value, limit, multiline=True).plain


def counted(n: int, word: str, many: str | None = None) -> str:
    """``1 secret``, ``3 secrets``, ``2 objects``; ``many`` for irregular plurals."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def format_ttl(seconds: int | None) -> str:
    """``None`` (no expiry) is ∞; otherwise the two largest units: ``1h05m``, ``42s``."""
    if seconds is None:
        return "∞"
    days, rest = divmod(max(0, seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_time(rfc3339: str) -> str:
    """Vault's nanosecond RFC 3339 time as ``2026-11-28 17:43:40Z``; '' stays ''."""
    if not rfc3339:
        return ""
    try:
        stamp = datetime.fromisoformat(rfc3339[:19]).replace(tzinfo=UTC)
    except ValueError:
        return rfc3339
    return stamp.strftime("%Y-%m-%d %H:%M:%SZ")


def check_secret_path(field: str, path: str) -> str:
    """A secret path relative to its mount, or a ValueError naming ``field`` and the reason."""
    path = path.strip()
    if not path:
        raise ValueError(f"{field}: is empty")
    if path.startswith("/") or path.endswith("/"):
        raise ValueError(f"{field}: must not start or end with '/' ({path!r})")
    for segment in path.split("/"):
        if segment in {"", ".", ".."}:
            raise ValueError(
                f"{field}: has an empty, '.' or '..' segment ('{escape_controls(path)}')"
            )
        # Any other character is a valid path to the server except these (it refuses them).
        if UNSAFE.search(segment):
            raise ValueError(
                f"{field}: segment '{escape_controls(segment)}' holds a control, bidi or "
                "invisible character"
            )
    return path


class PathIndex:
    """Loaded secret paths for the filter: kept in load order, each one once.

    Lower-cased copies are made once when a path is added, and a query that extends the
    previous one searches only the previous matches, so typing forward gets cheaper.
    """

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._lowered: list[str] = []
        self._known: set[str] = set()
        self._last: tuple[str, list[int]] = ("", [])

    def __len__(self) -> int:
        return len(self.paths)

    def add(self, path: str) -> None:
        if path not in self._known:
            self._known.add(path)
            self.paths.append(path)
            self._lowered.append(path.lower())
            self._last = ("", [])

    def search(self, query: str, limit: int) -> tuple[list[str], int]:
        """Paths containing every word of ``query`` (case-insensitive): the first
        ``limit`` matches, and how many matched in all."""
        query = query.lower()
        words = query.split()
        if not words:
            return self.paths[:limit], len(self.paths)
        last_query, last_hits = self._last
        # Extending the query can only drop matches: each new word contains an old one.
        if last_query and query.startswith(last_query):
            candidates: list[int] | range = last_hits
        else:
            candidates = range(len(self._lowered))
        lowered = self._lowered
        if len(words) == 1:
            word = words[0]
            hits = [i for i in candidates if word in lowered[i]]
        else:
            hits = [i for i in candidates if all(w in lowered[i] for w in words)]
        self._last = (query, hits)
        return [self.paths[i] for i in hits[:limit]], len(hits)


def namespace_name(namespace: str | None) -> str:
    """A namespace as the screens name it: ``team-a/prod``, or ``root`` when none is set."""
    return (namespace or "").strip("/") or "root"
