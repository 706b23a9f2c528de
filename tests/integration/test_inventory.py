"""``vault-console ls`` and ``show``: an inventory for pipelines and agents, never a value,
as a new process on the session's real OpenBao (exit 0 found, 3 not found, 1 error)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer

KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 3  # fake, of OpenAI's shape


def run(bao: DevServer, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))},
        "VAULT_ADDR": bao.address,
        "VAULT_TOKEN": token,
        "XDG_CONFIG_HOME": "/nonexistent",
    }
    return subprocess.run(
        [sys.executable, "-m", "vault_console", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ls_and_show_inventory_a_secret_without_its_value(
    bao: DevServer, gateway: VaultGateway
) -> None:
    folder = f"inv-{uuid.uuid4().hex[:8]}"
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/llm", {"api_key": KEY, "limits": {"rpm": 60}}, cas=0)

    listed = run(bao, bao.root_token, "ls", f"scratch/{folder}", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["entries"] == [
        {"kind": "secret", "name": "llm", "path": f"scratch/{folder}/llm"}
    ]

    shown = run(bao, bao.root_token, "show", f"scratch/{folder}/llm", "--json")
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["keys"] == {"api_key": None, "limits": {"rpm": None}}
    assert found["version"] == 1 and found["versions"][0]["state"] == "active"
    assert found["age_days"] == 0 and "labels" not in found
    assert KEY not in shown.stdout + shown.stderr

    labelled = run(bao, bao.root_token, "show", f"scratch/{folder}/llm", "--json", "--labels")
    assert labelled.returncode == 0, labelled.stderr
    found = json.loads(labelled.stdout)
    assert found["labels"]["api_key"] == f"OpenAI project key (sk-proj-…) · {len(KEY)} chars"
    device = gateway.audit_devices()[0]["path"]
    assert found["fingerprints"]["api_key"] == gateway.audit_hash(device, KEY)
    assert found["fingerprints"]["limits"] == ""  # not a string: the audit log keeps it as is
    assert KEY not in labelled.stdout + labelled.stderr


def test_not_found_exits_3_and_a_refusal_exits_1(bao: DevServer, gateway: VaultGateway) -> None:
    missing = run(bao, bao.root_token, "show", "scratch/no-such-secret-here", "--json")
    assert missing.returncode == 3 and "no secret at" in missing.stderr
    nowhere = run(bao, bao.root_token, "ls", "not-a-mount/x")
    assert nowhere.returncode == 3
    gateway.client.sys.create_or_update_policy(
        "inventory-structure",
        'path "sys/mounts" { capabilities = ["read"] }\n'
        'path "scratch/subkeys/*" { capabilities = ["read"] }\n',
    )
    token = gateway.client.auth.token.create(policies=["inventory-structure"], ttl="5m")
    limited = token["auth"]["client_token"]
    folder = f"inv-{uuid.uuid4().hex[:8]}"
    gateway.kv("scratch", 2).write(f"{folder}/s", {"k": KEY}, cas=0)
    structure = run(bao, limited, "show", f"scratch/{folder}/s", "--json")
    assert structure.returncode == 0, structure.stderr  # keys without metadata or values
    assert json.loads(structure.stdout)["metadata"] == "refused to this token"
    refused = run(bao, limited, "show", f"scratch/{folder}/s", "--labels")
    assert refused.returncode == 1 and "Permission denied" in refused.stderr
    assert KEY not in refused.stdout + refused.stderr + structure.stdout


def test_ls_shows_a_hostile_path_escaped(bao: DevServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenBao refuses control and bidi characters in paths, but another server may not:
    the text output escapes them, as the screen does (JSON escapes them itself)."""
    import io

    from tests.conftest import settings_for
    from vault_console import commands
    from vault_console.vault import inventory

    hostile = {"path": "scratch/", "entries": [{"name": "x", "path": "scratch/evil\u202e\x1b[31m"}]}
    monkeypatch.setattr(inventory, "list_path", lambda gateway, path: hostile)
    out = io.StringIO()
    settings = settings_for(bao.address, bao.root_token)
    assert commands.inventory(settings, "ls", "scratch/", False, False, out) == 0
    assert out.getvalue() == "scratch/evil\\u202e\\x1b[31m\n"
