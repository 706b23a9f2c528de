"""The HTTP transport under hvac: urllib3 directly, not requests.

Why our own adapter instead of hvac's default ``requests`` session:

* **Tokens and redirects.** ``requests`` strips only ``Authorization`` on a cross-host
  redirect; it would send ``X-Vault-Token`` to whatever host a 3xx names. Here a redirect to
  another scheme, host or port is refused with a clear error instead.
* **Speed.** ``requests`` costs about 0.6 ms a call in Python (hooks, cookies, environment
  merging); listing a mount of 1,000 folders pays it 1,000 times. urllib3's pool is
  most of what ``requests`` does, without that.
* **Settings.** TLS comes from our resolved settings, not from hvac's import-time env read.

The adapter is duck-typed to ``hvac.adapters.Adapter`` rather than derived from it, so this
module does not import hvac (nor, through it, requests): the console's first requests
(health, token, mounts) leave without them. hvac loads on the first error to raise, or with
the gateway's hvac client.
"""

from __future__ import annotations

import json as jsonlib
import ssl
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode, urljoin

import urllib3
from urllib3.util import Url, parse_url

from vault_console.config import Settings, check_token
from vault_console.errors import CrossHostRedirect, ReadOnlyViolation
from vault_console.vault import consistency
from vault_console.vault.readonly import READ_METHODS

_REDIRECTS = {301, 302, 303, 307, 308}
_MAX_REDIRECTS = 5

RequestGuard = Callable[[str, str], None]
"""Called with (METHOD, path) before a request leaves the process; raises to refuse it."""


def _default_port(scheme: str | None) -> int | None:
    return {"http": 80, "https": 443}.get(scheme or "")


class Response:
    """The small part of ``requests.Response`` that hvac reads."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes, url: str) -> None:
        self.status_code = status
        self.headers = headers
        self.content = body
        self.url = url

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


def _pool_manager(settings: Settings) -> urllib3.PoolManager:
    kwargs: dict[str, Any] = {"maxsize": 8, "retries": False, "block": False}
    if settings.address.startswith("https://"):
        if settings.skip_verify:
            kwargs["cert_reqs"] = ssl.CERT_NONE
            kwargs["assert_hostname"] = False
            # The status bar shows a lasting warning; a Python warning would garble the screen.
            warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
        else:
            kwargs["cert_reqs"] = ssl.CERT_REQUIRED
            if settings.ca_cert:
                kwargs["ca_certs"] = settings.ca_cert
            if settings.ca_path:
                kwargs["ca_cert_dir"] = settings.ca_path
        if settings.client_cert:
            kwargs["cert_file"] = settings.client_cert
            kwargs["key_file"] = settings.client_key
    return urllib3.PoolManager(**kwargs)


ROOT_NAMESPACE_ONLY = (*consistency.NODE_LOCAL, "/v1/sys/storage/raft/")
"""A node's and a cluster's state: served in the root namespace only (OpenBao answers
"operation unavailable in namespaces"), so asked without the session's namespace: the
status bar of a session in a namespace says the server's version and seal state, not '?'."""


