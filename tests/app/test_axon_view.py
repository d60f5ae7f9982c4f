"""The axon view (key `a`): behaviour with Pilot, and what it shows checked against the model."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.app.screens.axon import AxonScreen, excitability_text
from tutor.app.widgets.spacetime import GUTTER, NA_GLYPHS, SpaceTimeView, v_cells
from tutor.app.widgets.theme import PHASE_FILL
from tutor.lab.axon_live import (
    INACTIVATED,
    MAX_PROBE_EVENTS,
    MIN_COMPARTMENTS,
    NA_STATES,
    AxonSession,
    na_availability,
)
from tutor.lab.names import PHASES

from .helpers import open_screen

SIZE = (120, 40)


async def _open(pilot) -> AxonScreen:
    return await open_screen(pilot, "a", AxonScreen)


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
        s = screen.session
        seen = set()
        for k in range(40):  # the spike in flight past the probe, and its wake
            if k == 25:
                _check_strips(screen)
            screen.advance(0.1)
            await pilot.pause()
            banner = str(screen.query_one("#axon-banner").render())
            pm = s.machine
            # the phase named at the probe is the phase machine's at this step, and the
            # same rules applied to every position give it too
            phase = PHASES[int(s.phases.phase[s.probe])]
            assert pm.phase in (phase, "threshold")
            # the excitability named is the model's answer at the instant it names: a
            # fresh question to the whole axon, forked at that step, says the same
            t_ans = s.excitability_t_ms
            text = excitability_text(pm.excitability, t_ans, s.t_ms)
            assert f"at {s.x_mm[s.probe]:.1f} mm: {pm.phase} · {text}\n" in banner
            if (
                pm.excitability in ("excitable", "relative_refractory")
                and pm._probe_needed is False
            ):
                fork = pm._fork(pm._last_probe_t, None)
                answer = pm._decide(*pm._probe.probe(fork, fork.t_ms, [], pm._prompt_rule()))
                assert answer == pm.excitability
            seen.add(pm.excitability)
            # Na⁺ availability at the probe: h now against its resting value
            h = s.batch.view("h")
            na = NA_STATES[int(na_availability(h, s.h_rest)[s.probe])]
            assert f" Na⁺ {na} there " in banner
            assert banner.startswith(f" t = {s.t_ms:.2f} ms ")
        assert {"absolute_refractory", "relative_refractory"} <= seen
        # the spike travels: velocity shown, and equal to the session's measure
        assert s.velocity_m_s is not None and f"velocity {s.velocity_m_s:.2f} m/s" in banner
        assert 18.0 < s.velocity_m_s < 19.5


def _check_strips(screen: AxonScreen) -> None:
    """The strips under the picture and its newest row are the model state now."""
    s = screen.session
    # the Na⁺ strip marks exactly the inactivated positions of the shown columns
    view = screen.query_one("#spacetime", SpaceTimeView)
    cols = view.columns()
    na_now = na_availability(s.batch.view("h"), s.h_rest)
    strip = view.render_line(view.picture_rows + 2).text[GUTTER:]
    want = "".join(NA_GLYPHS[int(x)] for x in na_now[cols])
    assert strip[: len(want)] == want and (na_now[cols] == INACTIVATED).any()
    # the phase strip is every position's phase machine label now
    strip = view.render_line(view.picture_rows + 1).text[GUTTER:]
    ph = s.phases.phase.copy()
    ph[s.probe] = PHASES.index(s.machine.phase)
    assert strip[: len(cols)] == "".join(PHASE_FILL[int(p)] for p in ph[cols])
    # the newest picture row is V now: the voltage glyph of each column
    v = s.batch.view("v")
    row = view.render_line(view.picture_rows - 1).text[GUTTER:]
    glyph, _ = v_cells(v[cols])
    assert row[: len(cols)] == "".join(" ·░▒▓█"[g] for g in glyph)


async def test_moving_the_probe_mid_spike_labels_it_truly(make_app) -> None:
    """A probe moved onto a position inside its spike names that spike's phase and
    absolute refractoriness at once (seeded from every position's machine rules)."""
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("z")
        s = screen.session
        screen.advance(2.0)  # the spike is around 18 mm
        inside = np.flatnonzero(np.isin(s.phases.phase, [PHASES.index("repolarization")]))
        assert len(inside)
        target = float(s.x_mm[inside[len(inside) // 2]]) / float(s.x_mm[-1] + s.x_mm[0])
        s.move_probe(target - s.probe_frac)
        screen.redraw()
        await pilot.pause()
        assert s.phases.phase[s.probe] == PHASES.index("repolarization")
        banner = str(screen.query_one("#axon-banner").render())
        assert "repolarization · absolute refractory" in banner


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


def test_memory_is_flat_over_a_long_run() -> None:
    """Rings are fixed; finished stimuli are forgotten: state size does not grow."""
    s = AxonSession(sample_ms=0.05)
    sizes = None
    for k in range(12):
        s.stimulate("left" if k % 2 else "both")
        s.advance(5.0)
        pm = s.machine
        now = (s._ring_v.nbytes, s._fine_v.nbytes, len(s.batch.stimuli[0]))
        sizes = sizes or now
        assert now[:2] == sizes[:2] and now[2] <= 2
        assert len(pm.events) <= MAX_PROBE_EVENTS and len(pm._forks) <= pm._forks.maxlen


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
