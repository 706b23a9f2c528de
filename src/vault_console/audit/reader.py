"""Reading a file audit device's log (JSON lines) as untrusted, possibly huge input.

* Streams in fixed-size chunks, so memory stays bounded whatever the file's size.
* A filter that names a string (a path prefix, an HMAC, an address) is first looked for
  as bytes in the raw chunk, at C speed; only lines that contain it are parsed.
* Tolerates a partial last line (held back until its newline arrives), unknown fields,
  invalid UTF-8 (replaced and flagged) and lines with a prefix before the JSON (syslog).
* ``follow`` is ``tail -f`` that notices rotation (a new file at the path) and truncation.

HMAC'd values stay HMAC'd: nothing here pretends to decrypt. A string in ``data`` that is
not ``hmac-sha256:…`` (written with ``log_raw``, or by an old server) is masked and
reported as a finding. Integers, booleans and times are logged in plain text by design.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from vault_console.audit import shallow

CHUNK = 4 * 1024 * 1024
MAX_LINE = 4 * 1024 * 1024
"""The longest line parsed (bytes). Longer ones are counted as bad and skipped without
being held whole: a file of one 300 MB line must not take gigabytes to read."""
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
HMAC_PREFIX = "hmac-sha256:"
PLAINTEXT_MASK = "[plaintext: masked]"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the log, with the fields the views and filters use."""

    line: int
    time: str
    type: str
    request_id: str
    operation: str
    path: str
    mount_point: str
    remote_address: str
    display_name: str
    accessor: str = field(repr=False)
    client_token: str = field(repr=False)
    """As logged (an HMAC, or raw with log_raw): matched by ``token:``, never shown."""
    policies: tuple[str, ...]
    error: str
    raw: dict[str, Any] = field(repr=False)
    """The entry with plaintext strings in ``data`` masked."""
    findings: tuple[str, ...] = ()
    plain_scalars: tuple[str, ...] = ()
    """Fields in ``data`` holding numbers, booleans or times, which Vault logs unhashed by design."""
    prefix: str = ""
    bad_utf8: bool = False
    too_deep: bool = False
    """Parts of its body were nested too deep to show (shown as "[too deep to show]")."""
    namespace: str = ""
    """The request's namespace (``request.namespace.path``: ``team-a/prod``); '' for root.
    Its path is relative to it: ``ai-models/data/x`` in two namespaces is two secrets."""


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    reason: str


@dataclass
class AuditPair:
    """A request and its response, joined by ``request.id``."""

    request: AuditEntry | None = None
    response: AuditEntry | None = None
    node: str = ""
    """The node whose file it came from, when the view merges a cluster's files."""
    copy: AuditPair | None = None
    """The active node's copy of this request, when a standby handed it on (merge.py)."""
    is_copy: bool = False
    """This is such a copy (shown in its original's row, not on its own)."""

    def add(self, entry: AuditEntry) -> None:
        if entry.type == "response":
            self.response = entry
        else:
            self.request = entry

    @property
    def first(self) -> AuditEntry:
        entry = self.request or self.response
        assert entry is not None
        return entry

    @property
    def error(self) -> str:
        """The request's outcome: the active node's when a standby handed it on (the
        standby logs an error of its own for a write it forwarded that succeeded)."""
        if self.copy is not None:
            return self.copy.error
        return (self.response.error if self.response else "") or (
            self.request.error if self.request else ""
        )

    @property
    def answered(self) -> bool:
        return (self.copy or self).response is not None

    @property
    def where(self) -> str:
        """The node, and where it handed the request on: ``node1 → node0``."""
        return f"{self.node} → {self.copy.node}" if self.copy is not None else self.node


def _mask_data(value: Any, where: str, findings: list[str], scalars: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: _mask_data(v, f"{where}.{k}", findings, scalars) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_data(v, f"{where}[{i}]", findings, scalars) for i, v in enumerate(value)]
    if isinstance(value, str):
        if value.startswith(HMAC_PREFIX) or value == "" or isinstance(value, shallow.TooDeep):
            return value
        if _TIMESTAMP.match(value):
            # Go time values are not strings to the HMAC walk, so Vault logs them as-is.
            scalars.append(where)
            return value
        findings.append(f"plaintext string at {where} (log_raw, or a server that does not HMAC it)")
        return PLAINTEXT_MASK
    if isinstance(value, bool | int | float):
        scalars.append(where)
    return value


