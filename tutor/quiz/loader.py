"""Load lesson files and validate them, reporting every problem with its file position.

A lesson file is Markdown with TOML front matter between `+++` lines and
```` ```question ```` blocks of TOML (docs/content-format.md). Instructors edit
these by hand, so the loader never stops at the first mistake: it checks each
block against the format, keeps going, and returns every problem as
`path:line:col: error[CODE]: message` pointing at the offending key or value in
the `.md` file itself. Only files without problems become `Lesson` models.

Codes are stable (tests and editors match on them); the table is in
docs/content-format.md and in `CODES` below.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from pydantic import TypeAdapter, ValidationError

from tutor.lab.names import (
    BLOCKS,
    EXCITABILITY_STATES,
    MARK_TARGETS,
    MEASURES,
    PARAMETER_NAMES,
    PHASES,
    PRESET_NAMES,
    TRIGGER_ON,
)
from tutor.quiz import safety
from tutor.quiz.models import QUESTION_TYPES, Lesson, Question
from tutor.quiz.tomlpos import PositionMap

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
}
CODES.update(safety.CODES)  # control characters, file size and kind, nesting depth
"""Every problem code and what it means."""

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")
_FENCE_OPEN = "```question"
_FENCE_CLOSE = "```"

_QUESTION_ADAPTER: TypeAdapter[Question] = TypeAdapter(Question)


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


class ContentError(Exception):
    """Content did not validate; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "invalid content"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


