"""The voltage-clamp view: Hodgkin and Huxley's experiment, one step at a time.

The membrane is held at −65 mV and stepped to each voltage of a family
(−80 … +60 mV, 10 mV apart, 20 ms from t = 5 ms). For every step the view
shows the command voltage, the ionic currents it evokes coloured by ion
(I_Na red, I_K blue, I_L grey; earlier steps dimmed), and adds the step's
point to the I–V curve (peak I_Na and I_K at the end of the step). `t` and
`e` block the Na⁺ and K⁺ conductances; every step shown is recomputed at
once, with the unblocked curve kept dim beside it as the control.

All numbers come from `tutor.lab.clamp` (the exact clamp solution that
`tutor clamp` prints), recomputed whenever the membrane changes, so the
banner is always the state of the membrane on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from tutor.app.messages import BackToLab
from tutor.app.widgets.clamp_plots import (
    CLAMP_PALETTE,
    CMD,
    CMD_DIM,
    K_DIM,
    LABEL,
    NA,
    NA_DIM,
    K,
    UnitPlot,
)
from tutor.app.widgets.plot import Label, PlotData

#: The family the view steps through (mV), the holding potential (mV) and step length (ms).
STEPS_MV: tuple[float, ...] = tuple(float(v) for v in range(-80, 61, 10))
HOLD_MV = -65.0
DUR_MS = 20.0
#: Seconds between steps while playing.
PLAY_INTERVAL_S = 0.8
#: Sampling of the drawn traces (ms).
TRACE_DT_MS = 0.05


@dataclass
class ClampState:
    """What the view shows: membrane, family, how far it has got, and the results.

    Pure data plus `recompute()`; the screen only draws it. `shown` steps of
    `STEPS_MV` have been run (0 … len); `family` is the membrane as it is now
    (blocks applied), `control` the same family unblocked.
    """

    preset: str = "squid"
    celsius: float | None = None
    blocks: set[str] = field(default_factory=set)
    shown: int = 0
    family: Any = None
    control: Any = None
    traces: dict[str, np.ndarray] = field(default_factory=dict)
    current_range: tuple[float, float] = (-1.0, 1.0)

    def membranes(self) -> tuple[Any, Any]:
        """(membrane with blocks, unblocked membrane) at the view's temperature."""
        from tutor.lab.experiments import membranes

        m = membranes(self.preset, celsius=self.celsius, blocks=sorted(self.blocks))
        return m.run, m.base

    def recompute(self) -> None:
        """Run the whole family on the current membrane (exact, a few ms)."""
        from tutor.lab.clamp import ClampProtocol, run_family, traces

        run, base = self.membranes()
        protocol = ClampProtocol(STEPS_MV, hold_mV=HOLD_MV, dur_ms=DUR_MS)
        self.family = run_family(run, protocol)
        self.control = run_family(base, protocol)
        self.traces = traces(self.family, TRACE_DT_MS)
        # the current axis is fixed by the unblocked family, so a block visibly shrinks things
        control_tr = traces(self.control, TRACE_DT_MS)
        lo = float(min(control_tr["i_na"].min(), control_tr["i_k"].min()))
        hi = float(max(control_tr["i_na"].max(), control_tr["i_k"].max()))
        pad = 0.05 * (hi - lo or 1.0)
        self.current_range = (lo - pad, hi + pad)

    @property
    def current(self) -> dict[str, Any] | None:
        """The point of the step on screen (the last one run), None before the first."""
        return self.family.points[self.shown - 1] if self.shown else None


