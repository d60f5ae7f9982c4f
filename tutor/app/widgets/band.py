"""Phase ribbon and excitability band drawn under the voltage trace.

Both rows are labelled in text (``depol``, ``ABS REFRACTORY``…) and use
different fill characters, so NO_COLOR and monochrome terminals still show
which phase and which refractory state every moment of the trace belongs to.
Columns line up with ``PlotView`` (same gutter, same x range).
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tutor.app.widgets.plot import GUTTER
from tutor.app.widgets.theme import (
    EXC_FILL,
    EXC_SHORT,
    EXC_STYLES,
    PHASE_FILL,
    PHASE_SHORT,
    PHASE_STYLES,
)


def column_labels(
    t: np.ndarray, idx: np.ndarray, x_range: tuple[float, float], cols: int
) -> np.ndarray:
    """Label index of the last sample in each column (−1 where no sample)."""
    out = np.full(cols, -1, dtype=np.int64)
    if len(t) == 0:
        return out
    x0, x1 = x_range
    keep = (t >= x0) & (t <= x1)
    if not keep.any():
        return out
    c = np.clip(((t[keep] - x0) / ((x1 - x0) or 1.0) * cols).astype(np.int64), 0, cols - 1)
    out[c] = idx[keep]  # later samples overwrite earlier ones: last sample wins
    return out


def ribbon(labels: np.ndarray, fills: list[str], shorts: list[str]) -> list[tuple[str, int]]:
    """Cells (char, label index) with each run's short name written into it when it fits."""
    cells = [(fills[i] if i >= 0 else " ", int(i)) for i in labels]
    start = 0
    n = len(labels)
    while start < n:
        end = start
        while end < n and labels[end] == labels[start]:
            end += 1
        i = int(labels[start])
        if i >= 0:
            name = shorts[i]
            if len(name) + 2 <= end - start:
                for k, ch in enumerate(name):
                    cells[start + 1 + k] = (ch, i)
        start = end
    return cells


class BandView(Widget):
    """Two rows: the voltage phase ribbon and the excitability band."""

    DEFAULT_CSS = """
    BandView { height: 2; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.t = np.zeros(0)
        self.phase = np.zeros(0, dtype=np.int64)
        self.exc = np.zeros(0, dtype=np.int64)
        self.x_range = (0.0, 1.0)

    def set_data(
        self, t: np.ndarray, phase: np.ndarray, exc: np.ndarray, x_range: tuple[float, float]
    ) -> None:
        """Replace the frame's samples (same arrays as the trace) and repaint."""
        self.t, self.phase, self.exc, self.x_range = t, phase, exc, x_range
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        cols = max(width - GUTTER, 1)
        base = self.rich_style
        if y == 0:
            head, idx = "phase", column_labels(self.t, self.phase, self.x_range, cols)
            cells = ribbon(idx, PHASE_FILL, PHASE_SHORT)
            styles = PHASE_STYLES
        elif y == 1:
            head, idx = "excit", column_labels(self.t, self.exc, self.x_range, cols)
            cells = ribbon(idx, EXC_FILL, EXC_SHORT)
            styles = EXC_STYLES
        else:
            return Strip.blank(width, base)
        segs = [Segment(head[: GUTTER - 1].rjust(GUTTER - 1) + "│", base + Style(dim=True))]
        run: list[str] = []
        run_i = -2
        for ch, i in cells:
            if i != run_i and run:
                segs.append(
                    Segment("".join(run), base + (styles[run_i] if run_i >= 0 else Style()))
                )
                run = []
            run_i = i
            run.append(ch)
        if run:
            segs.append(Segment("".join(run), base + (styles[run_i] if run_i >= 0 else Style())))
        return Strip(segs, width)
