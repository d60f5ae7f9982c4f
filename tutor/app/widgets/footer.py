"""A footer that shows whole keys only.

Textual's `Footer` lays its keys out in one row and docks the command-palette key
over the right end: at some widths a key runs under it and is cut mid-word
(`e TE▏^p palette` at 100 columns). The screens list their keys in the order a
newcomer needs them, so `FittingFooter` keeps that order and hides, after each
layout, every key from the first one that does not end before the palette key (or
the footer's edge): what is shown is whole, and what is hidden is in help (`?`)
and the command palette.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class FittingFooter(Footer):
    """`Footer` that hides the keys that would be cut instead of cutting them."""

    async def recompose(self) -> None:
        """Rebuild the keys (Textual does on every binding change), then fit them."""
        await super().recompose()
        self.call_after_refresh(self.fit_keys)

    def on_resize(self, event: events.Resize) -> None:
        """A new width: every key back, laid out, then fitted again."""
        self.call_after_refresh(self.recompose)

    def limit_x(self) -> int:
        """Screen column where the keys must end: the palette key's left edge, if shown."""
        palettes = [k for k in self.query(FooterKey) if k.has_class("-command-palette")]
        if palettes and palettes[0].region.width:
            return palettes[0].region.x
        return self.region.right

    def fit_keys(self) -> None:
        """Hide every key from the first that does not end before `limit_x`."""
        if not self.region.width:
            return
        limit = self.limit_x()
        overflow = False
        for key in self.query(FooterKey):
            if key.has_class("-command-palette"):
                continue
            overflow = overflow or key.region.right > limit
            if overflow and key.display:
                key.display = False
