"""Policy analysis against a table of rules and paths (Vault's documented matching)."""

from __future__ import annotations

import pytest

from vault_console.vault.policies import (
    PolicyParseError,
    Rule,
    broad_rules,
    decide,
    parse_policy,
    who_can_read,
)


def rules(*specs: tuple[str, str]) -> list[Rule]:
    return [Rule(p, frozenset(c.split(",")), ("t",)) for p, c in specs]


TABLE = [
    # (rules, path, expected capabilities)
    (rules(("secret/data/app", "read")), "secret/data/app", {"read"}),
    (rules(("secret/data/app", "read")), "secret/data/app2", set()),
    (rules(("secret/data/*", "read")), "secret/data/a/b/c", {"read"}),
    (rules(("secret/data/*", "read")), "secret/data", set()),
    (rules(("secret/data/app*", "read")), "secret/data/app-prod", {"read"}),
    (rules(("secret/+/app", "read")), "secret/data/app", {"read"}),
    (rules(("secret/+/app", "read")), "secret/data/x/app", set()),
    (rules(("secret/+/+/key", "list")), "secret/a/b/key", {"list"}),
    (rules(("secret/*", "read"), ("secret/data/app", "deny")), "secret/data/app", {"deny"}),
    (rules(("secret/*", "deny"), ("secret/data/app", "read")), "secret/data/app", {"read"}),
    (
        rules(("secret/data/*", "read"), ("secret/data/prod/*", "read,update")),
        "secret/data/prod/x",
        {"read", "update"},
    ),
    # Rule 1: the first wildcard comes later in "secret/data/prod/*", so it wins.
    (
        rules(("secret/data/prod/*", "read"), ("secret/data/+/x", "update")),
        "secret/data/prod/x",
        {"read"},
    ),
    (
        rules(("secret/+/prod/x", "read"), ("secret/data/+/x", "update")),
        "secret/data/prod/x",
        {"update"},
    ),
    (rules(("secret/data/x*", "read"), ("secret/data/x", "list")), "secret/data/x", {"list"}),
    (
        rules(("secret/data/+/*", "read"), ("secret/data/+/+/*", "update")),
        "secret/data/a/b/c",
        {"read"},
    ),
    (rules(("a/*", "read"), ("a/*", "update")), "a/b", {"read", "update"}),
    (rules(("a/*", "read"), ("a/*", "deny")), "a/b", {"deny"}),
    (rules(("*", "read")), "anything/at/all", {"read"}),
]


@pytest.mark.parametrize(("rule_set", "path", "expected"), TABLE)
def test_capabilities_table(rule_set: list[Rule], path: str, expected: set[str]) -> None:
    assert decide(rule_set, path).capabilities == expected


HCL = """
# a comment with "quotes" and { braces }
path "ai-models/data/prod/*" {
  capabilities = ["read"]
}
path "ai-models/metadata/+/openai" {
  capabilities = ["read", "list"]   // trailing comment
  allowed_parameters = {
    "version" = []
  }
}
path "ai-models/data/prod/restricted" { capabilities = ["deny"] }
"""


def test_hcl_parse_with_nested_blocks_and_comments() -> None:
    parsed = parse_policy("reader", HCL)
    assert [(r.pattern, sorted(r.capabilities)) for r in parsed] == [
        ("ai-models/data/prod/*", ["read"]),
        ("ai-models/metadata/+/openai", ["list", "read"]),
        ("ai-models/data/prod/restricted", ["deny"]),
    ]


def test_json_policy_parse() -> None:
    parsed = parse_policy("j", '{"path": {"kv/*": {"capabilities": ["read"]}}}')
    assert parsed == [Rule("kv/*", frozenset({"read"}), ("j",))]


def test_unclosed_block_is_an_error() -> None:
    with pytest.raises(PolicyParseError, match="unclosed block"):
        parse_policy("bad", 'path "x" { capabilities = ["read"]')


def test_who_can_read_lists_granting_and_denying_policies() -> None:
    policies = {
        "reader": parse_policy("reader", HCL),
        "admin": parse_policy(
            "admin",
            'path "ai-models/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
        ),
        "other": parse_policy("other", 'path "billing/*" { capabilities = ["read"] }'),
    }
    answer = who_can_read(policies, "ai-models/data/prod/openai")
    assert [g.policy for g in answer.grants] == ["admin", "reader"]
    restricted = who_can_read(policies, "ai-models/data/prod/restricted")
    assert [g.policy for g in restricted.grants] == ["admin"]
    assert [g.policy for g in restricted.denied_by] == ["reader"]


def test_broad_rules_are_findings() -> None:
    policies = {
        "too-much": parse_policy(
            "too-much",
            'path "*" { capabilities = ["read"] }\npath "sys/*" { capabilities = ["sudo", "read"] }',
        )
    }
    assert len(broad_rules(policies)) == 2


def test_tree_paths_map_to_the_kv_v2_api_paths() -> None:
    from vault_console.vault.policies import api_paths

    mounts = ["ai-models/", "team/ai/"]
    paths, note = api_paths("ai-models/prod/openai", mounts)
    assert paths == ("ai-models/data/prod/openai", "ai-models/metadata/prod/openai")
    assert note.startswith("ai-models/ is KV v2")
    # The longest mount wins; API paths and other mounts are themselves.
    assert api_paths("team/ai/x", ["team/", *mounts])[0][0] == "team/ai/data/x"
    assert api_paths("ai-models/metadata/prod/openai", mounts) == (
        ("ai-models/metadata/prod/openai",),
        "",
    )
    assert api_paths("legacy-kv/prod/x", mounts) == (("legacy-kv/prod/x",), "")
