"""The axon as a space–time picture: position across, time down, one cell per sample.

Why characters and colours together: every cell's glyph encodes the same
level as its colour (voltage shade ` ·░▒▓█`, or the phase's fill character),
so the picture survives NO_COLOR and monochrome terminals. Drawn with the Line
API from a per-frame table: a 120×40 frame is a few thousand cached styles.

Under the picture: the x axis (mm; nodes of Ranvier marked `•`, the probe
`▲`), the phase of every position now (the phase machine's), and its Na⁺
availability now (`█` inactivated, `▒` recovering) — the definitions of
`tutor.lab.axon_live`. Whether the probe position is refractory is the phase
machine's verdict, shown in the banner and the probe trace's band.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tutor.app.widgets.canvas import nice_ticks
from tutor.app.widgets.theme import PHASE_COLOURS, PHASE_FILL
from tutor.lab.axon_live import INACTIVATED, V_RANGE_MV, AxonFrame
from tutor.lab.names import PHASES

#: Columns left of the picture for time labels.
GUTTER = 11
#: Rows under the picture: axis, phase now, Na⁺ availability now.
FOOTER_ROWS = 3
#: Voltage shades, low to high, and their colours (blue → grey → yellow → red).
V_GLYPHS = " ·░▒▓█"
V_COLOURS = (
    "blue3", "dodger_blue2", "steel_blue1", "grey50", "grey70", "khaki1",
    "yellow1", "orange1", "dark_orange", "red1", "bright_red",
)  # fmt: skip
#: Na⁺ availability (available, inactivated, recovering): glyph and colour.
NA_GLYPHS = (" ", "█", "▒")
NA_COLOURS = ("green", "red1", "dark_orange")


@cache
def _style(colour: str, bold: bool = False) -> Style:
    return Style(color=colour, bold=bold)


def v_level(v_mV: np.ndarray) -> np.ndarray:
    """Fraction 0…1 of the voltage scale (clipped)."""
    lo, hi = V_RANGE_MV
    return np.clip((v_mV - lo) / (hi - lo), 0.0, 1.0)


def v_cells(v_mV: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(glyph index, colour index) per voltage sample."""
    level = v_level(v_mV)
    glyph = np.minimum((level * len(V_GLYPHS)).astype(int), len(V_GLYPHS) - 1)
    colour = np.minimum((level * len(V_COLOURS)).astype(int), len(V_COLOURS) - 1)
    glyph = np.maximum(glyph, 1)  # rest is a dot, never blank: the axon is there
    return glyph, colour


