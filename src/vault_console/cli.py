"""Command line: the console, and ``demo`` on an embedded OpenBao dev server.

Textual is imported only by the commands that draw a screen.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from vault_console import config
from vault_console.commands import EXIT_USAGE


def _connection_flags(parser: argparse.ArgumentParser, *, after: bool = False) -> None:
    """The connection flags; ``after`` adds them to a subcommand too, as the vault CLI
    takes them on either side (``vault-console demo --read-only``). There they default to
    SUPPRESS, so a flag given before the subcommand is not reset by the subcommand's
    default."""
    unset: dict[str, Any] = {"default": argparse.SUPPRESS} if after else {}
    flag_default: dict[str, Any] = {"default": argparse.SUPPRESS if after else None}
    group = parser.add_argument_group("connection (flags beat profiles beat BAO_* beat VAULT_*)")
    group.add_argument("--address", help="server address (VAULT_ADDR)", **unset)
    group.add_argument("--namespace", help="namespace (VAULT_NAMESPACE)", **unset)
    group.add_argument("--ca-cert", help="CA certificate PEM file (VAULT_CACERT)", **unset)
    group.add_argument("--ca-path", help="directory of CA certificates (VAULT_CAPATH)", **unset)
    group.add_argument("--client-cert", help="client certificate PEM (VAULT_CLIENT_CERT)", **unset)
    group.add_argument("--client-key", help="client key PEM (VAULT_CLIENT_KEY)", **unset)
    group.add_argument(
        "--tls-skip-verify",
        dest="skip_verify",
        action="store_true",
        help="do not verify the server certificate (VAULT_SKIP_VERIFY)",
        **flag_default,
    )
    group.add_argument(
        "--timeout", help="request timeout, seconds or 30s/2m (VAULT_CLIENT_TIMEOUT)", **unset
    )
    group.add_argument("--profile", help="named profile from the profiles file", **unset)
    group.add_argument(
        "--read-only",
        action="store_true",
        help="refuse every change",
        **flag_default,
    )
    group.add_argument(
        "--no-values",
        action="store_true",
        help="refuse every request that could return a secret value",
        **flag_default,
    )
    # There is deliberately no --token flag: argv is visible to every user in `ps`.


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on an exit code no success shares: argparse's own 2 is
    what a preview returns when it found changes (commands.EXIT_USAGE is sysexits' 64)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vault-console",
        description="Terminal admin console for HashiCorp Vault and OpenBao.",
        epilog="The token comes from BAO_TOKEN, VAULT_TOKEN or ~/.vault-token "
        "(or a profile's token_env).",
    )
    _connection_flags(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run a seeded OpenBao dev server on 127.0.0.1 and open the console on it"
    )
    _connection_flags(demo, after=True)
    demo.add_argument(
        "--server-only",
        action="store_true",
        help="only run the server and print export lines, until Ctrl+C",
    )
    demo.add_argument(
        "--cluster",
        action="store_true",
        help="a 3-node OpenBao raft cluster instead (the console opens on a standby): for the "
        "cluster view (Review > Cluster), failover and reading your own writes",
    )
    for name, text in (
        ("preview", "preview the AI-secrets stack (exit 0: no changes, 2: changes, 1: error)"),
        ("up", "preview, confirm, then apply exactly the previewed plan"),
        ("destroy", "preview the destroy, confirm, then destroy the stack"),
    ):
        sub = commands.add_parser(name, help=text)
        _connection_flags(sub, after=True)
        sub.add_argument("--config", required=True, type=Path, help="stack config (TOML)")
        sub.add_argument("--stack", default="dev", help="stack name (default: dev)")
        sub.add_argument(
            "--secrets-provider",
            help="passphrase (PULUMI_CONFIG_PASSPHRASE) or hashivault://KEY, awskms://… "
            "(default: the config's [state] secrets_provider, else passphrase)",
        )
        sub.add_argument(
            "--backend-url",
            help="state backend, e.g. s3://BUCKET?region=… (default: the config's [state] "
            "backend, else PULUMI_BACKEND_URL, else local files)",
        )
        sub.add_argument(
            "--verbose", action="store_true", help="also show the engine's debug diagnostics"
        )
        if name == "preview":
            sub.add_argument("--json", action="store_true", help="print the plan as JSON")
        else:
            sub.add_argument("--yes", action="store_true", help="do not ask before applying")
        if name == "up":
            sub.add_argument(
                "--verify",
                action="store_true",
                help="after the apply, read back what was made and prove the AWS components "
                "(a credential confirmed by STS then revoked; a login of the bound role); "
                "exit 1 when a check fails",
            )
        if name != "destroy":
            sub.add_argument(
                "--adopt",
                action="store_true",
                help="bring objects that exist on the server under the stack (an import) "
                "instead of refusing; the preview shows what changes in each",
            )
    setup = commands.add_parser(
        "setup", help="open the console on the guided setup wizard (Set up AI secrets)"
    )
    _connection_flags(setup, after=True)
    setup.add_argument("--stack", default="dev", help="stack name (default: dev)")
    plan = commands.add_parser("plan", help="work with recorded engine event logs")
    plan_commands = plan.add_subparsers(dest="plan_command", metavar="SUBCOMMAND", required=True)
    show = plan_commands.add_parser("show", help="render a `pulumi preview --event-log` file")
    show.add_argument("eventlog", type=Path)
    show.add_argument("--json", action="store_true", help="print the plan as JSON")
    show.add_argument("--tui", action="store_true", help="open it in the plan viewer")
    show.add_argument(
        "--verbose", action="store_true", help="also show the engine's debug diagnostics"
    )
    for name, text in (
        ("ls", "list KV mounts, or a folder's secrets (exit 0 found, 3 not found, 1 error)"),
        ("show", "a secret's keys, versions, metadata and age, never a value (exit 0/3/1)"),
    ):
        sub = commands.add_parser(name, help=text)
        _connection_flags(sub, after=True)
        sub.add_argument("path", nargs="?" if name == "ls" else None, default="")
        sub.add_argument("--json", action="store_true", help="print JSON")
        if name == "show":
            sub.add_argument(
                "--labels",
                action="store_true",
                help="also each value's kind and length and its audit-log fingerprint (the "
                "values are read in this process for that, and never printed)",
            )
    cluster = commands.add_parser(
        "cluster",
        help="the cluster behind the address: nodes, raft peers, autopilot, problems "
        "(exit 0 none, 4 problems, 1 error)",
    )
    _connection_flags(cluster, after=True)
    cluster.add_argument("--json", action="store_true", help="print JSON")
    doctor = commands.add_parser("doctor", help="check Vault, Pulumi, the state backend and AWS")
    _connection_flags(doctor, after=True)
    doctor.add_argument("--json", action="store_true")
    return parser


_FLAG_SETTINGS = (
    "address",
    "namespace",
    "ca_cert",
    "ca_path",
    "client_cert",
    "client_key",
    "skip_verify",
    "timeout",
    "read_only",
    "no_values",
)


def session_modes(flags: dict[str, Any]) -> dict[str, Any]:
    """The flags the demo's console session keeps: --read-only and --no-values (the
    seed before it is the demo's own set-up, made without them)."""
    return {name: flags.get(name) for name in ("read_only", "no_values")}


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    # SIGTERM and SIGHUP unwind like Ctrl+C, so every `finally` (the dev server's stop) runs.
    raise SystemExit(128 + signum)


