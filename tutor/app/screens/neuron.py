"""The neuron view (key `n`): synaptic inputs on a ball-and-stick neuron, live.

The neuron is drawn in text (dendrite – soma – AIS – axon, shaded by V now)
with its inputs marked at their sites; keys place the site along the
dendrite or on the soma and fire excitatory (AMPA, with NMDA when on) and
inhibitory (GABA-A) inputs, or start a train or Poisson drive. Below, V at
the dendritic site (the input site; while inputs go to the soma, the site
of the last dendritic input), at the soma and at the axon initial segment as it happens,
so temporal and spatial summation, shunting and the spike starting in the
AIS can be watched. The banner says what the model says at that instant:
V and the depolarisation since the last input at the site, the soma and the
AIS, the AIS spike count, and the phase at the AIS and at the soma from the
phase machine (the traces there are coloured by it, its threshold and peak
marked). The model is `tutor.lab.neuron_live.NeuronSession`
on the cable engine; this screen only draws it and forwards keys.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from tutor.app.screens.live import LiveModelScreen
from tutor.app.widgets.neuron_map import NeuronMapView, NeuronPicture
from tutor.app.widgets.plot import Label, PlotData, PlotView
from tutor.app.widgets.theme import MARKER_STYLE, PHASE_STYLES, title
from tutor.lab.neuron_live import NeuronSession, site_label

#: Model speeds offered by [ and ] (ms of model time per wall second).
SPEEDS_MS_PER_S: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
DEFAULT_SPEED = 5.0
#: Time shown by the traces (ms).
WINDOW_MS = 100.0
#: Smallest voltage span of a trace (mV), and the grid its range snaps to.
MIN_SPAN_MV = 8.0
GRID_MV = 5.0
#: The dendritic trace's colour; the AIS and soma traces are coloured by phase (PHASE_STYLES).
SITE_STYLE = Style(color="orange1")
#: Style index of the threshold/peak labels on the AIS and soma traces (after the phases).
LABEL_STYLE = len(PHASE_STYLES)
TRACES: tuple[tuple[str, str], ...] = (("site", "#trace-site"), ("soma", "#trace-soma"),
                                       ("ais", "#trace-ais"))  # fmt: skip


def y_range(v: np.ndarray) -> tuple[float, float]:
    """A trace's voltage range: its extremes, padded, snapped to GRID_MV, ≥ MIN_SPAN_MV wide."""
    if not len(v):
        return (-75.0, -65.0)
    lo, hi = float(np.min(v)) - 0.5, float(np.max(v)) + 0.5
    if hi - lo < MIN_SPAN_MV:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - MIN_SPAN_MV / 2, mid + MIN_SPAN_MV / 2
    return (float(np.floor(lo / GRID_MV) * GRID_MV), float(np.ceil(hi / GRID_MV) * GRID_MV))


