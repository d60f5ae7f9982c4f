"""Numbers the lessons state that the older number tests did not quote, recomputed.

Found by the number inventory (test_number_inventory.py): each test quotes the lesson's
words through `says(...)` and recomputes the number in them from the engine (or, for a
worked exercise, from the formula the lesson teaches, with the lesson's own inputs),
rounded as the lesson rounds it. Shared runs are cached so the file stays quick.
"""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
from lesson_claims import says

from tutor.lab.annotate import annotate
from tutor.lab.clamp import ClampProtocol, run_family
from tutor.lab.clamp_fit import fit_family
from tutor.lab.experiments import (
    FI_COUNT_FROM_MS,
    FI_ONSET_MS,
    RELATIVE_WITHIN,
    fi_curve,
    measure,
    membranes,
    run_membranes,
    simulate_run,
)
from tutor.sim import kernel as K
from tutor.sim.engine import params_row
from tutor.sim.ions import FARADAY, GAS_CONSTANT, nernst_mV, rt_over_f_mV
from tutor.sim.params import load_preset
from tutor.sim.rest import explain_rest

SPIKE = [[5, 1, 20]]
L09 = "09-nernst.md"


@cache
def _measured(spec_json: str, key: str) -> float:
    spec = json.loads(spec_json)
    value = measure(spec, key, spec["preset"])
    assert isinstance(value, float | int), (spec, key, value)
    return float(value)


def measured(spec: dict, key: str) -> float:
    """One measure of a run spec (cached: several lessons quote the same run)."""
    return _measured(json.dumps(spec, sort_keys=True), key)


def thin_axon(key: str) -> float:
    """One textbook spike in a thin 1 µm axon (volume/area 0.25 µm), as lesson 6 runs it."""
    spec = {"preset": "textbook", "pulses": SPIKE, "set": {"volarea": 0.25}, "tstop": 30}
    return measured(spec, key)


# -- lesson 09: the Nernst and GHK arithmetic, and the model numbers beside it ---------------


def test_09_constants_and_rt_over_f() -> None:
    says(
        L09,
        "R = 8.314 J/(mol·K), F = 96 485 C/mol",
        "At 37 °C (310 K), RT/F = 26.7 mV",
        "**E = 61.5 mV · log10([out]/[in])**",
        "At 20 °C, RT/F = 25.3 mV (58 mV per decade)",
        "at 6.3 °C (the squid experiments), RT/F = 24.1 mV (55.4 mV per decade)",
        "use **log10 with 61.5** (or ln with 26.7)",
        "V = 26.7 mV · ln(",
        "You combined 61.5 mV with the natural log. Use 61.5 · log10(...) or 26.7 · ln(...)",
        "You used 61.5 mV per decade, which is for 37 °C. At 6.3 °C use RT/F = 24.1 mV with ln"
        " (55.4 mV per decade",
        "You used 61.5 mV per decade (37 °C). At 6.3 °C use 24.1 mV with ln.",
        "at Hodgkin and Huxley's 6.3 °C (RT/F = 24.1 mV)",
        "At 6.3 °C (RT/F = 24.1 mV)",
        "(55.4 mV per decade at 6.3 °C)",
        "(RT/F = 26.64 mV)",
    )
    assert round(GAS_CONSTANT, 3) == 8.314 and round(FARADAY) == 96485
    assert round(37 + 273.15) == 310
    ln10 = math.log(10)
    assert round(rt_over_f_mV(37), 1) == 26.7 and round(rt_over_f_mV(37) * ln10, 1) == 61.5
    assert round(rt_over_f_mV(20), 1) == 25.3 and round(rt_over_f_mV(20) * ln10) == 58
    assert round(rt_over_f_mV(6.3), 1) == 24.1 and round(rt_over_f_mV(6.3) * ln10, 1) == 55.4
    assert round(rt_over_f_mV(36), 2) == 26.64
    assert load_preset("textbook").celsius == 36 and load_preset("squid").celsius == 6.3


