"""``vault-console doctor``: is everything the setup needs in place? Each check has a fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vault_console.config import Settings
from vault_console.errors import describe, is_forbidden
from vault_console.escaping import escape_controls
from vault_console.infra.engine import INSTALL_HINT, backend_url, plugin_versions
from vault_console.vault.client import VaultGateway
from vault_console.vault.plugins import register_command


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    """ok, warn, fail or skip."""
    detail: str
    fix: str = ""


def vault_checks(gateway: VaultGateway) -> list[Check]:
    """Reachability, server kind, token, and whether the aws plugins exist."""
    try:
        status = gateway.server_status()
    except Exception as exc:
        problem = describe(exc)
        return [
            Check(
                "vault.reachable",
                "fail",
                f"{gateway.settings.address}: {problem.message}",
                "Check VAULT_ADDR and that the server is running.",
            ),
        ]
    checks = [
        Check(
            "vault.reachable",
            "fail" if status.sealed else "ok",
            f"{gateway.settings.address}: {status.kind} {status.version}"
            + (" (sealed)" if status.sealed else " (standby)" if status.standby else ""),
            "Unseal the server." if status.sealed else "",
        )
    ]
    try:
        token = gateway.token_info()
        left = token.seconds_left()
        checks.append(
            Check(
                "vault.token",
                "ok",
                f"{token.display_name}, policies {', '.join(token.policies)}, "
                + ("no expiry" if left is None else f"{left}s left"),
            )
        )
    except Exception as exc:
        checks.append(
            Check(
                "vault.token",
                "fail",
                describe(exc).message,
                "Set VAULT_TOKEN (or BAO_TOKEN), or log in with the vault/bao CLI.",
            )
        )
        return checks
    checks += cluster_checks(gateway)
    try:
        catalog = gateway.plugin_catalog()
        for kind, label in (("secret", "AWS secrets engine"), ("auth", "AWS auth method")):
            names = catalog.get(kind) or []
            if "aws" in names:
                checks.append(Check(f"vault.plugin.{kind}.aws", "ok", f"{label}: available"))
            else:
                checks.append(
                    Check(
                        f"vault.plugin.{kind}.aws",
                        "fail",
                        f"{label}: the server has no 'aws' {kind} plugin"
                        + (" (OpenBao ships none built in)" if status.kind == "OpenBao" else ""),
                        "Disable that component in the stack config, or put the plugin's "
                        "binary in the server's plugin_directory and register it: "
                        + register_command(status.kind, kind),
                    )
                )
    except Exception as exc:
        if is_forbidden(exc):
            checks.append(
                Check(
                    "vault.plugins",
                    "warn",
                    "this token cannot read sys/plugins/catalog",
                    "Use a token with read on sys/plugins/catalog to check for aws plugins.",
                )
            )
        else:
            checks.append(Check("vault.plugins", "warn", describe(exc).message))
    return checks


def cluster_checks(gateway: VaultGateway) -> list[Check]:
    """The cluster behind the address: one line, then one per problem (no leader fails;
    the rest warn). A single server says so; a section the token may not read is named."""
    from vault_console.vault.cluster import read_cluster

    view = read_cluster(gateway)
    if view.ha_enabled is False:
        return [Check("vault.cluster", "ok", "a single server (HA is not enabled)")]
    missing = [f"{section} {why}" for section, why in view.sections.items() if why]
    if view.ha_enabled is None:
        return [Check("vault.cluster", "warn", "; ".join(missing) or "sys/leader said nothing")]
    here = "active" if view.is_self_leader else "a standby"
    detail = (
        f"{view.cluster_name or 'cluster'}: {len(view.nodes)} nodes, this one is {here}, "
        f"leader {view.leader_address or 'NONE'}"
        + (
            f", failure tolerance {view.failure_tolerance}"
            if view.failure_tolerance is not None
            else ""
        )
    )
    checks = [Check("vault.cluster", "ok" if not missing else "warn", detail, "; ".join(missing))]
    checks += [Check("vault.cluster.address", "warn", advice) for advice in view.advice]
    for problem in view.problems:
        no_leader = problem.startswith("No active node")
        checks.append(
            Check(
                "vault.cluster.leader" if no_leader else "vault.cluster.health",
                "fail" if no_leader else "warn",
                problem,
                "Retry in a few seconds; if it stays, check the nodes' logs." if no_leader else "",
            )
        )
    return checks


def pulumi_checks(env: Mapping[str, str], run: Callable[..., Any] = subprocess.run) -> list[Check]:
    cli = shutil.which("pulumi", path=env.get("PATH"))
    wanted = plugin_versions()
    if cli is None:
        return [
            Check("pulumi.cli", "fail", "`pulumi` is not on PATH", INSTALL_HINT),
            Check(
                "pulumi.plugins",
                "skip",
                "needs the CLI; wanted " + ", ".join(f"{p} {v}" for p, v in wanted.items()),
            ),
        ]
    version = run([cli, "version"], capture_output=True, text=True, check=False).stdout.strip()
    checks = [Check("pulumi.cli", "ok", f"{cli} {version}")]
    listed = run([cli, "plugin", "ls", "--json"], capture_output=True, text=True, check=False)
    try:
        installed = {
            (p.get("name"), "v" + str(p.get("version", "")).lstrip("v"))
            for p in json.loads(listed.stdout or "[]")
        }
    except json.JSONDecodeError:
        installed = set()
    for plugin, version_wanted in wanted.items():
        if (plugin, version_wanted) in installed:
            checks.append(
                Check(f"pulumi.plugin.{plugin}", "ok", f"{plugin} {version_wanted} installed")
            )
        else:
            checks.append(
                Check(
                    f"pulumi.plugin.{plugin}",
                    "warn",
                    f"{plugin} {version_wanted} (matching the Python package) is not installed",
                    f"pulumi plugin install resource {plugin} {version_wanted}",
                )
            )
    return checks


def backend_check(env: Mapping[str, str]) -> Check:
    url = backend_url(env)
    if url.startswith("file://"):
        path = Path(url.removeprefix("file://"))
        probe = path if path.exists() else next((p for p in path.parents if p.exists()), Path("/"))
        if os.access(probe, os.W_OK):
            return Check("pulumi.backend", "ok", f"{url} (local files)")
        return Check(
            "pulumi.backend",
            "fail",
            f"{url}: {probe} is not writable",
            "Set PULUMI_BACKEND_URL to a writable place.",
        )
    source = "PULUMI_BACKEND_URL" if env.get("PULUMI_BACKEND_URL") else "default"
    secrets = "PULUMI_CONFIG_PASSPHRASE" in env or "PULUMI_CONFIG_PASSPHRASE_FILE" in env
    return Check(
        "pulumi.backend",
        "ok",
        f"{url} (from {source}); passphrase {'set' if secrets else 'not set'}",
    )


def aws_check(env: Mapping[str, str]) -> Check:
    """Who AWS says we are (boto3 STS), honouring AWS_ENDPOINT_URL and the usual chain."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.session.Session()
        sts = session.client(
            "sts", region_name=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        )
        identity = sts.get_caller_identity()
    except botocore.exceptions.NoCredentialsError:
        return Check(
            "aws.identity",
            "warn",
            "no AWS credentials found",
            "Needed only to create the IAM role: set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, or give aws_auth.bound_principal_arn instead.",
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        return Check(
            "aws.identity", "fail", f"STS refused: {exc}", "Check the AWS credentials and region."
        )
    return Check("aws.identity", "ok", f"{identity['Arn']} (account {identity['Account']})")


def run_doctor(settings: Settings, env: Mapping[str, str] | None = None) -> list[Check]:
    env = os.environ if env is None else env
    gateway = VaultGateway(settings)
    try:
        checks = vault_checks(gateway)
    finally:
        gateway.close()
    return [*checks, *pulumi_checks(env), backend_check(env), aws_check(env)]


def render(checks: list[Check], as_json: bool) -> str:
    if as_json:
        return json.dumps([asdict(c) for c in checks], indent=2)
    marks = {"ok": "✔", "warn": "!", "fail": "✖", "skip": "-"}
    lines = []
    for check in checks:
        # Details name paths and addresses the server gave: shown escaped, as on screen.
        lines.append(f"{marks[check.status]} {check.name:<24} {escape_controls(check.detail)}")
        if check.fix and check.status != "ok":
            lines.append(f"  {'':<24} fix: {escape_controls(check.fix)}")
    return "\n".join(lines)
