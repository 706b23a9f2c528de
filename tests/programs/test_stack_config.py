"""Stack config validation: every bad value is refused with its field and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vault_console_programs.ai_secrets.config import (
    StackConfig,
    StackConfigError,
    check_arn,
    load,
    parse,
)

GOOD: dict[str, Any] = {
    "aws_secrets": {
        "region": "us-west-2",
        "policy_arns": ["arn:aws:iam::aws:policy/AmazonBedrockReadOnly"],
    },
    "aws_auth": {"workload_service": "ecs-tasks"},
    "model_secrets": {"secrets": {"openai/api-key": {"api_key": {"env": "OPENAI_KEY"}}}},
}
ENV = {"OPENAI_KEY": "sk-from-env"}


def with_change(section: str, key: str, value: Any) -> dict[str, Any]:
    raw = {name: dict(body) for name, body in GOOD.items()}
    raw.setdefault(section, {})[key] = value
    return raw


def test_good_config_parses_with_secrets_apart() -> None:
    config, secrets = parse(GOOD, ENV)
    assert config.aws_secrets.region == "us-west-2"
    assert config.model_secrets.names == ("openai/api-key",)
    assert secrets.model_data == {"openai/api-key": {"api_key": "sk-from-env"}}
    assert "sk-from-env" not in repr(secrets)
    assert "sk-from-env" not in config.settings_json()
    assert StackConfig.from_settings_json(config.settings_json()) == config


@pytest.mark.parametrize(
    "url",
    [
        "https://iam.us-gov.amazonaws.com",
        "https://vpce-0abc.sts.us-east-1.vpce.amazonaws.com:443/",
        "http://127.0.0.1:5000",
        "http://localhost:5000",
        "http://[::1]:5000",
    ],
)
def test_endpoints_https_anywhere_http_on_loopback(url: str) -> None:
    raw = {
        **GOOD,
        "aws_secrets": {**GOOD["aws_secrets"], "iam_endpoint": url, "sts_endpoint": url},
        "aws_auth": {**GOOD["aws_auth"], "iam_endpoint": url, "sts_endpoint": url},
    }
    config, _ = parse(raw, ENV)
    assert config.aws_secrets.iam_endpoint == config.aws_auth.iam_endpoint == url


BAD: list[tuple[str, str, Any, str]] = [
    ("aws_secrets", "path", "", "aws_secrets.path: '' is not a mount path"),
    ("aws_secrets", "path", "sys", "aws_secrets.path: 'sys' is reserved"),
    ("aws_secrets", "path", "a b", "aws_secrets.path: 'a b' is not a mount path"),
    ("aws_secrets", "region", "mars-1", "aws_secrets.region: 'mars-1' is not an AWS region"),
    ("aws_secrets", "region", "US-EAST-1", "aws_secrets.region: 'US-EAST-1' is not an AWS region"),
    (
        "aws_secrets",
        "default_lease_ttl",
        "soon",
        "aws_secrets.default_lease_ttl: 'soon' is not a duration",
    ),
    ("aws_secrets", "default_lease_ttl", 0, "aws_secrets.default_lease_ttl: 0 must be at least"),
    (
        "aws_secrets",
        "default_lease_ttl",
        "48h",
        "aws_secrets.default_lease_ttl: is longer than max_lease_ttl",
    ),
    ("aws_secrets", "max_lease_ttl", True, "aws_secrets.max_lease_ttl: True is not a duration"),
    (
        "aws_secrets",
        "credential_type",
        "root",
        "aws_secrets.credential_type: 'root' must be one of",
    ),
    (
        "aws_secrets",
        "policy_arns",
        ["arn:aws:s3:::bucket"],
        "aws_secrets.policy_arns[0]: 'arn:aws:s3:::bucket' is a s3 ARN",
    ),
    (
        "aws_secrets",
        "policy_arns",
        ["not-an-arn"],
        "aws_secrets.policy_arns[0]: 'not-an-arn' is not an ARN",
    ),
    (
        "aws_secrets",
        "policy_arns",
        "arn:aws:iam::aws:policy/X",
        "aws_secrets.policy_arns: 'arn:aws:iam::aws:policy/X' must be a list",
    ),
    ("aws_secrets", "policy_arns", [], "aws_secrets.policy_arns: iam_user needs policy_arns"),
    ("aws_secrets", "policy_document", "{not json", "aws_secrets.policy_document: is not JSON"),
    (
        "aws_secrets",
        "policy_document",
        '{"Version": "2012-10-17"}',
        "aws_secrets.policy_document: is JSON but has no Statement",
    ),
    ("aws_secrets", "access_key", "AKIA123", "aws_secrets.access_key: is not an AWS access key id"),
    (
        "aws_secrets",
        "access_key",
        "AKIAABCDEFGHIJKLMNOP",
        "aws_secrets.secret_key: access_key and secret_key go together",
    ),
    (
        "aws_secrets",
        "secret_key",
        {"env": "MISSING"},
        "aws_secrets.secret_key: environment variable 'MISSING' is not set",
    ),
    (
        "aws_secrets",
        "iam_endpoint",
        "http://iam.local",
        "aws_secrets.iam_endpoint: 'http://iam.local': http:// only for 127.0.0.1 or localhost",
    ),
    (
        "aws_secrets",
        "sts_endpoint",
        "ftp://sts.example.com",
        "aws_secrets.sts_endpoint: 'ftp://sts.example.com' is not an https:// endpoint",
    ),
    (
        "aws_auth",
        "iam_endpoint",
        "http://10.0.0.5:5000",
        "aws_auth.iam_endpoint: 'http://10.0.0.5:5000': http:// only for 127.0.0.1 or localhost",
    ),
    (
        "aws_secrets",
        "credential_type",
        "assumed_role",
        "aws_secrets.role_arns: assumed_role needs at least one role ARN",
    ),
    (
        "aws_secrets",
        "role_arns",
        ["arn:aws:iam::12345:role/x"],
        "aws_secrets.role_arns[0]: 'arn:aws:iam::12345:role/x': the account must be 12 digits",
    ),
    ("aws_secrets", "regoin", "us-east-1", "aws_secrets.regoin: unknown setting"),
    (
        "aws_auth",
        "bound_principal_arn",
        "arn:aws:iam::123456789012:bucket/x",
        "aws_auth.bound_principal_arn: 'arn:aws:iam::123456789012:bucket/x': IAM resource must start",
    ),
    (
        "aws_auth",
        "bound_principal_arn",
        "arn:aws:iam:us-east-1:123456789012:role/x",
        "aws_auth.bound_principal_arn: 'arn:aws:iam:us-east-1:123456789012:role/x': IAM ARNs have no region",
    ),
    (
        "aws_auth",
        "bound_principal_arn",
        "arn:azure:iam::123456789012:role/x",
        "aws_auth.bound_principal_arn: 'arn:azure:iam::123456789012:role/x' has unknown partition",
    ),
    (
        "aws_auth",
        "workload_service",
        "kubernetes",
        "aws_auth.workload_service: 'kubernetes' must be one of",
    ),
    ("aws_auth", "token_ttl", "5h", "aws_auth.token_ttl: is longer than token_max_ttl"),
    (
        "aws_auth",
        "iam_role_name",
        "bad name!",
        "aws_auth.iam_role_name: 'bad name!' is not an IAM role name",
    ),
    ("aws_auth", "role_name", "", "aws_auth.role_name: '' is not a name"),
    ("aws_auth", "enabled", "yes", "aws_auth.enabled: 'yes' must be true or false"),
    ("aws_auth", "sts_region", "moon", "aws_auth.sts_region: 'moon' is not an AWS region"),
    (
        "aws_auth",
        "extra_policies",
        ["ok", "bad policy"],
        "aws_auth.extra_policies[1]: 'bad policy' is not a name",
    ),
    (
        "model_secrets",
        "mount_path",
        "aws",
        "model_secrets.mount_path: must differ from aws_secrets.path",
    ),
    ("model_secrets", "secrets", {}, "model_secrets.secrets: give at least one secret"),
    (
        "model_secrets",
        "secrets",
        {"a b": {"k": "v"}},
        "model_secrets.secrets.a b: is not a secret path",
    ),
    ("model_secrets", "secrets", {"x": {}}, "model_secrets.secrets.x: must be a non-empty table"),
    ("model_secrets", "secrets", {"x": {"k": ""}}, "model_secrets.secrets.x.k: is empty"),
    ("model_secrets", "secrets", {"x": {"k": 5}}, "model_secrets.secrets.x.k: must be a string"),
    (
        "model_secrets",
        "secrets",
        {"x": {"k": {"file": "/no/such/file"}}},
        "model_secrets.secrets.x.k: cannot read '/no/such/file'",
    ),
    (
        "model_secrets",
        "policy_name",
        "has space",
        "model_secrets.policy_name: 'has space' is not a name",
    ),
]


@pytest.mark.parametrize(
    ("section", "key", "value", "message"), BAD, ids=[f"{s}.{k}={v!r}"[:60] for s, k, v, _ in BAD]
)
def test_bad_value_names_the_field_and_reason(
    section: str, key: str, value: Any, message: str
) -> None:
    with pytest.raises(StackConfigError) as caught:
        parse(with_change(section, key, value), ENV)
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems


def test_all_problems_are_reported_at_once() -> None:
    raw = with_change("aws_secrets", "region", "nowhere")
    raw["aws_auth"] = {"token_ttl": "forever", "workload_service": "x"}
    raw["extra"] = {}
    with pytest.raises(StackConfigError) as caught:
        parse(raw, ENV)
    fields = [p.split(":")[0] for p in caught.value.problems]
    assert fields == [
        "extra",
        "aws_secrets.region",
        "aws_auth.workload_service",
        "aws_auth.token_ttl",
    ]


def test_every_component_disabled_is_refused() -> None:
    raw = {
        "aws_secrets": {"enabled": False},
        "aws_auth": {"enabled": False},
        "model_secrets": {"enabled": False},
    }
    with pytest.raises(StackConfigError, match="components: every component is disabled"):
        parse(raw, ENV)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/ai/inference",
        "arn:aws:iam::aws:policy/AmazonBedrockReadOnly",
        "arn:aws-us-gov:iam::123456789012:user/svc",
        "arn:aws:sts::123456789012:assumed-role/ai/session",
    ],
)
def test_good_arns(arn: str) -> None:
    assert check_arn(arn) is None


def test_toml_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "stack.toml"
    path.write_text("[aws_secrets\nregion = 1\n", encoding="utf-8")
    with pytest.raises(StackConfigError, match=r"stack\.toml: .*line 1"):
        load(path, ENV)


def test_the_example_config_in_the_readme_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "ai-secrets.toml"
    config, secrets = load(example, {"OPENAI_API_KEY": "a", "ANTHROPIC_API_KEY": "b"})
    assert config.model_secrets.names == ("anthropic/api-key", "openai/api-key")
    assert config.aws_auth.workload_service == "sagemaker"
    assert secrets.model_data["openai/api-key"] == {"api_key": "a"}
