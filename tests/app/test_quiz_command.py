"""`tutor quiz` in a terminal: the selected questions open over the lab and are recorded."""

from __future__ import annotations

from tutor.app.dialogs.question import ChoiceDialog

from .test_flows import SIZE, attempts


async def _startup_dialog(pilot) -> ChoiceDialog:
    """The question `tutor quiz` opens over the lab once the app has started."""
    await pilot.pause()
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog)
    return dialog


async def test_startup_quiz_asks_the_lesson_and_records(make_app) -> None:
    app = make_app()
    app.startup_quiz = ("tui-test", False)
    async with app.run_test(size=SIZE) as pilot:
        await _startup_dialog(pilot)
        await pilot.press("enter")
        await pilot.pause()
    recorded = attempts(app)
    assert [(a.lesson, a.question) for a in recorded] == [("tui-test", "why-h")]


async def test_startup_review_with_nothing_due_opens_no_dialog(make_app) -> None:
    app = make_app()
    app.startup_quiz = (None, True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceDialog)
    assert attempts(app) == []


async def test_certainty_based_marking_asks_how_sure_before_grading(make_app) -> None:
    app = make_app(confidence=True)
    app.startup_quiz = ("tui-test", False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _startup_dialog(pilot)
        await pilot.press("enter")  # answer: nothing graded or recorded yet
        await pilot.pause()
        assert dialog.state == "sure?" and dialog.record is None
        await pilot.press("3")
        await pilot.pause()
        assert dialog.state == "done"
        attempt = dialog.record.attempt
        assert attempt.confidence == 3
        assert attempt.cbm == (3.0 if attempt.correct else -6.0)
    recorded = attempts(app)
    assert [a.confidence for a in recorded] == [3]


async def test_enter_on_a_progress_row_opens_that_lesson(make_app) -> None:
    from pathlib import Path

    from tutor.app.screens.lessons import LessonsScreen
    from tutor.app.screens.progress import ProgressScreen

    shipped = Path(__file__).resolve().parents[2] / "content"
    app = make_app(content_dir=shipped)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonsScreen)
        third = app.quiz.lessons[2].id
        assert app.screen.current is not None and app.screen.current.id == third != "tui-test"
