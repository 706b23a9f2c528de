"""Start-up: launch to the first interactive frame of the mounts view, against a minimal app.

    python bench/startup.py [--repeat 15]

Each run is a fresh interpreter. Two moments are timed in the console's run:

* **first frame**: the first frame of the mounts view is drawn: status line, tabs and the
  table's header; keys are taken from then on (the issue's target). The footer's keys come
  a frame later, as in any Textual app, the one-line app included.
* **mounts listed**: the first frame drawn with the server's mounts in the table.

A frame is timed when the app hands it to the driver, in every app alike (see FRAMES).

The baseline is a Textual app that draws one line. For context, a third app has only the
widgets the mounts view cannot do without (a status line, four tabs, a 12-row table and a
footer) and no Vault client: what Textual itself needs for such a screen. Runs alternate
between the apps so that a slow spell of the machine hits all of them.

For each app the best and the median wall time of REPEAT rounds are printed, the median
CPU time of the process at that moment (the mounts-listed figure includes the loading
thread), and the ratios to the one-line app: in each round the apps run back to back, the
ratio is taken within the round, and the median over rounds is printed. On this shared
2-core machine the medians of wall times moved by a third between runs of the script, and
a ratio of best times swung with one lucky run of the baseline; paired ratios did not.

Every app runs headless at 80x24, as in a terminal of that size (without a size, a headless
app starts at rich's default 80x25, then gets 80x24 from the driver: one more layout).
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

FRAMES = """
import os, time
from textual.app import App
def stamp():
    os.write(1, f'{time.time()!r} {time.process_time()!r}{chr(10)}'.encode())
# A frame is drawn when the app hands the compositor's update to the driver (App._display;
# a headless driver then writes nothing). Hooked the same way in every app: a callback
# scheduled after a refresh runs behind whatever else was scheduled, which is not a frame.
display = App._display
def on_frame(check):
    def hooked(app, screen, renderable):
        display(app, screen, renderable)
        if renderable is not None:
            check(app, screen)
    App._display = hooked
"""

CHILD_CONSOLE = (
    FRAMES
    + """
import sys
from pathlib import Path
from textual.widgets import DataTable
from vault_console import config
from vault_console.app import make_app
from vault_console.screens.browse.screen import MainScreen
settings = config.with_token(config.resolve(home=Path('/nonexistent')), sys.argv[1])
stamped = []
def check(app, screen):
    if not isinstance(screen, MainScreen):
        return
    if not stamped:
        stamped.append('first frame')
        stamp()
    elif len(stamped) == 1 and screen.query_one('#mounts-table', DataTable).row_count:
        stamped.append('mounts listed')
        stamp()
        app.exit()
on_frame(check)
make_app(settings).run(headless=True, size=(80, 24))
"""
)

CHILD_MINIMAL = (
    FRAMES
    + """
from textual.widgets import Static
class One(App):
    def compose(self):
        yield Static('one line')
def check(app, screen):
    stamp()
    app.exit()
on_frame(check)
One().run(headless=True, size=(80, 24))
"""
)

CHILD_WIDGETS = (
    FRAMES
    + """
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
def check(app, screen):
    stamp()
    app.exit()
on_frame(check)
Widgets().run(headless=True, size=(80, 24))
"""
)


def run(code: str, env: dict[str, str], *args: str) -> list[tuple[float, float]]:
    """(wall seconds from launch, CPU seconds of the child) at each time the child printed."""
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
    )
    stamps = [line.split() for line in out.stdout.splitlines()]
    return [(float(wall) - start, float(cpu)) for wall, cpu in stamps]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    src = Path(__file__).resolve().parent.parent / "src"
    compileall.compile_dir(src / "vault_console", quiet=1)
    sys.path.insert(0, str(src))
    from vault_console.vault import demo_seed
    from vault_console.vault.client import VaultGateway
    from vault_console.vault.devserver import DevServer

    with DevServer() as server:
        demo_seed.seed(VaultGateway(server.settings()).client)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        env["VAULT_ADDR"] = server.address
        console, minimal, widgets = [], [], []
        for _ in range(args.repeat):
            console.append(run(CHILD_CONSOLE, env, server.root_token))
            minimal.append(run(CHILD_MINIMAL, env)[0])
            widgets.append(run(CHILD_WIDGETS, env)[0])
    rows = [
        ("minimal Textual app, one line", minimal),
        ("Textual app, the mounts view widgets only", widgets),
        ("vault-console, first frame of mounts view", [c[0] for c in console]),
        ("vault-console, mounts listed", [c[1] for c in console]),
    ]
    print(f"{'':44} {'wall s':>15} {'CPU s':>7} {'x one-line, paired':>20}")
    print(f"{'app':44} {'best':>7} {'median':>7} {'median':>7} {'wall':>9} {'CPU':>9}")
    for name, stamps in rows:
        # Round i of every app ran back to back: its ratio to the one-line app of the same
        # round cancels most of a slow spell; the median of those ratios is the figure.
        wall = statistics.median(w / base[0] for (w, _), base in zip(stamps, minimal, strict=True))
        cpu = statistics.median(c / base[1] for (_, c), base in zip(stamps, minimal, strict=True))
        print(
            f"{name:44} {min(w for w, _ in stamps):7.3f} "
            f"{statistics.median(w for w, _ in stamps):7.3f} "
            f"{statistics.median(c for _, c in stamps):7.3f} {wall:8.2f}x {cpu:8.2f}x"
        )
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
