"""The IO packages never import Textual (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _modules_below_the_ui() -> list[str]:
    """Every module of the packages below the UI, found by walking them (a hand-kept list
    missed new modules), and the top-level modules that must load without Textual."""
    import pkgutil

    import vault_console_programs
    from vault_console import audit, infra, vault

    found = [
        "vault_console.config",
        "vault_console.errors",
        "vault_console.text",
        "vault_console.escaping",
        "vault_console.cli",
        "vault_console.commands",
        "vault_console.demo",
    ]
    for package in (vault, infra, audit, vault_console_programs):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.endswith("__main__"):
                found.append(module.name)
    return found


IO_MODULES = _modules_below_the_ui()


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


def test_w_shows_the_first_step_before_pulumi_is_imported(bao: object, tmp_path: Path) -> None:
    """Pressing W draws the wizard's first step without loading pulumi's SDK and grpc on
    the UI thread (they load when an engine runs). A fresh interpreter: this test process
    has pulumi loaded already."""
    from vault_console.vault.devserver import DevServer

    assert isinstance(bao, DevServer)
    script = f"""
import asyncio, sys
from vault_console.app import make_app
from tests.conftest import settings_for

async def main():
    app = make_app(settings_for({bao.address!r}, {bao.root_token!r}), env={{
        "PATH": "/usr/bin:/bin", "HOME": {str(tmp_path)!r},
        "XDG_STATE_HOME": {str(tmp_path / "state")!r},
        "PULUMI_CONFIG_PASSPHRASE": "w-import-test"}})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        await pilot.press("W")
        for _ in range(50):
            await pilot.pause(0.05)
            if type(app.screen).__name__ == "WizardScreen" and app.screen.current == "target":
                break
        shown = type(app.screen).__name__
        print(shown, ",".join(m for m in ("pulumi", "grpc") if m in sys.modules))

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "WizardScreen"


def test_every_worker_goes_through_run_io() -> None:
    """One way to run blocking work: ``App.run_io`` is the only caller of ``run_worker``
    and nothing uses ``@work``, so every failure takes the one error path and every keyed
    answer can be superseded."""
    import re
    from pathlib import Path

    import vault_console

    root = Path(vault_console.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\brun_worker\(|^\s*@work\b|from textual import .*\bwork\b", line):
                found.append((str(path.relative_to(root)), number, line.strip()))
    assert [(where, line) for where, _, line in found] == [
        ("app.py", "worker: Worker[T] = self.run_worker(")
    ], found


UI_FILE_LINES = 500


def test_ui_files_can_be_read_in_one_sitting() -> None:
    """Screens and widgets stay under 500 lines: past that, a file holds two things, and
    the second moves out (a widget, a model without Textual, a keys module)."""
    from pathlib import Path

    import vault_console

    root = Path(vault_console.__file__).parent
    long = {
        str(path.relative_to(root)): lines
        for folder in ("screens", "widgets")
        for path in sorted((root / folder).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > UI_FILE_LINES
    }
    assert long == {}
