"""Plain line mode: one question at a time on stdout, one answer per line on stdin.

For screen readers, pipes and scripts: no cursor movement, no colour, no
redrawing. Every answer is graded by `tutor.quiz.grading` and committed to the
store before the feedback is printed, so a session killed at any moment keeps
every answer it acknowledged. What both this mode and the TUI need (answer
parsers, question selection, the simulations of predict and mark questions and
where a mark target lies) is in `tutor.quiz.session`; this module is only the
line-mode session and how it prints a run and a trace as text.
"""

from __future__ import annotations

import math
import random
import re
import secrets
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from tutor.lab.notation import MODERN, Notation
from tutor.quiz.grading import (
    Attempt,
    format_number,
    grade,
    instantiate,
    option_order,
    with_confidence,
)
from tutor.quiz.models import (
    ChoiceQuestion,
    Lesson,
    MarkQuestion,
    NumericQuestion,
    OrderQuestion,
    PredictQuestion,
    Question,
)
from tutor.quiz.safety import printable
from tutor.quiz.session import (
    LETTERS,
    AnswerError,
    MeasureFn,
    TraceFn,
    engine_measure,
    engine_trace,
    first_seed,
    mark_trace,
    parse_choice,
    parse_confidence,
    parse_count,
    parse_number,
    parse_order,
    parse_time,
    parse_yes_no,
    select_questions,
    shuffled_order,
)
from tutor.quiz.store import Store

__all__ = [  # the line-mode session, plus the shared helpers it has always exported
    "LETTERS",
    "AnswerError",
    "PlainSession",
    "SessionSummary",
    "describe_run",
    "describe_trigger",
    "engine_measure",
    "engine_trace",
    "first_seed",
    "first_trigger_event",
    "parse_choice",
    "parse_confidence",
    "parse_count",
    "parse_number",
    "parse_order",
    "parse_time",
    "parse_yes_no",
    "sample_times",
    "select_questions",
    "shuffled_order",
    "trace_rows",
    "trace_table",
]


def trace_table(
    t_ms: Sequence[float],
    v_mV: Sequence[float],
    start_ms: float,
    stop_ms: float,
    step_ms: float = 0.5,
) -> list[str]:
    """Rows `t  V  dV/dt` every `step_ms` between start and stop, read off the samples.

    dV/dt (central difference of the samples) is there because threshold is where the
    slope takes off, which a 0.5 ms voltage column alone hides.
    """
    n = len(t_ms)
    if n < 3:
        return []
    dt = float(t_ms[1]) - float(t_ms[0])
    rows = ["   t (ms)    V (mV)  dV/dt (mV/ms)"]
    k = 0
    while start_ms + k * step_ms <= stop_ms + 1e-9:
        t = start_ms + k * step_ms
        i = min(n - 1, max(0, round((t - float(t_ms[0])) / dt)))
        lo, hi = max(0, i - 1), min(n - 1, i + 1)
        slope = (float(v_mV[hi]) - float(v_mV[lo])) / (float(t_ms[hi]) - float(t_ms[lo]))
        rows.append(f"{float(t_ms[i]):9.2f} {float(v_mV[i]):9.2f} {slope:14.1f}")
        k += 1
    return rows


#: Fine sampling (ms) of the plain-mode trace table near a mark target, and the zone's length.
FINE_STEP_MS = 0.1
FINE_ZONE_MS = 3.0


def sample_times(
    start_ms: float,
    stop_ms: float,
    target_ms: float | None,
    rng: random.Random,
    step_ms: float = 0.5,
) -> list[float]:
    """Times for the plain-mode trace table: every `step_ms`, and every 0.1 ms in a 3 ms
    zone that contains the target at a position drawn from `rng` (so the zone shows where
    to look without saying where the target is). A ±0.3 ms mark needs the fine rows:
    threshold and the 0 mV crossing are a fraction of a millisecond apart."""
    coarse = [start_ms + k * step_ms for k in range(int((stop_ms - start_ms) / step_ms + 1e-9) + 1)]
    if target_ms is None:
        return coarse
    # on the 0.1 ms grid, so fine and coarse rows line up
    lo = max(start_ms, math.floor((target_ms - rng.uniform(0.6, FINE_ZONE_MS - 0.6)) * 10) / 10)
    hi = min(stop_ms, lo + FINE_ZONE_MS)
    fine = [lo + k * FINE_STEP_MS for k in range(int((hi - lo) / FINE_STEP_MS + 1e-9) + 1)]
    times = sorted({round(x, 6) for x in coarse if not lo < x < hi} | {round(x, 6) for x in fine})
    return times


