"""The numbers lessons 02, 03, 04, 07, 10 and 14 write into prose, prompts and feedback,
recomputed from the engine.

Predict keys are measured at run time and `from_model` answers are checked by
test_content_model.py; test_lesson_numbers.py covers the corrections of issue 16. This
file holds the rest: each test quotes the lesson's words (which must still be there) and
recomputes the number behind them, rounded as the lesson rounds it, so a lesson cannot
drift from the model it teaches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from lesson_claims import says

from tutor.lab.annotate import annotate
from tutor.lab.experiments import (
    fi_curve,
    measure,
    membranes,
    refractory_curve,
    simulate_run,
    strength_duration,
)
from tutor.sim import kernel as K
from tutor.sim.engine import params_row
from tutor.sim.params import load_preset

CONTENT = Path(__file__).resolve().parents[2] / "content"
SPIKE = {"pulses": [[5, 1, 20]]}


def text_of(name: str) -> str:
    """A lesson's text with line breaks folded, so a quoted phrase may span lines."""
    return " ".join((CONTENT / name).read_text(encoding="utf-8").split())


def first_event(events: list, kind: str, phase: str | None = None) -> dict:
    return next(
        e
        for e in events
        if e["kind"] == kind and (phase is None or e.get("phase") == phase) and e["t_ms"] > 0
    )


def at(res, t_ms: float) -> int:
    return int(np.argmin(np.abs(res.t_ms - t_ms)))


def tau_ratio_h_over_m(preset: str, v_mV: np.ndarray) -> np.ndarray:
    am, bm, ah, bh, _an, _bn = K.gate_rates_array(v_mV, params_row(load_preset(preset)))
    return (am + bm) / (ah + bh)


# -- lesson 02 ------------------------------------------------------------------------------


def test_02_weak_pulse_bump_and_all_or_none() -> None:
    says("02-threshold.md", "about −68 mV, a subthreshold bump of under 2 mV")
    weak = simulate_run({"preset": "textbook", "pulses": [[5, 1, 2]]}, "textbook")
    assert round(float(weak.v_mV.max())) == -68
    assert 1.5 < float(weak.v_mV.max() - weak.v_mV[0]) < 2.0
    # "A stronger stimulus makes the spike start *sooner*; it does not make it much taller"
    # and thr-student-claim: 20 µA/cm² fires a spike about as tall as 40 µA/cm²
    says(
        "02-threshold.md",
        "A stronger stimulus makes the spike start *sooner*; it does not make it much taller",
        "A 20 µA/cm² pulse fires a spike about as tall as the one fired by a 40 µA/cm² pulse",
    )
    peak = {a: measure({"pulses": [[5, 1, a]]}, "peak_mV", "textbook") for a in (20, 40)}
    latency = {a: measure({"pulses": [[5, 1, a]]}, "latency_ms", "textbook") for a in (20, 40)}
    assert abs(peak[40] - peak[20]) < 5.0  # a few mV on a spike of over 100 mV
    assert latency[40] < 0.6 * latency[20]


def test_02_textbook_rest_and_threshold_voltage() -> None:
    says("02-threshold.md", "Rest is −70 mV, threshold about −55 mV")
    res = simulate_run({"preset": "textbook", **SPIKE}, "textbook")
    assert round(float(res.v_mV[0])) == -70
    assert first_event(annotate(res), "threshold")["v_mV"] == pytest.approx(-55, abs=1.0)


def test_02_anode_break_h_rises_and_n_falls_then_release_fires() -> None:
    says("02-threshold.md", "h rose and n fell")
    res = simulate_run(
        {"preset": "squid", "pulses": [[5, 20, -10]], "tstop": 60}, "squid"
    )  # anode-break
    end = at(res, 24.99)  # the last sample of the hyperpolarising step
    assert res.h[end] > res.h[0] + 0.3 and res.n[end] < res.n[0] - 0.2
    assert len(res.spikes_ms) == 1 and res.spikes_ms[0] > 25.0  # fires after the release


def test_02_squid_rheobase_and_the_1_ms_threshold() -> None:
    says("02-threshold.md", "About 2.2 µA/cm² is the rheobase", "about three times more")
    rheobase = measure({"pulses": [[5, 200, 3]], "tstop": 250}, "threshold_uA_cm2", "squid")
    one_ms = measure({"pulses": [[5, 1, 10]]}, "threshold_uA_cm2", "squid")
    assert round(rheobase, 1) == 2.2 and round(rheobase, 2) == 2.24
    assert round(one_ms / rheobase) == 3


