"""The login screen: when no token works, log in here (issue 21 part 6).

It asks for a method and what that method needs, logs in through the app's ``run_io``, and
returns the settings with the new token. What was typed stays in the form when a login is
refused. The token stays in memory unless "Save the token to ~/.vault-token" is ticked, as
``vault login`` would store it. OIDC shows the sign-in URL here (ctrl+y copies it) while it
waits for the browser; Esc stops the wait and frees the callback's port.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from vault_console.config import (
    DEFAULT_OIDC_REDIRECT,
    ConfigError,
    LoginSpec,
    Settings,
    Token,
    store_token,
)
from vault_console.host import console_env, host_of
from vault_console.text import DETAIL_LIMIT, plain
from vault_console.widgets.footer import Footer

METHODS: tuple[tuple[str, str], ...] = (
    ("Token", "token"),
    ("Username and password (userpass)", "userpass"),
    ("AppRole (role_id and secret_id)", "approle"),
    ("OIDC (sign in with a browser)", "oidc"),
    ("AWS IAM (this machine's AWS credentials)", "aws"),
)

FIELDS: dict[str, tuple[str | None, str | None]] = {
    # method: (label of the name field, label of the secret field); None: not asked
    "token": (None, "Token"),
    "userpass": ("Username", "Password"),
    "approle": ("Role ID", "Secret ID"),
    "oidc": ("Role (empty: the method's default role)", None),
    "aws": ("Role", None),
}


@dataclass(frozen=True)
class LoggedIn:
    """What the screen returns: the settings to connect with, and what to tell the user."""

    settings: Settings
    method: str
    saved_to: Path | None


class LoginScreen(ModalScreen[LoggedIn | None]):
    """Log in to the configured address with a method the user picks."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="login.cancel"),
        Binding("ctrl+s", "log_in", "Log in", id="login.submit"),
        Binding("ctrl+y", "copy_url", "Copy URL", id="login.copy-url"),
    ]

    def __init__(self, settings: Settings, reason: str) -> None:
        super().__init__()
        self.settings = settings
        self.reason = reason
        self.url = ""
        self._cancelled = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="login"):
            yield Label(plain(f"Log in to {self.settings.address}"), classes="dialog-title")
            yield Static(plain(self.reason, DETAIL_LIMIT, multiline=True), classes="dialog-body")
            yield Select(METHODS, value="token", allow_blank=False, id="login-method")
            yield Input(placeholder="Mount (default: the method's name)", id="login-mount")
            yield Label("", id="login-name-label")
            yield Input(id="login-name")
            yield Label("", id="login-secret-label")
            yield Input(password=True, id="login-secret")
            yield Checkbox("Save the token to ~/.vault-token", id="login-save")
            yield Static("", id="login-state", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Log in", variant="primary", id="login-go")
                yield Button("Cancel", id="login-cancel")
        yield Footer()

    def on_mount(self) -> None:
        spec = self.settings.login  # a profile's login that failed: start from its fields
        if spec is not None:
            self.query_one("#login-method", Select).value = spec.method
            self.query_one("#login-mount", Input).value = spec.mount
            self.query_one("#login-name", Input).value = spec.name
        self._show_fields(spec.method if spec else "token")
        first = "#login-secret" if FIELDS[spec.method if spec else "token"][1] else "#login-go"
        self.query_one(first).focus()

    # -- the form ------------------------------------------------------------------------

    @property
    def method(self) -> str:
        return str(self.query_one("#login-method", Select).value)

    def on_select_changed(self, event: Select.Changed) -> None:
        self._show_fields(str(event.value))

    def _show_fields(self, method: str) -> None:
        name_label, secret_label = FIELDS[method]
        for field, label in (("name", name_label), ("secret", secret_label)):
            self.query_one(f"#login-{field}-label", Label).update(label or "")
            self.query_one(f"#login-{field}-label", Label).display = label is not None
            self.query_one(f"#login-{field}", Input).display = label is not None
        self.query_one("#login-mount", Input).display = method != "token"

    def _say(self, text: str) -> None:
        self.query_one("#login-state", Static).update(plain(text, DETAIL_LIMIT, multiline=True))

    def _spec(self) -> LoginSpec | None:
        """The login the form asks for; None for a token. ConfigError naming the field."""
        method = self.method
        name_label, secret_label = FIELDS[method]
        name = self.query_one("#login-name", Input).value.strip()
        secret = self.query_one("#login-secret", Input).value.strip()
        if secret_label and not secret:
            raise ConfigError(f"{secret_label}: empty; type it (it is not shown)")
        if name_label and not name and method != "oidc":
            raise ConfigError(f"{name_label}: empty; type it")
        if method == "token":
            return None
        mount = self.query_one("#login-mount", Input).value.strip().strip("/") or method
        profile = self.settings.login  # its callback and AWS settings, when it has them
        return LoginSpec(
            method=method,
            mount=mount,
            name=name,
            typed=Token(secret) if secret else None,
            redirect_uri=profile.redirect_uri if profile else DEFAULT_OIDC_REDIRECT,
            header_value=profile.header_value if profile else None,
            region=profile.region if profile else "us-east-1",
        )

    # -- logging in ----------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "login-cancel":
            self.action_cancel()
        else:
            self.action_log_in()

    def on_input_submitted(self) -> None:
        self.action_log_in()

    def action_log_in(self) -> None:
        try:
            spec = self._spec()
        except ConfigError as exc:
            self._say(f"Not logged in: {exc}")
            return
        host = host_of(self)
        settings, env = self.settings, console_env(self)
        save = self.query_one("#login-save", Checkbox).value
        home = Path(env.get("HOME") or Path.home())
        typed = self.query_one("#login-secret", Input).value.strip()
        self._cancelled = cancelled = threading.Event()

        def show_url(url: str) -> None:
            self.app.call_from_thread(self._show_url, url)

        def work() -> LoggedIn:
            from vault_console.vault.client import VaultGateway
            from vault_console.vault.login import login

            if spec is None:
                token = Token(typed)
                gateway = VaultGateway(replace(settings, token=token))
                try:
                    gateway.token_info()  # a token the server does not know is refused here
                finally:
                    gateway.close()
                source = "typed token"
            else:
                token = login(settings, spec, env, show_url=show_url, cancelled=cancelled)
                source = f"{spec.method} login"
            saved = store_token(home, token) if save else None
            connected = replace(settings, token=token, token_source=source, login=None)
            return LoggedIn(connected, spec.method if spec else "token", saved)

        def failed(error: BaseException) -> bool:
            if self.is_attached:  # not after Esc
                problem = host.problem(error)
                self._say(f"Not logged in: {problem.title}. {problem.message}")
            return True  # said here; the form keeps what was typed

        def done(result: LoggedIn) -> None:
            if self.is_attached:  # after Esc the token is dropped
                self.dismiss(result)

        self._say("Logging in…")
        host.run_io(work, done, description="log in", on_error=failed, key="login")

    def _show_url(self, url: str) -> None:
        self.url = url
        self._say(f"Sign in with your browser at (ctrl+y copies it):\n{url}")

    def action_copy_url(self) -> None:
        if self.url:
            self.app.copy_to_clipboard(self.url)
            self.notify("Sign-in URL copied")

    def action_cancel(self) -> None:
        self._cancelled.set()  # an OIDC wait stops and its port is freed
        self.dismiss(None)
