"""Small helpers shared by the TUI tests."""

from __future__ import annotations

from typing import TypeVar

from textual.pilot import Pilot
from textual.screen import Screen

ScreenT = TypeVar("ScreenT", bound=Screen)


def text_of(widget) -> str:
    """Plain text of a Static's content (str, rich Text, or any rich renderable)."""
    import os

    from rich.console import Console

    with open(os.devnull, "w") as null:
        console = Console(width=110, record=True, file=null)
        console.print(widget.content)
        return console.export_text()


async def open_screen(pilot: Pilot, key: str, screen_type: type[ScreenT]) -> ScreenT:
    """Press `key` in the app and return the screen it opened, checked to be a `screen_type`."""
    await pilot.press(key)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, screen_type)
    return screen


async def settle(pilot: Pilot) -> None:
    """Let thread workers (runs, traces) finish; the question-session worker waits on us."""
    busy = [w for w in pilot.app.workers if w.group != "questions"]
    if busy:  # an empty list would mean "all workers" to Textual
        await pilot.app.workers.wait_for_complete(busy)
    await pilot.pause()
    await pilot.pause()
