"""Whether the full-screen TUI can run in this terminal, and why not.

Textual draws with escape sequences on stderr and reads keys from stdin; on a
pipe, a file or a terminal that declares it cannot move the cursor
(`TERM=dumb`, Emacs' shell, some CI logs) it would fill the output with escape
codes and never end. `tutor lab` then refuses in one line, naming the plain
alternatives; `tutor quiz` falls back to its plain mode. Under `tutor serve`
textual-serve sets TEXTUAL_DRIVER (its web driver talks to the browser, not to a
terminal), so none of this applies there. Windows consoles do not set TERM, so
TERM is only consulted elsewhere.
"""

from __future__ import annotations

import os
import sys

#: TERM values of terminals that cannot address the cursor.
DUMB_TERMS = ("dumb", "unknown")
ALTERNATIVES = "`tutor quiz --plain`, `tutor simulate`, or `tutor serve` for a web browser"


def _is_tty(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):  # closed or replaced streams
        return False


def tui_unavailable() -> str | None:
    """Why the full-screen TUI cannot run here (one clause), or None when it can."""
    if os.environ.get("TEXTUAL_DRIVER"):  # textual-serve's web driver (or a chosen driver)
        return None
    if not (_is_tty(sys.stdin) and _is_tty(sys.__stdin__)):
        return "stdin is not a terminal"
    if not (_is_tty(sys.stderr) and _is_tty(sys.__stderr__)):
        return "stderr, where the screen is drawn, is not a terminal"
    if os.name != "nt":
        term = os.environ.get("TERM", "").strip()
        if not term:
            return "TERM is not set, so the terminal's capabilities are unknown"
        if term.lower() in DUMB_TERMS:
            return f"TERM={term} cannot move the cursor"
    return None
