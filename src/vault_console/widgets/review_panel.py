"""Review panels: policies, who can read a path, secret age, leases, and findings export."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    DataTable,
    Input,
    Label,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from vault_console import config
from vault_console.host import ConsoleHost, console_env, host_of
from vault_console.text import DETAIL_LIMIT, escape_controls, plain
from vault_console.vault import review
from vault_console.vault.policies import api_paths, broad_rules, who_can_read
from vault_console.widgets.cluster_panel import ClusterPanel
from vault_console.widgets.dialogs import ChoiceScreen, PromptScreen
from vault_console.widgets.fitted_table import Column, FittedTable

POLICY_TEXT_LIMIT = 50_000
"""Characters of one policy the HCL view lays out."""

WHO_COLUMNS = (
    Column("API path", 90, min_width=16, max_width=36, elide="middle"),
    Column("Policy", 100, min_width=10),
    Column("Capabilities", 80, min_width=12),
    Column("By rule", 60, min_width=10, max_width=30, elide="middle"),
    Column("Auth roles carrying it", 70, min_width=12, flex=True),
)
AGE_COLUMNS = (
    Column("status", 95, min_width=7),
    Column("path", 100, min_width=16, max_width=40, elide="middle", flex=True),
    Column("updated", 60, min_width=10),
    Column("age_days", 80, min_width=4),
    Column("versions", 40, min_width=4),
    Column("rotate_by", 70, min_width=10),
    Column("owner", 50, min_width=8),
)
LEASE_COLUMNS = (
    Column("Lease", 100, min_width=20, elide="middle", flex=True),
    Column("TTL (s)", 90, min_width=6),
    Column("Expires", 80, min_width=10),
)


class ReviewPanel(Vertical):
    """Everything here only reads; the export writes a local file, never to Vault."""

    BINDINGS = [
        Binding("x", "export", "Export findings", id="review.export"),
        # The sub-tabs' keys are in help (?) and the palette; the footer fits 80 columns.
        Binding("P", "sub_tab('review-policies')", "Policies", id="review.policies", show=False),
        Binding("w", "sub_tab('review-who')", "Who can read", id="review.who", show=False),
        Binding("a", "sub_tab('review-age')", "Secret age", id="review.age", show=False),
        Binding("l", "sub_tab('review-leases')", "Leases", id="review.leases", show=False),
        Binding("C", "sub_tab('review-cluster')", "Cluster", id="review.cluster", show=False),
    ]

    QUERY_INPUTS = {
        "review-who": "#who-path",
        "review-age": "#age-mount",
        "review-leases": "#lease-prefix",
    }
    """The input each sub-tab takes its query in."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy_texts: dict[str, str] = {}
        self.roles: list[review.AuthRole] = []
        self.parents: list[review.ParentPolicies] = []
        """Policies of the namespaces above the session's: they grant paths in it too."""
        self.age_rows: list[review.AgeRow] = []
        self.age_mount: str | None = None
        """The mount the age report last read (None: not run yet)."""
        self._age_sort: tuple[str, bool] | None = None
        """(column, descending) once a header was clicked; else the report's own order
        (those that need attention first)."""

    @property
    def vc(self) -> ConsoleHost:
        return host_of(self)

    def compose(self) -> ComposeResult:
        with TabbedContent(id="review-tabs"):
            with TabPane("Policies", id="review-policies"), Horizontal():
                yield OptionList(id="policy-list")
                with VerticalScroll(id="policy-box"):
                    yield Static("", id="policy-hcl")
            with TabPane("Who can read", id="review-who"):
                yield Input(
                    placeholder="path as in the tree (ai-models/prod/openai) or an API path",
                    id="who-path",
                )
                yield Input(
                    placeholder="token accessor (optional): the server's own answer",
                    id="who-accessor",
                )
                yield Label("", id="who-summary")
                yield FittedTable(WHO_COLUMNS, cursor_type="row", id="who-table")
            with TabPane("Secret age", id="review-age"):
                yield Input(placeholder="KV v2 mount, then Enter", id="age-mount")
                yield Label("", id="age-summary")
                yield FittedTable(AGE_COLUMNS, cursor_type="row", id="age-table")
            with TabPane("Leases", id="review-leases"):
                yield Input(placeholder="lease prefix, e.g. auth/token/create", id="lease-prefix")
                yield FittedTable(LEASE_COLUMNS, cursor_type="row", id="lease-table")
            with TabPane("Cluster", id="review-cluster"):
                yield ClusterPanel(id="cluster-panel")

    def on_mount(self) -> None:
        gateway = self.vc.gateway

        def work() -> tuple[dict[str, str], list[review.AuthRole], list[review.ParentPolicies]]:
            # The parents' policies: [] in the root namespace.
            parents = review.parent_policies(gateway)
            return review.policies(gateway), review.auth_roles(gateway), parents

        self.vc.run_io(work, self._loaded, description="read policies and roles")

    def focus_main(self) -> None:
        self.query_one("#policy-list", OptionList).focus()

    def key_escape(self) -> None:
        """Esc leaves a query input for the sub-tab's table, as it leaves the audit query."""
        tables = {
            "review-who": "#who-table",
            "review-age": "#age-table",
            "review-leases": "#lease-table",
        }
        focused = self.screen.focused
        active = self.query_one("#review-tabs", TabbedContent).active
        if isinstance(focused, Input) and active in tables:
            self.query_one(tables[active], DataTable).focus()

    def action_sub_tab(self, pane: str) -> None:
        """Open a sub-tab; one that takes a query opens with the focus in its input, so
        what is typed next goes there and never to the single-key actions around it."""
        tabs = self.query_one("#review-tabs", TabbedContent)
        if pane == "review-cluster" and tabs.active == pane:
            self.query_one(ClusterPanel).load()  # C again: read it again
        tabs.active = pane
        if pane in self.QUERY_INPUTS:
            self.query_one(self.QUERY_INPUTS[pane], Input).focus()
        elif pane == "review-cluster":
            # Not focus_main: focusing the policy list would switch back to its tab.
            self.query_one("#cluster-table").focus()
        else:
            self.focus_main()

    def _loaded(
        self,
        result: tuple[dict[str, str], list[review.AuthRole], list[review.ParentPolicies]],
    ) -> None:
        self.policy_texts, self.roles, self.parents = result
        options = self.query_one("#policy-list", OptionList)
        options.clear_options()
        options.add_options([Option(plain(name), id=name) for name in sorted(self.policy_texts)])
        if self.policy_texts:
            options.highlighted = 0

    @on(OptionList.OptionHighlighted, "#policy-list")
    def _policy(self, event: OptionList.OptionHighlighted) -> None:
        text = self.policy_texts.get(event.option.id or "", "")
        shown = escape_controls(text[:POLICY_TEXT_LIMIT], keep_newlines=True)  # the server's text
        self.query_one("#policy-hcl", Static).update(
            Syntax(shown or "# (empty)", "hcl", line_numbers=True, word_wrap=True)
        )

    @on(Input.Submitted, "#who-path")
    @on(Input.Submitted, "#who-accessor")
    def _who(self) -> None:
        typed = self.query_one("#who-path", Input).value.strip().lstrip("/")
        if not typed:
            return
        accessor = self.query_one("#who-accessor", Input).value.strip()
        # The path as the tree shows it is mapped to the API paths policies name.
        mounts = getattr(self.screen, "mounts", [])
        kv2 = [m.path for m in mounts if m.kv_version == 2]
        paths, note = api_paths(typed, kv2)
        here = self.vc.settings.namespace_path
        # The session's own policies, then each parent namespace's: they reach in through
        # a prefix (a root policy on team-a/ai-models/... grants in team-a).
        sources = [("", "", review.parsed(self.policy_texts))] + [
            (p.namespace or "root", p.prefix(here), review.parsed(p.texts)) for p in self.parents
        ]
        rows: list[tuple[list[Text], str | None]] = []
        counts = []
        for api_path in paths:
            granting, denying = 0, 0
            for where, prefix, rules in sources:
                answer = who_can_read(rules, prefix + api_path)
                for grant in answer.grants + answer.denied_by:
                    carriers = [
                        f"{r.mount}{r.role}"
                        for r in self.roles
                        if not where and grant.policy in r.policies
                    ]
                    cells = [
                        plain(api_path),
                        plain(f"{grant.policy} (namespace {where})" if where else grant.policy),
                        plain(", ".join(sorted(grant.capabilities))),
                        plain(grant.pattern),
                        plain(", ".join(carriers) or "-"),
                    ]
                    rows.append((cells, None))
                granting += len(answer.grants)
                denying += 0 if where else len(answer.denied_by)
            denied = f", {denying} deny it" if denying else ""
            counts.append(f"{api_path}: {granting} policies grant read or more{denied}")
        self.query_one("#who-table", FittedTable).set_rows(rows)
        unread = [
            f"the policies of namespace {p.namespace or 'root'} could not be read ({p.problem})"
            for p in self.parents
            if p.problem
        ]
        summary = "; ".join(counts + unread) + (f". {note}" if note else "")
        self.query_one("#who-summary", Label).update(plain(summary, DETAIL_LIMIT))
        if accessor:
            gateway = self.vc.gateway
            self.vc.run_io(
                # The server answers for one path: the values' (data/ on KV v2).
                lambda: review.capabilities_of_accessor(gateway, accessor, paths[0]),
                lambda caps: self.query_one("#who-summary", Label).update(
                    plain(
                        f"{summary}. The server says that token has: "
                        f"{', '.join(caps) or 'nothing'}",
                        DETAIL_LIMIT,
                    )
                ),
                description="capabilities of accessor",
            )

    @on(TabbedContent.TabActivated, "#review-tabs")
    def _review_tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "review-cluster":
            self.query_one(ClusterPanel).load()  # read again each time: after a failover too
            return
        if event.pane.id != "review-age" or self.age_mount is not None:
            return
        # The report loads when the tab opens: the model secrets' mount if there is one,
        # else the first KV v2 mount.
        field = self.query_one("#age-mount", Input)
        kv2 = [m.path.rstrip("/") for m in getattr(self.screen, "mounts", []) if m.kv_version == 2]
        if not field.value.strip() and kv2:
            field.value = "ai-models" if "ai-models" in kv2 else kv2[0]
        if field.value.strip():
            self._age(field.value)
        else:
            self._age_summary("No KV v2 mount is listed: type one and press Enter.")

    @on(Input.Submitted, "#age-mount")
    def _age_submitted(self, event: Input.Submitted) -> None:
        self._age(event.value)

    def _age(self, typed: str) -> None:
        gateway, mount = self.vc.gateway, typed.strip().strip("/")
        if not mount:
            self._age_summary("mount: type a KV v2 mount, then Enter.")
            return
        self._age_summary(f"Reading the metadata of every secret in {mount}/…")

        def failed(_: BaseException) -> bool:
            self._age_summary(f"{mount}/: not read; the message says why.")
            return False  # the app still shows the error itself

        self.vc.run_io(
            lambda: review.age_report(gateway, mount),
            lambda rows: self._aged(mount, rows),
            description="secret age",
            on_error=failed,
        )

    def _age_summary(self, text: str) -> None:
        self.query_one("#age-summary", Label).update(plain(text, DETAIL_LIMIT))

    def _aged(self, mount: str, rows: list[review.AgeRow]) -> None:
        self.age_rows, self.age_mount = rows, mount
        attention = sum(row.status != "ok" for row in rows)
        self._age_summary(
            f"{len(rows)} secrets in {mount}/, {attention} need attention. "
            "updated: when the current version's data was written."
        )
        self._show_age()

    def _show_age(self) -> None:
        rows = list(self.age_rows)
        if self._age_sort is not None:
            column, reverse = self._age_sort
            numeric = column in {"age_days", "versions"}
            rows.sort(
                key=lambda r: getattr(r, column) if numeric else str(getattr(r, column)),
                reverse=reverse,
            )
        self.query_one("#age-table", FittedTable).set_rows(
            [
                (
                    [
                        row.status,
                        plain(row.path),
                        plain(row.updated),
                        str(row.age_days),
                        str(row.versions),
                        plain(row.rotate_by),
                        plain(row.owner),
                    ],
                    None,
                )
                for row in rows
            ]
        )

    @on(DataTable.HeaderSelected, "#age-table")
    def _sort_age(self, event: DataTable.HeaderSelected) -> None:
        label = str(event.label)
        column = next(
            (c.label for c in AGE_COLUMNS if c.label.startswith(label.rstrip("…"))), label
        )
        reverse = self._age_sort == (column, False)
        self._age_sort = (column, reverse)
        self._show_age()

    @on(Input.Submitted, "#lease-prefix")
    def _leases(self, event: Input.Submitted) -> None:
        gateway, prefix = self.vc.gateway, event.value.strip()
        self.vc.run_io(lambda: review.leases(gateway, prefix), self._leased, description="leases")

    def _leased(self, rows: list[review.LeaseRow]) -> None:
        shown: list[tuple[list[Text | str], str | None]] = []
        for row in rows:
            # A lease without an expire time never expires: its TTL of 0 means "none".
            never = not row.expire_time
            cells: list[Text | str] = [
                plain(row.lease_id),
                "none" if never else str(row.ttl),
                "never" if never else plain(row.expire_time),
            ]
            shown.append((cells, None))
        self.query_one("#lease-table", FittedTable).set_rows(shown)

    def findings(self) -> list[review.Finding]:
        found = [
            review.Finding(
                row.status, row.path, f"updated {row.updated}, rotate-by {row.rotate_by or '-'}"
            )
            for row in self.age_rows
            if row.status != "ok"
        ]
        found.extend(
            review.Finding("broad-policy", f.split(":")[0], f)
            for f in broad_rules(review.parsed(self.policy_texts))
        )
        return found

    def export_header(self) -> review.ExportHeader:
        age = (
            f"secret age of the {len(self.age_rows)} secrets in {self.age_mount}/ "
            f"(stale after {review.STALE_DAYS} days without a new version; "
            "overdue past custom_metadata rotate-by)"
            if self.age_mount
            else "secret age: not checked (no KV v2 mount was read)"
        )
        return review.ExportHeader(
            server=self.vc.settings.address,
            generated=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            checked=(
                f"{len(review.parsed(self.policy_texts))} ACL policies for broad rules "
                "('*', '+/*', or sudo on sys/)",
                age,
            ),
        )

    def action_export(self) -> None:
        """Ask the format, then where to write (a new file under the state directory by
        default, never the current directory unasked), then write the findings."""
        folder = config.state_dir(console_env(self)) / "findings"

        def chosen(fmt: str | None) -> None:
            if fmt is None:
                return
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            suggested = folder / f"vault-console-findings-{stamp}.{fmt}"
            self.app.push_screen(
                PromptScreen(
                    "Write the findings to (a new file; Esc cancels)",
                    value=str(suggested),
                    check=lambda typed: str(export_target(typed, folder)),
                ),
                lambda target: write(fmt, target),
            )

        def write(fmt: str, target: str | None) -> None:
            if target is None:
                return
            findings, header = self.findings(), self.export_header()
            path = Path(target)

            def work() -> None:  # in a worker: the disk may be slow or full
                if path.parent == folder:
                    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                # O_EXCL: never over another file, whatever appeared since the check.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(review.export(findings, fmt, header))

            def refused(exc: BaseException) -> bool:
                if not isinstance(exc, OSError):
                    return False
                self.notify(
                    f"Not written: {path}: {exc.strerror or exc}", severity="error", timeout=10
                )
                return True

            self.vc.run_io(
                work,
                lambda _: self.notify(f"Wrote {len(findings)} findings to {path}"),
                description=f"write {path}",
                on_error=refused,
            )

        if self.age_mount is None:
            self.notify(
                "Secret age is not in this export: open the Secret age tab to check a mount.",
                severity="warning",
            )
        self.app.push_screen(
            ChoiceScreen(
                "Export findings (no secret values)",
                [("md", "Markdown"), ("json", "JSON"), ("csv", "CSV")],
            ),
            chosen,
        )


def export_target(typed: str, default_folder: Path) -> Path:
    """The file an export goes to; ValueError names the reason it cannot be that one."""
    text = typed.strip()
    if not text:
        raise ValueError("file: type where to write the findings")
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if path.exists():
        raise ValueError(f"file: {escape_controls(str(path))} already exists; choose a new name")
    if not path.parent.is_dir() and path.parent != default_folder:
        raise ValueError(f"file: the folder {escape_controls(str(path.parent))} does not exist")
    return path
