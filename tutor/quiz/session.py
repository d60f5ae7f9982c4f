"""Quiz-session helpers shared by plain line mode and the TUI.

One definition of everything both front ends need, so a question is asked,
parsed, simulated and graded the same way in a terminal line and in a dialog:
which questions a session asks, how typed answers are read (letters, numbers
with units, times, counts), the order items and options are shown in, and for
predict/mark questions the simulation and the *one* rule that decides where a
mark target lies on a trace. `tutor.quiz.plain` is only the line-mode session;
the TUI's dialogs call these same functions.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tutor.lab.events import Event
from tutor.quiz.grading import mark_target_time
from tutor.quiz.models import Lesson, OrderQuestion, Question
from tutor.quiz.store import Store

LETTERS = "abcdefghijklmnopqrstuvwxyz"

MeasureFn = Callable[[dict, str, str], Any]
"""`measure(run, measure_name, default_preset)` as in tutor.lab.experiments."""

TraceFn = Callable[
    [dict, str], tuple[Sequence[float], Sequence[float], Sequence[Mapping[str, Any]], dict]
]
"""`trace(run, default_preset)` → (t_ms, v_mV, events, fallback target times)."""


class AnswerError(ValueError):
    """A malformed answer; the message says what is expected."""


# --------------------------------------------------------------------------------------
# Answer parsing


def _letters(text: str) -> list[str]:
    text = text.strip().lower()
    parts = re.split(r"[\s,;]+", text) if re.search(r"[\s,;]", text) else list(text)
    return [p for p in parts if p]


def parse_choice(text: str, n_options: int, multiple: bool) -> int | list[int]:
    """Letters → option index (single) or sorted indices (multiple)."""
    last = LETTERS[n_options - 1]
    letters = _letters(text)
    if multiple:
        expected = f"one or more letters from a to {last}, e.g. `a c`"
    else:
        expected = f"one letter from a to {last}"
    if not letters or any(len(x) != 1 or x not in LETTERS[:n_options] for x in letters):
        raise AnswerError(f"expected {expected}")
    idx = sorted({LETTERS.index(x) for x in letters})
    if not multiple:
        if len(idx) != 1:
            raise AnswerError(f"expected {expected}")
        return idx[0]
    return idx


_LEADING_NUMBER_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


def unit_key(unit: str) -> str:
    """A unit as typed, reduced to compare spellings: `µA/cm²`, `uA/cm2`, `μA / cm^2` agree.

    Case is ignored (`hz` is Hz): the expected unit is known, so nothing is ambiguous.
    """
    u = unit.strip().replace("μ", "u").replace("µ", "u").replace("²", "2").replace("^2", "2")
    return (
        u.replace("³", "3")
        .replace("^3", "3")
        .replace("·", "")
        .replace("*", "")
        .replace(" ", "")
        .lower()
    )


def parse_number(text: str, unit: str | None = None) -> float:
    """A decimal number, optionally followed by the expected unit in any usual spelling.

    A Unicode minus and a decimal comma are accepted. A unit other than the expected one
    is refused with a line naming the expected unit (60 typed as `60 Hz` is fine for Hz;
    `0.06 kHz` is not silently converted).
    """
    t = text.strip().replace("−", "-").replace("–", "-")
    if re.fullmatch(r"[+-]?\d+,\d+.*", t):
        t = t.replace(",", ".", 1)
    expected = f"a number{' in ' + unit if unit else ''}, e.g. `12.5`"
    m = _LEADING_NUMBER_RE.match(t)
    if not m:
        raise AnswerError(f"expected {expected}")
    number, typed_unit = m.group(1), m.group(2)
    if typed_unit and (unit is None or unit_key(typed_unit) != unit_key(unit)):
        if unit is None or not re.match(r"[A-Za-zµμΩ%]", typed_unit):
            raise AnswerError(f"expected {expected}")
        raise AnswerError(f"the answer is asked in {unit}; type the number in {unit}")
    return float(number)


def parse_yes_no(text: str) -> bool:
    """yes/y/true or no/n/false."""
    t = text.strip().lower()
    if t in ("y", "yes", "true"):
        return True
    if t in ("n", "no", "false"):
        return False
    raise AnswerError("expected `yes` or `no`")


def parse_count(text: str) -> int:
    """A whole number ≥ 0."""
    t = text.strip()
    if not t.isdigit():
        raise AnswerError("expected a whole number ≥ 0, e.g. `2`")
    return int(t)


def parse_order(text: str, n_items: int) -> list[int]:
    """Every letter a..n exactly once, in the learner's order → shown-item indices."""
    last = LETTERS[n_items - 1]
    letters = _letters(text)
    expected = f"all the letters a to {last}, each once, in your order, e.g. `{LETTERS[:n_items]}`"
    if sorted(letters) != list(LETTERS[:n_items]):
        raise AnswerError(f"expected {expected}")
    return [LETTERS.index(x) for x in letters]


def parse_time(text: str) -> float:
    """A time in ms (≥ 0); a trailing `ms` is accepted."""
    value = parse_number(text, "ms")
    if value < 0:
        raise AnswerError("expected a time in ms ≥ 0, e.g. `6.5`")
    return value


