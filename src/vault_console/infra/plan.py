"""Engine events -> a plan: one step per resource operation, with property changes.

The same builder takes the live stream (``on_event`` in the Automation API) and a recorded
log (``pulumi preview --event-log FILE``), because both arrive as the SDK's ``EngineEvent``.

Counting matches the engine's summary event: a step counts when it is *logical* (the
replacement helpers ``create-replacement`` and ``delete-replaced`` are not), at its
pre-event while planning and at its outputs event otherwise, so a failed operation does
not count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the SDK (and grpc) load when events are read, not when W is pressed
    from pulumi.automation.events import EngineEvent, StepEventMetadata

ALL_OPS = (
    "same",
    "create",
    "update",
    "delete",
    "replace",
    "create-replacement",
    "delete-replaced",
    "read",
    "refresh",
    "import",
    "discard",
    "read-replacement",
    "import-replacement",
    "discard-replaced",
    "remove-pending-replace",
)
REPLACEMENT_OPS = frozenset(
    {
        "replace",
        "create-replacement",
        "delete-replaced",
        "read-replacement",
        "import-replacement",
        "discard-replaced",
    }
)
_HELPER_OPS = REPLACEMENT_OPS - {"replace"} | {"remove-pending-replace"}

SECRET_MASK = "[secret]"
_SECRET_SIG = "4dabf18193072939515e22adb298388d"
SENSITIVE_NAMES = frozenset(
    {
        "dataJson",
        "data_json",
        "secretKey",
        "secret_key",
        "accessKey",
        "access_key",
        "password",
        "token",
        "secretId",
        "secret_id",
    }
)
"""Property names masked even when the engine did not mark them secret."""


class PlanLogError(ValueError):
    """A recorded event log could not be read; the message names the line."""


@dataclass(frozen=True)
class PropertyChange:
    """One property of one step: its path, the kind of change and masked values."""

    path: str
    kind: str
    """add, update, delete, or add-replace / update-replace / delete-replace."""
    old: Any = None
    new: Any = None

    @property
    def replaces(self) -> bool:
        return self.kind.endswith("-replace")


@dataclass
class Step:
    """One operation on one resource."""

    urn: str
    op: str
    type: str
    name: str
    parent: str
    logical: bool
    changes: list[PropertyChange] = field(default_factory=list)
    done: bool = False
    failed: bool = False
    diagnostics: list[str] = field(default_factory=list)
    policy: list[str] = field(default_factory=list)
    gone: bool = False
    """A refresh found the resource deleted on the server."""

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "op": self.op,
            "logical": self.logical,
            "done": self.done,
            "failed": self.failed,
            "changes": [
                {"path": c.path, "kind": c.kind, "old": c.old, "new": c.new} for c in self.changes
            ],
            "diagnostics": self.diagnostics,
            "policy": self.policy,
        }


@dataclass
class Plan:
    """Steps in the order the engine announced them, and the counts per op."""

    steps: list[Step] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    engine_summary: dict[str, int] | None = None
    """The engine's own summary counts, once its summary event arrived."""
    diagnostics: list[str] = field(default_factory=list)
    """Diagnostics that name no resource."""
    policy_events: list[dict[str, str]] = field(default_factory=list)
    maybe_corrupt: bool = False
    cancelled: bool = False
    verbose: bool = False
    """Keep debug-severity diagnostics; the engine sends dozens per run (``registering
    resource…``) and the Pulumi CLI itself shows them only with ``--debug``."""
    debug_hidden: int = 0
    refreshing: bool = False
    """This plan is a refresh: its refresh steps are the operation itself."""
    refreshed: list[Step] = field(default_factory=list)
    """The refresh steps a preview or up runs first (``--refresh``); kept out of ``steps``
    as the CLI's own display does: drift shows in the steps that follow them."""
    _index: dict[tuple[str, str], Step] = field(default_factory=dict, repr=False)
    _counted: set[tuple[str, str]] = field(default_factory=set, repr=False)

    @property
    def summary(self) -> dict[str, int]:
        """The engine's counts when known, else the counts seen so far."""
        return dict(self.engine_summary if self.engine_summary is not None else self.counts)

    @property
    def has_changes(self) -> bool:
        return any(op != "same" and n for op, n in self.summary.items())

    @property
    def drift(self) -> list[Step]:
        """Resources the server changed or deleted outside the stack since its last run."""
        return [s for s in self.refreshed if s.gone or s.changes]

    @property
    def failed(self) -> list[Step]:
        return [s for s in self.steps if s.failed]

    def replacements(self) -> dict[str, list[Step]]:
        """Replacement steps grouped by resource: create-replacement, replace, delete-replaced."""
        groups: dict[str, list[Step]] = {}
        for step in self.steps:
            if step.op in REPLACEMENT_OPS:
                groups.setdefault(step.urn, []).append(step)
        return groups

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "steps": [s.to_json() for s in self.steps],
            "replacements": {urn: [s.op for s in g] for urn, g in self.replacements().items()},
            "failed": [s.urn for s in self.failed],
            "diagnostics": self.diagnostics,
            "policy_events": self.policy_events,
            "maybe_corrupt": self.maybe_corrupt,
        }

    # -- building ---------------------------------------------------------------------

    def add(self, event: EngineEvent) -> None:
        """Fold one engine event into the plan."""
        if event.resource_pre_event is not None:
            step = self._step(event.resource_pre_event.metadata)
            if event.resource_pre_event.planning:
                step.done = True
                self._count(step)
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            step = self._step(meta)
            step.done = True
            if step.op == "refresh":
                # The refresh's outputs event carries what the server changed by hand.
                step.changes = property_changes(meta, "refresh") or step.changes
                step.gone = meta.new is None
            self._count(step)
        elif event.res_op_failed_event is not None:
            step = self._step(event.res_op_failed_event.metadata)
            step.failed = True
        elif event.diagnostic_event is not None:
            diag = event.diagnostic_event
            if diag.severity == "debug" and not self.verbose:
                self.debug_hidden += 1
                return
            text = f"{diag.severity}: {_strip_colors(diag.message).strip()}"
            target = self._latest(diag.urn) if diag.urn else None
            (target.diagnostics if target else self.diagnostics).append(text)
        elif event.policy_event is not None:
            policy = event.policy_event
            record = {
                "policy_pack": policy.policy_pack_name,
                "policy": policy.policy_name,
                "enforcement": policy.enforcement_level,
                "message": _strip_colors(policy.message).strip(),
                "urn": policy.resource_urn or "",
            }
            self.policy_events.append(record)
            target = self._latest(policy.resource_urn) if policy.resource_urn else None
            if target is not None:
                target.policy.append(f"{record['policy']}: {record['message']}")
        elif event.summary_event is not None:
            self.engine_summary = {
                str(op.value if hasattr(op, "value") else op): int(n)
                for op, n in event.summary_event.resource_changes.items()
            }
            self.maybe_corrupt = bool(event.summary_event.maybe_corrupt)
        elif event.cancel_event is not None:
            self.cancelled = True

    def _latest(self, urn: str) -> Step | None:
        for step in reversed(self.steps):
            if step.urn == urn:
                return step
        return None

    def _count(self, step: Step) -> None:
        key = (step.urn, step.op)
        if step.op == "refresh" and not self.refreshing:
            return
        if step.logical and key not in self._counted:
            self._counted.add(key)
            self.counts[step.op] = self.counts.get(step.op, 0) + 1

    def _step(self, meta: StepEventMetadata) -> Step:
        op = str(meta.op.value if hasattr(meta.op, "value") else meta.op)
        key = (meta.urn, op)
        step = self._index.get(key)
        if step is None:
            state = meta.new or meta.old
            logical = meta.logical if meta.logical is not None else op not in _HELPER_OPS
            step = Step(
                urn=meta.urn,
                op=op,
                type=meta.type,
                name=meta.urn.rsplit("::", 1)[-1],
                parent=(state.parent if state else "") or "",
                logical=bool(logical),
                changes=property_changes(meta, op),
            )
            self._index[key] = step
            if op == "refresh" and not self.refreshing:
                self.refreshed.append(step)
            else:
                self.steps.append(step)
        return step