CREDENTIAL_KEYS = frozenset(
    {
        "client_token",
        "accessor",
        "client_token_accessor",
        "token",
        "wrapped_accessor",
        "secret_id",
        "secret_id_accessor",
        "password",
        "secret_key",
        "private_key",
    }
)
"""Fields that hold a credential wherever they are in an entry: Vault logs them HMAC'd
unless told not to (``log_raw``, ``hmac_accessor=false``); a raw one is masked and flagged."""


def _mask_credentials(value: Any, where: str, findings: list[str]) -> Any:
    """``value`` with every credential field that is not an HMAC masked (``data`` is
    masked whole by ``_mask_data``)."""
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if key == "data" and where in ("request", "response"):
                masked[key] = item
            elif (
                key in CREDENTIAL_KEYS
                and isinstance(item, str)
                and item
                and not item.startswith(HMAC_PREFIX)
            ):
                findings.append(f"unhashed credential at {path} (log_raw or hmac_accessor=false)")
                masked[key] = PLAINTEXT_MASK
            else:
                masked[key] = _mask_credentials(item, path, findings)
        return masked
    if isinstance(value, list):
        return [_mask_credentials(v, f"{where}[{i}]", findings) for i, v in enumerate(value)]
    return value


def parse_line(raw: bytes, line: int) -> AuditEntry | BadLine:
    """One audit line to an entry; anything unreadable becomes a BadLine with the reason."""
    start = raw.find(b"{")
    if start < 0:
        return BadLine(line, "no JSON object on the line")
    if len(raw) > MAX_LINE:
        return BadLine(line, f"longer than {MAX_LINE // (1024 * 1024)} MiB")
    text = raw[start:].decode("utf-8", errors="replace")
    bad_utf8 = "\ufffd" in text
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict):
            return BadLine(line, "not a JSON object")
        return _entry(doc, raw, start, line, bad_utf8)
    except json.JSONDecodeError as exc:
        return BadLine(line, f"not JSON ({exc.msg} at column {exc.pos + start + 1})")
    except (RecursionError, ValueError):
        # Nested deeper than Python's parser recurses, or a number past its digit limit:
        # the request is still read (its body shown as too deep), never dropped.
        return _shallow_entry(text, raw, start, line, bad_utf8)


def _shallow_entry(
    text: str, raw: bytes, start: int, line: int, bad_utf8: bool
) -> AuditEntry | BadLine:
    try:
        doc = shallow.loads(text)
    except shallow.ShallowError as exc:
        return BadLine(line, str(exc))
    if not isinstance(doc, dict):
        return BadLine(line, "not a JSON object")
    entry = _entry(doc, raw, start, line, bad_utf8)
    return replace(entry, too_deep=shallow.too_deep(doc))


def _entry(doc: dict[str, Any], raw: bytes, start: int, line: int, bad_utf8: bool) -> AuditEntry:
    request: dict[str, Any] = doc["request"] if isinstance(doc.get("request"), dict) else {}
    auth: dict[str, Any] = doc["auth"] if isinstance(doc.get("auth"), dict) else {}
    findings: list[str] = []
    scalars: list[str] = []
    identity = {
        "accessor": str(auth.get("accessor", "") or request.get("client_token_accessor", "")),
        "client_token": str(auth.get("client_token", "") or request.get("client_token", "")),
    }
    for part in ("request", "response"):
        body = doc.get(part)
        if isinstance(body, dict) and "data" in body:
            body["data"] = _mask_data(body["data"], f"{part}.data", findings, scalars)
    doc = _mask_credentials(doc, "", findings)
    prefix = raw[:start].decode("utf-8", errors="replace").strip()
    namespace = request.get("namespace")
    namespace_path = namespace.get("path") if isinstance(namespace, dict) else None
    return AuditEntry(
        line=line,
        time=str(doc.get("time", "")),
        type=str(doc.get("type", "")),
        request_id=str(request.get("id", "")),
        operation=str(request.get("operation", "")),
        path=str(request.get("path", "")),
        mount_point=str(request.get("mount_point", "")),
        remote_address=str(request.get("remote_address", "")),
        display_name=str(auth.get("display_name", "")),
        # Read before masking: the token: filter compares them (the details show the mask).
        accessor=identity["accessor"],
        client_token=identity["client_token"],
        policies=tuple(str(p) for p in auth.get("policies") or ()),
        error=str(doc.get("error", "") or ""),
        raw=doc,
        findings=tuple(findings),
        plain_scalars=tuple(scalars),
        prefix=prefix,
        bad_utf8=bad_utf8,
        namespace=str(namespace_path or "").strip("/"),
    )


