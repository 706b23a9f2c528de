"""Typed, validated configuration of the AI-secrets stack.

Everything is checked before Pulumi runs: paths, names, ARNs (the real ARN grammar),
TTLs and the region. Every bad value is reported with its field and the reason, all at
once. Secret values (AWS root secret key, model secret data) are kept apart from the
rest so they only ever travel as Pulumi secrets.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROJECT = "vault-ai-secrets"
SETTINGS_KEY = "settings"
"""Stack config key holding the non-secret settings as JSON."""
AWS_SECRET_KEY = "awsSecretKey"
MODEL_SECRETS_KEY = "modelSecrets"
"""Secret stack config keys (set with ``--secret``)."""

WORKLOAD_SERVICES = {
    "ec2": "ec2.amazonaws.com",
    "ecs-tasks": "ecs-tasks.amazonaws.com",
    "lambda": "lambda.amazonaws.com",
    "sagemaker": "sagemaker.amazonaws.com",
    "eks-pods": "pods.eks.amazonaws.com",
}
CREDENTIAL_TYPES = ("iam_user", "assumed_role")

_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")
_ARN = re.compile(
    r"^arn:(?P<partition>[a-z-]+):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>[^:]*):(?P<resource>.+)$"
)
_REGION = re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob)-[a-z]+-\d$")
_MOUNT_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$")
_SECRET_PATH = _MOUNT_PATH
NAMESPACE_PATH = _MOUNT_PATH
"""A ``vault_namespace``: the same names as a mount path (checked by the wizard as typed)."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$")
_IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_RESERVED_MOUNTS = {"sys", "cubbyhole", "identity", "auth", "token"}
_HOSTNAME_URL = re.compile(r"^(?P<scheme>https?)://(?P<host>[A-Za-z0-9.-]+|\[::1\])(:\d+)?(/.*)?$")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
"""Hosts where a plain http:// endpoint is accepted: a moto server in tests and the demo.
Anywhere else the root key and signed requests would cross the network in clear text."""


def region_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _REGION.match(value):
        return f"{value!r} is not an AWS region (like us-east-1)"
    return None


def endpoint_problem(value: Any) -> str | None:
    """Why ``value`` cannot be an AWS endpoint: https://, or http:// on loopback only."""
    match = _HOSTNAME_URL.match(value) if isinstance(value, str) else None
    if match is None:
        return f"{value!r} is not an https:// endpoint URL"
    if match["scheme"] == "http" and match["host"].lower() not in _LOOPBACK_HOSTS:
        return f"{value!r}: http:// only for 127.0.0.1 or localhost; use https://"
    return None


def model_secret_resource(path: str) -> str:
    """The resource name of the model secret at ``path`` (in state and in plans).

    Two paths can share one (``team-a/llm`` and ``team_a/llm``): ``parse`` refuses that,
    naming both, instead of letting the engine fail on a duplicate name.
    """
    return "model-secret-" + re.sub(r"[^A-Za-z0-9-]+", "-", path).strip("-").lower()


class StackConfigError(ValueError):
    """One or more bad values; each line names the field and the reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class AwsSecretsEngine:
    """The AWS secrets engine and the role the AI service gets credentials from."""

    enabled: bool = True
    path: str = "aws"
    region: str = "us-east-1"
    description: str = "AWS credentials for AI services"
    default_lease_ttl: int = 3600
    max_lease_ttl: int = 86400
    access_key: str | None = None
    """Root access key id; with no key, Vault uses its own environment or instance role."""
    iam_endpoint: str | None = None
    sts_endpoint: str | None = None
    role_name: str = "ai-service"
    credential_type: str = "iam_user"
    policy_arns: tuple[str, ...] = ()
    policy_document: str | None = None
    role_arns: tuple[str, ...] = ()
    """Roles Vault may assume (credential_type = assumed_role)."""


@dataclass(frozen=True)
class AwsAuth:
    """The AWS IAM auth method and the role bound to the AI service's IAM principal."""

    enabled: bool = True
    path: str = "aws"
    use_root_key: bool | None = None
    """The auth method calls IAM (to resolve the bound role's unique id) with the secrets
    engine's root key; None: yes when a root key is given, else Vault's own AWS identity."""
    iam_endpoint: str | None = None
    """Where Vault resolves the bound role's unique id (IAM GetRole)."""
    sts_endpoint: str | None = None
    sts_region: str | None = None
    role_name: str = "ai-service"
    bound_principal_arn: str | None = None
    """An existing principal ARN; without one, the program creates an IAM role."""
    workload_service: str = "ec2"
    """Which AWS service runs the AI workload (trust policy of the created role)."""
    iam_role_name: str = "ai-service-vault-auth"
    token_ttl: int = 3600
    token_max_ttl: int = 14400
    extra_policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelSecrets:
    """A KV v2 mount with the model secrets and a policy that reads exactly those."""

    enabled: bool = True
    mount_path: str = "ai-models"
    names: tuple[str, ...] = ("openai/api-key",)
    """Paths of the secrets in the mount; their data is in SecretValues."""
    policy_name: str = "ai-models-read"


