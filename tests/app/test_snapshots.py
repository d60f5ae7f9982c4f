"""How the tutor looks (pytest-textual-snapshot), grouped by feature.

Every snapshot uses the deterministic app (no live timer, fixed seed, the
test lesson) and drives the model explicitly, so the SVGs only change when
the UI or the model does. Update with `uv run pytest tests/app --snapshot-update`.
"""

from __future__ import annotations

import importlib.util

import pytest

from .helpers import settle

SIZE = (120, 40)
needs_phases = pytest.mark.skipif(
    importlib.util.find_spec("tutor.lab.phases") is None, reason="phase machine not available"
)


def spike(ms: float = 22.0):
    """run_before: deliver the stimulus and run ``ms`` of model time, frozen."""

    async def run(pilot) -> None:
        lab = pilot.app.lab
        await pilot.press("space")
        lab.run_sim(ms)
        lab.pause()
        lab.message = ""
        lab.redraw()
        await pilot.pause()

    return run


# -- lab ---------------------------------------------------------------------------------


def test_lab_at_rest(snap_compare, make_app) -> None:
    async def run(pilot) -> None:
        pilot.app.lab.run_sim(5.0)
        pilot.app.lab.redraw()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run)


@needs_phases
def test_lab_spike_labelled(snap_compare, make_app) -> None:
    assert snap_compare(make_app(questions=False), terminal_size=SIZE, run_before=spike())


@needs_phases
def test_lab_mid_spike_refractory(snap_compare, make_app) -> None:
    assert snap_compare(make_app(questions=False), terminal_size=SIZE, run_before=spike(7.0))


@needs_phases
def test_lab_80x24_collapsed(snap_compare, make_app) -> None:
    assert snap_compare(make_app(questions=False), terminal_size=(80, 24), run_before=spike())


@needs_phases
def test_lab_no_color(snap_compare, make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app(questions=False), terminal_size=SIZE, run_before=spike())


@needs_phases
def test_lab_200x60_currents(snap_compare, make_app) -> None:
    async def run(pilot) -> None:
        await pilot.press("g")
        await spike()(pilot)

    assert snap_compare(make_app(questions=False), terminal_size=(200, 60), run_before=run)


def test_lab_ttx(snap_compare, make_app) -> None:
    async def run(pilot) -> None:
        await pilot.press("t")
        await spike()(pilot)

    assert snap_compare(make_app(questions=False), terminal_size=SIZE, run_before=run)


# -- screens -----------------------------------------------------------------------------


def test_help_screen(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, press=["question_mark"])


def test_lessons_screen(snap_compare, make_app) -> None:
    async def run(pilot) -> None:
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter")  # focus the try-it list
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run)


def test_progress_screen(snap_compare, make_app) -> None:
    async def run(pilot) -> None:
        app = pilot.app
        lesson = app.quiz.lesson("tui-test")
        app.quiz.grade(app.quiz.item(lesson, lesson.question("why-h")), 0)
        await pilot.press("P")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run)


# -- dialogs -----------------------------------------------------------------------------


def ask(qid: str, *keys: str):
    async def run(pilot) -> None:
        app = pilot.app
        lesson = app.quiz.lesson("tui-test")
        app.ask([app.quiz.item(lesson, lesson.question(qid))])
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
        await settle(pilot)

    return run


def test_choice_dialog(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ask("why-h", "down"))


def test_choice_dialog_feedback(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ask("why-h", "down", "enter"))


def test_order_dialog(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ask("phase-order"))


def test_predict_dialog_result(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ask("ttx-spike", "enter"))


@needs_phases
def test_mark_dialog_cursor(snap_compare, make_app) -> None:
    keys = ["shift+right"] * 6 + ["right"] * 3
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ask("mark-peak", *keys))


@needs_phases
def test_mark_dialog_80x24(snap_compare, make_app) -> None:
    keys = ["shift+right"] * 6
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ask("mark-peak", *keys))
