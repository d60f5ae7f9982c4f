"""The axon view (key `a`): behaviour with Pilot, and what it shows checked against the model."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.app.screens.axon import AxonScreen
from tutor.app.widgets.spacetime import GUTTER, REFRACTORY_GLYPHS, SpaceTimeView, v_cells
from tutor.lab.axon_live import (
    MIN_COMPARTMENTS,
    REFRACTORY,
    AxonSession,
    classify,
    refractoriness,
)
from tutor.lab.names import PHASES
from tutor.sim.cable import ionic_currents

SIZE = (120, 40)


async def _open(pilot) -> AxonScreen:
    await pilot.press("a")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AxonScreen)
    return screen


async def test_key_opens_the_view_and_escape_returns(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        keys = [b.key for b in app.BINDINGS]
        assert "a" in keys  # app-wide: listed in the lab's footer and help
        screen = await _open(pilot)
        assert screen.session.n >= MIN_COMPARTMENTS
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AxonScreen)


async def test_what_the_banner_and_strips_say_is_the_model_state(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("z")
        for _ in range(30):  # the spike in flight past the probe
            screen.advance(0.1)
            await pilot.pause()
        s = screen.session
        # recompute the probe's phase and Na⁺ state from the model state, independently
        v = s.batch.view("v")
        m, h, n = (s.batch.view(k) for k in "mhn")
        ina, ik, il = ionic_currents(v, m, h, n, s.cable.param_arrays())
        prev = s.frame(2).v_mV[0]
        dt = s.frame(2).t_ms[1] - s.frame(2).t_ms[0]
        phase = classify(v, (v - prev) / dt, ina + ik + il, s.rest)
        refr = refractoriness(h, s.h_rest)
        banner = str(screen.query_one("#axon-banner").render())
        assert (
            f"{PHASES[phase[s.probe]]}, Na⁺ {('excitable', 'refractory', 'recovering')[refr[s.probe]]}"
            in banner
        )
        assert f"t = {s.t_ms:7.2f} ms" in banner
        # the spike travels: velocity shown, and equal to the session's measure
        assert s.velocity_m_s is not None and f"velocity {s.velocity_m_s:.2f} m/s" in banner
        assert 18.0 < s.velocity_m_s < 19.5
        # the Na⁺ strip marks exactly the refractory positions of the shown columns
        view = screen.query_one("#spacetime", SpaceTimeView)
        cols = view.columns()
        strip = view.render_line(view.picture_rows + 2).text[GUTTER:]
        want = "".join(REFRACTORY_GLYPHS[int(x)] for x in refr[cols])
        assert strip[: len(want)] == want and (refr[cols] == REFRACTORY).any()
        # the newest picture row is V now: the voltage glyph of each column
        row = view.render_line(view.picture_rows - 1).text[GUTTER:]
        glyph, _ = v_cells(v[cols])
        assert row[: len(cols)] == "".join(" ·░▒▓█"[g] for g in glyph)


async def test_collision_both_ends(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("b")
        screen.advance(6.0)
        counts = np.array(screen.session.batch.values("count", 0))
        assert (counts == 1).all()  # every position fired once: the spikes annihilated


async def test_myelin_and_diameter_live(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("m")
        s = screen.session
        assert s.spec.myelin and "myelinated" in s.describe() and s.n >= MIN_COMPARTMENTS
        d0 = s.spec.diam_um
        await pilot.press("plus")
        assert s.spec.diam_um > d0
        await pilot.press("z")
        screen.advance(3.0)
        assert s.velocity_m_s is not None and s.velocity_m_s > 20.0
        await pilot.press("m")
        assert not s.spec.myelin and "bare axon" in s.describe()
        await pilot.press("c")
        assert screen.mode == "phase"


def test_classify_rules() -> None:
    rest = np.full(5, -65.0)
    v = np.array([-65.0, -60.0, -60.0, -20.0, -70.0])
    dvdt = np.array([0.0, 5.0, 5.0, -50.0, 0.0])
    iion = np.array([0.0, 1.0, -1.0, 10.0, 0.0])
    names = [PHASES[k] for k in classify(v, dvdt, iion, rest)]
    assert names == [
        "resting",
        "subthreshold",
        "depolarization",
        "repolarization",
        "hyperpolarization",
    ]


def test_memory_is_flat_over_a_long_run() -> None:
    """Rings are fixed; finished stimuli are forgotten: state size does not grow."""
    s = AxonSession(sample_ms=0.05)
    sizes = None
    for k in range(40):
        s.stimulate("left" if k % 2 else "both")
        s.advance(5.0)
        now = (s._ring_v.nbytes, s._fine_v.nbytes, len(s.batch.stimuli[0]))
        sizes = sizes or now
        assert now[:2] == sizes[:2] and now[2] <= 2


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_snapshot_axon_collision(snap_compare, make_app, size) -> None:
    async def run(pilot) -> None:
        screen = await _open(pilot)
        screen.running = False
        await pilot.press("b")
        for _ in range(20):
            screen.advance(0.1)
        await pilot.pause()

    assert snap_compare(make_app(questions=False), terminal_size=size, run_before=run)
