"""Crash reports: what ended the console unexpectedly, kept in a private file.

The report is the traceback without local variables (they can hold secret values and
tokens), written owner-only under the state directory; the terminal gets a short line
that names the file, so an unexpected exit is never silent.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from vault_console import config


def write_report(error: BaseException, env: Mapping[str, str] | None = None) -> Path | None:
    """Write ``error``'s traceback (no locals) to a new 0600 file; None if it cannot be."""
    try:
        folder = config.state_dir(dict(os.environ if env is None else env)) / "crashes"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"crash-{stamp}.txt"
        text = "".join(traceback.format_exception(error))
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(f"vault-console crash report, {stamp}\n\n{text}")
        return path
    except OSError:
        return None


def summary(error: BaseException, report: Path | None) -> str:
    """The line the terminal gets."""
    where = f" The report (traceback, no values or tokens) is in {report}." if report else ""
    return f"vault-console stopped on an unexpected error: {type(error).__name__}.{where}"
