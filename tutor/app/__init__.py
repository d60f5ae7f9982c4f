"""Textual shell of neuron-tutor (the only package that imports textual).

Public entry: :func:`tutor.app.app.create_app`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.app.app import TutorApp

__all__ = ["create_app", "run_quiz"]


def create_app(*args: Any, **kwargs: Any) -> TutorApp:
    """Lazy re-export so `import tutor.app` stays cheap."""
    from tutor.app.app import create_app as _create

    return _create(*args, **kwargs)


def run_quiz(args: argparse.Namespace) -> int:
    """`tutor quiz` in a terminal: the questions open as dialogs over the live lab.

    Takes the `tutor quiz` arguments (--lesson, --review, --seed, --data-dir,
    --content); answers go to the same progress store as plain mode.
    """
    import secrets
    from pathlib import Path

    from tutor.app.app import create_app

    content = getattr(args, "content", None) or []
    app = create_app(
        data_dir=Path(args.data_dir) if args.data_dir else None,
        seed=args.seed if args.seed is not None else secrets.randbelow(1_000_000),
        lesson=args.lesson,
        content_dir=Path(content[0]) if content else None,
        confidence=bool(getattr(args, "confidence", False)),
    )
    app.startup_quiz = (args.lesson, bool(args.review))
    app.run()
    return int(app.return_code or 0)
