"""All three components on the real engine: the AWS secrets engine, the AWS IAM auth method
and the model secrets, applied by the real Pulumi CLI and vault provider to an OpenBao dev
server with OpenBao's aws plugins registered, whose AWS is a moto server.

moto checks no request signatures and no IAM policies, and its keys work at once (real IAM
keys take seconds): these tests prove the wiring (endpoints, root key, bound principal,
leases, logins), not AWS's own authorisation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.infra.moto import boto3_env
from tests.infra.test_real_engine import Bed, model_raw, ops
from vault_console.infra.aws import identify
from vault_console.infra.proof import aws_credentials_check, aws_login_check, verify
from vault_console.infra.setup import SetupAnswers
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

pytestmark = pytest.mark.needs_pulumi_cli

SECRET_ENV = "VC_TEST_AWS_ROOT_SECRET"


@pytest.fixture
def plugins(bao: DevServer) -> None:
    if bao.plugin_dir is None:
        message = "OpenBao's aws plugins were not found (../shared/openbao-plugins)"
        if os.environ.get("CI"):
            pytest.fail(message)  # these tests must run in CI, as the engine tests must
        pytest.skip(message)


class Aws:
    """What the demo seeds in moto: Vault's root IAM user and the AI service's role."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.iam = boto3.client(
            "iam",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="moto-admin-secret",
        )
        self.iam.create_user(UserName=f"{prefix}-vault-root")
        key = self.iam.create_access_key(UserName=f"{prefix}-vault-root")["AccessKey"]
        self.root_key, self.root_secret = key["AccessKeyId"], key["SecretAccessKey"]
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
        self.role_arn = self.iam.create_role(
            RoleName=f"{prefix}-ai-service", AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]

    def users(self) -> set[str]:
        return {u["UserName"] for u in self.iam.list_users()["Users"]}


def three_components(bed: Bed, aws: Aws, value: str = "sk-aws-real-1") -> dict[str, Any]:
    raw = model_raw(bed.prefix, value)
    raw["aws_secrets"] = {
        "path": f"{bed.prefix}-aws",
        "region": "us-east-1",
        "access_key": aws.root_key,
        "secret_key": {"env": SECRET_ENV},
        "iam_endpoint": aws.url,
        "sts_endpoint": aws.url,
        "role_name": "ai-service",
        "credential_type": "iam_user",
        "policy_document": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}],
            }
        ),
    }
    raw["aws_auth"] = {
        "path": f"{bed.prefix}-awsauth",
        "iam_endpoint": aws.url,
        "sts_endpoint": aws.url,
        "sts_region": "us-east-1",
        "role_name": "ai-service",
        "bound_principal_arn": aws.role_arn,
    }
    return raw