@dataclass(frozen=True)
class Query:
    """What to show; every field left empty matches everything."""

    path_prefix: str = ""
    paths: tuple[str, ...] = ()
    """Exact request paths, any of which matches (a KV v2 secret's data/, metadata/, ...)."""
    operation: str = ""
    mount: str = ""
    remote_address: str = ""
    errors_only: bool = False
    since: str = ""
    until: str = ""
    """RFC 3339 times; compared as text, which orders correctly for Vault's UTC times."""
    token: str = ""
    """An HMAC'd accessor or client token, or a display name."""
    hmac: str = ""
    """An ``hmac-sha256:…`` value (from sys/audit-hash) that must appear anywhere."""
    namespace: str | None = None
    """The namespace a request must be in ('' root, ``*`` any); None: not given, and the
    audit view scopes it to the session's namespace (``scoped``)."""

    def scoped(self, session_namespace: str | None) -> Query:
        """This query in the session's namespace unless it names one (``ns:``)."""
        if self.namespace is not None:
            return self
        return replace(self, namespace=(session_namespace or "").strip("/"))

    def needle(self) -> re.Pattern[bytes] | None:
        """A pattern every matching line must contain, for the fast scan; None if no such.

        Only values that JSON writes unchanged qualify (Go escapes <, > and &).
        """
        path = self.paths[0] if len(self.paths) == 1 else self.path_prefix
        for value in (self.hmac, self.token, path, self.remote_address, self.mount):
            if value and not any(c in value for c in '<>&"\\') and value.isascii():
                return re.compile(re.escape(value.encode()))
        if self.operation.isalpha():
            return re.compile(rb'"operation"\s*:\s*"' + self.operation.encode() + rb'"')
        return None

    def matches(self, entry: AuditEntry) -> bool:
        if self.namespace not in (None, "*") and entry.namespace != self.namespace:
            return False
        if self.path_prefix and not entry.path.startswith(self.path_prefix):
            return False
        if self.paths and entry.path not in self.paths:
            return False
        if self.operation and entry.operation != self.operation:
            return False
        if self.mount and entry.mount_point.rstrip("/") != self.mount.rstrip("/"):
            return False
        if self.remote_address and entry.remote_address != self.remote_address:
            return False
        if self.errors_only and not entry.error:
            return False
        if self.since and entry.time < self.since:
            return False
        if self.until and entry.time > self.until:
            return False
        if self.token and self.token not in (
            entry.accessor,
            entry.client_token,
            entry.display_name,
        ):
            return False
        if self.hmac and entry.path.startswith("sys/audit-hash/"):
            return False  # computing the HMAC logs it too: that is the search, not a use
        return not (self.hmac and self.hmac not in json.dumps(entry.raw))


@dataclass
class ScanResult:
    entries: list[AuditEntry] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)
    bad_line_count: int = 0
    lines_read: int = 0
    offset: int = 0
    """Byte offset after the last complete line read (where follow mode resumes)."""
    partial_tail: bool = False
    """The file ended in a line without a newline (still being written, or cut)."""


def _lines_with(chunk: bytes, needle: re.Pattern[bytes]) -> Iterator[tuple[int, int]]:
    """(start, end) of each distinct line in ``chunk`` containing ``needle``."""
    found = needle.search(chunk)
    while found is not None:
        position = found.start()
        start = chunk.rfind(b"\n", 0, position) + 1
        end = chunk.find(b"\n", position)
        end = len(chunk) if end < 0 else end
        yield start, end
        found = needle.search(chunk, end)


