"""The engine's way to Vault: a loopback endpoint that applies the console's own guard.

The Pulumi vault provider talks to Vault with its own HTTP client: it followed a redirect
to another host with its token, and in read-only mode it created a child token. So the
provider is pointed at this endpoint instead of the server. Every request it sends passes
the same rules as the console's own (``transport.Urllib3Adapter``): the read-only
allow-list, redirects followed only to the same scheme, host and port (each hop checked
again), and the console's TLS settings toward the server. It adds no credential of its
own: the provider's token and namespace headers are forwarded as they came.

It listens on 127.0.0.1 only, for as long as one engine run set lives. In normal mode a
child token the provider creates (``auth/token/create``) is revoked when the endpoint
stops, instead of living out its TTL.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from vault_console.config import Settings
from vault_console.errors import CrossHostRedirect, ReadOnlyViolation
from vault_console.vault.readonly import read_only_guard
from vault_console.vault.transport import Response, Urllib3Adapter

FORWARDED = (
    "x-vault-token",
    "x-vault-namespace",
    "x-vault-request",
    "x-vault-wrap-ttl",
    "x-vault-index",
    "x-vault-inconsistent",
    "x-vault-forward",
    "x-vault-policy-override",
    "content-type",
    "accept",
    "user-agent",
)
"""Request headers passed on; anything else (Host, hop-by-hop headers) is not."""
_HOP_BY_HOP = frozenset({"connection", "transfer-encoding", "content-length", "keep-alive"})


class GuardProxy:
    """Forward the engine's Vault requests through the console's guard (see module doc)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # No token and no namespace of its own: only what the provider sends goes on.
        bare = replace(settings, token=None, namespace=None)
        self._adapter = Urllib3Adapter(bare, guard=read_only_guard if settings.read_only else None)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.child_tokens: list[str] = []
        """Tokens the provider created through here, revoked on ``stop``."""
        self.refused: list[str] = []
        """What was refused and why (no value, no token)."""

    def __repr__(self) -> str:
        return f"GuardProxy({self.settings.address!r})"

    @property
    def address(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> GuardProxy:
        self._server = _Server(self)
        # serve_forever checks for shutdown every poll_interval (0.5 s by default): every
        # run's close waited for it, a tenth of a headless preview.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="vault-guard-proxy",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        self._revoke_children()
        self._adapter.close()

    def _revoke_children(self) -> None:
        tokens, self.child_tokens = self.child_tokens, []
        for token in tokens:
            try:
                self._adapter.raw_request(
                    "POST", "/v1/auth/token/revoke-self", {"X-Vault-Token": token}, None
                )
            except Exception:  # noqa: S112 - it expires with its TTL anyway
                continue

    def __enter__(self) -> GuardProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- one request -------------------------------------------------------------------------

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> Response:
        """The server's answer to one request of the provider, or the refusal in Vault's
        own error form (``{"errors": [...]}``), so the provider reports it as an error."""
        if not path.startswith("/v1/"):
            return _refusal(404, f"vault-console: {path.split('?')[0]} is not a Vault API path")
        sent = {k: v for k, v in headers.items() if k.lower() in FORWARDED}
        try:
            answer = self._adapter.raw_request(method, path, sent, body)
        except ReadOnlyViolation as exc:
            self.refused.append(str(exc))
            return _refusal(403, f"vault-console read-only mode: {exc}")
        except CrossHostRedirect as exc:
            self.refused.append(str(exc))
            return _refusal(502, f"vault-console refused a redirect: {exc}")
        if method in ("POST", "PUT") and path.split("?")[0].rstrip("/").startswith(
            "/v1/auth/token/create"
        ):
            self._remember_child(answer)
        return answer

    def _remember_child(self, answer: Response) -> None:
        try:
            token = json.loads(answer.content)["auth"]["client_token"]
        except (ValueError, KeyError, TypeError):
            return
        if isinstance(token, str) and token:
            self.child_tokens.append(token)


def _refusal(status: int, message: str) -> Response:
    body = json.dumps({"errors": [message]}).encode()
    return Response(status, {"Content-Type": "application/json"}, body, "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, proxy: GuardProxy) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {name: value for name, value in self.headers.items()}
        try:
            answer = self.server.proxy.forward(self.command, self.path, headers, body)
        except Exception as exc:  # unreachable, TLS, timeout: the provider says so
            from vault_console.errors import describe

            answer = _refusal(502, f"vault-console could not reach Vault: {describe(exc).message}")
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_LIST = _handle

    def log_message(self, *args: Any) -> None:
        return None  # paths can name secrets: nothing is printed
