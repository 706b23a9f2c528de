"""A cluster's health as an operator checks it before and after a change (issue 25 part 3).

Four reads, each allowed in read-only mode and each answered on its own: a token that may
not read one section gets "not allowed" for that section, the others still show.

* ``sys/leader``: whether HA is on, the leader's address, whether this node leads;
* ``sys/ha-status``: the unsealed nodes (address, active or standby, version, last echo);
* ``sys/storage/raft/configuration``: the raft peers (voter or not, the leader);
* ``sys/storage/raft/autopilot/state``: health, failure tolerance, each server's last
  contact and index.

``problems`` are what ``doctor`` and the Cluster view warn about: no leader, a sealed or
missing peer, a non-voter, a peer behind, and an address that is one node of a cluster.
Everything here is data from the server: the screens escape it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from vault_console.config import ConfigError, check_address
from vault_console.errors import describe, is_forbidden, is_not_found

ECHO_SILENCE = 6.0
"""Seconds a standby's last echo may trail the newest one before it is called silent
(standbys echo to the active every second or two; both times are the server's)."""

LAG_WARNING = 1000
"""Raft entries a peer may be behind the leader before it is called behind: autopilot's own
``max_trailing_logs`` default. Autopilot refreshes each server's index every few seconds,
so a smaller lag right after a burst of writes is its reporting, not a problem."""

SECTIONS = {
    "leader": "sys/leader",
    "nodes": "sys/ha-status",
    "peers": "sys/storage/raft/configuration",
    "autopilot": "sys/storage/raft/autopilot/state",
}


@dataclass(frozen=True)
class ClusterNode:
    """One member, joined from the four answers by its cluster address."""

    name: str
    """The raft node id where known, else the API address."""
    api_address: str = ""
    cluster_address: str = ""
    role: str = ""
    """active, standby, or '' when ha-status does not list it (sealed, down)."""
    version: str = ""
    last_echo: str = ""
    voter: bool | None = None
    raft_status: str = ""
    """leader, voter, non-voter (autopilot's view)."""
    healthy: bool | None = None
    last_contact: str = ""
    index_lag: int | None = None


@dataclass(frozen=True)
class ClusterView:
    address: str
    """The address asked."""
    ha_enabled: bool | None = None
    is_self_leader: bool | None = None
    leader_address: str = ""
    cluster_name: str = ""
    healthy: bool | None = None
    failure_tolerance: int | None = None
    nodes: list[ClusterNode] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    """Section -> why it is missing ('' when it was read)."""
    problems: list[str] = field(default_factory=list)
    """What is wrong with the cluster now."""
    advice: list[str] = field(default_factory=list)
    """What is not wrong but fragile (the address is one node of a cluster)."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _read(gateway: Any, section: str) -> tuple[dict[str, Any] | None, str]:
    path = SECTIONS[section]
    try:
        answer = gateway.adapter.get(f"/v1/{path}")
    except Exception as exc:
        if is_forbidden(exc):
            return None, f"not allowed: this token may not read {path}"
        if is_not_found(exc) or "unsupported" in str(exc).lower():
            return None, f"not available: {path} is not served here (no HA or no raft storage)"
        return None, f"failed: {describe(exc).message}"
    if not isinstance(answer, dict):
        return None, f"failed: {path} gave no JSON object"
    data = answer.get("data", answer)
    return (data if isinstance(data, dict) else {}), ""


def _int(value: Any) -> int:
    """A count from the server, or 0 when it is not one (data is data)."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def short_duration(text: str) -> str:
    """A Go duration as people read it: ``4.378590303s`` -> ``4.4s``; others unchanged."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)s", text)
    return f"{float(found[1]):.1f}s" if found else text


def _host_port(address: str) -> str:
    return address.split("://", 1)[-1].rstrip("/")


def read_cluster(gateway: Any) -> ClusterView:
    """The cluster as the node at ``gateway``'s address sees it (never raises for one
    section: each says why it is missing)."""
    try:
        cluster_name = str(gateway.server_status().cluster_name or "")
    except Exception:
        cluster_name = ""  # the sections below say what is wrong
    sections: dict[str, str] = {}
    answers: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        data, why = _read(gateway, section)
        sections[section] = why
        if data is not None:
            answers[section] = data
    leader = answers.get("leader", {})
    nodes: dict[str, dict[str, Any]] = {}
    for node in answers.get("nodes", {}).get("nodes") or []:
        if isinstance(node, dict):
            key = _host_port(str(node.get("cluster_address", "")))
            nodes[key] = {
                "name": str(node.get("api_address", "")),
                "api_address": str(node.get("api_address", "")),
                "cluster_address": key,
                "role": "active" if node.get("active_node") else "standby",
                "version": str(node.get("version", "")),
                "last_echo": str(node.get("last_echo") or ""),
            }
    servers = answers.get("peers", {}).get("config", {}).get("servers") or []
    autopilot = answers.get("autopilot", {})
    found = autopilot.get("servers")
    auto_servers: dict[str, Any] = found if isinstance(found, dict) else {}
    leader_index = max(
        (_int(s.get("last_index")) for s in auto_servers.values() if isinstance(s, dict)),
        default=0,
    )
    for peer in servers:
        if not isinstance(peer, dict):
            continue
        key = _host_port(str(peer.get("address", "")))
        entry = nodes.setdefault(key, {"name": "", "cluster_address": key})
        entry["name"] = str(peer.get("node_id") or entry.get("name") or key)
        entry["voter"] = bool(peer.get("voter"))
        state = auto_servers.get(str(peer.get("node_id")), {})
        if isinstance(state, dict) and state:
            entry["raft_status"] = str(state.get("status", ""))
            entry["healthy"] = bool(state.get("healthy"))
            entry["last_contact"] = str(state.get("last_contact", ""))
            entry["index_lag"] = max(0, leader_index - _int(state.get("last_index")))
    members = [ClusterNode(**{k: v for k, v in n.items() if k in _FIELDS}) for n in nodes.values()]
    members.sort(key=lambda n: n.name)
    view = ClusterView(
        address=gateway.settings.address,
        ha_enabled=leader.get("ha_enabled") if "leader" in answers else None,
        is_self_leader=leader.get("is_self") if "leader" in answers else None,
        leader_address=str(leader.get("leader_address") or ""),
        cluster_name=cluster_name,
        healthy=autopilot.get("healthy") if "autopilot" in answers else None,
        failure_tolerance=autopilot.get("failure_tolerance") if "autopilot" in answers else None,
        nodes=members,
        sections=sections,
    )
    return _with_problems(view, autopilot)


_FIELDS = set(ClusterNode.__dataclass_fields__)


def _when(stamp: str) -> datetime | None:
    """An echo time (RFC 3339, nanoseconds, UTC) to the microsecond; None if it is not one."""
    found = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?", stamp)
    if found is None:
        return None
    try:
        return datetime.fromisoformat(found[1] + (found[2] or "")[:7])
    except ValueError:
        return None


def _with_problems(view: ClusterView, autopilot: dict[str, Any]) -> ClusterView:
    problems = []
    echoes = {n.name: _when(n.last_echo) for n in view.nodes if n.last_echo}
    newest = max((t for t in echoes.values() if t is not None), default=None)
    if view.ha_enabled and not view.leader_address:
        problems.append("No active node: an election may be under way (sys/leader names none)")
    for node in view.nodes:
        name = f"{node.name} ({node.api_address or node.cluster_address})"
        if node.voter is not None and not node.role:
            problems.append(f"{name} is a raft peer that is sealed or down (not in ha-status)")
        if node.voter is False or (node.raft_status == "non-voter" and node.voter):
            voters = autopilot.get("voters") or []
            if node.voter is False or node.name not in voters:
                problems.append(f"{name} is not a voter (yet): it does not count for quorum")
        echoed = echoes.get(node.name)
        if newest is not None and echoed is not None:
            silent = (newest - echoed).total_seconds()
            if silent > ECHO_SILENCE:
                problems.append(
                    f"{name} has not echoed for {silent:.0f} s: sealed, stopped or cut off"
                )
        if node.healthy is False:
            problems.append(
                f"{name} is unhealthy (autopilot; last contact {short_duration(node.last_contact)})"
            )
        if node.index_lag is not None and node.index_lag > LAG_WARNING:
            problems.append(f"{name} is {node.index_lag} raft entries behind the leader")
    if view.failure_tolerance == 0 and len(view.nodes) > 1:
        problems.append("Failure tolerance 0: losing one more voter stops the cluster")
    advice = []
    if len(view.nodes) > 1:
        advice.append(
            f"{view.address} is one node of a {len(view.nodes)}-node cluster: if it fails, "
            "the console loses the cluster; use the cluster's address (a load balancer)"
        )
    return replace(view, problems=problems, advice=advice)


def cluster_size(gateway: Any) -> int:
    """How many unsealed nodes ``sys/ha-status`` lists (0 when it cannot be read: no HA,
    a dev server, a token that may not read it)."""
    data, _ = _read(gateway, "nodes")
    nodes = data.get("nodes") if data else None
    return len(nodes) if isinstance(nodes, list) else 0


def named_nodes(
    gateway: Any, ask_nodes: bool = True, leader: str | None = None
) -> tuple[dict[str, str], bool]:
    """The API addresses the node at ``gateway``'s address names for its cluster's nodes
    (``sys/leader``'s leader, and ``sys/ha-status`` when HA is on and ``ask_nodes``), each
    with where it was named; and whether this token was refused ``sys/ha-status`` (the
    status refresh then stops asking: a refused request every 30 s is noise in the audit
    log). These are the server's words: the console sends no token to one before the user
    confirms it. Malformed addresses are left out. ``leader``: what a standby's status
    already read from ``sys/leader`` (``ServerStatus.leader``), not asked again."""
    found: dict[str, str] = {}
    if leader is None:
        data, _ = _read(gateway, "leader")
        if not data or not data.get("ha_enabled"):
            return {}, False  # no HA (a dev server, a single node): no other node to name
        leader = str(data.get("leader_address") or "")
    if leader:
        found[leader] = "sys/leader"
    refused = False
    if ask_nodes:
        data, why = _read(gateway, "nodes")
        refused = why.startswith("not allowed")
        for node in (data or {}).get("nodes") or []:
            if isinstance(node, dict) and node.get("api_address"):
                found.setdefault(str(node["api_address"]), "sys/ha-status")
    named = {}
    for address, source in found.items():
        try:
            named[check_address(source, address).rstrip("/")] = source
        except ConfigError:
            continue
    return named, refused
