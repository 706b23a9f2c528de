"""The setup wizard's model, without Textual: answers, validation per field, the stack
config they produce, the saved answers file, and what the Vault target allows.

The wizard and the headless commands share it. A config written here is the TOML that
``vault-console preview --config FILE`` reads; secret values are never in it (nor in the
saved answers): each secret field names an environment variable (``secret_env_name``)
and the values stay in memory, handed to the engine's environment for the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault_console.errors import is_forbidden
from vault_console.infra.state import StateSettings, parse_state
from vault_console.vault.client import VaultGateway
from vault_console.vault.plugins import register_command
from vault_console_programs.ai_secrets.config import (
    SecretValues,
    StackConfig,
    StackConfigError,
    parse,
    read_toml,
)

if TYPE_CHECKING:
    from vault_console.infra.engine import EngineOptions

SECRET_PREFIX = "VAULT_CONSOLE_SECRET_"
_FIELD = re.compile(r"^([a-z_]+(?:\.[a-z_]+)?)(?::|\s)")


def secret_env_name(field_name: str) -> str:
    """The environment variable a secret field is read from: a readable part and the first
    8 hex digits of the field name's SHA-256, so two fields never share a variable (and
    with it a value), e.g. ``model_secrets.secrets."openai/api-key".api_key`` ->
    ``VAULT_CONSOLE_SECRET_OPENAI_API_KEY_API_KEY_1C6F0E2B``. (Without the digest, key
    ``api_key`` of ``team-a/llm`` and key ``key`` of ``team-a/llm/api`` both became
    ``…_TEAM_A_LLM_API_KEY``, and one value replaced the other.)"""
    readable = field_name.removeprefix("model_secrets.secrets.").replace('"', "")
    readable = re.sub(r"[^A-Z0-9]+", "_", readable.upper()).strip("_")[:64]
    digest = hashlib.sha256(field_name.encode()).hexdigest()[:8].upper()
    return f"{SECRET_PREFIX}{readable}_{digest}"


@dataclass
class SetupAnswers:
    """What the wizard collected. ``raw`` is the stack config without secret values;
    ``secrets`` holds them by field name, in memory only (never in a repr or a file)."""

    raw: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    loaded: bool = False
    """Read from a saved answers file (whose secret values must be typed again)."""

    # -- secrets --------------------------------------------------------------------------

    def set_model_secret(self, path: str, key: str, value: str) -> None:
        secrets = self.raw.setdefault("model_secrets", {}).setdefault("secrets", {})
        name = f'model_secrets.secrets."{path}".{key}'
        secrets.setdefault(path, {})[key] = {"env": secret_env_name(name)}
        self.secrets[name] = value

    def set_aws_secret_key(self, value: str) -> None:
        self.raw.setdefault("aws_secrets", {})["secret_key"] = {
            "env": secret_env_name("aws_secrets.secret_key")
        }
        self.secrets["aws_secrets.secret_key"] = value

    def fill_from_env(self, env: Mapping[str, str]) -> list[str]:
        """Secret values not typed yet, taken from the variables their fields name (the
        demo sets Vault's root key this way; a pipeline can too). The fields filled."""
        filled = []
        for name in _secret_fields(self.raw):
            value = env.get(secret_env_name(name))
            if value and name not in self.secrets:
                self.secrets[name] = value
                filled.append(name)
        return filled

    def engine_env(self) -> dict[str, str]:
        """The secret values under their variable names, for the engine's run only."""
        return {secret_env_name(name): value for name, value in self.secrets.items()}

    # -- validation -----------------------------------------------------------------------

    def build(self, env: Mapping[str, str] | None = None) -> tuple[StackConfig, SecretValues]:
        """The validated config and secret values; StackConfigError lists every problem."""
        return parse(self.raw, {**(env or {}), **self.engine_env()})

    def problems(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """Each problem by the field it names (``model_secrets.mount_path``), with its reason."""
        found: dict[str, str] = {}
        variables: dict[str, str] = {}
        for name in self.secrets:
            variable = secret_env_name(name)
            if variable in variables:  # astronomically unlikely: still never one value for two
                found[name] = f"shares its variable {variable} with {variables[variable]}"
            variables.setdefault(variable, name)
        try:
            self.build(env)
        except StackConfigError as exc:
            found.update(_by_field(exc.problems))
        found.update(parse_state(self.raw)[1])
        return found

    def state(self) -> StateSettings:
        """Where the stack's state lives and what encrypts its secrets (checked by
        ``problems``; a bad section gives the defaults)."""
        return parse_state(self.raw)[0]

    def state_problems(self) -> list[str]:
        """``[state]``'s bad settings, each as ``field: reason``."""
        return [f"{name}: {reason}" for name, reason in parse_state(self.raw)[1].items()]

    def engine_options(
        self,
        stack: str,
        work_dir: Path | None,
        *,
        backend: str | None = None,
        secrets_provider: str | None = None,
        verbose: bool = False,
    ) -> EngineOptions:
        """The engine's options for ``stack``: its state backend and secrets provider from
        these answers, unless given (a headless command's flags beat the file's [state])."""
        from vault_console.infra.engine import EngineOptions  # pulumi loads with the engine

        state = self.state()
        return EngineOptions(
            stack=stack,
            work_dir=work_dir,
            backend_url=backend or state.backend,
            secrets_provider=secrets_provider or state.secrets_provider,
            verbose=verbose,
        )

    def digest(self) -> str:
        """What the answers are, values included, as one SHA-256 (kept in memory only):
        a review is reused only for exactly the answers it previewed."""
        material = json.dumps(
            {"config": self.config_toml(), "values": sorted(self.secrets.items())},
            sort_keys=True,
        )
        return hashlib.sha256(material.encode()).hexdigest()

    # -- files ----------------------------------------------------------------------------

    def config_toml(self) -> str:
        """The stack config as TOML for ``vault-console preview --config``; no secret value."""
        return _toml(self.raw)

    @classmethod
    def read(cls, path: Path) -> SetupAnswers:
        """A stack config file (``preview --config``), as the wizard's answers: secret
        values come from the variables its fields name."""
        return cls(raw=read_toml(path), loaded=True)

    def save_config(self, path: Path) -> None:
        """The answers as a config file for ``preview --config`` / ``up --config``: no
        secret value (each secret names its variable). Never over an existing file."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(self.config_toml())

    def save(self, state_dir: Path, stack: str) -> Path:
        """Save the answers for ``stack`` (owner-only); a later run starts from them."""
        path = answers_path(state_dir, stack)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(f"# vault-console setup answers for stack {json.dumps(stack)}\n")
            out.write(self.config_toml())
        return path

    @classmethod
    def load(cls, state_dir: Path, stack: str) -> SetupAnswers | None:
        """The saved answers of ``stack`` (their secrets must be given again), or None."""
        import tomllib

        path = answers_path(state_dir, stack)
        try:
            return cls(raw=tomllib.loads(path.read_text(encoding="utf-8")), loaded=True)
        except FileNotFoundError:
            return None


def save_made(state_dir: Path, stack: str, made: Mapping[str, str]) -> None:
    """Record what the stack's last apply holds (resource name -> id, no value), so the
    target step can tell the stack's own objects from someone else's without the engine."""
    path = answers_path(state_dir, stack).with_suffix(".made.json")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(dict(made), out, sort_keys=True)


def load_made(state_dir: Path, stack: str) -> dict[str, str]:
    """What ``save_made`` recorded for ``stack`` (empty when nothing was applied)."""
    try:  # a bad stack name (ValueError) has no record either
        text = answers_path(state_dir, stack).with_suffix(".made.json").read_text("utf-8")
        made = json.loads(text)
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in made.items()} if isinstance(made, dict) else {}


def answers_path(state_dir: Path, stack: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", stack):
        raise ValueError(f"stack: {stack!r} may only hold letters, digits and ._- (1-100)")
    return state_dir / "setup" / f"{stack}.toml"


def _by_field(problems: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in problems:
        name, _, reason = problem.partition(": ")
        found.setdefault(name if reason else "config", reason or problem)
    return found


# -- TOML ------------------------------------------------------------------------------------


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)  # ASCII with \uXXXX escapes: a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml(raw: Mapping[str, Any]) -> str:
    lines = [f"{json.dumps(k)} = {_value(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    for section, body in raw.items():
        if not isinstance(body, dict):
            continue
        lines.append(f"\n[{section}]")
        nested = {}
        for key, value in body.items():
            if section == "model_secrets" and key == "secrets" and isinstance(value, dict):
                nested = value
                continue
            lines.append(f"{json.dumps(key)} = {_value(value)}")
        for path, data in nested.items():
            lines.append(f"\n[{section}.secrets.{json.dumps(path)}]")
            lines.extend(f"{json.dumps(k)} = {_value(v)}" for k, v in data.items())
    return "\n".join(lines).lstrip("\n") + "\n"


# -- the Vault target ------------------------------------------------------------------------


@dataclass(frozen=True)
class PathCheck:
    path: str
    needs: str
    """What the step does there, in words (``enable the KV v2 mount``)."""
    capabilities: tuple[str, ...]
    allowed: bool


@dataclass(frozen=True)
class TargetReport:
    kind: str
    version: str
    checks: list[PathCheck]
    aws_secret_plugin: bool | None
    aws_auth_plugin: bool | None
    """None when this token cannot read the plugin catalog."""
    namespace: str = ""
    """Where the capabilities were checked: the stack's namespace ('' root)."""

    @property
    def denied(self) -> list[PathCheck]:
        return [c for c in self.checks if not c.allowed]

    def unavailable(self, config: StackConfig) -> dict[str, str]:
        """Enabled components this server cannot run, with the reason to show."""
        missing = {}
        built_in = " (OpenBao ships none built in)" if self.kind == "OpenBao" else ""

        def lacks(what: str, kind: str) -> str:
            return (
                f"{self.kind} {self.version} has no 'aws' {what} plugin{built_in}; to add it, "
                f"put its binary in the server's plugin_directory and run: "
                + register_command(self.kind, kind)
            )

        if config.aws_secrets.enabled and self.aws_secret_plugin is False:
            missing["aws_secrets"] = lacks("secrets engine", "secret")
        if config.aws_auth.enabled and self.aws_auth_plugin is False:
            missing["aws_auth"] = lacks("auth method", "auth")
        return missing


def touched_paths(config: StackConfig) -> list[tuple[str, str, bool]]:
    """(API path, what the stack does there, needs sudo) for every enabled component."""
    paths: list[tuple[str, str, bool]] = []
    spec = config.model_secrets
    if spec.enabled:
        paths.append((f"sys/mounts/{spec.mount_path}", "enable the KV v2 mount", False))
        paths.extend(
            (f"{spec.mount_path}/data/{name}", f"write the secret {name}", False)
            for name in spec.names
        )
        paths.append((f"sys/policies/acl/{spec.policy_name}", "write the read policy", False))
    if config.aws_secrets.enabled:
        s = config.aws_secrets
        paths.append((f"sys/mounts/{s.path}", "enable the AWS secrets engine", False))
        paths.append((f"{s.path}/config/root", "configure its root credentials", False))
        paths.append((f"{s.path}/roles/{s.role_name}", "write its role", False))
    if config.aws_auth.enabled:
        a = config.aws_auth
        paths.append((f"sys/auth/{a.path}", "enable the AWS auth method", True))
        paths.append((f"auth/{a.path}/config/client", "configure its client", False))
        paths.append((f"auth/{a.path}/role/{a.role_name}", "write its role", False))
    return paths


def target_report(gateway: VaultGateway, config: StackConfig) -> TargetReport:
    """Server kind, what this token may do on each path the stack touches, aws plugins.

    ``sys/capabilities-self`` answers for all paths in one request (a read: allowed in
    read-only mode too).
    """
    status = gateway.server_status()
    touched = touched_paths(config)
    # Asked in the namespace the engine writes in (the session's joined with the stack's
    # vault_namespace), with the session's token, as the engine uses it (engine.vault_env).
    namespace = stack_namespace(gateway.settings.namespace, config)
    if namespace != gateway.settings.namespace_path:
        with VaultGateway(replace(gateway.settings, namespace=namespace)) as there:
            try:
                data = there.capabilities_self([p for p, _, _ in touched])
            except Exception as exc:
                if not is_forbidden(exc):
                    raise
                data = {}  # it may not even ask there: nothing the stack needs is allowed
    else:
        data = gateway.capabilities_self([p for p, _, _ in touched])
    checks = []
    for path, needs, sudo in touched:
        have = tuple(data.get(path) or ())
        writes = bool({"root", "create", "update"} & set(have))
        allowed = writes and (not sudo or bool({"root", "sudo"} & set(have)))
        checks.append(PathCheck(path, needs + (" (needs sudo)" if sudo else ""), have, allowed))
    try:
        catalog = gateway.plugin_catalog()
        secret_plugin: bool | None = "aws" in (catalog.get("secret") or [])
        auth_plugin: bool | None = "aws" in (catalog.get("auth") or [])
    except Exception:
        secret_plugin = auth_plugin = None
    return TargetReport(status.kind, status.version, checks, secret_plugin, auth_plugin, namespace)


# -- review: components and the security documents ------------------------------------------

COMPONENTS = {
    "model_secrets": "Model secrets (KV v2)",
    "aws_secrets": "AWS secrets engine",
    "aws_auth": "AWS IAM auth",
    "stack": "Stack",
}
_COMPONENT_OF_NAME = (
    ("model-secret", "model_secrets"),
    ("aws-secrets", "aws_secrets"),
    ("aws-auth", "aws_auth"),
    ("ai-service-role", "aws_auth"),
)


def component_of(resource_name: str) -> str:
    """Which component a program resource belongs to (by the names program.py gives)."""
    return next(
        (part for prefix, part in _COMPONENT_OF_NAME if resource_name.startswith(prefix)),
        "stack",
    )


def security_documents(config: StackConfig) -> list[tuple[str, str]]:
    """(title, text) of each policy the stack writes, exactly as the program writes it."""
    from vault_console_programs.ai_secrets.program import read_policy_hcl, trust_policy

    documents = []
    spec = config.model_secrets
    if spec.enabled:
        documents.append(
            (
                f"Vault ACL policy {spec.policy_name} (HCL)",
                read_policy_hcl(spec.mount_path, list(spec.names)),
            )
        )
    auth = config.aws_auth
    if auth.enabled and not auth.bound_principal_arn:
        trust = json.dumps(json.loads(trust_policy(auth.workload_service)), indent=2)
        documents.append((f"IAM trust policy of role {auth.iam_role_name} (JSON)", trust))
    elif auth.enabled:
        documents.append(
            ("AWS auth role binding", f"bound_iam_principal_arns = [{auth.bound_principal_arn!r}]")
        )
    secrets_engine = config.aws_secrets
    if secrets_engine.enabled and secrets_engine.policy_document:
        document = json.dumps(json.loads(secrets_engine.policy_document), indent=2)
        documents.append((f"IAM policy of role {secrets_engine.role_name} (JSON)", document))
    return documents


def config_for_destroy(answers: SetupAnswers) -> StackConfig:
    """The stack config without its secret values: a destroy does not run the program, so
    it needs none, and the stack keeps the secret config it already holds."""
    env = {secret_env_name(name): "unused by a destroy" for name in _secret_fields(answers.raw)}
    config, _ = parse(answers.raw, env)
    return config


def _secret_fields(raw: Mapping[str, Any]) -> list[str]:
    names = []
    if isinstance(raw.get("aws_secrets"), dict) and "secret_key" in raw["aws_secrets"]:
        names.append("aws_secrets.secret_key")
    secrets = (
        raw.get("model_secrets", {}).get("secrets", {})
        if isinstance(raw.get("model_secrets"), dict)
        else {}
    )
    for path, data in secrets.items() if isinstance(secrets, dict) else ():
        names.extend(f'model_secrets.secrets."{path}".{key}' for key in data)
    return names


def missing_secrets(answers: SetupAnswers) -> list[str]:
    """Secret fields whose values must be typed again (saved answers never hold them)."""
    return [name for name in _secret_fields(answers.raw) if not answers.secrets.get(name)]


def stack_namespace(session_namespace: str | None, config: StackConfig) -> str:
    """The namespace the stack's mounts are made in: the stack's ``vault_namespace`` is
    relative to the session's (the provider's), as pulumi-vault reads it; '' for root."""
    parts = [p.strip("/") for p in (session_namespace, config.vault_namespace) if p]
    return "/".join(p for p in parts if p)


def login_snippet(config: StackConfig, address: str, namespace: str = "") -> str:
    """How the AI service logs in with its IAM identity and reads its secret (hvac). A
    stack in a namespace names it: hvac ignores VAULT_NAMESPACE, and without it the
    service would log in to (and read from) the root namespace."""
    auth = config.aws_auth
    spec = config.model_secrets
    client = f"url={address!r}" + (f", namespace={namespace!r}" if namespace else "")
    lines = [
        "import boto3, hvac" if auth.enabled else "import hvac",
        "",
        f"client = hvac.Client({client})",
    ]
    if auth.enabled:
        lines += [
            "credentials = boto3.Session().get_credentials()  # the service's own IAM role",
            "client.auth.aws.iam_login(",
            "    credentials.access_key, credentials.secret_key, credentials.token,",
            f"    role={auth.role_name!r}, mount_point={auth.path!r},",
            ")",
        ]
    else:
        lines.append("# AWS auth is not part of this stack: log in as your service already does")
    if spec.enabled and spec.names:
        lines += [
            "secret = client.secrets.kv.v2.read_secret_version(",
            f"    {spec.names[0]!r}, mount_point={spec.mount_path!r}, raise_on_deleted_version=True",
            ')["data"]["data"]',
        ]
    return "\n".join(lines)
