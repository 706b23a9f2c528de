"""Read your own writes on any node of a cluster (``X-Vault-Index``, issue 25 part 1).

Since OpenBao 2.5 a raft standby answers reads from its own copy, which may not hold a
write made a moment ago (through it or another node). OpenBao 2.7 (and Vault Enterprise)
returns ``X-Vault-Index`` on a request that wrote; a request carrying it back is answered
only once the node has caught up: the node holds it, or answers 412, or 429 with
``Retry-After``. This is what HashiCorp's Go client calls ``ReadYourWrites``.

One ``IndexStore`` per server address, shared by every gateway in this process (the login's,
the session's, the wizard's read-back, doctor's), so a token made by a login is known on the
standby the session reads from next. It is kept in memory only. A server that sends no
index (a dev server, HashiCorp Vault without Enterprise, OpenBao before 2.7) leaves the
store empty, and requests go out as before.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable

from vault_console.errors import ConsoleError, ErrorKind

HEADER = "X-Vault-Index"

WAIT_LIMIT = 10.0
"""Seconds a request waits for a node to catch up before the console gives up."""
SAY_AFTER = 1.0
"""Seconds of waiting after which the screen says what is going on."""
RETRY_CAP = 2.0
"""The longest pause between tries, whatever ``Retry-After`` says."""

NODE_LOCAL = ("/v1/sys/health", "/v1/sys/seal-status", "/v1/sys/leader", "/v1/sys/ha-status")
"""A node's own state: asked without an index, so a lagging node still says how it is."""


def _position(value: str) -> tuple[str, int] | None:
    """(cluster, index) of OpenBao's header (base64 JSON ``{"cluster", "value"}``), or
    None for another format (Vault Enterprise's ``v1:cluster:local:replicated:hmac``)."""
    try:
        parsed = json.loads(base64.b64decode(value, validate=True))
        return str(parsed["cluster"]), int(parsed["value"])
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None


class IndexStore:
    """The newest ``X-Vault-Index`` seen from one server (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: str | None = None
        self.on_wait: Callable[[str, float], None] | None = None
        """Told (address, seconds) once a request has waited ``SAY_AFTER`` for a node to
        catch up: the app says so on screen. Called from the request's thread."""

    @property
    def value(self) -> str | None:
        with self._lock:
            return self._value

    def record(self, value: str | None) -> None:
        """Keep ``value`` unless the kept one is further along on the same cluster. A
        value whose position cannot be read replaces the kept one, as the Go client does."""
        if not value or len(value) > 4096 or not value.isascii() or not value.isprintable():
            return  # nothing, or not something a header can carry back
        with self._lock:
            if self._value is not None:
                kept, new = _position(self._value), _position(value)
                if kept is not None and new is not None and kept[0] == new[0] and kept[1] >= new[1]:
                    return
            self._value = value


_STORES: dict[str, IndexStore] = {}
_STORES_LOCK = threading.Lock()


def store_for(address: str) -> IndexStore:
    """The one store of a server address in this process. Not per namespace: the index is
    the cluster's raft position, and a namespace made in the root namespace must be seen
    by the session that then works inside it."""
    key = address.rstrip("/")
    with _STORES_LOCK:
        return _STORES.setdefault(key, IndexStore())


def retry_after(header: str | None) -> float:
    """The pause ``Retry-After`` asks for (seconds only; a date or nonsense: 0.25 s),
    capped at ``RETRY_CAP``."""
    try:
        seconds = float(header or "")
    except ValueError:
        seconds = 0.25
    if not seconds >= 0.05:  # also NaN
        seconds = 0.25
    return min(seconds, RETRY_CAP)


def not_caught_up(address: str, waited: float) -> ConsoleError:
    return ConsoleError(
        f"{address} had not caught up with this session's last write after {waited:.0f} s "
        f"(it answered each try with 'not yet', {HEADER}). It may be cut off from the "
        "active node. Nothing was changed by this request. Retry, or point the address at "
        "the active node (the Cluster view names it).",
        title="This node is behind the cluster",
        kind=ErrorKind.TIMEOUT,
    )