def test_09_mammalian_worked_examples() -> None:
    """E_K, E_Na, E_Cl and E_Ca at 37 °C from the concentrations the exercises give."""
    says(
        L09,
        "E_K = 61.5 · log10(5/140) = 61.5 × (−1.447) ≈ **−89 mV**",
        "E_K = 61.5 · log10(5/140) = 61.5 × (−1.447) ≈ −89 mV.",
        "E_Na = 61.5 · log10(145/12) = 61.5 × 1.082 ≈ +67 mV.",
        "E_Cl = (61.5/−1) · log10(110/7) = −61.5 × 1.196 ≈",
        "E_Ca = (61.5/2) · log10(2/0.0001) = 30.8 × 4.30 ≈ +132 mV.",
        "With E_K = −89 mV, E_Cl = −74 mV and E_Na = +67 mV",
        "Cl⁻ (E_Cl = −74 mV)",
        "K⁺ (E_K = −89 mV)",
        "Na⁺ (E_Na = +67 mV)",
        "ΔE_K = 61.5 · log10(2) ≈ 18.5 mV",
        "doubling is log10(2) = 0.301 of a decade",
        "V = 26.7 · ln((5 + 0.05×145)/(140 + 0.05×12)) = 26.7 · ln(12.25/140.6) ≈ −65 mV:"
        " between E_K (−89)",
    )
    assert round(math.log10(5 / 140), 3) == -1.447 and round(61.5 * -1.447) == -89
    assert round(nernst_mV(140, 5, 1, 37)) == -89
    assert round(math.log10(145 / 12), 3) == 1.082 and round(nernst_mV(12, 145, 1, 37)) == 67
    assert round(math.log10(110 / 7), 3) == 1.196 and round(nernst_mV(7, 110, -1, 37)) == -74
    assert round(61.5 / 2, 1) == 30.8 and round(math.log10(2 / 0.0001), 2) == 4.30
    assert round(nernst_mV(0.0001, 2, 2, 37)) == 132
    assert round(61.5 * math.log10(2), 1) == 18.5 and round(math.log10(2), 3) == 0.301
    assert round(nernst_mV(140, 10, 1, 37) - nernst_mV(140, 5, 1, 37), 1) == 18.5
    num, den = 5 + 0.05 * 145, 140 + 0.05 * 12
    assert (round(num, 2), round(den, 1)) == (12.25, 140.6)
    assert round(rt_over_f_mV(37) * math.log(num / den)) == -65


def test_09_squid_worked_examples() -> None:
    says(
        L09,
        "E_K = 24.1 · ln(20/400) = 24.1 × (−3.00) ≈ −72 mV",
        "E_Na = 24.1 · ln(440/50) = 24.1 × 2.175 ≈ +52 mV — close to the +50 mV used in the"
        " squid preset.",
        "squid preset uses E_K = −77 mV at 6.3 °C",
        "[K⁺]o = 400 · exp(−77/24.1) = 400 × 0.041 ≈ 16 mM.",
    )
    squid = load_preset("squid")
    assert squid.ena == 50.0 and squid.ek == -77.0
    assert round(math.log(20 / 400), 2) == -3.00 and round(nernst_mV(400, 20, 1, 6.3)) == -72
    assert round(math.log(440 / 50), 3) == 2.175 and round(nernst_mV(50, 440, 1, 6.3)) == 52
    assert round(math.exp(-77 / 24.1), 3) == 0.041
    assert round(400 * math.exp(squid.ek / rt_over_f_mV(6.3))) == 16


def test_09_one_spike_barely_moves_the_gradients() -> None:
    """ena-one-spike uses lesson 6's thin-axon rise in [Na⁺]ᵢ (0.079 mM) on 12 mM."""
    says(
        L09,
        "from 12.000 to 12.079 mM (lesson 6)",
        "ΔE_Na = 26.7 mV × ln(12.079/12.000) ≈ 26.7 × 0.0066 ≈ 0.18 mV — negligible. In the"
        " squid giant axon it is 500 times smaller still.",
        "rises by only ~0.7 %, so E_Na falls by less than 0.2 mV.",
        "E_Na moves ~0.1 mV in a thin axon, E_K less",
        "Far less than 0.1 mV",
        "Right: about −0.13 mV. [Na⁺]ᵢ rose by 0.08 mM",
        "About −0.13 mV: [Na⁺]ᵢ rises by 0.08",
        "about 2 × 10⁻¹² mol/cm² of Na⁺",
        "(volume/area 2 µm)",
        "(volume/area 0.25 µm)",
    )
    rise = thin_axon("delta_nai_mM")
    assert round(rise, 3) == 0.079 and round(rise, 2) == 0.08
    shift = math.log((12 + 0.079) / 12)
    assert round(shift, 4) == 0.0066 and round(26.7 * shift, 2) == 0.18
    assert round(100 * 0.079 / 12, 1) == 0.7
    assert (
        round(thin_axon("delta_ena_mV"), 2) == -0.13 and round(thin_axon("delta_ena_mV"), 1) == -0.1
    )
    assert abs(thin_axon("delta_ek_mV")) < 0.1 / 5  # far less than 0.1 mV
    # mol/cm² of Na⁺: the rise times volume/area (0.25 µm = 0.25e-4 cm), mM = µmol/cm³
    assert round(rise * 1e-6 * 0.25e-4 * 1e12) == 2
    giant = (476.0 / 4) / 0.25  # the squid giant axon's volume/area over the thin axon's
    assert round(giant, -2) == 500
    assert load_preset("textbook").volarea == 2.0


