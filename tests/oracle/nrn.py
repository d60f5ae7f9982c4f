"""docs/design.md protocols implemented in NEURON (the oracle for the accuracy tests).

One section, ``nseg = 1``, ``hh`` inserted with its tables off
(``usetable_hh = 0``), CVODE with a tight absolute tolerance and second-order
threshold detection. The IClamp amplitude is scaled by the segment area so
stimuli are in µA/cm² like the project's. Every run starts from the steady
resting state of the *unmodified* membrane (``finitialize(v_rest)``: hh's
INITIAL block puts the gates at steady state for that V); drug blocks and
parameter overrides are applied after ``finitialize`` so they act from t = 0.

Definitions follow the project's exactly: a spike is an upward 0-mV crossing
(NetCon, threshold 0) at which the Na⁺ channels carry inward current larger than
the leak current — the same rule as the project's kernel, applied here to
NEURON's own recorded gates m and h interpolated to the crossing time
(`na_carried`), so a response the stimulus alone charges past 0 mV (TTX) is not a
spike; the
threshold of a pulse is the smallest amplitude giving a spike within 40 ms of
the pulse end (bisection to 0.01 % relative); f–I rate = 1000 / mean ISI of the
spikes at t ≥ 110 ms (0 Hz with fewer than two); paired-pulse threshold = the
smallest test amplitude ≤ max-amp giving a second spike, None if there is none.

Units: mV, ms, µA/cm² (stimuli), mS/cm² (conductances, as the project's
parameters; converted to S/cm² for NEURON), µF/cm², °C.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")

from neuron import h

#: The squid preset of docs/design.md (mS/cm², mV, µF/cm², °C).
SQUID: dict[str, float] = {
    "gna": 120.0,
    "gk": 36.0,
    "gl": 0.3,
    "ena": 50.0,
    "ek": -77.0,
    "el": -54.3,
    "cm": 1.0,
    "celsius": 6.3,
}

#: Drug blocks as parameter changes (docs/design.md).
BLOCKS: dict[str, str] = {"ttx": "gna", "tea": "gk"}

#: CVODE absolute tolerance used by the oracle (mV and gate units).
ATOL = 1e-8

#: Threshold search: relative bisection tolerance and spike window after the pulse (ms).
REL_TOL = 1e-4
WINDOW_MS = 40.0

#: f–I: spikes counted from this time (ms); the step starts at F_I_DELAY_MS.
FI_COUNT_FROM_MS = 110.0
FI_DELAY_MS = 10.0

#: Paired pulse protocol constants.
COND_DELAY_MS = 5.0
COND_WIDTH_MS = 1.0
COND_AMP = 20.0
TEST_WIDTH_MS = 1.0

Pulse = tuple[float, float, float]  # (delay ms, width ms, amp µA/cm²)


@dataclass
class NrnRun:
    """One NEURON run: the CVODE steps (t, v), spikes and the docs/design.md measures."""

    t_ms: np.ndarray
    v_mV: np.ndarray
    spikes_ms: list[float]
    rest_mV: float
    peak_mV: float = math.nan
    peak_ms: float = math.nan
    ahp_min_mV: float | None = None
    ahp_ms: float | None = None
    extra: dict[str, float] = field(default_factory=dict)
    #: every upward 0-mV crossing NEURON's NetCon saw, spikes or not (ms)
    crossings_ms: list[float] = field(default_factory=list)

    def v_at(self, t_ms: Sequence[float] | np.ndarray) -> np.ndarray:
        """V (mV) at the given times, linearly interpolated between CVODE steps."""
        return np.interp(np.asarray(t_ms, dtype=float), self.t_ms, self.v_mV)


class Oracle:
    """A single-compartment HH membrane in NEURON, reused across runs."""

    def __init__(self, atol: float = ATOL) -> None:
        h.load_file("stdrun.hoc")
        self.sec = h.Section(name="oracle_soma")
        self.sec.nseg = 1
        self.sec.L = self.sec.diam = math.sqrt(1e5 / math.pi)  # area 1e5 µm²
        self.sec.insert("hh")
        self.seg = self.sec(0.5)
        #: nA per µA/cm² for this segment (area µm² · 1e-8 cm²/µm² · 1e-3 nA/µA... = area·1e-5)
        self.na_per_uA_cm2 = self.seg.area() * 1e-5
        h.usetable_hh = 0
        self.cvode = h.CVode()
        self.cvode.active(1)
        self.cvode.atol(atol)
        self.cvode.condition_order(2)
        self.stims: list = []
        self.spk = h.Vector()
        self.nc = h.NetCon(self.seg._ref_v, None, sec=self.sec)
        self.nc.threshold = 0.0
        self.nc.record(self.spk)
        self.tvec = h.Vector()
        self.vvec = h.Vector()
        self.tvec.record(h._ref_t)
        self.vvec.record(self.seg._ref_v)
        self.mvec = h.Vector()
        self.hvec = h.Vector()
        self.mvec.record(self.seg.hh._ref_m)
        self.hvec.record(self.seg.hh._ref_h)
        self._rest_cache: dict[tuple, float] = {}

    # -- membrane ---------------------------------------------------------
    def _apply(self, p: Mapping[str, float]) -> None:
        """Set the membrane parameters (project names and units) on the section."""
        self.seg.hh.gnabar = p["gna"] * 1e-3
        self.seg.hh.gkbar = p["gk"] * 1e-3
        self.seg.hh.gl = p["gl"] * 1e-3
        self.seg.hh.el = p["el"]
        self.seg.ena = p["ena"]
        self.seg.ek = p["ek"]
        self.seg.cm = p["cm"]
        h.celsius = p["celsius"]

    def steady_current(self, v_mV: float, p: Mapping[str, float]) -> float:
        """NEURON's net hh current (µA/cm², outward +) with the gates at steady state at V."""
        self._apply(p)
        h.finitialize(v_mV)
        h.fcurrent()
        return (self.seg.ina + self.seg.ik + self.seg.hh.il) * 1e3  # mA/cm² -> µA/cm²

    def rest(self, p: Mapping[str, float] | None = None) -> float:
        """Lowest stable zero of NEURON's steady-state I–V curve (mV), by bisection."""
        p = dict(SQUID if p is None else p)
        key = tuple(sorted(p.items()))
        if key in self._rest_cache:
            return self._rest_cache[key]
        grid = np.arange(-130.0, 60.0001, 0.5)
        vals = [self.steady_current(float(v), p) for v in grid]
        for k in range(len(grid) - 1):
            if vals[k] < 0.0 <= vals[k + 1]:
                lo, hi = float(grid[k]), float(grid[k + 1])
                for _ in range(100):
                    mid = 0.5 * (lo + hi)
                    if mid in (lo, hi):
                        break
                    if self.steady_current(mid, p) < 0.0:
                        lo = mid
                    else:
                        hi = mid
                self._rest_cache[key] = 0.5 * (lo + hi)
                return self._rest_cache[key]
        raise ValueError("no stable rest")

    # -- one run ----------------------------------------------------------
    def run(
        self,
        pulses: Sequence[Pulse] = (),
        tstop_ms: float = 50.0,
        celsius: float = 6.3,
        overrides: Mapping[str, float] | None = None,
        blocks: Sequence[str] = (),
        stop_after_spikes: int = 0,
    ) -> NrnRun:
        """Run one protocol; measures follow docs/design.md (see module docstring).

        `overrides` use the project's names (gna gk gl ena ek el cm; mS/cm², mV,
        µF/cm²); `celsius` is the chosen temperature (part of the base membrane).
        `stop_after_spikes` > 0 ends the run early once that many spikes happened
        (for threshold searches; the measures are then not meaningful).
        """
        base = dict(SQUID, celsius=celsius)
        v0 = self.rest(base)
        modified = dict(base, **(overrides or {}))
        for b in blocks:
            modified[BLOCKS[b]] = 0.0
        self.stims = []
        for delay, width, amp in pulses:
            st = h.IClamp(self.seg)
            st.delay = delay
            st.dur = width
            st.amp = amp * self.na_per_uA_cm2
            self.stims.append(st)
        self._apply(base)
        h.finitialize(v0)
        self._apply(modified)
        self.cvode.re_init()
        if stop_after_spikes > 0:
            # advance in short chunks so threshold searches stop once they know
            t = 0.0
            while t < tstop_ms - 1e-12 and len(self._spikes(modified)) < stop_after_spikes:
                t = min(tstop_ms, t + 5.0)
                h.continuerun(t)
        else:
            h.continuerun(tstop_ms)
        self.stims = []
        res = NrnRun(np.array(self.tvec), np.array(self.vvec), self._spikes(modified), v0)
        res.crossings_ms = list(self.spk)
        if stop_after_spikes == 0 and len(res.t_ms):
            _measure(res)
        return res

    def _spikes(self, p: Mapping[str, float]) -> list[float]:
        """The NetCon's 0-mV crossings that pass the spike rule (`na_carried`), with the
        gates linearly interpolated between CVODE steps to the crossing time."""
        t = np.array(self.tvec)
        m = np.array(self.mvec)
        hh = np.array(self.hvec)
        return [
            float(tc)
            for tc in self.spk
            if na_carried(float(np.interp(tc, t, m)), float(np.interp(tc, t, hh)), p)
        ]

    # -- protocols --------------------------------------------------------
    def spiked(
        self,
        pulses: Sequence[Pulse],
        t_end_ms: float,
        need: int = 1,
        celsius: float = 6.3,
        overrides: Mapping[str, float] | None = None,
        blocks: Sequence[str] = (),
    ) -> bool:
        """Whether at least `need` spikes happen by `t_end_ms`."""
        res = self.run(pulses, t_end_ms, celsius, overrides, blocks, stop_after_spikes=need)
        return sum(1 for s in res.spikes_ms if s <= t_end_ms) >= need

    def pulse_threshold(
        self,
        width_ms: float,
        delay_ms: float = 5.0,
        celsius: float = 6.3,
        overrides: Mapping[str, float] | None = None,
        blocks: Sequence[str] = (),
    ) -> float | None:
        """Smallest amplitude (µA/cm²) giving a spike within 40 ms of the pulse end."""
        t_end = delay_ms + width_ms + WINDOW_MS
        return bisect_threshold(
            lambda a: self.spiked([(delay_ms, width_ms, a)], t_end, 1, celsius, overrides, blocks),
            guess=10.0,
            max_amp=1e5,
        )

    def rheobase(self, celsius: float = 6.3, delay_ms: float = 5.0) -> float | None:
        """Threshold of a 200 ms step (µA/cm²)."""
        return self.pulse_threshold(200.0, delay_ms, celsius)

    def fi_rate(
        self,
        amp: float,
        duration_ms: float = 500.0,
        celsius: float = 6.3,
        overrides: Mapping[str, float] | None = None,
        blocks: Sequence[str] = (),
    ) -> tuple[float, list[float]]:
        """f–I rate (Hz) for a step of `amp` from t = 10 ms; also the spike times."""
        t_end = FI_DELAY_MS + duration_ms
        res = self.run([(FI_DELAY_MS, duration_ms, amp)], t_end, celsius, overrides, blocks)
        return fi_rate_from_spikes(res.spikes_ms, t_end), res.spikes_ms

    def paired_threshold(
        self, isi_ms: float, max_amp: float = 400.0, celsius: float = 6.3
    ) -> float | None:
        """Test-pulse threshold (µA/cm²) at `isi_ms` after the conditioning pulse, or None."""
        test_delay = COND_DELAY_MS + isi_ms
        t_end = test_delay + TEST_WIDTH_MS + WINDOW_MS
        cond = (COND_DELAY_MS, COND_WIDTH_MS, COND_AMP)
        # the bracket is [0, max_amp] from the start: "the smallest amplitude ≤ max-amp"
        return bisect_threshold(
            lambda a: self.spiked([cond, (test_delay, TEST_WIDTH_MS, a)], t_end, 2, celsius),
            guess=max_amp,
            max_amp=max_amp,
        )


