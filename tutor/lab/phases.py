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

Events are dicts `{t_ms, kind, phase?, v_mV, why?}` (DESIGN.md). Voltage
events are held back until the probes have covered their time, so the stream
that `feed` returns is always in time order.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from tutor.lab.names import EXCITABILITY_STATES, PHASES
from tutor.sim import kernel as K
from tutor.sim.engine import Trace
from tutor.sim.params import MembraneParams, ParameterError
from tutor.sim.reduce import params_row, resting_state, run_reduced
from tutor.sim.stimulus import Piece

__all__ = ["EXCITABILITY_STATES", "PHASES", "ExcitabilityProbe", "PhaseMachine"]

#: Half-width of the band around rest that counts as resting (mV).
REST_BAND_MV = 1.0
#: Latency after the test pulse's end within which a spike counts as its prompt response
#: (ms); see `ExcitabilityProbe.probe`.
PROMPT_LATENCY_MS = 2.0
#: Displacement from rest needed to call a membrane depolarised for threshold (mV).
DEPOLARISED_MV = 1.0


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
            self.baseline = math.inf  # nothing fires this membrane (e.g. TTX)
        self.relative_amp = (1.0 + ex.RELATIVE_WITHIN) * self.baseline

    def probe(
        self, state: np.ndarray, t_ms: float, pieces: Sequence[Piece], prompt_rule: bool = True
    ) -> str:
        """The excitability state (a name in EXCITABILITY_STATES) of the membrane in
        `state` at time `t_ms` under the scheduled `pieces`.

        `prompt_rule=False` uses the literal paired-pulse count only (the machine does
        so once a spike is committed: advancing a committed spike is not a new one).
        """
        future: list[Piece] = []
        for t_on, t_off, a_on, a_off in pieces:
            # only what is on now: a later stimulus is not part of the paired-pulse question
            if t_off <= t_ms or t_on > t_ms + 1e-9:
                continue
            if t_on < t_ms and math.isfinite(t_off) and a_on != a_off:
                a_on = a_on + (a_off - a_on) * (t_ms - t_on) / (t_off - t_on)
            future.append((max(t_on - t_ms, 0.0), t_off - t_ms, a_on, a_off))
        init = [float(x) for x in state]
        base = run_reduced(self.row, [future], init, self.window_ms, max_spikes=16)
        n0 = base.spike_counts[0]
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
            # Literal paired-pulse rule: the test adds a spike within the window. Under a
            # stimulus that keeps firing the cell (a step), a test pulse that fires at once
            # only *advances* the train, so the count over the window cannot change; the
            # second rule catches that: a spike within `prompt_ms` of the test onset that
            # the unprobed membrane would not have fired there. With no ongoing stimulus
            # the second rule is implied by the first, so the band still equals the sweep.
            n0_prompt = sum(1 for x in base.spikes_ms[0] if x <= self.prompt_ms)
            fired = [
                c > n0 or (prompt_rule and sum(1 for x in sp if x <= self.prompt_ms) > n0_prompt)
                for c, sp in zip(res.spike_counts, res.spikes_ms, strict=True)
            ]
        if len(fired) == 2 and fired[0]:
            return "excitable"
        if fired and fired[-1]:
            return "relative_refractory"
        return "absolute_refractory"


def dominant_current(s: dict) -> tuple[str, float]:
    """The largest current at a sample (by magnitude): its name and value (µA/cm²).

    Ionic currents are outward positive; the stimulus is reported as the
    current it injects (depolarising positive).
    """
    currents = {"I_Na": s["ina"], "I_K": s["ik"], "I_L": s["il"], "I_stim": s["istim"]}
    name = max(currents, key=lambda k: abs(currents[k]))
    return name, currents[name]