def test_09_model_numbers() -> None:
    says(
        L09,
        "(2.8 mV in the textbook neuron)",
        "Right: five. With E_K 12 mV less negative",
        "E_K = 26.64 mV · ln(5/140) = 26.64 × (−3.332) ≈ −88.8 mV",
        "textbook neuron has [K⁺]ᵢ = 140 mM and [K⁺]ₒ = 5 mM at 36 °C",
    )
    textbook = load_preset("textbook")
    assert (textbook.ki, textbook.ko, textbook.celsius) == (140, 5, 36)
    r = explain_rest(load_preset("textbook"))
    assert round(r.ghk_mV - r.rest_mV, 1) == 2.8
    assert -65 - load_preset("squid").ek == 12
    assert round(math.log(5 / 140), 3) == -3.332 and round(r.nernst_mV["k"], 1) == -88.8


# -- lesson 01: rest, its currents and gates --------------------------------------------------

L01 = "01-resting-potential.md"


@cache
def rest_state(preset: str) -> tuple[float, float, float, float]:
    """V, m, h, n at rest (the first sample of an unstimulated run)."""
    res = simulate_run({"preset": preset, "tstop": 5}, preset)
    return float(res.v_mV[0]), float(res.m[0]), float(res.h[0]), float(res.n[0])


def test_01_resting_potentials_and_gates() -> None:
    says(
        L01,
        "its inside sits at about **−70 mV**",
        "Hodgkin and Huxley rests near −65 mV",
        "which by itself makes the −70 mV",
        "not at −70 mV.",
        "−70 mV is the textbook mammalian value; the squid axon of Hodgkin and Huxley rests"
        " nearer −65 mV.",
        "currents balance at about −65 mV.",
        "textbook neuron rests at −69.8 mV, above E_K (−88.8 mV).",
        "mammalian neuron rests at −69.8 mV: K⁺ leak pulls it towards E_K (−88.8 mV)",
        "outward current pulls it 2.8 mV down.",
        "(2.8 mV in the textbook neuron)",
        "at 36 °C E_K = −88.8 mV",
        "(about 1 in the textbook neuron, about 0.6 in the squid axon)",
        "(about 0.3 in the squid axon, much lower in the textbook neuron",
        "the textbook neuron h ≈ 1 and n ≈ 0.02; in the squid axon h ≈ 0.6 and n ≈ 0.3",
        "With gL = 0.3 mS/cm², E_L = −54.3 mV",
        "−77 mV is E_K in this preset.",
    )
    v_tb, _m, h_tb, n_tb = rest_state("textbook")
    v_sq, _m, h_sq, n_sq = rest_state("squid")
    assert round(v_tb) == -70 and round(v_tb, 1) == -69.8 and round(v_sq) == -65
    assert round(h_tb) == 1 and round(n_tb, 2) == 0.02 and round(h_sq, 1) == 0.6
    assert round(n_sq, 1) == 0.3 and n_tb < n_sq / 5
    r = explain_rest(load_preset("textbook"))
    assert round(r.nernst_mV["k"], 1) == -88.8 and round(r.ghk_mV - r.rest_mV, 1) == 2.8
    squid = load_preset("squid")
    assert (squid.gl, squid.el, squid.ek) == (0.3, -54.3, -77.0)
    assert load_preset("textbook").celsius == 36


@cache
def squid_rest_currents() -> tuple[float, float, float]:
    res = simulate_run({"preset": "squid", "tstop": 5}, "squid")
    return float(res.i_k[0]), float(res.i_na[0]), float(res.i_l[0])


def test_01_resting_currents() -> None:
    says(
        L01,
        "I_K is outward (≈ +4 µA/cm²)",
        "Textbook neuron: K⁺ leak +0.63, pump +0.31 outward, Na⁺ leak −0.94 µA/cm² inward."
        " Squid: I_K ≈ +4.4 outward, I_Na ≈ −1.2 and I_L ≈ −3.2 µA/cm² inward.",
        "K⁺ leaks out (+0.63 µA/cm²) and Na⁺ leaks in (−0.94 µA/cm²)",
        "The pump's current (+0.31 µA/cm² in the textbook",
        "pump current stays at 0.31 µA/cm² through the spike.",
        "pump's own outward current (0.31 µA/cm²) is gone",
    )
    i_k, i_na, i_l = squid_rest_currents()
    assert round(i_k) == 4 and round(i_k, 1) == 4.4
    assert round(i_na, 1) == -1.2 and round(i_l, 1) == -3.2
    cur = explain_rest(load_preset("textbook")).currents_uA_cm2
    assert round(cur["i_leak_k"], 2) == 0.63 and round(cur["i_leak_na"], 2) == -0.94
    assert round(cur["i_pump"], 2) == 0.31


