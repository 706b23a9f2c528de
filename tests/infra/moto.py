"""A real moto server on 127.0.0.1 standing in for AWS's APIs (STS, IAM): the demo's own
(``vault_console.infra.demo_aws``). moto checks no signatures or IAM policies.

Used by the ``moto_server`` fixture and by ``scripts/screenshots.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from vault_console.infra.demo_aws import MotoServer


@contextlib.contextmanager
def running_moto() -> Iterator[str]:
    """``moto_server -p PORT`` on 127.0.0.1; yields its endpoint URL."""
    with MotoServer() as server:
        yield server.url


def boto3_env(url: str) -> dict[str, str]:
    """What a user would export to point boto3 at the moto server at ``url``."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
