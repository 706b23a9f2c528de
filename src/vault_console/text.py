"""Small pure helpers for what the screens show: masks, durations, times, path filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

MASK = "•" * 8
"""Every hidden value looks the same, so the mask tells nothing about its length."""

_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9._@+=,:-]+$")


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
            raise ValueError(f"{field}: has an empty, '.' or '..' segment ({path!r})")
        if not _PATH_SEGMENT.match(segment):
            raise ValueError(
                f"{field}: segment {segment!r} may only hold letters, digits and ._@+=,:-"
            )
    return path


def filter_paths(paths: list[str], query: str, limit: int) -> tuple[list[str], int]:
    """Paths containing every word of ``query`` (case-insensitive): the first ``limit``
    matches, and how many matched in all."""
    words = query.lower().split()
    if not words:
        return paths[:limit], len(paths)
    if len(words) == 1:
        # One word is the common case; a comprehension over str.__contains__ is
        # several times faster than a generic all() per path.
        word = words[0]
        matches = [p for p in paths if word in p.lower()]
    else:
        matches = [p for p in paths if all(w in p.lower() for w in words)]
    return matches[:limit], len(matches)
