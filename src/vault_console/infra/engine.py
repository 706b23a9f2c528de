"""The Automation API runner: stacks, config, plugins, preview -> saved plan -> up.

The SDK's defaults leak secrets, so each is replaced here:

* ``Stack.up()`` returns decrypted config unless ``show_secrets=False``: always passed.
* ``LocalWorkspace.set_config`` puts secret values on the command line (visible in ``ps``):
  secret config goes through ``pulumi config set KEY --secret`` with the value on stdin.
* ``repr(LocalWorkspace)`` prints ``env_vars`` (tokens, passphrases): ``SafeWorkspace``
  overrides it.
* ``CommandError`` carries raw stdout/stderr: ``PulumiCli`` redacts every known secret
  from the output before any error is built, and ``describe_failure`` turns errors into
  short messages.

``on_event`` runs on the SDK's own thread (a gRPC server thread or the log watcher);
``_events`` wraps the callback so it never raises.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation import CommandResult, OnOutput
from pulumi.automation.errors import CommandError, ConcurrentUpdateError, create_command_error
from pulumi.automation.events import EngineEvent
from semver import VersionInfo

from vault_console import config as console_config
from vault_console.config import Settings
from vault_console.errors import ConsoleError, ErrorKind
from vault_console.infra.plan import SECRET_MASK, Plan
from vault_console.infra.state import SECRETS_PROVIDERS
from vault_console.vault.guard_proxy import GuardProxy
from vault_console_programs.ai_secrets.config import (
    AWS_SECRET_KEY,
    MODEL_SECRETS_KEY,
    PROJECT,
    SETTINGS_KEY,
    SecretValues,
    StackConfig,
)

PROVIDER_PACKAGES = {"vault": "pulumi_vault", "aws": "pulumi_aws"}
INSTALL_HINT = (
    "Install the Pulumi CLI (https://www.pulumi.com/docs/install/, e.g. "
    "`curl -fsSL https://get.pulumi.com | sh`) and make sure `pulumi` is on PATH."
)


def _drop_abandoned_program_cleanup() -> None:
    """Keep one known SDK cleanup failure off the user's terminal.

    When the engine aborts an inline program mid-run (a cancel, a plan violation), the
    SDK leaves its ``run_in_stack`` coroutine suspended; when it is collected its cleanup
    calls ``asyncio.get_running_loop()`` outside a loop and Python prints "Exception
    ignored in: <coroutine object run_in_stack>" with a traceback to stderr. Only that
    coroutine of ``pulumi/runtime/stack.py`` is dropped; everything else reaches the
    previous hook.
    """
    previous = sys.unraisablehook
    if getattr(previous, "vault_console_filter", False):
        return

    def hook(unraisable: Any) -> None:
        code = getattr(unraisable.object, "cr_code", None)
        if (
            code is not None
            and code.co_name == "run_in_stack"
            and Path(code.co_filename).parts[-3:] == ("pulumi", "runtime", "stack.py")
        ):
            return
        previous(unraisable)

    hook.vault_console_filter = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


@dataclass(frozen=True)
class EngineError(ConsoleError):
    """A Pulumi failure, described with what to do about it."""

    kind: ErrorKind = ErrorKind.ENGINE


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, SECRET_MASK)
    return text


BASE_ENV = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)
"""What the CLI (and the plugins it starts) take from the console's own environment: the
rest, a VAULT_TOKEN or a secret's variable, never reaches them. The workspace adds the
PULUMI_* and AWS_* settings and the vault provider's VAULT_* (see ``Engine.workspace_env``)."""


def process_env(additional: Mapping[str, str]) -> dict[str, str]:
    """The environment of one CLI command: BASE_ENV from ours, and ``additional``."""
    env = {k: v for k, v in os.environ.items() if k in BASE_ENV}
    env.update(additional)
    return env


OPERATIONS = frozenset({"preview", "up", "update", "refresh", "destroy", "import"})
DATA_OUTPUT = frozenset({("stack", "export"), ("stack", "output"), ("plugin", "ls")})
"""Commands whose standard output is JSON the engine parses (and never shows)."""
"""The CLI verbs that run the engine (and may change the server)."""


