"""OIDC login the way ``vault login -method=oidc`` does it (issue 21 part 6).

1. Listen on the callback's port on this machine, before asking the server anything, so a
   busy port is said first and the provider's redirect never finds nobody there.
2. Ask ``auth/<mount>/oidc/auth_url`` for the provider's URL, with a client nonce (the
   server checks it again at the callback, so a code caught by another program on this
   machine cannot be redeemed without it).
3. Show the URL (always: the caller decides where) and open a browser there when one can
   be opened without taking over the terminal.
4. Wait for the provider's redirect to the callback (``code`` and ``state``), up to
   ``timeout`` or until ``cancelled`` is set.
5. Hand them to ``auth/<mount>/oidc/callback``: its answer is the login.

The browser gets a short plain page either way; the token never goes to it.
"""

from __future__ import annotations

import http.server
import secrets
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from vault_console.config import LoginSpec
from vault_console.errors import ConsoleError, ErrorKind

WAIT_SECONDS = 300.0
"""How long the console waits for the browser (``vault login`` waits as long)."""


def open_browser(url: str, env: Mapping[str, str]) -> bool:
    """Open ``url`` in the user's browser; False when none can be opened here.

    ``BROWSER`` (the variable Python's ``webbrowser`` and many tools read) is run with the
    URL as its last argument (or in place of ``%s``). Otherwise only where a desktop is
    there (macOS, Windows, ``DISPLAY``/``WAYLAND_DISPLAY``): ``webbrowser`` would fall back
    to a text browser such as ``w3m``, which would draw over the console's own screen.
    """
    command = env.get("BROWSER", "").strip()
    if command:
        argv = shlex.split(command)
        argv = [url if part == "%s" else part for part in argv]
        if url not in argv:
            argv.append(url)
        try:
            subprocess.Popen(
                argv,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            return False
        return True
    desktop = sys.platform in ("darwin", "win32") or bool(
        env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
    )
    if not desktop:
        return False
    import webbrowser

    return webbrowser.open(url)


class _Callback(http.server.BaseHTTPRequestHandler):
    """Takes the provider's redirect to the callback path; anything else is a 404."""

    server: _CallbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self.send_error(404)
            return
        self.server.query = dict(parse_qsl(parts.query))
        self.server.arrived.set()
        self.server.answered.wait(30)
        ok = self.server.outcome_ok
        body = (
            "Signed in. You can close this tab and go back to vault-console."
            if ok
            else "The login did not finish: vault-console says why."
        ).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line holds the one-time code."""


class _CallbackServer(http.server.ThreadingHTTPServer):
    """Closing it waits for the page it is sending to the browser (``block_on_close``)."""

    def __init__(self, host: str, port: int, path: str) -> None:
        if host == "::1":
            self.address_family = socket.AF_INET6
        # "localhost" is bound as 127.0.0.1: never a name that could resolve elsewhere.
        super().__init__(("::1" if host == "::1" else "127.0.0.1", port), _Callback)
        self.path = path
        self.query: dict[str, str] = {}
        self.arrived = threading.Event()
        self.answered = threading.Event()
        self.outcome_ok = False


def oidc_login(
    adapter: Any,
    spec: LoginSpec,
    *,
    show_url: Callable[[str], None],
    env: Mapping[str, str],
    cancelled: threading.Event | None = None,
    timeout: float = WAIT_SECONDS,
) -> dict[str, Any]:
    """Log in through the browser; the server's ``auth`` answer. ``adapter`` is a gateway's
    hvac adapter without a token (the transport's redirect rules apply)."""
    parts = urlsplit(spec.redirect_uri)
    mount = spec.mount.strip("/")
    try:
        server = _CallbackServer(parts.hostname or "127.0.0.1", parts.port or 8250, parts.path)
    except OSError as exc:
        raise ConsoleError(
            f"The callback {spec.redirect_uri} cannot listen on port {parts.port}: "
            f"{exc.strerror}. Another login may be waiting there; finish or stop it.",
            title="OIDC login not started",
            kind=ErrorKind.BAD_SETTING,
            retryable=True,
        ) from None
    serving = threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True)
    serving.start()
    try:
        nonce = secrets.token_urlsafe(24)
        body = {"redirect_uri": spec.redirect_uri, "client_nonce": nonce}
        if spec.name:
            body["role"] = spec.name
        answer = adapter.post(f"/v1/auth/{mount}/oidc/auth_url", json=body)
        url = str(((answer or {}).get("data") or {}).get("auth_url") or "")
        if not url:
            raise ConsoleError(
                f"auth/{mount} gave no sign-in URL for the callback {spec.redirect_uri}: the "
                f"role {spec.name or '(default)'} must list it in allowed_redirect_uris.",
                title="OIDC login not started",
                kind=ErrorKind.REFUSED,
                retryable=False,
            )
        show_url(url)
        threading.Thread(target=open_browser, args=(url, env), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not server.arrived.wait(0.2):
            if cancelled is not None and cancelled.is_set():
                raise ConsoleError(
                    "The OIDC login was cancelled.",
                    title="Not logged in",
                    kind=ErrorKind.CANCELLED,
                )
            if time.monotonic() > deadline:
                raise ConsoleError(
                    f"No answer from the browser within {timeout:.0f} s.",
                    title="OIDC login timed out",
                    kind=ErrorKind.TIMEOUT,
                )
        query = server.query
        if "error" in query:
            raise ConsoleError(
                f"The provider said {query['error']}: {query.get('error_description', '')}",
                title="OIDC login refused",
                kind=ErrorKind.REFUSED,
                retryable=False,
            )
        params: dict[str, str] = {k: query[k] for k in ("state", "code", "id_token") if k in query}
        params["client_nonce"] = nonce
        result = adapter.get(f"/v1/auth/{mount}/oidc/callback", params=params)
        server.outcome_ok = True
        return dict(result["auth"])
    finally:
        server.answered.set()
        server.shutdown()
        server.server_close()
