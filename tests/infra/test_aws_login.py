"""An AWS IAM login from a profile (issue 21 part 6), as a user's pipeline would run it:
a new process, boto3's chain holding the operator's key, OpenBao's aws auth plugin
checking the signed sts:GetCallerIdentity against moto's STS.

moto checks no signatures or IAM policies: this proves the request is built, sent and
bound to the right principal, not that AWS would accept the signature.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from vault_console.infra import demo_aws
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer


def test_a_profile_logs_in_with_aws_iam(
    bao: DevServer, gateway: VaultGateway, moto_server: str, tmp_path: Path
) -> None:
    if bao.plugin_dir is None:
        message = "OpenBao's aws plugins were not found (../shared/openbao-plugins)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    iam = demo_aws.admin_client(moto_server, "iam")
    user = f"op-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    arn = iam.get_user(UserName=user)["User"]["Arn"]
    mount = f"aws-{uuid.uuid4().hex[:6]}"
    client = gateway.client
    client.sys.enable_auth_method("aws", path=mount)
    client.write(
        f"auth/{mount}/config/client",
        access_key=demo_aws.ADMIN_KEY,
        secret_key=demo_aws.ADMIN_SECRET,
        iam_endpoint=moto_server,
        sts_endpoint=moto_server,
        sts_region=demo_aws.REGION,
    )
    client.write(
        f"auth/{mount}/role/ops",
        auth_type="iam",
        bound_iam_principal_arn=[arn],
        resolve_aws_unique_ids=False,
        token_policies="default",
    )
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        f'[profiles.p]\naddress = "{bao.address}"\nauth = "aws"\nauth_mount = "{mount}"\n'
        f'role = "ops"\naws_region = "{demo_aws.REGION}"\n'
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_", "AWS_"))},
        "VAULT_CONSOLE_CONFIG": str(profiles),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = subprocess.run(
        [sys.executable, "-m", "vault_console", "show", "nowhere/x", "--profile", "p"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Logged in (else exit 1 "login failed"); the token's policies see no KV mount: 3.
    assert "login failed" not in done.stderr, done.stderr
    assert done.returncode == 3, done.stdout + done.stderr
    assert key["SecretAccessKey"] not in done.stdout + done.stderr
    accessors = client.list("auth/token/accessors")["data"]["keys"]
    logins = [client.auth.token.lookup_accessor(a)["data"] for a in accessors]
    mine = [d for d in logins if str(d.get("path", "")).startswith(f"auth/{mount}/login")]
    assert mine, "no token was made by the aws login"
    assert mine[0]["display_name"] == f"{mount}-{user}"  # the operator's IAM user, bound
    assert arn.endswith(f":user/{user}")
