"""The propagation protocol in NEURON: one unbranched `hh` cable, CVODE, sealed ends.

the `tutor propagate` protocol of docs/design.md: a section of length L (µm), diameter d
(µm), axial resistivity Ra (Ω·cm) and ``nseg`` compartments, squid ``hh``
inserted with its tables off; it starts from the steady resting state of the
membrane at the chosen temperature (the zero of NEURON's own steady-state I–V
curve, `oracle.nrn.Oracle.rest`); an IClamp at the left end (``sec(0)``, the
zero-area end node, whose current flows into the first compartment) and/or the
right end (``sec(1)``) injects ``amp`` nA for 0.5 ms from t = 1 ms. CVODE with
a tight tolerance and second-order threshold location.

Measures (the project's definitions, module `tutor.lab.propagation`, which
this file does not import):

- the first upward 0-mV crossing at the two compartment centres either side of
  25 % and 75 % of the length (NetCon threshold 0), interpolated linearly in
  position; velocity = L/2 over the difference;
- the peak V at the middle (``sec(0.5)``, a compartment centre since nseg is
  odd), from the CVODE steps refined by a parabola through the neighbours.

Nothing here imports `tutor`: the oracle is independent of the engine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")

from neuron import h

from oracle.nrn import SQUID, Oracle, _refine

#: CVODE absolute tolerance for the cable runs (mV and gate units).
ATOL = 1e-6
#: Stimulus onset and width (ms).
STIM_DELAY_MS = 1.0
STIM_WIDTH_MS = 0.5


@dataclass
class CableRun:
    """What the propagation tests compare: velocity (m/s) and the mid-axon peak (mV)."""

    velocity_m_s: float
    peak_mV: float
    t25_ms: float
    t75_ms: float
    rest_mV: float


_ORACLE: Oracle | None = None


def _rest(celsius: float) -> float:
    global _ORACLE
    if _ORACLE is None:
        _ORACLE = Oracle()
    return _ORACLE.rest(dict(SQUID, celsius=celsius))


def run_cable(
    diam_um: float,
    length_um: float,
    ra_ohm_cm: float,
    celsius: float,
    nseg: int,
    amp_nA: float,
    tstop_ms: float,
    stim: str = "left",
) -> CableRun:
    """One propagation run in NEURON (see the module docstring)."""
    if nseg % 2 == 0:
        raise ValueError("nseg must be odd so that the middle is a compartment centre")
    v_rest = _rest(celsius)
    sec = h.Section(name="cable_oracle")
    sec.L = length_um
    sec.diam = diam_um
    sec.Ra = ra_ohm_cm
    sec.nseg = nseg
    sec.insert("hh")
    for seg in sec:
        seg.hh.gnabar = SQUID["gna"] * 1e-3
        seg.hh.gkbar = SQUID["gk"] * 1e-3
        seg.hh.gl = SQUID["gl"] * 1e-3
        seg.hh.el = SQUID["el"]
        seg.ena = SQUID["ena"]
        seg.ek = SQUID["ek"]
        seg.cm = SQUID["cm"]
    h.usetable_hh = 0
    h.celsius = celsius
    clamps = []
    for x in {"left": (0.0,), "right": (1.0,), "both": (0.0, 1.0)}[stim]:
        st = h.IClamp(sec(x))
        st.delay = STIM_DELAY_MS
        st.dur = STIM_WIDTH_MS
        st.amp = amp_nA
        clamps.append(st)
    centres = [(i + 0.5) / nseg for i in range(nseg)]
    probes = {}
    for frac in (0.25, 0.75):
        i = min(int(frac * nseg - 0.5), nseg - 2)
        for j in (i, i + 1):
            nc = h.NetCon(sec(centres[j])._ref_v, None, sec=sec)
            nc.threshold = 0.0
            vec = h.Vector()
            nc.record(vec)
            probes[j] = (nc, vec)
    tvec, vvec = h.Vector(), h.Vector()
    tvec.record(h._ref_t)
    vvec.record(sec(0.5)._ref_v)
    cvode = h.CVode()
    cvode.active(1)
    cvode.atol(ATOL)
    cvode.condition_order(2)
    h.finitialize(v_rest)
    cvode.re_init()
    h.continuerun(tstop_ms)

    def crossing(frac: float) -> float:
        i = min(int(frac * nseg - 0.5), nseg - 2)
        t0, t1 = probes[i][1][0], probes[i + 1][1][0]
        x0, x1 = centres[i], centres[i + 1]
        return t0 + (t1 - t0) * (frac - x0) / (x1 - x0)

    t25, t75 = crossing(0.25), crossing(0.75)
    import numpy as np

    t, v = np.array(tvec), np.array(vvec)
    peak, _ = _refine(t, v, int(np.argmax(v)), +1)
    velocity = abs(0.5 * length_um / (t75 - t25)) * 1e-3
    return CableRun(velocity, peak, t25, t75, v_rest)
