"""The neuron drawn in text: dendrite – soma – AIS – axon, shaded by V, inputs marked.

Why characters and colours together: every compartment's glyph encodes the
same voltage level as its colour (shades ` ·░▒▓█` over `V_RANGE_MV`, a
subthreshold range so that EPSPs show), so the drawing survives NO_COLOR and
monochrome terminals. Inputs are letters at their sites (`E` AMPA, `N` NMDA,
`I` GABA-A) while their conductance is on, small letters (`e n i`) for the
inputs of the last 100 ms that are over; the site of the next input is `▲`
with its name. Rows:

0. section names (tip, dendrite and its length, soma, AIS, axon);
1. the soma's top;
2. the cell, one glyph per column (each column is one compartment's V);
3. the soma's bottom, and the input markers;
4. the site cursor and its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tutor.lab.neuron_live import KIND_MARK, Marker

#: Voltage range of the shades (mV): subthreshold, so a few-mV EPSP moves a shade.
V_RANGE_MV: tuple[float, float] = (-76.0, -46.0)
V_GLYPHS = " ·░▒▓█"
V_COLOURS = (
    "blue3", "dodger_blue2", "steel_blue1", "grey70", "khaki1",
    "yellow1", "orange1", "dark_orange", "red1", "bright_red",
)  # fmt: skip
KIND_COLOURS: dict[str, str] = {"ampa": "orange1", "nmda": "magenta", "gabaa": "dodger_blue1"}
#: Columns of the soma's drawing (frame included).
SOMA_COLS = 5
#: Fractions of the remaining width given to the dendrite and to the AIS (the axon gets the rest).
DEND_FRACTION = 0.58
AIS_FRACTION = 0.12
ROWS = 5
LEFT = 1


@cache
def _style(colour: str, bold: bool = False) -> Style:
    return Style(color=colour, bold=bold)


def v_cells(v_mV: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(glyph index, colour index) per voltage; rest is a dot, never blank."""
    lo, hi = V_RANGE_MV
    level = np.clip((np.asarray(v_mV, dtype=float) - lo) / (hi - lo), 0.0, 1.0)
    glyph = np.clip((level * len(V_GLYPHS)).astype(int), 1, len(V_GLYPHS) - 1)
    colour = np.minimum((level * len(V_COLOURS)).astype(int), len(V_COLOURS) - 1)
    return glyph, colour


@dataclass
class NeuronPicture:
    """What the drawing needs: V now per compartment (mV), each compartment's section
    name, the inputs to mark, the site's compartment and its label."""

    v_mV: np.ndarray
    kinds: tuple[str, ...]
    markers: Sequence[Marker] = field(default_factory=list)
    site: int = 0
    site_text: str = ""
    dend_length_um: float = 0.0


