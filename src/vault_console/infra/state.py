"""Where a stack's Pulumi state lives, and what encrypts its secrets: the ``[state]``
section of a stack config (and the wizard's target step).

Teams share state in S3 (``s3://bucket/prefix?region=…&endpoint=…``), not on one laptop;
a local file backend under the console's state folder is the default. The secrets
provider is named (``passphrase``, or a KMS URL); a passphrase itself is never stored,
it comes from PULUMI_CONFIG_PASSPHRASE(_FILE) as for the Pulumi CLI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vault_console_programs.ai_secrets.config import endpoint_problem, region_problem

SECRETS_PROVIDERS = ("passphrase", "hashivault://", "awskms://", "gcpkms://", "azurekeyvault://")
BACKEND_SCHEMES = ("file", "s3", "gs", "azblob", "https")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_S3_OPTIONS = {
    "region",
    "endpoint",
    "profile",
    "use_path_style",
    "disable_https",
    "s3ForcePathStyle",
    "disableSSL",
    "awssdk",
}


@dataclass(frozen=True)
class StateSettings:
    backend: str | None = None
    """None: PULUMI_BACKEND_URL, else local files under the console's state folder."""
    secrets_provider: str = "passphrase"


def parse_state(raw: Mapping[str, Any]) -> tuple[StateSettings, dict[str, str]]:
    """The ``state`` section's settings and its problems by field (``state.backend``)."""
    section = raw.get("state") or {}
    problems: dict[str, str] = {}
    if not isinstance(section, Mapping):
        return StateSettings(), {"state": "must be a table"}
    for key in section:
        if key not in ("backend", "secrets_provider"):
            problems[f"state.{key}"] = "unknown setting (known: backend, secrets_provider)"
    backend = section.get("backend") or None
    if backend is not None:
        reason = backend_problem(backend)
        if reason:
            problems["state.backend"] = reason
    provider = section.get("secrets_provider") or "passphrase"
    if not isinstance(provider, str) or not provider.startswith(SECRETS_PROVIDERS):
        problems["state.secrets_provider"] = (
            f"{provider!r} is not passphrase or a KMS URL "
            "(awskms://…, hashivault://KEY, gcpkms://…, azurekeyvault://…)"
        )
    if problems:
        return StateSettings(), problems
    return StateSettings(backend, provider), {}


def backend_problem(url: Any) -> str | None:
    """Why ``url`` cannot be a state backend, or None."""
    if not isinstance(url, str):
        return f"{url!r} is not a URL"
    parts = urlsplit(url)
    if parts.scheme not in BACKEND_SCHEMES:
        return f"{url!r}: a backend is file://, s3://, gs://, azblob:// or https://"
    if parts.scheme == "file":
        absolute = parts.netloc in ("", "localhost") and parts.path.startswith("/")
        return None if absolute else f"{url!r}: file:// takes an absolute path (file:///…)"
    if parts.scheme != "s3":
        return None
    if not _BUCKET.match(parts.netloc):
        return f"{url!r}: {parts.netloc!r} is not an S3 bucket name"
    options = parse_qs(parts.query, keep_blank_values=True)
    for name, values in options.items():
        if name not in _S3_OPTIONS:
            return f"{url!r}: unknown option {name!r} (known: {', '.join(sorted(_S3_OPTIONS))})"
        if len(values) != 1:
            return f"{url!r}: {name} given {len(values)} times"
    if "region" in options:
        reason = region_problem(options["region"][0])
        if reason:
            return f"{url!r}: region {reason}"
    if "endpoint" in options:
        reason = endpoint_problem(options["endpoint"][0])
        if reason:
            return f"{url!r}: endpoint {reason}"
    return None