# -- lesson 03 ------------------------------------------------------------------------------


def test_03_textbook_upstroke_and_squid_rise_time() -> None:
    says("03-depolarization.md", "from −55 to +40 mV in 0.79 ms", "in under a millisecond (0.9 ms)")
    tb = annotate(simulate_run({"preset": "textbook", **SPIKE}, "textbook"))
    thr, peak = first_event(tb, "threshold"), first_event(tb, "peak")
    assert round(thr["v_mV"]) == -55 and round(peak["v_mV"]) == 40
    assert round(peak["t_ms"] - thr["t_ms"], 2) == 0.79
    sq = annotate(simulate_run({"preset": "squid", **SPIKE}, "squid"))
    assert round(first_event(sq, "peak")["t_ms"] - first_event(sq, "threshold")["t_ms"], 1) == 0.9


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_03_h_is_three_to_six_times_slower_than_m_during_the_spike(preset: str) -> None:
    says(
        "03-depolarization.md",
        "three to six times more slowly than m opens at the voltages of the spike (−20 to +20 mV)",
        "at −50 mV and below, near rest, h is ten or more times slower than m",
    )
    spike = tau_ratio_h_over_m(preset, np.linspace(-20.0, 20.0, 41))
    assert spike.min() >= 3.0 and spike.max() < 6.5
    rest = tau_ratio_h_over_m(preset, np.linspace(-75.0, -50.0, 26))
    assert rest.min() >= 10.0


def test_03_gates_at_rest() -> None:
    says("03-depolarization.md", "At rest m is low and h is high (0.60 in the squid preset, 1.0 in")
    for preset, h_rest in (("squid", 0.60), ("textbook", 1.0)):
        res = simulate_run({"preset": preset, "tstop": 5}, preset)
        assert round(float(res.h[0]), 2) == h_rest and res.m[0] < 0.1


def test_03_equilibrium_potentials_of_the_presets() -> None:
    says(
        "03-depolarization.md",
        "With E_Na at +50 mV in the squid preset (+59 mV in the textbook preset",
    )
    assert load_preset("squid").ena == 50.0 and round(load_preset("textbook").ena) == 59


def test_03_ttx_bump_and_peaks_set_by_the_channels() -> None:
    says("03-depolarization.md", "a passive bump of under 20 mV")
    ttx = simulate_run({"preset": "textbook", **SPIKE, "block": ["ttx"]}, "textbook")
    assert 15.0 < float(ttx.v_mV.max() - ttx.v_mV[0]) < 20.0
    # dep-peak-amp: "about +40 mV whatever the suprathreshold amplitude" (15–30 µA/cm²)
    peaks = [measure({"pulses": [[5, 1, a]]}, "peak_mV", "squid") for a in (15, 20, 25, 30)]
    assert all(round(p) in (40, 41) for p in peaks)
    # dep-peak-squid: "roughly 10 mV short of E_Na"
    says("03-depolarization.md", "roughly 10 mV short of E_Na")
    assert round(load_preset("squid").ena - peaks[1]) == 10
    # dep-double: "20 and 40 µA/cm² give peaks within a few mV of each other" (textbook)
    says("03-depolarization.md", "20 and 40 µA/cm² give peaks within a few mV of each other")
    two = [measure({"pulses": [[5, 1, a]]}, "peak_mV", "textbook") for a in (20, 40)]
    assert abs(two[1] - two[0]) < 5.0
    # dep-half-gna: "the peak drops (to under +30 mV)"
    says("03-depolarization.md", "the peak drops (to under +30 mV)")
    half = measure({"preset": "squid", **SPIKE, "set": {"gna": 60}}, "peak_mV")
    assert 20.0 < half < 30.0


def test_03_steepest_rise_needs_fifteen_times_the_stimulus() -> None:
    says("03-depolarization.md", "about 310 µA/cm² — fifteen times the stimulus")
    res = simulate_run({"preset": "squid", **SPIKE}, "squid")
    j = int(np.argmax(res.dvdt))
    net_inward = -float(res.i_ion[j])
    assert net_inward == pytest.approx(310, rel=0.03)
    assert round(net_inward / 20.0) in (15, 16)


