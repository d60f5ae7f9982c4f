"""Grading: pure functions from (question, answer) to a new frozen `Attempt`.

No I/O, no clock, no randomness except the explicit seed used to draw question
parameters, so the TUI, plain mode and tests all get identical results for the
same input. Storing the attempt is the store's job (tutor.quiz.store).

Answers by question type:

- choice: an option index (single) or a collection of indices (multiple);
- numeric: a float;
- order: the learner's sequence of item names;
- predict: bool (yes_no), float (number) or int (count), graded against the
  measured value passed in by the caller (who ran the simulation);
- mark: a time in ms, graded against the target event time passed in.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from tutor.quiz.models import (
    ChoiceQuestion,
    MarkQuestion,
    NumericQuestion,
    OrderQuestion,
    ParamSpec,
    PredictQuestion,
    Question,
    RunSpec,
)

#: Certainty-based marking (Gardner-Medwin): marks for (correct, wrong) at confidence 1, 2, 3.
CBM_MARKS: dict[int, tuple[float, float]] = {1: (1.0, 0.0), 2: (2.0, -2.0), 3: (3.0, -6.0)}

_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Attempt(BaseModel):
    """The graded result of one answer (immutable; the store adds the time)."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    lesson_id: str
    """Lesson the question belongs to."""
    question_id: str
    """Question id within the lesson."""
    answer: Any
    """The learner's answer as given to the grader (JSON-serialisable)."""
    correct: bool
    """Fully right (score == 1)."""
    score: float
    """0..1, partial credit for multiple choice and order."""
    feedback: str
    """What to show the learner (option/near/right/wrong feedback)."""
    misconceptions: tuple[str, ...] = ()
    """Misconception tags the answer revealed."""
    confidence: int | None = None
    """Certainty 1..3 if the learner gave one."""
    cbm: float | None = None
    """Certainty-based mark (1/2/3 if right, 0/-2/-6 if wrong); None without confidence."""
    measured: Any = None
    """Predict: the measured value; mark: the target time in ms."""

    @property
    def card_id(self) -> str:
        """Stable review card id: `lesson/question`."""
        return f"{self.lesson_id}/{self.question_id}"


def cbm_mark(correct: bool, confidence: int) -> float:
    """Gardner-Medwin certainty-based mark for one answer."""
    if confidence not in CBM_MARKS:
        raise ValueError(f"confidence must be 1, 2 or 3, not {confidence!r}")
    right, wrong = CBM_MARKS[confidence]
    return right if correct else wrong


def with_confidence(attempt: Attempt, confidence: int | None) -> Attempt:
    """A copy of `attempt` carrying the learner's certainty and its CBM mark."""
    if confidence is None:
        return attempt.model_copy(update={"confidence": None, "cbm": None})
    return attempt.model_copy(
        update={"confidence": confidence, "cbm": cbm_mark(attempt.correct, confidence)}
    )


# --------------------------------------------------------------------------------------
# Parameters


def draw_params(question: Question, lesson_id: str, seed: int) -> dict[str, float | int | str]:
    """Draw the question's parameters reproducibly: same seed, lesson, question ⇒ same values."""
    rng = random.Random(f"{seed}:{lesson_id}:{question.id}")
    return {name: _draw(spec, rng) for name, spec in question.params.items()}


def _draw(spec: ParamSpec, rng: random.Random) -> float | int | str:
    if spec.values is not None:
        return rng.choice(list(spec.values))
    assert spec.min is not None and spec.max is not None
    if spec.step:
        n = math.floor((spec.max - spec.min) / spec.step + 1e-9)
        value = spec.min + rng.randint(0, n) * spec.step
        return _tidy(round(value, 10))
    return _tidy(round(rng.uniform(spec.min, spec.max), 3))


