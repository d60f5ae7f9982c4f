"""The phase machine on a chosen compartment of a cable (one engine for patch and cable).

`CompartmentPhaseMachine` is `tutor.lab.phases.PhaseMachine` — the same voltage
phases, the same spike rule (an upward 0 mV crossing with |I_Na| > |I_L|, gates
interpolated to the crossing), the same excitability band and events — fed
from one compartment of a running `tutor.sim.cable.CableBatch` instead of a
patch. What changes is only what a sample and a probe are:

- a sample is the compartment's V, its gates (the batch keeps them at half
  steps; the sample uses the mean of the two half steps around t, second order),
  its ionic currents, its net ionic current, dV/dt from the compartment's whole
  current balance (ionic, axial from both neighbours and injected), and as
  ``istim`` only the current *injected at this compartment* (clamps, synapses),
  µA/cm² of its membrane. The axial current is the neighbours' charge, not a
  stimulus: a compartment charged by an approaching spike is ``subthreshold``
  until its own net ionic current turns inward (its threshold);
- an excitability probe forks *the whole cable* at that step (every
  compartment's V and gates, and the point processes that are part of the
  state: holding currents and synapses already activated) and asks the
  paired-pulse question with a 1 ms test pulse injected *at this compartment*:
  does it add a spike within 40 ms of the pulse's end? On a cable "a spike"
  is one the pulse *launches*: an Na⁺-carried upward 0 mV crossing that is a
  new upstroke (V below the level the position's last spike took off from
  since the previous one) at a watch point half a length constant away on
  either side (`watch_points`; on a myelinated fibre a node). The amplitudes
  are the patch definition's transposed to the cable: 1.05 × the
  compartment's resting 1 ms threshold on this cable (bisected to 0.01 %, nA),
  and a maximum that is the same multiple of that threshold as the patch's
  `max_amp` (400 µA/cm²) is of the patch's own threshold.

Why the cable and not the compartment copied into a patch: refractoriness at a
position of an axon is a property of the axon there. A test pulse at that
position also has to charge the neighbours, which are themselves refractory
just behind a spike, so the cable's refractory periods differ from those of
an isolated copy of the same membrane state, and "measured by test
stimulation at that compartment" is the truth the machine must agree with
(tests/lab/test_cable_phases.py measures it with fresh runs of the whole
protocol). Why watch points and not the compartment itself: a strong test
pulse charges the injected compartment past 0 mV by itself (a crossing the
spike rule rightly refuses, yet its neighbours fire), and near threshold the
spike forms a little away from the electrode while the injected compartment
peaks just below 0 mV — counted there, "fires" was not even monotonic in the
amplitude.

Why it is still cheap: the three questions of a probe (no test, 1.05 ×, max)
run as three copies of the cable in one batch on the compiled kernel (numpy
when synapses are present), and a copy stops as soon as its answer is known:
at the prompt-response decision, or once its response has died away (a test
copy: the whole copy below −20 mV and the site and watch points within
`SETTLED_MV` of the unprobed copy and converging; the unprobed copy: below
−20 mV for `quiet_hold_ms` = 8 ms / Q10 factor, at least 2 ms) — instead of
always running the full 41 ms window. Cable snapshots are kept only for the
last `history` steps (what the bisection and the walk back into a spike
need). About 1 s per watched compartment of the default squid axon.

This module never imports textual.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tutor.lab.events import Event
from tutor.lab.phases import PhaseMachine
from tutor.sim import kernel as K
from tutor.sim.cable import (
    CABLE_NPAR,
    CP_AREA,
    CP_CL,
    CP_CR,
    Cable,
    CableBatch,
    CurrentClamp,
    PointProcess,
    fold_ion_leaks,
    input_conductance_uS,
)
from tutor.sim.params import MembraneParams
from tutor.sim.reduce import RestState, params_row, resting_state
from tutor.sim.stimulus import Piece

__all__ = [
    "CableFork",
    "CableProbe",
    "CompartmentPhaseMachine",
    "compartment_membrane",
    "phase_summary",
    "run_with_phases",
    "spikes_added",
    "watch_points",
]

#: The quiet rule of a probe copy: every compartment below this (mV) ...
QUIET_MV = -20.0
#: ... for this long (ms) at the kinetics' reference temperature, divided by the Q10
#: factor, and never less than MIN_QUIET_HOLD_MS.
QUIET_HOLD_REF_MS = 8.0
MIN_QUIET_HOLD_MS = 2.0
#: A test copy's response has died away when the position is this close (mV) to the
#: unprobed cable (see `CableProbe.run`).
SETTLED_MV = 1.0
#: Probe copies advance in chunks of this many steps between checks.
PROBE_CHUNK_STEPS = 16
#: Relative precision of the resting threshold (as `tutor.lab.experiments`).
THRESHOLD_REL_TOL = 1e-4
#: Snapshots kept by default (steps).
DEFAULT_HISTORY = 256


def compartment_membrane(cable: Cable, site: int) -> MembraneParams:
    """The membrane of compartment `site` as the cable runs it, as a patch: its section's
    membrane with the ion leaks and pump folded into one leak (`fold_ion_leaks`, exact at
    the cable's fixed concentrations) and capacitance and leak divided by the myelin
    sheath around it."""
    m = cable.membranes[cable.membrane_index[site]]
    row = fold_ion_leaks(list(params_row(m)))
    layers = cable.sheath[site] if cable.sheath else 1.0
    if (row[K.P_GL], row[K.P_EL]) != (m.gl, m.el) or m.gkl or m.gnal or m.gcll or m.ipump:
        m = replace(m, gl=row[K.P_GL], el=row[K.P_EL], gkl=0.0, gnal=0.0, gcll=0.0, ipump=0.0)
    if layers == 1.0:
        return m
    from tutor.sim.params import ParameterError

    try:
        return replace(m, cm=m.cm / layers, gl=m.gl / layers)
    except ParameterError:
        # a thick sheath takes cm below what a patch membrane may have: the machine's
        # samples use the compartment's own row (`compartment_row`), this only names it
        return m


@dataclass(frozen=True)
class CableFork:
    """One cable's full state at one step: V (mV) at t_ms, gates at t_ms + dt/2
    (the batch's staggered layout), and the point processes on it then."""

    t_ms: float
    v: np.ndarray
    m: np.ndarray
    h: np.ndarray
    n: np.ndarray
    procs: tuple[PointProcess, ...]

    @classmethod
    def of(cls, batch: CableBatch, k: int = 0) -> CableFork:
        """Copy cable k's state out of a batch."""
        sl = batch.cable_slice(k)
        return cls(
            batch.t_ms,
            batch.view("v")[sl].copy(),
            batch.view("m")[sl].copy(),
            batch.view("h")[sl].copy(),
            batch.view("n")[sl].copy(),
            tuple(batch.stimuli[k]),
        )

    @classmethod
    def at_rest(cls, batch: CableBatch, k: int = 0) -> CableFork:
        """Cable k of a batch at its resting state (where the batch started), no stimuli."""
        sl = batch.cable_slice(k)
        cable = batch.cables[k]
        v = np.array(batch.rest_mV[sl])
        rows = [params_row(m) for m in cable.membranes]
        known: dict[tuple[float, int], tuple[float, float, float]] = {}
        gates = []
        for vi, mi in zip(v.tolist(), cable.membrane_index, strict=True):
            if (vi, mi) not in known:
                known[vi, mi] = K.steady_gates(vi, rows[mi])
            gates.append(known[vi, mi])
        g = np.array(gates)
        return cls(0.0, v, g[:, 0].copy(), g[:, 1].copy(), g[:, 2].copy(), ())


def _is_state(pp: PointProcess, t_ms: float) -> bool:
    """Whether a point process is part of the membrane's state at t (kept in a probe):
    a holding current (no end) already on, or a synapse already activated. Clamps with
    an end and anything that starts later are stimuli, not state (the patch's rule)."""
    if isinstance(pp, CurrentClamp):
        return not math.isfinite(pp.dur_ms) and pp.delay_ms <= t_ms + 1e-9
    onset = getattr(pp, "onset_ms", -math.inf)
    return bool(onset <= t_ms + 1e-9)


class CableProbe:
    """The paired-pulse question asked of one compartment of a cable (module docstring).

    `probe(fork, t_ms, pieces, prompt_rule)` has the patch probe's contract
    (`tutor.lab.phases.ExcitabilityProbe.probe`) with a `CableFork` as the state.
    Amplitudes: `baseline_nA` (resting 1 ms threshold at the site), `relative_nA`
    and `max_nA`; `baseline` and `relative_amp` are the same in µA/cm² of the
    compartment's membrane (what the explanations quote).
    """

    def __init__(
        self,
        cable: Cable,
        site: int,
        dt_ms: float,
        rest: CableFork,
        engine: str | None = None,
        max_amp: float = 400.0,
    ) -> None:
        from tutor.lab import experiments as ex

        self.cable = cable
        self.site = site
        self.dt_ms = dt_ms
        self.width_ms = ex.TEST_WIDTH_MS
        self.window_ms = ex.TEST_WIDTH_MS + ex.SPIKE_WINDOW_MS
        self.prompt_ms = ex.TEST_WIDTH_MS + 2.0  # as the patch: PROMPT_LATENCY_MS
        self.params = compartment_membrane(cable, site)
        rate = max(m.rate_factor for m in cable.membranes)
        self.quiet_hold_ms = max(MIN_QUIET_HOLD_MS, QUIET_HOLD_REF_MS / rate)
        self.engine = engine
        self._batches: dict[tuple[int, str | None], CableBatch] = {}
        self._rows = cable.param_rows()
        self.watch = watch_points(cable, site)
        self._to_density = 1e-3 / cable.area_cm2[site]  # nA -> µA/cm² at the site
        self.baseline_nA = self._resting_threshold(rest)
        self.baseline = self.baseline_nA * self._to_density
        self.relative_nA = (1.0 + ex.RELATIVE_WITHIN) * self.baseline_nA
        self.relative_amp = self.relative_nA * self._to_density
        patch = self._patch_threshold()
        multiple = max_amp / patch if math.isfinite(patch) and patch > 0 else math.inf
        self.max_nA = multiple * self.baseline_nA if math.isfinite(multiple) else math.inf
        if not math.isfinite(self.max_nA):
            self.max_nA = self._bracket_cap()

    # -- set-up ----------------------------------------------------------------------
    def _patch_threshold(self) -> float:
        """The resting 1 ms threshold (µA/cm²) of the compartment's membrane as a patch."""
        from tutor.lab import experiments as ex
        from tutor.sim.params import ParameterError

        try:
            thr = float(
                ex.pulse_thresholds(
                    ex.Membranes(self.params, self.params), [ex.TEST_WIDTH_MS], 5.0
                )[0]
            )
        except ParameterError:
            return math.nan
        return thr

    def _bracket_cap(self) -> float:
        """The largest test amplitude ever tried (nA): what would hold the site 2 V above
        rest in the steady state (no membrane needs more)."""
        return 2000.0 * input_conductance_uS(self.cable, self.site)

    def _resting_threshold(self, rest: CableFork) -> float:
        """Smallest 1 ms pulse (nA) at the site that fires it from rest (bisection to
        0.01 %); inf when even `_bracket_cap` does not."""
        hi = 20.0 * input_conductance_uS(self.cable, self.site)
        cap = self._bracket_cap()
        while not self._fires_from(rest, hi):
            hi *= 2.0
            if hi > cap:
                return math.inf
        lo = 0.0
        while hi - lo > THRESHOLD_REL_TOL * hi:
            mid = 0.5 * (lo + hi)
            if self._fires_from(rest, mid):
                hi = mid
            else:
                lo = mid
        return hi

    def _fires_from(self, fork: CableFork, amp_nA: float) -> bool:
        spikes = self.run(fork, [amp_nA], with_base=False, stop_at_first=True)
        return any(spikes[0])

    # -- running copies ----------------------------------------------------------------
    def _batch(self, copies: int, engine: str | None) -> CableBatch:
        """A batch of `copies` copies of the cable, made once and reused (state is set
        from the fork before every run)."""
        batch = self._batches.get((copies, engine))
        if batch is None:
            batch = CableBatch(
                [self.cable] * copies, [[] for _ in range(copies)], self.dt_ms, engine=engine
            )
            self._batches[copies, engine] = batch
        return batch

    def run(
        self,
        fork: CableFork,
        amps_nA: Sequence[float],
        with_base: bool = True,
        stop_at_first: bool = False,
        decided: Any = None,
        rearm_mV: float = 0.0,
    ) -> list[list[list[float]]]:
        """Spike times (ms after the fork) at the watch points of each copy (one list per
        watch point, see `watch_points`): the unprobed cable (when `with_base`), then one
        per test amplitude (1 ms pulse at the site from the fork's instant). A spike is an
        Na⁺-carried upward 0 mV crossing (the spike rule, gates interpolated to the
        crossing). A copy stops when its answer is known: at its first spike when
        `stop_at_first`, when `decided(spikes, elapsed)` says so, when its response has
        died away (a test copy: quiet and the site and watch points within SETTLED_MV of
        the unprobed cable; the unprobed copy: quiet for `quiet_hold_ms`), or at the end of
        the 41 ms window.

        A new spike needs a new upstroke: a compartment's crossing counts only once its V
        has been below `rearm_mV` (the level the position's last spike took off from,
        as in the patch machine) since the fork or since its previous counted crossing,
        so a test pulse that pushes the falling edge of a spike back over 0 mV does not
        count as a second spike."""
        tests = list(amps_nA)
        kept = [pp for pp in fork.procs if _is_state(pp, fork.t_ms)]
        stimuli: list[list[PointProcess]] = []
        if with_base:
            stimuli.append(list(kept))
        for a in tests:
            stimuli.append([*kept, CurrentClamp(self.site, fork.t_ms, self.width_ms, a)])
        copies = len(stimuli)
        clamps_only = all(isinstance(p, CurrentClamp) for p in kept)
        engine = self.engine if clamps_only or self.engine != "compiled" else "numpy"
        batch = self._batch(copies, engine)
        n = len(self.cable)
        for j in range(copies):
            sl = slice(j * n, (j + 1) * n)
            for name, arr in (("v", fork.v), ("m", fork.m), ("h", fork.h), ("n", fork.n)):
                batch.view(name)[sl] = arr
        batch.stimuli = stimuli
        batch.t_ms = fork.t_ms
        watch = self.watch  # where a launched spike is looked for (see `watch_points`)
        rows = [self._rows[w] for w in watch]
        near = [self.site, *watch]  # where a test response must have died away
        spikes: list[list[list[float]]] = [[[] for _ in watch] for _ in range(copies)]
        done = [False] * copies
        quiet_since = [math.inf] * copies
        last_dev = [math.inf] * copies
        first_test = 1 if with_base else 0
        rest_v = [float(fork.v[w]) for w in near]
        flat_near = [[j * n + w for w in near] for j in range(copies)]
        flat = [[j * n + w for w in watch] for j in range(copies)]
        armed = [[float(fork.v[w]) < rearm_mV for w in watch] for _ in range(copies)]
        v_all, m_all, h_all = batch.view("v"), batch.view("m"), batch.view("h")
        count = batch.view("count")
        steps_left = int(math.ceil(self.window_ms / self.dt_ms - 1e-9))
        while steps_left > 0 and not all(done):
            k = min(PROBE_CHUNK_STEPS, steps_left)
            saved = {x: batch.view(x).copy() for x in ("v", "m", "h", "n")}
            t0 = batch.t_ms
            before = [float(count[i]) for f in flat for i in f]
            batch.step(k, active=[not d for d in done])
            if any(
                float(count[i]) > c
                for i, c in zip((i for f in flat for i in f), before, strict=True)
            ):
                # an upward crossing at the position: replay the chunk step by step to apply
                # the spike rule at the crossing (gates interpolated to it)
                for x, arr in saved.items():
                    batch.view(x)[:] = arr
                batch.t_ms = t0
                for _ in range(k):
                    vb = [[float(v_all[i]) for i in f] for f in flat]
                    gb = [[(float(m_all[i]), float(h_all[i])) for i in f] for f in flat]
                    tb = batch.t_ms
                    batch.step(1, active=[not d for d in done])
                    for j in range(copies):
                        if done[j]:
                            continue
                        for w, i in enumerate(flat[j]):
                            v0, v1 = vb[j][w], float(v_all[i])
                            if v1 < rearm_mV:
                                armed[j][w] = True
                            if not (v0 < 0.0 <= v1 and armed[j][w]):
                                continue
                            th = (0.0 - v0) / (v1 - v0)
                            m0, h0 = gb[j][w]
                            m_ = m0 + th * (float(m_all[i]) - m0)
                            h_ = h0 + th * (float(h_all[i]) - h0)
                            if _na_carried_row(m_, h_, rows[w]):
                                armed[j][w] = False
                                spikes[j][w].append(tb + th * self.dt_ms - fork.t_ms)
                                if stop_at_first:
                                    done[j] = True
            elapsed = batch.t_ms - fork.t_ms
            for j in range(copies):
                for w, i in enumerate(flat[j]):
                    if float(v_all[i]) < rearm_mV:
                        armed[j][w] = True
            if with_base and not done[0]:
                # the unprobed copy: quiet for quiet_hold_ms means no spike is coming
                quiet = elapsed >= self.width_ms - 1e-9 and float(v_all[:n].max()) < QUIET_MV
                quiet_since[0] = min(quiet_since[0], batch.t_ms) if quiet else math.inf
            base_held = with_base and batch.t_ms - quiet_since[0] >= self.quiet_hold_ms - 1e-9
            for j in range(first_test, copies):
                if done[j]:
                    continue
                if base_held and spikes_added(spikes[j], spikes[0]):
                    done[j] = True  # it launched a spike the unprobed cable will not make
                    continue
                # a test copy is also over once its response has died away: quiet, and the
                # site and watch points within SETTLED_MV of the unprobed cable (of rest,
                # without a base copy) and still converging — no spike can come out of that
                sl = slice(j * n, (j + 1) * n)
                quiet = elapsed >= self.width_ms - 1e-9 and float(v_all[sl].max()) < QUIET_MV
                ref = [float(v_all[i]) for i in flat_near[0]] if with_base else rest_v
                dev = max(abs(float(v_all[i]) - r) for i, r in zip(flat_near[j], ref, strict=True))
                if quiet and dev < SETTLED_MV and dev <= last_dev[j]:
                    done[j] = True
                last_dev[j] = dev
            if with_base and base_held and all(done[first_test:]):
                done[0] = True
            if decided is not None and decided(spikes, elapsed):
                break
            steps_left -= k
        return spikes

    # -- the question -------------------------------------------------------------------
    #: Set by the machine before each question: the level its last spike took off from.
    rearm_mV: float = 0.0

    def probe(
        self, state: Any, t_ms: float, pieces: Sequence[Piece], prompt_rule: bool = True
    ) -> tuple[str, bool]:
        """The paired-pulse question at the site (contract of the patch probe)."""
        fork: CableFork = state
        amps = [a for a in (self.relative_nA, self.max_nA) if math.isfinite(a)]
        prompt = self.prompt_ms

        def decided(spikes: list[list[list[float]]], elapsed: float) -> bool:
            # with the prompt rule, once the prompt window is over every test copy that
            # fired promptly more often than the unprobed cable has its answer
            if not prompt_rule or elapsed < prompt:
                return False
            return all(spikes_added(sp, spikes[0], prompt) for sp in spikes[1:])

        spikes = self.run(fork, amps, with_base=True, decided=decided, rearm_mV=self.rearm_mV)
        fired = [
            spikes_added(sp, spikes[0]) or (prompt_rule and spikes_added(sp, spikes[0], prompt))
            for sp in spikes[1:]
        ]
        committed = any(x <= prompt for sp in spikes[0] for x in sp)
        if len(fired) == 2 and fired[0]:
            return "excitable", committed
        if fired and fired[-1]:
            return "relative_refractory", committed
        return "none", committed


def spikes_added(
    test: Sequence[Sequence[float]], base: Sequence[Sequence[float]], until_ms: float = math.inf
) -> bool:
    """Whether a test copy has more spikes than the unprobed cable, up to `until_ms`, at
    one of the watch points (one list of spike times per watch point in each)."""
    return any(
        sum(1 for x in t if x <= until_ms) > sum(1 for x in b if x <= until_ms)
        for t, b in zip(test, base, strict=True)
    )


def watch_points(cable: Cable, site: int) -> list[int]:
    """Where a spike launched from compartment `site` is looked for: on each side, the
    nearest compartment with voltage-gated Na⁺ channels at least half a length constant
    away (λ from the site's resting slope conductance, its diameter and Ra; on a
    myelinated fibre, a node), both sides where the cable allows; the site itself when
    neither side does (a cable shorter than λ/2 either way)."""
    from tutor.sim.cable import cable_rest, steady_current

    rows = cable.param_rows()
    v = cable_rest(cable)[site]
    eps = 1e-4
    g_m = (steady_current(v + eps, rows[site]) - steady_current(v - eps, rows[site])) / (2 * eps)
    d_cm = cable.diam_um[site] * 1e-4
    lam_um = 1e4 * math.sqrt(d_cm / (4.0 * cable.ra_ohm_cm[site] * max(g_m, 1e-9) * 1e-3))
    x = cable.x_um
    excitable = [rows[i][K.P_GNA] > 0.0 for i in range(len(cable))]
    left = [i for i in range(site) if excitable[i] and x[site] - x[i] >= 0.5 * lam_um]
    right = [
        i for i in range(site + 1, len(cable)) if excitable[i] and x[i] - x[site] >= 0.5 * lam_um
    ]
    watch = ([left[-1]] if left else []) + ([right[0]] if right else [])
    return watch or [site]


def _na_carried_row(m: float, h: float, row: Sequence[float]) -> bool:
    """The spike rule at a 0 mV crossing (tutor.lab.phases.na_carried) for a kernel row."""
    ina = row[K.P_GNA] * m**3 * h * (0.0 - row[K.P_ENA])
    il = row[K.P_GL] * (0.0 - row[K.P_EL])
    return ina < 0.0 and -ina > abs(il)


class CompartmentPhaseMachine(PhaseMachine):
    """The phase machine on compartment `site` of cable `k` of a running batch.

    Call `observe()` after every step of the batch (one step at a time: the
    machine reads each step's state); it returns the new events, as
    `PhaseMachine.feed` does. `phase`, `excitability`, `events`, `flush()` and
    `explain_now()` are the patch machine's. `probes=False` labels voltage phases
    only (cheap; the band stays `excitable`).
    """

    def __init__(
        self,
        batch: CableBatch,
        site: int,
        k: int = 0,
        probes: bool = True,
        probe_every_ms: float = 0.5,
        max_amp: float = 400.0,
        history: int = DEFAULT_HISTORY,
        probe_cache: dict[int, CableProbe] | None = None,
    ) -> None:
        cable = batch.cables[k]
        self._probe_cache = probe_cache
        if not 0 <= site < len(cable):
            from tutor.sim.params import ParameterError

            raise ParameterError(f"compartment {site}: the cable has {len(cable)}")
        self.batch = batch
        self.k = k
        self.site = site
        self.cable = cable
        self._flat = batch.offsets[k] + site
        #: Where the machine started (`seed` moves it to the seeding step) and its state then.
        self.placed_ms = batch.t_ms
        self.excitability_from = "excitable"
        par = np.frombuffer(batch.par, dtype=float).reshape(-1, CABLE_NPAR)[self._flat]
        self._c_left, self._c_right = float(par[CP_CL]), float(par[CP_CR])
        self._area = float(par[CP_AREA])
        self._rest_v = float(batch.rest_mV[self._flat])
        self._row = compartment_row(cable, site)
        self._forks: deque[CableFork] = deque(maxlen=history)
        self._gates_prev = self._gates_now()
        params = compartment_membrane(cable, site)
        self._rest_fork = CableFork.at_rest(batch, k)
        super().__init__(
            params,
            base=params,
            probes=probes,
            probe_every_ms=probe_every_ms,
            max_amp=max_amp,
            history=history,
        )

    @property
    def answered_ms(self) -> float:
        """Up to when the excitability state is the model's answer (the last question, or
        now when nothing can have changed it since)."""
        return self._last_probe_t if self._probe is not None else self.batch.t_ms

    @property
    def settled(self) -> bool:
        """At rest and excitable (or inexcitable for good): nothing left to label until
        something new happens."""
        return self.phase == "resting" and self.excitability in ("excitable", "inexcitable")

    # -- hooks of PhaseMachine ---------------------------------------------------------
    def _rest_for(self, params: MembraneParams) -> RestState:
        """The compartment rests where the cable does (its neighbours may pull it off
        its own membrane's patch rest), gates at steady state there."""
        m, h, n = K.steady_gates(self._rest_v, params_row(params))
        if not all(math.isfinite(x) for x in (m, h, n)):
            return resting_state(params)
        return RestState(self._rest_v, m, h, n)

    def _make_probe(self, params: MembraneParams) -> CableProbe:
        cache = self._probe_cache
        if cache is not None and self.site in cache:
            return cache[self.site]
        probe = self._new_probe()
        if cache is not None:
            cache[self.site] = probe
        return probe

    def seed(self, phase: str, threshold_mV: float, spiked: bool) -> None:
        """Start from a known voltage phase instead of rest (a machine placed on a running
        cable, e.g. when a view's probe moves): `phase` and the V the last spike took off
        from as labelled by `CablePhases`; `spiked` whether this position has fired. Inside
        a spike the band is absolutely refractory (it began at that spike's threshold) and
        probing waits for the spike to end, as in a machine that saw the threshold.
        Consumes the current step as the machine's first sample (call before `observe`)."""
        self._probe_needed = False
        self._last_probe_t = self.batch.t_ms  # no probe for the seeding sample itself
        self.observe()
        self._pending.clear()
        self.events.clear()
        self._probe_needed = True  # ask the model at the next step
        self.placed_ms = self.batch.t_ms
        self.phase = phase
        self._threshold_v = threshold_mV
        self._in_episode = spiked
        if phase in ("threshold", "depolarization", "repolarization") and self.can_fire:
            self.excitability = "absolute_refractory"
            self._threshold_t = self.batch.t_ms
            self._probe_needed = False
            self._skipped = True
            self._in_episode = True
        self.excitability_from = self.excitability

    def _new_probe(self) -> CableProbe:
        return CableProbe(
            self.cable, self.site, self.batch.dt_ms, self._rest_fork, self.batch.engine,
            self.max_amp,
        )  # fmt: skip

    def _ask(self, t: float, st: np.ndarray, pieces: Sequence[Piece]) -> str:
        probe = self._probe
        if isinstance(probe, CableProbe):
            probe.rearm_mV = self._threshold_v
        return super()._ask(t, st, pieces)

    def _fork(self, t: float, st: np.ndarray) -> object:
        for fork in reversed(self._forks):
            if abs(fork.t_ms - t) <= 1e-9:
                return fork
        raise LookupError(f"no cable snapshot kept for t = {t} ms (history too short)")

    # -- reading the batch ---------------------------------------------------------------
    def _gates_now(self) -> tuple[float, float, float]:
        b = self.batch
        i = self._flat
        return float(b.view("m")[i]), float(b.view("h")[i]), float(b.view("n")[i])

    def pieces(self) -> list[Piece]:
        """The current clamps at this compartment as stimulus pieces (µA/cm²)."""
        scale = 1e-3 / self._area
        return [
            (pp.delay_ms, pp.delay_ms + pp.dur_ms, pp.amp_nA * scale, pp.amp_nA * scale)
            for pp in self.batch.stimuli[self.k]
            if isinstance(pp, CurrentClamp) and pp.site == self.site
        ]

    def sample(self) -> dict[str, float]:
        """The compartment's sample now (keys as `PhaseMachine` samples; see module doc)."""
        b = self.batch
        i = self._flat
        v_all = b.view("v")
        t = b.t_ms
        v = float(v_all[i])
        g_now = self._gates_now()
        m, h, n = (0.5 * (a + c) for a, c in zip(self._gates_prev, g_now, strict=True))
        r = self._row
        ina = r[K.P_GNA] * m**3 * h * (v - r[K.P_ENA])
        ik = r[K.P_GK] * n**4 * (v - r[K.P_EK])
        il = r[K.P_GL] * (v - r[K.P_EL])
        p = self.params
        i_axial = 0.0
        if self._c_left:
            i_axial += self._c_left * (float(v_all[i - 1]) - v)
        if self._c_right:
            i_axial += self._c_right * (float(v_all[i + 1]) - v)
        i_inj = 0.0
        for pp in b.stimuli[self.k]:
            if pp.site == self.site:
                i_nA, _ = pp.linearised(t, t + 1e-9, v)
                i_inj += i_nA
        istim = i_inj * 1e-3 / self._area
        iion = ina + ik + il
        return {
            "t": t, "v": v, "dvdt": (istim + i_axial - iion) / r[K.P_CM], "iion": iion,
            "m": m, "h": h, "n": n, "ina": ina, "ik": ik, "il": il, "ipump": 0.0,
            "istim": istim, "nai": p.nai, "ki": p.ki, "cli": p.cli,
        }  # fmt: skip

    def observe(self) -> list[Event]:
        """Label the batch's current step; return the events released by it."""
        s = self.sample()
        self._gates_prev = self._gates_now()
        if self._probe is not None:
            self._forks.append(CableFork.of(self.batch, self.k))
        pieces = self.pieces()
        self.labels = []
        self.excitability_labels = []
        self._feed_sample(s, pieces, self._edges(pieces))
        self._last_sample = s
        return self._release(self._last_probe_t if self._probe else math.inf)


def run_with_phases(
    batch: CableBatch,
    sites: Sequence[int],
    duration_ms: float,
    k: int = 0,
    record: bool = False,
    **machine: Any,
) -> tuple[dict[int, list[Event]], Any]:
    """Advance cable k of `batch` by `duration_ms` (whole steps) with a phase machine on
    each of `sites`; returns ({site: all its events, flushed}, V record or None).

    `record=True` also returns V of every compartment of the batch at every step
    (numpy [steps, M]). `machine` goes to `CompartmentPhaseMachine` (probes,
    probe_every_ms, max_amp, history).
    """
    machines = {s: CompartmentPhaseMachine(batch, s, k, **machine) for s in sites}
    for pm in machines.values():
        pm.observe()  # the starting state is the first sample
    steps = int(round(duration_ms / batch.dt_ms))
    rec = np.empty((steps, batch.offsets[-1])) if record else None
    for j in range(steps):
        batch.step(1)
        if rec is not None:
            rec[j] = batch.view("v")
        for pm in machines.values():
            pm.observe()
    return {s: [*pm.events, *pm.flush()] for s, pm in machines.items()}, rec


def phase_summary(events: Sequence[Event]) -> dict[str, float | None]:
    """The first spike's landmarks from a compartment's events (ms; None if absent):
    ``threshold_ms``, ``spike_ms`` (the counted 0 mV crossing), ``peak_ms`` and
    ``peak_mV``, ``absolute_end_ms`` (the band leaves absolute refractory) and
    ``relative_end_ms`` (it is excitable again after that)."""
    out: dict[str, float | None] = dict.fromkeys(
        ("threshold_ms", "spike_ms", "peak_ms", "peak_mV", "absolute_end_ms", "relative_end_ms")
    )
    for e in events:
        kind = e["kind"]
        if kind == "threshold" and out["threshold_ms"] is None:
            out["threshold_ms"] = e["t_ms"]
        elif kind == "spike" and out["spike_ms"] is None:
            out["spike_ms"] = e["t_ms"]
        elif kind == "peak" and out["peak_ms"] is None:
            out["peak_ms"], out["peak_mV"] = e["t_ms"], e["v_mV"]
        elif kind == "excitability" and out["threshold_ms"] is not None:
            if e.get("from") == "absolute_refractory" and out["absolute_end_ms"] is None:
                out["absolute_end_ms"] = e["t_ms"]
            if (
                e.get("excitability") == "excitable"
                and out["absolute_end_ms"] is not None
                and out["relative_end_ms"] is None
            ):
                out["relative_end_ms"] = e["t_ms"]
    return out


# --- every position at once: the voltage region, vectorised ---------------------------------

_REST, _SUB, _THR, _DEP, _REPOL, _HYPER = range(6)  # indices into PHASES


class CablePhases:
    """The voltage phases of every compartment of cable k, step by step, in numpy.

    The same rules as `PhaseMachine`'s voltage region (`_step_voltage`) applied to
    all compartments at once, with the samples of `CompartmentPhaseMachine` (own
    gates and ionic currents, dV/dt from the whole balance, injected current as the
    stimulus) and without excitability probes — exactly what a
    `CompartmentPhaseMachine(probes=False)` at each compartment would label (tested).
    What it does not do is decide excitability: that needs probes, which cost a cable
    run each (see the module docstring), so a view pays for them at one position.

    `observe()` after every step; `phase` holds the PHASES index per compartment
    (the transient `threshold` shows as `depolarization`, as in the machine's labels),
    `threshold_mV` the V each compartment's last spike took off from, `spikes` the
    number of counted spikes per compartment.
    """

    def __init__(self, batch: CableBatch, k: int = 0) -> None:
        self.batch = batch
        self.k = k
        self.sl = batch.cable_slice(k)
        cable = batch.cables[k]
        n = len(cable)
        par = np.frombuffer(batch.par, dtype=float).reshape(-1, CABLE_NPAR)[self.sl]
        self._cl, self._cr = par[:, CP_CL].copy(), par[:, CP_CR].copy()
        self._area = par[:, CP_AREA].copy()
        rows = cable.param_rows()
        self.p = {key: np.array([rows[i][col] for i in range(n)])
                  for key, col in (("gna", K.P_GNA), ("gk", K.P_GK), ("gl", K.P_GL),
                                   ("ena", K.P_ENA), ("ek", K.P_EK), ("el", K.P_EL),
                                   ("cm", K.P_CM))}  # fmt: skip
        self.rest = np.asarray(batch.rest_mV[self.sl], dtype=float)
        self.phase = np.zeros(n, dtype=np.int8)
        self.threshold_mV = np.zeros(n)
        self.spikes = np.zeros(n, dtype=np.int64)
        self._extreme = np.zeros(n, dtype=bool)  # in hyperpolarization, before its minimum
        self._gates_prev = self._gates()
        self._prev: dict[str, np.ndarray] | None = None

    def _gates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        b = self.batch
        return tuple(b.view(x)[self.sl].copy() for x in ("m", "h", "n"))

    def sample(self) -> dict[str, np.ndarray]:
        """Every compartment's sample now (as `CompartmentPhaseMachine.sample`)."""
        b, p = self.batch, self.p
        v = b.view("v")[self.sl].copy()
        g_now = self._gates()
        m, h, n = ((a + c) * 0.5 for a, c in zip(self._gates_prev, g_now, strict=True))
        self._gates_prev = g_now
        iion = (
            p["gna"] * m**3 * h * (v - p["ena"]) + p["gk"] * n**4 * (v - p["ek"])
            + p["gl"] * (v - p["el"])
        )  # fmt: skip
        axial = np.zeros_like(v)
        axial[1:] += self._cl[1:] * (v[:-1] - v[1:])
        axial[:-1] += self._cr[:-1] * (v[1:] - v[:-1])
        inj = np.zeros_like(v)
        t = b.t_ms
        for pp in b.stimuli[self.k]:
            i_nA, _ = pp.linearised(t, t + 1e-9, float(v[pp.site]))
            inj[pp.site] += i_nA * 1e-3 / self._area[pp.site]
        dvdt = (inj + axial - iion) / p["cm"]
        return {"v": v, "m": m, "h": h, "dvdt": dvdt, "iion": iion, "istim": inj}

    def observe(self) -> None:
        """Label every compartment's current step (call after every step)."""
        s = self.sample()
        v, dvdt, iion, istim = s["v"], s["dvdt"], s["iion"], s["istim"]
        rest, band = self.rest, 1.0
        ph = self.phase
        prev = self._prev
        self._prev = s
        if prev is None:
            ph[np.abs(v - rest) > band] = _SUB
            return
        pv, pdvdt, piion = prev["v"], prev["dvdt"], prev["iion"]
        regenerative = (iion < 0.0) & (dvdt > 0.0) & (v > rest + band) & (iion < piion)
        quiet_phase = (ph == _REST) | (ph == _SUB) | (ph == _HYPER)
        start = quiet_phase & regenerative & (v < 0.0)
        # an Na⁺-carried upward 0 mV crossing (gates interpolated to it)
        up = (pv < 0.0) & (v >= 0.0)
        th = np.where(up, -pv / np.where(up, v - pv, 1.0), 0.0)
        mc = prev["m"] + th * (s["m"] - prev["m"])
        hc = prev["h"] + th * (s["h"] - prev["h"])
        ina0 = self.p["gna"] * mc**3 * hc * (0.0 - self.p["ena"])
        crossing = up & (ina0 < 0.0) & (-ina0 > np.abs(self.p["gl"] * (0.0 - self.p["el"])))
        carried = crossing & ~start & (ph != _DEP)
        entered = start | carried
        self.threshold_mV[entered] = v[entered]
        new = ph.copy()
        new[entered] = _DEP
        rest_ok = ~entered  # the rules below apply to compartments that did not just start
        # resting → subthreshold
        sel = rest_ok & (ph == _REST) & (np.abs(v - rest) > band)
        new[sel] = _SUB
        # subthreshold → resting
        sel = (
            rest_ok & (ph == _SUB) & (np.abs(v - rest) <= band) & (np.abs(dvdt) < 0.1)
            & (istim == 0.0)
        )  # fmt: skip
        new[sel] = _REST
        # depolarization: spike, peak → repolarization, or a failed threshold
        dep = (ph == _DEP) | carried  # a carried threshold is already in depolarization
        self.spikes[dep & crossing] += 1
        turn = dep & (dvdt <= 0.0) & (pdvdt > 0.0)
        new[turn & ((v >= 0.0) | (pv >= 0.0))] = _REPOL
        new[turn & (v < 0.0) & (pv < 0.0) & (iion > 0.0)] = _SUB
        new[dep & ~turn & (dvdt < 0.0) & (v < 0.0) & (iion > 0.0)] = _SUB
        # repolarization
        rep = rest_ok & (ph == _REPOL)
        below = rep & (v < rest)
        new[below] = _HYPER
        self._extreme[below] = True
        rest_rep = rep & ~below
        ahp = rest_rep & (dvdt >= 0.0) & (pdvdt < 0.0) & (v < 0.0)
        new[ahp] = _SUB
        new[rest_rep & ~ahp & (v < 0.0) & (np.abs(dvdt) < 0.01)] = _SUB
        # hyperpolarization
        hyp = rest_ok & (ph == _HYPER)
        minimum = hyp & (dvdt >= 0.0) & (pdvdt < 0.0) & self._extreme
        self._extreme[minimum] = False
        after = hyp & ~minimum & ~self._extreme
        back = after & (np.abs(v - rest) <= band)
        new[back & (istim == 0.0)] = _REST
        new[back & (istim != 0.0)] = _SUB
        new[after & ~back & (v > rest + band)] = _SUB
        self.phase[:] = new


def compartment_row(cable: Cable, site: int) -> list[float]:
    """The kernel row of compartment `site` as the cable runs it (ion leaks folded into
    the leak, capacitance and leak divided by its sheath)."""
    return list(cable.param_rows()[site])