class Urllib3Adapter:
    """hvac adapter: 200 JSON bodies come back as dicts, everything else as a Response.

    It has what hvac's clients use of ``hvac.adapters.Adapter``: the attributes below, the
    verb methods, ``login`` and ``request``.
    """

    allow_redirects = False
    ignore_exceptions = False
    strict_http = False
    request_header = True

    def __init__(self, settings: Settings, guard: RequestGuard | None = None) -> None:
        self.base_uri = settings.address
        self.token = settings.token.reveal() if settings.token else None
        if self.token is not None:
            # urllib3 would echo a bad header value, token and all, in its error.
            check_token(settings.token_source, self.token)
        self.namespace = settings.namespace
        self.session = _NoSession()
        self._pool = _pool_manager(settings)
        self._timeout = urllib3.Timeout(total=settings.timeout)
        self._guard = guard
        # Keyed by the profile's first address when it lists several: one cluster, one
        # store, also after the console moved to another of its nodes.
        self.index = consistency.store_for(settings.first_address or settings.address)
        self.addresses = (settings.address, *settings.addresses)
        """The profile's nodes of one cluster (user-given, never server-named): when the
        current one cannot be connected to, the next is tried (``_send``)."""
        self.on_move: Callable[[str, str], None] | None = None
        """Told (old, new) when requests move to the next address: the app says so."""

    def __repr__(self) -> str:
        return f"Urllib3Adapter({self.base_uri!r})"

    def use_address(self, address: str) -> None:
        """Send every request from now on to ``address`` (a node the user chose; the app
        asks before it is one the user did not give), keeping it among the addresses
        tried when the current one cannot be connected to."""
        if address not in self.addresses:
            self.addresses = (*self.addresses, address)
        self.base_uri = address

    def close(self) -> None:
        self._pool.clear()

    @staticmethod
    def urljoin(*args: object) -> str:
        return "/".join(str(arg).strip("/") for arg in args)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("get", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("post", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("put", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("delete", url, **kwargs)

    def list(self, url: str, **kwargs: Any) -> Any:
        return self.request("list", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Any:
        return self.request("head", url, **kwargs)

    def login(self, url: str, use_token: bool = True, **kwargs: Any) -> Any:
        response = self.post(url, **kwargs)
        if use_token:
            self.token = self.get_login_token(response)
        return response

    def get_login_token(self, response: Any) -> str:
        return str(response["auth"]["client_token"])

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        raise_exception: bool = True,
        **kwargs: Any,
    ) -> Any:
        while "//" in url:
            url = url.replace("//", "/")
        method = method.upper()
        if self._guard is not None:
            self._guard(method, url)
        full_url = self.urljoin(self.base_uri, url)
        headers = dict(headers or {})
        headers["X-Vault-Request"] = "true"
        if self.token:
            headers["X-Vault-Token"] = self.token
        if self.namespace and not url.startswith(ROOT_NAMESPACE_ONLY):
            # UTF-8 on the wire, as OpenBao reads it (and curl sends it): http.client would
            # encode a str as Latin-1, sending another name or failing on an emoji.
            headers["X-Vault-Namespace"] = self.namespace.encode().decode("latin-1")
        wrap_ttl = kwargs.pop("wrap_ttl", None)
        if wrap_ttl:
            headers["X-Vault-Wrap-TTL"] = str(wrap_ttl)
        params = kwargs.pop("params", None)
        if params:
            full_url += ("&" if "?" in full_url else "?") + urlencode(params, doseq=True)
        body: bytes | None = None
        if kwargs.get("json") is not None:
            body = jsonlib.dumps(kwargs["json"]).encode()
            headers.setdefault("Content-Type", "application/json")
        elif kwargs.get("data") is not None:
            data = kwargs["data"]
            body = data.encode() if isinstance(data, str) else data
        response = self._send(method, full_url, headers, body)
        if not response.ok and raise_exception and not self.ignore_exceptions:
            self._raise_for_error(method, full_url, response)
        if response.status_code == 200:
            try:
                return response.json()
            except ValueError:
                pass
        return response

    def raw_request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> Response:
        """``path`` (with its query) as another client sent it, through the same guard and
        redirect rule as every request of ours, adding only this adapter's own token and
        namespace when it has them; the answer whatever its status (guard_proxy)."""
        method = method.upper()
        if self._guard is not None:
            self._guard(method, path.split("?")[0])
        headers = dict(headers)
        if self.token:
            headers["X-Vault-Token"] = self.token
        return self._send(method, self.urljoin(self.base_uri, path), headers, body)

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
        """One request, reading this session's own writes on any node of a cluster: it
        carries the newest ``X-Vault-Index`` seen (unless the caller sent one: the engine's
        provider keeps its own), and a node not caught up yet is asked again after its
        ``Retry-After``, for up to ``consistency.WAIT_LIMIT`` seconds."""
        index = self.index.value
        path = parse_url(url).path or "/"
        if (
            index
            and path not in consistency.NODE_LOCAL
            and consistency.HEADER.lower() not in {k.lower() for k in headers}
        ):
            headers = {**headers, consistency.HEADER: index}
        carried = any(k.lower() == consistency.HEADER.lower() for k in headers)
        started, said = time.monotonic(), False
        while True:
            # After a move to the next address, the next try goes there too.
            response, url = self._send_moving(method, url, headers, body)
            self.index.record(response.headers.get(consistency.HEADER))
            behind = response.status_code == 412 or (
                response.status_code == 429 and "retry-after" in response.headers
            )
            if not (carried and behind):
                return response
            waited = time.monotonic() - started
            parts = parse_url(url)
            where = f"{parts.scheme}://{parts.netloc}"
            if waited >= consistency.WAIT_LIMIT:
                raise consistency.not_caught_up(where, waited)
            if waited >= consistency.SAY_AFTER and not said and self.index.on_wait is not None:
                self.index.on_wait(where, waited)
                said = True
            time.sleep(consistency.retry_after(response.headers.get("Retry-After")))

    def _send_moving(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[Response, str]:
        """Send to the current address; when it cannot be connected to (refused, no route,
        connect timeout: the request never left), move to the profile's next address and
        send it there, each address once per request. A request that was sent and not
        answered is not re-sent anywhere: its outcome is unknown. Returns the answer and
        the URL it was sent to."""
        tried = 0
        while True:
            base = self.base_uri
            try:
                return self._send_once(method, url, headers, body), url
            except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError):
                tried += 1
                if tried >= len(self.addresses) or not url.startswith(base):
                    raise
                at = self.addresses.index(base) if base in self.addresses else -1
                self.base_uri = self.addresses[(at + 1) % len(self.addresses)]
                url = self.base_uri + url[len(base) :]
                if self.on_move is not None:
                    self.on_move(base, self.base_uri)

    def _send_once(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> Response:
        origin = parse_url(url)
        for _ in range(_MAX_REDIRECTS + 1):
            raw = self._pool.request(
                method,
                url,
                body=body,
                headers=headers,
                timeout=self._timeout,
                redirect=False,
                retries=False,
            )
            if raw.status not in _REDIRECTS or "location" not in raw.headers:
                return Response(raw.status, raw.headers, raw.data, url)
            url = self._next_hop(method, url, origin, raw.headers["location"])
        raise urllib3.exceptions.MaxRetryError(None, url, "too many redirects")  # type: ignore[arg-type]

    def _next_hop(self, method: str, url: str, origin: Url, location: str) -> str:
        """The redirect's target, if it may be followed with the token and the same request.

        The target is parsed by urllib3, the parser that then connects: checking it with
        another parser lets ``http://a:1\\@b:2/`` pass as ``b`` and connect to ``a``. A
        Location that parsers read differently (a backslash, userinfo, control
        characters) is refused outright, and so is any change of scheme, host or port.
        Every hop passes the same read-only guard as the first request.
        """
        where = f"{origin.scheme}://{origin.netloc}"
        if any(c in location for c in "\\@") or any(
            ord(c) < 0x21 or ord(c) == 0x7F for c in location
        ):
            raise CrossHostRedirect(
                where, location, "its Location holds a backslash, userinfo or a control character"
            )
        target = urljoin(url, location)
        parts = parse_url(target)
        if (parts.scheme, parts.host, parts.port or _default_port(parts.scheme)) != (
            origin.scheme,
            origin.host,
            origin.port or _default_port(origin.scheme),
        ):
            raise CrossHostRedirect(where, target)
        if self._guard is not None:
            path = parts.path or "/"
            if method not in READ_METHODS and path != (parse_url(url).path or "/"):
                # A reading POST goes to the path that was checked, or nowhere: a 307 could
                # re-send its body to a path that writes.
                raise ReadOnlyViolation(method, path, "a redirect asked to re-send it there")
            self._guard(method, path)
        return target

    def _raise_for_error(self, method: str, url: str, response: Response) -> None:
        from hvac import utils  # hvac's exception for each status, as hvac itself raises

        errors = parsed = None
        if response.headers.get("Content-Type", "").startswith("application/json"):
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
            else:
                errors = parsed.get("errors") if isinstance(parsed, dict) else None
        utils.raise_for_error(
            method,
            url,
            response.status_code,
            None if errors else response.text,
            errors=errors,
            text=response.text,
            json=parsed,
        )


class _NoSession:
    """Stands in for the requests session hvac would otherwise build and never use."""

    verify = cert = proxies = None

    def close(self) -> None:
        return None
