"""Plot labels never write over one another.

A spike train's peaks sit a few columns apart on the same row; each label used to be
written over the last ("▼peak +31.9 m▼peak …"). The rule now: the newest label is
written whole, and an older one that would touch it (no free column between) is left
out; labels on other rows, or far enough apart, all stay.
"""

from __future__ import annotations

import re

from rich.style import Style
from textual.app import App, ComposeResult

from tutor.app.widgets.plot import Label, PlotData, PlotView


class OnePlot(App[None]):
    def compose(self) -> ComposeResult:
        yield PlotView([Style()], id="plot")


def drawn_rows(plot: PlotView) -> list[str]:
    return ["".join(seg.text for seg in strip) for strip in plot._build()]


async def test_close_labels_on_one_row_keep_the_newest_whole() -> None:
    app = OnePlot()
    async with app.run_test(size=(80, 12)) as pilot:
        plot = app.query_one("#plot", PlotView)
        # four peaks 2 ms apart on a 30 ms axis (≈ 5 columns): every label is ~15 wide
        peaks = [(5.0 + 2.0 * k, 30.0 + k) for k in range(4)]
        labels = [Label(t, v, f"▼peak {v:+.1f} mV", 0, "above") for t, v in peaks]
        far = Label(27.0, 35.0, "▼peak +35.0 mV", 0, "above")  # the same row, far right
        other_row = Label(6.0, -80.0, "▲AHP -80.0 mV", 0, "below")
        plot.set_data(PlotData(x_range=(0.0, 30.0), y_range=(-100.0, 50.0),
                               labels=[*labels, other_row, far]))  # fmt: skip
        await pilot.pause()
        text = "\n".join(drawn_rows(plot))
        found = re.findall(r"▼peak [+-]\d+\.\d mV", text)
        assert "▼peak +33.0 mV" in found  # the newest of the close ones, whole
        assert "▼peak +35.0 mV" in found and "▲AHP -80.0 mV" in text
        # every "peak" on screen is a whole label: none cut by another
        assert text.count("peak") == len(found)
        assert text.count("▼") == len(found)
        # labels that do not touch all stay: spread them out and all four are drawn
        spread = [Label(8.0 + 20.0 * k, v, f"▼peak {v:+.1f} mV", 0, "above")
                  for k, (_, v) in enumerate(peaks)]  # fmt: skip
        plot.set_data(PlotData(x_range=(0.0, 80.0), y_range=(-100.0, 50.0), labels=spread))
        await pilot.pause()
        text = "\n".join(drawn_rows(plot))
        assert len(re.findall(r"▼peak [+-]\d+\.\d mV", text)) == 4
