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

#: errno values that mean "the output could not be written" (ENOSPC, EIO, EDQUOT, EROFS, EBADF).
_WRITE_ERRNOS = {28, 5, 122, 30, 9}

#: Modules under `tutor.commands` that add subcommands, in help order.
COMMAND_MODULES = (
    "lab", "simulate", "rest", "sweep", "clamp", "propagate", "synapse", "content", "quiz",
    "progress", "serve",
)  # fmt: skip


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class OutputError(Exception):
    """Output could not be written (full disk, read-only file, a folder): one line, exit 1."""


class EnvironmentProblem(Exception):
    """The environment cannot serve the command (no terminal for the TUI, an unusable
    folder): one line, exit 1."""


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's final flush cannot fail a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _tolerant_streams() -> None:
    """Let stdout and stderr write what their encoding cannot hold as an escape (\\xb5).

    Output is UTF-8 (µA/cm², −65 mV, box drawing); a stream with another encoding
    (PYTHONIOENCODING=ascii, a Latin-1 terminal) would otherwise raise
    UnicodeEncodeError in the middle of the output, with a traceback.
    """
    import codecs
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = getattr(stream, "encoding", None) or "utf-8"
        with contextlib.suppress(LookupError, ValueError, OSError, TypeError):
            if reconfigure is not None and codecs.lookup(encoding).name != "utf-8":
                reconfigure(errors="backslashreplace")


def _error(message: str) -> None:
    from tutor.quiz.safety import printable

    try:
        sys.stderr.write(printable(f"tutor: error: {message}") + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


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
    """Run the command line; returns the exit status (never raises on bad input).

    Ctrl-C at any moment — while modules load, while the kernel runs — ends
    with status 130 and no traceback.
    """
    _tolerant_streams()
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _silence_stdout()
        return 130


def _main(argv: list[str] | None) -> int:
    from tutor.sim import kernel

    kernel.defer_notice()  # the fallback note follows a success; an error stays one line
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
        code = int(handler(args) or 0)
        if code == 0:
            kernel.flush_notice()
        sys.stdout.flush()  # a full disk or closed pipe is reported here, not at exit
        return code
    except UsageError as exc:
        _error(str(exc))
        return 2
    except (OutputError, EnvironmentProblem) as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _silence_stdout()
        return 130
    except BrokenPipeError:  # `tutor … | head`: the reader left; not an error
        _silence_stdout()
        return 0
    except OSError as exc:
        if exc.errno in _WRITE_ERRNOS:  # stdout on a full disk, a closed terminal…
            _silence_stdout()
            _error(f"cannot write the output: {exc.strerror or exc}")
            return 1
        raise
    except kernel.KernelUnavailableError as exc:  # TUTOR_KERNEL=compiled where there is none
        sys.stderr.write(f"tutor: error: {exc}\n")
        return 1