def trace_rows(
    t_ms: Sequence[float],
    v_mV: Sequence[float],
    times: Sequence[float],
    nt: Notation = MODERN,
) -> list[str]:
    """Rows `t  V  dV/dt` at the given times (nearest sample; central-difference slope),
    V and its slope written in ``nt``'s convention (a question written for the 1952 one)."""
    n = len(t_ms)
    if n < 3:
        return []
    dt = float(t_ms[1]) - float(t_ms[0])
    if nt.hh1952:
        v_mV = [nt.v(float(x)) for x in v_mV]
        rows = ["   t (ms)  V1952 mV  dV/dt (mV/ms)   (HH 1952: rest = 0, depolarization negative)"]
    else:
        rows = ["   t (ms)    V (mV)  dV/dt (mV/ms)"]
    for t in times:
        i = min(n - 1, max(0, round((t - float(t_ms[0])) / dt)))
        lo, hi = max(0, i - 1), min(n - 1, i + 1)
        slope = (float(v_mV[hi]) - float(v_mV[lo])) / (float(t_ms[hi]) - float(t_ms[lo]))
        rows.append(f"{float(t_ms[i]):9.2f} {float(v_mV[i]):9.2f} {slope:14.1f}")
    return rows


def describe_clamp(clamp: dict) -> str:
    """A voltage-clamp protocol in words (defaults as `tutor clamp`)."""

    def mv(values: list) -> str:
        return ", ".join(f"{format_number(float(v))}" for v in values) + " mV"

    text = f"voltage clamp held at {format_number(float(clamp.get('hold', -65.0)))} mV; from 5 ms"
    if clamp.get("prepulse"):
        text += (
            f" a {format_number(float(clamp.get('pre_dur', 50.0)))} ms prepulse to "
            f"{mv(list(clamp['prepulse']))}, then"
        )
    text += (
        f" a step to {mv(list(clamp['steps']))} for "
        f"{format_number(float(clamp.get('dur', 20.0)))} ms"
    )
    if clamp.get("tail") is not None:
        text += f", then a tail at {format_number(float(clamp['tail']))} mV"
    return text


def describe_run(run: dict, preset: str) -> str:
    """The protocol of a run in words (plain mode has no lab on screen to show it)."""
    parts = [f"the {run.get('preset') or preset} membrane"]
    if run.get("celsius") is not None:
        parts.append(f"at {format_number(float(run['celsius']))} °C")
    blocks = run.get("block") or []
    if blocks:
        parts.append("with " + " and ".join(str(b).upper() for b in blocks))
    sets = run.get("set") or {}
    if sets:
        parts.append(
            "with " + ", ".join(f"{k} = {format_number(float(v))}" for k, v in sets.items())
        )
    clamp = run.get("clamp")
    if clamp:
        return f"Run: {' '.join(parts)}; {describe_clamp(clamp)}."
    stim = []
    for d, w, a in run.get("pulses") or []:
        stim.append(
            f"a {format_number(float(a))} µA/cm² pulse from {format_number(float(d))} to "
            f"{format_number(float(d) + float(w))} ms"
        )
    if run.get("hold"):
        stim.append(f"a steady {format_number(float(run['hold']))} µA/cm² from t = 0")
    text = " ".join(parts)
    text += "; stimulus: " + ("; ".join(stim) if stim else "none")
    return f"Run: {text}; {format_number(float(run.get('tstop', 50.0)))} ms long."


_EVENT_WORDS: dict[str, str] = {
    "spike": "the spike crosses 0 mV on its way up",
    "threshold": "the membrane reaches threshold",
    "threshold_failed": "the membrane nears threshold and falls back without firing",
    "peak": "the spike reaches its peak",
    "ahp_min": "the after-hyperpolarisation reaches its lowest point",
    "run_end": "the run ends",
}


