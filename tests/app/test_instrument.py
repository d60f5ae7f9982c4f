"""The lab as an instrument: cursor readout (`k`), baseline (`b`), 1-2-5 widths,
the footer a newcomer needs, and plot rows that keep their borders.

Every number the readout and the comparison show is checked against the
model's own samples and events at that moment.
"""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len
from textual.widgets import Footer

from tutor.app.instrument import readout_at, run_start_ms, summarise
from tutor.app.screens.lab import WIDTHS_MS, next_width
from tutor.app.widgets.plot import PlotView
from tutor.lab.measures import spike_width_ms

from .helpers import text_of

SIZE = (120, 40)


async def _spike(app, pilot, ms: float = 12.0) -> None:
    await pilot.press("space")
    app.lab.run_sim(ms)
    app.lab.redraw()  # the live timer would (tests run without it)
    await pilot.pause()


async def test_cursor_reads_the_sample_under_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _spike(app, pilot)
        lab = app.lab
        await pilot.press("p", "k")
        assert lab.cursor_ms is not None
        peak_t = next(float(e["t_ms"]) for e in lab.session.events if e["kind"] == "peak")
        assert lab.cursor_ms == peak_t  # opens on the latest peak in view
        banner = text_of(lab.query_one("#banner"))
        t = lab.session.buffer.col("t_ms")
        i = int(np.argmin(np.abs(t - lab.cursor_ms)))
        v = lab.session.buffer.col("v_mV")[i]
        h = lab.session.buffer.col("h")[i]
        assert f"V {v:+.2f} mV" in banner
        assert f"h {h:.3f}" in banner
        assert "cursor t" in banner
        # → moves the cursor (the width stays), Shift+→ moves it ten times as far
        width = lab.session.state.stimulus.width_ms
        before = lab.cursor_ms
        await pilot.press("right")
        one = lab.cursor_ms - before
        assert one > 0 and lab.session.state.stimulus.width_ms == width
        await pilot.press("shift+right")
        assert np.isclose(lab.cursor_ms - before, 11 * one)
        await pilot.pause()
        banner2 = text_of(lab.query_one("#banner"))
        assert banner2 != banner  # the readout follows the cursor
        # the cursor is drawn on both plots
        assert lab.query_one("#trace", PlotView).data.cursor_x == lab.cursor_ms
        assert lab.query_one("#plot2", PlotView).data.cursor_x == lab.cursor_ms
        await pilot.press("escape")
        assert lab.cursor_ms is None
        assert "cursor t" not in text_of(lab.query_one("#banner"))
        await pilot.press("right")  # arrows change the width again once it is closed
        assert lab.session.state.stimulus.width_ms == next_width(width, 1)


async def test_readout_matches_the_model_sample() -> None:
    """`readout_at` picks the nearest sample; dV/dt is the central difference there."""
    t = np.arange(0, 1, 0.1)
    cols = {
        "t_ms": t,
        "v_mV": t**2,
        **{k: t * 0 + j for j, k in enumerate(("m", "h", "n", "i_na", "i_k", "i_l", "i_stim"))},
        "phase": np.zeros(len(t), dtype=int),
        "exc": np.zeros(len(t), dtype=int),
    }
    r = readout_at(cols, 0.52)
    assert r is not None
    assert np.isclose(r.t_ms, 0.5) and np.isclose(r.v_mV, 0.25)
    assert np.isclose(r.dvdt_mV_ms, (0.36 - 0.16) / 0.2)
    assert r.h == 1 and r.i_stim == 6


