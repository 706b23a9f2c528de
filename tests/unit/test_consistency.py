"""The X-Vault-Index store and the Retry-After reading (issue 25 part 1); the behaviour on
a real lagging cluster is in tests/integration/test_cluster_consistency.py."""

from __future__ import annotations

import base64
import json

from vault_console.vault import consistency
from vault_console.vault.consistency import IndexStore, retry_after


def index(cluster: str, value: int) -> str:
    """OpenBao 2.7's header: base64 of {"cluster", "value"} (seen on a real cluster)."""
    return base64.b64encode(json.dumps({"cluster": cluster, "value": str(value)}).encode()).decode()


def test_the_store_keeps_the_furthest_index_of_a_cluster() -> None:
    store = IndexStore()
    store.record(index("c1", 42))
    store.record(index("c1", 41))  # an older answer arriving late
    assert store.value == index("c1", 42)
    store.record(index("c1", 43))
    assert store.value == index("c1", 43)
    store.record(index("c2", 5))  # another cluster (re-initialised): the new one counts
    assert store.value == index("c2", 5)


def test_an_index_of_another_format_replaces_and_junk_is_dropped() -> None:
    store = IndexStore()
    store.record(index("c1", 42))
    vault_enterprise = base64.b64encode(b"v1:cid:10:0:abcd").decode()
    store.record(vault_enterprise)
    assert store.value == vault_enterprise
    for junk in ("", None, "a\r\nX-Injected: 1", "é" * 3, "x" * 5000):
        store.record(junk)
    assert store.value == vault_enterprise


def test_retry_after_is_read_in_seconds_and_capped() -> None:
    assert retry_after("1") == 1.0
    assert retry_after("0.5") == 0.5
    assert retry_after("3600") == consistency.RETRY_CAP
    for odd in (None, "", "Wed, 21 Oct 2026 07:28:00 GMT", "nan", "-1", "0"):
        assert retry_after(odd) == 0.25


def test_one_store_per_address_whatever_the_namespace() -> None:
    """The index is the cluster's raft position: a namespace made from the root namespace
    must be seen by the session working inside it (found on a real cluster)."""
    a = consistency.store_for("http://127.0.0.1:1/")
    assert consistency.store_for("http://127.0.0.1:1") is a
    assert consistency.store_for("http://127.0.0.1:2") is not a
