"""Hostile content and hostile keyboards in the TUI: text stays literal, nothing stacks or clobbers.

Lesson text with Rich/Textual markup (links, actions, unbalanced tags) must be
shown as typed and never end the app; holding space must queue pulses by time,
not sum them into one instant; exports in one second must not overwrite.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tutor.app.dialogs.question import ChoiceDialog, NumericDialog
from tutor.app.screens.lab import LabScreen
from tutor.app.screens.lessons import LessonsScreen

from .helpers import text_of

SIZE = (120, 40)
MARKUP = "[link='file:///etc/passwd']x[/link] [@click=app.quit]q[/] [/bold] [red"

HOSTILE = f"""+++
id = "hostile"
title = "T {MARKUP}"
preset = "squid"

[[try_it]]
label = "try {MARKUP}"
pulses = [[2, 1, 20]]
+++
Prose with {MARKUP} in it.

```question
id = "c"
type = "choice"
prompt = "P {MARKUP}"
[[option]]
text = "A {MARKUP}"
correct = true
feedback = "F {MARKUP}"
[[option]]
text = "B"
feedback = "no"
```

```question
id = "n"
type = "numeric"
prompt = "N {MARKUP}"
answer = 1
unit = "mV {MARKUP}"
tolerance = 1
```
"""


def hostile_app(make_app, tmp_path: Path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    return make_app(content_dir=folder)


async def test_markup_in_content_is_shown_literally(make_app, tmp_path: Path) -> None:
    app = hostile_app(make_app, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert [ls.id for ls in app.quiz.lessons] == ["hostile"]
        lesson = app.quiz.lesson("hostile")
        app.ask([app.quiz.item(lesson, lesson.question(q)) for q in ("c", "n")])
        await pilot.pause()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        assert "[/bold]" in text_of(dialog.query_one("#prompt"))
        assert "[@click=app.quit]" in text_of(dialog.query_one("#prompt"))
        assert "[/bold]" in str(dialog.query_one("#dialog").border_title)
        await pilot.press("enter")  # option a: its text and feedback hold the markup
        await pilot.pause()
        assert "F [link='file:///etc/passwd']x[/link]" in text_of(dialog.query_one("#feedback"))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, NumericDialog)
        assert "[red" in text_of(app.screen.query_one("#unit"))
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("l")  # the lessons screen: title, prose and try-it label
        await pilot.pause()
        assert isinstance(app.screen, LessonsScreen)
        tries = app.screen.query_one("#try-list")
        assert "[/bold]" in str(tries.get_option_at_index(0).prompt)
        await pilot.press("P")  # progress: the title in a table cell
        await pilot.pause()
        assert app.is_running
    assert app.return_code in (0, None)


async def test_holding_space_queues_pulses_instead_of_stacking(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        assert isinstance(lab, LabScreen)
        lab.pause("")
        for _ in range(500):  # key repeat while the model stands still
            lab.action_stimulate()
        amp = lab.session.state.stimulus.amp_uA_cm2
        starts = [d for d, _, _ in lab.session.pulses]
        assert len(starts) == len(set(starts))  # no two pulses at one instant
        lab.run_sim(150.0)
        i_stim = lab.session.buffer.col("i_stim")
        assert np.max(np.abs(i_stim)) <= abs(amp) + 1e-9
        await pilot.pause()


async def test_exports_in_one_second_do_not_overwrite(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.lab.run_sim(2.0)
        paths = []
        for _ in range(3):
            await pilot.press("x")
            await pilot.pause()
            paths.append(app.lab.last_export[0])
        assert len(set(paths)) == 3
        assert all(p.exists() and p.stat().st_size > 0 for p in paths)
