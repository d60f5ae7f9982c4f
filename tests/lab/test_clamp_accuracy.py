"""`tutor clamp` against NEURON's SEClamp (tiny series resistance, same protocol, `hh`).

Issue 13's tolerances: peak I_Na, I_Na and I_K at the end of the step within
1 % (or 2 µA/cm² where the current is near zero); TTX removes I_Na and TEA I_K
exactly; the peak-I_Na I–V curve reverses at E_Na ± 1 mV; `--fit` recovers n∞
and τn within 5 % of the model's at −40, 0 and +40 mV. NEURON's numbers come
from `oracle.clamp_reference` (cached, hash-keyed, recomputed when stale).
The families run through the CLI (the contract), one process per case.
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

import pytest
from oracle import clamp_reference, ours

REF = clamp_reference.load()
C = clamp_reference.CASES

#: Issue 13: relative tolerance, and the absolute floor where the current is near zero.
REL = 0.01
ABS_UA_CM2 = 2.0
KEYS = ("ina_peak_uA_cm2", "ina_end_uA_cm2", "ik_end_uA_cm2", "i_peak_uA_cm2", "i_end_uA_cm2")


def _fmt_list(values: list[float]) -> str:
    return ",".join(repr(float(v)) for v in values)


@cache
def family(name: str, kernel: str = "") -> dict[str, Any]:
    """The CLI's JSON for a family case (`kernel` only keys the cache: the fixture has
    set TUTOR_KERNEL, which the subprocess inherits)."""
    c = C["families"][name]
    args = ["clamp", "--preset", "squid", f"--steps={_fmt_list(c['steps'])}", "--json"]
    args += [f"--hold={c.get('hold', -65.0)!r}", f"--dur={c.get('dur', 20.0)!r}"]
    if "celsius" in c:
        args += ["--celsius", repr(c["celsius"])]
    for b in c.get("blocks", ()):
        args += ["--block", b]
    return ours.cli_json(args)


def close(ours_value: float, ref_value: float) -> bool:
    return abs(ours_value - ref_value) <= max(REL * abs(ref_value), ABS_UA_CM2)


@pytest.mark.parametrize("name", list(C["families"]))
def test_family_currents_match_neuron(name: str, kernel: str) -> None:
    """On both kernels: the rates come from the kernel (compiled or numpy twin)."""
    got = family(name, kernel)["points"]
    ref = REF["families"][name]
    assert [p["v_mV"] for p in got] == [r["v_mV"] for r in ref]
    for p, r in zip(got, ref, strict=True):
        for key in KEYS:
            assert close(p[key], r[key]), (name, p["v_mV"], key, p[key], r[key])


def test_issue_protocol_steps_minus40_to_plus40() -> None:
    """The issue's exact protocol: 20 ms steps from −65 to −40 … +40 mV."""
    got = {p["v_mV"]: p for p in family("squid")["points"]}
    ref = {r["v_mV"]: r for r in REF["families"]["squid"]}
    volts = [v for v in ref if -40 <= v <= 40]
    assert len(volts) >= 9
    for v in volts:
        for key in ("ina_peak_uA_cm2", "ina_end_uA_cm2", "ik_end_uA_cm2"):
            assert close(got[v][key], ref[v][key]), (v, key)


def test_exact_solution_agrees_with_neuron_to_its_tolerance() -> None:
    """Stricter than the issue: the closed form is exact, so what is left is NEURON's
    own error (CVODE, sampling the peak every 2.5 µs, and V off the command by up to
    ~1e-4 mV across the series resistance: ≤ 0.01 µA/cm² at the largest conductances)."""
    for name in C["families"]:
        for p, r in zip(family(name)["points"], REF["families"][name], strict=True):
            for key in KEYS:
                assert abs(p[key] - r[key]) <= 1e-4 * abs(r[key]) + 0.01, (name, p["v_mV"], key)


def test_ttx_removes_ina_exactly_and_leaves_ik() -> None:
    plain = {p["v_mV"]: p for p in family("squid")["points"]}
    for p in family("ttx")["points"]:
        assert p["ina_peak_uA_cm2"] == 0.0 and p["ina_end_uA_cm2"] == 0.0
        # the K⁺ current is untouched: TTX does not act on the gates
        assert p["ik_end_uA_cm2"] == plain[p["v_mV"]]["ik_end_uA_cm2"]
        assert p["i_end_uA_cm2"] == pytest.approx(p["ik_end_uA_cm2"] + p["il_uA_cm2"], abs=1e-9)
    for r in REF["families"]["ttx"]:
        assert r["ina_peak_uA_cm2"] == 0.0 and r["ina_end_uA_cm2"] == 0.0


def test_tea_removes_ik_exactly_and_leaves_ina() -> None:
    plain = {p["v_mV"]: p for p in family("squid")["points"]}
    for p in family("tea")["points"]:
        assert p["ik_end_uA_cm2"] == 0.0
        assert p["ina_peak_uA_cm2"] == plain[p["v_mV"]]["ina_peak_uA_cm2"]
    for r in REF["families"]["tea"]:
        assert r["ik_end_uA_cm2"] == 0.0


