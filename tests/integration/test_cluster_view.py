"""The cluster view (issue 25 part 3) on a real 3-node OpenBao raft cluster: the TUI's
Review > Cluster, ``vault-console cluster`` and ``doctor``, a token that may not read
the sections, a sealed node and a killed active node. The tests run in file order: the
last ones seal and kill nodes."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from textual.widgets import Input, Label, Static, TabbedContent

from tests.functional.helpers import fitted_rows, open_editor, settle
from vault_console.app import make_app
from vault_console.config import Token
from vault_console.errors import describe
from vault_console.screens.edit import KeyValueForm
from vault_console.vault.client import VaultGateway
from vault_console.vault.cluster import read_cluster
from vault_console.vault.devcluster import DevCluster
from vault_console.widgets.cluster_panel import ClusterPanel
from vault_console.widgets.fitted_table import FittedTable
from vault_console.widgets.status_bar import StatusBar

# One worker runs this file's tests, in file order, on one cluster: they share it, and
# some change it for the next (./dev runs pytest with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("cluster-view")


@pytest.fixture(scope="module")
def cluster() -> Iterator[DevCluster]:
    with DevCluster() as running:
        yield running


def headless(cluster: DevCluster, node: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env |= {
        "VAULT_ADDR": cluster.nodes[node].address,
        "VAULT_TOKEN": cluster.root_token,
        "HOME": "/nonexistent",
    }
    return subprocess.run(
        [sys.executable, "-m", "vault_console", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_view_names_every_node_the_leader_and_that_the_address_is_one_node(
    cluster: DevCluster,
) -> None:
    active = cluster.active()
    assert active is not None
    gateway = VaultGateway(cluster.settings(cluster.nodes[1]))
    view = read_cluster(gateway)
    gateway.close()
    assert view.sections == {"leader": "", "nodes": "", "peers": "", "autopilot": ""}
    assert view.leader_address == active.address and view.is_self_leader is False
    assert sorted(n.name for n in view.nodes) == ["node0", "node1", "node2"]
    assert sorted(n.role for n in view.nodes) == ["active", "standby", "standby"]
    assert all(n.voter for n in view.nodes) and view.problems == []
    assert view.advice and "is one node of a 3-node cluster" in view.advice[0]

    done = headless(cluster, 1, "cluster", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert {n["api_address"] for n in shown["nodes"]} == {n.address for n in cluster.nodes}
    doctor = headless(cluster, 1, "doctor")
    assert "(standby)" in doctor.stdout  # the reachable line says which kind of node
    assert "3 nodes, this one is a standby, leader " + active.address in doctor.stdout


async def test_the_review_shows_the_cluster(cluster: DevCluster) -> None:
    app = make_app(cluster.settings(cluster.nodes[2]))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        panel = app.screen.query_one(ClusterPanel)
        assert app.screen.query_one("#review-tabs", TabbedContent).active == "review-cluster"
        assert app.focused is panel.query_one("#cluster-table")  # and stays on its tab
        summary = str(panel.query_one("#cluster-summary", Label).render())
        assert f"3 nodes · this node ({cluster.nodes[2].address}) is standby" in summary
        rows = fitted_rows(panel.query_one("#cluster-table", FittedTable))
        assert sorted(row[0] for row in rows) == ["node0", "node1", "node2"]
        notes = str(panel.query_one("#cluster-notes", Static).render())
        assert "is one node of a 3-node cluster" in notes


def test_a_token_that_may_not_read_a_section_gets_not_allowed_for_it(
    cluster: DevCluster,
) -> None:
    leader = cluster.active()
    assert leader is not None
    cluster.call(
        leader,
        "PUT",
        "sys/policies/acl/leader-only",
        {"policy": 'path "sys/leader" { capabilities = ["read"] }'},
    )
    status, made = cluster.call(leader, "POST", "auth/token/create", {"policies": ["leader-only"]})
    assert status == 200
    settings = dataclasses.replace(
        cluster.settings(cluster.nodes[1]), token=Token(made["auth"]["client_token"])
    )
    gateway = VaultGateway(settings)
    view = read_cluster(gateway)
    gateway.close()
    assert view.sections["leader"] == ""
    for section, path in (
        ("peers", "sys/storage/raft/configuration"),
        ("autopilot", "sys/storage/raft/autopilot/state"),
    ):
        assert view.sections[section] == f"not allowed: this token may not read {path}"
    assert view.leader_address  # what it may read still shows


async def test_the_status_bar_follows_a_sealed_node_at_once(cluster: DevCluster) -> None:
    """Sealed under the console, then unsealed: the status bar says so after the save that
    meets it, not at its next 30-second refresh, and a set token is never 'none'."""
    node = cluster.nodes[1]
    path = f"status/{uuid.uuid4().hex[:8]}"
    seed = VaultGateway(cluster.settings(node))
    seed.client.sys.enable_secrets_engine("kv", path="kvs", options={"version": "2"})
    cluster.wait_for(
        lambda: cluster.call(node, "POST", f"kvs/data/{path}", {"data": {"k": "v1"}})[0] == 200,
        30,
        "the mount to work through node 1",
    )
    seed.close()
    app = make_app(cluster.settings(node))
    async with app.run_test(size=(130, 40)) as pilot:
        form = await open_editor(pilot, f"kvs/{path}")
        assert isinstance(form, KeyValueForm)
        bar = app.screen_stack[0].query_one(StatusBar)
        assert "standby" in str(bar.render())
        cluster.seal(node)
        try:
            form.query_one(".form-value", Input).value = "v2"
            await pilot.press("ctrl+s")
            await settle(pilot)
            await settle(pilot)
            shown = str(bar.render())
            assert "SEALED" in shown and "token: set (not looked up)" in shown
            assert "token: none" not in shown
        finally:
            cluster.unseal(node)
            cluster.wait_for(lambda: cluster.is_standby(node), 30, "node 1 to stand by again")
        await pilot.press("ctrl+s")  # the form kept the input: save again
        await settle(pilot)
        await settle(pilot)
        shown = str(bar.render())
        assert "standby" in shown and "token: root" in shown and "SEALED" not in shown


def test_a_sealed_node_is_named_and_the_command_exits_4(cluster: DevCluster) -> None:
    sealed = cluster.nodes[2]
    cluster.seal(sealed)
    try:
        # The others notice within seconds: its echo stops, then autopilot calls it unhealthy.
        cluster.wait_for(
            lambda: headless(cluster, 1, "cluster").returncode == 4, 60, "the seal to be seen"
        )
        done = headless(cluster, 1, "cluster")
        assert "! node2 (" in done.stdout
        assert "has not echoed" in done.stdout or "unhealthy" in done.stdout
    finally:
        cluster.unseal(sealed)
        cluster.wait_for(lambda: cluster.is_standby(sealed), 30, "node 2 to stand by again")


def test_after_the_active_node_is_killed_the_view_shows_the_new_leader_and_the_lost_node(
    cluster: DevCluster,
) -> None:
    old = cluster.active()
    assert old is not None
    survivor = next(n for n in cluster.nodes if n is not old)
    cluster.kill(old, signal.SIGKILL)
    cluster.wait_for(lambda: cluster.active() not in (None, old), 60, "a new active node")
    gateway = VaultGateway(cluster.settings(survivor))
    cluster.wait_for(
        lambda: any(not n.role for n in read_cluster(gateway).nodes), 60, "ha-status to drop it"
    )
    view = read_cluster(gateway)
    gateway.close()
    new = cluster.active()
    assert new is not None and view.leader_address == new.address
    lost = next(n for n in view.nodes if n.cluster_address.endswith(f":{old.cluster_port}"))
    assert lost.role == ""
    assert any(f"{lost.name} (" in p and "sealed or down" in p for p in view.problems)


async def test_an_active_node_that_loses_its_quorum_says_no_active_node(
    cluster: DevCluster,
) -> None:
    """After the kill above two nodes are left; killing one more leaves the active node
    without a quorum: it steps down and names no leader (seen first by hand in tmux)."""
    survivor = cluster.active()
    assert survivor is not None
    other = next(
        n for n in cluster.nodes if n is not survivor and n.process and n.process.poll() is None
    )
    cluster.kill(other, signal.SIGKILL)

    seen: list[object] = []

    def stepped_down() -> bool:
        # sys/leader, not sys/health: the health of a node without a leader may answer
        # neither 200 nor 429 for a while.
        status, answer = cluster.call(survivor, "GET", "sys/leader")
        seen[:] = [status, answer, cluster.call(survivor, "GET", "sys/health")]
        return status == 200 and not answer.get("is_self") and not answer.get("leader_address")

    try:
        cluster.wait_for(stepped_down, 120, "the survivor to step down and name no leader")
    except Exception as exc:
        raise AssertionError(f"{exc}; last seen: {seen}") from None
    gateway = VaultGateway(cluster.settings(survivor))
    assert gateway.server_status().leader == ""
    with pytest.raises(Exception) as refused:
        gateway.kv("secret", 2).write("quorum", {"k": "v"}, cas=0)
    gateway.close()
    assert describe(refused.value).title == "No active node"
    app = make_app(cluster.settings(survivor))
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        bar = app.screen_stack[0].query_one(StatusBar)
        # "standby · no active node", or the token lookup failing with the same cause.
        assert "no active node" in str(bar.render()).lower()