class ClampScreen(Screen[None]):
    """Command steps, currents by ion, the I–V curve; TTX/TEA live."""

    DEFAULT_CSS = """
    ClampScreen { layout: vertical; }
    #clamp-banner { height: auto; max-height: 5; padding: 0 1; background: $boost; }
    #clamp-body { height: 1fr; }
    #clamp-left { width: 1fr; }
    #clamp-command { height: 8; border: round $primary-darken-1; }
    #clamp-currents { height: 1fr; border: round $secondary-darken-1; }
    #clamp-iv { width: 1fr; border: round $accent-darken-1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space", "next_step", "Next step", tooltip="clamp to the next voltage of the family"
        ),
        Binding("p", "toggle_play", "Play", tooltip="play / pause: one step every 0.8 s"),
        Binding("t", "block('ttx')", "TTX", tooltip="toggle TTX: blocks Na⁺ channels (gNa = 0)"),
        Binding("e", "block('tea')", "TEA", tooltip="toggle TEA: blocks K⁺ channels (gK = 0)"),
        Binding(
            "r",
            "restart",
            "Restart",
            tooltip="clear the family and start again from the first step",
        ),
        Binding("escape", "back", "Back to lab", tooltip="return to the live membrane"),
    ]

    def __init__(
        self, preset: str = "squid", celsius: float | None = None, live: bool = True
    ) -> None:
        super().__init__()
        self.state = ClampState(preset=preset, celsius=celsius)
        self.state.recompute()
        self.live = live
        self.playing = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="clamp-banner")
        with Horizontal(id="clamp-body"):
            with Vertical(id="clamp-left"):
                cmd = UnitPlot(CLAMP_PALETTE, id="clamp-command")
                cmd.border_title = "command voltage (mV)"
                yield cmd
                cur = UnitPlot(CLAMP_PALETTE, id="clamp-currents")
                cur.border_title = (
                    "ionic currents (µA/cm², outward +)  I_Na red  I_K blue  I_L grey"
                )
                yield cur
            iv = UnitPlot(CLAMP_PALETTE, x_unit="mV", id="clamp-iv")
            iv.border_title = "I–V: peak I_Na (red) · I_K at step end (blue) · dim = no drug"
            yield iv
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.redraw()

    # -- actions -----------------------------------------------------------------------
    def action_next_step(self) -> None:
        """Run the next step of the family (after the last one, start over)."""
        s = self.state
        s.shown = 1 if s.shown >= len(STEPS_MV) else s.shown + 1
        self.redraw()

    def action_toggle_play(self) -> None:
        """Step through the family automatically (live terminals only)."""
        self.playing = not self.playing
        if self.playing and self.live and self._timer is None:
            self._timer = self.set_interval(PLAY_INTERVAL_S, self._play_tick)
        self.redraw()

    def _play_tick(self) -> None:
        if not self.playing:
            return
        if self.state.shown >= len(STEPS_MV):
            self.playing = False
        else:
            self.action_next_step()
        self.redraw()

    def action_block(self, name: str) -> None:
        """Toggle a drug; every step shown is recomputed on the new membrane at once."""
        s = self.state
        s.blocks ^= {name}
        s.recompute()
        self.redraw()

    def action_restart(self) -> None:
        self.state.shown = 0
        self.playing = False
        self.redraw()

    def action_back(self) -> None:
        """Return to the lab (the app owns the screen stack)."""
        self.post_message(BackToLab())

    # -- drawing -----------------------------------------------------------------------
    def banner_text(self) -> str:
        """Two lines: the protocol and drugs, then this step's numbers (from the model)."""
        s = self.state
        params = s.family.params
        drugs = "  ".join(f"{d.upper()} {'ON' if d in s.blocks else 'off'}" for d in ("ttx", "tea"))
        state = "▶ playing" if self.playing else "⏸ paused"
        head = (
            f" VOLTAGE CLAMP  {params.name} {params.celsius:g} °C  hold {HOLD_MV:g} mV  "
            f"{drugs}  {state}"
        )
        p = s.current
        if p is None:
            return head + "\n press space to clamp the first step (−80 mV), p to play the family\n"
        at = "" if p["ina_peak_ms"] is None else f" at {p['ina_peak_ms']:.2f} ms"
        line = (
            f" step {s.shown}/{len(STEPS_MV)} to {p['v_mV']:+g} mV:  "
            f"peak I_Na {p['ina_peak_uA_cm2']:+.1f} µA/cm²{at}  ·  "
            f"I_K at {DUR_MS:g} ms {p['ik_end_uA_cm2']:+.1f} µA/cm²"
        )
        rev = s.family.to_dict()["reversal"]["ina_peak_mV"] if s.shown == len(STEPS_MV) else None
        if rev is not None:
            last = (
                f" the peak I_Na I–V curve crosses zero at {rev:+.1f} mV (E_Na {params.ena:+g} mV)"
            )
        elif s.shown == len(STEPS_MV):
            last = " no I_Na reversal in this family (Na⁺ current blocked?)"
        else:
            last = " space: next step · p: play · t/e: TTX/TEA"
        return head + "\n" + line + "\n" + last

    def redraw(self) -> None:
        """Draw the banner and the three plots from the state."""
        s = self.state
        self.query_one("#clamp-banner", Static).update(self.banner_text())
        tr = s.traces
        t = tr["t_ms"]
        x_range = (float(t[0]), float(t[-1]))
        cmd_series: list[tuple[np.ndarray, np.ndarray, np.ndarray | int]] = []
        cur_series: list[tuple[np.ndarray, np.ndarray, np.ndarray | int]] = []
        for i in range(s.shown):
            last = i == s.shown - 1
            cmd_series.append((t, tr["v_mV"][i], CMD if last else CMD_DIM))
            if not last:
                cur_series.append((t, tr["i_na"][i], NA_DIM))
                cur_series.append((t, tr["i_k"][i], K_DIM))
        if s.shown:
            i = s.shown - 1
            cur_series.append((t, tr["i_l"][i], 3))
            cur_series.append((t, tr["i_k"][i], K))
            cur_series.append((t, tr["i_na"][i], NA))
        self.query_one("#clamp-command", UnitPlot).set_data(
            PlotData(x_range=x_range, y_range=(-100.0, 70.0), series=cmd_series, y_lines=[0.0])
        )
        self.query_one("#clamp-currents", UnitPlot).set_data(
            PlotData(x_range=x_range, y_range=s.current_range, series=cur_series, y_lines=[0.0])
        )
        self.query_one("#clamp-iv", UnitPlot).set_data(self._iv_data())

    def _iv_data(self) -> PlotData:
        s = self.state
        volts = np.array(STEPS_MV[: s.shown])
        series: list[tuple[np.ndarray, np.ndarray, np.ndarray | int]] = []
        labels: list[Label] = []

        def column(points: list[dict], key: str) -> np.ndarray:
            return np.array([p[key] for p in points[: s.shown]])

        # the curve is the polyline through the measured points, sampled densely so the
        # braille raster draws its segments (it joins samples column by column)
        dense = np.linspace(float(volts[0]), float(volts[-1]), 600) if s.shown else volts

        def line(y: np.ndarray) -> np.ndarray:
            return np.interp(dense, volts, y)

        if s.shown and s.blocks:
            series.append((dense, line(column(s.control.points, "ina_peak_uA_cm2")), NA_DIM))
            series.append((dense, line(column(s.control.points, "ik_end_uA_cm2")), K_DIM))
        if s.shown:
            na = column(s.family.points, "ina_peak_uA_cm2")
            k = column(s.family.points, "ik_end_uA_cm2")
            series.append((dense, line(k), K))
            series.append((dense, line(na), NA))
            labels.append(Label(float(volts[-1]), float(na[-1]), "●", NA, anchor="right"))
            labels.append(Label(float(volts[-1]), float(k[-1]), "●", K, anchor="right"))
            labels.append(Label(float(volts[-1]), float(na[-1]), f"{na[-1]:+.0f}", LABEL, "below"))
        return PlotData(
            x_range=(STEPS_MV[0] - 5.0, STEPS_MV[-1] + 5.0),
            y_range=s.current_range,
            series=series,
            labels=labels,
            y_lines=[0.0],
        )


def open_clamp(app: Any) -> None:
    """Push the clamp view for the lab's preset and temperature (squid if the lab has none)."""
    if isinstance(app.screen, ClampScreen):
        return
    preset, celsius = getattr(app.settings, "preset", None) or "squid", None
    try:
        session = app.lab.session
    except LookupError:
        session = None
    if session is not None:
        preset, celsius = session.state.preset, session.state.celsius
    app.back_to_lab()
    app.push_screen(ClampScreen(preset, celsius, live=bool(getattr(app.settings, "live", True))))
