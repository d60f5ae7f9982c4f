"""Every key of the lab is in help under a readable name, and the footer shows whole keys.

The history, zoom, live, setup and auto-slow keys (issue 17 part A) and help's own `w`
(part B) must be findable: help lists them (built from the live bindings), the footer
shows, in the order a newcomer needs them, as many keys as fit whole — at any width, never
one cut under the palette key — and the paused plot names the history keys.
"""

from __future__ import annotations

import re

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tutor.app.screens.help import HelpScreen

from .helpers import text_of


async def footer_keys(app, pilot) -> tuple[list[FooterKey], FooterKey | None, Footer]:
    footer = app.screen.query_one(Footer)
    for _ in range(60):  # a loaded machine may need a few frames to lay the footer out
        await pilot.pause(0.02)
        keys = [k for k in footer.query(FooterKey) if not k.has_class("-command-palette")]
        if keys and keys[0].region.width > 0:
            break
    palette = next((k for k in footer.query(FooterKey) if k.has_class("-command-palette")), None)
    return keys, palette, footer


@pytest.mark.parametrize("width", [80, 90, 100, 110, 120, 140, 160, 200])
async def test_the_footer_shows_whole_keys_in_order_at_any_width(make_app, width: int) -> None:
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        keys, palette, footer = await footer_keys(app, pilot)
        limit = palette.region.x if palette is not None else footer.region.right
        shown = [k for k in keys if k.display]
        assert shown, "no key in the footer"
        for k in shown:  # whole: ends before the palette key
            assert k.region.width > 0 and k.region.right <= limit, (width, k.description)
        # what is hidden is the tail of the list (the order is the priority), and it did
        # not fit: one more key would have run under the palette key
        assert keys[: len(shown)] == shown
        if len(shown) < len(keys):
            nxt = keys[len(shown)]
            assert shown[-1].region.right + 1 + len(f"{nxt.key_display} {nxt.description}") > limit
        descriptions = [k.description for k in shown]
        assert {"Help", "Lessons", "Quit"} <= set(descriptions), (width, descriptions)
        if width >= 160:
            assert "History" in descriptions


async def test_help_lists_every_new_key_under_a_readable_name(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = {key: desc for key, desc in help_screen.rows}
        for key in ("< / PgUp", "> / PgDn", "Home", "z", "Z", "0", "S", "A", "{", "}", "k", "b"):
            assert key in keys, (key, sorted(keys))
        assert keys["Shift+→"].startswith("Cursor")
        assert not [k for k in keys if re.search(r"[a-z]_[a-z]", k)]  # no internal key names
        own = {key: desc for key, desc in help_screen.own_rows}
        assert own["w"].startswith("Getting started")
        assert "Getting started" in text_of(help_screen.query_one("#help-own-keys"))
        await pilot.press("w")  # and it does what help says
        await pilot.pause()
        assert type(app.screen).__name__ != "HelpScreen"


async def test_the_paused_plot_names_the_history_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        lab = app.lab
        lab.run_sim(45.0)  # more run than the 30 ms window
        lab.redraw()
        assert "< >" not in str(lab.query_one("#trace").border_subtitle)  # running: no hint
        await pilot.press("p")
        lab.redraw()
        assert not lab.running
        assert "paused · < > scroll back · z Z zoom" in str(lab.query_one("#trace").border_subtitle)
        await pilot.press("less_than_sign")
        lab.redraw()
        assert str(lab.query_one("#trace").border_subtitle).startswith("HISTORY")


def screen_rows(app) -> list[str]:
    """The terminal's rows as drawn (the SVG screenshot's text, one string per row)."""
    import html

    svg = app.export_screenshot()
    rows: dict[int, list[tuple[float, str]]] = {}
    for m in re.finditer(
        r'<text [^>]*x="([\d.]+)" y="[\d.]+" [^>]*clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>',
        svg,
    ):
        rows.setdefault(int(m.group(2)), []).append((float(m.group(1)), html.unescape(m.group(3))))
    out = []
    for _, parts in sorted(rows.items()):
        line = ""
        for x, text in sorted(parts):  # Rich writes one cell as 12.2 px
            line = line.ljust(round(x / 12.2)) + text
        out.append(line)
    return out


@pytest.mark.parametrize("width", [80, 100, 120])
async def test_the_footer_under_a_question_dialog_is_whole_too(make_app, width: int) -> None:
    """A dialog changes which keys are active: the lab's footer is rebuilt behind it and
    must still end on a whole key."""
    app = make_app()
    async with app.run_test(size=(width, 30)) as pilot:
        lesson = app.quiz.lesson("tui-test")
        app.ask([app.quiz.item(lesson, lesson.question("why-h"))])
        for _ in range(10):
            await pilot.pause(0.02)
        assert type(app.screen).__name__ == "ChoiceDialog"
        keys, _palette, _footer = await footer_keys_of(app.lab)
        shown = [f"{k.key_display} {k.description}" for k in keys if k.display]
        bottom = screen_rows(app)[-1].replace("\xa0", " ")
        left = bottom.split("▏")[0].rstrip()
        assert left.endswith(shown[-1]), (left, shown[-1])
        assert " ".join(left.split()) == " ".join(shown)  # every key shown is whole


async def footer_keys_of(screen) -> tuple[list[FooterKey], FooterKey | None, Footer]:
    footer = screen.query_one(Footer)
    keys = [k for k in footer.query(FooterKey) if not k.has_class("-command-palette")]
    palette = next((k for k in footer.query(FooterKey) if k.has_class("-command-palette")), None)
    return keys, palette, footer
