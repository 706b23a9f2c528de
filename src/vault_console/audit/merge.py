"""One audit trail from the files of a cluster's nodes (issue 25 part 4).

Each node of a cluster writes its own audit file: a standby logs the reads it served, and
a write sent to a standby is logged twice, by the standby (which then hands it on) and by
the active node that applies it. The two copies have different request ids (the active
node logs the forwarded request under a new one), so they are paired by what the client
sent: the same path, operation, token HMAC, client address and port, the active node's copy
logged within ``FORWARD_WINDOW`` after the standby's. Seen on OpenBao 2.7.2: the standby's
response says ``failed to persist salt: cannot write to readonly storage`` even when the
write succeeded, so the row's result is the active node's.

A client's port is its TCP connection: two requests on two nodes never share one unless
something in between (a load balancer) opens the connections, and even then the path,
token and the millisecond window must agree.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from vault_console.audit.reader import (
    AuditEntry,
    AuditPair,
    Follower,
    Query,
    pair,
    scan_latest,
)

FORWARD_WINDOW = 2.0
"""Seconds after a standby logged a request within which the active node's copy is looked
for (a forwarded request is logged by the active node milliseconds later)."""

_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$")


def time_key(text: str) -> float:
    """Seconds since the epoch of an audit time (RFC 3339, any number of fraction digits,
    any offset); 0 for a time that is not one, which sorts it first. Text comparison
    orders ``…01.12Z`` after ``…01.123Z``: Go trims trailing zeros from the fraction."""
    found = _TIME.match(text)
    if not found:
        return 0.0
    zone = "+00:00" if found[3] == "Z" else found[3]
    try:
        seconds = datetime.fromisoformat(found[1] + zone).timestamp()
    except ValueError:
        return 0.0
    return seconds + (int(found[2].ljust(9, "0")) / 1e9 if found[2] else 0.0)


def _client(entry: AuditEntry) -> tuple[str, str, str, str, object]:
    request = entry.raw.get("request")
    port = request.get("remote_port") if isinstance(request, dict) else None
    return (entry.path, entry.operation, entry.client_token, entry.remote_address, port)


def is_copy(original: AuditPair, candidate: AuditPair) -> bool:
    """Whether ``candidate`` (another node's request) is ``original`` handed on to it."""
    if candidate.node == original.node or any(
        (p.copy is not None or p.is_copy) for p in (original, candidate)
    ):
        return False
    first, second = original.first, candidate.first
    if not first.client_token or _client(first) != _client(second):
        return False
    delay = time_key(second.time) - time_key(first.time)
    return 0.0 <= delay <= FORWARD_WINDOW


def fold_forwarded(pairs: Sequence[AuditPair]) -> list[AuditPair]:
    """``pairs`` (oldest first, from several nodes) with each forwarded copy folded into
    the request it copies (``original.copy``), so a write shows once."""
    shown: list[AuditPair] = []
    open_by_client: dict[tuple[str, str, str, str, object], deque[AuditPair]] = {}
    for found in pairs:
        candidates = open_by_client.setdefault(_client(found.first), deque())
        now = time_key(found.first.time)
        while candidates and now - time_key(candidates[0].first.time) > FORWARD_WINDOW:
            candidates.popleft()  # too old to be copied now: a busy connection stays cheap
        original = next((c for c in candidates if is_copy(c, found)), None)
        if original is not None:
            original.copy = found
            found.is_copy = True
            continue
        candidates.append(found)
        shown.append(found)
    return shown


@dataclass
class NodeScan:
    node: str
    path: Path
    lines_bad: int = 0
    partial_tail: bool = False
    problem: str = ""


@dataclass
class MergedScan:
    pairs: list[AuditPair] = field(default_factory=list)
    """Oldest first, each with its node; forwarded copies folded in."""
    nodes: list[NodeScan] = field(default_factory=list)
    entries: int = 0
    limited: bool = False
    """Some file had more matches than ``limit``: older ones are not shown."""


def scan_nodes(logs: Iterable[tuple[str, Path]], query: Query, *, limit: int) -> MergedScan:
    """The newest ``limit`` requests of every node's file, merged by time. A file that
    cannot be read is named in its ``NodeScan.problem``; the others still show."""
    result = MergedScan()
    every: list[AuditPair] = []
    for node, path in logs:
        scanned = NodeScan(node, path)
        result.nodes.append(scanned)
        try:
            found = scan_latest(path, query, limit=limit)
        except OSError as exc:
            scanned.problem = f"{node}: {path}: {exc.strerror or exc}"
            continue
        scanned.lines_bad = found.bad_line_count
        scanned.partial_tail = found.partial_tail
        result.entries += len(found.entries)
        result.limited = result.limited or len(found.entries) >= limit
        for request in pair(found.entries):
            request.node = node
            every.append(request)
    every.sort(key=lambda p: time_key(p.first.time))
    result.pairs = fold_forwarded(every)[-limit:]
    return result


def follow_nodes(
    logs: Sequence[tuple[str, Path]], query: Query, stop: threading.Event, interval: float = 0.25
) -> Iterator[tuple[str, list[AuditEntry]]]:
    """``tail -f`` of every node's file at once: (node, new matching entries) as they come,
    until ``stop``. Each file is followed across rotation and truncation (``Follower``)."""
    followers = [(node, Follower(path, query)) for node, path in logs]
    try:
        while not stop.is_set():
            quiet = True
            for node, follower in followers:
                batch = follower.poll()
                if batch:
                    quiet = False
                    yield node, batch
            if quiet:
                stop.wait(interval)
    finally:
        for _, follower in followers:
            follower.close()
