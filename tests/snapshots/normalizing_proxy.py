"""A reverse proxy that makes a real server's answers repeatable for snapshots.

It forwards every request to a real OpenBao and rewrites what changes from run to run:
times, dates, accessors and cluster names. It listens on a fixed loopback address so the
address in the status bar is the same in every snapshot.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import urllib3

ADDRESS = ("127.0.0.9", 8200)

_REWRITES = [
    (re.compile(rb'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"'), b'"2026-01-01T12:00:00Z"'),
    (re.compile(rb'"\d{4}-\d\d-\d\d"'), b'"2026-02-01"'),
    (re.compile(rb'("accessor":"[a-z_]*?_)[0-9a-f]{8}"'), rb'\g<1>00000000"'),
    (re.compile(rb'"vault-cluster-[0-9a-f]{8}"'), b'"vault-cluster-demo"'),
    (re.compile(rb'"file_path":"[^"]*"'), b'"file_path":"/var/log/openbao/audit.log"'),
]


class NormalizingProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.http = urllib3.PoolManager(retries=False)
        super().__init__(ADDRESS, _Handler)

    @property
    def address(self) -> str:
        return f"http://{ADDRESS[0]}:{ADDRESS[1]}"

    def __enter__(self) -> NormalizingProxy:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: NormalizingProxy
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host"}}
        reply = self.server.http.request(
            self.command,
            self.server.upstream + self.path,
            body=body,
            headers=headers,
            redirect=False,
        )
        data = reply.data
        for pattern, replacement in _REWRITES:
            data = pattern.sub(replacement, data)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            if name.lower() not in {"content-length", "transfer-encoding", "date"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _forward

    def log_message(self, *args: Any) -> None:
        return None
