"""What the stack would create that already exists on the server, found before a preview.

A Pulumi program that creates a ``vault.Policy`` named like an existing policy does not
fail: Vault's API writes policies, mounts' tunings, roles and configs by name, so the
engine's "create" silently replaces what someone else made. Before any preview, every
object the enabled components make is looked up on the server; one that exists and is
not already in the stack's state is either renamed by the operator or *adopted*: imported
into the stack (the ``import`` resource option), so the preview shows the difference
between what the server holds and what the stack would write as an update.

The module needs no Textual; the wizard's review and the headless commands share it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from vault_console.vault.client import VaultGateway
from vault_console_programs.ai_secrets.config import StackConfig, model_secret_resource

if TYPE_CHECKING:
    from vault_console.infra.engine import Engine, RunOutcome


@dataclass(frozen=True)
class Planned:
    """One Vault object a component makes, as the program names it."""

    resource: str
    """The program's resource name (``model-secrets-read-policy``)."""
    kind: str
    """What it is, in words (``ACL policy``)."""
    where: str
    """Its name or path as an operator knows it."""
    import_id: str
    """The id the vault provider imports it by."""
    api_path: str
    """Where it is read on the server (``sys/policies/acl/NAME``)."""
    parent: str | None = None
    """The resource it lives in (a role in its mount): only looked up when that exists."""


@dataclass(frozen=True)
class Existing:
    """A planned object that the server holds already and the stack did not make."""

    planned: Planned
    holds: str
    """What it is now, in words (``kv v2 mount, "legacy team secrets"``)."""
    text: str | None = None
    """A policy's HCL as the server holds it (for the before-and-after view)."""
    unreadable: bool = False
    """This token may not read it, so whether it exists is not known: a preview that
    might replace it is refused all the same (the engine could not read it back either)."""

    @property
    def line(self) -> str:
        return f"{self.planned.kind} {self.planned.where} ({self.holds})"


class PreviewRefused(Exception):
    """What the server holds or allows rules out these answers; nothing was run. The
    wizard's review and the headless commands say ``title``, each of ``lines``, and
    ``advice``."""

    title = "Refused before the preview"

    def __init__(self, lines: list[str], advice: str) -> None:
        self.lines = lines
        self.advice = advice
        super().__init__(f"{'; '.join(lines)}. {advice}")


class ExistingObjects(PreviewRefused):
    """A preview would create objects that exist already; nothing was run."""

    title = "Exists on the server"

    def __init__(self, found: list[Existing]) -> None:
        self.found = found
        unreadable = any(e.unreadable for e in found)
        super().__init__(
            [e.line for e in found],
            "These exist on the server and this stack did not make them; creating them "
            "would replace what is there. Choose other names or paths, or adopt them "
            "(vault-console preview/up --adopt; the wizard's Adopt): the preview then "
            "shows what the stack would change in each, as an update."
            + (
                " What this token may not read cannot be adopted either: use a token "
                "that may read it, or other names."
                if unreadable
                else ""
            ),
        )


class ServerCannot(PreviewRefused):
    """The server lacks what an enabled component needs, or the token may not do it."""

    title = "The server cannot run these answers"


def planned_objects(config: StackConfig) -> list[Planned]:
    """Every Vault object the enabled components create, in the order they are made."""
    found: list[Planned] = []
    spec = config.model_secrets
    if spec.enabled:
        mount = spec.mount_path
        found.append(
            Planned("model-secrets-mount", "KV v2 mount", f"{mount}/", mount, f"sys/mounts/{mount}")
        )
        found.extend(
            Planned(
                model_secret_resource(name),
                "secret",
                f"{mount}/{name}",
                f"{mount}/data/{name}",
                f"{mount}/metadata/{name}",
                parent="model-secrets-mount",
            )
            for name in spec.names
        )
        found.append(
            Planned(
                "model-secrets-read-policy",
                "ACL policy",
                spec.policy_name,
                spec.policy_name,
                f"sys/policies/acl/{spec.policy_name}",
            )
        )
    engine = config.aws_secrets
    if engine.enabled:
        found.append(
            Planned(
                "aws-secrets-engine",
                "AWS secrets engine",
                f"{engine.path}/",
                engine.path,
                f"sys/mounts/{engine.path}",
            )
        )
        found.append(
            Planned(
                "aws-secrets-role",
                "AWS secrets engine role",
                f"{engine.path}/roles/{engine.role_name}",
                f"{engine.path}/roles/{engine.role_name}",
                f"{engine.path}/roles/{engine.role_name}",
                parent="aws-secrets-engine",
            )
        )
    auth = config.aws_auth
    if auth.enabled:
        found.append(
            Planned(
                "aws-auth", "auth method", f"auth/{auth.path}/", auth.path, f"sys/auth/{auth.path}"
            )
        )
        found.append(
            Planned(
                "aws-auth-client",
                "AWS auth client config",
                f"auth/{auth.path}/config/client",
                f"auth/{auth.path}/config/client",
                f"auth/{auth.path}/config/client",
                parent="aws-auth",
            )
        )
        found.append(
            Planned(
                "aws-auth-role",
                "AWS auth role",
                f"auth/{auth.path}/role/{auth.role_name}",
                f"auth/{auth.path}/role/{auth.role_name}",
                f"auth/{auth.path}/role/{auth.role_name}",
                parent="aws-auth",
            )
        )
    return found


