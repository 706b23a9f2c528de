"""Start-up: launch to the first interactive frame of the mounts view, against a minimal app.

    python bench/startup.py [--repeat 9]

Each run is a fresh interpreter. Two moments are timed in the console's run:

* **first frame**: the mounts view is drawn and takes keys (the issue's target);
* **mounts listed**: a frame has been drawn with the server's mounts in the table.

The baseline is a Textual app that draws one line. For context, a third app has only the
widgets the mounts view cannot do without (a status line, four tabs, a 12-row table and a
footer) and no Vault client: what Textual itself needs for such a screen. Runs alternate
between the apps so that a slow spell of the machine hits all of them; the median of
REPEAT runs of each is printed.
The package's bytecode is compiled first, as an installed wheel's is
(``PYTHONDONTWRITEBYTECODE`` would otherwise make every run compile our sources).
"""

from __future__ import annotations

import argparse
import compileall
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
from vault_console.screens.main import MainScreen
settings = config.with_token(config.resolve(home=Path('/nonexistent')), sys.argv[1])
app = make_app(settings)
def stamp():
    os.write(1, (repr(time.time()) + chr(10)).encode())
# Hooks instead of polling: a polling timer would compete with the loading thread.
mounted, shown = MainScreen.on_mount, MainScreen._show_mounts
def on_mount(screen):
    mounted(screen)
    screen.call_after_refresh(stamp)
def show_mounts(screen, mounts):
    shown(screen, mounts)
    screen.call_after_refresh(lambda: (stamp(), app.exit()))
MainScreen.on_mount, MainScreen._show_mounts = on_mount, show_mounts
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


CHILD_WIDGETS = """
import os, time
from textual.app import App
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane
class Widgets(App):
    BINDINGS = [Binding(k, 'bell', k) for k in 'abcdefgh']
    def compose(self):
        yield Static('status line')
        with TabbedContent(initial='mounts'):
            with TabPane('Mounts', id='mounts'):
                table = DataTable()
                table.add_columns(*'abcdefg')
                for i in range(12):
                    table.add_row(*[str(i)] * 7)
                yield table
            for name in ('secrets', 'audit', 'review'):
                yield TabPane(name, id=name)
        yield Footer()
    def on_mount(self):
        self.call_after_refresh(lambda: (os.write(1, (repr(time.time()) + chr(10)).encode()), self.exit()))
Widgets().run(headless=True)
"""


def run(code: str, env: dict[str, str], *args: str) -> list[float]:
    """Seconds from launch to each time the child printed."""
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
    )
    return [float(t) - start for t in out.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    src = Path(__file__).resolve().parent.parent / "src"
    compileall.compile_dir(src / "vault_console", quiet=1)
    sys.path.insert(0, str(src))
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
        console, minimal, widgets = [], [], []
        for _ in range(args.repeat):
            console.append(run(CHILD_CONSOLE, env, server.root_token))
            minimal.append(run(CHILD_MINIMAL, env)[0])
            widgets.append(run(CHILD_WIDGETS, env)[0])
    m = statistics.median(minimal)
    w = statistics.median(widgets)
    frame = statistics.median(c[0] for c in console)
    listed = statistics.median(c[1] for c in console)
    print(f"{'app':44} {'median s':>9} {'ratio':>6}")
    print(f"{'minimal Textual app, one line':44} {m:9.3f}")
    print(f"{'Textual app, the mounts view widgets only':44} {w:9.3f} {w / m:5.2f}x")
    print(f"{'vault-console, first frame of mounts view':44} {frame:9.3f} {frame / m:5.2f}x")
    print(f"{'vault-console, mounts listed':44} {listed:9.3f} {listed / m:5.2f}x")
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
