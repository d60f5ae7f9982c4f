"""`tutor lab` (and bare `tutor`): the Textual tutor."""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from tutor.commands._common import seed_value
from tutor.commands._terminal import ALTERNATIVES, tui_unavailable

#: Speeds accepted by --speed (model ms per wall second): the range `[` and `]` offer.
SPEED_RANGE = (0.1, 100.0)


def speed_value(text: str) -> float:
    """A finite speed within SPEED_RANGE (nan, inf and 0 are refused, not clamped)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    lo, hi = SPEED_RANGE
    if not lo <= value <= hi:  # also false for nan
        raise argparse.ArgumentTypeError(f"must be between {lo:g} and {hi:g} ms/s, got {text}")
    return value


def check_lesson(lesson: str, content_dir: Path | None) -> None:
    """Refuse an unknown --lesson before the TUI starts, listing the valid ids (exit 2)."""
    from tutor.cli import UsageError
    from tutor.quiz.loader import load_paths

    result = load_paths([content_dir] if content_dir is not None else None)
    known = [ls.id for ls in result.lessons]
    if lesson not in known:
        raise UsageError(
            f"--lesson: unknown lesson '{lesson}' (known: {', '.join(known) or 'none'})"
        )


def check_preset_and_lesson(args: argparse.Namespace) -> None:
    """Refuse an unknown --preset or --lesson before anything starts (exit 2): shared by
    `tutor lab` and `tutor serve`, which passes the same options to each session's lab."""
    from tutor.cli import UsageError

    if args.preset is not None:
        from tutor.lab.names import PRESET_NAMES

        if args.preset not in PRESET_NAMES:
            raise UsageError(
                f"--preset: unknown preset {args.preset!r} (one of {', '.join(PRESET_NAMES)})"
            )
    if args.lesson is not None:
        check_lesson(args.lesson, args.content_dir)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `lab` subcommand; textual is imported only when it runs."""
    p = subparsers.add_parser(
        "lab", help="the interactive tutor (default when no command is given)"
    )
    p.add_argument("--preset", help="preset to start with (default: textbook)")
    p.add_argument("--data-dir", type=Path, help="progress store folder (default: user data dir)")
    p.add_argument("--content", type=Path, dest="content_dir", help="lessons folder")
    p.add_argument(
        "--speed", type=speed_value, dest="speed_ms_per_s",
        help=f"model ms per second ({SPEED_RANGE[0]:g} … {SPEED_RANGE[1]:g})",
    )  # fmt: skip
    p.add_argument("--seed", type=seed_value, help="seed for drawn question parameters")
    p.add_argument("--lesson", help="lesson whose questions pop up in the lab (see Lessons, `l`)")
    p.add_argument("--no-questions", action="store_true", help="never open triggered questions")
    p.add_argument(
        "--confidence", action="store_true",
        help="certainty-based marking: say how sure you are (1-3) before each answer is graded",
    )  # fmt: skip
    p.add_argument(
        "--setup", type=Path, metavar="FILE",
        help="open a lab setup saved with S (stimulus, preset, blocks, temperature)",
    )  # fmt: skip
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the app with settings from the arguments and the environment."""
    from tutor.cli import UsageError

    check_preset_and_lesson(args)
    setup = None
    if args.setup is not None:
        from tutor.app.setups import SetupError, load_setup

        try:
            setup = load_setup(args.setup)
        except SetupError as exc:  # a file mistake: `path:line:col: error[CODE]: message`
            print(str(exc.problem), file=sys.stderr)  # (Problem prints control chars escaped)
            return 2
        except OSError as exc:
            raise UsageError(f"--setup: cannot read {args.setup}: {exc.strerror or exc}") from None
    why = tui_unavailable()
    if why is not None:
        from tutor.cli import EnvironmentProblem

        raise EnvironmentProblem(
            f"the full-screen tutor needs a terminal: {why} (try {ALTERNATIVES})"
        )
    from tutor.app.app import create_app

    app = create_app(
        preset=args.preset,
        data_dir=args.data_dir,
        content_dir=args.content_dir,
        speed_ms_per_s=args.speed_ms_per_s,
        # like plain mode: a fresh seed per session unless given, so option orders and drawn
        # parameters differ between learners (a learner's first order is kept on review)
        seed=args.seed if args.seed is not None else secrets.randbelow(1_000_000),
        questions=not args.no_questions,
        lesson=args.lesson,
        confidence=args.confidence,
        setup=setup,
    )
    app.run()
    return int(app.return_code or 0)
