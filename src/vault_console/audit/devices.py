"""The audit devices a server lists, and which log files this machine can read (no Textual).

``sys/audit``'s answer is data: any field may be missing or of another type.
"""

from __future__ import annotations

import os
import stat
from typing import Any


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


def _options(device: dict[str, Any]) -> dict[str, Any]:
    found = device.get("options")
    return found if isinstance(found, dict) else {}


def devices_line(devices: list[dict[str, Any]]) -> str:
    """``Audit devices: file/ (file, /var/log/audit.log); …`` (not yet escaped)."""
    parts = [
        f"{d.get('path', '?')} ({d.get('type', '?')}"
        + (f", {_options(d)['file_path']}" if _options(d).get("file_path") else "")
        + ")"
        for d in devices
    ]
    return "Audit devices: " + ("; ".join(parts) if parts else "none enabled")


def file_device(devices: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The first file device's name (for ``sys/audit-hash``) and the first file device's
    log that this machine can read, each None when there is none."""
    files = [d for d in devices if d.get("type") == "file"]
    name = str(files[0].get("path", "file")).rstrip("/") if files else None
    local = next(
        (
            str(_options(d)["file_path"])
            for d in files
            if readable_log(str(_options(d).get("file_path", ""))) is None
        ),
        None,
    )
    return name, local
