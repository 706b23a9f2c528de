"""What the secret keys do: reveal, copy, versions, edit, new, metadata, delete, undelete,
destroy, compare. ``MainScreen`` (``screen.py``) inherits these and owns the layout, the
tabs and the navigation they use (``open_secret``, ``show_in_tree``, ``selected_mount``).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any, TypeVar

from textual.screen import Screen

from vault_console.errors import CasConflict, ChangedSinceOpened
from vault_console.host import ConsoleHost, host_of
from vault_console.messages import ShowAuditQuery
from vault_console.screens.edit import FormResult, FormScreen, JsonScreen, KeyValueForm
from vault_console.vault.model import KeyChange, MountInfo, SecretVersion, diff_versions
from vault_console.widgets.dialogs import ChoiceScreen, ConfirmScreen, ConflictScreen, DiffScreen
from vault_console.widgets.secret_panel import SecretPanel, ShownSecret
from vault_console.widgets.secret_tree import SecretTree

T = TypeVar("T")


def kv_get_command(shown: ShownSecret) -> str:
    """``vault kv get -mount=MOUNT PATH`` for the shown secret, shell-quoted; an older
    version adds ``-version=N``. Works with ``bao kv get`` too."""
    parts = ["vault", "kv", "get", f"-mount={shown.mount}"]
    latest = shown.metadata.current_version if shown.metadata else None
    if shown.kv_version == 2 and shown.secret.version and shown.secret.version != latest:
        parts.append(f"-version={shown.secret.version}")
    parts.append(shown.secret.path)
    return shlex.join(parts)


def _no_data(shown: ShownSecret, action: str) -> str:
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


class SecretActions(Screen[None]):
    """The secret actions of the main screen; the navigation they use is ``MainScreen``'s."""

    mounts: list[MountInfo]

    @property
    def vc(self) -> ConsoleHost:
        return host_of(self)

    def open_secret(self, mount: MountInfo, path: str, version: int | None = None) -> None:
        raise NotImplementedError  # MainScreen's

    def show_in_tree(self, mount: MountInfo, path: str) -> None:
        raise NotImplementedError  # MainScreen's

    def selected_mount(self) -> MountInfo | None:
        raise NotImplementedError  # MainScreen's

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

    def _values(self) -> SecretPanel | None:
        """The panel, when the open secret has values to act on; else a notice says why."""
        shown = self._shown()
        if shown is None:
            return None
        if shown.secret.data is None:
            self.notify(_no_data(shown, "shown"), severity="warning")
            return None
        return self.query_one(SecretPanel)

    def action_reveal_value(self) -> None:
        panel = self._values()
        if panel is None:
            return
        if panel.selected_key() is None:
            self.notify("This version has no keys", severity="warning")
            return
        panel.action_reveal()

    def action_reveal_all(self) -> None:
        panel = self._values()
        if panel is not None:
            panel.action_reveal_all()

    def action_hide_values(self) -> None:
        panel = self._values()
        if panel is not None:
            panel.action_hide()

    def action_copy_value(self) -> None:
        panel = self._values()
        if panel is not None:
            panel.action_copy()

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

    def action_older(self) -> None:
        self._step_version(-1)

    def action_newer(self) -> None:
        self._step_version(+1)

    def action_edit(self) -> None:
        self._open_editor("form")

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
        command = kv_get_command(shown)
        self.app.copy_to_clipboard(command)
        self.notify(f"Copied: {command}")

    def action_json_view(self) -> None:
        """The whole secret as JSON (masked until revealed); it can be edited there too."""
        self._open_editor("json")

    def _open_editor(self, editor: str) -> None:
        shown = self._shown()
        if shown is None:
            return
        if shown.secret.data is None:
            self.notify(_no_data(shown, "edited"), severity="warning")
            return
        self._edit(shown, dict(shown.secret.data), editor)

    def _edit(self, shown: ShownSecret, data: dict[str, Any], editor: str = "form") -> None:
        cas: int | None = None
        older: int | None = None
        note = (
            "KV v1 has no check-and-set: the last write wins. The secret is read again "
            "just before saving, and the save stops if it changed since you opened it."
        )
        if shown.kv_version == 2:
            latest = (
                shown.metadata.current_version if shown.metadata else shown.secret.version
            ) or 0
            cas = latest
            note = f"Saving writes only if version {cas} is still the latest (check-and-set)."
            if shown.secret.version is not None and shown.secret.version < latest:
                older = latest
                note = (
                    f"Editing from version {shown.secret.version} of {latest}: saving makes "
                    f"version {latest + 1} from this data, replacing what version {latest} "
                    "holds. " + note
                )
        kv = self.vc.gateway.kv(self._mount_of(shown))
        opened = shown.secret.data

        def write(result: FormResult, form: FormScreen) -> None:
            def conflict(exc: BaseException) -> bool:
                if not isinstance(exc, CasConflict | ChangedSinceOpened):
                    return False  # said in the form

                def answer(choice: str | None) -> None:
                    if choice == "reload" and self.app.screen is form:
                        form.dismiss(None)
                        self._reopen(shown)

                form.save_failed(f"{shown.full_path} changed since you opened it.")
                loaded = exc.expected if isinstance(exc, CasConflict) else None
                self.app.push_screen(ConflictScreen(shown.full_path, loaded), answer)
                return True

            def send() -> int | None:
                if shown.kv_version == 1:
                    kv.write_unless_changed(shown.secret.path, result.data, opened)
                    return None
                return kv.write(shown.secret.path, result.data, cas)

            self._write(
                form,
                send,
                lambda version: self._saved(shown, version),
                description=f"write {shown.full_path}",
                on_error=conflict,
            )

        def submit(result: FormResult, form: FormScreen) -> None:
            if result.data == opened and older is None:
                # Nothing changed: writing would only make an identical new version.
                form.dismiss(None)
                self.notify(f"No changes: {shown.full_path} was not written")
                return
            if older is None:
                write(result, form)
                return

            def answer(yes: bool | None) -> None:
                if yes:
                    write(result, form)
                else:
                    form.save_failed("You chose to keep editing.")

            self.app.push_screen(
                ConfirmScreen(
                    "Save over newer versions?",
                    f"You edited version {shown.secret.version}; version {older} is the "
                    f"latest. Saving makes version {older + 1} from your edit, so the "
                    f"changes made in versions after {shown.secret.version} are no longer "
                    "in the latest version (they stay in the history).",
                ),
                answer,
            )

        if editor == "json":
            self.app.push_screen(
                JsonScreen(
                    f"{shown.full_path} as JSON",
                    data,
                    path=shown.secret.path,
                    note=note,
                    can_edit=not self.vc.settings.read_only,
                    submit=submit,
                )
            )
            return
        self.app.push_screen(
            KeyValueForm(
                f"Edit {shown.full_path}", data, path=shown.secret.path, note=note, submit=submit
            )
        )

    def _write(
        self,
        form: FormScreen,
        work: Callable[[], T],
        done: Callable[[T], None],
        *,
        description: str,
        on_error: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Run a form's write in a worker. The form closes only when the write succeeded;
        a refusal is said inside it, with the input as typed (see FormScreen). Nothing is
        retried: a resend would repeat input the operator has not looked at again."""

        def succeeded(value: T) -> None:
            if self.app.screen is form:
                form.dismiss(None)
            done(value)

        def failed(exc: BaseException) -> bool:
            if on_error is not None and on_error(exc):
                return True
            if form not in self.app.screen_stack:
                return False  # closed some other way: the usual dialog says it
            problem = self.vc.problem(exc)
            form.save_failed(f"{problem.title}: {problem.message}")
            return True

        self.vc.run_io(work, succeeded, description=description, on_error=failed)

    def _created(self, shown: ShownSecret, version: int | None) -> None:
        self._saved(shown, version)
        self.show_in_tree(self._mount_of(shown), shown.secret.path)

    def _saved(self, shown: ShownSecret, version: int | None) -> None:
        self.notify(f"Saved {shown.full_path}" + (f" as version {version}" if version else ""))
        self._reopen(shown)

    def action_new_secret(self) -> None:
        mount = self.selected_mount()
        if mount is None:
            self.notify("Select a KV mount or folder in the tree first", severity="warning")
            return
        folder = self.query_one(SecretTree).cursor_folder()
        kv = self.vc.gateway.kv(mount)

        def submit(result: FormResult, form: FormScreen) -> None:
            shown = ShownSecret(
                mount.path.rstrip("/"),
                kv.version,
                SecretVersion(result.path, None, None),
                None,
            )

            def exists(exc: BaseException) -> bool:
                if not isinstance(exc, CasConflict):
                    return False
                form.save_failed(
                    f"path: {mount.path}{result.path} already exists; nothing was written. "
                    "Choose another path, or open that secret and edit it."
                )
                return True

            self._write(
                form,
                lambda: kv.write(result.path, result.data, 0 if kv.version == 2 else None),
                lambda version: self._created(shown, version),
                description=f"create {mount.path}{result.path}",
                on_error=exists,
            )

        self.app.push_screen(
            KeyValueForm(
                f"New secret in {mount.path}", {}, path=folder, ask_path=True, submit=submit
            )
        )

    def action_edit_metadata(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None:
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        current = dict(shown.metadata.custom_metadata) if shown.metadata else {}

        def submit(result: FormResult, form: FormScreen) -> None:
            # Only what the user changed is sent (a merge patch): keys another client set
            # since this secret was opened are left alone.
            changes: dict[str, str | None] = {
                k: v for k, v in result.data.items() if current.get(k) != v
            }
            changes.update({k: None for k in current if k not in result.data})
            if not changes:
                form.dismiss(None)
                self.notify(f"No changes: the metadata of {shown.full_path} was not written")
                return
            self._write(
                form,
                lambda: kv.patch_custom_metadata(shown.secret.path, changes),
                lambda _: self._saved(shown, None),
                description=f"write metadata of {shown.full_path}",
            )

        self.app.push_screen(
            KeyValueForm(
                f"Custom metadata of {shown.full_path}",
                current,
                path=shown.secret.path,
                secret_values=False,
                note="Metadata is not secret: it shows in plain text and in audit logs.",
                submit=submit,
            )
        )

    def _confirm_then(
        self, title: str, detail: str, work: Any, shown: ShownSecret, word: str | None = None
    ) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self.vc.run_io(work, lambda _: self._after_change(shown, title), description=title)

        self.app.push_screen(ConfirmScreen(title, detail, word), answer)

    def _after_change(self, shown: ShownSecret, what: str) -> None:
        self.notify(f"Done: {what}")
        if shown.kv_version == 2:
            self._reopen(shown, shown.secret.version)
        else:
            self.query_one(SecretPanel).shown = None

    def action_delete(self) -> None:
        shown = self._shown()
        if shown is None:
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        path = shown.secret.path
        if shown.kv_version == 1:
            self._confirm_then(
                f"Delete {shown.full_path}",
                "KV v1 keeps no versions: the secret is gone for good.",
                lambda: kv.delete_latest(path),
                shown,
                word="delete",
            )
            return
        version = shown.secret.version
        assert version is not None
        if shown.secret.state != "active":
            self.notify(_no_data(shown, "deleted again"), severity="warning")
            return
        self._confirm_then(
            f"Delete version {version} of {shown.full_path}",
            "A soft delete: the version can be undeleted later.",
            lambda: kv.delete_versions(path, [version]),
            shown,
        )

    def action_undelete(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.secret.version is None:
            return
        if shown.secret.state != "deleted":
            why = (
                _no_data(shown, "undeleted")
                if shown.secret.destroyed
                else f"Version {shown.secret.version} is not deleted: nothing to undelete"
            )
            self.notify(why, severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        version = shown.secret.version
        self._confirm_then(
            f"Undelete version {version} of {shown.full_path}",
            "The version's data becomes readable again.",
            lambda: kv.undelete_versions(shown.secret.path, [version]),
            shown,
        )

    def action_destroy(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.secret.version is None:
            return
        if shown.secret.destroyed:
            self.notify(_no_data(shown, "destroyed again"), severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        version = shown.secret.version
        self._confirm_then(
            f"Destroy version {version} of {shown.full_path}",
            "Destroying removes this version's data permanently. It cannot be undone.",
            lambda: kv.destroy_versions(shown.secret.path, [version]),
            shown,
            word="destroy",
        )

    def action_compare(self) -> None:
        shown = self._shown(need_v2=True)
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

            def compute() -> list[KeyChange]:  # in the worker: read, then compare
                other_data = kv.read(shown.secret.path, other).data or {}
                old, new = (other_data, new_data) if other < current else (new_data, other_data)
                return diff_versions(old, new)

            def show(changes: list[KeyChange]) -> None:  # widgets are made on the UI thread
                self.app.push_screen(DiffScreen(shown.full_path, old_v, new_v, changes))

            self.vc.run_io(compute, show, description="compare versions")

        self.app.push_screen(
            ChoiceScreen(
                f"Compare version {current} with",
                [(str(v), f"version {v}") for v in reversed(readable)],
            ),
            chosen,
        )
