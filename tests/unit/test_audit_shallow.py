"""The recursion-free reader: a request is read whatever its body's nesting."""

from __future__ import annotations

import json

import pytest

from vault_console.audit import shallow
from vault_console.audit.reader import AuditEntry, BadLine, parse_line


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def audit_line(body: str, path: str = "secret/data/a") -> bytes:
    """An audit request line as OpenBao writes it: the body inside request.data."""
    return (
        '{"time":"2026-12-01T10:00:00Z","type":"request","auth":{"display_name":"token-w"},'
        f'"request":{{"id":"r-1","operation":"update","path":"{path}",'
        f'"data":{{"password":"hmac-sha256:ab","x":{body}}},"remote_address":"10.0.0.9"}},'
        '"error":""}'
    ).encode()


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2.5, -3e2, true, false, null, "x\\"y\\u00e9"], "b": {}, "c": []}',
        '"just a string"',
        "[[], {}, [[[]]]]",
        '{"k": "a\\nb", "n": 0}',
    ],
)
def test_what_json_reads_it_reads_the_same(text: str) -> None:
    assert shallow.loads(text) == json.loads(text)


def test_containers_below_the_kept_depth_become_a_marker() -> None:
    value = shallow.loads(f'{{"keep": 1, "deep": {nested(50)}, "after": "still read"}}')
    assert value["keep"] == 1 and value["after"] == "still read"
    inner = value["deep"]
    for _ in range(shallow.KEEP_DEPTH - 2):  # the object is a level, each list one more
        inner = inner[0]
    assert inner == [shallow.TOO_DEEP]
    assert shallow.too_deep(value)


def test_deeper_than_any_server_accepts_is_refused() -> None:
    with pytest.raises(shallow.ShallowError, match="nested deeper than 12000 levels"):
        shallow.loads(nested(shallow.MAX_DEPTH + 10))


def test_a_number_past_pythons_digit_limit_is_kept_as_text() -> None:
    assert shallow.loads("[" + "7" * 5000 + "]") == ["[a number of 5000 characters]"]


def test_strings_with_brackets_do_not_confuse_the_skip() -> None:
    deep = '{"a": ' * 40 + '"]]]}}}[[{{\\"x"' + "}" * 40
    value = shallow.loads(f'{{"deep": {deep}, "tail": true}}')
    assert value["tail"] is True


def test_a_write_nested_600_deep_is_still_a_readable_request() -> None:
    """The write that hid from the Audit tab: its body 600 levels deep."""
    parsed = parse_line(audit_line(nested(600)), 7)
    assert isinstance(parsed, AuditEntry), parsed
    assert (parsed.path, parsed.operation, parsed.request_id) == ("secret/data/a", "update", "r-1")
    assert (parsed.display_name, parsed.remote_address) == ("token-w", "10.0.0.9")
    assert parsed.too_deep
    assert "[too deep to show]" in json.dumps(parsed.raw)
    assert not parsed.findings  # the marker is not a plaintext value


def test_a_huge_number_in_a_body_does_not_drop_the_request() -> None:
    parsed = parse_line(audit_line("9" * 5000), 3)
    assert isinstance(parsed, AuditEntry) and parsed.path == "secret/data/a"


def test_a_line_deeper_than_vault_accepts_is_counted_with_its_number() -> None:
    parsed = parse_line(audit_line(nested(20_000)), 42)
    assert isinstance(parsed, BadLine) and parsed.line == 42
    assert "nested deeper than 12000 levels" in parsed.reason