class PulumiCli(auto.PulumiCommand):
    """The ``pulumi`` CLI, with stdin for secret values and redacted output in errors.

    Subclassing keeps the SDK's seam (``LocalWorkspace(pulumi_command=...)``); ``run`` is
    the SDK's own loop plus ``stdin`` and redaction, which the SDK does not offer.
    """

    def __init__(
        self, command: str | None = None, secrets: Iterable[str] = (), path: str | None = None
    ) -> None:
        found = command or shutil.which("pulumi", path=path)
        if not found:
            raise EngineError(
                f"The `pulumi` CLI was not found on PATH. {INSTALL_HINT}",
                "Pulumi CLI missing",
                False,
                ErrorKind.ENGINE_MISSING,
            )
        self.command = found
        self.secrets: set[str] = set(secrets)
        self._running: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()
        self.stopped = False
        """``interrupt`` was called: no further operation starts (a cancel that lands
        between two commands, say during the set-up, must not let the preview begin).
        Reads (``stack export``, ``stack select``) still run: they change nothing."""
        self.pids: list[int] = []
        """Every command's process id: its automatic log is named after it."""
        version = (
            subprocess.run(
                [found, "version"],
                capture_output=True,
                text=True,
                check=False,
                env=process_env({"PULUMI_SKIP_UPDATE_CHECK": "true"}),
            )
            .stdout.strip()
            .lstrip("v")
        )
        self.version = VersionInfo.parse(version) if version else None

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: OnOutput | None = None,
        on_error: OnOutput | None = None,
        stdin: str | None = None,
    ) -> CommandResult:
        if "--non-interactive" not in args[: args.index("--") if "--" in args else len(args)]:
            args = ["--non-interactive", *args]
        env = process_env({**additional_env, "PULUMI_AUTOMATION_API": "true"})
        if os.path.isabs(self.command):
            # The CLI's own folder first on PATH, so plugins bundled beside it are found
            # (what the SDK's PulumiCommand does, in a private helper we do not call).
            cli_dir = os.path.dirname(self.command)
            env["PATH"] = os.pathsep.join(p for p in (cli_dir, env.get("PATH")) if p)
        out: list[str] = []
        err: list[str] = []
        verb = next((a for a in args if not a.startswith("-")), "")
        if self.stopped and verb in OPERATIONS:
            raise CANCELLED

        words = [a for a in args if not a.startswith("-")]
        data = tuple(words[:2]) in DATA_OUTPUT

        def pump(stream: Any, callback: OnOutput | None, chunks: list[str]) -> None:
            for line in iter(stream.readline, ""):
                # Machine output is parsed, never shown: redacting it would corrupt data
                # wherever a secret string (a passphrase like "dev") is part of a name.
                keep = data and stream is process.stdout
                clean = line.rstrip() if keep else redact(line.rstrip(), self.secrets)
                if callback:
                    callback(clean)
                chunks.append(clean)
            stream.close()

        with subprocess.Popen(
            [self.command, *args],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            encoding="utf-8",
            # Whatever the CLI writes (state, backups, history, plan files, logs) is the
            # user's alone: the state holds the secrets' ciphertext and its salt.
            umask=0o077,
        ) as process:
            with self._lock:
                self._running.add(process)
                self.pids.append(process.pid)
            threads = [
                threading.Thread(target=pump, args=(process.stdout, on_output, out)),
                threading.Thread(target=pump, args=(process.stderr, on_error, err)),
            ]
            for thread in threads:
                thread.start()
            if stdin is not None:
                assert process.stdin is not None
                process.stdin.write(stdin)
                process.stdin.close()
            for thread in threads:
                thread.join()
            code = process.wait()
            with self._lock:
                self._running.discard(process)
        result = CommandResult(stdout="\n".join(out), stderr="\n".join(err), code=code)
        if code != 0:
            raise create_command_error(result)
        return result

    def interrupt(self) -> int:
        """Send SIGINT to every running command, as Ctrl+C in a terminal would.

        The CLI then cancels gracefully: operations already started finish, the state is
        written and the stack's lock released. (``pulumi cancel`` is not that: on a file
        backend it only deletes the lock file under a still-running update.)
        Returns how many commands were signalled.
        """
        with self._lock:
            self.stopped = True
            running = [p for p in self._running if p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGINT)
        return len(running)


def state_file(folder: Path, project: str, stack: str) -> Path:
    """Where a file backend in ``folder`` keeps a stack's state (this CLI's layout)."""
    return folder / ".pulumi" / "stacks" / project / f"{stack}.json"


class SafeWorkspace(auto.LocalWorkspace):
    """A LocalWorkspace whose repr never shows ``env_vars``, and that selects a stack it
    can see in a file backend without a CLI call."""

    state_folder: Path | None = None
    """The file backend's folder (``file://``), when the backend is one."""
    project_settings_name: str | None = None

    def select_stack(self, stack_name: str) -> None:
        # `pulumi stack select` only checks the stack exists and marks it current for
        # commands run without --stack; the SDK passes --stack to every command, so where
        # the state file shows the stack exists the call (a fifth of a preview) is skipped.
        if self.state_folder is not None and self.project_settings_name is not None:
            found = state_file(self.state_folder, self.project_settings_name, stack_name)
            if found.is_file() or found.with_suffix(".json.gz").is_file():
                return
        super().select_stack(stack_name)

    def __repr__(self) -> str:
        return f"SafeWorkspace(work_dir={self.work_dir!r}, env_vars=<{len(self.env_vars)} hidden>)"


@dataclass(frozen=True)
class EngineOptions:
    stack: str = "dev"
    project: str = PROJECT
    backend_url: str | None = None
    """Explicit state backend; else PULUMI_BACKEND_URL; else a local file backend."""
    secrets_provider: str = "passphrase"
    work_dir: Path | None = None
    verbose: bool = False
    """Keep the engine's debug diagnostics in plans (``--verbose``)."""


def backend_url(env: Mapping[str, str], explicit: str | None = None) -> str:
    """Where stack state lives: explicit, PULUMI_BACKEND_URL, or file:// under XDG state."""
    if explicit:
        return explicit
    if env.get("PULUMI_BACKEND_URL"):
        return env["PULUMI_BACKEND_URL"]
    path = console_config.state_dir(env) / "pulumi"
    return f"file://{path}"


