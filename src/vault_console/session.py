"""Where the session points, and moving it (issues 25 and 26): to another node of the
cluster (a node a server named only once the user confirms it), and to another namespace
(a child, a parent, the token's own, a typed path, or the start of a path ``o`` was given).

A base of the app, kept apart so ``app.py`` reads in one sitting: the app connects,
reads the status and owns the gateway; this decides where to and asks the user.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.app import App

from vault_console.config import Settings
from vault_console.messages import ServerChanged, SwitchNamespace
from vault_console.screens.browse.screen import MainScreen
from vault_console.widgets.dialogs import ChoiceScreen, ConfirmScreen

if TYPE_CHECKING:
    from vault_console.vault.client import VaultGateway
    from vault_console.vault.model import TokenInfo


class SessionMoves(App[int]):
    settings: Settings
    token_info: TokenInfo | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.named_nodes: dict[str, str] = {}
        """Addresses a server named for its cluster's nodes, with where (the last status
        read, a redirect): offered by "Move to another node…", never used unasked."""
        self.confirmed_nodes: set[str] = set()
        """Server-named addresses the user confirmed this session: no second question."""
        self.nodes_refused = False
        """This token was refused sys/ha-status: the status refresh stops asking."""
        self._namespace_offered: set[tuple[str, str]] = set()
        """(token's namespace, session's) pairs already offered a switch."""

    # The app's (VaultConsoleApp):
    @property
    def gateway(self) -> VaultGateway:
        raise NotImplementedError

    def run_io(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def connect(self, settings: Settings) -> None:
        raise NotImplementedError

    def refresh_status(self) -> None:
        raise NotImplementedError

    def update_status_bar(self) -> None:
        raise NotImplementedError

    # -- nodes ----------------------------------------------------------------------------

    def action_move_node(self) -> None:
        """Move to another node of the cluster: the profile's addresses, or one a server
        named (``sys/ha-status``, ``sys/leader``, a redirect) once the user confirms that
        the token may go there: a hostile server could name an address that collects it."""
        from vault_console.vault.cluster import named_nodes

        def ask() -> dict[str, str]:
            try:
                return named_nodes(self.gateway)[0]
            except Exception:
                return {}  # the node does not answer: what it named before still counts

        self.run_io(ask, self._offer_nodes, description="the cluster's nodes", quiet=True)

    def _offer_nodes(self, named: dict[str, str]) -> None:
        self.named_nodes.update(named)
        here = self.gateway.adapter.base_uri
        offered = {a: "listed in the profile" for a in self.gateway.adapter.addresses}
        for address, source in self.named_nodes.items():
            offered.setdefault(address, f"named by the server ({source})")
        choices = [(a, f"{a}  ({why})") for a, why in offered.items() if a != here]
        if not choices:
            self.notify(
                f"No other node is known: {here} names none (no HA, or it never answered "
                "sys/ha-status), and the profile lists no other address.",
                title="Move to another node",
                severity="warning",
            )
            return

        def chosen(address: str | None) -> None:
            if not address:
                return
            if offered[address] == "listed in the profile" or address in self.confirmed_nodes:
                self._move_to(address)
                return
            detail = (
                f"{address} was {offered[address]}, not given by you or your profile. "
                "The console sends your token to every address it uses; a server that is "
                "not what it seems could name an address that collects tokens. Confirm only "
                f"if {address} is a node of your cluster. It is asked once per session."
            )

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.confirmed_nodes.add(address)
                    self._move_to(address)

            self.push_screen(ConfirmScreen(f"Send the token to {address}?", detail), confirmed)

        self.push_screen(ChoiceScreen(f"Move from {here} to:", choices), chosen)

    def _move_to(self, address: str) -> None:
        old = self.gateway.adapter.base_uri
        self.gateway.adapter.use_address(address)
        self.settings = replace(
            self.settings,
            address=address,
            addresses=tuple(a for a in self.gateway.adapter.addresses if a != address),
            first_address=self.settings.first_address or old,
        )
        self.update_status_bar()
        self.refresh_status()
        self.notify(f"Now using {address} (was {old})", title="Moved to another node")
        self.post_message(ServerChanged(f"moved to {address}"))

    # -- namespaces -----------------------------------------------------------------------

    def _check_token_namespace(self) -> None:
        """A token used outside its namespace sees next to nothing (an empty mounts list,
        "not allowed"): say where it belongs and offer to switch there, once per pair."""
        here = self.settings.namespace_path
        home = self.token_info.namespace if self.token_info else None
        if home is None or here == home or here.startswith(f"{home}/") or home == "":
            return  # its own namespace, or one under it (a parent's token reaches down)
        if (home, here) in self._namespace_offered:
            return
        self._namespace_offered.add((home, here))

        def answered(yes: bool | None) -> None:
            if yes:
                self.switch_namespace(home)

        self.push_screen(
            ConfirmScreen(
                f"Switch to namespace {home}?",
                f"This token belongs to namespace {home}; this session is in "
                f"{here or 'root'}, where it sees only what a policy there grants it "
                "(often nothing: an empty mounts list). Switch the session to "
                f"{home}? (ctrl+p, Switch namespace, does it later too.)",
            ),
            answered,
        )

    def action_switch_namespace(self) -> None:
        from vault_console.screens.namespaces import NamespaceScreen

        here = self.settings.namespace_path
        token_home = self.token_info.namespace if self.token_info else None

        def chosen(namespace: str | None) -> None:
            if namespace is not None and namespace != here:
                self.switch_namespace(namespace)

        self.push_screen(NamespaceScreen(here, token_home), chosen)

    def switch_namespace(self, namespace: str) -> None:
        """Use ``namespace`` ('' root) from now on, as a switch of server: nothing of the
        last one stays open (the same path there is another tenant's secret)."""
        self.connect(replace(self.settings, namespace=namespace or None))
        self.notify(f"Namespace: {namespace or 'root'}", title="Switched namespace")

    def on_switch_namespace(self, message: SwitchNamespace) -> None:
        """``o`` with a namespace-prefixed path: move there, then open the rest."""
        self.switch_namespace(message.target)
        if message.then_open:
            for screen in self.screen_stack:
                if isinstance(screen, MainScreen):
                    screen.jump_to(message.then_open)
