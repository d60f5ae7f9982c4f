"""Every number the lessons state in prose or feedback, recomputed from the engine.

The predict keys are measured at run time and the `from_model` answers are checked in
test_content_model.py; these are the numbers written into the text itself — the
corrections of issue 16 among them (where the upstroke is steepest, I_Na after the
peak, h at the peak, Q10, the 1952 sign conventions, the f–I curve of lesson 14).
Each test names the lesson and the statement it backs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tutor.lab.experiments import fi_curve, measure, membranes, simulate_run
from tutor.sim import kernel as K
from tutor.sim.engine import params_row
from tutor.sim.params import load_preset

SPIKE = {"pulses": [[5, 1, 20]]}


CONTENT = Path(__file__).resolve().parents[2] / "content"


def lesson_text(name: str) -> str:
    return (CONTENT / name).read_text(encoding="utf-8")


def run(preset: str, **extra: object):
    return simulate_run({"preset": preset, **SPIKE, **extra}, preset)


def at(res, t_ms: float) -> int:
    return int(np.argmin(np.abs(res.t_ms - t_ms)))


def taus(preset: str, v_mV: float, celsius: float | None = None) -> dict[str, float]:
    p = load_preset(preset)
    if celsius is not None:
        p = p.at_temperature(celsius)
    am, bm, ah, bh, an, bn = K.gate_rates_array(np.array([v_mV]), params_row(p))[:, 0]
    return {"m": 1 / (am + bm), "h": 1 / (ah + bh), "n": 1 / (an + bn)}


# -- lesson 3: the upstroke is steepest where the NET inward current is largest ---------


def test_03_squid_upstroke_steepest_at_6_3_ms_but_ina_largest_at_7_4_ms() -> None:
    r = run("squid")
    t_steep = float(r.t_ms[np.argmax(r.dvdt)])
    t_ina = float(r.t_ms[np.argmin(r.i_na)])  # inward = most negative
    assert t_steep == pytest.approx(6.3, abs=0.05)
    assert t_ina == pytest.approx(7.4, abs=0.05)
    i = at(r, t_ina)
    assert r.dvdt[i] < 0  # V already falling ...
    assert r.i_na[i] + r.i_k[i] + r.i_l[i] > 0  # ... because the net current is outward
    assert r.h[i] == pytest.approx(0.15, abs=0.01) and r.m[i] > 0.95
    # steepest rise = largest net inward current (the stimulus is over by then)
    j = int(np.argmax(r.dvdt))
    assert r.i_stim[j] == 0.0
    assert j == int(np.argmin(r.i_ion))


def test_03_gate_speeds_quoted_in_dep_gate_order() -> None:
    at0 = taus("squid", 0.0)
    assert at0["m"] == pytest.approx(0.24, abs=0.01)
    assert at0["h"] == pytest.approx(1.0, abs=0.05)
    assert at0["n"] == pytest.approx(1.6, abs=0.05)
    near_rest = taus("squid", -65.0)
    assert near_rest["h"] > near_rest["n"] > near_rest["m"]  # h is slowest near rest


def test_03_quoted_values() -> None:
    assert measure({"preset": "squid", **SPIKE}, "max_dvdt_mV_ms") == pytest.approx(310, rel=0.03)
    ttx = measure({**SPIKE, "block": ["ttx"]}, "peak_mV", "textbook")
    assert ttx == pytest.approx(-51, abs=1.5)


# -- lesson 4: I_Na does not shut off at the peak ------------------------------------------


def test_04_squid_ina_after_the_peak_is_larger_than_at_it() -> None:
    r = run("squid")
    k = int(np.argmax(r.v_mV))
    after = r.i_na[k:]
    ratio = float(after.min() / r.i_na[k])
    assert ratio == pytest.approx(2.7, abs=0.1)
    t_max = float(r.t_ms[k + int(np.argmin(after))])
    assert 0.7 < t_max - float(r.t_ms[k]) < 1.1  # "a millisecond after the peak"
    # repolarisation: I_K grows faster than I_Na over that interval
    i = k + int(np.argmin(after))
    assert r.i_k[i] - r.i_k[k] > -(r.i_na[i] - r.i_na[k])


def test_04_half_gk_broadens_the_textbook_spike() -> None:
    base = measure(SPIKE, "width_ms", "textbook")
    half = measure({**SPIKE, "set": {"gk": 13.0}}, "width_ms", "textbook")
    assert base == pytest.approx(0.46, abs=0.01)
    assert half == pytest.approx(0.56, abs=0.02)


# -- lesson 7: h at the peak; inactivation builds after it -------------------------------


@pytest.mark.parametrize(
    ("preset", "h_peak", "h_rest", "h_low", "within_ms"),
    [("squid", 0.36, 0.60, 0.1, 2.0), ("textbook", 0.38, 1.0, 0.15, 0.5)],
)
def test_07_h_at_the_peak_and_after(
    preset: str, h_peak: float, h_rest: float, h_low: float, within_ms: float
):
    r = run(preset)
    k = int(np.argmax(r.v_mV))
    assert r.h[k] == pytest.approx(h_peak, abs=0.01)
    assert r.h[0] == pytest.approx(h_rest, abs=0.01)
    below = np.nonzero(r.h[k:] < h_low)[0]
    assert len(below) and float(r.t_ms[k + below[0]] - r.t_ms[k]) < within_ms


# -- lesson 8: Q10 speeds every gate by the same factor; width and heat block ------------


def test_08_q10_factor_is_3_8_for_every_gate() -> None:
    factor = 3 ** (12.2 / 10)
    assert factor == pytest.approx(3.82, abs=0.005)
    assert load_preset("squid").at_temperature(18.5).rate_factor == pytest.approx(factor)
    v = np.linspace(-90, 40, 27)
    cold = K.gate_rates_array(v, params_row(load_preset("squid")))
    warm = K.gate_rates_array(v, params_row(load_preset("squid").at_temperature(18.5)))
    np.testing.assert_allclose(warm, factor * cold, rtol=1e-9)  # all six rates alike


def test_08_warm_spike_narrower_and_lower_then_heat_block() -> None:
    cold = {"preset": "squid", **SPIKE}
    warm = {**cold, "celsius": 18.5}
    w_cold, w_warm = measure(cold, "width_ms"), measure(warm, "width_ms")
    assert w_cold == pytest.approx(1.48, abs=0.01)
    assert w_warm == pytest.approx(0.42, abs=0.01)
    assert w_cold / w_warm == pytest.approx(3.5, abs=0.1)
    assert measure(cold, "peak_mV") - measure(warm, "peak_mV") == pytest.approx(10, abs=1)
    assert measure({**cold, "celsius": 25}, "spiked") is True
    assert measure({**cold, "celsius": 28}, "spiked") is False
    assert pytest.approx(23, abs=0.5) == 3 ** ((35 - 6.3) / 10)


def test_08_ttx_bump_is_13_mV() -> None:
    run_ = {"preset": "squid", **SPIKE, "block": ["ttx"]}
    bump = measure(run_, "peak_mV") - measure(run_, "rest_mV")
    assert bump == pytest.approx(13, abs=0.5)


# -- lesson 2 and 10: where threshold lies on the trace ------------------------------------


def _threshold_and_spike(run_: dict, preset: str) -> tuple[float, float]:
    from tutor.quiz.grading import mark_target_time
    from tutor.quiz.plain import engine_trace

    _t, _v, events, fallback = engine_trace(run_, preset)
    thr = mark_target_time("threshold", events)
    assert thr is not None and fallback["spike"] is not None
    return thr, float(fallback["spike"])


def test_02_thr_mark_threshold_before_the_stimulus_ends_and_0_mV_crossing() -> None:
    """thr-mark (10 µA/cm² for 2 ms): 'dV/dt rises above what the stimulus alone gives
    (10 mV/ms …), about 0.6 ms before the stimulus ends. The 0 mV crossing comes about
    0.8 ms after threshold.'"""
    text = lesson_text("02-threshold.md")
    for phrase in (
        "(10 mV/ms for 10 µA/cm² on 1 µF/cm²)",
        "about 0.6 ms before the stimulus",
        "about 0.8 ms after threshold",
        "run = { pulses = [[5, 2, 10]] }",
    ):
        assert phrase in text, phrase
    run_ = {"pulses": [[5, 2, 10]]}
    thr, spike = _threshold_and_spike(run_, "textbook")
    assert 7.0 - thr == pytest.approx(0.6, abs=0.03)
    assert round(spike - thr, 1) == 0.8
    r = simulate_run({"preset": "textbook", **run_}, "textbook")
    amp_over_cm = 10.0 / load_preset("textbook").cm  # mV/ms the stimulus alone would give
    assert amp_over_cm == pytest.approx(10.0)
    before = (r.t_ms > 5.2) & (r.t_ms < thr - 0.1)
    assert float(r.dvdt[before].max()) < amp_over_cm  # stimulus-driven: slower than I/C
    assert float(r.dvdt[at(r, thr)]) == pytest.approx(amp_over_cm, abs=0.3)  # crosses I/C here
    assert float(r.dvdt[at(r, thr + 0.3)]) > amp_over_cm  # and keeps climbing


