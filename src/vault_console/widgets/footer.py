"""Textual's footer, recomposed only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable

from textual import widgets


class Footer(widgets.Footer):
    """Textual's ``Footer`` that skips a recompose which would draw the same keys.

    Textual recomposes the footer on every bindings signal: each focus change, tab switch
    and screen resume. At start-up that was six recomposes in a row with the same keys,
    each one mounting and styling every key again: about a fifth of a second of the main
    thread, while the first request was waiting for it.
    """

    _drawn: tuple[Hashable, ...] | None = None

    def _keys(self) -> tuple[Hashable, ...]:
        """What the footer's compose reads: the shown bindings and whether they are live."""
        return (
            self.show_command_palette,
            *(
                (binding.key, binding.action, binding.description, binding.group, enabled, tip)
                for _, binding, enabled, tip in self.screen.active_bindings.values()
                if binding.show or binding.action == "command_palette"
            ),
        )

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._drawn:
            return
        self._drawn = keys
        await super().recompose()