def test_01_raised_ko_and_ouabain_questions() -> None:
    says(
        L01,
        "Right: −64.6 mV. Rest rose 5.2 mV while E_K rose 18.5 mV",
        "It settles at −64.6 mV: up 5.2 mV, much less than E_K's 18.5 mV.",
        "Right: about 2 mV.",
        "About 2.0 mV. In 10 ms only the",
        "Right: about 7.9 mV.",
        "([Na⁺]ᵢ 16 → 42 mM)",
        "About 7.9 mV — four times the first 10 ms.",
        "concentrations change by far less than 0.1 %",
    )
    tb = load_preset("textbook")
    low, high = explain_rest(tb), explain_rest(tb.with_overrides({"ko": 10.0}))
    assert round(high.rest_mV, 1) == -64.6 and round(high.rest_mV - low.rest_mV, 1) == 5.2
    assert round(high.nernst_mV["k"] - low.nernst_mV["k"], 1) == 18.5
    early = measured({"preset": "textbook", "block": ["ouabain"], "tstop": 10}, "v_shift_mV")
    late = measured({"preset": "textbook", "block": ["ouabain"], "tstop": 600000}, "v_shift_mV")
    nai = measured({"preset": "textbook", "block": ["ouabain"], "tstop": 600000}, "nai_end_mM")
    assert round(early) == 2 and round(early, 1) == 2.0 and round(late, 1) == 7.9
    assert round(tb.nai) == 16 and round(nai) == 42 and round(late / early) == 4
    one_spike = measured({"preset": "textbook", "pulses": SPIKE}, "delta_nai_mM")
    assert 100 * one_spike / tb.nai < 0.1


# -- lessons 02-04: threshold, upstroke, repolarisation --------------------------------------

L02 = "02-threshold.md"
L03 = "03-depolarization.md"
L04 = "04-repolarization.md"


@cache
def spike_events(preset: str) -> dict[str, float]:
    """Threshold voltage and time, peak and 0-mV crossing of the standard spike."""
    res = simulate_run({"preset": preset, "pulses": SPIKE}, preset)
    events = annotate(res)
    thr = next(e for e in events if e["kind"] == "threshold")
    peak = next(e for e in events if e["kind"] == "peak")
    return {
        "thr_mV": float(thr["v_mV"]),
        "thr_ms": float(thr["t_ms"]),
        "peak_mV": float(peak["v_mV"]),
        "spike_ms": float(res.spikes_ms[0]),
    }


def test_02_threshold_rest_and_charge() -> None:
    says(
        L02,
        'Textbooks quote "about −55 mV" for a mammalian neuron',
        "A fixed voltage, −55 mV, at which",
        "−55 mV is a typical value",
        "'Threshold is −55 mV, full stop.'",
        "The resting potential of the textbook neuron is about −70 mV, 15 mV below −55 mV",
        "(rest −70 mV, C_m = 1 µF/cm²)",
        "Rest is −70 mV, threshold about −55 mV, and C_m = 1 µF/cm².",
        "A 1 ms pulse of 2 µA/cm² delivers 2 nC/cm², which can raise a 1 µF/cm² membrane by at"
        " most 2 mV",
        "15 mV on 1 µF/cm² needs 15 nC/cm² of charge, delivered in 1 ms",
        "15 mV × 1 µF/cm² = 15 nC/cm², delivered in 1 ms is 15 µA/cm²",
        "About 6.9 µA/cm²: a charge of roughly 7 nC/cm² delivered in 1 ms",
    )
    tb = spike_events("textbook")
    v_rest = rest_state("textbook")[0]
    cm = load_preset("textbook").cm
    assert round(tb["thr_mV"]) == -55 and round(v_rest) == -70 and cm == 1.0
    assert round(tb["thr_mV"] - v_rest) == 15
    assert 2 * 1 / cm == 2 and 15 * cm / 1 == 15  # charge = I·t, ΔV = Q/C
    one_ms = measured({"preset": "squid", "pulses": [[5, 1, 10]]}, "threshold_uA_cm2")
    assert round(one_ms, 1) == 6.9 and round(one_ms * 1) == 7 and load_preset("squid").cm == 1


