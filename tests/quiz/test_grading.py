"""Grading is pure and exact: same question and answer, same Attempt."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutor.lab.names import PHASES
from tutor.quiz.grading import (
    Attempt,
    cbm_mark,
    draw_params,
    grade,
    instantiate,
    mark_target_time,
    order_score,
    substitute,
    with_confidence,
)
from tutor.quiz.models import (
    ChoiceQuestion,
    MarkQuestion,
    Near,
    NumericQuestion,
    Option,
    OrderQuestion,
    ParamSpec,
    PredictQuestion,
    RunSpec,
)

SINGLE = ChoiceQuestion(
    id="single",
    prompt="Why refractory?",
    option=(
        Option(text="h is low", correct=True, feedback="Inactivated."),
        Option(text="closed", feedback="Closed can open.", misconception="refractory-closed"),
        Option(text="pump", feedback="Too slow.", misconception="pump"),
    ),
)
MULTI = ChoiceQuestion(
    id="multi",
    prompt="Open gates?",
    multiple=True,
    option=(
        Option(text="m", correct=True, feedback="m opens."),
        Option(text="h", feedback="h closes.", misconception="h-opens"),
        Option(text="n", correct=True, feedback="n opens."),
        Option(text="none", feedback="No."),
    ),
)
NUMERIC_ABS = NumericQuestion(
    id="ena",
    prompt="ENa?",
    answer=50.0,
    unit="mV",
    tolerance=2.0,
    near=(Near(value=-77, tolerance=3, feedback="That is EK.", misconception="swap"),),
)
NUMERIC_PCT = NumericQuestion(id="peak", prompt="Peak?", answer=40.0, unit="mV", tolerance_pct=10)
ORDER = OrderQuestion(
    id="order",
    prompt="Order",
    items=("threshold", "depolarization", "repolarization", "hyperpolarization"),
)


def test_single_choice_right_and_wrong() -> None:
    right = grade(SINGLE, "les", 0)
    assert right == Attempt(
        lesson_id="les",
        question_id="single",
        answer=0,
        correct=True,
        score=1.0,
        feedback="Inactivated.",
    )
    wrong = grade(SINGLE, "les", 1)
    assert (wrong.correct, wrong.score, wrong.misconceptions) == (
        False,
        0.0,
        ("refractory-closed",),
    )
    assert wrong.feedback == "Closed can open.\nThe right answer: h is low"
    assert wrong.card_id == "les/single"


def test_single_choice_rejects_several_or_out_of_range() -> None:
    with pytest.raises(ValueError):
        grade(SINGLE, "les", [0, 1])
    with pytest.raises(ValueError):
        grade(SINGLE, "les", 3)


@pytest.mark.parametrize(
    ("chosen", "score", "tags"),
    [
        ({0, 2}, 1.0, ()),
        ({0}, 0.75, ()),
        ({0, 1, 2}, 0.75, ("h-opens",)),
        ({1, 3}, 0.0, ("h-opens",)),
        ({3}, 0.25, ()),
    ],
)
def test_multiple_choice_partial_credit_per_option(chosen, score, tags) -> None:
    a = grade(MULTI, "les", chosen)
    assert a.score == score
    assert a.correct is (score == 1.0)
    assert a.misconceptions == tags
    assert a.answer == sorted(chosen)


def test_multiple_choice_names_missed_options() -> None:
    assert grade(MULTI, "les", {0}).feedback == "m opens.\nAlso correct: n"


@pytest.mark.parametrize(
    ("answer", "correct"),
    [(50.0, True), (52.0, True), (48.0, True), (52.01, False), (47.9, False)],
)
def test_numeric_absolute_tolerance_edges(answer: float, correct: bool) -> None:
    assert grade(NUMERIC_ABS, "les", answer).correct is correct


@pytest.mark.parametrize(("answer", "correct"), [(44.0, True), (36.0, True), (44.1, False)])
def test_numeric_relative_tolerance(answer: float, correct: bool) -> None:
    assert grade(NUMERIC_PCT, "les", answer).correct is correct


def test_numeric_near_trap_gives_its_feedback_and_tag() -> None:
    a = grade(NUMERIC_ABS, "les", -75)
    assert (a.correct, a.score, a.misconceptions) == (False, 0.0, ("swap",))
    assert a.feedback == "That is EK.\nThe answer is 50 mV."
    far = grade(NUMERIC_ABS, "les", -70)
    assert far.misconceptions == () and far.feedback == "The answer is 50 mV."


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        (["threshold", "depolarization", "repolarization", "hyperpolarization"], 1.0),
        (["hyperpolarization", "repolarization", "depolarization", "threshold"], 0.0),
        (["depolarization", "threshold", "repolarization", "hyperpolarization"], 2 / 3),
        (["threshold", "repolarization", "depolarization", "hyperpolarization"], 2 / 3),
        (["repolarization", "hyperpolarization", "threshold", "depolarization"], 2 / 3),
    ],
)
def test_order_fraction_of_adjacent_pairs(answer: list[str], score: float) -> None:
    a = grade(ORDER, "les", answer)
    assert a.score == pytest.approx(score, abs=0, rel=1e-15)
    assert a.correct is (score == 1.0)


def test_order_with_repeated_names_and_bad_answers() -> None:
    items = ("resting", "depolarization", "repolarization", "resting")
    assert order_score(items, ["resting", "depolarization", "repolarization", "resting"]) == 1.0
    assert order_score(items, ["depolarization", "resting", "repolarization", "resting"]) == 2 / 3
    with pytest.raises(ValueError):
        order_score(items, ["resting", "depolarization", "repolarization"])


YES_NO = PredictQuestion(
    id="ttx",
    prompt="Spike with TTX?",
    run=RunSpec(pulses=((5, 1, 20),), block=("ttx",)),
    measure="spiked",
    answer_as="yes_no",
    feedback_wrong="TTX blocks Na+ channels.",
)
COUNT = PredictQuestion(
    id="n", prompt="How many?", run=RunSpec(), measure="spike_count", answer_as="count"
)
NUMBER = PredictQuestion(
    id="lat",
    prompt="Latency?",
    run=RunSpec(),
    measure="latency_ms",
    answer_as="number",
    unit="ms",
    tolerance_pct=20,
)


def test_predict_grades_against_the_measured_value() -> None:
    a = grade(YES_NO, "les", True, measured=False)
    assert (a.correct, a.measured) == (False, False)
    assert a.feedback == "Measured from the run: no.\nTTX blocks Na+ channels."
    assert grade(YES_NO, "les", False, measured=False).correct
    assert grade(COUNT, "les", 3, measured=3).correct
    assert not grade(COUNT, "les", 2, measured=3).correct
    assert grade(NUMBER, "les", 1.2, measured=1.0).correct
    assert not grade(NUMBER, "les", 1.21, measured=1.0).correct
    none = grade(NUMBER, "les", 1.0, measured=None)
    assert not none.correct and "no value" in none.feedback


MARK = MarkQuestion(id="pk", prompt="Peak", run=RunSpec(), target="peak", tolerance_ms=0.5)


def test_mark_within_tolerance_of_target() -> None:
    assert grade(MARK, "les", 7.0, measured=6.5).correct
    assert grade(MARK, "les", 6.0, measured=6.5).correct
    assert not grade(MARK, "les", 7.01, measured=6.5).correct
    a = grade(MARK, "les", 9.0, measured=6.53)
    assert a.feedback == "The peak is at 6.53 ms."
    assert not grade(MARK, "les", 1.0, measured=None).correct


def test_mark_target_time_from_events() -> None:
    events = [
        {"t_ms": 0.0, "kind": "phase", "phase": "resting"},
        {"t_ms": 5.9, "kind": "threshold"},
        {"t_ms": 5.9, "kind": "phase", "phase": "depolarization"},
        {"t_ms": 6.5, "kind": "peak"},
        {"t_ms": 6.5, "kind": "phase", "phase": "repolarization"},
        {"t_ms": 14.0, "kind": "phase", "phase": "resting"},
    ]
    assert mark_target_time("threshold", events) == 5.9
    assert mark_target_time("peak", events) == 6.5
    assert mark_target_time("phase:repolarization", events) == 6.5
    assert mark_target_time("phase:resting", events) == 14.0
    assert mark_target_time("ahp_min", events) is None


@pytest.mark.parametrize(
    ("correct", "confidence", "mark"),
    [(True, 1, 1), (True, 2, 2), (True, 3, 3), (False, 1, 0), (False, 2, -2), (False, 3, -6)],
)
def test_certainty_based_marking(correct: bool, confidence: int, mark: float) -> None:
    assert cbm_mark(correct, confidence) == mark
    base = grade(SINGLE, "les", 0 if correct else 1)
    a = with_confidence(base, confidence)
    assert (a.confidence, a.cbm, a.score) == (confidence, mark, base.score)
    assert base.cbm is None and base.confidence is None  # a new object, the old one unchanged
    assert grade(SINGLE, "les", 0 if correct else 1, confidence=confidence) == a


def test_cbm_rejects_other_levels() -> None:
    with pytest.raises(ValueError):
        cbm_mark(True, 4)


PARAM_Q = PredictQuestion(
    id="amp",
    prompt="Will {amp} µA/cm² for {width} ms fire? {not_a_param}",
    params={
        "amp": ParamSpec(min=5, max=15, step=0.5),
        "width": ParamSpec(values=(0.5, 1, 2)),
    },
    run=RunSpec(pulses=((5, "{width}", "{amp}"),), set={"gk": "{amp}"}),
    measure="spiked",
    answer_as="yes_no",
)


def test_params_are_reproducible_from_the_seed() -> None:
    first = draw_params(PARAM_Q, "les", 7)
    assert first == draw_params(PARAM_Q, "les", 7)
    draws = {tuple(draw_params(PARAM_Q, "les", s).items()) for s in range(40)}
    assert len(draws) > 5
    for s in range(40):
        values = draw_params(PARAM_Q, "les", s)
        assert 5 <= values["amp"] <= 15 and (values["amp"] * 2) == int(values["amp"] * 2)
        assert values["width"] in (0.5, 1, 2)
    assert draw_params(PARAM_Q, "other", 7) != first or draw_params(PARAM_Q, "x", 8) != first


def test_instantiate_substitutes_prompt_and_run() -> None:
    values = draw_params(PARAM_Q, "les", 3)
    q = instantiate(PARAM_Q, "les", 3)
    assert isinstance(q, PredictQuestion)
    assert q.run.pulses == ((5, values["width"], values["amp"]),)
    assert q.run.set == {"gk": values["amp"]}
    assert "{amp}" not in q.prompt and "{not_a_param}" in q.prompt
    assert PARAM_Q.run.pulses == ((5, "{width}", "{amp}"),)  # the original is untouched


def test_substitute_formats_numbers() -> None:
    assert substitute("{a} and {b} and {c}", {"a": 10.0, "b": 2.5}) == "10 and 2.5 and {c}"


# -- properties -----------------------------------------------------------------------


@given(st.permutations(PHASES))
def test_order_score_is_a_fraction_and_one_only_when_right(answer: list[str]) -> None:
    score = order_score(PHASES, answer)
    assert 0.0 <= score <= 1.0
    assert (score == 1.0) == (list(answer) == list(PHASES))
    assert score * (len(PHASES) - 1) == round(score * (len(PHASES) - 1))


@given(st.sets(st.integers(min_value=0, max_value=3), min_size=1))
def test_multiple_choice_score_counts_options(chosen: set[int]) -> None:
    a = grade(MULTI, "les", chosen)
    right = sum(1 for i in range(4) if (i in chosen) == MULTI.option[i].correct)
    assert a.score == right / 4
    assert a.correct == (chosen == {0, 2})


@given(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False))
def test_numeric_is_right_exactly_within_tolerance(x: float) -> None:
    assert grade(NUMERIC_ABS, "les", x).correct == (abs(x - 50.0) <= 2.0 + 1e-12)


@given(st.integers(min_value=0, max_value=10**9))
def test_params_stay_in_range_for_any_seed(seed: int) -> None:
    values = draw_params(PARAM_Q, "les", seed)
    assert 5 <= values["amp"] <= 15
    assert values["width"] in (0.5, 1, 2)


def test_every_model_field_is_documented() -> None:
    from tutor.quiz import models

    classes = [
        models.RunSpec, models.TryIt, models.ParamSpec, models.Trigger, models.Option,
        models.Near, models.FromModel, models.ChoiceQuestion, models.NumericQuestion,
        models.OrderQuestion, models.PredictQuestion, models.MarkQuestion, models.Lesson, Attempt,
    ]  # fmt: skip
    for cls in classes:
        for name, info in cls.model_fields.items():
            assert info.description, f"{cls.__name__}.{name} has no docstring"
