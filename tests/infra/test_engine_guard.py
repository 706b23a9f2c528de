"""The engine's requests pass the console's guard (the real CLI, vault provider, OpenBao).

Before, the vault provider talked to Vault with its own client: behind a server that
redirected reads of one mount to another host, ``preview`` sent the provider's child token
there (a token with the root policy), and ``--read-only preview`` created that child token,
a write. Now the provider talks to a GuardProxy in the console's process.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest
import urllib3

from tests.conftest import settings_for
from tests.infra.test_real_engine import Bed, model_raw
from vault_console.infra.engine import Engine, EngineOptions, describe_failure
from vault_console.vault.devserver import DevServer
from vault_console_programs.ai_secrets.config import parse

pytestmark = pytest.mark.needs_pulumi_cli

READS = frozenset({"read", "list"})


class Elsewhere(ThreadingHTTPServer):
    """Another host (127.0.0.2): it counts what reaches it, and answers nothing useful."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bool]] = []
        super().__init__(("127.0.0.2", 0), _Count)


class _Count(BaseHTTPRequestHandler):
    server: Elsewhere

    def _any(self) -> None:
        self.server.seen.append((self.command, self.path, "X-Vault-Token" in self.headers))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _any

    def log_message(self, *args: Any) -> None:
        return None


class Front(ThreadingHTTPServer):
    """The server as the engine sees it: OpenBao, except that reads naming ``mount``
    are answered with a 307 to the same path on another host."""

    def __init__(self, upstream: str, mount: str, elsewhere: str) -> None:
        self.upstream, self.mount, self.elsewhere = upstream, mount, elsewhere
        self.http = urllib3.PoolManager(retries=False)
        super().__init__(("127.0.0.1", 0), _Front)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Front(BaseHTTPRequestHandler):
    server: Front

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "GET" and f"/{self.server.mount}" in self.path:
            self.send_response(307)
            self.send_header("Location", self.server.elsewhere + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        answer = self.server.http.request(
            self.command, self.server.upstream + self.path, body=body or None, headers=headers
        )
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            if name.lower() not in {"transfer-encoding", "connection", "content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.data)))
        self.end_headers()
        self.wfile.write(answer.data)

    do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _forward

    def log_message(self, *args: Any) -> None:
        return None


S = TypeVar("S", bound=ThreadingHTTPServer)


@contextlib.contextmanager
def serving(server: S) -> Iterator[S]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def audit_since(log: Path, offset: int) -> list[dict[str, Any]]:
    """The audit log's requests written after byte ``offset``."""
    with log.open("rb") as handle:
        handle.seek(offset)
        lines = handle.read().splitlines()
    docs = [json.loads(line) for line in lines if line.strip()]
    return [d for d in docs if d.get("type") == "request"]


def test_a_redirect_to_another_host_sends_nothing_there(bed: Bed, bao: DevServer) -> None:
    engine = bed.engine()
    preview = engine.preview()
    assert preview.plan_file is not None
    engine.up(preview.plan_file)  # an applied stack: a preview reads its mount back
    engine.close()

    with serving(Elsewhere()) as elsewhere:
        target = f"http://127.0.0.2:{elsewhere.server_address[1]}"
        with serving(Front(bao.address, bed.prefix, target)) as front:
            config, secrets = parse(model_raw(bed.prefix), {})
            redirected = Engine(
                config,
                secrets,
                options=EngineOptions(stack=bed.stack, work_dir=bed.tmp / "work2"),
                env=bed.env,
                vault=settings_for(front.address, bao.root_token),
            )
            with redirected, pytest.raises(Exception) as caught:
                redirected.preview()
            described = describe_failure(caught.value, bed.stack)
        assert elsewhere.seen == []  # not one request, with or without a token
    assert described.title == "Redirected to another host", described
    assert "127.0.0.2" in described.message
    bed.engine().destroy()


def test_a_read_only_preview_makes_no_write_and_no_child_token(bed: Bed, bao: DevServer) -> None:
    engine = bed.engine()
    preview = engine.preview()
    assert preview.plan_file is not None
    engine.up(preview.plan_file)
    engine.close()

    offset = bao.audit_log.stat().st_size
    with bed.engine(read_only=True) as read_only:
        again = read_only.preview()
    assert not again.plan.has_changes
    time.sleep(0.2)  # the audit device writes as it answers; let the last lines land
    requests = audit_since(bao.audit_log, offset)
    assert requests, "the preview made no request at all?"
    writes = [
        (r["request"]["operation"], r["request"]["path"])
        for r in requests
        if r["request"]["operation"] not in READS
    ]
    assert writes == []  # auth/token/create was one, every read-only preview
    bed.engine().destroy()


def test_a_child_token_the_provider_makes_is_revoked_when_the_run_ends(
    bed: Bed, bao: DevServer
) -> None:
    first = bed.engine()
    preview = first.preview()  # a new stack: the provider asks the server nothing yet
    assert preview.plan_file is not None
    first.up(preview.plan_file)
    first.close()
    engine = bed.engine()
    engine.preview()  # an applied stack: its refresh reads, with a child token
    proxy = engine._proxy
    assert proxy is not None and proxy.child_tokens  # the provider made its child token
    child = proxy.child_tokens[0]
    lookup = urllib3.PoolManager().request(
        "GET", f"{bao.address}/v1/auth/token/lookup-self", headers={"X-Vault-Token": child}
    )
    assert lookup.status == 200
    engine.close()
    lookup = urllib3.PoolManager().request(
        "GET", f"{bao.address}/v1/auth/token/lookup-self", headers={"X-Vault-Token": child}
    )
    assert lookup.status == 403  # revoked, not left to live out its 20 minutes
    bed.engine().destroy()
