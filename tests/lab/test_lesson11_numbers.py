"""Every number lesson 11 (content/11-synaptic-summation.md) states, recomputed by the engine.

The predict questions' answers come from the engine when the lesson runs; this
file checks the numbers written in the prose, prompts and feedback (rounded as
written) against `tutor synapse` runs, so the lesson cannot drift from the model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tutor.lab.experiments import measure
from tutor.lab.neuron import build_neuron, neuron_file, synapse_kinds

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


def stated(text: str) -> str:
    assert text in LESSON, text
    return text


MID = "ampa,dend:0.5,5,2"


def test_single_and_temporal() -> None:
    one = depol(MID)
    assert f"{one:.1f}" == "3.5" and stated("(3.5 mV)") and stated("gives a 3.5 mV EPSP")
    two = depol(MID, "ampa,dend:0.5,7,2")
    assert f"{two:.1f}" == "6.6" and stated("6.6 mV, almost twice")
    far = depol(MID, "ampa,dend:0.5,35,2", tstop=80.0)
    assert f"{far:.1f}" == "3.7" and stated("Only 3.7 mV")


def test_near_and_far() -> None:
    near, far = depol("ampa,dend:0.1,5,2"), depol("ampa,dend:0.9,5,2")
    assert f"{near:.1f}" == "5.0" and stated("gives a 5.0 mV EPSP")
    assert f"{far:.1f}" == "3.1" and stated("smaller (3.1 mV)")
    t_near, t_far = peak_ms("ampa,dend:0.1,5,2"), peak_ms("ampa,dend:0.9,5,2")
    assert f"{t_near - 5.0:.1f}" == "3.0" and stated("peaking 3.0 ms after the input")
    assert f"{t_near:.1f}" == "8.0" and stated("the peak was at 8.0 ms")
    assert f"{t_far:.1f}" == "11.2" and stated("peaks at 11.2 ms")
    assert t_far - t_near > 3.0 and stated("over 3 ms later")


def test_shunting() -> None:
    alone = depol("gabaa,soma,5,10")
    assert abs(alone) < 0.01 and stated("less than 0.01 mV")
    exc = depol("ampa,dend:0.3,5,2")
    both = depol("ampa,dend:0.3,5,2", "gabaa,soma,5,10")
    assert f"{exc:.1f}" == "4.0" and stated("alone gives a 4.0 mV EPSP")
    assert f"{both:.1f}" == "2.6" and stated("falls to 2.6 mV")
    assert f"{100 * (both / exc - 1):.0f}" == "-36" and stated("(−36 %)")
    assert spikes("gabaa,soma,5,10") == 0


def test_threshold_and_veto() -> None:
    five = ["ampa,dend:0.8,5,2"] * 5
    assert f"{depol(*five, tstop=30.0):.1f}" == "12.6" and stated("give a 12.6 mV somatic EPSP")
    assert spikes(*five) == 0 and spikes(*five, "ampa,dend:0.8,5,2") == 1
    vetoed = [*five, "ampa,dend:0.8,5,2", "gabaa,dend:0.3,5,20"]
    assert spikes(*vetoed) == 0
    assert f"{depol(*vetoed, tstop=30.0):.1f}" == "5.7" and stated("falls to 5.7 mV")


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
    assert f"{rest:.2f}" == "0.83" and stated("adds 0.83 mV")
    assert f"{depolarised:.2f}" == "1.12" and stated("but 1.12 mV when")


def test_model_description() -> None:
    """The neuron and receptor numbers the prose gives are the shipped file's."""
    sections = {s["name"]: s for s in neuron_file()["section"]}
    assert sections["dend"]["length_um"] == 500.0 and stated("passive dendrite 500 µm long")
    assert sections["ais"]["gna_factor"] == 8.0 and stated("eight times the soma's Na⁺")
    cell = build_neuron("textbook")
    assert round(cell.cable.membranes[0].el) == -70 and stated("It rests at −70 mV")
    k = synapse_kinds()
    assert (k["ampa"].tau1_ms, k["ampa"].tau2_ms, k["ampa"].e_rev_mV) == (0.2, 2.0, 0.0)
    assert stated("AMPA (rise 0.2 ms, decay 2 ms, E 0 mV)")
    assert (k["nmda"].tau1_ms, k["nmda"].tau2_ms, k["nmda"].mg_mM) == (2.0, 65.0, 1.0)
    assert stated("NMDA (rise 2 ms,\ndecay 65 ms, E 0 mV")
    assert (k["gabaa"].tau1_ms, k["gabaa"].tau2_ms, k["gabaa"].e_rev_mV) == (0.5, 5.0, -70.0)
    assert stated("GABA_A (rise 0.5 ms, decay\n5 ms, E −70 mV)")
    dend = cell.cable.membranes[cell.cable.membrane_index[cell.dend[0]]]
    assert dend.cm / dend.gl == pytest.approx(10.0) and stated("(10 ms for this membrane)")
