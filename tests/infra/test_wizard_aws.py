"""The wizard's AWS step against a real moto server (STS, IAM) through boto3's chain.

OpenBao has no aws plugins, so the target step does not let these components through;
the tests enter the AWS step directly, as they would on HashiCorp Vault.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import boto3
import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, RadioButton

from tests.functional.helpers import settle
from tests.functional.test_wizard import error_of, shown, type_into, wizard_env
from vault_console.app import VaultConsoleApp, make_app
from vault_console.config import Settings
from vault_console.infra.aws import SOURCES_CHECKED
from vault_console.screens.wizard.screen import WizardScreen

ROLE = "wizard-inference-role"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


async def aws_step(pilot: Pilot[int], app: VaultConsoleApp) -> WizardScreen:
    await settle(pilot)
    screen = WizardScreen("aws-test")
    await app.push_screen(screen)
    await settle(pilot)
    await screen.go_to("aws")
    await settle(pilot)
    return screen


async def test_identity_and_a_role_picked_from_the_filtered_list(
    root_settings: Settings, tmp_path: Path, aws_env: dict[str, str]
) -> None:
    iam = boto3.client("iam")
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
    arn = f"arn:aws:iam::123456789012:role/{ROLE}"

    app = make_app(root_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await aws_step(pilot, app)
        identity = shown(app, "#aws-identity")
        assert identity.startswith("✔ arn:aws:")
        assert "account 123456789012" in identity and "credentials from env" in identity

        await pilot.press("ctrl+n")  # nothing picked yet
        await settle(pilot)
        assert screen.current == "aws"
        assert "pick a role from the list" in shown(app, "#role-chosen")

        app.screen.query_one("#role-filter").focus()
        await pilot.press(*"inference-role")  # other tests' roles share this moto server
        await pilot.press("enter")  # to the list, first match highlighted
        await settle(pilot)
        options = app.screen.query_one("#role-list", OptionList)
        assert options.has_focus
        assert options.option_count == 1
        assert "trusts sagemaker.amazonaws.com" in str(options.get_option_at_index(0).prompt)
        assert arn in shown(app, "#role-chosen")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "components"
        assert screen.state.answers.raw["aws_auth"]["bound_principal_arn"] == arn

        await pilot.press("ctrl+b")  # Back keeps the choice
        await settle(pilot)
        assert arn in shown(app, "#role-chosen")


async def test_a_typed_arn_is_validated_under_its_field(
    root_settings: Settings, tmp_path: Path, aws_env: dict[str, str]
) -> None:
    app = make_app(root_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await aws_step(pilot, app)
        await pilot.click("#mode-arn")
        await settle(pilot)
        await type_into(pilot, app, "aws_auth.bound_principal_arn", "arn:aws:iam::12:role/x")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "aws"
        reason = error_of(app, "aws_auth.bound_principal_arn")
        assert reason.endswith("the account must be 12 digits")
        await type_into(
            pilot, app, "aws_auth.bound_principal_arn", "arn:aws:iam::123456789012:role/ai"
        )
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "components"


async def test_without_credentials_it_fails_fast_names_the_sources_and_offers_the_arn(
    root_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    app = make_app(root_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await aws_step(pilot, app)
        identity = shown(app, "#aws-identity")
        assert identity.startswith("✖ No AWS credentials")
        for source in SOURCES_CHECKED:
            assert source in identity
        assert app.screen.query_one("#mode-arn", RadioButton).value  # offered instead
        await pilot.click("#mode-create")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "components"  # the stack creates the role: no ARN needed
        assert "bound_principal_arn" not in screen.state.answers.raw["aws_auth"]
        assert screen.state.answers.raw["aws_auth"]["workload_service"] == "ec2"


async def test_endpoints_are_fields_checked_and_reach_both_components(
    root_settings: Settings, tmp_path: Path, aws_env: dict[str, str]
) -> None:
    """The endpoint boto3 uses here is offered (AWS_ENDPOINT_URL: the moto server), the
    identity check goes there, a plain http:// endpoint off loopback is refused under its
    field, and what is typed reaches both the secrets engine and the auth method."""
    moto_url = aws_env["AWS_ENDPOINT_URL"]
    app = make_app(root_settings, env=wizard_env(tmp_path, AWS_ENDPOINT_URL=moto_url))
    async with app.run_test(size=(120, 60)) as pilot:
        screen = await aws_step(pilot, app)
        assert screen.step("aws").field("aws_secrets.sts_endpoint").value == moto_url
        assert shown(app, "#aws-identity").startswith("✔ arn:aws:")
        await pilot.click("#mode-arn")
        await type_into(
            pilot, app, "aws_auth.bound_principal_arn", "arn:aws:iam::123456789012:role/ai"
        )
        await type_into(pilot, app, "aws_secrets.iam_endpoint", "http://10.0.0.5:5000")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "aws"
        assert error_of(app, "aws_secrets.iam_endpoint").endswith(
            "http:// only for 127.0.0.1 or localhost; use https://"
        )
        await type_into(pilot, app, "aws_secrets.iam_endpoint", "https://iam.example.com")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert screen.current == "components"
        raw = screen.state.answers.raw
        for section in ("aws_secrets", "aws_auth"):
            assert raw[section]["iam_endpoint"] == "https://iam.example.com"
            assert raw[section]["sts_endpoint"] == moto_url
        assert raw["aws_auth"]["sts_region"] == "us-east-1"


async def test_the_aws_steps_profile_and_region_reach_the_engine(
    root_settings: Settings,
    tmp_path: Path,
    aws_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A profile typed in the AWS step (here in a private AWS_CONFIG_FILE whose endpoint is
    moto) is what the engine's CLI runs with too: an S3 backend or the aws provider use the
    identity that was checked."""
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile ml-ops]\n"
        f"endpoint_url = {aws_env['AWS_ENDPOINT_URL']}\n"
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = profile-secret\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))  # boto3 reads the process's
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    app = make_app(root_settings, env=wizard_env(tmp_path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await aws_step(pilot, app)
        await type_into(pilot, app, "aws.profile", "ml-ops")
        await type_into(pilot, app, "aws_secrets.region", "eu-west-1")
        await pilot.click("#aws-identify")
        await settle(pilot)
        assert "credentials from config-file" in shown(app, "#aws-identity")
        engine_env = screen.engine_env()
        assert engine_env["AWS_PROFILE"] == "ml-ops"
        assert engine_env["AWS_REGION"] == "eu-west-1"