def describe_trigger(on: str, phase: str | None) -> str:
    """The moment a triggered question opens in the lab, in words."""
    name = (phase or "").replace("_", " ")
    if on == "phase_enter":
        return f"the membrane enters the {name} {'period' if 'refractory' in name else 'phase'}"
    if on == "phase_exit":
        return f"the membrane leaves the {name} {'period' if 'refractory' in name else 'phase'}"
    return _EVENT_WORDS.get(on, on.replace("_", " "))


def first_trigger_event(
    on: str, phase: str | None, events: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The first event of an annotated run that would open a question with this trigger
    (the same pure matching as the TUI, `tutor.quiz.triggers`)."""
    from tutor.quiz.triggers import first_match

    return first_match(on, phase, events)


# --------------------------------------------------------------------------------------
# Session


@dataclass
class SessionSummary:
    """What a plain session did (also printed at its end)."""

    seed: int
    asked: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    misconception_text: dict[str, str] = field(default_factory=dict)
    """Tag → what the learner answered and why it is wrong, in the content's own words
    (a learner cannot act on an internal id such as `pump-repolarizes`)."""

    @property
    def correct(self) -> int:
        """Fully right answers."""
        return sum(1 for a in self.attempts if a.correct)

    @property
    def score(self) -> float:
        """Sum of scores (partial credit included)."""
        return sum(a.score for a in self.attempts)

    def lines(self) -> list[str]:
        """The summary as printed."""
        n = len(self.attempts)
        if not n:
            return [f"Summary: no answers given ({self.asked} question(s) shown)."]
        pct = round(100 * self.score / n)
        out = [
            f"Summary: {n} answered of {self.asked} shown; {self.correct} correct; "
            f"score {format_number(round(self.score, 2))}/{n} ({pct}%)."
        ]
        cbm = [a.cbm for a in self.attempts if a.cbm is not None]
        if cbm:
            total = sum(cbm)
            out.append(
                f"Certainty-based marks: {format_number(total)} over {len(cbm)} answer(s) "
                f"(mean {format_number(round(total / len(cbm), 2))}; range -6 to 3 each)."
            )
        tags = sorted({t for a in self.attempts for t in a.misconceptions})
        if tags:
            out.append("Misconceptions to revisit:")
            for tag in tags:
                human = self.misconception_text.get(tag) or tag.replace("-", " ").capitalize()
                out.append(f"  - {human}")
        return out


def misconception_words(q: Question) -> dict[str, str]:
    """Tag → the content's own words for each misconception ``q`` can record: the option
    (or near-miss value) that carries it and its feedback. Plain mode and the TUI's session
    summary both list misconceptions this way, never by internal id."""
    words: dict[str, str] = {}
    if isinstance(q, ChoiceQuestion):
        for option in q.option:
            if option.misconception:
                words.setdefault(option.misconception, f'"{option.text}": {option.feedback}')
    for near in getattr(q, "near", ()) or ():
        if near.misconception:
            unit = getattr(q, "unit", "") or ""
            value = f"{format_number(near.value)} {unit}".strip()
            words.setdefault(near.misconception, f"{value}: {near.feedback}")
    return words


#: Column at which plain mode wraps its lines (a classic 80-column terminal, one spare).
PLAIN_WIDTH = 79


def wrap_for_terminal(text: str, width: int = PLAIN_WIDTH) -> list[str]:
    """`text` (one line) as lines of at most `width` columns, broken only between words.

    An indented line such as `  b) option text` continues under its text, not under the
    letter, so options stay readable; a word longer than the width is kept whole.
    """
    if len(text) <= width:
        return [text]
    m = re.match(r"(\s*(?:[a-z]\)|-)?\s*)", text)
    hang = " " * len(m.group(1)) if m else ""
    return textwrap.wrap(
        text,
        width=width,
        subsequent_indent=hang,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [text]


class _EOF(Exception):
    """End of input: the session ends with its summary."""


class PlainSession:
    """Drives questions over text streams; one instance per session."""

    def __init__(
        self,
        store: Store,
        inp: TextIO,
        out: TextIO,
        *,
        seed: int | None = None,
        confidence: bool = False,
        measure_fn: MeasureFn | None = None,
        trace_fn: TraceFn | None = None,
        width: int = PLAIN_WIDTH,
    ) -> None:
        self.store = store
        self.inp = inp
        self.out = out
        self.seed = secrets.randbelow(1_000_000) if seed is None else seed
        self.ask_confidence = confidence
        self.measure_fn = measure_fn
        self.trace_fn = trace_fn
        self.summary = SessionSummary(self.seed)
        self.width = width
        self._event_cache: dict[str, list[Mapping[str, Any]]] = {}

    # -- io --------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Print a line and flush (pipes must see it before we block on input).

        Every line passes through `safety.printable`: content text is data, and
        a control character in it must never reach the terminal as one. Long lines are
        wrapped at word boundaries (`wrap_for_terminal`): a terminal would cut them
        mid-word, and a screen reader reads the pieces as nonsense words.
        """
        for line in wrap_for_terminal(printable(text), self.width):
            self.out.write(line + "\n")
        self.out.flush()

    def _read(self) -> str:
        line = self.inp.readline()
        if line == "":
            raise _EOF
        return line.rstrip("\r\n")

    def ask(self, expected: str, parse: Callable[[str], Any]) -> Any:
        """Read lines until one parses; a malformed line gets one line saying what is expected."""
        self.say(f"Answer: {expected}")
        while True:
            text = self._read()
            try:
                return parse(text)
            except AnswerError as exc:
                self.say(f"Not understood: {exc}. Try again.")

    # -- session ---------------------------------------------------------------

    def run(self, items: Sequence[tuple[Lesson, Question]]) -> SessionSummary:
        """Ask every question in turn; stop early at end of input. Prints the summary."""
        self.say(f"Seed: {self.seed} (use --seed {self.seed} to get the same parameters again)")
        try:
            for n, (lesson, question) in enumerate(items, 1):
                self.say()
                self.say(
                    f"Question {n} of {len(items)} [{lesson.id}/{question.id}] ({question.type})"
                )
                self.summary.asked += 1
                self._one(lesson, question)
        except _EOF:
            self.say()
            self.say("End of input.")
        for line in self.summary.lines():
            self.say(line)
        return self.summary

    def _context(self, lesson: Lesson, question: Question) -> None:
        """For a question the lab opens at an event: the run and the moment, in words.

        Plain mode has no live trace, so "the banner has just switched…" needs saying: the
        lesson's first try-it run (else a 1 ms, 20 µA/cm² pulse) is simulated and the first
        moment that would open the question is reported with its time and voltage.
        """
        trig = question.trigger
        if trig is None:
            return
        run = (
            lesson.try_it[0].to_dict(lesson.preset)
            if lesson.try_it
            else {"preset": lesson.preset, "pulses": [[5.0, 1.0, 20.0]], "tstop": 50.0}
        )
        run = {k: v for k, v in run.items() if k != "label"}
        when = describe_trigger(trig.on, trig.phase)
        key = repr(sorted(run.items()))
        try:
            if key not in self._event_cache:
                _t, _v, events, _fb = (self.trace_fn or engine_trace)(run, lesson.preset)
                self._event_cache[key] = list(events)
            events = self._event_cache[key]
        except Exception:  # no engine, or a run it refuses: the words alone still help
            self.say(f"(In the lab this question opens when {when}.)")
            return
        self.say(describe_run(run, lesson.preset))
        ev = first_trigger_event(trig.on, trig.phase, events)
        if ev is None:
            self.say(f"In the lab this question opens when {when}; this run never gets there.")
            return
        v = ev.get("v_mV")
        v_text = f", V = {format_number(round(float(v), 1))} mV" if v is not None else ""
        self.say(f"Paused at t = {format_number(round(float(ev['t_ms']), 2))} ms{v_text}: {when}.")

    def _one(self, lesson: Lesson, question: Question) -> None:
        q = instantiate(question, lesson.id, self.seed)
        self._context(lesson, q)
        self.say(q.prompt)
        measured: Any = None
        answer: Any
        if isinstance(q, ChoiceQuestion):
            seed = first_seed(self.store, lesson.id, q.id, self.seed)
            options_shown = option_order(q, lesson.id, seed)
            for i, k in enumerate(options_shown):
                self.say(f"  {LETTERS[i]}) {q.option[k].text}")
            n = len(q.option)
            if q.multiple:
                expected = f"every correct letter (a to {LETTERS[n - 1]}), e.g. `a c`"
            else:
                expected = f"one letter, a to {LETTERS[n - 1]}"
            picked = self.ask(expected, lambda s: parse_choice(s, n, q.multiple))
            # grade on the file's indices, so stored answers do not depend on the order shown
            answer = (
                options_shown[picked]
                if isinstance(picked, int)
                else sorted(options_shown[i] for i in picked)
            )
        elif isinstance(q, NumericQuestion):
            answer = self.ask(f"a number in {q.unit}", lambda s: parse_number(s, q.unit))
        elif isinstance(q, OrderQuestion):
            shown = shuffled_order(q, lesson.id, self.seed)
            for i, item in enumerate(shown):
                self.say(f"  {LETTERS[i]}) {item}")
            idx = self.ask(
                f"the letters in the right order, e.g. `{' '.join(LETTERS[: len(shown)][::-1])}`",
                lambda s: parse_order(s, len(shown)),
            )
            answer = [shown[i] for i in idx]
        elif isinstance(q, PredictQuestion):
            fn = self.measure_fn or engine_measure()
            if q.answer_as == "yes_no":
                answer = self.ask("yes or no", parse_yes_no)
            elif q.answer_as == "count":
                answer = self.ask("a whole number", parse_count)
            else:
                answer = self.ask(f"a number in {q.unit}", lambda s: parse_number(s, q.unit))
            self.say("Running the simulation…")
            try:
                measured = fn(q.run.to_dict(lesson.preset), q.measure, lesson.preset)
            except Exception as exc:  # a content/engine problem must not end the session
                self.say(f"(skipped: the simulation failed: {exc})")
                return
        else:
            assert isinstance(q, MarkQuestion)
            run = q.run.to_dict(lesson.preset)
            try:
                trace = mark_trace(run, lesson.preset, q.target, self.trace_fn)
            except Exception as exc:  # a content/engine problem must not end the session
                self.say(f"(skipped: the simulation failed: {exc})")
                return
            t, v, measured = trace.t_ms, trace.v_mV, trace.target_ms
            start, stop = trace.window
            rng = random.Random(f"{self.seed}:{lesson.id}:{q.id}:zone")
            self.say(describe_run(run, lesson.preset))
            self.say(
                f"The trace from {format_number(start)} to {format_number(stop)} ms, every 0.5 ms "
                f"and every {format_number(FINE_STEP_MS)} ms where it matters:"
            )
            nt = Notation(float(v[0])) if q.convention == "1952" else MODERN  # starts at rest
            for row in trace_rows(t, v, sample_times(start, stop, measured, rng), nt):
                self.say(row)
            answer = self.ask(
                f"the time of the {q.target.replace('phase:', 'start of ')} in ms "
                f"(within ±{format_number(q.tolerance_ms)} ms)",
                parse_time,
            )
        attempt = grade(q, lesson.id, answer, measured=measured)
        self._remember_misconceptions(q)
        if self.ask_confidence:
            try:
                level = self.ask("how sure are you? 1 (unsure), 2 or 3 (sure)", parse_confidence)
            except _EOF:
                self._record(attempt)
                raise
            attempt = with_confidence(attempt, level)
        self._record(attempt)
        self._feedback(attempt)

    def _remember_misconceptions(self, q: Question) -> None:
        """Keep the human words for each misconception tag this question can record."""
        for tag, words in misconception_words(q).items():
            self.summary.misconception_text.setdefault(tag, words)

    def _record(self, attempt: Attempt) -> None:
        self.store.record(attempt, seed=self.seed)
        self.summary.attempts.append(attempt)

    def _feedback(self, a: Attempt) -> None:
        if a.correct:
            head = "Correct."
        elif a.score > 0:
            head = f"Partly right (score {round(100 * a.score)}%)."
        else:
            head = "Not quite."
        if a.cbm is not None:
            head += f" Certainty mark: {format_number(a.cbm)}."
        self.say(head)
        for line in a.feedback.splitlines():
            self.say(line)
