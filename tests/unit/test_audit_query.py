"""The audit view's query line."""

from __future__ import annotations

import pytest

from vault_console.audit.query import parse_query, to_text
from vault_console.audit.reader import Query


def test_every_key_and_the_errors_flag() -> None:
    query = parse_query(
        "path:/ai-models/ op:read mount:ai-models addr:10.0.0.7 token:approle since:2026-11-28 until:2026-11-29 errors"
    )
    assert query == Query(
        path_prefix="ai-models/",
        operation="read",
        mount="ai-models",
        remote_address="10.0.0.7",
        token="approle",
        since="2026-11-28",
        until="2026-11-29",
        errors_only=True,
    )
    assert parse_query(to_text(query)) == query


def test_a_bare_word_is_a_path_prefix() -> None:
    assert parse_query("sys/") == Query(path_prefix="sys/")


@pytest.mark.parametrize(
    ("text", "message"), [("colour:red", "unknown key 'colour'"), ("op:", "op: needs a value")]
)
def test_bad_words_are_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_query(text)
