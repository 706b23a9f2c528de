"""A stand-in for the pulumi CLI that replays a recorded engine event log.

It plugs into the SDK's own seam, ``LocalWorkspace(pulumi_command=...)``. The SDK still
does everything else for real: builds argv, runs its gRPC event server (or tails the
event-log file for CLIs up to 3.205), parses events and calls ``on_event``. What it does
not do is run the program or talk to Vault: nothing here proves an engine run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc
from pulumi.automation import CommandResult, OnOutput
from pulumi.automation.errors import create_command_error
from pulumi.runtime.proto import events_pb2, events_pb2_grpc
from semver import VersionInfo

from vault_console.infra.engine import PulumiCli
from vault_console.infra.plan import iter_log_objects


@dataclass
class Call:
    args: list[str]
    stdin: str | None
    env: dict[str, str]


class ReplayCommand(PulumiCli):
    def __init__(
        self,
        event_log: Path,
        *,
        version: str = "3.210.0",
        outputs: Mapping[str, tuple[object, bool]] | None = None,
        history_config: Mapping[str, tuple[str, bool]] | None = None,
        fail: Mapping[str, CommandResult] | None = None,
    ) -> None:
        # No super().__init__: it would run the real `pulumi version`.
        self.command = "pulumi-replay"
        self.secrets = set()
        self._running = set()
        self._lock = threading.Lock()
        self.pids: list[int] = []
        self.version = VersionInfo.parse(version)
        self.events = list(iter_log_objects(event_log.read_text(encoding="utf-8")))
        self.outputs = dict(outputs or {})
        self.history_config = dict(history_config or {})
        self.fail = dict(fail or {})
        self.calls: list[Call] = []
        self.plugins: list[tuple[str, str, str]] = []
        """(kind, name, version) installed so far; `plugin ls` lists them."""
        self.stacks: set[str] = set()
        """Stacks that exist in the replayed backend; select fails for others, like the CLI."""

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: OnOutput | None = None,
        on_error: OnOutput | None = None,
        stdin: str | None = None,
    ) -> CommandResult:
        args = [a for a in args if a != "--non-interactive"]
        self.calls.append(Call(list(args), stdin, dict(additional_env)))
        verb = args[0]
        if verb in self.fail:
            raise create_command_error(self.fail[verb])
        if args[:2] == ["stack", "select"]:
            name = args[args.index("--stack") + 1]
            if name not in self.stacks:
                missing = CommandResult("", f"error: no stack named '{name}' found", 255)
                raise create_command_error(missing)
            return CommandResult("", "", 0)
        if args[:3] == ["plugin", "ls", "--json"]:
            listed = [
                {
                    "name": n,
                    "kind": k,
                    "version": v.lstrip("v"),
                    "size": 1,
                    "lastUsedTime": "2026-11-28T10:00:00.000Z",
                }
                for k, n, v in self.plugins
            ]
            return CommandResult(stdout=json.dumps(listed), stderr="", code=0)
        if args[:2] == ["plugin", "install"]:
            self.plugins.append((args[2], args[3], args[4]))
            return CommandResult(stdout="", stderr="", code=0)
        if args[:2] == ["stack", "init"]:
            self.stacks.add(args[2])
            return CommandResult(f"Created stack '{args[2]}'", "", 0)
        if verb in {"preview", "up", "destroy", "refresh"}:
            if "--save-plan" in args:
                Path(args[args.index("--save-plan") + 1]).write_text('{"replayed": true}\n')
            if "--plan" in args:
                assert Path(args[args.index("--plan") + 1]).is_file(), "up got no saved plan"
            self._send(args[args.index("--event-log") + 1])
            return CommandResult(stdout=f"{verb} replayed", stderr="", code=0)
        if args[:3] == ["stack", "output", "--json"]:
            show = "--show-secrets" in args
            shown = {
                k: v if show or not secret else "[secret]"
                for k, (v, secret) in self.outputs.items()
            }
            return CommandResult(stdout=json.dumps(shown), stderr="", code=0)
        if args[:2] == ["stack", "export"]:
            # An empty stack: nothing it made yet (the existing-objects check reads this).
            empty = {"version": 3, "deployment": {"manifest": {}, "resources": []}}
            return CommandResult(stdout=json.dumps(empty), stderr="", code=0)
        if args[:2] == ["stack", "history"]:
            show = "--show-secrets" in args
            config = {
                k: {"value": v if show or not secret else "[secret]", "secret": secret}
                for k, (v, secret) in self.history_config.items()
            }
            summary = {
                "kind": "update",
                "startTime": "2026-11-28T10:00:00.000Z",
                "endTime": "2026-11-28T10:00:05.000Z",
                "message": "",
                "environment": {},
                "config": config,
                "result": "succeeded",
                "version": 1,
            }
            return CommandResult(stdout=json.dumps([summary]), stderr="", code=0)
        return CommandResult(stdout="", stderr="", code=0)

    def _send(self, target: str) -> None:
        lines = [json.dumps(event) for event in self.events]
        if target.startswith("tcp://"):
            with grpc.insecure_channel(target.removeprefix("tcp://")) as channel:
                stub = events_pb2_grpc.EventsStub(channel)
                stub.StreamEvents(iter([events_pb2.EventRequest(event=line) for line in lines]))
        else:
            with open(target, "a", encoding="utf-8") as log:
                log.write("\n".join(lines) + "\n")

    def verbs(self) -> list[list[str]]:
        return [call.args for call in self.calls]