def plugin_versions() -> dict[str, str]:
    """Provider plugin versions that match the installed pulumi_vault / pulumi_aws."""
    return {
        plugin: "v" + importlib.metadata.version(package)
        for plugin, package in PROVIDER_PACKAGES.items()
    }


def required_plugins(config: StackConfig) -> dict[str, str]:
    """The provider plugins the enabled components use, with their versions.

    Every component is made of ``vault:`` resources; only an AWS auth method that creates
    the workload's IAM role needs ``aws:``. Asking for a plugin nothing uses would stop a
    preview on a machine that cannot download it.
    """
    versions = plugin_versions()
    wanted = {}
    if config.aws_secrets.enabled or config.aws_auth.enabled or config.model_secrets.enabled:
        wanted["vault"] = versions["vault"]
    if config.aws_auth.enabled and not config.aws_auth.bound_principal_arn:
        wanted["aws"] = versions["aws"]
    return wanted


def install_command(plugin: str, version: str) -> str:
    return f"pulumi plugin install resource {plugin} {version}"


@dataclass
class RunOutcome:
    plan: Plan
    plan_file: Path | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""
    unseen_drift: list[str] = field(default_factory=list)
    """Changes on the server the engine's refresh cannot see (a model secret written by
    someone else since the stack wrote it), found by the console itself."""
    mount_losses: list[str] = field(default_factory=list)
    """What goes with each mount the plan deletes or replaces: every secret in it."""
    lost_secrets: int = 0
    """How many secrets those mounts hold in all (the typed confirmation says it)."""


