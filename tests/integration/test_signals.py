"""The console leaves on SIGTERM and SIGHUP (its terminal gone) within seconds.

One console survived both after its terminal went away and needed SIGKILL. Run in a real
pseudo-terminal, as a person runs it, against the session's real OpenBao.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time

import pytest

from vault_console.vault.devserver import DevServer


def read_until(master: int, text: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and text not in seen:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_the_console_exits_on_a_signal_within_seconds(bao: DevServer, signum: int) -> None:
    master, slave = pty.openpty()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": "/nonexistent",
        "TERM": "xterm-256color",
        "VAULT_ADDR": bao.address,
        "VAULT_TOKEN": bao.root_token,
        "TEXTUAL_ANIMATIONS": "none",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "vault_console"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        shown = read_until(master, b"ai-models/", 30)
        assert b"ai-models/" in shown, "the console never drew its mounts"
        started = time.monotonic()
        process.send_signal(signum)
        code = process.wait(timeout=15)
        assert time.monotonic() - started < 10
        assert code == 128 + signum
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)


def test_the_console_exits_when_its_terminal_goes_away(bao: DevServer) -> None:
    master, slave = pty.openpty()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": "/nonexistent",
        "TERM": "xterm-256color",
        "VAULT_ADDR": bao.address,
        "VAULT_TOKEN": bao.root_token,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "vault_console"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,  # no controlling terminal: no SIGHUP comes when it closes
    )
    os.close(slave)
    try:
        assert b"ai-models/" in read_until(master, b"ai-models/", 30)
        os.close(master)  # the terminal window closes; reads now end, writes fail
        master = -1
        process.wait(timeout=15)
        assert process.returncode != 0
    finally:
        if process.poll() is None:
            process.kill()
            pytest.fail("the console outlived its terminal")
        if master >= 0:
            os.close(master)
