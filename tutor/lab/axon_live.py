"""A live axon for the TUI's axon view: the cable engine advanced a step at a time.

The phase of every position is the phase machine's (`tutor.lab.phases`, on a
cable compartment: `tutor.lab.cable_phases`): `CablePhases` applies its
voltage rules to every compartment each step, and a full
`CompartmentPhaseMachine` — with its excitability probes, which stimulate the
cable at that compartment — runs at the probe position. Its phase and its
excitability state (excitable, absolute or relative refractory) are what the
view names at the probe, and the probe trace's band; a probe costs a cable
run, so the other positions show their voltage phase and the cause of
refractoriness, Na⁺ inactivation: ``inactivated`` while h < ½·h_rest,
``recovering`` while h < 0.9·h_rest (a model quantity, not a verdict on
excitability). These names are what the screen shows, so they are defined
here once and tested against the model state.

Memory stays flat over any run: fixed rings of recorded rows, a bounded
event list at the probe; finished stimuli are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from tutor.lab.cable_phases import CablePhases, CableProbe, CompartmentPhaseMachine
from tutor.lab.names import EXCITABILITY_STATES, PHASES
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
from tutor.sim.cable import CableBatch, CurrentClamp
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
#: Na⁺ availability relative to rest.
INACTIVATED_H = 0.5
RECOVERING_H = 0.9
#: Na⁺ availability codes per position.
AVAILABLE, INACTIVATED, RECOVERING = 0, 1, 2
NA_STATES: tuple[str, ...] = ("available", "inactivated", "recovering")
#: Voltage range of the colour scale (mV).
V_RANGE_MV: tuple[float, float] = (-80.0, 40.0)
#: Events kept at the probe (the newest).
MAX_PROBE_EVENTS = 256
#: How often the probe's machine asks the model about excitability (ms of model time):
#: as the patch machine. A question costs a run of three copies of the whole axon.
PROBE_EVERY_MS = 0.5


def na_availability(h: np.ndarray, h_rest: np.ndarray) -> np.ndarray:
    """AVAILABLE / INACTIVATED / RECOVERING per position from Na⁺ inactivation (h)."""
    ratio = h / h_rest
    out = np.full(h.shape, AVAILABLE, dtype=np.int8)
    out[ratio < RECOVERING_H] = RECOVERING
    out[ratio < INACTIVATED_H] = INACTIVATED
    return out


@dataclass(frozen=True)
class AxonFrame:
    """What the view draws: the newest `rows` recorded rows, oldest first.

    t_ms [R]; v_mV, phase (PHASES index), na_avail (NA_STATES index) [R, N];
    excitability [R] at the probe (EXCITABILITY_STATES index); x_mm [N]; probe
    (index), and the kinds of compartment.
    """

    t_ms: np.ndarray
    v_mV: np.ndarray
    phase: np.ndarray
    na_avail: np.ndarray
    x_mm: np.ndarray
    kinds: tuple[str, ...]
    probe: int
    excitability: np.ndarray


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
        self.phases = CablePhases(self.batch)
        self.phases.observe()
        self._probe_cache: dict[int, CableProbe] = {}
        self.machine = self._machine_at(self.cable.compartment_at(self.probe_frac))
        self._ring_v = np.zeros((HISTORY_ROWS, n))
        self._ring_phase = np.zeros((HISTORY_ROWS, n), dtype=np.int8)
        self._ring_ref = np.zeros((HISTORY_ROWS, n), dtype=np.int8)
        self._ring_exc = np.zeros(HISTORY_ROWS, dtype=np.int8)
        self._ring_t = np.zeros(HISTORY_ROWS)
        self._fine_v = np.zeros((HISTORY_STEPS, n))
        self._fine_t = np.zeros(HISTORY_STEPS)
        self._fine_count = 0
        self._push_fine(self.batch.view("v")[None, :], self.t_ms)
        self._count = 0
        self._since_sample = 0.0
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
        return self.machine.site

    def _machine_at(self, site: int) -> CompartmentPhaseMachine:
        """The phase machine at compartment `site`, seeded with the phase every position
        has now (so a probe moved mid-spike is labelled truly from the first frame)."""
        pm = CompartmentPhaseMachine(
            self.batch, site, probe_every_ms=PROBE_EVERY_MS, probe_cache=self._probe_cache
        )
        ph = self.phases
        pm.seed(PHASES[int(ph.phase[site])], float(ph.threshold_mV[site]), ph.spikes[site] > 0)
        return pm

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
        site = self.cable.compartment_at(self.probe_frac)
        if site != self.machine.site:
            self.machine = self._machine_at(site)

    def reset(self) -> None:
        """Back to rest at t = 0, same axon."""
        self._build()

    # -- time ----------------------------------------------------------------------------
    def advance(self, ms: float) -> int:
        """Advance by `ms` of model time (whole steps); returns rows recorded."""
        steps = int(round(ms / self.dt_ms))
        rows = 0
        v = self.batch.view("v")
        while steps > 0:
            self.batch.step(1)  # the phase machines read every step
            self.phases.observe()
            self.machine.observe()
            self._push_fine(v[None, :], self.t_ms)
            steps -= 1
            self._since_sample += self.dt_ms
            if self._since_sample >= self.sample_ms - 1e-9:
                self._since_sample = 0.0
                self._record()
                rows += 1
        events = self.machine.events
        if len(events) > MAX_PROBE_EVENTS:
            del events[: len(events) - MAX_PROBE_EVENTS]
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
        """One picture row: V, every position's phase (the probe's machine at the probe),
        Na⁺ availability, and the probe's excitability state, now."""
        v = self.batch.view("v")
        k = self._count % HISTORY_ROWS
        self._ring_v[k] = v
        self._ring_phase[k] = self.phases.phase
        self._ring_phase[k, self.machine.site] = PHASES.index(self.machine.phase)
        self._ring_ref[k] = na_availability(self.batch.view("h"), self.h_rest)
        self._ring_exc[k] = EXCITABILITY_STATES.index(self.machine.excitability)
        self._ring_t[k] = self.t_ms
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
            self._ring_exc[idx],
        )

    @property
    def excitability_t_ms(self) -> float:
        """The instant the probe's excitability state was last decided by the model (a
        question, or nothing that could change it since): the banner says so when it is
        not now."""
        return min(self.machine.answered_ms, self.t_ms)

    def probe_band(self, t_ms: np.ndarray) -> np.ndarray:
        """The excitability state (EXCITABILITY_STATES index) at the probe at each time,
        from its machine's events (their edges located by the model); −1 before the
        machine was placed there or after its last answer."""
        out = np.full(len(t_ms), -1, dtype=np.int64)
        pm = self.machine
        state = pm.excitability_from
        known = [(pm.placed_ms, state)] + [
            (e["t_ms"], e.get("excitability", "")) for e in pm.events if e["kind"] == "excitability"
        ]
        answered = self.excitability_t_ms
        for t0, name in known:
            out[(t_ms >= t0 - 1e-9) & (t_ms <= answered + 1e-9)] = EXCITABILITY_STATES.index(name)
        return out

    def now(self) -> tuple[str, str, str]:
        """(phase, excitability state, Na⁺ availability) at the probe at this instant:
        the phase machine's labels after the latest step, and h there."""
        h = float(self.batch.view("h")[self.probe])
        na = na_availability(np.array([h]), self.h_rest[self.probe : self.probe + 1])[0]
        return self.machine.phase, self.machine.excitability, NA_STATES[int(na)]
