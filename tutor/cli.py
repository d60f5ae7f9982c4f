"""The `tutor` command: the TUI by default, scriptable subcommands otherwise.

Each subcommand lives in its own module under `tutor.commands` and exposes
`register(subparsers)`; the handler is stored as the parser default `handler`
and returns the process exit code. Heavy imports (numpy, textual) happen inside
handlers so that `tutor --help` and argument errors stay instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

#: Modules under `tutor.commands` that add subcommands, in help order.
COMMAND_MODULES = ("lab", "simulate", "sweep", "clamp", "content", "quiz", "progress")


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line naming the argument, exit 2."""

    def error(self, message: str) -> NoReturn:
        from tutor.quiz.safety import printable  # stdlib only: keeps --help fast

        sys.stderr.write(printable(f"{self.prog}: error: {message}") + "\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the full parser: every module in COMMAND_MODULES adds its subcommand."""
    parser = _Parser(
        prog="tutor",
        description="A terminal tutor for the action potential (Hodgkin–Huxley, live).",
    )
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"tutor.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (never raises on bad input)."""
    from tutor.sim import kernel

    try:
        kernel.requested()  # a bad TUTOR_KERNEL is a usage error, whatever the command
    except kernel.KernelChoiceError as exc:
        sys.stderr.write(f"tutor: error: {exc}\n")
        return 2
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["lab", *argv]  # `tutor --preset squid` means `tutor lab --preset squid`
    args = parser.parse_args(argv)
    if args.command is None:  # no subcommand: the TUI
        args = parser.parse_args(["lab", *argv])
    handler = args.handler
    try:
        return int(handler(args) or 0)
    except UsageError as exc:
        from tutor.quiz.safety import printable

        sys.stderr.write(printable(f"tutor: error: {exc}") + "\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except kernel.KernelUnavailableError as exc:  # TUTOR_KERNEL=compiled where there is none
        sys.stderr.write(f"tutor: error: {exc}\n")
        return 1
    except BrokenPipeError:
        return 0
