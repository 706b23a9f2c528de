"""Sealed servers, timeouts, crashes, the TLS warning and switching profiles, in the app."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import TabbedContent

from tests.conftest import settings_for
from tests.functional.helpers import screen_text, settle
from vault_console import config
from vault_console.app import make_app
from vault_console.config import Settings
from vault_console.errors import describe
from vault_console.screens.browse.screen import MainScreen
from vault_console.vault.client import VaultGateway
from vault_console.vault.devserver import DevServer
from vault_console.widgets.dialogs import ChoiceScreen, ErrorScreen
from vault_console.widgets.fitted_table import FittedTable
from vault_console.widgets.review_panel import ReviewPanel
from vault_console.widgets.status_bar import StatusBar


async def test_a_sealed_server_is_shown_and_reads_say_why() -> None:
    with DevServer() as server:
        settings = settings_for(server.address, server.root_token)
        app = make_app(settings)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            VaultGateway(settings).client.sys.seal()
            app.refresh_status()
            await settle(pilot)
            bar = app.screen.query_one(StatusBar)
            assert bar.status is not None and bar.status.sealed
            assert "SEALED" in screen_text(app)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert isinstance(app.screen, ErrorScreen)
            assert app.screen.error.title == "Vault is sealed"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_a_server_that_never_answers_times_out(silent_server: str) -> None:
    gateway = VaultGateway(settings_for(silent_server, "t", timeout=0.3))
    with pytest.raises(Exception) as caught:
        gateway.kv("ai-models", 2).list_folder()
    assert describe(caught.value).title == "Timed out"


async def test_crash_output_has_no_local_variables_and_names_its_report(
    root_settings: Settings, tmp_path: Path
) -> None:
    app = make_app(root_settings, env={"XDG_STATE_HOME": str(tmp_path), "HOME": str(tmp_path)})
    printed: list[object] = []
    original = app._print_error_renderables

    def capture() -> None:
        printed.extend(app._exit_renderables)  # what Textual prints on the way out
        original()

    app._print_error_renderables = capture  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)

            def explode() -> None:
                # Built at run time: only a dump of local variables could show it.
                api_key = "-".join(["sk", "crash", "local", "secret"])
                raise RuntimeError(f"boom ({len(api_key)} chars)")

            app.call_later(explode)
            await pilot.pause()
    console = Console(record=True, width=200, file=io.StringIO())
    for renderable in printed[:1]:  # Textual prints the first one only
        console.print(renderable)
    rendered = console.export_text()
    assert "RuntimeError" in rendered and "boom" in rendered
    assert "sk-crash-local-secret" not in rendered
    reports = list((tmp_path / "vault-console" / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1
    assert "vault-console stopped on an unexpected error: RuntimeError" in rendered
    assert str(reports[0]) in rendered.replace("\n", "")
    assert oct(reports[0].stat().st_mode & 0o777) == "0o600"
    report = reports[0].read_text()
    assert "boom (21 chars)" in report and "sk-crash-local-secret" not in report


async def test_skip_verify_warning_stays_on_screen(root_settings: Settings) -> None:
    app = make_app(dataclasses.replace(root_settings, skip_verify=True))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for key in ("2", "3", "4", "1"):
            await pilot.press(key)
            await settle(pilot)
            assert "TLS verification is OFF" in screen_text(app)


async def test_switching_profile_reconnects(
    bao: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        f'[profiles.lab]\naddress = "{bao.address}"\ntoken_env = "LAB_TOKEN"\nread_only = true\n'
        '[profiles.gone]\naddress = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    env = {config.CONFIG_ENV: str(profiles), "LAB_TOKEN": bao.root_token, "HOME": str(tmp_path)}
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.vault-token from the machine
    start = settings_for("http://127.0.0.1:9", None)
    app = make_app(start, env=env)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        from vault_console.screens.login import LoginScreen

        assert isinstance(app.screen, LoginScreen)  # no token at the start: declined
        await pilot.press("escape")
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "enter")  # "lab" sorts after "gone"
        await settle(pilot)
        assert app.settings.profile == "lab" and app.settings.read_only
        assert app.settings.address == bao.address
        assert app.screen.query_one("#mounts-table", FittedTable).row_count > 0
        assert "READ-ONLY" in screen_text(app) and "[lab]" in screen_text(app)


async def test_switching_profile_reloads_the_review_tab_from_the_new_connection(
    bao: DevServer, root_settings: Settings, tmp_path: Path
) -> None:
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        f'[profiles.lab]\naddress = "{bao.address}"\ntoken_env = "LAB_TOKEN"\n', encoding="utf-8"
    )
    env = {config.CONFIG_ENV: str(profiles), "LAB_TOKEN": bao.root_token, "HOME": str(tmp_path)}
    app = make_app(root_settings, env=env)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        before = app.screen.query_one(ReviewPanel)
        assert before.policy_texts
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert app.settings.profile == "lab"
        after = app.screen.query_one(ReviewPanel)
        assert after is not before and not before.is_attached
        assert set(after.policy_texts) == set(before.policy_texts)
        assert app.screen.query_one("#tabs", TabbedContent).active == "review"


async def test_switching_to_an_unreachable_profile_leaves_nothing_of_the_old_server(
    root_settings: Settings, gateway: VaultGateway, tmp_path: Path
) -> None:
    gateway.client.secrets.kv.v2.create_or_update_secret("switch/old", {"k": "v"})
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        '[profiles.gone]\naddress = "http://127.0.0.1:9"\ntoken_env = "GONE_TOKEN"\n',
        encoding="utf-8",
    )
    env = {config.CONFIG_ENV: str(profiles), "GONE_TOKEN": "s.unused", "HOME": str(tmp_path)}
    app = make_app(root_settings, env=env)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.query_one("#mounts-table", FittedTable).row_count > 0
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        # At once: the old server's mounts are gone and the view says what it is doing.
        assert main.query_one("#mounts-table", FittedTable).row_count == 0
        assert main.mounts == []
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.error.title == "Unreachable"
        await pilot.press("escape")
        await settle(pilot)
        assert main.query_one("#mounts-table", FittedTable).row_count == 0
        state = str(main.query_one("#mounts-state").render())
        assert state.startswith("✖ No mounts listed: Unreachable. Cannot reach http://127.0.0.1:9")
        status = str(main.query_one(StatusBar).render())
        assert "http://127.0.0.1:9" in status and "Unreachable" in status
        await pilot.press("2")
        await settle(pilot)
        assert "secret/" not in screen_text(app)  # no tree of the previous server


async def test_an_answer_that_lands_while_the_app_closes_is_dropped(
    root_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mount list that arrives while the screens are being taken down (an apply's reload,
    then q) is dropped, not drawn into a screen whose widgets are gone: once a crash in CI."""
    app = make_app(root_settings)
    release = threading.Event()
    real_mounts = VaultGateway.mounts

    def slow_mounts(self: VaultGateway) -> object:
        release.wait(10)
        return real_mounts(self)

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        monkeypatch.setattr(VaultGateway, "mounts", slow_mounts)
        screen.load_mounts()
        real_prune = app._prune

        async def prune_then_answer(*nodes: Widget, parent: DOMNode | None = None) -> None:
            await real_prune(*nodes, parent=parent)
            release.set()  # the answer comes back once the screen's widgets are gone
            await asyncio.sleep(0.5)

        monkeypatch.setattr(app, "_prune", prune_then_answer)
    # run_test re-raises what the app raised while closing; nothing did
    assert app.return_code in (0, None)
