"""The mounts table: secrets engines and auth methods, one row each."""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.widgets import DataTable

from vault_console.text import format_ttl, plain
from vault_console.vault.model import MountInfo
from vault_console.widgets.fitted_table import Column, FittedTable

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


class MountsTable(FittedTable):
    """Shows ``mounts``; Enter on a row posts ``Chosen``."""

    class Chosen(Message):
        def __init__(self, mount: MountInfo) -> None:
            super().__init__()
            self.mount = mount

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(MOUNT_COLUMNS, cursor_type="row", id=id)
        self.mounts: list[MountInfo] = []

    def show(self, mounts: list[MountInfo]) -> None:
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
        self.set_rows(rows)

    def forget(self) -> None:
        self.mounts = []
        self.clear_rows()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        category, path = str(event.row_key.value).split(":", 1)
        mount = next((m for m in self.mounts if m.path == path and m.category == category), None)
        if mount is not None:
            self.post_message(self.Chosen(mount))
