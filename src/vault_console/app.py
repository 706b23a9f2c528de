"""VaultConsoleApp: the one place that runs IO in workers and turns failures into messages."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import rich
from rich.segment import Segments
from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.markup import escape as escape_markup
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from vault_console import config, textual_private
from vault_console.config import Settings, Token
from vault_console.errors import (
    ConsoleError,
    CrossHostRedirect,
    ErrorKind,
    describe,
    is_forbidden,
    no_token_error,
)
from vault_console.messages import (
    LoginWanted,
    OpenSecret,
    OpenWizard,
    ServerChanged,
)
from vault_console.screens.browse.keys import WRITE_ACTIONS
from vault_console.screens.browse.screen import MainScreen
from vault_console.screens.browse.tabs import LAZY_TABS, panel_class
from vault_console.session import SessionMoves
from vault_console.text import DETAIL_LIMIT, escape_controls, plain_str
from vault_console.vault.consistency import WAIT_LIMIT
from vault_console.vault.model import ServerStatus, TokenInfo
from vault_console.widgets.dialogs import ChoiceScreen, ErrorScreen, HelpScreen
from vault_console.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from vault_console.vault.client import VaultGateway

T = TypeVar("T")
W = TypeVar("W", bound=Widget)
STATUS_REFRESH_SECONDS = 30.0
EXIT_GRACE_SECONDS = 5.0
"""After SIGTERM or SIGHUP, how long the app has to close before the process ends."""


@dataclass
class _Pending:
    """What to do when a worker ends."""

    done: Callable[[Any], None]
    retry: Callable[[], None]
    on_error: Callable[[BaseException], bool] | None
    quiet: bool
    key: str | None = None


class VaultConsoleApp(SessionMoves):
    """Terminal console for Vault and OpenBao."""

    TITLE = "vault-console"
    CSS_PATH = "styles/app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide"), (150, "-very-wide")]
    """Side-by-side panes stack below a width (app.tcss): the audit details under 110
    columns, the review's policies under 150 (the diff needs the width more)."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("p", "switch_profile", "Profiles", show=False, id="app.profiles"),
        Binding("T", "renew_token", "Renew token", show=False, id="app.renew-token"),
        Binding("q", "quit", "Quit", show=False, id="app.quit"),  # in help; the footer fits 80
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        env: dict[str, str] | None = None,
        status_refresh: float = STATUS_REFRESH_SECONDS,
        setup_stack: str | None = None,
    ) -> None:
        super().__init__()
        self.setup_stack = setup_stack
        """``vault-console setup --stack S``: the wizard opens on this stack at start."""
        self.settings = settings
        self.env = env
        self._gateway: VaultGateway | None = None
        self._gateway_lock = threading.Lock()
        self.server_status: ServerStatus | None = None
        self.token_info: TokenInfo | None = None
        self._pending: dict[Worker[Any], _Pending] = {}
        self._latest: dict[str, Worker[Any]] = {}
        """The newest worker for each ``run_io`` key: an older one's answer is stale."""
        self._status_refresh = status_refresh
        self._signal_loop: asyncio.AbstractEventLoop | None = None
        self._clipboard_clear_at: float | None = None
        """When the copied secret value is cleared (monotonic), if one is pending."""

    @property
    def gateway(self) -> VaultGateway:
        """The server's gateway, built on first use.

        That is the first request, in a worker thread once the first frame is drawn: hvac,
        requests and urllib3 load then, not before the mounts view shows.
        """
        with self._gateway_lock:
            if self._gateway is None:
                from vault_console.vault.client import VaultGateway

                self._gateway = VaultGateway(self.settings)
                # Every gateway of this address shares the store: the wizard's too.
                self._gateway.adapter.index.on_wait = self._say_node_behind
                self._gateway.adapter.on_move = self._say_moved
            return self._gateway

    def _say_moved(self, old: str, new: str) -> None:
        """From a request's thread: the profile's address did not answer, the next did."""

        def moved() -> None:
            every = (self.settings.address, *self.settings.addresses)
            self.settings = replace(
                self.settings, address=new, addresses=tuple(a for a in every if a != new)
            )
            self.update_status_bar()
            self.notify(
                f"{old} does not answer: now using {new}, the profile's next address "
                "(the request was not sent to the first)",
                title="Moved to another node",
                severity="warning",
                timeout=8,
            )

        with contextlib.suppress(RuntimeError):  # the app is closing
            self.call_from_thread(moved)

    def _say_node_behind(self, address: str, waited: float) -> None:
        """From a request's thread: a node of the cluster is catching up with our write."""
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.call_from_thread(
                self.notify,
                f"Waiting for {address} to catch up with this session's last write "
                f"(X-Vault-Index; {waited:.0f} s so far, up to {WAIT_LIMIT:.0f} s)…",
                title="Cluster node behind",
                timeout=5,
            )

    def _close_gateway(self) -> None:
        with self._gateway_lock:
            if self._gateway is not None:
                self._gateway.close()
            self._gateway = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.settings.read_only and action in WRITE_ACTIONS)

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen()

    def exit_on_signal(self, signum: int) -> None:
        """Called from a signal handler: cancel what runs, exit, and if the app cannot get
        there (a terminal gone, a stuck driver), end the process after a few seconds."""
        code = 128 + signum
        last_resort = threading.Timer(EXIT_GRACE_SECONDS, os._exit, [code])
        last_resort.daemon = True
        last_resort.start()
        loop = self._signal_loop
        if loop is None:
            raise SystemExit(code)
        loop.call_soon_threadsafe(self._stop_for_signal, code)

    def _stop_for_signal(self, code: int) -> None:
        for screen in self.screen_stack:
            cancel = getattr(screen, "cancel_engine", None)
            if callable(cancel):
                cancel()  # SIGINT to the CLI: it saves the state and releases the lock
        self.exit(return_code=code)

    def _check_terminal(self) -> None:
        """Leave when the terminal is gone (its window closed without a SIGHUP reaching
        us): Textual's input thread then reads end-of-file forever and the app lives on."""
        import termios

        try:
            termios.tcgetattr(sys.__stdin__.fileno() if sys.__stdin__ else 0)
        except (OSError, termios.error) as exc:
            if getattr(exc, "errno", None) == errno.EIO or (exc.args and exc.args[0] == errno.EIO):
                self.exit_on_signal(signal.SIGHUP)

    def on_mount(self) -> None:
        self._signal_loop = asyncio.get_running_loop()
        if not self.is_headless and sys.__stdin__ is not None and sys.__stdin__.isatty():
            self.set_interval(2.0, self._check_terminal)
        self.update_status_bar()
        self.set_interval(1.0, self._tick)
        self.set_interval(self._status_refresh, self.refresh_status)
        if self.setup_stack is not None:
            self.call_after_refresh(self.open_wizard)
        if self.settings.login is not None and self.settings.token is None:
            self.call_after_refresh(self.log_in)

    def log_in(self) -> None:
        """The profile logs in (``auth = ...``): the token it gets stays in memory."""
        from vault_console.vault.login import login

        settings, spec = self.settings, self.settings.login
        assert spec is not None

        def done(token: Token) -> None:
            self.connect(
                replace(settings, token=token, token_source=f"{spec.method} login", login=None)
            )
            self.notify(f"Logged in with {spec.method} at auth/{spec.mount}")

        def show_url(url: str) -> None:
            self.call_from_thread(
                self.notify,
                f"Sign in with your browser at:\n{url}",
                title=f"OIDC login at auth/{spec.mount}",
                timeout=120,
            )

        def failed(error: BaseException) -> bool:
            problem = self.problem(error)
            self.post_message(
                LoginWanted(f"The profile's {spec.method} login failed: {problem.message}")
            )
            return True

        self.run_io(
            lambda: login(settings, spec, self.env, show_url=show_url),
            done,
            description=f"log in with {spec.method}",
            on_error=failed,
            key="login",
        )

    def on_login_wanted(self, message: LoginWanted) -> None:
        """The login screen, once at a time; what it returns is connected to."""
        from vault_console.screens.login import LoggedIn, LoginScreen

        if any(isinstance(screen, LoginScreen) for screen in self.screen_stack):
            return

        def answered(result: LoggedIn | None) -> None:
            if result is None:
                return
            self.connect(result.settings)
            where = f" (saved to {result.saved_to})" if result.saved_to else " (kept in memory)"
            self.notify(f"Logged in with {result.method}{where}")

        self.push_screen(LoginScreen(self.settings, message.reason), answered)

    def action_log_in(self) -> None:
        self.post_message(LoginWanted("Log in with another token or method."))

    # -- IO -----------------------------------------------------------------------------

    def run_io(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        *,
        description: str,
        on_error: Callable[[BaseException], bool] | None = None,
        quiet: bool = False,
        key: str | None = None,
    ) -> Worker[T]:
        """Run blocking ``work`` in a thread worker; ``done`` gets the result on the UI thread.

        Failures come back to ``on_worker_state_changed``: ``on_error`` may handle one
        (return True), else it is shown with a Retry button, or only in the status bar
        when ``quiet``. With a ``key`` (``"secret"``, ``"mounts"``), only the newest run of
        that key is answered: open A then B, and A's slower answer never fills B's panel.
        """
        worker: Worker[T] = self.run_worker(
            work, thread=True, exit_on_error=False, group="io", description=description
        )

        def retry() -> None:
            self.run_io(
                work, done, description=description, on_error=on_error, quiet=quiet, key=key
            )

        self._pending[worker] = _Pending(done, retry, on_error, quiet, key)
        if key is not None:
            self._latest[key] = worker
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pending = self._pending.get(event.worker)
        if pending is None or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        del self._pending[event.worker]
        if not self.is_running:
            return  # shutting down: the screens a result would fill are being removed
        if pending.key is not None:
            if self._latest.get(pending.key) is not event.worker:
                return  # a newer run of the same key was started: this answer is stale
            del self._latest[pending.key]
        if event.state == WorkerState.SUCCESS:
            pending.done(event.worker.result)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            assert error is not None
            if pending.on_error is not None and pending.on_error(error):
                return
            self.show_error(error, pending.retry, quiet=pending.quiet)

    def problem(self, error: BaseException) -> ConsoleError:
        """``error`` described for the operator of this session."""
        if self.settings.token is None and is_forbidden(error):
            return no_token_error(self.settings.token_source)  # no token: not its policies
        problem = describe(error)
        redirect = next(
            (
                e
                for e in (error, error.__cause__, error.__context__)
                if isinstance(e, CrossHostRedirect)
            ),
            None,
        )
        if redirect is not None and not redirect.reason:
            # A standby named the node it hands writes to: offered by "Move to another
            # node…", where the user confirms it before the token goes there.
            node = redirect.target.split("/v1/", 1)[0]
            self.named_nodes.setdefault(node, f"a redirect from {self.settings.address}")
            problem = replace(
                problem,
                message=problem.message + " To move there: ctrl+p, Move to another node "
                "(it asks before the token goes to an address a server named).",
            )
        return problem

    def show_error(
        self,
        error: BaseException,
        retry: Callable[[], None] | None,
        quiet: bool = False,
        after: Callable[[], None] | None = None,
    ) -> None:
        """Show ``error``; ``after`` runs once the dialog closes without a retry (a failed
        write uses it to give the form back with what was typed)."""
        problem = self.problem(error)
        if problem.kind in SERVER_STATE_KINDS and not quiet:
            self.refresh_status()  # the status bar says what the error implies, now
        if quiet:
            for bar in self._on_all_screens(StatusBar):
                bar.error = problem.title
            return

        def answered(again: bool | None) -> None:
            if again and retry is not None:
                self.refresh_status()
                retry()
            elif after is not None:
                after()

        self.push_screen(ErrorScreen(problem, can_retry=retry is not None), answered)

    # -- status ---------------------------------------------------------------------------

    def refresh_status(self) -> None:
        from vault_console.vault.cluster import named_nodes

        ask_nodes = not self.nodes_refused

        def work() -> tuple[ServerStatus, TokenInfo | None, tuple[dict[str, str], bool]]:
            gateway = self.gateway
            status = gateway.server_status()
            token = gateway.token_info() if self.settings.token and not status.sealed else None
            # Kept for "Move to another node…" when this node stops answering.
            named = (
                named_nodes(gateway, ask_nodes, leader=status.leader)
                if not status.sealed
                else ({}, False)
            )
            return status, token, named

        self.run_io(work, self._status_loaded, description="server status", quiet=True)

    def _status_loaded(
        self, result: tuple[ServerStatus, TokenInfo | None, tuple[dict[str, str], bool]]
    ) -> None:
        self.server_status, self.token_info, (named, refused) = result
        self.named_nodes.update(named)
        self.nodes_refused = self.nodes_refused or refused
        self.update_status_bar()
        self._check_token_namespace()

    def update_status_bar(self) -> None:
        for bar in self._on_all_screens(StatusBar):
            bar.settings = self.settings
            bar.status = self.server_status
            bar.token = self.token_info
            bar.error = ""
        warning = ""
        if self.settings.skip_verify:
            warning = (
                "⚠ TLS verification is OFF (VAULT_SKIP_VERIFY): the server is not authenticated"
            )
        for screen in self.screen_stack:
            for label in screen.query("#tls-warning").results(Label):
                label.update(warning)
                label.display = bool(warning)

    def _tick(self) -> None:
        left = self._clear_clipboard_when_due()
        for bar in self._on_all_screens(StatusBar):
            bar.clipboard_left = math.ceil(left) if left is not None else 0
            bar.tick += 1

    def _on_all_screens(self, kind: type[W]) -> list[W]:
        """Widgets of one kind on every screen in the stack (``query`` sees only the top)."""
        return [widget for screen in self.screen_stack for widget in screen.query(kind)]

    def action_renew_token(self) -> None:
        if self.token_info is not None and not self.token_info.renewable:
            self.notify("This token is not renewable", severity="warning")
            return

        def done(token: TokenInfo) -> None:
            self.token_info = token
            self.update_status_bar()
            self.notify("Token renewed")

        self.run_io(self.gateway.renew_token, done, description="renew token")

    # -- profiles ------------------------------------------------------------------------

    def connect(self, settings: Settings) -> None:
        """Switch to another server or profile and reload everything."""
        self._close_gateway()
        self.settings = settings
        self.server_status = self.token_info = None
        self.update_status_bar()
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.forget_server()
                screen.action_reload()
                self.call_later(screen.forget_panels)

    def action_switch_profile(self) -> None:
        env = self.env
        path = config.profiles_path(env or dict(os.environ))
        try:
            profiles = config.load_profiles(path)
        except config.ConfigError as exc:
            self.show_error(exc, None)
            return
        if not profiles:
            self.notify(f"No profiles defined; add [profiles.NAME] sections to {path}")
            return

        def chosen(name: str | None) -> None:
            if name is None:
                return
            try:
                settings = config.resolve(env=env, profile_name=name)
            except config.ConfigError as exc:
                self.show_error(exc, None)
                return
            self.connect(settings)
            self.notify(f"Switched to profile {name}")

        choices = [
            (
                name,
                f"{name}  {p.address or '(address from env)'}"
                f"  namespace {p.namespace.strip('/') if p.namespace else 'root (or from env)'}"
                + ("  read-only" if p.read_only else ""),
            )
            for name, p in sorted(profiles.items())
        ]
        self.push_screen(ChoiceScreen("Switch profile", choices), chosen)

    # -- help and palette ------------------------------------------------------------------

    def binding_owners(self) -> list[tuple[DOMNode | str, list[Binding]]]:
        """Every node with bindings the user can use, and its bindings.

        A panel of a tab not visited yet is not mounted: its bindings are listed under the
        tab's name.
        """
        owners: list[tuple[DOMNode | str, list[Binding]]] = [(self, _bindings(self.BINDINGS))]
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                owners.append((screen, _bindings(screen.BINDINGS)))
                for tab in LAZY_TABS:
                    owner = screen.mounted_panel(tab) or tab
                    owners.append((owner, _bindings(panel_class(tab).BINDINGS)))
        if self.settings.read_only:
            owners = [
                (node, [b for b in bindings if b.action not in WRITE_ACTIONS])
                for node, bindings in owners
            ]
        return owners

    def action_help(self) -> None:
        """Every key: first those of where the focus is (its widget, then its containers,
        then the screen: Enter, Esc, Tab and ctrl+s as they work there); then every other
        binding, by where it works. Rows are (key, action, where): no internal ids."""
        screen = self.screen
        focused = screen.focused
        chain: list[DOMNode] = [*focused.ancestors_with_self] if focused is not None else []
        here: list[tuple[int, str, str, str]] = []
        seen: set[tuple[str, str]] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or (binding.key, binding.action) in seen:
                continue
            if self.settings.read_only and binding.action in WRITE_ACTIONS:
                continue
            seen.add((binding.key, binding.action))
            depth = chain.index(active.node) if active.node in chain else len(chain)
            where = "here" if active.node is not self else "everywhere"
            described = binding.description + _disabled(active.node, binding.action)
            here.append((depth, self.get_key_display(binding), described, where))
        rows = [row[1:] for row in sorted(here, key=lambda row: row[0])]
        listed_owners = [*chain, self]  # their bindings are in the rows above already
        for owner, bindings in self.binding_owners():
            where = _where(owner)
            for binding in bindings:
                if (binding.key, binding.action) in seen and owner in listed_owners:
                    continue
                rows.append(
                    (
                        binding.key_display or self.get_key_display(binding),
                        binding.description + _disabled(owner, binding.action),
                        where,
                    )
                )
        self.push_screen(HelpScreen(rows))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's "Screenshot" writes the screen, revealed values included, to an SVG
        # file in plain text: not offered here (action_screenshot refuses it too).
        yield from (c for c in super().get_system_commands(screen) if c.title != "Screenshot")
        read_only = " (read-only: preview only)" if self.settings.read_only else ""
        yield SystemCommand(
            "Set up AI secrets…",
            "Guided setup: Vault target, AWS, components, preview, apply" + read_only,
            self.open_wizard,
        )
        yield SystemCommand(
            "Switch namespace…",
            "A namespace under this one, a parent, the token's own, or a typed path",
            self.action_switch_namespace,
        )
        yield SystemCommand(
            "Move to another node…",
            "Use another node of this cluster (a server-named one only once you confirm it)",
            self.action_move_node,
        )
        yield SystemCommand(
            "Log in…",
            "Log in with a token, userpass, AppRole, OIDC or AWS IAM",
            self.action_log_in,
        )
        yield SystemCommand(
            "Preview stack…",
            "Open the wizard on a saved stack's answers and preview it" + read_only,
            partial(self.open_wizard, preview=True),
        )
        yield SystemCommand(
            "Destroy stack…",
            "Preview the destroy of a stack, then destroy it" + read_only,
            self.open_destroy,
        )
        for owner, bindings in self.binding_owners():
            for binding in bindings:
                run = (
                    partial(self._run_on_tab, owner, binding.action)
                    if isinstance(owner, str)
                    else partial(self.run_action, binding.action, owner)
                )
                # The palette reads help as markup, and a reason names a server's path.
                reason = escape_markup(escape_controls(_disabled(owner, binding.action)))
                yield SystemCommand(
                    binding.description, f"key: {self.get_key_display(binding)}{reason}", run
                )

    def open_wizard(self, preview: bool = False, stack: str | None = None) -> None:
        from vault_console.screens.wizard.screen import WizardScreen

        def closed(_: object) -> None:
            # W opens the stack last set up: the one whose answers the wizard loaded (a name
            # typed but refused at the target step is not one).
            self.setup_stack = wizard.loaded_stack

        wizard = WizardScreen(stack or self.setup_stack or "dev")
        self.push_screen(wizard, closed)
        if preview:
            self.notify("Check the target and the answers, type the secret values, then Next")

    def on_open_wizard(self, message: OpenWizard) -> None:
        self.open_wizard(stack=message.stack)

    def open_destroy(self) -> None:
        from vault_console.screens.wizard.destroy import DestroyScreen

        self.push_screen(DestroyScreen(self.setup_stack or "dev"))

    def on_server_changed(self, message: ServerChanged) -> None:
        """An apply or a destroy: the mounts it made or deleted are listed at once."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.load_mounts()

    def on_open_secret(self, message: OpenSecret) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.jump_to(message.path)

    async def _run_on_tab(self, tab: str, action: str) -> None:
        """Open a lazy tab, then run one of its panel's actions."""
        screen = next(s for s in self.screen_stack if isinstance(s, MainScreen))
        await screen.action_show_tab(tab)
        await self.run_action(action, await screen.open_panel(tab))

    # -- keeping secrets out of output --------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification, as plain text whatever the caller asked for.

        Messages name paths and keys that come from the server, and markup in them would be
        parsed: ``[/]`` crashes the app, ``[@click=app.quit]`` makes the toast a button.
        Every screen's and widget's ``notify`` ends here (Textual's ``Widget.notify`` passes
        ``markup=True`` explicitly), so ``markup`` is ignored: no notification is markup.
        """
        message, title = plain_str(message, DETAIL_LIMIT), plain_str(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """Ctrl+C: Textual's hint is markup; this one is plain. The wizard cancels a run
        with it instead (WizardScreen binds ctrl+c)."""
        keys = [
            key
            for key, active in self.active_bindings.items()
            if active.binding.action in ("quit", "app.quit")
        ]
        self.notify(
            f"Press {keys[0] if keys else 'ctrl+q'} to quit the app", title="Do you want to quit?"
        )

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify(
            "Screenshots are off in the console: they would write revealed values to a file.",
            severity="warning",
        )

    def copy_to_clipboard(self, text: str) -> None:
        """Send ``text`` to the terminal's clipboard (OSC 52) and keep no copy in the app.
        Whatever was copied last is what a pending clear would clear: a newer copy
        cancels it."""
        super().copy_to_clipboard(text)
        textual_private.forget_clipboard(self)
        self._clipboard_clear_at = None

    def copy_secret(self, text: str) -> None:
        """Copy a secret value; it is cleared from the clipboard after the profile's
        ``clipboard_clear`` seconds (an empty OSC 52 write), unless something else was
        copied since. The status bar counts down."""
        self.copy_to_clipboard(text)
        if self.settings.clipboard_clear > 0:
            self._clipboard_clear_at = time.monotonic() + self.settings.clipboard_clear
            self._tick()

    def _clear_clipboard_when_due(self) -> float | None:
        """Seconds left before the copied value is cleared (None: nothing pending)."""
        due = self._clipboard_clear_at
        if due is None:
            return None
        left = due - time.monotonic()
        if left <= 0:
            super().copy_to_clipboard("")  # OSC 52 with nothing: the terminal's copy goes
            textual_private.forget_clipboard(self)
            self._clipboard_clear_at = None
            self.notify("The copied value was cleared from the clipboard")
            return None
        return left

    def _fatal_error(self) -> None:
        """Textual's crash report shows local variables, which can hold secrets; ours does
        not, and it ends with where the full report was written (never a silent exit)."""
        from rich.console import Group
        from rich.traceback import Traceback

        from vault_console import crash

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        error = textual_private.fatal_exception(self)
        said = crash.summary(error, crash.write_report(error, self.env)) if error else ""
        # Textual prints only the first exit renderable: one group holds both.
        textual_private.print_on_exit(
            self,
            Group(
                Segments(self.console.render(traceback, self.console.options)),
                Text(said, style="bold red"),
            ),
        )
        textual_private.close_now(self)

    def on_unmount(self) -> None:
        self._close_gateway()


def _where(owner: DOMNode | str) -> str:
    """Where a binding works, in the words of the screen: a tab's name, or the app."""
    if isinstance(owner, str):
        return f"{owner.title()} tab"
    if isinstance(owner, App):
        return "everywhere"
    if isinstance(owner, MainScreen):
        return "main screen"
    tab = next((t for t in LAZY_TABS if isinstance(owner, panel_class(t))), None)
    return f"{tab.title()} tab" if tab else type(owner).__name__


SERVER_STATE_KINDS = frozenset(
    {
        ErrorKind.SEALED,
        ErrorKind.REDIRECT,
        ErrorKind.NO_LEADER,
        ErrorKind.UNREACHABLE,
        ErrorKind.TIMEOUT,
        ErrorKind.BAD_TOKEN,
    }
)
"""Failures that say something about the server's state: the status bar is read again."""


def _disabled(owner: DOMNode | str, action: str) -> str:
    """`` (disabled: this token lacks update on …)`` for an action the token may not take
    (on the open secret, or in a panel that checked its own: the audit tab's ``H``); ''
    otherwise. A panel not mounted yet has checked nothing."""
    denied_reason = getattr(owner, "denied_reason", None)
    reason = denied_reason(action) if callable(denied_reason) else ""
    return f" (disabled: {reason})" if reason else ""


def _bindings(bindings: Iterable[BindingType]) -> list[Binding]:
    return [b for b in bindings if isinstance(b, Binding) and b.description]


def make_app(settings: Settings, **kwargs: Any) -> VaultConsoleApp:
    """The one factory the CLI, the tests and the screenshot script use."""
    return VaultConsoleApp(settings, **kwargs)
