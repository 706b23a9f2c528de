"""A real moto server on 127.0.0.1 standing in for AWS's APIs (STS, IAM)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.infra.moto import boto3_env, running_moto
from vault_console.vault.devserver import DevServer

if TYPE_CHECKING:
    from tests.infra.test_real_engine import Bed

_bed_names = itertools.count()


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


@pytest.fixture
def bed(tmp_path: Path, pulumi_cli: str, pulumi_home: Path, bao: DevServer) -> Bed:
    """One test's stack on the real engine: a fresh backend and work dir (test_real_engine)."""
    from tests.infra.test_real_engine import Bed

    return Bed(tmp_path, pulumi_cli, pulumi_home, bao, f"re{next(_bed_names)}")
