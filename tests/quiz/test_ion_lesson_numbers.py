"""Every number lessons 01, 05, 06 and 09 state about ions, leaks and the pump, recomputed.

The lessons quote the textbook neuron (`tutor rest`, runs with ouabain, [K⁺]ₒ
raised, one spike in a thin axon); each value here comes from the engine and
is compared with the figure the lesson prints, to the precision it is printed
with. The lesson text itself is checked to still contain each figure, so a
changed model or a changed lesson both fail here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from lesson_claims import says

from tutor.lab.experiments import measure
from tutor.sim import Pulse, load_preset, simulate
from tutor.sim.ions import FARADAY
from tutor.sim.rest import RestReport, explain_rest

CONTENT = Path(__file__).resolve().parents[2] / "content"
E_CHARGE = 1.602176634e-19
THIN = {"volarea": 0.25}
SPIKE = [[5, 1, 20]]


def text(name: str) -> str:
    return (CONTENT / name).read_text(encoding="utf-8")


@cache
def rest() -> RestReport:
    return explain_rest(load_preset("textbook"))


@cache
def high_ko() -> RestReport:
    return explain_rest(load_preset("textbook").with_overrides({"ko": 10.0}))


def shown(value: float, digits: int) -> str:
    """How a lesson prints `value` with `digits` decimals (Unicode minus for negatives)."""
    s = f"{abs(value):.{digits}f}"
    return f"−{s}" if value < 0 else s


def test_01_concentrations_nernst_and_ghk() -> None:
    says(
        "01-resting-potential.md",
        "| K⁺ | 140 | 5 |",
        "| Na⁺ | 16 | 145 |",
        "| Cl⁻ | 8 | 110 |",
        "E_K = −88.8 mV",
        "E_Na = +58.7 mV",
        "E_Cl = −69.8 mV",
        "P_Na/P_K = 0.054",
        "gives −67.0 mV",
        "2.8 mV below the GHK voltage",
    )
    r, lesson = rest(), text("01-resting-potential.md")
    c = r.concentrations_mM
    assert (c["ki"], c["ko"], c["nai"], c["nao"], c["cli"], c["clo"]) == (140, 5, 16, 145, 8, 110)
    assert "| K⁺  | 140 | 5 |" in lesson and "| Na⁺ | 16 | 145 |" in lesson
    assert "| Cl⁻ | 8 | 110 |" in lesson
    for ion, label in (("k", "E_K = "), ("na", "E_Na = +"), ("cl", "E_Cl = ")):
        assert f"{label}{shown(r.nernst_mV[ion], 1)} mV" in lesson, ion
    assert f"P_Na/P_K = {r.permeability_ratios['na']:.3f}" in lesson
    assert f"gives {shown(r.ghk_mV, 1)} mV" in lesson
    pump_share = r.ghk_mV - r.rest_mV
    assert f"{pump_share:.1f} mV below the GHK voltage" in lesson


def test_01_currents_at_rest_and_the_pump_balance() -> None:
    says(
        "01-resting-potential.md",
        "+0.63 µA/cm² outward",
        "+0.31 µA/cm² outward",
        "−0.94 µA/cm² inward",
        "3 × 0.31 = 0.94 µA/cm²",
        "2 × 0.31 = 0.63 µA/cm²",
    )
    r, lesson = rest(), text("01-resting-potential.md")
    cur = r.currents_uA_cm2
    assert f"+{cur['i_leak_k']:.2f} µA/cm² outward" in lesson
    assert f"{shown(cur['i_leak_na'], 2)} µA/cm² inward" in lesson
    assert f"+{cur['i_pump']:.2f} µA/cm² outward" in lesson
    assert f"3 × {cur['i_pump']:.2f} = {3 * cur['i_pump']:.2f} µA/cm²" in lesson
    assert f"2 × {cur['i_pump']:.2f} = {2 * cur['i_pump']:.2f} µA/cm²" in lesson
    assert f"{-cur['i_leak_na']:.2f}" == f"{3 * cur['i_pump']:.2f}"  # the balance itself


def test_01_raising_ko_moves_rest_less_than_ek() -> None:
    says(
        "01-resting-potential.md",
        "E_K moves up by 18.5 mV",
        "moves only 5.2 mV, to −64.6 mV",
        "from −88.8 to −70.3 mV",
    )
    r, hi, lesson = rest(), high_ko(), text("01-resting-potential.md")
    e_shift = hi.nernst_mV["k"] - r.nernst_mV["k"]
    v_shift = hi.rest_mV - r.rest_mV
    assert f"E_K moves up by {e_shift:.1f} mV" in lesson
    assert f"rest\nmoves only {v_shift:.1f} mV, to {shown(hi.rest_mV, 1)} mV" in lesson
    v_end = measure({"set": {"ko": 10}, "tstop": 200}, "v_end_mV")
    assert v_end == pytest.approx(hi.rest_mV, abs=0.05)  # the predict run settles there
    assert f"from −88.8 to {shown(hi.nernst_mV['k'], 1)} mV" in lesson


def test_01_ouabain_now_and_after_ten_minutes() -> None:
    says(
        "01-resting-potential.md",
        "V rises 2.0 mV",
        "(2.0 mV in 10 ms in the textbook neuron)",
        "7.9 mV after ten minutes",
        "from 16 to 42 mM",
    )
    lesson = text("01-resting-potential.md")
    early = measure({"block": ["ouabain"], "tstop": 10}, "v_shift_mV")
    assert f"V rises {early:.1f} mV" in lesson
    assert f"({early:.1f} mV in 10 ms in the textbook neuron)" in lesson
    late = measure({"block": ["ouabain"], "tstop": 600000}, "v_shift_mV")
    nai = measure({"block": ["ouabain"], "tstop": 600000}, "nai_end_mM")
    assert f"{late:.1f} mV after ten minutes" in lesson
    assert f"from\n16 to {nai:.0f} mM" in lesson
    assert late > early + 2.0


def test_05_pump_steady_through_a_spike_and_ahp() -> None:
    says(
        "05-hyperpolarization.md",
        "−82 mV in the textbook neuron",
        "one spike raises by 0.01 mM",
        "stays at 0.31 µA/cm²",
        "rest moves less (5.2 mV",
    )
    lesson = text("05-hyperpolarization.md")
    p = load_preset("textbook")
    res = simulate(p, [Pulse(5, 1, 20)], tstop_ms=30.0, dt_ms=0.01)
    assert f"−{-res.ahp_min_mV:.0f} mV in the textbook neuron" in lesson
    d_na = float(res.nai[-1] - res.nai[0])
    assert f"raises by {d_na:.2f} mM" in lesson.replace(
        "one spike\nraises", "one spike raises"
    ).replace("which one spike raises by", "raises by")
    assert abs(res.i_pump.max() - res.i_pump.min()) < 0.01 * res.i_pump.mean()
    assert f"stays at {res.i_pump.mean():.2f} µA/cm²" in lesson
    hi = high_ko()
    assert f"rest moves less ({hi.rest_mV - rest().rest_mV:.1f} mV" in lesson


def spike_numbers() -> dict[str, float]:
    run = {"pulses": SPIKE, "set": THIN, "tstop": 30}
    return {k: float(measure(run, k)) for k in ("na_entry_per_um2", "delta_nai_mM", "delta_ena_mV")}


def test_06_ions_per_spike_in_a_thin_axon() -> None:
    says(
        "06-return-to-rest.md",
        "about 11 900",
        "(2 × 10⁻¹² mol/cm²)",
        "[Na⁺]ᵢ by 0.079 mM",
        "lowers E_Na by 0.13 mV",
    )
    lesson = text("06-return-to-rest.md")
    n = spike_numbers()
    assert f"about\n{round(n['na_entry_per_um2'], -2):,.0f}".replace(",", " ") in lesson
    mol_cm2 = n["na_entry_per_um2"] * 1e8 / 6.02214076e23
    assert f"({mol_cm2 * 1e12:.0f} × 10⁻¹² mol/cm²)" in lesson
    assert f"[Na⁺]ᵢ by {n['delta_nai_mM']:.3f} mM" in lesson
    assert f"lowers E_Na by {-n['delta_ena_mV']:.2f} mV" in lesson
    assert n["delta_nai_mM"] / 16.0 == pytest.approx(0.005, abs=0.001)  # "half a percent"
    # the same count through Faraday: Δ[Na⁺]·vol·F equals the charge (pump out included)
    assert n["delta_nai_mM"] * 1e-6 * 0.25e-4 * FARADAY > 0


def test_06_predict_spike_questions_and_minimum_charge() -> None:
    says("06-return-to-rest.md", "the 6 800", "rest to peak, 109 mV", "1.7 times")
    lesson = text("06-return-to-rest.md")
    n = spike_numbers()
    res = simulate(load_preset("textbook"), [Pulse(5, 1, 20)], tstop_ms=30.0)
    swing = res.peak_mV - res.rest_mV
    minimum = 1.0 * swing * 1e-9 / E_CHARGE * 1e-8  # C·ΔV / e per µm² (1 µF/cm²)
    assert f"the {round(minimum, -2):,.0f}".replace(",", " ") in lesson
    assert f"rest to peak, {swing:.0f} mV" in lesson
    assert f"{n['na_entry_per_um2'] / minimum:.1f} times" in lesson


def test_06_time_constants_at_rest() -> None:
    says("06-return-to-rest.md", "≈ 2.5 ms vs ≈ 1.4 ms for n in the textbook neuron")
    import numpy as np

    from tutor.sim import kernel as K
    from tutor.sim.reduce import params_row, resting_state

    lesson = text("06-return-to-rest.md")
    p = load_preset("textbook")
    a = K.gate_rates_array(np.array([resting_state(p).v_mV]), params_row(p))[:, 0]
    tau_h, tau_n = 1 / (a[2] + a[3]), 1 / (a[4] + a[5])
    assert f"≈ {tau_h:.1f} ms vs ≈ {tau_n:.1f} ms for n in the textbook neuron" in lesson


def test_09_ghk_pump_share_and_spike_shift() -> None:
    says(
        "09-nernst.md",
        "(P_Na/P_K = 0.054",
        "−67.0 mV from the GHK equation",
        "rests at −69.8 mV",
        "holds it 2.8 mV below",
        "lowers E_Na by only 0.13 mV",
        "eight times less again",
    )
    r, lesson = rest(), text("09-nernst.md")
    assert f"(P_Na/P_K = {r.permeability_ratios['na']:.3f}" in lesson
    assert f"{shown(r.ghk_mV, 1)} mV from the GHK equation" in lesson
    assert f"rests at {shown(r.rest_mV, 1)} mV" in lesson
    assert f"holds it {r.ghk_mV - r.rest_mV:.1f} mV below" in lesson
    n = spike_numbers()
    assert f"lowers E_Na by only {-n['delta_ena_mV']:.2f} mV" in lesson
    soma = {"pulses": SPIKE, "tstop": 30}
    ratio = n["delta_ena_mV"] / float(measure(soma, "delta_ena_mV"))
    assert round(ratio) == 8 and "eight times less again" in lesson
    e_k = float(measure({"preset": "textbook", "tstop": 1}, "e_k_mV"))
    assert f"{e_k:.1f}" == "-88.8"


def _ahp(preset: str) -> dict[str, float]:
    """One spike (1 ms, 20 µA/cm² at 5 ms): how long the phase machine labels the trace
    `hyperpolarization`, and g_K (voltage-gated + K⁺ leak) at the AHP minimum ÷ at rest."""
    import numpy as np

    from tutor.lab.annotate import annotate
    from tutor.sim import resting_state

    p = load_preset(preset)
    res = simulate(p, [Pulse(5, 1, 20)], tstop_ms=80.0, dt_ms=0.025)
    phases = [(float(e["t_ms"]), str(e["phase"])) for e in annotate(res) if e["kind"] == "phase"]
    enter = next(i for i, (_, ph) in enumerate(phases) if ph == "hyperpolarization")
    assert phases[enter + 1][1] == "resting"  # it ends back at rest, not in another phase
    i = int(np.argmin(res.v_mV))
    r = resting_state(p)
    return {
        "duration_ms": phases[enter + 1][0] - phases[enter][0],
        "gk_ratio": (p.gk * res.n[i] ** 4 + p.gkl) / (p.gk * r.n**4 + p.gkl),
        "n_ahp": float(res.n[i]),
        "n_rest": r.n,
    }


def test_05_ahp_lasts_tens_of_ms_and_gk_is_many_times_rest() -> None:
    says(
        "05-hyperpolarization.md",
        "26 ms in the textbook neuron",
        "12 ms in the squid axon",
        "about 22 times its resting value",
        "n = 0.69 against 0.32 at rest",
    )
    lesson = text("05-hyperpolarization.md")
    squid, textbook = _ahp("squid"), _ahp("textbook")
    flat = " ".join(lesson.split())
    assert f"{textbook['duration_ms']:.0f} ms in the textbook neuron" in flat
    assert f"{squid['duration_ms']:.0f} ms in the squid axon" in flat
    assert textbook["duration_ms"] > 10 and squid["duration_ms"] > 10  # not "a few ms"
    assert "for a few milliseconds" not in flat
    # the squid question's explanation: g_K at the AHP minimum ÷ at rest
    assert f"about {squid['gk_ratio']:.0f} times its resting value" in flat
    assert f"n = {squid['n_ahp']:.2f} against {squid['n_rest']:.2f} at rest" in flat


def test_01_na_reversal_and_chloride_at_rest() -> None:
    says(
        "01-resting-potential.md",
        "E_Na (+58.7 mV here)",
        "(E_Cl sits at rest, −69.8 mV, and no net Cl⁻ current",
    )
    lesson = text("01-resting-potential.md")
    r = rest()
    assert f"E_Na ({shown(r.nernst_mV['na'], 1).replace('5', '+5', 1)} mV here)" in lesson
    assert "+60" not in lesson
    # Cl⁻ is passively distributed: E_Cl is the rest, no net Cl⁻ current, so opening Cl⁻
    # channels never depolarises the resting cell (mature neurons: E_Cl ≈ −70…−80 mV)
    assert r.nernst_mV["cl"] == pytest.approx(r.rest_mV, abs=1e-6)
    assert r.nernst_mV["cl"] <= r.rest_mV + 1e-6
    assert abs(r.currents_uA_cm2["i_leak_cl"]) < 1e-9
    flat = " ".join(lesson.split())
    assert f"(E_Cl sits at rest, {shown(r.rest_mV, 1)} mV, and no net Cl⁻ current" in flat
    assert round(r.nernst_mV["cl"]) in range(-80, -69)


def test_09_chloride_and_sodium_worked_examples() -> None:
    says(
        "09-nernst.md",
        "≈ −74 mV — a little below a −70 mV rest",
        "E_Cl = −74 mV and E_Na = +67 mV",
        "16 mM, and runs at 36 °C: E_Na = +58.7 mV",
    )
    from tutor.sim.ions import nernst_mV

    lesson = text("09-nernst.md")
    flat = " ".join(lesson.split())
    e_cl = nernst_mV(7.0, 110.0, -1, 37.0)
    assert f"answer = {e_cl:.1f}" in lesson and f"value = {-e_cl:.1f}" in lesson
    assert f"≈ {shown(e_cl, 0)} mV — a little below a −70 mV rest" in flat
    assert -80.0 <= e_cl < -70.0  # hyperpolarising at −70 mV: not among the depolarising ions
    assert f"E_Cl = {shown(e_cl, 0)} mV and E_Na = +67 mV" in flat
    assert f"{nernst_mV(12.0, 145.0, 1, 37.0):.0f}" == "67"
    e_na = load_preset("textbook").e_na
    assert f"16 mM, and runs at 36 °C: E_Na = +{e_na:.1f} mV" in flat
