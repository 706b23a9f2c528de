"""A same-origin 307 after an allowed read-only POST must not turn it into a write.

A forwarding proxy on 127.0.0.1 stands in front of the real OpenBao dev server and answers
one allowed POST (``sys/audit-hash/…``) with a 307 to a KV path; the body would be the
typed input. Before, read-only mode checked only the first URL and followed the 307: the
input was stored on the server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import hvac
import pytest
import urllib3

from tests.conftest import SCRATCH, settings_for
from vault_console.errors import ReadOnlyViolation
from vault_console.vault.devserver import DevServer
from vault_console.vault.readonly import read_only_guard
from vault_console.vault.transport import Urllib3Adapter


class Proxy(ThreadingHTTPServer):
    def __init__(self, upstream: str, redirects: dict[str, str]) -> None:
        self.upstream = upstream
        self.redirects = redirects
        self.failures: dict[str, int] = {}
        """Paths answered with this status instead of being forwarded."""
        self.http = urllib3.PoolManager(retries=False)
        self.seen: list[tuple[str, str]] = []
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: Proxy

    def _forward(self) -> None:
        self.server.seen.append((self.command, self.path))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.split("?")[0] in self.server.failures:
            body = b'{"errors":["internal error"]}'
            self.send_response(self.server.failures[self.path.split("?")[0]])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path in self.server.redirects:
            self.send_response(307)
            self.send_header("Location", self.server.redirects[self.path])
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

    do_GET = do_POST = do_PUT = do_LIST = _forward

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def proxy(bao: DevServer) -> Iterator[Proxy]:
    server = Proxy(
        bao.address, {"/v1/sys/audit-hash/file": f"/v1/{SCRATCH}/data/written-by-redirect"}
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_read_only_post_redirected_to_a_kv_path_is_never_sent(proxy: Proxy, bao: DevServer) -> None:
    adapter = Urllib3Adapter(settings_for(proxy.base, bao.root_token), guard=read_only_guard)
    with pytest.raises(ReadOnlyViolation, match="redirect"):
        adapter.post("/v1/sys/audit-hash/file", json={"input": "typed-by-the-operator"})
    assert proxy.seen == [("POST", "/v1/sys/audit-hash/file")]
    root = hvac.Client(bao.address, token=bao.root_token)
    with pytest.raises(hvac.exceptions.InvalidPath):
        root.secrets.kv.v2.read_secret_version(
            "written-by-redirect", mount_point=SCRATCH, raise_on_deleted_version=True
        )


def test_a_read_still_follows_a_same_origin_redirect_in_read_only_mode(
    proxy: Proxy, bao: DevServer
) -> None:
    proxy.redirects["/v1/sys/health-old"] = "/v1/sys/health"
    adapter = Urllib3Adapter(settings_for(proxy.base, bao.root_token), guard=read_only_guard)
    assert adapter.get("/v1/sys/health-old")["initialized"] is True
