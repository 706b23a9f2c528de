"""The audit view's query line."""

from __future__ import annotations

from datetime import UTC, datetime

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
        since="2026-11-28T00:00:00Z",
        until="2026-11-29T00:00:00Z",
        errors_only=True,
    )
    assert parse_query(to_text(query)) == query


def test_a_bare_word_is_a_path_prefix() -> None:
    assert parse_query("sys/") == Query(path_prefix="sys/")


NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("since:1h", "2026-12-03T11:00:00Z"),
        ("since:7d", "2026-11-26T12:00:00Z"),
        ("since:30m", "2026-12-03T11:30:00Z"),
        ("since:2026-12-01T09:15:00+02:00", "2026-12-01T07:15:00Z"),
        ("since:2026-12-01T09:15:00Z", "2026-12-01T09:15:00Z"),
        ("since:2026-12-01", "2026-12-01T00:00:00Z"),
    ],
)
def test_times_are_rfc3339_dates_or_durations_back_from_now(text: str, since: str) -> None:
    assert parse_query(text, now=NOW).since == since


def test_exact_paths_round_trip() -> None:
    query = parse_query("exact:ai-models/data/prod/openai,ai-models/metadata/prod/openai")
    assert query.paths == ("ai-models/data/prod/openai", "ai-models/metadata/prod/openai")
    assert parse_query(to_text(query)) == query


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour:red", "unknown key 'colour'"),
        ("op:", "op: needs a value"),
        ("op:reed", "op: 'reed' is not a Vault operation"),
        ("since:yesterday", "since: 'yesterday' is not an RFC 3339 time"),
        ("since:2026-12-01T09:15:00", "since: .* is not an RFC 3339 time with a zone"),
        ("until:2026-02-30", "until: '2026-02-30' is not a real date"),
        ("op:read op:list", "op: given twice"),
        ("sys/ path:ai/", "path: given twice"),
        ("since:1d until:2d", "is after until"),
        ("exact:,", "exact: ',' names no path"),
    ],
)
def test_bad_words_are_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_query(text, now=NOW)


@pytest.mark.parametrize(
    "paths",
    [
        ("secret/data/a,b", "secret/metadata/a,b"),
        ("team a/data/x y",),
        ('q"uote/data/x', "back\\slash/data/y"),
        ("co:lon/data/x",),
    ],
)
def test_exact_paths_with_commas_spaces_quotes_and_colons_read_back_the_same(
    paths: tuple[str, ...],
) -> None:
    """The line A writes means exactly the secret's paths when it is run again."""
    query = Query(paths=paths)
    assert parse_query(to_text(query)) == query


def test_a_quoted_prefix_and_an_unclosed_quote() -> None:
    assert parse_query('path:"team a/" op:read').path_prefix == "team a/"
    with pytest.raises(ValueError, match="a quote is not closed"):
        parse_query('exact:"secret/data/a')


@pytest.mark.parametrize(
    ("text", "namespace"),
    [("ns:root", ""), ("ns:*", "*"), ("ns:/team-a/prod/", "team-a/prod"), ('ns:"ünï"', "ünï")],
)
def test_the_namespace_key(text: str, namespace: str) -> None:
    query = parse_query(text)
    assert query.namespace == namespace
    assert parse_query(to_text(query)) == query


def test_a_query_without_ns_is_scoped_to_the_session_and_one_with_it_is_kept() -> None:
    assert Query().namespace is None
    assert Query().scoped("team-a/").namespace == "team-a"
    assert Query().scoped(None).namespace == ""
    assert parse_query("ns:*").scoped("team-a").namespace == "*"
    assert parse_query("ns:root").scoped("team-a").namespace == ""
