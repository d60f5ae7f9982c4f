"""The content schema is defined once: the models, their `Literal` names, and how errors map.

The broken-file fixtures (test_validator.py) pin each code's position; these
tests pin what the single definition implies: the names the schema accepts are
the names lists, strictness, and that schema and semantic problems of one
question are reported together.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from tutor.lab import names
from tutor.quiz.loader import load_paths
from tutor.quiz.models import (
    QUESTION_MODELS,
    MarkQuestion,
    OrderQuestion,
    PredictQuestion,
    RunSpec,
    Trigger,
)
from tutor.sim import names as sim_names

FRONT = '+++\nid = "s"\ntitle = "S"\npreset = "squid"\n+++\nProse.\n\n'


def problems(tmp_path: Path, question: str) -> list[tuple[int, int, str, str]]:
    f = tmp_path / "s.md"
    f.write_text(FRONT + "```question\n" + question + "```\n")
    return [(p.line, p.col, p.code, p.message) for p in load_paths([f]).problems]


def test_names_with_a_value_table_match_their_literal() -> None:
    assert set(names.MEASURES) == set(get_args(names.MeasureName))
    assert set(sim_names.BLOCKS) == set(get_args(sim_names.BlockName))
    assert (
        "threshold",
        "peak",
        "ahp_min",
        "spike",
        *(f"phase:{p}" for p in names.PHASES),
    ) == names.MARK_TARGETS


@pytest.mark.parametrize(
    ("model", "field", "allowed"),
    [
        (Trigger, "on", names.TRIGGER_ON),
        (Trigger, "phase", names.PHASES + names.EXCITABILITY_STATES),
        (MarkQuestion, "target", names.MARK_TARGETS),
        (PredictQuestion, "measure", tuple(names.MEASURES)),
        (RunSpec, "preset", names.PRESET_NAMES),
    ],
)
def test_schema_accepts_exactly_the_names_lists(model: type, field: str, allowed: tuple) -> None:
    """Every listed name validates and a near miss does not: the Literals are the lists."""
    base: dict[str, dict] = {
        "Trigger": {"on": "phase_enter", "phase": "resting"},
        "MarkQuestion": {
            "id": "m",
            "prompt": "p",
            "run": {},
            "target": "peak",
            "tolerance_ms": 0.5,
        },
        "PredictQuestion": {
            "id": "p",
            "prompt": "p",
            "run": {},
            "measure": "spiked",
            "answer_as": "yes_no",
        },
        "RunSpec": {},
    }
    data = base[model.__name__]
    for name in allowed:
        assert getattr(model.model_validate({**data, field: name}), field) == name
    with pytest.raises(ValidationError):
        model.model_validate({**data, field: allowed[0] + "x"})


def test_schema_is_strict() -> None:
    with pytest.raises(ValidationError):
        MarkQuestion.model_validate(
            {"id": "m", "prompt": "p", "run": {}, "target": "peak", "tolerance_ms": "0.5"}
        )
    with pytest.raises(ValidationError):
        Trigger.model_validate({"on": "spike", "once": 1})
    assert RunSpec.model_validate({"pulses": ((5, 1, "{amp}"),)}).pulses == ((5.0, 1.0, "{amp}"),)


def test_every_question_type_has_its_model() -> None:
    assert set(QUESTION_MODELS) == {"choice", "numeric", "order", "predict", "mark"}
    for qtype, model in QUESTION_MODELS.items():
        assert model.model_fields["type"].default == qtype


def test_content_cannot_set_the_fence_line(tmp_path: Path) -> None:
    got = problems(
        tmp_path,
        'id = "q"\ntype = "order"\nprompt = "x"\nline = 3\n'
        'items = ["threshold", "depolarization", "repolarization"]\n',
    )
    assert [(line, col, code) for line, col, code, _ in got] == [(12, 1, "E003")]


def test_schema_and_semantic_problems_of_one_question_are_both_reported(tmp_path: Path) -> None:
    """A typo'd key (schema) does not hide that no option is correct (meaning)."""
    got = problems(
        tmp_path,
        'id = "q"\ntype = "choice"\nprompt = "x"\nexplantion = "y"\n'
        '[[option]]\ntext = "a"\nfeedback = "no"\n[[option]]\ntext = "b"\nfeedback = "no"\n',
    )
    assert [(line, col, code) for line, col, code, _ in got] == [(9, 1, "E008"), (12, 1, "E003")]
    assert "did you mean `explanation`?" in got[1][3]


def test_a_failed_key_is_not_reported_again_as_a_consequence(tmp_path: Path) -> None:
    """`tolerance = "2"` is a wrong type, not also a missing tolerance (E020)."""
    got = problems(
        tmp_path,
        'id = "q"\ntype = "numeric"\nprompt = "x"\nanswer = 1\nunit = "mV"\ntolerance = "2"\n',
    )
    assert [(line, col, code) for line, col, code, _ in got] == [(14, 13, "E005")]


def test_order_items_that_are_not_strings_are_reported_not_crashed_on(tmp_path: Path) -> None:
    """The old hand-written checker raised TypeError on `items = [1, 2]`."""
    got = problems(tmp_path, 'id = "q"\ntype = "order"\nprompt = "x"\nitems = [1, 2]\n')
    assert [(line, col, code) for line, col, code, _ in got] == [(12, 9, "E005"), (12, 9, "E025")]


def test_order_question_model_keeps_phase_names() -> None:
    q = OrderQuestion(id="o", prompt="p", items=("threshold", "depolarization", "repolarization"))
    assert q.items[0] == "threshold"
    with pytest.raises(ValidationError):
        OrderQuestion(id="o", prompt="p", items=("threshold", "depolarization"))
