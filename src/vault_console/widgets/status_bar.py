"""The status line: address, server, seal state, namespace, token and its TTL."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from vault_console.config import Settings
from vault_console.text import escape_controls, format_ttl
from vault_console.vault.model import ServerStatus, TokenInfo

LOW_TTL_SECONDS = 600


class StatusBar(Static):
    """Attributes down: the app sets ``settings``, ``status``, ``token`` and ``error``."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    settings: reactive[Settings | None] = reactive(None)
    status: reactive[ServerStatus | None] = reactive(None)
    token: reactive[TokenInfo | None] = reactive(None)
    error: reactive[str] = reactive("")
    clipboard_left: reactive[int] = reactive(0)
    """Seconds before a copied value is cleared from the clipboard (0: none pending)."""
    tick: reactive[int] = reactive(0)
    """Bumped every second by the app so the TTL counts down."""

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        settings = self.settings
        if settings is None:
            return text
        if settings.read_only:
            text.append(" READ-ONLY ", style="bold reverse yellow")
            text.append(" ")
        if settings.no_values:
            text.append(" NO VALUES ", style="bold reverse cyan")
            text.append(" ")
        if self.clipboard_left:
            text.append(f" clipboard clears in {self.clipboard_left}s ", style="reverse")
            text.append(" ")
        # Everything but our own words is escaped: versions, names and errors are data.
        text.append(escape_controls(settings.address), style="bold")
        if settings.profile:
            text.append(f" [{escape_controls(settings.profile)}]", style="dim")
        text.append("  ")
        if self.error:
            text.append(f"✖ {escape_controls(self.error)}", style="bold red")
            return text
        status = self.status
        if status is None:
            text.append("connecting…", style="dim")
            return text
        text.append(escape_controls(f"{status.kind} {status.version}"))
        if status.sealed:
            text.append("  SEALED", style="bold red")
        else:
            text.append("  standby" if status.standby else "  active", style="green")
            if status.standby and status.leader == "":
                text.append(" · no active node", style="bold red")
        if settings.namespace:  # shown only when set: the line fits 80 columns
            text.append(escape_controls(f"  ns: {settings.namespace}"))
        token = self.token
        if token is None:
            # A token that is set but was not looked up (a sealed node) is not "none".
            said = "  token: set (not looked up)" if settings.token else "  token: none"
            text.append(said, style="yellow")
            return text
        text.append(
            escape_controls(f"  token: {token.display_name} ({', '.join(token.policies)})")[:200]
        )
        left = token.seconds_left()
        ttl_style = "bold red" if left is not None and left < LOW_TTL_SECONDS else ""
        text.append(f"  TTL {format_ttl(left)}", style=ttl_style)
        if left is not None and left < LOW_TTL_SECONDS:
            if settings.read_only:
                text.append(" (read-only: not renewed)", style="red")
            elif token.renewable:
                text.append(" (T to renew)", style="red")
        return text
