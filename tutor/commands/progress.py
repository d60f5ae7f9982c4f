"""`tutor progress`: per-lesson mastery and due reviews; `--json` / `--csv FILE` export.

Mastery of a lesson = mean over all its questions of the latest score
(unanswered questions count 0), so it rises only by answering more of the
lesson correctly and falls when a question is later answered wrong.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import TextIO

from tutor.commands._common import output_path, write_output
from tutor.commands.quiz import add_store_args, load_content


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `progress` subcommand."""
    parser = subparsers.add_parser("progress", help="mastery per lesson, reviews due, export")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print lessons and every attempt as JSON")
    fmt.add_argument(
        "--csv", metavar="FILE", type=output_path, help="write every attempt to FILE as CSV"
    )
    add_store_args(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Show or export progress."""
    from tutor.quiz.store import CSV_COLUMNS, Store, StoreError, csv_rows, lesson_progress

    lessons = load_content(args.content)
    try:
        with Store(args.data_dir, readonly=True) as store:  # works in a read-only folder
            progress = lesson_progress(lessons, store)
            attempts = store.attempts()
            due = store.due()
    except StoreError as exc:
        sys.stderr.write(f"tutor: error: {exc}\n")
        return 1
    if args.json:
        json.dump(
            {
                "lessons": [p.to_json() for p in progress],
                "attempts": [a.to_json() for a in attempts],
            },
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
        return 0
    if args.csv:

        def write(fh: TextIO) -> None:
            writer = csv.writer(fh)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(csv_rows(attempts))

        write_output(args.csv, "--csv", write)
        if args.csv != "-":
            print(f"wrote {len(attempts)} attempt(s) to {args.csv}")
        return 0
    width = max([len(p.lesson) for p in progress] + [6])
    print(f"{'lesson':<{width}}  mastery  answered  due")
    for p in progress:
        print(
            f"{p.lesson:<{width}}  {round(100 * p.mastery):>6}%  {p.answered:>3}/{p.questions:<4}"
            f"  {len(p.due)}"
        )
    print(f"{len(attempts)} attempt(s) recorded; {len(due)} review(s) due now.")
    if due:
        shown = ", ".join(d.card_id for d in due[:10])
        more = f" and {len(due) - 10} more" if len(due) > 10 else ""
        print(f"Due: {shown}{more} (run `tutor quiz --review`)")
    return 0
