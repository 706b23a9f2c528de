"""infra/aws.py through boto3 against a real moto server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import boto3
import pytest

from vault_console.infra.aws import SOURCES_CHECKED, AwsError, identify, list_roles, session_for

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_identity_and_roles_from_moto(aws_env: dict[str, str]) -> None:
    iam = boto3.client("iam")
    name = "wizard-test-inference"
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), Path="/ai/")

    identity, session = identify(region="eu-west-1")
    assert identity.account == "123456789012"  # moto's default account
    assert identity.arn.startswith("arn:aws:")
    assert identity.region == "eu-west-1"
    assert identity.source == "env"

    roles = {r.name: r for r in list_roles(session)}
    assert roles[name].arn == f"arn:aws:iam::123456789012:role/ai/{name}"
    assert roles[name].trusted == ("ecs-tasks.amazonaws.com",)
    iam.delete_role(RoleName=name)  # the moto server is shared by the session's tests


def test_no_credentials_names_every_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no metadata service here anyway
    with pytest.raises(AwsError) as raised:
        identify()
    assert raised.value.title == "No AWS credentials"
    for source in SOURCES_CHECKED:
        assert source in raised.value.message


def test_unknown_profile_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none-config"))
    with pytest.raises(AwsError, match=re.escape("aws.profile: no profile 'nobody'")):
        identify(profile="nobody")


def test_the_metadata_service_gets_one_short_try() -> None:
    # The default is 1 s x 1 attempt already, but a user's config can raise it; the
    # wizard pins it so a machine without credentials fails in about a second.
    core = session_for(None, "us-east-1")._session
    assert core.get_config_variable("metadata_service_timeout") == 1
    assert core.get_config_variable("metadata_service_num_attempts") == 1


def test_unreachable_sts_names_the_endpoint(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(AwsError) as raised:
        identify()
    assert raised.value.title == "AWS unreachable"
    assert f"127.0.0.1:{port}" in raised.value.message