def test_three_components_preview_apply_prove_and_destroy(
    bed: Bed,
    plugins: None,
    moto_server: str,
    aws_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``aws_env``: the operator's own boto3 settings point at moto too (it confirms the
    generated IAM user is gone)."""
    aws = Aws(moto_server, bed.prefix)
    client = bed.hvac()
    raw = three_components(bed, aws)
    engine = bed.engine(raw, secret_env={SECRET_ENV: aws.root_secret})

    preview = engine.preview()
    assert ops(preview) == {
        "vault:index/mount:Mount": "create",
        "vault:kv/secretV2:SecretV2": "create",
        "vault:index/policy:Policy": "create",
        "vault:aws/secretBackend:SecretBackend": "create",
        "vault:aws/secretBackendRole:SecretBackendRole": "create",
        "vault:index/authBackend:AuthBackend": "create",
        "vault:aws/authBackendClient:AuthBackendClient": "create",
        "vault:aws/authBackendRole:AuthBackendRole": "create",
    }
    backend_step = next(s for s in preview.plan.steps if s.type.endswith("SecretBackend"))
    planned = {c.path: c.new for c in backend_step.changes}
    assert planned["secretKey"] == "[secret]"
    assert planned["iamEndpoint"] == planned["stsEndpoint"] == aws.url
    assert preview.plan_file is not None
    assert aws.root_secret not in preview.plan_file.read_text()

    engine.up(preview.plan_file)
    # Read back: the mounts are the plugins' type "aws", configured as reviewed.
    mounts = client.sys.list_mounted_secrets_engines()["data"]
    assert mounts[f"{bed.prefix}-aws/"]["type"] == "aws"
    root = client.read(f"{bed.prefix}-aws/config/root")["data"]
    assert root["access_key"] == aws.root_key
    assert root["iam_endpoint"] == root["sts_endpoint"] == aws.url
    assert "secret_key" not in root  # Vault never returns it
    auths = client.sys.list_auth_methods()["data"]
    assert auths[f"{bed.prefix}-awsauth/"]["type"] == "aws"
    client_config = client.read(f"auth/{bed.prefix}-awsauth/config/client")["data"]
    assert client_config["sts_endpoint"] == client_config["iam_endpoint"] == aws.url
    role = client.read(f"auth/{bed.prefix}-awsauth/role/ai-service")["data"]
    assert role["bound_iam_principal_arn"] == [aws.role_arn]
    assert role["token_policies"] == [f"{bed.prefix}-read"]

    # The root secret key is in the state only encrypted.
    states = list((bed.tmp / "state").rglob(f"*{bed.stack}*.json"))
    assert states and all(aws.root_secret not in p.read_text() for p in states)

    # Proven: a credential made, confirmed by STS, its lease revoked and the user gone.
    gateway = VaultGateway(bed.server.settings())
    config = engine.config
    before = aws.users()
    proof = aws_credentials_check(gateway, config)
    assert "STS says arn:aws:iam::" in proof and "; lease revoked; IAM user " in proof
    assert proof.endswith(" removed")
    assert aws.users() == before  # the generated user is gone again

    # A login of the bound principal: the role's credentials through sts:AssumeRole.
    assumed = boto3.client(
        "sts",
        endpoint_url=aws.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="moto-admin-secret",
    ).assume_role(RoleArn=aws.role_arn, RoleSessionName="ai-service")["Credentials"]
    login = aws_login_check(gateway, config, assumed)
    assert f"policies default, {bed.prefix}-read" in login
    assert f"reads {bed.prefix}/openai/api-key; none of 5 other paths" in login
    assert login.endswith("token revoked")

    # The same checks through a named profile, as the AWS step passes its session: a
    # profile in a private AWS_CONFIG_FILE whose endpoint is moto, no AWS_* keys around.
    profile_file = bed.tmp / "aws-config"
    profile_file.write_text(
        "[profile ml-ops]\n"
        f"endpoint_url = {aws.url}\n"
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = profile-secret\n"
        "region = us-east-1\n"
    )
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(profile_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(bed.tmp / "no-credentials"))
    identity, session = identify("ml-ops", "us-east-1")
    assert identity.source == "config-file"
    checks = {
        c.what.split(" ")[0] + " " + c.what.split(" ")[1]: c
        for c in verify(gateway, config, session)
    }
    assert checks["AWS credentials"].ok and "removed" in checks["AWS credentials"].detail
    by_profile = checks["AWS login"]
    assert by_profile.checked and by_profile.ok, by_profile.detail

    again = engine.preview()
    assert not again.plan.has_changes

    # Drift: someone repoints the auth method's STS endpoint; the refresh shows it.
    client.write(f"auth/{bed.prefix}-awsauth/config/client", sts_endpoint="https://sts.example.com")
    drift = engine.preview()
    assert ops(drift)["vault:aws/authBackendClient:AuthBackendClient"] == "update"
    # An update: a longer token TTL on the auth role, applied as reviewed, drift undone.
    raw["aws_auth"]["token_ttl"] = 7200
    changed = bed.engine(raw, secret_env={SECRET_ENV: aws.root_secret})
    update = changed.preview()
    assert ops(update)["vault:aws/authBackendRole:AuthBackendRole"] == "update"
    assert update.plan_file is not None
    changed.up(update.plan_file)
    assert client.read(f"auth/{bed.prefix}-awsauth/role/ai-service")["data"]["token_ttl"] == 7200
    assert (
        client.read(f"auth/{bed.prefix}-awsauth/config/client")["data"]["sts_endpoint"] == aws.url
    )

    changed.destroy()
    mounts = client.sys.list_mounted_secrets_engines()["data"]
    assert f"{bed.prefix}-aws/" not in mounts and f"{bed.prefix}/" not in mounts
    assert f"{bed.prefix}-awsauth/" not in client.sys.list_auth_methods()["data"]


def test_headless_up_verify_proves_the_aws_components(
    bed: Bed, plugins: None, moto_server: str, tmp_path: Path
) -> None:
    """``vault-console up --yes --verify`` as a pipeline runs it: a new process, the config
    file, the root secret key in the environment, boto3's settings pointing at moto."""
    aws = Aws(moto_server, bed.prefix)
    config_file = tmp_path / "stack.toml"
    config_file.write_text(SetupAnswers(raw=three_components(bed, aws)).config_toml())
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VAULT_", "BAO_"))},
        **bed.env,
        **boto3_env(moto_server),
        **bed.provider_env,
        SECRET_ENV: aws.root_secret,
        "PATH": f"{Path(bed.cli_path).parent}{os.pathsep}{os.environ['PATH']}",
    }
    command = [sys.executable, "-m", "vault_console", "up", "--config", str(config_file)]
    command += ["--stack", bed.stack, "--backend-url", f"file://{tmp_path / 'backend'}"]
    (tmp_path / "backend").mkdir()
    done = subprocess.run(
        [*command, "--yes", "--verify"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Verified:" in out
    assert f"✔ AWS credentials from {bed.prefix}-aws/creds/ai-service: STS says" in out
    assert "lease revoked; IAM user vault-token-ai-service-" in out
    assert f"✔ AWS login at auth/{bed.prefix}-awsauth as role ai-service: logged in:" in out
    assert (
        f"✔ auth role {bed.prefix}-awsauth/ai-service: auth_type iam, bound to {aws.role_arn}"
        in out
    )
    assert aws.root_secret not in out + done.stderr

    destroyed = subprocess.run(
        [*command[:3], "destroy", *command[4:], "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert f"{bed.prefix}-awsauth/" not in bed.hvac().sys.list_auth_methods()["data"]
