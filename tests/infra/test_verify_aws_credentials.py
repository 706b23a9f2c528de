"""The wizard's post-apply check of the AWS secrets engine: a short-lived credential is
generated, confirmed with STS and its lease revoked, and the credential is never shown.

Neither OpenBao nor any Vault here has the AWS secrets engine, so a small HTTP server on
127.0.0.1 answers the two Vault endpoints the check calls (``aws/creds/ROLE`` and
``sys/leases/revoke``) and records them. The credential it hands out is a real IAM user's
access key on the moto server, and STS is moto's, reached through boto3 as a user would.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from tests.conftest import settings_for
from vault_console.infra.setup import verify
from vault_console.vault.client import VaultGateway
from vault_console_programs.ai_secrets.config import StackConfig, parse

LEASE = "aws/creds/ai-service/6d2b0c1e"


class AwsEngine(ThreadingHTTPServer):
    """Vault's AWS secrets engine as the check sees it: one role, one lease at a time."""

    def __init__(self, credential: dict[str, Any]) -> None:
        self.credential = credential
        self.revoked: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: AwsEngine

    def _answer(self, status: int, body: dict[str, Any] | None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/aws/creds/ai-service":
            self._answer(
                200, {"lease_id": LEASE, "lease_duration": 900, "data": self.server.credential}
            )
        else:
            self._answer(404, {"errors": []})

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if self.path == "/v1/sys/leases/revoke":
            self.server.revoked.append(body["lease_id"])
            self._answer(204, None)
        else:
            self._answer(404, {"errors": []})

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def iam_user_key(aws_env: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A new IAM user on moto with an access key, as the engine's iam_user type makes one."""
    iam = boto3.client("iam")
    name = f"vault-ai-service-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, {
        "access_key": key["AccessKeyId"],
        "secret_key": key["SecretAccessKey"],
        "security_token": None,
    }


@pytest.fixture
def engine(iam_user_key: tuple[str, dict[str, Any]]) -> Iterator[AwsEngine]:
    server = AwsEngine(iam_user_key[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def aws_secrets_only() -> StackConfig:
    config, _ = parse(
        {
            "aws_secrets": {
                "region": "us-east-1",
                "policy_arns": ["arn:aws:iam::aws:policy/AmazonBedrockReadOnly"],
            },
            "aws_auth": {"enabled": False},
            "model_secrets": {"enabled": False},
        },
        {},
    )
    return config


def test_a_credential_is_confirmed_by_sts_and_its_lease_revoked_unshown(
    engine: AwsEngine, iam_user_key: tuple[str, dict[str, Any]]
) -> None:
    user, credential = iam_user_key
    gateway = VaultGateway(settings_for(engine.address, "s.test-token"))
    checks = verify(gateway, aws_secrets_only())
    assert [c.what for c in checks] == ["AWS credentials from aws/creds/ai-service"]
    assert checks[0].ok, checks[0].detail
    assert checks[0].detail.startswith("STS says arn:aws:iam::")
    assert checks[0].detail.endswith(f":user/{user}; lease revoked")
    assert engine.revoked == [LEASE]
    said = repr(checks)
    assert credential["secret_key"] not in said and credential["access_key"] not in said


def test_the_lease_is_revoked_even_when_sts_cannot_be_reached(
    engine: AwsEngine, iam_user_key: tuple[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    gateway = VaultGateway(settings_for(engine.address, "s.test-token"))
    checks = verify(gateway, aws_secrets_only())
    assert not checks[0].ok
    assert "Could not connect" in checks[0].detail, checks[0].detail
    assert engine.revoked == [LEASE]  # nothing is left alive by a failed check
    assert iam_user_key[1]["secret_key"] not in repr(checks)
