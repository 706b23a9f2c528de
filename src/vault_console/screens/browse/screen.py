"""The main screen: the Mounts, Secrets, Audit and Review tabs, and moving between them.

The secret actions it inherits are in ``values.py`` (those that read) and ``actions.py``
(those that write); its keys are in ``keys.py``; the mounts table, the tree and the filter
are widgets that post what the operator chose (``widgets/``). All IO goes through
the app's ``run_io`` in thread workers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, TabbedContent, TabPane
from textual.widgets.tree import TreeNode

from vault_console.errors import ErrorKind, describe, is_forbidden, kind_of, no_token_error
from vault_console.messages import LoginWanted, OpenWizard, ShowAuditQuery
from vault_console.screens.browse.actions import SecretActions
from vault_console.screens.browse.keys import (
    BINDINGS,
    SECRETS_TAB_ACTIONS,
    VALUE_ACTIONS,
    WRITE_ACTIONS,
)
from vault_console.screens.browse.tabs import LAZY_TABS, panel_class
from vault_console.text import DETAIL_LIMIT, PathIndex, plain
from vault_console.vault.model import MountInfo, ShownSecret
from vault_console.vault.opened import read_secret
from vault_console.widgets.footer import Footer
from vault_console.widgets.mounts_table import MountsTable
from vault_console.widgets.path_filter import PathFilter
from vault_console.widgets.secret_panel import SecretPanel
from vault_console.widgets.secret_tree import SecretTree, TreeEntry
from vault_console.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from vault_console.screens.browse.tabs import Panel


class MainScreen(SecretActions):
    """Mounts and secrets, the audit log and the review; the secret keys' actions are
    ``SecretActions``'."""

    BINDINGS = BINDINGS

    AUTO_FOCUS = "#mounts-table"
    """Focused as the screen starts (focusing it in on_mount restyled it and the tabs twice)."""

    def __init__(self) -> None:
        super().__init__()
        self.mounts: list[MountInfo] = []
        self.loaded_paths = PathIndex()
        """Every secret path seen so far (listed, opened, indexed): what ``/`` filters."""
        self._panels: dict[str, tuple[Panel, asyncio.Future[None]]] = {}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The transport refuses writes in read-only mode anyway; this keeps them off screen.
        if self.vc.settings.read_only and action in WRITE_ACTIONS:
            return False
        if action in SECRETS_TAB_ACTIONS and self.is_mounted:
            active = self.query_one("#tabs", TabbedContent).active
            if not (active == "secrets" and self._tab_ready("secrets")):
                return False
            if self.denied_reason(action):
                return None  # shown, disabled: the token may not (the key says why)
        return True

    def denied_reason(self, action: str) -> str:
        """Why the token may not take ``action`` on the open secret ('' if it may)."""
        if self.vc.settings.no_values and action in VALUE_ACTIONS:
            return "values are off in this session (--no-values)"
        panel = self.mounted_panel("secrets")
        shown = panel.shown if isinstance(panel, SecretPanel) else None
        return shown.denied.get(action, "") if shown is not None else ""

    def _tab_ready(self, tab: str) -> bool:
        """Whether a lazy tab's widgets are mounted (they are not before its first visit)."""
        return self.mounted_panel(tab) is not None

    def mounted_panel(self, tab: str) -> Panel | None:
        """A lazy tab's panel once its widgets are mounted, else None."""
        panel, mounted = self._panels.get(tab, (None, None))
        return panel if mounted is not None and mounted.done() else None

    @on(TabbedContent.TabActivated, "#tabs")
    async def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        if event.pane.id in LAZY_TABS:  # also when the tab is clicked
            await self.open_panel(event.pane.id)

    async def open_panel(self, tab: str) -> Panel:
        """The panel of a lazy tab; the tab's widgets are mounted (and load) on the first call."""
        if tab not in self._panels:
            new = panel_class(tab)(id=f"{tab}-panel")
            self._panels[tab] = (new, asyncio.ensure_future(self._mount_tab(tab, new)))
        panel, mounted = self._panels[tab]
        await mounted  # every caller waits for the same mount
        return panel

    async def _mount_tab(self, tab: str, panel: Panel) -> None:
        pane = self.query_one(f"#{tab}", TabPane)
        if tab != "secrets":
            await pane.mount(panel)
            return
        if isinstance(panel, SecretPanel):
            panel.no_values = self.vc.settings.no_values
        path_filter = PathFilter(id="filter-box")
        path_filter.index = self.loaded_paths
        left = Vertical(path_filter, SecretTree(id="kv-tree"), id="left")
        await pane.mount(Horizontal(left, panel))
        self._fill_tree()
        self.refresh_bindings()  # the Secrets tab's keys are live now

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status-bar")
        yield Label("", id="tls-warning")
        with TabbedContent(initial="mounts", id="tabs"):
            with TabPane("Mounts", id="mounts"):
                yield Label("", id="mounts-state", classes="hint")
                yield MountsTable(id="mounts-table")
            yield TabPane("Secrets", id="secrets")
            yield TabPane("Audit", id="audit")
            yield TabPane("Review", id="review")
        yield Footer()

    def on_mount(self) -> None:
        self.vc.update_status_bar()  # the address shows before the server answers
        # After the first frame: the first request also loads the HTTP stack (about 0.1 s).
        self.call_after_refresh(self.load_mounts)

    # -- loading ---------------------------------------------------------------------

    def load_mounts(self, then: Callable[[], None] | None = None) -> None:
        """List the mounts; ``then`` runs once they are shown."""
        login = self.vc.settings.login
        if self.vc.settings.token is None and login is not None:
            self._mounts_state(f"Logging in with {login.method} at auth/{login.mount}…")
            return  # the app connects again once it has the token
        if self.vc.settings.token is None:
            # Without a token the server shows next to nothing: say how to provide one,
            # and offer the login screen.
            problem = no_token_error(self.vc.settings.token_source)
            self._mounts_state(f"✖ {problem.title}. {problem.message}")
            self.vc.refresh_status()
            self.post_message(LoginWanted(problem.message))
            return
        self._mounts_state(f"Listing the mounts of {self.vc.settings.address}…")

        def failed(error: BaseException) -> bool:
            problem = describe(error)
            # The view says why it is empty, and the status line gets the server's state.
            self._mounts_state(f"✖ No mounts listed: {problem.title}. {problem.message}")
            self.vc.refresh_status()
            if kind_of(error) is ErrorKind.BAD_TOKEN:  # not its policies: the token
                self.post_message(LoginWanted(problem.message))
                return True
            return False  # shown in a dialog too

        def show(mounts: list[MountInfo]) -> None:
            self._show_mounts(mounts)
            if then is not None:
                then()

        self.vc.run_io(
            lambda: self.vc.gateway.mounts(),
            show,
            description="list mounts",
            on_error=failed,
            key="mounts",
        )

    def _explain_unavailable_key(self, event: events.Key) -> None:
        """A key of this screen that cannot act right now says why instead of doing nothing.

        Only when nothing else would take the key: a binding of the focused widget or of a
        panel comes first, and so does any input being typed into.
        """
        active = self.active_bindings.get(event.key)
        if (active is not None and active.enabled) or isinstance(self.focused, Input):
            return
        binding = next(
            (b for b in self.BINDINGS if isinstance(b, Binding) and b.key == event.key), None
        )
        if binding is None or self.check_action(binding.action, ()):
            return
        if self.vc.settings.read_only and binding.action in WRITE_ACTIONS:
            why = f"Read-only mode: {binding.description} would change the server"
        elif reason := self.denied_reason(binding.action):
            why = f"{binding.description}: {reason}"
        else:
            why = f"{binding.description} works on the Secrets tab (press 2)"
        self.notify(why, severity="warning", timeout=4)
        event.stop()

    def _mounts_state(self, text: str) -> None:
        state = self.query_one("#mounts-state", Label)
        state.update(plain(text, DETAIL_LIMIT, multiline=True))
        state.display = bool(text)

    def forget_server(self) -> None:
        """A switch of server: nothing of the previous one stays on screen."""
        self.mounts = []
        self.query_one(MountsTable).forget()
        self._fill_tree()
        for panel in self.query(SecretPanel):
            panel.shown = None
        self.loaded_paths = PathIndex()
        for path_filter in self.query(PathFilter):
            path_filter.index = self.loaded_paths

    def _show_mounts(self, mounts: list[MountInfo]) -> None:
        self._mounts_state("")
        self.mounts = mounts
        self.query_one(MountsTable).show(mounts)
        self._fill_tree()
        self.vc.refresh_status()
        # KV actions build their store on the UI thread: load hvac for them in a worker first,
        # once this frame is out.
        self.call_after_refresh(
            self.vc.run_io,
            lambda: self.vc.gateway.load_kv_support(),
            lambda _: None,
            description="load the KV layer",
            quiet=True,
        )

    def _fill_tree(self) -> None:
        """The KV mounts as the tree's top level, once the Secrets tab is mounted."""
        for tree in self.query(SecretTree):
            tree.fill(self.mounts)

    @on(SecretTree.FolderWanted)
    def _folder_wanted(self, event: SecretTree.FolderWanted) -> None:
        self._load_folder(event.node)

    def _load_folder(self, node: TreeNode[TreeEntry]) -> None:
        entry = node.data
        assert entry is not None
        tree = self.query_one(SecretTree)
        kv = self.vc.gateway.kv(entry.mount)

        def show(names: list[str]) -> None:
            for path in tree.show_folder(node, names):
                self.loaded_paths.add(path)

        def denied(exc: BaseException) -> bool:
            if not is_forbidden(exc):
                return False
            tree.refuse_folder(node)
            return True

        self.vc.run_io(
            lambda: kv.list_folder(entry.path),
            show,
            description=f"list {entry.mount.path}{entry.path}",
            on_error=denied,
        )

    @on(SecretTree.SecretChosen)
    def _secret_chosen(self, event: SecretTree.SecretChosen) -> None:
        self.open_secret(event.mount, event.path)

    @on(MountsTable.Chosen)
    async def _mount_chosen(self, event: MountsTable.Chosen) -> None:
        mount = event.mount
        if mount.kv_version is None:
            self.notify(f"{mount.path} is not a KV mount; only KV secrets can be browsed here")
            return
        await self.action_show_tab("secrets")
        self.query_one(SecretTree).focus_mount(mount.path)

    def open_secret(self, mount: MountInfo, path: str, version: int | None = None) -> None:
        kv = self.vc.gateway.kv(mount)
        self.loaded_paths.add(f"{mount.path}{path}")

        def show(shown: ShownSecret) -> None:
            panel = self.query_one(SecretPanel)
            panel.shown = shown
            self.refresh_bindings()  # what this token may not do here shows disabled
            self.query_one("#secret-values", DataTable).focus()

        capabilities = self.vc.gateway.capabilities_self
        self.vc.run_io(
            lambda: read_secret(kv, path, version, capabilities),
            show,
            description=f"read {mount.path}{path}",
            key="secret",
        )

    async def go_to_secret(self, mount: MountInfo, path: str) -> None:
        """Open a secret reached by its path (``o``, the wizard's ``g``) on the Secrets tab,
        and show it in the tree too, so the operator sees where it lives."""
        path = path.rstrip("/")
        await self.action_show_tab("secrets")
        self.open_secret(mount, path)
        self.show_in_tree(mount, path)

    def mount_for(self, full_path: str) -> tuple[MountInfo, str] | None:
        """The KV mount a full path lives in (longest match) and the rest of the path."""
        candidates = [
            m for m in self.mounts if m.kv_version is not None and full_path.startswith(m.path)
        ]
        if not candidates:
            return None
        mount = max(candidates, key=lambda m: len(m.path))
        return mount, full_path[len(mount.path) :]

    # -- navigation actions -----------------------------------------------------------

    async def action_show_tab(self, tab: str) -> None:
        """Switch tabs and focus the tab's main widget."""
        self.query_one("#tabs", TabbedContent).active = tab
        if tab != "secrets":
            self._hide_values()  # leaving the secret hides its values again
        if tab == "mounts":
            self.query_one("#mounts-table", DataTable).focus()
            return
        panel = await self.open_panel(tab)
        if isinstance(panel, SecretPanel):
            self.query_one(SecretTree).focus()
        else:
            panel.focus_main()

    def _hide_values(self) -> None:
        self.drop_values()  # hidden, and a version opened by its keys forgets its values

    async def forget_panels(self) -> None:
        """After a switch of server: the Audit and Review panels load again, from the new one.

        A panel whose tab is showing is mounted again at once; the others on their next visit.
        """
        tabs = [tab for tab in self._panels if tab != "secrets"]
        panels = [self._panels.pop(tab)[0] for tab in tabs]
        await asyncio.gather(*(panel.remove() for panel in panels))
        active = self.query_one("#tabs", TabbedContent).active
        if active in tabs:
            await self.action_show_tab(active)

    def action_setup_wizard(self) -> None:
        # The app opens it: on the stack of `setup --stack`, or the one last set up.
        self.post_message(OpenWizard())

    async def on_show_audit_query(self, message: ShowAuditQuery) -> None:
        """A secret's access history: the Audit tab, its query line showing the query that
        ran (so Enter on it gives the same rows again), the focus in it."""
        from vault_console.audit.query import to_text
        from vault_console.audit.reader import Query
        from vault_console.widgets.audit_panel import AuditPanel

        message.stop()
        # In the session's namespace, said on the line: the same path in another
        # namespace is another secret.
        query = Query(paths=message.paths, namespace=self.vc.settings.namespace_path)
        await self.action_show_tab("audit")
        panel = await self.open_panel("audit")
        assert isinstance(panel, AuditPanel)
        panel.show_query(query, to_text(query))

    def jump_to(self, full_path: str) -> None:
        """Reload the mounts (a stack may have made one), then open ``full_path``."""

        async def loaded(mounts: list[MountInfo]) -> None:
            self._show_mounts(mounts)
            found = self.mount_for(full_path + "/")
            if found is None:
                self.notify(
                    f"{full_path} is not in a KV mount this token can see", severity="warning"
                )
                return
            await self.go_to_secret(*found)

        def done(mounts: list[MountInfo]) -> None:
            self.call_later(loaded, mounts)

        # No key: this answer carries the operator's "open this path", which a newer
        # listing must not drop.
        self.vc.run_io(lambda: self.vc.gateway.mounts(), done, description="list mounts")

    def action_reload(self) -> None:
        """Everything from the server again; the tree keeps its expanded folders and cursor,
        and the open secret opens again (at the version shown)."""
        for tree in self.query(SecretTree):
            tree.expand_again = tree.expanded_keys()
            tree.cursor_again = tree.cursor_key()
        shown = self.query_one(SecretPanel).shown if self._tab_ready("secrets") else None
        for panel in self.query(SecretPanel):
            panel.shown = None

        if shown is None:
            self.load_mounts()
            return
        was = shown

        def reopen() -> None:
            mount = next((m for m in self.mounts if m.path == f"{was.mount}/"), None)
            if mount is None:  # the mount is gone, or hidden from the token now
                return
            latest = was.metadata is None or was.metadata.current_version == was.secret.version
            # The latest stays the latest (it may be newer now); an older one stays open.
            self.open_secret(mount, was.secret.path, None if latest else was.secret.version)

        self.load_mounts(then=reopen)

    def show_in_tree(self, mount: MountInfo, path: str) -> None:
        """List again the mount's expanded folders and those down to ``path``, with the
        cursor on it: a secret just made shows in the tree at once."""
        node = self.query_one(SecretTree).reveal(mount, path)
        if node is None:
            return
        if node.is_expanded:
            self._load_folder(node)
        else:
            node.expand()  # posts FolderWanted

    async def action_filter(self) -> None:
        if self.query_one("#tabs", TabbedContent).active == "audit":
            self.query_one("#audit-query", Input).focus()
            return
        await self.action_show_tab("secrets")
        self.set_class(True, "-filtering")
        self.query_one(PathFilter).start()

    @on(PathFilter.Chosen)
    async def _filter_chosen(self, event: PathFilter.Chosen) -> None:
        found = self.mount_for(event.full_path)
        if found:
            await self.go_to_secret(*found)  # shown in the tree too, cursor on it

    def on_key(self, event: events.Key) -> None:
        # Runs before the bindings (the key bubbles up from the focused widget first).
        self._explain_unavailable_key(event)

    def key_escape(self) -> None:
        if self.has_class("-filtering"):
            self.set_class(False, "-filtering")
            self.query_one(SecretTree).focus()

    def selected_mount(self) -> MountInfo | None:
        """The mount at the tree's cursor, else the open secret's."""
        node = self.query_one(SecretTree).cursor_node
        if node is not None and node.data is not None:
            return node.data.mount
        shown = self.query_one(SecretPanel).shown
        if shown is not None:
            return next((m for m in self.mounts if m.path == shown.mount + "/"), None)
        return None

    def action_index_mount(self) -> None:
        mount = self.selected_mount()
        if mount is None:
            self.notify("Select a KV mount in the tree first", severity="warning")
            return
        kv = self.vc.gateway.kv(mount)

        def done(paths: list[str]) -> None:
            for path in paths:
                self.loaded_paths.add(mount.path + path)
            self.notify(f"Indexed {len(paths)} secrets in {mount.path}; press / to filter")

        self.vc.run_io(
            lambda: list(kv.walk()),
            done,
            description=f"index {mount.path}",
            key=f"index:{mount.path}",
        )
