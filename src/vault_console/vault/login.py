"""Log in with something other than a token: userpass, approle, AWS IAM, OIDC (issue 21
part 6).

A profile names the method (``auth = "approle"``) and where its secret part comes from: a
file or an environment variable, never a command-line argument (argv is visible to every
user in ``ps``). The token the server returns stays in memory; nothing writes it to
``~/.vault-token``.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

from vault_console.config import ConfigError, LoginSpec, Settings, Token


def _print_url(url: str) -> None:
    print(
        f"Sign in at this URL (opened in a browser where one is available):\n{url}", file=sys.stderr
    )


def login(
    settings: Settings,
    spec: LoginSpec,
    env: Mapping[str, str] | None = None,
    *,
    show_url: Callable[[str], None] = _print_url,
    cancelled: threading.Event | None = None,
) -> Token:
    """Log in and return the token (in memory only). Errors are the server's, described
    by ``errors.describe`` (a wrong password is a 400 from userpass, for instance).
    OIDC hands the sign-in URL to ``show_url`` and waits for the browser (``vault.oidc``)."""
    import dataclasses

    from vault_console.vault.client import VaultGateway

    env = os.environ if env is None else env
    gateway = VaultGateway(dataclasses.replace(settings, token=None))
    try:
        mount = spec.mount.strip("/")
        if spec.method == "aws":
            answer = _aws(gateway, spec)
        elif spec.method == "oidc":
            from vault_console.vault.oidc import oidc_login

            answer = oidc_login(
                gateway.adapter, spec, show_url=show_url, env=env, cancelled=cancelled
            )
        else:
            secret = spec.secret(env)
            if spec.method == "userpass":
                path, body = f"/v1/auth/{mount}/login/{spec.name}", {"password": secret}
            else:
                path, body = f"/v1/auth/{mount}/login", {"role_id": spec.name, "secret_id": secret}
            answer = gateway.adapter.post(path, json=body)["auth"]
    finally:
        gateway.close()
    return Token(str(answer["client_token"]))


def _aws(gateway: Any, spec: LoginSpec) -> dict[str, Any]:
    """A signed ``sts:GetCallerIdentity`` with boto3's credential chain (profile, role,
    environment), as ``vault login -method=aws`` does."""
    import boto3

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise ConfigError("auth aws: boto3 found no AWS credentials (its usual chain)")
    frozen = credentials.get_frozen_credentials()
    answer = gateway.client.auth.aws.iam_login(
        frozen.access_key,
        frozen.secret_key,
        frozen.token,
        header_value=spec.header_value,
        role=spec.name,
        use_token=False,
        region=spec.region,
        mount_point=spec.mount,
    )
    return dict(answer["auth"])