def parse_confidence(text: str) -> int:
    """Certainty 1, 2 or 3."""
    t = text.strip()
    if t not in ("1", "2", "3"):
        raise AnswerError("expected 1 (unsure), 2 (fairly sure) or 3 (sure)")
    return int(t)


def shuffled_order(q: OrderQuestion, lesson_id: str, seed: int) -> list[str]:
    """The items as shown: shuffled reproducibly by seed, never already in the right order."""
    items: list[str] = list(q.items)
    rng = random.Random(f"{seed}:{lesson_id}:{q.id}:order")
    if len(set(items)) < 2:
        return items
    shown = items[:]
    while shown == items:
        rng.shuffle(shown)
    return shown


def first_seed(store: Store, lesson_id: str, question_id: str, default: int) -> int:
    """The seed of the learner's first recorded answer to this question, else `default`.

    Options are shown in the order drawn from this seed, so a learner who comes back
    to a question (on review, in a later session with another seed) sees the options
    where they saw them the first time.
    """
    for record in store.attempts(lesson_id):
        if record.question == question_id and record.seed is not None:
            return int(record.seed)
    return default


# --------------------------------------------------------------------------------------
# The engine, imported lazily (the quiz works without it except for predict/mark)


def engine_measure() -> MeasureFn:
    """The engine's `measure`, imported on first use (plain mode starts without numpy)."""
    from tutor.lab.experiments import measure

    return measure


def engine_trace(run: dict, default_preset: str) -> tuple[Any, Any, list[Event], dict]:
    """Simulate a run and annotate it: (t_ms, v_mV, events, fallback target times)."""
    from tutor.lab.annotate import annotate
    from tutor.lab.experiments import simulate_run

    res = simulate_run(run, default_preset)
    events = list(annotate(res) or [])
    fallback: dict[str, float | None] = {
        "peak": res.peak_ms if len(res.spikes_ms) else None,
        "ahp_min": res.ahp_ms,
        "spike": float(res.spikes_ms[0]) if len(res.spikes_ms) else None,
    }
    return res.t_ms, res.v_mV, events, fallback


def mark_target(
    target: str, events: Sequence[Mapping[str, Any]], fallback: Mapping[str, float | None]
) -> float | None:
    """Where a mark question's target lies on its trace (ms), or None: the one rule.

    The annotated event stream decides (`mark_target_time`); when the phase machine has no
    event for the target — a run that ends before the AHP minimum is confirmed, say — the
    run's own measures decide (`fallback` from `engine_trace`: peak, AHP minimum, first
    spike). Plain mode and the TUI both call this, so a mark is graded the same in both.
    """
    found = mark_target_time(target, events)
    return found if found is not None else fallback.get(target)


@dataclass(frozen=True)
class MarkTrace:
    """A mark question's frozen trace: samples, events, the target time and the view window."""

    t_ms: Sequence[float]
    v_mV: Sequence[float]
    events: list[Mapping[str, Any]]
    target_ms: float | None
    window: tuple[float, float]


def mark_trace(
    run: dict, default_preset: str, target: str, trace_fn: TraceFn | None = None
) -> MarkTrace:
    """Simulate and annotate a mark question's run and locate its target (slow, thread-safe)."""
    t, v, events, fallback = (trace_fn or engine_trace)(run, default_preset)
    target_ms = mark_target(target, events, fallback)
    window = mark_window(run, target_ms, float(t[-1]))
    return MarkTrace(t, v, list(events), target_ms, window)


def mark_window(run: dict, target_ms: float | None, tstop_ms: float) -> tuple[float, float]:
    """A window that contains the target without centring on it (that would give it away)."""
    pulses = run.get("pulses") or []
    if pulses:
        start = max(0.0, float(pulses[0][0]) - 1.0)
    elif target_ms is not None:
        start = max(0.0, target_ms - 6.0)
    else:
        start = 0.0
    stop = start + 14.0
    if target_ms is not None and target_ms + 3.0 > stop:
        stop = target_ms + 3.0
    if target_ms is not None and target_ms < start:
        start = max(0.0, target_ms - 3.0)
    return start, min(stop, tstop_ms, start + 30.0)


# --------------------------------------------------------------------------------------
# Which questions


def select_questions(
    lessons: Sequence[Lesson],
    store: Store | None = None,
    *,
    lesson_id: str | None = None,
    review: bool = False,
) -> list[tuple[Lesson, Question]]:
    """The questions a session asks: one lesson's, all lessons', or only the due cards."""
    chosen = [lesson for lesson in lessons if lesson_id is None or lesson.id == lesson_id]
    if not review:
        return [(lesson, q) for lesson in chosen for q in lesson.questions]
    assert store is not None
    by_id = {lesson.id: lesson for lesson in chosen}
    out: list[tuple[Lesson, Question]] = []
    for due in store.due():
        lesson = by_id.get(due.lesson)
        if lesson is None:
            continue
        try:
            out.append((lesson, lesson.question(due.question)))
        except KeyError:
            continue
    return out
