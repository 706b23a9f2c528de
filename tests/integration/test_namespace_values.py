"""Issue 21's requests in an OpenBao namespace: subkeys, capabilities, PATCH and the
no-values guard work there; fingerprints say why there are none (OpenBao answers audit
requests in the root namespace only), instead of breaking a compare."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from tests.conftest import settings_for
from vault_console.errors import ValuesOff
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.vault.fingerprints import fingerprints_or_why, with_fingerprints
from vault_console.vault.model import diff_versions
from vault_console.vault.opened import read_secret


def test_values_stay_on_the_server_in_a_namespace(bao: DevServer, gateway: VaultGateway) -> None:
    name = f"ns{uuid.uuid4().hex[:6]}"
    gateway.adapter.post(f"/v1/sys/namespaces/{name}", json={})
    settings = dataclasses.replace(settings_for(bao.address, bao.root_token), namespace=name)
    inside = VaultGateway(settings)
    off = VaultGateway(dataclasses.replace(settings, no_values=True))
    try:
        inside.client.sys.enable_secrets_engine("kv", path="kv", options={"version": "2"})
        kv = inside.kv("kv", 2)
        kv.write("a/b", {"k": "v", "n": 1}, cas=0)
        shown = read_secret(kv, "a/b", None, inside.capabilities_self)
        assert shown.secret.subkeys == {"k": None, "n": None} and shown.secret.data is None
        assert shown.denied == {} and shown.metadata is not None
        assert kv.set_keys("a/b", {"k": "v2"}, 1) == (2, "patch")
        assert kv.read("a/b").data == {"k": "v2", "n": 1}
        found, why = fingerprints_or_why(inside, ["v2"])
        assert found is None and f"this session is in namespace {name}" in why
        changes, note = with_fingerprints(
            inside, diff_versions({"k": "v"}, {"k": "v2"}), {"k": "v"}, {"k": "v2"}
        )
        assert changes[0].status == "changed" and "root namespace" in note
        assert off.kv("kv", 2).structure("a/b").subkeys == {"k": None, "n": None}
        with pytest.raises(ValuesOff):
            off.kv("kv", 2).read("a/b")
    finally:
        inside.close()
        off.close()
