"""Lessons screen and question sessions (issue 17): leaving a lesson, a lesson starting
from default settings, the try-it list's first row, the session summary, and a predict
result that shows the run it measured. Numbers on screen are recomputed here from the
engine and the quiz, at the instant they are shown.
"""

from __future__ import annotations

from textual.widgets import OptionList

from tutor.app.dialogs.question import PredictDialog
from tutor.app.lab_session import LabState
from tutor.app.screens.lab import LabScreen
from tutor.app.screens.lessons import LessonsScreen
from tutor.app.widgets.plot import PlotView
from tutor.lab.experiments import simulate_run
from tutor.quiz.grading import describe_measured
from tutor.quiz.plain import SessionSummary, describe_run, misconception_words

from .helpers import open_screen, settle, text_of

SIZE = (120, 40)


async def test_free_exploration_leaves_the_lesson_and_nothing_pops_up(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("s")  # study: the lesson is active
        await pilot.pause()
        assert app.quiz.active_lesson == "tui-test"
        await pilot.press("l")
        await pilot.pause()
        head = text_of(app.screen.query_one("#lessons-head"))
        assert "active lesson: tui-test" in head and "f: free exploration" in head
        await pilot.press("f")
        await pilot.pause()
        lab = app.lab
        assert app.screen is lab and app.quiz.active_lesson is None
        assert "free play: no active lesson" in lab.message
        lab.session.deliver()
        events = lab.run_sim(15.0)  # a spike: the lesson's `why-h` trigger would open
        assert "spike" in [e["kind"] for e in events]
        await pilot.pause()
        await pilot.pause()
        assert app.screen is lab and lab.running  # no question, no pause
        await pilot.press("l")
        await pilot.pause()
        assert "no active lesson" in text_of(app.screen.query_one("#lessons-head"))


async def test_a_lesson_starts_from_default_settings(make_app) -> None:
    """Drugs, temperature, overrides, holding current and stimulus from earlier play are
    not carried into a lesson: `s` starts it from the defaults on the lesson's preset."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("t", "e", "plus", "plus", "up", "up", "right", "c", "i", "k", "b")
        lab.run_sim(40.0)
        await pilot.press("z", "z", "less_than_sign")  # zoomed in and scrolled back
        await pilot.press("M")  # and in minutes mode
        assert lab.session.slow
        lab.session.state.hold_uA_cm2 = 3.0
        dirty = lab.session.state
        assert dirty.blocks and dirty.stimulus.amp_uA_cm2 != 20.0
        assert lab.window_ms < lab.settings.window_ms and lab.view_end_ms is not None
        await pilot.press("l")
        await pilot.pause()
        lesson = app.screen.current
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is lab
        assert lab.session.state == LabState(preset=lesson.preset)
        assert lab.cursor_ms is None and lab.baseline is None
        assert lab.window_ms == lab.settings.window_ms and lab.view_end_ms is None  # live view
        assert not lab.session.slow and lab.query_one("#trace", PlotView).x_unit == "ms"
        assert lab.session.t_ms == 0.0 and lab.session.phase == "resting"
        lab.redraw()
        panel = text_of(lab.query_one("#panel"))
        default = LabState().stimulus
        assert f"amplitude  {default.amp_uA_cm2:g} µA/cm²" in panel
        assert f"width      {default.width_ms:g} ms" in panel
        assert "TTX        off" in panel and "TEA        off" in panel
        assert f"{lab.session.params().celsius:g} °C" in panel


async def test_try_it_list_highlights_its_first_row(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "l", LessonsScreen)
        tries = screen.query_one("#try-list", OptionList)
        assert tries.highlighted == 0
        first = screen.current.try_it[0].label
        assert str(tries.get_option_at_index(0).prompt) == f"▶ {first}"
        await pilot.press("enter")  # lesson list → the try-it list, its first row still lit
        assert screen.focused is tries and tries.highlighted == 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LabScreen)
        assert app.lab.message == f"try it: {first}"


async def test_question_session_ends_with_a_summary_in_the_contents_words(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("a")  # ask all of the lesson's questions
        await settle(pilot)
        await pilot.press("down", "enter")  # why-h: "m", the misconception option
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")  # skip the numeric one: the session ends
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "SummaryScreen"
        lesson = app.quiz.lesson("tui-test")
        why_h = lesson.question("why-h")
        attempt = app.asked[-1].attempt
        expected = SessionSummary(
            app.settings.seed,
            asked=2,
            attempts=[attempt],
            misconception_text={
                **misconception_words(why_h),
                **misconception_words(lesson.question("peak-value")),
            },
        ).lines()
        assert screen.lines == expected
        shown = text_of(screen.query_one("#summary-text"))
        assert "Summary: 1 answered of 2 shown; 0 correct" in shown
        assert "Misconceptions to revisit:" in shown
        assert '"m, the activation gate": m reopens quickly' in " ".join(shown.split())
        assert "refractory-closed" not in shown  # never the internal tag
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonsScreen)


async def _predict(app, pilot, question, key: str = "enter"):
    lesson = app.quiz.lesson("tui-test")
    app.ask([app.quiz.item(lesson, question)])
    await settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, PredictDialog)
    await pilot.press(key)
    await settle(pilot)
    await settle(pilot)
    assert dialog.state == "done"
    return lesson, dialog


async def test_predict_result_shows_the_run_beside_the_prediction(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.quiz.lesson("tui-test")
        question = lesson.question("ttx-spike")
        _, dialog = await _predict(app, pilot, question)
        run = question.run.to_dict(lesson.preset)
        res = simulate_run(run, lesson.preset)
        plot = dialog.query_one("#predict-plot", PlotView)
        assert plot.display
        n = len(res.spikes_ms)
        assert n == 0  # TTX: the run the learner sees has no spike …
        assert "0 spikes" in str(plot.border_title)
        feedback = " ".join(text_of(dialog.query_one("#feedback")).split())
        measured = describe_measured(question, app.quiz.measure(app.quiz.item(lesson, question)))
        assert measured in feedback  # … and the measured answer beside it says the same
        (_t, v, _phase), *_ = plot.data.series
        assert len(v) == len(res.v_mV) and float(abs(v - res.v_mV).max()) == 0.0
        caption = text_of(dialog.query_one("#run-caption"))
        assert " ".join(caption.split()) == describe_run(run, lesson.preset)
        assert "with TTX" in caption


async def test_predict_result_marks_the_peak_of_a_spiking_run(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        lesson = app.quiz.lesson("tui-test")
        base = lesson.question("ttx-spike")
        spiking = base.model_copy(
            update={"run": base.run.model_copy(update={"block": []}), "id": "no-ttx"}
        )
        _, dialog = await _predict(app, pilot, spiking, key="enter")
        run = spiking.run.to_dict(lesson.preset)
        res = simulate_run(run, lesson.preset)
        plot = dialog.query_one("#predict-plot", PlotView)
        assert len(res.spikes_ms) == 1 and "1 spike" in str(plot.border_title)
        (peak,) = [lb for lb in plot.data.labels if lb.text.startswith("▼peak")]
        assert peak.text == f"▼peak {res.peak_mV:+.1f} mV"
        assert (peak.x, peak.y) == (float(res.peak_ms), float(res.peak_mV))
        assert plot.size.height <= 7  # 80×24: the plot shrinks so the feedback still fits
        feedback = text_of(dialog.query_one("#feedback"))
        assert "your prediction" in feedback and "the model (measured)" in feedback


async def test_lesson_and_try_it_labels_wrap_at_spaces_and_hyphens_only(make_app) -> None:
    """At 80×24 the lesson list is ~20 columns wide, narrower than words such as
    "after-hyperpolarisation" (lesson 5's title), which Rich would fold mid-word.
    Every label, as drawn, is lines no wider than the list whose pieces are the
    label's own words (or the parts of a hyphenated word, the hyphen ending a line),
    in order; the same after a resize to 120×40."""
    import re

    app = make_app(content_dir=None)  # the shipped lessons
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")  # the first-run panel, if shown
        screen = await open_screen(pilot, "l", LessonsScreen)
        for size in ((80, 24), (120, 40)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            for selector in ("#lesson-list", "#try-list"):
                lst = screen.query_one(selector, OptionList)
                width = lst.scrollable_content_region.width
                labels = screen._labels[selector]
                assert labels and width > 0
                for index, label in enumerate(labels):
                    lines = str(lst.get_option_at_index(index).prompt).split("\n")
                    assert all(len(line) <= width for line in lines), (size, lines)
                    pieces = re.findall(r"[^\s-]*-|[^\s-]+", label)
                    assert "".join(lines).replace(" ", "") == "".join(pieces), (size, lines)
                    for line in lines[:-1]:  # a line ends at a word's end or after a hyphen
                        assert line.rstrip().endswith("-") or any(
                            re.search(rf"(^|[\s-]){re.escape(p)}$", line.rstrip()) for p in pieces
                        ), (size, line)
        long_words = [w for ls in app.quiz.lessons for w in ls.title.split() if len(w) > 20]
        assert long_words, "the shipped titles no longer test a word wider than the list"
