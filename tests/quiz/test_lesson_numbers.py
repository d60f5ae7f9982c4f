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
from lesson_claims import says

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
    says(
        "03-depolarization.md",
        "the steepest rise is at 6.3 ms, on the way up",
        "at 7.4 ms, when the spike is",
        "upstroke is steepest at 6.3 ms, but I_Na is largest at 7.4 ms",
        "by 7.4 ms I_K outweighs I_Na",
        "large 'Na⁺ current' at 7.4 ms",
        "h is still about 0.15 at 7.4 ms",
    )
    says("04-repolarization.md", "has only fallen to about 0.15")
    r = run("squid")
    t_steep = float(r.t_ms[np.argmax(r.dvdt)])
    t_ina = float(r.t_ms[np.argmin(r.i_na)])  # inward = most negative
    assert round(t_steep, 1) == 6.3
    assert round(t_ina, 1) == 7.4
    i = at(r, t_ina)
    assert r.dvdt[i] < 0  # V already falling ...
    assert r.i_na[i] + r.i_k[i] + r.i_l[i] > 0  # ... because the net current is outward
    assert round(float(r.h[i]), 2) == 0.15 and r.m[i] > 0.95
    # steepest rise = largest net inward current (the stimulus is over by then)
    j = int(np.argmax(r.dvdt))
    assert r.i_stim[j] == 0.0
    assert j == int(np.argmin(r.i_ion))


def test_03_gate_speeds_quoted_in_dep_gate_order() -> None:
    says(
        "03-depolarization.md",
        "(about 0.24 ms in the squid preset)",
        "τ_h ≈ 1 ms against τ_m ≈ 0.24 ms at 0 mV in the squid preset",
        "τ_n ≈ 1.6 ms at 0 mV in the squid",
    )
    says("15-voltage-clamp.md", "time constant of about 0.24 ms at 0 mV")
    at0 = taus("squid", 0.0)
    assert round(at0["m"], 2) == 0.24
    assert round(at0["h"]) == 1
    assert round(at0["n"], 1) == 1.6
    near_rest = taus("squid", -65.0)
    assert near_rest["h"] > near_rest["n"] > near_rest["m"]  # h is slowest near rest


def test_03_quoted_values() -> None:
    says(
        "03-depolarization.md",
        "Right: about 310 mV/ms (310 V/s)",
        "About 310 mV/ms",
        "Right: about −51 mV",
        "It reaches only about −51 mV",
    )
    steepest = measure({"preset": "squid", **SPIKE}, "max_dvdt_mV_ms")
    assert isinstance(steepest, float) and round(steepest, -1) == 310
    ttx = measure({**SPIKE, "block": ["ttx"]}, "peak_mV", "textbook")
    assert isinstance(ttx, float) and round(ttx) == -51


# -- lesson 4: I_Na does not shut off at the peak ------------------------------------------


def test_04_squid_ina_after_the_peak_is_larger_than_at_it() -> None:
    says("04-repolarization.md", "(about 2.7 times)")
    r = run("squid")
    k = int(np.argmax(r.v_mV))
    after = r.i_na[k:]
    ratio = float(after.min() / r.i_na[k])
    assert round(ratio, 1) == 2.7
    t_max = float(r.t_ms[k + int(np.argmin(after))])
    assert 0.7 < t_max - float(r.t_ms[k]) < 1.1  # "a millisecond after the peak"
    # repolarisation: I_K grows faster than I_Na over that interval
    i = k + int(np.argmin(after))
    assert r.i_k[i] - r.i_k[k] > -(r.i_na[i] - r.i_na[k])


def test_04_half_gk_broadens_the_textbook_spike() -> None:
    says(
        "04-repolarization.md",
        "fires a spike 0.46 ms wide at half",
        "Right: about 0.56 ms",
        "About 0.56 ms: broader by a fifth",
    )
    base = measure(SPIKE, "width_ms", "textbook")
    half = measure({**SPIKE, "set": {"gk": 13.0}}, "width_ms", "textbook")
    assert isinstance(base, float) and round(base, 2) == 0.46
    assert isinstance(half, float) and round(half, 2) == 0.56


# -- lesson 7: h at the peak; inactivation builds after it -------------------------------


