"""Step 1: the stack, and what the Vault target allows before any time is invested."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Label, Static

from vault_console.infra.existing import Existing, find_existing
from vault_console.infra.setup import (
    TargetReport,
    config_for_destroy,
    load_made,
    target_report,
)
from vault_console.screens.wizard.base import Field, WizardStep
from vault_console.text import DETAIL_LIMIT, namespace_name, plain
from vault_console_programs.ai_secrets.config import (
    NAMESPACE_PATH,
    AwsAuth,
    AwsSecretsEngine,
    ModelSecrets,
    StackConfig,
    StackConfigError,
)


class TargetStep(WizardStep):
    title = "Vault target"

    def compose(self) -> ComposeResult:
        session = namespace_name(self.wizard.vc.settings.namespace)
        with Horizontal(id="target-names"):  # side by side: the step stays as tall
            yield Field("Stack name (answers are saved per stack)", "stack", self.state.stack)
            yield Field(
                f"Namespace of the stack, under {session} (empty: {session} itself)",
                "vault_namespace",
                str(self.state.answers.raw.get("vault_namespace") or ""),
            )
        state = self.state.answers.raw.get("state") or {}
        yield Field(
            "State backend (empty: PULUMI_BACKEND_URL, else local files; a team's: "
            "s3://BUCKET/PREFIX?region=…&endpoint=…)",
            "state.backend",
            str(state.get("backend") or ""),
        )  # no placeholder: one reads as a value already filled in
        yield Field(
            "Secrets provider (passphrase, or a KMS: awskms://…, hashivault://KEY)",
            "state.secrets_provider",
            str(state.get("secrets_provider") or "passphrase"),
        )
        if self.wizard.needs_passphrase:
            yield Field(
                "Passphrase of the stack's secrets (PULUMI_CONFIG_PASSPHRASE is not set)",
                "passphrase",
                secret=True,
            )
        yield Label("", classes="step-problems")
        yield Label("Checking the Vault target…", id="target-summary", classes="section-title")
        yield Static("", id="target-report")
        with Horizontal(id="target-actions"):
            yield Button("Skip the AWS components", id="skip-aws")
            yield Button("Check again", id="check-target")

    def load(self) -> None:
        self.query_one("#skip-aws", Button).display = False
        self.check()

    def store(self) -> None:
        self.state.stack = self.field("stack").value.strip()
        state = {
            "backend": self.field("state.backend").value.strip(),
            "secrets_provider": self.field("state.secrets_provider").value.strip(),
        }
        if state["secrets_provider"] == "passphrase":
            del state["secrets_provider"]  # the default: the file stays as it was
        state = {k: v for k, v in state.items() if v}
        if state:
            self.state.answers.raw["state"] = state
        else:
            self.state.answers.raw.pop("state", None)
        if self.wizard.needs_passphrase:
            self.state.passphrase = self.field("passphrase").value
        namespace = self.field("vault_namespace").value.strip().strip("/")
        if namespace:
            self.state.answers.raw["vault_namespace"] = namespace
        else:
            self.state.answers.raw.pop("vault_namespace", None)

    def problems(self) -> dict[str, str]:
        from vault_console.infra.setup import answers_path
        from vault_console.infra.state import parse_state

        found = dict(parse_state(self.state.answers.raw)[1])
        try:
            answers_path(self.wizard.state_dir, self.state.stack)
        except ValueError as exc:
            found["stack"] = str(exc).partition(": ")[2]
        if self.wizard.needs_passphrase and not self.state.passphrase:
            found["passphrase"] = "is empty: the stack's secrets are encrypted with it"
        namespace = self.state.answers.raw.get("vault_namespace")
        if namespace is not None and not NAMESPACE_PATH.match(str(namespace)):
            found["vault_namespace"] = (
                f"{namespace!r} is not a namespace path (names of letters, digits, . _ - "
                "separated by /)"
            )
        # What the server lacks or the token may not do does not stop Next: the answers
        # that meet it are changed in Components (the defaults may be what is refused), and
        # the review checks the final answers before anything runs.
        return found

    def config(self) -> StackConfig:
        try:
            return config_for_destroy(self.state.answers)
        except StackConfigError:
            # Not filled in yet: the default paths, with the components switched as chosen.
            raw = self.state.answers.raw

            def on(section: str) -> bool:
                part = raw.get(section)
                return not isinstance(part, dict) or part.get("enabled", True) is not False

            namespace = raw.get("vault_namespace")
            return StackConfig(
                aws_secrets=AwsSecretsEngine(enabled=on("aws_secrets")),
                aws_auth=AwsAuth(enabled=on("aws_auth")),
                model_secrets=ModelSecrets(enabled=on("model_secrets")),
                vault_namespace=namespace if NAMESPACE_PATH.match(str(namespace or "")) else None,
            )

    def check(self) -> None:
        config = self.config()
        gateway = self.wizard.vc.gateway
        state_dir, stack = self.wizard.state_dir, self.state.stack

        def work() -> tuple[TargetReport, list[Existing]]:
            # What the stack's last apply made is its own: not said to exist "already".
            made = load_made(state_dir, stack)
            return target_report(gateway, config), find_existing(gateway, config, made)

        def done(result: tuple[TargetReport, list[Existing]]) -> None:
            self.state.report = result[0]
            self.show(result[0], config, result[1])

        self.wizard.vc.run_io(work, done, description="check the Vault target")

    def show(self, report: TargetReport, config: StackConfig, existing: list[Existing]) -> None:
        lines = []
        for check in report.checks:
            mark = "✔" if check.allowed else "✖"
            have = ", ".join(check.capabilities) or "deny"
            lines.append(f"{mark} {check.path}: {check.needs} ({have})")
        for found in existing:
            if found.unreadable:
                lines.append(
                    f"? {found.planned.kind} {found.planned.where}: this token may not read "
                    "it, so whether it exists cannot be checked (the review will refuse it)"
                )
                continue
            lines.append(
                f"! {found.line} exists on the server: unless this stack made it, the review "
                "asks you to pick another name in Components or to adopt it; nothing is "
                "replaced unasked."
            )
        unavailable = report.unavailable(config)
        for reason in unavailable.values():
            lines.append(f"! {reason}")
        if report.aws_secret_plugin is None:
            lines.append("? this token cannot read the plugin catalog: aws plugins not checked")
        if report.denied or unavailable:
            lines.append(
                "Next goes on all the same: change what is refused in Components (paths, "
                "names, the components themselves); the review checks the final answers "
                "before anything runs."
            )
        denied = len(report.denied)
        summary = f"{report.kind} {report.version}, namespace {report.namespace or 'root'}: " + (
            f"this token cannot do {denied} of {len(report.checks)} things the stack needs"
            if denied
            else f"this token can do all {len(report.checks)} things the stack needs"
        )
        self.query_one("#target-summary", Label).update(plain(summary))
        self.query_one("#target-report", Static).update(
            plain("\n".join(lines), DETAIL_LIMIT, multiline=True)
        )
        aws_on = config.aws_secrets.enabled or config.aws_auth.enabled
        unknown = report.aws_secret_plugin is None or report.aws_auth_plugin is None
        self.query_one("#skip-aws", Button).display = aws_on and bool(unavailable or unknown)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "skip-aws":
            raw = self.state.answers.raw
            for section in ("aws_secrets", "aws_auth"):
                raw.setdefault(section, {})["enabled"] = False
            self.state.changed = True
            self.notify("The AWS components are off; model secrets stay on")
            self.check()
        elif event.button.id == "check-target":
            self.check()
