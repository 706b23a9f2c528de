"""Pure helpers: masks, durations, paths, the path filter and version diffs."""

from __future__ import annotations

import pytest

from vault_console.errors import CasConflict, ConsoleError, describe
from vault_console.screens.form_input import RowInput, edit_text, validate_fields
from vault_console.text import MASK, PathIndex, check_secret_path, format_time, format_ttl
from vault_console.vault.model import KeyChange, diff_versions


def test_mask_has_a_fixed_length() -> None:
    assert len(MASK) == 8


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "∞"), (0, "0s"), (42, "42s"), (61, "1m01s"), (3900, "1h05m"), (90000, "1d01h")],
)
def test_format_ttl(seconds: int | None, text: str) -> None:
    assert format_ttl(seconds) == text


def test_format_time() -> None:
    assert format_time("2026-11-28T17:43:40.554075546Z") == "2026-11-28 17:43:40Z"
    assert format_time("") == ""


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "is empty"),
        ("/prod/x", "must not start or end"),
        ("prod/x/", "must not start or end"),
        ("prod//x", "empty, '.' or '..'"),
        ("prod/../x", "empty, '.' or '..'"),
        ("prod/a\x1bb", "control, bidi or invisible"),
        ("prod/a\u202eb", "control, bidi or invisible"),
    ],
)
def test_bad_secret_paths_name_the_field(path: str, reason: str) -> None:
    with pytest.raises(ValueError, match=f"path: .*{reason}"):
        check_secret_path("path", path)


def test_good_secret_path() -> None:
    assert check_secret_path("path", " prod/openai ") == "prod/openai"


def test_path_index_matches_every_word_and_counts_all() -> None:
    index = PathIndex()
    paths = [f"ai-models/{env}/{p}" for env in ("prod", "dev") for p in ("openai", "cohere")]
    for path in [*paths, paths[0]]:
        index.add(path)
    assert len(index) == 4
    assert index.search("PROD", 10) == (["ai-models/prod/openai", "ai-models/prod/cohere"], 2)
    assert index.search("dev open", 10) == (["ai-models/dev/openai"], 1)
    assert index.search("", 2) == (paths[:2], 4)
    assert index.search("o", 1) == (paths[:1], 4)


def test_path_index_narrowing_agrees_with_a_fresh_search() -> None:
    index = PathIndex()
    for i in range(300):
        index.add(f"m/{'prod' if i % 3 else 'dev'}/team-{i % 7}/key-{i}")
    typed = [index.search("prod/team-1"[:n], 1000) for n in range(1, 12)]
    fresh = PathIndex()
    for path in index.paths:
        fresh.add(path)
    assert typed[-1] == fresh.search("prod/team-1", 1000)
    assert index.search("prod/team-1/key-1", 1000) == fresh.search("prod/team-1/key-1", 1000)
    index.add("m/prod/team-1/new")  # adding resets narrowing: the new path is found
    assert "m/prod/team-1/new" in index.search("prod/team-1", 1000)[0]


def test_diff_versions_reports_per_key_without_values() -> None:
    changes = diff_versions({"a": "1", "b": "2", "c": "3"}, {"b": "2", "c": "x", "d": "4"})
    assert changes[2].old_label == "text · 1 chars" == changes[2].new_label  # never a value
    changes = [KeyChange(c.key, c.status) for c in changes]
    assert changes == [
        KeyChange("a", "removed"),
        KeyChange("b", "same"),
        KeyChange("c", "changed"),
        KeyChange("d", "added"),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("", "v")], "field 1: the key is empty"),
        ([("a", "1"), ("a", "2")], r"field 2 \(a\): key 'a' is given twice"),
        ([("a", "")], r"field 1 \(a\): the value is empty"),
    ],
)
def test_form_rows_are_checked(rows: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_fields([RowInput(k, v) for k, v in rows])


def test_blank_new_form_rows_are_skipped() -> None:
    rows = [RowInput("a", "1"), RowInput("", "")]
    assert validate_fields(rows) == {"a": "1"}


def test_emptying_a_servers_row_never_removes_its_key_unseen() -> None:
    """Removing is the row's ✕: an emptied row of the server's is refused, naming it."""
    rows = [RowInput("a", "1", "a", "1"), RowInput("", "", "owner", "team-a")]
    with pytest.raises(ValueError, match=r"field 2: key and value are empty; to remove 'owner'"):
        validate_fields(rows)


def test_an_empty_metadata_value_is_refused_with_how_to_remove_the_key() -> None:
    rows = [RowInput("owner", "", "owner", "team-a")]
    with pytest.raises(ValueError, match=r"custom_metadata values cannot be empty.*✕"):
        validate_fields(rows, metadata=True)


ORIGINAL = {
    "api_key": "sk-1",
    "config": {"region": "us", "retries": 3},
    "enabled": True,
    "ratio": 0.5,
    "nothing": None,
    "multi": "a\nb",
}


def rows_as_shown(data: dict[str, object]) -> list[RowInput]:
    return [RowInput(k, edit_text(v), k, v) for k, v in data.items()]


def test_untouched_fields_go_back_exactly_as_the_server_returned_them() -> None:
    rows = rows_as_shown(ORIGINAL)
    rows[0].text = "sk-2"
    data = validate_fields(rows)
    assert data == {**ORIGINAL, "api_key": "sk-2"}
    assert all(type(data[k]) is type(v) for k, v in ORIGINAL.items())
    assert data["config"] is ORIGINAL["config"]


def test_non_string_values_are_edited_as_json_and_parsed_back() -> None:
    rows = rows_as_shown(ORIGINAL)
    by_key = {r.key: r for r in rows}
    assert by_key["config"].text == '{"region": "us", "retries": 3}'
    assert by_key["multi"].text == '"a\\nb"'
    by_key["config"].text = '{"region": "eu", "retries": 3}'
    by_key["enabled"].text = "false"
    by_key["multi"].text = '"a\\nb\\nc"'
    data = validate_fields(rows)
    assert data["config"] == {"region": "eu", "retries": 3}
    assert data["enabled"] is False
    assert data["multi"] == "a\nb\nc"


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("config", "{region: eu}", r"field 2 \(config\): not valid JSON"),
        ("multi", "[1]", r"field 6 \(multi\): a multi-line string is edited as a JSON string"),
    ],
)
def test_bad_json_names_the_field(key: str, text: str, message: str) -> None:
    rows = rows_as_shown(ORIGINAL)
    next(r for r in rows if r.key == key).text = text
    with pytest.raises(ValueError, match=message):
        validate_fields(rows)


def test_describe_maps_known_failures() -> None:
    assert describe(CasConflict("p", 3)).title == "Changed by someone else"
    assert describe(ConnectionRefusedError()).title == "Unreachable"
    unknown = describe(RuntimeError("boom"))
    assert isinstance(unknown, ConsoleError) and "RuntimeError" in unknown.message
