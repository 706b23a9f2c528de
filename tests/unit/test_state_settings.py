"""The [state] section: where a stack's state lives and what encrypts its secrets."""

from __future__ import annotations

import pytest

from vault_console.infra.state import StateSettings, parse_state


@pytest.mark.parametrize(
    "backend",
    [
        "s3://team-pulumi-state",
        "s3://team-pulumi-state/vault/prod?region=eu-west-1",
        "s3://state?region=us-east-1&endpoint=http://127.0.0.1:5000&use_path_style=true",
        "s3://state?endpoint=https://bucket.vpce-0abc.s3.us-east-1.vpce.amazonaws.com",
        "file:///srv/pulumi-state",
        "gs://team-state",
        "https://api.pulumi.com",
    ],
)
def test_good_backends(backend: str) -> None:
    assert parse_state({"state": {"backend": backend}}) == (StateSettings(backend), {})


@pytest.mark.parametrize(
    ("section", "field", "reason"),
    [
        ({"backend": "s3://A_Bucket"}, "state.backend", "'A_Bucket' is not an S3 bucket name"),
        ({"backend": "s3://state?region=mars-1"}, "state.backend", "region 'mars-1' is not"),
        (
            {"backend": "s3://state?endpoint=http://10.1.2.3:9000"},
            "state.backend",
            "http:// only for 127.0.0.1 or localhost",
        ),
        ({"backend": "s3://state?regoin=us-east-1"}, "state.backend", "unknown option 'regoin'"),
        ({"backend": "ftp://state"}, "state.backend", "a backend is file://, s3://"),
        ({"backend": "file://relative/path"}, "state.backend", "takes an absolute path"),
        ({"secrets_provider": "rot13"}, "state.secrets_provider", "not passphrase or a KMS URL"),
        ({"passphrase": "hunter2"}, "state.passphrase", "unknown setting"),
    ],
)
def test_bad_settings_name_the_field_and_reason(
    section: dict[str, str], field: str, reason: str
) -> None:
    state, problems = parse_state({"state": section})
    assert state == StateSettings()
    assert list(problems) == [field]
    assert reason in problems[field]
    assert "hunter2" not in problems[field]  # a stray passphrase is never echoed


def test_a_kms_provider_with_an_s3_backend() -> None:
    state, problems = parse_state(
        {
            "state": {
                "backend": "s3://team-st/vault?region=eu-west-1",
                "secrets_provider": "awskms://alias/p",
            }
        }
    )
    assert not problems and state.secrets_provider == "awskms://alias/p"
