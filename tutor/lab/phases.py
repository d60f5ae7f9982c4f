"""The phase state machine: names what the membrane is doing, sample by sample.

Two orthogonal regions, both online (no look-ahead), so the TUI can label the
trace as it is drawn:

1. Voltage phase, from V, dV/dt and the net ionic current of each sample:
   resting → subthreshold → threshold → depolarization → repolarization →
   hyperpolarization → resting. *Threshold* is not a voltage: it is the
   instant the membrane becomes regenerative — the net ionic current is
   inward, V is depolarised and rising, and the inward current is growing
   (positive feedback). A threshold that does not reach 0 mV is closed by a
   `threshold_failed` event.
2. Excitability, decided by the model, not a timer: the current state is
   forked and probed with 1 ms test pulses exactly as in the paired-pulse
   protocol (`tutor.lab.experiments`): if a test pulse of 1.05 × the resting
   1 ms threshold adds a spike the membrane is `excitable`; if only one of
   `max_amp` does, it is `relative_refractory`; if none does, it is
   `absolute_refractory`. Probes run every `probe_every_ms` while anything
   is happening, and a change between two probes is located to one sample by
   bisection over the stored states, so the band's edges agree with
   `tutor sweep refractory`.

Events are `tutor.lab.events.Event` dicts `{t_ms, kind, phase?, v_mV, why?}` (docs/design.md). Voltage
events are held back until the probes have covered their time, so the stream
that `feed` returns is always in time order.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from tutor.lab import explain as X
from tutor.lab.events import Event
from tutor.lab.names import EXCITABILITY_STATES, PHASES, EventKind
from tutor.sim import kernel as K
from tutor.sim.engine import Trace
from tutor.sim.params import MembraneParams, ParameterError
from tutor.sim.reduce import RestState, params_row, resting_state, run_reduced
from tutor.sim.stimulus import Piece

__all__ = ["EXCITABILITY_STATES", "PHASES", "ExcitabilityProbe", "PhaseMachine", "Probe"]

#: Half-width of the band around rest that counts as resting (mV).
REST_BAND_MV = 1.0
#: Latency after the test pulse's end within which a spike counts as its prompt response
#: (ms); see `ExcitabilityProbe.probe`.
PROMPT_LATENCY_MS = 2.0
#: Displacement from rest needed to call a membrane depolarised for threshold (mV).
DEPOLARISED_MV = 1.0


class Probe(Protocol):
    """What the phase machine asks about excitability (the patch's `ExcitabilityProbe`,
    or a cable compartment's `tutor.lab.cable_phases.CableProbe`).

    `baseline` is the resting 1 ms threshold (inf: nothing fires), `relative_amp`
    1.05 × it (µA/cm² of the probed membrane); `probe(state, t_ms, pieces, prompt_rule)`
    answers "excitable" / "relative_refractory" / "none" and whether a spike is
    already committed, for the forked `state` (see `ExcitabilityProbe.probe`).
    """

    baseline: float
    relative_amp: float

    def probe(
        self, state: Any, t_ms: float, pieces: Sequence[Piece], prompt_rule: bool = True
    ) -> tuple[str, bool]:
        """Ask the paired-pulse question of the forked state at t_ms."""
        ...


class ExcitabilityProbe:
    """Forks a state and asks: does a 1 ms test pulse add a spike?

    Uses the paired-pulse definitions of `tutor.lab.experiments`: the test
    pulse lasts 1 ms, a spike must come within 40 ms of its end, `max_amp`
    bounds the test amplitude and the relative period ends when 1.05 × the
    unconditioned threshold suffices.
    """

    def __init__(self, params: MembraneParams, base: MembraneParams, max_amp: float = 400.0):
        from tutor.lab import experiments as ex

        self.params = params
        self.row = params_row(params)
        self.max_amp = max_amp
        self.window_ms = ex.TEST_WIDTH_MS + ex.SPIKE_WINDOW_MS
        self.width_ms = ex.TEST_WIDTH_MS
        #: A spike this soon after the test onset counts as its prompt response (ms).
        self.prompt_ms = ex.TEST_WIDTH_MS + PROMPT_LATENCY_MS
        try:
            self.baseline = float(
                ex.pulse_thresholds(ex.Membranes(base, params), [ex.TEST_WIDTH_MS], 5.0)[0]
            )
        except ParameterError:
            self.baseline = math.nan
        if math.isnan(self.baseline):
            self.baseline = math.inf  # nothing fires this membrane (e.g. TTX)
        self.relative_amp = (1.0 + ex.RELATIVE_WITHIN) * self.baseline

    def probe(
        self, state: np.ndarray, t_ms: float, pieces: Sequence[Piece], prompt_rule: bool = True
    ) -> tuple[str, bool]:
        """Ask the paired-pulse question of the membrane in `state` at `t_ms`.

        Returns (answer, committed): answer is "excitable" (a test pulse of 1.05 × the
        resting 1 ms threshold adds a spike), "relative_refractory" (only one of
        `max_amp` does) or "none" (no test pulse adds one); `committed` says whether
        the membrane fires within the prompt window with no test pulse at all (a spike
        is already on its way).

        The test pulse is asked *instead of* whatever finite stimulus is on now (a pulse,
        a step): the question is about the membrane's own state, exactly as in the
        paired-pulse protocol, where nothing else is on when the test comes. Holding
        currents (no end) are part of the preparation and stay. `prompt_rule=False`
        uses the literal paired-pulse count only (once a spike is committed: advancing
        a committed spike is not a new one).
        """
        future: list[Piece] = []
        for t_on, t_off, a_on, a_off in pieces:
            if math.isfinite(t_off) or t_on > t_ms + 1e-9:
                continue  # stimuli with an end, and later stimuli, are not the membrane's state
            future.append((max(t_on - t_ms, 0.0), t_off - t_ms, a_on, a_off))
        init = [float(x) for x in state]
        base = run_reduced(self.row, [future], init, self.window_ms, max_spikes=16)
        n0 = base.spike_counts[0]
        n0_prompt = sum(1 for x in base.spikes_ms[0] if x <= self.prompt_ms)
        amps = [a for a in (self.relative_amp, self.max_amp) if math.isfinite(a)]
        fired = []
        if amps:
            res = run_reduced(
                self.row,
                [[*future, (0.0, self.width_ms, a, a)] for a in amps],
                init,
                self.window_ms,
                stop_spikes=n0 + 1,
                max_spikes=n0 + 2,
            )
            # Literal paired-pulse rule: the test adds a spike within the window. When the
            # membrane is about to fire by itself (e.g. a K⁺-blocked membrane), a test pulse
            # that fires at once only *advances* that spike, so the count cannot change;
            # the second rule catches that: a spike within `prompt_ms` of the test onset
            # that the unprobed membrane would not have fired there. With a membrane at
            # rest the second rule is implied by the first, so the band equals the sweep.
            fired = [
                c > n0 or (prompt_rule and sum(1 for x in sp if x <= self.prompt_ms) > n0_prompt)
                for c, sp in zip(res.spike_counts, res.spikes_ms, strict=True)
            ]
        committed = n0_prompt > 0
        if len(fired) == 2 and fired[0]:
            return "excitable", committed
        if fired and fired[-1]:
            return "relative_refractory", committed
        return "none", committed


def dominant_current(s: dict) -> tuple[str, float]:
    """The largest current at a sample (by magnitude): its name and value (µA/cm²).

    Ionic currents are outward positive; the stimulus is reported as the
    current it injects (depolarising positive).
    """
    return X.dominant_current(X.ModelState.from_mapping(s))


#: Order of "how excitable": a stimulus that is on and has not fired may not move the
#: band up this scale (see `PhaseMachine._held`).
_RANK = {"absolute_refractory": 0, "inexcitable": 0, "relative_refractory": 1, "excitable": 2}


def na_carried(m: float, h: float, p: MembraneParams) -> bool:
    """The spike rule at a 0-mV crossing (as kernel.c): the Na⁺ current is inward and
    larger in magnitude than the leak current (every leak: unnamed and by ion)."""
    ina = p.gna * m**3 * h * (0.0 - p.ena)
    il = p.gl * (0.0 - p.el) + p.gkl * (0.0 - p.ek) + p.gnal * (0.0 - p.ena)
    il += p.gcll * (0.0 - p.ecl)
    return ina < 0.0 and -ina > abs(il)


class PhaseMachine:
    """Online labeller of a running membrane (see module docstring).

    Feed it consecutive `Trace` chunks with `feed(chunk, pieces)`; it returns
    the new events. `phase` and `excitability` are the current labels;
    `labels` holds the voltage phase of every sample of the last chunk.
    Phase and excitability events carry `from`, the state they leave.
    """

    def __init__(
        self,
        params: MembraneParams,
        base: MembraneParams | None = None,
        probes: bool = True,
        probe_every_ms: float = 0.5,
        max_amp: float = 400.0,
        history: int = 4096,
    ) -> None:
        self.probes_enabled = probes
        self.probe_every_ms = probe_every_ms
        self.max_amp = max_amp
        self.phase = "resting"
        self.excitability = "excitable"
        self.events: list[Event] = []
        self.labels: list[str] = []
        self.excitability_labels: list[str] = []
        self._last_sample: dict | None = None
        self._pending: list[Event] = []
        self._history: deque[tuple[float, np.ndarray]] = deque(maxlen=history)
        self._prev: tuple[float, float, float, float] | None = None  # t, V, dV/dt, I_ion
        self._prev_s: dict | None = None
        self._extreme: tuple[float, float] = (math.nan, math.nan)
        self._last_probe_t = -math.inf
        self._probe_needed = True
        self._stim_on = False
        self._threshold_v = 0.0
        self._threshold_t = -math.inf
        self._carried = False
        self._in_episode = False  # since a spike's threshold, until the band is excitable again
        self._skipped = False  # the last samples were inside a spike, not probed
        self._base = base or params
        self.set_params(params)

    # ------------------------------------------------------------------ membrane
    def set_params(self, params: MembraneParams) -> None:
        """The membrane changed (drug, override): new rest, and probe again now.

        The labels' rest is the membrane's own resting state, unless that "rest" is a
        depolarised plateau with the Na⁺ channels inactivated (K⁺ blocked by TEA: the
        squid membrane settles at −0.6 mV, h ≈ 0): then it is no rest at all and the
        unmodified membrane's rest is used, so the plateau reads as displaced.
        """
        self.params = params
        self.rest = self._rest_for(params)
        self.rest_mV = self.rest.v_mV
        self._probe: Probe | None = self._make_probe(params) if self.probes_enabled else None
        self.can_fire = self._probe is None or math.isfinite(self._probe.baseline)
        self.context = X.Context(
            params,
            self.rest,
            self._probe.relative_amp if self._probe else math.inf,
            self.max_amp,
        )
        self._probe_needed = True
        if self._probe is not None and not self.can_fire and self._history:
            t, st = self._history[-1]
            self._set_excitability("inexcitable", t, st)

    def _rest_for(self, params: MembraneParams) -> RestState:
        """The resting state the labels use (a hook: a cable compartment rests where the
        cable does, see `tutor.lab.cable_phases`)."""
        own = resting_state(params)
        base_rest = resting_state(self._base)
        plateau = own.h < X.H_LOW_FRACTION * base_rest.h and own.v_mV > base_rest.v_mV + 10.0
        return base_rest if plateau else own

    def _make_probe(self, params: MembraneParams) -> Probe:
        """The excitability probe (a hook: a cable compartment probes the cable)."""
        return ExcitabilityProbe(params, self._base, self.max_amp)

    def _fork(self, t: float, st: np.ndarray) -> object:
        """What the probe forks for the stored sample at `t` (a hook: the patch's own
        V, m, h, n; a cable compartment forks the whole cable's state at that step)."""
        return st

    def _ask(self, t: float, st: np.ndarray, pieces: Sequence[Piece]) -> str:
        """The band state the probe gives for the stored sample (t, st)."""
        probe = self._probe
        assert probe is not None
        return self._decide(*probe.probe(self._fork(t, st), t, pieces, self._prompt_rule()))

    # ------------------------------------------------------------------ events
    def _emit(
        self, t: float, kind: EventKind, v: float, phase: str | None = None, why: str = ""
    ) -> Event:
        event: Event = {"t_ms": round(float(t), 6), "kind": kind, "v_mV": round(float(v), 4)}
        if phase is not None:
            event["phase"] = phase
        if why:
            event["why"] = why
        self._pending.append(event)
        return event

    def _enter(self, phase: str, t: float, v: float, s: dict) -> None:
        state = X.ModelState.from_mapping(s)
        why = X.explain_phase(phase, state, self.context, carried=self._carried)
        event = self._emit(t, "phase", v, phase, why)
        event["from"] = self.phase
        event["dominant"] = X.dominant_current(state)[0]
        self.phase = phase

    def _release(self, up_to: float) -> list[Event]:
        ready = [e for e in self._pending if e["t_ms"] <= up_to + 1e-9]
        self._pending = [e for e in self._pending if e["t_ms"] > up_to + 1e-9]
        ready.sort(key=lambda e: e["t_ms"])  # stable: same-time events keep their order
        self.events.extend(ready)
        return ready

    def flush(self) -> list[Event]:
        """Release every held-back event (end of a run)."""
        return self._release(math.inf)

    # ------------------------------------------------------------------ explanations
    @property
    def last_state(self) -> X.ModelState | None:
        """The model state of the latest sample fed (None before any), with gate trends."""
        s = self._last_sample
        if s is None:
            return None
        if "dh" not in s:
            self._gate_rates(s)
        return X.ModelState.from_mapping(s)

    def explain_now(self, nt: X.Notation = X.MODERN) -> str:
        """The live explanation of the current phase and excitability state, computed
        from the latest sample fed (what the banner shows; empty before any sample),
        written in notation `nt` (the lab's 1952 display passes its own)."""
        state = self.last_state
        if state is None:
            return ""
        why = X.explain_phase(self.phase, state, self.context, carried=self._carried, nt=nt)
        if self.excitability != "excitable":
            at_thr = self.excitability == "absolute_refractory" and self.phase in (
                "threshold",
                "depolarization",
            )
            exc = X.explain_excitability(
                self.excitability, state, self.context, at_threshold=at_thr, nt=nt
            )
            why = f"{why} · {exc}"
        return why

    def _gate_rates(self, s: dict) -> None:
        """Add dh/dt and dn/dt (1/ms) to a sample dict, from the kernel's rate functions."""
        r = K.gate_rates_array(np.array([s["v"]]), params_row(self.params))[:, 0]
        s["dh"] = r[2] * (1 - s["h"]) - r[3] * s["h"]
        s["dn"] = r[4] * (1 - s["n"]) - r[5] * s["n"]

    # ------------------------------------------------------------------ feeding
    def feed(self, chunk: Trace, pieces: Sequence[Piece] = ()) -> list[Event]:
        """Label the samples of `chunk` (consecutive with the previous one); return new events."""
        self.labels = []
        self.excitability_labels = []
        pieces = list(pieces)
        edges = self._edges(pieces)
        t_arr = chunk.t_ms
        for k in range(len(chunk)):
            s = {
                "t": float(t_arr[k]),
                "v": float(chunk.v_mV[k]),
                "dvdt": float(chunk.dvdt[k]),
                "iion": float(chunk.i_ion[k]),
                "m": float(chunk.m[k]),
                "h": float(chunk.h[k]),
                "n": float(chunk.n[k]),
                "ina": float(chunk.i_na[k]),
                "ik": float(chunk.i_k[k]),
                "il": float(chunk.i_l[k]),
                "ipump": float(chunk.i_pump[k]),
                "istim": float(chunk.i_stim[k]),
                "nai": float(chunk.nai[k]),
                "ki": float(chunk.ki[k]),
                "cli": float(chunk.cli[k]),
            }
            self._feed_sample(s, pieces, edges)
        if len(chunk):
            self._last_sample = self._prev_s  # explained only when asked (explain_now)
        return self._release(self._last_probe_t if self._probe else math.inf)

    @staticmethod
    def _edges(pieces: Sequence[Piece]) -> list[tuple[float, EventKind]]:
        """Stimulus on/off instants of `pieces`, in time order."""
        return sorted(
            [(p[0], "stimulus_on") for p in pieces]
            + [(p[1], "stimulus_off") for p in pieces if math.isfinite(p[1])]
        )

    def _feed_sample(
        self, s: dict, pieces: list[Piece], edges: list[tuple[float, EventKind]]
    ) -> None:
        """Label one sample `s` (keys t v dvdt iion m h n ina ik il ipump istim, and the
        concentrations nai ki cli)."""
        t = s["t"]
        prev_t = self._prev[0] if self._prev else -math.inf
        for te, kind in edges:
            if prev_t < te <= t or (self._prev is None and te == t == 0.0):
                self._emit(te, kind, s["v"])
                self._probe_needed = True
        self._stim_on = s["istim"] != 0.0
        self._history.append(
            (t, np.array([s["v"], s["m"], s["h"], s["n"], s["nai"], s["ki"], s["cli"]]))
        )
        self._step_voltage(s)
        self._step_excitability(t, pieces)
        self.labels.append(self.phase)
        self.excitability_labels.append(self.excitability)
        self._prev = (t, s["v"], s["dvdt"], s["iion"])
        self._prev_s = s

    def _why_sample(self, s: dict) -> dict:
        """`s` with the gate trends added (only for samples that get an explanation)."""
        if "dh" not in s:
            self._gate_rates(s)
        return s

    def _why_failed(self, s: dict, how: str) -> str:
        """Why a threshold failed, from the currents at that sample."""
        outward = [("I_K", s["ik"])] if self.params.gk > 0 else []
        outward.append(("I_L", s["il"]))
        names = " + ".join(n for n, _ in outward)
        total = sum(x for _, x in outward)
        return (
            f"V {how} before 0 mV: {names} {total:+.1f} µA/cm² outweighed I_Na "
            f"{s['ina']:+.1f} µA/cm² (net ionic current {s['iion']:+.1f} µA/cm² outward)"
        )

    def _threshold(self, t: float, v: float, s: dict, carried: bool) -> None:
        """Enter threshold → depolarization; the absolute refractory period begins here."""
        self._carried = carried
        s = self._why_sample(s)
        self._enter("threshold", t, v, s)
        self._emit(t, "threshold", v)
        self._threshold_v = v
        self._threshold_t = t
        if self._probe is not None and self.can_fire:
            self._in_episode = True
            self._set_excitability(
                "absolute_refractory", t, self._history[-1][1], at_threshold=True
            )
            self._last_probe_t = t
            self._probe_needed = False
        self._enter("depolarization", t, v, s)

    def _crossing(self, s: dict) -> float | None:
        """Time (ms) of an upward 0-mV crossing since the last sample that passes the spike
        rule (gates interpolated linearly to the crossing), else None."""
        if self._prev is None or self._prev_s is None:
            return None
        pt, pv = self._prev[0], self._prev[1]
        v = s["v"]
        if not (pv < 0.0 <= v):
            return None
        th = (0.0 - pv) / (v - pv)
        m = self._prev_s["m"] + th * (s["m"] - self._prev_s["m"])
        h = self._prev_s["h"] + th * (s["h"] - self._prev_s["h"])
        if not na_carried(m, h, self.params):
            return None
        return pt + (s["t"] - pt) * th

    def _step_voltage(self, s: dict) -> None:
        t, v, dvdt, iion = s["t"], s["v"], s["dvdt"], s["iion"]
        rest = self.rest_mV
        if self._prev is None:
            if abs(v - rest) > REST_BAND_MV:
                self._enter("subthreshold", t, v, self._why_sample(s))
            return
        pt, pv, pdvdt, piion = self._prev
        # A net-inward threshold needs a membrane the probes call able to fire now: on a
        # plateau with the Na⁺ channels inactivated (absolute refractory, e.g. TEA) the
        # net current can flicker around zero without any upstroke following.
        regenerative = (
            iion < 0.0
            and dvdt > 0.0
            and v > rest + DEPOLARISED_MV
            and iion < piion
            and self.excitability in ("excitable", "relative_refractory")
        )
        phase = self.phase
        if phase in ("resting", "subthreshold", "hyperpolarization") and regenerative and v < 0:
            self._threshold(t, v, s, carried=False)
            return
        tc = self._crossing(s)
        if tc is not None and phase != "depolarization":
            # the stimulus carried V to 0 mV before the net current turned inward, yet the
            # Na⁺ channels carry the crossing: an active response with its own threshold
            self._threshold(t, v, s, carried=True)
            phase = self.phase
        if phase == "resting":
            if abs(v - rest) > REST_BAND_MV:
                self._enter("subthreshold", t, v, self._why_sample(s))
        elif phase == "subthreshold":
            if abs(v - rest) <= REST_BAND_MV and abs(dvdt) < 0.1 and s["istim"] == 0.0:
                self._enter("resting", t, v, self._why_sample(s))
        elif phase == "depolarization":
            if tc is not None:
                self._emit(tc, "spike", 0.0)
            if dvdt <= 0.0 < pdvdt:
                if v >= 0.0 or pv >= 0.0:
                    tp, vp = self._turning_point(pt, pv, pdvdt, t, v, dvdt)
                    self._emit(tp, "peak", vp)
                    self._enter("repolarization", t, v, self._why_sample(s))
                elif iion > 0.0:
                    self._emit(t, "threshold_failed", v, why=self._why_failed(s, "turned back"))
                    self._enter("subthreshold", t, v, self._why_sample(s))
            elif dvdt < 0.0 and v < 0.0 and iion > 0.0:
                self._emit(t, "threshold_failed", v, why=self._why_failed(s, "fell back"))
                self._enter("subthreshold", t, v, self._why_sample(s))
        elif phase == "repolarization":
            if v < rest:
                self._extreme = (t, v)
                self._enter("hyperpolarization", t, v, self._why_sample(s))
            elif dvdt >= 0.0 > pdvdt and v < 0.0:
                # turned around above rest (e.g. during a long step): the AHP minimum
                tm, vm = self._turning_point(pt, pv, pdvdt, t, v, dvdt)
                self._emit(tm, "ahp_min", vm)
                self._enter("subthreshold", t, v, self._why_sample(s))
            elif v < 0.0 and abs(dvdt) < 0.01:
                # settled above rest (a plateau, e.g. K⁺ blocked): no longer repolarising
                self._enter("subthreshold", t, v, self._why_sample(s))
        elif phase == "hyperpolarization":
            if dvdt >= 0.0 > pdvdt and not math.isnan(self._extreme[0]):
                tm, vm = self._turning_point(pt, pv, pdvdt, t, v, dvdt)
                self._emit(tm, "ahp_min", vm)
                self._extreme = (math.nan, math.nan)
            elif abs(v - rest) <= REST_BAND_MV and math.isnan(self._extreme[0]):
                if s["istim"] == 0.0:
                    self._enter("resting", t, v, self._why_sample(s))
                else:
                    self._enter("subthreshold", t, v, self._why_sample(s))
            elif v > rest + REST_BAND_MV and math.isnan(self._extreme[0]):
                self._enter("subthreshold", t, v, self._why_sample(s))

    @staticmethod
    def _turning_point(t0, v0, f0, t1, v1, f1) -> tuple[float, float]:
        """Extremum of the cubic Hermite through (t0, v0, f0) and (t1, v1, f1)."""
        h = t1 - t0
        if h <= 0:
            return t1, v1
        # slope(θ) = a θ² + b θ + c of the Hermite interpolant
        a = 6 * v0 / h + 3 * f0 - 6 * v1 / h + 3 * f1
        b = -6 * v0 / h - 4 * f0 + 6 * v1 / h - 2 * f1
        c = f0
        roots = []
        if abs(a) < 1e-14:
            if abs(b) > 1e-14:
                roots = [-c / b]
        else:
            disc = b * b - 4 * a * c
            if disc >= 0:
                sq = math.sqrt(disc)
                roots = [(-b - sq) / (2 * a), (-b + sq) / (2 * a)]
        roots = [r for r in roots if 0.0 <= r <= 1.0]
        if not roots:
            return (t0, v0) if (f0 <= 0) == (v0 < v1) else (t1, v1)
        th = roots[0]
        th2, th3 = th * th, th * th * th
        v = (
            (2 * th3 - 3 * th2 + 1) * v0
            + (th3 - 2 * th2 + th) * h * f0
            + (-2 * th3 + 3 * th2) * v1
            + (th3 - th2) * h * f1
        )
        return t0 + th * h, v

    # ------------------------------------------------------------------ excitability
    def _quiet(self) -> bool:
        return self.phase == "resting" and self.excitability == "excitable" and not self._stim_on

    def _set_excitability(
        self, new: str, t: float, st: np.ndarray, at_threshold: bool = False
    ) -> None:
        """Enter excitability state `new` at time `t` (state vector `st` = V, m, h, n)."""
        if new == self.excitability:
            return
        if new == "excitable":
            self._in_episode = False
        sample = self._sample_at(t, st)
        why = X.explain_excitability(new, sample, self.context, at_threshold=at_threshold)
        event = self._emit(t, "excitability", st[0], new, why)
        event["excitability"] = new  # the key that says what it is; `phase` is the contract's
        event["from"] = self.excitability
        self.excitability = new

    def _sample_at(self, t: float, st: np.ndarray) -> X.ModelState:
        """The model state at a stored sample (currents recomputed from the state)."""
        v, m, h, n = (float(x) for x in st[:4])
        c = K.currents(st, params_row(self.params))
        il = c["i_l"] + c["i_leak_k"] + c["i_leak_na"] + c["i_leak_cl"]
        return X.ModelState(
            t, v, math.nan, m, h, n, c["i_na"], c["i_k"], il, math.nan, ipump=c["i_pump"]
        )

    def _held(self, t: float, pieces: list[Piece]) -> bool:
        """A stimulus with an end is on at `t` and has not fired since it began: it is
        itself the test of the membrane, so the band may not show the membrane more
        excitable than when the stimulus came on (a pulse that fails is never drawn
        inside a more excitable band than the one it met)."""
        return any(
            t_on <= t < t_off and t_on > self._threshold_t
            for t_on, t_off, _, _ in pieces
            if math.isfinite(t_off)
        )

    def _decide(self, raw: str, committed: bool) -> str:
        """Map a probe's answer to a band state (see the module docstring)."""
        if raw != "none":
            return raw
        if self.excitability == "absolute_refractory":
            return "absolute_refractory"
        if committed and self.excitability in ("excitable", "relative_refractory"):
            return self.excitability  # a spike is on its way: its threshold will say so
        return "absolute_refractory" if self._in_episode else "inexcitable"

    def _step_excitability(self, t: float, pieces: list[Piece]) -> None:
        if self._probe is None:
            self._last_probe_t = t
            return
        if not self.can_fire:
            if self.excitability != "inexcitable":
                self._set_excitability("inexcitable", t, self._history[-1][1])
            self._last_probe_t = t  # nothing to probe: no amplitude fires this membrane
            return
        in_spike = self.phase in ("threshold", "depolarization") or (
            self.phase == "repolarization" and self._history[-1][1][0] > self._threshold_v
        )
        if in_spike and not self._probe_needed:
            # Until V falls back below the level where it took off, a "second spike" can
            # only mean re-crossing 0 mV on the falling edge, not a new upstroke: the
            # spike itself is absolutely refractory, and probing it would only find that.
            self._last_probe_t = t
            self._skipped = True
            return
        due = t - self._last_probe_t >= self.probe_every_ms - 1e-9
        if self._skipped:
            self._probe_needed = True  # the spike is over: ask at once, then walk back
        if not (self._probe_needed or (due and not self._quiet())):
            if self._quiet():
                self._last_probe_t = t  # nothing can change while quiet: release events
            return
        result = self._ask(t, self._history[-1][1], pieces)
        if result != self.excitability and not (
            _RANK[result] > _RANK[self.excitability] and self._held(t, pieces)
        ):
            if self._skipped:
                t_change = self._scan_back(result, pieces)
            else:
                t_change = self._locate_change(result, pieces)
            self._set_excitability(result, t_change, self._state_at(t_change))
        self._last_probe_t = t
        self._probe_needed = False
        self._skipped = False

    def _scan_back(self, new_state: str, pieces: list[Piece], limit: int = 80) -> float:
        """Earliest sample of the unbroken run of `new_state` that ends now, walking back
        into the stretch skipped inside the spike (at most `limit` samples, never before
        the threshold). The skip's end is a voltage, not the model's answer: the band's
        edge is where the answers change, which can be a few samples earlier."""
        t_change = self._history[-1][0]
        for ts, st in list(self._history)[-2 : -limit - 2 : -1]:
            if ts <= self._threshold_t + 1e-12 or self._held(ts, pieces):
                break
            if self._ask(ts, st, pieces) != new_state:
                break
            t_change = ts
        return t_change

    def _prompt_rule(self) -> bool:
        """The prompt-response rule applies unless a spike is already committed."""
        return self.phase not in ("threshold", "depolarization", "repolarization")

    def _state_at(self, t: float) -> np.ndarray:
        for ts, st in reversed(self._history):
            if ts <= t + 1e-12:
                return st
        return self._history[0][1]

    def _locate_change(self, new_state: str, pieces: list[Piece]) -> float:
        """First stored sample since the last probe whose probe says `new_state` (bisection).

        A change up the excitability scale is never placed where `_held` forbids it.
        """
        hist = [h for h in self._history if h[0] > self._last_probe_t + 1e-12]
        if _RANK[new_state] > _RANK[self.excitability]:
            hist = [h for h in hist if not self._held(h[0], pieces)] or hist[-1:]
        if len(hist) <= 1:
            return hist[-1][0] if hist else self._history[-1][0]
        lo, hi = -1, len(hist) - 1  # hist[hi] has new_state; state at lo is the old one
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._ask(hist[mid][0], hist[mid][1], pieces) == new_state:
                hi = mid
            else:
                lo = mid
        return hist[hi][0]
