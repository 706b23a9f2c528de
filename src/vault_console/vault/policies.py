"""ACL policy analysis: parse policies (HCL or JSON) and decide what they grant on a path.

Matching follows Vault's documented rules: a rule without wildcards matches its path
exactly; a trailing ``*`` matches any suffix; ``+`` matches one path segment. Rules for
the same pattern in several policies merge (capabilities unite, ``deny`` wins). Among the
patterns that match, the most specific one decides, by Vault's priority order:

1. the first ``+`` or ``*`` later in the pattern is more specific (none at all is best);
2. a pattern not ending in ``*`` beats one that does;
3. fewer ``+`` segments is more specific;
4. longer is more specific;
5. lexicographically larger is more specific.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

READ_CAPS = frozenset({"read", "list", "create", "update", "patch", "delete", "sudo"})
"""Capabilities that let a holder see a path's data or names."""


class PolicyParseError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    pattern: str
    capabilities: frozenset[str]
    policies: tuple[str, ...] = ()

    @property
    def denies(self) -> bool:
        return "deny" in self.capabilities

    def matches(self, path: str) -> bool:
        return _regex(self.pattern).match(path) is not None

    def priority(self) -> tuple[int, int, int, int, str]:
        """Larger is more specific (Vault's order, see the module docstring)."""
        positions = [i for i, c in enumerate(self.pattern) if c in "+*"]
        first = positions[0] if positions else 1 << 30
        plus = self.pattern.split("/").count("+")
        return (
            first,
            0 if self.pattern.endswith("*") else 1,
            -plus,
            len(self.pattern),
            self.pattern,
        )


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _regex(pattern: str) -> re.Pattern[str]:
    cached = _REGEX_CACHE.get(pattern)
    if cached is None:
        glob = pattern.endswith("*")
        body = pattern[:-1] if glob else pattern
        parts = [("[^/]+" if seg == "+" else re.escape(seg)) for seg in body.split("/")]
        cached = re.compile("^" + "/".join(parts) + (".*" if glob else "") + "$")
        _REGEX_CACHE[pattern] = cached
    return cached


def _strip_comments(text: str) -> str:
    out = []
    for line in text.splitlines():
        in_string = False
        for i, char in enumerate(line):
            if char == '"' and (i == 0 or line[i - 1] != "\\"):
                in_string = not in_string
            if not in_string and (char == "#" or line[i : i + 2] == "//"):
                line = line[:i]
                break
        out.append(line)
    return "\n".join(out)


