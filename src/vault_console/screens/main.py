"""The browser: mounts, the lazily loaded KV tree, the path filter and the secret panel."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Input,
    Label,
    OptionList,
    TabbedContent,
    TabPane,
    Tree,
)
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from vault_console.errors import (
    CasConflict,
    ChangedSinceOpened,
    describe,
    is_forbidden,
    no_token_error,
)
from vault_console.host import ConsoleHost, host_of
from vault_console.messages import OpenWizard
from vault_console.screens.edit import FormResult, FormScreen, JsonScreen, KeyValueForm
from vault_console.text import DETAIL_LIMIT, PathIndex, check_secret_path, format_ttl, plain
from vault_console.vault.model import (
    MountInfo,
    SecretVersion,
    diff_versions,
)
from vault_console.widgets.dialogs import (
    ChoiceScreen,
    ConfirmScreen,
    ConflictScreen,
    DiffScreen,
    PromptScreen,
)
from vault_console.widgets.fitted_table import Column, FittedTable
from vault_console.widgets.footer import Footer
from vault_console.widgets.secret_panel import SecretPanel, ShownSecret
from vault_console.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from vault_console.vault.kv import KvStore
    from vault_console.widgets.audit_panel import AuditPanel
    from vault_console.widgets.review_panel import ReviewPanel

    Panel = SecretPanel | AuditPanel | ReviewPanel

WRITE_ACTIONS = frozenset(
    {"edit", "new_secret", "edit_metadata", "delete", "undelete", "destroy", "renew_token"}
)
"""Actions that change the server; read-only mode hides and disables them."""

TABS = Binding.Group("Tabs", compact=True)

MOUNT_COLUMNS = (
    Column("Path", 100, min_width=12, elide="middle"),
    Column("Type", 90, min_width=6),
    Column("Description", 80, min_width=20, max_width=48, flex=True),
    Column("Kind", 70, min_width=7),
    Column("Options", 60, min_width=9),
    Column("Plugin version", 30, min_width=8),
    Column("Accessor", 20, min_width=8),
)
"""The mounts table's columns, most telling first; at 80 columns the last ones give way."""

SECRETS_TAB_ACTIONS = WRITE_ACTIONS - {"renew_token"} | {
    "reveal_value",
    "reveal_all",
    "hide_values",
    "copy_value",
    "older",
    "newer",
    "compare",
    "access_history",
    "index_mount",
    "json_view",
    "copy_path",
    "copy_command",
}
"""Actions about the secret tree and panel: live only on the Secrets tab."""


def kv_get_command(shown: ShownSecret) -> str:
    """``vault kv get -mount=MOUNT PATH`` for the shown secret, shell-quoted; an older
    version adds ``-version=N``. Works with ``bao kv get`` too."""
    parts = ["vault", "kv", "get", f"-mount={shown.mount}"]
    latest = shown.metadata.current_version if shown.metadata else None
    if shown.kv_version == 2 and shown.secret.version and shown.secret.version != latest:
        parts.append(f"-version={shown.secret.version}")
    parts.append(shown.secret.path)
    return shlex.join(parts)


LAZY_TABS = ("secrets", "audit", "review")
"""Tabs whose widgets are mounted on the first visit (key, click or palette), not at start-up.

They were 48 of the screen's 78 widgets, and composing and styling them delayed the first
frame of the mounts view (see bench/startup.py); the Audit and Review tabs' modules (the
audit reader, the policy matcher, pygments for HCL) load then too.
"""

FILTER_LIMIT = 100
"""Most matches the filter lists at once; the count of all matches is shown."""


T = TypeVar("T")

TreeKey = tuple[str, str]
"""A tree node as (mount path, path in the mount): what survives a reload of the tree."""


@dataclass
class TreeEntry:
    """What a tree node stands for: a mount root, a folder or a secret."""

    mount: MountInfo
    path: str
    """Relative to the mount; '' for the mount itself, folders end with '/'."""
    folder: bool
    loaded: bool = False

    @property
    def key(self) -> TreeKey:
        return (self.mount.path, self.path)


def _put_cursor(node: TreeNode[TreeEntry]) -> None:
    """The tree's cursor on ``node``, which may have been added since the tree last laid out
    its lines: a node's line is only set by that lay-out, which the tree does lazily (on idle
    or render), so ask for a line first; that lays them out."""
    node.tree.get_node_at_line(0)
    node.tree.move_cursor(node)


