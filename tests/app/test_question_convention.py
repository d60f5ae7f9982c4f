"""A question dialog's trace is drawn in one voltage convention with the lab and the words.

A mark question draws its frozen trace (and writes its cursor readout) in the convention
its words assume when it states one (`convention` in the content), else as the lab shows V
now (`v`: modern, or Hodgkin & Huxley 1952 — rest = 0, depolarization negative, about the
same resting potential as the lab's plot). A predict question answered in mV is graded on
the model's modern numbers and so draws its run in modern V. Every number on screen is
recomputed here from the simulated trace.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutor.app.dialogs.question import Y_RANGE_1952, Y_RANGE_MODERN, MarkDialog, PredictDialog
from tutor.app.widgets.plot import PlotView
from tutor.lab.experiments import simulate_run
from tutor.quiz.plain import trace_rows

from .helpers import settle, text_of

SIZE = (120, 40)


async def open_mark(app, pilot, convention: str | None) -> MarkDialog:
    lesson = app.quiz.lesson("tui-test")
    question = lesson.question("mark-peak").model_copy(update={"convention": convention})
    app.ask([app.quiz.item(lesson, question)])
    await settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, MarkDialog) and dialog.trace is not None
    return dialog


def shown_v(dialog) -> tuple[np.ndarray, tuple[float, float]]:
    plot = dialog.query_one("#mark-plot", PlotView)
    (_t, v, _phase), *_ = plot.data.series
    return np.asarray(v, float), plot.data.y_range


@pytest.mark.parametrize(
    ("lab_view", "stated", "drawn"),
    [
        ("modern", None, "modern"),  # the words hold in either: the lab's view
        ("1952", None, "1952"),
        ("modern", "1952", "1952"),  # the words assume one: that one, and it says so
        ("1952", "modern", "modern"),
    ],
)
async def test_mark_trace_follows_the_words_else_the_lab(make_app, lab_view, stated, drawn):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        if lab_view == "1952":
            await pilot.press("v")
        assert lab.convention == lab_view
        dialog = await open_mark(app, pilot, stated)
        tr = dialog.trace
        model_v = np.asarray(tr.v_mV, float)
        v, y_range = shown_v(dialog)
        if drawn == "1952":
            rest = float(model_v[0])
            # the same zero as the lab's own 1952 plot: this membrane's resting potential
            assert rest == pytest.approx(float(lab.session.live.rest.v_mV), abs=1e-6)
            assert np.array_equal(v, -(model_v - rest))
            assert y_range == Y_RANGE_1952
            assert v.min() < -80.0  # the spike points down, as the 1952 lesson says
        else:
            assert np.array_equal(v, model_v) and y_range == Y_RANGE_MODERN
            assert v.max() > 20.0
        name = "V₁₉₅₂" if drawn == "1952" else "V"
        title = str(dialog.query_one("#mark-plot", PlotView).border_title)
        assert f"frozen trace {name} (mV)" in title
        await pilot.press("shift+right", "shift+right", "right")
        i = min(int(np.searchsorted(tr.t_ms, dialog.cursor_ms)), len(v) - 1)
        readout = " ".join(text_of(dialog.query_one("#readout")).split())
        assert f"{name} = {v[i]:+.1f} mV" in readout
        differs = lab_view != drawn
        assert ("as the question is written" in readout) == differs
        if differs:
            assert f"the lab shows {lab_view} V" in readout
        # the answer: the target's marker sits on the trace as drawn
        dialog.cursor_ms = float(tr.target_ms)
        await pilot.press("enter")
        await pilot.pause()
        (label,) = dialog.query_one("#mark-plot", PlotView).data.labels
        k = min(int(np.searchsorted(tr.t_ms, tr.target_ms)), len(v) - 1)
        assert label.y == v[k] and dialog.record.attempt.correct


async def test_predict_in_mV_draws_modern_v_even_in_the_1952_lab(make_app) -> None:
    """Its answer and the measured value beside the run are modern mV: so is the run."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        lesson = app.quiz.lesson("tui-test")
        base = lesson.question("ttx-spike")
        in_mV = base.model_copy(
            update={
                "run": base.run.model_copy(update={"block": []}),
                "measure": "peak_mV",
                "answer_as": "number",
                "unit": "mV",
                "tolerance": 5.0,
            }
        )
        app.ask([app.quiz.item(lesson, in_mV)])
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PredictDialog)
        await pilot.press(*"40", "enter")
        await settle(pilot)
        await settle(pilot)
        res = simulate_run(in_mV.run.to_dict(lesson.preset), lesson.preset)
        plot = dialog.query_one("#predict-plot", PlotView)
        (_t, v, _phase), *_ = plot.data.series
        assert (
            np.array_equal(np.asarray(v), np.asarray(res.v_mV))
            and plot.data.y_range == Y_RANGE_MODERN
        )
        (peak,) = plot.data.labels
        assert peak.y == pytest.approx(float(res.peak_mV)) and f"{res.peak_mV:+.1f} mV" in peak.text
        caption = " ".join(text_of(dialog.query_one("#run-caption")).split())
        assert (
            "V in the modern convention, as the question is written (the lab shows 1952 V)"
            in caption
        )


async def test_a_yes_no_predict_draws_its_run_as_the_lab_shows_v(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        lesson = app.quiz.lesson("tui-test")
        base = lesson.question("ttx-spike")
        fires = base.model_copy(update={"run": base.run.model_copy(update={"block": []})})
        app.ask([app.quiz.item(lesson, fires)])
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        dialog = app.screen
        res = simulate_run(fires.run.to_dict(lesson.preset), lesson.preset)
        rest = float(res.v_mV[0])
        plot = dialog.query_one("#predict-plot", PlotView)
        (_t, v, _phase), *_ = plot.data.series
        assert np.array_equal(np.asarray(v), -(np.asarray(res.v_mV) - rest))
        assert plot.data.y_range == Y_RANGE_1952
        (peak,) = plot.data.labels
        want = -(float(res.peak_mV) - rest)
        assert peak.y == pytest.approx(want) and f"▲peak {want:+.1f} mV" in peak.text
        assert "V₁₉₅₂ (mV)" in str(plot.border_title)
        caption = " ".join(text_of(dialog.query_one("#run-caption")).split())
        assert "Hodgkin & Huxley 1952: rest = 0, depolarization negative" in caption
        assert "as the question is written" not in caption  # it agrees with the lab


def test_plain_trace_table_writes_v_in_the_questions_convention() -> None:
    from tutor.lab.notation import Notation

    res = simulate_run({"preset": "squid", "pulses": [[5, 1, 20]], "tstop": 20}, "squid")
    t, v = np.asarray(res.t_ms), np.asarray(res.v_mV)
    times = [5.0, float(res.peak_ms), 15.0]
    modern = trace_rows(t, v, times)
    hh = trace_rows(t, v, times, Notation(float(v[0])))
    assert "V1952" in hh[0] and "V (mV)" in modern[0]
    for m_row, h_row in zip(modern[1:], hh[1:], strict=True):
        tm, vm, sm = (float(x) for x in m_row.split())
        th, vh, sh = (float(x) for x in h_row.split())
        assert th == tm
        assert vh == pytest.approx(-(vm - float(v[0])), abs=0.011)  # printed to 0.01 mV
        assert sh == pytest.approx(-sm, abs=0.051)
