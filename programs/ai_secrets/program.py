"""The AI-secrets stack: AWS secrets engine, AWS IAM auth method, KV v2 model secrets.

Three components, each switched on or off by config:

1. **AWS secrets engine**: ``vault.aws.SecretBackend`` and a ``SecretBackendRole`` the AI
   service reads AWS credentials from (``iam_user`` or ``assumed_role``).
2. **AWS IAM auth method**: ``vault.AuthBackend`` of type ``aws``, its
   ``AuthBackendClient``, and an ``AuthBackendRole`` (``auth_type="iam"``) bound to the AI
   workload's IAM principal: an existing ARN, or an ``aws.iam.Role`` created here whose
   trust policy names the workload's AWS service.
3. **Model secrets**: a KV v2 ``vault.Mount``, one ``vault.kv.SecretV2`` per secret whose
   data is only ever a Pulumi secret, and a ``vault.Policy`` that reads exactly those
   paths, attached to the auth role.

How this fixes the example program in ``shared/seed/`` that this project started from:

* It bound the auth role to ``aws_provider.arn``, but a Pulumi provider has no ARN. Here
  the role is bound to a real IAM principal: ``bound_principal_arn`` from config, or the
  ``arn`` output of the ``aws.iam.Role`` this program creates.
* It created an ``AuthBackendRole`` with ``backend='aws'`` but never enabled an AWS auth
  method. Here a ``vault.AuthBackend(type="aws")`` is created first, with its client
  config, and the role names that backend's path (so Pulumi orders them).
* It wrote the KV secret into the AWS secrets engine's mount (``mount=secret_backend.path``),
  which is not a KV store. Here model secrets go to their own KV v2 mount, and config
  validation refuses the same path for both.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_vault as vault

from vault_console_programs.ai_secrets.config import (
    AWS_SECRET_KEY,
    MODEL_SECRETS_KEY,
    SETTINGS_KEY,
    WORKLOAD_SERVICES,
    StackConfig,
    model_secret_resource,
)


@dataclass
class Created:
    """The resources the program made, for exports and tests."""

    resources: dict[str, pulumi.Resource] = field(default_factory=dict)


def _secret_json(all_secrets_json: str, path: str) -> str:
    return json.dumps(json.loads(all_secrets_json)[path], sort_keys=True)


def read_policy_hcl(mount: str, paths: list[str]) -> str:
    """HCL granting read on exactly ``paths`` of a KV v2 ``mount`` (data and metadata)."""
    blocks = []
    for path in sorted(paths):
        blocks.append(f'path "{mount}/data/{path}" {{\n  capabilities = ["read"]\n}}\n')
        blocks.append(f'path "{mount}/metadata/{path}" {{\n  capabilities = ["read"]\n}}\n')
    return "\n".join(blocks)


def trust_policy(service: str) -> str:
    """Trust policy letting the AI workload's AWS service assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": WORKLOAD_SERVICES[service]},
                    "Action": ["sts:AssumeRole", "sts:TagSession"]
                    if service == "eks-pods"
                    else "sts:AssumeRole",
                }
            ],
        },
        sort_keys=True,
    )


def _options(config: StackConfig, name: str, **options: Any) -> pulumi.ResourceOptions:
    """``name``'s resource options: an import of the live object when the operator chose
    to adopt it (the preview then shows the import and, as an update, what the program
    changes in it)."""
    return pulumi.ResourceOptions(import_=config.import_id(name), **options)