def test_03_peaks_latency_and_reversal() -> None:
    says(
        L03,
        "Yes — about +40 mV whatever the suprathreshold amplitude",
        "The squid spike peaks at about +40 mV for any of these amplitudes",
        "The squid spike rises from threshold to +40 mV in under a millisecond (0.9 ms)",
        "With C_m = 1 µF/cm² that needs",
        "In the squid preset (E_Na = +50 mV)",
        "The peak (about +40 mV) is roughly",
        "+50 mV is E_Na.",
        "About 1.3 ms:",
        "6.3 ms is the spike time measured",
        "The peak falls to under +30 mV.",
        "one squid spike at 6.3 °C lets in",
        "(20 nC/cm² could give at most 20 mV)",
    )
    squid = load_preset("squid")
    assert squid.ena == 50.0 and squid.cm == 1.0 and squid.celsius == 6.3
    sq = spike_events("squid")
    assert round(sq["peak_mV"], -1) == 40 and round(sq["spike_ms"], 1) == 6.3
    assert round(sq["spike_ms"] - 5.0, 1) == 1.3
    assert 20 * 1.0 / squid.cm == 20  # 20 µA/cm² for 1 ms on 1 µF/cm²
    half = measured({"preset": "squid", "pulses": SPIKE, "set": {"gna": 60}}, "peak_mV")
    assert half < 30


def test_04_tea_and_repolarisation_time() -> None:
    says(
        L04,
        "TEA is modelled as removing *all* the K⁺ conductance (ḡ_K = 0)",
        "stays on a plateau near 0 mV instead of returning",
        "A neuron repolarises in about 0.5–1 ms.",
    )
    tea = simulate_run({"preset": "squid", "block": ["tea"], "tstop": 60}, "squid")
    assert float(np.max(np.abs(tea.i_k))) == 0.0  # no voltage-gated K⁺ current at all
    assert abs(float(tea.v_mV[-1])) < 2.0
    res = simulate_run({"preset": "textbook", "pulses": SPIKE}, "textbook")
    events = annotate(res)
    peak = next(e["t_ms"] for e in events if e["kind"] == "peak")
    back = next(
        e["t_ms"]
        for e in events
        if e["kind"] == "phase" and e.get("phase") == "hyperpolarization" and e["t_ms"] > 0
    )
    assert 0.5 <= back - peak <= 1.0


# -- lessons 05-08: the AHP, ion counts, refractoriness, channels and temperature ------------

L05 = "05-hyperpolarization.md"
L06 = "06-return-to-rest.md"
L07 = "07-refractory.md"
L08 = "08-ion-channels.md"


def test_05_squid_ahp_and_e_k() -> None:
    says(
        L05,
        "−76 mV in the squid axon",
        "The squid axon (E_K = −77 mV, rest ≈ −65 mV)",
        "Right — about −76 mV, just above E_K (−77 mV)",
        "It reaches about −76 mV: below rest, approaching but not passing E_K (−77 mV).",
        "follows E_K down to about −89 mV.",
        "It deepens to about −89 mV.",
        "the squid preset (rest −65 mV, E_K = −77 mV)",
        "About −76 mV: 11 mV below rest, within about 1 mV of E_K",
        "−65 mV is the resting potential.",
        "AHP cannot go below E_K (−77 mV here)",
        "E_K rises by about 18.5 mV",
        "Right: 61.5 × log10(2) ≈ 18.5 mV at 37 °C.",
    )
    squid = load_preset("squid")
    v_rest = rest_state("squid")[0]
    ahp = measured({"preset": "squid", "pulses": SPIKE}, "ahp_min_mV")
    deeper = measured({"preset": "squid", "pulses": SPIKE, "set": {"ek": -90}}, "ahp_min_mV")
    assert squid.ek == -77.0 and round(v_rest) == -65 and round(ahp) == -76
    assert round(v_rest - ahp) == 11 and round(ahp - squid.ek) == 1 and round(deeper) == -89
    assert round(61.5 * math.log10(2), 1) == 18.5