def test_02_quoted_values() -> None:
    assert measure({"pulses": [[5, 1, 2]]}, "peak_mV", "textbook") == pytest.approx(-68, abs=0.5)
    thr = measure(SPIKE, "threshold_uA_cm2", "textbook")
    assert thr == pytest.approx(13, abs=0.5)


def test_10_weak_pulse_threshold_and_latencies() -> None:
    thr, spike = _threshold_and_spike({"pulses": [[5, 5, 5]]}, "squid")
    assert thr - 5 == pytest.approx(1.6, abs=0.05)
    assert spike - thr == pytest.approx(1.4, abs=0.05)
    lat = [measure({"pulses": [[5, 5, a]]}, "latency_ms", "squid") for a in (4.0, 6.0)]
    assert lat[0] == pytest.approx(3.5, abs=0.1) and lat[1] == pytest.approx(2.6, abs=0.1)
    assert measure({"pulses": [[5, 60, 3]], "tstop": 90}, "spike_count", "squid") == 1


# -- lesson 13: the 1952 conventions (voltage and current) --------------------------------


def to_hh(v_modern: float) -> float:
    return -(v_modern + 65.0)


def test_13_conversion_table() -> None:
    p = load_preset("squid")
    assert to_hh(p.ena) == pytest.approx(-115.0)
    assert to_hh(p.ek) == pytest.approx(12.0)
    assert to_hh(-54.4) == pytest.approx(-10.6)
    assert to_hh(measure({"preset": "squid", **SPIKE}, "peak_mV")) == pytest.approx(-105.5, abs=1)
    assert to_hh(measure({"preset": "squid", **SPIKE}, "ahp_min_mV")) == pytest.approx(11, abs=0.5)