@cache
def layout(kinds: tuple[str, ...], width: int) -> tuple[int, ...]:
    """Compartment shown in each drawing column (−1 for the soma's frame), left to right.

    Sections keep their order (dend … soma … ais … axon); the soma gets SOMA_COLS
    columns (frame `│` at both ends), the dendrite DEND_FRACTION of the rest, the AIS
    AIS_FRACTION, the axon what is left; each section's columns are spread evenly
    over its compartments.
    """
    names = list(dict.fromkeys(kinds))
    span = {n: [i for i, k in enumerate(kinds) if k == n] for n in names}
    rest = max(width - SOMA_COLS, len(names))
    share = {"dend": DEND_FRACTION, "ais": AIS_FRACTION}
    cols: dict[str, int] = {}
    others = [n for n in names if n not in share and n != "soma"]
    used = 0
    for n in names:
        if n == "soma":
            cols[n] = SOMA_COLS
        elif n in share:
            cols[n] = max(int(rest * share[n]), 1)
            used += cols[n]
    for k, n in enumerate(others):
        left = max(rest - used, len(others))
        cols[n] = max(left // len(others) + (1 if k < left % len(others) else 0), 1)
    out: list[int] = []
    for n in names:
        comps = span[n]
        c = cols[n]
        if n == "soma":
            mid = comps[len(comps) // 2]
            out += [-1] + [mid] * (c - 2) + [-1]
            continue
        out += [comps[min(int(j * len(comps) / c), len(comps) - 1)] for j in range(c)]
    return tuple(out)


class NeuronMapView(Widget):
    """The neuron drawn in text (see the module docstring)."""

    DEFAULT_CSS = """
    NeuronMapView { height: 5; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.picture: NeuronPicture | None = None
        self._strips: list[Strip] | None = None
        self._built_width = 0

    def set_picture(self, picture: NeuronPicture) -> None:
        """Replace what is drawn and repaint."""
        self.picture = picture
        self._strips = None
        self.refresh()

    def columns(self) -> tuple[int, ...]:
        """Compartment of each drawing column (−1: the soma's frame), at this width."""
        if self.picture is None:
            return ()
        return layout(tuple(self.picture.kinds), max(self.size.width - 2 * LEFT, 8))

    def column_of(self, compartment: int) -> int:
        """Drawing column (from the widget's left edge) of a compartment's middle."""
        cols = self.columns()
        hits = [j for j, c in enumerate(cols) if c == compartment]
        return LEFT + (hits[len(hits) // 2] if hits else 0)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips is None or self._built_width != width:
            self._built_width = width
            self._strips = self._build()
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(width, self.rich_style)

    def _build(self) -> list[Strip]:
        width = self.size.width
        pic = self.picture
        if pic is None or width < 12:
            return [Strip.blank(width, self.rich_style) for _ in range(ROWS)]
        cols = self.columns()
        n_cols = len(cols)
        base = self.rich_style
        dim = base + Style(dim=True)
        rows: list[list[tuple[str, Style]]] = [
            [(" ", base)] * (n_cols + 2 * LEFT) for _ in range(ROWS)
        ]

        def put(r: int, c: int, text: str, style: Style) -> None:
            for i, ch in enumerate(text):
                if 0 <= c + i < len(rows[r]):
                    rows[r][c + i] = (ch, style)

        # row 0: section names, centred over their columns
        spans: dict[str, list[int]] = {}
        for j, comp in enumerate(cols):
            name = "soma" if comp < 0 else pic.kinds[comp]
            spans.setdefault(name, []).append(j)
        titles = {
            "dend": f"dendrite {pic.dend_length_um:g} µm" if pic.dend_length_um else "dendrite",
            "soma": "soma",
            "ais": "AIS",
            "axon": "axon",
        }
        put(0, LEFT, "tip", dim)
        for name, js in spans.items():
            text = titles.get(name, name)
            mid = (js[0] + js[-1]) // 2
            start = max(LEFT + mid - len(text) // 2, LEFT + (4 if name == "dend" else 0))
            put(0, start, text, base + Style(bold=name in ("soma", "ais")))
        # rows 1-3: soma frame; row 2: the cell
        soma_cols = spans.get("soma", [])
        if soma_cols:
            s0, s1 = LEFT + soma_cols[0], LEFT + soma_cols[-1]
            put(1, s0, "╭" + "─" * (s1 - s0 - 1) + "╮", base)
            put(3, s0, "╰" + "─" * (s1 - s0 - 1) + "╯", base)
        glyph, colour = v_cells(pic.v_mV[[max(c, 0) for c in cols]])
        for j, comp in enumerate(cols):
            if comp < 0:
                put(2, LEFT + j, "│", base)
            else:
                bold = pic.kinds[comp] in ("soma", "ais")
                put(2, LEFT + j, V_GLYPHS[glyph[j]], _style(V_COLOURS[colour[j]], bold))
        # row 3: the inputs at their sites: capital while conducting, small and dim after
        # (an active input wins its column over an old one; among equals the newest)
        for mk in sorted(pic.markers, key=lambda m: (m.active, m.onset_ms)):
            c = self.column_of(mk.site)
            letter = KIND_MARK.get(mk.kind, "?")
            ink = KIND_COLOURS.get(mk.kind, "white")
            if mk.active:
                put(3, c, letter, _style(ink, True))
            else:
                put(3, c, letter.lower(), Style(color=ink, dim=True))
        # row 4: the site of the next input
        c = self.column_of(pic.site)
        label = f"▲ {pic.site_text}"
        start = c if c + len(label) <= n_cols + LEFT else max(c - len(label) + 1, 0)
        put(4, start, label, base + Style(bold=True))
        if start != c:
            put(4, start, pic.site_text + " ▲", base + Style(bold=True))
        strips = []
        for r in range(ROWS):
            segs: list[Segment] = []
            run_style: Style | None = None
            run: list[str] = []
            for ch, st in rows[r]:
                if st is not run_style and run:
                    segs.append(Segment("".join(run), run_style))
                    run = []
                run_style = st
                run.append(ch)
            if run:
                segs.append(Segment("".join(run), run_style))
            strips.append(Strip(segs, width).adjust_cell_length(width, base))
        return strips
