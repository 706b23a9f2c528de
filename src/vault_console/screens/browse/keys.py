"""The browser's keys: each binding with its id (users remap by id), which actions change
the server (read-only mode hides and refuses them), which work only on the Secrets tab."""

from __future__ import annotations

from textual.binding import Binding, BindingType

WRITE_ACTIONS = frozenset(
    {
        "edit",
        "set_keys",
        "new_secret",
        "edit_metadata",
        "delete",
        "undelete",
        "destroy",
        "renew_token",
    }
)
"""Actions that change the server; read-only mode hides and disables them."""

TABS = Binding.Group("Tabs", compact=True)

SECRETS_TAB_ACTIONS = WRITE_ACTIONS - {"renew_token"} | {
    "reveal_value",
    "reveal_all",
    "hide_values",
    "copy_value",
    "fingerprint",
    "older",
    "newer",
    "compare",
    "access_history",
    "index_mount",
    "json_view",
    "copy_path",
    "copy_command",
}
"""Actions about the secret tree and panel: live only on the Secrets tab."""


VALUE_ACTIONS = frozenset(
    {"reveal_value", "reveal_all", "copy_value", "fingerprint", "json_view", "compare", "edit"}
)
"""Actions that need the values: off with ``--no-values`` (the transport refuses them too)."""

BINDINGS: list[BindingType] = [
    # The footer fits 80 columns: the tabs as one compact "1234 Tabs", and the keys
    # that are not the first a user looks for (c, o, q, ...) only in help (?).
    Binding("1", "show_tab('mounts')", "Mounts", id="browse.mounts", group=TABS),
    Binding("2", "show_tab('secrets')", "Secrets", id="browse.secrets", group=TABS),
    Binding("3", "show_tab('audit')", "Audit", id="browse.audit", group=TABS),
    Binding("4", "show_tab('review')", "Review", id="browse.review", group=TABS),
    Binding("r", "reveal_value", "Reveal", id="secret.reveal"),
    Binding("R", "reveal_all", "Reveal all", show=False, id="secret.reveal-all"),
    Binding("h", "hide_values", "Hide", show=False, id="secret.hide"),
    Binding("c", "copy_value", "Copy value", show=False, id="secret.copy"),
    Binding("f", "fingerprint", "Fingerprint", show=False, id="secret.fingerprint"),
    Binding("A", "access_history", "Access history", show=False, id="secret.access-history"),
    Binding("slash", "filter", "Filter", id="browse.filter"),
    Binding("o", "open_path", "Open path", show=False, id="browse.open-path"),
    Binding("i", "index_mount", "Index mount", show=False, id="browse.index-mount"),
    Binding("ctrl+r", "reload", "Reload", show=False, id="browse.reload"),
    Binding("left_square_bracket", "older", "Older version", show=False, id="secret.older"),
    Binding("right_square_bracket", "newer", "Newer version", show=False, id="secret.newer"),
    Binding("D", "compare", "Compare versions", show=False, id="secret.compare"),
    Binding("e", "edit", "Edit", id="secret.edit"),
    Binding("K", "set_keys", "Set keys (no read)", show=False, id="secret.set-keys"),
    Binding("n", "new_secret", "New", id="secret.new"),
    Binding("m", "edit_metadata", "Metadata", show=False, id="secret.edit-metadata"),
    Binding("J", "json_view", "JSON view", show=False, id="secret.json"),
    Binding("y", "copy_path", "Copy path", show=False, id="secret.copy-path"),
    Binding("Y", "copy_command", "Copy vault kv get", show=False, id="secret.copy-command"),
    Binding("d", "delete", "Delete version", show=False, id="secret.delete"),
    Binding("u", "undelete", "Undelete version", show=False, id="secret.undelete"),
    Binding("X", "destroy", "Destroy version", show=False, id="secret.destroy"),
    Binding("W", "setup_wizard", "Setup", id="setup.wizard"),
]