def test_13_currents_flip_sign_and_the_current_law_keeps_its_form() -> None:
    """HH's I_Na = g_Na (V − V_Na), with V and I both in 1952 signs, is −(modern I_Na)."""
    r = run("squid")
    p = load_preset("squid")
    g_na = p.gna * r.m**3 * r.h
    i_na_hh = g_na * (to_hh(r.v_mV) - to_hh(p.ena))  # inward positive
    np.testing.assert_allclose(i_na_hh, -r.i_na, atol=1e-9)
    up = int(np.argmax(r.dvdt))
    assert r.i_na[up] < 0 < i_na_hh[up]  # the upstroke's Na⁺ current: negative now, positive then


def test_13_equation_1_in_1952_signs_and_the_table_rows() -> None:
    """HH eq. (1), I = C_M·dV/dt + I_i with V = −(v + 65) and inward current positive, holds
    on the model's run; its total membrane current is the injected stimulus with the sign
    flipped (the table's last row); I_K of repolarisation is positive now, negative then."""
    text = lesson_text("13-voltage-convention.md")
    assert "I = C_M·dV/dt + I_i" in text and "counts **inward** current as" in text
    # fine samples: dV/dt below is a difference of V_HH samples
    r = simulate_run({"preset": "squid", **SPIKE}, "squid", dt_ms=0.002)
    cm = load_preset("squid").cm
    v_hh = to_hh(r.v_mV)
    dvdt_hh = np.gradient(v_hh, r.t_ms)
    i_i_hh = -r.i_ion  # ionic current, inward positive
    membrane_hh = cm * dvdt_hh + i_i_hh  # eq. (1)
    # modern: C dv/dt = I_stim − I_ion, so the 1952 membrane current is −I_stim
    step = float(r.t_ms[1] - r.t_ms[0])
    assert step == pytest.approx(0.002)
    edges = (np.abs(r.t_ms - 5.0) < 2 * step) | (np.abs(r.t_ms - 6.0) < 2 * step)
    inside = (r.t_ms > 1.0) & (r.t_ms < 20.0) & ~edges  # the pulse's edges are jumps
    np.testing.assert_allclose(membrane_hh[inside], -r.i_stim[inside], atol=0.2)
    during = (r.t_ms > 5.2) & (r.t_ms < 5.8)  # the depolarising pulse
    assert np.all(r.i_stim[during] > 0) and np.all(membrane_hh[during] < -15)
    k = int(np.argmax(r.v_mV))
    repol = slice(k + 1, k + int(1.0 / (r.t_ms[1] - r.t_ms[0])))  # the ms after the peak
    assert np.all(r.i_k[repol] > 0)  # outward: positive today ...
    assert np.all(-r.i_k[repol] < 0)  # ... negative in 1952
    # conv-peak: "The squid spike peaks at +40.5 mV"
    assert "peaks at +40.5 mV" in text
    assert round(measure({"preset": "squid", **SPIKE}, "peak_mV"), 1) == 40.5