def build(events: Iterable[EngineEvent], verbose: bool = False) -> Plan:
    plan = Plan(verbose=verbose)
    for event in events:
        plan.add(event)
    return plan


# -- property changes ---------------------------------------------------------------------

_PATH_TOKEN = re.compile(r'\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\.?([^.\[\]]+)')


def _lookup(values: Any, path: str) -> Any:
    current = values
    for quoted, index, name in _PATH_TOKEN.findall(path):
        if current is None:
            return None
        if index:
            i = int(index)
            current = current[i] if isinstance(current, list) and i < len(current) else None
        else:
            key = quoted or name
            current = current.get(key) if isinstance(current, dict) else None
    return current


def mask(value: Any, name: str = "") -> Any:
    """Replace secrets with ``[secret]``: engine-marked secrets and sensitive names."""
    if name.split(".")[-1].split("[")[0] in SENSITIVE_NAMES and value is not None:
        return SECRET_MASK
    if isinstance(value, dict):
        if _SECRET_SIG in value:
            return SECRET_MASK
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def property_changes(meta: StepEventMetadata, op: str) -> list[PropertyChange]:
    """Changes per property, from detailedDiff when the engine sent one."""
    old_state, new_state = meta.old, meta.new

    def values(state: Any, input_diff: bool) -> Any:
        if state is None:
            return None
        return state.inputs if input_diff or not state.outputs else state.outputs

    changes: list[PropertyChange] = []
    if meta.detailed_diff:
        for path, diff in sorted(meta.detailed_diff.items()):
            kind = str(diff.diff_kind.value if hasattr(diff.diff_kind, "value") else diff.diff_kind)
            old = (
                None
                if kind.startswith("add")
                else _lookup(values(old_state, diff.input_diff), path)
            )
            new = (
                None
                if kind.startswith("delete")
                else _lookup(values(new_state, diff.input_diff), path)
            )
            changes.append(PropertyChange(path, kind, mask(old, path), mask(new, path)))
        return changes
    replace_keys = set(meta.keys or ())
    if meta.diffs:
        old_inputs = old_state.inputs if old_state else None
        new_inputs = new_state.inputs if new_state else None
        for path in sorted(set(meta.diffs)):
            kind = "update-replace" if path in replace_keys else "update"
            changes.append(
                PropertyChange(
                    path,
                    kind,
                    mask(_lookup(old_inputs, path), path),
                    mask(_lookup(new_inputs, path), path),
                )
            )
        return changes
    if op == "create" and new_state is not None and new_state.inputs:
        return [
            PropertyChange(k, "add", None, mask(v, k))
            for k, v in sorted(new_state.inputs.items())
            if not k.startswith("__")
        ]
    if op == "delete" and old_state is not None and old_state.inputs:
        return [
            PropertyChange(k, "delete", mask(v, k), None)
            for k, v in sorted(old_state.inputs.items())
            if not k.startswith("__")
        ]
    return changes


