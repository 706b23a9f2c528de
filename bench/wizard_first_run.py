"""The setup wizard's first run, timed from the key press, on the real engine.

A new user's first run: a fresh state directory (no stack yet) and a PULUMI_HOME holding
only the vault provider (installed before the clock starts, as the README's set-up does),
against a fresh OpenBao dev server. The app is driven by keys as a person drives it:

* ``W`` to the target step's report (the capability check);
* Next on the components (model secrets only), to the review's plan on screen: the
  existing-objects check, the stack's creation, its config, and the refreshing preview;
* Next, Next to the result step: the apply of the reviewed plan and the read-back.

Each CLI command the engine runs is timed too, so the phases can be told apart.

    .venv/bin/python bench/wizard_first_run.py [--rounds 3]

NEEDS: ``pulumi`` on PATH (``tools/pulumi/build.sh``) and ``../shared/pulumi-plugins``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import install_vault_plugin, settings_for  # noqa: E402
from vault_console.app import make_app  # noqa: E402
from vault_console.infra.engine import PulumiCli  # noqa: E402
from vault_console.screens.wizard.base import field_id  # noqa: E402
from vault_console.screens.wizard.screen import WizardScreen  # noqa: E402
from vault_console.vault import demo_seed  # noqa: E402
from vault_console.vault.client import VaultGateway  # noqa: E402
from vault_console.vault.devserver import DevServer  # noqa: E402


class TimedCli(PulumiCli):
    """The real CLI, timing every command it runs."""

    def __init__(self, command: str, log: list[tuple[str, float]]) -> None:
        super().__init__(command)
        self.log = log

    def run(self, args: list[str], *rest: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().run(args, *rest, **kwargs)
        finally:
            words = [a for a in args if not a.startswith("-")][:2]
            self.log.append((" ".join(words), time.perf_counter() - started))


async def one_round(server: DevServer, cli: str, home: Path, work: Path) -> dict[str, Any]:
    env = {
        "PATH": f"{Path(cli).parent}:{os.environ['PATH']}",
        "HOME": str(work),
        "XDG_STATE_HOME": str(work / "state"),
        "XDG_CONFIG_HOME": str(work / "config"),
        "PULUMI_HOME": str(home),
        "PULUMI_CONFIG_PASSPHRASE": "bench passphrase",
    }
    settings = settings_for(server.address, server.root_token)
    app = make_app(settings, env=env, status_refresh=3600)
    commands: list[tuple[str, float]] = []
    times: dict[str, float] = {}
    mount = f"bench-{work.name[-6:].lower().replace('_', '-')}"

    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()

        async def until(test: Any, timeout: float = 300.0) -> None:
            deadline = time.monotonic() + timeout
            while not test() and time.monotonic() < deadline:
                await pilot.pause(0.01)

        started = time.perf_counter()
        await pilot.press("W")
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        screen.command_factory = lambda: TimedCli(
            shutil.which("pulumi", path=env["PATH"]) or cli, commands
        )
        await until(lambda: screen.state.report is not None)
        times["W to the target's report"] = time.perf_counter() - started

        skip = screen.query_one("#skip-aws")
        if skip.display:
            skip.press()  # type: ignore[attr-defined]
            await app.workers.wait_for_complete()
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        for name, text in (
            ("model_secrets.mount_path", mount),
            ("model_secrets.policy_name", f"{mount}-read"),
            ("model_secrets.rows[0].value", "sk-bench-first-run"),
        ):
            field = screen.query_one(f"#{field_id(name)}")
            field.value = text  # type: ignore[attr-defined]
        started = time.perf_counter()
        await pilot.press("ctrl+n")
        first_event: list[float] = []

        def progressed() -> bool:
            log = screen.query("#review-progress")
            if log and not first_event and log.first().line_count:  # type: ignore[attr-defined]
                first_event.append(time.perf_counter() - started)
            return screen.running is None and screen.current == "review"

        await until(progressed)
        times["Next to the plan on screen (preview)"] = time.perf_counter() - started
        times["  of which: to the first progress line"] = first_event[0] if first_event else -1
        assert screen.state.preview is not None, "the preview failed"

        started = time.perf_counter()
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("ctrl+n")
        await until(lambda: screen.current == "result" and screen.state.verifications is not None)
        times["Next, Next to the result (apply, read-back)"] = time.perf_counter() - started
    return {"times": times, "commands": commands}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cli = shutil.which("pulumi")
    if cli is None:
        print("needs `pulumi` on PATH (tools/pulumi/build.sh)", file=sys.stderr)
        return 1
    results = []
    # Model secrets only (the AWS components are skipped on a server without the plugins).
    with DevServer(plugins=False) as server:
        gateway = VaultGateway(settings_for(server.address, server.root_token))
        demo_seed.seed(gateway.client)
        gateway.close()
        for number in range(args.rounds):
            work = Path(tempfile.mkdtemp(prefix="wizard-bench-"))
            home = install_vault_plugin(cli, work / "pulumi-home")  # before the clock
            result = asyncio.run(one_round(server, cli, home, work))
            results.append(result)
            print(f"round {number + 1}:")
            for what, seconds in result["times"].items():
                print(f"  {what:45s} {seconds:6.2f} s")
            for command, seconds in result["commands"]:
                print(f"    pulumi {command:30s} {seconds:6.2f} s")
            shutil.rmtree(work, ignore_errors=True)
    print("median over rounds:")
    for what in results[0]["times"]:
        print(f"  {what:45s} {statistics.median(r['times'][what] for r in results):6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
