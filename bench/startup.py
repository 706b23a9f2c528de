"""Start-up: launch to the first interactive frame of the mounts view, against a minimal app.

    python bench/startup.py [--repeat 7]

Each run is a fresh interpreter. The console is ready when the mounts table holds the
server's mounts and a frame has been drawn; the baseline is a Textual app that draws one
line. Prints the median of REPEAT runs of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD_CONSOLE = """
import os, sys, time
from pathlib import Path
from vault_console import config
from vault_console.app import make_app
from textual.widgets import DataTable
settings = config.with_token(config.resolve(home=Path('/nonexistent')), sys.argv[1])
app = make_app(settings)
def check():
    tables = app.screen.query('#mounts-table')
    if tables and tables.first(DataTable).row_count:
        app.call_after_refresh(lambda: (os.write(1, (repr(time.time()) + chr(10)).encode()), app.exit()))
    else:
        app.set_timer(0.002, check)
app.call_later(check)
app.run(headless=True)
"""

CHILD_MINIMAL = """
import os, time
from textual.app import App
from textual.widgets import Static
class One(App):
    def compose(self):
        yield Static('one line')
    def on_mount(self):
        self.call_after_refresh(lambda: (os.write(1, (repr(time.time()) + chr(10)).encode()), self.exit()))
One().run(headless=True)
"""


def run(code: str, env: dict[str, str], *args: str) -> float:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.split()[0]) - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from vault_console import config
    from vault_console.vault import demo_seed
    from vault_console.vault.client import VaultGateway
    from vault_console.vault.devserver import DevServer

    with DevServer() as server:
        settings = config.with_token(
            config.resolve(env={"VAULT_ADDR": server.address}, home=Path("/nonexistent")),
            server.root_token,
        )
        demo_seed.seed(VaultGateway(settings).client)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        env["VAULT_ADDR"] = server.address
        console = [run(CHILD_CONSOLE, env, server.root_token) for _ in range(args.repeat)]
        minimal = [run(CHILD_MINIMAL, env) for _ in range(args.repeat)]
    c, m = statistics.median(console), statistics.median(minimal)
    print(f"{'app':44} {'median s':>9}")
    print(f"{'minimal Textual app, one line':44} {m:9.3f}")
    print(f"{'vault-console, mounts view with data':44} {c:9.3f}")
    print(f"ratio: {c / m:.2f}x")
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, vault_console.app; "
            "print(','.join(m for m in ('pulumi', 'boto3') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"pulumi/boto3 imported at start-up: {heavy or 'none'}")


if __name__ == "__main__":
    main()
