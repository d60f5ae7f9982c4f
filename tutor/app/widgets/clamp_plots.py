"""Plots of the clamp view: time courses in ms, and the I–V curve against voltage.

`PlotView` labels its x axis in ms; the I–V curve needs mV. A subclass with
the unit as a parameter keeps the shared plot widget untouched.
"""

from __future__ import annotations

from rich.style import Style

from tutor.app.widgets.canvas import nice_ticks
from tutor.app.widgets.plot import GUTTER, PlotView
from tutor.app.widgets.theme import CURRENT_COLOURS

#: Series styles of the clamp plots, by index. Where two series share a cell the
#: higher index wins, so the dim ones (earlier steps, the unblocked control) come first.
CLAMP_PALETTE: list[Style] = [
    Style(color="grey50"),  # 0 earlier command steps
    Style(color=CURRENT_COLOURS["i_na"], dim=True),  # 1 earlier steps / control I_Na
    Style(color=CURRENT_COLOURS["i_k"], dim=True),  # 2 earlier steps / control I_K
    Style(color=CURRENT_COLOURS["i_l"]),  # 3 I_L
    Style(color=CURRENT_COLOURS["i_na"]),  # 4 I_Na (this step; I–V: peak I_Na)
    Style(color=CURRENT_COLOURS["i_k"]),  # 5 I_K (this step; I–V: I_K at the step end)
    Style(color="bright_white"),  # 6 command voltage of this step
    Style(color="bright_white", bold=True),  # 7 labels
]
CMD_DIM, NA_DIM, K_DIM, L, NA, K, CMD, LABEL = range(8)


class UnitPlot(PlotView):
    """A `PlotView` whose x axis names its own unit (e.g. mV for an I–V curve)."""

    def __init__(self, palette: list[Style], *, x_unit: str = "ms", **kwargs: object) -> None:
        super().__init__(palette, **kwargs)  # type: ignore[arg-type]
        self.x_unit = x_unit

    def _x_axis(self, cols: int) -> str:
        x0, x1 = self.data.x_range
        line = [" "] * (GUTTER - 1) + ["└"] + ["─"] * cols
        for t in nice_ticks(x0, x1, max(cols // 12, 1)):
            c = GUTTER + self.x_to_col(t)
            text = f"{t + 0.0:g}"
            if c < len(line):
                line[c] = "┴"
                for i, ch in enumerate(text):
                    if c + 1 + i < len(line):
                        line[c + 1 + i] = ch
        label = f" {self.x_unit}"
        line[-len(label) :] = list(label)
        return "".join(line)