@dataclass(frozen=True)
class SecretValues:
    """What must only travel as Pulumi secrets. Never printed."""

    aws_secret_key: str | None = field(default=None, repr=False)
    model_data: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"SecretValues(aws_secret_key={'****' if self.aws_secret_key else None}, model_data=<{len(self.model_data)} secrets>)"


@dataclass(frozen=True)
class StackConfig:
    aws_secrets: AwsSecretsEngine = field(default_factory=AwsSecretsEngine)
    aws_auth: AwsAuth = field(default_factory=AwsAuth)
    model_secrets: ModelSecrets = field(default_factory=ModelSecrets)
    vault_namespace: str | None = None
    adopt: tuple[tuple[str, str], ...] = ()
    """(resource name, import id) of objects that exist on the server and that the
    operator chose to bring under the stack (a Pulumi import), instead of another name.
    Never read from a config file: the console sets it after showing what exists."""

    def settings_json(self) -> str:
        """The non-secret settings as stored in stack config."""
        return json.dumps(_to_plain(self), sort_keys=True)

    @classmethod
    def from_settings_json(cls, text: str) -> StackConfig:
        raw = json.loads(text)
        return cls(
            aws_secrets=AwsSecretsEngine(**_tuples(raw.get("aws_secrets", {}))),
            aws_auth=AwsAuth(**_tuples(raw.get("aws_auth", {}))),
            model_secrets=ModelSecrets(**_tuples(raw.get("model_secrets", {}))),
            vault_namespace=raw.get("vault_namespace"),
            adopt=tuple((str(name), str(id_)) for name, id_ in raw.get("adopt", [])),
        )

    def import_id(self, resource: str) -> str | None:
        """The id to import ``resource`` from, when the operator chose to adopt it."""
        return next((id_ for name, id_ in self.adopt if name == resource), None)


def _to_plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _to_plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, tuple):
        return list(value)
    return value