def parse_policy(name: str, text: str) -> list[Rule]:
    """Rules of one policy, from HCL or JSON."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise PolicyParseError(f"{name}: not JSON ({exc.msg})") from None
        paths = doc.get("path", {})
        return [
            Rule(pattern, frozenset(body.get("capabilities", [])), (name,))
            for pattern, body in paths.items()
        ]
    text = _strip_comments(text)
    rules = []
    position = 0
    header = re.compile(r'path\s+"([^"]*)"\s*\{')
    while True:
        found = header.search(text, position)
        if not found:
            break
        depth, index = 1, found.end()
        while depth and index < len(text):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        if depth:
            raise PolicyParseError(f"{name}: unclosed block for path {found[1]!r}")
        body = text[found.end() : index - 1]
        caps = re.search(r"capabilities\s*=\s*\[([^\]]*)\]", body)
        capabilities = frozenset(re.findall(r'"([^"]+)"', caps[1])) if caps else frozenset()
        rules.append(Rule(found[1], capabilities, (name,)))
        position = index
    return rules


def merge(rules: Iterable[Rule]) -> list[Rule]:
    """One rule per pattern: capabilities united, deny kept, policy names collected."""
    merged: dict[str, Rule] = {}
    for rule in rules:
        seen = merged.get(rule.pattern)
        if seen is None:
            merged[rule.pattern] = rule
        else:
            merged[rule.pattern] = Rule(
                rule.pattern,
                seen.capabilities | rule.capabilities,
                tuple(dict.fromkeys(seen.policies + rule.policies)),
            )
    return list(merged.values())


@dataclass(frozen=True)
class Decision:
    capabilities: frozenset[str]
    rule: Rule | None = None
    """The rule that decided, or None when nothing matched (implicit deny)."""

    @property
    def can_read(self) -> bool:
        return "deny" not in self.capabilities and bool(self.capabilities & READ_CAPS)


def decide(rules: Iterable[Rule], path: str) -> Decision:
    """What a set of rules (one token's policies) grants on ``path``."""
    matching = [r for r in merge(rules) if r.matches(path)]
    if not matching:
        return Decision(frozenset())
    best = max(matching, key=Rule.priority)
    if best.denies:
        return Decision(frozenset({"deny"}), best)
    return Decision(best.capabilities, best)


@dataclass(frozen=True)
class Grant:
    policy: str
    capabilities: frozenset[str]
    pattern: str


@dataclass
class WhoCanRead:
    """Answer to "who can read this path"."""

    path: str
    grants: list[Grant] = field(default_factory=list)
    denied_by: list[Grant] = field(default_factory=list)


KV2_SECRET_API = ("data", "metadata", "delete", "undelete", "destroy", "subkeys")
"""The API paths under which a KV v2 mount serves one secret: values, versions and
metadata, soft delete, undelete, destroy, subkeys (OpenBao; Vault 1.13+)."""

KV2_API = (*KV2_SECRET_API, "config")
"""Every first segment of a KV v2 API path (``config`` is the mount's own)."""


def kv2_secret_paths(mount: str, path: str) -> tuple[str, ...]:
    """Every API path of one KV v2 secret, e.g. ``ai-models/data/prod/openai``, …"""
    return tuple(f"{mount.strip('/')}/{kind}/{path}" for kind in KV2_SECRET_API)


def api_paths(path: str, kv2_mounts: Iterable[str]) -> tuple[tuple[str, ...], str]:
    """The API paths a path as the tree shows it stands for, and a note saying so.

    On a KV v2 mount ``ai-models/prod/openai`` is read through ``ai-models/data/prod/openai``
    (the values) and ``ai-models/metadata/prod/openai`` (versions and metadata): policies
    name those. A path that already names one of them, or is on no KV v2 mount, is itself.
    """
    path = path.strip().lstrip("/")
    mount = max(
        (m for m in (m.strip("/") + "/" for m in kv2_mounts) if path.startswith(m)),
        key=len,
        default=None,
    )
    if mount is None:
        return (path,), ""
    rest = path[len(mount) :]
    if rest.split("/", 1)[0] in KV2_API:
        return (path,), ""
    paths = (f"{mount}data/{rest}", f"{mount}metadata/{rest}")
    note = f"{mount} is KV v2: checked {paths[0]} (the values) and {paths[1]} (versions, metadata)"
    return paths, note


def who_can_read(policies: Mapping[str, list[Rule]], path: str) -> WhoCanRead:
    """Each policy on its own: does it grant read, list or more on ``path``?

    Policies combine on a token; a deny or a more specific rule in another policy the same
    token holds can take the grant away, which ``decide`` on the token's set shows.
    """
    answer = WhoCanRead(path)
    for name, rules in sorted(policies.items()):
        decision = decide(rules, path)
        if decision.rule is None:
            continue
        grant = Grant(name, decision.capabilities, decision.rule.pattern)
        if decision.can_read:
            answer.grants.append(grant)
        elif decision.capabilities == {"deny"}:
            answer.denied_by.append(grant)
    return answer


def broad_rules(policies: Mapping[str, list[Rule]]) -> list[str]:
    """Findings: rules so broad a reviewer should look at them."""
    findings = []
    for name, rules in sorted(policies.items()):
        for rule in rules:
            if rule.denies:
                continue
            if rule.pattern in {"*", "+/*"} or (
                rule.pattern.startswith("sys/") and "sudo" in rule.capabilities
            ):
                findings.append(
                    f"policy {name}: path {rule.pattern!r} grants {', '.join(sorted(rule.capabilities))}"
                )
    return findings
