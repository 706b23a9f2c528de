"""What every wizard step shares: its state, labelled fields with inline errors, the base."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label

from vault_console.infra.setup import SetupAnswers
from vault_console.text import DETAIL_LIMIT, plain
from vault_console.widgets.secret_input import SecretInput

if TYPE_CHECKING:
    from vault_console.errors import ConsoleError
    from vault_console.host import ConsoleHost
    from vault_console.infra.aws import AwsIdentity, IamRole
    from vault_console.infra.engine import Engine, RunOutcome
    from vault_console.infra.existing import Existing, PreviewRefused
    from vault_console.infra.plan import Plan
    from vault_console.infra.proof import Verification
    from vault_console.infra.setup import TargetReport


class Wizard(Protocol):
    """What a step may ask of the wizard screen it is in (``screen.WizardScreen``, which
    imports the steps: a Protocol here keeps the steps from importing it back)."""

    state: WizardState

    @property
    def vc(self) -> ConsoleHost: ...

    @property
    def env(self) -> dict[str, str]: ...

    @property
    def state_dir(self) -> Path: ...

    @property
    def needs_passphrase(self) -> bool: ...

    @property
    def read_only(self) -> bool: ...

    def run_engine(self, kind: str) -> None: ...

    def cancel_engine(self) -> None: ...

    async def go_to(self, name: str) -> None: ...

    def dismiss(self, result: None = None) -> Any: ...


@dataclass
class WizardState:
    """Everything the steps collected and the engine produced; Back and Next keep it."""

    stack: str = "dev"
    answers: SetupAnswers = field(default_factory=SetupAnswers)
    passphrase: str = field(default="", repr=False)
    """Typed only when the environment has no PULUMI_CONFIG_PASSPHRASE(_FILE)."""
    work_dir: Path | None = None
    report: TargetReport | None = None
    identity: AwsIdentity | None = None
    aws_session: Any = field(default=None, repr=False)
    roles: list[IamRole] | None = None
    engine: Engine | None = None
    preview: RunOutcome | None = None
    """The reviewed preview; the apply is held to its plan file."""
    reviewed_digest: str = ""
    """``SetupAnswers.digest()`` of the answers the review ran with, values included: any
    change afterwards (a secret's value too) means preview again."""
    previewing_digest: str = ""
    """The digest of the answers the running preview was started with."""
    adopt: bool = False
    """The operator chose to adopt what exists on the server (the review's Adopt)."""
    preview_error: ConsoleError | None = None
    """Why the last preview did not run or failed (Next says so instead of "wait")."""
    refused: PreviewRefused | None = None
    """Why the last preview did not run: what the server holds or cannot do."""
    existing: list[Existing] = field(default_factory=list)
    """What the last preview found on the server: refused, or adopted when ``adopt``."""
    applied: RunOutcome | None = None
    failed_plan: Plan | None = None
    verifications: list[Verification] | None = None
    changed: bool = False
    """The user typed or chose something (Esc asks before discarding it)."""


def field_id(name: str) -> str:
    """A widget id for a config field name (``model_secrets.mount_path``)."""
    return "f-" + "".join(c if c.isalnum() else "-" for c in name)


class Field(Vertical):
    """A label, an input and the reason its value is refused (shown under it)."""

    DEFAULT_CSS = """
    Field { height: auto; margin: 0 0 1 0; }
    Field > .field-label { color: $text-muted; }
    Field > .field-error { color: $error; display: none; }
    Field.-invalid > .field-error { display: block; }
    Field.-invalid > Input { border: tall $error; }
    """

    def __init__(
        self,
        label: str,
        name: str,
        value: str = "",
        *,
        secret: bool = False,
        placeholder: str = "",
    ) -> None:
        super().__init__(id=field_id(name) + "-field")
        self.label = label
        self.field_name = name
        self.start_value = value
        self.secret = secret
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        kwargs: dict[str, Any] = {
            "placeholder": self.placeholder,
            "id": field_id(self.field_name),
            "select_on_focus": False,
        }
        if self.secret:
            yield SecretInput(self.start_value, **kwargs)
        else:
            yield Input(self.start_value, **kwargs)
        yield Label("", classes="field-error")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    @value.setter
    def value(self, text: str) -> None:
        self.input.value = text

    def set_error(self, reason: str | None) -> None:
        self.set_class(bool(reason), "-invalid")
        self.query_one(".field-error", Label).update(
            plain(reason or "", DETAIL_LIMIT, multiline=True)
        )


class WizardStep(VerticalScroll):
    """One step. ``load`` fills the widgets from the state, ``store`` writes them back,
    ``problems`` says what keeps Next from going on, by field."""

    title: ClassVar[str] = ""
    prefixes: ClassVar[tuple[str, ...]] = ()
    """The config fields this step asks for: their problems are shown here."""

    @property
    def wizard(self) -> Wizard:
        return cast(Wizard, self.screen)

    @property
    def state(self) -> WizardState:
        return self.wizard.state

    def load(self) -> None:
        """Show the state (called each time the step is entered)."""

    def store(self) -> None:
        """Write the widgets into the state (on Back and on Next)."""

    def problems(self) -> dict[str, str]:
        """Reasons Next must not go on, by field name; shown under the fields."""
        found = self.state.answers.problems(self.wizard.env)
        return {k: v for k, v in found.items() if k.startswith(self.prefixes)}

    def show_problems(self, problems: dict[str, str]) -> None:
        fields = list(self.query(Field))
        refused: list[Field] = []
        reachable = set(self.screen.focus_chain)  # shown, in a section that is shown
        for widget in fields:
            name = widget.field_name
            reason = problems.get(name) or next(
                (v for k, v in problems.items() if k.startswith(name + "[")), None
            )
            widget.set_error(reason)
            if reason and widget.input in reachable:
                refused.append(widget)
        if refused and not any(f.input.has_focus for f in refused):
            # The first refused field takes the focus, so typing goes where the error is.
            refused[0].input.focus()
        shown = {f.field_name for f in fields}
        rest = [
            f"{k}: {v}"
            for k, v in problems.items()
            if k not in shown and not any(k.startswith(s + "[") for s in shown)
        ]
        for label in self.query(".step-problems").results(Label):
            label.update(plain("\n".join(rest), DETAIL_LIMIT, multiline=True))
            label.display = bool(rest)

    def field(self, name: str) -> Field:
        return self.query_one(f"#{field_id(name)}-field", Field)

    def first_field(self) -> Input | None:
        """The step's first secret value still to type, else its first input; only shown
        ones: an input in a hidden section never takes the focus (typing would change a
        field the operator cannot see)."""
        shown = [w for w in self.screen.focus_chain if isinstance(w, Input) and self in w.ancestors]
        to_type = [w for w in shown if isinstance(w, SecretInput) and not w.value]
        return (to_type or shown or [None])[0]

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.has_focus:  # typed: an input filled in as the step loads is not a change
            self.state.changed = True
        # The reason shown under a field goes once the field is typed into: a problem
        # that is fixed must not stay on screen (Next checks every field again anyway).
        for owner in event.input.ancestors:
            if isinstance(owner, Field):
                owner.set_error(None)
                break

    def label_of(self, name: str) -> str:
        """A field's name as the operator sees it (its label), for notices."""
        for widget in self.query(Field):
            if widget.field_name == name and widget.label:
                row = getattr(widget.parent, "index", None)
                return widget.label + (f" (secret {row + 1})" if isinstance(row, int) else "")
        return name