def option_order(question: ChoiceQuestion, lesson_id: str, seed: int) -> tuple[int, ...]:
    """The order a choice question's options are shown in, as indices into `question.option`.

    A file order would leak the key (authors tend to put it second, or make it the
    longest); so the order is drawn from the seed, lesson and question — the same
    seed gives the same order, in plain mode and in the TUI, on first sight and on
    review. Grading always works on the file indices: callers map the shown position
    back with `order[position]`. `shuffle = false` keeps the file order.
    """
    order = list(range(len(question.option)))
    if question.shuffle and len(order) > 1:
        random.Random(f"{seed}:{lesson_id}:{question.id}:options").shuffle(order)
    return tuple(order)


def _tidy(x: float) -> float | int:
    """Whole numbers as ints so prompts read `10`, not `10.0`."""
    return int(x) if float(x).is_integer() else x


def format_number(x: float | int) -> str:
    """A number as a person would write it (no trailing .0, at most 4 significant decimals)."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:.0f}"


def substitute(text: str, values: Mapping[str, Any]) -> str:
    """Replace `{name}` placeholders whose name is in `values`; other braces stay."""

    def rep(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            return m.group(0)
        v = values[name]
        return format_number(v) if isinstance(v, int | float) else str(v)

    return _PLACEHOLDER_RE.sub(rep, text)


def _sub_scalar(v: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(v, str):
        m = _PLACEHOLDER_RE.fullmatch(v)
        if m and m.group(1) in values:
            return values[m.group(1)]
    return v


def substitute_run(run: RunSpec, values: Mapping[str, Any]) -> RunSpec:
    """A copy of a run spec with `"{name}"` strings replaced by the drawn numbers."""
    if not values:
        return run
    return run.model_copy(
        update={
            "pulses": tuple(tuple(_sub_scalar(x, values) for x in p) for p in run.pulses),
            "set": {k: _sub_scalar(v, values) for k, v in run.set.items()},
            "celsius": _sub_scalar(run.celsius, values),
            "tstop": _sub_scalar(run.tstop, values),
            "hold": _sub_scalar(run.hold, values),
            "clamp": None if run.clamp is None else _substitute_clamp(run.clamp, values),
        }
    )


def _substitute_clamp(clamp: Any, values: Mapping[str, Any]) -> Any:
    """A clamp table with its `"{name}"` voltages and durations replaced."""
    return clamp.model_copy(
        update={
            "steps": tuple(_sub_scalar(x, values) for x in clamp.steps),
            "prepulse": tuple(_sub_scalar(x, values) for x in clamp.prepulse),
            **{
                k: _sub_scalar(getattr(clamp, k), values)
                for k in ("hold", "dur", "pre_dur", "tail", "tail_dur")
            },
        }
    )


def instantiate(question: Question, lesson_id: str, seed: int) -> Question:
    """The question with its parameters drawn from `seed` and substituted everywhere.

    Returns a new frozen question (prompt, explanation, option texts/feedback and run
    specs filled in); questions without `params` come back unchanged.
    """
    if not question.params:
        return question
    values = draw_params(question, lesson_id, seed)
    update: dict[str, Any] = {"prompt": substitute(question.prompt, values)}
    if question.explanation:
        update["explanation"] = substitute(question.explanation, values)
    if isinstance(question, ChoiceQuestion):
        update["option"] = tuple(
            o.model_copy(
                update={
                    "text": substitute(o.text, values),
                    "feedback": substitute(o.feedback, values),
                }
            )
            for o in question.option
        )
    if isinstance(question, PredictQuestion | MarkQuestion):
        update["run"] = substitute_run(question.run, values)
    if isinstance(question, PredictQuestion):
        for key in ("feedback_right", "feedback_wrong"):
            text = getattr(question, key)
            if text:
                update[key] = substitute(text, values)
    if isinstance(question, NumericQuestion) and question.from_model is not None:
        update["from_model"] = question.from_model.model_copy(
            update={"run": substitute_run(question.from_model.run, values)}
        )
    return question.model_copy(update=update)


# --------------------------------------------------------------------------------------
# Grading by type


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def _right_or_wrong(
    q: NumericQuestion | PredictQuestion | MarkQuestion,
    lesson_id: str,
    answer: Any,
    correct: bool,
    *feedback: str | None,
    misconceptions: tuple[str, ...] = (),
    measured: Any = None,
) -> Attempt:
    """The attempt at a question with no partial credit (score 1 or 0); the question's
    explanation follows the given feedback."""
    return Attempt(
        lesson_id=lesson_id,
        question_id=q.id,
        answer=answer,
        correct=correct,
        score=1.0 if correct else 0.0,
        feedback=_join(*feedback, q.explanation),
        misconceptions=misconceptions,
        measured=measured,
    )


def _within(value: float, key: float, tolerance: float | None, tolerance_pct: float | None) -> bool:
    if tolerance is not None:
        tol = tolerance
    elif tolerance_pct is not None:
        tol = abs(key) * tolerance_pct / 100.0
    else:
        tol = 0.0
    return abs(value - key) <= tol + 1e-12


def grade_choice(q: ChoiceQuestion, lesson_id: str, answer: int | Collection[int]) -> Attempt:
    """Single: the chosen option's correctness. Multiple: fraction of options classified right."""
    chosen = {answer} if isinstance(answer, int) else set(answer)
    for i in chosen:
        if not 0 <= i < len(q.option):
            raise ValueError(f"option index {i} out of range 0..{len(q.option) - 1}")
    if not q.multiple and len(chosen) != 1:
        raise ValueError("a single-answer question takes exactly one option")
    right = sum(1 for i, o in enumerate(q.option) if (i in chosen) == o.correct)
    score = right / len(q.option) if q.multiple else float(right == len(q.option))
    feedback = [q.option[i].feedback for i in sorted(chosen)]
    if not q.multiple and score < 1.0:
        right_text = next(o.text for o in q.option if o.correct)
        feedback.append(f"The right answer: {right_text}")
    if q.multiple:
        missed = [o.text for i, o in enumerate(q.option) if o.correct and i not in chosen]
        if missed:
            feedback.append("Also correct: " + "; ".join(missed))
    tags = tuple(
        tag
        for i in sorted(chosen)
        if (tag := q.option[i].misconception) and not q.option[i].correct
    )
    stored = sorted(chosen) if q.multiple else next(iter(chosen))
    return Attempt(
        lesson_id=lesson_id,
        question_id=q.id,
        answer=stored,
        correct=score == 1.0,
        score=score,
        feedback=_join(*feedback, q.explanation),
        misconceptions=tags,
    )


