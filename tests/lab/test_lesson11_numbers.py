"""Every number lesson 11 (content/11-synaptic-summation.md) states, recomputed by the engine.

The predict questions' answers come from the engine when the lesson runs; this
file checks the numbers written in the prose, prompts and feedback (rounded as
written) against `tutor synapse` runs, so the lesson cannot drift from the model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from lesson_claims import says

from tutor.lab.experiments import measure
from tutor.lab.neuron import SynapticInput, build_neuron, neuron_file, simulate, synapse_kinds

LESSON = (Path(__file__).resolve().parents[2] / "content" / "11-synaptic-summation.md").read_text()


def depol(*inputs: str, tstop: float = 50.0) -> float:
    value = measure({"preset": "textbook", "tstop": tstop, "neuron": {"inputs": list(inputs)}},
                    "soma_depol_mV")  # fmt: skip
    assert isinstance(value, float)
    return value


def peak_ms(*inputs: str, tstop: float = 50.0) -> float:
    value = measure({"preset": "textbook", "tstop": tstop, "neuron": {"inputs": list(inputs)}},
                    "soma_peak_ms")  # fmt: skip
    assert isinstance(value, float)
    return value


def spikes(*inputs: str, tstop: float = 30.0) -> int:
    value = measure({"preset": "textbook", "tstop": tstop, "neuron": {"inputs": list(inputs)}},
                    "ais_spike_count")  # fmt: skip
    assert isinstance(value, int)
    return value


L11 = "11-synaptic-summation.md"


MID = "ampa,dend:0.5,5,2"


def test_single_and_temporal() -> None:
    says(
        L11,
        "3.5 mV here",
        "Two EPSPs 2 ms apart sum to 6.6 mV",
        "(one input alone: 3.5 mV)",
        "Yes: 3.7 mV",
        "Only 3.7 mV: after 30 ms",
    )
    one = depol(MID)
    assert f"{one:.1f}" == "3.5" and says(L11, "(3.5 mV)") and says(L11, "gives a 3.5 mV EPSP")
    two = depol(MID, "ampa,dend:0.5,7,2")
    assert f"{two:.1f}" == "6.6" and says(L11, "6.6 mV, almost twice")
    far = depol(MID, "ampa,dend:0.5,35,2", tstop=80.0)
    assert f"{far:.1f}" == "3.7" and says(L11, "Only 3.7 mV")


def test_near_and_far() -> None:
    near, far = depol("ampa,dend:0.1,5,2"), depol("ampa,dend:0.9,5,2")
    assert f"{near:.1f}" == "5.0" and says(L11, "gives a 5.0 mV EPSP")
    assert f"{far:.1f}" == "3.0" and says(L11, "smaller (3.0 mV)")
    t_near, t_far = peak_ms("ampa,dend:0.1,5,2"), peak_ms("ampa,dend:0.9,5,2")
    assert f"{t_near - 5.0:.1f}" == "3.0" and says(L11, "peaking 3.0 ms after the input")
    assert f"{t_near:.1f}" == "8.0" and says(L11, "the peak was at 8.0 ms")
    assert f"{t_far:.1f}" == "11.2" and says(L11, "peaks at 11.2 ms", "(peak at 11.2 ms)")
    assert t_far - t_near > 3.0 and says(L11, "over 3 ms later")


def test_shunting() -> None:
    alone = depol("gabaa,soma,5,10")
    assert abs(alone) < 0.005  # it never depolarises: E_rev is below rest
    cell = build_neuron("textbook")
    run = simulate(cell, [SynapticInput("gabaa", "soma", 5.0, 10.0)], 50.0)
    dip = run.rest_mV[cell.soma] - float(np.min(run.trace(cell.soma)))
    assert f"{dip:.2f}" == "0.08" and says(L11, "it dips by 0.08 mV") and says(L11, "a 0.08 mV dip")
    assert says(L11, "moved V by only 0.08 mV")
    e_rev = synapse_kinds()["gabaa"].e_rev_mV
    assert abs(e_rev - run.rest_mV[cell.soma]) < 0.2 and says(L11, "within 0.2 mV of the resting")
    assert round(e_rev) == -70 and says(L11, "(E_rev −70 mV, within 0.2 mV")
    exc = depol("ampa,dend:0.3,5,2")
    both = depol("ampa,dend:0.3,5,2", "gabaa,soma,5,10")
    assert f"{exc:.1f}" == "4.0" and says(L11, "alone gives a 4.0 mV EPSP")
    assert f"{both:.1f}" == "2.5" and says(L11, "falls to 2.5 mV") and says(L11, "Yes: 2.5 mV")
    assert f"{100 * (both / exc - 1):.0f}" == "-38" and says(L11, "(−38 %)")
    assert both / exc < 2 / 3 and says(L11, "over a third less")
    assert spikes("gabaa,soma,5,10") == 0


def test_threshold_and_veto() -> None:
    four = ["ampa,dend:0.8,5,2"] * 4
    assert f"{depol(*four, tstop=30.0):.1f}" == "10.0" and says(L11, "give a 10.0 mV somatic EPSP")
    assert says(L11, "Four 2 nS AMPA inputs") and says(L11, "Make it five coincident inputs")
    assert spikes(*four) == 0 and spikes(*four, "ampa,dend:0.8,5,2") == 1
    assert says(L11, "the fifth input carries") and says(L11, "five coincident inputs are enough")
    vetoed = [*four, "ampa,dend:0.8,5,2", "gabaa,dend:0.3,5,20"]
    assert spikes(*vetoed) == 0 and says(L11, "Those five inputs fire the cell")
    assert f"{depol(*vetoed, tstop=30.0):.1f}" == "5.0" and says(L11, "falls to 5.0 mV")


def nmda_adds(background: list[str]) -> float:
    from tutor.lab.neuron import SynapticInput, parse_input, simulate

    cell = build_neuron("textbook")
    kinds = list(synapse_kinds())
    base = [parse_input(x, kinds) for x in background] or [SynapticInput("ampa", 0.5, 5.0, 0.0)]
    nmda = parse_input("nmda,dend:0.5,10,2", kinds)
    a = simulate(cell, [*base, nmda], 120.0).trace(cell.soma)
    b = simulate(cell, base, 120.0).trace(cell.soma)
    return float(np.max(a - b))


def test_nmda_numbers() -> None:
    rest, depolarised = nmda_adds([]), nmda_adds(["ampa,dend:0.5,8,2"] * 3)
    assert f"{rest:.2f}" == "0.83" and says(L11, "adds 0.83 mV", "the same 0.83 mV on top")
    assert f"{depolarised:.2f}" == "1.16" and says(L11, "but 1.16 mV when")


def test_model_description() -> None:
    """The neuron and receptor numbers the prose gives are the shipped file's."""
    sections = {s["name"]: s for s in neuron_file()["section"]}
    assert sections["dend"]["length_um"] == 500.0 and says(L11, "passive dendrite 500 µm long")
    assert sections["ais"]["gna_factor"] == 8.0 and says(L11, "eight times the soma's Na⁺")
    cell = build_neuron("textbook")
    rest = simulate(cell, [SynapticInput("ampa", "soma", 1.0, 0.0)], 1.0).rest_mV
    assert round(rest[cell.soma]) == -70 and says(L11, "It rests at −70 mV")
    assert max(rest) - min(rest) < 0.01  # the whole cell: leaks and pump, not an unnamed leak
    mem = cell.membrane_at(cell.soma)
    assert mem.gl == 0.0 and min(mem.gkl, mem.gnal, mem.gcll, mem.ipump) > 0
    assert says(L11, "its K⁺, Na⁺ and Cl⁻ leaks and the Na⁺/K⁺ pump")
    k = synapse_kinds()
    assert (k["ampa"].tau1_ms, k["ampa"].tau2_ms, k["ampa"].e_rev_mV) == (0.2, 2.0, 0.0)
    assert says(L11, "AMPA (rise 0.2 ms, decay 2 ms, E 0 mV)")
    assert (k["nmda"].tau1_ms, k["nmda"].tau2_ms, k["nmda"].mg_mM) == (2.0, 65.0, 1.0)
    assert k["nmda"].e_rev_mV == 0.0 and says(L11, "E_NMDA ≈ 0 mV")
    assert k["ampa"].e_rev_mV == 0.0 and round(rest[cell.soma]) == -70
    says(L11, "reversal potential near 0 mV. At −70 mV the driving force is inward")
    assert says(L11, "NMDA (rise 2 ms,\ndecay 65 ms, E 0 mV")
    assert (k["gabaa"].tau1_ms, k["gabaa"].tau2_ms, k["gabaa"].e_rev_mV) == (0.5, 5.0, -70.0)
    assert says(L11, "GABA_A (rise 0.5 ms, decay\n5 ms, E −70 mV)")
    tau = cell.passive_tau_ms(cell.dend[0])
    assert f"{tau:.0f}" == "10" and says(L11, "(10 ms for this membrane)")
    says(L11, "2 ms is short compared with the 10 ms membrane time constant")
    # an EPSP's decay at the soma is that τ: 30 ms apart is three of them
    assert f"{30.0 / tau:.0f}" == "3" and says(L11, "three time constants")
