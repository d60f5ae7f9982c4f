"""The app's single door to tutor.quiz: lessons, triggers, grading, the store.

Why a bridge: dialogs and screens deal in :class:`AskItem` and the quiz's own
frozen models, never in loaders, SQLite or seeds. Grading and recording run
on the UI thread (they are fast, and the SQLite connection belongs to the
thread that opened it); only simulations (predict runs, mark traces) go to
worker threads, through :meth:`measure` and :meth:`mark_trace`, which are
pure and thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor.app.settings import AppSettings
from tutor.lab.events import Event
from tutor.quiz.session import MarkTrace


@dataclass(frozen=True)
class AskItem:
    """One question ready to ask: its lesson and the instantiated question."""

    lesson: Any
    question: Any
    event: Mapping[str, Any] | None = None
    """The live event that triggered it (None when asked from a list)."""

    @property
    def card_id(self) -> str:
        return f"{self.lesson.id}/{self.question.id}"

    @property
    def run(self) -> dict | None:
        """The question's run spec as an engine dict (predict / mark), preset filled in."""
        run = getattr(self.question, "run", None)
        return None if run is None else run.to_dict(self.lesson.preset)


@dataclass(frozen=True)
class ColouredMarkTrace(MarkTrace):
    """A mark question's trace (`tutor.quiz.session.MarkTrace`) with a phase colour per sample."""

    phase: Any = None
    """Phase index (`theme.phase_index`) of every sample, for colouring after the answer."""


@dataclass(frozen=True)
class PredictTrace:
    """The run a predict question measured, to show beside the learner's prediction."""

    t_ms: Any
    v_mV: Any
    phase: Any
    """Phase index (`theme.phase_index`) of every sample."""
    spikes_ms: tuple[float, ...]
    peak: tuple[float, float] | None
    """(t_ms, v_mV) of the highest point of the first spike; None without a spike."""
    described: str
    """The protocol in words (`tutor.quiz.plain.describe_run`, as plain mode prints it)."""
    tstop_ms: float


