"""Audit log reader throughput on a generated 1 GiB log, against jq and grep.

    python bench/audit_reader.py [--size-mb 1024] [--keep FILE]

Generates a file audit log shaped like OpenBao's (HMAC'd tokens, request/response pairs),
where one request in a thousand is under ai-models/data/prod/. Then, each once:
  * grep -c (a plain substring count: the floor),
  * jq with the same path-prefix filter,
  * a naive json.loads loop,
  * vault-console's scan with Query(path_prefix=...), in a fresh process, with its peak RSS,
  * vault-console's first page (100 matches) from a cold start, read forward,
  * the latest 100 and 1,000 matches, read backward from the end (what the Audit tab
    shows: scan_latest, with the forward count of line numbers it ends with),
  * vault-console with op:read, which half the lines match: the first 1,000 and all of
    them (memory then grows with the matches it holds).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREFIX = "ai-models/data/prod/"


def entry(n: int, kind: str) -> bytes:
    path = f"{PREFIX}openai" if n % 1000 == 0 else f"secret/data/team-{n % 97}/svc-{n % 13}"
    doc = {
        "time": f"2026-11-28T10:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000000:06d}000Z",
        "type": kind,
        "auth": {
            "client_token": "hmac-sha256:" + f"{n * 7919:064x}"[-64:],
            "accessor": "hmac-sha256:" + f"{n * 104729:064x}"[-64:],
            "display_name": f"approle-svc-{n % 13}",
            "policies": ["default", "ai-models-read"],
            "token_type": "service",
        },
        "request": {
            "id": f"{n:08x}-0000-0000-0000-000000000000",
            "operation": "read" if n % 2 else "list",
            "mount_point": path.split("/")[0] + "/",
            "mount_type": "kv",
            "client_token": "hmac-sha256:" + f"{n * 7919:064x}"[-64:],
            "namespace": {"id": "root"},
            "path": path,
            "remote_address": f"10.0.{n % 250}.{n % 199}",
            "remote_port": 40000 + n % 20000,
        },
    }
    if kind == "response":
        doc["response"] = {"mount_type": "kv", "data": {"api_key": "hmac-sha256:" + f"{n:064x}"}}
    return json.dumps(doc, separators=(",", ":")).encode() + b"\n"


def generate(path: Path, size: int) -> int:
    block = b"".join(entry(n, k) for n in range(2000) for k in ("request", "response"))
    with path.open("wb") as out:
        written = 0
        while written < size:
            out.write(block)
            written += len(block)
    return written


def timed(command: list[str], **kwargs: object) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start, out.stdout.strip()


SCAN = """
import json, resource, sys, time
from pathlib import Path
from vault_console.audit.reader import Query, scan, scan_latest
from vault_console.audit.query import parse_query
start = time.perf_counter()
log, query, limit = Path(sys.argv[1]), parse_query(sys.argv[2]), int(sys.argv[3]) or None
if sys.argv[4] == "latest":
    result = scan_latest(log, query, limit=limit or 10**9)
else:
    result = scan(log, query, limit=limit)
# VmHWM, not ru_maxrss: that one keeps the parent's peak across fork and exec.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"seconds": time.perf_counter() - start, "matches": len(result.entries),
                  "rss_mb": int(hwm.split()[1]) / 1024}))
"""

NAIVE = """
import json, sys, time
start = time.perf_counter()
count = 0
with open(sys.argv[1], "rb") as log:
    for line in log:
        if json.loads(line).get("request", {}).get("path", "").startswith(sys.argv[2]):
            count += 1
print(json.dumps({"seconds": time.perf_counter() - start, "matches": count}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", type=Path, help="write the log here and keep it")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    log = args.keep or folder / "audit.log"
    written = generate(log, args.size_mb * 1024 * 1024)
    print(f"log: {written / 2**20:.0f} MiB, {written // len(entry(1, 'request')) // 1:,}~ lines")
    rows = []
    seconds, out = timed(["grep", "-c", PREFIX, str(log)])
    rows.append(("grep -c (floor)", seconds, out, ""))
    jq_filter = f'select((.request.path // "") | startswith("{PREFIX}"))'
    start = time.perf_counter()
    jq = subprocess.run(["jq", "-c", jq_filter, str(log)], capture_output=True, check=False)
    jq_matches = jq.stdout.count(b"\n")
    jq_seconds = time.perf_counter() - start
    rows.append(("jq path-prefix filter", jq_seconds, str(jq_matches), ""))
    naive = json.loads(
        subprocess.run(
            [sys.executable, "-c", NAIVE, str(log), PREFIX],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    rows.append(("naive json.loads loop", naive["seconds"], str(naive["matches"]), ""))
    for label, query, limit, way in (
        (f"vault-console path:{PREFIX}", f"path:{PREFIX}", 0, "first"),
        ("vault-console first page (100)", f"path:{PREFIX}", 100, "first"),
        (f"vault-console latest 100, path:{PREFIX}", f"path:{PREFIX}", 100, "latest"),
        ("vault-console op:read, first 1000", "op:read", 1000, "first"),
        ("vault-console op:read, latest 1000 (as the view)", "op:read", 1000, "latest"),
        ("vault-console op:read, all 800k matches", "op:read", 0, "first"),
    ):
        figures = json.loads(
            subprocess.run(
                [sys.executable, "-c", SCAN, str(log), query, str(limit), way],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        rows.append(
            (label, figures["seconds"], str(figures["matches"]), f"{figures['rss_mb']:.0f} MB")
        )
    print(f"{'reader':48} {'seconds':>8} {'matches':>10} {'x faster than jq':>17} {'peak RSS':>9}")
    for label, seconds, matches, rss in rows:
        print(f"{label:48} {seconds:8.2f} {matches:>10} {jq_seconds / seconds:17.1f} {rss:>9}")
    if not args.keep:
        os.unlink(log)
        folder.rmdir()


if __name__ == "__main__":
    main()
