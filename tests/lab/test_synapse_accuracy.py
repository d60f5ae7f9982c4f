"""Synapses against NEURON: Exp2Syn on the same ball-and-stick morphology and membrane.

NEURON's numbers come from `oracle.synapse_reference` (CVODE, tight tolerance,
cached). Our engine runs its default time step. Checked: the somatic rest, the
somatic EPSP (peak − rest, and its time) and every synapse's peak current —
the EPSP within 0.2 % (the issue asks 2 %; the engine agrees to ~1e-4).
"""

from __future__ import annotations

import numpy as np
import pytest
from oracle import synapse_reference

from tutor.lab.neuron import (
    SynapticInput,
    build_neuron,
    measures,
    neuron_file,
    point_processes,
    simulate,
    synapse_kinds,
)
from tutor.sim.params import MembraneParams, load_preset

REF = synapse_reference.load()["cases"]


def test_oracle_geometry_is_the_shipped_neuron() -> None:
    """The oracle's plain-data morphology and kinetics are data/neurons/ball_and_stick.toml."""
    shipped = [
        (s["name"], s["length_um"], s["diam_um"], s["ra_ohm_cm"], s["nseg"], s["gna_factor"],
         s["gk_factor"])
        for s in neuron_file()["section"]
    ]  # fmt: skip
    assert shipped == synapse_reference.GEOMETRY
    kinds = synapse_kinds()
    for name, (tau1, tau2, e) in synapse_reference.KINDS.items():
        k = kinds[name]
        assert (k.tau1_ms, k.tau2_ms, k.e_rev_mV, k.mg_mM) == (tau1, tau2, e, None)


def _membrane(case: dict) -> MembraneParams:
    mem = case["sections"][1]["membrane"]  # the soma's (factors 1)
    if mem["kind"] == "pas":
        return MembraneParams(name="passive", gna=0.0, gk=0.0, gl=mem["gl"], el=mem["el"],
                              cm=mem["cm"], celsius=case["celsius"], temp_ref=case["celsius"])  # fmt: skip
    squid = load_preset("squid").at_temperature(case["celsius"])
    for key in ("gna", "gk", "gl", "el", "ena", "ek", "cm"):
        assert getattr(squid, key) == mem[key]
    return squid


def _ours(case: dict) -> tuple[dict, list[tuple[float, float]]]:
    cell = build_neuron(_membrane(case))
    inputs = [
        SynapticInput(i["kind"], i["where"], i["t_ms"], i["weight_nS"]) for i in case["inputs"]
    ]
    run = simulate(cell, inputs, case["tstop_ms"])
    out = measures(run)
    syn_peaks = []
    for syn in point_processes(cell, inputs):
        v = run.trace(syn.site)
        i_out = np.array([-syn.current_nA(t, x) for t, x in zip(run.t_ms, v, strict=True)])
        j = int(np.argmax(np.abs(i_out)))
        y0, y1, y2 = i_out[j - 1 : j + 2]
        shift = 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
        syn_peaks.append(
            (y1 - 0.25 * (y0 - y2) * shift, run.t_ms[j] + shift * (run.t_ms[1] - run.t_ms[0]))
        )
    return out, syn_peaks


@pytest.mark.parametrize("name", sorted(synapse_reference.CASES))
def test_epsp_and_synaptic_current_match_neuron(name: str) -> None:
    case = synapse_reference.CASES[name]
    ref = REF[name]
    ours, syn_peaks = _ours(case)
    assert ours["rest_mV"] == pytest.approx(ref["rest_mV"], abs=0.01)
    assert ours["soma_depol_mV"] == pytest.approx(ref["soma_depol_mV"], rel=0.002)
    assert ours["soma_peak_ms"] == pytest.approx(ref["soma_peak_ms"], abs=0.1)
    for (i_pk, t_pk), r in zip(syn_peaks, ref["synapses"], strict=True):
        assert i_pk == pytest.approx(r["peak_nA"], rel=0.002)
        assert t_pk == pytest.approx(r["peak_ms"], abs=0.05)


def test_cases_are_subthreshold_epsps_of_lesson_size() -> None:
    """The compared EPSPs are the subthreshold, few-mV kind the lesson is about."""
    for name, ref in REF.items():
        assert 0.3 < ref["soma_depol_mV"] < 10.0, name
