"""Synaptic inputs on the ball-and-stick neuron in NEURON: Exp2Syn, CVODE, the same morphology.

The neuron is rebuilt from plain data (the case's sections: name, L, diam,
Ra, nseg and a membrane per section), connected as the project's chain:
``dend(0)`` at ``soma(0)`` (so ``dend(X)`` counts X from the soma, as
``tutor synapse``'s ``dend:X``), the AIS at ``soma(1)``, the axon at
``ais(1)``. A membrane is ``pas`` (g, e) or squid ``hh`` (gnabar, gkbar, gl,
el, ena, ek; tables off). The cell settles for SETTLE_MS with no input (its
own steady state, however nonuniform), then each input is an Exp2Syn
(tau1, tau2, e) at its segment, fired once by a NetCon event of its weight
(µS) at SETTLE_MS + onset.

Measures, on V and the synaptic current sampled every SAMPLE_MS by CVODE's
interpolation (``Vector.record(..., Dt)``): the somatic rest just before the
first input, the somatic peak (sample maximum refined by a parabola) and its
time after the settle, and each synapse's peak current (nA, outward positive
as NEURON's ``i``: an EPSC is negative) and its time.

Nothing here imports `tutor`: the oracle is independent of the engine.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")

import numpy as np
from neuron import h

from oracle.nrn import _refine

ATOL = 1e-8
SETTLE_MS = 400.0
SAMPLE_MS = 0.0125


def _membrane(sec: Any, mem: dict[str, float]) -> None:
    sec.cm = mem["cm"]
    if mem["kind"] == "pas":
        sec.insert("pas")
        for seg in sec:
            seg.pas.g = mem["gl"] * 1e-3
            seg.pas.e = mem["el"]
        return
    sec.insert("hh")
    for seg in sec:
        seg.hh.gnabar = mem["gna"] * 1e-3
        seg.hh.gkbar = mem["gk"] * 1e-3
        seg.hh.gl = mem["gl"] * 1e-3
        seg.hh.el = mem["el"]
        seg.ena = mem["ena"]
        seg.ek = mem["ek"]


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """One case: {'sections': [...], 'celsius', 'inputs': [...], 'tstop_ms'} → measures."""
    h.load_file("stdrun.hoc")
    h.usetable_hh = 0
    h.celsius = case["celsius"]
    secs: dict[str, Any] = {}
    for s in case["sections"]:
        sec = h.Section(name=s["name"])
        sec.L, sec.diam, sec.Ra, sec.nseg = s["length_um"], s["diam_um"], s["ra_ohm_cm"], s["nseg"]
        _membrane(sec, s["membrane"])
        secs[s["name"]] = sec
    secs["dend"].connect(secs["soma"](0), 0)
    secs["ais"].connect(secs["soma"](1), 0)
    if "axon" in secs:
        secs["axon"].connect(secs["ais"](1), 0)
    syns, cons, currents = [], [], []
    for inp in case["inputs"]:
        seg = secs["soma"](0.5) if inp["where"] == "soma" else secs["dend"](inp["where"])
        syn = h.Exp2Syn(seg)
        syn.tau1, syn.tau2, syn.e = inp["tau1_ms"], inp["tau2_ms"], inp["e_rev_mV"]
        nc = h.NetCon(None, syn)
        nc.weight[0] = inp["weight_nS"] * 1e-3
        vec = h.Vector()
        vec.record(syn._ref_i, SAMPLE_MS)
        syns.append(syn)
        cons.append(nc)
        currents.append(vec)
    vsoma = h.Vector()
    vsoma.record(secs["soma"](0.5)._ref_v, SAMPLE_MS)
    cvode = h.CVode()
    cvode.active(1)
    cvode.atol(ATOL)
    h.finitialize(case["v_init_mV"])
    for nc, inp in zip(cons, case["inputs"], strict=True):
        nc.event(SETTLE_MS + inp["t_ms"])
    cvode.re_init()
    h.continuerun(SETTLE_MS + case["tstop_ms"])
    v = np.array(vsoma)
    t = np.arange(len(v)) * SAMPLE_MS - SETTLE_MS
    first = min(inp["t_ms"] for inp in case["inputs"])
    k0 = int(np.searchsorted(t, first))
    rest = float(v[k0])
    k = k0 + int(np.argmax(v[k0:]))
    peak, t_peak = _refine(t, v, k, +1)
    syn_out = []
    for vec in currents:
        i = np.array(vec)[: len(t)]
        j = int(np.argmax(np.abs(i)))
        sign = +1 if i[j] > 0 else -1
        ipk, tpk = _refine(t, i, j, sign)
        syn_out.append({"peak_nA": ipk, "peak_ms": tpk})
    for sec in secs.values():
        h.delete_section(sec=sec)
    return {
        "rest_mV": rest,
        "soma_peak_mV": peak,
        "soma_depol_mV": peak - rest,
        "soma_peak_ms": t_peak,
        "synapses": syn_out,
    }
