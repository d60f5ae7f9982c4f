"""The cable engine: geometry, resting state, stepping, point processes, both engines."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from optional import needs_compiled

from tutor.sim.cable import (
    Cable,
    CableBatch,
    CurrentClamp,
    Section,
    cable_rest,
    input_conductance_uS,
    steady_current,
)
from tutor.sim.params import ParameterError, load_preset
from tutor.sim.reduce import params_row, resting_state

ENGINES = [pytest.param("compiled", marks=needs_compiled), "numpy"]
SQUID = load_preset("squid")


def test_geometry_is_neurons_nseg() -> None:
    """Centres at (i + 0.5)/nseg · L; area π d Δx; axial resistance between centres."""
    c = Cable.uniform(SQUID, 1000.0, 10.0, 100.0, 4)
    assert c.x_um == pytest.approx((125.0, 375.0, 625.0, 875.0))
    assert c.area_cm2[0] == pytest.approx(math.pi * 10.0 * 250.0 * 1e-8)
    # centre to centre: Ra·Δx/(π d²/4) with Δx = 250 µm
    r_ohm = 100.0 * 250e-4 / (math.pi * (10e-4) ** 2 / 4)
    assert c.g_axial_uS[0] == pytest.approx(1e6 / r_ohm)
    assert c.compartment_at(0.0) == 0 and c.compartment_at(0.3) == 1 and c.compartment_at(1.0) == 3


def test_sections_join_half_compartments() -> None:
    """Between sections the resistance is the sum of the two half compartments."""
    a = Section(100.0, 2.0, 100.0, 1, SQUID, "a")
    b = Section(300.0, 4.0, 50.0, 1, SQUID, "b")
    c = Cable.chain([a, b])
    half_a = 100.0 * 50e-4 / (math.pi * (2e-4) ** 2 / 4)
    half_b = 50.0 * 150e-4 / (math.pi * (4e-4) ** 2 / 4)
    assert c.g_axial_uS[0] == pytest.approx(1e6 / (half_a + half_b))
    assert c.kind == ("a", "b") and c.x_um == pytest.approx((50.0, 250.0))


@pytest.mark.parametrize("bad", [{"length_um": 0}, {"diam_um": -1}, {"ra_ohm_cm": 0}, {"nseg": 0}])
def test_bad_sections_are_refused(bad: dict) -> None:
    kw = {"length_um": 100.0, "diam_um": 1.0, "ra_ohm_cm": 100.0, "nseg": 3, "membrane": SQUID}
    with pytest.raises(ParameterError):
        Section(**(kw | bad))


def test_uniform_cable_rests_like_the_patch() -> None:
    c = Cable.uniform(SQUID, 1000.0, 10.0, 100.0, 5)
    assert cable_rest(c) == [resting_state(SQUID).v_mV] * 5


def test_mixed_cable_rest_balances_axial_current() -> None:
    """Two membranes with different rests settle in between, with zero net current."""
    leaky = SQUID.with_overrides({"el": -40.0, "gl": 3.0})
    c = Cable.chain([Section(200.0, 5.0, 100.0, 4, SQUID), Section(200.0, 5.0, 100.0, 4, leaky)])
    v = cable_rest(c)
    lo, hi = resting_state(SQUID).v_mV, resting_state(leaky).v_mV
    assert lo < v[0] < v[-1] < hi
    assert v == sorted(v)
    # the state is steady: no compartment moves over 5 ms
    b = CableBatch([c], [[]], 0.025, engine="numpy")
    b.advance(5.0)
    assert np.max(np.abs(b.view("v") - np.array(v))) < 1e-8


def test_steady_current_is_zero_at_the_patch_rest() -> None:
    """The plain-Python steady current vanishes where the kernel's bisection put rest."""
    for preset in ("squid", "textbook"):
        p = load_preset(preset)
        v = resting_state(p).v_mV
        row = params_row(p)
        assert abs(steady_current(v, row)) < 1e-9
        assert steady_current(v - 5, row) < 0 < steady_current(v + 5, row)


def test_input_conductance_of_a_short_cable_is_its_membrane() -> None:
    """Electrotonically compact cable: G_in = total area × slope conductance."""
    c = Cable.uniform(SQUID, 10.0, 100.0, 1.0, 3)
    g = input_conductance_uS(c, 0)
    v = resting_state(SQUID).v_mV
    row = params_row(SQUID)
    slope = (steady_current(v + 1e-4, row) - steady_current(v - 1e-4, row)) / 2e-4
    assert g == pytest.approx(slope * sum(c.area_cm2) * 1e3, rel=1e-4)