def scan(
    path: Path,
    query: Query | None = None,
    *,
    start: int = 0,
    limit: int | None = None,
    keep_bad: int = 20,
    handle: BinaryIO | None = None,
) -> ScanResult:
    """Entries matching ``query`` from byte ``start``; stops after ``limit`` matches."""
    query = query or Query()
    needle = query.needle()
    result = ScanResult(offset=start)
    own = handle is None
    stream = open(path, "rb") if own else handle  # noqa: SIM115 - closed below
    assert stream is not None
    try:
        stream.seek(start)
        carry = b""
        skipping = False  # inside a line longer than MAX_LINE: read past it, keep nothing
        line_number = 0
        while True:
            data = stream.read(CHUNK)
            if not data:
                break
            if skipping:
                newline = data.find(b"\n")
                if newline < 0:
                    continue
                skipping = False
                line_number += 1
                data = data[newline + 1 :]
                result.offset = stream.tell() - len(data)
            chunk = carry + data
            chunk_start = stream.tell() - len(chunk)
            cut = chunk.rfind(b"\n")
            if cut < 0:
                if len(chunk) > MAX_LINE:
                    result.bad_line_count += 1
                    if len(result.bad_lines) < keep_bad:
                        result.bad_lines.append(
                            BadLine(line_number + 1, f"longer than {MAX_LINE // 1048576} MiB")
                        )
                    carry, skipping = b"", True
                else:
                    carry = chunk
                continue
            complete, carry = chunk[: cut + 1], chunk[cut + 1 :]
            spans = _all_lines(complete) if needle is None else _lines_with(complete, needle)
            counted = 0
            for begin, end in spans:
                line_number += complete.count(b"\n", counted, begin)
                counted = begin
                raw = complete[begin:end].strip()
                if not raw:
                    continue
                parsed = parse_line(raw, line_number + 1)
                if isinstance(parsed, BadLine):
                    result.bad_line_count += 1
                    if len(result.bad_lines) < keep_bad:
                        result.bad_lines.append(parsed)
                    continue
                if query.matches(parsed):
                    result.entries.append(parsed)
                    if limit is not None and len(result.entries) >= limit:
                        result.offset = chunk_start + end + 1
                        result.lines_read = line_number + 1
                        return result
            line_number += complete.count(b"\n", counted)
            result.offset = chunk_start + cut + 1
        result.lines_read = line_number
        result.partial_tail = skipping or bool(carry.strip())
        return result
    finally:
        if own:
            stream.close()


def scan_latest(
    path: Path, query: Query | None = None, *, limit: int, keep_bad: int = 20
) -> ScanResult:
    """The newest ``limit`` entries matching ``query``, oldest first.

    The file is read backward from its end a chunk at a time, so the latest requests show
    however long the log has grown (a forward scan's first page is its oldest), and follow
    mode appends to them without a gap. As in ``scan``: a filter's needle is looked for in
    the raw bytes before a line is parsed, a line over MAX_LINE is counted as bad without
    being held whole, and a last line without its newline is left to follow mode.
    ``bad_line_count`` counts the bad lines among those read. Line numbers come from one
    forward count of newlines before the oldest line kept, at C speed.
    """
    query = query or Query()
    needle = query.needle()
    result = ScanResult()
    found: list[tuple[int, AuditEntry]] = []  # (byte offset of the line, entry), newest first
    bad: list[tuple[int, str]] = []
    too_long = f"longer than {MAX_LINE // 1048576} MiB"

    def bad_line(offset: int, reason: str) -> None:
        result.bad_line_count += 1
        if len(bad) < keep_bad:
            bad.append((offset, reason))

    with open(path, "rb") as stream:
        size = stream.seek(0, os.SEEK_END)
        position = _after_last_newline(stream, size)
        result.offset = position
        stream.seek(position)
        result.partial_tail = bool(stream.read(min(size - position, 4096)).strip())
        carry = b""  # the end of a line whose start lies in an older chunk
        skipping = False  # inside a line over MAX_LINE: read back to its start, keep nothing
        while position > 0 and len(found) < limit:
            start = max(0, position - CHUNK)
            stream.seek(start)
            data = stream.read(position - start)
            position = start
            if skipping:
                newline = data.rfind(b"\n")
                if newline < 0:
                    continue
                skipping = False
                bad_line(start + newline + 1, too_long)
                data = data[: newline + 1]
            chunk, chunk_start = data + carry, start
            if start > 0:
                newline = chunk.find(b"\n")
                carry = chunk if newline < 0 else chunk[: newline + 1]
                chunk, chunk_start = chunk[len(carry) :], start + len(carry)
                if len(carry) > MAX_LINE:
                    carry, skipping = b"", True
            spans = _all_lines(chunk) if needle is None else _lines_with(chunk, needle)
            for begin, end in reversed(list(spans)):
                raw = chunk[begin:end].strip()
                if not raw:
                    continue
                parsed = parse_line(raw, 0) if len(raw) <= MAX_LINE else BadLine(0, too_long)
                if isinstance(parsed, BadLine):
                    bad_line(chunk_start + begin, parsed.reason)
                elif query.matches(parsed):
                    found.append((chunk_start + begin, parsed))
                    if len(found) >= limit:
                        break
        if skipping and position == 0:  # the over-long line was the file's first
            bad_line(0, too_long)
        numbers = _line_numbers(stream, [offset for offset, _ in found + bad])
    result.entries = [replace(entry, line=numbers[offset]) for offset, entry in reversed(found)]
    result.bad_lines = [BadLine(numbers[offset], reason) for offset, reason in reversed(bad)]
    return result


