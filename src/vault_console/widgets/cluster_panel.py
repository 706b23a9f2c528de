"""The Cluster view (Review, ``C``): nodes, raft peers, autopilot and what needs a look,
read on demand (each time the view opens) from the node the console talks to."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from vault_console.host import ConsoleHost, host_of
from vault_console.text import DETAIL_LIMIT, plain
from vault_console.vault.cluster import ClusterView, read_cluster, short_duration
from vault_console.widgets.fitted_table import Column, FittedTable

NODE_COLUMNS = (
    Column("Node", 100, min_width=6, max_width=20),
    Column("API address", 90, min_width=12, max_width=30, elide="middle"),
    Column("Role", 95, min_width=7),
    Column("Raft", 90, min_width=8),
    Column("Healthy", 80, min_width=3),
    Column("Last contact", 70, min_width=6, max_width=16),
    Column("Lag", 80, min_width=3),
    Column("Version", 60, min_width=6),
    Column("Cluster address", 40, min_width=10, flex=True, elide="middle"),
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "NO")


class ClusterPanel(Vertical):
    """Shows a ``ClusterView``; ``load`` reads it again."""

    @property
    def vc(self) -> ConsoleHost:
        return host_of(self)

    def compose(self) -> ComposeResult:
        yield Label("Cluster: not read yet", id="cluster-summary")
        yield FittedTable(NODE_COLUMNS, cursor_type="row", id="cluster-table")
        yield Static("", id="cluster-notes")

    def load(self) -> None:
        self.query_one("#cluster-summary", Label).update(
            plain(f"Reading the cluster through {self.vc.settings.address}…")
        )
        gateway = self.vc.gateway
        self.vc.run_io(lambda: read_cluster(gateway), self.show, description="read cluster")

    def show(self, view: ClusterView) -> None:
        if view.ha_enabled is False:
            summary = f"{view.address}: a single server (HA is not enabled)"
        else:
            leader = view.leader_address or "NONE (an election may be under way)"
            here = {True: "active", False: "standby", None: "?"}[view.is_self_leader]
            summary = (
                f"{view.cluster_name or 'cluster'}: {len(view.nodes)} nodes · this node "
                f"({view.address}) is {here} · leader {leader}"
            )
            if view.healthy is not None:
                summary += f" · autopilot {'healthy' if view.healthy else 'UNHEALTHY'}"
            if view.failure_tolerance is not None:
                summary += f" · failure tolerance {view.failure_tolerance}"
        self.query_one("#cluster-summary", Label).update(plain(summary, DETAIL_LIMIT))
        rows: list[tuple[list[Text | str], str | None]] = []
        for node in view.nodes:
            cells: list[Any] = [
                plain(node.name),
                plain(node.api_address),
                plain(node.role or "sealed/down"),
                plain(node.raft_status or ("voter" if node.voter else "")),
                _yes_no(node.healthy),
                plain(short_duration(node.last_contact)),
                "" if node.index_lag is None else str(node.index_lag),
                plain(node.version),
                plain(node.cluster_address),
            ]
            rows.append((cells, None))
        self.query_one("#cluster-table", FittedTable).set_rows(rows)
        notes = [f"✖ {problem}" for problem in view.problems] or ["✔ no problem seen"]
        notes += [f"! {advice}" for advice in view.advice]
        notes += [f"{section}: {why}" for section, why in view.sections.items() if why]
        self.query_one("#cluster-notes", Static).update(
            plain("\n".join(notes), DETAIL_LIMIT, multiline=True)
        )
