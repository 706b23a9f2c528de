"""What the secret keys that write do: edit (form or JSON), new, custom metadata, delete,
undelete, destroy. Each write keeps what the user did not touch, and a refused write keeps
the input in its form. ``MainScreen`` (``screen.py``) inherits these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from vault_console.errors import CasConflict, ChangedSinceOpened, ErrorKind
from vault_console.screens.browse.values import ValueActions, no_data
from vault_console.screens.edit import FormScreen, JsonScreen, KeyValueForm
from vault_console.screens.form_input import FormResult
from vault_console.vault.model import SecretVersion, ShownSecret
from vault_console.widgets.dialogs import ConfirmScreen, ConflictScreen
from vault_console.widgets.secret_panel import SecretPanel
from vault_console.widgets.secret_tree import SecretTree

if TYPE_CHECKING:  # the KV layer loads hvac: the console imports it with its first request
    from vault_console.vault.kv import KvStore

T = TypeVar("T")


class SecretActions(ValueActions):
    """The main screen's writing secret actions."""

    def action_edit(self) -> None:
        self._open_editor("form")

    def action_json_view(self) -> None:
        """The whole secret as JSON (masked until revealed); it can be edited there too."""
        self._open_editor("json")

    def _open_editor(self, editor: str) -> None:
        def edit(panel: SecretPanel) -> None:
            if panel.shown is not None and panel.shown.secret.data is not None:
                self._edit(panel.shown, dict(panel.shown.secret.data), editor)

        self._with_values(edit, "edited")

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
                versioned=(kv, shown.secret.path, cas) if cas is not None else None,
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
                    f"{shown.full_path} as JSON" + self.in_namespace(),
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
                f"Edit {shown.full_path}" + self.in_namespace(),
                data,
                path=shown.secret.path,
                note=note,
                submit=submit,
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
        versioned: tuple[KvStore, str, int] | None = None,
    ) -> None:
        """Run a form's write in a worker. The form closes only when the write succeeded;
        a refusal is said inside it, with the input as typed (see FormScreen). Nothing is
        retried: a resend would repeat input the operator has not looked at again.

        ``versioned`` (store, path, the version the check-and-set expects): a write that
        timed out has an unknown outcome (a cluster may still apply a held request), so
        the server is asked which version it holds, and the form says so."""

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
            self.vc.refresh_status()  # a sealed node, no active node: the status bar says so
            if problem.kind is ErrorKind.TIMEOUT and versioned is not None:
                self._check_outcome(form, *versioned)
            return True

        self.vc.run_io(work, succeeded, description=description, on_error=failed)

    def _check_outcome(self, form: FormScreen, kv: KvStore, path: str, expected: int) -> None:
        """After a timed-out write: which version does the server hold now?"""
        start = (
            "Not known whether it was saved: the server did not answer in time, and a "
            "cluster may still apply a request it holds."
        )
        form.save_failed(f"{start} Checking which version the server holds…", known=False)

        def held(version: int) -> None:
            if version > expected:
                said = (
                    f"It now holds version {version} (you edited version {expected}): your "
                    "write was probably applied. Close the form to see it before saving again."
                )
            else:
                said = (
                    f"It still holds version {expected}: your write is not there (yet). Saving "
                    "again is safe: check-and-set refuses it if the held write lands first."
                )
            if form in self.app.screen_stack:
                form.save_failed(f"{start} {said}", known=False)

        def unknown(exc: BaseException) -> bool:
            if form in self.app.screen_stack:
                why = self.vc.problem(exc).message
                form.save_failed(f"{start} It could not be checked either ({why}).", known=False)
            return True

        self.vc.run_io(
            lambda: kv.metadata(path).current_version or 0,
            held,
            description=f"check {path}",
            on_error=unknown,
        )

    def _created(self, shown: ShownSecret, version: int | None) -> None:
        self._saved(shown, version)
        self.show_in_tree(self._mount_of(shown), shown.secret.path)

    def _saved(self, shown: ShownSecret, version: int | None) -> None:
        self.notify(f"Saved {shown.full_path}" + (f" as version {version}" if version else ""))
        self._reopen(shown)
        self.vc.refresh_status()  # after a failover this node may be active now

    def action_set_keys(self) -> None:
        """Set some keys without reading the others: a PATCH with check-and-set when the
        token may patch, else read-modify-write with check-and-set; said after saving."""
        shown = self._shown(need_v2=True)
        if shown is None or shown.secret.version is None:
            return
        if shown.secret.state != "active":
            self.notify(no_data(shown, "changed"), severity="warning")
            return
        latest = shown.metadata.current_version if shown.metadata else shown.secret.version
        if shown.secret.version != latest:
            self.notify("Open the latest version to set keys on it ([ and ])", severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))

        def submit(result: FormResult, form: FormScreen) -> None:
            if not result.data:
                form.save_failed("Add a key and its value; nothing was written.")
                return

            def conflict(exc: BaseException) -> bool:
                if not isinstance(exc, CasConflict):
                    return False
                form.save_failed(f"{shown.full_path} changed since you opened it.")
                self.app.push_screen(ConflictScreen(shown.full_path, exc.expected))
                return True

            def saved(answer: tuple[int, str]) -> None:
                version, how = answer
                self._saved(shown, version)
                self.notify(
                    "Sent as a PATCH: the other keys were neither read nor sent"
                    if how == "patch"
                    else "This token may not patch: the secret was read, changed and written "
                    "back with check-and-set"
                )

            self._write(
                form,
                lambda: kv.set_keys(shown.secret.path, result.data, latest),
                saved,
                description=f"set keys of {shown.full_path}",
                on_error=conflict,
                versioned=(kv, shown.secret.path, latest or 0),
            )

        keys = ", ".join(sorted(shown.secret.subkeys or shown.secret.data or {})) or "none"
        self.app.push_screen(
            KeyValueForm(
                f"Set keys of {shown.full_path}" + self.in_namespace(),
                {},
                path=shown.secret.path,
                note=f"Only the keys added here are sent; the others ({keys}) keep their "
                f"values, unread. Saving writes only if version {latest} is still the latest.",
                submit=submit,
            )
        )

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
                f"New secret in {mount.path}" + self.in_namespace(),
                {},
                path=folder,
                ask_path=True,
                submit=submit,
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
                f"Custom metadata of {shown.full_path}" + self.in_namespace(),
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
                f"Delete {shown.full_path}" + self.in_namespace(),
                "KV v1 keeps no versions: the secret is gone for good.",
                lambda: kv.delete_latest(path),
                shown,
                word="delete",
            )
            return
        version = shown.secret.version
        assert version is not None
        if shown.secret.state != "active":
            self.notify(no_data(shown, "deleted again"), severity="warning")
            return
        self._confirm_then(
            f"Delete version {version} of {shown.full_path}" + self.in_namespace(),
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
                no_data(shown, "undeleted")
                if shown.secret.destroyed
                else f"Version {shown.secret.version} is not deleted: nothing to undelete"
            )
            self.notify(why, severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        version = shown.secret.version
        self._confirm_then(
            f"Undelete version {version} of {shown.full_path}" + self.in_namespace(),
            "The version's data becomes readable again.",
            lambda: kv.undelete_versions(shown.secret.path, [version]),
            shown,
        )

    def action_destroy(self) -> None:
        shown = self._shown(need_v2=True)
        if shown is None or shown.secret.version is None:
            return
        if shown.secret.destroyed:
            self.notify(no_data(shown, "destroyed again"), severity="warning")
            return
        kv = self.vc.gateway.kv(self._mount_of(shown))
        version = shown.secret.version
        self._confirm_then(
            f"Destroy version {version} of {shown.full_path}" + self.in_namespace(),
            "Destroying removes this version's data permanently. It cannot be undone.",
            lambda: kv.destroy_versions(shown.secret.path, [version]),
            shown,
            word="destroy",
        )
