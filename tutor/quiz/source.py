"""A lesson file as text: front matter and question blocks, parsed with their positions.

A lesson file is Markdown with TOML front matter between `+++` lines and
```` ```question ```` blocks of TOML. This module cuts a file into those blocks,
parses each with `tomllib`, and keeps a `PositionMap` per block so that any
problem found later — by the schema, the semantic checks or the cross-file
checks — is reported at the file line and column of the key or value it is
about. Nothing here knows what the keys mean.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from tutor.quiz import safety
from tutor.quiz.problems import Finding, Problem
from tutor.quiz.tomlpos import PositionMap

_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")
_FENCE_OPEN = "```question"
_FENCE_CLOSE = "```"


@dataclass
class Block:
    """A TOML block: its text, the file line of its first body line and of its opening fence."""

    text: str
    first_line: int
    fence_line: int
    data: dict[str, Any] = field(default_factory=dict)
    """The parsed TOML, arrays as tuples (valid only after `parse_block` returned True)."""
    pos: PositionMap | None = None


@dataclass
class FileReport:
    """Collects the problems of one file, turning block-relative positions into file ones."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int, col: int, code: str, message: str) -> None:
        """A problem at a file position (1-based)."""
        self.problems.append(Problem(self.path, line, col, code, message))

    def at(self, block: Block, finding: Finding) -> None:
        """A problem at a key (or its value) of a block; unknown paths fall back to the fence."""
        where = None
        if block.pos is not None:
            pos = block.pos
            where = pos.value(finding.path) if finding.at_value else pos.key(finding.path)
        if where is None:
            self.add(block.fence_line, 1, finding.code, finding.message)
        else:
            self.add(block.first_line + where[0], where[1] + 1, finding.code, finding.message)

    def position(self, block: Block, path: tuple[str | int, ...]) -> tuple[int, int]:
        """File (line, col) of the value at `path` (the block's first line if unknown)."""
        where = block.pos.value(path) if block.pos is not None else None
        where = where or (0, 0)
        return block.first_line + where[0], where[1] + 1


def as_tuples(value: Any) -> Any:
    """TOML data with every array turned into a tuple (the strict schema's arrays)."""
    if isinstance(value, list):
        return tuple(as_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: as_tuples(v) for k, v in value.items()}
    return value


def as_lists(value: Any) -> Any:
    """The inverse of `as_tuples`, for showing a value the way the file wrote it."""
    if isinstance(value, tuple):
        return [as_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: as_lists(v) for k, v in value.items()}
    return value


def parse_block(report: FileReport, block: Block) -> bool:
    """Parse a block's TOML; on a syntax error report it (E001) at its file position."""
    try:
        data = tomllib.loads(block.text)
    except RecursionError:  # nested hundreds deep: tomllib recurses per level
        report.add(block.fence_line, 1, safety.CODE_TOO_DEEP, safety.too_deep_message())
        return False
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        # Python ≥ 3.14 also has exc.lineno / colno; the message carries them everywhere
        line, col = getattr(exc, "lineno", None) or 1, getattr(exc, "colno", None) or 1
        m = _TOML_POS_RE.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[: m.start()]
        elif _TOML_END_RE.search(msg):
            line = block.text.count("\n") + 1
            col = len(block.text) - (block.text.rfind("\n") + 1) + 1
            msg = _TOML_END_RE.sub("", msg)
        report.add(block.first_line + line - 1, col, "E001", f"TOML syntax: {msg}")
        return False
    return _safety_hook(report, block, data)


def _safety_hook(report: FileReport, block: Block, data: dict[str, Any]) -> bool:
    """Depth and control-character checks of a parsed block (tutor.quiz.safety); sets `data`, `pos`."""
    unsafe = safety.value_problems(data)
    deep = [message for _, code, message in unsafe if code == safety.CODE_TOO_DEEP]
    if deep:  # positions would need a scan as deep as the nesting: report at the fence
        report.add(block.fence_line, 1, safety.CODE_TOO_DEEP, deep[0])
        return False
    block.data = as_tuples(data)
    block.pos = PositionMap(block.text)
    for path, code, message in unsafe:
        report.at(block, Finding(path, code, message, at_value=True))
    return True


def split_file(report: FileReport, text: str) -> tuple[Block | None, list[Block], str]:
    """Cut a file into front matter, question blocks and prose (E002, E024 reported)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "+++":
        report.add(1, 1, "E002", "file must start with a `+++` line opening the TOML front matter")
        return None, [], text
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "+++"), None)
    if end is None:
        report.add(1, 1, "E002", "front matter opened by `+++` on line 1 is never closed by `+++`")
        return None, [], text
    front = Block("\n".join(lines[1:end]), first_line=2, fence_line=1)
    blocks: list[Block] = []
    prose: list[str] = []
    i = end + 1
    while i < len(lines):
        if lines[i].rstrip() == _FENCE_OPEN:
            close = next(
                (j for j in range(i + 1, len(lines)) if lines[j].rstrip() == _FENCE_CLOSE), None
            )
            nested = next(
                (j for j in range(i + 1, close or len(lines)) if lines[j].rstrip() == _FENCE_OPEN),
                None,
            )
            if close is None or nested is not None:
                report.add(i + 1, 1, "E024", "```question block is never closed by a ``` line")
                i = nested if nested is not None else len(lines)
                continue
            blocks.append(Block("\n".join(lines[i + 1 : close]), i + 2, i + 1))
            i = close + 1
            continue
        prose.append(lines[i])
        i += 1
    return front, blocks, "\n".join(prose).strip("\n")
