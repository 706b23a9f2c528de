"""``vault-console demo``: everything a newcomer needs, started and stopped together.

- a seeded ``bao server -dev`` with OpenBao's aws plugins (``vault.devserver``);
- a moto server as the demo's AWS, seeded with Vault's root IAM user, an operator and the
  AI service's role (``infra.demo_aws``), when moto is installed;
- an environment for the console's process only: its own state folder (the user's saved
  answers, stacks and crash reports are not touched), a PULUMI_HOME with the vault provider
  from ``shared/pulumi-plugins``, the cached Pulumi CLI on PATH, and boto3 settings that
  reach moto and nothing else;
- the wizard's answers for stack ``dev`` filled with the demo's AWS (endpoints, Vault's
  root key, the role to bind), so all three components run with no cloud account.

Nothing here is used outside the demo.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import lzma
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vault_console import config
from vault_console.vault.devcluster import DevCluster
from vault_console.vault.devserver import DevServer

PULUMI_CLI_VERSION = "v3.276.0"


@dataclass
class Demo:
    server: DevServer
    env: dict[str, str]
    """The console's environment: the process's, with the demo's settings over it."""
    notes: list[str] = field(default_factory=list)
    """What the demo could not set up, said once before the console opens."""
    aws_url: str | None = None
    aws_pid: int | None = None


def _cache_root(env: dict[str, str]) -> Path:
    return Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME", "~")).expanduser() / ".cache")


def _pulumi_cli(env: dict[str, str]) -> str | None:
    """``pulumi`` on PATH, else the one ``tools/pulumi/build.sh`` cached."""
    found = shutil.which("pulumi", path=env.get("PATH"))
    if found:
        return found
    cached = (
        _cache_root(env) / "vault-console" / "tools" / f"pulumi-{PULUMI_CLI_VERSION}" / "pulumi"
    )
    return str(cached) if os.access(cached, os.X_OK) else None


def _shared() -> Path:
    return Path(
        os.environ.get("VAULT_CONSOLE_SHARED") or Path(__file__).resolve().parents[3] / "shared"
    )


def install_vault_plugin(
    cli: str, home: Path, version: str, env: Mapping[str, str] | None = None
) -> bool:
    """Install the vault provider from ``shared/pulumi-plugins`` into ``home`` (a
    PULUMI_HOME): plugins cannot be downloaded here. False when the archive is missing.
    The demo, the tests' ``pulumi_home`` and the benches share it."""
    packed = _shared() / "pulumi-plugins" / f"pulumi-resource-vault-{version}-linux-amd64.xz"
    if not packed.is_file():
        return False
    home.mkdir(parents=True, exist_ok=True)
    binary = home / "pulumi-resource-vault"
    binary.write_bytes(lzma.decompress(packed.read_bytes()))
    binary.chmod(0o755)
    try:
        subprocess.run(
            [cli, "plugin", "install", "resource", "vault", version, "-f", str(binary)],
            env={
                **(env or os.environ),
                "PULUMI_HOME": str(home),
                "PULUMI_SKIP_UPDATE_CHECK": "true",
            },
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        binary.unlink(missing_ok=True)
    return True


def _pulumi_home(cli: str, env: dict[str, str]) -> Path | None:
    """A PULUMI_HOME of the demo's own holding the vault provider (installed once)."""
    # The version pulumi_vault was built for, read from its metadata: importing the
    # engine (and with it pulumi and grpc) would slow every demo start.
    version = "v" + importlib.metadata.version("pulumi_vault")
    home = _cache_root(env) / "vault-console" / "demo-pulumi-home"
    if (home / "plugins" / f"resource-vault-{version}").is_dir():
        return home
    return home if install_vault_plugin(cli, home, version, env) else None


@contextlib.contextmanager
def running() -> Iterator[Demo]:
    """The demo's servers and environment; everything stops and goes on exit."""
    from vault_console.infra import demo_aws
    from vault_console.vault import demo_seed
    from vault_console.vault.client import VaultGateway

    # Started before the console's own settings exist: bao gets none of them.
    server = DevServer().start()
    moto: demo_aws.MotoServer | None = None
    try:
        settings = server.settings()
        gateway = VaultGateway(settings)
        demo_seed.seed(gateway.client)
        gateway.close()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in demo_aws.USER_AWS_VARIABLES and not k.startswith("AWS_")
        }
        env["XDG_STATE_HOME"] = str(server.workdir / "state")
        demo = Demo(server, env)
        cli = _pulumi_cli(env)
        if cli is None:
            demo.notes.append(
                "No Pulumi CLI: the wizard can collect answers but not preview "
                "(./dev test builds one: tools/pulumi/build.sh)."
            )
        else:
            env["PATH"] = f"{Path(cli).parent}{os.pathsep}{env.get('PATH', '')}"
            home = _pulumi_home(cli, env)
            if home is not None:
                env["PULUMI_HOME"] = str(home)
            else:
                demo.notes.append("No vault provider plugin in shared/pulumi-plugins.")
        try:
            moto = demo_aws.MotoServer().start()
        except (demo_aws.MotoMissing, RuntimeError) as exc:
            demo.notes.append(f"No demo AWS ({exc}): the AWS components will ask for real AWS.")
        else:
            account = demo_aws.seed(moto.url)
            env.update(demo_aws.console_env(account, server.workdir / "aws"))
            demo.aws_url, demo.aws_pid = moto.url, moto.pid
            _prefill_wizard(env, account, plugins=server.plugin_dir is not None)
        yield demo
    finally:
        if moto is not None:
            moto.stop()
        server.stop()


@contextlib.contextmanager
def cluster_running() -> Iterator[DevCluster]:
    """``demo --cluster``: a 3-node OpenBao raft cluster on 127.0.0.1 with the demo's data
    (no AWS, no wizard prefill: it is for the cluster view, failover and read-your-writes).
    Everything stops and goes on exit."""
    from vault_console.vault import demo_seed
    from vault_console.vault.client import VaultGateway

    cluster = DevCluster().start()
    try:
        gateway = VaultGateway(cluster.settings())
        demo_seed.seed(gateway.client)
        gateway.close()
        yield cluster
    finally:
        cluster.stop()


def _prefill_wizard(env: dict[str, str], account: object, plugins: bool) -> None:
    """Stack ``dev``'s answers: the demo's AWS endpoints, Vault's root key (its secret
    half only in the console's environment, under the name its field reads) and the AI
    service's role. The model secret's value is left for the newcomer to type."""
    from vault_console.infra.demo_aws import REGION, DemoAccount
    from vault_console.infra.setup import SetupAnswers, secret_env_name

    assert isinstance(account, DemoAccount)
    answers = SetupAnswers()
    url = account.url
    answers.raw = {
        "aws_secrets": {
            "enabled": plugins,
            "region": REGION,
            "access_key": account.root_key,
            "policy_document": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}
                    ],
                }
            ),
            "iam_endpoint": url,
            "sts_endpoint": url,
        },
        "aws_auth": {
            "enabled": plugins,
            "iam_endpoint": url,
            "sts_endpoint": url,
            "sts_region": REGION,
            "bound_principal_arn": account.role_arn,
        },
        "model_secrets": {"mount_path": "ai-setup", "policy_name": "ai-setup-read"},
    }
    answers.set_aws_secret_key(account.root_secret)
    answers.set_model_secret("openai/api-key", "api_key", "")
    answers.save(config.state_dir(env), "dev")
    env[secret_env_name("aws_secrets.secret_key")] = account.root_secret
