"""Where the shipped content lives: `content/` in a checkout, `tutor/_shipped/content` installed.

The wheel force-includes the repository's `content/` as `tutor/_shipped/content`
(see pyproject.toml), so the same code finds the lessons whether it runs from a
git checkout (the editable install used in development and tests) or from an
installed package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def content_dir() -> Path:
    """The default lessons folder: the checkout's `content/` if present, else the shipped copy."""
    checkout = _PACKAGE_DIR.parent / "content"
    if checkout.is_dir() and (_PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE_DIR / "_shipped" / "content"
