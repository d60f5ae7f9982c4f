"""Small helpers shared by the TUI tests."""

from __future__ import annotations


def text_of(widget) -> str:
    """Plain text of a Static's content (str, rich Text, or any rich renderable)."""
    import os

    from rich.console import Console

    with open(os.devnull, "w") as null:
        console = Console(width=110, record=True, file=null)
        console.print(widget.content)
        return console.export_text()
