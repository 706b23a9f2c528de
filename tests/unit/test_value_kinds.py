"""Provider-aware labels on fake keys of each documented shape: the label says what a
value is and how long, never a character of its secret part."""

from __future__ import annotations

import pytest

from vault_console.value_kinds import KINDS, kind_of, label, labels

BODY = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0h"  # fake: 40 characters, mixed

FAKES = {
    "Anthropic API key": "sk-ant-api03-" + BODY + "-" + BODY[:20],
    "OpenAI project key": "sk-proj-" + BODY * 3,
    "OpenAI service account key": "sk-svcacct-" + BODY,
    "OpenAI key": "sk-" + BODY[:48],
    "Google API key": "AIza" + BODY[:35],
    "Hugging Face token": "hf_" + BODY[:34],
    "AWS access key id (long-term)": "AKIA" + "IOSFODNN7EXAMPLE",
    "AWS access key id (temporary)": "ASIA" + "IOSFODNN7EXAMPLE",
    "GitHub fine-grained token": "github_pat_11" + BODY[:20] + "_" + BODY,
    "GitHub token": "ghp_" + BODY[:36],
    "Slack token": "xoxb-1234567890-" + BODY[:24],
    "JWT": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhaSJ9." + BODY[:43],
    "PEM private key": "-----BEGIN PRIVATE KEY-----\nMIIEvQ"
    + BODY
    + "\n-----END PRIVATE KEY-----\n",
}


def test_every_row_of_the_table_has_a_fake_and_a_source() -> None:
    assert {k.label for k in KINDS} == set(FAKES)
    assert all(k.source for k in KINDS)


@pytest.mark.parametrize("expected", sorted(FAKES))
def test_each_shape_is_recognised_and_its_secret_part_never_shown(expected: str) -> None:
    value = FAKES[expected]
    assert kind_of(value) == expected
    shown = label(value)
    assert shown.startswith(expected) and f"{len(value)} chars" in shown
    assert BODY[:8] not in shown and BODY[-8:] not in shown  # nothing of the secret part


def test_the_prefix_shown_is_the_public_one_at_most() -> None:
    assert label(FAKES["OpenAI project key"]) == (
        f"OpenAI project key (sk-proj-…) · {len(FAKES['OpenAI project key'])} chars"
    )
    assert "(" not in label(FAKES["PEM private key"]).split("·")[0]  # no prefix to show


def test_an_aws_secret_key_is_named_only_beside_its_access_key_id() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert kind_of(secret) == "high-entropy"  # alone, a 40-character string is just that
    found = labels({"access_key": FAKES["AWS access key id (long-term)"], "secret_key": secret})
    assert found["secret_key"] == "AWS secret access key · 40 chars"


def test_other_values_are_text_high_entropy_or_their_json_type() -> None:
    assert kind_of("gpt-4o") == "text"
    assert kind_of("a long sentence with spaces in it") == "text"
    assert kind_of("q8Zt2LwP0xVb7NcR5mYk") == "high-entropy"
    assert label("line one\nline two") == "text · 17 chars, 2 lines"
    assert [kind_of(v) for v in (1, 2.5, True, None, [1], {"a": 1})] == [
        "number",
        "number",
        "boolean",
        "null",
        "array",
        "object",
    ]
