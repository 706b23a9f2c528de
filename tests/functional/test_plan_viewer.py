"""The plan viewer on a recorded engine log."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.conftest import pulumi_log
from tests.functional.helpers import row_text
from vault_console.infra.plan import load_plan
from vault_console.screens.plan import PlanViewerApp


async def test_steps_and_changes_of_the_selected_step() -> None:
    plan = load_plan(pulumi_log("webserver-userdata.json"))
    app = PlanViewerApp(plan, "webserver-userdata.json")
    async with app.run_test(size=(120, 34)) as pilot:
        steps = app.screen.query_one("#plan-steps", DataTable)
        assert steps.row_count == len(plan.steps) == 5
        changes = app.screen.query_one("#plan-changes", DataTable)
        assert changes.row_count == 0  # the stack itself: no property changes
        await pilot.press("down", "down")  # create-replacement of web-server-www
        await pilot.pause()
        assert changes.row_count == 1
        path, kind, old, new = row_text(changes, 0)
        assert (path, kind) == ("userData", "update-replace")
        assert "Hello, World!" in old and "Hello, Pulumi!" in new
        await pilot.press("q")
    assert app.return_code == 0
