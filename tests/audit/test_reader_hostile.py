"""The reader treats the log as untrusted: synthetic files with every kind of damage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from vault_console.audit.reader import PLAINTEXT_MASK, Follower, Query, scan


def entry(n: int, path: str = "ai-models/data/prod/openai", **extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "time": f"2026-11-28T10:{n // 60 % 60:02d}:{n % 60:02d}.000000000Z",
        "type": "request",
        "auth": {"display_name": "approle-inference", "accessor": "hmac-sha256:acc"},
        "request": {
            "id": f"req-{n}",
            "operation": "read",
            "path": path,
            "mount_point": path.split("/")[0] + "/",
            "remote_address": "10.0.0.7",
        },
    }
    doc.update(extra)
    return doc


def write_lines(path: Path, docs: list[dict[str, object]], tail: bytes = b"") -> None:
    path.write_bytes(b"".join(json.dumps(d).encode() + b"\n" for d in docs) + tail)


def test_partial_last_line_is_held_back(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    write_lines(log, [entry(1), entry(2)], tail=json.dumps(entry(3)).encode()[:40])
    result = scan(log)
    assert [e.request_id for e in result.entries] == ["req-1", "req-2"]
    assert result.partial_tail and result.bad_line_count == 0
    assert result.offset == log.read_bytes().rfind(b"\n") + 1


def test_unknown_fields_prefixes_and_invalid_utf8(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    good = json.dumps(entry(1, future_field={"x": 1})).encode()
    prefixed = b"Nov 28 10:00:02 vault[812]: " + json.dumps(entry(2)).encode()
    broken_utf8 = (
        json.dumps(entry(3, path="ai-models/data/caf\u00e9"))
        .encode()
        .replace(b"\\u00e9", b"\xff\xfe")
    )
    log.write_bytes(
        b"\n".join([good, prefixed, broken_utf8, b"{not json", b"garbage without braces", b""])
    )
    result = scan(log)
    assert [e.request_id for e in result.entries] == ["req-1", "req-2", "req-3"]
    assert result.entries[1].prefix == "Nov 28 10:00:02 vault[812]:"
    assert result.entries[2].bad_utf8 and "\ufffd" in result.entries[2].path
    assert result.bad_line_count == 2
    assert [b.line for b in result.bad_lines] == [4, 5]


def test_plaintext_in_data_is_masked_and_reported_but_numbers_are_noted(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    doc = entry(1)
    request = doc["request"]
    assert isinstance(request, dict)
    request["data"] = {
        "api_key": "sk-raw-leak",
        "hashed": "hmac-sha256:abc",
        "ttl": 3600,
        "renewable": True,
        "created_time": "2026-11-28T18:31:23.71096528Z",
    }
    write_lines(log, [doc])
    found = scan(log).entries[0]
    assert found.raw["request"]["data"]["api_key"] == PLAINTEXT_MASK
    assert found.raw["request"]["data"]["hashed"] == "hmac-sha256:abc"
    assert found.findings == (
        "plaintext string at request.data.api_key (log_raw, or a server that does not HMAC it)",
    )
    assert set(found.plain_scalars) == {
        "request.data.ttl",
        "request.data.renewable",
        "request.data.created_time",
    }
    assert "sk-raw-leak" not in repr(found) and "sk-raw-leak" not in json.dumps(found.raw)


def test_raw_tokens_and_accessors_are_masked_and_flagged_like_plaintext_data(
    tmp_path: Path,
) -> None:
    """With log_raw, Vault writes tokens in the clear: the details pane printed them."""
    log = tmp_path / "audit.log"
    doc = entry(1)
    doc["auth"] = {"client_token": "s.RAWTOKEN1", "accessor": "RAWACCESSOR1", "display_name": "x"}
    request = doc["request"]
    assert isinstance(request, dict)
    request["client_token"] = "s.RAWTOKEN1"
    request["client_token_accessor"] = "RAWACCESSOR1"
    doc["response"] = {"auth": {"client_token": "s.NEWTOKEN2", "accessor": "hmac-sha256:ok"}}
    write_lines(log, [doc])
    found = scan(log).entries[0]
    shown = json.dumps(found.raw)
    for raw in ("s.RAWTOKEN1", "RAWACCESSOR1", "s.NEWTOKEN2"):
        assert raw not in shown
    assert found.raw["auth"]["client_token"] == PLAINTEXT_MASK
    assert found.raw["response"]["auth"]["accessor"] == "hmac-sha256:ok"  # an HMAC stays
    assert {
        "unhashed credential at auth.client_token (log_raw or hmac_accessor=false)",
        "unhashed credential at auth.accessor (log_raw or hmac_accessor=false)",
        "unhashed credential at request.client_token (log_raw or hmac_accessor=false)",
        "unhashed credential at response.auth.client_token (log_raw or hmac_accessor=false)",
    } <= set(found.findings)
    assert found.client_token == "s.RAWTOKEN1"  # still matched by token:, never shown
    assert "RAWTOKEN1" not in repr(found)


def test_path_prefix_uses_the_fast_scan_and_agrees_with_a_full_parse(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    docs = [
        entry(i, path="ai-models/data/prod/openai" if i % 7 == 0 else f"sys/health{i}")
        for i in range(500)
    ]
    write_lines(log, docs)
    fast = scan(log, Query(path_prefix="ai-models/"))
    slow = [e for e in scan(log).entries if e.path.startswith("ai-models/")]
    assert [e.line for e in fast.entries] == [e.line for e in slow]
    assert [e.line for e in fast.entries][:3] == [1, 8, 15]


def test_limit_returns_a_first_page_and_where_to_resume(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    write_lines(log, [entry(i) for i in range(100)])
    first = scan(log, limit=10)
    assert [e.request_id for e in first.entries] == [f"req-{i}" for i in range(10)]
    rest = scan(log, start=first.offset)
    assert [e.request_id for e in rest.entries] == [f"req-{i}" for i in range(10, 100)]


def test_follow_sees_appends_truncation_and_rotation(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    write_lines(log, [entry(1)])
    follower = Follower(log)
    assert follower.poll() == []  # starts at the end, like tail -f
    with log.open("ab") as handle:
        handle.write(json.dumps(entry(2)).encode() + b"\n" + json.dumps(entry(3)).encode()[:30])
    assert [e.request_id for e in follower.poll()] == ["req-2"]
    with log.open("ab") as handle:  # the rest of the partial line arrives
        handle.write(json.dumps(entry(3)).encode()[30:] + b"\n")
    assert [e.request_id for e in follower.poll()] == ["req-3"]

    write_lines(log, [entry(4)])  # truncated and rewritten in place
    assert [e.request_id for e in follower.poll()] == ["req-4"]
    assert follower.truncations == 1

    with log.open("ab") as handle:
        handle.write(json.dumps(entry(5)).encode() + b"\n")
    os.rename(log, tmp_path / "audit.log.1")  # rotated: a new file takes the path
    write_lines(log, [entry(6)])
    assert [e.request_id for e in follower.poll()] == ["req-5", "req-6"]
    assert follower.rotations == 1
    follower.close()


GIGABYTE_SCRIPT = """
import json, sys
from pathlib import Path
from vault_console.audit.reader import Query, scan
result = scan(Path(sys.argv[1]), Query(path_prefix="ai-models/data/prod/"))
# VmHWM, not ru_maxrss: Linux keeps the parent's peak in ru_maxrss across fork and exec, so
# a child of a big pytest worker reported the worker's 366 MB (seen in CI), not its own.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"matches": len(result.entries), "lines": result.lines_read,
                  "rss_mb": int(hwm.split()[1]) / 1024}))