_ANSI = re.compile(r"\x1b\[[0-9;]*m|<\{%[^%]*%\}>")


def _strip_colors(text: str) -> str:
    return _ANSI.sub("", text or "")


# -- reading recorded logs ------------------------------------------------------------------


def iter_log_objects(text: str, source: str = "log") -> Iterator[dict[str, Any]]:
    """JSON objects from JSON lines or pretty-printed objects one after another.

    A malformed or truncated object raises PlanLogError naming the line it starts on.
    """
    decoder = json.JSONDecoder()
    position, length = 0, len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            return
        line = text.count("\n", 0, position) + 1
        try:
            obj, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            where = text.count("\n", 0, exc.pos) + 1
            # A failing object with no other object after it is where a cut-off log ends.
            last = "\n{" not in text[position:].rstrip()
            at_end = exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string")
            kind = "truncated" if last and at_end else "malformed"
            raise PlanLogError(
                f"{source}:{line}: {kind} event (at line {where}: {exc.msg})"
            ) from None
        if not isinstance(obj, dict):
            raise PlanLogError(f"{source}:{line}: an event must be a JSON object")
        yield obj


def read_events(path: Path) -> list[EngineEvent]:
    """Parse a recorded event log into SDK events."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanLogError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise PlanLogError(f"{path}: cannot read: {exc.strerror}") from None
    from pulumi.automation.events import EngineEvent

    events = []
    for obj in iter_log_objects(text, str(path)):
        try:
            events.append(EngineEvent.from_json(obj))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            seq = obj.get("sequence", "?")
            raise PlanLogError(f"{path}: event with sequence {seq}: {exc}") from None
    if not events:
        raise PlanLogError(f"{path}: no events")
    return events


def load_plan(path: Path, verbose: bool = False) -> Plan:
    return build(read_events(path), verbose)


OP_SYMBOLS = {
    "create": "+",
    "delete": "-",
    "update": "~",
    "replace": "+-",
    "create-replacement": "++",
    "delete-replaced": "--",
    "same": " ",
    "read": ">",
    "refresh": "~",
    "import": "=",
    "import-replacement": "=>",
}
"""One mark per operation, Pulumi's own (``pulumi preview`` shows the same): the text plan,
the wizard's review and apply, the destroy preview and the plan viewer all use these."""

