"""Triggers open questions at the right moment, and the screen agrees with the prompt.

`tutor.quiz.triggers` is the one matcher (TUI and plain mode); it keeps no state:
a transition event names the state it leaves (`from`). Then, for every shipped
question tied to a transition and every "try it" run of its lesson, the lab is
run as the TUI runs it and frozen at the moment the question opens: the banner
names the state the trigger speaks of, at the time the dialog shows.
"""

from __future__ import annotations

from functools import cache

import pytest

from tutor.lab.annotate import annotate
from tutor.lab.experiments import simulate_run
from tutor.quiz.loader import load_lessons
from tutor.quiz.triggers import first_match, matches


def ev(kind: str, phase: str | None = None, frm: str | None = None, t: float = 1.0) -> dict:
    e: dict = {"t_ms": t, "kind": kind, "v_mV": -60.0}
    if phase is not None:
        e["phase"] = phase
    if frm is not None:
        e["from"] = frm
    return e


def test_enter_and_exit_read_the_event_alone() -> None:
    """phase_enter matches the state entered; phase_exit the `from` of the event."""
    to_abs = ev("excitability", "absolute_refractory", "relative_refractory")
    to_exc = ev("excitability", "excitable", "relative_refractory")
    assert matches("phase_enter", "absolute_refractory", to_abs)
    assert not matches("phase_enter", "excitable", to_abs)
    assert matches("phase_enter", "excitable", to_exc)
    # leaving the relative period: both events do, into different states
    assert matches("phase_exit", "relative_refractory", to_abs)
    assert matches("phase_exit", "relative_refractory", to_exc)
    assert not matches("phase_exit", "excitable", to_exc)
    assert matches("spike", None, ev("spike"))
    assert not matches("spike", None, to_exc)
    # the same event twice gives the same answer: nothing is remembered between calls
    assert matches("phase_exit", "relative_refractory", to_abs)
    stream = [ev("phase", "subthreshold", "resting", 1.0), to_abs, ev("peak", t=3.0)]
    assert first_match("run_end", None, stream) is stream[-1]
    assert first_match("phase_exit", "resting", stream) is stream[0]
    assert first_match("threshold_failed", None, stream) is None


@cache
def lessons() -> dict[str, object]:
    return {ls.id: ls for ls in load_lessons()}


def test_lesson_7_ref_exit_opens_when_the_band_ends() -> None:
    """'The refractory band has ended … fully excitable again' opens on relative →
    excitable, not when a second pulse's spike takes the band from relative to absolute
    (which the try-it run with a strong second pulse 8 ms later does first)."""
    ls = lessons()["refractory"]
    q = next(q for q in ls.questions if q.id == "ref-exit")  # type: ignore[attr-defined]
    run = ls.try_it[1].to_dict(ls.preset)  # type: ignore[attr-defined]
    run = {k: v for k, v in run.items() if k != "label"}
    run["tstop"] = 60.0
    events = annotate(simulate_run(run, ls.preset))  # type: ignore[attr-defined]
    hit = first_match(q.trigger.on, q.trigger.phase, events)
    assert hit is not None and hit["phase"] == "excitable", hit
    wrong = first_match("phase_exit", "relative_refractory", events)
    assert wrong is not None and wrong["phase"] == "absolute_refractory"
    assert wrong["t_ms"] < hit["t_ms"]


def triggered() -> list[tuple[str, str, int]]:
    """(lesson id, question id, try-it index) for every transition-triggered question."""
    out = []
    for ls in lessons().values():
        for q in ls.questions:  # type: ignore[attr-defined]
            if q.trigger is not None and q.trigger.on in ("phase_enter", "phase_exit"):
                for i in range(len(ls.try_it)):  # type: ignore[attr-defined]
                    out.append((ls.id, q.id, i))  # type: ignore[attr-defined]
    return out


@pytest.mark.parametrize(("lesson_id", "question_id", "try_index"), triggered())
def test_banner_shows_the_state_the_trigger_names(
    lesson_id: str, question_id: str, try_index: int
) -> None:
    """Run the lesson's try-it as the lab does (1 ms at a time), freeze the view at the
    first event that opens the question: the banner's phase or excitability is the
    state entered (phase_enter) or no longer the state left (phase_exit), and its clock
    shows the event's time, as the dialog does."""
    from tutor.app.lab_session import LabSession

    ls = lessons()[lesson_id]
    q = next(q for q in ls.questions if q.id == question_id)  # type: ignore[attr-defined]
    spec = ls.try_it[try_index].to_dict(ls.preset)  # type: ignore[attr-defined]
    session = LabSession(ls.preset)  # type: ignore[attr-defined]
    session.apply_spec(spec)
    events: list[dict] = []
    while session.t_ms < float(spec.get("tstop", 50.0)):
        events.extend(session.advance(1.0))
    hit = first_match(q.trigger.on, q.trigger.phase, events)
    if hit is None:
        return  # this run never gets there: the question does not open
    session.freeze(hit)
    phase, excitability, why, t_ms = session.view()
    shown = phase if hit["kind"] == "phase" else excitability
    if q.trigger.on == "phase_enter":
        assert shown == q.trigger.phase, (hit, phase, excitability)
    else:
        assert shown != q.trigger.phase and hit["from"] == q.trigger.phase, hit
    assert f"{t_ms:.2f}" == f"{float(hit['t_ms']):.2f}"
    assert why
    session.unfreeze()
    assert session.view()[3] == session.t_ms