def test_03_na_entry_of_one_squid_spike() -> None:
    """dep-peak-limit: 'about 15 pmol of Na⁺ per cm² … raises [Na⁺]ᵢ of a 476 µm giant axon
    by about 1 µM' (inward Na⁺ charge over the spike ÷ F; volume/area of a cylinder = d/4)."""
    says(
        "03-depolarization.md",
        "lets in about 15 pmol of Na⁺ per cm² of membrane",
        "raises [Na⁺]ᵢ of a 476 µm giant axon by about 1 µM",
    )
    faraday_C_mol = 96485.332
    res = simulate_run({"preset": "squid", **SPIKE, "tstop": 30}, "squid")
    inward = np.minimum(res.i_na, 0.0)  # µA/cm², inward negative
    charge_nC_cm2 = -float(np.sum((inward[1:] + inward[:-1]) / 2 * np.diff(res.t_ms)))
    pmol_cm2 = charge_nC_cm2 * 1e-9 / faraday_C_mol * 1e12
    assert round(pmol_cm2) == 15
    volume_per_area_cm = 476e-4 / 4  # cm³ of axoplasm per cm² of membrane
    rise_uM = pmol_cm2 * 1e-12 / volume_per_area_cm * 1e3 * 1e6  # mol/cm³ → mol/L → µM
    assert round(rise_uM) == 1


# -- lesson 04 ------------------------------------------------------------------------------


def test_04_not_the_pump_repolarises() -> None:
    """'0.6 ms from the peak back to rest in the textbook preset'; the pump current 'stays at
    0.31 µA/cm² through the spike, while I_K reaches hundreds of µA/cm²'; one spike raises
    [Na⁺]ᵢ by 0.01 mM of 16; ouabain 'leaves single spikes essentially unchanged'."""
    says(
        "04-repolarization.md",
        "(0.6 ms from the peak back to rest in the textbook preset)",
        "the pump current stays at 0.31 µA/cm² through the spike, while I_K reaches hundreds of",
        "one spike raises the textbook neuron's [Na⁺]ᵢ by 0.01 mM, out of 16 mM",
        "Blocking them with ouabain leaves single spikes essentially unchanged",
    )
    res = simulate_run({"preset": "textbook", **SPIKE}, "textbook")
    events = annotate(res)
    peak = first_event(events, "peak")["t_ms"]
    below_rest = first_event(events, "phase", "hyperpolarization")["t_ms"]
    assert round(below_rest - peak, 1) == 0.6
    assert round(float(res.i_pump.min()), 2) == round(float(res.i_pump.max()), 2) == 0.31
    assert 100.0 < float(res.i_k.max()) < 1000.0
    run_ = {"preset": "textbook", **SPIKE}
    assert round(measure(run_, "delta_nai_mM"), 2) == 0.01
    assert round(load_preset("textbook").nai) == 16
    ouabain = {**run_, "block": ["ouabain"]}
    assert abs(measure(ouabain, "peak_mV") - measure(run_, "peak_mV")) < 0.5
    assert measure(ouabain, "width_ms") == pytest.approx(measure(run_, "width_ms"), rel=0.01)


def test_pump_and_concentration_statements() -> None:
    """The textbook neuron has a pump and concentrations that move; the squid has neither."""
    says("02-threshold.md", "in the textbook neuron the pump current stays at 0.31 µA/cm² through")
    says("04-repolarization.md", "in the textbook neuron the pump current stays at 0.31 µA/cm²")
    says(
        "07-refractory.md",
        "in the textbook neuron the pump current stays at 0.31 µA/cm²",
        "raises the textbook neuron's [Na⁺]ᵢ by 0.01 mM, out of 16 mM",
        "0.01 mM more Na⁺ inside the textbook neuron, out of 16 mM",
    )
    says("08-ion-channels.md", "change by a hundredth of a millimolar per spike in the textbook")
    squid = load_preset("squid")
    assert squid.ipump == 0.0 and squid.volarea == 0.0  # no pump, fixed concentrations
    res = simulate_run({"preset": "textbook", **SPIKE}, "textbook")
    assert round(float(res.i_pump.mean()), 2) == 0.31 and float(np.ptp(res.i_pump)) < 0.005
    delta = measure({"preset": "textbook", **SPIKE}, "delta_nai_mM")
    assert round(delta, 2) == 0.01 and round(load_preset("textbook").nai) == 16