class PhaseMachine:
    """Online labeller of a running membrane (see module docstring).

    Feed it consecutive `Trace` chunks with `feed(chunk, pieces)`; it returns
    the new events. `phase` and `excitability` are the current labels;
    `labels` holds the voltage phase of every sample of the last chunk.
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
        self.events: list[dict] = []
        self.labels: list[str] = []
        self.excitability_labels: list[str] = []
        self._pending: list[dict] = []
        self._history: deque[tuple[float, np.ndarray]] = deque(maxlen=history)
        self._prev: tuple[float, float, float, float] | None = None  # t, V, dV/dt, I_ion
        self._extreme: tuple[float, float] = (math.nan, math.nan)
        self._last_probe_t = -math.inf
        self._probe_needed = True
        self._stim_on = False
        self._threshold_v = 0.0
        self._dominant: str | None = None
        self._base = base or params
        self.set_params(params)

    # ------------------------------------------------------------------ membrane
    def set_params(self, params: MembraneParams) -> None:
        """The membrane changed (drug, override): new rest, and probe again now."""
        self.params = params
        self.rest_mV = resting_state(params).v_mV
        self._probe = (
            ExcitabilityProbe(params, self._base, self.max_amp) if self.probes_enabled else None
        )
        self._probe_needed = True

    # ------------------------------------------------------------------ events
    def _emit(self, t: float, kind: str, v: float, phase: str | None = None, why: str = "") -> None:
        event: dict = {"t_ms": round(float(t), 6), "kind": kind}
        if phase is not None:
            event["phase"] = phase
        event["v_mV"] = round(float(v), 4)
        if why:
            event["why"] = why
        self._pending.append(event)

    def _enter(self, phase: str, t: float, v: float, why: str) -> None:
        self.phase = phase
        self._emit(t, "phase", v, phase, why)
        if self._dominant is not None:  # set by the _why() that built `why`
            self._pending[-1]["dominant"] = self._dominant
            self._dominant = None

    def _release(self, up_to: float) -> list[dict]:
        ready = [e for e in self._pending if e["t_ms"] <= up_to + 1e-9]
        self._pending = [e for e in self._pending if e["t_ms"] > up_to + 1e-9]
        ready.sort(key=lambda e: e["t_ms"])  # stable: same-time events keep their order
        self.events.extend(ready)
        return ready

    def flush(self) -> list[dict]:
        """Release every held-back event (end of a run)."""
        return self._release(math.inf)

    # ------------------------------------------------------------------ explanations
    def _why(self, phase: str, s: dict) -> str:
        p = self.params
        rates = K.gate_rates_array(np.array([s["v"]]), params_row(p))[:, 0]
        dm = rates[0] * (1 - s["m"]) - rates[1] * s["m"]
        dh = rates[2] * (1 - s["h"]) - rates[3] * s["h"]
        dn = rates[4] * (1 - s["n"]) - rates[5] * s["n"]

        def trend(x: float) -> str:
            return "rising" if x > 1e-4 else "falling" if x < -1e-4 else "steady"

        ina, ik, il, ist = s["ina"], s["ik"], s["il"], s["istim"]
        name, value = dominant_current(s)
        self._dominant = name
        gates = (
            f"m={s['m']:.2f} {trend(dm)}, h={s['h']:.2f} {trend(dh)}, n={s['n']:.2f} {trend(dn)}; "
            f"dominant {name} {value:+.1f} µA/cm²"
        )
        if phase == "subthreshold":
            if ist > 0:
                return (
                    f"stimulus {ist:.1f} µA/cm² charges the membrane; outward K⁺ and leak "
                    f"({ik + il:.1f} µA/cm²) oppose it ({gates})"
                )
            if ist < 0:
                return f"hyperpolarising current {ist:.1f} µA/cm² holds V below rest ({gates})"
            return f"displaced {s['v'] - self.rest_mV:+.1f} mV from rest; no regenerative current yet ({gates})"
        if phase == "threshold":
            return (
                f"net ionic current turned inward ({s['iion']:.2f} µA/cm²): Na⁺ influx "
                f"({ina:.1f}) now outweighs K⁺ + leak ({ik + il:.1f}) and grows as V rises — "
                f"positive feedback ({gates})"
            )
        if phase == "depolarization":
            return (
                f"Na⁺ channels opening: inward I_Na ({ina:.1f} µA/cm²) outweighs outward "
                f"K⁺ + leak ({ik + il:.1f}) and grows as V rises ({gates})"
            )
        if phase == "repolarization":
            return (
                f"Na⁺ channels inactivating and K⁺ channels open: outward I_K + I_L "
                f"({ik + il:.0f}) now exceeds inward I_Na ({ina:.0f} µA/cm²) ({gates})"
            )
        if phase == "hyperpolarization":
            return (
                f"K⁺ channels still open (n={s['n']:.2f}) pull V towards E_K "
                f"({p.ek:.0f} mV), below rest ({self.rest_mV:.1f} mV); not the pump ({gates})"
            )
        if phase == "resting":
            return (
                f"back within {REST_BAND_MV:g} mV of rest ({self.rest_mV:.1f} mV): "
                f"leak and K⁺ balance Na⁺ ({gates})"
            )
        return gates

    # ------------------------------------------------------------------ feeding
    def feed(self, chunk: Trace, pieces: Sequence[Piece] = ()) -> list[dict]:
        """Label the samples of `chunk` (consecutive with the previous one); return new events."""
        self.labels = []
        self.excitability_labels = []
        pieces = list(pieces)
        edges = sorted(
            [(p[0], "stimulus_on") for p in pieces]
            + [(p[1], "stimulus_off") for p in pieces if math.isfinite(p[1])]
        )
        t_arr = chunk.t_ms
        for k in range(len(chunk)):
            t = float(t_arr[k])
            s = {
                "t": t,
                "v": float(chunk.v_mV[k]),
                "dvdt": float(chunk.dvdt[k]),
                "iion": float(chunk.i_ion[k]),
                "m": float(chunk.m[k]),
                "h": float(chunk.h[k]),
                "n": float(chunk.n[k]),
                "ina": float(chunk.i_na[k]),
                "ik": float(chunk.i_k[k]),
                "il": float(chunk.i_l[k]),
                "istim": float(chunk.i_stim[k]),
            }
            prev_t = self._prev[0] if self._prev else -math.inf
            for te, kind in edges:
                if prev_t < te <= t or (self._prev is None and te == t == 0.0):
                    self._emit(te, kind, s["v"])
                    self._probe_needed = True
            self._stim_on = s["istim"] != 0.0
            self._step_voltage(s)
            self._history.append((t, np.array([s["v"], s["m"], s["h"], s["n"]])))
            self._step_excitability(t, pieces)
            self.labels.append(self.phase)
            self.excitability_labels.append(self.excitability)
            self._prev = (t, s["v"], s["dvdt"], s["iion"])
        return self._release(self._last_probe_t if self._probe else math.inf)

    def _step_voltage(self, s: dict) -> None:
        t, v, dvdt, iion = s["t"], s["v"], s["dvdt"], s["iion"]
        rest = self.rest_mV
        if self._prev is None:
            if abs(v - rest) > REST_BAND_MV:
                self._enter("subthreshold", t, v, self._why("subthreshold", s))
            return
        pt, pv, pdvdt, piion = self._prev
        regenerative = iion < 0.0 and dvdt > 0.0 and v > rest + DEPOLARISED_MV and iion < piion
        phase = self.phase
        if phase in ("resting", "subthreshold", "hyperpolarization") and regenerative and v < 0:
            self._enter("threshold", t, v, self._why("threshold", s))
            self._emit(t, "threshold", v)
            self._probe_needed = True  # a spike is now committed: ask the model at once
            self._threshold_v = v
            self._enter("depolarization", t, v, self._why("depolarization", s))
            return
        if phase == "resting":
            if abs(v - rest) > REST_BAND_MV:
                self._enter("subthreshold", t, v, self._why("subthreshold", s))
        elif phase == "subthreshold":
            if abs(v - rest) <= REST_BAND_MV and abs(dvdt) < 0.1:
                self._enter("resting", t, v, self._why("resting", s))
        elif phase == "depolarization":
            if pv < 0.0 <= v:
                tc = pt + (t - pt) * (0.0 - pv) / (v - pv)
                self._emit(tc, "spike", 0.0)
            if dvdt <= 0.0 < pdvdt:
                if v >= 0.0 or pv >= 0.0:
                    tp, vp = self._turning_point(pt, pv, pdvdt, t, v, dvdt)
                    self._emit(tp, "peak", vp)
                    self._enter("repolarization", t, v, self._why("repolarization", s))
                elif iion > 0.0:
                    self._emit(t, "threshold_failed", v, why="V turned back before 0 mV: "
                               "outward K⁺ and leak won over Na⁺")  # fmt: skip
                    self._enter("subthreshold", t, v, self._why("subthreshold", s))
            elif dvdt < 0.0 and v < 0.0 and iion > 0.0:
                self._emit(t, "threshold_failed", v, why="V fell back before 0 mV")
                self._enter("subthreshold", t, v, self._why("subthreshold", s))
        elif phase == "repolarization":
            if v < rest:
                self._extreme = (t, v)
                self._enter("hyperpolarization", t, v, self._why("hyperpolarization", s))
            elif dvdt >= 0.0 > pdvdt:
                # turned around above rest (e.g. during a long step): the AHP minimum
                tm, vm = self._turning_point(pt, pv, pdvdt, t, v, dvdt)
                self._emit(tm, "ahp_min", vm)
                self._enter("subthreshold", t, v, self._why("subthreshold", s))
        elif phase == "hyperpolarization":
            if dvdt >= 0.0 > pdvdt and not math.isnan(self._extreme[0]):
                tm, vm = self._turning_point(pt, pv, pdvdt, t, v, dvdt)
                self._emit(tm, "ahp_min", vm)
                self._extreme = (math.nan, math.nan)
            elif abs(v - rest) <= REST_BAND_MV and math.isnan(self._extreme[0]):
                self._enter("resting", t, v, self._why("resting", s))
            elif v > rest + REST_BAND_MV and math.isnan(self._extreme[0]):
                self._enter("subthreshold", t, v, self._why("subthreshold", s))

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

    def _step_excitability(self, t: float, pieces: list[Piece]) -> None:
        if self._probe is None:
            self._last_probe_t = t
            return
        in_spike = self.phase in ("threshold", "depolarization") or (
            self.phase == "repolarization" and self._history[-1][1][0] > self._threshold_v
        )
        if in_spike and not self._probe_needed:
            # Until V falls back below the level where it took off, a "second spike" can
            # only mean re-crossing 0 mV on the falling edge, not a new upstroke: the
            # spike itself is absolutely refractory, and probing it would only find that.
            self._last_probe_t = t
            return
        due = t - self._last_probe_t >= self.probe_every_ms - 1e-9
        if not (self._probe_needed or (due and not self._quiet())):
            if self._quiet():
                self._last_probe_t = t  # nothing can change while quiet: release events
            return
        state = self._history[-1][1]
        result = self._probe.probe(state, t, pieces, self._prompt_rule())
        if result != self.excitability:
            t_change = self._locate_change(result, pieces)
            self.excitability = result
            v_at = self._state_at(t_change)[0]
            self._emit(t_change, "excitability", v_at, result, self._why_excitability(result))
        self._last_probe_t = t
        self._probe_needed = False

    def _prompt_rule(self) -> bool:
        """The prompt-response rule applies unless a spike is already committed."""
        return self.phase not in ("threshold", "depolarization", "repolarization")

    def _state_at(self, t: float) -> np.ndarray:
        for ts, st in reversed(self._history):
            if ts <= t + 1e-12:
                return st
        return self._history[0][1]

    def _locate_change(self, new_state: str, pieces: list[Piece]) -> float:
        """First stored sample since the last probe whose probe says `new_state` (bisection)."""
        assert self._probe is not None, "only called when probing"
        hist = [h for h in self._history if h[0] > self._last_probe_t + 1e-12]
        if len(hist) <= 1:
            return hist[-1][0] if hist else self._history[-1][0]
        lo, hi = -1, len(hist) - 1  # hist[hi] has new_state; state at lo is the old one
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if (
                self._probe.probe(hist[mid][1], hist[mid][0], pieces, self._prompt_rule())
                == new_state
            ):
                hi = mid
            else:
                lo = mid
        return hist[hi][0]

    def _why_excitability(self, state: str) -> str:
        p = self._probe
        assert p is not None, "excitability states come only from probes"
        if state == "absolute_refractory":
            return f"no test pulse up to {p.max_amp:g} µA/cm² can add a spike: Na⁺ channels inactivated (h low)"
        if state == "relative_refractory":
            return (
                f"a spike needs more than {p.relative_amp:.1f} µA/cm² (1.05 × rest threshold): "
                "h recovering, K⁺ still open"
            )
        return f"a test pulse of {p.relative_amp:.1f} µA/cm² (1.05 × rest threshold) fires"