class NeuronScreen(LiveModelScreen[NeuronSession]):
    """Live ball-and-stick neuron with synaptic inputs (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # the footer's order: what a newcomer needs first, so 80 columns still show it
        Binding("e,space", "fire('exc')", "Excite", tooltip="excitatory input (AMPA) at the site"),
        Binding("i", "fire('inh')", "Inhibit", tooltip="inhibitory input (GABA-A) at the site"),
        Binding("left", "site(-1)", "Site", key_display="← →",
                tooltip="move the input site towards the tip (→: towards the soma)"),
        Binding("right", "site(1)", "Site →", show=False,
                tooltip="move the input site towards the soma"),
        Binding("escape", "back", "Lab", tooltip="back to the membrane patch (the lab)"),
        Binding("n", "nmda", "NMDA", tooltip="excitatory inputs also open NMDA receptors (on/off)"),
        Binding("t", "drive", "Drive",
                tooltip="background input at the site: off, 20 Hz, 100 Hz train, Poisson 50 Hz"),
        Binding("p", "toggle_pause", "Pause", tooltip="pause / resume model time"),
        Binding("left_square_bracket", "speed(-1)", "Speed", key_display="[ ]",
                tooltip="Slower/faster (] is faster)"),
        Binding("right_square_bracket", "speed(1)", "Faster", show=False, tooltip="run faster"),
        Binding("r", "reset", "Reset", tooltip="back to rest at t = 0, inputs cleared"),
        Binding("up", "weight('exc', 1)", "Exc +", show=False, tooltip="larger excitatory weight"),
        Binding("down", "weight('exc', -1)", "Exc −", show=False,
                tooltip="smaller excitatory weight"),
        Binding("shift+up", "weight('inh', 1)", "Inh +", show=False,
                tooltip="larger inhibitory weight"),
        Binding("shift+down", "weight('inh', -1)", "Inh −", show=False,
                tooltip="smaller inhibitory weight"),
        *(
            Binding(str(k), f"fire('exc', {k})", f"×{k}", show=False,
                    tooltip=f"{k} coincident excitatory inputs at the site")
            for k in range(2, 10)
        ),
    ]  # fmt: skip

    # the module's constants, which the benchmarks import too
    SPEEDS_MS_PER_S = SPEEDS_MS_PER_S
    DEFAULT_SPEED = DEFAULT_SPEED

    def __init__(self, live: bool = True, fps: float = 40.0, seed: int = 1) -> None:
        super().__init__(NeuronSession(seed=seed), live=live, fps=fps)

    def compose(self) -> ComposeResult:
        yield Static(id="neuron-banner")
        yield NeuronMapView(id="neuron-map")
        for name, selector in TRACES:
            palette = [SITE_STYLE] if name == "site" else [*PHASE_STYLES, MARKER_STYLE]
            yield PlotView(palette, id=selector[1:], classes="neuron-trace")
        yield Footer(compact=True)

    # -- text ----------------------------------------------------------------------------
    def banner_text(self, compact: bool = False) -> str:
        """The banner: clock, AIS spikes, the inputs, and the depolarisation (peak V − rest,
        or the trough after an inhibitory input) since the last input, at the site, the
        soma and the AIS — all read from the session now. `compact`: for 80 columns."""
        s = self.session
        state = "▶ running" if self.running else "⏸ paused"
        gap = "  " if compact else "   "
        exc = f"AMPA{'+NMDA' if s.nmda else ''} {s.exc_nS:g} nS"
        lines = [
            f" t = {s.t_ms:8.2f} ms{gap}{state}{gap}{self.speed:g} ms/s{gap}"
            f"spikes (AIS) {s.spike_count()}{gap}AIS {title(s.phase('ais')).upper()}"
            f" · soma {title(s.phase('soma')).upper()}",
            f" site {s.site_text()}{gap}exc {exc}{gap}inh GABA-A {s.inh_nS:g} nS{gap}"
            f"drive {s.drive[0]}",
        ]
        if s.last_input_ms is None:
            lines.append(" no input yet: e excites, i inhibits, ←/→ move the site")
            return "\n".join(lines)
        trough = s.last_input_kind == "inh"
        what = "trough" if trough else "peak"
        parts = []
        for name, comp in self.sites().items():
            got = s.trough_since_input(comp) if trough else s.peak_since_input(comp)
            assert got is not None
            parts.append(f"{self.trace_name(name)} {got[0]:+.2f}")
        lines.append(f" input @{s.last_input_ms:.2f} ms → {what} ΔV: " + " · ".join(parts) + " mV")
        return "\n".join(lines)

    def sites(self) -> dict[str, int]:
        """The compartments traced: the dendritic site, the soma and the AIS."""
        s = self.session
        return {"site": s.neuron.site(s.dend_site), "soma": s.soma, "ais": s.ais}

    def trace_name(self, name: str) -> str:
        """'dend:0.5', 'soma' or 'AIS'."""
        if name == "site":
            return site_label(self.session.dend_site)
        return "AIS" if name == "ais" else name

    # -- drawing -------------------------------------------------------------------------
    def redraw(self) -> None:
        """Draw the banner, the neuron and the three traces from the session, now."""
        s = self.session
        compact = self.size.width < 100
        self.query_one("#neuron-banner", Static).update(self.banner_text(compact))
        self.query_one("#neuron-map", NeuronMapView).set_picture(
            NeuronPicture(
                v_mV=s.v_now(),
                kinds=s.neuron.cable.kind,
                markers=s.markers(),
                site=s.site_compartment,
                site_text=s.site_text(),
                dend_length_um=s.neuron.dend_length_um,
            )
        )
        since = max(s.t_ms - WINDOW_MS, 0.0)
        x_range = (since, max(since + WINDOW_MS, s.t_ms))
        sites = self.sites()
        for name, selector in TRACES:
            comp = sites[name]
            t, v = s.trace(comp, since)
            plot = self.query_one(selector, PlotView)
            peak = s.peak_since_input(comp)
            extra = "" if peak is None else f", peak since input {peak[0]:+.2f} mV"
            labels: list[Label] = []
            styles: np.ndarray | int = 0
            if name != "site":
                extra = f" — {title(s.phase(name))}" + extra
                styles = s.phase_trace(name, since).astype(np.int64)
                labels = self._landmarks(name, since)
            plot.border_title = f"V at {self.trace_name(name)}: {float(v[-1]):+.2f} mV{extra}"
            plot.set_data(
                PlotData(
                    x_range=x_range,
                    y_range=y_range(v),
                    series=[(t, v, styles)],
                    labels=labels,
                    y_lines=[float(s.rest[comp])],
                )
            )
        self.frames += 1

    def _landmarks(self, name: str, since_ms: float) -> list[Label]:
        """The phase machine's newest threshold and peak at 'ais' or 'soma', if in view."""
        out = []
        for kind, text, anchor in (("threshold", "thr", "left"), ("peak", "peak", "right")):
            e = self.session.last_event(name, kind)
            if e is not None and e["t_ms"] >= since_ms:
                label = f"◆{text} {e['v_mV']:+.1f}"
                out.append(Label(e["t_ms"], e["v_mV"], label, LABEL_STYLE, anchor))
        return out

    # -- actions -------------------------------------------------------------------------
    def action_fire(self, kind: str, count: int = 1) -> None:
        """Open `count` inputs of `kind` ('exc' or 'inh') at the site now."""
        self.session.fire(kind, count)
        self.redraw()

    def action_site(self, direction: int) -> None:
        self.session.move_site(direction)
        self.redraw()

    def action_weight(self, kind: str, direction: int) -> None:
        self.session.step_weight(kind, direction)
        self.redraw()

    def action_nmda(self) -> None:
        self.session.toggle_nmda()
        self.redraw()

    def action_drive(self) -> None:
        self.session.cycle_drive()
        self.redraw()