def test_04_tea_fires_once_then_a_plateau_near_0_mV() -> None:
    says(
        "04-repolarization.md",
        "the axon depolarises and fires on its own",
        "stays stuck on a long plateau near 0 mV",
        "Most Na⁺ channels are inactivated on the plateau",
        "it balances the few Na⁺ channels that stay open near 0 mV",
    )
    res = simulate_run({"preset": "squid", "block": ["tea"], "tstop": 300}, "squid")
    assert len(res.spikes_ms) == 1  # fires once, with no stimulus
    plateau = res.t_ms > 20.0
    assert np.all(np.abs(res.v_mV[plateau]) < 2.0)  # near 0 mV to the end (300 ms)
    end = len(res.t_ms) - 1
    assert res.h[end] < 0.01  # most Na⁺ channels inactivated
    assert res.i_k[end] == 0.0 and res.i_l[end] > 10.0  # only the leak is outward
    assert res.i_l[end] == pytest.approx(-res.i_na[end], rel=0.01)  # and it balances I_Na


def test_04_k_after_the_spike_and_the_half_gk_spike() -> None:
    says(
        "04-repolarization.md",
        "about −77 mV in the squid, −89 mV in the textbook preset",
        "n is still well above its resting value",
        "ḡ_K from 26 to 13 mS/cm²",
        "broader by a fifth",
        "hold the membrane at −65 mV",
    )
    assert load_preset("squid").ek == -77.0 and round(load_preset("textbook").ek) == -89
    assert load_preset("textbook").gk == 26.0
    res = simulate_run({"preset": "textbook", **SPIKE}, "textbook")
    entry = first_event(annotate(res), "phase", "hyperpolarization")["t_ms"]
    assert res.n[at(res, entry)] > 10 * res.n[0]
    base = measure(SPIKE, "width_ms", "textbook")
    half = measure({**SPIKE, "set": {"gk": 13.0}}, "width_ms", "textbook")
    assert half / base == pytest.approx(1.2, abs=0.05)
    assert round(measure({"preset": "squid", "tstop": 20}, "rest_mV")) == -65


# -- lesson 13 ------------------------------------------------------------------------------


def test_13_table_rest_and_leak_rows() -> None:
    says(
        "13-voltage-convention.md",
        "| resting potential | ≈ −65 mV (squid) | 0 |",
        "−54.4 mV (the preset, like NEURON, uses −54.3)",
        "E_Na | +50 mV | V_Na = −115 mV",
        "E_K | −77 mV | V_K = +12 mV",
    )
    squid = load_preset("squid")
    assert squid.el == -54.3 and squid.ena == 50.0 and squid.ek == -77.0
    assert round(measure({"preset": "squid", "tstop": 20}, "rest_mV")) == -65


# -- lesson 07 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "isis", "absolute_ms"),
    [
        ("textbook", [1.5, 1.75, 2.0, 2.25, 2.5, 3.0], 2.0),
        ("squid", [3.5, 4.0, 4.25, 4.5, 4.75, 5.0, 6.0], 4.5),
    ],
)
def test_07_absolute_refractory_periods(preset: str, isis: list[float], absolute_ms: float):
    says(
        "07-refractory.md",
        "it lasts about 2 ms in the textbook neuron and about 4.5 ms in the cold squid axon",
    )
    curve = refractory_curve(membranes(preset), isis)
    assert curve["absolute_ms"] is not None
    assert abs(curve["absolute_ms"] - absolute_ms) <= 0.25


def test_07_relatively_refractory_second_spike_is_smaller() -> None:
    says("07-refractory.md", "a strong enough stimulus fires a (smaller) spike")
    res = simulate_run({"preset": "squid", "pulses": [[5, 1, 20], [13, 1, 100]]}, "squid")
    assert len(res.spikes_ms) == 2
    first = float(res.v_mV[res.t_ms < 12].max())
    second = float(res.v_mV[res.t_ms > 12].max())
    assert second < first - 5.0
    # ... and 20 ms later the squid axon has recovered (relative period ends before 20 ms)
    curve = refractory_curve(membranes("squid"), [15.0, 18.0, 20.0, 25.0])
    assert curve["relative_ms"] is not None and curve["relative_ms"] <= 20.0


