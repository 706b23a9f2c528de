"""One audit trail for a cluster (issue 25 part 4), on a real 3-node OpenBao raft cluster:
each node's own audit file, merged by time, a write sent to a standby shown once with the
active node's answer, follow mode across the files, and the note that one file is one
node's. Every node writes its file through the same audit stanza (``devcluster.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Label

from tests.functional.helpers import fitted_rows, screen_text, settle
from vault_console.app import make_app
from vault_console.audit.merge import scan_nodes, time_key
from vault_console.audit.reader import Query, pair, scan_latest
from vault_console.vault.devcluster import DevCluster, Node
from vault_console.widgets.audit_panel import AuditPanel
from vault_console.widgets.fitted_table import FittedTable

pytestmark = pytest.mark.xdist_group("cluster-audit")


@pytest.fixture(scope="module")
def cluster() -> Iterator[DevCluster]:
    with DevCluster() as running:
        leader = running.active()
        assert leader is not None
        status, _ = running.call(
            leader, "POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "2"}}
        )
        assert status == 204
        for node in running.nodes:
            running.wait_for(
                lambda n=node: running.call(n, "LIST", "kv/metadata")[0] in (200, 404),
                30,
                f"the mount on {node.folder.name}",
            )
        yield running


def roles(cluster: DevCluster) -> tuple[Node, Node, Node]:
    leader = cluster.active()
    assert leader is not None
    first, second = (n for n in cluster.nodes if n is not leader)
    return leader, first, second


def logs(cluster: DevCluster) -> list[tuple[str, Path]]:
    return [(n.folder.name, n.audit_log) for n in cluster.nodes]


def write_then_read(cluster: DevCluster, writer: Node, reader: Node, path: str) -> None:
    status, _ = cluster.call(writer, "POST", f"kv/data/{path}", {"data": {"k": "v"}})
    assert status == 200
    cluster.wait_for(
        lambda: cluster.call(reader, "GET", f"kv/data/{path}")[0] == 200,
        30,
        f"{reader.folder.name} to serve the write",
    )


def test_a_write_through_a_standby_is_one_row_with_the_active_nodes_answer(
    cluster: DevCluster,
) -> None:
    leader, standby, other = roles(cluster)
    path = f"merge/{uuid.uuid4().hex[:8]}"
    write_then_read(cluster, standby, other, path)
    cluster.call(leader, "GET", f"kv/data/{path}")

    merged = scan_nodes(logs(cluster), Query(paths=(f"kv/data/{path}",)), limit=100)

    writes = [p for p in merged.pairs if p.first.operation in ("create", "update")]
    assert len(writes) == 1  # logged by the standby and by the active node: shown once
    (write,) = writes
    assert write.node == standby.folder.name and write.copy is not None
    assert write.where == f"{standby.folder.name} → {leader.folder.name}"
    assert write.error == "" and write.answered
    assert write.copy.first.request_id != write.first.request_id  # why ids cannot pair them
    reads = [p for p in merged.pairs if p.first.operation == "read"]
    assert {p.node for p in reads if p.response and not p.error} >= {
        other.folder.name,
        leader.folder.name,
    }
    times = [time_key(p.first.time) for p in merged.pairs]
    assert merged.pairs[0] is write and times == sorted(times)
    # The standby's file alone tells another story: its own answer to the write it handed
    # on is an error (OpenBao 2.7.2: it cannot persist to its read-only storage).
    alone = pair(
        scan_latest(standby.audit_log, Query(paths=(f"kv/data/{path}",)), limit=10).entries
    )
    assert [p.error != "" for p in alone if p.first.operation != "read"] == [True]


def test_a_file_that_cannot_be_read_is_named_and_the_others_still_show(
    cluster: DevCluster, tmp_path: Path
) -> None:
    leader, _, _ = roles(cluster)
    path = f"merge/{uuid.uuid4().hex[:8]}"
    cluster.call(leader, "POST", f"kv/data/{path}", {"data": {"k": "v"}})
    merged = scan_nodes(
        [(leader.folder.name, leader.audit_log), ("gone", tmp_path / "missing.log")],
        Query(paths=(f"kv/data/{path}",)),
        limit=10,
    )
    assert [n.problem for n in merged.nodes][1].startswith("gone: ")
    assert [p.node for p in merged.pairs] == [leader.folder.name]


async def test_the_audit_tab_merges_the_nodes_files_and_follows_them(
    cluster: DevCluster,
) -> None:
    leader, standby, other = roles(cluster)
    before = f"merge/{uuid.uuid4().hex[:8]}"
    write_then_read(cluster, standby, other, before)
    settings = cluster.settings(
        other, audit_logs=tuple((name, str(path)) for name, path in logs(cluster))
    )
    app = make_app(settings)
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        await pilot.press("slash", *f"path:kv/data/{before}", "enter")
        await settle(pilot)
        status = str(panel.query_one("#audit-status", Label).render())
        assert status.startswith("3 nodes' files: ")
        table = panel.query_one("#audit-table", FittedTable)
        rows = fitted_rows(table)
        # Node, Time, Op, Path, Who, From, Result, Namespace
        assert [r[0] for r in rows if r[2] in ("create", "update")] == [
            f"{standby.folder.name} → {leader.folder.name}"
        ]
        assert rows[0][6] == "ok"
        assert f"{standby.folder.name} → {leader.folder.name}" in screen_text(app)

        after = f"merge/{uuid.uuid4().hex[:8]}"
        await pilot.press("slash", *(["backspace"] * 60), *f"path:kv/data/{after}", "enter")
        await settle(pilot)
        assert table.row_count == 0
        await pilot.press("escape", "f")
        await pilot.pause(0.5)  # the follower runs until f again: settle would wait for it
        write_then_read(cluster, standby, other, after)
        for _ in range(40):
            await pilot.pause(0.1)
            rows = fitted_rows(table)
            if any(r[2] == "read" and r[6] == "ok" for r in rows):
                break
        writes = [r for r in rows if r[2] in ("create", "update")]
        assert [w[0] for w in writes] == [f"{standby.folder.name} → {leader.folder.name}"]
        assert writes[0][6] == "ok"
        await pilot.press("f")


async def test_one_file_of_a_cluster_says_it_is_one_nodes(cluster: DevCluster) -> None:
    _, standby, _ = roles(cluster)
    app = make_app(cluster.settings(standby, audit_log=str(standby.audit_log)))
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await settle(pilot)
        status = str(app.screen.query_one("#audit-status", Label).render())
        assert str(standby.audit_log) in status
        assert "one node's file of a 3-node cluster" in " ".join(status.split())
