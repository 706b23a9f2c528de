"""A second process that holds the stack's lock: it previews (gate open), signals, then
runs ``up`` until the gate file appears. ``python -m tests.infra.lock_holder SPEC.json``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.infra.gate_program import gated
from vault_console.infra.engine import Engine, EngineOptions
from vault_console_programs.ai_secrets.config import parse


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    config, secrets = parse(spec["raw"], {})
    work_dir = Path(spec["work_dir"])
    open_gate = work_dir.parent / "holder-preview-gate"
    open_gate.touch()

    def engine(gate: Path) -> Engine:
        return Engine(
            config,
            secrets,
            options=EngineOptions(
                stack=spec["stack"], work_dir=work_dir, backend_url=spec.get("backend_url")
            ),
            env=dict(os.environ),
            provider_env=spec["provider_env"],
            program=gated(spec["prefix"], gate),
        )

    preview = engine(open_gate).preview()
    assert preview.plan_file is not None
    Path(spec["started"]).touch()
    engine(Path(spec["gate"])).up(preview.plan_file)


if __name__ == "__main__":
    main()
