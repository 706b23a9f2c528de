"""Follow mode under a steady stream: rows, memory and UI stalls over time.

A writer appends audit lines to a log at a fixed rate (2,000 a second by default: a busy
cluster's audit device) while the real Audit panel follows it (``f``), headless. Every
interval the script prints the table's rows, the process's resident memory (VmRSS) and
the longest stall of the UI thread in that interval (how late a 20 ms timer fired).
The table keeps the latest 1,000 requests, so rows and memory should stay flat.

    .venv/bin/python bench/audit_follow.py [--seconds 60] [--rate 2000] [--every 5]

``--seconds 3600`` runs the hour the README's figure is for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def line(n: int) -> str:
    return json.dumps(
        {
            "time": "2026-12-01T10:00:00Z",
            "type": "request",
            "auth": {"display_name": "svc", "accessor": "hmac-sha256:ab"},
            "request": {
                "id": f"r{n}",
                "operation": "read",
                "path": f"ai-models/data/prod/k{n % 97}",
                "remote_address": "10.0.0.9",
            },
        }
    )


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        found = next(row for row in status if row.startswith("VmRSS"))
    return int(found.split()[1]) / 1024


def writer(path: Path, rate: int, stop: threading.Event) -> None:
    n = 0
    with path.open("a", encoding="utf-8") as out:
        while not stop.is_set():
            started = time.monotonic()
            batch = max(1, rate // 20)
            out.write("\n".join(line(n + i) for i in range(batch)) + "\n")
            out.flush()
            n += batch
            time.sleep(max(0.0, 0.05 - (time.monotonic() - started)))


async def follow(path: Path, seconds: float, rate: int, every: float) -> None:
    from textual.app import ComposeResult

    from vault_console.widgets.audit_panel import AuditPanel
    from vault_console.widgets.fitted_table import FittedTable

    AuditPanel.on_mount = lambda self: None  # type: ignore[method-assign]  # no Vault here

    from bench_host import BenchHost

    class Bench(BenchHost):
        def compose(self) -> ComposeResult:
            yield AuditPanel(id="audit-panel")

    app = Bench()
    late: list[float] = [0.0]

    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.query_one(AuditPanel)
        panel.log_path = path
        expected = [time.monotonic() + 0.02]

        def tick() -> None:
            now = time.monotonic()
            late[0] = max(late[0], now - expected[0])
            expected[0] = now + 0.02

        app.set_interval(0.02, tick)
        panel.action_follow()
        stop = threading.Event()
        threading.Thread(target=writer, args=(path, rate, stop), daemon=True).start()
        started = time.monotonic()
        print("| seconds | rows in the table | RSS MB | longest UI stall s |")
        print("| --- | --- | --- | --- |")
        next_report = started + every
        while time.monotonic() - started < seconds:
            await pilot.pause(0.1)
            if time.monotonic() >= next_report:
                table = panel.query_one("#audit-table", FittedTable)
                print(
                    f"| {time.monotonic() - started:.0f} | {table.row_count} "
                    f"| {rss_mb():.0f} | {late[0]:.2f} |",
                    flush=True,
                )
                late[0] = 0.0
                next_report += every
        stop.set()
        panel.action_follow()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--every", type=float, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-follow-") as tmp:
        path = Path(tmp) / "audit.log"
        path.write_text("".join(line(i) + "\n" for i in range(100)))
        asyncio.run(follow(path, args.seconds, args.rate, args.every))


if __name__ == "__main__":
    main()
