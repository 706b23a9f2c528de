"""Reading your own writes through a standby (issue 25 part 1), on a real 3-node OpenBao
2.7 raft cluster whose node 1 lags: a proxy holds back what the leader sends to node 1's
cluster port, so a read sent there right after a write loses the race every time.

Each test first shows the lag is real (a gateway that does not carry the index reads stale)
so that it can fail, then that the console's own code reads its writes.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from textual.widgets import Input

from tests.functional.helpers import open_editor, settle, toasts
from tests.infra.lag_proxy import LagProxy
from vault_console.app import make_app
from vault_console.errors import ConsoleError, ErrorKind
from vault_console.screens.edit import KeyValueForm
from vault_console.vault import consistency
from vault_console.vault.client import VaultGateway
from vault_console.vault.devcluster import DevCluster, Node, free_port
from vault_console.widgets.secret_panel import SecretPanel

LAG = 0.5
"""Seconds the leader's raft traffic to node 1 is held back."""


# One worker runs this file's tests, in file order, on one cluster: they share it, and
# some change it for the next (./dev runs pytest with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("cluster-consistency")


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[DevCluster, LagProxy]]:
    real_port = free_port()
    proxy = LagProxy(real_port)
    cluster = DevCluster(cluster_hop={1: proxy.port})
    cluster.nodes[1].cluster_port = real_port
    with cluster:
        cluster.call(
            cluster.nodes[0], "POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "2"}}
        )
        lagging = cluster.nodes[1]
        # Until node 1 has the mount and KV v2 has upgraded its storage, nothing else works.
        cluster.wait_for(
            lambda: cluster.call(lagging, "POST", "kv/data/probe", {"data": {}})[0] == 200,
            30,
            "the kv mount to work through node 1",
        )
        proxy.delay = LAG
        yield cluster, proxy
    proxy.close()


@pytest.fixture
def lagging(cluster: tuple[DevCluster, LagProxy]) -> Node:
    node = cluster[0].nodes[1]
    assert cluster[0].is_standby(node)
    return node


class Forgetful(consistency.IndexStore):
    """A store that never keeps an index: the console as it was before."""

    def record(self, value: str | None) -> None:
        return None


def stale_reads(gateway: VaultGateway, rounds: int = 4) -> int:
    kv = gateway.kv("kv", 2)
    stale = 0
    for _ in range(rounds):
        path = f"rw/{uuid.uuid4().hex[:8]}"
        kv.write(path, {"n": 1}, cas=0)
        try:
            kv.read(path)
        except Exception:
            stale += 1  # not there yet: a 404 on the standby
    return stale


def test_a_write_through_a_lagging_standby_reads_itself_back(
    cluster: tuple[DevCluster, LagProxy], lagging: Node
) -> None:
    before = VaultGateway(cluster[0].settings(lagging))
    before.adapter.index = Forgetful()
    assert stale_reads(before) == 4  # the race is lost every time without the index
    before.close()

    gateway = VaultGateway(cluster[0].settings(lagging))
    assert stale_reads(gateway, rounds=6) == 0
    assert gateway.adapter.index.value  # OpenBao 2.7 sent one
    gateway.close()


def test_a_node_that_does_not_catch_up_is_given_up_on_with_a_clear_error(
    cluster: tuple[DevCluster, LagProxy], lagging: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodes, proxy = cluster
    monkeypatch.setattr(consistency, "WAIT_LIMIT", 1.5)
    gateway = VaultGateway(nodes.settings(lagging))
    told: list[tuple[str, float]] = []
    gateway.adapter.index.on_wait = lambda address, waited: told.append((address, waited))
    kv = gateway.kv("kv", 2)
    proxy.delay = 3.0
    try:
        kv.write("rw/far-behind", {"n": 1}, cas=0)
        with pytest.raises(ConsoleError) as behind:
            kv.read("rw/far-behind")
    finally:
        proxy.delay = LAG
        gateway.adapter.index.on_wait = None
        gateway.close()
    assert behind.value.kind is ErrorKind.TIMEOUT
    assert behind.value.title == "This node is behind the cluster"
    assert f"{lagging.address} had not caught up" in behind.value.message
    assert [address for address, _ in told] == [lagging.address]  # said once, after 1 s


async def test_the_console_at_a_standby_shows_its_own_edit(
    cluster: tuple[DevCluster, LagProxy], lagging: Node
) -> None:
    nodes, _ = cluster
    path = f"ui/{uuid.uuid4().hex[:8]}"
    seed = VaultGateway(nodes.settings(lagging))
    seed.kv("kv", 2).write(path, {"api_key": "sk-one"}, cas=0)
    seed.close()
    app = make_app(nodes.settings(lagging))
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_editor(pilot, f"kv/{path}")
        assert isinstance(form, KeyValueForm)
        form.query_one(".form-value", Input).value = "sk-two"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        panel = app.screen.query_one(SecretPanel)
        assert panel.shown is not None and panel.shown.secret.version == 2  # not "version 1 of 1"
        assert not any("Not found" in toast for toast in toasts(app))
        form = await open_editor(pilot, f"kv/{path}")  # the next edit is not a conflict
        assert isinstance(form, KeyValueForm)
        form.query_one(".form-value", Input).value = "sk-three"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        assert app.screen.query_one(SecretPanel).shown.secret.version == 3  # type: ignore[union-attr]


def test_a_namespace_made_from_the_root_is_used_at_once_through_the_standby(
    cluster: tuple[DevCluster, LagProxy], lagging: Node
) -> None:
    """The index is the cluster's, not a namespace's: a namespace created by the root
    session, then a mount and secrets inside it, all through the lagging standby."""
    import time

    nodes, _ = cluster
    name = f"team-{uuid.uuid4().hex[:6]}"
    root = VaultGateway(nodes.settings(lagging))
    root.adapter.post(f"/v1/sys/namespaces/{name}", json={})
    inside = VaultGateway(dataclasses.replace(nodes.settings(lagging), namespace=name))
    inside.client.sys.enable_secrets_engine("kv", path="ai-models", options={"version": "2"})
    kv = inside.kv("ai-models", 2)
    for _ in range(60):  # a new KV v2 mount upgrades its storage first
        try:
            kv.write("probe", {"k": 0}, cas=None)
            break
        except Exception:
            time.sleep(0.5)
    for i in range(3):
        kv.write(f"p{i}", {"k": i}, cas=0)
        assert kv.read(f"p{i}").data == {"k": i}
    with pytest.raises(Exception, match=r"route entry not found|no handler"):
        root.kv("ai-models", 2).read("p0")  # another tenant's path: not there
    root.close()
    inside.close()
