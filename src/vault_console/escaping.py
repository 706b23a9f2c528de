"""Escaping of untrusted text before it reaches a terminal; standard library only, so the
settings and IO layers use it as well as the screens (``text.plain``)."""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls; bidi embeddings, overrides and isolates; the implicit
# direction marks; zero-width characters; line and paragraph separators. A terminal acts
# on the first group (ESC starts OSC 52 clipboard writes, OSC 0 titles) and the rest can
# make text read differently from what it is.
_OTHER = "\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
UNSAFE = re.compile(f"[\x00-\x1f{_OTHER}]")
UNSAFE_KEEPING_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHER}]")
"""As UNSAFE, but newlines and tabs pass: for multi-line views."""


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi and invisible character written as ``\\xNN`` or
    ``\\uNNNN``, so nothing reaches the terminal that the console did not draw."""
    return (UNSAFE_KEEPING_LINES if keep_newlines else UNSAFE).sub(_escape_one, text)


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character ``escape_controls`` would escape (newlines too)."""
    return UNSAFE.search(text) is not None
