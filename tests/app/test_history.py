"""History: scroll back through the run beyond the live window and zoom the time axis.

The samples each plot shows for the window on screen are checked against the
model's own samples for that time range — both the lab's kept trace and an
independent run of the same protocol from rest.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutor.app.lab_session import HISTORY_SAMPLES, TraceBuffer
from tutor.app.screens.lab import ZOOM_WINDOWS_MS
from tutor.app.widgets.plot import PlotView
from tutor.sim import Pulse, simulate

from .helpers import text_of

SIZE = (120, 40)


async def _run_with_spikes(app, pilot, gaps_ms: tuple[float, ...]) -> list[tuple]:
    """Press space after each gap (model ms); returns the delivered pulses."""
    pulses = []
    for gap in gaps_ms:
        app.lab.run_sim(gap)
        await pilot.press("space")
        pulses += app.lab.session.pulses[-1:]
    app.lab.run_sim(25.0)
    app.lab.redraw()
    await pilot.pause()
    return pulses


def _shown(plot: PlotView, k: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """The (t, y) of series ``k`` the plot was given, restricted to its time axis."""
    t, y, _ = plot.data.series[k]
    x0, x1 = plot.data.x_range
    keep = (t >= x0) & (t <= x1)
    return t[keep], y[keep]


def _assert_window_is_the_model(app, pulses) -> None:
    lab = app.lab
    s = lab.session
    x0, x1 = lab.x_range()
    t, v = _shown(lab.query_one("#trace", PlotView))
    # every kept sample of that time range, nothing else
    kept_t = s.buffer.col("t_ms")
    in_range = (kept_t >= x0) & (kept_t <= x1)
    assert np.array_equal(t, kept_t[in_range])
    assert np.array_equal(v, s.buffer.col("v_mV")[in_range])
    assert t[0] - x0 <= s.dt_ms + 1e-9 and x1 - t[-1] <= s.dt_ms + 1e-9  # it fills the axis
    # …and they are the model's: the same protocol run from rest in one go
    res = simulate(
        s.params(),
        [Pulse(delay_ms=d, width_ms=w, amp_uA_cm2=a) for d, w, a in pulses],
        s.t_ms,
        dt_ms=s.dt_ms,
        base=s.base_params(),
    )
    ref = (res.t_ms >= x0) & (res.t_ms <= x1)
    np.testing.assert_allclose(t, res.t_ms[ref], atol=1e-9)
    np.testing.assert_allclose(v, res.v_mV[ref], atol=5e-3)
    # the gates plot shows the same time range: m, h, n of those samples
    plot2 = lab.query_one("#plot2", PlotView)
    assert plot2.data.x_range == (x0, x1)
    for k, gate in enumerate("mhn"):
        tg, g = _shown(plot2, k)
        assert np.array_equal(tg, t)
        np.testing.assert_allclose(g, getattr(res, gate)[ref], atol=1e-4)


async def test_scroll_back_shows_the_models_samples_for_that_range(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pulses = await _run_with_spikes(app, pilot, (5.0, 40.0, 33.0, 50.0))
        lab = app.lab
        now = lab.session.t_ms
        assert now > 3 * lab.window_ms
        assert lab.x_range() == pytest.approx((now - lab.window_ms, now))
        await pilot.press("less_than_sign")
        x0, x1 = lab.x_range()
        assert x1 == pytest.approx(now - lab.window_ms / 2) and not lab.live_view
        for _ in range(3):
            await pilot.press("less_than_sign")
        x0, x1 = lab.x_range()
        assert x1 == pytest.approx(now - 2 * lab.window_ms)
        _assert_window_is_the_model(app, pulses)
        # the model keeps running while the learner reads history: the view stays put
        lab.run_sim(10.0)
        lab.redraw()
        assert lab.x_range() == pytest.approx((x0, x1))
        _assert_window_is_the_model(app, pulses)
        # the plot says it is history, and how to get back
        assert "HISTORY" in str(lab.query_one("#trace", PlotView).border_subtitle)
        # scrolling back past the start stops at the oldest kept sample
        for _ in range(50):
            await pilot.press("less_than_sign")
        assert lab.x_range() == pytest.approx((0.0, lab.window_ms))
        _assert_window_is_the_model(app, pulses)
        # forward again until the newest sample: live, following the model
        for _ in range(50):
            await pilot.press("greater_than_sign")
        assert lab.live_view
        assert lab.x_range()[1] == pytest.approx(lab.session.t_ms)


async def test_zoom_widens_and_narrows_the_axis_and_0_returns_live(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pulses = await _run_with_spikes(app, pilot, (5.0, 40.0, 33.0, 50.0))
        lab = app.lab
        default = lab.window_ms
        i = ZOOM_WINDOWS_MS.index(default)
        await pilot.press("Z", "Z")
        assert lab.window_ms == ZOOM_WINDOWS_MS[i + 2]
        x0, x1 = lab.x_range()
        assert x1 - x0 == pytest.approx(lab.window_ms)
        assert x1 == pytest.approx(lab.session.t_ms)  # live: the right edge is now
        _assert_window_is_the_model(app, pulses)
        # every peak in the wider range is labelled
        peaks = [e["t_ms"] for e in lab.session.events if e["kind"] == "peak" and e["t_ms"] >= x0]
        labels = [lab_.text for lab_ in lab.query_one("#trace", PlotView).data.labels]
        assert len(peaks) >= 2 and sum("peak" in t for t in labels) == len(peaks)
        await pilot.press("z", "z", "z", "z")
        assert lab.window_ms == ZOOM_WINDOWS_MS[i - 2]
        await pilot.press("less_than_sign")
        _assert_window_is_the_model(app, pulses)
        await pilot.press("0")
        assert lab.live_view and lab.window_ms == default
        # the zoom stops at the ends of its ladder
        for _ in range(len(ZOOM_WINDOWS_MS) + 2):
            await pilot.press("z")
        assert lab.window_ms == ZOOM_WINDOWS_MS[0]


async def test_cursor_reads_history_on_both_plots(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await _run_with_spikes(app, pilot, (5.0, 60.0, 50.0))
        lab = app.lab
        for _ in range(4):
            await pilot.press("less_than_sign")
        x0, x1 = lab.x_range()
        await pilot.press("k")  # opens on the latest peak in the shown window
        peaks = [
            e["t_ms"] for e in lab.session.events if e["kind"] == "peak" and x0 <= e["t_ms"] <= x1
        ]
        assert peaks and lab.cursor_ms == peaks[-1]
        await pilot.press("g")  # currents plot: the cursor is on it too, in history
        await pilot.pause()
        assert lab.query_one("#plot2", PlotView).data.cursor_x == lab.cursor_ms
        t = lab.session.buffer.col("t_ms")
        i = int(np.argmin(np.abs(t - lab.cursor_ms)))
        banner = text_of(lab.query_one("#banner"))
        assert f"V {lab.session.buffer.col('v_mV')[i]:+.2f} mV" in banner
        assert f"I_Na {lab.session.buffer.col('i_na')[i]:+.1f}" in banner
        # the cursor stays inside the history window however far it is moved
        for _ in range(30):
            await pilot.press("shift+left")
        assert lab.cursor_ms == pytest.approx(x0)


def test_history_memory_is_bounded_and_keeps_the_newest() -> None:
    """The buffer never allocates past its bound and drops only the oldest samples."""
    buf = TraceBuffer(max_samples=10_000)
    cols = ("t_ms", "v_mV", "m", "h", "n", "i_na", "i_k", "i_l", "i_stim")
    t = 0
    for _ in range(300):
        k = 137
        chunk = {c: np.arange(t, t + k, dtype=float) for c in cols}
        buf.append(chunk, np.zeros(k, np.int64), np.zeros(k, np.int64))
        t += k
        assert len(buf) <= buf.max_samples and buf.capacity <= buf.max_samples
    kept = buf.col("t_ms")
    assert kept[-1] == t - 1 and np.all(np.diff(kept) == 1)  # contiguous, newest last
    assert len(buf) >= 0.9 * buf.max_samples  # at most a tenth dropped at a time
    assert HISTORY_SAMPLES * 0.025 >= 10_000  # ≥ 10 s of model time at the default dt


def test_a_long_history_is_drawn_from_its_envelope_without_losing_a_spike() -> None:
    """Seconds of history in view are reduced to each run's extremes before drawing; every
    spike keeps its full height and the picture matches the one drawn sample by sample."""
    from tutor.app.widgets import canvas

    rng = np.random.default_rng(3)
    t = np.arange(400_000) * 0.025
    v = -70 + rng.normal(0, 0.3, t.size)
    spikes = rng.choice(t.size - 100, 40, replace=False)
    for k in spikes:  # one-sample-wide upstrokes: the hardest case for any reduction
        v[k] = 40.0
        v[k + 1 : k + 60] = -80 + np.linspace(0, 10, 59)
    phase = (v > -60).astype(np.int64)
    rows, cols = 20, 80
    args = (rows, cols, (0.0, t[-1]), (-100.0, 60.0), [(t, v, phase)])
    fast = canvas.rasterize(*args, envelope=True)
    full = canvas.rasterize(*args)  # sample by sample
    assert np.array_equal(fast.codes.any(axis=0), full.codes.any(axis=0))
    # the top row a spike reaches is the same in every cell column
    top = lambda r: np.argmax(r.codes != 0, axis=0)  # noqa: E731
    assert np.array_equal(top(fast), top(full))
    same = (fast.codes == full.codes).mean()
    assert same > 0.97, same
    idx = canvas.envelope_indices(v, 2 * 2 * cols)
    assert len(idx) <= 4 * 2 * cols + 10
    run = len(v) // (2 * 2 * cols)  # every run holding a spike keeps a spike's peak
    peaks_kept = {int(i) // run for i in idx if v[i] == 40.0}
    assert {int(k) // run for k in spikes} == peaks_kept
