"""A real moto server on 127.0.0.1 standing in for AWS's APIs (STS, IAM)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.infra.moto import boto3_env, running_moto


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """``moto_server -p PORT`` on 127.0.0.1; yields its endpoint URL."""
    with running_moto() as url:
        yield url


@pytest.fixture
def aws_env(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment that points boto3 (as a user would configure it) at the moto server."""
    env = boto3_env(moto_server)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return env
