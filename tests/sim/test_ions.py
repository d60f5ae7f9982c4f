"""Ions, leaks by ion and the Na⁺/K⁺ pump (issue 12).

- Nernst and GHK against their closed forms and NEURON's `nernst` / `ion_style`;
- the kernel's currents (C) equal the vectorised ones (numpy) state by state;
- rest is a fixed point of the whole model with the pump on, concentrations
  included;
- charge and ion conservation to 1e-9 relative: Δ[ion]·volume·F equals the
  charge the ion's currents carried (read off C·ΔV when only that ion moves),
  the pump counted 3 Na⁺ : 2 K⁺, and (Na⁺ + K⁺ − Cl⁻)·F·vol − C·V is invariant
  through spikes. Runge–Kutta steps keep linear invariants to round-off, so
  these hold far below the integrator's tolerance.

Units: mV, ms, mM, µA/cm², µm (volume/area), °C.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

import numpy as np
import pytest

from tutor.sim import Pulse, ions, load_preset, resting_state, simulate
from tutor.sim import kernel as K
from tutor.sim.params import MembraneParams
from tutor.sim.reduce import params_row
from tutor.sim.rest import balanced_leaks, explain_rest

#: Every test here runs on both kernels (compiled and numpy; see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("kernel")

TEMPERATURES = (6.3, 20.0, 36.0, 37.0)


# --- Nernst and GHK ---------------------------------------------------------------------


@pytest.mark.parametrize("celsius", TEMPERATURES)
@pytest.mark.parametrize(
    ("c_in", "c_out", "z"), [(140.0, 5.0, 1), (12.0, 145.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2)]
)
def test_nernst_closed_form(celsius: float, c_in: float, c_out: float, z: int) -> None:
    """E = RT/(zF)·ln(out/in) with R, F in SI units and T = °C + 273.15."""
    t_kelvin = celsius + 273.15
    expected = 8.314462618 * t_kelvin / (z * 96485.33212) * math.log(c_out / c_in) * 1e3
    assert ions.nernst_mV(c_in, c_out, z, celsius) == pytest.approx(expected, rel=1e-12)


def test_nernst_textbook_numbers() -> None:
    """61.5 mV per decade at 37 °C; E_K(5/140 mM) ≈ −89 mV (lesson 9's worked example)."""
    decade = ions.nernst_mV(1.0, 10.0, 1, 37.0)
    assert decade == pytest.approx(61.5, abs=0.1)
    assert ions.nernst_mV(140.0, 5.0, 1, 37.0) == pytest.approx(-89.0, abs=0.2)


def _neuron():
    from optional import require

    require("neuron", "oracle", "NEURON's own Nernst potentials")
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
    from neuron import h

    return h


@pytest.mark.parametrize("celsius", TEMPERATURES)
def test_nernst_matches_neuron(celsius: float) -> None:
    """NEURON's `nernst()` and its ion_style machinery give the same E as the model."""
    h = _neuron()
    p = load_preset("textbook").at_temperature(celsius)
    h.celsius = celsius
    for ci, co, z, ours in ((p.nai, p.nao, 1, p.e_na), (p.ki, p.ko, 1, p.e_k)):
        assert h.nernst(ci, co, z) == pytest.approx(ours, abs=1e-6)
    sec = h.Section(name="ions_oracle")
    sec.insert("hh")  # uses na and k ions
    # ion_style(c_style=1 (parameter), e_style=2 (assigned), einit=1 (compute at init),
    # eadvance=1 (keep computing), cinit=0): E follows the concentrations by Nernst.
    h.ion_style("na_ion", 1, 2, 1, 1, 0, sec=sec)
    h.ion_style("k_ion", 1, 2, 1, 1, 0, sec=sec)
    seg = sec(0.5)
    seg.nai, seg.nao, seg.ki, seg.ko = p.nai, p.nao, p.ki, p.ko
    h.finitialize(-70.0)
    assert seg.ena == pytest.approx(p.e_na, abs=1e-6)
    assert seg.ek == pytest.approx(p.e_k, abs=1e-6)
    h.delete_section(sec=sec)


def test_ghk_is_the_zero_of_the_ghk_currents() -> None:
    """The GHK voltage equation is where the three GHK currents add up to zero."""
    conc = {"nai": 16.0, "nao": 145.0, "ki": 140.0, "ko": 5.0, "cli": 8.0, "clo": 110.0}
    perm = {"na": 0.05, "k": 1.0, "cl": 0.45}
    celsius = 36.0
    v = ions.ghk_voltage_mV(perm["na"], perm["k"], perm["cl"], conc, celsius)

    def total(x: float) -> float:
        return (
            perm["na"] * ions.ghk_current_factor(x, conc["nai"], conc["nao"], 1, celsius)
            + perm["k"] * ions.ghk_current_factor(x, conc["ki"], conc["ko"], 1, celsius)
            + perm["cl"] * ions.ghk_current_factor(x, conc["cli"], conc["clo"], -1, celsius)
        )

    lo, hi = -120.0, 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if total(mid) < 0 else (lo, mid)
    assert v == pytest.approx(0.5 * (lo + hi), abs=1e-9)
    # closed form with textbook numbers: K⁺ and Na⁺ only, P_Na/P_K = 0.05 at 37 °C
    rtf = ions.rt_over_f_mV(37.0)
    only_k_na = {**conc, "nai": 12.0}
    expected = rtf * math.log((5 + 0.05 * 145) / (140 + 0.05 * 12))
    assert ions.ghk_voltage_mV(0.05, 1.0, 0.0, only_k_na, 37.0) == pytest.approx(expected)


@pytest.mark.parametrize("v", [-90.0, -70.0, -40.0, 0.0, 30.0])
def test_permeability_reproduces_the_ohmic_current(v: float) -> None:
    """P from g at V gives a GHK current equal to g·(V − E) at that V; at V = E the slopes match."""
    g, ci, co, z, c = 0.03, 140.0, 5.0, 1, 36.0
    e = ions.nernst_mV(ci, co, z, c)
    perm = ions.permeability_from_conductance(g, v, ci, co, z, c)
    assert perm > 0
    assert perm * ions.ghk_current_factor(v, ci, co, z, c) == pytest.approx(g * (v - e), rel=1e-9)
    p_at_e = ions.permeability_from_conductance(g, e, ci, co, z, c)
    d = 1e-4
    slope = (
        ions.ghk_current_factor(e + d, ci, co, z, c) - ions.ghk_current_factor(e - d, ci, co, z, c)
    ) / (2 * d)
    assert p_at_e * slope == pytest.approx(g, rel=1e-6)


# --- the pump --------------------------------------------------------------------------


def test_pump_saturates_in_internal_na_and_external_k() -> None:
    """Monotone, half-saturating per site, bounded by its maximum."""
    f = ions.pump_current
    assert f(7.7, 1e9, 1.0, 7.7, 2.0) == pytest.approx(1 / 8)  # each Na⁺ site half full
    assert f(1e9, 2.0, 1.0, 7.7, 2.0) == pytest.approx(1 / 4)  # each K⁺ site half full
    nai = np.array([1.0, 5.0, 15.0, 50.0, 500.0])
    i = f(nai, 5.0, 2.0, 7.7, 2.0)
    assert np.all(np.diff(i) > 0) and np.all(i < 2.0)
    assert f(16.0, 12.5, 2.0, 7.7, 2.0) > f(16.0, 5.0, 2.0, 7.7, 2.0)


# --- kernel and vectorised currents agree ----------------------------------------------


@pytest.mark.parametrize("preset", ["textbook", "squid"])
def test_kernel_and_numpy_currents_agree(preset: str) -> None:
    p = load_preset(preset)
    res = simulate(p, [Pulse(5, 1, 30)], tstop_ms=20.0, dt_ms=0.05)
    row = params_row(p)
    states = np.column_stack([res.v_mV, res.m, res.h, res.n, res.nai, res.ki, res.cli])
    vec = K.currents(states, row)
    names = ("i_na", "i_k", "i_l", "i_leak_k", "i_leak_na", "i_leak_cl", "i_pump")
    for k in range(0, len(states), 37):
        c = K.currents_of_state(states[k], row)
        for name, value in zip(names, c, strict=True):
            assert vec[name][k] == pytest.approx(value, rel=1e-12, abs=1e-12)
        deriv = K.state_derivative(states[k], row, float(res.i_stim[k]))
        assert deriv[0] == pytest.approx(res.dvdt[k], rel=1e-9, abs=1e-9)


# --- rest is a fixed point with the pump on --------------------------------------------


def test_textbook_rest_is_a_fixed_point_of_the_whole_model() -> None:
    """Every derivative — V, gates and the three internal concentrations — vanishes at rest."""
    p = load_preset("textbook")
    assert p.ipump > 0 and p.dynamic_concentrations
    rest = resting_state(p)
    d = K.state_derivative(rest.as_list(), params_row(p))
    assert abs(d[0]) < 1e-12
    assert max(abs(x) for x in d[1:4]) < 1e-12
    # concentrations: mM/ms; 1e-15 mM/ms is 6e-10 mM over ten minutes
    assert max(abs(x) for x in d[4:]) < 1e-15
    report = explain_rest(p)
    for ion, flux in report.ion_fluxes_uA_cm2.items():
        assert abs(flux) < 1e-12, ion
    run = simulate(p, [], tstop_ms=60_000.0, dt_ms=100.0)
    assert np.max(np.abs(run.v_mV - rest.v_mV)) < 1e-6
    assert np.max(np.abs(run.nai - p.nai)) < 1e-9


def test_balanced_leaks_reproduce_the_preset() -> None:
    """The preset's K⁺ and Na⁺ leaks are the balance solution (scripts/balance_preset.py)."""
    p = load_preset("textbook")
    gkl, gnal = balanced_leaks(p, p.e_cl)
    assert p.gkl == pytest.approx(gkl, rel=1e-12)
    assert p.gnal == pytest.approx(gnal, rel=1e-12)


def test_pump_balances_the_resting_leaks_three_to_two() -> None:
    """At rest the pump moves out the Na⁺ that leaks in and brings back the K⁺ that leaks out."""
    r = explain_rest(load_preset("textbook"))
    c = r.currents_uA_cm2
    assert c["i_pump"] > 0
    assert -(c["i_na"] + c["i_leak_na"]) == pytest.approx(3 * c["i_pump"], rel=1e-9)
    assert c["i_k"] + c["i_leak_k"] == pytest.approx(2 * c["i_pump"], rel=1e-9)


# --- conservation ------------------------------------------------------------------------


def _isolated(p: MembraneParams, **g: float) -> MembraneParams:
    """`p` with every conductance and the pump off except those given."""
    off = {"gna": 0.0, "gk": 0.0, "gl": 0.0, "gkl": 0.0, "gnal": 0.0, "gcll": 0.0, "ipump": 0.0}
    return replace(p, **{**off, **g})


def _charge_per_mM(p: MembraneParams) -> float:
    """µC/cm² carried by a 1 mM change of a monovalent ion's internal concentration.

    Δ[ion]·volume·F per unit area: 1 mM = 1e-6 mol/cm³, times vol/area (µm → 1e-4 cm),
    times F, in µC (1e6).
    """
    return 1e-6 * p.volarea * 1e-4 * ions.FARADAY * 1e6


@pytest.mark.parametrize(
    ("ion", "conductances"),
    [("nai", {"gnal": 0.05}), ("ki", {"gkl": 0.05}), ("cli", {"gcll": 0.05})],
)
def test_each_ion_carries_exactly_its_charge(ion: str, conductances: dict[str, float]) -> None:
    """Only one ion's leak: the charge it moved, Δ[ion]·vol·F·z, equals −C·ΔV, to 1e-9."""
    p = _isolated(replace(load_preset("textbook"), volarea=0.5), **conductances)
    start = list(resting_state(load_preset("textbook")).as_list())
    start[0] = -40.0  # far from the ion's E: current flows, V and [ion] move
    res = _run_from(p, start, tstop_ms=200.0)
    z = {"nai": 1, "ki": 1, "cli": -1}[ion]
    d_conc = getattr(res, ion)[-1] - getattr(res, ion)[0]
    d_v = res.v_mV[-1] - res.v_mV[0]
    assert abs(d_v) > 1.0  # something happened
    charge_in = z * d_conc * _charge_per_mM(p)  # µC/cm² of positive charge that entered
    assert charge_in == pytest.approx(p.cm * d_v * 1e-3, rel=1e-9)  # C·ΔV: µF/cm² · V


def test_pump_moves_three_na_out_for_two_k_in() -> None:
    """Only the pump: Δ[Na⁺]ᵢ = −1.5·Δ[K⁺]ᵢ, and the one net charge per cycle is C·ΔV."""
    p = _isolated(replace(load_preset("textbook"), volarea=0.5), ipump=5.0)
    res = _run_from(p, resting_state(load_preset("textbook")).as_list(), tstop_ms=20.0)
    d_na = res.nai[-1] - res.nai[0]
    d_k = res.ki[-1] - res.ki[0]
    assert d_na < 0 < d_k
    assert d_na == pytest.approx(-1.5 * d_k, rel=1e-9)
    charge_in = (d_na + d_k) * _charge_per_mM(p)
    assert charge_in == pytest.approx(p.cm * (res.v_mV[-1] - res.v_mV[0]) * 1e-3, rel=1e-9)


def test_total_charge_is_conserved_through_spikes() -> None:
    """Full textbook cell, thin axon geometry, a train of spikes: (Na + K − Cl)·vol·F − C·V
    changes only by the injected charge, to 1e-9 of the charge that moved."""
    p = replace(load_preset("textbook"), volarea=0.25)
    pulses = [Pulse(5 + 20 * k, 1, 30) for k in range(5)]
    res = simulate(p, pulses, tstop_ms=110.0, dt_ms=0.025)
    assert len(res.spikes_ms) == 5
    ions_in = (res.nai + res.ki - res.cli - res.nai[0] - res.ki[0] + res.cli[0]) * _charge_per_mM(p)
    injected = 5 * 30 * 1.0 * 1e-3  # µA/cm² · ms = nC/cm² → µC/cm²
    capacitive = p.cm * (res.v_mV[-1] - res.v_mV[0]) * 1e-3
    moved = abs(res.nai[-1] - res.nai[0]) * _charge_per_mM(p)
    assert abs(ions_in[-1] + injected - capacitive) <= 1e-9 * moved


def _run_from(p: MembraneParams, start: list[float], tstop_ms: float):
    """Run `p` with no stimulus from an arbitrary state (not its rest)."""
    from tutor.sim.engine import Batch, Trace

    b = Batch([p], [[]], np.array(start), 1.0, t_stop_ms=tstop_ms, rtol=1e-10)
    n = int(tstop_ms) + 1
    rec = b.run(n, record=n)[0]
    return Trace.from_samples(np.arange(n) * 1.0, rec, p, [])


# --- ions per spike ----------------------------------------------------------------------


def test_na_entering_per_spike_matches_the_concentration_change() -> None:
    """Ions counted per spike: ∫ −(I_Na + I_Na,leak + 3 I_pump) dt equals Δ[Na⁺]ᵢ·vol·F."""
    p = replace(load_preset("textbook"), volarea=0.25)
    res = simulate(p, [Pulse(5, 1, 30)], tstop_ms=30.0, dt_ms=0.001)
    na_current = res.i_na + res.i_leak_na + 3 * res.i_pump
    charge = -np.trapezoid(na_current, res.t_ms) * 1e-3  # µC/cm²
    d_na = res.nai[-1] - res.nai[0]
    assert d_na > 0
    assert charge == pytest.approx(d_na * _charge_per_mM(p), rel=1e-6)


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_equivalent_leak_carries_every_leak_and_the_pump(preset: str) -> None:
    """The one leak the cable uses carries, at every V, what every leak plus the pump
    carries at the resting concentrations; the cable's folded row is the same leak."""
    from tutor.sim.cable import fold_ion_leaks

    p = load_preset(preset)
    g, e = p.equivalent_leak()
    for v in (-100.0, -69.0, 0.0, 40.0):
        by_ion = p.gl * (v - p.el) + p.gkl * (v - p.ek) + p.gnal * (v - p.ena)
        by_ion += p.gcll * (v - p.ecl) + p.pump_uA_cm2
        assert g * (v - e) == pytest.approx(by_ion, rel=1e-12, abs=1e-12)
    row = fold_ion_leaks(list(params_row(p)))
    assert row[K.P_GL] == pytest.approx(g, rel=1e-12)
    assert row[K.P_EL] == pytest.approx(e, rel=1e-12)
    assert p.pump_uA_cm2 == pytest.approx(
        ions.pump_current(p.nai, p.ko, p.ipump, p.km_na_pump, p.km_k_pump), rel=1e-15
    )
    assert p.with_block("ouabain").pump_uA_cm2 == 0.0


def test_live_run_switches_between_fine_and_coarse_sampling_without_a_jump() -> None:
    """The lab's slow-time mode: a fine live run hands its state to a coarse one
    (`start_from`), which then follows the same solution as the fine run would — the
    run-down after ouabain over a minute agrees to integration tolerance — and back."""
    from tutor.sim import LiveSim
    from tutor.sim.params import ParameterError

    base = load_preset("textbook")
    p = base.with_block("ouabain")
    fine = LiveSim(p, dt_ms=0.025, base=base)
    fine.advance(10.0)
    state, t0 = fine.state, fine.t_ms
    coarse = LiveSim(p, dt_ms=250.0, base=base, coarse=True)
    coarse.start_from(state, t0)
    assert coarse.t_ms == t0 and np.array_equal(coarse.state, state)
    chunk = coarse.advance(60_000.0)
    assert chunk.t_ms[0] == 250.0 and np.all(np.diff(chunk.t_ms) == 250.0)
    ref = simulate(p, [], tstop_ms=62_500.0, dt_ms=125.0, base=base)
    at = int(round(chunk.t_ms[-1] / 125.0))
    assert ref.t_ms[at] == chunk.t_ms[-1]
    # one solution, integrated in other pieces: equal to integration tolerance
    np.testing.assert_allclose(chunk.v_mV[-1], ref.v_mV[at], atol=1e-3)
    np.testing.assert_allclose(chunk.nai[-1], ref.nai[at], rtol=1e-5)
    assert chunk.nai[-1] > state[K.S_NAI] + 1.0  # Na⁺ accumulates without the pump
    back = LiveSim(p, dt_ms=0.025, base=base)
    back.start_from(coarse.state, coarse.t_ms)
    assert back.t_ms == coarse.t_ms
    nxt = back.advance(1.0)
    assert nxt.t_ms[0] == pytest.approx(coarse.t_ms + 0.025)
    assert abs(nxt.v_mV[0] - chunk.v_mV[-1]) < 1e-3
    with pytest.raises(ParameterError):
        LiveSim(p, dt_ms=250.0)  # coarse sampling only when asked for
    with pytest.raises(ParameterError):
        LiveSim(p, dt_ms=5000.0, coarse=True)
