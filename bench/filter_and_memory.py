"""The path filter per keystroke over 10k and 100k loaded paths, and peak RSS at 100k.

    python bench/filter_and_memory.py

Runs the real app (headless, against a fresh OpenBao dev server), loads N paths into the
browser's filter index, then types a query one key at a time. Each keystroke is timed from
the key to the next drawn frame (filter + option list update + refresh). Memory is the
process's peak RSS (ru_maxrss) after 100k paths are loaded and filtered.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import time

from vault_console.app import make_app
from vault_console.config import Settings
from vault_console.screens.browse.screen import MainScreen
from vault_console.vault.devserver import DevServer
from vault_console.widgets.path_filter import PathFilter

QUERY = "prod openai"


def paths(count: int) -> list[str]:
    envs = ("prod", "staging", "dev", "research")
    providers = ("openai", "anthropic", "mistral", "cohere", "google", "meta")
    return [
        f"ai-models/{envs[i % 4]}/team-{i // 24:05d}/{providers[i % 6]}-{i:06d}"
        for i in range(count)
    ]


async def keystrokes(settings: Settings, count: int) -> tuple[list[float], float]:
    """Per keystroke: ms of UI-thread work (filter + list update + layout and render of the
    screen); and the pilot's own round trip for a key that does nothing, for context."""
    app = make_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for path in paths(count):
            screen.loaded_paths.add(path)
        await pilot.press("slash")
        await pilot.pause()
        path_filter = screen.query_one(PathFilter)
        typed = [QUERY[: n + 1] for n in range(len(QUERY))]
        timings = []
        for query in typed + typed[::-1][1:] + [""]:
            start = time.perf_counter()
            path_filter.show_matches(query)  # what Input.Changed runs
            app.screen._refresh_layout(size=app.size)  # layout, then draw the frame
            app.screen._compositor.render_update(full=False)
            timings.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        for _ in range(5):
            await pilot.press("ctrl+a")
            await pilot.pause()
        noop = (time.perf_counter() - start) / 5 * 1000
    return timings, noop


def main() -> None:
    with DevServer() as server:
        print(f"{'loaded paths':>12} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
        noop = 0.0
        for count in (10_000, 100_000):
            timings, noop = asyncio.run(keystrokes(server.settings(), count))
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{count:12d} {statistics.median(timings):10.1f} {p95:8.1f} {max(timings):8.1f}")
        print(f"(for context: the test pilot's own press+pause of a no-op key: {noop:.0f} ms)")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS with 100k paths loaded and filtered: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
