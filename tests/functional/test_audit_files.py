"""The Audit tab with log files it is pointed at: follow mode, and files it must not read."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

from textual.widgets import Label

from tests.audit.test_reader_hostile import entry, write_lines
from tests.functional.helpers import fitted_rows, settle
from vault_console.app import make_app
from vault_console.audit.reader import AuditPair
from vault_console.config import Settings
from vault_console.widgets.audit_panel import SHOWN, SLACK, AuditPanel
from vault_console.widgets.fitted_table import FittedTable

SIZE = (140, 40)


async def test_follow_appends_rows_and_pairs_responses_without_a_rebuild(
    root_settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "audit.log"
    write_lines(log, [entry(1), entry(2)])
    app = make_app(dataclasses.replace(root_settings, audit_log=str(log)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        table = app.screen.query_one("#audit-table", FittedTable)
        assert table.row_count == 2
        rebuilds: list[int] = []
        show = panel._show

        def counted_show(pairs: list[AuditPair]) -> None:
            rebuilds.append(1)
            show(pairs)

        panel._show = counted_show  # type: ignore[method-assign]
        table.focus()
        await pilot.press("f")
        await pilot.pause(0.5)  # the follower starts at the end of the file
        response = entry(1, type="response")
        with log.open("a") as out:
            out.write(json.dumps(entry(3)) + "\n" + json.dumps(response) + "\n")
        deadline = time.monotonic() + 10
        while table.row_count < 3 and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await pilot.pause(0.3)
        assert table.row_count == 3
        assert fitted_rows(table)[0][5] == "ok"  # request 1's row now has its response
        assert rebuilds == []  # appended, not rebuilt
        await pilot.press("f")  # follow off


async def test_a_long_log_shows_its_latest_requests_and_says_so(
    root_settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "audit.log"
    write_lines(log, [entry(n) for n in range(1500)] + [entry(1500, path="ai-models/data/new")])
    app = make_app(dataclasses.replace(root_settings, audit_log=str(log)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#audit-table", FittedTable)
        for _ in range(30):  # rows are added 100 a frame
            if table.row_count == 1000:
                break
            await pilot.pause(0.05)
        assert table.row_count == 1000
        assert fitted_rows(table)[999][2] == "ai-models/data/new"  # the newest, last
        status = str(app.screen.query_one("#audit-status", Label).render())
        assert "the latest 1000 matches" in status


async def test_a_profile_audit_log_that_is_a_fifo_is_not_read(
    root_settings: Settings, tmp_path: Path
) -> None:
    fifo = tmp_path / "audit.fifo"
    os.mkfifo(fifo)
    app = make_app(dataclasses.replace(root_settings, audit_log=str(fifo)))
    started = time.monotonic()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        status = str(app.screen.query_one("#audit-status", Label).render())
        assert "is not a regular file" in status
    assert time.monotonic() - started < 30  # the exit did not hang on the FIFO


async def test_follow_keeps_at_most_1500_latest_requests_however_long_it_runs(
    root_settings: Settings, tmp_path: Path
) -> None:
    """Following a busy log used to grow the table without end (78,701 rows in 40 s)."""
    log = tmp_path / "audit.log"
    write_lines(log, [entry(n, path=f"ai-models/data/k/{n}") for n in range(900)])
    app = make_app(dataclasses.replace(root_settings, audit_log=str(log)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        table = app.screen.query_one("#audit-table", FittedTable)
        table.focus()
        await pilot.press("f")
        await pilot.pause(0.5)  # the follower starts at the end of the file
        for start in range(900, 3400, 500):
            with log.open("a") as out:
                out.writelines(
                    json.dumps(entry(n, path=f"ai-models/data/k/{n}")) + "\n"
                    for n in range(start, start + 500)
                )
            await pilot.pause(0.3)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if fitted_rows(table) and fitted_rows(table)[-1][2].endswith("/3399"):
                break
            await pilot.pause(0.1)
        rows = fitted_rows(table)
        shown = len(rows)
        assert SHOWN <= shown <= SHOWN + SLACK  # 3,400 followed: the oldest were dropped
        assert table.row_count == shown  # the table, and what it keeps
        assert len(panel.pairs) == shown and len(panel._row_of) == shown
        assert rows[-1][2].endswith("/3399")  # the latest, and no gap before it
        assert [r[2].rsplit("/", 1)[1] for r in rows] == [str(n) for n in range(3400 - shown, 3400)]
        await pilot.press("f")


async def test_a_follower_that_fails_stops_and_says_why(
    root_settings: Settings, tmp_path: Path
) -> None:
    """The log rotates into something the follower cannot open (here a directory): follow
    mode stops and the status line says why, instead of following nothing in silence."""
    log = tmp_path / "audit.log"
    write_lines(log, [entry(1)])
    app = make_app(dataclasses.replace(root_settings, audit_log=str(log)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        panel = app.screen.query_one(AuditPanel)
        app.screen.query_one("#audit-table", FittedTable).focus()
        await pilot.press("f")
        await pilot.pause(0.5)
        log.rename(tmp_path / "audit.log.1")
        log.mkdir()
        status = app.screen.query_one("#audit-status", Label)
        deadline = time.monotonic() + 10
        while "stopped" not in str(status.render()) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        assert str(status.render()).startswith("✖ Follow mode stopped: ")
        assert "Is a directory" in str(status.render())
        assert panel._stop_follow is None  # f starts following again, not "off"