def test_06_charge_and_ion_arithmetic() -> None:
    says(
        L06,
        "Moving the membrane by 100 mV requires only the charge Q = C·ΔV = 1 µF/cm² × 0.1 V ="
        " 0.1 µC/cm²",
        "In a thin 1 µm axon (volume/area 0.25 µm) that raises [Na⁺]ᵢ",
        "against 16 mM inside",
        "(diameter ~0.5 mm) the change is 500",
        "Q = C·ΔV = 1 µF/cm² × 0.1 V = 0.1 µC/cm² = 100 nC/cm² — about 10⁻¹² mol",
        "0.1 is right in µC/cm²",
        "(1 µC = 1000 nC)",
        "Check the units: 1 µF × 0.1 V = 0.1 µC, which is 100",
        "(F = 96 485 C/mol)",
        "10⁻⁷ C/cm² ÷ 96 485 C/mol ≈ 1.04 × 10⁻¹² mol/cm². Divide by d/4 = 2.5 × 10⁻⁵ cm:"
        " 4.1 × 10⁻⁸ mol/cm³ = 41 µM",
        "In the squid giant axon (500 µm) it is 500 times less.",
        "tens of µM in a 1 µm axon",
        "(well under 1 %)",
        "charge needed to move V by 100 mV is about 10⁻¹² mol/cm²",
        "raise [Na⁺]ᵢ (16 mM at rest)",
        "Right: about 0.08 mM, half a percent; E_Na falls by about 0.13 mV.",
        "About 0.08 mM — half a percent of 16 mM — so E_Na falls by only ~0.13 mV.",
    )
    tb = load_preset("textbook")
    assert tb.cm == 1.0 and round(tb.nai) == 16
    charge_C = 1e-6 * 0.1  # 1 µF/cm² × 0.1 V
    assert round(charge_C * 1e6, 1) == 0.1 and round(charge_C * 1e9) == 100
    mol = charge_C / FARADAY
    assert round(mol * 1e12, 2) == 1.04 and round(mol * 1e12) == 1
    per_cm3 = mol / (1e-4 / 4)
    assert 1e-4 / 4 == 2.5e-5 and round(per_cm3 * 1e8, 1) == 4.1 and round(per_cm3 * 1e9) == 41
    assert round(1e-4 / 4 * 1e4, 2) == 0.25  # d/4 in µm
    assert round(476 / 1000, 1) == 0.5 and round(476 / 1, -2) == 500  # giant axon diameter
    rise = thin_axon("delta_nai_mM")
    assert 10 <= rise * 1000 < 100 and 100 * rise / tb.nai < 1  # tens of µM, well under 1 %
    assert round(rise, 2) == 0.08 and round(100 * rise / tb.nai, 1) == 0.5
    assert round(thin_axon("delta_ena_mV"), 2) == -0.13


def test_06_h_is_the_slowest_gate_at_rest() -> None:
    says(L06, "≈ 8.5 ms vs ≈ 5.5 ms in the squid axon at 6.3 °C")
    squid = load_preset("squid")
    v = rest_state("squid")[0]
    rates = K.gate_rates_array(np.array([v]), params_row(squid))[:, 0]
    tau_h, tau_n = 1 / (rates[2] + rates[3]), 1 / (rates[4] + rates[5])
    assert round(tau_h, 1) == 8.5 and round(tau_n, 1) == 5.5 and squid.celsius == 6.3


def test_07_relative_refractory_ends_within_5_percent() -> None:
    says(L07, "ending when the threshold is back within 5 % of normal")
    assert RELATIVE_WITHIN == 0.05


def test_08_conductance_exercises_and_temperature() -> None:
    says(
        L08,
        "With ḡ_Na = 120 mS/cm²",
        "g_Na = ḡ_Na·m³·h = 120 × 0.729 × 0.1 ≈ 8.75 mS/cm².",
        "Check the factor h = 0.1: 120 × 0.729 × 0.1 = 8.75.",
        "With ḡ_K = 36 mS/cm²",
        "g_K = ḡ_K·n⁴ = 36 × 0.0625 = 2.25 mS/cm².",
        "by Q10^((T − 6.3)/10)",
        "Warming the squid axon from 6.3 to 18.5 °C",
        "At 6.3 °C the squid spike is",
        "The squid axon is warmed from 6.3 to",
        "which fires easily at 6.3 °C",
        "faster at 18.5 °C than at 6.3 °C?",
        "the spike at 18.5 °C is",
    )
    squid = load_preset("squid")
    assert (squid.gna, squid.gk, squid.celsius, squid.q10) == (120.0, 36.0, 6.3, 3.0)
    assert round(0.9**3, 3) == 0.729 and round(120 * 0.729 * 0.1, 2) == 8.75
    assert 0.5**4 == 0.0625 and 36 * 0.0625 == 2.25
    for celsius in (18.5, 35.0):
        expected = squid.q10 ** ((celsius - 6.3) / 10)
        assert squid.at_temperature(celsius).rate_factor == expected
    assert measured({"preset": "squid", "pulses": SPIKE}, "spike_count") == 1


# -- lesson 10: strength-duration --------------------------------------------------------------

L10 = "10-strength-duration.md"


@cache
def squid_threshold(width_ms: float) -> float:
    return measured({"preset": "squid", "pulses": [[5, width_ms, 10]]}, "threshold_uA_cm2")


