"""Content problems: the stable codes, one positioned `Problem`, and `ContentError`.

Every check of the content format — TOML syntax, the schema
(`tutor.quiz.models`), the semantic and cross-file checks — reports through
these types, as `path:line:col: error[CODE]: message`. The codes are stable
(tests and editors match on them); their table is also in docs/content-format.md
(a test keeps the two identical).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tutor.quiz import safety

CODES: dict[str, str] = {
    "E001": "TOML syntax error in front matter or a question block",
    "E002": "front matter missing or not closed by `+++`",
    "E003": "unknown key",
    "E004": "required key missing",
    "E005": "value of the wrong type",
    "E006": "lesson id already used by another file",
    "E007": "question id used twice in one lesson",
    "E008": "choice question without a correct option",
    "E009": "single-answer choice question with several correct options",
    "E010": "option (or near-miss) without feedback",
    "E011": "misconception tag on a correct option",
    "E012": "unknown phase name",
    "E013": "unknown trigger event (`on`)",
    "E014": "unknown measure",
    "E015": "unknown mark target",
    "E016": "unknown preset",
    "E017": "unknown drug block",
    "E018": "unknown parameter name in `set`",
    "E019": "tolerance not greater than zero",
    "E020": "both or neither of `tolerance` / `tolerance_pct`",
    "E021": "`{name}` placeholder not declared in `params`",
    "E022": "prerequisite lesson does not exist",
    "E023": "prerequisites form a cycle",
    "E024": "question block not closed by ```",
    "E025": "order items must be at least 3 phase names",
    "E026": "predict `answer_as` incompatible with the measure",
    "E027": "id is not lowercase letters, digits and dashes",
    "E028": "unknown question type",
    "E029": "bad parameter declaration in `params`",
    "E030": "trigger `phase` given for an event that has no phase",
    "E031": "value out of range",
    "E032": "file cannot be read as UTF-8 text",
    "E040": "voltage-clamp run where it does not fit (clamp measure, pulses, mark, try_it)",
    "E041": "measure does not fit the run (axon/neuron measures need an `axon`/`neuron` run)",
    **safety.CODES,  # control characters, file size and kind, nesting depth
}
"""Every problem code and what it means."""


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem, positioned in the source file (1-based line and column)."""

    path: str
    line: int
    col: int
    code: str
    message: str

    def __str__(self) -> str:
        line = f"{self.path}:{self.line}:{self.col}: error[{self.code}]: {self.message}"
        return safety.printable(line)  # a file name may hold control characters too


@dataclass(frozen=True)
class Finding:
    """A problem located by its TOML path inside one block, before it has a file position.

    `at_value` points at the value (a wrong value) rather than the key (a key that
    should not be there, or the table a missing key belongs in).
    """

    path: tuple[str | int, ...]
    code: str
    message: str
    at_value: bool = False


class ContentError(Exception):
    """Content did not validate; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "invalid content"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`; did you mean `x`?` for the closest choice, or "" when nothing is close."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{match[0]}`?" if match else ""


def type_name(value: Any) -> str:
    """The TOML name of a parsed value's type, for "must be X, not Y" messages."""
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        tuple: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)
