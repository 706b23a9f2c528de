"""``vault-console demo``'s environment: moto as the demo's AWS, the user's own AWS set-up
and state left alone, the wizard's answers filled with the demo's AWS, and everything
stopped afterwards. (moto checks no signatures or IAM policies.)"""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest

from vault_console import config
from vault_console.demo import running
from vault_console.infra.aws import identify, list_roles
from vault_console.infra.setup import SetupAnswers, secret_env_name
from vault_console_programs.ai_secrets.config import StackConfigError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_the_demo_brings_its_own_aws_and_leaves_the_users_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user with a real-looking AWS set-up and state of their own.
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAUSERSOWNKEY00000\naws_secret_access_key = users-own\n"
    )
    monkeypatch.setenv("HOME", str(home))
    # A profile the demo must not look up (boto3 would stop on it, or use it).
    monkeypatch.setenv("AWS_PROFILE", "sso-admin")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "users-state"))
    monkeypatch.setenv(
        "XDG_CACHE_HOME", os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    )

    with running() as demo:
        env = demo.env
        assert demo.aws_url is not None and demo.aws_url.startswith("http://127.0.0.1:")
        assert "AWS_PROFILE" not in env
        assert env["AWS_ENDPOINT_URL"] == demo.aws_url
        assert Path(env["AWS_SHARED_CREDENTIALS_FILE"]).read_text() == ""
        assert env["XDG_STATE_HOME"].startswith(str(demo.server.workdir))

        # The console's boto3, as the AWS step calls it, finds the demo's operator in moto.
        monkeypatch.delenv("AWS_PROFILE")
        for key, value in env.items():
            if key.startswith("AWS_"):
                monkeypatch.setenv(key, value)
        identity, session = identify(None, "us-east-1")
        assert identity.arn.endswith(":user/demo-operator")
        assert "ai-service" in {r.name for r in list_roles(session)}

        # The wizard starts from stack dev's answers: the demo's endpoints, root key and role.
        answers = SetupAnswers.load(config.state_dir(env), "dev")
        assert answers is not None
        assert answers.raw["aws_secrets"]["iam_endpoint"] == demo.aws_url
        assert answers.raw["aws_auth"]["bound_principal_arn"].endswith(":role/ai-service")
        assert answers.fill_from_env(env) == ["aws_secrets.secret_key"]
        root_key = answers.raw["aws_secrets"]["access_key"]
        users = boto3.client("iam").list_access_keys(UserName="vault-root")["AccessKeyMetadata"]
        assert [k["AccessKeyId"] for k in users] == [root_key]
        assert (
            env[secret_env_name("aws_secrets.secret_key")]
            == answers.secrets["aws_secrets.secret_key"]
        )
        # Only the model secret's value is left to type.
        with pytest.raises(StackConfigError) as left:
            answers.build(env)
        assert [p.split(":")[0] for p in left.value.problems] == [
            "model_secrets.secrets.openai/api-key.api_key"
        ]
        bao_pid, moto_pid = demo.server.pid, demo.aws_pid
        saved_in = Path(env["XDG_STATE_HOME"])
    assert bao_pid is not None and not _alive(bao_pid)
    assert moto_pid is not None and not _alive(moto_pid)
    assert not saved_in.exists()  # the demo's state went with it
    assert not (tmp_path / "users-state").exists()  # the user's was never written
