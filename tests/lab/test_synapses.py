"""Synaptic integration on the textbook ball-and-stick neuron (issue 15's "what it must show").

Every number is measured on the engine; the thresholds are the physiology the
lesson teaches (docs/design.md, "Synapses and summation").
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from tutor.lab.neuron import SynapticInput, build_neuron, measures, simulate
from tutor.sim.params import ParameterError
from tutor.sim.synapse import Exp2Syn, SynapseKind, mg_block, peak_factor


@pytest.fixture(scope="module")
def cell():
    return build_neuron("textbook")


def run(cell, inputs, tstop=50.0):
    return measures(simulate(cell, inputs, tstop))


def epsp(cell, inputs, tstop=50.0) -> float:
    return run(cell, inputs, tstop)["soma_depol_mV"]


def ampa(where, t, w):
    return SynapticInput("ampa", where, t, w)


def test_exp2syn_shape_peaks_at_weight() -> None:
    """g(t) is a normalised difference of exponentials: its peak is the weight, at the
    analytic peak time, and it is zero before the onset."""
    kind = SynapseKind("x", 0.3, 4.0, 0.0)
    syn = Exp2Syn(0, kind, 2.0, 0.005)
    t_peak = 0.3 * 4.0 / (4.0 - 0.3) * math.log(4.0 / 0.3)
    assert syn.conductance_uS(2.0 + t_peak) == pytest.approx(0.005, rel=1e-12)
    assert syn.conductance_uS(2.0 + t_peak - 0.05) < 0.005
    assert syn.conductance_uS(2.0 + t_peak + 0.05) < 0.005
    assert syn.conductance_uS(1.999) == 0.0
    assert peak_factor(0.3, 4.0) > 1.0


def test_mg_block_jahr_stevens() -> None:
    """B(V) = 1/(1 + Mg/3.57·e^(−0.062 V)): half block where that term is 1, relief with V."""
    v_half = math.log(1.0 / 3.57) / 0.062
    assert mg_block(v_half, 1.0) == pytest.approx(0.5, rel=1e-12)
    assert mg_block(-70.0, 1.0) < 0.1 < mg_block(-20.0, 1.0) < mg_block(0.0, 1.0)
    assert mg_block(-70.0, 0.0) == 1.0


def test_linearisation_is_the_tangent() -> None:
    """An NMDA synapse's (i, g) over a step is the current at v and its slope dI/dV."""
    nmda = SynapseKind("nmda", 2.0, 65.0, 0.0, mg_mM=1.0)
    syn = Exp2Syn(0, nmda, 0.0, 0.002)
    t0, t1, v = 10.0, 10.025, -40.0
    i, g = syn.linearised(t0, t1, v)
    assert i == pytest.approx(syn.current_nA(10.0125, v), rel=1e-12)
    eps = 1e-5
    slope = -(syn.current_nA(10.0125, v + eps) - syn.current_nA(10.0125, v - eps)) / (2 * eps)
    assert g == pytest.approx(slope, rel=1e-6)


def test_geometry_soma_ais_dendrite(cell) -> None:
    """The chain runs dendrite tip … soma … AIS … axon; dend:0 is next to the soma."""
    kinds = cell.cable.kind
    assert kinds[cell.soma] == "soma" and kinds[cell.ais] == "ais"
    assert cell.dend[0] == cell.soma - 1 and kinds[cell.site(1.0)] == "dend"
    assert cell.distance_um(cell.site(1.0)) > cell.distance_um(cell.site(0.1))
    ais_gna = cell.cable.membranes[cell.cable.membrane_index[cell.ais]].gna
    soma_gna = cell.cable.membranes[cell.cable.membrane_index[cell.soma]].gna
    assert ais_gna >= 5 * soma_gna


def test_rest_is_the_membranes_rest(cell) -> None:
    """With no input nothing moves: V stays at the steady rest everywhere."""
    r = simulate(cell, [ampa("soma", 5.0, 0.0)], 20.0)
    assert np.max(np.abs(r.v_mV - np.asarray(r.rest_mV)[None, :])) < 1e-6


def test_rest_is_the_patchs_rest_with_every_leak_and_the_pump(cell) -> None:
    """The textbook membrane has no unnamed leak: the cable carries its K⁺/Na⁺/Cl⁻ leaks
    and pump as one equivalent leak, so the neuron rests where the patch rests, and
    the passive dendrite's τ is C_m over every leak (10 ms)."""
    from tutor.sim import resting_state

    mem = cell.membrane_at(cell.soma)
    assert mem.gl == 0.0 and mem.pump_uA_cm2 > 0.0
    r = simulate(cell, [ampa("soma", 1.0, 0.0)], 1.0)
    patch = resting_state(mem).v_mV
    dend = cell.dend[-1]
    assert r.rest_mV[dend] == pytest.approx(patch, abs=0.01)
    assert r.rest_mV[cell.soma] == pytest.approx(patch, abs=0.01)
    assert f"{patch:.1f}" == "-69.8"
    tau = cell.passive_tau_ms(dend)
    assert tau == pytest.approx(mem.cm / (mem.gkl + mem.gnal + mem.gcll), rel=1e-12)
    assert f"{tau:.0f}" == "10"
    with pytest.raises(ParameterError):
        build_neuron(mem.with_overrides({"gkl": 0.0, "gnal": 0.0, "gcll": 0.0})).passive_tau_ms(
            dend
        )