def _batch(engine: str, dt: float = 0.02) -> CableBatch:
    m = SQUID.at_temperature(18.5)
    cables = [Cable.uniform(m, 5000.0, d, 35.4, 40) for d in (100.0, 300.0)]
    stims = [[CurrentClamp(0, 1.0, 0.5, 3000.0 * (d / 476) ** 1.5)] for d in (100.0, 300.0)]
    return CableBatch(cables, stims, dt, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_chunking_does_not_change_the_run(engine: str) -> None:
    a, b = _batch(engine), _batch(engine)
    a.step(200)
    for _ in range(8):
        b.step(25)
    for name in ("v", "m", "h", "n", "first", "count", "vmax"):
        assert np.array_equal(a.view(name), b.view(name), equal_nan=True), name


@pytest.mark.parametrize("engine", ENGINES)
def test_frozen_cable_does_not_move(engine: str) -> None:
    b = _batch(engine)
    b.step(60)
    sl = b.cable_slice(1)
    before = {k: b.view(k)[sl].copy() for k in ("v", "m", "first", "count", "vmax")}
    b.step(60, active=[True, False])
    for k, arr in before.items():
        assert np.array_equal(b.view(k)[sl], arr, equal_nan=True), k
    assert np.isfinite(b.view("first")[b.cable_slice(0)]).any()


@needs_compiled
def test_engines_agree_step_by_step() -> None:
    a, b = _batch("compiled"), _batch("numpy")
    rec_a = a.step(150, record_every=10)
    rec_b = b.step(150, record_every=10)
    assert rec_a.shape == rec_b.shape == (15, 80)
    assert np.max(np.abs(rec_a - rec_b)) < 1e-9
    assert a.t_ms == b.t_ms
    assert a.peaks(0)[0] == pytest.approx(b.peaks(0)[0], abs=1e-9)


@needs_compiled
def test_second_order_in_time() -> None:
    """Halving dt cuts the error in the arrival time about fourfold (Crank–Nicolson)."""

    def arrival(dt: float) -> float:
        m = SQUID.at_temperature(6.3)
        c = Cable.uniform(m, 10000.0, 200.0, 35.4, 50)
        b = CableBatch([c], [[CurrentClamp(0, 1.0, 0.5, 2000.0)]], dt, engine="compiled")
        b.advance(6.0)
        return b.values("first", 0)[-1]

    ref = arrival(0.025 / 16)
    e1, e2 = abs(arrival(0.025) - ref), abs(arrival(0.0125) - ref)
    assert 3.0 < e1 / e2 < 5.0


@dataclass(frozen=True)
class _Conductance:
    """A constant conductance to a reversal potential (a minimal synapse-like process)."""

    site: int
    g_uS: float
    e_mV: float

    def linearised(self, t0_ms: float, t1_ms: float, v_mV: float) -> tuple[float, float]:
        return -self.g_uS * (v_mV - self.e_mV), self.g_uS


def test_point_conductance_pulls_towards_its_reversal() -> None:
    """A generic point process runs on the numpy engine; it settles the site at the
    voltage where its current balances the cable's (checked against the steady state)."""
    passive = SQUID.with_overrides({"gna": 0.0, "gk": 0.0})
    c = Cable.uniform(passive, 100.0, 10.0, 100.0, 3)
    proc = _Conductance(1, 0.001, 0.0)
    b = CableBatch([c], [[proc]], 0.025)
    assert b.engine == "numpy"
    b.advance(200.0)
    v = b.values("v", 0)
    rest = resting_state(passive).v_mV
    g_in = input_conductance_uS(c, 1)
    expected = (g_in * rest + proc.g_uS * proc.e_mV) / (g_in + proc.g_uS)
    assert v[1] == pytest.approx(expected, abs=1e-3)
    with pytest.raises(ParameterError):
        CableBatch([c], [[proc]], 0.025, engine="compiled")


def test_current_clamp_injects_exact_charge() -> None:
    """A clamp edge inside a step injects its exact charge (mean current over the step)."""
    clamp = CurrentClamp(0, 1.01, 0.5, 2.0)
    assert clamp.linearised(1.0, 1.02, -65.0) == (pytest.approx(1.0), 0.0)
    assert clamp.linearised(0.0, 1.0, -65.0) == (0.0, 0.0)