def test_10_thresholds_quoted_in_questions() -> None:
    says(
        L10,
        "the threshold of a 0.1 ms pulse is about 65 µA/cm².",
        "Q = I·t = 65 µA/cm² × 0.1 ms = 6.5",
        "(6.9 µA/cm² × 1 ms ≈ 6.9 nC/cm²)",
        "Check units: µA × ms = nC. 65 × 0.1 = 6.5.",
        "(10⁻⁶ A × 10⁻³ s = 10⁻⁹ C), so 65 × 0.1 = 6.5 nC/cm², not 0.0065.",
        "About 65 µA/cm²: ten times shorter than 1 ms needs about ten times",
        "6.9 µA/cm² is the 1 ms threshold.",
        "About 2.2 µA/cm², roughly a third of the 1 ms threshold.",
        "6.9 µA/cm² is the threshold of a 1 ms pulse.",
        "About 6.2 µA/cm² is what a *train*",
        "only the rheobase, about 2.2 µA/cm².",
        "a 0.1 ms pulse needs about 65 µA/cm².",
        "the 1 ms threshold is 6.9 µA/cm².",
        "threshold is about 2.3 µA/cm² — but late:",
        "threshold is only about 2.3 µA/cm², but a weak current",
        "Right — about 13 µA/cm²: halving a brief",
        "It is about 13 µA/cm²: for brief pulses",
        "is above the rheobase (2.2), so the step fires",
        "exceeds the rheobase (about 2.2 µA/cm²)",
    )
    brief, half, one, five = (squid_threshold(w) for w in (0.1, 0.5, 1.0, 5.0))
    rheobase = measured(
        {"preset": "squid", "pulses": [[5, 200, 3]], "tstop": 250}, "threshold_uA_cm2"
    )
    assert round(brief) == 65 and round(half) == 13 and round(one, 1) == 6.9
    assert round(five, 1) == 2.3 and round(rheobase, 1) == 2.2
    assert round(brief / one) == 9 or round(brief / one) == 10  # "about ten times"
    assert round(3 * rheobase / one) == 1  # "roughly a third"
    assert round(65 * 0.1, 1) == 6.5 and 1e-6 * 1e-3 == 1e-9 and round(6.9 * 1, 1) == 6.9
    train = {"preset": "squid", "hold": 6.23, "tstop": 500}
    assert measured(train, "rate_hz") > 0 and round(6.23, 1) == 6.2


def test_10_weiss_exercise_and_latencies() -> None:
    says(
        L10,
        "I_th = 2 × (1 + 0.5/0.1) = 2 × 6 = 12 µA.",
        "a 1 ms pulse of 20 µA/cm² gives 1.3 ms.",
        "About 3 ms: a weak stimulus",
        "About 8 ms is the spike time from",
        "the 5 mV/ms the stimulus alone gives",
    )
    assert 2 * (1 + 0.5 / 0.1) == 12 and 1 + 0.5 / 0.1 == 6
    standard = measured({"preset": "squid", "pulses": SPIKE}, "latency_ms")
    weak = measured({"preset": "squid", "pulses": [[5, 5, 5]]}, "latency_ms")
    assert round(standard, 1) == 1.3 and round(weak) == 3 and round(5 + weak) == 8
    assert 5 / load_preset("squid").cm == 5  # 5 µA/cm² on 1 µF/cm²


# -- lesson 15: the voltage clamp --------------------------------------------------------------

L15 = "15-voltage-clamp.md"


def clamp(key: str, block: tuple[str, ...] = (), **protocol: object) -> float:
    spec: dict = {"preset": "squid", "clamp": {"steps": [0], "hold": -65, "dur": 20, **protocol}}
    if block:
        spec["block"] = list(block)
    return measured(spec, key)


def test_15_the_step_to_0_mV() -> None:
    says(
        L15,
        "peaks at **−1457 µA/cm²** only **0.62 ms**",
        "(it is down to −15 µA/cm² after 20 ms)",
        "is half-way after **2.35 ms**",
        "still there at the end: **+1890 µA/cm²** at 20 ms",
        "current peaks at about −1457 µA/cm², 0.62 ms after",
        "About 0.62 ms: m opens",
        "Yes: I_Na peaks at about 0.6 ms, while I_K needs over 2 ms to get half-way.",
        "I_Na peaks at about 0.6 ms, I_K is half-way only after more than 2 ms.",
        "is about +1890 µA/cm².",
    )
    peak, peak_ms = clamp("ina_peak_uA_cm2"), clamp("ina_peak_ms")
    assert round(peak) == -1457 and round(peak_ms, 2) == 0.62 and round(peak_ms, 1) == 0.6
    assert round(clamp("ina_end_uA_cm2")) == -15
    half = clamp("ik_half_ms")
    assert round(half, 2) == 2.35 and half > 2
    assert round(clamp("ik_end_uA_cm2")) == 1890