def create(
    config: StackConfig,
    aws_secret_key: pulumi.Input[str] | None,
    model_secrets_json: pulumi.Input[str] | None,
) -> Created:
    """Declare the stack's resources. Secret inputs are wrapped as Pulumi secrets here."""
    made = Created()
    ns = config.vault_namespace
    read_policy: vault.Policy | None = None

    if config.model_secrets.enabled:
        spec = config.model_secrets
        mount = vault.Mount(
            "model-secrets-mount",
            path=spec.mount_path,
            type="kv",
            options={"version": "2"},
            description="Secrets for AI models",
            namespace=ns,
            opts=_options(config, "model-secrets-mount"),
        )
        made.resources["mount"] = mount
        all_data: pulumi.Output[str] = pulumi.Output.secret(model_secrets_json or "{}")
        for path in spec.names:
            # apply() on a secret Output stays secret; the test checks it.
            data_json = all_data.apply(functools.partial(_secret_json, path=path))
            name = model_secret_resource(path)
            made.resources[f"secret:{path}"] = vault.kv.SecretV2(
                name,
                mount=mount.path,
                name=path,
                data_json=data_json,
                namespace=ns,
                opts=_options(config, name),
            )
        read_policy = vault.Policy(
            "model-secrets-read-policy",
            name=spec.policy_name,
            policy=mount.path.apply(lambda m: read_policy_hcl(m, list(spec.names))),
            namespace=ns,
            opts=_options(config, "model-secrets-read-policy"),
        )
        made.resources["policy"] = read_policy
        pulumi.export("model_secrets_mount", mount.path)
        pulumi.export("model_secret_paths", list(spec.names))
        pulumi.export("read_policy", read_policy.name)

    if config.aws_secrets.enabled:
        spec_s = config.aws_secrets
        backend = vault.aws.SecretBackend(
            "aws-secrets-engine",
            path=spec_s.path,
            region=spec_s.region,
            description=spec_s.description,
            default_lease_ttl_seconds=spec_s.default_lease_ttl,
            max_lease_ttl_seconds=spec_s.max_lease_ttl,
            access_key=spec_s.access_key,
            secret_key=pulumi.Output.secret(aws_secret_key) if aws_secret_key is not None else None,
            iam_endpoint=spec_s.iam_endpoint,
            sts_endpoint=spec_s.sts_endpoint,
            namespace=ns,
            opts=_options(config, "aws-secrets-engine"),
        )
        made.resources["aws_secrets"] = backend
        made.resources["aws_secrets_role"] = vault.aws.SecretBackendRole(
            "aws-secrets-role",
            backend=backend.path,
            name=spec_s.role_name,
            credential_type=spec_s.credential_type,
            policy_arns=list(spec_s.policy_arns) or None,
            policy_document=spec_s.policy_document,
            role_arns=list(spec_s.role_arns) or None,
            namespace=ns,
            opts=_options(config, "aws-secrets-role"),
        )
        pulumi.export("aws_secrets_path", backend.path)
        pulumi.export(
            "aws_credentials_path", backend.path.apply(lambda p: f"{p}/creds/{spec_s.role_name}")
        )

    if config.aws_auth.enabled:
        spec_a = config.aws_auth
        auth = vault.AuthBackend(
            "aws-auth",
            type="aws",
            path=spec_a.path,
            description="AWS IAM auth for AI services",
            namespace=ns,
            opts=_options(config, "aws-auth"),
        )
        root_key = spec_a.use_root_key and aws_secret_key is not None
        client = vault.aws.AuthBackendClient(
            "aws-auth-client",
            backend=auth.path,
            access_key=config.aws_secrets.access_key if root_key else None,
            secret_key=pulumi.Output.secret(aws_secret_key) if root_key else None,
            iam_endpoint=spec_a.iam_endpoint,
            sts_endpoint=spec_a.sts_endpoint,
            sts_region=spec_a.sts_region,
            namespace=ns,
            opts=_options(config, "aws-auth-client"),
        )
        principal: pulumi.Input[str]
        if spec_a.bound_principal_arn:
            principal = spec_a.bound_principal_arn
        else:
            role = aws.iam.Role(
                "ai-service-role",
                name=spec_a.iam_role_name,
                assume_role_policy=trust_policy(spec_a.workload_service),
                description="The AI workload's identity for Vault's AWS IAM auth",
            )
            made.resources["iam_role"] = role
            principal = role.arn
        policies: list[pulumi.Input[str]] = [*spec_a.extra_policies]
        if read_policy is not None:
            policies.insert(0, read_policy.name)
        made.resources["aws_auth"] = auth
        made.resources["aws_auth_client"] = client
        made.resources["aws_auth_role"] = vault.aws.AuthBackendRole(
            "aws-auth-role",
            backend=auth.path,
            role=spec_a.role_name,
            auth_type="iam",
            bound_iam_principal_arns=[principal],
            token_policies=policies,
            token_ttl=spec_a.token_ttl,
            token_max_ttl=spec_a.token_max_ttl,
            namespace=ns,
            opts=_options(config, "aws-auth-role", depends_on=[client]),
        )
        pulumi.export("aws_auth_path", auth.path)
        pulumi.export("aws_auth_role", spec_a.role_name)
        pulumi.export("bound_principal_arn", principal)
    return made


def from_pulumi_config(config: pulumi.Config | None = None) -> tuple[StackConfig, Any, Any]:
    """Read the stack config the console sets (or ``pulumi config set`` by hand)."""
    config = config or pulumi.Config()
    settings = StackConfig.from_settings_json(config.require(SETTINGS_KEY))
    return settings, config.get_secret(AWS_SECRET_KEY), config.get_secret(MODEL_SECRETS_KEY)


def main() -> None:
    """The program as Pulumi runs it: inline from the console, or ``pulumi up`` by hand."""
    create(*from_pulumi_config())
