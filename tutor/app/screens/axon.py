"""The axon view (key `a`): a spike travelling along a cable, live.

Position runs across, time down (newest row at the bottom); colour is V or
the phase of each position (the phase machine's rules at every position).
Under it, each position's phase and Na⁺ availability now; below, the full
voltage trace at a probe position with its phase ribbon and excitability band
— the phase machine run there, probes and all: whether the probe position is
absolutely or relatively refractory is decided by test pulses into the axon.
Stimulate the left end, the right end or both and watch the spikes travel,
meet and vanish; switch myelin and the diameter live. The model is
`tutor.lab.axon_live.AxonSession` on the cable engine; this screen only
draws it and forwards keys.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from tutor.app.screens.live import LiveModelScreen
from tutor.app.widgets.band import BandView
from tutor.app.widgets.plot import PlotData, PlotView
from tutor.app.widgets.spacetime import SpaceTimeView
from tutor.app.widgets.theme import PHASE_STYLES
from tutor.lab.axon_live import AxonSession

#: Model speeds offered by [ and ] (ms of model time per wall second).
SPEEDS_MS_PER_S: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 5.0)
DEFAULT_SPEED = 1.0
#: Picture rows recorded per wall second (the sample interval follows the speed).
ROWS_PER_S = 20.0


def excitability_text(state: str, answered_ms: float, now_ms: float) -> str:
    """The probe's excitability state as the banner words it: the phase machine's last
    answer, with the instant it refers to when that is not now (the model is asked every
    PROBE_EVERY_MS; each question is a run of the whole axon)."""
    words = state.replace("_", " ")
    return words if answered_ms >= now_ms - 1e-9 else f"{words} ({answered_ms:.2f} ms)"


class AxonScreen(LiveModelScreen[AxonSession]):
    """Live space–time picture of an axon (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "z,space", "stimulate('left')", "Stim left", tooltip="0.5 ms pulse at the left end"
        ),
        Binding("x", "stimulate('right')", "Stim right", tooltip="0.5 ms pulse at the right end"),
        Binding("b", "stimulate('both')", "Both ends", tooltip="pulses at both ends at once"),
        Binding("m", "myelin", "Myelin", tooltip="bare axon ↔ myelinated fibre (rebuilt at rest)"),
        Binding("plus,equals_sign", "diameter(1)", "Diam +", tooltip="next larger diameter"),
        Binding("minus", "diameter(-1)", "Diam −", tooltip="next smaller diameter"),
        Binding("left", "probe(-1)", "Probe ←", show=False, tooltip="move the probe left"),
        Binding("right", "probe(1)", "Probe →", show=False, tooltip="move the probe right"),
        Binding("c", "colour", "V/phase", tooltip="colour the picture by V or by phase"),
        Binding("p", "toggle_pause", "Pause", tooltip="pause / resume model time"),
        Binding("left_square_bracket", "speed(-1)", "Slower", show=False, tooltip="run slower"),
        Binding("right_square_bracket", "speed(1)", "Faster", show=False, tooltip="run faster"),
        Binding("r", "reset", "Reset", tooltip="back to rest at t = 0"),
        Binding("escape", "back", "Back to lab", tooltip="return to the membrane patch"),
    ]

    # the module's constants, which the benchmarks import too
    SPEEDS_MS_PER_S = SPEEDS_MS_PER_S
    DEFAULT_SPEED = DEFAULT_SPEED

    def __init__(self, live: bool = True, fps: float = 40.0, engine: str | None = None) -> None:
        session = AxonSession(sample_ms=DEFAULT_SPEED / ROWS_PER_S, engine=engine)
        super().__init__(session, live=live, fps=fps)
        self.mode = "v"

    def compose(self) -> ComposeResult:
        yield Static(id="axon-banner")
        picture = SpaceTimeView(id="spacetime")
        picture.border_title = "axon: position → , time ↓"
        yield picture
        probe = PlotView([*PHASE_STYLES], id="axon-probe")
        yield probe
        yield BandView(id="axon-band")
        yield Footer(compact=True)

    # -- drawing -------------------------------------------------------------------------
    def redraw(self) -> None:
        """Draw the picture, the banner and the probe trace from the session, now."""
        s = self.session
        picture = self.query_one("#spacetime", SpaceTimeView)
        frame = s.frame(picture.picture_rows)
        picture.set_frame(frame, self.mode)
        phase, excitability, na = s.now()
        v = s.velocity_m_s
        speed = f"{self.speed:g} ms/s" + ("" if self.running else " ⏸ paused")
        vel = "—" if v is None else f"{v:.2f} m/s"
        probe_mm = float(frame.x_mm[frame.probe])
        exc = excitability_text(excitability, s.excitability_t_ms, s.t_ms)
        self.query_one("#axon-banner", Static).update(
            f" t = {s.t_ms:.2f} ms   at {probe_mm:.1f} mm: {phase} · {exc}\n"
            f" Na⁺ {na} there   velocity {vel}   {speed}   {s.describe()}"
            f"   colour: {'V (mV)' if self.mode == 'v' else 'phase'}"
        )
        probe = self.query_one("#axon-probe", PlotView)
        probe.border_title = f"V at the probe ({probe_mm:.2f} mm), mV — coloured by phase"
        t, y = s.probe_trace(float(frame.t_ms[0]) if len(frame.t_ms) else 0.0)
        # each step coloured by the phase of the latest picture row at or before it
        rows = np.searchsorted(frame.t_ms, t + 1e-9, side="right") - 1
        styles = frame.phase[np.clip(rows, 0, len(frame.t_ms) - 1), frame.probe].astype(np.int64)
        x0 = float(t[0]) if len(t) else 0.0
        x1 = float(t[-1]) if len(t) > 1 else x0 + 1.0
        x_range = (x0, max(x1, x0 + 1e-6))
        probe.set_data(
            PlotData(x_range=x_range, y_range=(-90.0, 50.0), series=[(t, y, styles)], y_lines=[0.0])
        )
        # the band on a grid finer than its columns: each point takes the step before it
        band = self.query_one("#axon-band", BandView)
        grid = np.linspace(x_range[0], x_range[1], 2 * max(band.size.width, 1) + 1)
        if len(t):
            k = np.clip(np.searchsorted(t, grid + 1e-12, side="right") - 1, 0, len(t) - 1)
            band.set_data(grid, styles[k], s.probe_band(grid), x_range)
        self.frames += 1

    # -- actions -------------------------------------------------------------------------
    def action_stimulate(self, where: str) -> None:
        """Deliver the pulse now."""
        self.session.stimulate(where)
        self.redraw()

    def action_myelin(self) -> None:
        self.session.set_myelin(not self.session.spec.myelin)
        self.redraw()

    def action_diameter(self, direction: int) -> None:
        self.session.step_diameter(direction)
        self.redraw()

    def action_probe(self, direction: int) -> None:
        self.session.move_probe(0.02 * direction)
        self.redraw()

    def action_colour(self) -> None:
        self.mode = "phase" if self.mode == "v" else "v"
        self.redraw()

    def speed_changed(self) -> None:
        """A picture row every 1/ROWS_PER_S wall seconds at the new speed."""
        self.session.sample_ms = self.speed / ROWS_PER_S