@pytest.mark.parametrize(
    ("preset", "h_peak", "h_rest", "h_low", "within_ms"),
    [("squid", 0.36, 0.60, 0.1, 2.0), ("textbook", 0.38, 1.0, 0.15, 0.5)],
)
def test_07_h_at_the_peak_and_after(
    preset: str, h_peak: float, h_rest: float, h_low: float, within_ms: float
):
    says(
        "07-refractory.md",
        "h is still about 0.36 in the squid preset and 0.38 in the textbook preset",
        "(against 0.60 and 1.0 at rest)",
        "h falls below 0.1 within 2 ms of the squid peak, and below 0.15 within half a millisecond",
    )
    r = run(preset)
    k = int(np.argmax(r.v_mV))
    assert round(float(r.h[k]), 2) == h_peak
    assert round(float(r.h[0]), 2) == h_rest
    below = np.nonzero(r.h[k:] < h_low)[0]
    assert len(below) and float(r.t_ms[k + below[0]] - r.t_ms[k]) < within_ms


# -- lesson 8: Q10 speeds every gate by the same factor; width and heat block ------------


def test_08_q10_factor_is_3_8_for_every_gate() -> None:
    says(
        "08-ion-channels.md",
        "makes all the gates 3^(12.2/10) ≈ 3.8 times faster",
        "3^(12.2/10) = 3^1.22 ≈ 3.82",
        "is 3.8 times faster.",
        "every gate is 3.8 times faster",
        "up by the same factor (3.8)",
        "that end the spike are 3.8 times faster",
        "gates are 3^(12.2/10) ≈ 3.8 times faster at 18.5 °C",
        "(Q10 ≈ 3)",
        "with Q10 = 3",
    )
    squid = load_preset("squid")
    assert squid.q10 == 3.0 and squid.celsius == 6.3
    factor = squid.q10 ** ((18.5 - squid.celsius) / 10)
    assert round(factor, 2) == 3.82 and round(factor, 1) == 3.8
    assert load_preset("squid").at_temperature(18.5).rate_factor == pytest.approx(factor)
    v = np.linspace(-90, 40, 27)
    cold = K.gate_rates_array(v, params_row(load_preset("squid")))
    warm = K.gate_rates_array(v, params_row(load_preset("squid").at_temperature(18.5)))
    np.testing.assert_allclose(warm, factor * cold, rtol=1e-9)  # all six rates alike


def test_08_warm_spike_narrower_and_lower_then_heat_block() -> None:
    cold = {"preset": "squid", **SPIKE}
    warm = {**cold, "celsius": 18.5}
    says(
        "08-ion-channels.md",
        "is 3.5 times narrower (0.42 against 1.48 ms at half amplitude) and about 10 mV lower",
        "(to 28 °C in this model)",
        "°C the squid spike is 1.48 ms wide at half amplitude",
        "Right: about 0.42 ms — close to 1.48 / 3.8",
        "About 0.42 ms",
        "(1.48 / 3.8 ≈ 0.39)",
        "Right — around +30 mV, lower than the +40 mV at 6.3 °C",
        "It peaks near +30 mV, about 10 mV lower than at 6.3 °C",
        "At 35 °C the gates are 23 times faster than at 6.3 °C",
        "(23 times at 35 °C)",
    )
    w_cold, w_warm = measure(cold, "width_ms"), measure(warm, "width_ms")
    assert isinstance(w_cold, float) and isinstance(w_warm, float)
    assert round(w_cold, 2) == 1.48 and round(w_warm, 2) == 0.42
    assert round(w_cold / w_warm, 1) == 3.5 and round(1.48 / 3.8, 2) == 0.39
    p_cold, p_warm = measure(cold, "peak_mV"), measure(warm, "peak_mV")
    assert isinstance(p_cold, float) and isinstance(p_warm, float)
    assert round(p_cold - p_warm) == 10 and round(p_warm, -1) == 30 and round(p_cold, -1) == 40
    # heat block from 28 °C: the last whole degree that still fires is 27
    assert measure({**cold, "celsius": 27}, "spiked") is True
    assert measure({**cold, "celsius": 28}, "spiked") is False
    assert round(3 ** ((35 - 6.3) / 10)) == 23


def test_08_ttx_bump_is_13_mV() -> None:
    run_ = {"preset": "squid", **SPIKE, "block": ["ttx"]}
    says("08-ion-channels.md", "raises V by only about 13 mV")
    bump = measure(run_, "peak_mV") - measure(run_, "rest_mV")
    assert round(bump) == 13


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
    says(
        "02-threshold.md",
        "(10 mV/ms for 10 µA/cm² on 1 µF/cm²)",
        "about 0.6 ms before the stimulus",
        "about 0.8 ms after threshold",
    )
    assert "run = { pulses = [[5, 2, 10]] }" in lesson_text("02-threshold.md")
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
    says(
        "02-threshold.md",
        "It reaches only about −68 mV",
        "Right: about 13 µA/cm²",
        "About 13 µA/cm²",
    )
    assert measure({"pulses": [[5, 1, 2]]}, "peak_mV", "textbook") == pytest.approx(-68, abs=0.5)
    thr = measure(SPIKE, "threshold_uA_cm2", "textbook")
    assert thr == pytest.approx(13, abs=0.5)


