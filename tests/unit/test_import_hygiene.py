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
    "vault_console.commands",
    "vault_console.vault.readonly",
    "vault_console.vault.model",
    "vault_console.infra.plan",
    "vault_console.infra.engine",
    "vault_console.infra.doctor",
    "vault_console_programs.ai_secrets.config",
    "vault_console_programs.ai_secrets.program",
]


@pytest.mark.parametrize("module", ["vault_console.cli", "vault_console.app"])
def test_start_up_modules_do_not_import_pulumi_or_boto3(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "print(','.join(m for m in ('pulumi', 'boto3', 'botocore') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_app_loads_the_http_stack_and_the_lazy_tabs_only_when_used() -> None:
    """The first frame does not wait for hvac/requests/urllib3 (the first request loads
    them, in a worker) nor for the Audit and Review tabs' modules."""
    code = (
        "import sys, vault_console.app\n"
        "heavy = ('hvac', 'requests', 'urllib3', 'pygments', 'tomllib',\n"
        "         'vault_console.vault.client', 'vault_console.widgets.audit_panel',\n"
        "         'vault_console.widgets.review_panel', 'vault_console.vault.policies')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


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
