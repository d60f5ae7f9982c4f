"""`tutor lab` (and bare `tutor`): the Textual tutor."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `lab` subcommand; textual is imported only when it runs."""
    p = subparsers.add_parser(
        "lab", help="the interactive tutor (default when no command is given)"
    )
    p.add_argument("--preset", help="preset to start with (default: textbook)")
    p.add_argument("--data-dir", type=Path, help="progress store folder (default: user data dir)")
    p.add_argument("--content", type=Path, dest="content_dir", help="lessons folder")
    p.add_argument("--speed", type=float, dest="speed_ms_per_s", help="model ms per second")
    p.add_argument("--seed", type=int, help="seed for drawn question parameters")
    p.add_argument("--lesson", help="lesson whose questions pop up in the lab (see Lessons, `l`)")
    p.add_argument("--no-questions", action="store_true", help="never open triggered questions")
    p.add_argument(
        "--confidence", action="store_true",
        help="certainty-based marking: say how sure you are (1-3) before each answer is graded",
    )  # fmt: skip
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the app with settings from the arguments and the environment."""
    from tutor.cli import UsageError

    if args.preset is not None:
        from tutor.lab.names import PRESET_NAMES

        if args.preset not in PRESET_NAMES:
            raise UsageError(
                f"--preset: unknown preset {args.preset!r} (one of {', '.join(PRESET_NAMES)})"
            )
    if args.speed_ms_per_s is not None and args.speed_ms_per_s <= 0:
        raise UsageError("--speed: must be > 0")
    from tutor.app.app import create_app

    app = create_app(
        preset=args.preset,
        data_dir=args.data_dir,
        content_dir=args.content_dir,
        speed_ms_per_s=args.speed_ms_per_s,
        seed=args.seed,
        questions=not args.no_questions,
        lesson=args.lesson,
        confidence=args.confidence,
    )
    app.run()
    return int(app.return_code or 0)
