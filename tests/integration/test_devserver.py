"""The embedded dev server: a config-declared audit device, a hidden token, no orphans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from vault_console import config
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); look at its state.
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_audit_device_from_config_and_token_not_in_argv(bao: DevServer) -> None:
    assert bao.audit_log.exists()
    first = json.loads(bao.audit_log.read_text(encoding="utf-8").splitlines()[0])
    assert first["type"] in {"request", "response"}
    assert bao.pid is not None
    with open(f"/proc/{bao.pid}/cmdline", "rb") as cmdline:
        assert bao.root_token.encode() not in cmdline.read()
    assert bao.root_token not in repr(bao)


def test_stop_leaves_no_process_and_no_files() -> None:
    server = DevServer().start()
    pid, workdir = server.pid, server.workdir
    assert pid is not None and _alive(pid)
    server.stop()
    assert not _alive(pid)
    assert not workdir.exists()


def test_server_dies_with_a_killed_parent() -> None:
    code = (
        "from vault_console.vault.devserver import DevServer\n"
        "import time\n"
        "s = DevServer().start()\n"
        "print(s.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    assert _alive(pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid), "bao outlived its parent"


def test_demo_server_only_prints_exports_and_stops_on_sigint() -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "vault_console", "demo", "--server-only"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert demo.stdout is not None
    lines = [demo.stdout.readline() for _ in range(2)]
    assert lines[0].startswith("export VAULT_ADDR=http://127.0.0.1:")
    assert lines[1].startswith("export VAULT_TOKEN=")
    found = subprocess.run(
        ["pgrep", "-f", lines[0].split("//")[1].strip()], capture_output=True, text=True
    )
    pids = [int(p) for p in found.stdout.split()]
    assert pids, "the demo's bao server is not running"
    demo.send_signal(signal.SIGINT)
    assert demo.wait(timeout=15) == 130
    assert not any(_alive(pid) for pid in pids)


def test_read_only_demo_still_seeds_its_server() -> None:
    """--read-only is for the session; the demo's own seeding used to be refused by it."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "vault_console", "--read-only", "demo", "--server-only"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert demo.stdout is not None
    try:
        lines = [demo.stdout.readline() for _ in range(2)]
        assert lines[0].startswith("export VAULT_ADDR="), "the read-only demo did not start"
        address = lines[0].strip().split("=", 1)[1]
        token = lines[1].strip().split("=", 1)[1]
        settings = config.with_token(
            config.resolve(env={"VAULT_ADDR": address}, home=Path("/nonexistent")), token
        )
        assert "ai-models/" in {m.path for m in VaultGateway(settings).mounts()}
    finally:
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=15) == 130
