"""The console's overhead on a real preview, against a bare ``pulumi preview``.

Runs on the real Pulumi CLI and vault provider, against a fresh OpenBao dev server:

* ``vault-console preview --config …`` as a pipeline runs it (a new process each time);
* the same preview in-process through ``Engine.preview`` (what the wizard uses), with the
  time to the first progress event (the first resource the engine announces);
* a bare ``pulumi preview --refresh`` of a Pulumi YAML program that declares the same
  three resources (mount, secret, policy), on its own stack in the same backend. A Python
  program cannot be previewed bare here: ``pulumi-language-python`` is not on the Go
  module proxy. ``pulumi-language-yaml`` is (see NEEDS below); without it that row is
  left out and the script says so.

Each preview refreshes, as the console's do. Two scenes: an empty stack (a first review:
four creates) and an applied stack (nothing to do). Rounds alternate the runners.

    .venv/bin/python bench/real_preview.py [--rounds 5]

NEEDS: ``pulumi`` on PATH (``tools/pulumi/build.sh``), ``../shared/pulumi-plugins``, and
for the bare row ``pulumi-language-yaml`` on PATH::

    GOBIN=$HOME/.cache/vault-console/tools go install \\
        github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v1.25.0
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pulumi.automation.events import EngineEvent

from vault_console.demo import install_vault_plugin
from vault_console.infra.engine import Engine, EngineOptions
from vault_console.vault.devserver import DevServer
from vault_console_programs.ai_secrets.config import load

MOUNT = "bench-models"

STACK_TOML = f"""
[aws_secrets]
enabled = false
[aws_auth]
enabled = false
[model_secrets]
mount_path = "{MOUNT}"
policy_name = "{MOUNT}-read"
[model_secrets.secrets."openai/api-key"]
api_key = {{ env = "BENCH_MODEL_KEY" }}
"""

YAML_PROGRAM = """name: bench-yaml
runtime: yaml
resources:
  mount:
    type: vault:Mount
    properties:
      path: bench-yaml
      type: kv
      options: {{version: "2"}}
      description: Secrets for AI models
  secret:
    type: vault:kv:SecretV2
    properties:
      mount: ${{mount.path}}
      name: openai/api-key
      dataJson:
        fn::secret: '{{"api_key": "sk-bench"}}'
  policy:
    type: vault:Policy
    properties:
      name: bench-yaml-read
      policy: |
        path "bench-yaml/data/openai/api-key" {{ capabilities = ["read"] }}
        path "bench-yaml/metadata/openai/api-key" {{ capabilities = ["read"] }}
backend:
  url: {backend}
"""


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        sys.exit("bench/real_preview.py: needs `pulumi` on PATH (tools/pulumi/build.sh)")
    yaml_host = shutil.which("pulumi-language-yaml")
    work = Path(tempfile.mkdtemp(prefix="bench-real-preview-"))
    home = work / "pulumi-home"
    home.mkdir()
    assert install_vault_plugin(pulumi, home, "v7.14.0"), "no shared/pulumi-plugins"
    backend = f"file://{work / 'state'}"
    (work / "state").mkdir()
    config_file = work / "stack.toml"
    config_file.write_text(STACK_TOML)
    yaml_dir = work / "yaml"
    yaml_dir.mkdir()
    (yaml_dir / "Pulumi.yaml").write_text(YAML_PROGRAM.format(backend=backend))

    with DevServer() as server:
        env = {
            **os.environ,
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": backend,
            "PULUMI_CONFIG_PASSPHRASE": "bench",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "VAULT_ADDR": server.address,
            "VAULT_TOKEN": server.root_token,
            "BENCH_MODEL_KEY": "sk-bench-value",
        }
        config, secrets = load(config_file, env)
        provider_env = {"VAULT_ADDR": server.address, "VAULT_TOKEN": server.root_token}

        def engine() -> Engine:
            return Engine(
                config,
                secrets,
                options=EngineOptions(stack="bench", work_dir=work / "engine"),
                env=env,
                provider_env=provider_env,
            )

        def console_cli() -> None:
            done = subprocess.run(
                [sys.executable, "-m", "vault_console", "preview", "--config", str(config_file),
                 "--stack", "bench"],
                env=env, capture_output=True, text=True, check=False, timeout=300,
            )  # fmt: skip
            # 0: no changes, 2: changes. Anything else is a failure, not a figure (a run
            # that stopped early once made the new-process row look fast).
            if done.returncode not in (0, 2):
                sys.exit(f"vault-console preview failed ({done.returncode}):\n{done.stderr}")

        first_event: list[float] = []

        def console_engine() -> None:
            start = time.perf_counter()
            seen: list[float] = []

            def on_event(event: EngineEvent) -> None:
                if not seen and event.resource_pre_event is not None:
                    seen.append(time.perf_counter() - start)

            engine().preview(on_event=on_event)
            first_event.extend(seen[:1])

        def bare(*verb: str) -> Callable[[], None]:
            def run() -> None:
                subprocess.run(
                    [pulumi, *verb, "--stack", "bench-yaml", "--non-interactive"],
                    cwd=yaml_dir, env=env, capture_output=True, check=True, timeout=300,
                )  # fmt: skip

            return run

        runners: dict[str, Callable[[], None]] = {
            "vault-console preview (new process)": console_cli,
            "Engine.preview in-process (the wizard)": console_engine,
        }
        if yaml_host:
            subprocess.run(
                [pulumi, "stack", "init", "bench-yaml", "--non-interactive"],
                cwd=yaml_dir, env=env, capture_output=True, check=True,
            )  # fmt: skip
            runners["bare `pulumi preview --refresh` (YAML program)"] = bare("preview", "--refresh")
        engine().stack()  # the stack exists before the first timed run
        console_cli()  # warm the page cache and bytecode; not counted

        for scene in ("empty stack (4 to create)", "applied stack (no changes)"):
            if scene.startswith("applied"):
                planned = engine().preview()
                assert planned.plan_file is not None
                engine().up(planned.plan_file)
                if yaml_host:
                    bare("up", "--yes", "--refresh")()
            times: dict[str, list[float]] = {name: [] for name in runners}
            first_event.clear()
            for _ in range(args.rounds):
                for name, run in runners.items():
                    times[name].append(timed(run))
            print(f"\n{scene}, {args.rounds} rounds, seconds")
            print("| runner | best | median | x bare (median) |\n| --- | --- | --- | --- |")
            bare_times = times.get("bare `pulumi preview --refresh` (YAML program)")
            base = statistics.median(bare_times) if bare_times else None
            for name, values in times.items():
                median = statistics.median(values)
                ratio = f"{median / base:.2f}" if base else "-"
                print(f"| {name} | {min(values):.2f} | {median:.2f} | {ratio} |")
            if first_event:
                print(
                    f"time to first progress event (Engine.preview): median "
                    f"{statistics.median(first_event):.2f} s, best {min(first_event):.2f} s"
                )
        if not yaml_host:
            print("\n(no pulumi-language-yaml on PATH: the bare row is left out; see NEEDS)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
