"""`tutor content validate [PATH...]`: check lesson files and report every problem.

Instructors run this while writing; CI runs it over content/. Output is one
`path:line:col: error[CODE]: message` line per problem (exit 1) or a one-line
summary (exit 0), so editors can jump to each problem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor.cli import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `content` with its `validate` action."""
    parser = subparsers.add_parser("content", help="work with lesson files")
    actions = parser.add_subparsers(dest="content_action", metavar="ACTION")
    validate = actions.add_parser(
        "validate", help="check lesson files or folders (default: the shipped lessons)"
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="lesson files or folders")
    validate.set_defaults(handler=_validate)
    parser.set_defaults(handler=_no_action)


def _no_action(args: argparse.Namespace) -> int:
    raise UsageError("content: missing action (try `tutor content validate`)")


def _validate(args: argparse.Namespace) -> int:
    from tutor.quiz.loader import load_paths
    from tutor.quiz.paths import content_dir

    paths = [Path(p) for p in args.paths] or [content_dir()]
    for p in paths:
        if not p.exists():
            raise UsageError(f"content validate: no such file or folder: {p}")
    result = load_paths(paths)
    if result.problems:
        for problem in result.problems:
            sys.stdout.write(f"{problem}\n")
        sys.stderr.write(f"{len(result.problems)} problem(s)\n")
        return 1
    from tutor.quiz.loader import summary

    sys.stdout.write(f"ok: {summary(result.lessons)}\n")
    return 0
