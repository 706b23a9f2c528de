"""Who AWS says we are, and the IAM roles the AI service may run as (boto3, no Textual).

boto3's standard chain is used as-is (environment, shared files, profiles, SSO,
container, instance metadata), with two changes so the wizard never hangs: the instance
metadata service gets one attempt of one second, and every API call one try with short
timeouts. ``AWS_ENDPOINT_URL`` is honoured (it is how tests reach a moto server).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vault_console.errors import ConsoleError, ErrorKind

SOURCES_CHECKED = (
    "environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
    "shared credentials file (~/.aws/credentials, AWS_SHARED_CREDENTIALS_FILE)",
    "config file profiles (~/.aws/config, AWS_CONFIG_FILE), SSO and credential_process",
    "container credentials (ECS/EKS)",
    "instance metadata (1 attempt, 1 s)",
)
MAX_ROLES = 2000


@dataclass(frozen=True)
class AwsError(ConsoleError):
    """AWS could not answer; the message says what was tried."""

    kind: ErrorKind = ErrorKind.AWS


@dataclass(frozen=True)
class AwsIdentity:
    account: str
    arn: str
    user_id: str
    region: str
    source: str
    """Where boto3 found the credentials (``env``, ``shared-credentials-file``, …)."""


@dataclass(frozen=True)
class IamRole:
    name: str
    arn: str
    path: str
    trusted: tuple[str, ...]
    """The services and principals its trust policy names."""


def session_for(profile: str | None, region: str | None) -> Any:
    import boto3
    import botocore.session

    core = botocore.session.Session(profile=profile or None)
    core.set_config_variable("metadata_service_timeout", 1)
    core.set_config_variable("metadata_service_num_attempts", 1)
    return boto3.session.Session(botocore_session=core, region_name=region or None)


def client_config() -> Any:
    """Short timeouts, one try: a console waits on these calls."""
    from botocore.config import Config

    return Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 1})


def identify(
    profile: str | None = None, region: str | None = None, sts_endpoint: str | None = None
) -> tuple[AwsIdentity, Any]:
    """The STS caller identity and the boto3 session it came from; AwsError when there
    are no credentials (naming every source checked) or AWS refuses them. ``sts_endpoint``
    (the wizard's field) beats boto3's own settings, as it does for Vault."""
    import botocore.exceptions
    from botocore.parsers import ResponseParserError

    try:
        session = session_for(profile, region)
        credentials = session.get_credentials()
    except botocore.exceptions.ProfileNotFound:
        raise AwsError(
            f"aws.profile: no profile {profile!r} in ~/.aws/config or ~/.aws/credentials",
            "AWS profile not found",
            False,
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsError(f"AWS credentials could not be loaded: {exc}", "AWS credentials") from None
    if credentials is None:
        raise AwsError(
            "No AWS credentials found. Checked: "
            + "; ".join(SOURCES_CHECKED)
            + ". Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or type the "
            "principal's ARN instead.",
            "No AWS credentials",
            False,
        )
    region = region or session.region_name or "us-east-1"
    try:
        sts = session.client(
            "sts", region_name=region, endpoint_url=sts_endpoint or None, config=client_config()
        )
        answer = sts.get_caller_identity()
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise AwsError(
            f"STS refused the credentials from {credentials.method}: "
            f"{error.get('Code', '?')}: {error.get('Message', '')}",
            "AWS refused",
            False,
        ) from None
    except (botocore.exceptions.BotoCoreError, ResponseParserError) as exc:
        raise AwsError(f"STS could not be reached: {exc}", "AWS unreachable") from None
    identity = AwsIdentity(
        account=str(answer["Account"]),
        arn=str(answer["Arn"]),
        user_id=str(answer["UserId"]),
        region=region,
        source=str(credentials.method),
    )
    return identity, session


def _trusted(document: Any) -> tuple[str, ...]:
    names: list[str] = []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal", {}) if isinstance(statement, dict) else {}
        if isinstance(principal, str):
            names.append(principal)
            continue
        for value in principal.values() if isinstance(principal, dict) else ():
            names.extend(value if isinstance(value, list) else [value])
    return tuple(str(n) for n in names)


def list_roles(session: Any, iam_endpoint: str | None = None) -> list[IamRole]:
    """Every IAM role (``iam:ListRoles``, up to MAX_ROLES), sorted by name."""
    import botocore.exceptions
    from botocore.parsers import ResponseParserError

    iam = session.client("iam", endpoint_url=iam_endpoint or None, config=client_config())
    roles: list[IamRole] = []
    try:
        for page in iam.get_paginator("list_roles").paginate():
            for role in page.get("Roles", []):
                document = role.get("AssumeRolePolicyDocument") or {}
                if isinstance(document, str):  # URL-encoded JSON from some endpoints
                    import json
                    from urllib.parse import unquote

                    document = json.loads(unquote(document))
                roles.append(
                    IamRole(
                        role["RoleName"], role["Arn"], role.get("Path", "/"), _trusted(document)
                    )
                )
            if len(roles) >= MAX_ROLES:
                break
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise AwsError(
            f"iam:ListRoles refused: {error.get('Code', '?')}: {error.get('Message', '')}. "
            "Type the role's ARN instead.",
            "Cannot list IAM roles",
            False,
        ) from None
    except (botocore.exceptions.BotoCoreError, ResponseParserError) as exc:
        raise AwsError(f"IAM could not be reached: {exc}", "AWS unreachable") from None
    return sorted(roles[:MAX_ROLES], key=lambda r: r.name)


def session_env(session: Any, env: dict[str, str]) -> dict[str, str]:
    """``env`` with the profile and region of ``session`` (the wizard's AWS step), so what
    a child process reaches in AWS is what the identity check was asked about. The
    profile is the one chosen; a region already set stays."""
    profile = getattr(session, "profile_name", None)
    if profile and profile != "default":
        env["AWS_PROFILE"] = str(profile)
    region = getattr(session, "region_name", None)
    if region:
        env.setdefault("AWS_REGION", str(region))
    return env
