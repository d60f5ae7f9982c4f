"""Whether the getting-started panel has been shown: a small state file in the data dir.

Why a file and not the progress store: the store is SQLite, opened lazily when a
question is graded; reading it before the first frame would slow every launch. One
JSON file (``ui-state.json``) beside it is read once at start. Any error (a read-only
or missing folder, a damaged file) means "not seen" and is never fatal: the panel then
simply shows again next time.
"""

from __future__ import annotations

import json
from pathlib import Path

STATE_FILE = "ui-state.json"
_KEY = "getting_started_seen"


def state_path(data_dir: Path | None) -> Path:
    """The state file in the progress folder (`--data-dir`, TUTOR_DATA_DIR or the default)."""
    from tutor.quiz.paths import data_dir as resolve  # light: not the store

    return resolve(data_dir) / STATE_FILE


def seen(data_dir: Path | None) -> bool:
    """Whether the getting-started panel was shown before (False on any error)."""
    try:
        state = json.loads(state_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and state.get(_KEY) is True


def mark_seen(data_dir: Path | None) -> bool:
    """Remember that the panel was shown; False (nothing raised) if it cannot be written."""
    try:
        path = state_path(data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        if not isinstance(state, dict):
            state = {}
        state[_KEY] = True
        path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    except OSError:
        return False
    return True
