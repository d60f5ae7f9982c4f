"""Which chart draws a phase-coloured live trace fastest at 120×40?

Compares our braille ``PlotView`` (tutor.app.widgets.plot) with textual-plot
(braille hi-res mode, one dataset per phase segment, since it colours per
dataset) and textual-plotext (plotext, one series per phase segment). Each
frame slides a 30 ms window of a squid spike by 0.25 ms (what the live lab
does) and waits until the screen has been redrawn. The other libraries are
optional: install them into the venv to include them
(`uv pip install textual-plot textual-plotext`).

Run: `uv run python benchmarks/tui_chart_bench.py [--frames N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import time

import numpy as np
from textual.app import App, ComposeResult
from textual.widget import Widget

from tutor.app.widgets.plot import PlotData, PlotView
from tutor.app.widgets.theme import PHASE_COLOURS, PHASE_STYLES, phase_index
from tutor.lab.names import PHASES

SIZE = (120, 40)
WINDOW_MS = 30.0


def spike_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """60 ms of the squid membrane with a spike and its per-sample phase."""
    from tutor.lab.annotate import annotate
    from tutor.sim import Pulse, load_preset, simulate

    res = simulate(load_preset("squid"), [Pulse(delay_ms=20, width_ms=1, amp_uA_cm2=20)], 60.0)
    t = np.asarray(res.t_ms)
    phase = np.zeros(len(t), dtype=np.int64)
    for ev in annotate(res):
        if ev.get("kind") == "phase":
            phase[t >= ev["t_ms"]] = phase_index(ev.get("phase"))
    return t, np.asarray(res.v_mV), phase


def segments(t: np.ndarray, v: np.ndarray, ph: np.ndarray):
    """Contiguous same-phase runs (overlapping by one sample so lines join)."""
    edges = np.flatnonzero(np.diff(ph)) + 1
    starts = np.r_[0, edges]
    ends = np.r_[edges, len(t)]
    for a, b in zip(starts, ends, strict=True):
        yield t[a : b + 1], v[a : b + 1], int(ph[a])


class Bench(App[None]):
    def __init__(self, make: type[Widget] | None, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.make = make

    def compose(self) -> ComposeResult:
        if self.kind == "ours":
            yield PlotView(list(PHASE_STYLES), id="chart")
        elif self.kind == "textual-plot":
            from textual_plot import PlotWidget

            yield PlotWidget(id="chart")
        else:
            from textual_plotext import PlotextPlot

            yield PlotextPlot(id="chart")


def draw(app: Bench, t: np.ndarray, v: np.ndarray, ph: np.ndarray, t_end: float) -> None:
    x0 = t_end - WINDOW_MS
    sel = (t >= x0) & (t <= t_end)
    tw, vw, pw = t[sel], v[sel], ph[sel]
    chart = app.query_one("#chart")
    if app.kind == "ours":
        chart.set_data(PlotData((x0, t_end), (-100.0, 60.0), [(tw, vw, pw)]))
    elif app.kind == "textual-plot":
        from textual_plot import HiResMode

        chart.clear()
        for xs, ys, p in segments(tw, vw, pw):
            chart.plot(xs, ys, line_style=PHASE_COLOURS[PHASES[p]], hires_mode=HiResMode.BRAILLE)
        chart.set_xlimits(x0, t_end)
        chart.set_ylimits(-100.0, 60.0)
    else:
        plt = chart.plt
        plt.clear_data()
        for xs, ys, p in segments(tw, vw, pw):
            plt.plot(xs.tolist(), ys.tolist(), marker="braille", color=_plotext_colour(p))
        plt.xlim(x0, t_end)
        plt.ylim(-100.0, 60.0)
        chart.refresh()


def _plotext_colour(p: int) -> str:
    return ["gray", "cyan", "yellow", "red", "blue", "magenta"][p]


async def measure(kind: str, frames: int) -> tuple[list[float], float]:
    """Frame times (ms) and the harness's idle baseline (a pause with nothing to draw)."""
    t, v, ph = spike_data()
    app = Bench(None, kind)
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        idle: list[float] = []
        for _ in range(30):
            t0 = time.perf_counter()
            await pilot.pause()
            idle.append((time.perf_counter() - t0) * 1000)
        t_end = WINDOW_MS
        for _ in range(frames):
            t0 = time.perf_counter()
            draw(app, t, v, ph, t_end)
            await pilot.pause()
            times.append((time.perf_counter() - t0) * 1000)
            t_end += 0.25
            if t_end > t[-1]:
                t_end = WINDOW_MS
    return times, statistics.median(idle)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=120)
    args = ap.parse_args()
    kinds = ["ours"]
    if importlib.util.find_spec("textual_plot"):
        kinds.append("textual-plot")
    if importlib.util.find_spec("textual_plotext"):
        kinds.append("textual-plotext")
    print(f"frame = update data + wait for the redraw, {SIZE[0]}×{SIZE[1]}, {args.frames} frames")
    print("(net = frame median − idle median of the test harness: the drawing cost itself)")
    for kind in kinds:
        times, idle = asyncio.run(measure(kind, args.frames))
        times = times[5:]
        med = statistics.median(times)
        net = max(med - idle, 0.01)
        print(
            f"{kind:16s} frame median {med:6.1f} ms  p90 {np.percentile(times, 90):6.1f} ms  "
            f"idle {idle:5.1f} ms  net {net:6.1f} ms  (≈{1000 / net:5.0f} fps of drawing)"
        )


if __name__ == "__main__":
    main()