@dataclass(frozen=True)
class LoadResult:
    """Lessons that loaded cleanly plus every problem found in any file."""

    lessons: tuple[Lesson, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when no file had a problem."""
        return not self.problems


# --------------------------------------------------------------------------------------
# Blocks of TOML inside the Markdown file


@dataclass
class _Block:
    """A TOML block: its text and the 1-based file line of its first body line."""

    text: str
    first_line: int
    fence_line: int
    data: dict[str, Any] | None = None
    pos: PositionMap | None = None


@dataclass
class _FileCtx:
    """Collects problems for one file and turns block-relative positions into file ones."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int, col: int, code: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, col, code, message))

    def at(self, block: _Block, path: tuple[str | int, ...], code: str, msg: str, *, value=False):
        """Report at a key (or its value) of a block; unknown paths fall back to the fence."""
        assert block.pos is not None
        where = block.pos.value(path) if value else block.pos.key(path)
        if where is None:
            self.add(block.fence_line, 1, code, msg)
        else:
            self.add(block.first_line + where[0], where[1] + 1, code, msg)


def _parse_block(ctx: _FileCtx, block: _Block) -> bool:
    """Parse a block's TOML; on a syntax error report it at its file position."""
    try:
        block.data = tomllib.loads(block.text)
    except RecursionError:  # nested hundreds deep: tomllib recurses per level
        ctx.add(block.fence_line, 1, safety.CODE_TOO_DEEP, safety.too_deep_message())
        return False
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        m = _TOML_POS_RE.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[: m.start()]
        elif _TOML_END_RE.search(msg):
            n = block.text.count("\n")
            line = n + 1
            col = len(block.text) - (block.text.rfind("\n") + 1) + 1
            msg = _TOML_END_RE.sub("", msg)
        if line is None:
            line, col = 1, 1
        ctx.add(block.first_line + line - 1, col or 1, "E001", f"TOML syntax: {msg}")
        return False
    return _safety_hook(ctx, block)


def _safety_hook(ctx: _FileCtx, block: _Block) -> bool:
    """Depth and control-character checks of a parsed block (tutor.quiz.safety); sets `pos`."""
    unsafe = safety.value_problems(block.data)
    deep = [message for _, code, message in unsafe if code == safety.CODE_TOO_DEEP]
    if deep:  # positions would need a scan as deep as the nesting: report at the fence
        ctx.add(block.fence_line, 1, safety.CODE_TOO_DEEP, deep[0])
        return False
    block.pos = PositionMap(block.text)
    for path, code, message in unsafe:
        ctx.at(block, path, code, message, value=True)
    return True


def _split(ctx: _FileCtx, text: str) -> tuple[_Block | None, list[_Block], str]:
    """Cut a file into front matter, question blocks and prose."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "+++":
        ctx.add(1, 1, "E002", "file must start with a `+++` line opening the TOML front matter")
        return None, [], text
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "+++"), None)
    if end is None:
        ctx.add(1, 1, "E002", "front matter opened by `+++` on line 1 is never closed by `+++`")
        return None, [], text
    front = _Block("\n".join(lines[1:end]), first_line=2, fence_line=1)
    blocks: list[_Block] = []
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
                ctx.add(i + 1, 1, "E024", "```question block is never closed by a ``` line")
                i = nested if nested is not None else len(lines)
                continue
            blocks.append(_Block("\n".join(lines[i + 1 : close]), i + 2, i + 1))
            i = close + 1
            continue
        prose.append(lines[i])
        i += 1
    return front, blocks, "\n".join(prose).strip("\n")


# --------------------------------------------------------------------------------------
# Type and key checks


def _type_name(v: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "table",
    }.get(type(v), type(v).__name__)


def _is_number(v: Any) -> TypeGuard[int | float]:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_scalar(v: Any) -> bool:
    """A number or a whole-string `{name}` placeholder."""
    return _is_number(v) or (isinstance(v, str) and _PLACEHOLDER_RE.fullmatch(v) is not None)


_CHECKS: dict[str, tuple[Any, str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "number": (_is_number, "a number"),
    "scalar": (_is_scalar, 'a number or a "{name}" placeholder'),
    "str_list": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "an array of strings",
    ),
    "table": (lambda v: isinstance(v, dict), "a table"),
    "table_list": (
        lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
        "an array of tables ([[...]])",
    ),
    "list": (lambda v: isinstance(v, list), "an array"),
}


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{match[0]}`?" if match else ""


def _check_keys(
    ctx: _FileCtx,
    block: _Block,
    table: dict[str, Any],
    path: tuple[str | int, ...],
    spec: dict[str, str],
    required: Iterable[str] = (),
    what: str = "",
    missing_code: dict[str, str] | None = None,
) -> bool:
    """Unknown keys, missing required keys and value types of one table; True if all fine."""
    ok = True
    for key, value in table.items():
        if key not in spec:
            ok = False
            ctx.at(
                block,
                (*path, key),
                "E003",
                f"unknown key `{key}`{' in ' + what if what else ''}{_did_you_mean(key, spec)}",
            )
            continue
        check, expected = _CHECKS[spec[key]]
        if not check(value):
            ok = False
            ctx.at(
                block,
                (*path, key),
                "E005",
                f"`{key}` must be {expected}, not {_type_name(value)}",
                value=True,
            )
    for key in required:
        if key not in table:
            ok = False
            code = (missing_code or {}).get(key, "E004")
            ctx.at(
                block, path, code, f"missing required key `{key}`{' in ' + what if what else ''}"
            )
    return ok


def _check_id(ctx: _FileCtx, block: _Block, path: tuple[str | int, ...], value: Any) -> bool:
    if isinstance(value, str) and not _ID_RE.match(value):
        ctx.at(
            block,
            path,
            "E027",
            f"id `{value}` must be lowercase letters, digits and single dashes",
            value=True,
        )
        return False
    return True


def _check_placeholders(
    ctx: _FileCtx, block: _Block, path: tuple[str | int, ...], text: Any, declared: set[str]
) -> None:
    if not isinstance(text, str):
        return
    for name in _PLACEHOLDER_RE.findall(text):
        if name not in declared:
            hint = _did_you_mean(name, declared)
            ctx.at(
                block,
                path,
                "E021",
                f"placeholder `{{{name}}}` is not declared in `params`{hint}",
                value=True,
            )


_RUN_SPEC = {
    "preset": "str",
    "pulses": "list",
    "block": "str_list",
    "set": "table",
    "celsius": "scalar",
    "tstop": "scalar",
    "hold": "scalar",
}


def _check_run(
    ctx: _FileCtx,
    block: _Block,
    run: dict[str, Any],
    path: tuple[str | int, ...],
    declared: set[str],
    extra: dict[str, str] | None = None,
    required: Iterable[str] = (),
    what: str = "run",
) -> bool:
    """Check a run spec (also used for `try_it` steps, which add `label`)."""
    spec = {**_RUN_SPEC, **(extra or {})}
    ok = _check_keys(ctx, block, run, path, spec, required, what)
    preset = run.get("preset")
    if isinstance(preset, str) and preset not in PRESET_NAMES:
        ok = False
        ctx.at(
            block,
            (*path, "preset"),
            "E016",
            f"unknown preset `{preset}` (known: {', '.join(PRESET_NAMES)})"
            f"{_did_you_mean(preset, PRESET_NAMES)}",
            value=True,
        )
    for n, name in enumerate(run.get("block", []) if isinstance(run.get("block"), list) else []):
        if isinstance(name, str) and name not in BLOCKS:
            ok = False
            ctx.at(
                block,
                (*path, "block", n),
                "E017",
                f"unknown block `{name}` (known: {', '.join(BLOCKS)})",
                value=True,
            )
    pulses = run.get("pulses")
    if isinstance(pulses, list):
        for n, pulse in enumerate(pulses):
            if not (isinstance(pulse, list) and len(pulse) == 3 and all(map(_is_scalar, pulse))):
                ok = False
                ctx.at(
                    block,
                    (*path, "pulses", n),
                    "E005",
                    "each pulse must be [delay_ms, width_ms, amp_uA_cm2] (numbers)",
                    value=True,
                )
                continue
            for k, label in ((0, "delay"), (1, "width")):
                v = pulse[k]
                if _is_number(v) and (v <= 0 if k == 1 else v < 0):
                    ok = False
                    bound = "> 0" if k == 1 else ">= 0"
                    ctx.at(
                        block,
                        (*path, "pulses", n, k),
                        "E031",
                        f"pulse {label} must be {bound} ms",
                        value=True,
                    )
            for v_path, v in enumerate(pulse):
                if isinstance(v, str):
                    _check_placeholders(ctx, block, (*path, "pulses", n, v_path), v, declared)
    overrides = run.get("set")
    if isinstance(overrides, dict):
        for name, v in overrides.items():
            if name not in PARAMETER_NAMES:
                ok = False
                ctx.at(
                    block,
                    (*path, "set", name),
                    "E018",
                    f"unknown parameter `{name}` (known: {', '.join(PARAMETER_NAMES)})"
                    f"{_did_you_mean(name, PARAMETER_NAMES)}",
                )
            elif not _is_scalar(v):
                ok = False
                ctx.at(
                    block,
                    (*path, "set", name),
                    "E005",
                    f"`set.{name}` must be a number, not {_type_name(v)}",
                    value=True,
                )
            elif isinstance(v, str):
                _check_placeholders(ctx, block, (*path, "set", name), v, declared)
    for key in ("celsius", "tstop", "hold"):
        v = run.get(key)
        if isinstance(v, str) and _is_scalar(v):
            _check_placeholders(ctx, block, (*path, key), v, declared)
    tstop = run.get("tstop")
    if _is_number(tstop) and tstop <= 0:
        ok = False
        ctx.at(block, (*path, "tstop"), "E031", "`tstop` must be > 0 ms", value=True)
    return ok


def _check_tolerances(
    ctx: _FileCtx, block: _Block, q: dict[str, Any], anchor: tuple[str | int, ...]
) -> None:
    """Exactly one of tolerance / tolerance_pct, and it must be > 0."""
    has_abs, has_pct = "tolerance" in q, "tolerance_pct" in q
    if has_abs and has_pct:
        ctx.at(
            block,
            ("tolerance_pct",),
            "E020",
            "give either `tolerance` or `tolerance_pct`, not both",
        )
    elif not has_abs and not has_pct:
        ctx.at(
            block, anchor, "E020", "missing `tolerance` (absolute) or `tolerance_pct` (relative)"
        )
    for key in ("tolerance", "tolerance_pct"):
        v = q.get(key)
        if _is_number(v) and v <= 0:
            ctx.at(block, (key,), "E019", f"`{key}` must be > 0, not {v}", value=True)


# --------------------------------------------------------------------------------------
# Questions

_COMMON = {
    "id": "str",
    "type": "str",
    "prompt": "str",
    "explanation": "str",
    "trigger": "table",
    "params": "table",
    "tags": "str_list",
}
_BY_TYPE: dict[str, dict[str, str]] = {
    "choice": {"multiple": "bool", "shuffle": "bool", "option": "table_list"},
    "numeric": {
        "answer": "number",
        "unit": "str",
        "tolerance": "number",
        "tolerance_pct": "number",
        "near": "table_list",
        "from_model": "table",
    },
    "order": {"items": "str_list"},
    "predict": {
        "run": "table",
        "measure": "str",
        "answer_as": "str",
        "unit": "str",
        "tolerance": "number",
        "tolerance_pct": "number",
        "feedback_right": "str",
        "feedback_wrong": "str",
    },
    "mark": {"run": "table", "target": "str", "tolerance_ms": "number"},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "choice": ("option",),
    "numeric": ("answer", "unit"),
    "order": ("items",),
    "predict": ("run", "measure", "answer_as"),
    "mark": ("run", "target", "tolerance_ms"),
}
_ANSWER_AS = {"yes_no": "bool", "number": "float", "count": "int"}
_TRIGGER_PHASES = PHASES + EXCITABILITY_STATES


def _check_params(ctx: _FileCtx, block: _Block, params: dict[str, Any]) -> None:
    for name, spec in params.items():
        path = ("params", name)
        if not isinstance(spec, dict):
            ctx.at(
                block,
                path,
                "E029",
                f"`params.{name}` must be a table like {{ min = 1, max = 5, step = 1 }} "
                "or {{ values = [...] }}",
                value=True,
            )
            continue
        if not _check_keys(
            ctx,
            block,
            spec,
            path,
            {"min": "number", "max": "number", "step": "number", "values": "list"},
            what=f"params.{name}",
        ):
            continue
        has_range = "min" in spec or "max" in spec
        if "values" in spec:
            if has_range or "step" in spec:
                ctx.at(
                    block, path, "E029", f"`params.{name}`: give `values` or `min`/`max`, not both"
                )
            elif not spec["values"]:
                ctx.at(block, (*path, "values"), "E029", "`values` must not be empty", value=True)
        elif "min" not in spec or "max" not in spec:
            ctx.at(block, path, "E029", f"`params.{name}` needs `min` and `max` (or `values`)")
        elif spec["max"] < spec["min"]:
            ctx.at(block, (*path, "max"), "E029", "`max` must be >= `min`", value=True)
        elif "step" in spec and spec["step"] <= 0:
            ctx.at(block, (*path, "step"), "E029", "`step` must be > 0", value=True)


def _check_trigger(ctx: _FileCtx, block: _Block, trig: dict[str, Any]) -> None:
    spec = {"on": "str", "phase": "str", "once": "bool", "pause": "bool"}
    _check_keys(ctx, block, trig, ("trigger",), spec, ("on",), "trigger")
    on = trig.get("on")
    if isinstance(on, str) and on not in TRIGGER_ON:
        ctx.at(
            block,
            ("trigger", "on"),
            "E013",
            f"unknown trigger event `{on}` (known: {', '.join(TRIGGER_ON)})"
            f"{_did_you_mean(on, TRIGGER_ON)}",
            value=True,
        )
    phase = trig.get("phase")
    if isinstance(phase, str) and phase not in _TRIGGER_PHASES:
        ctx.at(
            block,
            ("trigger", "phase"),
            "E012",
            f"unknown phase `{phase}`{_did_you_mean(phase, _TRIGGER_PHASES)}",
            value=True,
        )
    if on in ("phase_enter", "phase_exit") and "phase" not in trig:
        ctx.at(block, ("trigger",), "E004", f"trigger `{on}` needs a `phase`")
    if (
        isinstance(on, str)
        and on in TRIGGER_ON
        and on not in ("phase_enter", "phase_exit")
        and "phase" in trig
    ):
        ctx.at(
            block,
            ("trigger", "phase"),
            "E030",
            f"`phase` only applies to phase_enter/phase_exit, not `{on}`",
        )


def _check_measure(ctx: _FileCtx, block: _Block, path: tuple[str | int, ...], m: Any) -> bool:
    if isinstance(m, str) and m not in MEASURES:
        ctx.at(
            block,
            path,
            "E014",
            f"unknown measure `{m}`{_did_you_mean(m, MEASURES)}",
            value=True,
        )
        return False
    return True


def _check_question(ctx: _FileCtx, block: _Block) -> dict[str, Any] | None:
    """Check one question block; returns the raw dict (with `line`) if it is fine."""
    q = block.data or {}
    start = len(ctx.problems)
    qtype = q.get("type")
    if "type" not in q:
        ctx.at(block, (), "E004", "missing required key `type`")
        spec = dict(_COMMON)
    elif not isinstance(qtype, str) or qtype not in _BY_TYPE:
        ctx.at(
            block,
            ("type",),
            "E028",
            f"unknown question type `{qtype}` (known: {', '.join(QUESTION_TYPES)})"
            f"{_did_you_mean(str(qtype), QUESTION_TYPES)}",
            value=True,
        )
        return None
    else:
        spec = {**_COMMON, **_BY_TYPE[qtype]}
    required = ("id", "prompt", *(_REQUIRED.get(qtype, ()) if isinstance(qtype, str) else ()))
    _check_keys(ctx, block, q, (), spec, [k for k in required if k != "type"])
    if "id" in q:
        _check_id(ctx, block, ("id",), q["id"])

    raw_params = q.get("params")
    params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
    _check_params(ctx, block, params)
    declared = set(params)
    for key in ("prompt", "explanation", "feedback_right", "feedback_wrong"):
        _check_placeholders(ctx, block, (key,), q.get(key), declared)
    if isinstance(q.get("trigger"), dict):
        _check_trigger(ctx, block, q["trigger"])

    anchor: tuple[str | int, ...] = ("id",) if "id" in q else ()
    if qtype == "choice" and isinstance(q.get("option"), list):
        _check_choice(ctx, block, q, anchor, declared)
    elif qtype == "numeric":
        _check_tolerances(ctx, block, q, ("answer",) if "answer" in q else anchor)
        for n, near in enumerate(q.get("near", []) if isinstance(q.get("near"), list) else []):
            if not isinstance(near, dict):
                continue
            path = ("near", n)
            _check_keys(
                ctx,
                block,
                near,
                path,
                {
                    "value": "number",
                    "tolerance": "number",
                    "feedback": "str",
                    "misconception": "str",
                },
                ("value", "tolerance", "feedback"),
                "[[near]]",
                {"feedback": "E010"},
            )
            tol = near.get("tolerance")
            if _is_number(tol) and tol <= 0:
                ctx.at(block, (*path, "tolerance"), "E019", "`tolerance` must be > 0", value=True)
        fm = q.get("from_model")
        if isinstance(fm, dict):
            _check_keys(
                ctx,
                block,
                fm,
                ("from_model",),
                {"run": "table", "measure": "str"},
                ("run", "measure"),
                "from_model",
            )
            _check_measure(ctx, block, ("from_model", "measure"), fm.get("measure"))
            if isinstance(fm.get("run"), dict):
                _check_run(ctx, block, fm["run"], ("from_model", "run"), declared)
    elif qtype == "order" and isinstance(q.get("items"), list):
        items = q["items"]
        if len(items) < 3:
            ctx.at(block, ("items",), "E025", "order needs at least 3 items", value=True)
        for n, item in enumerate(items):
            if item not in PHASES:
                ctx.at(
                    block,
                    ("items", n),
                    "E025",
                    f"order item `{item}` is not a phase name{_did_you_mean(item, PHASES)}",
                    value=True,
                )
    elif qtype == "predict":
        _check_predict(ctx, block, q, declared)
    elif qtype == "mark":
        target = q.get("target")
        if isinstance(target, str) and target not in MARK_TARGETS:
            ctx.at(
                block,
                ("target",),
                "E015",
                f"unknown mark target `{target}` (known: threshold, peak, ahp_min, spike, "
                f"phase:NAME){_did_you_mean(target, MARK_TARGETS)}",
                value=True,
            )
        tol = q.get("tolerance_ms")
        if _is_number(tol) and tol <= 0:
            ctx.at(
                block,
                ("tolerance_ms",),
                "E019",
                f"`tolerance_ms` must be > 0, not {tol}",
                value=True,
            )
    if qtype in ("predict", "mark") and isinstance(q.get("run"), dict):
        _check_run(ctx, block, q["run"], ("run",), declared)
    if len(ctx.problems) > start:
        return None
    return {**q, "line": block.fence_line}


def _check_choice(
    ctx: _FileCtx, block: _Block, q: dict[str, Any], anchor: tuple, declared: set[str]
) -> None:
    options = q["option"]
    spec = {"text": "str", "correct": "bool", "feedback": "str", "misconception": "str"}
    correct: list[int] = []
    for n, opt in enumerate(options):
        path = ("option", n)
        _check_keys(
            ctx, block, opt, path, spec, ("text", "feedback"), "[[option]]", {"feedback": "E010"}
        )
        for key in ("text", "feedback"):
            _check_placeholders(ctx, block, (*path, key), opt.get(key), declared)
        if opt.get("correct") is True:
            correct.append(n)
            if "misconception" in opt:
                ctx.at(
                    block,
                    (*path, "misconception"),
                    "E011",
                    "a correct option cannot carry a misconception tag",
                )
    if len(options) < 2:
        ctx.at(block, ("option",), "E031", "a choice question needs at least 2 options")
    if not correct:
        ctx.at(block, anchor, "E008", "no option has `correct = true`")
    elif len(correct) > 1 and not q.get("multiple", False):
        ctx.at(
            block,
            ("option", correct[1], "correct"),
            "E009",
            f"{len(correct)} options are correct but `multiple` is not true",
        )


def _check_predict(ctx: _FileCtx, block: _Block, q: dict[str, Any], declared: set[str]) -> None:
    measure_ok = _check_measure(ctx, block, ("measure",), q.get("measure"))
    answer_as = q.get("answer_as")
    if not isinstance(answer_as, str):
        return
    if answer_as not in _ANSWER_AS:
        ctx.at(
            block,
            ("answer_as",),
            "E026",
            f"`answer_as` must be yes_no, number or count, not `{answer_as}`"
            f"{_did_you_mean(answer_as, _ANSWER_AS)}",
            value=True,
        )
        return
    measure = q.get("measure")
    if measure_ok and isinstance(measure, str) and MEASURES[measure] != _ANSWER_AS[answer_as]:
        fits = [k for k, v in _ANSWER_AS.items() if v == MEASURES[measure]]
        ctx.at(
            block,
            ("answer_as",),
            "E026",
            f'`answer_as = "{answer_as}"` does not fit measure `{measure}` '
            f"({MEASURES[measure]}); use `{fits[0]}`",
            value=True,
        )
    if answer_as == "number":
        if "unit" not in q:
            ctx.at(block, ("answer_as",), "E004", '`answer_as = "number"` needs a `unit`')
        _check_tolerances(ctx, block, q, ("answer_as",))
    else:
        for key in ("tolerance", "tolerance_pct", "unit"):
            if key in q:
                ctx.at(
                    block,
                    (key,),
                    "E026",
                    f'`{key}` only applies to `answer_as = "number"`',
                )


# --------------------------------------------------------------------------------------
# Files


@dataclass
class _Draft:
    """What cross-file checks need from one file, even when the file has problems."""

    path: str
    lesson_id: str | None
    id_pos: tuple[int, int]
    prerequisites: list[tuple[str, tuple[int, int]]]
    lesson: Lesson | None


_FRONT = {
    "id": "str",
    "title": "str",
    "preset": "str",
    "order": "int",
    "prerequisites": "str_list",
    "try_it": "table_list",
}


def _load_one(path: Path, display: str) -> tuple[_Draft, list[Problem]]:
    ctx = _FileCtx(display)
    empty = _Draft(display, None, (1, 1), [], None)
    try:
        text = safety.read_text(path)
    except safety.UnsafeFile as exc:
        ctx.add(1, 1, exc.code, f"cannot read file: {exc.message}")
        return empty, ctx.problems
    except (OSError, UnicodeDecodeError) as exc:
        ctx.add(1, 1, "E032", f"cannot read file: {safety.printable(str(exc))}")
        return empty, ctx.problems
    text = text.replace("\r\n", "\n")
    for tp in safety.text_problems(text):
        ctx.add(tp.line, tp.col, tp.code, tp.message)
    front, blocks, prose = _split(ctx, text)
    if front is None or not _parse_block(ctx, front):
        for b in blocks:  # still report syntax errors in the questions
            _parse_block(ctx, b)
        return empty, ctx.problems
    fm = front.data or {}
    _check_keys(ctx, front, fm, (), _FRONT, ("id", "title", "preset"), "front matter")
    if "id" in fm:
        _check_id(ctx, front, ("id",), fm["id"])
    preset = fm.get("preset")
    if isinstance(preset, str) and preset not in PRESET_NAMES:
        ctx.at(
            front,
            ("preset",),
            "E016",
            f"unknown preset `{preset}` (known: {', '.join(PRESET_NAMES)})"
            f"{_did_you_mean(preset, PRESET_NAMES)}",
            value=True,
        )
    for n, step in enumerate(fm.get("try_it", []) if isinstance(fm.get("try_it"), list) else []):
        if isinstance(step, dict):
            _check_run(
                ctx, front, step, ("try_it", n), set(), {"label": "str"}, ("label",), "[[try_it]]"
            )
    assert front.pos is not None
    id_where = front.pos.value(("id",)) or (0, 0)
    prereqs: list[tuple[str, tuple[int, int]]] = []
    if isinstance(fm.get("prerequisites"), list):
        for n, p in enumerate(fm["prerequisites"]):
            where = front.pos.value(("prerequisites", n)) or (0, 0)
            prereqs.append((str(p), (front.first_line + where[0], where[1] + 1)))
    draft = _Draft(
        display,
        fm.get("id") if isinstance(fm.get("id"), str) else None,
        (front.first_line + id_where[0], id_where[1] + 1),
        prereqs,
        None,
    )

    questions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for b in blocks:
        if not _parse_block(ctx, b):
            continue
        q = _check_question(ctx, b)
        qid = (b.data or {}).get("id")
        if isinstance(qid, str):
            if qid in seen:
                ctx.at(
                    b,
                    ("id",),
                    "E007",
                    f"question id `{qid}` already used on line {seen[qid]}",
                    value=True,
                )
                q = None
            else:
                seen[qid] = b.fence_line
        if q is not None:
            questions.append(q)
    if ctx.problems:
        return draft, ctx.problems
    try:
        lesson = Lesson.model_validate(
            {
                **fm,
                "body": prose,
                "path": display,
                "questions": [_QUESTION_ADAPTER.validate_python(q) for q in questions],
            }
        )
    except ValidationError as exc:  # a gap in the checks above; still report, never crash
        err = exc.errors()[0]
        ctx.add(1, 1, "E005", f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
        return draft, ctx.problems
    draft.lesson = lesson
    return draft, ctx.problems


def _expand(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Files as given plus every *.md under given folders (sorted, for stable output)."""
    out: list[tuple[Path, str]] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*.md")):
                if f.name.lower() in ("readme.md",):
                    continue
                out.append((f, str(f)))
        else:
            out.append((path, str(p)))
    return out


def _cross_checks(drafts: list[_Draft]) -> list[Problem]:
    problems: list[Problem] = []
    by_id: dict[str, _Draft] = {}
    for d in drafts:
        if d.lesson_id is None:
            continue
        if d.lesson_id in by_id:
            first = by_id[d.lesson_id]
            problems.append(
                Problem(
                    d.path,
                    *d.id_pos,
                    "E006",
                    f"lesson id `{d.lesson_id}` is already used by {first.path}:{first.id_pos[0]}",
                )
            )
            d.lesson = None
        else:
            by_id[d.lesson_id] = d
    for d in drafts:
        for pre, pos in d.prerequisites:
            if pre not in by_id:
                problems.append(
                    Problem(
                        d.path,
                        *pos,
                        "E022",
                        f"prerequisite `{pre}` is not a lesson{_did_you_mean(pre, by_id)}",
                    )
                )
    # Cycles: a lesson is on a cycle if it can reach itself; report each such lesson once,
    # at the prerequisite that leads back into the cycle.
    graph = {i: [p for p, _ in d.prerequisites if p in by_id] for i, d in by_id.items()}

    def reaches(start: str, goal: str) -> bool:
        stack, seen = [start], set()
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node in seen:
                continue
            seen.add(node)
            stack.extend(graph.get(node, []))
        return False

    for lid, d in by_id.items():
        for pre, pos in d.prerequisites:
            if pre in by_id and reaches(pre, lid):
                problems.append(
                    Problem(
                        d.path,
                        *pos,
                        "E023",
                        f"prerequisite `{pre}` leads back to `{lid}` (cycle)",
                    )
                )
                d.lesson = None
                break
    return problems


def load_paths(paths: Iterable[str | Path] | None = None) -> LoadResult:
    """Load and validate lesson files and folders (default: the shipped content dir).

    Returns the lessons that are clean and every problem found, sorted by file and position.
    Nothing is raised for bad content: the caller decides whether problems are fatal.
    """
    if paths is None:
        from tutor.quiz.paths import content_dir

        paths = [content_dir()]
    drafts: list[_Draft] = []
    problems: list[Problem] = []
    for path, display in _expand(paths):
        try:
            draft, probs = _load_one(path, display)
        except RecursionError:
            draft = _Draft(display, None, (1, 1), [], None)
            probs = [Problem(display, 1, 1, safety.CODE_TOO_DEEP, safety.too_deep_message())]
        drafts.append(draft)
        problems.extend(probs)
    problems.extend(_cross_checks(drafts))
    lessons = [d.lesson for d in drafts if d.lesson is not None]
    lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return LoadResult(tuple(lessons), tuple(sorted(problems)))


def load_lessons(paths: Iterable[str | Path] | None = None) -> tuple[Lesson, ...]:
    """All lessons, in display order; raises ContentError if any file has a problem."""
    result = load_paths(paths)
    if result.problems:
        raise ContentError(result.problems)
    return result.lessons


def summary(lessons: Sequence[Lesson]) -> str:
    """One line: lesson count and question counts by type."""
    counts = dict.fromkeys(QUESTION_TYPES, 0)
    for lesson in lessons:
        for q in lesson.questions:
            counts[q.type] += 1
    total = sum(counts.values())
    by_type = ", ".join(f"{n} {t}" for t, n in counts.items())
    return f"{len(lessons)} lessons, {total} questions ({by_type})"
