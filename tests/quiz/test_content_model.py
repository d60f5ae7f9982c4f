"""The shipped lessons agree with the model: every predict question's run is simulated,
every numeric answer stated as a model value (`from_model`) is recomputed, and every
mark target exists on its trace. Content cannot drift from the engine unnoticed."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.lab.names import MEASURES
from tutor.quiz.grading import instantiate, mark_target_time
from tutor.quiz.loader import load_lessons
from tutor.quiz.models import MarkQuestion, NumericQuestion, PredictQuestion
from tutor.quiz.plain import engine_measure, engine_trace

REPO = Path(__file__).resolve().parents[2]
LESSONS = load_lessons([REPO / "content"])
SEEDS = (0, 1, 2)


def _ids(kind: type) -> list[tuple[str, str]]:
    return [
        (lesson.id, q.id) for lesson in LESSONS for q in lesson.questions if isinstance(q, kind)
    ]


def _get(lesson_id: str, question_id: str):
    lesson = next(lesson for lesson in LESSONS if lesson.id == lesson_id)
    return lesson, lesson.question(question_id)


def test_there_is_something_to_check() -> None:
    assert _ids(PredictQuestion), "no predict questions in content/"


@pytest.mark.parametrize(("lesson_id", "question_id"), _ids(PredictQuestion))
def test_predict_runs_give_a_value_of_the_right_type(lesson_id: str, question_id: str) -> None:
    lesson, question = _get(lesson_id, question_id)
    measure = engine_measure()
    seeds = SEEDS if question.params else (0,)
    for seed in seeds:
        q = instantiate(question, lesson.id, seed)
        assert isinstance(q, PredictQuestion)
        value = measure(q.run.to_dict(lesson.preset), q.measure, lesson.preset)
        assert value is not None, f"{lesson_id}/{question_id} (seed {seed}): no value"
        kind = MEASURES[q.measure]
        if kind == "bool":
            assert isinstance(value, bool)
        elif kind == "int":
            assert isinstance(value, int) and not isinstance(value, bool)
        else:
            assert isinstance(value, float) and math.isfinite(value)


@pytest.mark.parametrize(
    ("lesson_id", "question_id"),
    [
        (lid, qid)
        for lid, qid in _ids(NumericQuestion)
        if _get(lid, qid)[1].from_model is not None  # type: ignore[union-attr]
    ],
)
def test_numeric_model_answers_match_the_engine(lesson_id: str, question_id: str) -> None:
    lesson, q = _get(lesson_id, question_id)
    assert isinstance(q, NumericQuestion) and q.from_model is not None
    value = engine_measure()(
        q.from_model.run.to_dict(lesson.preset), q.from_model.measure, lesson.preset
    )
    assert value is not None
    tol = q.tolerance if q.tolerance is not None else abs(q.answer) * (q.tolerance_pct or 0) / 100
    assert abs(float(value) - q.answer) <= tol, (
        f"{lesson_id}/{question_id}: content says {q.answer} {q.unit}, model gives {value}"
    )


@pytest.mark.parametrize(("lesson_id", "question_id"), _ids(MarkQuestion))
def test_mark_targets_exist_on_their_trace(lesson_id: str, question_id: str) -> None:
    lesson, question = _get(lesson_id, question_id)
    q = instantiate(question, lesson.id, 0)
    assert isinstance(q, MarkQuestion)
    t, _v, events, fallback = engine_trace(q.run.to_dict(lesson.preset), lesson.preset)
    target = mark_target_time(q.target, events)
    if target is None:
        target = fallback.get(q.target)
    assert target is not None, f"{lesson_id}/{question_id}: no `{q.target}` on the trace"
    assert 0 < target <= float(t[-1])


def test_quiz_packages_never_import_textual() -> None:
    code = (
        "import sys, tutor.quiz.loader, tutor.quiz.grading, tutor.quiz.store, tutor.quiz.plain, "
        "tutor.commands.quiz, tutor.commands.progress, tutor.commands.content; "
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
