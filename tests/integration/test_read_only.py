"""Read-only mode at the transport: writes are refused before they are sent."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest

from vault_console.config import Settings
from vault_console.errors import ReadOnlyViolation
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.vault.readonly import read_only_guard


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/ai-models/data/prod/openai"),
        ("LIST", "/v1/ai-models/metadata/"),
        ("POST", "/v1/sys/capabilities-self"),
        ("POST", "/v1/sys/audit-hash/file"),
        ("POST", "v1/auth/token/lookup-accessor"),
    ],
)
def test_reads_pass(method: str, path: str) -> None:
    read_only_guard(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/ai-models/data/prod/openai"),
        ("PUT", "/v1/sys/policies/acl/x"),
        ("DELETE", "/v1/ai-models/metadata/prod/openai"),
        ("PATCH", "/v1/ai-models/data/prod/openai"),
        ("POST", "/v1/auth/token/renew-self"),
        ("POST", "/v1/sys/audit-hash/file/../../mounts/x"),
        ("POST", "/v1/sys/capabilities-self/extra"),
    ],
)
def test_writes_are_refused(method: str, path: str) -> None:
    with pytest.raises(ReadOnlyViolation, match="read-only mode"):
        read_only_guard(method, path)


def test_refused_writes_never_reach_the_server(bao: DevServer, root_settings: Settings) -> None:
    gateway = VaultGateway(dataclasses.replace(root_settings, read_only=True))
    kv = gateway.kv("scratch", 2)
    attempts: list[Callable[[], object]] = [
        lambda: kv.write("read-only/should-not-exist", {"k": "v"}, cas=0),
        lambda: kv.delete_latest("read-only/should-not-exist"),
        lambda: kv.destroy_versions("read-only/should-not-exist", [1]),
        lambda: kv.update_custom_metadata("read-only/should-not-exist", {"a": "b"}),
        lambda: gateway.client.sys.create_or_update_policy("ro-test", 'path "x" {}'),
        lambda: gateway.renew_token(),
    ]
    for attempt in attempts:
        with pytest.raises(ReadOnlyViolation):
            attempt()
    assert gateway.kv("ai-models", 2).read("prod/openai").data is not None  # reads still work
    paths = [
        json.loads(line).get("request", {}).get("path", "")
        for line in bao.audit_log.read_text(encoding="utf-8").splitlines()
    ]
    assert not any("read-only/should-not-exist" in p or p.endswith("ro-test") for p in paths)
    assert any(p == "ai-models/data/prod/openai" for p in paths)  # the log does record reads


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_every_write_verb_on_the_raw_adapter_is_refused(
    bao: DevServer, root_settings: Settings, method: str
) -> None:
    gateway = VaultGateway(dataclasses.replace(root_settings, read_only=True))
    path = f"/v1/scratch/data/raw-{method}"
    with pytest.raises(ReadOnlyViolation):
        gateway.adapter.request(method, path, json={"data": {"k": "v"}})
    logged = [
        json.loads(line).get("request", {}).get("path", "")
        for line in bao.audit_log.read_text(encoding="utf-8").splitlines()
    ]
    assert f"scratch/data/raw-{method}" not in logged
