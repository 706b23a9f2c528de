"""A write whose outcome is unknown (issue 25 part 2), on a real 3-node OpenBao raft
cluster: the active node is frozen (SIGSTOP) while the console, at a standby with a short
client timeout, saves. The standby holds the forwarded write; the console times out, says
the outcome is unknown, reads which version the standby holds, and a second save cannot
apply the change twice (check-and-set)."""

from __future__ import annotations

import dataclasses
import signal
import uuid

from textual.widgets import Input, Label

from tests.functional.helpers import open_path, settle
from vault_console.app import make_app
from vault_console.screens.edit import KeyValueForm
from vault_console.vault.client import VaultGateway
from vault_console.vault.devcluster import DevCluster


async def test_a_timed_out_save_says_its_outcome_is_unknown_and_checks() -> None:
    path = f"frozen/{uuid.uuid4().hex[:8]}"
    with DevCluster() as cluster:
        active = cluster.active()
        assert active is not None
        standby = next(n for n in cluster.nodes if n is not active)
        cluster.call(active, "POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "2"}})
        cluster.wait_for(
            lambda: (
                cluster.call(standby, "POST", f"kv/data/{path}", {"data": {"a": "1"}})[0] == 200
            ),
            30,
            "a first version through the standby",
        )
        settings = dataclasses.replace(cluster.settings(standby), timeout=2.0)
        app = make_app(settings)
        async with app.run_test(size=(130, 40)) as pilot:
            await settle(pilot)
            await open_path(pilot, f"kv/{path}")
            await settle(pilot)
            await pilot.press("K")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, KeyValueForm)
            form.query_one(".form-key", Input).value = "b"
            form.query_one(".form-value", Input).value = "2"
            cluster.kill(active, signal.SIGSTOP)
            try:
                await pilot.press("ctrl+s")
                await settle(pilot)
                await settle(pilot)
                said = " ".join(str(form.query_one("#form-error", Label).render()).split())
                assert app.screen is form  # kept, with the input
                assert said.startswith("Not known whether it was saved")
                assert "It still holds version 1: your write is not there (yet)" in said
            finally:
                cluster.kill(active, signal.SIGCONT)

            # The frozen node may have lost its leadership meanwhile: wait until the
            # console's node knows the active one (else the retry is "No active node").
            def leader_known() -> bool:
                active_now = cluster.active()
                answer = cluster.call(standby, "GET", "sys/leader")[1]
                return (
                    active_now is not None
                    and isinstance(answer, dict)
                    and (answer.get("leader_address") == active_now.address)
                )

            cluster.wait_for(leader_known, 60, "the standby to know the active node")
            await pilot.press("ctrl+s")  # again: applied once at most, whatever happened
            await settle(pilot)
            await settle(pilot)
        gateway = VaultGateway(cluster.settings(cluster.active()))
        held = gateway.kv("kv", 2)
        meta = held.metadata(path)
        assert meta.current_version == 2  # the change once, not twice
        assert held.read(path).data == {"a": "1", "b": "2"}
        gateway.close()
