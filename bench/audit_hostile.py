"""Worst cases for the audit view: hostile log files, read as the Audit tab reads them.

For each file: wall time and peak RSS of the scan (in a fresh process, as the worker
does it), and the UI thread's own work for the result: laying out the first page of
matches in the table, the longest single step the UI thread takes for a scan.

    .venv/bin/python bench/audit_hostile.py

Files (generated in a temp dir, removed after):
  one-line-300mb   one JSON line of 300 MB
  deep-nesting     1,000 lines nested 100,000 deep (200 MB)
  huge-numbers     100 lines with a 1,000,000-digit number (100 MB)
  long-fields      1,000 matching requests whose path and name are 5,000 characters
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCAN = """
import sys, time
from pathlib import Path
from vault_console.audit.reader import Query, scan_latest
start = time.perf_counter()
result = scan_latest(Path(sys.argv[1]), Query(), limit=1000)
wall = time.perf_counter() - start
# VmHWM, not ru_maxrss: that one keeps the parent's peak across fork and exec.
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
rss = int(hwm.split()[1]) / 1024
print(f"{wall:.2f} {rss:.0f} {len(result.entries)} {result.bad_line_count}")
"""


def entry(n: int, path: str = "ai-models/data/prod/openai", name: str = "svc") -> str:
    return json.dumps(
        {
            "time": "2026-11-28T10:00:00Z",
            "type": "request",
            "auth": {"display_name": name, "accessor": "hmac-sha256:ab"},
            "request": {"id": f"r{n}", "operation": "read", "path": path},
        }
    )


def write_files(folder: Path) -> dict[str, Path]:
    files = {}
    big = folder / "one-line-300mb.log"
    with big.open("wb") as out:
        out.write(b'{"request": {"path": "')
        chunk = b"x" * (1 << 20)
        for _ in range(300):
            out.write(chunk)
        out.write(b'"}}\n')
    files["one-line-300mb"] = big
    deep = folder / "deep-nesting.log"
    line = b'{"request": {"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}\n"
    deep.write_bytes(line * 1000)
    files["deep-nesting"] = deep
    digits = folder / "huge-numbers.log"
    line = b'{"type": "request", "request": {"data": {"n": ' + b"9" * 1_000_000 + b"}}}\n"
    digits.write_bytes(line * 100)
    files["huge-numbers"] = digits
    long = folder / "long-fields.log"
    long.write_text(
        "\n".join(
            entry(i, path="p" * 5000 + "\x1b]52;c;aGk=\x07", name="n" * 5000) for i in range(1000)
        )
        + "\n"
    )
    files["long-fields"] = long
    return files


async def ui_layout_seconds(path: Path) -> tuple[float, float]:
    """The UI thread's work to show a scan's first page in the real Audit panel: the
    longest single step (one batch of rows, or the scan result's handling) and all."""
    from bench_host import BenchHost
    from textual.app import ComposeResult

    from vault_console.audit.merge import scan_nodes
    from vault_console.audit.reader import Query
    from vault_console.widgets.audit_panel import AuditPanel

    class Bench(BenchHost):
        def compose(self) -> ComposeResult:
            yield AuditPanel(id="audit-panel")

        def on_mount(self) -> None:  # the panel's own on_mount talks to Vault: skipped
            pass

    AuditPanel.on_mount = lambda self: None  # type: ignore[method-assign]
    steps: list[float] = []
    add_rows = AuditPanel._add_rows

    def timed_add_rows(self: AuditPanel, generation: int) -> None:
        start = time.perf_counter()
        add_rows(self, generation)
        steps.append(time.perf_counter() - start)

    AuditPanel._add_rows = timed_add_rows  # type: ignore[method-assign]
    result = scan_nodes([("", path)], Query(), limit=1000)
    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.query_one(AuditPanel)
        panel.log_path = path
        start = time.perf_counter()
        panel._scanned(result)
        first = time.perf_counter() - start  # includes the first batch
        while panel._shown_rows < len(panel.pairs):
            await pilot.pause()
        total = time.perf_counter() - start
        return max([first, *steps[1:]]), total


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-audit-hostile-") as tmp:
        files = write_files(Path(tmp))
        print(
            "| file | size | scan s | peak RSS MB | entries | bad lines "
            "| UI longest step s | rows shown after s |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, path in files.items():
            out = subprocess.run(
                [sys.executable, "-c", SCAN, str(path)],
                capture_output=True, text=True, check=True, cwd=ROOT,
            ).stdout.split()  # fmt: skip
            wall, rss, entries, bad = out
            longest, total = asyncio.run(ui_layout_seconds(path))
            size = path.stat().st_size / (1 << 20)
            print(
                f"| {name} | {size:.0f} MB | {wall} | {rss} | {entries} | {bad} "
                f"| {longest:.3f} | {total:.2f} |"
            )


if __name__ == "__main__":
    main()