def test_15_drugs_reversal_and_prepulses() -> None:
    says(
        L15,
        "the peak I_Na is **0 µA/cm²**",
        "is untouched: still **+1890 µA/cm²** at 20 ms",
        "It is the same, about +1890 µA/cm²",
        "**reverses at +50 mV**",
        "After a prepulse to −40 mV only **0.10** of the",
        "(peak I_Na 0.10 × that without the prepulse)",
        "after a prepulse to −100 mV it is **1.65** times",
        "Only about 0.1 is left",
        "completely in the model (gNa = 0).",
    )
    assert clamp("ina_peak_uA_cm2", ("ttx",)) == 0.0
    assert round(clamp("ik_end_uA_cm2", ("ttx",))) == 1890
    steps = [float(v) for v in range(30, 71, 5)]
    spec = {"preset": "squid", "clamp": {"steps": steps, "hold": -65, "dur": 20}}
    assert round(measured(spec, "ina_reversal_mV")) == 50
    low = clamp("ina_peak_ratio", prepulse=[-40], pre_dur=50)
    high = clamp("ina_peak_ratio", prepulse=[-100], pre_dur=50)
    assert round(low, 2) == 0.10 and round(low, 1) == 0.1 and round(high, 2) == 1.65
    assert load_preset("squid").gna == 120.0  # and TTX removes all of it:
    assert run_membranes({"preset": "squid", "block": ["ttx"]}, "squid").run.gna == 0.0


def test_15_the_fit_recovers_n() -> None:
    says(L15, "**n∞ = 0.909** and **τn = 1.65 ms**")
    family = run_family(load_preset("squid"), ClampProtocol((0.0,), hold_mV=-65.0))
    fit_family(family)
    fit = family.points[0]["fit"]
    assert round(fit["n_inf"], 3) == 0.909 and round(fit["tau_n_ms"], 2) == 1.65


# -- lesson 11: the exercises' arithmetic ------------------------------------------------------


def test_11_time_constant_decay_and_synaptic_current() -> None:
    says(
        "11-synaptic-summation.md",
        "τ = R_m·C_m = 20 000 Ω·cm² × 10⁻⁶ F/cm² = 0.02 s = 20 ms.",
        "0.02 is in seconds",
        "4.0 × e⁻¹ = 1.47 mV",
        "after one time constant 37 % remains.",
        "after one τ, e⁻¹ ≈ 37 % remains.",
        "falls to 1/e (37 %)",
        "I = g·(V − E_rev) = 1 nS × (−70 mV − 0 mV) = −70 pA: an inward current of 70 pA",
        "(10⁻⁹ S × 10⁻³ V = 10⁻¹² A), so 1 × (−70) = −70 pA.",
    )
    assert 20e3 * 1e-6 == 0.02 and round(0.02 * 1000) == 20
    assert round(4.0 * math.exp(-1), 2) == 1.47 and round(100 * math.exp(-1)) == 37
    assert 1 * (-70 - 0) == -70 and round(1e-9 * 1e-3, 15) == 1e-12


# -- lessons 03, 12 and 14: the rest of what they compute ----------------------------------------


def test_03_net_inward_current_at_the_steepest_rise() -> None:
    says(L03, "inward current is about 310 µA/cm², far more than")
    res = simulate_run({"preset": "squid", "pulses": SPIKE}, "squid")
    assert round(-float(res.i_ion[int(np.argmax(res.dvdt))]), -1) == 310


def test_12_travel_time_exercises() -> None:
    says(
        "12-axon-propagation.md",
        "t = d/v = 1 m / 60 m/s = 0.0167 s = 16.7 ms. Handy: 1 m/s = 1 mm/ms.",
        "1 m at 1 m/s = 1 s = 1000 ms",
        "6 × 12 = 72 m/s.",
        "√4 = 2.",
    )
    assert round(1 / 60, 4) == 0.0167 and round(1000 / 60, 1) == 16.7 and 1 * 1000 / 1000 == 1
    assert 1 / 1 * 1000 == 1000 and 6 * 12 == 72 and math.sqrt(4) == 2


def test_14_the_fi_protocol_is_the_sweeps() -> None:
    says(
        "14-repetitive-firing.md",
        "a step from 10 ms lasting 500 ms, rate = 1000 / mean ISI of the spikes after 110 ms)",
        "For the squid preset at 6.3 °C:",
        "far too slow to shape a 10 ms interval",
    )
    fast = fi_curve(membranes("squid"), [30.0])["points"][0]["rate_hz"]
    assert round(1000 / fast) == 10  # the ISI at 30 µA/cm² (99 Hz)
    assert (FI_ONSET_MS, FI_COUNT_FROM_MS) == (10.0, 110.0) and load_preset("squid").celsius == 6.3
    assert fi_curve(membranes("squid"), [10.0])["duration_ms"] == 500.0
