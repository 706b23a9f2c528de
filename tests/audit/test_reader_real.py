"""The audit reader on the real OpenBao dev server's file audit device."""

from __future__ import annotations

import uuid

import hvac.exceptions
import pytest

from vault_console.audit.reader import Query, pair, scan
from vault_console.config import Settings
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer


@pytest.fixture
def traffic(bao: DevServer, gateway: VaultGateway, limited_settings: Settings) -> dict[str, str]:
    """Requests made through hvac, as a client would, for the tests to find again."""
    folder = f"audit-{uuid.uuid4().hex[:8]}"
    kv = gateway.kv("scratch", 2)
    kv.write(f"{folder}/model", {"api_key": "sk-find-me-by-hmac"}, cas=0)
    kv.read(f"{folder}/model")
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv.read(f"{folder}/missing")
    limited = VaultGateway(limited_settings)
    with pytest.raises(hvac.exceptions.Forbidden):
        limited.kv("scratch", 2).read(f"{folder}/model")
    return {"folder": folder, "limited_name": "token-research-dev"}


def test_audit_devices_are_listed(gateway: VaultGateway, bao: DevServer) -> None:
    devices = gateway.audit_devices()
    assert devices[0]["path"] == "file/" and devices[0]["type"] == "file"
    assert devices[0]["options"]["file_path"] == str(bao.audit_log)


def test_filters_find_the_requests(bao: DevServer, traffic: dict[str, str]) -> None:
    prefix = f"scratch/data/{traffic['folder']}/"
    everything = scan(bao.audit_log, Query(path_prefix=prefix))
    assert everything.bad_line_count == 0
    pairs = pair(everything.entries)
    operations = {p.first.operation for p in pairs}
    assert "read" in operations and operations & {"create", "update"}
    assert len(pairs) == 4  # the write, the read, the 404 read and the denied read
    assert all(p.request is not None and p.response is not None for p in pairs)

    reads = scan(bao.audit_log, Query(path_prefix=prefix, operation="read")).entries
    assert {e.path for e in reads} == {f"{prefix}model", f"{prefix}missing"}
    errors = scan(bao.audit_log, Query(path_prefix=prefix, errors_only=True)).entries
    assert errors and all(e.error for e in errors)
    assert any("permission denied" in e.error for e in errors)

    mount = scan(bao.audit_log, Query(mount="scratch/", path_prefix=prefix)).entries
    assert mount and all(e.mount_point == "scratch/" for e in mount)
    local = scan(bao.audit_log, Query(remote_address="127.0.0.1", path_prefix=prefix)).entries
    assert len(local) == len(everything.entries)
    by_name = scan(bao.audit_log, Query(token=traffic["limited_name"], path_prefix=prefix)).entries
    assert by_name and all(e.display_name == traffic["limited_name"] for e in by_name)
    last = everything.entries[-1].time
    assert scan(bao.audit_log, Query(path_prefix=prefix, since=last)).entries[-1].time == last
    assert scan(bao.audit_log, Query(path_prefix=prefix, until="2000-01-01")).entries == []


def test_hmac_search_finds_where_a_value_and_a_token_were_used(
    bao: DevServer, gateway: VaultGateway, traffic: dict[str, str], root_settings: Settings
) -> None:
    value_hash = gateway.audit_hash("file", "sk-find-me-by-hmac")
    assert value_hash.startswith("hmac-sha256:")
    found = scan(bao.audit_log, Query(hmac=value_hash)).entries
    assert any(e.path.endswith(f"{traffic['folder']}/model") for e in found)
    assert "sk-find-me-by-hmac" not in bao.audit_log.read_text()  # the log never had it

    assert root_settings.token is not None
    token_hash = gateway.audit_hash("file", root_settings.token.reveal())
    used = scan(bao.audit_log, Query(token=token_hash)).entries
    assert used and all(e.client_token == token_hash for e in used)
