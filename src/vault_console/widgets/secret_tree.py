"""The tree of KV mounts, folders and secrets; folders list when expanded.

The tree never asks the server itself: expanding a folder not yet listed posts
``FolderWanted`` and the screen answers with ``show_folder`` (or ``refuse_folder``).
After a reload it expands again what was expanded and puts the cursor back
(``expand_again``, ``cursor_again``), as each folder's listing arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from vault_console.text import plain
from vault_console.vault.model import MountInfo

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


def put_cursor(node: TreeNode[TreeEntry]) -> None:
    """The tree's cursor on ``node``, which may have been added since the tree last laid out
    its lines: a node's line is only set by that lay-out, which the tree does lazily (on idle
    or render), so ask for a line first; that lays them out."""
    node.tree.get_node_at_line(0)
    node.tree.move_cursor(node)


class SecretTree(Tree[TreeEntry]):
    """KV mounts at the top; posts ``FolderWanted`` and ``SecretChosen``."""

    class FolderWanted(Message):
        """A folder was expanded and is not listed yet."""

        def __init__(self, node: TreeNode[TreeEntry]) -> None:
            super().__init__()
            self.node = node

    class SecretChosen(Message):
        def __init__(self, mount: MountInfo, path: str) -> None:
            super().__init__()
            self.mount = mount
            self.path = path

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("KV mounts", id=id)
        self.show_root = False
        self.expand_again: set[TreeKey] = set()
        """Folders to expand (each once) as they are listed again."""
        self.cursor_again: TreeKey | None = None
        """The node to put the cursor on once it is listed again."""

    def fill(self, mounts: list[MountInfo]) -> None:
        """The KV mounts as the top level; nothing below them is listed yet."""
        self.clear()
        for mount in mounts:
            if mount.kv_version is not None:
                label = plain(f"{mount.path} (kv v{mount.kv_version})")
                self._restore(self.root.add(label, data=TreeEntry(mount, "", folder=True)))

    def _restore(self, node: TreeNode[TreeEntry]) -> None:
        """A node just added: expand it or put the cursor on it if a reload asked for it."""
        entry = node.data
        assert entry is not None
        if entry.key in self.expand_again:
            self.expand_again.discard(entry.key)  # once: a later collapse stays collapsed
            node.expand()
        if entry.key == self.cursor_again:
            self.cursor_again = None
            self.call_after_refresh(put_cursor, node)

    def expanded_keys(self) -> set[TreeKey]:
        """The folders expanded now."""
        expanded: set[TreeKey] = set()
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            if node.is_expanded and node.data is not None:
                expanded.add(node.data.key)
                stack.extend(node.children)
        return expanded

    def listed(self, key: TreeKey) -> TreeNode[TreeEntry] | None:
        """The node for ``key`` if the tree lists it (only expanded folders are searched)."""
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            if node.data is not None and node.data.key == key:
                return node
            if node.is_expanded:
                stack.extend(node.children)
        return None

    def cursor_key(self) -> TreeKey | None:
        node = self.cursor_node
        if node is not None and node.data is not None:
            return node.data.key
        return None

    def cursor_folder(self) -> str:
        """The folder at the cursor (a secret's folder), ``''`` or ending in ``/``."""
        node = self.cursor_node
        if node is None or node.data is None:
            return ""
        entry = node.data
        folder = entry.path if entry.folder else entry.path.rpartition("/")[0]
        return folder.rstrip("/") + "/" if folder else ""

    def show_folder(self, node: TreeNode[TreeEntry], names: list[str]) -> list[str]:
        """A folder's listing under its node; returns the secrets' full paths."""
        entry = node.data
        assert entry is not None
        entry.loaded = True
        node.remove_children()
        secrets = []
        for name in names:
            path = entry.path + name
            if name.endswith("/"):
                child = node.add(plain(name), data=TreeEntry(entry.mount, path, folder=True))
            else:
                child = node.add_leaf(plain(name), data=TreeEntry(entry.mount, path, folder=False))
                secrets.append(f"{entry.mount.path}{path}")
            self._restore(child)
        if not names:
            node.add_leaf("(empty)")
        return secrets

    def refuse_folder(self, node: TreeNode[TreeEntry]) -> None:
        node.remove_children()
        node.add_leaf("(no list permission: press o to open a known path)")

    def reveal(self, mount: MountInfo, path: str) -> TreeNode[TreeEntry] | None:
        """Show ``path`` (just made, or opened by its path) with the cursor on it.

        When it is listed already the cursor moves there and None is returned. Else the
        mount's expanded folders and those down to ``path`` are to be listed again: the
        mount's node is returned, to list (it expands again what is needed as it goes).
        """
        listed = self.listed((mount.path, path))
        if listed is not None:
            self.call_after_refresh(put_cursor, listed)
            return None
        node = self.listed((mount.path, ""))
        if node is None or node.data is None:
            return None
        parts = path.split("/")
        ancestors = {(mount.path, "/".join(parts[:i]) + "/") for i in range(1, len(parts))}
        self.expand_again = {k for k in self.expanded_keys() if k[0] == mount.path} | ancestors
        self.expand_again.discard(node.data.key)
        self.cursor_again = (mount.path, path)
        node.data.loaded = False
        return node

    def focus_mount(self, path: str) -> None:
        """Expand a mount's node and put the cursor on it."""
        for node in self.root.children:
            if node.data is not None and node.data.mount.path == path:
                node.expand()
                self.move_cursor(node)
                self.focus()

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[TreeEntry]) -> None:
        entry = event.node.data
        if entry is not None and entry.folder and not entry.loaded:
            self.post_message(self.FolderWanted(event.node))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[TreeEntry]) -> None:
        entry = event.node.data
        if entry is not None and not entry.folder:
            self.post_message(self.SecretChosen(entry.mount, entry.path))
