"""Write screenshots/*.svg from the real app on a freshly seeded OpenBao dev server.

    python scripts/screenshots.py

Uses make_app (the CLI's factory) and the scenes the snapshot tests use.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")  # no half-drawn tab underlines

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.snapshots.scenes import SCENES  # noqa: E402
from vault_console.app import make_app  # noqa: E402
from vault_console.infra.plan import load_plan  # noqa: E402
from vault_console.screens.plan import PlanViewerApp  # noqa: E402
from vault_console.vault import demo_seed  # noqa: E402
from vault_console.vault.client import VaultGateway  # noqa: E402
from vault_console.vault.devserver import DevServer  # noqa: E402

SIZE = (120, 34)


async def shoot(out: Path) -> list[Path]:
    written = []
    with DevServer() as server:
        settings = server.settings()
        gateway = VaultGateway(settings)
        demo_seed.seed(gateway.client)
        for name, scene in SCENES.items():
            app = make_app(settings)
            async with app.run_test(size=SIZE) as pilot:
                await scene(pilot, gateway)
                path = out / f"{name}.svg"
                app.save_screenshot(filename=path.name, path=str(out))
                written.append(path)
        gateway.close()
    log = ROOT.parent / "shared" / "fixtures" / "pulumi-events" / "webserver-userdata.json"
    if log.exists():
        viewer = PlanViewerApp(load_plan(log), log.name)
        async with viewer.run_test(size=SIZE) as pilot:
            await pilot.press("down", "down")
            await pilot.pause()
            viewer.save_screenshot(filename="plan-viewer.svg", path=str(out))
            written.append(out / "plan-viewer.svg")
    return written


def main() -> int:
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    for path in asyncio.run(shoot(out)):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
