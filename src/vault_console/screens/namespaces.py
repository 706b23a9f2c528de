"""Switch the session's namespace without restarting (issue 26): the namespaces under the
current one (``LIST sys/namespaces``), its parents up to root, the token's own namespace,
or a typed path. Returns the chosen namespace ('' for root), None when cancelled; the app
switches (``VaultConsoleApp.switch_namespace``).

Namespace names are server data: shown plain, escaped, never as markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from vault_console.config import ConfigError, check_namespace
from vault_console.errors import describe
from vault_console.host import host_of
from vault_console.text import DETAIL_LIMIT, counted, namespace_name, plain
from vault_console.widgets.footer import Footer


def parents(namespace: str) -> list[str]:
    """``team-a/prod`` -> ``["team-a", ""]``: every namespace above it, nearest first."""
    parts = namespace.split("/") if namespace else []
    return ["/".join(parts[:n]) for n in range(len(parts) - 1, -1, -1)]


class NamespaceScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="modal.cancel")]

    def __init__(self, current: str, token_namespace: str | None = None) -> None:
        super().__init__()
        self.current = current
        self.token_namespace = token_namespace
        self.choices: list[str] = []
        """The namespace of each option, by its index (option ids are indexes: a server's
        names are data, not identifiers)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                plain(f"Namespace: {namespace_name(self.current)} · switch to"),
                classes="dialog-title",
            )
            yield Static("Listing the namespaces under it…", id="ns-state")
            yield OptionList(id="ns-list")
            yield Input(
                placeholder="or type a namespace path from root (team-a/prod)", id="ns-path"
            )
            yield Label("", id="ns-error", classes="field-error")
        yield Footer()

    def on_mount(self) -> None:
        first = []
        if self.token_namespace is not None and self.token_namespace != self.current:
            first.append((self.token_namespace, "the token's own namespace"))
        self._add([*first, *((p, "parent") for p in parents(self.current))])
        options = self.query_one("#ns-list", OptionList)
        if options.option_count:
            options.highlighted = 0  # Enter takes the first; Down moves from it
        vc = host_of(self)
        vc.run_io(
            vc.gateway.child_namespaces,
            self._children,
            description="list namespaces",
            on_error=self._no_children,
        )
        options.focus()

    def _add(self, entries: list[tuple[str, str]]) -> None:
        options = self.query_one("#ns-list", OptionList)
        for namespace, why in entries:
            if namespace in self.choices:
                continue
            self.choices.append(namespace)
            options.add_option(
                Option(
                    plain(f"{namespace_name(namespace)}  ({why})"), id=str(len(self.choices) - 1)
                )
            )

    def _children(self, names: list[str]) -> None:
        below = [f"{self.current}/{n}" if self.current else n for n in names]
        self._add([(n, "under this one") for n in below])
        self.query_one("#ns-state", Static).update(
            plain(f"{counted(len(names), 'namespace')} under {namespace_name(self.current)}")
        )

    def _no_children(self, error: BaseException) -> bool:
        problem = describe(error)
        self.query_one("#ns-state", Static).update(
            plain(
                f"Could not list the namespaces under {namespace_name(self.current)}: "
                f"{problem.title}. {problem.message} (a server without namespaces refuses "
                "sys/namespaces; a path can still be typed)",
                DETAIL_LIMIT,
            )
        )
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            namespace = check_namespace("namespace", event.value.strip())
        except ConfigError as exc:
            self.query_one("#ns-error", Label).update(plain(str(exc)))
            return
        self.dismiss(namespace)