class Engine:
    """One stack of the AI-secrets program."""

    def __init__(
        self,
        config: StackConfig,
        secrets: SecretValues,
        *,
        options: EngineOptions | None = None,
        env: Mapping[str, str] | None = None,
        provider_env: Mapping[str, str] | None = None,
        vault: Settings | None = None,
        command: auto.PulumiCommand | None = None,
        program: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.secrets = secrets
        self.options = options or EngineOptions()
        self.env = dict(os.environ if env is None else env)
        self.vault = vault
        """The console's connection: the vault provider then talks to Vault through a
        GuardProxy with its rules (read-only, redirects, TLS), never directly."""
        self.provider_env = dict(provider_env or {})
        """What the vault provider gets when no ``vault`` is given (replayed tests)."""
        self._proxy: GuardProxy | None = None
        token = vault.token.reveal() if vault is not None and vault.token else ""
        self.secret_strings = {
            token,
            *([secrets.aws_secret_key] if secrets.aws_secret_key else []),
            *(v for data in secrets.model_data.values() for v in data.values()),
            *(self.provider_env.get(k, "") for k in ("VAULT_TOKEN", "BAO_TOKEN")),
            self.env.get("PULUMI_CONFIG_PASSPHRASE", ""),
            self.env.get("PULUMI_ACCESS_TOKEN", ""),
        } - {""}
        self._command = command
        self._program = program
        self._stack: auto.Stack | None = None
        self._work_dir: Path | None = None
        self._owns_work_dir = False
        self._passphrase_path: Path | None = None
        _drop_abandoned_program_cleanup()
        self.callback_errors: list[str] = []
        self.last_plan: Plan | None = None
        """The plan of the latest operation, kept when it fails: what was done and what not."""
        self.on_step: Callable[[str], None] | None = None
        """Told each set-up step (stack, config, plugins, the check for existing objects)
        so a first run shows progress before the engine's first event."""
        self.cancel_requested = False
        """``cancel`` was called: a failure that follows is the cancellation, whatever
        command it interrupted (an update, or ``config set`` before it)."""

    def __repr__(self) -> str:
        return f"Engine(stack={self.options.stack!r}, project={self.options.project!r})"

    # -- set-up ---------------------------------------------------------------------------

    def _check_secrets_provider(self) -> None:
        provider = self.options.secrets_provider
        if not provider.startswith(SECRETS_PROVIDERS):
            raise EngineError(
                f"secrets_provider: {provider!r} is not passphrase or a KMS URL "
                "(hashivault://KEY, awskms://…, gcpkms://…, azurekeyvault://…)",
                "Bad setting",
                False,
            )
        if provider == "passphrase" and not (
            "PULUMI_CONFIG_PASSPHRASE" in self.env or "PULUMI_CONFIG_PASSPHRASE_FILE" in self.env
        ):
            raise EngineError(
                "The passphrase secrets provider needs PULUMI_CONFIG_PASSPHRASE or "
                "PULUMI_CONFIG_PASSPHRASE_FILE set. Or use --secrets-provider "
                "hashivault://KEY to encrypt with a Vault transit key.",
                "Passphrase missing",
                False,
            )

    def command(self) -> auto.PulumiCommand:
        if self._command is None:
            # The CLI on the PATH of the environment this engine runs with.
            self._command = PulumiCli(secrets=self.secret_strings, path=self.env.get("PATH"))
            self._command.stopped = self.cancel_requested
        elif isinstance(self._command, PulumiCli):
            self._command.secrets |= self.secret_strings
        return self._command

    def workspace_env(self) -> dict[str, str]:
        """What the CLI runs with, on top of BASE_ENV: the PULUMI_* and AWS_* settings
        and the vault provider's VAULT_*. The passphrase goes as a file (0600, removed
        when the engine closes), so no process's environment holds it."""
        env = {k: v for k, v in self.env.items() if k.startswith(("PULUMI_", "AWS_"))}
        passphrase = env.pop("PULUMI_CONFIG_PASSPHRASE", None)
        if passphrase is not None and "PULUMI_CONFIG_PASSPHRASE_FILE" not in env:
            env["PULUMI_CONFIG_PASSPHRASE_FILE"] = str(self._passphrase_file(passphrase))
        env.update(self.vault_env())
        env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
        return env

    def vault_env(self) -> dict[str, str]:
        """The vault provider's settings: the guard proxy's address (started on first use,
        stopped by ``close``), the token and namespace; in read-only mode no child token."""
        if self.vault is None:
            return dict(self.provider_env)
        if self._proxy is None:
            self._proxy = GuardProxy(self.vault).start()
        env = {"VAULT_ADDR": self._proxy.address}
        if self.vault.token:
            env["VAULT_TOKEN"] = self.vault.token.reveal()
        if self.vault.namespace:
            env["VAULT_NAMESPACE"] = self.vault.namespace
        if self.vault.read_only or self.vault.namespace:
            # Read-only: the provider's child token is a write (auth/token/create). In a
            # namespace: the provider makes its child token inside it, where the policies
            # of a token from a parent namespace (root's too) do not apply, and every write
            # was refused (403). The session's token is used as it is, in the session's
            # namespace: as the target step and doctor check its capabilities.
            env["TERRAFORM_VAULT_SKIP_CHILD_TOKEN"] = "true"
        return env

    def _passphrase_file(self, passphrase: str) -> Path:
        """This engine's own file (0600): engines share a work folder (the wizard's), and
        each may hold another passphrase."""
        if self._passphrase_path is None:
            descriptor, name = tempfile.mkstemp(prefix=".passphrase-", dir=self.work_dir())
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(passphrase)
            self._passphrase_path = Path(name)
        return self._passphrase_path

    def work_dir(self) -> Path:
        """The stack's work folder: the given one, or a private temporary one this engine
        removes when it closes."""
        if self._work_dir is None:
            if self.options.work_dir is not None:
                self._work_dir = self.options.work_dir
            else:
                self._work_dir = Path(tempfile.mkdtemp(prefix="vault-console-stack-"))
                self._owns_work_dir = True
            self._work_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self._work_dir

    def close(self) -> None:
        """Remove what this engine left outside the stack's state: its temporary work
        folder, the passphrase file, and the Pulumi CLI's automatic logs of its commands
        (encrypted copies of the secret values, kept a week in PULUMI_HOME/logs)."""
        if self._passphrase_path is not None:
            self._passphrase_path.unlink(missing_ok=True)
        if self._work_dir is not None and self._owns_work_dir:
            shutil.rmtree(self._work_dir, ignore_errors=True)
        command = self._command
        if isinstance(command, PulumiCli):
            remove_automatic_logs(self.env, command.pids, self.options.project)
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            proxy.stop()  # revokes a child token the provider made

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stack(self) -> auto.Stack:
        """Create or select the stack, with its settings written (no secret among them)."""
        if self._stack is not None:
            return self._stack
        self._check_secrets_provider()
        url = backend_url(self.env, self.options.backend_url)
        state_folder = None
        if url.startswith("file://"):
            state_folder = Path(url.removeprefix("file://").split("?", 1)[0])
            make_private(state_folder)
        work_dir = self.work_dir()
        workspace = SafeWorkspace(
            work_dir=str(work_dir),
            program=self._program or self._inline_program,
            env_vars=self.workspace_env(),
            secrets_provider=self.options.secrets_provider,
            project_settings=auto.ProjectSettings(
                name=self.options.project,
                runtime="python",
                backend=auto.ProjectBackend(url=url),
            ),
            pulumi_command=self.command(),
        )
        workspace.state_folder = state_folder
        workspace.project_settings_name = self.options.project
        self.say(f"Selecting stack {self.options.stack} (created on its first run)…")
        stack = auto.Stack.create_or_select(self.options.stack, workspace)
        self._set_config(workspace)
        self.say("Checking the provider plugins…")
        self._install_plugins(workspace)
        self._stack = stack
        return stack

    def say(self, line: str) -> None:
        """Report a step of the set-up before the engine's own events start (never raises:
        it runs in the middle of the engine's work)."""
        if self.on_step is None:
            return
        try:
            self.on_step(line)
        except Exception as exc:
            self.callback_errors.append(f"{type(exc).__name__}: {exc}")

    def _set_config(self, workspace: auto.LocalWorkspace) -> None:
        """The stack's settings (no secret among them) written into its settings file in
        this process, keeping what the CLI put there (the passphrase's salt): a CLI call
        each was a fifth of a preview (bench/real_preview.py). Secret values never go
        through the CLI: ``_inline_program`` hands them to the program as Pulumi secrets,
        which the state stores encrypted."""
        name = self.options.stack
        try:
            settings = workspace.stack_settings(name)
        except FileNotFoundError:  # the CLI wrote none (a KMS provider keeps no salt here)
            settings = auto.StackSettings()
        config = dict(settings.config or {})
        for key in (AWS_SECRET_KEY, MODEL_SECRETS_KEY):  # an older console's secret config
            config.pop(f"{self.options.project}:{key}", None)
        config[f"{self.options.project}:{SETTINGS_KEY}"] = self.config.settings_json()
        settings.config = config
        if settings.encryption_salt is None and self.options.secrets_provider == "passphrase":
            # A fresh work folder has no salt: the CLI would look it up in the state and
            # write it here, 0.15 s of every headless run. The file backend's state has it.
            deployment = self._deployment_in(getattr(workspace, "state_folder", None)) or {}
            provider = deployment.get("secrets_providers") or {}
            salt = (
                (provider.get("state") or {}).get("salt")
                if provider.get("type") == "passphrase"
                else None
            )
            if isinstance(salt, str):
                settings.encryption_salt = salt
        workspace.save_stack_settings(name, settings)

    def _inline_program(self) -> None:
        """The AI-secrets program with this engine's settings and secret values."""
        from vault_console_programs.ai_secrets.program import create

        model = self.secrets.model_data
        create(
            self.config,
            self.secrets.aws_secret_key,
            json.dumps(model, sort_keys=True) if model else None,
        )

    def _install_plugins(self, workspace: auto.Workspace) -> dict[str, str]:
        # Every operation needs them, so setting up the stack installs the missing ones.
        # Installed ones are left alone: `pulumi plugin install` would try the network.
        wanted = required_plugins(self.config)
        if all(self._plugin_on_disk(p, v) for p, v in wanted.items()):
            return wanted  # no `pulumi plugin ls` (a CLI call) when the folders are there
        installed = {
            (p.name, "v" + (p.version or "").lstrip("v"))
            for p in workspace.list_plugins()
            if p.kind == "resource"
        }
        for plugin, version in wanted.items():
            if (plugin, version) in installed:
                continue
            try:
                workspace.install_plugin(plugin, version)
            except CommandError as exc:
                raise EngineError(
                    f"The Pulumi provider plugin {plugin} {version} is not installed and "
                    f"could not be downloaded. Install it with `{install_command(plugin, version)}` "
                    "(add `-f FILE` for a plugin binary you have), then try again.",
                    "Plugin missing",
                    False,
                    ErrorKind.ENGINE_MISSING,
                ) from exc
        return wanted

    def _plugin_on_disk(self, name: str, version: str) -> bool:
        """The plugin's folder in PULUMI_HOME, complete (the CLI leaves a ``.partial``
        file beside a folder it has not finished installing)."""
        home = Path(self.env.get("PULUMI_HOME") or Path(self.env.get("HOME", "~")) / ".pulumi")
        folder = home.expanduser() / "plugins" / f"resource-{name}-{version}"
        partial = folder.with_name(folder.name + ".partial")
        return folder.is_dir() and any(folder.iterdir()) and not partial.exists()

    def state_resources(self) -> dict[str, dict[str, Any]]:
        """The stack's own resources as its state holds them (``id``, ``outputs``, secret
        outputs still encrypted), by name; empty for a new stack."""
        on_disk = self.deployment_on_disk()
        deployment = on_disk if on_disk is not None else self.stack().export_stack().deployment
        deployment = deployment or {}
        found = {}
        for resource in deployment.get("resources") or []:
            urn = str(resource.get("urn") or "")
            if resource.get("custom") and not urn.split("::")[-2].startswith("pulumi:"):
                found[urn.rsplit("::", 1)[-1]] = resource
        return found

    def deployment_on_disk(self) -> dict[str, Any] | None:
        """A file backend's latest deployment read from its state file, as `pulumi stack
        export` prints it (a CLI call, a quarter of a preview, saved); None when the backend
        is not a folder or the file is not where this CLI version keeps it."""
        return self._deployment_in(getattr(self.stack().workspace, "state_folder", None))

    def _deployment_in(self, folder: Path | None) -> dict[str, Any] | None:
        if folder is None:
            return None
        path = state_file(folder, self.options.project, self.options.stack)
        try:
            checkpoint = json.loads(path.read_text(encoding="utf-8"))["checkpoint"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        latest = checkpoint.get("latest") if isinstance(checkpoint, dict) else None
        return latest if isinstance(latest, dict) else {}

    def managed(self) -> dict[str, str]:
        """The stack's own resources: name -> the id its state holds (empty when new)."""
        return {name: str(r.get("id") or "") for name, r in self.state_resources().items()}

    def reconfigure(self, config: StackConfig) -> None:
        """Run with ``config`` from now on (the stack's settings are written again)."""
        if config == self.config:
            return
        self.config = config
        if self._stack is not None:
            workspace = self._stack.workspace
            assert isinstance(workspace, auto.LocalWorkspace)
            self._set_config(workspace)

    def install_plugins(self) -> dict[str, str]:
        """Install the provider plugins the enabled components need, if missing."""
        return self._install_plugins(self.stack().workspace)

    # -- operations -----------------------------------------------------------------------

    def _events(
        self, plan: Plan, forward: Callable[[EngineEvent], None] | None
    ) -> Callable[[EngineEvent], None]:
        def on_event(event: EngineEvent) -> None:
            # Runs on the SDK's thread: it must never raise.
            try:
                plan.add(event)
                if forward is not None:
                    forward(event)
            except Exception as exc:
                self.callback_errors.append(f"{type(exc).__name__}: {exc}")

        return on_event

    def _new_plan(self, refreshing: bool = False) -> Plan:
        self.last_plan = Plan(verbose=self.options.verbose, refreshing=refreshing)
        return self.last_plan

    def plan_path(self) -> Path:
        stack = self.stack()
        return Path(stack.workspace.work_dir) / f"{self.options.stack}.update-plan.json"

    def preview(self, on_event: Callable[[EngineEvent], None] | None = None) -> RunOutcome:
        """Preview and save an update plan that ``up`` will be held to."""
        stack = self.stack()
        plan = self._new_plan()
        plan_file = self.plan_path()
        self.say("Previewing (refreshing what the stack holds first)…")
        # refresh: the review shows what the server holds now (drift included), not only
        # what the last apply left in the state.
        result = stack.preview(
            on_event=self._events(plan, on_event),
            plan=str(plan_file),
            refresh=True,
            color="never",
        )
        return RunOutcome(plan, plan_file, stdout=result.stdout)

    def up(
        self,
        plan_file: Path,
        on_event: Callable[[EngineEvent], None] | None = None,
        reviewed: Plan | None = None,
    ) -> RunOutcome:
        """Apply exactly the saved plan; secret outputs come back masked.

        With the ``reviewed`` plan, a fresh preview runs first and the apply is refused
        before anything is written if the server changed since the review: the engine's
        own check ("violates plan") comes per resource, after earlier ones were written.
        """
        if not plan_file.is_file():
            raise EngineError(
                f"No saved plan at {plan_file}: run a preview first; an apply only does what "
                "a preview showed.",
                "Preview first",
                False,
            )
        stack = self.stack()
        if reviewed is not None:
            self.say("Checking that the server still matches the review…")
            check = self._new_plan()
            stack.preview(refresh=True, color="never", on_event=self._events(check, None))
            changed = _differences(reviewed, check)
            if changed:
                raise EngineError(
                    "The server no longer matches the preview ("
                    + "; ".join(changed[:5])
                    + "). Nothing was written. Preview again.",
                    "Changed since the preview",
                    False,
                )
        plan = self._new_plan()
        # refresh with the plan: if the server changed since the preview, the engine finds
        # steps the plan does not hold and refuses ("violates plan") instead of applying.
        result = stack.up(
            plan=str(plan_file),
            refresh=True,
            show_secrets=False,
            on_event=self._events(plan, on_event),
            color="never",
        )
        return RunOutcome(plan, plan_file, mask_outputs(result.outputs), result.stdout)

    def refresh(self, on_event: Callable[[EngineEvent], None] | None = None) -> RunOutcome:
        plan = self._new_plan(refreshing=True)
        result = self.stack().refresh(
            on_event=self._events(plan, on_event), show_secrets=False, color="never"
        )
        return RunOutcome(plan, stdout=result.stdout)

    def preview_destroy(self, on_event: Callable[[EngineEvent], None] | None = None) -> RunOutcome:
        plan = self._new_plan()
        result = self.stack().preview_destroy(
            on_event=self._events(plan, on_event), show_secrets=False, color="never"
        )
        return RunOutcome(plan, stdout=result.stdout)

    def destroy(self, on_event: Callable[[EngineEvent], None] | None = None) -> RunOutcome:
        plan = self._new_plan()
        result = self.stack().destroy(
            on_event=self._events(plan, on_event), show_secrets=False, color="never"
        )
        return RunOutcome(plan, stdout=result.stdout)

    def outputs(self) -> dict[str, Any]:
        return mask_outputs(self.stack().outputs())

    def cancel(self) -> bool:
        """Ask the running preview or update to stop; False when nothing was running.

        The engine stops gracefully and releases the lock; the operation then fails with
        a cancellation that ``describe_failure`` reports as such.
        """
        self.cancel_requested = True
        command = self._command
        interrupt = getattr(command, "interrupt", None)
        return bool(interrupt()) if interrupt is not None else False

    def begin(self) -> None:
        """A new run on this engine (a refresh after a cancelled apply): an earlier
        cancel no longer applies. Called on the UI thread before the worker starts."""
        self.cancel_requested = False
        if isinstance(self._command, PulumiCli):
            self._command.stopped = False

    def check_cancelled(self) -> None:
        """Raise the cancellation when ``cancel`` was called: the set-up's own steps
        (server reads between engine commands) call it before going on."""
        if self.cancel_requested:
            raise CANCELLED


def make_private(folder: Path) -> None:
    """``folder`` and everything in it readable by its owner only (0700/0600): a file
    backend holds the secrets' ciphertext and the salt a passphrase is tried against.
    An existing folder made before is corrected too."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o700)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o600)
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o700)


def remove_automatic_logs(env: Mapping[str, str], pids: Iterable[int], project: str) -> int:
    """Delete the automatic logs the Pulumi CLI wrote for these commands; how many.

    Pulumi 3.2xx writes one log per command under ``PULUMI_HOME/logs`` (encrypted with the
    stack's secrets provider once a stack is selected) and keeps them a week; there is no
    setting to turn them off. A log is named after its command's process id, and renamed
    after the stack (``organization+PROJECT+STACK-TIME.log``) once it is encrypted.
    """
    home = Path(env.get("PULUMI_HOME") or Path(env.get("HOME", "~")).expanduser() / ".pulumi")
    folder = home / "logs"
    if not folder.is_dir():
        return 0
    ours = re.compile(
        r"^pulumi-\d{8}T\d{6}-(" + "|".join(str(p) for p in pids) + r")(-.*)?\.log$"
        if pids
        else r"^$"
    )
    removed = 0
    for path in folder.iterdir():
        if ours.match(path.name) or f"+{project}+" in path.name:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _differences(reviewed: Plan, now: Plan) -> list[str]:
    """What a fresh preview would do that the reviewed one did not, in words."""

    def steps(plan: Plan) -> dict[tuple[str, str], tuple[str, ...]]:
        return {
            (s.urn, s.op): tuple(sorted(c.path for c in s.changes))
            for s in plan.steps
            if s.op != "same" and not s.type.startswith("pulumi:")
        }

    before, after = steps(reviewed), steps(now)
    said = []
    for (urn, op), paths in sorted(after.items()):
        name = urn.rsplit("::", 1)[-1]
        if (urn, op) not in before:
            said.append(f"{op} {name} was not in the review")
        elif before[(urn, op)] != paths:
            said.append(f"{op} {name} now changes {', '.join(paths) or 'nothing'}")
    said += [
        f"{op} {urn.rsplit('::', 1)[-1]} is no longer needed"
        for urn, op in sorted(set(before) - set(after))
    ]
    return said


def mask_outputs(outputs: Mapping[str, auto.OutputValue]) -> dict[str, Any]:
    return {k: SECRET_MASK if v.secret else v.value for k, v in outputs.items()}


# -- failures ---------------------------------------------------------------------------

# The real CLI writes `file:///…/locks/…/ID.json?no_tmp_dir=true: created by …`.
_LOCK_LINE = re.compile(r"(\S+?\.json)\S*: created by (\S+) \(pid (\d+)\) at (\S+)")
_UNREACHABLE = re.compile(
    r'(?:Get|Post|Put|Delete|List) "(https?://[^/"]+)[^"]*": (?:dial tcp [^:]+:\d+: )?'
    r"(connect: connection refused|[^\n]*?no such host|[^\n]*?i/o timeout|"
    r"[^\n]*?certificate[^\n]*?|EOF)"
)
_MISSING_PLUGIN = re.compile(
    r"\[resource plugin (?P<name>[a-z0-9-]+?)-v?\d[^\]]*\] downloading[^\n]*failed to download"
    r"|no resource plugin|could not find plugin|failed to load plugin"
)
_PLUGIN_NAME = re.compile(r"plugin[^\n]*?\b(vault|aws)\b")
_PLAN_VIOLATION = re.compile(r"resource (urn:\S+) violates plan")
_VAULT_ERROR = re.compile(r"Code: (\d{3})\. Errors:")
_VAULT_URL = re.compile(r"URL: ([A-Z]+) (\S+)")
_COUNT_LINE = re.compile(r"^\d+ errors? occurred:?$")


def _vault_error(text: str) -> str | None:
    """Vault's whole answer to a refused request, in one message: the status, the request
    (method and API path), and every error line. Vault's errors span lines ("1 error
    occurred:", then "* permission denied"): keeping one line lost the reason."""
    found = _VAULT_ERROR.search(text)
    if found is None:
        return None
    reasons: list[str] = []
    for line in text[found.end() :].splitlines()[:12]:
        stripped = line.strip()
        if not stripped:
            if reasons:
                break  # the end of Vault's block
            continue
        if not stripped.startswith("*"):  # Vault's own lines are bullets; the rest is not
            if not reasons:
                reasons.append(stripped)
            break
        item = stripped.lstrip("*").strip()
        if not _COUNT_LINE.match(item):
            reasons.append(item)
    request = ""
    urls = list(_VAULT_URL.finditer(text[: found.start()]))
    url = urls[-1] if urls else None  # the last URL before the code is this request's
    if url is not None:
        path = url[2].split("/v1/", 1)[-1].split("?", 1)[0]
        request = f" to {url[1]} {path}"
    said = "; ".join(reasons) or "no reason given"
    return f"Vault answered {found[1]}{request}: {said}"


CANCELLED = EngineError(
    "Cancelled at your request. The engine finished the operations it had started, "
    "saved the state and released the stack's lock; nothing else was changed. "
    "Preview again to see what is left to do.",
    "Cancelled",
    False,
    ErrorKind.CANCELLED,
)


def describe_failure(
    exc: BaseException, stack: str = "dev", *, cancelled: bool = False
) -> ConsoleError:
    """Map engine failures to a message that says what happened and what to do;
    ``cancelled``: the user asked the engine to stop, so this failure is that."""
    if isinstance(exc, ConsoleError):
        return exc
    if cancelled and isinstance(exc, CommandError):
        return CANCELLED
    if isinstance(exc, FileNotFoundError) and "pulumi" in str(exc):
        return EngineError(
            f"The `pulumi` CLI was not found. {INSTALL_HINT}",
            "Pulumi CLI missing",
            False,
            ErrorKind.ENGINE_MISSING,
        )
    if isinstance(exc, ConcurrentUpdateError):
        text = str(exc)
        found = _LOCK_LINE.search(text)
        who = (
            f" It was locked by {found[2]} (pid {found[3]}) at {found[4]} ({found[1]})."
            if found
            else ""
        )
        return EngineError(
            f"Another update holds the lock on stack {stack!r}.{who} Wait for it to finish. "
            f"If that process is gone, clear the lock yourself with `pulumi cancel --stack {stack}`; "
            "the console never clears locks on its own.",
            "Stack is locked",
            False,
        )
    if isinstance(exc, CommandError):
        text = str(exc)  # the SDK keeps only str(CommandResult): "code: …\n stdout: …\n stderr: …"
        if "^C received; cancelling" in text or re.search(
            r"error: (preview|update) canceled", text
        ):
            return CANCELLED
        violation = _PLAN_VIOLATION.search(text)
        if violation:
            name = violation[1].rsplit("::", 1)[-1]
            return EngineError(
                f"The server no longer matches the preview ({name} changed since). The apply "
                "stopped instead of doing something you did not review. Preview again.",
                "Changed since the preview",
                False,
            )
        if "passphrase must be set" in text or "incorrect passphrase" in text:
            return EngineError(
                "The stack's secrets need the passphrase: set PULUMI_CONFIG_PASSPHRASE "
                "(or PULUMI_CONFIG_PASSPHRASE_FILE) to the one the stack was created with.",
                "Passphrase missing or wrong",
                False,
            )
        missing = _MISSING_PLUGIN.search(text)
        if missing:
            wanted = plugin_versions()
            other = _PLUGIN_NAME.search(text[missing.start() :])
            named = missing["name"] or (other[1] if other else None)
            plugins = [named] if named in wanted else sorted(wanted)
            commands = " and ".join(f"`{install_command(p, wanted[p])}`" for p in plugins)
            return EngineError(
                f"The Pulumi provider plugin {', '.join(plugins)} is missing and could not be "
                f"downloaded. Install it with {commands} (add `-f FILE` for a plugin binary "
                "you have), or run `vault-console doctor`.",
                "Plugin missing",
                False,
                ErrorKind.ENGINE_MISSING,
            )
        if "pending operations" in text or ("interrupted" in text and "pending" in text):
            return EngineError(
                "An earlier apply was interrupted and left pending operations in the state. "
                f"Check what exists, then run `pulumi refresh --stack {stack} "
                "--clear-pending-creates` (or `pulumi stack export`, remove "
                "pending_operations, `pulumi stack import`).",
                "Interrupted apply",
                False,
            )
        if "plugin not found in the catalog: aws" in text:
            return EngineError(
                "The Vault server has no 'aws' plugin (OpenBao ships no AWS secrets engine or "
                "AWS auth method). Disable those components in the config, or register an "
                "aws plugin on the server.",
                "Server lacks the AWS plugin",
                False,
            )
        unreachable = _UNREACHABLE.search(text)
        if unreachable:
            return EngineError(
                f"Vault at {unreachable[1]} could not be reached ({unreachable[2].strip()}). "
                "Operations that finished before that are in the stack's state; check the "
                "server, then preview again to see what is left.",
                "Vault unreachable",
            )
        if "vault-console refused a redirect" in text:
            found = re.search(r"vault-console refused a redirect: ([^\n\"]+)", text)
            return EngineError(
                "The server redirected the engine to another host; the console refused to "
                "send it there (the token would go with it). "
                + (found[1].strip() if found else ""),
                "Redirected to another host",
                False,
            )
        unreached = re.search(r"vault-console could not reach Vault: ([^\n\"]+)", text)
        if unreached:
            return EngineError(
                f"{unreached[1].strip()} Operations that finished before that are in the "
                "stack's state; check the server, then preview again to see what is left.",
                "Vault unreachable",
            )
        if "vault-console read-only mode" in text:
            return EngineError(
                "Read-only mode: the engine asked for a change, which the console refused "
                "before it left the process. Nothing was written.",
                "Read-only mode",
                False,
            )
        vault = _vault_error(text)
        if vault is not None:
            return EngineError(vault, "Vault refused a change")
        lines = [ln for ln in text.splitlines() if ln.strip().startswith(("error:", "Error"))]
        said = [ln.strip() for ln in text.splitlines() if ln.strip()]
        detail = (
            "; ".join(ln.strip() for ln in lines[-3:])
            or "; ".join(said[-3:])
            or ("the pulumi command failed without a message")
        )
        return EngineError(detail, "Pulumi failed")
    from vault_console.errors import describe

    return describe(exc)  # Vault's own errors (unreachable, 403, TLS) as everywhere else