def _run_console(
    settings: config.Settings, env: dict[str, str] | None = None, setup_stack: str | None = None
) -> int:
    from vault_console.app import make_app

    app = make_app(settings, env=env, setup_stack=setup_stack)

    def stop(signum: int, frame: FrameType | None) -> None:
        # SIGTERM, or SIGHUP when the terminal goes away: leave within seconds (a running
        # engine is cancelled the graceful way) instead of living on without a screen.
        app.exit_on_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    result = app.run()
    return int(result or app.return_code or 0)


def _demo(args: argparse.Namespace, flags: dict[str, Any]) -> int:
    from vault_console import demo
    from vault_console.vault.devserver import DevServerError

    if args.cluster:
        return _demo_cluster(args, flags)
    try:
        with demo.running() as running:
            server = running.server
            for note in running.notes:
                print(f"vault-console demo: {note}", file=sys.stderr)
            if args.server_only:
                print(f"export VAULT_ADDR={server.address}")
                print(f"export VAULT_TOKEN={server.root_token}")
                print(f"# audit log: {server.audit_log}")
                if running.aws_url:
                    print(f"# demo AWS (moto): {running.aws_url}")
                print("# OpenBao dev server running; Ctrl+C stops it.", flush=True)
                while True:
                    time.sleep(3600)
            settings = server.settings(flags=session_modes(flags))
            # The console's process is this one: boto3 and the engine's subprocesses read
            # os.environ, so the demo's settings go there (bao and moto started without them).
            before = dict(os.environ)
            os.environ.clear()
            os.environ.update(running.env)
            try:
                return _run_console(settings)
            finally:
                os.environ.clear()
                os.environ.update(before)
    except DevServerError as exc:
        print(f"vault-console demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _demo_cluster(args: argparse.Namespace, flags: dict[str, Any]) -> int:
    from vault_console import demo
    from vault_console.vault.devserver import DevServerError

    try:
        with demo.cluster_running() as cluster:
            for node in cluster.nodes:
                pid = node.process.pid if node.process else "?"
                role = "active" if cluster.active() is node else "standby"
                print(
                    f"# node{node.index}: {node.address} ({role}, pid {pid}, "
                    f"audit log {node.audit_log})",
                    file=sys.stderr if not args.server_only else sys.stdout,
                )
            if args.server_only:
                print(f"export VAULT_ADDR={cluster.nodes[1].address}")
                print(f"export VAULT_TOKEN={cluster.root_token}")
                print("# OpenBao cluster running; Ctrl+C stops it.", flush=True)
                while True:
                    time.sleep(3600)
            modes = {name: bool(on) for name, on in session_modes(flags).items()}
            node_logs = tuple((n.folder.name, str(n.audit_log)) for n in cluster.nodes)
            return _run_console(cluster.settings(cluster.nodes[1], audit_logs=node_logs, **modes))
    except DevServerError as exc:
        print(f"vault-console demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    flags = {name: getattr(args, name, None) for name in _FLAG_SETTINGS}
    if args.command == "demo":
        return _demo(args, flags)
    if args.command == "plan":
        return _plan_show(args)
    try:
        settings = config.resolve(flags=flags, profile_name=args.profile)
    except config.ConfigError as exc:
        print(f"vault-console: {exc}", file=sys.stderr)
        return 1
    headless = {"preview", "up", "destroy", "ls", "show", "doctor", "cluster"}
    if settings.login is not None and settings.token is None and args.command in headless:
        settings = _log_in(settings)
        if settings.token is None:
            return 1
    if args.command in {"preview", "up", "destroy"}:
        return _stack_command(args, settings)
    if args.command == "cluster":
        from vault_console import commands

        return commands.cluster(settings, args.json, sys.stdout)
    if args.command == "doctor":
        from vault_console import commands

        return commands.doctor(settings, args.json)
    if args.command in {"ls", "show"}:
        from vault_console import commands

        labels = bool(getattr(args, "labels", False))
        return commands.inventory(
            settings, args.command, args.path or "", args.json, labels, sys.stdout
        )
    if args.command == "setup":
        return _run_console(settings, setup_stack=args.stack)
    return _run_console(settings)


def _log_in(settings: config.Settings) -> config.Settings:
    """A headless command on a profile that logs in: log in first (the token in memory)."""
    import dataclasses

    from vault_console.errors import describe
    from vault_console.vault.login import login

    spec = settings.login
    assert spec is not None
    try:
        token = login(settings, spec)
    except Exception as exc:
        problem = describe(exc)
        print(f"vault-console: login failed: {problem.title}: {problem.message}", file=sys.stderr)
        return settings
    return dataclasses.replace(settings, token=token, token_source=f"{spec.method} login")


def _plan_show(args: argparse.Namespace) -> int:
    from vault_console import commands

    if not args.tui:
        return commands.plan_show(args.eventlog, args.json, sys.stdout, sys.stderr, args.verbose)
    from vault_console.infra.plan import PlanLogError, load_plan
    from vault_console.screens.plan import PlanViewerApp

    try:
        plan = load_plan(args.eventlog, args.verbose)
    except PlanLogError as exc:
        print(f"vault-console: {exc}", file=sys.stderr)
        return 1
    PlanViewerApp(plan, str(args.eventlog)).run()
    return 0


def _stack_command(args: argparse.Namespace, settings: config.Settings) -> int:
    from vault_console import commands

    engine = commands.build_engine(
        args.config,
        settings,
        dict(os.environ),
        args.stack,
        args.secrets_provider,
        args.backend_url,
        sys.stderr,
        verbose=args.verbose,
    )
    if isinstance(engine, int):
        return engine
    # Closed whatever happens (a failure, Ctrl+C, SIGTERM: they unwind as exceptions): its
    # temporary work folder and the CLI's automatic logs go (Engine.close).
    with engine:
        if args.command == "preview":
            return commands.preview(
                engine, settings, args.json, sys.stdout, sys.stderr, adopt=args.adopt
            )
        if args.command == "up":
            return commands.up(
                engine,
                settings,
                args.yes,
                sys.stdout,
                sys.stderr,
                sys.stdin,
                adopt=args.adopt,
                verify=args.verify,
            )
        return commands.destroy(engine, settings, args.yes, sys.stdout, sys.stderr, sys.stdin)
