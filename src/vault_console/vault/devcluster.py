"""A real 3-node OpenBao raft cluster on 127.0.0.1, for the tests and ``demo --cluster``.

Each node runs ``bao server`` (not ``-dev``) from its own folder with raft storage, and the
same audit stanza with a relative ``file_path`` (a standby refuses an audit device whose
options differ from the active's, so the path cannot name the node's folder). Node 0 is
initialised with one unseal key and unsealed; the others join it and are unsealed. The
unseal key and root token stay in this object's memory.

A node's advertised cluster port can be another port (``cluster_hop``): the tests put a
proxy there that delays what the leader sends to that node, so that node lags every time.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import urllib3

from vault_console import config
from vault_console.vault.devserver import DevServerError, find_bao


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Node:
    """One member: its folder, ports and process."""

    index: int
    folder: Path
    api_port: int
    cluster_port: int
    advertised_cluster_port: int
    process: subprocess.Popen[bytes] | None = None
    output: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=40))

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def audit_log(self) -> Path:
        return self.folder / "audit.log"


class DevCluster:
    """Three ``bao server`` processes on raft storage, one active and two standbys."""

    def __init__(
        self,
        size: int = 3,
        bao: str | None = None,
        cluster_hop: dict[int, int] | None = None,
    ) -> None:
        self.bao = bao or find_bao()
        self.workdir = Path(tempfile.mkdtemp(prefix="vault-console-cluster-"))
        hops = cluster_hop or {}
        self.nodes = []
        for index in range(size):
            cluster_port = free_port()
            self.nodes.append(
                Node(
                    index,
                    self.workdir / f"node{index}",
                    free_port(),
                    cluster_port,
                    hops.get(index, cluster_port),
                )
            )
        self.root_token = ""
        self._unseal_key = ""
        self._voters_seen: dict[str, Any] = {}
        """Each node's autopilot view at the last look (for a start that times out)."""
        self._http = urllib3.PoolManager(retries=False)

    def __repr__(self) -> str:
        return f"DevCluster({[n.address for n in self.nodes]!r})"

    # -- requests ---------------------------------------------------------------------

    def call(self, node: Node, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request to one node (the root token once there is one); (status, JSON)."""
        headers = {"X-Vault-Request": "true"}
        if self.root_token:
            headers["X-Vault-Token"] = self.root_token
        reply = self._http.request(
            method,
            f"{node.address}/v1/{path}",
            body=json.dumps(body).encode() if body is not None else None,
            headers=headers,
            timeout=urllib3.Timeout(total=10.0),
        )
        try:
            answer = json.loads(reply.data) if reply.data else None
        except ValueError:
            answer = reply.data.decode("utf-8", "replace")
        return reply.status, answer

    def settings(self, node: Node | None = None, **changes: Any) -> config.Settings:
        """Settings for one node's address with the root token (no VAULT_* of the machine)."""
        node = node or self.active()
        if node is None:
            raise DevServerError("no node of the cluster is active")
        resolved = config.resolve(env={"VAULT_ADDR": node.address}, home=Path("/nonexistent"))
        resolved = config.with_token(resolved, self.root_token)
        return dataclasses.replace(resolved, **changes)

    # -- lifecycle --------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> DevCluster:
        try:
            for node in self.nodes:
                self._launch(node)
            first = self.nodes[0]
            status, answer = self.call(
                first, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1}
            )
            if status != 200:
                raise DevServerError(f"sys/init answered {status}: {answer}")
            self._unseal_key = (answer.get("keys_b64") or answer["keys"])[0]
            self.root_token = answer["root_token"]
            self.unseal(first)
            self.wait_for(lambda: self.active() is first, timeout, "node 0 to become active")
            # Joined nodes become voters after autopilot's stabilization time (10 s).
            self.call(
                first,
                "POST",
                "sys/storage/raft/autopilot/configuration",
                {"server_stabilization_time": "1s"},
            )
            for node in self.nodes[1:]:
                self._join(node, first, timeout)
            try:
                self.wait_for(self._all_voters, timeout, "every node to be a raft voter")
            except DevServerError as exc:
                # Say what each node's autopilot last said: a start that timed out in CI
                # is otherwise one line with nothing to go on.
                raise DevServerError(f"{exc}; last seen: {self._voters_seen}") from None
        except BaseException:
            self.stop()
            raise
        return self

    def _config(self, node: Node) -> str:
        return (
            f'storage "raft" {{\n  path = "{node.folder / "data"}"\n  node_id = "node{node.index}"\n'
            # Joined nodes become voters at autopilot's next pass (10 s apart by default).
            '  autopilot_reconcile_interval = "1s"\n  autopilot_update_interval = "1s"\n}\n'
            f'listener "tcp" {{\n  address = "127.0.0.1:{node.api_port}"\n'
            f'  cluster_address = "127.0.0.1:{node.cluster_port}"\n  tls_disable = true\n}}\n'
            f'api_addr = "{node.address}"\n'
            f'cluster_addr = "https://127.0.0.1:{node.advertised_cluster_port}"\n'
            "disable_mlock = true\n"
            'audit "file" "file" {\n  options {\n    file_path = "audit.log"\n  }\n}\n'
        )

    def _launch(self, node: Node) -> None:
        (node.folder / "data").mkdir(parents=True, exist_ok=True)
        (node.folder / "server.hcl").write_text(self._config(node), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        setpriv = shutil.which("setpriv")
        prefix = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
        node.process = subprocess.Popen(
            [*prefix, self.bao, "server", "-config=server.hcl"],
            cwd=node.folder,  # the audit stanza's relative file_path lands here
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=_drain, args=(node,), daemon=True).start()
        self.wait_for(lambda: self._answers(node), 20, f"node {node.index} to listen")

    def _answers(self, node: Node) -> bool:
        if node.process is None or node.process.poll() is not None:
            tail = "\n".join(node.output)
            raise DevServerError(f"node {node.index} exited:\n{tail}")
        try:
            self.call(node, "GET", "sys/seal-status")
        except urllib3.exceptions.HTTPError:
            return False
        return True

    def _join(self, node: Node, leader: Node, timeout: float) -> None:
        status, answer = self.call(
            node, "PUT", "sys/storage/raft/join", {"leader_api_addr": leader.address}
        )
        if status != 200 or not answer.get("joined"):
            raise DevServerError(f"node {node.index} did not join: {status} {answer}")
        self.unseal(node)
        self.wait_for(lambda: self.is_standby(node), timeout, f"node {node.index} to stand by")

    def unseal(self, node: Node) -> None:
        status, answer = self.call(node, "PUT", "sys/unseal", {"key": self._unseal_key})
        if status != 200:
            raise DevServerError(f"unseal of node {node.index}: {status} {answer}")

    def seal(self, node: Node) -> None:
        status, answer = self.call(node, "PUT", "sys/seal")
        if status >= 300:
            raise DevServerError(f"seal of node {node.index}: {status} {answer}")

    def restart(self, node: Node) -> None:
        """Start a stopped node again (same folder, same ports) and unseal it."""
        self._launch(node)
        self.unseal(node)

    def kill(self, node: Node, sig: int = signal.SIGKILL) -> None:
        if node.process is not None and node.process.poll() is None:
            node.process.send_signal(sig)
            if sig == signal.SIGKILL:
                node.process.wait(timeout=10)

    # -- state ------------------------------------------------------------------------

    def is_standby(self, node: Node) -> bool:
        try:
            status, answer = self.call(node, "GET", "sys/health")
        except urllib3.exceptions.HTTPError:
            return False
        return status == 429 or bool(isinstance(answer, dict) and answer.get("standby"))

    def active(self) -> Node | None:
        """The node that says it is active, if one does now."""
        for node in self.nodes:
            if node.process is None or node.process.poll() is not None:
                continue
            try:
                status, answer = self.call(node, "GET", "sys/health")
            except urllib3.exceptions.HTTPError:
                continue
            if status == 200 and isinstance(answer, dict) and not answer.get("standby"):
                return node
        return None

    def _all_voters(self) -> bool:
        """Every node's autopilot sees every node as a healthy voter (a standby's view
        trails the active's by a second or two)."""
        for node in self.nodes:
            status, answer = self.call(node, "GET", "sys/storage/raft/autopilot/state")
            state = (answer or {}).get("data") or {} if isinstance(answer, dict) else {}
            servers = state.get("servers") or {}
            self._voters_seen[f"node{node.index}"] = (
                {k: (v.get("status"), v.get("healthy")) for k, v in servers.items()}
                if status == 200
                else f"{status}"
            )
            if status != 200 or len(servers) != len(self.nodes):
                return False
            if not all(
                s.get("healthy") and s.get("status") in ("leader", "voter")
                for s in servers.values()
            ):
                return False
        return True

    @staticmethod
    def wait_for(ready: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.1)
        raise DevServerError(f"timed out waiting for {what}")

    def stop(self, remove_files: bool = True) -> None:
        for node in self.nodes:
            process, node.process = node.process, None
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self._http.clear()
        if remove_files:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> DevCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _drain(node: Node) -> None:
    process = node.process
    if process is None or process.stdout is None:
        return
    for raw in iter(process.stdout.readline, b""):
        node.output.append(raw.decode("utf-8", errors="replace").rstrip())
