"""The mode that cannot show values (``--no-values``, ``values = false`` on a profile),
enforced in the transport like read-only: a request that could return a secret value
never leaves the process.

An allow-list, not a deny-list: a path not named here is refused, so an engine or
endpoint added later is refused until it is known to return no value.
"""

from __future__ import annotations

import re

from vault_console.errors import ValuesOff
from vault_console.vault.readonly import READ_ONLY_POSTS

_SEGMENT = r"[^/?]+(?:/[^/?]+)*?"

READS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"^/?v1/sys/(?!raw(/|$)|wrapping/)[^?]*$",  # server state, mounts, policies, audit
        r"^/?v1/auth/token/lookup-self$",
        rf"^/?v1/{_SEGMENT}/metadata(/[^?]*)?$",  # KV v2 metadata: versions, custom metadata
        rf"^/?v1/{_SEGMENT}/subkeys(/[^?]*)?$",  # KV v2 keys without values
    )
)
"""GET paths that return no secret value."""

WRITES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(rf"^/?v1/{_SEGMENT}/(data|metadata|delete|undelete|destroy)(/[^?]*)?$") for _ in (0,)
)
"""KV v2 writes (their answers carry version numbers, never a value): a PATCH of one key
works without reading the others."""


def no_values_guard(method: str, path: str) -> None:
    """Raise ValuesOff unless (method, path) returns no value."""
    method = method.upper()
    bare = path.split("?", 1)[0]
    if method == "LIST" or "list=true" in path.partition("?")[2]:
        return  # names only
    if method in ("GET", "HEAD"):
        if any(p.match(bare) for p in READS):
            return
    elif (method == "POST" and any(p.match(bare) for p in READ_ONLY_POSTS)) or (
        method in ("PUT", "POST", "PATCH", "DELETE") and any(p.match(bare) for p in WRITES)
    ):
        return
    raise ValuesOff(method, bare)
