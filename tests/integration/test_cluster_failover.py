"""Failover as an operator meets it (issue 25 part 2), on a real 3-node OpenBao raft
cluster: the active node and one standby are killed (SIGKILL), so the survivor knows no
reachable active node and no election can finish. A write through it is refused in words
that say what is going on, nothing is written, the form keeps its input, and reads go on.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator

import pytest
from textual.widgets import Input, Label

from tests.functional.helpers import open_editor, settle
from vault_console.app import make_app
from vault_console.errors import CrossHostRedirect, ErrorKind, describe
from vault_console.screens.edit import KeyValueForm
from vault_console.vault.client import VaultGateway
from vault_console.vault.devcluster import DevCluster, Node

PATH = f"failover/{uuid.uuid4().hex[:8]}"


# One worker runs this file's tests, in file order, on one cluster: they share it, and
# some change it for the next (./dev runs pytest with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("cluster-failover")


@pytest.fixture(scope="module")
def survivor() -> Iterator[tuple[DevCluster, Node, Node]]:
    """(cluster, the surviving standby, the killed active node)."""
    with DevCluster() as cluster:
        active = cluster.active()
        assert active is not None
        cluster.call(active, "POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "2"}})
        standbys = [n for n in cluster.nodes if n is not active]
        cluster.wait_for(
            lambda: cluster.call(standbys[1], "POST", "kv/data/probe", {"data": {}})[0] == 200,
            30,
            "the kv mount to work through the standby",
        )
        assert cluster.call(active, "POST", f"kv/data/{PATH}", {"data": {"k": "v1"}})[0] == 200
        cluster.wait_for(
            lambda: cluster.call(standbys[1], "GET", f"kv/data/{PATH}")[0] == 200,
            30,
            "the standby to hold version 1",
        )
        cluster.kill(active, signal.SIGKILL)
        cluster.kill(standbys[0], signal.SIGKILL)
        yield cluster, standbys[1], active


def test_a_write_through_a_standby_without_a_reachable_active_says_so(
    survivor: tuple[DevCluster, Node, Node],
) -> None:
    cluster, node, dead = survivor
    gateway = VaultGateway(cluster.settings(node))
    kv = gateway.kv("kv", 2)
    with pytest.raises(CrossHostRedirect) as refused:
        kv.write(PATH, {"k": "v2"}, cas=1)
    problem = describe(refused.value)
    assert problem.kind is ErrorKind.REDIRECT and problem.retryable
    assert f"passed this request on to {dead.address} " in problem.message  # a node, no path
    assert "/v1/" not in problem.message
    assert "nothing was written" in problem.message
    assert "no active node is reachable right now" in problem.message
    assert kv.read(PATH).data == {"k": "v1"}  # reads go on from the standby's own copy
    gateway.close()


async def test_the_form_keeps_its_input_and_says_why(
    survivor: tuple[DevCluster, Node, Node],
) -> None:
    cluster, node, dead = survivor
    app = make_app(cluster.settings(node))
    async with app.run_test(size=(130, 40)) as pilot:
        form = await open_editor(pilot, f"kv/{PATH}")
        assert isinstance(form, KeyValueForm)
        form.query_one(".form-value", Input).value = "v2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # not closed: nothing was saved
        said = " ".join(str(form.query_one("#form-error", Label).render()).split())
        assert said.startswith("Not saved. Redirected to another host:")
        assert "an election is probably under way: retry in a few seconds" in said
        assert "ctrl+p, Move to another node (it asks before the token goes" in said
        assert form.query_one(".form-value", Input).value == "v2"
        assert dead.address in app.named_nodes  # offered by the command, never used unasked
        assert app.gateway.adapter.base_uri == node.address
