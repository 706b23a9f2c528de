"""Step 2: the AWS identity (boto3's chain, STS) and the AI service's IAM principal."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Select
from textual.widgets.option_list import Option

from vault_console.infra.aws import AwsIdentity, IamRole
from vault_console.screens.wizard.base import Field, WizardStep, field_id
from vault_console.text import DETAIL_LIMIT, plain
from vault_console_programs.ai_secrets.config import WORKLOAD_SERVICES

MODES = ("existing", "arn", "create")
ENDPOINTS = {"iam_endpoint": "IAM", "sts_endpoint": "STS"}
"""Custom endpoints (VPC endpoints, FIPS, GovCloud, China, a moto server): one pair for
both components, since Vault calls the same IAM and STS for each."""


class AwsStep(WizardStep):
    title = "AWS"
    prefixes = (
        "aws.",
        "aws_secrets.region",
        "aws_secrets.iam_endpoint",
        "aws_secrets.sts_endpoint",
        "aws_auth.iam_endpoint",
        "aws_auth.sts_endpoint",
        "aws_auth.bound_principal_arn",
        "aws_auth.workload_service",
        "aws_auth.iam_role_name",
    )

    def compose(self) -> ComposeResult:
        raw = self.state.answers.raw
        yield Label("", id="aws-off")
        with Vertical(id="aws-on"):
            yield Field("AWS profile (empty: boto3's default chain)", "aws.profile")
            yield Field(
                "Region",
                "aws_secrets.region",
                raw.get("aws_secrets", {}).get("region", "us-east-1"),
            )
            for name, label in ENDPOINTS.items():
                yield Field(
                    f"{label} endpoint (empty: AWS's own; https://, or http:// on 127.0.0.1)",
                    f"aws_secrets.{name}",
                    self._endpoint(name),
                )
            yield Button("Check identity", id="aws-identify")
            yield Label("", id="aws-identity")
            with Vertical(id="aws-principal"):
                yield Label("The AI service's IAM principal", classes="section-title")
                with RadioSet(id="aws-mode"):
                    yield RadioButton("Pick an existing IAM role", id="mode-existing", value=True)
                    yield RadioButton("Type a principal ARN", id="mode-arn")
                    yield RadioButton("Let the stack create a role for a service", id="mode-create")
                with Vertical(id="aws-existing"):
                    yield Input(placeholder="filter roles", id="role-filter", select_on_focus=False)
                    yield OptionList(id="role-list")
                    yield Label("", id="role-chosen")
                yield Field(
                    "Principal ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                    "aws_auth.bound_principal_arn",
                )
                with Vertical(id="aws-create"):
                    yield Label("AWS service that runs the AI workload", classes="field-label")
                    yield Select(
                        [(f"{k} ({v})", k) for k, v in WORKLOAD_SERVICES.items()],
                        value=raw.get("aws_auth", {}).get("workload_service", "ec2"),
                        allow_blank=False,
                        id=field_id("aws_auth.workload_service"),
                    )
                    yield Field(
                        "Name of the IAM role to create",
                        "aws_auth.iam_role_name",
                        raw.get("aws_auth", {}).get("iam_role_name", "ai-service-vault-auth"),
                    )
            yield Label("", classes="step-problems")

    # -- state ------------------------------------------------------------------------------

    def _endpoint(self, name: str) -> str:
        """The saved answer, else the endpoint boto3 would use here (AWS_ENDPOINT_URL_IAM,
        AWS_ENDPOINT_URL): what the console checks identity against, shown to be kept or
        cleared."""
        raw = self.state.answers.raw
        for section in ("aws_secrets", "aws_auth"):
            saved = raw.get(section, {}).get(name)
            if saved:
                return str(saved)
        env = self.wizard.env
        service = name.removesuffix("_endpoint").upper()
        return env.get(f"AWS_ENDPOINT_URL_{service}") or env.get("AWS_ENDPOINT_URL", "")

    def _enabled(self, section: str) -> bool:
        return bool(self.state.answers.raw.get(section, {}).get("enabled", True))

    @property
    def mode(self) -> str:
        pressed = self.query_one("#aws-mode", RadioSet).pressed_button
        return (pressed.id or "mode-existing").removeprefix("mode-") if pressed else "existing"

    def load(self) -> None:
        auth_on, secrets_on = self._enabled("aws_auth"), self._enabled("aws_secrets")
        off = not (auth_on or secrets_on)
        self.query_one("#aws-off", Label).update(
            "The AWS components are off: nothing to ask here. Next goes on." if off else ""
        )
        self.query_one("#aws-off", Label).display = off
        self.query_one("#aws-on").display = not off
        self.query_one("#aws-principal").display = auth_on
        bound = self.state.answers.raw.get("aws_auth", {}).get("bound_principal_arn")
        if bound and not any(r.arn == bound for r in self.state.roles or []):
            self.query_one("#mode-arn", RadioButton).value = True
            self.field("aws_auth.bound_principal_arn").value = bound
        self._show_mode()
        if not off and self.state.identity is None:
            self.identify()
        elif self.state.identity is not None:
            self._show_identity(self.state.identity)

    def store(self) -> None:
        raw = self.state.answers.raw
        if not (self._enabled("aws_auth") or self._enabled("aws_secrets")):
            return
        region = self.field("aws_secrets.region").value.strip()
        endpoints = {n: self.field(f"aws_secrets.{n}").value.strip() for n in ENDPOINTS}
        for section in ("aws_secrets", "aws_auth"):
            if self._enabled(section):
                values = raw.setdefault(section, {})
                for name, url in endpoints.items():
                    if url:
                        values[name] = url
                    else:
                        values.pop(name, None)
        if self._enabled("aws_secrets"):
            raw.setdefault("aws_secrets", {})["region"] = region
        if not self._enabled("aws_auth"):
            return
        auth = raw.setdefault("aws_auth", {})
        if endpoints["sts_endpoint"]:
            auth["sts_region"] = region  # a regional STS endpoint signs for its region
        else:
            auth.pop("sts_region", None)
        mode = self.mode
        if mode == "create":
            auth.pop("bound_principal_arn", None)
            auth["workload_service"] = self.query_one(
                f"#{field_id('aws_auth.workload_service')}", Select
            ).value
            auth["iam_role_name"] = self.field("aws_auth.iam_role_name").value.strip()
        elif mode == "arn":
            typed = self.field("aws_auth.bound_principal_arn").value.strip()
            auth["bound_principal_arn"] = typed
        else:
            chosen = self.query_one("#role-list", OptionList).highlighted_option
            if chosen is not None and chosen.id:
                auth["bound_principal_arn"] = chosen.id
            else:
                auth.pop("bound_principal_arn", None)

    def problems(self) -> dict[str, str]:
        if not (self._enabled("aws_auth") or self._enabled("aws_secrets")):
            return {}
        found = super().problems()
        for name in ENDPOINTS:  # one field for both components: the auth's reason shows there
            if f"aws_auth.{name}" in found:
                found.setdefault(f"aws_secrets.{name}", found.pop(f"aws_auth.{name}"))
        if self._enabled("aws_auth"):
            auth = self.state.answers.raw.get("aws_auth", {})
            if self.mode == "existing" and not auth.get("bound_principal_arn"):
                found["aws_auth.bound_principal_arn"] = (
                    "pick a role from the list (or type an ARN, or let the stack create one)"
                )
            if self.mode == "arn" and not auth.get("bound_principal_arn"):
                found["aws_auth.bound_principal_arn"] = "is empty"
        return found

    def show_problems(self, problems: dict[str, str]) -> None:
        super().show_problems(problems)
        if self.mode == "existing":
            reason = problems.get("aws_auth.bound_principal_arn")
            if reason:
                self.query_one("#role-chosen", Label).update(plain(reason))
            else:
                self._show_chosen()

    # -- AWS --------------------------------------------------------------------------------

    def identify(self) -> None:
        from vault_console.infra.aws import identify, list_roles

        profile = self.field("aws.profile").value.strip() or None
        region = self.field("aws_secrets.region").value.strip() or None
        sts = self.field("aws_secrets.sts_endpoint").value.strip() or None
        iam = self.field("aws_secrets.iam_endpoint").value.strip() or None
        self.query_one("#aws-identity", Label).update("Asking STS who these credentials are…")
        want_roles = self._enabled("aws_auth")

        def work() -> tuple[AwsIdentity, Any, list[IamRole] | None]:
            identity, session = identify(profile, region, sts)
            roles = None
            if want_roles:
                try:
                    roles = list_roles(session, iam)
                except Exception:  # listing is optional: an ARN can still be typed
                    roles = None
            return identity, session, roles

        def done(result: tuple[AwsIdentity, Any, list[IamRole] | None]) -> None:
            self.state.identity, self.state.aws_session, self.state.roles = result
            self._show_identity(result[0])
            self._show_roles()

        def failed(error: BaseException) -> bool:
            from vault_console.errors import describe

            problem = describe(error)
            self.state.identity = None
            self.query_one("#aws-identity", Label).update(
                plain(f"✖ {problem.title}: {problem.message}", DETAIL_LIMIT, multiline=True)
            )
            if self.mode == "existing":
                self.query_one("#mode-arn", RadioButton).value = True
            return True

        self.wizard.vc.run_io(work, done, description="AWS identity", on_error=failed)

    def _show_identity(self, identity: AwsIdentity) -> None:
        self.query_one("#aws-identity", Label).update(
            plain(
                f"✔ {identity.arn} (account {identity.account}, {identity.region}, "
                f"credentials from {identity.source})"
            )
        )

    def _show_roles(self, text: str = "") -> None:
        roles = self.state.roles
        options = self.query_one("#role-list", OptionList)
        options.clear_options()
        if roles is None:
            options.add_option(
                Option("iam:ListRoles was refused or failed: type the ARN", disabled=True)
            )
            return
        needle = text.lower()
        shown = [r for r in roles if needle in r.name.lower() or needle in r.arn.lower()]
        for role in shown:
            trusted = ", ".join(role.trusted) or "nobody"
            options.add_option(Option(plain(f"{role.name}  trusts {trusted}"), id=role.arn))
        if not shown:
            options.add_option(Option(f"no role matches {text!r}", disabled=True))
        bound = self.state.answers.raw.get("aws_auth", {}).get("bound_principal_arn")
        if bound:
            for index, role in enumerate(shown):
                if role.arn == bound:
                    options.highlighted = index

    def _show_mode(self) -> None:
        mode = self.mode
        self.query_one("#aws-existing").display = mode == "existing"
        self.query_one(f"#{field_id('aws_auth.bound_principal_arn')}-field").display = mode == "arn"
        self.query_one("#aws-create").display = mode == "create"

    # -- events -----------------------------------------------------------------------------

    @on(RadioSet.Changed, "#aws-mode")
    def _mode_changed(self) -> None:
        self.state.changed = True
        self._show_mode()

    @on(Input.Changed, "#role-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._show_roles(event.value)

    @on(Input.Submitted, "#role-filter")
    def _filter_enter(self) -> None:
        options = self.query_one("#role-list", OptionList)
        if options.option_count and options.highlighted is None:
            options.highlighted = 0
        options.focus()
        self._show_chosen()

    @on(OptionList.OptionHighlighted, "#role-list")
    def _role_highlighted(self) -> None:
        self._show_chosen()

    def _show_chosen(self) -> None:
        option = self.query_one("#role-list", OptionList).highlighted_option
        if option is not None and option.id:
            self.query_one("#role-chosen", Label).update(plain(f"Chosen: {option.id}"))

    @on(Button.Pressed, "#aws-identify")
    def _identify_pressed(self) -> None:
        self.identify()
