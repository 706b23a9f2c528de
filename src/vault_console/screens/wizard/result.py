"""Step 7: the outputs, a read-back of what was made, and how the AI service logs in."""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label, Static

from vault_console.config import ConfigError, check_address
from vault_console.infra.proof import Verification, verify
from vault_console.infra.setup import login_snippet, stack_namespace
from vault_console.messages import OpenSecret
from vault_console.screens.wizard.base import WizardStep
from vault_console.text import DETAIL_LIMIT, plain


class ResultStep(WizardStep):
    title = "Result"
    BINDINGS = [
        Binding("y", "copy_snippet", "Copy login snippet", id="wizard.copy-snippet"),
        Binding("g", "go_to_secret", "Open the secret", id="wizard.go-to-secret"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("Outputs", classes="section-title")
        outputs: DataTable[Any] = DataTable(id="result-outputs", cursor_type="row")
        outputs.add_columns("Output", "Value")
        yield outputs
        yield Label("Read back from Vault", classes="section-title")
        yield Static("Checking…", id="result-checks")
        yield Label(
            "How the AI service logs in and reads its secret (y copies)", classes="section-title"
        )
        settings = self.wizard.vc.settings
        # The service should use the cluster's address, not the node this console happens
        # to talk to: the profile's first listed address, or one typed here.
        yield Input(
            value=settings.first_address or settings.address,
            placeholder="the address the AI service uses (the cluster's, if it has one)",
            id="result-address",
        )
        yield Static("", id="result-snippet")

    def load(self) -> None:
        applied = self.state.applied
        assert applied is not None
        table = self.query_one("#result-outputs", DataTable)
        table.clear()
        for key, value in sorted(applied.outputs.items()):
            text = value if isinstance(value, str) else json.dumps(value)
            table.add_row(plain(key), plain(text))
        config, _ = self.state.answers.build(self.wizard.env)
        self._show_snippet()
        gateway = self.wizard.vc.gateway

        def done(checks: list[Verification]) -> None:
            self.state.verifications = checks
            lines = [c.line for c in checks]
            self.query_one("#result-checks", Static).update(
                plain("\n".join(lines) or "nothing to check", DETAIL_LIMIT, multiline=True)
            )

        session = self.state.aws_session  # the AWS step's: it confirms and logs in

        self.wizard.vc.run_io(
            lambda: verify(gateway, config, session), done, description="verify the stack"
        )
        table.focus()

    def snippet(self) -> str:
        """The snippet for the typed address; ValueError naming the field if it is not one."""
        typed = self.query_one("#result-address", Input).value.strip()
        try:
            address = check_address("address for the service", typed)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        config, _ = self.state.answers.build(self.wizard.env)
        namespace = stack_namespace(self.wizard.vc.settings.namespace, config)
        return login_snippet(config, address, namespace)

    def _show_snippet(self) -> None:
        try:
            text = self.snippet()
        except ValueError as exc:
            text = f"No snippet: {exc}"
        self.query_one("#result-snippet", Static).update(plain(text, DETAIL_LIMIT, multiline=True))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "result-address":
            self._show_snippet()

    def action_copy_snippet(self) -> None:
        try:
            text = self.snippet()
        except ValueError as exc:
            self.notify(f"Not copied: {exc}", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.notify("Login snippet copied (it holds no secret)")

    def action_go_to_secret(self) -> None:
        """Close the wizard and show the stack's first secret in the browser (a message to
        the app: the wizard does not reach into the main screen)."""
        spec = self.state.answers.build(self.wizard.env)[0].model_secrets
        if not spec.enabled or not spec.names:
            self.notify("This stack has no model secret to open", severity="warning")
            return
        self.wizard.dismiss()
        self.app.post_message(OpenSecret(f"{spec.mount_path}/{spec.names[0]}"))
