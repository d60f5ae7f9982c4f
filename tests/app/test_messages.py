"""The question path: screens post messages, the app acts; no screen reaches into the app.

Also the restart bug: studying a lesson restarts the lab from rest exactly as a
preset switch does (stale threshold, owed model time and the trigger stream all
cleared), because both go through the one `LabScreen.switch_preset`.
"""

from __future__ import annotations

import re
from pathlib import Path

from tutor.app.screens.lab import LabScreen
from tutor.app.screens.lessons import LessonsScreen

from .helpers import text_of

SIZE = (120, 40)
APP = Path(__file__).resolve().parents[2] / "tutor" / "app"


def _dirty_lab(app) -> LabScreen:
    """A lab mid-spike, with a measured threshold shown and model time owed."""
    lab = app.lab
    lab.session.deliver()
    lab.run_sim(2.0)  # into the upstroke: the trigger stream is no longer at rest
    lab.threshold = (1.0, 6.5)
    lab._due_ms = 0.7
    return lab


async def test_study_restarts_the_lab_like_a_preset_switch(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = _dirty_lab(app)
        await pilot.pause()
        assert lab.session.phase != "resting"
        lab.redraw()
        assert "6.50 µA/cm²" in text_of(lab.query_one("#panel"))
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LessonsScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is lab
        assert app.quiz.active_lesson == "tui-test"
        assert lab.session.t_ms == 0.0 and lab.session.phase == "resting"
        assert lab.threshold is None and lab._due_ms == 0.0
        assert lab.snapshot().threshold is None
        lab.redraw()
        assert "6.50 µA/cm²" not in text_of(lab.query_one("#panel"))  # no stale number shown
        # trigger matching keeps no stream state to reset (tutor.quiz.triggers is pure)
        assert not hasattr(app.quiz, "_state")
        assert "studying: TUI test lesson" in lab.message


async def test_try_it_restarts_with_the_same_resets(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = _dirty_lab(app)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter", "enter")  # lesson list → try-it list → first step
        await pilot.pause()
        await pilot.pause()
        assert app.screen is lab
        assert lab.session.state.blocks == {"ttx"}
        assert lab.threshold is None and lab._due_ms == 0.0
        # trigger matching keeps no stream state to reset (tutor.quiz.triggers is pure)
        assert not hasattr(app.quiz, "_state")


async def test_lab_events_reach_the_app_as_a_message(make_app) -> None:
    """run_sim only posts NewEvents; the app, when it handles them, opens the question."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.quiz.active_lesson = "tui-test"
        lab = app.lab
        lab.session.deliver()
        events = lab.run_sim(10.0)  # the spike that triggers `why-h`
        assert "spike" in [e["kind"] for e in events]
        assert app.screen is lab and lab.running  # nothing happened behind the app's back
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "ChoiceDialog"
        assert not lab.running  # the app paused it for the question


def test_no_screen_touches_the_app_or_another_screen_privately() -> None:
    """Screens and dialogs use only Textual's public App API; requests go by message."""
    allowed = {"call_from_thread", "screen", "save_screenshot", "BINDINGS", "notify"}
    for path in [*APP.glob("screens/*.py"), *APP.glob("dialogs/*.py")]:
        source = path.read_text()
        for m in re.finditer(r"self\.app\.(\w+)", source):
            assert m.group(1) in allowed, f"{path.name}: self.app.{m.group(1)}"
        assert not re.search(r"getattr\(self\.app", source), path.name
        assert not re.search(r"\b(lab|app|screen)\._[a-z]", source), path.name
