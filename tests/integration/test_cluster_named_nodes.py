"""Moving to a node a server named (issue 25 part 2), on a real 3-node OpenBao raft
cluster: "Move to another node…" offers the nodes ``sys/ha-status`` and ``sys/leader``
name, and the token goes to one only after the user confirms that address, once per
session; a node that stopped answering is left through what it named before."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import OptionList

from tests.functional.helpers import screen_text, settle, toasts
from vault_console.app import VaultConsoleApp, make_app
from vault_console.config import Token
from vault_console.vault.client import VaultGateway
from vault_console.vault.cluster import named_nodes, read_cluster
from vault_console.vault.devcluster import DevCluster, Node
from vault_console.widgets.dialogs import ChoiceScreen, ConfirmScreen
from vault_console.widgets.status_bar import StatusBar

pytestmark = pytest.mark.xdist_group("cluster-named-nodes")


@pytest.fixture(scope="module")
def cluster() -> Iterator[DevCluster]:
    with DevCluster() as running:
        yield running


def a_standby(cluster: DevCluster) -> tuple[Node, Node]:
    leader = cluster.active()
    assert leader is not None
    return leader, next(n for n in cluster.nodes if n is not leader)


async def choose(pilot: object, app: VaultConsoleApp, address: str | None) -> list[str]:
    """Open the command, read what it offers, pick ``address`` (None: Esc)."""
    app.action_move_node()
    await settle(pilot)  # type: ignore[arg-type]
    assert isinstance(app.screen, ChoiceScreen)
    options = app.screen.query_one(OptionList)
    offered = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    if address is None:
        await pilot.press("escape")  # type: ignore[attr-defined]
    else:
        at = next(i for i, text in enumerate(offered) if text.startswith(address + " "))
        options.highlighted = at
        await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    return offered


def test_a_standby_in_a_namespace_says_its_state_and_names_its_nodes(
    cluster: DevCluster,
) -> None:
    """Node and cluster state are root-only: asked without the namespace header, a session
    in a namespace through a standby reads them as the root namespace would."""
    leader, standby = a_standby(cluster)
    assert cluster.call(leader, "POST", "sys/namespaces/team-c", {})[0] == 200
    settings = dataclasses.replace(cluster.settings(standby), namespace="team-c")
    with VaultGateway(settings) as inside:
        status = inside.server_status()
        assert (status.kind, status.standby, status.leader) == ("OpenBao", True, leader.address)
        view = read_cluster(inside)
        assert view.sections == {"leader": "", "nodes": "", "peers": "", "autopilot": ""}
        named, refused = named_nodes(inside, leader=status.leader)
    assert set(named) == {n.address for n in cluster.nodes} and not refused


async def test_a_named_node_is_used_only_once_confirmed_and_asked_once(
    cluster: DevCluster,
) -> None:
    leader, standby = a_standby(cluster)
    app = make_app(cluster.settings(standby))
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        offered = await choose(pilot, app, None)
        others = {n.address for n in cluster.nodes if n is not standby}
        assert {text.split(" ")[0] for text in offered} == others
        assert all("named by the server (sys/" in text for text in offered)

        await choose(pilot, app, leader.address)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        words = " ".join(screen_text(app).split())
        assert f"Send the token to {leader.address}?" in words
        assert "not given by you or your profile" in words
        await pilot.press("escape")  # not confirmed: nothing moves
        await settle(pilot)
        assert app.gateway.adapter.base_uri == standby.address
        assert app.settings.address == standby.address

        await choose(pilot, app, leader.address)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#yes")
        await settle(pilot)
        assert app.gateway.adapter.base_uri == leader.address
        assert any(f"Now using {leader.address}" in t for t in toasts(app))
        bar = app.screen.query_one(StatusBar)
        assert bar.settings is not None and bar.settings.address == leader.address
        assert app.server_status is not None and not app.server_status.standby  # read there

        await choose(pilot, app, standby.address)  # back to the address given at start
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.gateway.adapter.base_uri == standby.address
        await choose(pilot, app, leader.address)  # confirmed once: not asked again
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.gateway.adapter.base_uri == leader.address


async def test_a_node_that_stopped_answering_is_left_through_what_it_named(
    cluster: DevCluster,
) -> None:
    leader, standby = a_standby(cluster)
    app = make_app(cluster.settings(standby))
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)  # the status read keeps the nodes it names
        cluster.kill(standby)
        await choose(pilot, app, leader.address)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#yes")
        await settle(pilot)
        assert app.gateway.adapter.base_uri == leader.address
        assert "cubbyhole/" in {m.path for m in app.gateway.mounts()}  # works there
        assert app.server_status is not None and not app.server_status.standby


def ha_status_asks(log: Path, since: str) -> list[str]:
    """The errors of every sys/ha-status request logged since ``since`` (one per request)."""
    asks = []
    for line in log.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        request = entry.get("request", {})
        if (
            entry.get("type") == "response"
            and entry.get("time", "") >= since
            and (request.get("path") == "sys/ha-status")
        ):
            asks.append(str(entry.get("error", "")))
    return asks


async def test_a_token_refused_ha_status_is_not_asked_again(cluster: DevCluster) -> None:
    """The status refresh asks sys/ha-status to know the nodes; a token refused it once is
    not sent again every refresh (each refusal is a line in every node's audit log)."""
    leader = cluster.active()
    assert leader is not None
    node = next(
        n for n in cluster.nodes if n is not leader and n.process and n.process.poll() is None
    )
    status, made = cluster.call(leader, "POST", "auth/token/create", {"policies": ["default"]})
    assert status == 200
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    settings = dataclasses.replace(
        cluster.settings(node), token=Token(made["auth"]["client_token"])
    )
    app = make_app(settings)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        for _ in range(3):
            app.refresh_status()
            await settle(pilot)
        assert app.nodes_refused
        assert app.named_nodes  # sys/leader (no token needed) still names the leader
    asks = ha_status_asks(node.audit_log, since)
    assert len(asks) == 1 and "permission denied" in asks[0]