# -- lesson 10 ------------------------------------------------------------------------------


def test_10_strength_duration_table_and_chronaxie() -> None:
    says(
        "10-strength-duration.md",
        "| 0.1 | ~65 |",
        "| 0.5 | ~13 |",
        "| 1 | ~6.9 |",
        "| 5 | ~2.3 |",
        "| 200 | ~2.2 (rheobase) |",
        "it is about **1.6–1.7 ms**",
        "For the squid preset it is about **2.2 µA/cm²**",
    )
    text = text_of("10-strength-duration.md")
    widths = [0.1, 0.5, 1.0, 5.0, 200.0]
    stated = {0.1: "~65", 0.5: "~13", 1.0: "~6.9", 5.0: "~2.3", 200.0: "~2.2 (rheobase)"}
    fine = [0.75, 1.25, 1.5, 1.6, 1.7, 1.8, 2.0, 2.5, 3.0, 4.0, 10.0, 50.0]
    sd = strength_duration(membranes("squid"), sorted(widths + fine))
    thr = {p["width_ms"]: p["threshold_uA_cm2"] for p in sd["points"]}
    for w, cell in stated.items():
        row = f"| {w:g} | {cell} |"
        assert row in text, row
        digits = 1 if w in (1.0, 5.0, 200.0) else 0
        assert round(thr[w], digits) == float(cell.strip("~").split()[0]), (w, thr[w])
    assert "it is about **1.6–1.7 ms**" in text
    assert 1.6 <= sd["chronaxie_ms"] <= 1.7


def test_10_the_ramp_escapes_while_a_small_step_fires() -> None:
    says(
        "10-strength-duration.md",
        "climbs in 0.5 µA/cm² steps to 6 µA/cm²",
        "V tops out near −61 mV while h has fallen from 0.60 to 0.47 and n has risen from 0.32 "
        "to 0.38",
        "A sudden step of only 3 µA/cm² fires it",
    )
    steps = [[5 + 5 * k, 5, 0.5 * (k + 1)] for k in range(12)]
    assert steps[-1] == [60, 5, 6.0]
    ramp = simulate_run({"preset": "squid", "pulses": steps, "tstop": 90}, "squid")
    assert len(ramp.spikes_ms) == 0
    top = int(np.argmax(ramp.v_mV))
    assert round(float(ramp.v_mV[top])) == -61
    assert round(float(ramp.h[0]), 2) == 0.60 and round(float(ramp.h[top]), 2) == 0.47
    assert round(float(ramp.n[0]), 2) == 0.32 and round(float(ramp.n[top]), 2) == 0.38
    step = measure({"pulses": [[5, 60, 3]], "tstop": 90}, "spike_count", "squid")
    assert step == 1


# -- lesson 14 ------------------------------------------------------------------------------


def test_14_single_spike_rheobase_and_the_end_of_full_spikes() -> None:
    says(
        "14-repetitive-firing.md",
        "A 200 ms step of 2.3 µA/cm² fires one spike",
        "| above about 63 | spikes shrink below 0 mV",
    )
    one = measure({"preset": "squid", "pulses": [[5, 200, 2.3]], "tstop": 250}, "spike_count")
    assert one == 1
    pts = {p["amp_uA_cm2"]: p for p in fi_curve(membranes("squid"), [62.0, 63.0])["points"]}
    assert pts[62.0]["rate_hz"] > 100 and pts[63.0]["rate_hz"] == 0.0


def test_14_textbook_is_class_1() -> None:
    says(
        "14-repetitive-firing.md",
        "`tutor sweep fi --preset textbook --amps 0.72,0.75,1,1.5` gives about 4, 9, 26 and 45 Hz",
    )
    pts = fi_curve(membranes("textbook"), [0.7, 0.72, 0.75, 1.0, 1.5])["points"]
    rates = [p["rate_hz"] for p in pts]
    assert rates[0] == 0.0  # below the train threshold
    assert rates[1:] == pytest.approx([4, 9, 26, 45], abs=1.0)  # from a few hertz up