def _tuples(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


# -- validation --------------------------------------------------------------------------


def check_arn(value: str, *, services: tuple[str, ...] = ()) -> str | None:
    """The reason ``value`` is not a valid ARN (or not of one of ``services``), else None."""
    match = _ARN.match(value)
    if not match:
        return f"{value!r} is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
    if match["partition"] not in _PARTITIONS:
        return f"{value!r} has unknown partition {match['partition']!r}"
    if match["account"] and not re.match(r"^(\d{12}|aws)$", match["account"]):
        return f"{value!r}: the account must be 12 digits"
    if services and match["service"] not in services:
        return f"{value!r} is a {match['service']} ARN, expected {' or '.join(services)}"
    if match["service"] == "iam":
        if match["region"]:
            return f"{value!r}: IAM ARNs have no region"
        if not match["account"]:
            return f"{value!r}: IAM ARNs need an account"
        if not re.match(r"^(role|user|policy|group|instance-profile)/", match["resource"]):
            return f"{value!r}: IAM resource must start with role/, user/, policy/, group/ or instance-profile/"
    return None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, name: str, reason: str) -> None:
        self.problems.append(f"{name}: {reason}")

    def mount_path(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not _MOUNT_PATH.match(value.strip("/")):
            self.fail(name, f"{value!r} is not a mount path (letters, digits, _ . - and /)")
            return str(value)
        path = str(value).strip("/")
        if path.split("/")[0] in _RESERVED_MOUNTS:
            self.fail(name, f"{path!r} is reserved by Vault")
        return path

    def name(self, field_name: str, value: Any) -> str:
        if not isinstance(value, str) or not _NAME.match(value):
            self.fail(field_name, f"{value!r} is not a name (letters, digits, _ . @ -, up to 128)")
        return str(value)

    def ttl(self, name: str, value: Any, *, minimum: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.fail(name, f"{value!r} is not a duration")
            return 0
        if isinstance(value, str):
            seconds = _parse_duration(value)
            if seconds is None:
                self.fail(name, f"{value!r} is not a duration (seconds, or 30m, 1h, 24h)")
                return 0
            value = seconds
        if value < minimum:
            self.fail(name, f"{value} must be at least {minimum} second(s)")
        return int(value)

    def region(self, name: str, value: Any) -> str:
        reason = region_problem(value)
        if reason:
            self.fail(name, reason)
        return str(value)

    def endpoint(self, name: str, value: Any) -> str | None:
        if value is None:
            return None
        reason = endpoint_problem(value)
        if reason:
            self.fail(name, reason)
        return str(value)

    def arn(self, name: str, value: Any, services: tuple[str, ...]) -> str:
        if not isinstance(value, str):
            self.fail(name, f"{value!r} is not an ARN")
            return ""
        reason = check_arn(value, services=services)
        if reason:
            self.fail(name, reason)
        return value

    def bool(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.fail(name, f"{value!r} must be true or false")
        return bool(value)

    def choice(self, name: str, value: Any, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.fail(name, f"{value!r} must be one of {', '.join(choices)}")
        return str(value)

    def string_list(self, name: str, value: Any) -> list[Any]:
        if isinstance(value, tuple):
            value = list(value)
        if not isinstance(value, list):
            self.fail(name, f"{value!r} must be a list")
            return []
        return value


def _parse_duration(text: str) -> int | None:
    text = text.strip()
    if text.isdigit():
        return int(text)
    parts = re.findall(r"(\d+)([hms])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def _resolve_secret(checker: _Checker, name: str, value: Any, env: Mapping[str, str]) -> str | None:
    """A secret given literally, as ``{env = "VAR"}`` or as ``{file = "path"}``."""
    if isinstance(value, str):
        if not value:
            checker.fail(name, "is empty")
        return value
    if isinstance(value, dict) and set(value) == {"env"}:
        found = env.get(str(value["env"]))
        if not found:
            checker.fail(name, f"environment variable {value['env']!r} is not set")
        return found
    if isinstance(value, dict) and set(value) == {"file"}:
        try:
            return Path(str(value["file"])).read_text(encoding="utf-8").strip()
        except OSError as exc:
            checker.fail(name, f"cannot read {value['file']!r}: {exc.strerror}")
            return None
    checker.fail(name, 'must be a string, {env = "VAR"} or {file = "path"}')
    return None


_SECTIONS: dict[str, type[AwsSecretsEngine] | type[AwsAuth] | type[ModelSecrets]] = {
    "aws_secrets": AwsSecretsEngine,
    "aws_auth": AwsAuth,
    "model_secrets": ModelSecrets,
}
_EXTRA_KEYS = {"aws_secrets": {"secret_key"}, "model_secrets": {"secrets"}}


def parse(
    raw: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> tuple[StackConfig, SecretValues]:
    """Validate a raw mapping (a parsed TOML file) into config and secret values.

    Raises StackConfigError listing every problem.
    """
    env = os.environ if env is None else env
    c = _Checker()
    for key in raw:
        if key not in _SECTIONS and key not in ("vault_namespace", "state"):
            c.fail(
                key,
                "unknown section (expected aws_secrets, aws_auth, model_secrets, "
                "vault_namespace, state)",
            )
    sections: dict[str, dict[str, Any]] = {}
    for section, kind in _SECTIONS.items():
        given = raw.get(section, {})
        if not isinstance(given, dict):
            c.fail(section, "must be a table")
            given = {}
        known = {f.name for f in fields(kind)} | _EXTRA_KEYS.get(section, set())
        for key in given:
            if key not in known:
                c.fail(f"{section}.{key}", f"unknown setting (known: {', '.join(sorted(known))})")
        sections[section] = given

    s = sections["aws_secrets"]
    d = AwsSecretsEngine()

    def g(key: str) -> Any:
        return s.get(key, getattr(d, key))

    aws_secrets = AwsSecretsEngine(
        enabled=c.bool("aws_secrets.enabled", g("enabled")),
        path=c.mount_path("aws_secrets.path", g("path")),
        region=c.region("aws_secrets.region", g("region")),
        description=str(g("description")),
        default_lease_ttl=c.ttl("aws_secrets.default_lease_ttl", g("default_lease_ttl")),
        max_lease_ttl=c.ttl("aws_secrets.max_lease_ttl", g("max_lease_ttl")),
        access_key=g("access_key"),
        iam_endpoint=c.endpoint("aws_secrets.iam_endpoint", g("iam_endpoint")),
        sts_endpoint=c.endpoint("aws_secrets.sts_endpoint", g("sts_endpoint")),
        role_name=c.name("aws_secrets.role_name", g("role_name")),
        credential_type=c.choice(
            "aws_secrets.credential_type", g("credential_type"), CREDENTIAL_TYPES
        ),
        policy_arns=tuple(
            c.arn(f"aws_secrets.policy_arns[{i}]", v, ("iam",))
            for i, v in enumerate(c.string_list("aws_secrets.policy_arns", g("policy_arns")))
        ),
        policy_document=g("policy_document"),
        role_arns=tuple(
            c.arn(f"aws_secrets.role_arns[{i}]", v, ("iam",))
            for i, v in enumerate(c.string_list("aws_secrets.role_arns", g("role_arns")))
        ),
    )
    if aws_secrets.max_lease_ttl and aws_secrets.default_lease_ttl > aws_secrets.max_lease_ttl:
        c.fail("aws_secrets.default_lease_ttl", "is longer than max_lease_ttl")
    if aws_secrets.access_key is not None and not re.match(
        r"^(AKIA|ASIA)[A-Z0-9]{16}$", str(aws_secrets.access_key)
    ):
        c.fail(
            "aws_secrets.access_key", "is not an AWS access key id (AKIA… or ASIA…, 20 characters)"
        )
    if aws_secrets.policy_document is not None:
        try:
            document = json.loads(str(aws_secrets.policy_document))
            if not isinstance(document, dict) or "Statement" not in document:
                c.fail("aws_secrets.policy_document", "is JSON but has no Statement")
        except json.JSONDecodeError as exc:
            c.fail("aws_secrets.policy_document", f"is not JSON ({exc.msg})")
    if aws_secrets.enabled:
        if aws_secrets.credential_type == "iam_user" and not (
            aws_secrets.policy_arns or aws_secrets.policy_document
        ):
            c.fail("aws_secrets.policy_arns", "iam_user needs policy_arns or policy_document")
        if aws_secrets.credential_type == "assumed_role" and not aws_secrets.role_arns:
            c.fail("aws_secrets.role_arns", "assumed_role needs at least one role ARN")

    a = sections["aws_auth"]
    da = AwsAuth()

    def ga(key: str) -> Any:
        return a.get(key, getattr(da, key))

    bound = ga("bound_principal_arn")
    aws_auth = AwsAuth(
        enabled=c.bool("aws_auth.enabled", ga("enabled")),
        path=c.mount_path("aws_auth.path", ga("path")),
        use_root_key=(
            c.bool("aws_auth.use_root_key", ga("use_root_key"))
            if ga("use_root_key") is not None
            else g("access_key") is not None
        ),
        iam_endpoint=c.endpoint("aws_auth.iam_endpoint", ga("iam_endpoint")),
        sts_endpoint=c.endpoint("aws_auth.sts_endpoint", ga("sts_endpoint")),
        sts_region=c.region("aws_auth.sts_region", ga("sts_region")) if ga("sts_region") else None,
        role_name=c.name("aws_auth.role_name", ga("role_name")),
        bound_principal_arn=(
            c.arn("aws_auth.bound_principal_arn", bound, ("iam", "sts"))
            if bound is not None
            else None
        ),
        workload_service=c.choice(
            "aws_auth.workload_service", ga("workload_service"), tuple(WORKLOAD_SERVICES)
        ),
        iam_role_name=str(ga("iam_role_name")),
        token_ttl=c.ttl("aws_auth.token_ttl", ga("token_ttl")),
        token_max_ttl=c.ttl("aws_auth.token_max_ttl", ga("token_max_ttl")),
        extra_policies=tuple(
            c.name(f"aws_auth.extra_policies[{i}]", v)
            for i, v in enumerate(c.string_list("aws_auth.extra_policies", ga("extra_policies")))
        ),
    )
    if not _IAM_ROLE_NAME.match(aws_auth.iam_role_name):
        c.fail(
            "aws_auth.iam_role_name",
            f"{aws_auth.iam_role_name!r} is not an IAM role name (1-64 of letters, digits, +=,.@_-)",
        )
    if aws_auth.token_ttl > aws_auth.token_max_ttl:
        c.fail("aws_auth.token_ttl", "is longer than token_max_ttl")

    m = sections["model_secrets"]
    dm = ModelSecrets()

    def gm(key: str) -> Any:
        return m.get(key, getattr(dm, key))

    raw_secrets = m.get("secrets", {})
    model_data: dict[str, dict[str, str]] = {}
    if not isinstance(raw_secrets, dict):
        c.fail("model_secrets.secrets", "must be a table of path = { key = value }")
        raw_secrets = {}
    resources: dict[str, str] = {}
    for path, data in raw_secrets.items():
        where = f"model_secrets.secrets.{path}"
        if not _SECRET_PATH.match(path):
            c.fail(where, "is not a secret path (letters, digits, _ . - and /)")
        resource = model_secret_resource(path)
        if resource in resources:
            c.fail(
                where,
                f"is named like {resources[resource]!r} in the stack ({resource}); rename one "
                "(paths that differ only in _ . - / or case cannot both be in one stack)",
            )
        resources.setdefault(resource, path)
        if not isinstance(data, dict) or not data:
            c.fail(where, "must be a non-empty table of key = value")
            continue
        values = {}
        for key, value in data.items():
            resolved = _resolve_secret(c, f"{where}.{key}", value, env)
            if resolved is not None:
                values[str(key)] = resolved
        model_data[path] = values
    model_secrets = ModelSecrets(
        enabled=c.bool("model_secrets.enabled", gm("enabled")),
        mount_path=c.mount_path("model_secrets.mount_path", gm("mount_path")),
        names=tuple(sorted(model_data)) if model_data else (),
        policy_name=c.name("model_secrets.policy_name", gm("policy_name")),
    )
    if model_secrets.enabled and not model_data:
        c.fail("model_secrets.secrets", "give at least one secret, or set enabled = false")

    enabled_paths = [
        ("aws_secrets.path", aws_secrets.path, aws_secrets.enabled),
        ("model_secrets.mount_path", model_secrets.mount_path, model_secrets.enabled),
    ]
    if enabled_paths[0][2] and enabled_paths[1][2] and enabled_paths[0][1] == enabled_paths[1][1]:
        c.fail(
            "model_secrets.mount_path",
            "must differ from aws_secrets.path (a KV secret does not belong in the AWS engine)",
        )

    secret_key = None
    if "secret_key" in s:
        secret_key = _resolve_secret(c, "aws_secrets.secret_key", s["secret_key"], env)
    if (aws_secrets.access_key is None) != (secret_key is None):
        c.fail(
            "aws_secrets.secret_key",
            "access_key and secret_key go together (or both omitted to use the environment)",
        )
    if aws_auth.enabled and aws_auth.use_root_key and aws_secrets.access_key is None:
        c.fail("aws_auth.use_root_key", "needs aws_secrets.access_key and secret_key")

    namespace = raw.get("vault_namespace")
    if namespace is not None and (
        not isinstance(namespace, str) or not NAMESPACE_PATH.match(namespace)
    ):
        c.fail("vault_namespace", f"{namespace!r} is not a namespace path")
    if not (aws_secrets.enabled or aws_auth.enabled or model_secrets.enabled):
        c.fail("components", "every component is disabled: nothing to do")

    if c.problems:
        raise StackConfigError(c.problems)
    return (
        StackConfig(aws_secrets, aws_auth, model_secrets, namespace),
        SecretValues(aws_secret_key=secret_key, model_data=model_data),
    )


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML config file as a mapping; StackConfigError naming the file when it cannot be
    read or parsed."""
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StackConfigError([f"{path}: cannot read: {exc.strerror}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise StackConfigError([f"{path}: {exc}"]) from None


def load(path: Path, env: Mapping[str, str] | None = None) -> tuple[StackConfig, SecretValues]:
    """Read and validate a TOML config file."""
    return parse(read_toml(path), env)