def na_carried(m: float, h_gate: float, p: Mapping[str, float]) -> bool:
    """The spike rule at a 0-mV crossing: I_Na(0 mV) = gNa·m³h·(0 − ENa) is inward and
    larger in magnitude than I_L(0 mV) = gL·(0 − EL) (µA/cm²; project units)."""
    ina = p["gna"] * m**3 * h_gate * (0.0 - p["ena"])
    il = p["gl"] * (0.0 - p["el"])
    return ina < 0.0 and -ina > abs(il)


def fi_rate_from_spikes(spikes_ms: Sequence[float], t_end_ms: float = math.inf) -> float:
    """1000 / mean ISI of the spikes at t ≥ 110 ms (and ≤ t_end); 0 with fewer than two."""
    s = [x for x in spikes_ms if FI_COUNT_FROM_MS <= x <= t_end_ms]
    if len(s) < 2:
        return 0.0
    return 1000.0 * (len(s) - 1) / (s[-1] - s[0])


def bisect_threshold(
    spiked: Callable[[float], bool], guess: float, max_amp: float, rel_tol: float = REL_TOL
) -> float | None:
    """Smallest amplitude in (0, max_amp] for which `spiked` is true (bisection, relative).

    The bracket grows by doubling from `guess` (never beyond `max_amp`); if even
    `max_amp` gives no spike the answer is None. Returns the upper end of the
    final bracket, which satisfies (hi − lo) ≤ rel_tol · hi.
    """
    lo, hi = 0.0, min(guess, max_amp)
    while not spiked(hi):
        if hi >= max_amp:
            return None
        lo, hi = hi, min(2.0 * hi, max_amp)
    while hi - lo > rel_tol * hi:
        mid = 0.5 * (lo + hi)
        if spiked(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _measure(res: NrnRun) -> None:
    """Peak (highest V), its time, and the AHP minimum after it (before the next spike)."""
    t, v = res.t_ms, res.v_mV
    k = int(np.argmax(v))
    res.peak_mV, res.peak_ms = _refine(t, v, k, +1)
    nxt = [s for s in res.spikes_ms if s > res.peak_ms]
    stop = int(np.searchsorted(t, nxt[0])) if nxt else len(t)
    if stop - (k + 1) >= 1:
        j = k + 1 + int(np.argmin(v[k + 1 : stop]))
        res.ahp_min_mV, res.ahp_ms = _refine(t, v, j, -1)


def _refine(t: np.ndarray, v: np.ndarray, k: int, sign: int) -> tuple[float, float]:
    """Refine a sampled extremum with the parabola through its neighbours (if smooth there)."""
    if 0 < k < len(t) - 1 and t[k - 1] < t[k] < t[k + 1]:
        x0, x1, x2 = t[k - 1], t[k], t[k + 1]
        y0, y1, y2 = v[k - 1], v[k], v[k + 1]
        d = (x0 - x1) * (x0 - x2) * (x1 - x2)
        a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / d
        b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / d
        if a * sign < 0:
            xv = -b / (2 * a)
            if x0 < xv < x2:
                # y(x) = a x² + b x + c, so y(xv) − y(x1) = a(xv² − x1²) + b(xv − x1)
                yv = y1 + a * (xv * xv - x1 * x1) + b * (xv - x1)
                if sign * (yv - y1) >= 0 and abs(yv - y1) < 0.05:
                    return float(yv), float(xv)
    return float(v[k]), float(t[k])
