"""A plan as the operator reviews it: the wizard's review, the destroy preview, the apply's
outcome. The marks and value formats are ``infra.plan``'s, shared with the text plan."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from vault_console.infra.plan import Plan, Step, change_text, op_symbol, short_type
from vault_console.infra.setup import COMPONENTS, component_of
from vault_console.text import plain
from vault_console.widgets.fitted_table import Column, FittedTable

OP_STYLES = {
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "replace": "magenta",
    "create-replacement": "magenta",
    "delete-replaced": "magenta",
    "import": "cyan",
    "same": "dim",
}


def op_text(op: str, suffix: str = "") -> Text:
    """``+ create`` in the operation's colour."""
    return Text(f"{op_symbol(op)} {op}{suffix}", style=OP_STYLES.get(op, ""))


class PlanDiff(FittedTable):
    """The plan's steps by component, each with its property changes (masked by the plan).

    Providers are left out, as the Pulumi CLI's own display does: they are how the engine
    talks to Vault, not something the stack makes.
    """

    COLUMNS = (
        Column("Op", 100, min_width=9),
        Column("Resource / property", 95, min_width=20, max_width=44),
        Column("Value (old → new)", 90, min_width=16, max_width=30, flex=True),
    )
    """The values take what the resource names leave."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(self.COLUMNS, id=id, cursor_type="row")

    def show(self, plan: Plan, changes_only: bool) -> None:
        rows: list[tuple[list[Text | str], str | None]] = []
        groups: dict[str, list[Step]] = {}
        for step in plan.steps:
            if (changes_only and step.op == "same") or step.type.startswith("pulumi:providers:"):
                continue
            groups.setdefault(component_of(step.name), []).append(step)
        for part in (*COMPONENTS, *sorted(set(groups) - set(COMPONENTS))):
            # By type and name: the engine announces independent resources in any order,
            # and a reviewer comparing two previews should find each line where it was.
            steps = sorted(groups.get(part, []), key=lambda s: (s.type, s.name))
            if not steps:
                continue
            rows.append((["", Text(COMPONENTS.get(part, part), style="bold"), ""], None))
            for step in steps:
                style = OP_STYLES.get(step.op, "")
                failed = " FAILED" if step.failed else ""
                name = plain(f"  {short_type(step.type)} {step.name}")
                rows.append(([op_text(step.op, failed), name, ""], None))
                for change in step.changes:
                    value = plain(change_text(change.old, change.new, step.op))
                    rows.append((["", plain(f"    {change.path}", style=style), value], None))
        if not rows:
            rows.append((["no changes", "", ""], None))
        self.set_rows(rows)


def fill_outcome(table: DataTable[Any], plan: Plan) -> None:
    """Each changing step of an apply: done, failed or not done."""
    table.clear()
    for step in plan.steps:
        if step.op == "same":
            continue
        state = "failed" if step.failed else ("done" if step.done else "not done")
        style = {"failed": "red", "done": "green"}.get(state, "yellow")
        table.add_row(
            f"{op_symbol(step.op)} {step.op}",
            plain(short_type(step.type)),
            plain(step.name),
            Text(state, style=style),
        )