def test_14_train_spikes_are_not_taller_with_more_current() -> None:
    says(
        "14-repetitive-firing.md",
        "the first spike of every train peaks near +40 mV",
        "about +30 mV at 10 µA/cm², +19 mV at 30",
        "raises the rate by only about a quarter",
        "the first and last ISIs of a train are nearly the same",
    )
    last: dict[float, float] = {}
    for amp in (10.0, 20.0, 30.0):
        res = simulate_run({"preset": "squid", "hold": amp, "tstop": 500}, "squid")
        up = np.nonzero((res.v_mV[1:-1] > res.v_mV[:-2]) & (res.v_mV[1:-1] >= res.v_mV[2:]))[0] + 1
        peaks = res.v_mV[up][res.v_mV[up] > 0]
        assert round(float(peaks[0])) in (40, 41, 42)
        last[amp] = float(peaks[-1])
    assert round(last[10.0]) == 30 and round(last[30.0]) == 19
    # "after each spike, the AHP carries the membrane below rest"
    says("14-repetitive-firing.md", "after each spike, the AHP carries the membrane below rest")
    rest = measure({"preset": "squid", "tstop": 20}, "rest_mV")
    for amp in (10.0, 20.0, 30.0):
        res = simulate_run({"preset": "squid", "hold": amp, "tstop": 300}, "squid")
        assert float(res.v_mV[res.t_ms > 100].min()) < rest - 3.0
    rate = {
        p["amp_uA_cm2"]: p["rate_hz"] for p in fi_curve(membranes("squid"), [10.0, 20.0])["points"]
    }
    assert rate[20.0] / rate[10.0] == pytest.approx(1.25, abs=0.05)
    # the textbook preset does not adapt either ("The tutor's models fire regular trains")
    train = {"preset": "textbook", "hold": 2.0, "tstop": 1000.0}
    first, final = measure(train, "first_isi_ms"), measure(train, "last_isi_ms")
    assert abs(final / first - 1) < 0.01


def test_docs_mark_advice_numbers() -> None:
    """docs/content-format.md: threshold 0.25 ms before the end of a 1 ms, 20 µA/cm² pulse
    (textbook), about 0.6 ms before the end of a 2 ms, 10 µA/cm² one."""
    doc = " ".join((CONTENT.parent / "docs" / "content-format.md").read_text().split())
    assert "0.25 ms before the stimulus ends" in doc and "reaches it about 0.6 ms before" in doc
    for pulse, lead in (([5, 1, 20], 0.25), ([5, 2, 10], 0.6)):
        events = annotate(simulate_run({"preset": "textbook", "pulses": [pulse]}, "textbook"))
        end = pulse[0] + pulse[1]
        assert end - first_event(events, "threshold")["t_ms"] == pytest.approx(lead, abs=0.03)


def test_04_n_decays_over_several_milliseconds() -> None:
    """rep-k-after: 'n decays over several milliseconds' after the spike (textbook)."""
    says("04-repolarization.md", "n decays over several milliseconds")
    res = simulate_run({"preset": "textbook", **SPIKE, "tstop": 30}, "textbook")
    entry = first_event(annotate(res), "phase", "hyperpolarization")["t_ms"]
    n_rest = float(res.n[0])
    assert res.n[at(res, entry + 2.0)] > 3 * n_rest  # still raised 2 ms into the undershoot
    assert res.n[at(res, entry + 5.0)] < 1.5 * n_rest  # back near rest within 5 ms


def test_14_train_rheobase_to_the_hundredth() -> None:
    """rep-rheobase-train: 'at 6.23 the axon fires a train at about 50 Hz; at 6.2 it fires a
    few spikes and stops'."""
    says(
        "14-repetitive-firing.md",
        "at 6.23 the axon fires a train at about 50 Hz; at 6.2 it fires a few spikes and stops",
    )
    pts = {p["amp_uA_cm2"]: p for p in fi_curve(membranes("squid"), [6.2, 6.22, 6.23])["points"]}
    assert pts[6.2]["rate_hz"] == 0.0 and 1 <= pts[6.2]["spikes"] <= 5
    assert pts[6.22]["rate_hz"] == 0.0  # 6.23 is the first hundredth that sustains a train
    assert round(pts[6.23]["rate_hz"] / 10) * 10 == 50
