"""A real moto server on 127.0.0.1 standing in for AWS's APIs (STS, IAM).

Used by the ``moto_server`` fixture and by ``scripts/screenshots.py``.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import urllib3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_moto() -> Iterator[str]:
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
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def boto3_env(url: str) -> dict[str, str]:
    """What a user would export to point boto3 at the moto server at ``url``."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