class SpaceTimeView(Widget):
    """Space–time picture of an axon (see the module docstring)."""

    DEFAULT_CSS = """
    SpaceTimeView { height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: AxonFrame | None = None
        self.mode = "v"
        self._strips: list[Strip] | None = None
        self._built_size = (0, 0)

    @property
    def picture_rows(self) -> int:
        """Rows of the picture itself (one recorded sample each)."""
        return max(self.size.height - FOOTER_ROWS, 1)

    @property
    def picture_cols(self) -> int:
        return max(self.size.width - GUTTER, 1)

    def set_frame(self, frame: AxonFrame, mode: str) -> None:
        """Show a new frame ('v' = colour by voltage, 'phase' = colour by phase)."""
        self.frame = frame
        self.mode = mode
        self._strips = None
        self.refresh()

    def on_resize(self) -> None:
        self._strips = None

    def columns(self) -> np.ndarray:
        """Compartment shown in each picture column (nearest to the column's centre)."""
        assert self.frame is not None
        x = self.frame.x_mm
        length = x[-1] + (x[0] if len(x) else 0.0)
        cols = self.picture_cols
        centres = (np.arange(cols) + 0.5) / cols * length
        idx = np.searchsorted(x, centres)
        idx = np.clip(idx, 1, len(x) - 1)
        left_closer = (centres - x[idx - 1]) <= (x[idx] - centres)
        return np.where(left_closer, idx - 1, idx)

    def render_line(self, y: int) -> Strip:
        size = (self.size.width, self.size.height)
        if self._strips is None or self._built_size != size:
            self._built_size = size
            self._strips = self._build()
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _build(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        if self.frame is None or width <= GUTTER or height <= FOOTER_ROWS:
            return [Strip.blank(width, self.rich_style) for _ in range(height)]
        f = self.frame
        cols = self.columns()
        probe_col = int(np.argmin(np.abs(cols - f.probe)))
        rows = self.picture_rows
        have = len(f.t_ms)
        strips: list[Strip] = []
        label_every = max(rows // 6, 1)
        if self.mode == "v":
            glyph, colour = v_cells(f.v_mV[:, cols])
        else:
            ph = f.phase[:, cols].astype(int)
        for r in range(rows):
            k = have - rows + r  # newest sample on the last picture row
            if k < 0:
                strips.append(Strip.blank(width, self.rich_style))
                continue
            label = f"{f.t_ms[k]:7.2f} " if (rows - 1 - r) % label_every == 0 else " " * 8
            segs = [Segment(label[: GUTTER - 1].rjust(GUTTER - 1) + "│", _style("grey50"))]
            if self.mode == "v":
                text_row = "".join(V_GLYPHS[g] for g in glyph[k])
                runs = colour[k]
                segs += _runs(text_row, [V_COLOURS[c] for c in runs], probe_col)
            else:
                text_row = "".join(PHASE_FILL[p] for p in ph[k])
                segs += _runs(text_row, [PHASE_COLOURS[PHASES[p]] for p in ph[k]], probe_col)
            strips.append(Strip(segs))
        strips.append(self._axis(cols, probe_col))
        strips.append(self._now_row("phase", f.phase[-1, cols], probe_col))
        strips.append(self._now_row("Na⁺ avail", f.na_avail[-1, cols], probe_col))
        return strips

    def _axis(self, cols: np.ndarray, probe_col: int) -> Strip:
        assert self.frame is not None
        f = self.frame
        n = len(cols)
        chars = ["─"] * n
        node_cols = (
            {c for c, i in enumerate(cols) if f.kinds[i] == "node"}
            if "internode" in f.kinds
            else set()
        )
        for c in node_cols:
            chars[c] = "•"
        length = float(f.x_mm[-1] + f.x_mm[0])
        for tick in nice_ticks(0.0, length, max(n // 12, 2)):
            c = int(round(tick / length * (n - 1))) if length > 0 else 0
            text = f"{tick:g}"
            if c >= 0 and c + len(text) <= n:
                chars[c : c + len(text)] = list(text)
        chars[probe_col] = "▲"
        line = "".join(chars)
        return Strip(
            [
                Segment("  x (mm)".ljust(GUTTER - 1) + "└", _style("grey50")),
                Segment(line[:probe_col], _style("grey70")),
                Segment("▲", _style("bright_white", bold=True)),
                Segment(line[probe_col + 1 :], _style("grey70")),
            ]
        )

    def _now_row(self, title: str, values: np.ndarray, probe_col: int) -> Strip:
        if title == "phase":
            glyphs = [PHASE_FILL[int(v)] for v in values]
            colours = [PHASE_COLOURS[PHASES[int(v)]] for v in values]
        else:
            glyphs = [NA_GLYPHS[int(v)] for v in values]
            colours = [NA_COLOURS[int(v)] for v in values]
        head = Segment(title.rjust(GUTTER - 1) + " ", _style("grey70"))
        return Strip([head, *_runs("".join(glyphs), colours, probe_col)])


def _runs(text: str, colours: list[str], bold_col: int) -> list[Segment]:
    """Segments of equal colour runs (the probe column bold)."""
    segs: list[Segment] = []
    start = 0
    n = len(text)
    for i in range(1, n + 1):
        boundary = i in (n, bold_col) or colours[i] != colours[start] or i - 1 == bold_col
        if boundary:
            bold = start == bold_col
            segs.append(Segment(text[start:i], _style(colours[start], bold)))
            start = i
    return segs


def inactivated_columns(frame: AxonFrame, cols: np.ndarray) -> np.ndarray:
    """Columns whose position has its Na⁺ channels largely inactivated now (tests)."""
    return np.flatnonzero(frame.na_avail[-1, cols] == INACTIVATED)