def grade_numeric(q: NumericQuestion, lesson_id: str, answer: float) -> Attempt:
    """Right within the tolerance; a wrong answer inside a `near` window gets its feedback."""
    answer = float(answer)
    correct = _within(answer, q.answer, q.tolerance, q.tolerance_pct)
    tags: tuple[str, ...] = ()
    fb = f"The answer is {format_number(q.answer)} {q.unit}."
    if not correct:
        for near in q.near:
            if abs(answer - near.value) <= near.tolerance + 1e-12:
                fb = _join(near.feedback, fb)
                tags = (near.misconception,) if near.misconception else ()
                break
    return _right_or_wrong(q, lesson_id, answer, correct, fb, misconceptions=tags)


def order_score(items: Sequence[str], answer: Sequence[str]) -> float:
    """Fraction of adjacent pairs of `answer` that are in the right relative order.

    Repeated names take the correct positions in the order they appear, so swapping
    two identical items never costs credit.
    """
    if sorted(answer) != sorted(items):
        raise ValueError("the answer must use every item exactly once")
    free: dict[str, list[int]] = {}
    for i, name in enumerate(items):
        free.setdefault(name, []).append(i)
    ranks = [free[name].pop(0) for name in answer]
    pairs = len(ranks) - 1
    if pairs <= 0:
        return 1.0
    return sum(1 for a, b in itertools.pairwise(ranks) if a < b) / pairs


