"""Questions that test understanding, not test-taking: counted over every shipped lesson.

Each target is a property of the content as a whole, so a lesson added or rewritten
later is held to it too:

- the key is the longest option in at most 35 % of single-answer choice questions
  (otherwise "pick the longest" scores well without any physiology);
- at least 85 % of wrong options name the misconception they embody, so "misconceptions
  to revisit" is a real diagnosis;
- at least 60 % of numeric questions diagnose known wrong answers (`[[near]]`);
- at most 30 % of predict questions are yes/no, and every lesson has a predict question;
- a mark of threshold (or of the start of depolarisation, the same instant) accepts at
  most ±0.3 ms, which separates threshold from the 0 mV crossing;
- repetitive firing is predicted under sustained current, and depolarisation block is
  taught and asked about.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.quiz.loader import load_lessons
from tutor.quiz.models import (
    ChoiceQuestion,
    MarkQuestion,
    NumericQuestion,
    PredictQuestion,
    RunSpec,
)

REPO = Path(__file__).resolve().parents[2]
LESSONS = load_lessons([REPO / "content"])
QUESTIONS = [(lesson, q) for lesson in LESSONS for q in lesson.questions]

#: A stimulus counts as sustained when it is a holding current or a step this long (ms).
SUSTAINED_MS = 100.0


def _single_choice() -> list[ChoiceQuestion]:
    return [q for _, q in QUESTIONS if isinstance(q, ChoiceQuestion) and not q.multiple]


def _is_sustained(run: RunSpec) -> bool:
    if run.hold not in (0, 0.0, "0"):
        return True
    return any(isinstance(w, int | float) and w >= SUSTAINED_MS for _, w, _ in run.pulses)


def test_there_are_enough_questions_to_count() -> None:
    assert len(LESSONS) >= 14
    assert len(_single_choice()) >= 30


def test_the_key_is_rarely_the_longest_option() -> None:
    questions = _single_choice()
    # a key that ties for longest counts as longest
    longest = [
        q.id
        for q in questions
        if any(o.correct and len(o.text) == max(len(x.text) for x in q.option) for o in q.option)
    ]
    share = len(longest) / len(questions)
    assert share <= 0.35, f"key is the longest in {len(longest)}/{len(questions)}: {longest}"


def test_the_key_is_rarely_the_shortest_option() -> None:
    """Shortening every key to stop 'pick the longest' would teach 'pick the shortest'."""
    questions = _single_choice()
    shortest = [
        q.id
        for q in questions
        if any(o.correct and len(o.text) == min(len(x.text) for x in q.option) for o in q.option)
    ]
    share = len(shortest) / len(questions)
    assert share <= 0.35, f"key is the shortest in {len(shortest)}/{len(questions)}: {shortest}"


def test_wrong_options_name_their_misconception() -> None:
    wrong = [
        (q.id, o.text)
        for _, q in QUESTIONS
        if isinstance(q, ChoiceQuestion)
        for o in q.option
        if not o.correct
    ]
    untagged = [
        (q.id, o.text)
        for _, q in QUESTIONS
        if isinstance(q, ChoiceQuestion)
        for o in q.option
        if not o.correct and not o.misconception
    ]
    tagged = 1 - len(untagged) / len(wrong)
    assert tagged >= 0.85, f"{len(untagged)}/{len(wrong)} wrong options untagged: {untagged}"


def test_no_throwaway_distractors() -> None:
    throwaway = ("simulation crashed", "is damaged", "the cell is dead", "none of the above")
    found = [
        (q.id, o.text)
        for _, q in QUESTIONS
        if isinstance(q, ChoiceQuestion)
        for o in q.option
        if any(t in o.text.lower() for t in throwaway)
    ]
    assert not found


def test_the_seed_misconception_about_k_channels_is_offered() -> None:
    """'K⁺ keeps flowing after the K⁺ channels have closed' — they are closing, not closed."""
    hits = [
        q.id
        for _, q in QUESTIONS
        if isinstance(q, ChoiceQuestion)
        for o in q.option
        if not o.correct and o.misconception == "k-flows-after-closing"
    ]
    assert hits


def test_numeric_questions_diagnose_near_misses() -> None:
    numeric = [q for _, q in QUESTIONS if isinstance(q, NumericQuestion)]
    with_near = [q for q in numeric if q.near]
    assert len(with_near) / len(numeric) >= 0.60, (
        f"{len(with_near)}/{len(numeric)}; without: {[q.id for q in numeric if not q.near]}"
    )
    for q in with_near:
        for near in q.near:
            # a near-miss window must not swallow the key
            assert abs(near.value - q.answer) > near.tolerance, (q.id, near.value)


def test_predict_questions_are_mostly_not_yes_no() -> None:
    predicts = [q for _, q in QUESTIONS if isinstance(q, PredictQuestion)]
    yes_no = [q.id for q in predicts if q.answer_as == "yes_no"]
    assert len(yes_no) / len(predicts) <= 0.30, f"{len(yes_no)}/{len(predicts)} yes/no: {yes_no}"


def test_every_lesson_has_a_predict_question() -> None:
    without = [
        lesson.id
        for lesson in LESSONS
        if not any(isinstance(q, PredictQuestion) for q in lesson.questions)
    ]
    assert not without


def _threshold_marks() -> list[tuple[str, str]]:
    return [
        (lesson.id, q.id)
        for lesson, q in QUESTIONS
        if isinstance(q, MarkQuestion) and q.target in ("threshold", "phase:depolarization")
    ]


def test_threshold_marks_accept_at_most_0_3_ms() -> None:
    """Threshold and the start of depolarisation are one instant: both are held to ±0.3 ms."""
    marks = _threshold_marks()
    assert any(q == "prop-mark-node" for _, q in marks)  # the start-of-upstroke marks count
    wide = [
        (q.id, q.tolerance_ms)
        for _, q in QUESTIONS
        if isinstance(q, MarkQuestion)
        and q.target in ("threshold", "phase:depolarization")
        and q.tolerance_ms > 0.3
    ]
    assert not wide


@pytest.mark.parametrize(("lesson_id", "question_id"), _threshold_marks())
def test_a_mark_at_threshold_rejects_the_0_mV_crossing(lesson_id: str, question_id: str) -> None:
    """Threshold (or the start of depolarisation, the same instant) and the spike's 0 mV
    crossing must not both fall inside the accepted window."""
    from tutor.quiz.grading import instantiate, mark_target_time
    from tutor.quiz.plain import engine_trace

    lesson = next(lesson for lesson in LESSONS if lesson.id == lesson_id)
    q = instantiate(lesson.question(question_id), lesson.id, 0)
    assert isinstance(q, MarkQuestion)
    _t, _v, events, fallback = engine_trace(q.run.to_dict(lesson.preset), lesson.preset)
    target = mark_target_time(q.target, events)
    spike = fallback.get("spike")
    assert target is not None and spike is not None
    assert spike - target > q.tolerance_ms, (question_id, target, spike, q.tolerance_ms)


#: Mark targets that name one instant: the phase machine enters depolarization at threshold
#: and repolarization at the peak (one sample later), so neither is a neighbour of the other.
SAME_INSTANT = {"phase:depolarization": "threshold", "phase:repolarization": "peak"}

#: The instants a learner sees on a one-spike trace and could mistake for one another: the
#: stimulus edges (kinks), threshold (the take-off), the 0 mV crossing, the peak, the
#: falling trace's crossing below rest (where hyperpolarization begins) and the AHP minimum.
LANDMARKS = (
    "stimulus_on", "stimulus_off", "threshold", "spike", "peak", "phase:hyperpolarization",
    "ahp_min",
)  # fmt: skip


def _mark_questions() -> list[tuple[str, str]]:
    return [(lesson.id, q.id) for lesson, q in QUESTIONS if isinstance(q, MarkQuestion)]


@pytest.mark.parametrize(("lesson_id", "question_id"), _mark_questions())
def test_a_mark_discriminates_its_event_from_the_neighbouring_ones(
    lesson_id: str, question_id: str
) -> None:
    """The accepted window (target ± tolerance) holds the target and no other landmark of
    the same run: a mark at the stimulus's end, the 0 mV crossing, the peak or the crossing
    below rest is then graded as what it is, not as threshold or the AHP minimum (or the
    other way round)."""
    from tutor.quiz.grading import instantiate
    from tutor.quiz.session import engine_trace, mark_target

    lesson = next(lesson for lesson in LESSONS if lesson.id == lesson_id)
    q = instantiate(lesson.question(question_id), lesson.id, 0)
    assert isinstance(q, MarkQuestion)
    _t, _v, events, fallback = engine_trace(q.run.to_dict(lesson.preset), lesson.preset)
    target = mark_target(q.target, events, fallback)
    assert target is not None
    own = SAME_INSTANT.get(q.target, q.target)
    times = {kind: mark_target(kind, events, fallback) for kind in LANDMARKS if kind != own}
    inside = {k: t for k, t in times.items() if t is not None and abs(t - target) <= q.tolerance_ms}
    assert not inside, (question_id, target, q.tolerance_ms, inside)
    if own in SAME_INSTANT.values():  # the same instant really is the same instant
        twin = mark_target(own, events, fallback)
        assert twin is not None and abs(twin - target) <= 0.05


def test_repetitive_firing_is_predicted_under_sustained_current() -> None:
    sustained = [
        q.id
        for _, q in QUESTIONS
        if isinstance(q, PredictQuestion)
        and q.measure in ("rate_hz", "spike_count", "isi_ms", "first_isi_ms", "last_isi_ms")
        and _is_sustained(q.run)
    ]
    assert len(sustained) >= 2, sustained


def test_depolarisation_block_is_taught_and_asked() -> None:
    taught = [lesson.id for lesson in LESSONS if "depolarisation block" in lesson.body.lower()]
    asked = [
        q.id
        for _, q in QUESTIONS
        if "depolarisation block" in (q.prompt + " " + (q.explanation or "")).lower()
        or (isinstance(q, PredictQuestion) and "block" in " ".join(q.tags))
    ]
    assert taught and asked


#: Words of a mark prompt that hold in one voltage convention only (the 1952 axis is
#: flipped: its spike points down, its AHP is the highest point).
DIRECTION_WORDS = r"\b(up\w*|down\w*|ris\w*|fall\w*|lowest|highest|below|above|points)\b"


def test_mark_prompts_with_a_direction_state_their_convention() -> None:
    """The TUI draws a mark question's trace in the lab's current view unless the question
    states a convention; a prompt that says "lowest" or "points downward" must state it,
    a 1952 trace is named so in the prompt, and the 1952 lesson's own mark is drawn in 1952."""
    import re

    marks = [(lesson, q) for lesson, q in QUESTIONS if isinstance(q, MarkQuestion)]
    directional = [(ls, q) for ls, q in marks if re.search(DIRECTION_WORDS, q.prompt, re.I)]
    assert directional, "no mark prompt names a direction: the check would check nothing"
    unstated = [f"{ls.id}/{q.id}" for ls, q in directional if q.convention is None]
    assert not unstated, unstated
    for ls, q in marks:  # a trace drawn in 1952 is announced as such in the words
        assert q.convention != "1952" or "1952" in q.prompt, f"{ls.id}/{q.id}"
    assert any(q.convention == "1952" for _, q in marks), "the 1952 lesson marks in 1952"