@dataclass
class QuizBridge:
    """Lessons, triggers and progress for one app session."""

    settings: AppSettings
    active_lesson: str | None = None
    """Lesson whose triggered questions open in the lab (None: free play, no pop-ups)."""
    error: str | None = None
    """Why content or the store could not be used (shown instead of crashing)."""
    fired: set[str] = field(default_factory=set)
    _lessons: tuple[Any, ...] | None = None
    _store: Any = None

    # -- content -----------------------------------------------------------------------
    @property
    def lessons(self) -> tuple[Any, ...]:
        """Lessons in list order; empty (with ``error`` set) if the content is broken."""
        if self._lessons is None:
            from tutor.quiz.loader import ContentError, load_lessons

            paths = [self.settings.content_dir] if self.settings.content_dir else None
            try:
                lessons = load_lessons(paths)
            except ContentError as exc:
                self.error = f"content has errors: {exc}"
                lessons = ()
            except (OSError, ValueError) as exc:
                self.error = f"content could not be read: {exc}"
                lessons = ()
            self._lessons = tuple(sorted(lessons, key=lambda ls: (ls.order, ls.id)))
        return self._lessons

    def lesson(self, lesson_id: str) -> Any:
        for ls in self.lessons:
            if ls.id == lesson_id:
                return ls
        raise KeyError(lesson_id)

    def item(self, lesson: Any, question: Any, event: Mapping[str, Any] | None = None) -> AskItem:
        """Instantiate a question (drawn parameters from the session seed)."""
        from tutor.quiz.grading import instantiate

        return AskItem(lesson, instantiate(question, lesson.id, self.settings.seed), event)

    def option_order(self, item: AskItem) -> tuple[int, ...]:
        """The order a choice question's options are shown in (file indices), as plain mode
        shows them: drawn from the seed of the learner's first answer to it, else the session's."""
        from tutor.quiz.grading import option_order
        from tutor.quiz.session import first_seed
        from tutor.quiz.store import StoreError

        try:
            seed = first_seed(self.store, item.lesson.id, item.question.id, self.settings.seed)
        except StoreError:  # an unusable store must not stop the question being shown
            seed = self.settings.seed
        return option_order(item.question, item.lesson.id, seed)

    def lesson_items(self, lesson_id: str) -> list[AskItem]:
        """Every question of a lesson, in file order."""
        ls = self.lesson(lesson_id)
        return [self.item(ls, q) for q in ls.questions]

    # -- store -------------------------------------------------------------------------
    @property
    def store(self) -> Any:
        """The progress store (opened on first use; StoreError propagates once, then cached)."""
        if self._store is None:
            from tutor.quiz.store import Store

            self._store = Store(self.settings.data_dir)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def progress(self) -> list[Any]:
        """LessonProgress per lesson (mastery, answered, due question ids)."""
        from tutor.quiz.store import lesson_progress

        return lesson_progress(self.lessons, self.store)

    def due_items(self) -> list[AskItem]:
        """Questions whose review cards are due now (FSRS)."""
        from tutor.quiz.session import select_questions

        return [
            self.item(ls, q) for ls, q in select_questions(self.lessons, self.store, review=True)
        ]

    # -- triggers ----------------------------------------------------------------------
    def _candidates(self) -> list[tuple[Any, Any]]:
        if self.active_lesson is None:
            return []
        try:
            ls = self.lesson(self.active_lesson)
        except KeyError:
            return []
        return [(ls, q) for q in ls.questions if q.trigger is not None]

    def match_triggers(self, events: Sequence[Event]) -> tuple[AskItem, bool] | None:
        """First question of the active lesson whose trigger one of ``events`` fires.

        Returns (item, pause) or None. Matching is `tutor.quiz.triggers.matches`, the
        same pure function plain mode uses: a transition event carries the state it
        leaves (`from`), so no state is kept here.
        """
        from tutor.quiz.triggers import matches

        cands = self._candidates()
        for ev in events:
            for ls, q in cands:
                trig = q.trigger
                key = f"{ls.id}/{q.id}"
                if trig.once and key in self.fired:
                    continue
                if matches(trig.on, trig.phase, ev):
                    self.fired.add(key)
                    return self.item(ls, q, ev), bool(trig.pause)
        return None

    # -- grading -----------------------------------------------------------------------
    def measure(self, item: AskItem) -> Any:
        """Run a predict question's experiment; the measured value (thread-safe, slow)."""
        from tutor.lab.experiments import measure

        return measure(item.run or {}, item.question.measure, item.lesson.preset)

    def predict_trace(self, item: AskItem) -> PredictTrace | None:
        """Simulate a predict question's run for display (thread-safe, slow).

        A membrane run only: a voltage clamp, a cable or a neuron has no single membrane
        trace to put beside the prediction (None then). The same `simulate_run` as
        `measure` uses, so the trace shown is the run that was measured.
        """
        import numpy as np

        from tutor.app.widgets.theme import phase_index
        from tutor.lab.annotate import annotate, labels_from_events
        from tutor.lab.experiments import simulate_run
        from tutor.quiz.plain import describe_run

        run = item.run or {}
        if any(k in run for k in ("clamp", "neuron", "axon")):
            return None
        res = simulate_run(run, item.lesson.preset)
        labels = labels_from_events(res.t_ms, list(annotate(res) or []))
        phase = np.fromiter((phase_index(p) for p in labels), np.int64, len(labels))
        spikes = tuple(float(x) for x in res.spikes_ms)
        peak = (float(res.peak_ms), float(res.peak_mV)) if spikes else None
        return PredictTrace(
            np.asarray(res.t_ms, float),
            np.asarray(res.v_mV, float),
            phase,
            spikes,
            peak,
            describe_run(run, item.lesson.preset),
            float(run.get("tstop", 50.0)),
        )

    def mark_trace(self, item: AskItem) -> ColouredMarkTrace:
        """Simulate and annotate a mark question's run (thread-safe, slow).

        The target is located by `tutor.quiz.session.mark_trace`, the same call plain mode
        makes, so a mark is graded identically in both.
        """
        import numpy as np

        from tutor.app.widgets.theme import phase_index
        from tutor.lab.annotate import labels_from_events
        from tutor.quiz.session import mark_trace

        trace = mark_trace(item.run or {}, item.lesson.preset, item.question.target)
        labels = labels_from_events(trace.t_ms, trace.events)
        phase = np.fromiter((phase_index(p) for p in labels), np.int64, len(labels))
        return ColouredMarkTrace(**vars(trace), phase=phase)

    def grade(
        self, item: AskItem, answer: Any, measured: Any = None, confidence: int | None = None
    ) -> Any:
        """Grade (pure) and record (committed now) one answer; returns the Attempt.

        `confidence` (1–3) adds a certainty-based mark, as `tutor quiz --confidence` does.
        """
        from tutor.quiz.grading import grade

        attempt = grade(
            item.question, item.lesson.id, answer, measured=measured, confidence=confidence
        )
        self.store.record(attempt, seed=self.settings.seed)
        return attempt
