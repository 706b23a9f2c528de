"""Stack state in S3, where teams keep it: moto's S3 as the bucket, the real Pulumi CLI,
the vault provider and OpenBao. Two consoles on two machines are two state directories
pointing at one bucket: the second sees the first's lock and names its holder.
(moto checks no signatures or IAM policies.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.infra.gate_program import gated, wait_for
from tests.infra.moto import boto3_env
from tests.infra.test_real_engine import Bed, model_raw, ops
from vault_console.infra.demo_aws import admin_client
from vault_console.infra.engine import Engine, EngineOptions, describe_failure
from vault_console_programs.ai_secrets.config import parse

pytestmark = pytest.mark.needs_pulumi_cli


def s3(moto_server: str) -> Any:
    return admin_client(moto_server, "s3")


def bucket(moto_server: str, name: str) -> str:
    """A new bucket; the backend URL a team would write for it."""
    s3(moto_server).create_bucket(Bucket=name)
    return f"s3://{name}/vault?region=us-east-1&endpoint={moto_server}&use_path_style=true"


def objects(moto_server: str, name: str, prefix: str) -> list[str]:
    listed = s3(moto_server).list_objects_v2(Bucket=name, Prefix=prefix).get("Contents", [])
    return [o["Key"] for o in listed]


def engine_at(
    bed: Bed, moto_server: str, backend: str, state_dir: Path, **kwargs: object
) -> Engine:
    """One console's engine: its own state folder, the shared bucket."""
    config, secrets = parse(model_raw(bed.prefix), {})
    return Engine(
        config,
        secrets,
        options=EngineOptions(stack=bed.stack, work_dir=state_dir / "work", backend_url=backend),
        env={**bed.env, **boto3_env(moto_server), "XDG_STATE_HOME": str(state_dir)},
        provider_env=bed.provider_env,
        **kwargs,  # type: ignore[arg-type]
    )


def test_preview_apply_and_destroy_with_state_in_s3(bed: Bed, moto_server: str) -> None:
    name = f"{bed.prefix}-state"
    backend = bucket(moto_server, name)
    engine = engine_at(bed, moto_server, backend, bed.tmp / "laptop-a")
    preview = engine.preview()
    assert preview.plan_file is not None
    engine.up(preview.plan_file)
    held = [k for k in objects(moto_server, name, "vault/.pulumi/stacks/") if k.endswith(".json")]
    assert held, "the stack's state is in the bucket"
    client = s3(moto_server)
    state = " ".join(client.get_object(Bucket=name, Key=k)["Body"].read().decode() for k in held)
    assert "sk-real-engine-value-1" not in state  # only ciphertext in the shared state
    assert not (bed.tmp / "laptop-a" / "vault-console" / "pulumi").exists()  # nothing local

    # Another console, another state folder, the same bucket: it sees the applied stack.
    other = engine_at(bed, moto_server, backend, bed.tmp / "laptop-b")
    again = other.preview()
    assert not again.plan.has_changes, ops(again)
    other.destroy()
    assert f"{bed.prefix}/" not in bed.hvac().sys.list_mounted_secrets_engines()["data"]
    assert objects(moto_server, name, "vault/.pulumi/locks/") == []


def test_a_lock_in_s3_is_seen_from_another_state_folder(bed: Bed, moto_server: str) -> None:
    name = f"{bed.prefix}-locks"
    backend = bucket(moto_server, name)
    gate, started = bed.tmp / "gate", bed.tmp / "holder-started"
    (bed.tmp / "laptop-a").mkdir()
    spec = bed.tmp / "holder.json"
    spec.write_text(
        json.dumps(
            {
                "raw": model_raw(bed.prefix),
                "stack": bed.stack,
                "work_dir": str(bed.tmp / "laptop-a" / "work"),
                "provider_env": bed.provider_env,
                "prefix": bed.prefix,
                "gate": str(gate),
                "started": str(started),
                "backend_url": backend,
            }
        )
    )
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.infra.lock_holder", str(spec)],
        env={
            **bed.env,
            **boto3_env(moto_server),
            "XDG_STATE_HOME": str(bed.tmp / "laptop-a"),
            "PATH": str(Path(bed.cli_path).parent) + ":/usr/bin:/bin",
        },
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert wait_for(started, 90), "the holder never started its update"
        deadline = time.monotonic() + 60
        while not objects(moto_server, name, "vault/.pulumi/locks/"):
            assert time.monotonic() < deadline, "the holder's update never took the lock"
            time.sleep(0.1)
        second = engine_at(
            bed, moto_server, backend, bed.tmp / "laptop-b", program=gated(bed.prefix, gate)
        )
        with pytest.raises(Exception) as caught:
            second.stack().up(color="never")
        described = describe_failure(caught.value, bed.stack)
        assert described.title == "Stack is locked"
        assert "(pid " in described.message and "never clears locks" in described.message
        assert objects(moto_server, name, "vault/.pulumi/locks/"), "another's lock stays"
    finally:
        gate.touch()
        holder.wait(90)
    assert holder.returncode == 0
    assert objects(moto_server, name, "vault/.pulumi/locks/") == []
    engine_at(bed, moto_server, backend, bed.tmp / "laptop-b").destroy()
