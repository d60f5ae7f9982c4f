"""A live axon for the TUI's axon view: the cable engine advanced a little at a time.

The state machine of the patch (`tutor.lab.phases`) labels one membrane from
its own history; along an axon we label every position at every recorded
instant from the model state at that instant, with the same ideas:

- ``depolarization``: V rising and the net ionic current inward — the
  membrane itself drives the upstroke (the threshold criterion of docs/design.md);
- ``subthreshold``: V rising above rest but the net ionic current outward —
  charged by the axial current from its active neighbour, not yet regenerative;
- ``repolarization``: V above rest and falling;
- ``hyperpolarization``: V more than 1 mV below rest;
- ``resting``: within 1 mV of rest and not rising.

Refractoriness is shown by its cause, Na⁺ inactivation: a position is
``refractory`` while its Na⁺ channels are less than half as available as at
rest (h < ½·h_rest), ``recovering`` while h < 0.9·h_rest after that. These
names are what the screen shows, so they are defined here once and tested
against the model state.

Memory stays flat over any run: a fixed ring of recorded rows; finished
stimuli are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from tutor.lab.names import PHASES
from tutor.lab.propagation import (
    MYELIN_DEFAULT_DIAM_UM,
    SQUID_CELSIUS,
    SQUID_DIAM_UM,
    STIM_WIDTH_MS,
    AxonSpec,
    build_axon,
    crossing_at,
    rule_dt_ms,
    stimulus_nA,
)
from tutor.sim.cable import CableBatch, CurrentClamp, ionic_currents
from tutor.sim.params import MembraneParams, load_preset

#: Fewest compartments of the live axon (the view must show ≥ 400 positions' worth).
MIN_COMPARTMENTS = 400
#: Recorded rows kept (the picture shows the newest that fit).
HISTORY_ROWS = 400
#: Every time step's V kept for the probe trace (all positions, so the probe can move).
HISTORY_STEPS = 2048
#: Sample intervals offered (ms of model time per picture row).
SAMPLE_MS: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.5)
#: Diameters offered by +/- (µm): bare axon and myelinated fibre.
BARE_DIAMS: tuple[float, ...] = (50.0, 100.0, 238.0, 476.0, 952.0)
MYELIN_DIAMS: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0)
#: Phase rule constants (mV, mV/ms).
REST_BAND_MV = 1.0
RISING_MV_MS = 0.5
#: Refractoriness by Na⁺ availability relative to rest.
REFRACTORY_H = 0.5
RECOVERING_H = 0.9
#: Refractory codes per position.
EXCITABLE, REFRACTORY, RECOVERING = 0, 1, 2
REFRACTORY_NAMES: tuple[str, ...] = ("excitable", "refractory", "recovering")
#: Voltage range of the colour scale (mV).
V_RANGE_MV: tuple[float, float] = (-80.0, 40.0)


def classify(v: np.ndarray, dvdt: np.ndarray, i_ion: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """Phase index (into PHASES) per position from V (mV), dV/dt (mV/ms) and the net
    ionic current (µA/cm², outward positive) — the rule in the module docstring."""
    out = np.full(v.shape, PHASES.index("resting"), dtype=np.int8)
    above = v > rest + REST_BAND_MV
    rising = dvdt > RISING_MV_MS
    out[above & ~rising] = PHASES.index("repolarization")
    out[rising & (i_ion >= 0)] = PHASES.index("subthreshold")
    out[rising & (i_ion < 0)] = PHASES.index("depolarization")
    out[v < rest - REST_BAND_MV] = PHASES.index("hyperpolarization")
    return out


def refractoriness(h: np.ndarray, h_rest: np.ndarray) -> np.ndarray:
    """EXCITABLE / REFRACTORY / RECOVERING per position from Na⁺ inactivation (h)."""
    ratio = h / h_rest
    out = np.full(h.shape, EXCITABLE, dtype=np.int8)
    out[ratio < RECOVERING_H] = RECOVERING
    out[ratio < REFRACTORY_H] = REFRACTORY
    return out


@dataclass(frozen=True)
class AxonFrame:
    """What the view draws: the newest `rows` recorded rows, oldest first.

    t_ms [R]; v_mV, phase, refractory [R, N]; x_mm [N]; probe (index), and the
    axon's description.
    """

    t_ms: np.ndarray
    v_mV: np.ndarray
    phase: np.ndarray
    refractory: np.ndarray
    x_mm: np.ndarray
    kinds: tuple[str, ...]
    probe: int


class AxonSession:
    """One axon advanced live, with a ring of recorded rows for the space–time picture."""

    def __init__(
        self,
        membrane: MembraneParams | None = None,
        diam_um: float = SQUID_DIAM_UM,
        myelin: bool = False,
        sample_ms: float = 0.05,
        engine: str | None = None,
    ) -> None:
        self.membrane = membrane or load_preset("squid").at_temperature(SQUID_CELSIUS)
        self.engine = engine
        self.sample_ms = sample_ms
        self.spec = AxonSpec(self.membrane, diam_um=diam_um, myelin=myelin)
        self.probe_frac = 0.5
        self._build()

    # -- building ------------------------------------------------------------------------
    def _nseg(self, spec: AxonSpec) -> int:
        """Compartments by the rule, raised so the whole axon has ≥ MIN_COMPARTMENTS."""
        base = build_axon(spec)
        if not spec.myelin:
            return max(MIN_COMPARTMENTS, len(base))
        n_nodes = base.kind.count("node")
        rule = base.kind.count("internode") // max(1, n_nodes - 1)
        need = math.ceil((MIN_COMPARTMENTS - n_nodes) / max(1, n_nodes - 1))
        return max(rule, need, 3)

    def _build(self) -> None:
        spec = replace(self.spec, nseg=None)
        self.spec = replace(spec, nseg=self._nseg(spec))
        self.cable = build_axon(self.spec)
        self.dt_ms = rule_dt_ms(self.membrane)
        self.batch = CableBatch([self.cable], [[]], self.dt_ms, engine=self.engine)
        n = len(self.cable)
        self.rest = np.array(self.batch.rest_mV)
        self.h_rest = self.batch.view("h").copy()
        self.p = self.cable.param_arrays()
        self.x_mm = np.array(self.cable.x_um) * 1e-3
        self.stim_nA = stimulus_nA(self.cable, 0)
        self._ring_v = np.zeros((HISTORY_ROWS, n))
        self._ring_phase = np.zeros((HISTORY_ROWS, n), dtype=np.int8)
        self._ring_ref = np.zeros((HISTORY_ROWS, n), dtype=np.int8)
        self._ring_t = np.zeros(HISTORY_ROWS)
        self._fine_v = np.zeros((HISTORY_STEPS, n))
        self._fine_t = np.zeros(HISTORY_STEPS)
        self._fine_count = 0
        self._push_fine(self.batch.view("v")[None, :], self.t_ms)
        self._count = 0
        self._since_sample = 0.0
        self._v_prev = self.batch.view("v").copy()
        self._t_prev = 0.0
        self.velocity_m_s: float | None = None
        self.stim_site: str | None = None
        self._record()

    @property
    def t_ms(self) -> float:
        """Model time (ms)."""
        return self.batch.t_ms

    @property
    def n(self) -> int:
        """Number of compartments."""
        return len(self.cable)

    @property
    def probe(self) -> int:
        """Compartment index of the probe."""
        return self.cable.compartment_at(self.probe_frac)

    def describe(self) -> str:
        """One line: the axon and its membrane."""
        kind = "myelinated fibre" if self.spec.myelin else "bare axon"
        return (
            f"{self.spec.diam_um:g} µm {kind}, {self.cable.length_um / 1000:.1f} mm, "
            f"{self.n} compartments, {self.membrane.name} at {self.membrane.celsius:g} °C"
        )

    # -- controls ------------------------------------------------------------------------
    def stimulate(self, where: str) -> None:
        """A 0.5 ms pulse now at the left end, the right end or both (default amplitude)."""
        sites = {"left": [0], "right": [self.n - 1], "both": [0, self.n - 1]}[where]
        self.batch.forget_finished_clamps(0)
        for s in sites:
            self.batch.add_point_process(0, CurrentClamp(s, self.t_ms, STIM_WIDTH_MS, self.stim_nA))
        self.batch.reset_reductions()
        self.stim_site = where
        self.velocity_m_s = None

    def set_myelin(self, myelin: bool) -> None:
        """Switch between a bare axon and a myelinated fibre (rebuilt at rest)."""
        diam = MYELIN_DEFAULT_DIAM_UM if myelin else SQUID_DIAM_UM
        self.spec = replace(self.spec, myelin=myelin, diam_um=diam)
        self._build()

    def step_diameter(self, direction: int) -> None:
        """Next/previous diameter of the offered list (rebuilt at rest)."""
        options = MYELIN_DIAMS if self.spec.myelin else BARE_DIAMS
        k = min(range(len(options)), key=lambda i: abs(options[i] - self.spec.diam_um))
        k = min(max(k + direction, 0), len(options) - 1)
        self.spec = replace(self.spec, diam_um=options[k])
        self._build()

    def move_probe(self, frac_step: float) -> None:
        """Move the probe along the axon by a fraction of its length."""
        self.probe_frac = min(max(self.probe_frac + frac_step, 0.0), 1.0)

    def reset(self) -> None:
        """Back to rest at t = 0, same axon."""
        self._build()

    # -- time ----------------------------------------------------------------------------
    def advance(self, ms: float) -> int:
        """Advance by `ms` of model time (whole steps); returns rows recorded."""
        steps = int(round(ms / self.dt_ms))
        rows = 0
        while steps > 0:
            to_sample = max(1, int(round((self.sample_ms - self._since_sample) / self.dt_ms)))
            k = min(steps, to_sample)
            t0 = self.t_ms
            rec = self.batch.step(k, record_every=1)
            self._push_fine(rec, t0 + self.dt_ms * np.arange(1, k + 1))
            steps -= k
            self._since_sample += k * self.dt_ms
            if self._since_sample >= self.sample_ms - 1e-9:
                self._since_sample = 0.0
                self._record()
                rows += 1
        self._update_velocity()
        return rows

    def _push_fine(self, v_rows: np.ndarray, t_ms: np.ndarray | float) -> None:
        """Append rows of V (one per time step) to the fine ring."""
        times = np.atleast_1d(np.asarray(t_ms, dtype=float))
        for row, t in zip(v_rows[-HISTORY_STEPS:], times[-HISTORY_STEPS:], strict=True):
            k = self._fine_count % HISTORY_STEPS
            self._fine_v[k] = row
            self._fine_t[k] = t
            self._fine_count += 1

    def probe_trace(self, since_ms: float) -> tuple[np.ndarray, np.ndarray]:
        """(t ms, V mV) at the probe for every time step kept since `since_ms`."""
        have = min(self._fine_count, HISTORY_STEPS)
        idx = [(self._fine_count - have + i) % HISTORY_STEPS for i in range(have)]
        t = self._fine_t[idx]
        keep = t >= since_ms - 1e-9
        return t[keep], self._fine_v[idx][keep, self.probe]

    def _record(self) -> None:
        v = self.batch.view("v").copy()
        h = self.batch.view("h")
        m, n = self.batch.view("m"), self.batch.view("n")
        ina, ik, il = ionic_currents(v, m, h, n, self.p)
        elapsed = self.t_ms - self._t_prev
        dvdt = (v - self._v_prev) / elapsed if elapsed > 0 else np.zeros_like(v)
        k = self._count % HISTORY_ROWS
        self._ring_v[k] = v
        self._ring_phase[k] = classify(v, dvdt, ina + ik + il, self.rest)
        self._ring_ref[k] = refractoriness(h, self.h_rest)
        self._ring_t[k] = self.t_ms
        self._v_prev = v
        self._t_prev = self.t_ms
        self._count += 1

    def _update_velocity(self) -> None:
        if self.stim_site is None or self.velocity_m_s is not None:
            return
        first = self.batch.values("first", 0)
        x = self.cable.x_um
        lo, hi = (0.125, 0.375) if self.stim_site == "both" else (0.25, 0.75)
        length = self.cable.length_um
        a, b = crossing_at(x, first, lo * length), crossing_at(x, first, hi * length)
        if math.isfinite(a) and math.isfinite(b) and a != b:
            self.velocity_m_s = (hi - lo) * length * 1e-3 / abs(b - a)

    # -- reading -------------------------------------------------------------------------
    def frame(self, rows: int) -> AxonFrame:
        """The newest `rows` recorded rows (fewer at the start), oldest first."""
        have = min(self._count, HISTORY_ROWS, max(rows, 1))
        idx = [(self._count - have + i) % HISTORY_ROWS for i in range(have)]
        return AxonFrame(
            self._ring_t[idx],
            self._ring_v[idx],
            self._ring_phase[idx],
            self._ring_ref[idx],
            self.x_mm,
            self.cable.kind,
            self.probe,
        )

    def now(self) -> tuple[str, str]:
        """(phase name, refractory name) at the probe in the newest recorded row."""
        k = (self._count - 1) % HISTORY_ROWS
        return (
            PHASES[int(self._ring_phase[k, self.probe])],
            REFRACTORY_NAMES[int(self._ring_ref[k, self.probe])],
        )
