"""The audit view: audit devices, and a reader for a file audit device's log."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from vault_console.audit import present
from vault_console.audit.devices import devices_line, file_device, readable_log
from vault_console.audit.merge import MergedScan, follow_nodes, is_copy, scan_nodes
from vault_console.audit.query import HELP, parse_query
from vault_console.audit.reader import AuditEntry, AuditPair, Query
from vault_console.errors import ErrorKind, describe, is_forbidden, kind_of
from vault_console.host import ConsoleHost, host_of
from vault_console.text import DETAIL_LIMIT, plain
from vault_console.vault.capabilities import denied_by
from vault_console.vault.cluster import cluster_size
from vault_console.widgets.denied import DeniedActions
from vault_console.widgets.dialogs import PromptScreen
from vault_console.widgets.fitted_table import Column, FittedTable

SHOWN = 1000
"""The newest matches shown at once; follow mode adds to them and drops the oldest."""
SLACK = 500
"""Follow mode lets the table grow this far past SHOWN before it drops the oldest."""

AUDIT_COLUMNS = (
    Column("Time", 90, min_width=19),
    Column("Op", 80, min_width=6),
    Column("Path", 100, min_width=16, max_width=30, elide="middle", flex=True),
    Column("Who", 60, min_width=8, max_width=20),
    Column("From", 50, min_width=9, max_width=15),
    Column("Result", 85, min_width=5),
    Column("Namespace", 55, min_width=4, max_width=16),
)
"""The path gives way last (shortened in the middle, so rows stay apart); at 80 columns
the table shows time, op, path and result, and the details go below it."""
NODE_COLUMN = Column("Node", 70, min_width=5, max_width=16)
"""With one file per node of a cluster (a profile's ``audit_logs``)."""
COPY_LOOKBACK = 50
"""Follow mode: the latest requests a new one on another node may be a forwarded copy of."""


ROW_BATCH = 100
"""Rows added to the audit table per frame."""


def _pair_key(entry: AuditEntry, node: str = "") -> str:
    return f"{node}/{entry.request_id or f'line-{entry.line}'}"


class AuditPanel(DeniedActions, Vertical):
    """Filter the log with one query line; select a row for its details."""

    BINDINGS = [
        Binding("f", "follow", "Follow", id="audit.follow"),
        Binding("H", "hmac_search", "Find a value", id="audit.hmac-search"),
        # In help (?) and the palette: the footer fits 80 columns.
        Binding("L", "open_log", "Open log file", id="audit.open-log", show=False),
    ]

    class NewEntries(Message):
        """Follow mode found entries (posted from the follower's thread)."""

        def __init__(self, entries: list[AuditEntry], node: str = "") -> None:
            super().__init__()
            self.entries = entries
            self.node = node

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.log_path: Path | None = None
        self.node_logs: list[tuple[str, Path]] = []
        """One file per node of a cluster (a profile's ``audit_logs``), merged by time."""
        self.scope = ""
        """Said after the status when the file read is one node's of a cluster."""
        self._scan_said = ""
        self.device = "file"
        self.audit_query = Query()
        self.pairs: list[AuditPair] = []
        """The shown requests, oldest first: row ``n`` of the table is ``pairs[n - first]``."""
        self.first = 0
        """The row number of ``pairs[0]``: follow mode drops the oldest, numbers stay."""
        self._stop_follow: threading.Event | None = None
        self.denied: dict[str, str] = {}
        """Actions this token may not take here, with the reason (``_check_capabilities``)."""

    @property
    def vc(self) -> ConsoleHost:
        return host_of(self)

    def compose(self) -> ComposeResult:
        self._row_of: dict[str, int] = {}
        """Row number of each shown request, by node and request id, for follow mode."""
        self._pair_of: dict[str, AuditPair] = {}
        self._shown_rows = 0
        self._generation = 0
        yield Label("Audit devices: not loaded", id="audit-devices")
        # Not selected on focus: A opens the tab with its query and the focus here, and
        # what is typed next refines that query rather than replacing it.
        yield Input(placeholder=HELP, id="audit-query", select_on_focus=False)
        yield Label("", id="audit-status")
        with Horizontal(id="audit-body"):
            columns = (
                (NODE_COLUMN, *AUDIT_COLUMNS) if self.vc.settings.audit_logs else AUDIT_COLUMNS
            )
            yield FittedTable(columns, cursor_type="row", id="audit-table")
            with VerticalScroll(id="audit-details-box"):
                yield Static("Select an entry", id="audit-details")

    def on_mount(self) -> None:
        """Load devices, pick the log file, and scan it with the current query."""
        self.vc.run_io(
            self.vc.gateway.audit_devices,
            self._devices,
            description="audit devices",
            on_error=self._devices_denied,
        )

    def focus_main(self) -> None:
        self.query_one("#audit-table", DataTable).focus()

    def _devices_denied(self, exc: BaseException) -> bool:
        if self.vc.settings.namespace:
            text = (
                f"Audit devices: listed in the root namespace only, and this session is in "
                f"namespace {self.vc.settings.namespace}. Open a log file with L, or name it "
                "in the profile's audit_log (audit_logs for a cluster)."
            )
        elif is_forbidden(exc):
            text = "Audit devices: this token cannot read sys/audit"
        else:
            text = f"Audit devices: sys/audit failed: {describe(exc).message}"
            if kind_of(exc) is ErrorKind.SERVER_ERROR:
                # Vault answers 500 to every request it cannot write to an audit device.
                text += (
                    " If every request fails with 500 while sys/health answers, a failing "
                    "audit device (a full disk, an unwritable file) is the likely cause."
                )
        self.query_one("#audit-devices", Label).update(plain(text, DETAIL_LIMIT))
        self._choose_log(None)
        return True

    def _choose_log(self, local: str | None) -> None:
        """The profile's files of a cluster's nodes, else its file, else the device's."""
        if self.vc.settings.audit_logs:
            self._use_node_logs(self.vc.settings.audit_logs)
        else:
            self._use_log(self.vc.settings.audit_log or local)
            self.vc.run_io(
                lambda: cluster_size(self.vc.gateway),
                self._say_scope,
                description="cluster size",
                quiet=True,
            )
        self._check_capabilities()

    def _say_scope(self, nodes: int) -> None:
        if nodes > 1:
            self.scope = (
                f" (one node's file of a {nodes}-node cluster: requests the other nodes "
                "served are not in it; a profile's audit_logs merges every node's file)"
            )
            if self._scan_said:
                self._status(self._scan_said + self.scope)

    def _check_capabilities(self) -> None:
        """Before the user tries: may this token hash a value with the device (``H``)?
        One ``sys/capabilities-self`` call, a read (allowed in read-only mode)."""
        if self.vc.settings.namespace:
            self.denied = {
                "hmac_search": "sys/audit-hash is served in the root namespace only (this "
                f"session is in {self.vc.settings.namespace}); a root-namespace session can"
            }
            self.refresh_bindings()
            return
        needs = {"hmac_search": [("update", f"sys/audit-hash/{self.device}")]}

        def checked(denied: dict[str, str]) -> None:
            self.denied = denied
            self.refresh_bindings()

        self.vc.run_io(
            lambda: denied_by(needs, self.vc.gateway.capabilities_self),
            checked,
            description="check capabilities",
            quiet=True,
        )

    def _devices(self, devices: list[dict[str, Any]]) -> None:
        self.query_one("#audit-devices", Label).update(plain(devices_line(devices), 500))
        name, local = file_device(devices)
        self.device = name or self.device
        self._choose_log(local)

    def _use_log(self, path: str | None) -> None:
        if not path:
            self._status("No log file: press L to open one (a file audit device's JSON lines)")
            return

        def checked(problem: str | None) -> None:
            if problem:
                self._status(problem)
                return
            self.log_path = Path(path)
            self.rescan()

        # A stat and an access check: in a worker, as the file may be on a slow mount.
        self.vc.run_io(lambda: readable_log(path), checked, description=f"check {path}")

    def _use_node_logs(self, logs: tuple[tuple[str, str], ...]) -> None:
        def check() -> list[str]:
            return [f"{node}: {problem}" for node, path in logs if (problem := readable_log(path))]

        def checked(problems: list[str]) -> None:
            self.node_logs = [(node, Path(path)) for node, path in logs]
            self.log_path = self.node_logs[0][1]
            self.scope = ("; " + "; ".join(problems)) if problems else ""
            self.rescan()

        self.vc.run_io(check, checked, description="check the nodes' audit logs")

    def _status(self, text: str) -> None:
        self.query_one("#audit-status", Label).update(plain(text, DETAIL_LIMIT))

    def _set_query(self, text: str) -> bool:
        try:
            self.audit_query = parse_query(text)
        except ValueError as exc:
            self._status(str(exc))
            return False
        return True

    @on(Input.Submitted, "#audit-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        # The focus stays in the query: typing on never fires the table's keys.
        if self._set_query(event.value):
            self.rescan()

    def key_escape(self) -> None:
        """Esc leaves the query for the table, as it leaves the filter for the tree."""
        query = self.query_one("#audit-query", Input)
        if query.has_focus:
            self.query_one("#audit-table", DataTable).focus()

    def show_query(self, query: Query, text: str) -> None:
        """Run ``query``, with ``text`` on the query line. The panel was opened to answer a
        query: the focus goes to the line, so what is typed next refines the query instead
        of firing the table's keys."""
        self.audit_query = query
        line = self.query_one("#audit-query", Input)
        line.value = text
        line.focus()
        line.cursor_position = len(line.value)
        self.rescan()

    def _logs(self) -> list[tuple[str, Path]]:
        if self.node_logs:
            return self.node_logs
        return [("", self.log_path)] if self.log_path is not None else []

    def _source(self) -> str:
        return f"{len(self.node_logs)} nodes' files" if self.node_logs else str(self.log_path)

    def _scoped(self) -> Query:
        return self.audit_query.scoped(self.vc.settings.namespace)

    def rescan(self) -> None:
        logs, query = self._logs(), self._scoped()
        if not logs:
            return
        self._status(f"Reading {self._source()}…")
        self.vc.run_io(
            lambda: scan_nodes(logs, query, limit=SHOWN),
            self._scanned,
            description=f"read {self._source()}",
        )

    def _scanned(self, result: MergedScan) -> None:
        self._show(result.pairs)
        more = f"the latest {SHOWN} matches" if result.limited else f"{len(self.pairs)} requests"
        namespace = self._scoped().namespace
        where = (
            "in every namespace"
            if namespace == "*"
            else f"in namespace {namespace or 'root'} (ns:* for every namespace)"
        )
        said = [f"{self._source()}: {more} {where}"]
        for node in result.nodes:
            name = f"{node.node}: " if node.node else ""
            if node.problem:
                said.append(node.problem)
            if node.lines_bad:
                said.append(f"{name}{node.lines_bad} unreadable lines skipped")
            if node.partial_tail:
                said.append(f"{name}last line incomplete")
        self._scan_said = "; ".join(said)
        self._status(self._scan_said + self.scope)

    def _show(self, pairs: list[AuditPair]) -> None:
        self.pairs = pairs
        self.first = 0
        self._row_of, self._pair_of = {}, {}
        for row, found in enumerate(pairs):
            for part in (found, found.copy):
                if part is not None:
                    key = _pair_key(part.first, part.node)
                    self._row_of[key], self._pair_of[key] = row, part
        table = self.query_one("#audit-table", FittedTable)
        table.clear_rows()
        if not self.pairs:
            self.query_one("#audit-details", Static).update("No matching entries")
        self._shown_rows = 0
        self._generation += 1
        self._add_rows(self._generation)

    def _add_rows(self, generation: int) -> None:
        """Add the next batch of rows, then let a frame through before the next one.

        A thousand rows at once held the UI thread for a third of a second; a batch is a
        few tens of milliseconds (bench/audit_hostile.py has the figures).
        """
        if generation != self._generation:
            return  # a newer scan replaced these rows
        table = self.query_one("#audit-table", FittedTable)
        end = min(self._shown_rows + ROW_BATCH, len(self.pairs))
        for index in range(self._shown_rows, end):
            table.add_fitted_row(self._cells(self.pairs[index]), key=str(self.first + index))
        self._shown_rows = end
        if end < len(self.pairs):
            self.set_timer(0.001, lambda: self._add_rows(generation))

    def _flush_rows(self) -> None:
        """Add every row still waiting for its batch (before rows are appended)."""
        self._generation += 1
        table = self.query_one("#audit-table", FittedTable)
        for index in range(self._shown_rows, len(self.pairs)):
            table.add_fitted_row(self._cells(self.pairs[index]), key=str(self.first + index))
        self._shown_rows = len(self.pairs)

    def _cells(self, found: AuditPair) -> list[Text]:
        return present.cells(found, with_node=bool(self.node_logs))

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        # An empty table (no matches) still sends a highlight on PageDown, with no row.
        key = event.row_key.value if event.row_key is not None else None
        if key is None or not key.isdigit():
            return
        index = int(key) - self.first
        if not 0 <= index < len(self.pairs):
            return
        self.query_one("#audit-details", Static).update(present.details(self.pairs[index]))

    def action_follow(self) -> None:
        if self._stop_follow is not None:
            self._stop_follow.set()
            self._stop_follow = None
            self._status("Follow mode off")
            return
        if not self._logs():
            self._status("No log file to follow")
            return
        self._stop_follow = threading.Event()
        self._status(f"Following {self._source()} (f to stop)")
        self._follow(self._logs(), self._scoped(), self._stop_follow)

    def _follow(self, logs: list[tuple[str, Path]], query: Query, stop: threading.Event) -> None:
        """Follow the logs in a worker until ``stop``; new matches are posted up as they come.
        A follower that fails (the log rotated into a file it cannot open, a disk error)
        stops follow mode and says why on the status line."""

        def run() -> None:
            for node, batch in follow_nodes(logs, query, stop):
                self.post_message(self.NewEntries(batch, node))

        def failed(error: BaseException) -> bool:
            if self._stop_follow is stop:
                self._stop_follow = None
            self._status(f"✖ Follow mode stopped: {describe(error).message}")
            self.refresh_bindings()
            return True

        self.vc.run_io(
            run, lambda _: None, description="follow audit log", on_error=failed, key="audit-follow"
        )

    def _join_copy(self, found: AuditPair, key: str) -> bool:
        """Whether ``found`` went into a shown row as a forwarded write's other half: the
        active node's copy of a standby's request, or the standby's request when the
        active node's copy was read first (follow mode reads the files in turn)."""
        recent = self.pairs[-COPY_LOOKBACK:] if self.node_logs else []
        for shown in reversed(recent):
            if is_copy(shown, found):
                shown.copy, found.is_copy = found, True
                row = self._row_of[_pair_key(shown.first, shown.node)]
            elif is_copy(found, shown):
                found.copy, shown.is_copy = shown, True
                row = self._row_of[_pair_key(shown.first, shown.node)]
                self.pairs[row - self.first] = found
            else:
                continue
            self._row_of[key] = row
            return True
        return False

    def on_audit_panel_new_entries(self, message: NewEntries) -> None:
        # Rows are appended (or a request's row updated with its response), never rebuilt:
        # a rebuild per batch stalled the UI for seconds at a few thousand rows. Only the
        # latest SHOWN requests stay: the oldest rows go as new ones come, so an hour of
        # following holds as much as the first minute.
        table = self.query_one("#audit-table", FittedTable)
        self._flush_rows()
        for entry in message.entries:
            key = _pair_key(entry, message.node)
            found = self._pair_of.get(key)
            if found is None:
                found = self._pair_of[key] = AuditPair(node=message.node)
                found.add(entry)
                if not self._join_copy(found, key):
                    self._row_of[key] = self.first + len(self.pairs)
                    self.pairs.append(found)
                    table.add_fitted_row(self._cells(found), key=str(self._row_of[key]))
                    continue
            else:
                found.add(entry)
            row = self._row_of[key]
            table.update_fitted_row(str(row), self._cells(self.pairs[row - self.first]))
        self._shown_rows = len(self.pairs)
        if len(self.pairs) > SHOWN + SLACK:
            # The oldest go in one rebuild once SLACK more have come: a rebuild per batch
            # (or a row at a time) costs the whole table each time.
            gone, self.pairs = self.pairs[:-SHOWN], self.pairs[-SHOWN:]
            for oldest in gone:
                for part in (oldest, oldest.copy):
                    if part is not None:
                        key = _pair_key(part.first, part.node)
                        self._row_of.pop(key, None)
                        self._pair_of.pop(key, None)
            table.remove_fitted_rows(str(self.first + n) for n in range(len(gone)))
            self.first += len(gone)
        self._shown_rows = len(self.pairs)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def on_unmount(self) -> None:
        if self._stop_follow is not None:
            self._stop_follow.set()

    def action_hmac_search(self) -> None:
        """Find where a known value (a token, a key) was used, by its HMAC."""

        def hashed(value: str | None) -> None:
            if not value:
                return
            device = self.device
            self.vc.run_io(
                lambda: self.vc.gateway.audit_hash(device, value),
                self._search_hash,
                description="compute audit HMAC",
            )

        screen = PromptScreen(
            "Value to find: the server computes its HMAC (sys/audit-hash); the value is not kept",
            "token or secret value",
            password=True,
        )
        self.app.push_screen(screen, hashed)

    def _search_hash(self, digest: str) -> None:
        self.audit_query = replace(Query(), hmac=digest)
        self.query_one("#audit-query", Input).value = f"hmac:{digest}"
        self.rescan()

    def action_open_log(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self._use_log(path)

        def check(text: str) -> str:
            problem = readable_log(text)
            if problem:
                raise ValueError(problem)
            return text

        self.app.push_screen(
            PromptScreen("Audit log file", "/var/log/vault/audit.log", check=check), chosen
        )
