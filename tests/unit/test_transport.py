"""The transport under hvac: token handling on redirects, TLS settings, error mapping."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import hvac.exceptions
import pytest

from tests.conftest import settings_for
from vault_console.errors import CrossHostRedirect
from vault_console.vault.transport import Urllib3Adapter


class Recorder(ThreadingHTTPServer):
    """A tiny HTTP server that records request headers and answers from a table."""

    def __init__(self, host: str, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.routes = routes
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        super().__init__((host, 0), _Handler)

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: Recorder

    def _answer(self) -> None:
        self.server.seen.append((self.command, self.path, dict(self.headers)))
        status, headers, body = self.server.routes.get(
            self.path.split("?")[0], (404, {"Content-Type": "application/json"}, b'{"errors":[]}')
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _answer

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def servers() -> Iterator[tuple[Recorder, Recorder]]:
    ok = {"Content-Type": "application/json"}
    other = Recorder("127.0.0.2", {"/v1/secret/data/x": (200, ok, b'{"data":{"leak":true}}')})
    origin = Recorder("127.0.0.1", {})
    origin.routes["/v1/secret/data/x"] = (307, {"Location": f"{other.base}/v1/secret/data/x"}, b"")
    origin.routes["/v1/secret/data/same"] = (307, {"Location": "/v1/secret/data/final"}, b"")
    origin.routes["/v1/secret/data/final"] = (200, ok, json.dumps({"data": {"ok": 1}}).encode())
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (origin, other)]
    for thread in threads:
        thread.start()
    yield origin, other
    for server in (origin, other):
        server.shutdown()
        server.server_close()


def test_token_is_never_sent_to_another_host_on_redirect(
    servers: tuple[Recorder, Recorder],
) -> None:
    origin, other = servers
    adapter = Urllib3Adapter(settings_for(origin.base, "s.the-token"))
    with pytest.raises(CrossHostRedirect, match=r"127\.0\.0\.2"):
        adapter.get("/v1/secret/data/x")
    assert origin.seen[0][2]["X-Vault-Token"] == "s.the-token"
    assert other.seen == []


def test_same_host_redirect_is_followed_with_the_token(servers: tuple[Recorder, Recorder]) -> None:
    origin, _ = servers
    adapter = Urllib3Adapter(settings_for(origin.base, "s.the-token"))
    assert adapter.get("/v1/secret/data/same") == {"data": {"ok": 1}}
    assert [path for _, path, _ in origin.seen] == ["/v1/secret/data/same", "/v1/secret/data/final"]
    assert all(headers["X-Vault-Token"] == "s.the-token" for _, _, headers in origin.seen)


def test_namespace_header_and_list_verb(servers: tuple[Recorder, Recorder]) -> None:
    origin, _ = servers
    settings = settings_for(origin.base, "t", namespace="team-a")
    adapter = Urllib3Adapter(settings)
    with pytest.raises(hvac.exceptions.InvalidPath):
        adapter.list("/v1/secret/metadata/")
    method, _, headers = origin.seen[-1]
    assert method == "LIST"
    assert headers["X-Vault-Namespace"] == "team-a"
    assert headers["X-Vault-Request"] == "true"


def test_repr_never_shows_the_token(servers: tuple[Recorder, Recorder]) -> None:
    origin, _ = servers
    adapter = Urllib3Adapter(settings_for(origin.base, "s.secret-token"))
    assert "secret-token" not in repr(adapter)


def test_guard_refuses_before_anything_is_sent(servers: tuple[Recorder, Recorder]) -> None:
    origin, _ = servers

    def guard(method: str, path: str) -> None:
        if method != "GET":
            raise PermissionError(f"{method} {path} refused")

    adapter = Urllib3Adapter(settings_for(origin.base, "t"), guard=guard)
    with pytest.raises(PermissionError, match="POST /v1/secret/data/x refused"):
        adapter.post("/v1/secret/data/x", json={"data": {}})
    assert origin.seen == []


# -- hostile redirects: each variant once reached another listener or wrote -----------------


@pytest.fixture
def hostile(servers: tuple[Recorder, Recorder]) -> Iterator[tuple[Recorder, Recorder, Recorder]]:
    origin, other = servers
    same_host_other_port = Recorder("127.0.0.1", {})
    thread = threading.Thread(target=same_host_other_port.serve_forever, daemon=True)
    thread.start()
    yield origin, other, same_host_other_port
    same_host_other_port.shutdown()
    same_host_other_port.server_close()


@pytest.mark.parametrize(
    "location",
    [
        "{other}\\@{origin_netloc}/v1/secret/data/x",  # urlsplit: origin; urllib3: other
        "http://user@{other_netloc}/v1/secret/data/x",
        "http://{origin_netloc}@{other_netloc}/v1/secret/data/x",
        "https://{origin_netloc}/v1/secret/data/x",  # scheme change
        "{third}/v1/secret/data/x",  # same host, another port
        "/v1/secret/data/\x1b]52;c;aGk=\x07",  # control characters
    ],
    ids=["backslash", "userinfo", "origin-as-userinfo", "scheme", "other-port", "control"],
)
def test_a_redirect_that_could_reach_another_listener_is_refused(
    hostile: tuple[Recorder, Recorder, Recorder], location: str
) -> None:
    origin, other, third = hostile
    target = location.format(
        other=other.base,
        other_netloc=other.base.removeprefix("http://"),
        origin_netloc=origin.base.removeprefix("http://"),
        third=third.base,
    )
    origin.routes["/v1/secret/data/hop"] = (307, {"Location": target}, b"")
    adapter = Urllib3Adapter(settings_for(origin.base, "s.the-token"))
    with pytest.raises(CrossHostRedirect):
        adapter.get("/v1/secret/data/hop")
    assert other.seen == [] and third.seen == []
    assert len(origin.seen) == 1  # only the first request left


def test_a_token_that_cannot_be_a_header_never_shows_in_the_error(
    servers: tuple[Recorder, Recorder],
) -> None:
    origin, _ = servers
    with pytest.raises(Exception) as caught:
        Urllib3Adapter(settings_for(origin.base, "s.secret\r\nX-Evil: 1")).get("/v1/x")
    assert "s.secret" not in str(caught.value) and "control character" in str(caught.value)
    assert origin.seen == []
