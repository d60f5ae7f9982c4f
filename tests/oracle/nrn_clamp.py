"""The voltage-clamp protocols of docs/design.md run in NEURON (the oracle for `tutor clamp`).

One small section (L = diam = 10 µm, nseg = 1) with `hh` (tables off), held by
an `SEClamp` with a tiny series resistance (1e-5 MΩ: the largest squid current
drops ≈ 1e-4 mV across it), CVODE with a tight absolute tolerance. The
membrane starts at the holding potential with the gates at their steady state
there (`finitialize(hold)`: hh's INITIAL block), as docs/design.md's "from t = −∞".

The clamp's three levels are hold (until 5 ms), then either prepulse → test
step, or test step → tail. Currents are read as NEURON's density variables
(`ina`, `ik`, `il_hh`, mA/cm² → µA/cm², outward positive) on a fine grid of
sample times; the peak is the sample of largest magnitude during the step.
Nothing here imports `tutor`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")

from neuron import h

from oracle.nrn import BLOCKS, SQUID

#: Series resistance of the clamp (MΩ) and the sampling interval of the currents (ms).
RS_MOHM = 1e-5
SAMPLE_MS = 0.0025
#: Step onset (ms), as in docs/design.md.
ONSET_MS = 5.0
#: Offsets (ms) used to read a value just after a command edge (NEURON's record at an
#: edge may hold either side of it).
EDGE_MS = 1e-6
ATOL = 1e-9


class ClampOracle:
    """A voltage-clamped hh patch in NEURON, reused across runs."""

    def __init__(self) -> None:
        h.load_file("stdrun.hoc")
        self.sec = h.Section(name="clamp_oracle")
        self.sec.nseg = 1
        self.sec.L = self.sec.diam = 10.0
        self.sec.insert("hh")
        self.seg = self.sec(0.5)
        h.usetable_hh = 0
        self.cvode = h.CVode()
        self.cvode.active(1)
        self.cvode.atol(ATOL)
        self.clamp = h.SEClamp(self.seg)
        self.clamp.rs = RS_MOHM

    def _apply(self, p: Mapping[str, float]) -> None:
        self.seg.hh.gnabar = p["gna"] * 1e-3
        self.seg.hh.gkbar = p["gk"] * 1e-3
        self.seg.hh.gl = p["gl"] * 1e-3
        self.seg.hh.el = p["el"]
        self.seg.ena = p["ena"]
        self.seg.ek = p["ek"]
        self.seg.cm = p["cm"]
        h.celsius = p["celsius"]

    def run(
        self,
        v_mV: float,
        hold_mV: float = -65.0,
        dur_ms: float = 20.0,
        celsius: float = 6.3,
        blocks: Sequence[str] = (),
        pre: tuple[float, float] | None = None,
        tail: tuple[float, float] | None = None,
    ) -> dict[str, float]:
        """One clamp run; returns the point of `tutor clamp --json` (and tail values).

        `pre` = (prepulse mV, duration ms) before the step; `tail` = (mV, ms) after it.
        """
        if pre is not None and tail is not None:
            raise ValueError("SEClamp has three levels: hold + (prepulse, step) or (step, tail)")
        p = dict(SQUID, celsius=celsius)
        for b in blocks:
            p[BLOCKS[b]] = 0.0
        self._apply(p)
        c = self.clamp
        c.dur1, c.amp1 = ONSET_MS, hold_mV
        if pre is not None:
            c.dur2, c.amp2 = pre[1], pre[0]
            c.dur3, c.amp3 = dur_ms + 1.0, v_mV
            t_step = ONSET_MS + pre[1]
        else:
            c.dur2, c.amp2 = dur_ms + (0.0 if tail else 1.0), v_mV
            c.dur3, c.amp3 = (tail[1], tail[0]) if tail else (0.0, hold_mV)
            t_step = ONSET_MS
        t_end = t_step + dur_ms
        n = int(round(dur_ms / SAMPLE_MS))
        times = [t_step + EDGE_MS] + [t_step + k * SAMPLE_MS for k in range(1, n + 1)]
        if tail is not None:
            times[-1] = t_end - EDGE_MS
            times.append(t_end + EDGE_MS)
        tvec = h.Vector(times)
        rec = {name: h.Vector() for name in ("ina", "ik", "il", "v")}
        rec["ina"].record(self.seg._ref_ina, tvec)
        rec["ik"].record(self.seg._ref_ik, tvec)
        rec["il"].record(self.seg.hh._ref_il, tvec)
        rec["v"].record(self.seg._ref_v, tvec)
        h.finitialize(hold_mV)
        self.cvode.re_init()
        self.cvode.solve(times[-1] + (0.5 if tail is None else 0.01))
        ina, ik, il, v = (np.array(rec[k]) for k in ("ina", "ik", "il", "v"))
        ina, ik, il = ina * 1e3, ik * 1e3, il * 1e3  # mA/cm² -> µA/cm²
        step = slice(0, n + 1)
        itot = ina + ik + il
        k_na = int(np.argmax(np.abs(ina[step])))
        k_i = int(np.argmax(np.abs(itot[step])))
        out: dict[str, Any] = {
            "v_mV": v_mV,
            "v_clamped_mV": float(v[n // 2]),
            "ina_peak_uA_cm2": float(ina[k_na]),
            "ina_end_uA_cm2": float(ina[n]),
            "ik_end_uA_cm2": float(ik[n]),
            "i_peak_uA_cm2": float(itot[k_i]),
            "i_end_uA_cm2": float(itot[n]),
        }
        if tail is not None:
            out["ina_tail_uA_cm2"] = float(ina[-1])
            out["ik_tail_uA_cm2"] = float(ik[-1])
        return out

    def rates(self, v_mV: float, celsius: float = 6.3) -> dict[str, float]:
        """hh's own steady states and time constants at v (NEURON's `rates_hh`)."""
        h.celsius = celsius
        h.setdata_hh(self.seg)
        h.rates_hh(v_mV)
        s = self.seg
        return {
            "n_inf": s.ninf_hh,
            "tau_n_ms": s.ntau_hh,
            "m_inf": s.minf_hh,
            "tau_m_ms": s.mtau_hh,
            "h_inf": s.hinf_hh,
            "tau_h_ms": s.htau_hh,
        }


def finite(x: float) -> float | None:
    """JSON-safe float."""
    return x if math.isfinite(x) else None