def _after_last_newline(stream: BinaryIO, size: int) -> int:
    """The offset just after the file's last newline (0 if it has none)."""
    position = size
    while position > 0:
        start = max(0, position - CHUNK)
        stream.seek(start)
        newline = stream.read(position - start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        position = start
    return 0


def _line_numbers(stream: BinaryIO, offsets: list[int]) -> dict[int, int]:
    """The 1-based line number of each line starting at one of ``offsets``."""
    numbers: dict[int, int] = {}
    stream.seek(0)
    position = newlines = 0
    for target in sorted(set(offsets)):
        while position < target:
            data = stream.read(min(CHUNK, target - position))
            if not data:
                break
            newlines += data.count(b"\n")
            position += len(data)
        numbers[target] = newlines + 1
    return numbers


def _all_lines(chunk: bytes) -> Iterator[tuple[int, int]]:
    begin = 0
    while True:
        end = chunk.find(b"\n", begin)
        if end < 0:
            return
        yield begin, end
        begin = end + 1


def pair(entries: list[AuditEntry]) -> list[AuditPair]:
    """Join requests with their responses by ``request.id``, in order of first sight."""
    pairs: dict[str, AuditPair] = {}
    for entry in entries:
        key = entry.request_id or f"line-{entry.line}"
        pairs.setdefault(key, AuditPair()).add(entry)
    return list(pairs.values())


class Follower:
    """``tail -f`` for an audit log: yields new matching entries, across rotation and truncation."""

    def __init__(self, path: Path, query: Query | None = None, *, from_start: bool = False) -> None:
        self.path = path
        self.query = query or Query()
        self._handle: BinaryIO | None = None
        self._inode = 0
        self._offset = 0
        self._from_start = from_start
        self.rotations = 0
        self.truncations = 0

    def _open(self, at_end: bool) -> None:
        if self._handle is not None:
            self._handle.close()
        self._handle = open(self.path, "rb")  # noqa: SIM115 - kept open while following
        stat = os.fstat(self._handle.fileno())
        self._inode = stat.st_ino
        self._offset = stat.st_size if at_end else 0
        if at_end:
            # Do not start in the middle of a line that is still being written.
            self._offset = self._last_newline(stat.st_size)

    def _last_newline(self, size: int) -> int:
        assert self._handle is not None
        back = min(size, 65536)
        self._handle.seek(size - back)
        tail = self._handle.read(back)
        cut = tail.rfind(b"\n")
        return size - back + cut + 1 if cut >= 0 else size - back

    def poll(self) -> list[AuditEntry]:
        """New entries since the last poll ([] when nothing new)."""
        if self._handle is None:
            try:
                self._open(at_end=not self._from_start)
            except FileNotFoundError:
                return []
        assert self._handle is not None
        entries: list[AuditEntry] = []
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            current = None
        size = os.fstat(self._handle.fileno()).st_size
        if size < self._offset:
            self.truncations += 1
            self._offset = 0
        result = scan(self.path, self.query, start=self._offset, handle=self._handle)
        entries.extend(result.entries)
        self._offset = result.offset
        if current is not None and current.st_ino != self._inode:
            # Rotated: the old file is read to its end above; continue with the new one.
            self.rotations += 1
            self._open(at_end=False)
            result = scan(self.path, self.query, start=0, handle=self._handle)
            entries.extend(result.entries)
            self._offset = result.offset
        return entries

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
