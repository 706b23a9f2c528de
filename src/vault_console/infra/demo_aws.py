"""The demo's AWS: a moto server on 127.0.0.1, seeded like a small account.

``vault-console demo`` starts it beside ``bao`` (and stops it with it), so a newcomer runs
the whole wizard, the AWS components included, with no cloud account. The console's own
process gets boto3 settings that point at it and at nothing else: its own credentials and
config files, no profile, no instance metadata. The user's ``~/.aws`` is never read and
real AWS is never reached.

moto checks no request signatures and no IAM policies, and its keys are valid at once.
The tests use the same server (``tests/infra/moto.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ADMIN_KEY = "AKIAIOSFODNN7EXAMPLE"
"""moto's account takes any key: this one seeds it (moto checks no signature)."""
ADMIN_SECRET = "moto-demo-admin-not-a-secret"
REGION = "us-east-1"
ROOT_USER = "vault-root"
SERVICE_ROLE = "ai-service"
OPERATOR_USER = "demo-operator"


class MotoMissing(RuntimeError):
    """moto's server is not installed (``pip install 'moto[server]'``)."""


def find_moto_server() -> str:
    beside = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    found = beside or shutil.which("moto_server")
    if not found:
        raise MotoMissing("moto_server not installed (pip install 'moto[server]')")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoServer:
    """``moto_server -H 127.0.0.1 -p PORT``, ended when this process ends (setpriv)."""

    def __init__(self) -> None:
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> MotoServer:
        import urllib3

        port = _free_port()
        setpriv = shutil.which("setpriv")
        prefix = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self._process = subprocess.Popen(
            [*prefix, find_moto_server(), "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{port}"
        http = urllib3.PoolManager(retries=False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                http.request("GET", self.url + "/moto-api/", timeout=1.0)
                return self
            except urllib3.exceptions.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not start")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> MotoServer:
        return self.start() if self._process is None else self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def admin_client(url: str, service: str) -> Any:
    """A client of moto's account that reads nothing of the user's AWS set-up (no
    AWS_PROFILE, no ~/.aws): a profile named there must not stop the demo, nor be used."""
    import boto3
    import botocore.session

    # (config-file name, environment variable, default, conversion): no variable, no file.
    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    return boto3.session.Session(botocore_session=core).client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=ADMIN_KEY,
        aws_secret_access_key=ADMIN_SECRET,
    )


@dataclass(frozen=True)
class DemoAccount:
    url: str
    root_key: str
    root_secret: str
    """Vault's root IAM user's key: the AWS secrets engine makes users with it."""
    operator_key: str
    operator_secret: str
    """The operator's own identity (what the wizard's "Check identity" finds)."""
    role_arn: str
    """The AI service's IAM role, the principal the auth method binds."""


def seed(url: str) -> DemoAccount:
    """An IAM user for Vault's root credentials, one for the operator, and the AI
    service's role (trusting EC2), as a small real account would have them."""
    iam = admin_client(url, "iam")
    keys = {}
    for user in (ROOT_USER, OPERATOR_USER):
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(
        RoleName=SERVICE_ROLE,
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="The AI inference service (demo)",
    )["Role"]
    return DemoAccount(url, *keys[ROOT_USER], *keys[OPERATOR_USER], role_arn=role["Arn"])


def console_env(account: DemoAccount, folder: Path) -> dict[str, str]:
    """boto3 settings for the console's process only: the operator's key, moto's endpoint,
    and empty config and credentials files of the demo's own (the user's ``~/.aws`` stays
    unread)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("config", "credentials"):
        (folder / name).write_text("")
    return {
        "AWS_ENDPOINT_URL": account.url,
        "AWS_ACCESS_KEY_ID": account.operator_key,
        "AWS_SECRET_ACCESS_KEY": account.operator_secret,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(folder / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


#: Variables of the user's own AWS set-up that the demo removes from its process.
USER_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN")
