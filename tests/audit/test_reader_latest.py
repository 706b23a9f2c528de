"""The Audit tab shows the newest matches: ``scan_latest`` reads the log backward from its
end. A forward ``scan`` of the whole file is the oracle: the newest N of its matches, with
their line numbers, must be what ``scan_latest`` returns, whatever the chunk boundaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.audit.test_reader_hostile import entry, write_lines
from vault_console.audit import reader
from vault_console.audit.reader import Query, scan, scan_latest


def mixed_log(path: Path) -> None:
    """Requests on two paths, with blank, bad and over-long lines among them, and a last
    line still being written."""
    lines: list[bytes] = []
    for n in range(300):
        if n % 37 == 5:
            lines.append(b"{not json")
        if n % 53 == 7:
            lines.append(b"")
        if n % 71 == 11:
            lines.append(b"x" * 3000)  # over MAX_LINE (set to 2000 below)
        where = "ai-models/data/prod/openai" if n % 3 else "legacy-kv/app"
        lines.append(json.dumps(entry(n, path=where)).encode())
    path.write_bytes(b"\n".join(lines) + b"\n" + json.dumps(entry(999)).encode()[:30])


@pytest.mark.parametrize("chunk", [64, 333, 4096, 1 << 20])
@pytest.mark.parametrize(
    "query", [Query(), Query(path_prefix="legacy-kv/"), Query(operation="read")]
)
def test_the_newest_matches_equal_the_tail_of_a_forward_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, query: Query
) -> None:
    monkeypatch.setattr(reader, "CHUNK", chunk)
    monkeypatch.setattr(reader, "MAX_LINE", 2000)
    log = tmp_path / "audit.log"
    mixed_log(log)
    forward = scan(log, query)
    for limit in (1, 7, 100, 10_000):
        latest = scan_latest(log, query, limit=limit)
        expected = forward.entries[-limit:]
        assert [(e.line, e.request_id) for e in latest.entries] == [
            (e.line, e.request_id) for e in expected
        ]
        assert latest.offset == forward.offset  # where follow mode starts
        assert latest.partial_tail
    if query.needle() is not None:
        return  # lines without the needle are never parsed, so bad ones go uncounted
    everything = scan_latest(log, query, limit=10_000)
    assert everything.bad_line_count == forward.bad_line_count
    assert [b.line for b in everything.bad_lines] == [b.line for b in forward.bad_lines][-20:]


def test_a_long_log_shows_its_newest_request(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    write_lines(log, [entry(n) for n in range(5000)] + [entry(5000, path="ai-models/data/new")])
    latest = scan_latest(log, limit=1000)
    assert len(latest.entries) == 1000
    assert latest.entries[0].request_id == "req-4001"
    assert latest.entries[-1].path == "ai-models/data/new"
    assert latest.entries[-1].line == 5001


def test_an_over_long_first_line_and_an_empty_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "CHUNK", 100)
    monkeypatch.setattr(reader, "MAX_LINE", 500)
    log = tmp_path / "audit.log"
    log.write_bytes(b"y" * 5000 + b"\n" + json.dumps(entry(1)).encode() + b"\n")
    latest = scan_latest(log, limit=10)
    assert [(e.line, e.request_id) for e in latest.entries] == [(2, "req-1")]
    assert latest.bad_line_count == 1 and latest.bad_lines[0].line == 1
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    assert scan_latest(empty, limit=10).entries == []