def grade_order(q: OrderQuestion, lesson_id: str, answer: Sequence[str]) -> Attempt:
    """Partial credit per adjacent pair in the right order."""
    score = order_score(q.items, answer)
    correct = score == 1.0
    fb = "Correct order." if correct else "Right order: " + " → ".join(q.items) + "."
    return Attempt(
        lesson_id=lesson_id,
        question_id=q.id,
        answer=list(answer),
        correct=correct,
        score=score,
        feedback=_join(fb, q.explanation),
    )


def describe_measured(q: PredictQuestion, measured: Any) -> str:
    """The measured value in words, e.g. `yes` / `3` / `-12.4 mV` / `no value`."""
    if measured is None:
        return "no value (the run produced none)"
    if q.answer_as == "yes_no":
        return "yes" if measured else "no"
    unit = f" {q.unit}" if q.unit else ""
    return f"{format_number(measured)}{unit}"


def grade_predict(
    q: PredictQuestion, lesson_id: str, answer: bool | float | int, measured: Any
) -> Attempt:
    """Compare the prediction with the value measured from the run (the key)."""
    if measured is None:
        correct = False
    elif q.answer_as == "yes_no":
        correct = bool(answer) == bool(measured)
    elif q.answer_as == "count":
        correct = int(answer) == int(measured)
    else:
        correct = _within(float(answer), float(measured), q.tolerance, q.tolerance_pct)
    said = "Measured from the run: " + describe_measured(q, measured) + "."
    right_or_wrong = q.feedback_right if correct else q.feedback_wrong
    return _right_or_wrong(q, lesson_id, answer, correct, said, right_or_wrong, measured=measured)


def grade_mark(q: MarkQuestion, lesson_id: str, t_ms: float, target_ms: float | None) -> Attempt:
    """Right when the mark is within `tolerance_ms` of the target event's time."""
    t_ms = float(t_ms)
    if target_ms is None:
        correct = False
        fb = f"This trace has no {q.target} event."
    else:
        correct = abs(t_ms - target_ms) <= q.tolerance_ms + 1e-12
        name = q.target.replace("phase:", "start of ")
        fb = f"The {name} is at {format_number(round(target_ms, 2))} ms."
    return _right_or_wrong(q, lesson_id, t_ms, correct, fb, measured=target_ms)


def grade(
    question: Question,
    lesson_id: str,
    answer: Any,
    *,
    measured: Any = None,
    confidence: int | None = None,
) -> Attempt:
    """Grade any question type; `measured` is the run's value (predict) or target ms (mark)."""
    if isinstance(question, ChoiceQuestion):
        attempt = grade_choice(question, lesson_id, answer)
    elif isinstance(question, NumericQuestion):
        attempt = grade_numeric(question, lesson_id, answer)
    elif isinstance(question, OrderQuestion):
        attempt = grade_order(question, lesson_id, answer)
    elif isinstance(question, PredictQuestion):
        attempt = grade_predict(question, lesson_id, answer, measured)
    else:
        attempt = grade_mark(question, lesson_id, answer, measured)
    return with_confidence(attempt, confidence) if confidence is not None else attempt


def mark_target_time(target: str, events: Sequence[Mapping[str, Any]]) -> float | None:
    """Time (ms) of the first event a mark target names, from the annotated event list."""
    if target.startswith("phase:"):
        name = target.split(":", 1)[1]
        for e in events:
            # the initial label at t = 0 is not an entry into the phase
            if e.get("kind") == "phase" and e.get("phase") == name and float(e["t_ms"]) > 0:
                return float(e["t_ms"])
        return None
    for e in events:
        if e.get("kind") == target:
            return float(e["t_ms"])
    return None