async def test_baseline_is_named_drawn_and_compared(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await _spike(app, pilot, 20.0)
        await pilot.press("b")
        base = lab.baseline
        assert base is not None and "squid" in base.name and "no drugs" in base.name
        # the kept run's numbers are the phase machine's and the width measure's
        ev = lab.session.events
        peak = next(float(e["v_mV"]) for e in ev if e["kind"] == "peak")
        assert base.summary.peak_mV == peak
        t, v = lab.session.buffer.col("t_ms"), lab.session.buffer.col("v_mV")
        spike = next(float(e["t_ms"]) for e in ev if e["kind"] == "spike")
        start = run_start_ms(ev, 0.0)
        keep = t >= start
        rest = float(lab.session.live.rest.v_mV)
        assert base.summary.width_ms == spike_width_ms(t[keep], v[keep], spike, rest)
        # a second run 10 °C warmer (a narrower spike): the baseline is drawn and compared
        for _ in range(10):
            await pilot.press("plus")
        await _spike(app, pilot, 20.0)
        trace = lab.query_one("#trace", PlotView)
        assert len(trace.data.series) == 2  # the dim baseline under the live trace
        assert base.name in str(trace.border_subtitle)
        panel = text_of(lab.query_one("#panel"))
        assert "vs baseline" in panel and base.name[:20] in panel
        now = summarise(t := lab.session.buffer.col("t_ms"), lab.session.buffer.col("v_mV"),
                        lab.session.events, run_start_ms(lab.session.events, lab.x_range()[0]),
                        rest)  # fmt: skip
        assert now.width_ms is not None and base.summary.width_ms is not None
        assert now.width_ms < base.summary.width_ms  # warming narrows the spike
        assert f"Δ{now.width_ms - base.summary.width_ms:+.2f}" in panel
        assert now.threshold_mV is not None and f"{now.threshold_mV:+.1f}" in panel
        assert now.peak_mV is not None and f"Δ{now.peak_mV - base.summary.peak_mV:+.2f}" in panel
        await pilot.press("b")
        assert lab.baseline is None
        await pilot.pause()
        assert len(trace.data.series) == 1


async def test_baseline_comparison_is_on_screen_with_the_ion_rows(make_app) -> None:
    """The textbook panel's Ions section is tall: with a baseline kept the comparison comes
    before it, so at 120×40 every compared number is on screen (the ion rows follow)."""
    from .test_footer_help_keys import screen_rows

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("o")  # squid → textbook: the preset with ions
        assert lab.session.has_ions
        await _spike(app, pilot, 20.0)
        await pilot.press("b")
        await pilot.press("plus", "plus", "plus")
        await _spike(app, pilot, 20.0)
        await pilot.pause()
        box = lab.query_one("#panel").region  # the panel's cells, as drawn
        rows = [row.replace("\xa0", " ")[box.x : box.right] for row in screen_rows(app)]
        shown = " ".join(" ".join(rows[box.y : box.bottom]).split())
        start = shown.index("vs baseline (b)")
        for what, text in lab.snapshot().compare:  # every compared number, in order, wrapped
            for token in [what, *text.split()]:
                found = shown.find(token, start)
                assert found >= 0, (what, text, shown[start:])
                start = found + len(token)
        panel = text_of(lab.query_one("#panel"))
        assert panel.index("vs baseline") < panel.index("Ions")  # ions follow the comparison


async def test_baseline_comparison_fits_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _spike(app, pilot, 20.0)
        await pilot.press("b")
        await _spike(app, pilot, 20.0)
        banner = text_of(app.lab.query_one("#banner"))
        assert "vs baseline" in banner


def test_widths_step_1_2_5_and_return_to_1_ms() -> None:
    assert next_width(1.0, 1) == 2.0 and next_width(2.0, -1) == 1.0
    assert next_width(0.3, 1) == 0.5 and next_width(0.3, -1) == 0.2  # off the ladder
    assert next_width(WIDTHS_MS[-1], 1) == WIDTHS_MS[-1]
    assert next_width(WIDTHS_MS[0], -1) == WIDTHS_MS[0]
    w = 1.0
    for _ in range(5):
        w = next_width(w, 1)
    for _ in range(5):
        w = next_width(w, -1)
    assert w == 1.0


async def test_footer_at_80_columns_shows_help_lessons_quit(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        for _ in range(50):  # a loaded machine may need a few frames to lay the footer out
            if any(c.region.width > 0 for c in footer.query("FooterKey")):
                break
            await pilot.pause(0.02)
        visible = [
            str(c.render())
            for c in footer.query("FooterKey")
            if c.region.width > 0 and c.region.right <= 80
        ]
        shown = " ".join(visible)
        for label in ("Help", "Lessons", "Quit", "Stim"):
            assert label in shown, (label, shown)


async def test_train_markers_keep_every_plot_row_one_width(make_app) -> None:
    """A 10-pulse train draws ten stimulus markers; no row of the plot changes width
    (a double-width glyph would push the right border out)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        lab.session.set_stimulus(count=10, interval_ms=2.0)
        await pilot.press("space")
        lab.run_sim(25.0)
        lab.redraw()
        await pilot.pause()
        trace = lab.query_one("#trace", PlotView)
        widths = {
            sum(cell_len(seg.text) for seg in trace.render_line(y))
            for y in range(trace.size.height)
        }
        assert widths == {trace.size.width}
        labels = [lab_.text for lab_ in trace.data.labels]
        assert sum("stim" in x for x in labels) >= 5
        assert all(cell_len(x) == len(x) for x in labels)
