"""What screens and widgets may ask of the app, as a Protocol: they never import the app.

The app (``app.VaultConsoleApp``) is the one implementation. Attributes come down through
this; anything a screen wants the app to *do* beyond these travels up as a message
(``messages.py``). Kept beside ``messages.py``, below the screens and widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.worker import Worker

    from vault_console.config import Settings
    from vault_console.errors import ConsoleError
    from vault_console.vault.client import VaultGateway

T = TypeVar("T")


class ConsoleHost(Protocol):
    """The app as the screens and widgets see it."""

    settings: Settings
    env: dict[str, str] | None
    """The environment the console was started with (None: the process's)."""

    @property
    def gateway(self) -> VaultGateway: ...

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
        """The one way to run blocking work (see ``VaultConsoleApp.run_io``)."""
        ...

    def problem(self, error: BaseException) -> ConsoleError: ...

    def show_error(
        self,
        error: BaseException,
        retry: Callable[[], None] | None,
        quiet: bool = False,
        after: Callable[[], None] | None = None,
    ) -> None: ...

    def update_status_bar(self) -> None: ...

    def refresh_status(self) -> None: ...

    def action_help_quit(self) -> None: ...

    def copy_secret(self, text: str) -> None:
        """Copy a secret value; cleared from the clipboard after a while (see the app)."""
        ...


def host_of(node: DOMNode) -> ConsoleHost:
    """The app ``node`` runs in, typed as what it offers the UI."""
    return cast(ConsoleHost, node.app)


def console_env(node: DOMNode) -> dict[str, str]:
    """A copy of the console's environment (the process's when the app was given none)."""
    import os

    env: Any = getattr(node.app, "env", None)
    return dict(os.environ if env is None else env)
