"""Turn pydantic's `ValidationError` on a content block into positioned, coded findings.

The schema is the models in `tutor.quiz.models`; pydantic reports each
failure with a location (a path of keys and indices — the same path the
TOML position map uses) and an error type. This module decides, from those two
alone, which stable code (`tutor.quiz.problems.CODES`) and which message a
failure gets and whether it points at the key or at the value. The messages
name the offending key and suggest the closest allowed name.
"""

from __future__ import annotations

import types
import typing
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from tutor.lab.names import (
    BLOCKS,
    EXCITABILITY_STATES,
    MARK_TARGETS,
    MEASURES,
    PARAMETER_NAMES,
    PHASES,
    PRESET_NAMES,
)
from tutor.quiz.problems import Finding, did_you_mean, type_name

Loc = tuple[str | int, ...]

_EXPECTED_BY_TYPE: dict[str, str] = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "an integer",
    "float_type": "a number",
    "scalar_type": 'a number or a "{name}" placeholder',
    "tuple_type": "an array",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}
"""What a value had to be, by pydantic error type."""

_EXPECTED_BY_FIELD: dict[str, str] = {
    "block": "an array of strings",
    "tags": "an array of strings",
    "prerequisites": "an array of strings",
    "items": "an array of strings",
    "option": "an array of tables ([[...]])",
    "near": "an array of tables ([[...]])",
    "try_it": "an array of tables ([[...]])",
    "pulses": "an array",
    "values": "an array",
}
"""Array fields report a bad element at the array, saying what the whole array must be."""

_TRIGGER_PHASES = PHASES + EXCITABILITY_STATES


def _unknown_name(field: str, value: str) -> tuple[str, str] | None:
    """(code, message) for a name that is not one of a field's allowed names."""
    if field == "preset":
        known = ", ".join(PRESET_NAMES)
        return (
            "E016",
            f"unknown preset `{value}` (known: {known}){did_you_mean(value, PRESET_NAMES)}",
        )
    if field == "block":
        return "E017", f"unknown block `{value}` (known: {', '.join(BLOCKS)})"
    if field == "on":
        from tutor.lab.names import TRIGGER_ON

        known = ", ".join(TRIGGER_ON)
        return (
            "E013",
            f"unknown trigger event `{value}` (known: {known}){did_you_mean(value, TRIGGER_ON)}",
        )
    if field == "phase":
        return "E012", f"unknown phase `{value}`{did_you_mean(value, _TRIGGER_PHASES)}"
    if field == "measure":
        return "E014", f"unknown measure `{value}`{did_you_mean(value, MEASURES)}"
    if field == "target":
        return "E015", (
            f"unknown mark target `{value}` (known: threshold, peak, ahp_min, spike, "
            f"phase:NAME){did_you_mean(value, MARK_TARGETS)}"
        )
    if field == "items":
        return "E025", f"order item `{value}` is not a phase name{did_you_mean(value, PHASES)}"
    if field == "answer_as":
        choices = ("yes_no", "number", "count")
        return "E026", (
            f"`answer_as` must be yes_no, number or count, not `{value}`"
            f"{did_you_mean(value, choices)}"
        )
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip `Annotated[...]` and `X | None` down to the type that holds the value."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _model_at(root: type[BaseModel], path: Loc) -> type[BaseModel] | None:
    """The model class of the table at `path` inside `root` (None if it is not a table)."""
    annotation: Any = root
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) is tuple:
            args = get_args(annotation)
            annotation = args[0] if len(args) == 2 and args[1] is Ellipsis else Any
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _table_name(parent: Loc, root_name: str) -> str:
    """How messages name the table at `parent`: `[[option]]`, `trigger`, `params.amp` …"""
    if not parent:
        return root_name
    last = parent[-1]
    if isinstance(last, int) and len(parent) >= 2:
        return f"[[{parent[-2]}]]"
    if len(parent) >= 2 and parent[-2] == "params":
        return f"params.{last}"
    return str(last)


def _field_of(loc: Loc) -> str:
    """The last key in a location (the field an error is about)."""
    return next((str(p) for p in reversed(loc) if isinstance(p, str)), "")


