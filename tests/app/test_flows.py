"""End-to-end flows: questions in the lab, mark and predict, lessons' try-it, progress."""

from __future__ import annotations

import importlib.util

import pytest

from tutor.app.dialogs.question import (
    AnswerRecord,
    ChoiceDialog,
    MarkDialog,
    NumericDialog,
    OrderDialog,
    PredictDialog,
)
from tutor.app.screens.lab import LabScreen
from tutor.app.screens.lessons import LessonsScreen
from tutor.app.screens.progress import ProgressScreen
from tutor.lab.names import PHASES
from tutor.quiz.store import Store

from .helpers import open_screen, settle, text_of

SIZE = (120, 40)
HAVE_PHASES = importlib.util.find_spec("tutor.lab.phases") is not None
needs_phases = pytest.mark.skipif(not HAVE_PHASES, reason="phase machine not available")


def attempts(app) -> list:
    app.quiz.close()  # flush and release the store's connection
    with Store(app.settings.data_dir) as store:
        return store.attempts()


@needs_phases
async def test_stimulus_spike_phase_labels_in_order(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        seen: list[str] = []
        banner_phases: list[str] = []
        for _ in range(120):  # 30 ms in 0.25 ms frames, as the live timer would
            for ev in app.lab.run_sim(0.25):
                if ev["kind"] == "phase":
                    seen.append(ev["phase"])
            app.lab.redraw()
            banner_phases.append(app.lab.session.phase)
        expected = ["depolarization", "repolarization", "hyperpolarization", "resting"]
        got = [p for p in seen if p in expected]
        assert got[:4] == expected, seen
        # The banner followed the same order, and every sample of the trace carries a label.
        dedup = [p for i, p in enumerate(banner_phases) if i == 0 or p != banner_phases[i - 1]]
        dedup = dedup[dedup.index("depolarization") :]
        assert [p for p in dedup if p in expected][:4] == expected
        labels = {PHASES[i] for i in app.lab.session.buffer.col("phase")}
        assert set(expected) <= labels
        kinds = [e["kind"] for e in app.lab.session.events]
        assert kinds.index("threshold") < kinds.index("peak") < kinds.index("ahp_min")


@needs_phases
async def test_triggered_question_opens_answered_recorded(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.quiz.active_lesson = "tui-test"
        await pilot.press("space")
        for _ in range(80):
            app.lab.run_sim(0.25)
            await pilot.pause()
            if isinstance(app.screen, ChoiceDialog):
                break
        assert isinstance(app.screen, ChoiceDialog)
        assert not app.lab.running  # the trigger paused the run
        await pilot.press("enter")  # first option: the right one
        await pilot.pause()
        assert app.screen.state == "done"
        assert "Right" in text_of(app.screen.query_one("#feedback"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LabScreen)
        assert app.lab.running  # resumed after the answer
        recs = attempts(app)
        assert [(r.lesson, r.question, r.correct) for r in recs] == [("tui-test", "why-h", True)]


async def test_trigger_from_event_stream(make_app) -> None:
    """The trigger matcher reads the same event dicts the phase machine emits."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.lab.post_message(LabScreen.NewEvents([{"t_ms": 6.0, "kind": "spike", "v_mV": 0.0}]))
        await pilot.pause()
        assert isinstance(app.screen, LabScreen)  # no active lesson: free play, no pop-ups
        app.quiz.active_lesson = "tui-test"
        app.lab.post_message(LabScreen.NewEvents([{"t_ms": 6.0, "kind": "spike", "v_mV": 0.0}]))
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # the misconception
        await pilot.pause()
        assert "Not quite" in text_of(app.screen.query_one("#feedback"))
        await pilot.press("enter")
        await settle(pilot)
        recs = attempts(app)
        assert recs[0].correct is False
        assert "refractory-closed" in recs[0].misconceptions
        # once = true: the same event does not open it again
        app.lab.post_message(LabScreen.NewEvents([{"t_ms": 9.0, "kind": "spike", "v_mV": 0.0}]))
        await pilot.pause()
        assert isinstance(app.screen, LabScreen)


def ask(app, qid: str) -> None:
    lesson = app.quiz.lesson("tui-test")
    app.ask([app.quiz.item(lesson, lesson.question(qid))])


async def test_numeric_question(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ask(app, "peak-value")
        await settle(pilot)
        assert isinstance(app.screen, NumericDialog)
        await pilot.press("a", "b", "enter")  # not a number: refused, with a hint
        await pilot.pause()
        assert app.screen.state == "asking"
        assert "expected a number in mV" in text_of(app.screen.query_one("#hint"))
        await pilot.press("backspace", "backspace", *"45 mV", "enter")  # unit typed along
        await pilot.pause()
        assert app.screen.state == "done"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LabScreen)
        assert isinstance(app.asked[-1], AnswerRecord)
        assert app.asked[-1].answer.number == 45.0
        assert attempts(app)[0].correct


async def test_order_question(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ask(app, "phase-order")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OrderDialog)
        order = dialog.query_one("#order")
        # Sort by moving items with shift+arrows until right.
        target = ["depolarization", "repolarization", "hyperpolarization"]
        for pos, name in enumerate(target):
            i = order.items.index(name)
            order.highlighted = i
            for _ in range(i - pos):
                await pilot.press("shift+up")
        assert order.items == target
        await pilot.press("enter")
        await pilot.pause()
        assert dialog.record.attempt.score == 1.0
        await pilot.press("enter")
        await settle(pilot)
        assert attempts(app)[0].correct


async def test_predict_question_end_to_end(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ask(app, "ttx-spike")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PredictDialog)
        await pilot.press("enter")  # predicts "Yes" — with TTX the model says no
        await settle(pilot)
        assert dialog.state == "done"
        text = text_of(dialog.query_one("#feedback"))
        assert "your prediction" in text and "the model (measured)" in text
        assert "yes" in text and "no" in text
        assert dialog.record.attempt.measured is False
        assert dialog.record.attempt.correct is False
        await pilot.press("enter")
        await settle(pilot)
        rec = attempts(app)[0]
        assert (rec.question, rec.correct) == ("ttx-spike", False)


@needs_phases
async def test_mark_question_end_to_end(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ask(app, "mark-peak")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MarkDialog)
        assert dialog.trace is not None and dialog.trace.target_ms is not None
        target = dialog.trace.target_ms
        start = dialog.cursor_ms
        while dialog.cursor_ms + 10 * dialog.step_ms < target:
            await pilot.press("shift+right")
        while dialog.cursor_ms < target - dialog.step_ms / 2:
            await pilot.press("right")
        assert dialog.cursor_ms > start
        assert abs(dialog.cursor_ms - target) <= 0.5
        await pilot.press("enter")
        await pilot.pause()
        assert dialog.record.attempt.correct
        await pilot.press("enter")
        await settle(pilot)
        rec = attempts(app)[0]
        assert rec.question == "mark-peak" and rec.correct


async def test_lesson_try_it_sets_up_lab(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "l", LessonsScreen)
        assert screen.current.id == "tui-test"
        await pilot.press("enter")  # lesson list → try-it list
        await pilot.press("enter")  # first try-it step
        await pilot.pause()
        assert isinstance(app.screen, LabScreen)
        s = app.lab.session
        assert s.state.preset == "squid"
        assert s.state.blocks == {"ttx"}
        assert s.pulses == [(2.0, 1.0, 20.0)]
        assert s.t_ms == 0.0 and app.lab.running
        assert app.quiz.active_lesson == "tui-test"
        app.lab.run_sim(10.0)
        assert s.buffer.col("v_mV").max() < 0  # TTX: no spike


async def test_lesson_ask_all_then_progress(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NumericDialog)
        await pilot.press("escape")  # skipping ends the session, with its summary
        await settle(pilot)
        assert type(app.screen).__name__ == "SummaryScreen"
        first = attempts(app)[0]
        assert app.screen.lines[0].startswith(
            f"Summary: 1 answered of 2 shown; {int(first.correct)} correct"
        )
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LessonsScreen)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        table = app.screen.query_one("DataTable")
        row = table.get_row("tui-test")
        assert row[3] == "1/6"


async def test_review_session_from_progress(make_app) -> None:
    import datetime as dt

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ask(app, "why-h")
        await settle(pilot)
        await pilot.press("down", "enter")  # wrong → Again → due again soon
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        # Make the card due now by moving the store's clock forward.
        app.quiz.store.now = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        await pilot.press("P")
        await pilot.pause()
        assert "1 review(s) due" in text_of(app.screen.query_one("#progress-summary"))
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "SummaryScreen"  # the review ends with its summary
        assert app.screen.lines[0].startswith("Summary: 1 answered of 1 shown")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ProgressScreen)
        assert len(attempts(app)) == 2


async def test_multiple_choice_space_ticks_enter_submits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ask(app, "which-gates")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        await pilot.press("space", "down", "space", "enter")  # tick m and n, submit
        await pilot.pause()
        assert dialog.state == "done"
        assert dialog.record.answer.selected == (0, 1)
        assert dialog.record.attempt.correct
        await pilot.press("enter")
        await settle(pilot)
        assert attempts(app)[0].answer == [0, 1]


async def test_screen_keys_do_not_escape_an_open_question(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ask(app, "why-h")
        await settle(pilot)
        await pilot.press("l", "P", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)


async def test_choice_options_shown_in_the_seeded_order_plain_mode_uses(make_app) -> None:
    """The TUI shows a shuffled question's options in `option_order` (as plain mode does) and
    records the file index of the option picked, whatever its position on screen."""
    from textual.widgets import OptionList

    from tutor.quiz.grading import option_order

    probe = make_app()
    lesson = probe.quiz.lesson("tui-test")
    question = lesson.question("why-h").model_copy(update={"shuffle": True})
    # a seed under which the key is not shown first
    seed = next(s for s in range(50) if option_order(question, lesson.id, s)[0] != 0)
    app = make_app(seed=seed)
    async with app.run_test(size=SIZE) as pilot:
        app.ask([app.quiz.item(lesson, question)])
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        order = option_order(question, lesson.id, seed)
        shown = [str(o.prompt) for o in dialog.query_one("#choices", OptionList).options]
        assert shown == [f"{'ab'[i]}) {question.option[k].text}" for i, k in enumerate(order)]
        await pilot.press("enter")  # the first option shown: a wrong one
        await pilot.pause()
        assert dialog.record.answer.selected == (order[0],)
        assert not dialog.record.attempt.correct
