"""A real moto server on 127.0.0.1 standing in for AWS's APIs (STS, IAM)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """``moto_server -p PORT`` on 127.0.0.1; yields its endpoint URL."""
    executable = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which(
        "moto_server"
    )
    assert executable, "moto_server not installed (pip install 'moto[server]')"
    port = _free_port()
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    http = urllib3.PoolManager(retries=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            http.request("GET", url + "/moto-api/", timeout=1.0)
            break
        except urllib3.exceptions.HTTPError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("moto_server did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def aws_env(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment that points boto3 (as a user would configure it) at the moto server."""
    env = {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return env
