"""The tabs whose widgets mount on their first visit, and the panel class of each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vault_console.widgets.secret_panel import SecretPanel

if TYPE_CHECKING:
    from vault_console.widgets.audit_panel import AuditPanel
    from vault_console.widgets.review_panel import ReviewPanel

    Panel = SecretPanel | AuditPanel | ReviewPanel

LAZY_TABS = ("secrets", "audit", "review")
"""Tabs whose widgets are mounted on the first visit (key, click or palette), not at start-up.

They were 48 of the screen's 78 widgets, and composing and styling them delayed the first
frame of the mounts view (see bench/startup.py); the Audit and Review tabs' modules (the
audit reader, the policy matcher, pygments for HCL) load then too.
"""


def panel_class(tab: str) -> type[SecretPanel | AuditPanel | ReviewPanel]:
    """The panel class of a lazy tab (the one that has the tab's bindings)."""
    if tab == "secrets":
        return SecretPanel
    if tab == "audit":
        from vault_console.widgets.audit_panel import AuditPanel

        return AuditPanel
    if tab == "review":
        from vault_console.widgets.review_panel import ReviewPanel

        return ReviewPanel
    raise ValueError(f"{tab!r} is not a lazy tab")
