"""Which actions a token may not take, from one ``sys/capabilities-self`` call (a read,
allowed in read-only mode), each with the reason the screens show before the user tries:
``this token lacks update on sys/audit-hash/file``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Needs = Mapping[str, Sequence[tuple[str, str]]]
"""action -> the (capability, path) pairs it needs."""


def denied_by(
    needs: Needs,
    capabilities: Callable[[list[str]], Mapping[str, Any]],
    any_of: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """The actions of ``needs`` the token may not take, with the first missing pair as the
    reason. An action in ``any_of`` needs one of its pairs, the others all of them."""
    have = capabilities(sorted({path for wanted in needs.values() for _, path in wanted}))
    denied = {}
    for action, wanted in needs.items():
        missing = [
            (cap, where)
            for cap, where in wanted
            if not {cap, "root", "sudo"} & set(have.get(where) or ())
        ]
        if action in any_of and len(missing) < len(wanted):
            continue
        if missing:
            cap, where = missing[0]
            denied[action] = f"this token lacks {cap} on {where}"
    return denied
