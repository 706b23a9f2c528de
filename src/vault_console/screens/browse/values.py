"""What the secret keys that read do: reveal, hide, copy, fingerprint, versions, compare,
access history, copy the path or the ``vault kv get`` command. The base of the main
screen's actions: ``actions.py`` adds the ones that write, ``screen.py`` the navigation.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace

from textual.screen import Screen

from vault_console.host import ConsoleHost, host_of
from vault_console.messages import ShowAuditQuery, SwitchNamespace
from vault_console.text import check_secret_path, namespace_name
from vault_console.vault.fingerprints import fingerprints_or_why, with_fingerprints
from vault_console.vault.model import (
    KeyChange,
    MountInfo,
    SecretVersion,
    ShownSecret,
    diff_versions,
)
from vault_console.widgets.dialogs import ChoiceScreen, DiffScreen, PromptScreen
from vault_console.widgets.secret_panel import SecretPanel


def kv_get_command(shown: ShownSecret, namespace: str | None = None) -> str:
    """``vault kv get -mount=MOUNT PATH`` for the shown secret, shell-quoted; an older
    version adds ``-version=N``, a session in a namespace ``-namespace=NS`` (pasted in a
    shell without VAULT_NAMESPACE it would otherwise read the root namespace's secret at
    the same path). Works with ``bao kv get`` too."""
    parts = ["vault", "kv", "get"]
    if namespace:
        parts.append(f"-namespace={namespace}")
    parts.append(f"-mount={shown.mount}")
    latest = shown.metadata.current_version if shown.metadata else None
    if shown.kv_version == 2 and shown.secret.version and shown.secret.version != latest:
        parts.append(f"-version={shown.secret.version}")
    parts.append(shown.secret.path)
    return shlex.join(parts)


def no_data(shown: ShownSecret, action: str) -> str:
    """Why a version without data cannot be ``action`` (edited, shown...), and what can
    still be done with it."""
    version = shown.secret.version
    if shown.secret.destroyed:
        return (
            f"Version {version} is destroyed: its data is gone for good and it cannot be "
            f"{action}. [ and ] open the other versions; e on one of them makes a new "
            "latest version from it."
        )
    return (
        f"Version {version} is deleted (soft): it cannot be {action} as it is. u undeletes "
        "it, X destroys it for good; [ and ] open the other versions."
    )


class ValueActions(Screen[None]):
    """The main screen's reading secret actions; the navigation they use is MainScreen's."""

    mounts: list[MountInfo]

    @property
    def vc(self) -> ConsoleHost:
        return host_of(self)

    def in_namespace(self) -> str:
        """`` · namespace team-a`` (or ``root``): on every dialog that acts, as the same
        path in another namespace is another tenant's secret."""
        return f" · namespace {namespace_name(self.vc.settings.namespace)}"

    def open_secret(self, mount: MountInfo, path: str, version: int | None = None) -> None:
        raise NotImplementedError  # MainScreen's

    def show_in_tree(self, mount: MountInfo, path: str) -> None:
        raise NotImplementedError  # MainScreen's

    def selected_mount(self) -> MountInfo | None:
        raise NotImplementedError  # MainScreen's

    def mount_for(self, full_path: str) -> tuple[MountInfo, str] | None:
        raise NotImplementedError  # MainScreen's

    async def go_to_secret(self, mount: MountInfo, path: str) -> None:
        raise NotImplementedError  # MainScreen's

    def action_open_path(self) -> None:
        kv_mounts = ", ".join(m.path for m in self.mounts if m.kv_version) or "none"

        def check(text: str) -> str:
            text = text.strip().strip("/")
            found = self.mount_for(text + "/")
            if found is None and text.count("/") < 2:
                raise ValueError(f"path: no KV mount starts {text!r} (mounts: {kv_mounts})")
            check_secret_path("path", found[1].rstrip("/") if found else text)
            return text  # maybe namespace/mount/path: go() asks the server

        async def go(full_path: str | None) -> None:
            if not full_path:
                return
            found = self.mount_for(full_path + "/")
            if found is not None:
                await self.go_to_secret(*found)
                return

            def prefixed(namespace: str | None) -> None:
                if namespace is None:
                    self.notify(
                        f"path: no KV mount or namespace starts {full_path!r} "
                        f"(mounts: {kv_mounts})",
                        severity="warning",
                    )
                    return
                here = self.vc.settings.namespace_path
                target = f"{here}/{namespace}" if here else namespace
                rest = full_path[len(namespace) + 1 :]
                self.post_message(SwitchNamespace(target, then_open=rest))

            self.vc.run_io(
                lambda: self.vc.gateway.namespace_prefix(full_path),
                prefixed,
                description="look for a namespace in the path",
            )

        self.app.push_screen(
            PromptScreen(
                "Open a secret by path (mount/path/in/mount)",
                "for example ai-models/prod/openai",
                check=check,
            ),
            go,
        )

    def _shown(self, need_v2: bool = False) -> ShownSecret | None:
        shown = self.query_one(SecretPanel).shown
        if shown is None:
            self.notify("Open a secret first", severity="warning")
            return None
        if need_v2 and shown.kv_version != 2:
            self.notify("KV v1 has no versions or metadata", severity="warning")
            return None
        return shown

    def _mount_of(self, shown: ShownSecret) -> MountInfo:
        return next(m for m in self.mounts if m.path == shown.mount + "/")

    def _reopen(self, shown: ShownSecret, version: int | None = None) -> None:
        self.open_secret(self._mount_of(shown), shown.secret.path, version)

    def _step_version(self, step: int) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.metadata is None or shown.secret.version is None:
            return
        numbers = [v.version for v in shown.metadata.versions]
        index = numbers.index(shown.secret.version) + step
        if 0 <= index < len(numbers):
            self._reopen(shown, numbers[index])
        else:
            edge = "oldest" if step < 0 else "newest"
            self.notify(f"Version {shown.secret.version} is the {edge} one kept", timeout=4)

    # -- values: r / R / h / c, from the tree or the value table alike ---------------------

    def _with_values(self, then: Callable[[SecretPanel], None], action: str = "shown") -> None:
        """Run ``then`` once the open version's values are here: fetched now if it was
        opened with its keys only (the panel then holds them until hidden or closed)."""
        shown = self._shown()
        if shown is None:
            return
        panel = self.query_one(SecretPanel)
        if shown.secret.data is not None:
            then(panel)
            return
        if shown.secret.subkeys is None or shown.secret.state != "active":
            self.notify(no_data(shown, action), severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        path, version = shown.secret.path, shown.secret.version

        def fetched(secret: SecretVersion) -> None:
            if panel.shown != shown:
                return  # another secret or version is open now
            panel.shown = replace(shown, secret=replace(secret, subkeys=shown.secret.subkeys))
            then(panel)

        self.vc.run_io(
            lambda: kv.read(path, version),
            fetched,
            description=f"read the values of {shown.full_path}",
            key="secret",
        )

    def action_reveal_value(self) -> None:
        def reveal(panel: SecretPanel) -> None:
            if panel.selected_key() is None:
                self.notify("This version has no keys", severity="warning")
                return
            panel.action_reveal()

        self._with_values(reveal)

    def action_reveal_all(self) -> None:
        self._with_values(lambda panel: panel.action_reveal_all())

    def action_hide_values(self) -> None:
        """Hide every value; a version opened by its keys drops the values it fetched."""
        if self._shown() is not None:
            self.drop_values()

    def drop_values(self) -> None:
        for panel in self.query(SecretPanel):
            panel.action_hide()
            shown = panel.shown
            if shown is not None and shown.secret.subkeys is not None and shown.secret.data:
                panel.shown = replace(shown, secret=replace(shown.secret, data=None))

    def action_copy_value(self) -> None:
        self._with_values(lambda panel: panel.action_copy(), "copied")

    def action_access_history(self) -> None:
        """Open the audit log filtered to every API path of this secret, exactly.

        Exact, not a prefix: ``prod/openai`` must not match ``prod/openai-old``.
        """
        from vault_console.vault.policies import kv2_secret_paths

        shown = self._shown()
        if shown is None:
            return
        if shown.kv_version == 2:
            paths = kv2_secret_paths(shown.mount, shown.secret.path)
        else:
            paths = (f"{shown.mount}/{shown.secret.path}",)
        self.post_message(ShowAuditQuery(paths))

    def action_fingerprint(self) -> None:
        """The selected value's fingerprint as the audit log records it (the server's
        HMAC), to search in the Audit tab; never a local hash, never the value."""
        self._with_values(self._fingerprint_selected)

    def _fingerprint_selected(self, panel: SecretPanel) -> None:
        key = panel.selected_key()
        if key is None or panel.shown is None or panel.shown.secret.data is None:
            self.notify("This version has no keys", severity="warning")
            return
        value = panel.shown.secret.data[key]
        if not isinstance(value, str):
            self.notify(f"{key!r} is not a string: the audit log does not hash it")
            return
        gateway = self.vc.gateway

        def done(answer: tuple[list[str] | None, str]) -> None:
            found, why = answer
            if found is None:
                self.notify(why, severity="warning")
                return
            self.notify(
                f"Fingerprint of {key!r}: {found[0]} (the audit log records it so: search it "
                "in the Audit tab)",
                timeout=20,
            )

        self.vc.run_io(
            lambda: fingerprints_or_why(gateway, [value]), done, description="fingerprint"
        )

    def action_older(self) -> None:
        self._step_version(-1)

    def action_newer(self) -> None:
        self._step_version(+1)

    def action_copy_path(self) -> None:
        """Copy the open secret's path (mount and path), never a value."""
        shown = self._shown()
        if shown is not None:
            self.app.copy_to_clipboard(shown.full_path)
            self.notify(f"Copied the path {shown.full_path}")

    def action_copy_command(self) -> None:
        """Copy the ``vault kv get`` command that reads the open secret (no value, no token)."""
        shown = self._shown()
        if shown is None:
            return
        command = kv_get_command(shown, self.vc.settings.namespace)
        self.app.copy_to_clipboard(command)
        self.notify(f"Copied: {command}")

    def action_compare(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.metadata is None or shown.secret.version is None:
            return
        self._with_values(lambda panel: self._compare(panel), "compared")

    def _compare(self, panel: SecretPanel) -> None:
        shown = panel.shown
        if shown is None or shown.metadata is None or shown.secret.version is None:
            return
        current = shown.secret.version
        readable = [
            v.version
            for v in shown.metadata.versions
            if v.state == "active" and v.version != current
        ]
        if shown.secret.data is None or not readable:
            self.notify("No other readable version to compare with", severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        new_data = dict(shown.secret.data)

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            other = int(choice)
            old_v, new_v = sorted((other, current))

            gateway = self.vc.gateway

            def compute() -> tuple[list[KeyChange], str]:  # in the worker: read, compare
                other_data = kv.read(shown.secret.path, other).data or {}
                old, new = (other_data, new_data) if other < current else (new_data, other_data)
                return with_fingerprints(gateway, diff_versions(old, new), old, new)

            def show(result: tuple[list[KeyChange], str]) -> None:  # widgets: on the UI thread
                changes, note = result
                self.app.push_screen(DiffScreen(shown.full_path, old_v, new_v, changes, note))

            self.vc.run_io(compute, show, description="compare versions")

        self.app.push_screen(
            ChoiceScreen(
                f"Compare version {current} with",
                [(str(v), f"version {v}") for v in reversed(readable)],
            ),
            chosen,
        )