def test_10_weak_pulse_threshold_and_latencies() -> None:
    says(
        "10-strength-duration.md",
        "about 1.6 ms after the onset",
        "crosses 0 mV another 1.4 ms later",
        "but late: 2.6 to 3.5 ms after the onset",
        "It fires, after 2.6 ms (6 µA/cm²) to 3.5 ms (4 µA/cm²)",
    )
    thr, spike = _threshold_and_spike({"pulses": [[5, 5, 5]]}, "squid")
    assert round(thr - 5, 1) == 1.6
    assert round(spike - thr, 1) == 1.4
    lat = [measure({"pulses": [[5, 5, a]]}, "latency_ms", "squid") for a in (4.0, 6.0)]
    assert isinstance(lat[0], float) and isinstance(lat[1], float)
    assert round(lat[0], 1) == 3.5 and round(lat[1], 1) == 2.6
    assert measure({"pulses": [[5, 60, 3]], "tstop": 90}, "spike_count", "squid") == 1


# -- lesson 13: the 1952 conventions (voltage and current) --------------------------------


def to_hh(v_modern: float) -> float:
    return -(v_modern + 65.0)


def test_13_conversion_table() -> None:
    says(
        "13-voltage-convention.md",
        "potential is V_Na = **−115 mV**",
        "| spike peak | ≈ +40 mV | ≈ −105 mV |",
        "| V_l = −10.6 mV |",
        "(E_Na = +50, E_K = −77 mV)",
        "V_Na = −115, V_K = +12 mV",
        "the peak is near V = −105 mV",
        "Positive, about +11 mV",
        "Right: −76 mV modern → −(−76 + 65) = +11 mV in HH's convention",
        "= −(V_modern + 65) = −(40.5 + 65) = −105.5 mV",
        "equilibrium potential as V_Na = −115 mV",
        "V_modern = −V_HH − 65 = 115 − 65 = +50 mV",
        "HH's V_K = +12 mV",
        "V_modern = −12 − 65 = −77 mV",
        "undershoot reaches about V = +11 mV",
        "Right: about −76 mV",
        "V_modern = −V_HH − 65 = −11 − 65",
        "About −76 mV",
        "11 mV below the −65 mV rest",
    )
    p = load_preset("squid")
    assert to_hh(p.ena) == pytest.approx(-115.0) and p.ena == 50.0
    assert to_hh(p.ek) == pytest.approx(12.0) and p.ek == -77.0
    assert to_hh(-54.4) == pytest.approx(-10.6)
    peak = measure({"preset": "squid", **SPIKE}, "peak_mV")
    ahp = measure({"preset": "squid", **SPIKE}, "ahp_min_mV")
    assert isinstance(peak, float) and isinstance(ahp, float)
    assert round(peak, 1) == 40.5 and round(to_hh(peak), 1) == -105.5 and round(to_hh(peak)) == -105
    assert round(peak, -1) == 40
    assert round(ahp) == -76 and round(to_hh(ahp)) == 11


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
    says(
        "13-voltage-convention.md",
        "The squid spike peaks at +40.5 mV (modern convention, rest −65 mV)",
    )
    assert round(measure({"preset": "squid", **SPIKE}, "peak_mV"), 1) == 40.5


