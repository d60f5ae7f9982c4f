"""`tutor quiz`: answer lesson questions; `--plain` is the line mode for screen readers and pipes.

Without `--plain`, the interactive TUI quiz is used when both ends are a
terminal and `tutor.app` provides `run_quiz(args) -> int`; otherwise (pipes,
scripts, or no TUI yet) the plain line mode runs, so `tutor quiz < answers.txt`
always works.
"""

from __future__ import annotations

import argparse
import sys

from tutor.cli import UsageError
from tutor.commands._common import seed_value
from tutor.commands._terminal import tui_unavailable


def add_store_args(parser: argparse.ArgumentParser) -> None:
    """`--data-dir` and `--content`, shared by quiz and progress."""
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where progress is kept (default: $TUTOR_DATA_DIR or the user data dir)",
    )
    parser.add_argument(
        "--content",
        metavar="PATH",
        action="append",
        help="lesson file or folder to use instead of the shipped lessons (repeatable)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `quiz` subcommand."""
    parser = subparsers.add_parser("quiz", help="answer questions (plain line mode with --plain)")
    parser.add_argument("--lesson", metavar="ID", help="only this lesson's questions")
    parser.add_argument("--plain", action="store_true", help="line mode: one answer per line")
    parser.add_argument("--review", action="store_true", help="only questions due for review")
    parser.add_argument(
        "--seed", type=seed_value, metavar="N", help="seed for drawn parameters (0 … 2⁶³−1)"
    )
    parser.add_argument(
        "--confidence", action="store_true", help="ask how sure you are (1-3) after each answer"
    )
    add_store_args(parser)
    parser.set_defaults(handler=run)


def load_content(paths: list[str] | None):
    """Lessons that validate; problems are summarised on stderr in one line, not fatal."""
    from pathlib import Path

    from tutor.quiz.loader import load_paths

    if paths:
        for p in paths:
            if not Path(p).exists():
                raise UsageError(f"--content: no such file or folder: {p}")
    result = load_paths(paths or None)
    if result.problems:
        sys.stderr.write(
            f"tutor: warning: {len(result.problems)} content problem(s) "
            f"(first: {result.problems[0]}); run `tutor content validate`\n"
        )
    return result.lessons


def open_store(data_dir: str | None):
    """Open the progress store; a StoreError becomes one line on stderr and exit 1."""
    from tutor.quiz.store import Store

    return Store(data_dir)


def run(args: argparse.Namespace) -> int:
    """Run a quiz session."""
    from tutor.quiz.plain import PlainSession, select_questions
    from tutor.quiz.store import StoreError

    lessons = load_content(args.content)
    if args.lesson is not None and args.lesson not in {lesson.id for lesson in lessons}:
        known = ", ".join(lesson.id for lesson in lessons) or "none"
        raise UsageError(f"--lesson: unknown lesson '{args.lesson}' (known: {known})")
    # the dialogs over the live lab need a real terminal; elsewhere (a pipe, TERM=dumb):
    # the plain mode, which needs none
    if not args.plain and sys.stdout.isatty() and tui_unavailable() is None:
        from tutor.app import run_quiz

        return run_quiz(args)
    try:
        store = open_store(args.data_dir)
    except StoreError as exc:
        sys.stderr.write(f"tutor: error: {exc}\n")
        return 1
    try:
        items = select_questions(lessons, store, lesson_id=args.lesson, review=args.review)
        if not items:
            print("Nothing is due for review." if args.review else "No questions to ask.")
            return 0
        session = PlainSession(
            store, sys.stdin, sys.stdout, seed=args.seed, confidence=args.confidence
        )
        session.run(items)
    except StoreError as exc:
        sys.stderr.write(f"tutor: error: {exc}\n")
        return 1
    finally:
        store.close()
    return 0