"""


def make_gigabyte(path: Path, size: int = 1 << 30) -> int:
    """A 1 GiB log: mostly noise, one matching request in every 1,000 lines."""
    lines = []
    for i in range(1000):
        target = "ai-models/data/prod/openai" if i == 0 else f"sys/internal/ui/mounts/{i}"
        lines.append(json.dumps(entry(i, path=target)).encode())
    block = b"\n".join(lines) + b"\n"
    with path.open("wb") as handle:
        written = 0
        while written < size:
            handle.write(block)
            written += len(block)
    return written // len(block)


def test_a_gigabyte_log_with_bounded_memory(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    blocks = make_gigabyte(log)
    out = subprocess.run(
        [sys.executable, "-c", GIGABYTE_SCRIPT, str(log)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(out.stdout)
    assert figures["matches"] == blocks
    assert figures["lines"] == blocks * 1000
    assert figures["rss_mb"] < 150, figures
    log.unlink()


def _good(n: int) -> bytes:
    return (json.dumps(entry(n)) + "\n").encode()


def test_a_line_longer_than_the_limit_is_skipped_without_holding_it(tmp_path: Path) -> None:
    import tracemalloc

    from vault_console.audit.reader import CHUNK, MAX_LINE

    log = tmp_path / "audit.log"
    with log.open("wb") as out:
        out.write(_good(1))
        out.write(b'{"request": {"path": "' + b"x" * (10 * MAX_LINE) + b'"}}\n')  # 40 MiB
        out.write(_good(2))
    tracemalloc.start()
    result = scan(log, Query())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [e.line for e in result.entries] == [1, 3]
    assert result.bad_line_count == 1 and "longer than" in result.bad_lines[0].reason
    assert result.bad_lines[0].line == 2
    # A carry, the next chunk and their join, whatever the line's length; it was the whole
    # line plus its parse (3.5 GB for a 300 MB line).
    assert peak < 6 * CHUNK


def test_an_unterminated_giant_line_at_the_end_is_skipped(tmp_path: Path) -> None:
    from vault_console.audit.reader import MAX_LINE

    log = tmp_path / "audit.log"
    log.write_bytes(_good(1) + b"{" * (2 * MAX_LINE))
    result = scan(log, Query())
    assert [e.line for e in result.entries] == [1]
    assert result.bad_line_count == 1 and result.partial_tail


def test_nesting_no_server_accepts_is_a_bad_line_and_a_huge_number_is_read(
    tmp_path: Path,
) -> None:
    """200,000 levels: deeper than Go's decoder lets Vault accept (10,000), so not a real
    line; a million-digit number in a body does not hide its request (kept as text)."""
    log = tmp_path / "audit.log"
    deep = b'{"request": {"data": ' + b"[" * 200_000 + b"]" * 200_000 + b"}}\n"
    digits = b'{"type": "request", "request": {"data": {"n": ' + b"9" * 1_000_000 + b"}}}\n"
    log.write_bytes(_good(1) + deep + digits + _good(4))
    result = scan(log, Query())
    assert [e.line for e in result.entries] == [1, 3, 4]
    assert result.bad_line_count == 1 and result.bad_lines[0].line == 2
    assert "nested deeper than 12000 levels" in result.bad_lines[0].reason
