"""The gateway to one Vault or OpenBao server: status, token, mounts and KV stores."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vault_console.config import Settings
from vault_console.errors import invalid_token_error, is_forbidden, is_not_found
from vault_console.vault.model import MountInfo, ServerStatus, TokenInfo
from vault_console.vault.readonly import read_only_guard
from vault_console.vault.transport import RequestGuard, Response, Urllib3Adapter

if TYPE_CHECKING:
    import hvac

    from vault_console.vault.kv import KvStore


def guard_for(settings: Settings) -> RequestGuard | None:
    """What every request passes before it leaves: read-only, no values, both, or none."""
    guards: list[RequestGuard] = []
    if settings.read_only:
        guards.append(read_only_guard)
    if settings.no_values:
        from vault_console.vault.novalues import no_values_guard

        guards.append(no_values_guard)
    if len(guards) <= 1:
        return guards[0] if guards else None

    def both(method: str, path: str) -> None:
        for guard in guards:
            guard(method, path)

    return both


def _server_kind(version: str, plugin_versions: list[str]) -> str:
    if any(v.endswith("+builtin.bao") for v in plugin_versions):
        return "OpenBao"
    if any(v.endswith("+builtin.vault") for v in plugin_versions):
        return "Vault"
    major = version.split(".", 1)[0]
    if major.isdigit():
        # HashiCorp Vault is 1.x; OpenBao started at 2.0.
        return "OpenBao" if int(major) >= 2 else "Vault"
    return "Vault-compatible"


def _mounts_from(table: dict[str, Any], category: str) -> list[MountInfo]:
    mounts = []
    for path, entry in sorted(table.items()):
        if not isinstance(entry, dict):
            continue
        config = entry.get("config") or {}
        mounts.append(
            MountInfo(
                path=path,
                category=category,
                type=str(entry.get("type", "")),
                description=str(entry.get("description") or ""),
                accessor=str(entry.get("accessor") or ""),
                plugin_version=str(
                    entry.get("running_plugin_version") or entry.get("plugin_version") or ""
                ),
                options={str(k): str(v) for k, v in (entry.get("options") or {}).items()},
                default_lease_ttl=int(config.get("default_lease_ttl") or 0),
                max_lease_ttl=int(config.get("max_lease_ttl") or 0),
            )
        )
    return mounts


class VaultGateway:
    """All requests to one server go through here; it holds no UI state.

    Status, token and mounts go through the adapter directly; hvac's client (and with it
    hvac and requests, about 0.1 s of imports) is built when something first needs it.
    """

    def __init__(self, settings: Settings, guard: RequestGuard | None = None) -> None:
        self.settings = settings
        if guard is None:
            guard = guard_for(settings)
        self.adapter = Urllib3Adapter(settings, guard=guard)
        self._client: hvac.Client | None = None
        self._client_lock = threading.Lock()
        self._plugin_versions: list[str] = []

    @property
    def client(self) -> hvac.Client:
        """hvac's client, on our adapter."""
        with self._client_lock:
            if self._client is None:
                import hvac

                adapter = self.adapter
                # token="" stops hvac from reading VAULT_TOKEN / ~/.vault-token on its own.
                self._client = hvac.Client(
                    url=self.settings.address, token="", adapter=lambda **_kwargs: adapter
                )
            return self._client

    def __repr__(self) -> str:
        return f"VaultGateway({self.settings.address!r})"

    def close(self) -> None:
        self.adapter.close()

    def __enter__(self) -> VaultGateway:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def server_status(self) -> ServerStatus:
        """Health and identity of the server; needs no token."""
        health = self.adapter.get(
            "/v1/sys/health",
            params={
                "standbyok": "true",
                "perfstandbyok": "true",
                "sealedcode": 200,
                "uninitcode": 200,
            },
            raise_exception=False,
        )
        if isinstance(health, Response):
            health = health.json() if health.content else {}
        version = str(health.get("version", "?"))
        standby = bool(health.get("standby", False))
        leader: str | None = None
        if standby:  # does it know an active node? (needs no token)
            answer = self.adapter.get("/v1/sys/leader", raise_exception=False)
            if isinstance(answer, dict) and answer.get("ha_enabled"):
                leader = str(answer.get("leader_address") or "")
        return ServerStatus(
            kind=_server_kind(version, self._plugin_versions),
            version=version,
            initialized=bool(health.get("initialized", True)),
            sealed=bool(health.get("sealed", False)),
            standby=standby,
            cluster_name=str(health.get("cluster_name", "")),
            leader=leader,
        )

    def token_info(self) -> TokenInfo:
        try:
            data = self.adapter.get("/v1/auth/token/lookup-self")["data"]
        except Exception as exc:
            # Every valid token may look itself up (the default policy allows it), and
            # Vault answers an unknown or expired token with 403, not 401: say that rather
            # than blame the token's policies.
            if is_forbidden(exc):
                raise invalid_token_error() from exc
            raise
        return TokenInfo(
            display_name=str(data.get("display_name") or "?"),
            policies=tuple(data.get("policies") or ()),
            ttl=int(data.get("ttl") or 0),
            renewable=bool(data.get("renewable")),
            expire_time=data.get("expire_time"),
            namespace=(
                str(data["namespace_path"]).strip("/") if "namespace_path" in data else None
            ),
        )

    def renew_token(self) -> TokenInfo:
        self.client.auth.token.renew_self()
        return self.token_info()

    def mounts(self) -> list[MountInfo]:
        """Secrets engines and auth methods."""
        secret, auth = self._mount_tables()
        mounts = _mounts_from(secret, "secret") + _mounts_from(auth, "auth")
        self._plugin_versions = [m.plugin_version for m in mounts]
        return mounts

    def mount_table(self, category: str) -> dict[str, dict[str, Any]]:
        """The server's own entries of the secrets engines (``secret``) or auth methods
        (``auth``), by path with its trailing slash."""
        secret, auth = self._mount_tables()
        table = secret if category == "secret" else auth
        return {str(k): v for k, v in table.items() if isinstance(v, dict)}

    def _mount_tables(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """``sys/mounts`` and ``sys/auth``.

        A token without read on ``sys/mounts`` still sees what it may use, through
        ``sys/internal/ui/mounts`` (what Vault's own web UI asks).
        """
        try:
            secret = self.adapter.get("/v1/sys/mounts")["data"]
            auth = self.adapter.get("/v1/sys/auth")["data"]
        except Exception as exc:
            if not is_forbidden(exc):
                raise
            try:
                ui = self.adapter.get("/v1/sys/internal/ui/mounts")["data"]
            except Exception as ui_exc:
                if is_forbidden(ui_exc) and self.settings.token is not None:
                    # Even a token with no policies may list the mounts it can use: a 403
                    # here most likely means the token itself is bad. Ask, and say so.
                    self.token_info()
                raise
            secret, auth = ui.get("secret", {}), ui.get("auth", {})
        return secret, auth

    def read_path(self, path: str) -> dict[str, Any] | None:
        """``GET path``'s answer, or None when nothing is there (404)."""
        try:
            answer = self.adapter.get(f"/v1/{path.strip('/')}")
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise
        return answer if isinstance(answer, dict) else None

    def generate_credentials(self, path: str) -> dict[str, Any]:
        """``GET path`` of a secrets engine that makes credentials (``aws/creds/ROLE``):
        the whole answer, with its ``lease_id``."""
        answer = self.adapter.get(f"/v1/{path.strip('/')}")
        return answer if isinstance(answer, dict) else {}

    def revoke_lease(self, lease_id: str) -> None:
        self.client.sys.revoke_lease(lease_id)

    def aws_iam_login(
        self, credentials: Mapping[str, Any], *, role: str, region: str, mount: str
    ) -> dict[str, Any]:
        """Log in with the AWS auth method as the holder of ``credentials`` (a signed
        ``sts:GetCallerIdentity``); the token is returned, not used by this gateway."""
        answer = self.client.auth.aws.iam_login(
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials.get("SessionToken"),
            role=role,
            use_token=False,
            region=region,
            mount_point=mount,
        )
        return dict(answer["auth"])

    def revoke_own_token(self) -> None:
        """``auth/token/revoke-self``: this gateway's token stops working."""
        self.client.auth.token.revoke_self()

    def capabilities_self(self, paths: list[str]) -> dict[str, list[str]]:
        """What this token may do on each path (``sys/capabilities-self``, one request;
        a read, so allowed in read-only mode)."""
        answer = self.adapter.post("/v1/sys/capabilities-self", json={"paths": paths})
        data = answer.get("data", answer) if isinstance(answer, dict) else {}
        return {p: [str(c) for c in data.get(p) or ()] for p in paths}

    def fingerprints(self, values: list[Any]) -> list[str] | None:
        """Each value's fingerprint as the audit log records it: the server's HMAC from
        ``sys/audit-hash/<device>`` (a read, allowed in read-only mode), with the first
        audit device by path. None when the server has no audit device: then there is no
        fingerprint to show (a local unsalted hash would leak low-entropy values). A value
        that is not a string gets ``""``: the audit log does not hash those."""
        devices = sorted(d["path"] for d in self.audit_devices())
        if not devices:
            return None
        return [
            self.audit_hash(devices[0], value) if isinstance(value, str) else "" for value in values
        ]

    def child_namespaces(self) -> list[str]:
        """The namespaces directly under the session's (``LIST sys/namespaces``), as
        ``prod``; [] when there are none. A server without namespaces (HashiCorp Vault
        without Enterprise) refuses the path: the caller says so."""
        try:
            answer = self.adapter.list("/v1/sys/namespaces")
        except Exception as exc:
            if is_not_found(exc):
                return []
            raise
        keys = answer.get("data", {}).get("keys") if isinstance(answer, dict) else None
        return sorted(str(k).strip("/") for k in keys or () if str(k).strip("/"))

    def namespace_prefix(self, path: str) -> str | None:
        """The longest leading part of ``path`` that names namespaces under the session's
        (``team-a/prod`` of ``team-a/prod/ai-models/x``), or None. ``sys/namespaces/NAME``
        takes one name, so each segment is asked in the namespace the ones before it name;
        a 404 (or a name the server refuses) ends the walk."""
        from dataclasses import replace

        import hvac.exceptions

        session = self.settings.namespace_path
        found: list[str] = []
        for part in path.strip("/").split("/")[:-1]:
            here = "/".join(p for p in (session, *found) if p)
            with VaultGateway(replace(self.settings, namespace=here or None)) as there:
                try:
                    there.adapter.get(f"/v1/sys/namespaces/{part}")
                except Exception as exc:
                    if is_not_found(exc) or isinstance(exc, hvac.exceptions.InvalidRequest):
                        break
                    raise
            found.append(part)
        return "/".join(found) or None

    def audit_devices(self) -> list[dict[str, Any]]:
        """Enabled audit devices: path, type, description and options (needs read on sys/audit)."""
        data = self.adapter.get("/v1/sys/audit")["data"]
        return [
            {
                "path": path,
                "type": str(entry.get("type", "")),
                "description": str(entry.get("description", "")),
                "options": dict(entry.get("options") or {}),
            }
            for path, entry in sorted(data.items())
            if isinstance(entry, dict)
        ]

    def audit_hash(self, device: str, value: str) -> str:
        """The HMAC an audit device writes for ``value``, to search its log for it."""
        response = self.adapter.post(
            f"/v1/sys/audit-hash/{device.strip('/')}", json={"input": value}
        )
        return str(response["data"]["hash"])

    def plugin_catalog(self) -> dict[str, list[str]]:
        """Plugin names per kind ("secret", "auth", "database") from ``sys/plugins/catalog``."""
        data = self.adapter.get("/v1/sys/plugins/catalog")["data"]
        return {k: list(v) for k, v in data.items() if k != "detailed" and isinstance(v, list)}

    def load_kv_support(self) -> None:
        """Import the KV layer and build hvac's client now (call it from a worker thread)."""
        import vault_console.vault.kv  # noqa: F401  (imports hvac)

        _ = self.client

    def kv(self, mount: MountInfo | str, version: int | None = None) -> KvStore:
        """The KV store at a mount; pass a MountInfo, or a path and its KV version."""
        from vault_console.vault.kv import KvStore

        if isinstance(mount, MountInfo):
            kv_version = mount.kv_version
            if kv_version is None:
                raise ValueError(f"mount {mount.path!r} is a {mount.type} engine, not KV")
            return KvStore(self.client, mount.path, kv_version)
        return KvStore(self.client, mount, version or 2)