def test_single_epsp_in_range(cell) -> None:
    """Some AMPA weight in 0.5–16 nS gives a 1–5 mV somatic EPSP, growing with weight."""
    sizes = [epsp(cell, [ampa(0.5, 5.0, w)]) for w in (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)]
    assert any(1.0 <= s <= 5.0 for s in sizes)
    assert all(a < b for a, b in itertools.pairwise(sizes))


def test_temporal_summation(cell) -> None:
    """Two EPSPs 2 ms apart sum to ≥ 1.6× one; 30 ms apart, much less (< 1.2×)."""
    one = epsp(cell, [ampa(0.5, 5.0, 2.0)])
    near = epsp(cell, [ampa(0.5, 5.0, 2.0), ampa(0.5, 7.0, 2.0)])
    far = epsp(cell, [ampa(0.5, 5.0, 2.0), ampa(0.5, 35.0, 2.0)], 70.0)
    assert 1.0 <= one <= 5.0
    assert near >= 1.6 * one
    assert far < 1.2 * one


def test_distal_smaller_and_later(cell) -> None:
    """The same input far out on the dendrite arrives smaller and later at the soma."""
    prox = run(cell, [ampa(0.1, 5.0, 2.0)])
    dist = run(cell, [ampa(0.9, 5.0, 2.0)])
    assert dist["soma_depol_mV"] < 0.85 * prox["soma_depol_mV"]
    assert dist["soma_peak_ms"] > prox["soma_peak_ms"] + 0.5


def test_same_site_sums_sublinearly(cell) -> None:
    """Two coincident inputs at one distal site: less than twice one (the driving force falls)."""
    one = epsp(cell, [ampa(0.9, 5.0, 4.0)])
    two = epsp(cell, [ampa(0.9, 5.0, 4.0), ampa(0.9, 5.0, 4.0)])
    assert one < two < 1.9 * one


def test_shunting_inhibition(cell) -> None:
    """GABA-A alone barely moves V (< 1 mV) yet cuts a coincident EPSP by ≥ 20 %."""
    alone = run(cell, [SynapticInput("gabaa", "soma", 5.0, 10.0)])
    assert abs(alone["soma_depol_mV"]) < 1.0 and alone["rest_mV"] - alone["soma_min_mV"] < 1.0
    exc = epsp(cell, [ampa(0.3, 5.0, 2.0)])
    both = epsp(cell, [ampa(0.3, 5.0, 2.0), SynapticInput("gabaa", "soma", 5.0, 10.0)])
    assert both <= 0.8 * exc


def threshold_count(cell, where: float, w: float) -> int:
    """The fewest coincident AMPA inputs of w nS at `where` that fire the cell."""
    for k in range(1, 40):
        if run(cell, [ampa(where, 5.0, w)] * k, 30.0)["spikes_ms"]:
            return k
    raise AssertionError("no number of inputs fired the cell")


def test_coincident_inputs_fire_at_the_ais(cell) -> None:
    """Enough coincident AMPA inputs fire the cell, one fewer does not, and the spike
    crosses 0 mV in the AIS before the soma."""
    k = threshold_count(cell, 0.8, 2.0)
    assert k >= 2
    below = run(cell, [ampa(0.8, 5.0, 2.0)] * (k - 1), 30.0)
    above = run(cell, [ampa(0.8, 5.0, 2.0)] * k, 30.0)
    assert below["spikes_ms"] == [] and len(above["spikes_ms"]) >= 1
    ev = above["events"][0]
    assert ev["starts"] == "ais" and ev["soma_ms"] is not None and ev["ais_ms"] < ev["soma_ms"]


def test_inhibition_on_the_path_vetoes(cell) -> None:
    """A distal barrage that fires the cell is vetoed by GABA-A between it and the soma."""
    k = threshold_count(cell, 0.8, 2.0)
    exc = [ampa(0.8, 5.0, 2.0)] * (k + 1)
    assert run(cell, exc, 30.0)["spikes_ms"]
    vetoed = run(cell, [*exc, SynapticInput("gabaa", 0.3, 5.0, 20.0)], 30.0)
    assert vetoed["spikes_ms"] == []


def nmda_contribution(cell, background: list[SynapticInput]) -> float:
    """Peak of (V with one NMDA input − V without it) at the soma (mV)."""
    nmda = SynapticInput("nmda", 0.5, 10.0, 2.0)
    base = background or [ampa(0.5, 5.0, 0.0)]
    a = simulate(cell, [*base, nmda], 120.0).trace(cell.soma)
    b = simulate(cell, base, 120.0).trace(cell.soma)
    return float(np.max(a - b))


def test_nmda_adds_more_to_a_depolarised_cell(cell) -> None:
    """The same NMDA input adds more on top of a (subthreshold) depolarisation: Mg²⁺ unblocks."""
    depol = [ampa(0.5, 8.0, 2.0)] * 3
    assert run(cell, [*depol, SynapticInput("nmda", 0.5, 10.0, 2.0)], 120.0)["spikes_ms"] == []
    assert nmda_contribution(cell, depol) > 1.25 * nmda_contribution(cell, [])


def test_bad_site_and_kind(cell) -> None:
    with pytest.raises(ParameterError):
        cell.site(1.5)
    from tutor.lab.neuron import point_processes

    with pytest.raises(ParameterError):
        point_processes(cell, [SynapticInput("glycine", "soma", 1.0, 1.0)])