DESTRUCTIVE = frozenset({"delete", "replace", "create-replacement", "delete-replaced"})
"""Operations that delete something (a replace deletes the old one)."""


def op_symbol(op: str) -> str:
    return OP_SYMBOLS.get(op, "?")


def short_type(resource_type: str) -> str:
    """``vault:kv/secretV2:SecretV2`` -> ``vault:SecretV2``."""
    package, _, rest = resource_type.partition(":")
    return f"{package}:{rest.rsplit(':', 1)[-1]}" if rest else resource_type


def short_value(value: Any, limit: int = 60) -> str:
    """A property value on one line: a string as it is, anything else as JSON; ``-`` for
    none; cut to ``limit`` characters. Secret values arrive masked by the plan model."""
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def change_text(old: Any, new: Any, op: str) -> str:
    """``new`` for a create, ``old`` for a delete, else ``old → new``."""
    if op == "create" or old is None:
        return short_value(new)
    if op == "delete" or new is None:
        return short_value(old)
    return f"{short_value(old)} → {short_value(new)}"


def counts_line(plan: Plan) -> str:
    """``+2 create, ~1 update  (3 unchanged)``."""
    summary = plan.summary
    parts = [
        f"{op_symbol(op)}{summary.get(op, 0)} {op}"
        for op in ("create", "import", "update", "delete", "replace")
        if summary.get(op)
    ]
    same = summary.get("same", 0)
    return (", ".join(parts) or "no changes") + (f"  ({same} unchanged)" if same else "")


def render_text(plan: Plan) -> str:
    """The plan for a terminal: one line per step, changes indented, then the summary."""
    lines = []
    for step in plan.steps:
        mark = op_symbol(step.op)
        flag = "  FAILED" if step.failed else ""
        lines.append(f"{mark:>2} {step.op:<18} {step.type}  {step.name}{flag}")
        for change in step.changes:
            arrow = short_value(change.old) + " => " + short_value(change.new)
            lines.append(f"       {change.kind:<14} {change.path}: {arrow}")
        lines.extend(f"       ! {d}" for d in step.diagnostics + step.policy)
    lines.extend(f"! {d}" for d in plan.diagnostics)
    if plan.refreshed:
        lines.append(f"(read {len(plan.refreshed)} resources from the server first: refresh)")
    if plan.debug_hidden:
        lines.append(f"({plan.debug_hidden} debug diagnostics hidden; --verbose shows them)")
    counts = ", ".join(f"{op}: {n}" for op, n in sorted(plan.summary.items()))
    lines.append(f"Summary: {counts or 'no changes'}")
    return "\n".join(lines)


__all__ = [
    "ALL_OPS",
    "Plan",
    "PlanLogError",
    "PropertyChange",
    "Step",
    "build",
    "load_plan",
    "read_events",
    "render_text",
]


_PROGRESS_MARKS = (
    ("resource_pre_event", "…"),
    ("res_outputs_event", "✔"),
    ("res_op_failed_event", "✖"),
)


def progress_line(event: EngineEvent) -> str | None:
    """One line for a live progress log: a resource step starting, done or failed, or an
    engine warning or error; None for the rest (debug lines, summaries)."""
    for attr, mark in _PROGRESS_MARKS:
        part = getattr(event, attr, None)
        if part is not None:
            meta = part.metadata
            op = str(meta.op.value if hasattr(meta.op, "value") else meta.op)
            name = meta.urn.rsplit("::", 1)[-1]
            if getattr(part, "planning", False):
                # A preview: each step is planned, never done; its outputs event repeats it.
                return f"planned {op} {meta.type} {name}" if mark == "…" else None
            return f"{mark} {op} {meta.type} {name}"
    diag = event.diagnostic_event
    if diag is not None and diag.severity in ("warning", "error"):
        return f"{diag.severity}: {_strip_colors(diag.message).strip()}"
    return None
