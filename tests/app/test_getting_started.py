"""Getting started (issue 17): the first-run panel and the glossary in help.

The panel's keys must run what it says they run; the glossary's links must point at
lessons that exist and teach the term; its measurement definitions must state the
numbers the measuring code uses and docs/design.md defines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import OptionList

from tutor.app import firstrun
from tutor.app.glossary import glossary
from tutor.app.screens.help import HelpScreen, key_label
from tutor.app.screens.lab import FIRST_STEPS, LabScreen
from tutor.app.screens.lessons import LessonsScreen
from tutor.app.widgets.theme import EXC_FILL, EXC_SHORT, PHASE_FILL, PHASE_SHORT
from tutor.lab import experiments as X
from tutor.quiz.loader import load_lessons

from .helpers import text_of

SIZE = (120, 40)
DESIGN = Path(__file__).resolve().parents[2] / "docs" / "design.md"


# -- glossary: links and definitions ------------------------------------------------------


def test_every_glossary_link_is_a_lesson_that_mentions_the_term() -> None:
    lessons = {ls.id: ls for ls in load_lessons(None)}
    terms = glossary()
    assert len(terms) >= 15
    for t in terms:
        assert t.lesson in lessons, f"{t.term}: no lesson {t.lesson!r}"
        assert re.search(t.mentions, lessons[t.lesson].body, re.I | re.S), (
            f"lesson {t.lesson} does not mention {t.term!r}"
        )
    wanted = ["threshold", "rheobase", "chronaxie", "absolute refractory", "relative refractory",
              "inactivation", "reversal potential", "Nernst", "GHK", "AHP",
              "depolarization block", "EPSP", "IPSP", "shunting", "conduction velocity", "myelin"]  # fmt: skip
    names = " | ".join(t.term for t in terms)
    for w in wanted:
        assert w.lower() in names.lower(), w


def _definition(name: str) -> str:
    (t,) = [t for t in glossary() if t.term.startswith(name)]
    return t.definition


def test_measurement_definitions_agree_with_the_code_and_docs_design() -> None:
    design = " ".join(DESIGN.read_text(encoding="utf-8").split())
    # threshold of a pulse
    assert f"within {X.SPIKE_WINDOW_MS:g} ms of the pulse end" in design
    assert f"within {X.SPIKE_WINDOW_MS:g} ms of the pulse end" in _definition("threshold")
    # rheobase and chronaxie
    assert f"rheobase: threshold of a {X.RHEOBASE_WIDTH_MS:g} ms step" in design
    assert f"threshold of a {X.RHEOBASE_WIDTH_MS:g} ms step" in _definition("rheobase")
    assert "twice the rheobase" in design and "twice the rheobase" in _definition("chronaxie")
    # paired pulses: conditioning pulse, test width, the 5 % rule
    delay, width, amp = X.CONDITIONING
    assert f"conditioning pulse {amp:g} µA/cm², {width:g} ms at t = {delay:g} ms" in design
    absolute = _definition("absolute refractory")
    assert f"{width:g} ms, {amp:g} µA/cm² conditioning pulse at {delay:g} ms" in absolute
    assert "largest ISI with null" in design and "longest interval with no test threshold" in (
        absolute
    )
    pct = f"{X.RELATIVE_WITHIN * 100:g} %"
    assert f"within {pct} of the unconditioned {X.TEST_WIDTH_MS:g} ms threshold" in design
    assert f"within {pct} of the unconditioned {X.TEST_WIDTH_MS:g} ms threshold" in _definition(
        "relative refractory"
    )
    # spike: regenerative 0 mV crossing, not a stimulus charging past 0 mV
    assert "upward crossing of 0 mV" in design and "upward crossing of 0 mV" in _definition("spike")
    # conduction velocity: crossings at 25 % and 75 % of the length
    from tutor.lab.propagation import _measure_points

    lo, hi = _measure_points("left")
    assert f"{lo * 100:g} % and {hi * 100:g} % of the length" in design
    assert f"{lo * 100:g} % and {hi * 100:g} % of the axon's length" in _definition(
        "conduction velocity"
    )


# -- the first-run state file ---------------------------------------------------------------


def test_first_run_state_is_remembered_and_errors_are_not_fatal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert not firstrun.seen(data)
    assert firstrun.mark_seen(data)
    assert firstrun.seen(data)
    (data / firstrun.STATE_FILE).write_text("{not json", encoding="utf-8")
    assert not firstrun.seen(data)  # a damaged file: shown again, nothing raised
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert not firstrun.mark_seen(blocker)  # the data dir is a file: cannot write, no raise
    assert not firstrun.seen(blocker)


# -- the panel in the app -----------------------------------------------------------------


def _bindings(app, lab) -> dict[str, str]:
    """Key → action for the lab's and the app's bindings."""
    out: dict[str, str] = {}
    for b in [*lab.BINDINGS, *app.BINDINGS]:
        for key in b.key.split(","):
            out.setdefault(key.strip(), b.action)
    return out


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_first_run_panel_says_what_to_press_and_the_keys_do_it(
    make_app, monkeypatch, size
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(welcome=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause()
        lab = app.lab
        panel = lab.query_one("#welcome")
        assert lab.welcome_shown and panel.display
        shown = " ".join(text_of(panel).split())
        keys = _bindings(app, lab)
        for key, action, what in FIRST_STEPS:
            assert keys[key] in (action, action.removeprefix("app.")), key  # it runs that
            assert f"{key_label(key)} {what}" in shown
        for fill, short in zip(PHASE_FILL, PHASE_SHORT, strict=True):
            assert f"{fill * 2} {short}" in shown  # the ribbon's own symbols
        for fill, short in zip(EXC_FILL[1:], EXC_SHORT[1:], strict=True):
            assert f"{fill * 2} {short}" in shown
        assert firstrun.seen(app.settings.data_dir)  # remembered once shown
        await pilot.press("space")  # closes the panel *and* stimulates
        await pilot.pause()
        assert not lab.welcome_shown
        assert len(lab.session.pulses) == 1


async def test_a_test_app_never_shows_the_panel_unless_asked(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert not app.lab.welcome_shown
        assert not firstrun.seen(app.settings.data_dir)


async def test_help_shows_the_panel_again_with_w(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, LabScreen) and app.lab.welcome_shown


async def test_glossary_in_help_links_each_term_to_its_lesson(make_app) -> None:
    app = make_app(content_dir=None)  # the shipped lessons
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        terms = glossary()
        listed = help_screen.query_one("#glossary", OptionList)
        assert listed.option_count == len(terms)
        titles = {ls.id: ls.title for ls in app.quiz.lessons}
        for k, t in enumerate(terms):
            option = listed.get_option_at_index(k)
            assert help_screen.terms[k] == t
            assert f"→ lesson: {titles[t.lesson]}" in text_of_renderable(option.prompt)
        k = next(i for i, t in enumerate(terms) if t.term.startswith("chronaxie"))
        listed.focus()
        listed.highlighted = k
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, LessonsScreen)
        assert app.screen.current.id == terms[k].lesson == "strength-duration"


def text_of_renderable(renderable) -> str:
    import os

    from rich.console import Console

    with open(os.devnull, "w") as null:
        console = Console(width=200, record=True, file=null)
        console.print(renderable)
        return " ".join(console.export_text().split())


async def test_live_first_run_panel_waits_for_the_engine(make_app, monkeypatch) -> None:
    """Asked for while the engine is still being built (live), the panel appears once the
    model runs, so drawing it never delays the model's start; a key pressed before then
    cancels it."""
    from tutor.app.lab_session import LabSession

    monkeypatch.setattr(LabScreen, "_start_engine", lambda self: None)  # we build it below
    app = make_app(live=True, welcome=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lab = app.lab
        assert lab.session is None
        assert not lab.welcome_shown  # asked for, not drawn yet
        lab._engine_ready(LabSession(lab.settings.preset, dt_ms=lab.settings.dt_ms))
        await pilot.pause()
        assert lab.ready and lab.welcome_shown
    app = make_app(live=True, welcome=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lab = app.lab
        await pilot.press("g")  # the learner is already at it
        lab._engine_ready(LabSession(lab.settings.preset, dt_ms=lab.settings.dt_ms))
        await pilot.pause()
        assert not lab.welcome_shown
