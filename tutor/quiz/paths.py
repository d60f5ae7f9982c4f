"""Where the shipped content lives (`content/` in a checkout, `tutor/_shipped/content`
installed) and where progress is kept (`data_dir`).

The wheel force-includes the repository's `content/` as `tutor/_shipped/content`
(see pyproject.toml), so the same code finds the lessons whether it runs from a
git checkout (the editable install used in development and tests) or from an
installed package.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def content_dir() -> Path:
    """The default lessons folder: the checkout's `content/` if present, else the shipped copy."""
    checkout = _PACKAGE_DIR.parent / "content"
    if checkout.is_dir() and (_PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE_DIR / "_shipped" / "content"


#: Environment variable naming the progress folder (`--data-dir` wins over it).
ENV_DATA_DIR = "TUTOR_DATA_DIR"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where progress lives: `--data-dir`, else $TUTOR_DATA_DIR, else the platform user data dir.

    Here, not in `tutor.quiz.store` (which re-exports it), so the TUI can find its
    small state file at start without importing the store, FSRS and the grading models
    while the engine is being built."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("neuron-tutor"))