def _mount_words(entry: Mapping[str, Any], auth: bool) -> str:
    kind = str(entry.get("type") or "?")
    version = (entry.get("options") or {}).get("version") if kind == "kv" else None
    words = f"{kind} v{version}" if version else kind
    described = str(entry.get("description") or "")
    words += " auth method" if auth else " mount"
    return words + (f', "{described}"' if described else "")


def find_existing(
    gateway: VaultGateway, config: StackConfig, managed: Mapping[str, str]
) -> list[Existing]:
    """The planned objects that exist on the server and are not the stack's own.

    ``managed`` maps the stack's resource names to the ids its state holds for them: an
    object the stack made (same resource, same id) is the stack's to change.
    """
    mounts = _readable(lambda: gateway.mount_table("secret"))
    auths = _readable(lambda: gateway.mount_table("auth"))
    present: dict[str, Existing] = {}
    found: list[Existing] = []
    for planned in planned_objects(config):
        if planned.parent is not None and planned.parent not in present:
            continue  # its mount is new (or the stack's): nothing can be in it yet
        holds: str | None = None
        text: str | None = None
        unreadable = False
        if planned.api_path.startswith(("sys/mounts/", "sys/auth/")):
            auth = planned.api_path.startswith("sys/auth/")
            table = auths if auth else mounts
            entry = table.get(planned.import_id.strip("/") + "/") if table is not None else None
            holds = _mount_words(entry, auth=auth) if entry is not None else None
            unreadable = table is None
        else:
            data = _readable(partial(gateway.read_path, planned.api_path), missing=True)
            if isinstance(data, dict):
                text, holds = _describe(planned, data)
            unreadable = data is None
        if unreadable:
            holds = "this token may not read it, so whether it exists is not known"
        if holds is None:
            continue
        existing = Existing(planned, holds, text, unreadable)
        present[planned.resource] = existing
        if managed.get(planned.resource) == planned.import_id:
            continue  # the stack made it: changing it is the stack's business
        found.append(existing)
    return found


def _readable(read: Callable[[], Any], missing: bool = False) -> Any:
    """``read()``, or None when the token may not read it (403). With ``missing``, a path
    with nothing at it (``read`` gave None) comes back as False instead."""
    from vault_console.errors import is_forbidden

    try:
        answer = read()
    except Exception as exc:
        if is_forbidden(exc):
            return None
        raise
    return False if missing and answer is None else answer


def _describe(planned: Planned, data: Mapping[str, Any]) -> tuple[str | None, str]:
    body = data.get("data") if isinstance(data.get("data"), dict) else data
    assert isinstance(body, Mapping)
    if planned.kind == "ACL policy":
        rules = str(body.get("policy") or body.get("rules") or "")
        return rules, f"{len(rules.splitlines())} lines of HCL"
    if planned.kind == "secret":
        current = body.get("current_version")
        return None, f"version {current}" if current else "has versions"
    if planned.kind.endswith("role"):
        policies = body.get("token_policies") or body.get("policies") or []
        named = ", ".join(str(p) for p in policies) if isinstance(policies, list) else ""
        return None, f"policies {named}" if named else "exists"
    return None, "exists"


def adopted(config: StackConfig, found: Iterable[Existing]) -> StackConfig:
    """``config`` with each object in ``found`` to be imported into the stack."""
    return replace(config, adopt=tuple((e.planned.resource, e.planned.import_id) for e in found))


def check_or_adopt(
    gateway: VaultGateway,
    config: StackConfig,
    managed: Callable[[], Mapping[str, str]],
    adopt: bool,
) -> tuple[StackConfig, list[Existing]]:
    """The config to preview with, and what it adopts: ExistingObjects when something
    exists and ``adopt`` is off."""
    found = find_existing(gateway, config, managed())
    if found and (not adopt or any(e.unreadable for e in found)):
        raise ExistingObjects(found)
    return adopted(config, found), found


def check_target(gateway: VaultGateway, config: StackConfig, *, read_only: bool) -> None:
    """ServerCannot when an enabled component needs a plugin the server lacks, or (unless
    only previewing in read-only mode) when the token may not write where the stack
    writes: checked with the final answers, before anything runs."""
    from vault_console.infra.setup import target_report

    report = target_report(gateway, config)
    lines = list(report.unavailable(config).values())
    if not read_only:
        lines += [f"this token may not {c.needs} at {c.path}" for c in report.denied]
    if lines:
        raise ServerCannot(
            lines,
            "Turn the component off, register the plugin, or use a token that may do it; "
            "nothing was previewed or changed.",
        )