def test_13_hh_alpha_m_is_neurons_after_conversion() -> None:
    p = params_row(load_preset("squid"))
    for v_modern in (-80.0, -55.0, -20.0, 10.0):
        v_hh = to_hh(v_modern)
        alpha_hh = 0.1 * (v_hh + 25) / (math.exp((v_hh + 25) / 10) - 1)
        alpha_model = float(K.gate_rates_array(np.array([v_modern]), p)[0, 0])
        assert alpha_model == pytest.approx(alpha_hh, rel=1e-6)


# -- lesson 14: repetitive firing -----------------------------------------------------------


def _fi(preset: str, amps: list[float]) -> dict[float, dict]:
    return {p["amp_uA_cm2"]: p for p in fi_curve(membranes(preset), amps)["points"]}


def test_14_fi_table() -> None:
    pts = _fi("squid", [2.0, 2.3, 6.2, 6.3, 10.0, 20.0, 30.0, 50.0, 64.0, 200.0])
    assert pts[2.0]["spikes"] == 0
    assert pts[2.3]["spikes"] >= 1 and pts[2.3]["rate_hz"] == 0.0  # onset only
    assert 1 <= pts[6.2]["spikes"] <= 5 and pts[6.2]["rate_hz"] == 0.0
    for amp, hz in ((6.3, 53), (10.0, 68), (20.0, 87), (30.0, 99), (50.0, 117)):
        assert pts[amp]["rate_hz"] == pytest.approx(hz, abs=1.5), amp
    assert pts[64.0]["rate_hz"] == 0.0  # spikes no longer reach 0 mV
    assert pts[200.0]["spikes"] == 1


def test_14_rheobase_of_repetitive_firing_is_6_2() -> None:
    amps = [round(6.0 + 0.01 * k, 2) for k in range(51)]
    pts = _fi("squid", amps)
    first = min(a for a in amps if pts[a]["rate_hz"] > 0)
    assert first == pytest.approx(6.2, abs=0.05)
    assert pts[first]["rate_hz"] >= 45  # class 2: the train starts near 50 Hz, not at 0
    rheobase = measure({"pulses": [[5, 200, 3]], "tstop": 250}, "threshold_uA_cm2", "squid")
    assert rheobase is not None and first / rheobase == pytest.approx(2.8, abs=0.2)


def test_14_textbook_preset_can_fire_slowly() -> None:
    """Class 1: just above its train threshold the textbook neuron fires at a few tens of Hz."""
    pts = _fi("textbook", [round(0.1 * k, 1) for k in range(1, 21)])
    rates = [p["rate_hz"] for _, p in sorted(pts.items()) if p["rate_hz"] > 0]
    assert rates and rates[0] < 25.0


def test_14_no_adaptation_and_depolarisation_block() -> None:
    train = {"preset": "squid", "hold": 10.0, "tstop": 500.0}
    first, last = measure(train, "first_isi_ms"), measure(train, "last_isi_ms")
    assert first == pytest.approx(14.9, abs=0.1) and last == pytest.approx(14.6, abs=0.1)
    assert abs(last / first - 1) < 0.05
    block = simulate_run({"preset": "squid", "hold": 200.0, "tstop": 100.0}, "squid")
    assert len(block.spikes_ms) == 1
    tail = block.v_mV[block.t_ms > 50]
    assert float(tail.mean()) == pytest.approx(-41, abs=1) and float(np.ptp(tail)) < 1.0
    i = len(block.h) - 1
    assert block.h[i] < 0.1 and block.n[i] > 0.6  # Na⁺ inactivated, K⁺ open
    onset = measure({"preset": "squid", "pulses": [[10, 500, 4]], "tstop": 520}, "spike_count")
    assert onset == 1


# -- lesson 9: the predict question added for it --------------------------------


def test_09_raised_ek_fires_the_squid_axon_repeatedly() -> None:
    run_ = {"preset": "squid", "set": {"ek": -65}, "tstop": 100}
    assert measure(run_, "spike_count") == 5
    assert measure({"preset": "squid", "tstop": 100}, "spike_count") == 0
