"""The Vault layer against a real OpenBao dev server."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import hvac.exceptions
import pytest

from vault_console.config import Settings
from vault_console.errors import CasConflict, describe
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_server_identity_and_mounts(gateway: VaultGateway) -> None:
    mounts = {m.path: m for m in gateway.mounts()}
    status = gateway.server_status()
    assert status.kind == "OpenBao" and status.version.startswith("2.")
    assert not status.sealed and not status.standby
    assert mounts["ai-models/"].kv_version == 2
    assert mounts["legacy-kv/"].kv_version == 1
    assert mounts["transit/"].kv_version is None
    assert mounts["approle/"].category == "auth"
    assert mounts["ai-models/"].plugin_version.endswith("+builtin.bao")
    assert mounts["ai-models/"].accessor.startswith("kv_")


def test_first_requests_do_not_load_hvac_or_requests(bao: DevServer) -> None:
    """Status, token and mounts (what the first screen needs) leave through urllib3 alone."""
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from vault_console import config\n"
        "from vault_console.vault.client import VaultGateway\n"
        "settings = config.resolve(env=dict(os.environ), home=Path('/nonexistent'))\n"
        "gateway = VaultGateway(settings)\n"
        "assert gateway.server_status().kind == 'OpenBao'\n"
        "assert gateway.token_info().policies == ('root',)\n"
        "assert any(m.path == 'ai-models/' for m in gateway.mounts())\n"
        "print(','.join(m for m in ('hvac', 'requests') if m in sys.modules) or 'none')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env.update(VAULT_ADDR=bao.address, VAULT_TOKEN=bao.root_token)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "none"


def test_reading_a_missing_secret_is_described_without_the_raw_body(
    gateway: VaultGateway,
) -> None:
    with pytest.raises(hvac.exceptions.InvalidPath) as caught:
        gateway.kv("legacy-kv", 1).read("batch/nothing-here", None)
    problem = describe(caught.value)
    assert (problem.title, problem.message) == ("Not found", "Nothing at that path.")


def test_token_info_for_root(gateway: VaultGateway) -> None:
    token = gateway.token_info()
    assert token.policies == ("root",)
    assert token.seconds_left() is None


def test_list_and_walk(gateway: VaultGateway) -> None:
    kv = gateway.kv("ai-models", 2)
    assert kv.list_folder() == ["dev/", "prod/", "shared/", "staging/"]
    assert kv.list_folder("no-such-folder/") == []
    walked = set(kv.walk())
    assert "prod/vector-db/pinecone" in walked
    assert len(walked) == 3 * 4 + 2


def test_kv_v1_reads(gateway: VaultGateway) -> None:
    kv = gateway.kv("legacy-kv", 1)
    secret = kv.read("batch/scoring-db")
    assert secret.version is None
    assert secret.data is not None and secret.data["username"] == "scoring"
    assert "password" not in repr(secret) and secret.data["password"] not in repr(secret)


def test_versions_and_soft_deleted_reads(gateway: VaultGateway) -> None:
    kv = gateway.kv("ai-models", 2)
    meta = kv.metadata("prod/openai")
    assert meta.current_version == 3
    assert [v.state for v in meta.versions] == ["deleted", "active", "active"]
    assert meta.custom_metadata["owner"] == "ml-platform"
    deleted = kv.read("prod/openai", 1)
    assert deleted.data is None and deleted.deletion_time
    assert kv.read("prod/openai").version == 3


def test_check_and_set_between_two_clients(root_settings: Settings) -> None:
    first, second = VaultGateway(root_settings), VaultGateway(root_settings)
    path = unique("cas/model")
    kv1, kv2 = first.kv("scratch", 2), second.kv("scratch", 2)
    assert kv1.write(path, {"k": "a"}, cas=0) == 1
    assert kv2.write(path, {"k": "b"}, cas=1) == 2
    with pytest.raises(CasConflict):
        kv1.write(path, {"k": "stale"}, cas=1)
    with pytest.raises(CasConflict):
        kv1.write(path, {"k": "again"}, cas=0)
    assert kv1.read(path).data == {"k": "b"}


def test_delete_undelete_destroy(gateway: VaultGateway) -> None:
    kv = gateway.kv("scratch", 2)
    path = unique("lifecycle/key")
    kv.write(path, {"v": "1"}, cas=0)
    kv.write(path, {"v": "2"}, cas=1)
    kv.delete_versions(path, [1])
    assert kv.read(path, 1).data is None
    kv.undelete_versions(path, [1])
    assert kv.read(path, 1).data == {"v": "1"}
    kv.destroy_versions(path, [2])
    destroyed = kv.read(path, 2)
    assert destroyed.data is None and destroyed.destroyed
    kv.update_custom_metadata(path, {"owner": "tests"})
    assert kv.metadata(path).custom_metadata == {"owner": "tests"}


def test_limited_token_gets_403_on_prod_but_sees_mounts(limited_settings: Settings) -> None:
    gateway = VaultGateway(limited_settings)
    assert "ai-models/" in {m.path for m in gateway.mounts()}
    kv = gateway.kv("ai-models", 2)
    with pytest.raises(hvac.exceptions.Forbidden):
        kv.list_folder("prod/")
    assert kv.read("dev/openai").data is not None


def test_unreachable_server_raises_a_connection_error(bao: DevServer) -> None:
    from tests.conftest import settings_for

    with DevServer() as short_lived:
        gateway = VaultGateway(settings_for(short_lived.address, short_lived.root_token))
        assert gateway.server_status().version
    from vault_console.errors import describe

    with pytest.raises(Exception) as caught:
        gateway.server_status()
    assert describe(caught.value).title == "Unreachable"