def panel_class(tab: str) -> type[SecretPanel | AuditPanel | ReviewPanel]:
    """The panel class of a lazy tab (the one that has the tab's bindings)."""
    if tab == "secrets":
        return SecretPanel
    if tab == "audit":
        from vault_console.widgets.audit_panel import AuditPanel

        return AuditPanel
    if tab == "review":
        from vault_console.widgets.review_panel import ReviewPanel

        return ReviewPanel
    raise ValueError(f"{tab!r} is not a lazy tab")


def _read_secret(kv: KvStore, path: str, version: int | None) -> ShownSecret:
    secret = kv.read(path, version)
    metadata = None
    if kv.version == 2:
        try:
            metadata = kv.metadata(path)
        except Exception as exc:
            if not is_forbidden(exc):
                raise
            metadata = None  # a token may read data without reading metadata
    return ShownSecret(kv.mount, kv.version, secret, metadata)


def _no_data(shown: ShownSecret, action: str) -> str:
    """Why a version without data cannot be ``action`` (edited, shown...), and what can
    still be done with it."""
    version = shown.secret.version
    if shown.secret.destroyed:
        return (
            f"Version {version} is destroyed: its data is gone for good and it cannot be "
            f"{action}. [ and ] open the other versions; e on one of them makes a new "
            "latest version from it."
        )
    return (
        f"Version {version} is deleted (soft): it cannot be {action} as it is. u undeletes "
        "it, X destroys it for good; [ and ] open the other versions."
    )