def _one(error: ErrorDetails, root: type[BaseModel], root_name: str) -> Finding:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    field = _field_of(loc)
    parent = loc[:-1]
    where = _table_name(parent, root_name)
    in_where = f" in {where}" if where else ""

    if kind == "extra_forbidden":
        model = _model_at(root, parent)
        allowed = [f for f in (model.model_fields if model else ()) if f != "line"]
        return Finding(
            loc, "E003", f"unknown key `{field}`{in_where}{did_you_mean(field, allowed)}"
        )
    if kind == "missing":
        code = "E010" if field == "feedback" else "E004"
        return Finding(parent, code, f"missing required key `{field}`{in_where}")
    if loc[-1:] == ("[key]",):  # a dict key that is not an allowed name: only `set` has those
        name = str(loc[-2])
        known = ", ".join(PARAMETER_NAMES)
        message = (
            f"unknown parameter `{name}` (known: {known}){did_you_mean(name, PARAMETER_NAMES)}"
        )
        return Finding(loc[:-1], "E018", message)
    if len(loc) >= 2 and loc[0] == "params" and len(loc) == 2:
        example = "{ min = 1, max = 5, step = 1 } or { values = [...] }"
        return Finding(loc, "E029", f"`params.{loc[1]}` must be a table like {example}", True)
    if "pulses" in loc:
        at = loc.index("pulses")
        if len(loc) > at + 1:  # inside one pulse
            pulse = loc[: at + 2]
            if kind in ("greater_than", "greater_than_equal") and len(loc) == at + 3:
                label, bound = ("delay", ">= 0") if loc[-1] == 0 else ("width", "> 0")
                return Finding(loc, "E031", f"pulse {label} must be {bound} ms", True)
            return Finding(
                pulse, "E005", "each pulse must be [delay_ms, width_ms, amp_uA_cm2] (numbers)", True
            )
    if kind == "literal_error" and isinstance(value, str):
        unknown = _unknown_name(field, value)
        if unknown is not None:
            return Finding(loc, unknown[0], unknown[1], True)
        # any other closed set of names (e.g. a question's `convention`): say which
        expected = str(error.get("ctx", {}).get("expected", ""))
        return Finding(loc, "E005", f"`{field}` must be {expected}, not `{value}`", True)
    if kind == "string_pattern_mismatch" and field == "id":
        return Finding(
            loc, "E027", f"id `{value}` must be lowercase letters, digits and single dashes", True
        )
    if kind in ("greater_than", "greater_than_equal"):
        if field.startswith("tolerance"):
            return Finding(loc, "E019", f"`{field}` must be > 0, not {value}", True)
        return Finding(loc, "E031", f"`{field}` must be > 0 ms", True)
    if kind == "too_short":
        if field == "items":
            return Finding(loc, "E025", "order needs at least 3 items", True)
        return Finding(loc, "E031", "a choice question needs at least 2 options")
    # a value of the wrong type; a bad element of an array is reported at the array
    if isinstance(loc[-1], int) and field in _EXPECTED_BY_FIELD:
        array = loc[: max(i for i, p in enumerate(loc) if p == field) + 1]
        return Finding(
            array, "E005", f"`{field}` must be {_EXPECTED_BY_FIELD[field]}, not array", True
        )
    if kind == "literal_error":  # not even a string
        return Finding(loc, "E005", f"`{field}` must be a string, not {type_name(value)}", True)
    if len(loc) >= 2 and loc[-2] == "set":
        return Finding(loc, "E005", f"`set.{field}` must be a number, not {type_name(value)}", True)
    expected = _EXPECTED_BY_FIELD.get(field) or _EXPECTED_BY_TYPE.get(kind) or error["msg"]
    return Finding(loc, "E005", f"`{field}` must be {expected}, not {type_name(value)}", True)


def findings(exc: ValidationError, root: type[BaseModel], root_name: str = "") -> list[Finding]:
    """One finding per distinct failure of `exc` (validating `root`), in pydantic's order.

    `root_name` names the top table in messages (`front matter`; "" for a question).
    """
    out: list[Finding] = []
    seen: set[tuple[Loc, str]] = set()
    for error in exc.errors():
        if error["type"] == "too_short" and len(error["input"]) >= error["ctx"]["min_length"]:
            continue  # pydantic counts only the valid elements; the bad ones are reported
        finding = _one(error, root, root_name)
        if (finding.path, finding.message) not in seen:
            seen.add((finding.path, finding.message))
            out.append(finding)
    return out
