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

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class FittingFooter(Footer):
    """`Footer` that hides the keys that would be cut instead of cutting them.

    Widths are worked out from the keys' text and the footer's CSS (compact: `k Desc`
    and one column between keys; otherwise ` k Desc `), not from the laid-out regions:
    a footer whose screen is under a modal dialog is recomposed (its bindings change)
    but never laid out again until it is on top.
    """

    async def recompose(self) -> None:
        """Rebuild the keys (Textual does on every binding change), then fit them."""
        await super().recompose()
        self.fit_keys()

    def on_resize(self, event: events.Resize) -> None:
        """A new width: every key back, then fitted again."""
        self.call_after_refresh(self.recompose)

    def key_width(self, key: FooterKey) -> int:
        """Columns `key` takes, the space after it included."""
        text = cell_len(key.key_display) + (1 + cell_len(key.description) if key.description else 0)
        return text + 1 if self.compact else text + 3  # compact: a margin; else padding

    def palette_width(self) -> int:
        """Columns of the docked command-palette key (0 when it is not shown)."""
        for key in self.query(FooterKey):
            if key.has_class("-command-palette"):
                text = cell_len(key.key_display) + 1 + cell_len(key.description)
                # its left border and padding; docked, it stops one column short of the edge
                return 1 + text + (0 if self.compact else 3) + 1
        return 0

    def fit_keys(self) -> None:
        """Hide every key from the first that would end under the palette key."""
        width = self.size.width
        if not width:
            return  # not laid out yet: `on_resize` fits it
        limit = width - self.palette_width()
        x, overflow = 0, False
        for key in self.query(FooterKey):
            if key.has_class("-command-palette"):
                continue
            step = self.key_width(key)
            overflow = overflow or x + step - 1 > limit  # its text ends at x + step - 1
            x += step
            if overflow:
                key.display = False
