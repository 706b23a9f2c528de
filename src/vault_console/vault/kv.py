"""KV v1 and v2 behind one interface: list, read, versions, metadata, checked writes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import hvac
import hvac.exceptions

from vault_console.errors import CasConflict, ChangedSinceOpened
from vault_console.vault.capabilities import denied_by
from vault_console.vault.model import (
    SecretMetadata,
    SecretVersion,
    VersionInfo,
)

_READ_V2 = [("read", "{mount}/data/{path}")]
_NEEDS_V2: dict[str, list[tuple[str, str]]] = {
    "reveal_value": _READ_V2,
    "reveal_all": _READ_V2,
    "copy_value": _READ_V2,
    "fingerprint": _READ_V2,
    "json_view": _READ_V2,
    "compare": _READ_V2,
    "edit": [*_READ_V2, ("update", "{mount}/data/{path}")],
    "set_keys": [("patch", "{mount}/data/{path}"), ("update", "{mount}/data/{path}")],
    "edit_metadata": [("patch", "{mount}/metadata/{path}")],
    "delete": [("update", "{mount}/delete/{path}")],
    "undelete": [("update", "{mount}/undelete/{path}")],
    "destroy": [("update", "{mount}/destroy/{path}")],
}
"""What each secret action needs, on KV v2 (a ``set_keys`` needs either capability)."""
_NEEDS_V1: dict[str, list[tuple[str, str]]] = {
    "edit": [("update", "{mount}/{path}")],
    "delete": [("delete", "{mount}/{path}")],
}


def _is_cas_mismatch(exc: hvac.exceptions.InvalidRequest) -> bool:
    return "check-and-set parameter did not match" in str(exc)


class KvStore:
    """One KV mount. Paths are relative to the mount, folders end with '/'."""

    def __init__(self, client: hvac.Client, mount: str, version: int) -> None:
        self.client = client
        self.mount = mount.strip("/")
        self.version = version

    def __repr__(self) -> str:
        return f"KvStore({self.mount!r}, v{self.version})"

    def list_folder(self, folder: str = "") -> list[str]:
        """Entries of a folder; an empty or missing folder (404) has none."""
        try:
            if self.version == 2:
                response = self.client.secrets.kv.v2.list_secrets(
                    path=folder, mount_point=self.mount
                )
            else:
                response = self.client.secrets.kv.v1.list_secrets(
                    path=folder, mount_point=self.mount
                )
        except hvac.exceptions.InvalidPath:
            return []
        return sorted(response["data"]["keys"])

    def walk(self, folder: str = "", workers: int = 4) -> Iterator[str]:
        """Every secret path below ``folder``, one LIST per folder, a few folders at once."""
        pending = [folder]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while pending:
                listings = pool.map(lambda f: (f, self.list_folder(f)), pending)
                pending = []
                for parent, entries in listings:
                    for entry in entries:
                        if entry.endswith("/"):
                            pending.append(parent + entry)
                        else:
                            yield parent + entry

    def read(self, path: str, version: int | None = None) -> SecretVersion:
        """Read the latest (or a given) version.

        A deleted or destroyed KV v2 version reads as ``data=None`` with its state.
        """
        if self.version == 1:
            response = self.client.secrets.kv.v1.read_secret(path=path, mount_point=self.mount)
            return SecretVersion(path, None, dict(response["data"]))
        try:
            response = self.client.secrets.kv.v2.read_secret_version(
                path=path, version=version, mount_point=self.mount, raise_on_deleted_version=True
            )
        except hvac.exceptions.InvalidPath as exc:
            return self._gone(path, exc)
        data = response["data"]
        meta = data["metadata"]
        return SecretVersion(
            path,
            int(meta["version"]),
            dict(data["data"] or {}),
            meta.get("created_time", ""),
            meta.get("deletion_time", ""),
            bool(meta.get("destroyed")),
        )

    def denied_actions(
        self, path: str, capabilities: Callable[[list[str]], Mapping[str, Any]]
    ) -> dict[str, str]:
        """The console's secret actions this token may not take on ``path``, each with the
        reason (``this token lacks update on ai-models/data/prod/openai``). One
        ``sys/capabilities-self`` call (``capabilities``) answers for every path."""
        needs = _NEEDS_V2 if self.version == 2 else _NEEDS_V1
        paths = {
            action: [(cap, where.format(mount=self.mount, path=path)) for cap, where in wanted]
            for action, wanted in needs.items()
        }
        # set_keys: patch, or else read and update: one is enough
        return denied_by(paths, capabilities, any_of=frozenset({"set_keys"}))

    def structure(self, path: str, version: int | None = None) -> SecretVersion:
        """A KV v2 version's keys and nesting, no value (``GET <mount>/subkeys/<path>``):
        ``data`` stays None and ``subkeys`` holds the keys. A token that may read
        ``subkeys/`` but not ``data/`` gets this much."""
        query = f"?version={version}" if version else ""
        try:
            answer = self.client.adapter.get(f"/v1/{self.mount}/subkeys/{path}{query}")
        except hvac.exceptions.InvalidPath as exc:
            return self._gone(path, exc)
        data = answer["data"]
        meta = data["metadata"]
        return SecretVersion(
            path,
            int(meta["version"]),
            None,
            meta.get("created_time", ""),
            meta.get("deletion_time", ""),
            bool(meta.get("destroyed")),
            subkeys=dict(data.get("subkeys") or {}),
        )

    @staticmethod
    def _gone(path: str, exc: hvac.exceptions.InvalidPath) -> SecretVersion:
        """A deleted or destroyed version (a 404 that carries its metadata); any other 404
        is raised again."""
        body = exc.json if isinstance(getattr(exc, "json", None), dict) else None
        meta = ((body or {}).get("data") or {}).get("metadata")
        if not meta:
            raise exc
        return SecretVersion(
            path,
            int(meta["version"]),
            None,
            meta.get("created_time", ""),
            meta.get("deletion_time", ""),
            bool(meta.get("destroyed")),
        )

    def metadata(self, path: str) -> SecretMetadata:
        response = self.client.secrets.kv.v2.read_secret_metadata(path=path, mount_point=self.mount)
        data = response["data"]
        versions = tuple(
            VersionInfo(
                int(number),
                info.get("created_time", ""),
                info.get("deletion_time", ""),
                bool(info.get("destroyed")),
            )
            for number, info in sorted(data["versions"].items(), key=lambda kv: int(kv[0]))
        )
        return SecretMetadata(
            path=path,
            current_version=int(data["current_version"]),
            oldest_version=int(data["oldest_version"]),
            created_time=data.get("created_time", ""),
            updated_time=data.get("updated_time", ""),
            max_versions=int(data.get("max_versions") or 0),
            cas_required=bool(data.get("cas_required")),
            custom_metadata=dict(data.get("custom_metadata") or {}),
            versions=versions,
        )

    def write(self, path: str, data: dict[str, Any], cas: int | None) -> int | None:
        """Write a new version with check-and-set; returns the new version number.

        ``cas=0`` creates only if the path is new; ``cas=N`` writes only over version N.
        KV v1 has no check-and-set, so ``cas`` is ignored there.
        """
        if self.version == 1:
            self.client.secrets.kv.v1.create_or_update_secret(
                path=path, secret=data, mount_point=self.mount
            )
            return None
        try:
            response = self.client.secrets.kv.v2.create_or_update_secret(
                path=path, secret=data, cas=cas, mount_point=self.mount
            )
        except hvac.exceptions.InvalidRequest as exc:
            if cas is not None and _is_cas_mismatch(exc):
                raise CasConflict(path, cas) from None
            raise
        return int(response["data"]["version"])

    def patch(self, path: str, changes: dict[str, Any], cas: int) -> int:
        """Change only these keys of the latest version (KV v2 ``PATCH``, a JSON merge
        patch, with check-and-set): the other keys are neither read nor sent, and the
        server keeps them as they are. Returns the new version."""
        try:
            answer = self.client.adapter.request(
                "PATCH",
                f"/v1/{self.mount}/data/{path}",
                json={"data": changes, "options": {"cas": cas}},
                headers={"Content-Type": "application/merge-patch+json"},
            )
        except hvac.exceptions.InvalidRequest as exc:
            if _is_cas_mismatch(exc):
                raise CasConflict(path, cas) from None
            raise
        return int(answer["data"]["version"])

    def set_keys(self, path: str, changes: dict[str, Any], cas: int) -> tuple[int, str]:
        """Change these keys: a PATCH when the token may, else a read of version ``cas``,
        the keys changed in it, and a write with check-and-set. Returns the new version
        and which was used (``patch`` or ``update``)."""
        try:
            return self.patch(path, changes, cas), "patch"
        except hvac.exceptions.Forbidden:
            pass  # no patch capability: read, modify, write (needs read and update)
        current = self.read(path)
        if current.version != cas or current.data is None:
            raise CasConflict(path, cas)
        version = self.write(path, {**current.data, **changes}, cas)
        assert version is not None
        return version, "update"

    def delete_latest(self, path: str) -> None:
        """Soft-delete the latest version (v2), or delete the secret (v1)."""
        if self.version == 1:
            self.client.secrets.kv.v1.delete_secret(path=path, mount_point=self.mount)
        else:
            self.client.secrets.kv.v2.delete_latest_version_of_secret(
                path=path, mount_point=self.mount
            )

    def delete_versions(self, path: str, versions: list[int]) -> None:
        self.client.secrets.kv.v2.delete_secret_versions(
            path=path, versions=versions, mount_point=self.mount
        )

    def undelete_versions(self, path: str, versions: list[int]) -> None:
        self.client.secrets.kv.v2.undelete_secret_versions(
            path=path, versions=versions, mount_point=self.mount
        )

    def destroy_versions(self, path: str, versions: list[int]) -> None:
        self.client.secrets.kv.v2.destroy_secret_versions(
            path=path, versions=versions, mount_point=self.mount
        )

    def update_custom_metadata(self, path: str, custom: dict[str, str]) -> None:
        """Replace ``custom_metadata`` (KV v2); other metadata is left as it is."""
        self.client.secrets.kv.v2.update_metadata(
            path=path, custom_metadata=custom, mount_point=self.mount
        )

    def patch_custom_metadata(self, path: str, changes: dict[str, str | None]) -> None:
        """Change only the named ``custom_metadata`` keys (KV v2 PATCH, a JSON merge
        patch: ``None`` removes a key). Keys another client set meanwhile stay."""
        if not changes:
            return
        self.client.adapter.request(
            "PATCH",
            f"/v1/{self.mount}/metadata/{path}",
            json={"custom_metadata": changes},
            headers={"Content-Type": "application/merge-patch+json"},
        )

    def write_unless_changed(self, path: str, data: dict[str, Any], opened: Any) -> None:
        """KV v1 has no check-and-set: re-read just before writing, and refuse with
        ``ChangedSinceOpened`` if the secret is no longer what the edit started from."""
        try:
            current = self.read(path).data
        except hvac.exceptions.InvalidPath:
            current = None
        if current != opened:
            raise ChangedSinceOpened(path)
        self.write(path, data, None)
