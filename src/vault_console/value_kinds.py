"""What a secret value is, never what it holds: ``OpenAI project key (sk-proj-…) · 164 chars``.

One table, each row with the source of its shape (the provider's documented prefix). A
label names the kind, the fixed public prefix at most, and the length; it never shows a
character of the secret part. Order matters: the first row that matches wins, so longer
prefixes come before shorter ones (``sk-ant-`` and ``sk-proj-`` before ``sk-``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kind:
    label: str
    prefix: str
    """The fixed public prefix shown with the label ('' for none)."""
    pattern: re.Pattern[str]
    source: str


def _kind(label: str, prefix: str, pattern: str, source: str) -> Kind:
    return Kind(label, prefix, re.compile(pattern, re.DOTALL), source)


KINDS: tuple[Kind, ...] = (
    _kind(
        "Anthropic API key",
        "sk-ant-",
        r"sk-ant-[A-Za-z0-9_-]{20,}",
        "Anthropic API keys start sk-ant- (docs.anthropic.com, API keys)",
    ),
    _kind(
        "OpenAI project key",
        "sk-proj-",
        r"sk-proj-[A-Za-z0-9_-]{20,}",
        "OpenAI project API keys start sk-proj- (platform.openai.com, API keys)",
    ),
    _kind(
        "OpenAI service account key",
        "sk-svcacct-",
        r"sk-svcacct-[A-Za-z0-9_-]{20,}",
        "OpenAI service account keys start sk-svcacct- (platform.openai.com)",
    ),
    _kind(
        "OpenAI key",
        "sk-",
        r"sk-[A-Za-z0-9_-]{20,}",
        "OpenAI user API keys start sk- (platform.openai.com, API keys)",
    ),
    _kind(
        "Google API key",
        "AIza",
        r"AIza[0-9A-Za-z_-]{35}",
        "Google Cloud API keys: AIza and 35 characters (cloud.google.com, API keys)",
    ),
    _kind(
        "Hugging Face token",
        "hf_",
        r"hf_[A-Za-z0-9]{30,}",
        "Hugging Face user access tokens start hf_ (huggingface.co/docs, security tokens)",
    ),
    _kind(
        "AWS access key id (long-term)",
        "AKIA",
        r"AKIA[A-Z0-9]{16}",
        "AWS access key ids: AKIA for long-term keys (IAM user guide, access keys)",
    ),
    _kind(
        "AWS access key id (temporary)",
        "ASIA",
        r"ASIA[A-Z0-9]{16}",
        "AWS access key ids: ASIA for temporary STS keys (IAM user guide)",
    ),
    _kind(
        "GitHub fine-grained token",
        "github_pat_",
        r"github_pat_[A-Za-z0-9_]{22,}",
        "GitHub fine-grained personal access tokens start github_pat_ (GitHub docs)",
    ),
    _kind(
        "GitHub token",
        "ghp_",
        r"ghp_[A-Za-z0-9]{36}",
        "GitHub classic personal access tokens start ghp_ (GitHub docs, token formats)",
    ),
    _kind(
        "Slack token",
        "xox",
        r"xox[abposr]-[A-Za-z0-9-]{10,}",
        "Slack tokens start xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr- (api.slack.com)",
    ),
    _kind(
        "JWT",
        "eyJ",
        r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*",
        "RFC 7519: base64url header.payload.signature; a JSON header starts eyJ",
    ),
    _kind(
        "PEM private key",
        "",
        r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----.*-----END ([A-Z0-9]+ )*PRIVATE KEY-----\s*",
        "RFC 7468: -----BEGIN … PRIVATE KEY----- armour",
    ),
)

AWS_SECRET = re.compile(r"[A-Za-z0-9/+]{40}")
"""An AWS secret access key: 40 characters, recognised only beside an access key id (alone,
any 40-character string would match)."""


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def kind_of(value: Any, beside_access_key: bool = False) -> str:
    """The kind's name alone (``OpenAI project key``, ``text``, ``number``...)."""
    if not isinstance(value, str):
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int | float):
            return "number"
        if value is None:
            return "null"
        return "array" if isinstance(value, list) else "object"
    for kind in KINDS:
        if kind.pattern.fullmatch(value):
            return kind.label
    if beside_access_key and AWS_SECRET.fullmatch(value):
        return "AWS secret access key"
    if len(value) >= 16 and " " not in value and _entropy(value) >= 3.5:
        return "high-entropy"
    return "text"


def label(value: Any, beside_access_key: bool = False, prefix: bool = True) -> str:
    """``OpenAI project key (sk-proj-…) · 164 chars``; for a non-string, its JSON type.
    Without ``prefix``, where space is short: ``OpenAI project key · 164 chars``."""
    name = kind_of(value, beside_access_key)
    if not isinstance(value, str):
        return name
    known = next((k.prefix for k in KINDS if k.label == name), "")
    shown = f" ({known}…)" if known and prefix else ""
    lines = value.count("\n") + 1
    size = f"{len(value)} chars" + (f", {lines} lines" if lines > 1 else "")
    return f"{name}{shown} · {size}"


def labels(data: Mapping[str, Any], prefix: bool = True) -> dict[str, str]:
    """Each key's label; a 40-character value counts as an AWS secret key only when the
    same secret holds an AWS access key id."""
    has_key_id = any(
        kind_of(v).startswith("AWS access key id") for v in data.values() if isinstance(v, str)
    )
    return {key: label(value, has_key_id, prefix) for key, value in data.items()}