class MainScreen(Screen[None]):
    """Mounts and secrets; all IO goes through ``app.run_io`` in thread workers."""

    BINDINGS = [
        # The footer fits 80 columns: the tabs as one compact "1234 Tabs", and the keys
        # that are not the first a user looks for (c, o, q, ...) only in help (?).
        Binding("1", "show_tab('mounts')", "Mounts", id="browse.mounts", group=TABS),
        Binding("2", "show_tab('secrets')", "Secrets", id="browse.secrets", group=TABS),
        Binding("3", "show_tab('audit')", "Audit", id="browse.audit", group=TABS),
        Binding("4", "show_tab('review')", "Review", id="browse.review", group=TABS),
        Binding("r", "reveal_value", "Reveal", id="secret.reveal"),
        Binding("R", "reveal_all", "Reveal all", show=False, id="secret.reveal-all"),
        Binding("h", "hide_values", "Hide", show=False, id="secret.hide"),
        Binding("c", "copy_value", "Copy value", show=False, id="secret.copy"),
        Binding("A", "access_history", "Access history", show=False, id="secret.access-history"),
        Binding("slash", "filter", "Filter", id="browse.filter"),
        Binding("o", "open_path", "Open path", show=False, id="browse.open-path"),
        Binding("i", "index_mount", "Index mount", show=False, id="browse.index-mount"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="browse.reload"),
        Binding("left_square_bracket", "older", "Older version", show=False, id="secret.older"),
        Binding("right_square_bracket", "newer", "Newer version", show=False, id="secret.newer"),
        Binding("D", "compare", "Compare versions", show=False, id="secret.compare"),
        Binding("e", "edit", "Edit", id="secret.edit"),
        Binding("n", "new_secret", "New", id="secret.new"),
        Binding("m", "edit_metadata", "Metadata", show=False, id="secret.edit-metadata"),
        Binding("J", "json_view", "JSON view", show=False, id="secret.json"),
        Binding("y", "copy_path", "Copy path", show=False, id="secret.copy-path"),
        Binding("Y", "copy_command", "Copy vault kv get", show=False, id="secret.copy-command"),
        Binding("d", "delete", "Delete version", show=False, id="secret.delete"),
        Binding("u", "undelete", "Undelete version", show=False, id="secret.undelete"),
        Binding("X", "destroy", "Destroy version", show=False, id="secret.destroy"),
        Binding("W", "setup_wizard", "Setup", id="setup.wizard"),
    ]

    AUTO_FOCUS = "#mounts-table"
    """Focused as the screen starts (focusing it in on_mount restyled it and the tabs twice)."""

    def __init__(self) -> None:
        super().__init__()
        self.mounts: list[MountInfo] = []
        self.loaded_paths = PathIndex()
        self._panels: dict[str, tuple[Panel, asyncio.Future[None]]] = {}
        # What the tree shows again as its folders load after a reload or a new secret:
        # the folders to expand (each once) and the node to put the cursor on.
        self._expand_again: set[TreeKey] = set()
        self._cursor_again: TreeKey | None = None

    @property
    def vc(self) -> ConsoleHost:
        return host_of(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The transport refuses writes in read-only mode anyway; this keeps them off screen.
        if self.vc.settings.read_only and action in WRITE_ACTIONS:
            return False
        if action in SECRETS_TAB_ACTIONS and self.is_mounted:
            active = self.query_one("#tabs", TabbedContent).active
            return active == "secrets" and self._tab_ready("secrets")
        return True

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
        tree: Tree[TreeEntry] = Tree("KV mounts", id="kv-tree")
        tree.show_root = False
        await pane.mount(
            Horizontal(
                Vertical(
                    Input(placeholder="filter loaded paths", id="filter"),
                    Label("", id="filter-count"),
                    OptionList(id="filter-results"),
                    tree,
                    id="left",
                ),
                panel,
            )
        )
        self._fill_tree()
        self.refresh_bindings()  # the Secrets tab's keys are live now

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status-bar")
        yield Label("", id="tls-warning")
        with TabbedContent(initial="mounts", id="tabs"):
            with TabPane("Mounts", id="mounts"):
                yield Label("", id="mounts-state", classes="hint")
                yield FittedTable(MOUNT_COLUMNS, cursor_type="row", id="mounts-table")
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
        if self.vc.settings.token is None:
            # Without a token the server shows next to nothing: say how to provide one.
            problem = no_token_error(self.vc.settings.token_source)
            self._mounts_state(f"✖ {problem.title}. {problem.message}")
            self.vc.refresh_status()
            self.vc.show_error(problem, None)
            return
        self._mounts_state(f"Listing the mounts of {self.vc.settings.address}…")

        def failed(error: BaseException) -> bool:
            problem = describe(error)
            # The view says why it is empty, and the status line gets the server's state.
            self._mounts_state(f"✖ No mounts listed: {problem.title}. {problem.message}")
            self.vc.refresh_status()
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
        if event.key in self.active_bindings or isinstance(self.focused, Input):
            return
        binding = next(
            (b for b in self.BINDINGS if isinstance(b, Binding) and b.key == event.key), None
        )
        if binding is None or self.check_action(binding.action, ()):
            return
        if self.vc.settings.read_only and binding.action in WRITE_ACTIONS:
            why = f"Read-only mode: {binding.description} would change the server"
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
        self.query_one("#mounts-table", FittedTable).clear_rows()
        self._fill_tree()
        for panel in self.query(SecretPanel):
            panel.shown = None
        self.loaded_paths = PathIndex()

    def _show_mounts(self, mounts: list[MountInfo]) -> None:
        self._mounts_state("")
        self.mounts = mounts
        rows = []
        for mount in mounts:
            options = [f"{k}={v}" for k, v in sorted(mount.options.items())]
            if mount.default_lease_ttl or mount.max_lease_ttl:
                options.append(
                    f"ttl={format_ttl(mount.default_lease_ttl)}/{format_ttl(mount.max_lease_ttl)}"
                )
            cells = [
                plain(mount.path),
                plain(mount.type),
                plain(mount.description),
                "auth" if mount.category == "auth" else "secrets",
                plain(" ".join(options)),
                plain(mount.plugin_version),
                plain(mount.accessor),
            ]
            rows.append((cells, f"{mount.category}:{mount.path}"))
        self.query_one("#mounts-table", FittedTable).set_rows(rows)
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
        trees = self.query("#kv-tree").results(Tree)
        for tree in trees:
            tree.clear()
            for mount in self.mounts:
                if mount.kv_version is not None:
                    label = plain(f"{mount.path} (kv v{mount.kv_version})")
                    self._restore(tree.root.add(label, data=TreeEntry(mount, "", folder=True)))

    def _restore(self, node: TreeNode[TreeEntry]) -> None:
        """A node just added: expand it or put the cursor on it if a reload asked for it."""
        entry = node.data
        assert entry is not None
        if entry.key in self._expand_again:
            self._expand_again.discard(entry.key)  # once: a later collapse stays collapsed
            node.expand()
        if entry.key == self._cursor_again:
            self._cursor_again = None
            self.call_after_refresh(_put_cursor, node)

    def _tree_state(self) -> set[TreeKey]:
        """The folders expanded in the tree now."""
        expanded: set[TreeKey] = set()
        for tree in self.query("#kv-tree").results(Tree):
            stack = list(tree.root.children)
            while stack:
                node = stack.pop()
                if node.is_expanded and node.data is not None:
                    expanded.add(node.data.key)
                    stack.extend(node.children)
        return expanded

    @staticmethod
    def _listed(tree: Tree[TreeEntry], key: TreeKey) -> TreeNode[TreeEntry] | None:
        """The node for ``key`` if the tree lists it (only expanded folders are searched)."""
        stack = list(tree.root.children)
        while stack:
            node = stack.pop()
            if node.data is not None and node.data.key == key:
                return node
            if node.is_expanded:
                stack.extend(node.children)
        return None

    def _cursor_key(self) -> TreeKey | None:
        for tree in self.query("#kv-tree").results(Tree):
            node = tree.cursor_node
            if node is not None and node.data is not None:
                return cast(TreeKey, node.data.key)
        return None

    @on(Tree.NodeExpanded, "#kv-tree")
    def _expand(self, event: Tree.NodeExpanded[TreeEntry]) -> None:
        entry = event.node.data
        if entry is None or not entry.folder or entry.loaded:
            return
        self._load_folder(event.node)

    def _load_folder(self, node: TreeNode[TreeEntry]) -> None:
        entry = node.data
        assert entry is not None
        kv = self.vc.gateway.kv(entry.mount)

        def show(names: list[str]) -> None:
            entry.loaded = True
            node.remove_children()
            for name in names:
                path = entry.path + name
                is_folder = name.endswith("/")
                if is_folder:
                    child = node.add(plain(name), data=TreeEntry(entry.mount, path, folder=True))
                else:
                    child = node.add_leaf(
                        plain(name), data=TreeEntry(entry.mount, path, folder=False)
                    )
                    self._remember(f"{entry.mount.path}{path}")
                self._restore(child)
            if not names:
                node.add_leaf("(empty)")

        def denied(exc: BaseException) -> bool:
            if not is_forbidden(exc):
                return False
            node.remove_children()
            node.add_leaf("(no list permission: press o to open a known path)")
            return True

        self.vc.run_io(
            lambda: kv.list_folder(entry.path),
            show,
            description=f"list {entry.mount.path}{entry.path}",
            on_error=denied,
        )

    def _remember(self, full_path: str) -> None:
        self.loaded_paths.add(full_path)

    @on(Tree.NodeSelected, "#kv-tree")
    def _select(self, event: Tree.NodeSelected[TreeEntry]) -> None:
        entry = event.node.data
        if entry is not None and not entry.folder:
            self.open_secret(entry.mount, entry.path)

    @on(DataTable.RowSelected, "#mounts-table")
    async def _mount_chosen(self, event: DataTable.RowSelected) -> None:
        key = str(event.row_key.value)
        category, path = key.split(":", 1)
        mount = next((m for m in self.mounts if m.path == path and m.category == category), None)
        if mount is None or mount.kv_version is None:
            self.notify(f"{path} is not a KV mount; only KV secrets can be browsed here")
            return
        await self.action_show_tab("secrets")
        tree = self.query_one("#kv-tree", Tree)
        for node in tree.root.children:
            if node.data is not None and node.data.mount.path == path:
                node.expand()
                tree.move_cursor(node)
                tree.focus()

    def open_secret(self, mount: MountInfo, path: str, version: int | None = None) -> None:
        kv = self.vc.gateway.kv(mount)
        self._remember(f"{mount.path}{path}")

        def show(shown: ShownSecret) -> None:
            panel = self.query_one(SecretPanel)
            panel.shown = shown
            self.query_one("#secret-values", DataTable).focus()

        self.vc.run_io(
            lambda: _read_secret(kv, path, version),
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

    def _show_screen(self, screen: Screen[Any]) -> None:
        self.app.push_screen(screen)

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
            self.query_one("#kv-tree", Tree).focus()
        else:
            panel.focus_main()

    def _hide_values(self) -> None:
        for panel in self.query(SecretPanel):
            panel.revealed = frozenset()

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
        self._expand_again = self._tree_state()
        self._cursor_again = self._cursor_key()
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
        tree = self.query_one("#kv-tree", Tree)
        listed = self._listed(tree, (mount.path, path))
        if listed is not None:  # shown in an open folder already: no need to ask the server
            self.call_after_refresh(_put_cursor, listed)
            return
        node = self._listed(tree, (mount.path, ""))
        if node is None or node.data is None:
            return
        parts = path.split("/")
        ancestors = {(mount.path, "/".join(parts[:i]) + "/") for i in range(1, len(parts))}
        self._expand_again = {k for k in self._tree_state() if k[0] == mount.path} | ancestors
        self._expand_again.discard(node.data.key)
        self._cursor_again = (mount.path, path)
        node.data.loaded = False
        if node.is_expanded:
            self._load_folder(node)
        else:
            node.expand()  # loads it (see _expand)

    async def action_filter(self) -> None:
        if self.query_one("#tabs", TabbedContent).active == "audit":
            self.query_one("#audit-query", Input).focus()
            return
        await self.action_show_tab("secrets")
        self.set_class(True, "-filtering")
        field = self.query_one("#filter", Input)
        field.focus()
        self._apply_filter(field.value)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    def _apply_filter(self, query: str) -> None:
        shown, total = self.loaded_paths.search(query, FILTER_LIMIT)
        results = self.query_one("#filter-results", OptionList)
        results.clear_options()
        results.add_options([Option(plain(path), id=path) for path in shown])
        results.highlighted = 0 if shown else None  # what Enter opens
        more = f" (first {len(shown)})" if total > len(shown) else ""
        self.query_one("#filter-count", Label).update(
            f"{total} of {len(self.loaded_paths)} loaded paths{more}"
        )

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        """Enter opens the highlighted match (the first, or the one up/down moved to)."""
        results = self.query_one("#filter-results", OptionList)
        if results.highlighted is None:
            self.notify("No loaded path matches the filter (i loads a whole mount)")
            return
        results.action_select()

    def on_key(self, event: events.Key) -> None:
        # Runs before the bindings (the key bubbles up from the focused widget first).
        self._explain_unavailable_key(event)
        # As in fzf or k9s: up/down move through the matches while typing goes on.
        field = self.query("#filter").results(Input)
        if event.key in ("up", "down") and any(f.has_focus for f in field):
            results = self.query_one("#filter-results", OptionList)
            if event.key == "down":
                results.action_cursor_down()
            else:
                results.action_cursor_up()
            event.stop()

    @on(OptionList.OptionSelected, "#filter-results")
    async def _filter_chosen(self, event: OptionList.OptionSelected) -> None:
        found = self.mount_for(str(event.option.id))
        if found:
            await self.go_to_secret(*found)  # shown in the tree too, cursor on it

    def key_escape(self) -> None:
        if self.has_class("-filtering"):
            self.set_class(False, "-filtering")
            self.query_one("#kv-tree", Tree).focus()

    def action_open_path(self) -> None:
        def check(text: str) -> str:
            text = text.strip().strip("/")
            found = self.mount_for(text + "/")
            if found is None:
                kv_mounts = ", ".join(m.path for m in self.mounts if m.kv_version) or "none"
                raise ValueError(f"path: no KV mount starts {text!r} (mounts: {kv_mounts})")
            check_secret_path("path", found[1].rstrip("/"))
            return text

        async def go(full_path: str | None) -> None:
            if full_path:
                found = self.mount_for(full_path + "/")
                assert found is not None
                await self.go_to_secret(*found)

        self.app.push_screen(
            PromptScreen(
                "Open a secret by path (mount/path/in/mount)",
                "for example ai-models/prod/openai",
                check=check,
            ),
            go,
        )

    def _selected_mount(self) -> MountInfo | None:
        shown = self.query_one(SecretPanel).shown
        tree: Tree[TreeEntry] = self.query_one("#kv-tree", Tree)
        node = tree.cursor_node
        if node is not None and node.data is not None:
            return node.data.mount
        if shown is not None:
            return next((m for m in self.mounts if m.path == shown.mount + "/"), None)
        return None

    def action_index_mount(self) -> None:
        mount = self._selected_mount()
        if mount is None:
            self.notify("Select a KV mount in the tree first", severity="warning")
            return
        kv = self.vc.gateway.kv(mount)

        def done(paths: list[str]) -> None:
            for path in paths:
                self._remember(mount.path + path)
            self.notify(f"Indexed {len(paths)} secrets in {mount.path}; press / to filter")

        self.vc.run_io(
            lambda: list(kv.walk()),
            done,
            description=f"index {mount.path}",
            key=f"index:{mount.path}",
        )

    # -- secret actions -----------------------------------------------------------------

    def _shown(self, need_v2: bool = False) -> ShownSecret | None:
        shown = self.query_one(SecretPanel).shown
        if shown is None:
            self.notify("Open a secret first", severity="warning")
            return None
        if need_v2 and shown.kv_version != 2:
            self.notify("KV v1 has no versions or metadata", severity="warning")
            return None
        return shown

    def _mount_of(self, shown: ShownSecret) -> MountInfo:
        return next(m for m in self.mounts if m.path == shown.mount + "/")

    def _reopen(self, shown: ShownSecret, version: int | None = None) -> None:
        self.open_secret(self._mount_of(shown), shown.secret.path, version)

    def _step_version(self, step: int) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.metadata is None or shown.secret.version is None:
            return
        numbers = [v.version for v in shown.metadata.versions]
        index = numbers.index(shown.secret.version) + step
        if 0 <= index < len(numbers):
            self._reopen(shown, numbers[index])
        else:
            edge = "oldest" if step < 0 else "newest"
            self.notify(f"Version {shown.secret.version} is the {edge} one kept", timeout=4)

    # -- values: r / R / h / c, from the tree or the value table alike ---------------------

    def _values(self) -> SecretPanel | None:
        """The panel, when the open secret has values to act on; else a notice says why."""
        shown = self._shown()
        if shown is None:
            return None
        if shown.secret.data is None:
            self.notify(_no_data(shown, "shown"), severity="warning")
            return None
        return self.query_one(SecretPanel)

    def action_reveal_value(self) -> None:
        panel = self._values()
        if panel is None:
            return
        if panel.selected_key() is None:
            self.notify("This version has no keys", severity="warning")
            return
        panel.action_reveal()

    def action_reveal_all(self) -> None:
        panel = self._values()
        if panel is not None:
            panel.action_reveal_all()

    def action_hide_values(self) -> None:
        panel = self._values()
        if panel is not None:
            panel.action_hide()

    def action_copy_value(self) -> None:
        panel = self._values()
        if panel is not None:
            panel.action_copy()

    async def action_access_history(self) -> None:
        """Open the audit log filtered to every API path of this secret, exactly.

        Exact, not a prefix: ``prod/openai`` must not match ``prod/openai-old``. The query
        line shows the query that ran, so Enter on it gives the same rows again.
        """
        from vault_console.audit.query import to_text
        from vault_console.audit.reader import Query
        from vault_console.vault.policies import kv2_secret_paths

        shown = self._shown()
        if shown is None:
            return
        if shown.kv_version == 2:
            paths = kv2_secret_paths(shown.mount, shown.secret.path)
        else:
            paths = (f"{shown.mount}/{shown.secret.path}",)
        query = Query(paths=paths)
        await self.action_show_tab("audit")
        panel = cast("AuditPanel", await self.open_panel("audit"))
        panel.audit_query = query
        line = panel.query_one("#audit-query", Input)
        line.value = to_text(query)
        # The view was opened to answer a query: the focus is in it, so what is typed next
        # refines the query instead of firing the table's keys.
        line.focus()
        line.cursor_position = len(line.value)
        panel.rescan()

    def action_older(self) -> None:
        self._step_version(-1)

    def action_newer(self) -> None:
        self._step_version(+1)

    def action_edit(self) -> None:
        self._open_editor("form")

    def action_copy_path(self) -> None:
        """Copy the open secret's path (mount and path), never a value."""
        shown = self._shown()
        if shown is not None:
            self.app.copy_to_clipboard(shown.full_path)
            self.notify(f"Copied the path {shown.full_path}")

    def action_copy_command(self) -> None:
        """Copy the ``vault kv get`` command that reads the open secret (no value, no token)."""
        shown = self._shown()
        if shown is None:
            return
        command = kv_get_command(shown)
        self.app.copy_to_clipboard(command)
        self.notify(f"Copied: {command}")

    def action_json_view(self) -> None:
        """The whole secret as JSON (masked until revealed); it can be edited there too."""
        self._open_editor("json")

    def _open_editor(self, editor: str) -> None:
        shown = self._shown()
        if shown is None:
            return
        if shown.secret.data is None:
            self.notify(_no_data(shown, "edited"), severity="warning")
            return
        self._edit(shown, dict(shown.secret.data), editor)

    def _edit(self, shown: ShownSecret, data: dict[str, Any], editor: str = "form") -> None:
        cas: int | None = None
        older: int | None = None
        note = (
            "KV v1 has no check-and-set: the last write wins. The secret is read again "
            "just before saving, and the save stops if it changed since you opened it."
        )
        if shown.kv_version == 2:
            latest = (
                shown.metadata.current_version if shown.metadata else shown.secret.version
            ) or 0
            cas = latest
            note = f"Saving writes only if version {cas} is still the latest (check-and-set)."
            if shown.secret.version is not None and shown.secret.version < latest:
                older = latest
                note = (
                    f"Editing from version {shown.secret.version} of {latest}: saving makes "
                    f"version {latest + 1} from this data, replacing what version {latest} "
                    "holds. " + note
                )
        kv = self.vc.gateway.kv(self._mount_of(shown))
        opened = shown.secret.data

        def write(result: FormResult, form: FormScreen) -> None:
            def conflict(exc: BaseException) -> bool:
                if not isinstance(exc, CasConflict | ChangedSinceOpened):
                    return False  # said in the form

                def answer(choice: str | None) -> None:
                    if choice == "reload" and self.app.screen is form:
                        form.dismiss(None)
                        self._reopen(shown)

                form.save_failed(f"{shown.full_path} changed since you opened it.")
                loaded = exc.expected if isinstance(exc, CasConflict) else None
                self.app.push_screen(ConflictScreen(shown.full_path, loaded), answer)
                return True

            def send() -> int | None:
                if shown.kv_version == 1:
                    kv.write_unless_changed(shown.secret.path, result.data, opened)
                    return None
                return kv.write(shown.secret.path, result.data, cas)

            self._write(
                form,
                send,
                lambda version: self._saved(shown, version),
                description=f"write {shown.full_path}",
                on_error=conflict,
            )

        def submit(result: FormResult, form: FormScreen) -> None:
            if result.data == opened and older is None:
                # Nothing changed: writing would only make an identical new version.
                form.dismiss(None)
                self.notify(f"No changes: {shown.full_path} was not written")
                return
            if older is None:
                write(result, form)
                return

            def answer(yes: bool | None) -> None:
                if yes:
                    write(result, form)
                else:
                    form.save_failed("You chose to keep editing.")

            self.app.push_screen(
                ConfirmScreen(
                    "Save over newer versions?",
                    f"You edited version {shown.secret.version}; version {older} is the "
                    f"latest. Saving makes version {older + 1} from your edit, so the "
                    f"changes made in versions after {shown.secret.version} are no longer "
                    "in the latest version (they stay in the history).",
                ),
                answer,
            )

        if editor == "json":
            self.app.push_screen(
                JsonScreen(
                    f"{shown.full_path} as JSON",
                    data,
                    path=shown.secret.path,
                    note=note,
                    can_edit=not self.vc.settings.read_only,
                    submit=submit,
                )
            )
            return
        self.app.push_screen(
            KeyValueForm(
                f"Edit {shown.full_path}", data, path=shown.secret.path, note=note, submit=submit
            )
        )

    def _write(
        self,
        form: FormScreen,
        work: Callable[[], T],
        done: Callable[[T], None],
        *,
        description: str,
        on_error: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Run a form's write in a worker. The form closes only when the write succeeded;
        a refusal is said inside it, with the input as typed (see FormScreen). Nothing is
        retried: a resend would repeat input the operator has not looked at again."""

        def succeeded(value: T) -> None:
            if self.app.screen is form:
                form.dismiss(None)
            done(value)

        def failed(exc: BaseException) -> bool:
            if on_error is not None and on_error(exc):
                return True
            if form not in self.app.screen_stack:
                return False  # closed some other way: the usual dialog says it
            problem = self.vc.problem(exc)
            form.save_failed(f"{problem.title}: {problem.message}")
            return True

        self.vc.run_io(work, succeeded, description=description, on_error=failed)

    def _created(self, shown: ShownSecret, version: int | None) -> None:
        self._saved(shown, version)
        self.show_in_tree(self._mount_of(shown), shown.secret.path)

    def _saved(self, shown: ShownSecret, version: int | None) -> None:
        self.notify(f"Saved {shown.full_path}" + (f" as version {version}" if version else ""))
        self._reopen(shown)

    def action_new_secret(self) -> None:
        mount = self._selected_mount()
        if mount is None:
            self.notify("Select a KV mount or folder in the tree first", severity="warning")
            return
        node = self.query_one("#kv-tree", Tree).cursor_node
        folder = ""
        if node is not None and node.data is not None:
            folder = node.data.path if node.data.folder else node.data.path.rpartition("/")[0]
            folder = folder.rstrip("/") + "/" if folder else ""
        kv = self.vc.gateway.kv(mount)

        def submit(result: FormResult, form: FormScreen) -> None:
            shown = ShownSecret(
                mount.path.rstrip("/"),
                kv.version,
                SecretVersion(result.path, None, None),
                None,
            )

            def exists(exc: BaseException) -> bool:
                if not isinstance(exc, CasConflict):
                    return False
                form.save_failed(
                    f"path: {mount.path}{result.path} already exists; nothing was written. "
                    "Choose another path, or open that secret and edit it."
                )
                return True

            self._write(
                form,
                lambda: kv.write(result.path, result.data, 0 if kv.version == 2 else None),
                lambda version: self._created(shown, version),
                description=f"create {mount.path}{result.path}",
                on_error=exists,
            )

        self.app.push_screen(
            KeyValueForm(
                f"New secret in {mount.path}", {}, path=folder, ask_path=True, submit=submit
            )
        )

    def action_edit_metadata(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None:
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        current = dict(shown.metadata.custom_metadata) if shown.metadata else {}

        def submit(result: FormResult, form: FormScreen) -> None:
            # Only what the user changed is sent (a merge patch): keys another client set
            # since this secret was opened are left alone.
            changes: dict[str, str | None] = {
                k: v for k, v in result.data.items() if current.get(k) != v
            }
            changes.update({k: None for k in current if k not in result.data})
            if not changes:
                form.dismiss(None)
                self.notify(f"No changes: the metadata of {shown.full_path} was not written")
                return
            self._write(
                form,
                lambda: kv.patch_custom_metadata(shown.secret.path, changes),
                lambda _: self._saved(shown, None),
                description=f"write metadata of {shown.full_path}",
            )

        self.app.push_screen(
            KeyValueForm(
                f"Custom metadata of {shown.full_path}",
                current,
                path=shown.secret.path,
                secret_values=False,
                note="Metadata is not secret: it shows in plain text and in audit logs.",
                submit=submit,
            )
        )

    def _confirm_then(
        self, title: str, detail: str, work: Any, shown: ShownSecret, word: str | None = None
    ) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self.vc.run_io(work, lambda _: self._after_change(shown, title), description=title)

        self.app.push_screen(ConfirmScreen(title, detail, word), answer)

    def _after_change(self, shown: ShownSecret, what: str) -> None:
        self.notify(f"Done: {what}")
        if shown.kv_version == 2:
            self._reopen(shown, shown.secret.version)
        else:
            self.query_one(SecretPanel).shown = None

    def action_delete(self) -> None:
        shown = self._shown()
        if shown is None:
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        path = shown.secret.path
        if shown.kv_version == 1:
            self._confirm_then(
                f"Delete {shown.full_path}",
                "KV v1 keeps no versions: the secret is gone for good.",
                lambda: kv.delete_latest(path),
                shown,
                word="delete",
            )
            return
        version = shown.secret.version
        assert version is not None
        if shown.secret.state != "active":
            self.notify(_no_data(shown, "deleted again"), severity="warning")
            return
        self._confirm_then(
            f"Delete version {version} of {shown.full_path}",
            "A soft delete: the version can be undeleted later.",
            lambda: kv.delete_versions(path, [version]),
            shown,
        )

    def action_undelete(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.secret.version is None:
            return
        if shown.secret.state != "deleted":
            why = (
                _no_data(shown, "undeleted")
                if shown.secret.destroyed
                else f"Version {shown.secret.version} is not deleted: nothing to undelete"
            )
            self.notify(why, severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        version = shown.secret.version
        self._confirm_then(
            f"Undelete version {version} of {shown.full_path}",
            "The version's data becomes readable again.",
            lambda: kv.undelete_versions(shown.secret.path, [version]),
            shown,
        )

    def action_destroy(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.secret.version is None:
            return
        if shown.secret.destroyed:
            self.notify(_no_data(shown, "destroyed again"), severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        version = shown.secret.version
        self._confirm_then(
            f"Destroy version {version} of {shown.full_path}",
            "Destroying removes this version's data permanently. It cannot be undone.",
            lambda: kv.destroy_versions(shown.secret.path, [version]),
            shown,
            word="destroy",
        )

    def action_compare(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.metadata is None or shown.secret.version is None:
            return
        current = shown.secret.version
        readable = [
            v.version
            for v in shown.metadata.versions
            if v.state == "active" and v.version != current
        ]
        if shown.secret.data is None or not readable:
            self.notify("No other readable version to compare with", severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        new_data = dict(shown.secret.data)

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            other = int(choice)
            old_v, new_v = sorted((other, current))

            def compute() -> DiffScreen:
                other_data = kv.read(shown.secret.path, other).data or {}
                old, new = (other_data, new_data) if other < current else (new_data, other_data)
                return DiffScreen(shown.full_path, old_v, new_v, diff_versions(old, new))

            self.vc.run_io(compute, self._show_screen, description="compare versions")

        self.app.push_screen(
            ChoiceScreen(
                f"Compare version {current} with",
                [(str(v), f"version {v}") for v in reversed(readable)],
            ),
            chosen,
        )
