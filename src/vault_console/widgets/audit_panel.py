"""The audit view: audit devices, and a reader for a file audit device's log."""

from __future__ import annotations

import json
import os
import stat
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from vault_console.audit.query import HELP, parse_query
from vault_console.audit.reader import AuditEntry, AuditPair, Follower, Query, pair, scan_latest
from vault_console.errors import ErrorKind, describe, is_forbidden, kind_of
from vault_console.host import ConsoleHost, host_of
from vault_console.text import DETAIL_LIMIT, escape_controls, plain
from vault_console.vault.capabilities import denied_by
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
)
"""The path gives way last (shortened in the middle, so rows stay apart); at 80 columns
the table shows time, op, path and result, and the details go below it."""


ROW_BATCH = 100
"""Rows added to the audit table per frame."""
ENTRY_JSON_LIMIT = 20_000
"""Characters of one entry the details pane lays out."""


def _pair_key(entry: AuditEntry) -> str:
    return entry.request_id or f"line-{entry.line}"


def readable_log(path: str) -> str | None:
    """Why ``path`` cannot be read as an audit log, or None. Only regular files: a device
    or a FIFO would be read forever or block (the profile's ``audit_log`` as well as ``L``)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"audit log: {path!r}: {exc.strerror}"
    if not stat.S_ISREG(info.st_mode):
        return f"audit log: {path!r} is not a regular file"
    if not os.access(path, os.R_OK):
        return f"audit log: {path!r} is not readable"
    return None


class AuditPanel(Vertical):
    """Filter the log with one query line; select a row for its details."""

    BINDINGS = [
        Binding("f", "follow", "Follow", id="audit.follow"),
        Binding("H", "hmac_search", "Find a value", id="audit.hmac-search"),
        # In help (?) and the palette: the footer fits 80 columns.
        Binding("L", "open_log", "Open log file", id="audit.open-log", show=False),
    ]

    class NewEntries(Message):
        """Follow mode found entries (posted from the follower's thread)."""

        def __init__(self, entries: list[AuditEntry]) -> None:
            super().__init__()
            self.entries = entries

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.log_path: Path | None = None
        self.device = "file"
        self.audit_query = Query()
        self.entries: list[AuditEntry] = []
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
        """Row number of each shown request, by request id (or line), for follow mode."""
        self._shown_rows = 0
        self._generation = 0
        yield Label("Audit devices: not loaded", id="audit-devices")
        yield Input(placeholder=HELP, id="audit-query")
        yield Label("", id="audit-status")
        with Horizontal(id="audit-body"):
            yield FittedTable(AUDIT_COLUMNS, cursor_type="row", id="audit-table")
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
        if is_forbidden(exc):
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
        self._use_log(self.vc.settings.audit_log)
        self._check_capabilities()
        return True

    def _check_capabilities(self) -> None:
        """Before the user tries: may this token hash a value with the device (``H``)?
        One ``sys/capabilities-self`` call, a read (allowed in read-only mode)."""
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action in self.denied else True  # shown, disabled: the key says why

    def denied_reason(self, action: str) -> str:
        """Why the token may not take ``action`` here ('' if it may); help and the
        palette show it."""
        return self.denied.get(action, "")

    def on_key(self, event: events.Key) -> None:
        for b in self.BINDINGS:
            if isinstance(b, Binding) and b.key == event.key and b.action in self.denied:
                self.notify(f"{b.description}: {self.denied[b.action]}", severity="warning")
                event.stop()

    def _devices(self, devices: list[dict[str, Any]]) -> None:
        # The server's answer is data: any field may be missing or of another type.
        def options(d: dict[str, Any]) -> dict[str, Any]:
            found = d.get("options")
            return found if isinstance(found, dict) else {}

        parts = [
            f"{d.get('path', '?')} ({d.get('type', '?')}"
            + (f", {options(d)['file_path']}" if options(d).get("file_path") else "")
            + ")"
            for d in devices
        ]
        self.query_one("#audit-devices", Label).update(
            plain("Audit devices: " + ("; ".join(parts) if parts else "none enabled"), 500)
        )
        file_devices = [d for d in devices if d.get("type") == "file"]
        if file_devices:
            self.device = str(file_devices[0].get("path", "file")).rstrip("/")
        local = next(
            (
                str(options(d)["file_path"])
                for d in file_devices
                if readable_log(str(options(d).get("file_path", ""))) is None
            ),
            None,
        )
        self._use_log(self.vc.settings.audit_log or local)
        self._check_capabilities()

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

    def rescan(self) -> None:
        if self.log_path is None:
            return
        path, query = self.log_path, self.audit_query
        self._status(f"Reading {path}…")
        self.vc.run_io(
            lambda: scan_latest(path, query, limit=SHOWN),
            self._scanned,
            description=f"read {path}",
        )

    def _scanned(self, result: Any) -> None:
        self.entries = list(result.entries)
        self._show()
        more = (
            f"the latest {SHOWN} matches"
            if len(result.entries) >= SHOWN
            else f"{len(self.pairs)} requests"
        )
        bad = f"; {result.bad_line_count} unreadable lines skipped" if result.bad_line_count else ""
        partial = "; last line incomplete" if result.partial_tail else ""
        self._status(f"{self.log_path}: {more}{bad}{partial}")

    def _show(self) -> None:
        self.pairs = pair(self.entries)
        self.first = 0
        self._row_of = {_pair_key(p.first): i for i, p in enumerate(self.pairs)}
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

    @staticmethod
    def _cells(found: AuditPair) -> list[Text]:
        first = found.first
        result = "error" if found.error else ("ok" if found.response else "…")
        if first.findings or (found.response and found.response.findings):
            result += " ⚠"
        return [
            plain(first.time[:19].replace("T", " ")),
            plain(first.operation),
            plain(first.path),
            plain(first.display_name),
            plain(first.remote_address),
            plain(result),
        ]

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        # An empty table (no matches) still sends a highlight on PageDown, with no row.
        key = event.row_key.value if event.row_key is not None else None
        if key is None or not key.isdigit():
            return
        index = int(key) - self.first
        if not 0 <= index < len(self.pairs):
            return
        found = self.pairs[index]
        notes: list[str] = []
        for entry in (found.request, found.response):
            if entry is None:
                continue
            notes.extend(escape_controls(f"FINDING: {f}") for f in entry.findings)
            if entry.plain_scalars:
                notes.append(
                    escape_controls(
                        "Plain by design: Vault logs numbers, booleans and times unhashed ("
                        + ", ".join(entry.plain_scalars)
                        + ")"
                    )
                )
            if entry.bad_utf8:
                notes.append(f"Line {entry.line} had invalid UTF-8 (replaced with �)")
            if entry.too_deep:
                notes.append(
                    f"Line {entry.line}: parts of the body are nested too deep to show; the "
                    "request's own fields (time, path, operation, caller, result) are read"
                )
        body = {
            "request": found.request.raw if found.request else None,
            "response": found.response.raw if found.response else None,
        }
        # ensure_ascii escapes every control and bidi character in the entry's strings.
        text = json.dumps(body, indent=2, ensure_ascii=True)
        if len(text) > ENTRY_JSON_LIMIT:
            text = text[:ENTRY_JSON_LIMIT] + f"\n… ({len(text) - ENTRY_JSON_LIMIT} more characters)"
        details = self.query_one("#audit-details", Static)
        details.update(
            Syntax(
                "\n".join(f"# {n}" for n in notes) + ("\n" if notes else "") + text,
                "json",
                word_wrap=True,
            )
        )

    def action_follow(self) -> None:
        if self._stop_follow is not None:
            self._stop_follow.set()
            self._stop_follow = None
            self._status("Follow mode off")
            return
        if self.log_path is None:
            self._status("No log file to follow")
            return
        self._stop_follow = threading.Event()
        self._status(f"Following {self.log_path} (f to stop)")
        self._follow(self.log_path, self.audit_query, self._stop_follow)

    def _follow(self, path: Path, query: Query, stop: threading.Event) -> None:
        """Follow the log in a worker until ``stop``; new matches are posted up as they come.
        A follower that fails (the log rotated into a file it cannot open, a disk error)
        stops follow mode and says why on the status line."""

        def run() -> None:
            follower = Follower(path, query)
            try:
                for batch in follower.run(stop):
                    self.post_message(self.NewEntries(batch))
            finally:
                follower.close()

        def failed(error: BaseException) -> bool:
            if self._stop_follow is stop:
                self._stop_follow = None
            self._status(f"✖ Follow mode stopped: {describe(error).message}")
            self.refresh_bindings()
            return True

        self.vc.run_io(
            run, lambda _: None, description="follow audit log", on_error=failed, key="audit-follow"
        )

    def on_audit_panel_new_entries(self, message: NewEntries) -> None:
        # Rows are appended (or a request's row updated with its response), never rebuilt:
        # a rebuild per batch stalled the UI for seconds at a few thousand rows. Only the
        # latest SHOWN requests stay: the oldest rows go as new ones come, so an hour of
        # following holds as much as the first minute.
        table = self.query_one("#audit-table", FittedTable)
        self._flush_rows()
        for entry in message.entries:
            key = _pair_key(entry)
            row = self._row_of.get(key)
            if row is None:
                found = AuditPair()
                row = self._row_of[key] = self.first + len(self.pairs)
                self.pairs.append(found)
                added = True
            else:
                found = self.pairs[row - self.first]
                added = False
            if entry.type == "response":
                found.response = entry
            else:
                found.request = entry
            if added:
                table.add_fitted_row(self._cells(found), key=str(row))
            else:
                table.update_fitted_row(str(row), self._cells(found))
        self._shown_rows = len(self.pairs)
        self.entries = []  # a rescan reads the file again; follow mode needs no copy
        if len(self.pairs) > SHOWN + SLACK:
            # The oldest go in one rebuild once SLACK more have come: a rebuild per batch
            # (or a row at a time) costs the whole table each time.
            gone, self.pairs = self.pairs[:-SHOWN], self.pairs[-SHOWN:]
            for oldest in gone:
                self._row_of.pop(_pair_key(oldest.first), None)
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