def test_13_hh_alpha_m_is_neurons_after_conversion() -> None:
    says(
        "13-voltage-convention.md",
        "HH wrote α_m = 0.1·(V + 25)/(exp((V + 25)/10) − 1)",
        "(v = −V − 65) becomes NEURON's α_m = 0.1·(v + 40)/(1 − exp(−(v + 40)/10))",
        "HH's α_m = 0.1·(V + 25)/(exp((V + 25)/10) − 1) has a removable singularity at V = −25 mV",
        "V_modern = −(−25) − 65 = −40 mV — the (v + 40)",
        "V_modern = −V_HH − 65 = 25 − 65.",
        "also shift by the resting potential: 25 − 65.",
    )
    assert to_hh(-40.0) == -25.0  # the singularity, in both conventions
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
    says(
        "14-repetitive-firing.md",
        "| below 2.2 | nothing: below the rheobase |",
        "| 2.3 to about 6.2 | one to a few spikes at the start, then silence |",
        "| 6.3 | a regular train at about 53 Hz |",
        "| 10 | about 68 Hz |",
        "| 20 | about 87 Hz |",
        "| 50 | about 117 Hz |",
        "| 200 | one spike, then V settles near −41 mV: depolarisation block |",
        "squid axon fires at about 68 Hz at 10, 87 Hz at 20 and 99 Hz at 30 µA/cm²",
    )
    pts = _fi("squid", [2.0, 2.2, 2.3, 6.2, 6.3, 10.0, 20.0, 30.0, 50.0, 64.0, 200.0])
    assert pts[2.0]["spikes"] == 0 and pts[2.2]["spikes"] == 0
    assert pts[2.3]["spikes"] >= 1 and pts[2.3]["rate_hz"] == 0.0  # onset only
    assert 1 <= pts[6.2]["spikes"] <= 5 and pts[6.2]["rate_hz"] == 0.0
    for amp, hz in ((6.3, 53), (10.0, 68), (20.0, 87), (30.0, 99), (50.0, 117)):
        assert round(pts[amp]["rate_hz"]) == hz, amp
    assert pts[64.0]["rate_hz"] == 0.0  # spikes no longer reach 0 mV
    assert pts[200.0]["spikes"] == 1


def test_14_rheobase_of_repetitive_firing_is_6_2() -> None:
    amps = [round(6.0 + 0.01 * k, 2) for k in range(51)]
    pts = _fi("squid", amps)
    says(
        "14-repetitive-firing.md",
        "a *train* needs about 6.2 µA/cm², nearly three",
        "Its train starts at about 50 Hz",
        "a train needs about 6.2 µA/cm².",
        "About 6.2 µA/cm²:",
        "the single-spike rheobase (2.24 µA/cm²)",
        "2.24 µA/cm² is the rheobase of a single spike (a 200 ms step)",
        "twice its rheobase of 2.2 µA/cm²",
    )
    first = min(a for a in amps if pts[a]["rate_hz"] > 0)
    assert round(first, 1) == 6.2
    assert pts[first]["rate_hz"] >= 45  # class 2: the train starts near 50 Hz, not at 0
    rheobase = measure({"pulses": [[5, 200, 3]], "tstop": 250}, "threshold_uA_cm2", "squid")
    assert isinstance(rheobase, float) and round(rheobase, 2) == 2.24 and round(rheobase, 1) == 2.2
    assert round(first / rheobase) == 3  # "nearly three times"


def test_14_textbook_preset_can_fire_slowly() -> None:
    """Class 1: just above its train threshold the textbook neuron fires at a few tens of Hz."""
    pts = _fi("textbook", [round(0.1 * k, 1) for k in range(1, 21)])
    rates = [p["rate_hz"] for _, p in sorted(pts.items()) if p["rate_hz"] > 0]
    assert rates and rates[0] < 25.0


def test_14_no_adaptation_and_depolarisation_block() -> None:
    train = {"preset": "squid", "hold": 10.0, "tstop": 500.0}
    says(
        "14-repetitive-firing.md",
        "The first interval between spikes is 14.9 ms",
        "Right: about 14.6 ms",
        "About 14.6 ms — practically the first",
        "Right: about −41 mV, and still",
        "V settles near −41 mV with no spikes after",
        "stays depolarised near −41 mV without firing",
        "V sits near −41 mV",
    )
    first, last = measure(train, "first_isi_ms"), measure(train, "last_isi_ms")
    assert isinstance(first, float) and isinstance(last, float)
    assert round(first, 1) == 14.9 and round(last, 1) == 14.6
    assert abs(last / first - 1) < 0.05
    block = simulate_run({"preset": "squid", "hold": 200.0, "tstop": 100.0}, "squid")
    assert len(block.spikes_ms) == 1
    tail = block.v_mV[block.t_ms > 50]
    assert round(float(tail.mean())) == -41 and float(np.ptp(tail)) < 1.0
    i = len(block.h) - 1
    assert block.h[i] < 0.1 and block.n[i] > 0.6  # Na⁺ inactivated, K⁺ open
    onset = measure({"preset": "squid", "pulses": [[10, 500, 4]], "tstop": 520}, "spike_count")
    assert onset == 1


# -- lesson 9: the predict question added for it --------------------------------


def test_09_raised_ek_fires_the_squid_axon_repeatedly() -> None:
    run_ = {"preset": "squid", "set": {"ek": -65}, "tstop": 100}
    assert measure(run_, "spike_count") == 5
    assert measure({"preset": "squid", "tstop": 100}, "spike_count") == 0
