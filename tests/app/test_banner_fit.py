"""The banner's explanation fits its two lines, or says it was shortened.

At 120×40 an explanation of the upstroke inside a train (phase, gates, largest current
and why no test pulse can fire) runs past the two lines the banner has; it used to
stop mid-sentence ("…no test") with nothing to say so. Now the gates tail
("(m = …; largest current …)", on the gates plot anyway) goes first, and what still
does not fit ends at a whole word with "…".
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from tutor.app.widgets.banner import GATES_TAIL, fit_lines

SIZE = (120, 40)

WHY = (
    "Na⁺ channels open (m = 0.09): I_Na -1.9 µA/cm² inward outweighs I_K + I_L +1.1 µA/cm² "
    "and drives V towards E_Na (+59 mV) (m = 0.09, h = 0.98, n = 0.10; largest current I_Na "
    "-1.9 µA/cm²) · absolute refractory: a spike has begun, no test pulse can fire another"
)


def test_fit_lines_keeps_whole_words_and_marks_a_cut() -> None:
    for width in (30, 57, 80, 116):
        for rows in (1, 2, 3):
            out = fit_lines(WHY, width, rows).split("\n")
            assert len(out) <= rows and all(len(line) <= width for line in out)
            words = " ".join(out).removesuffix("…").split()
            full = WHY.split()
            if out[-1].endswith("…"):
                # a prefix of the text's words (the last may lose trailing punctuation)
                assert words[:-1] == full[: len(words) - 1]
                assert full[len(words) - 1].startswith(words[-1])
            else:
                assert words == full
    assert fit_lines("short", 80, 2) == "short"


async def test_banner_shows_the_explanation_whole_or_marked(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("c", "c", "c")  # a train
        await pilot.press("space")
        cut = dropped = 0
        for _ in range(40):  # through the train: the upstrokes have the longest texts
            lab.run_sim(0.5)
            lab.redraw()
            await pilot.pause()
            banner = lab.query_one("#banner")
            content = banner.content
            assert isinstance(content, Group)
            why = content.renderables[1]
            assert isinstance(why, Text)
            lines = why.plain.split("\n")
            width = banner.content_region.width
            assert len(lines) <= banner.size.height - 1
            assert all(len(line) <= width for line in lines), lines
            full = lab.snapshot().why
            shown = " ".join(lines)
            # the whole text, or without its gates tail (shown on the gates plot)
            texts = [" ".join(full.split()), " ".join(GATES_TAIL.sub("", full).split())]
            if shown.endswith("…"):
                cut += 1
                assert texts[1].startswith(shown[:-1].rstrip(" ,;:·"))
            else:
                assert shown in texts
                if shown == texts[1] != texts[0]:
                    dropped += 1
                    assert fit_lines(full, width, banner.size.height - 1).endswith("…")
        assert cut + dropped > 0, "no explanation in the train was long enough to be fitted"
