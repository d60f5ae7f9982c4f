"""Shared quiz-session helpers: one rule for where a mark target lies, used by both front ends.

Before, plain mode fell back to the run's own peak/AHP when the phase machine had
no event for the target while the TUI did not: one question, two grades. Both now
call `tutor.quiz.session.mark_trace`.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tutor.app.quizbridge import AskItem, QuizBridge
from tutor.app.settings import AppSettings
from tutor.quiz import session
from tutor.quiz.models import Lesson, MarkQuestion, RunSpec
from tutor.quiz.plain import PlainSession
from tutor.quiz.store import Store

T = [i * 0.025 for i in range(1201)]
V = [-65.0 + (40.0 if 6.0 <= t <= 7.0 else 0.0) - (12.0 if 9.0 <= t <= 9.8 else 0.0) for t in T]
EVENTS = [{"t_ms": 6.5, "kind": "peak", "v_mV": -25.0}]  # no ahp_min event: the run ended early
FALLBACK = {"peak": 6.5, "ahp_min": 9.4, "spike": 6.1}


def fake_trace(run: dict, preset: str) -> tuple[list[float], list[float], list[dict], dict]:
    return T, V, list(EVENTS), dict(FALLBACK)


AHP = MarkQuestion(
    id="ahp", prompt="Mark the AHP.", run=RunSpec(), target="ahp_min", tolerance_ms=0.3
)
LESSON = Lesson(id="les", title="L", preset="squid", questions=(AHP,))


def test_mark_target_prefers_the_event_then_the_run() -> None:
    assert session.mark_target("peak", EVENTS, FALLBACK) == 6.5
    assert session.mark_target("ahp_min", EVENTS, FALLBACK) == 9.4  # no event: the run's AHP
    assert session.mark_target("threshold", EVENTS, FALLBACK) is None
    assert session.mark_target("peak", [], {"peak": None}) is None


def test_plain_and_tui_locate_the_same_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # plain mode, with the trace injected
    out = io.StringIO()
    with Store(tmp_path / "plain") as store:
        PlainSession(store, io.StringIO("9.5\n"), out, seed=1, trace_fn=fake_trace).run(
            [(LESSON, AHP)]
        )
        (plain_record,) = store.attempts()
    # the TUI's bridge, with the same trace behind the shared function
    monkeypatch.setattr(session, "engine_trace", fake_trace)
    bridge = QuizBridge(AppSettings(live=False, data_dir=tmp_path / "tui"))
    trace = bridge.mark_trace(AskItem(LESSON, AHP))
    assert plain_record.measured == trace.target_ms == 9.4
    assert plain_record.correct  # 9.5 is within ±0.3 ms of 9.4
    assert len(trace.phase) == len(T)


def test_labels_from_events_rebuilds_the_state_of_every_sample() -> None:
    from tutor.lab.annotate import labels_from_events

    events = [
        {"t_ms": 1.0, "kind": "phase", "phase": "depolarization"},
        {"t_ms": 1.5, "kind": "excitability", "phase": "absolute_refractory"},
        {"t_ms": 2.0, "kind": "phase", "phase": "repolarization"},
    ]
    t = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert labels_from_events(t, events) == [
        "resting",
        "resting",
        "depolarization",
        "depolarization",
        "repolarization",
        "repolarization",
    ]
    assert labels_from_events(t, events, "excitability", "excitable")[2:4] == [
        "excitable",
        "absolute_refractory",
    ]