def checked_preview(
    engine: Engine,
    gateway: VaultGateway,
    *,
    adopt: bool,
    on_event: Callable[[Any], None] | None = None,
) -> tuple[RunOutcome, list[Existing]]:
    """The one way a preview runs (wizard and headless): look for existing objects first,
    refuse them unless adopted, then preview (the plan file then holds the imports)."""
    engine.command()  # no Pulumi CLI: said first, before the server is asked anything
    engine.say("Checking what the server has and what this token may do…")
    check_target(gateway, engine.config, read_only=gateway.settings.read_only)
    engine.check_cancelled()
    resources = engine.state_resources()
    managed = {name: str(r.get("id") or "") for name, r in resources.items()}
    engine.say("Looking for what exists on the server already…")
    config, found = check_or_adopt(gateway, engine.config, lambda: managed, adopt)
    drift = secret_drift(gateway, config, resources)
    engine.check_cancelled()
    engine.reconfigure(config)
    outcome = engine.preview(on_event=on_event)
    outcome.unseen_drift = drift
    _note_losses(outcome, lost_with_mounts(gateway, outcome.plan.steps, resources))
    return outcome, found


def _note_losses(outcome: RunOutcome, losses: list[MountLoss]) -> None:
    outcome.mount_losses = [loss.line for loss in losses]
    outcome.lost_secrets = sum(len(loss.secrets) for loss in losses)


def checked_destroy_preview(
    engine: Engine, gateway: VaultGateway, on_event: Callable[[Any], None] | None = None
) -> RunOutcome:
    """The destroy's preview, with what goes with each mount it deletes."""
    outcome = engine.preview_destroy(on_event=on_event)
    resources = engine.state_resources()
    _note_losses(outcome, lost_with_mounts(gateway, outcome.plan.steps, resources))
    return outcome


def secret_drift(
    gateway: VaultGateway, config: StackConfig, resources: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Model secrets written on the server since the stack wrote them.

    The vault provider does not read a secret's value back on refresh, so a preview shows
    no change when someone else wrote a new version (and the apply would silently write
    the stack's value over it). The stack's state records the version it wrote; a newer
    current version on the server is said, as drift the apply overwrites.
    """
    spec = config.model_secrets
    if not spec.enabled:
        return []
    lines = []
    for name in spec.names:
        state = resources.get(model_secret_resource(name))
        metadata = (state or {}).get("outputs", {}).get("metadata")
        if not isinstance(metadata, dict) or not str(metadata.get("version", "")).isdigit():
            continue
        written = int(metadata["version"])
        now = _readable(partial(gateway.read_path, f"{spec.mount_path}/metadata/{name}"))
        current = (now or {}).get("data", {}).get("current_version") if now else None
        if isinstance(current, int) and current > written:
            lines.append(
                f"secret {spec.mount_path}/{name}: the stack wrote version {written}, the "
                f"server now holds version {current} (written by someone else); the apply "
                "writes the reviewed value over it"
            )
    return lines


@dataclass(frozen=True)
class MountLoss:
    """A mount a plan deletes or replaces, and the secrets that go with it."""

    mount: str
    secrets: list[str]
    """Every secret in it, as paths in the mount."""
    not_ours: list[str]
    """Those the stack did not make."""

    @property
    def line(self) -> str:
        shown = ", ".join(self.not_ours[:10]) + (" …" if len(self.not_ours) > 10 else "")
        theirs = (
            f", {len(self.not_ours)} of them not made by this stack ({shown})"
            if self.not_ours
            else ""
        )
        n = len(self.secrets)
        secrets = f"{n} secret" if n == 1 else f"{n} secrets"
        return f"deleting mount {self.mount}/ deletes the {secrets} in it{theirs}"


def lost_with_mounts(
    gateway: VaultGateway, steps: Iterable[Any], resources: Mapping[str, Mapping[str, Any]]
) -> list[MountLoss]:
    """For each KV mount the plan's ``steps`` delete or replace: the secrets in it now.

    A plan names only the mount; every secret in it goes too, including ones the stack
    never made, and the typed confirmation must say how many.
    """
    ours = {
        str(r.get("outputs", {}).get("name") or "")
        for r in resources.values()
        if str(r.get("type", "")).endswith("SecretV2")
    }
    losses: list[MountLoss] = []
    for step in steps:
        if not str(step.type).endswith("mount:Mount") or step.op not in (
            "delete",
            "replace",
            "delete-replaced",
        ):
            continue
        state = resources.get(step.name) or {}
        path = str(state.get("outputs", {}).get("path") or state.get("id") or "").strip("/")
        if not path or any(loss.mount == path for loss in losses):
            continue
        entry = gateway.mount_table("secret").get(f"{path}/")
        if not entry or entry.get("type") != "kv":
            continue
        version = 2 if (entry.get("options") or {}).get("version") == "2" else 1
        secrets = sorted(gateway.kv(path, version).walk())
        losses.append(MountLoss(path, secrets, [p for p in secrets if p not in ours]))
    return losses
