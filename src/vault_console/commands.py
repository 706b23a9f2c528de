"""Headless commands for pipelines: preview, up, destroy, plan show, doctor.

Exit codes: 0 success (preview: no changes), 2 preview found changes, 1 error,
64 a usage error (a bad or missing argument: nothing ran).
Nothing here imports Textual, and pulumi/boto3 load only when a command needs them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from vault_console.config import Settings
from vault_console.errors import ConsoleError, describe
from vault_console.escaping import escape_controls

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_USAGE = 0, 1, 2, 64


def _fail(error: ConsoleError, out: TextIO) -> int:
    print(f"vault-console: {error.title}: {error.message}", file=out)
    return EXIT_ERROR


def build_engine(
    config_file: Path,
    settings: Settings,
    env: Mapping[str, str],
    stack: str,
    secrets_provider: str | None,
    backend: str | None,
    err: TextIO,
    verbose: bool = False,
) -> Any:
    """The engine for a config file, or EXIT_ERROR after printing every bad value."""
    from vault_console.infra.engine import Engine
    from vault_console.infra.setup import SetupAnswers
    from vault_console_programs.ai_secrets.config import StackConfigError

    engine: Any = None

    def run() -> int:
        # The wizard's model: the same answers give the same config, state and options.
        nonlocal engine
        answers = SetupAnswers.read(config_file)  # read once: the settings and [state]
        config, secrets = answers.build(env)
        problems = answers.state_problems()
        if problems:
            raise StackConfigError(problems)
        engine = Engine(
            config,
            secrets,
            options=answers.engine_options(
                stack,
                None,
                backend=backend,
                secrets_provider=secrets_provider,
                verbose=verbose,
            ),
            env=env,
            vault=settings,
        )
        return EXIT_OK

    code = _guard(run, err, stack)
    return engine if code == EXIT_OK else code


def _guard(run: Callable[[], int], err: TextIO, stack: str) -> int:
    from vault_console.infra.engine import describe_failure
    from vault_console.infra.existing import PreviewRefused
    from vault_console_programs.ai_secrets.config import StackConfigError

    try:
        return run()
    except StackConfigError as exc:
        print("vault-console: bad stack config, nothing was run:", file=err)
        for problem in exc.problems:
            print(f"  {problem}", file=err)
        return EXIT_ERROR
    except PreviewRefused as exc:
        print(f"vault-console: {exc.title}; nothing was run:", file=err)
        for line in exc.lines:
            print(f"  {line}", file=err)
        print(exc.advice, file=err)
        return EXIT_ERROR
    except Exception as exc:
        return _fail(describe_failure(exc, stack), err)


def _confirm(question: str, assume_yes: bool, stdin: TextIO, err: TextIO) -> bool:
    if assume_yes:
        return True
    if not stdin.isatty():
        print("vault-console: not a terminal and no --yes: nothing was applied.", file=err)
        return False
    print(f"{question} [y/N] ", end="", file=err, flush=True)
    return stdin.readline().strip().lower() in {"y", "yes"}


def _checked_preview(engine: Any, settings: Settings, adopt: bool) -> Any:
    """The preview after the existing-objects check (infra.existing), on a gateway of its own."""
    from vault_console.infra.existing import checked_preview
    from vault_console.vault.client import VaultGateway

    gateway = VaultGateway(settings)
    try:
        outcome, found = checked_preview(engine, gateway, adopt=adopt)
    finally:
        gateway.close()
    return outcome, found


def _adopted_lines(found: list[Any], out: TextIO, outcome: Any = None) -> None:
    for existing in found:
        print(f"Adopting {existing.line}: imported into the stack; the update is below.", file=out)
    for line in getattr(outcome, "unseen_drift", []):
        print(f"Drift the preview cannot show: {line}", file=out)


def _namespace(engine: Any, settings: Settings) -> str:
    """Where the stack's mounts are made: the session's namespace joined with the stack's
    ``vault_namespace`` ('' root)."""
    from vault_console.infra.setup import stack_namespace

    return stack_namespace(settings.namespace, engine.config)


def _target(engine: Any, settings: Settings, out: TextIO) -> None:
    """The first line of every text run: the server and the namespace it acts in."""
    namespace = _namespace(engine, settings) or "root"
    print(f"Target: {settings.address} · namespace {namespace}", file=out)


def preview(
    engine: Any, settings: Settings, as_json: bool, out: TextIO, err: TextIO, adopt: bool = False
) -> int:
    from vault_console.infra.plan import render_text

    def run() -> int:
        outcome, found = _checked_preview(engine, settings, adopt)
        if as_json:
            body = outcome.plan.to_json() | {
                "adopted": [
                    {"kind": e.planned.kind, "where": e.planned.where, "holds": e.holds}
                    for e in found
                ],
                "unseen_drift": outcome.unseen_drift,
                "namespace": _namespace(engine, settings),
            }
            print(json.dumps(body, indent=2), file=out)
        else:
            _target(engine, settings, out)
            _adopted_lines(found, out, outcome)
            print(render_text(outcome.plan), file=out)
        return EXIT_CHANGES if outcome.plan.has_changes else EXIT_OK

    return _guard(run, err, engine.options.stack)


def up(
    engine: Any,
    settings: Settings,
    assume_yes: bool,
    out: TextIO,
    err: TextIO,
    stdin: TextIO,
    adopt: bool = False,
    verify: bool = False,
) -> int:
    from vault_console.infra.plan import render_text

    if settings.read_only:
        return _fail(
            ConsoleError("read-only mode can preview but never apply.", "Read-only mode"), err
        )

    def run() -> int:
        previewed, found = _checked_preview(engine, settings, adopt)
        _target(engine, settings, out)
        _adopted_lines(found, out, previewed)
        print(render_text(previewed.plan), file=out)
        if not previewed.plan.has_changes:
            print("No changes.", file=out)
            return EXIT_OK
        if not _confirm("Apply exactly these changes?", assume_yes, stdin, err):
            return EXIT_ERROR
        applied = engine.up(previewed.plan_file, reviewed=previewed.plan)
        print(render_text(applied.plan), file=out)
        for key, value in sorted(applied.outputs.items()):
            print(f"  {key} = {json.dumps(value)}", file=out)
        if applied.plan.failed:
            return EXIT_ERROR
        return _verify(engine, settings, out) if verify else EXIT_OK

    return _guard(run, err, engine.options.stack)


def _verify(engine: Any, settings: Settings, out: TextIO) -> int:
    """The wizard's result checks, the same lines; boto3's default chain is the operator's
    AWS session (AWS_PROFILE, AWS_ENDPOINT_URL... as for any boto3 program)."""
    from vault_console.infra.aws import session_for
    from vault_console.infra.proof import verify
    from vault_console.vault.client import VaultGateway

    gateway = VaultGateway(settings)
    try:
        checks = verify(gateway, engine.config, session_for(None, engine.config.aws_secrets.region))
    finally:
        gateway.close()
    print("Verified:", file=out)
    for check in checks:
        print(f"  {check.line}", file=out)
    return EXIT_ERROR if any(c.checked and not c.ok for c in checks) else EXIT_OK


def destroy(
    engine: Any, settings: Settings, assume_yes: bool, out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    from vault_console.infra.plan import render_text

    if settings.read_only:
        return _fail(ConsoleError("read-only mode never destroys.", "Read-only mode"), err)

    def run() -> int:
        from vault_console.infra.existing import checked_destroy_preview
        from vault_console.vault.client import VaultGateway

        gateway = VaultGateway(settings)
        try:
            previewed = checked_destroy_preview(engine, gateway)
        finally:
            gateway.close()
        _target(engine, settings, out)
        print(render_text(previewed.plan), file=out)
        for line in previewed.mount_losses:
            print(f"Also gone: {line}", file=out)
        question = "Destroy these resources?"
        if previewed.mount_losses:
            question = "Destroy these resources and every secret in the mounts above?"
        if not _confirm(question, assume_yes, stdin, err):
            return EXIT_ERROR
        destroyed = engine.destroy()
        print(render_text(destroyed.plan), file=out)
        return EXIT_OK

    return _guard(run, err, engine.options.stack)


def plan_show(path: Path, as_json: bool, out: TextIO, err: TextIO, verbose: bool = False) -> int:
    from vault_console.infra.plan import PlanLogError, load_plan, render_text

    try:
        plan = load_plan(path, verbose)
    except PlanLogError as exc:
        print(f"vault-console: {exc}", file=err)
        return EXIT_ERROR
    print(json.dumps(plan.to_json(), indent=2) if as_json else render_text(plan), file=out)
    return EXIT_OK


def doctor(settings: Settings, as_json: bool, out: TextIO = sys.stdout) -> int:
    from vault_console.infra.doctor import render, run_doctor

    checks = run_doctor(settings)
    print(render(checks, as_json), file=out)
    return EXIT_ERROR if any(c.status == "fail" for c in checks) else EXIT_OK


EXIT_NOT_FOUND = 3
EXIT_PROBLEMS = 4


def cluster(settings: Settings, as_json: bool, out: TextIO) -> int:
    """``cluster``: what the node at the address knows of its cluster. Exit 0 when it
    names no problem, 4 when it does (no leader, a sealed or lagging peer, ...), 1 when
    nothing could be read."""
    from vault_console.vault.client import VaultGateway
    from vault_console.vault.cluster import read_cluster

    gateway = VaultGateway(settings)
    try:
        view = read_cluster(gateway)
    finally:
        gateway.close()
    if all(why.startswith("failed") for why in view.sections.values()):
        print(f"vault-console: {view.sections['leader']}", file=sys.stderr)
        return EXIT_ERROR
    if as_json:
        print(json.dumps(view.as_json(), indent=2, sort_keys=True), file=out)
    else:
        leader = view.leader_address or "NONE"
        print(f"{view.cluster_name or 'cluster'} via {view.address}: leader {leader}", file=out)
        for node in view.nodes:
            fields = [node.name, node.api_address, node.role or "sealed/down", node.raft_status]
            if node.index_lag is not None:
                fields.append(f"lag {node.index_lag}")
            print("  " + escape_controls("  ".join(f for f in fields if f)), file=out)
        for line in [*view.problems, *view.advice, *(w for w in view.sections.values() if w)]:
            print(f"! {escape_controls(line)}", file=out)
    return EXIT_PROBLEMS if view.problems else EXIT_OK


def inventory(
    settings: Settings, command: str, path: str, as_json: bool, values: bool, out: TextIO
) -> int:
    """``ls`` and ``show``: paths, keys, versions, metadata, age; labels and fingerprints
    with ``--labels``. Never a value, in any mode. Exit 0 found, 3 not found, 1 error."""
    from vault_console.vault import inventory
    from vault_console.vault.client import VaultGateway

    gateway = VaultGateway(settings)
    try:
        if command == "ls":
            found = inventory.list_path(gateway, path)
        else:
            found = inventory.describe(gateway, path, values=values)
    except inventory.NotFound as exc:
        print(f"vault-console: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except Exception as exc:
        return _fail(describe(exc), sys.stderr)
    finally:
        gateway.close()
    if as_json:
        print(json.dumps(found, indent=2, sort_keys=True), file=out)
    elif command == "ls":
        # Paths are server data: control and bidi characters are shown escaped, as on screen.
        for entry in found["entries"]:
            print(escape_controls(entry.get("path", entry["name"])), file=out)
    else:
        for key, value in sorted(found.items()):
            print(f"{key}: {json.dumps(value, sort_keys=True)}", file=out)  # JSON escapes them
    return EXIT_OK
