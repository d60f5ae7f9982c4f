"""Voltage-clamp engine: physical invariants, traces against the summary, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.lab.clamp import ClampProtocol, kinetics, run_family, traces, zero_crossing
from tutor.lab.experiments import membranes
from tutor.sim.params import ParameterError, load_preset

SQUID = load_preset("squid")


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_summary_equals_the_extremes_of_finely_sampled_traces(preset: str) -> None:
    """The peak is the limit of 'the sample of largest magnitude': a 1 µs sampling of
    the same exact solution never exceeds it and comes within 1e-4 of it (sampling
    misses a smooth peak by ~(Δt/τ)²/2; τ ≈ 0.05 ms for the textbook preset at 36 °C)."""
    p = load_preset(preset)
    fam = run_family(p, ClampProtocol((-90.0, -50.0, -20.0, 10.0, 40.0), dur_ms=10.0))
    tr = traces(fam, dt_ms=0.001)
    t = tr["t_ms"]
    step = (t >= 5.0) & (t <= 15.0 + 1e-9)
    for i, point in enumerate(fam.points):
        for key, series in (("ina_peak_uA_cm2", "i_na"), ("i_peak_uA_cm2", "i_ion")):
            x = tr[series][i, step]
            sampled = x[np.argmax(np.abs(x))]
            assert abs(sampled) <= abs(point[key]) + 1e-9
            assert sampled == pytest.approx(point[key], rel=1e-4, abs=1e-9)
        assert tr["i_na"][i, step][-1] == pytest.approx(
            point["ina_end_uA_cm2"], rel=1e-9, abs=1e-12
        )
        assert tr["i_k"][i, step][-1] == pytest.approx(point["ik_end_uA_cm2"], rel=1e-9, abs=1e-12)


def test_gates_obey_their_equations_under_the_clamp() -> None:
    """dx/dt = α(1 − x) − βx holds along the exact solution (finite differences)."""
    fam = run_family(SQUID, ClampProtocol((-20.0,), dur_ms=5.0))
    tr = traces(fam, dt_ms=0.0005)
    t = tr["t_ms"]
    k = kinetics(SQUID, [-20.0])[-20.0]
    sel = np.nonzero((t > 5.01) & (t < 9.99))[0]
    for gate, inf, tau in (
        ("m", k.m_inf, k.tau_m_ms),
        ("h", k.h_inf, k.tau_h_ms),
        ("n", k.n_inf, k.tau_n_ms),
    ):
        x = tr[gate][0]
        dxdt = (x[sel + 1] - x[sel - 1]) / (t[sel + 1] - t[sel - 1])
        assert np.allclose(dxdt, (inf - x[sel]) / tau, rtol=1e-4, atol=1e-7)


def test_stepping_to_the_holding_potential_changes_nothing() -> None:
    """A step to the hold is no step: currents stay at the holding steady state."""
    fam = run_family(SQUID, ClampProtocol((-65.0,)))
    p = fam.points[0]
    assert p["ina_peak_uA_cm2"] == pytest.approx(p["ina_end_uA_cm2"], rel=1e-12)
    assert p["i_peak_uA_cm2"] == pytest.approx(p["i_end_uA_cm2"], rel=1e-12)


def test_temperature_speeds_the_currents_by_q10() -> None:
    cold = run_family(SQUID, ClampProtocol((0.0,), dur_ms=60.0))
    warm = run_family(SQUID.at_temperature(16.3), ClampProtocol((0.0,), dur_ms=20.0))
    # same steady states, rates ×3: the same time course three times faster
    assert warm.points[0]["ina_peak_ms"] == pytest.approx(
        cold.points[0]["ina_peak_ms"] / 3, rel=1e-6
    )
    assert warm.points[0]["ik_half_ms"] == pytest.approx(cold.points[0]["ik_half_ms"] / 3, rel=1e-6)


def test_na_is_faster_than_k() -> None:
    for p in run_family(SQUID, ClampProtocol((-40.0, 0.0, 40.0))).points:
        assert p["ina_peak_ms"] < p["ik_half_ms"]


def test_blocks_use_the_membranes_helper() -> None:
    m = membranes("squid", blocks=["ttx", "tea"])
    p = run_family(m.run, ClampProtocol((0.0,))).points[0]
    assert p["ina_peak_uA_cm2"] == 0.0 and p["ik_end_uA_cm2"] == 0.0
    assert p["i_end_uA_cm2"] == pytest.approx(p["il_uA_cm2"])


def test_zero_crossing_interpolates_and_returns_none_without_a_crossing() -> None:
    assert zero_crossing([0.0, 10.0], [-1.0, 3.0]) == pytest.approx(2.5)
    assert zero_crossing([0.0, 10.0], [1.0, 3.0]) is None
    assert zero_crossing([10.0, 0.0], [3.0, -1.0]) == pytest.approx(2.5)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"steps_mV": ()}, "--steps"),
        ({"steps_mV": (0.0,), "dur_ms": 0.0}, "--dur"),
        ({"steps_mV": (0.0,), "dur_ms": -5.0}, "--dur"),
        ({"steps_mV": (0.0,), "hold_mV": -151.0}, "--hold"),
        ({"steps_mV": (0.0,), "hold_mV": 100.5}, "--hold"),
        ({"steps_mV": (0.0, float("nan"))}, "--steps"),
        ({"steps_mV": (0.0,), "pre_mV": (-200.0,)}, "--prepulse"),
        ({"steps_mV": (0.0,), "tail_mV": 150.0, "tail_dur_ms": 1.0}, "--tail"),
        ({"steps_mV": (0.0,), "tail_dur_ms": -1.0}, "--tail-dur"),
    ],
)
def test_bad_protocols_name_the_argument(kwargs: dict, name: str) -> None:
    with pytest.raises(ParameterError, match=f"^{name}:"):
        ClampProtocol(**kwargs)


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_fit_recovers_every_gate_across_the_family(preset: str) -> None:
    """Least squares on the model's own conductances gives back the model's kinetics
    (all six values); a step to the hold has no time course and no fit."""
    from tutor.lab.clamp_fit import fit_family

    p = load_preset(preset)
    steps = tuple(float(v) for v in range(-97, 61, 15))  # none at a reversal potential or the hold
    fam = run_family(p, ClampProtocol(steps, hold_mV=-65.0))
    fit_family(fam)
    for point in fam.points:
        for key, value in point["fit"].items():
            assert value is not None, (point["v_mV"], key)
            assert value == pytest.approx(point["model"][key], rel=1e-6), (point["v_mV"], key)
    held = run_family(p, ClampProtocol((-65.0,)))
    fit_family(held)
    assert all(v is None for v in held.points[0]["fit"].values())


def test_the_clamp_counts_every_leak_and_the_pump() -> None:
    """With the textbook membrane (no unnamed leak: K⁺, Na⁺, Cl⁻ leaks and the pump) a
    clamp held at the resting potential and stepped to it records no net current: the
    leaks and the pump balance the voltage-gated window currents there, as they do in
    the free-running model. At any step the net current is I_Na + I_K + I_L + I_pump."""
    from tutor.sim import resting_state

    p = load_preset("textbook")
    assert p.gl == 0.0 and p.pump_uA_cm2 > 0.0
    rest = resting_state(p).v_mV
    point = run_family(p, ClampProtocol((rest,), hold_mV=rest, dur_ms=5.0)).points[0]
    assert abs(point["i_end_uA_cm2"]) < 1e-9 and abs(point["i_peak_uA_cm2"]) < 1e-9
    assert point["ipump_uA_cm2"] == pytest.approx(p.pump_uA_cm2, rel=1e-12)
    leaks = p.gkl * (rest - p.ek) + p.gnal * (rest - p.ena) + p.gcll * (rest - p.ecl)
    assert point["il_uA_cm2"] == pytest.approx(leaks, rel=1e-12)
    tea_ttx = membranes("textbook", blocks=["ttx", "tea"]).run
    q = run_family(tea_ttx, ClampProtocol((-20.0,))).points[0]
    assert q["i_end_uA_cm2"] == pytest.approx(q["il_uA_cm2"] + q["ipump_uA_cm2"], rel=1e-12)
    tr = traces(run_family(p, ClampProtocol((-20.0, 10.0))), dt_ms=0.05)
    np.testing.assert_allclose(
        tr["i_ion"], tr["i_na"] + tr["i_k"] + tr["i_l"] + tr["i_pump"], rtol=1e-12, atol=1e-12
    )
