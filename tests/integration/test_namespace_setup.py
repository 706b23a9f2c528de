"""The setup in a namespace (issue 26 part 3), on the real Pulumi CLI, the real vault
provider and a real OpenBao with namespaces: a session in team-a with the root token (which
belongs to the root namespace) previews and applies the stack into team-a, and the root
namespace's secret at the same path is untouched."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.tenants import SECRET, Tenants, value_in

pytestmark = pytest.mark.needs_pulumi_cli


@pytest.mark.parametrize(
    ("session", "stack", "target"),
    [("team-a", "", "team-a"), ("", "team-b", "team-b"), ("team-a", "prod", "team-a/prod")],
)
def test_headless_up_in_a_namespace_with_the_root_token(
    tenants: Tenants,
    pulumi_cli: str,
    pulumi_home: Path,
    tmp_path: Path,
    session: str,
    stack: str,
    target: str,
) -> None:
    """The session's namespace (VAULT_NAMESPACE), the stack's (vault_namespace, relative to
    it), or both: the stack lands in the namespace the output names, and nowhere else."""
    mount = f"ns-stack-{uuid.uuid4().hex[:6]}"
    config_file = tmp_path / "stack.toml"
    config_file.write_text(
        (f'vault_namespace = "{stack}"\n' if stack else "")
        + "[aws_secrets]\nenabled = false\n[aws_auth]\nenabled = false\n"
        f'[model_secrets]\nmount_path = "{mount}"\npolicy_name = "{mount}-read"\n'
        '[model_secrets.secrets."openai/api-key"]\napi_key = { env = "MODEL_KEY" }\n'
    )
    env = {
        "PATH": f"{Path(pulumi_cli).parent}:{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PULUMI_HOME": str(pulumi_home),
        "PULUMI_CONFIG_PASSPHRASE": "namespace stack",
        "VAULT_ADDR": tenants.server.address,
        "VAULT_TOKEN": tenants.server.root_token,
        "VAULT_NAMESPACE": session,
        "MODEL_KEY": "sk-namespace-stack-value",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vault_console", *args, "--config", str(config_file),
             "--stack", mount],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    preview = run("preview", "--json")
    assert preview.returncode == 2, preview.stderr
    assert json.loads(preview.stdout)["summary"] == {"create": 4}
    assert json.loads(preview.stdout)["namespace"] == target
    applied = run("up", "--yes")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.stdout.startswith(f"Target: {tenants.server.address} · namespace {target}\n")
    with tenants.gateway(target) as inside, tenants.gateway() as root:
        assert inside.kv(mount, 2).read("openai/api-key").data == {
            "api_key": "sk-namespace-stack-value"
        }
        assert f"{mount}/" not in {m.path for m in root.mounts()}  # not in root
        assert root.kv("ai-models", 2).read(SECRET).data == {"api_key": value_in("")}
    destroyed = run("destroy", "--yes")
    assert destroyed.returncode == 0, destroyed.stderr