def test_peak_ina_reverses_at_ena() -> None:
    data = family("squid")
    ena = data["params"]["ena"]
    assert data["reversal"]["ina_peak_mV"] == pytest.approx(ena, abs=1.0)
    # NEURON's own I–V crosses zero there too
    from tutor.lab.clamp import zero_crossing

    ref = REF["families"]["squid"]
    v_ref = zero_crossing([r["v_mV"] for r in ref], [r["ina_peak_uA_cm2"] for r in ref])
    assert v_ref == pytest.approx(ena, abs=1.0)


def test_steady_ik_reverses_at_ek_on_a_fine_grid() -> None:
    """Reversals are read off the steps given (linear between neighbours): 1 mV apart
    around E_K, the end-of-step I_K crosses zero at E_K."""
    data = ours.cli_json(["clamp", "--preset", "squid", "--steps=-90:-60:31", "--json"])
    assert data["reversal"]["ik_end_mV"] == pytest.approx(data["params"]["ek"], abs=0.1)


@pytest.mark.parametrize("ena", [40.0, 55.0])
def test_reversal_follows_ena_override(ena: float) -> None:
    data = ours.cli_json(
        ["clamp", "--preset", "squid", "--steps=-40:80:25", "--set", f"ena={ena}", "--json"]
    )
    assert data["reversal"]["ina_peak_mV"] == pytest.approx(ena, abs=1.0)


def test_fit_recovers_n_gate_within_5_percent() -> None:
    volts = list(clamp_reference.FIT_VOLTAGES)
    data = ours.cli_json(
        ["clamp", "--preset", "squid", f"--steps={_fmt_list(volts)}", "--fit", "--json"]
    )
    rates = REF["rates"]["6.3"]
    for p in data["points"]:
        fit, model, hh = p["fit"], p["model"], rates[str(float(p["v_mV"]))]
        for key in ("n_inf", "tau_n_ms"):
            assert fit[key] == pytest.approx(model[key], rel=0.05), (p["v_mV"], key)
            # the model's own values are NEURON hh's
            assert model[key] == pytest.approx(hh[key], rel=1e-9)
        for key in ("m_inf", "tau_m_ms", "h_inf", "tau_h_ms"):
            assert fit[key] == pytest.approx(model[key], rel=0.05), (p["v_mV"], key)
            assert model[key] == pytest.approx(hh[key], rel=1e-9)


def test_fit_at_another_temperature_matches_hh() -> None:
    volts = list(clamp_reference.FIT_VOLTAGES)
    data = ours.cli_json(
        ["clamp", "--preset", "squid", "--celsius", "18.5", f"--steps={_fmt_list(volts)}",
         "--fit", "--json"]
    )  # fmt: skip
    rates = REF["rates"]["18.5"]
    for p in data["points"]:
        for key in ("n_inf", "tau_n_ms"):
            assert p["fit"][key] == pytest.approx(rates[str(float(p["v_mV"]))][key], rel=0.05)


def test_prepulse_inactivation_matches_neuron() -> None:
    pp = C["prepulse"]
    data = ours.cli_json(
        ["clamp", "--preset", "squid", f"--steps={pp['test']!r}", f"--prepulse={_fmt_list(pp['pre'])}",
         "--pre-dur", repr(pp["pre_dur"]), "--json"]
    )  # fmt: skip
    plain = REF["prepulse_plain"]["ina_peak_uA_cm2"]
    for p, r in zip(data["points"], REF["prepulse"], strict=True):
        assert p["pre_mV"] == r["pre_mV"]
        for key in KEYS:
            assert close(p[key], r[key]), (p["pre_mV"], key)
        assert p["ina_peak_ratio"] == pytest.approx(r["ina_peak_uA_cm2"] / plain, rel=REL)
    ratios = [p["ina_peak_ratio"] for p in data["points"]]
    # a steady-state inactivation curve: falls monotonically with the prepulse voltage
    assert all(a > b for a, b in itertools.pairwise(ratios))
    assert ratios[pp["pre"].index(-65)] == pytest.approx(1.0, abs=1e-12)


def test_tail_currents_match_neuron_and_ik_tail_reverses_at_ek() -> None:
    tl = C["tails"]
    data = ours.cli_json(
        ["clamp", "--preset", "squid", f"--steps={tl['step']!r}", "--dur", repr(tl["dur"]),
         "--tail=-100", "--json"]
    )  # fmt: skip
    assert data["points"][0]["tail_mV"] == -100.0
    assert data["protocol"]["tail_dur_ms"] == 5.0  # --tail alone records 5 ms
    from tutor.lab.clamp import zero_crossing

    got = []
    for r in REF["tails"]:
        d = ours.cli_json(
            ["clamp", "--preset", "squid", f"--steps={tl['step']!r}", "--dur", repr(tl["dur"]),
             f"--tail={r['tail_mV']!r}", "--tail-dur", repr(tl["tail_dur"]), "--json"]
        )  # fmt: skip
        p = d["points"][0]
        for key in ("ina_tail_uA_cm2", "ik_tail_uA_cm2"):
            assert close(p[key], r[key]), (r["tail_mV"], key, p[key], r[key])
        got.append(p["ik_tail_uA_cm2"])
    ek = data["params"]["ek"]
    assert zero_crossing(tl["tail"], got) == pytest.approx(ek, abs=0.1)
