"""Content text is data: checks that keep lesson files from controlling the terminal or the process.

Lesson files are written by instructors and shared between courses, so a
learner opens files nobody on their machine has read. Three kinds of harm are
kept out here, before any text reaches a screen:

- control characters (C0 except tab/newline/CR, DEL, C1): an ESC in a prompt
  would let a file clear the screen, set the window title or the clipboard
  (OSC 52). The validator rejects them wherever they appear — raw in the
  Markdown prose or front matter, or written as TOML escapes (``\\u001b``) in a
  string — and every plain-text output path passes text through `printable`
  as a second line of defence;
- files that are not files: a FIFO named ``x.md`` would block the reader, a
  symlink to ``/dev/zero`` would fill memory; only regular files of at most
  `MAX_FILE_BYTES` are read;
- structures that exhaust the interpreter: TOML nested hundreds deep makes
  `tomllib` recurse until RecursionError; depth is bounded by `MAX_DEPTH`.

Only the standard library is imported: the CLI uses `printable` on its error
paths and must stay fast to start. The loader calls `read_text`,
`text_problems` and `value_problems` (one call each), so the schema code and
these checks stay independent.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Largest lesson file read (bytes). The biggest shipped lesson is ~20 kB.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of tables/arrays accepted in a TOML block (the format needs 4).
MAX_DEPTH = 16

#: Error codes (documented in docs/content-format.md).
CODE_CONTROL = "E050"
CODE_TOO_BIG = "E051"
CODE_NOT_FILE = "E052"
CODE_TOO_DEEP = "E053"
CODES: dict[str, str] = {
    CODE_CONTROL: "control character in the file or in a TOML string (e.g. `\\u001b`)",
    CODE_TOO_BIG: f"file larger than {MAX_FILE_BYTES} bytes",
    CODE_NOT_FILE: "not a regular file (FIFO, device, folder)",
    CODE_TOO_DEEP: f"tables/arrays nested more than {MAX_DEPTH} levels deep",
}

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# For output: the same plus CR (a bare CR rewrites the line already on screen).
_OUTPUT_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class UnsafeFile(Exception):
    """A path that must not be read as a lesson (not a regular file, too big)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TextProblem:
    """A control character in raw text: 1-based line and column."""

    line: int
    col: int
    code: str
    message: str


def describe(ch: str) -> str:
    """Name a character without printing it: ``U+001B (ESC)``."""
    names = {0x1B: "ESC", 0x07: "BEL", 0x00: "NUL", 0x08: "BS", 0x7F: "DEL", 0x9B: "CSI"}
    name = names.get(ord(ch))
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def printable(text: str) -> str:
    """`text` with every control character except newline and tab shown as ``\\xNN``/``\\uNNNN``.

    Used on every plain-mode and error-message output path, so that nothing a
    lesson file, a file name or a command-line argument holds can reach the
    terminal as an escape sequence.
    """
    if not _OUTPUT_CONTROL_RE.search(text):
        return text
    return _OUTPUT_CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def read_text(path: Path) -> str:
    """Read a lesson file as UTF-8, refusing anything but a regular file of sane size.

    The file is opened non-blocking and checked with `fstat` on the open
    descriptor (no race between the check and the read): a FIFO, device,
    socket or a symlink to one raises `UnsafeFile` instead of blocking or
    reading forever. Raises OSError / UnicodeDecodeError like `Path.read_text`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        info = os.stat(path)
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(CODE_NOT_FILE, "not a regular file (a FIFO, device or folder?)")
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(CODE_NOT_FILE, "not a regular file (a FIFO, device or folder?)")
        if info.st_size > MAX_FILE_BYTES:
            raise UnsafeFile(
                CODE_TOO_BIG,
                f"file is {info.st_size} bytes; a lesson may be at most {MAX_FILE_BYTES} bytes",
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # grew between fstat and read
        raise UnsafeFile(CODE_TOO_BIG, f"a lesson may be at most {MAX_FILE_BYTES} bytes")
    return data.decode("utf-8")


def text_problems(text: str, first_line: int = 1) -> list[TextProblem]:
    """Every raw control character in `text`, at its line and column (one per line).

    `first_line` is the file line of the first line of `text`.
    """
    out: list[TextProblem] = []
    if not _CONTROL_RE.search(text):
        return out
    for n, line in enumerate(text.split("\n")):
        m = _CONTROL_RE.search(line.rstrip("\r"))
        if m:
            out.append(
                TextProblem(
                    first_line + n,
                    m.start() + 1,
                    CODE_CONTROL,
                    f"control character {describe(m.group())} in the file; "
                    "lesson text may not contain control characters",
                )
            )
    return out


def _walk(data: Any) -> Iterator[tuple[tuple[str | int, ...], Any, int]]:
    """(path, value, depth) of every value under `data`, iteratively (no recursion)."""
    stack: list[tuple[tuple[str | int, ...], Any, int]] = [((), data, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, dict):
            items = list(value.items())
            stack.extend(((*path, k), v, depth + 1) for k, v in reversed(items))
        elif isinstance(value, list):
            stack.extend(((*path, i), v, depth + 1) for i, v in reversed(list(enumerate(value))))


def value_problems(data: Any) -> list[tuple[tuple[str | int, ...], str, str]]:
    """(path, code, message) for parsed TOML values that are unsafe to show or process.

    Reports every string (and table key) holding a control character — e.g.
    written as a TOML escape ``\\u001b`` — and nesting deeper than `MAX_DEPTH`
    (once, at the first place it happens).
    """
    out: list[tuple[tuple[str | int, ...], str, str]] = []
    too_deep = False
    for path, value, depth in _walk(data):
        if depth > MAX_DEPTH and not too_deep:
            too_deep = True
            out.append(
                (path, CODE_TOO_DEEP, f"nested more than {MAX_DEPTH} levels deep (tables/arrays)")
            )
        key = path[-1] if path else None
        for text, what in ((value, "value"), (key, "key")):
            if isinstance(text, str):
                m = _CONTROL_RE.search(text)
                if m:
                    out.append(
                        (
                            path,
                            CODE_CONTROL,
                            f"control character {describe(m.group())} in a {what}; "
                            "lesson text may not contain control characters",
                        )
                    )
                    break
    return out


def too_deep_message() -> str:
    """Message when the TOML parser itself ran out of recursion depth."""
    return f"nested too deep to parse (at most {MAX_DEPTH} levels of tables/arrays)"
