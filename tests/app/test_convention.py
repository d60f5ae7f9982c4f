"""The 1952 view speaks one convention everywhere: plot, panel, banner, event log and
cursor readout all write V as Hodgkin & Huxley did (the displacement from rest,
depolarisation negative) and ionic currents inward positive (docs/design.md).

Every number is checked against the model's own sample at that instant.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tutor.app.widgets.plot import PlotView

from .helpers import text_of

SIZE = (120, 40)
NUM = r"([+-]?\d+\.\d+)"


def _tol(number: str) -> float:
    decimals = len(number.split(".")[1]) if "." in number else 0
    return 0.5 * 10.0**-decimals + 1e-9


async def _spike_then(app, pilot, ms: float) -> None:
    await pilot.press("space")
    app.lab.run_sim(ms)
    app.lab.redraw()
    await pilot.pause()


@pytest.mark.parametrize("after_ms", [1.2, 1.8, 4.0, 7.0, 12.0])  # upstroke … AHP, late
async def test_plot_panel_banner_and_cursor_agree_in_1952(make_app, after_ms: float) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await _spike_then(app, pilot, after_ms)
        await pilot.press("v")
        await pilot.pause()
        s = lab.session
        rest = float(s.live.rest.v_mV)

        def hh(v: float) -> float:
            return -(v - rest)

        # plot: the trace drawn is −(V − rest) of the kept samples, markers likewise
        trace = lab.query_one("#trace", PlotView)
        t, y, _ = trace.data.series[-1]
        w = s.buffer.between(*lab.x_range())
        assert np.array_equal(t, w["t_ms"]) and np.allclose(y, -(w["v_mV"] - rest))
        peaks = [e for e in s.events if e["kind"] == "peak"]
        for e in peaks:
            assert any(f"peak {hh(e['v_mV']):+.1f} mV" in lab_.text for lab_ in trace.data.labels)
        # panel: the last spike's values in the same convention
        panel = text_of(lab.query_one("#panel"))
        assert "HH 1952" in panel
        for e in peaks[-1:]:
            assert f"{hh(e['v_mV']):+.1f} mV" in panel
            assert f"{e['v_mV']:+.1f} mV" not in panel  # the modern number is gone
        # banner: it says which convention, and each V it names is the latest sample's
        banner = text_of(lab.query_one("#banner"))
        assert "HH 1952" in banner
        v_now = float(s.buffer.col("v_mV")[-1])
        said = re.findall(r"V = " + NUM + " mV", banner)
        assert said or after_ms < 7.0  # the AHP's explanation names V
        for val in said:
            assert abs(float(val) - hh(v_now)) <= _tol(val), banner
        for _name, val, way in re.findall(r"(I_Na|I_K|I_L) " + NUM + r" µA/cm² (inward|outward)",
                                         banner):  # fmt: skip
            assert (float(val) > 0) == (way == "inward") or float(val) == 0.0, banner
        # currents plot: inward positive, and its title says so
        await pilot.press("g")
        await pilot.pause()
        plot2 = lab.query_one("#plot2", PlotView)
        assert "inward +" in str(plot2.border_title)
        _, ina, _ = plot2.data.series[0]
        assert np.allclose(ina, -s.buffer.between(*lab.x_range())["i_na"])
        # cursor readout at the latest peak: V, dV/dt and currents in 1952 terms
        if peaks:
            await pilot.press("k")
            await pilot.pause()
            tt = s.buffer.col("t_ms")
            i = int(np.argmin(np.abs(tt - lab.cursor_ms)))
            readout = text_of(lab.query_one("#banner"))
            assert f"V {hh(float(s.buffer.col('v_mV')[i])):+.2f} mV" in readout
            assert f"I_Na {-float(s.buffer.col('i_na')[i]):+.1f}" in readout
            assert "1952" in readout


async def test_back_to_modern_restores_every_view(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await _spike_then(app, pilot, 4.0)
        await pilot.press("v", "v")
        await pilot.pause()
        s = lab.session
        _t, y, _ = lab.query_one("#trace", PlotView).data.series[-1]
        assert np.allclose(y, s.buffer.between(*lab.x_range())["v_mV"])
        banner = text_of(lab.query_one("#banner"))
        assert "1952" not in banner
        v_now = float(s.buffer.col("v_mV")[-1])
        for val in re.findall(r"V = " + NUM + " mV", banner):
            assert abs(float(val) - v_now) <= _tol(val)
        peak = [e for e in s.events if e["kind"] == "peak"][-1]
        assert f"{peak['v_mV']:+.1f} mV" in text_of(lab.query_one("#panel"))
