"""A JSON reader that never recurses: for audit lines the standard parser gives up on.

Python's ``json`` module recurses once per level of nesting, so a line nested a few
hundred levels deep raises RecursionError, and an integer of a million digits raises
ValueError. Vault and OpenBao log such request bodies as they were sent (Go's decoder
accepts 10,000 levels), so a client allowed one write could hide it from a reader that
skips what it cannot parse. This reader keeps an explicit stack instead: it builds the
first ``keep_depth`` levels (where the fields that identify a request live) and stands a
marker in for anything deeper, so the request's time, path, operation, caller and error
are read whatever its body holds. A line deeper than any server accepts is refused.
"""

from __future__ import annotations

import json
import re
from typing import Any


class TooDeep(str):
    """Stands in for a value nested deeper than was kept (a ``str``: it prints as one)."""

    __slots__ = ()


TOO_DEEP = TooDeep("[too deep to show]")
KEEP_DEPTH = 32
"""Levels built: an audit entry's identifying fields are three or four levels down."""
MAX_DEPTH = 12_000
"""Deeper than Go's JSON decoder (10,000 levels) lets any server accept: not a real line."""
MAX_DIGITS = 4_000
"""Longer numbers are kept as text (Python refuses to convert past 4,300 digits)."""

_TOKEN = re.compile(
    r"\s*(?:(?P<open>[\[{])|(?P<close>[\]}])|(?P<comma>,)|(?P<colon>:)"
    r'|(?P<str>"(?:[^"\\]|\\.)*")|(?P<lit>true|false|null)'
    r"|(?P<num>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?))",
    re.DOTALL,
)
_STRUCTURE = re.compile(r'[\[\]{}"]')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class ShallowError(ValueError):
    """Not JSON, or nested deeper than any server accepts."""


def loads(text: str, keep_depth: int = KEEP_DEPTH, max_depth: int = MAX_DEPTH) -> Any:
    """``text`` as Python values, containers below ``keep_depth`` levels as TOO_DEEP."""
    stack: list[tuple[Any, list[str | None]]] = []
    """Open containers, each with the key waiting for its value (objects)."""
    position = 0
    while True:
        found = _TOKEN.match(text, position)
        if found is None:
            raise ShallowError(f"not JSON at column {position + 1}")
        position = found.end()
        kind = found.lastgroup or ""
        value: Any
        if kind == "open":
            if len(stack) >= keep_depth:
                position = _skip(text, found.end() - 1, max_depth - len(stack))
                value = TOO_DEEP
            else:
                stack.append(({} if found.group(kind) == "{" else [], [None]))
                continue
        elif kind == "close":
            if not stack:
                raise ShallowError(f"unbalanced {found.group(kind)!r}")
            value, _ = stack.pop()
        elif kind in ("comma", "colon"):
            continue  # structure is checked loosely: the fields read matter, not the form
        elif kind == "str":
            value = json.loads(found.group(kind))  # escapes decoded at C speed
        elif kind == "lit":
            value = _LITERALS[found.group(kind)]
        else:
            value = _number(found.group(kind))
        if not stack:
            if text[position:].strip():
                raise ShallowError(f"extra data at column {position + 1}")
            return value
        container, pending = stack[-1]
        if isinstance(container, list):
            container.append(value)
        elif pending[0] is None:
            if not isinstance(value, str) or isinstance(value, TooDeep):
                raise ShallowError(f"an object key that is not a string near column {position}")
            pending[0] = value
        else:
            container[pending[0]] = value
            pending[0] = None


def _skip(text: str, start: int, budget: int) -> int:
    """The position after the container opening at ``start``, without building it."""
    depth = 0
    position = start
    while True:
        found = _STRUCTURE.search(text, position)
        if found is None:
            raise ShallowError("a container that is never closed")
        char = found.group()
        if char == '"':
            string = _STRING.match(text, found.start())
            if string is None:
                raise ShallowError("a string that is never closed")
            position = string.end()
            continue
        position = found.end()
        depth += 1 if char in "[{" else -1
        if depth > budget:
            raise ShallowError(f"nested deeper than {MAX_DEPTH} levels (no server accepts that)")
        if depth == 0:
            return position


def _number(text: str) -> Any:
    if len(text) > MAX_DIGITS:
        return f"[a number of {len(text)} characters]"
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


def too_deep(value: Any) -> bool:
    """Whether ``value`` holds a TOO_DEEP marker anywhere (it is at most KEEP_DEPTH deep)."""
    if isinstance(value, TooDeep):
        return True
    if isinstance(value, dict):
        return any(too_deep(v) for v in value.values())
    if isinstance(value, list):
        return any(too_deep(v) for v in value)
    return False
