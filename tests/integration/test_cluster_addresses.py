"""A profile that lists every node of a cluster (issue 25 part 2), on a real 3-node
OpenBao raft cluster: when the node in use stops answering (SIGKILL), the console moves to
the next listed address and says so; headless commands do the same."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.functional.helpers import screen_text, settle, toasts
from vault_console import config
from vault_console.app import make_app
from vault_console.config import ConfigError
from vault_console.vault.devcluster import DevCluster, Node
from vault_console.widgets.status_bar import StatusBar

# One worker runs this file's tests, in file order, on one cluster: they share it, and
# some change it for the next (./dev runs pytest with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("cluster-addresses")


@pytest.fixture(scope="module")
def cluster() -> Iterator[DevCluster]:
    with DevCluster() as running:
        yield running


def profile(tmp_path: Path, addresses: list[str]) -> dict[str, str]:
    listed = ", ".join(f'"{a}"' for a in addresses)
    path = tmp_path / "profiles.toml"
    path.write_text(
        f'[profiles.ha]\naddresses = [{listed}]\ntoken_env = "HA_TOKEN"\n', encoding="utf-8"
    )
    return {config.CONFIG_ENV: str(path)}


def standbys(cluster: DevCluster) -> list[Node]:
    active = cluster.active()
    return [n for n in cluster.nodes if n is not active]


def test_addresses_are_checked_and_name_the_bad_one(tmp_path: Path) -> None:
    env = profile(tmp_path, ["http://127.0.0.1:1", "ftp://nope"])
    with pytest.raises(ConfigError, match=r"addresses\[1\]"):
        config.resolve(env=env, profile_name="ha", home=tmp_path)
    (tmp_path / "profiles.toml").write_text('[profiles.ha]\naddresses = "http://a:1"\n')
    with pytest.raises(ConfigError, match="addresses must be a list of addresses"):
        config.resolve(env=env, profile_name="ha", home=tmp_path)


async def test_the_console_moves_to_the_next_node_and_says_so(
    cluster: DevCluster, tmp_path: Path
) -> None:
    first, second = standbys(cluster)
    env = profile(tmp_path, [first.address, second.address])
    env |= {"HA_TOKEN": cluster.root_token, "HOME": str(tmp_path)}
    settings = config.resolve(env=env, profile_name="ha", home=tmp_path)
    assert settings.address == first.address and settings.addresses == (second.address,)
    app = make_app(settings, env=env)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        assert "ai-models/" not in screen_text(app)  # a cluster without the demo's data
        cluster.kill(first, signal.SIGKILL)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await settle(pilot)
        said = " ".join(toasts(app))
        assert f"{first.address} does not answer: now using {second.address}" in said
        bar = app.screen_stack[0].query_one(StatusBar)
        assert second.address in str(bar.render()) and first.address not in str(bar.render())
        assert "sys/" in screen_text(app)  # the mounts listed through the second node
    cluster.restart(first)


def test_a_headless_command_moves_too(cluster: DevCluster, tmp_path: Path) -> None:
    cluster.wait_for(lambda: len(standbys(cluster)) == 2, 60, "two standbys again")
    first, second = standbys(cluster)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env |= profile(tmp_path, [first.address, second.address])
    env |= {"HA_TOKEN": cluster.root_token, "HOME": str(tmp_path)}
    cluster.kill(first, signal.SIGKILL)
    done = subprocess.run(
        [sys.executable, "-m", "vault_console", "ls", "--profile", "ha", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "entries" in json.loads(done.stdout)
