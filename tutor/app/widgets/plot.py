"""A braille line-plot widget drawn with the Line API.

Why the Line API: each frame rasterizes once (numpy, see ``canvas.py``) and
every row becomes one ``Strip`` of style runs, so a 120×40 frame costs a few
milliseconds and only this widget repaints while the membrane runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tutor.app.widgets.canvas import Raster, empty_raster, nice_ticks, rasterize

#: Braille character of every 8-bit dot pattern (0 → space).
_BRAILLE: list[str] = [" "] + [chr(0x2800 + i) for i in range(1, 256)]
#: Columns reserved left of the plot for y tick labels.
GUTTER = 6


@dataclass(frozen=True)
class Label:
    """Text pinned to a data point (a marker with its value, a legend entry)."""

    x: float
    y: float
    text: str
    style: int
    #: Where the text goes relative to the point: "above", "below", "right", "left".
    anchor: str = "right"


@dataclass
class PlotData:
    """Everything one frame of a plot needs; replaced wholesale per frame."""

    x_range: tuple[float, float] = (0.0, 1.0)
    y_range: tuple[float, float] = (0.0, 1.0)
    series: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray | int]] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    cursor_x: float | None = None
    y_lines: list[float] = field(default_factory=list)
    envelope: bool = False
    """Draw long series from their extremes (`canvas.envelope_indices`): zoomed-out history."""


class PlotView(Widget):
    """Braille plot with y ticks, a time axis, labels and an optional cursor.

    ``palette`` maps the style indices used in ``PlotData`` to rich styles;
    monochrome terminals lose the colours but not the labels.
    """

    DEFAULT_CSS = """
    PlotView { height: 1fr; min-height: 4; }
    """

    x_unit: str = "ms"
    """Unit printed at the end of the x axis (the lab's slow-time mode plots seconds)."""

    def __init__(
        self,
        palette: list[Style],
        *,
        y_format: str = "{:+.0f}",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.palette = palette
        self.y_format = y_format
        self.data = PlotData()
        self._plot_strips: list[Strip] | None = None
        self._built_size: tuple[int, int] = (0, 0)

    def set_data(self, data: PlotData) -> None:
        """Replace the frame and repaint (the raster is rebuilt lazily)."""
        self.data = data
        self._plot_strips = None
        self.refresh()

    def on_resize(self) -> None:
        self._plot_strips = None

    # -- geometry helpers used by the cursor and by tests -------------------------------
    @property
    def plot_cols(self) -> int:
        return max(self.size.width - GUTTER, 1)

    @property
    def plot_rows(self) -> int:
        return max(self.size.height - 1, 1)

    def x_to_col(self, x: float) -> int:
        x0, x1 = self.data.x_range
        return int(np.clip((x - x0) / ((x1 - x0) or 1.0) * self.plot_cols, 0, self.plot_cols - 1))

    def y_to_row(self, y: float) -> int:
        y0, y1 = self.data.y_range
        frac = (y1 - y) / ((y1 - y0) or 1.0)
        return int(np.clip(round(frac * (self.plot_rows * 4 - 1)) // 4, 0, self.plot_rows - 1))

    # -- rendering ---------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        size = (self.size.width, self.size.height)
        if self._plot_strips is None or self._built_size != size:
            self._built_size = size
            self._plot_strips = self._build()
        if 0 <= y < len(self._plot_strips):
            return self._plot_strips[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _build(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        if width <= GUTTER or height < 2:
            return [Strip.blank(width, self.rich_style) for _ in range(height)]
        rows, cols = self.plot_rows, self.plot_cols
        d = self.data
        raster = (
            rasterize(rows, cols, d.x_range, d.y_range, d.series, envelope=d.envelope)
            if d.series
            else empty_raster(rows, cols)
        )
        chars = [[_BRAILLE[c] for c in row] for row in raster.codes.tolist()]
        styles = raster.styles.tolist()
        base = self.rich_style
        axis = base + Style(dim=True)
        # Horizontal reference lines (0 mV, rest) drawn faintly where the trace is absent.
        for yl in d.y_lines:
            if d.y_range[0] <= yl <= d.y_range[1]:
                r = self.y_to_row(yl)
                for c in range(cols):
                    if chars[r][c] == " ":
                        chars[r][c] = "┈"
                        styles[r][c] = -2
        if d.cursor_x is not None and d.x_range[0] <= d.cursor_x <= d.x_range[1]:
            c = self.x_to_col(d.cursor_x)
            for r in range(rows):
                if chars[r][c] == " ":
                    chars[r][c] = "│"
                styles[r][c] = -3
        # Newest first: where two labels would share cells (a spike train's peaks, side by
        # side), the newer is written whole and the older left out — never one text
        # half over another ("▼peak +31.9 m▼peak …"); the cursor reads any moment.
        taken: list[tuple[int, int, int]] = []
        for lab in reversed(d.labels):
            self._place(lab, chars, styles, taken)
        cursor_style = base + Style(reverse=True, bold=True)
        pal = [base + s for s in self.palette]
        ticks = {self.y_to_row(t): t for t in nice_ticks(*d.y_range, max(rows // 3, 1))}
        strips: list[Strip] = []
        for r in range(rows):
            gutter = (self.y_format.format(ticks[r]) if r in ticks else "").rjust(GUTTER - 1) + (
                "┤" if r in ticks else "│"
            )
            segs = [Segment(gutter, axis)]
            run_style: Style | None = None
            run_text: list[str] = []
            for c in range(cols):
                si = styles[r][c]
                if si == -3:
                    st = cursor_style
                elif si == -2 or si == -1:
                    st = axis if si == -2 else base
                else:
                    st = pal[si % len(pal)]
                if st is not run_style and run_text:
                    segs.append(Segment("".join(run_text), run_style))
                    run_text = []
                run_style = st
                run_text.append(chars[r][c])
            if run_text:
                segs.append(Segment("".join(run_text), run_style))
            strips.append(Strip(segs, width))
        strips.append(Strip([Segment(self._x_axis(cols), axis)], width))
        for _ in range(height - len(strips)):
            strips.append(Strip.blank(width, base))
        return strips

    def _x_axis(self, cols: int) -> str:
        x0, x1 = self.data.x_range
        line = [" "] * (GUTTER - 1) + ["└"] + ["─"] * cols
        for t in nice_ticks(x0, x1, max(cols // 12, 1)):
            c = GUTTER + self.x_to_col(t)
            text = f"{t:g}"
            if c + len(text) <= len(line) and c < len(line):
                line[c] = "┴"
                for i, ch in enumerate(text[: len(line) - c - 1]):
                    if c + 1 + i < len(line):
                        line[c + 1 + i] = ch
        label = f" {self.x_unit}"
        line[-len(label) :] = list(label)
        return "".join(line)

    def _place(
        self,
        lab: Label,
        chars: list[list[str]],
        styles: list[list[int]],
        taken: list[tuple[int, int, int]],
    ) -> None:
        """Write `lab` unless its cells (and one column either side) meet a label in
        `taken` (row, first column, end column), to which it is then added."""
        rows, cols = len(chars), len(chars[0]) if chars else 0
        d = self.data
        if not (d.x_range[0] <= lab.x <= d.x_range[1]):
            return
        r, c = self.y_to_row(lab.y), self.x_to_col(lab.x)
        text = lab.text
        if lab.anchor == "above":
            r -= 1
            c -= len(text) // 2
        elif lab.anchor == "below":
            r += 1
            c -= len(text) // 2
        elif lab.anchor == "left":
            c -= len(text) + 1
        else:
            c += 1
        r = min(max(r, 0), rows - 1)
        c = min(max(c, 0), max(cols - len(text), 0))
        end = min(c + len(text), cols)
        if any(row == r and c <= e and s <= end for row, s, e in taken):
            return
        taken.append((r, c, end))
        for i, ch in enumerate(text[: cols - c]):
            chars[r][c + i] = ch
            styles[r][c + i] = lab.style


__all__ = ["GUTTER", "Label", "PlotData", "PlotView", "Raster"]
