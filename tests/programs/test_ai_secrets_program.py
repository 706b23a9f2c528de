"""The AI-secrets program under Pulumi's own mocks: resources, inputs, wiring, secrecy."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_vault as vault
import pytest

from vault_console_programs.ai_secrets.config import (
    AwsAuth,
    AwsSecretsEngine,
    ModelSecrets,
    StackConfig,
)
from vault_console_programs.ai_secrets.program import Created, create, read_policy_hcl

ROLE_ARN = "arn:aws:iam::123456789012:role/existing-inference"
MODEL_DATA = {"openai/api-key": {"api_key": "sk-test-123"}, "anthropic/api-key": {"api_key": "x"}}


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers like a provider would and records every resource registered."""

    def __init__(self) -> None:
        self.created: list[tuple[str, str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == "aws:iam/role:Role":
            outputs["arn"] = f"arn:aws:iam::123456789012:role/{args.inputs['name']}"
        self.created.append((args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        return [inputs for t, _, inputs in self.created if t == typ]


SECRET_SIG = "4dabf18193072939515e22adb298388d"


def unwrap_secret(value: Any) -> Any:
    """The value inside Pulumi's secret wrapper; fails if it was not sent as a secret."""
    assert isinstance(value, dict) and value.get(SECRET_SIG) == "1b47061264138c4ac30d75fd1eb44270"
    return value["value"]


@pytest.fixture
def mocks() -> Iterator[RecordingMocks]:
    # Pulumi's runtime needs a current event loop; async tests elsewhere leave none set.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="vault-ai-secrets", stack="test", preview=False)
    yield recording
    asyncio.set_event_loop(None)
    loop.close()


def full_config(**changes: Any) -> StackConfig:
    config = StackConfig(
        aws_secrets=AwsSecretsEngine(
            policy_arns=("arn:aws:iam::aws:policy/AmazonBedrockReadOnly",), region="eu-west-1"
        ),
        aws_auth=AwsAuth(workload_service="sagemaker"),
        model_secrets=ModelSecrets(names=tuple(sorted(MODEL_DATA))),
    )
    return replace(config, **changes)


def run(
    config: StackConfig,
    check: Callable[[Created], Awaitable[None]],
    secret_key: str | None = "k",  # noqa: S107
) -> None:
    """Run the program under the mocks, then ``check`` once every resource is registered."""

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> Any:
        made = create(
            config,
            pulumi.Output.secret(secret_key) if secret_key else None,
            pulumi.Output.secret(json.dumps(MODEL_DATA)),
        )
        outputs = [r.urn for r in made.resources.values()]
        return pulumi.Output.all(*outputs).apply(lambda _: asyncio.ensure_future(check(made)))

    program()


def test_every_resource_and_its_inputs(mocks: RecordingMocks) -> None:
    async def check(made: Created) -> None:
        backend = mocks.of_type("vault:aws/secretBackend:SecretBackend")
        assert len(backend) == 1
        assert backend[0]["path"] == "aws"
        assert backend[0]["region"] == "eu-west-1"
        assert backend[0]["defaultLeaseTtlSeconds"] == 3600
        assert backend[0]["maxLeaseTtlSeconds"] == 86400
        role = mocks.of_type("vault:aws/secretBackendRole:SecretBackendRole")
        assert role[0]["backend"] == "aws"
        assert role[0]["credentialType"] == "iam_user"
        assert role[0]["policyArns"] == ["arn:aws:iam::aws:policy/AmazonBedrockReadOnly"]
        auth = mocks.of_type("vault:index/authBackend:AuthBackend")
        assert auth == [{"type": "aws", "path": "aws", "description": auth[0]["description"]}]
        client = mocks.of_type("vault:aws/authBackendClient:AuthBackendClient")
        assert client[0]["backend"] == "aws"
        iam = mocks.of_type("aws:iam/role:Role")
        trust = json.loads(iam[0]["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
        mount = mocks.of_type("vault:index/mount:Mount")
        assert mount[0]["type"] == "kv" and mount[0]["options"] == {"version": "2"}
        secrets = mocks.of_type("vault:kv/secretV2:SecretV2")
        assert sorted(s["name"] for s in secrets) == sorted(MODEL_DATA)
        assert all(s["mount"] == "ai-models" for s in secrets)
        by_name = {s["name"]: json.loads(unwrap_secret(s["dataJson"])) for s in secrets}
        assert by_name == MODEL_DATA
        policy = mocks.of_type("vault:index/policy:Policy")
        assert policy[0]["name"] == "ai-models-read"
        assert policy[0]["policy"] == read_policy_hcl("ai-models", list(MODEL_DATA))

    run(full_config(), check)


def test_auth_role_is_bound_to_the_created_iam_role_and_carries_the_policy(
    mocks: RecordingMocks,
) -> None:
    async def check(made: Created) -> None:
        role = mocks.of_type("vault:aws/authBackendRole:AuthBackendRole")
        assert len(role) == 1
        assert role[0]["authType"] == "iam"
        assert role[0]["backend"] == "aws"  # the auth backend's path, not a provider's
        assert role[0]["boundIamPrincipalArns"] == [
            "arn:aws:iam::123456789012:role/ai-service-vault-auth"
        ]
        assert role[0]["tokenPolicies"] == ["ai-models-read"]
        assert role[0]["tokenTtl"] == 3600 and role[0]["tokenMaxTtl"] == 14400
        iam_role = made.resources["iam_role"]
        assert isinstance(iam_role, aws.iam.Role)
        assert await iam_role.arn.future() == role[0]["boundIamPrincipalArns"][0]

    run(full_config(), check)


def test_existing_principal_arn_creates_no_iam_role(mocks: RecordingMocks) -> None:
    config = full_config(aws_auth=AwsAuth(bound_principal_arn=ROLE_ARN, extra_policies=("ops",)))

    async def check(made: Created) -> None:
        assert mocks.of_type("aws:iam/role:Role") == []
        role = mocks.of_type("vault:aws/authBackendRole:AuthBackendRole")
        assert role[0]["boundIamPrincipalArns"] == [ROLE_ARN]
        assert role[0]["tokenPolicies"] == ["ai-models-read", "ops"]

    run(config, check)


def test_secret_data_stays_secret(mocks: RecordingMocks) -> None:
    async def check(made: Created) -> None:
        for path in MODEL_DATA:
            secret = made.resources[f"secret:{path}"]
            assert isinstance(secret, vault.kv.SecretV2)
            assert await secret.data_json.is_secret()
        backend = made.resources["aws_secrets"]
        assert isinstance(backend, vault.aws.SecretBackend)
        assert await backend.secret_key.is_secret()
        # ...and they reach the engine marked secret, not as plain inputs.
        for inputs in mocks.of_type("vault:kv/secretV2:SecretV2"):
            unwrap_secret(inputs["dataJson"])
        assert (
            unwrap_secret(mocks.of_type("vault:aws/secretBackend:SecretBackend")[0]["secretKey"])
            == "k"
        )

    run(full_config(), check)


def test_without_root_credentials_no_secret_key_is_sent(mocks: RecordingMocks) -> None:
    async def check(made: Created) -> None:
        backend = mocks.of_type("vault:aws/secretBackend:SecretBackend")
        assert "secretKey" not in backend[0] and "accessKey" not in backend[0]

    run(full_config(), check, secret_key=None)


COMPONENT_TYPES = {
    "aws_secrets": {
        "vault:aws/secretBackend:SecretBackend",
        "vault:aws/secretBackendRole:SecretBackendRole",
    },
    "aws_auth": {
        "vault:index/authBackend:AuthBackend",
        "vault:aws/authBackendClient:AuthBackendClient",
        "vault:aws/authBackendRole:AuthBackendRole",
        "aws:iam/role:Role",
    },
    "model_secrets": {
        "vault:index/mount:Mount",
        "vault:kv/secretV2:SecretV2",
        "vault:index/policy:Policy",
    },
}
COMBINATIONS = [
    combo
    for n in range(1, 4)
    for combo in itertools.combinations(("aws_secrets", "aws_auth", "model_secrets"), n)
]


@pytest.mark.parametrize("enabled", COMBINATIONS, ids=["+".join(c) for c in COMBINATIONS])
def test_each_component_combination_creates_exactly_its_resources(
    mocks: RecordingMocks, enabled: tuple[str, ...]
) -> None:
    base = full_config()
    config = replace(
        base,
        aws_secrets=replace(base.aws_secrets, enabled="aws_secrets" in enabled),
        aws_auth=replace(base.aws_auth, enabled="aws_auth" in enabled),
        model_secrets=replace(base.model_secrets, enabled="model_secrets" in enabled),
    )
    expected = set().union(*(COMPONENT_TYPES[c] for c in enabled))

    async def check(made: Created) -> None:
        created = {t for t, _, _ in mocks.created if not t.startswith("pulumi:")}
        assert created == expected
        if "aws_auth" in enabled:
            role = mocks.of_type("vault:aws/authBackendRole:AuthBackendRole")[0]
            has_policy = "model_secrets" in enabled
            assert role["tokenPolicies"] == (["ai-models-read"] if has_policy else [])

    run(config, check)
