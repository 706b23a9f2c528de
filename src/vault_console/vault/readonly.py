"""Read-only mode, enforced in the transport: a request must be on the allow-list to leave.

Reads are GET, LIST and HEAD. A few POST endpoints only read (they take their input in
the body); those are named here one by one. Everything else is refused before it is sent.
"""

from __future__ import annotations

import re

from vault_console.errors import ReadOnlyViolation

READ_METHODS = frozenset({"GET", "LIST", "HEAD"})

READ_ONLY_POSTS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"^/?v1/sys/capabilities-self$",
        r"^/?v1/sys/capabilities-accessor$",
        r"^/?v1/sys/capabilities$",
        r"^/?v1/sys/audit-hash/[^/]+$",
        r"^/?v1/auth/token/lookup$",
        r"^/?v1/auth/token/lookup-accessor$",
        r"^/?v1/sys/leases/lookup$",
        # Logging in (userpass, approle, aws, oidc) makes only this session's own token,
        # which every read needs; it changes nothing stored.
        r"^/?v1/auth/.+/login(/[^/]+)?$",
        r"^/?v1/auth/.+/oidc/auth_url$",
    )
)
"""POST endpoints that read: capabilities checks, audit HMACs, token and lease lookups,
and logins."""


def read_only_guard(method: str, path: str) -> None:
    """Raise ReadOnlyViolation unless (method, path) only reads."""
    method = method.upper()
    if method in READ_METHODS:
        return
    bare = path.split("?", 1)[0]
    if method == "POST" and any(p.match(bare) for p in READ_ONLY_POSTS):
        return
    raise ReadOnlyViolation(method, bare)
