""" "Select all that apply" questions: every option shown whole, ticks as `[x]` / `[ ]`.

Issue 17: options were cut off, and ticked and unticked boxes differed only by colour
(invisible under NO_COLOR). The boxes are text now and options wrap under themselves;
these tests read the rendered lines of the list, so what is checked is what is on screen.
"""

from __future__ import annotations

import re

import pytest

from tutor.app.dialogs.question import CheckList, ChoiceDialog

from .helpers import settle

LONG = [
    "Na⁺ activation gates (m) open within a fraction of a millisecond of the depolarisation, "
    "which is what makes the upstroke regenerative once net current turns inward",
    "K⁺ activation gates (n) open too, but several times more slowly, so the outward current "
    "they carry arrives after the peak and brings the voltage back down towards E_K",
    "Na⁺ inactivation gates (h) open further as the membrane depolarises, adding to the "
    "inward current for as long as the depolarisation lasts",
]


def long_question(app):
    """The test lesson's multiple-choice question with long option texts (same answers)."""
    lesson = app.quiz.lesson("tui-test")
    q = lesson.question("which-gates")
    options = [o.model_copy(update={"text": text}) for o, text in zip(q.option, LONG, strict=True)]
    return lesson, q.model_copy(update={"option": options})


def screen_lines(widget: CheckList) -> list[str]:
    """The list's rendered lines, as on screen (scrolled through to the end)."""
    lines: list[str] = []
    widget.scroll_to(y=0, animate=False, immediate=True)
    total = widget.virtual_size.height
    for top in range(0, max(total, 1), max(widget.size.height, 1)):
        widget.scroll_to(y=top, animate=False, immediate=True)
        for y in range(widget.size.height):
            if top + y < total:
                lines.append(widget.render_line(y).text)
    return lines


def flat(text: str) -> str:
    return " ".join(text.split())


def option_blocks(lines: list[str]) -> list[str]:
    """Each option's on-screen text: its first line (with a box) and its continuation."""
    blocks: list[str] = []
    for line in lines:
        if re.search(r"\[[x ]\] [a-z]\)", line):
            blocks.append(line)
        elif blocks:
            blocks[-1] += " " + line
    return [flat(b) for b in blocks]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_long_options_wrap_whole_and_boxes_are_text(make_app, monkeypatch, size) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        lesson, question = long_question(app)
        app.ask([app.quiz.item(lesson, question)])
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        checks = dialog.query_one("#choices", CheckList)
        # nothing ticked: every option shown whole, each with an empty box
        blocks = option_blocks(screen_lines(checks))
        assert len(blocks) == len(LONG)
        for block, (letter, text, index) in zip(blocks, checks.entries, strict=True):
            assert block.startswith(f"[ ] {letter})"), block
            assert flat(text) in block, f"option {index} cut off: {block!r}"
            assert max(len(line) for line in screen_lines(checks)) <= checks.size.width
        # tick the first and the third shown: exactly those boxes read [x]
        await pilot.press("space", "down", "down", "space")
        await pilot.pause()
        blocks = option_blocks(screen_lines(checks))
        ticked_rows = {0, 2}
        for row, (block, entry) in enumerate(zip(blocks, checks.entries, strict=True)):
            box = "[x]" if row in ticked_rows else "[ ]"
            assert block.startswith(f"{box} {entry[0]})"), block
        assert checks.selected == sorted(checks.entries[r][2] for r in ticked_rows)
        # untick one again: the box clears, and what is submitted is what is ticked
        await pilot.press("space")
        await pilot.pause()
        assert option_blocks(screen_lines(checks))[2].startswith("[ ]")
        await pilot.press("enter")
        await pilot.pause()
        assert dialog.state == "done"
        assert list(dialog.record.answer.selected) == [checks.entries[0][2]]


async def test_hint_names_the_boxes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        lesson, question = long_question(app)
        app.ask([app.quiz.item(lesson, question)])
        await settle(pilot)
        shown = str(app.screen.query_one("#hint").render())  # as rendered, markup applied
        assert "tick [x]" in shown and "untick [ ]" in shown


def test_snapshot_select_all_80x24_no_color(snap_compare, make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def run(pilot) -> None:
        lesson, question = long_question(pilot.app)
        pilot.app.ask([pilot.app.quiz.item(lesson, question)])
        await settle(pilot)
        await pilot.press("space", "down")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run)
