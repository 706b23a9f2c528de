"""The IO packages never import Textual (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest

IO_MODULES = [
    "vault_console.config",
    "vault_console.errors",
    "vault_console.text",
    "vault_console.vault.client",
    "vault_console.vault.kv",
    "vault_console.vault.transport",
    "vault_console.vault.devserver",
    "vault_console.vault.demo_seed",
    "vault_console.cli",
]


@pytest.mark.parametrize("module", IO_MODULES)
def test_module_does_not_import_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"
