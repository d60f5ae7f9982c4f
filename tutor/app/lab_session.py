"""The lab's model side: live simulation, phase machine, trace history, stimulus.

Kept free of Textual so the screen stays a thin view and this logic is tested
and benchmarked headless. The screen calls :meth:`LabSession.advance` from its
timer and redraws from :meth:`LabSession.window`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.app.widgets.theme import exc_index, phase_index
from tutor.lab.events import Event
from tutor.lab.names import BLOCKS, EXCITABILITY_STATES, PHASES
from tutor.sim.tracecsv import TRACE_COLUMNS, write_trace_csv

if TYPE_CHECKING:  # the engine is imported when the session is built, not with the app
    from tutor.app.setups import LabSetup
    from tutor.lab.explain import Notation
    from tutor.sim import MembraneParams, Trace

#: Stimulus queued ahead of model time at most (ms); further presses are refused.
MAX_QUEUE_AHEAD_MS = 100.0
#: Columns kept per sample, units in the names: the trace CSV's columns (exported) and
#: the pump current, which the explanation of a past moment needs for its net current.
_FLOAT_FIELDS: tuple[str, ...] = (*TRACE_COLUMNS, "i_pump")
#: Event kinds drawn as markers with their value on the trace.
MARKER_KINDS: tuple[str, ...] = ("threshold", "peak", "ahp_min", "threshold_failed", "stimulus_on")
#: [K⁺]ₒ values (mM) the lab's `{` `}` keys step through: from low to raised, all with a
#: stable rest on the textbook membrane (at 15 mM it fires on its own, a lesson of its own).
KO_STEPS_MM: tuple[float, ...] = (2.5, 5.0, 7.5, 10.0)
#: Sample interval of the slow-time (minutes) mode, ms: four samples a second of model time.
SLOW_DT_MS = 250.0
#: Most samples the slow-time trace keeps (an hour of model time at SLOW_DT_MS).
SLOW_MAX_SAMPLES = 14_400
#: Columns of the slow-time trace (units in the names).
SLOW_COLUMNS: tuple[str, ...] = ("t_ms", "v_mV", "nai", "ki", "cli")


@dataclass(frozen=True)
class IonView:
    """The ion numbers the lab's panel shows, all at one instant (`t_ms`).

    Internal concentrations are the model's state then, external ones the
    membrane's parameters (mM). `e_mV` are the reversal potentials in use:
    Nernst at those concentrations for the ions that follow Nernst, the fixed
    parameter otherwise. `rest_mV` and `ghk_mV` are where the membrane would
    rest with those concentrations held (the I–V zero, `tutor rest`) and the
    GHK voltage from its resting permeabilities (None when it has no stable
    rest); `pump_uA_cm2` the pump current now (0 with ouabain).
    """

    t_ms: float
    v_mV: float
    conc_mM: dict[str, float]
    e_mV: dict[str, float]
    rest_mV: float | None
    ghk_mV: float | None
    pump_uA_cm2: float
    ouabain: bool


class SlowTrace:
    """The slow-time mode's samples (`SLOW_COLUMNS`), oldest dropped beyond a bound."""

    def __init__(self, max_samples: int = SLOW_MAX_SAMPLES) -> None:
        self.max_samples = max_samples
        self.cols: dict[str, np.ndarray] = {k: np.zeros(0) for k in SLOW_COLUMNS}

    def __len__(self) -> int:
        return len(self.cols["t_ms"])

    def append(self, chunk: Trace) -> None:
        for k in SLOW_COLUMNS:
            joined = np.concatenate([self.cols[k], np.asarray(getattr(chunk, k), dtype=float)])
            self.cols[k] = joined[-self.max_samples :]

    def since(self, t0_ms: float) -> dict[str, np.ndarray]:
        """Every column for samples with t ≥ t0 (plus one before, for joining)."""
        i = max(int(np.searchsorted(self.cols["t_ms"], t0_ms)) - 1, 0)
        return {k: a[i:] for k, a in self.cols.items()}


#: Onset-to-onset intervals (ms) the `i`/`I` keys step by, below each bound: fine steps
#: where refractoriness lives (a few ms), coarser ones for slow trains.
INTERVAL_STEPS_MS: tuple[tuple[float, float], ...] = (
    (5.0, 0.5),
    (20.0, 1.0),
    (100.0, 5.0),
    (200.0, 10.0),
    (1000.0, 50.0),
)
INTERVAL_RANGE_MS = (0.5, 1000.0)


def next_interval(interval_ms: float, direction: int) -> float:
    """The next interval up (direction > 0) or down from ``interval_ms`` on the step grid.

    The grid is 0.5 ms steps up to 5 ms, 1 ms to 20 ms, 5 ms to 100 ms, 10 ms to 200 ms and
    50 ms to 1000 ms, so paired-pulse studies can walk through the refractory period
    millisecond by millisecond. A value off the grid (set by a lesson) moves to the nearest
    grid point in that direction; the ends of `INTERVAL_RANGE_MS` are never passed.
    """
    lo, hi = INTERVAL_RANGE_MS
    grid: list[float] = []
    start = lo
    for bound, step in INTERVAL_STEPS_MS:
        n = round((bound - start) / step)
        grid.extend(round(start + k * step, 6) for k in range(n))
        start = bound
    grid.append(hi)
    if direction > 0:
        return next((g for g in grid if g > interval_ms + 1e-9), hi)
    return next((g for g in reversed(grid) if g < interval_ms - 1e-9), lo)


@dataclass(frozen=True)
class StimulusSettings:
    """What `space` delivers: ``count`` pulses ``interval_ms`` apart (onset to onset).

    The panel's settings, not a protocol object: `tutor.sim.stimulus` holds those.
    A try-it step may give pulses that are not one uniform train (lesson 7's paired
    pulse: 20 then 100 µA/cm²); they are kept whole in ``pattern`` so the panel shows,
    and `space` repeats, every one of them. Any knob change makes the train uniform again.
    """

    amp_uA_cm2: float = 20.0
    width_ms: float = 1.0
    count: int = 1
    interval_ms: float = 10.0
    pattern: tuple[tuple[float, float, float], ...] = ()
    """(onset from the first onset ms, width_ms, amp_uA_cm2) of each pulse; () = uniform."""

    @classmethod
    def from_pulses(
        cls, pulses: list[tuple[float, float, float]], interval_ms: float = 10.0
    ) -> StimulusSettings:
        """Settings that deliver exactly these (delay, width, amp) pulses, relative to the
        first onset; a uniform train is stored as count × interval, anything else whole."""
        ordered = sorted(pulses)
        d0, width, amp = ordered[0]
        rel = tuple((d - d0, w, a) for d, w, a in ordered)
        gaps = [later[0] - earlier[0] for earlier, later in pairwise(rel)]
        interval = gaps[0] if gaps else interval_ms
        uniform = all(w == width and a == amp for _, w, a in rel) and all(
            abs(g - interval) < 1e-9 for g in gaps
        )
        return cls(amp, width, len(rel), interval, () if uniform else rel)

    def relative(self) -> list[tuple[float, float, float]]:
        """(onset from the first ms, width_ms, amp_uA_cm2) of every pulse `space` gives."""
        if self.pattern:
            return list(self.pattern)
        return [
            (k * self.interval_ms, self.width_ms, self.amp_uA_cm2)
            for k in range(max(self.count, 1))
        ]

    def pulses(self, start_ms: float) -> list[tuple[float, float, float]]:
        """(delay_ms, width_ms, amp_uA_cm2) of every pulse, absolute times."""
        return [(start_ms + o, w, a) for o, w, a in self.relative()]


#: Samples of history the lab keeps: 10 s of model time at the 0.025 ms default sample
#: interval, 96 bytes a sample (10 float columns + 2 label columns) ≈ 38 MB at most.
HISTORY_SAMPLES = 400_000


class TraceBuffer:
    """Growable columnar history of samples with per-sample phase labels.

    Appends are amortised O(chunk). Memory is bounded: the arrays never grow past
    ``max_samples`` rows, and when they are full the oldest tenth is dropped, so at
    least 90 % of ``max_samples`` stays available to scroll back through (a tutor
    left running for hours keeps its latest ≈ 9–10 s at the default sample interval).
    """

    def __init__(self, max_samples: int = HISTORY_SAMPLES) -> None:
        self.max_samples = max_samples
        self._cap = 4096
        self._n = 0
        self._cols: dict[str, np.ndarray] = {k: np.zeros(self._cap) for k in _FLOAT_FIELDS}
        self._phase = np.zeros(self._cap, dtype=np.int64)
        self._exc = np.zeros(self._cap, dtype=np.int64)

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0

    def append(self, cols: dict[str, np.ndarray], phase: np.ndarray, exc: np.ndarray) -> None:
        k = len(phase)
        if k == 0:
            return
        if self._n + k > self.max_samples:
            drop = min(max(self.max_samples // 10, self._n + k - self.max_samples), self._n)
            for a in [*self._cols.values(), self._phase, self._exc]:
                a[: self._n - drop] = a[drop : self._n]
            self._n -= drop
        if self._n + k > self._cap:
            # doubling, but never past the bound (a single chunk larger than it still fits)
            new_cap = max(min(self._cap * 2, self.max_samples), self._n + k)
            for name, a in self._cols.items():
                self._cols[name] = np.resize(a, new_cap)
            self._phase = np.resize(self._phase, new_cap)
            self._exc = np.resize(self._exc, new_cap)
            self._cap = new_cap
        sl = slice(self._n, self._n + k)
        for name in _FLOAT_FIELDS:
            # a chunk without a pump column comes from a membrane without a pump
            self._cols[name][sl] = cols.get(name, 0.0)
        self._phase[sl] = phase
        self._exc[sl] = exc
        self._n += k

    def col(self, name: str) -> np.ndarray:
        """A view of one column over all kept samples."""
        if name == "phase":
            return self._phase[: self._n]
        if name == "exc":
            return self._exc[: self._n]
        return self._cols[name][: self._n]

    @property
    def capacity(self) -> int:
        """Rows allocated now (never more than ``max_samples`` for chunks up to it)."""
        return self._cap

    def span_ms(self) -> tuple[float, float] | None:
        """(first, last) kept sample time, ms; None when empty."""
        if self._n == 0:
            return None
        t = self._cols["t_ms"]
        return float(t[0]), float(t[self._n - 1])

    def between(self, t0_ms: float, t1_ms: float) -> dict[str, np.ndarray]:
        """Views of every column for samples with t0 ≤ t ≤ t1, plus one sample either
        side (so a plotted line enters and leaves at the window's edges)."""
        t = self.col("t_ms")
        i = max(int(np.searchsorted(t, t0_ms)) - 1, 0)
        j = min(int(np.searchsorted(t, t1_ms, side="right")) + 1, self._n)
        out = {name: self._cols[name][i:j] for name in _FLOAT_FIELDS}
        out["phase"] = self._phase[i:j]
        out["exc"] = self._exc[i:j]
        return out

    def since(self, t0_ms: float) -> dict[str, np.ndarray]:
        """Views of every column for samples with t ≥ t0 (plus one before, for joining)."""
        t = self.col("t_ms")
        i = max(int(np.searchsorted(t, t0_ms)) - 1, 0)
        out = {name: self._cols[name][i : self._n] for name in _FLOAT_FIELDS}
        out["phase"] = self._phase[i : self._n]
        out["exc"] = self._exc[i : self._n]
        return out


def _chunk_cols(chunk: Trace) -> dict[str, np.ndarray]:
    """The kept columns of a new stretch of trace, as float arrays."""
    return {name: np.asarray(getattr(chunk, name), dtype=float) for name in _FLOAT_FIELDS}


@dataclass
class LabState:
    """The user-facing knobs of the lab (what the panel shows)."""

    preset: str = "textbook"
    celsius: float | None = None
    blocks: frozenset[str] = frozenset()
    overrides: dict[str, float] = field(default_factory=dict)
    hold_uA_cm2: float = 0.0
    stimulus: StimulusSettings = field(default_factory=StimulusSettings)


class LabError(ValueError):
    """A knob change the model rejected (e.g. no stable rest); the lab kept its old state."""


class LabSession:
    """A running membrane: LiveSim + PhaseMachine + history + stimulus settings."""

    def __init__(self, preset: str | None = None, dt_ms: float = 0.025) -> None:
        from tutor.sim import preset_names

        names = list(preset_names())
        if preset is None or preset not in names:
            preset = "textbook" if "textbook" in names else names[0]
        self.dt_ms = dt_ms
        self.state = LabState(preset=preset)
        self.buffer = TraceBuffer()
        self.events: list[Event] = []
        self.phase: str = "resting"
        self.excitability: str = "excitable"
        """Phase the ``why`` explains (events can trail the per-sample label a little)."""
        self.pulses: list[tuple[float, float, float]] = []
        self.frozen: Mapping[str, Any] | None = None
        """The event whose moment the banner shows while a question is open (None: live)."""
        self.slow = False
        """Slow-time (minutes) mode: sampled every SLOW_DT_MS, phases not followed."""
        self.slow_trace = SlowTrace()
        self.slow_spikes = 0
        """Spikes the integrator found since slow-time mode began (samples cannot show them)."""
        self._ion_cache: tuple[Any, Any] | None = None
        self._build(reset=True)

    # -- model construction ------------------------------------------------------------
    def params(self) -> MembraneParams:
        """The membrane parameters the knobs describe (frozen engine object)."""
        from tutor.sim import load_preset

        p = load_preset(self.state.preset)
        over = dict(self.state.overrides)
        if self.state.celsius is not None:
            over["celsius"] = self.state.celsius
        if over:
            p = p.with_overrides(over)
        for b in sorted(self.state.blocks):
            p = p.with_block(b)
        return p

    def base_params(self) -> MembraneParams:
        """Unmodified membrane at the chosen temperature (the resting initial state)."""
        from tutor.sim import load_preset

        p = load_preset(self.state.preset)
        if self.state.celsius is not None:
            p = p.with_overrides({"celsius": self.state.celsius})
        return p

    def _build(self, reset: bool) -> None:
        from tutor.lab.phases import PhaseMachine
        from tutor.sim import LiveSim

        params = self.params()
        if reset:
            self.slow = False
            self.live = LiveSim(params, dt_ms=self.dt_ms, base=self.base_params())
            self.machine = PhaseMachine(params, base=self.base_params())
            self.buffer.clear()
            self.events = []
            self.pulses = []
            self.phase, self.excitability = "resting", "excitable"
            self._apply_hold()
        else:
            self.live.set_params(params)
            self.machine.set_params(self._held_params(params))

    def _rebuild(self, reset: bool, old: LabState) -> None:
        """Apply changed knobs; on a model error restore the old knobs and say why."""
        try:
            self._build(reset=reset)
        except Exception as exc:
            self.state = old
            self._build(reset=reset)
            raise LabError(str(exc)) from exc

    def _snapshot_state(self) -> LabState:
        return replace(self.state, overrides=dict(self.state.overrides))

    def _apply_hold(self) -> None:
        if self.state.hold_uA_cm2:
            from tutor.sim import Holding

            self.live.add_stimulus(Holding(amp_uA_cm2=self.state.hold_uA_cm2))

    @property
    def t_ms(self) -> float:
        return float(self.live.t_ms)

    # -- running -----------------------------------------------------------------------
    def advance(self, ms: float) -> list[Event]:
        """Run ``ms`` of model time; returns the new events (already kept in ``events``).

        In slow-time mode the samples go to `slow_trace` and no events are made."""
        if ms <= 0:
            return []
        chunk = self.live.advance(ms)
        if self.slow:
            self.slow_trace.append(chunk)
            self.slow_spikes += len(self.live.new_spikes())
            return []
        new = self.machine.feed(chunk, self.live.pieces)
        n = len(chunk.t_ms)
        # Per-sample labels are immediate; events may arrive a little later (the
        # machine holds voltage events back until its probes have covered them).
        phase = np.fromiter((phase_index(p) for p in self.machine.labels), np.int64, n)
        exc = np.fromiter((exc_index(p) for p in self.machine.excitability_labels), np.int64, n)
        self.buffer.append(_chunk_cols(chunk), phase, exc)
        self.phase = self.machine.phase
        self.excitability = self.machine.excitability
        self.events.extend(new)
        if len(self.events) > 20_000:  # bounded like the trace (a 10 s train makes ~5 000)
            del self.events[:5000]
        return new

    def deliver(self, lead_ms: float = 0.5) -> list[tuple[float, float, float]]:
        """Schedule the stimulus starting ``lead_ms`` from now; returns the pulses.

        Presses are queued by time, never stacked: a train starts no earlier
        than the end of the one scheduled before it, so holding space (key
        repeat, or many presses while paused) gives pulses one after another at
        the panel's amplitude, not hundreds summed into one instant. At most
        `MAX_QUEUE_AHEAD_MS` of stimulus is queued ahead of model time; presses
        beyond that return [] (the caller says the queue is full).
        """
        from tutor.sim import Pulse

        start = self.t_ms + lead_ms
        pending = [p for p in self.pulses[-64:] if p[0] + p[1] > self.t_ms]
        if pending:
            start = max(start, max(d + w for d, w, _ in pending))
        if start - self.t_ms > MAX_QUEUE_AHEAD_MS:
            return []
        pulses = self.state.stimulus.pulses(start)
        for delay, width, amp in pulses:
            self.live.add_stimulus(Pulse(delay_ms=delay, width_ms=width, amp_uA_cm2=amp))
        self.pulses.extend(pulses)
        return pulses

    # -- knobs -------------------------------------------------------------------------
    def set_stimulus(self, **changes: Any) -> StimulusSettings:
        """Change amplitude/width/count/interval within sane bounds (the bounds a setup
        file obeys too, `tutor.app.setups.STIMULUS_LIMITS`).

        A try-it's mixed pulses (``pattern``) give way to a uniform train built from the
        first pulse's values with the change applied: the panel then shows what `space`
        will really deliver.
        """
        s = replace(self.state.stimulus, pattern=(), **changes)
        from tutor.app.setups import STIMULUS_LIMITS as LIM  # a setup file obeys the same

        s = replace(
            s,
            amp_uA_cm2=float(np.clip(round(s.amp_uA_cm2, 3), *LIM["amp_uA_cm2"])),
            width_ms=float(np.clip(round(s.width_ms, 3), *LIM["width_ms"])),
            count=int(np.clip(s.count, *LIM["count"])),
            interval_ms=float(np.clip(s.interval_ms, *LIM["interval_ms"])),
        )
        self.state.stimulus = s
        return s

    def toggle_block(self, name: str) -> bool:
        """Toggle a drug block (applies from now on); returns whether it is now on."""
        if name not in BLOCKS:
            raise ValueError(f"unknown block {name!r}")
        old = self._snapshot_state()
        blocks = set(self.state.blocks)
        on = name not in blocks
        (blocks.add if on else blocks.discard)(name)
        self.state.blocks = frozenset(blocks)
        self._rebuild(False, old)
        return on

    @property
    def has_ions(self) -> bool:
        """Whether the membrane's Na⁺ and K⁺ reversal potentials follow its concentrations
        (Nernst): the ion panel and the [K⁺]ₒ key mean something only then. The squid
        preset keeps HH's fixed E_Na and E_K (its Cl⁻ carries no current)."""
        nernst = self.params().nernst
        return "na" in nernst and "k" in nernst

    def set_ko(self, direction: int) -> float:
        """Step [K⁺]ₒ to the next value of `KO_STEPS_MM` up (+1) or down (−1), from now on;
        returns the new value (mM). E_K follows by Nernst, and rest moves towards it."""
        if not self.has_ions:
            raise LabError("this preset has fixed reversal potentials: [K⁺]ₒ does not enter it")
        ko = self.params().ko
        if direction > 0:
            new = next((k for k in KO_STEPS_MM if k > ko + 1e-9), KO_STEPS_MM[-1])
        else:
            new = next((k for k in reversed(KO_STEPS_MM) if k < ko - 1e-9), KO_STEPS_MM[0])
        old = self._snapshot_state()
        self.state.overrides = {**self.state.overrides, "ko": new}
        self._rebuild(False, old)
        return new

    def set_slow(self, on: bool) -> None:
        """Enter or leave slow-time mode, continuing from the present state and time.

        Entering swaps the live simulation for a coarse one (samples every
        SLOW_DT_MS, the same integrator) started from the last sample; leaving
        swaps back to the fine one from where the slow run got to. The phase
        machine is not fed in slow time; on leaving it starts afresh (its
        events then begin there)."""
        from tutor.lab.phases import PhaseMachine
        from tutor.sim import LiveSim

        if on == self.slow:
            return
        state, t = self.live.state, self.live.t_ms
        stimuli = list(self.live.stimuli)
        params, base = self.params(), self.base_params()
        if on:
            live = LiveSim(params, dt_ms=SLOW_DT_MS, base=base, coarse=True)
            self.slow_trace = SlowTrace()
            self.slow_spikes = 0
        else:
            live = LiveSim(params, dt_ms=self.dt_ms, base=base)
            self.machine = PhaseMachine(self._held_params(params), base=base)
            self.phase, self.excitability = "resting", "excitable"
        live.start_from(state, t)
        for stim in stimuli:
            live.add_stimulus(stim)
        self.live = live
        self.slow = on
        self.frozen = None

    def _held_params(self, p: MembraneParams) -> MembraneParams:
        """`p` with the internal concentrations the model has now (when they change): what
        the phase machine labels against, so after minutes of run-down its rest, E_Na and
        E_K are today's, not those the run started with."""
        if not p.dynamic_concentrations:
            return p
        from tutor.sim import kernel as K

        y = self.live.state
        return p.with_overrides(
            {"nai": float(y[K.S_NAI]), "ki": float(y[K.S_KI]), "cli": float(y[K.S_CLI])}
        )

    def ion_view(self) -> IonView:
        """The panel's ion numbers now (see `IonView`): concentrations from the model's
        latest state, reversal potentials and the rest they imply computed from them."""
        from tutor.sim import ions
        from tutor.sim import kernel as K
        from tutor.sim.rest import explain_rest

        p = self.params()
        y = self.live.state
        inside = {"nai": float(y[K.S_NAI]), "ki": float(y[K.S_KI]), "cli": float(y[K.S_CLI])}
        conc = {**inside, "nao": p.nao, "ko": p.ko, "clo": p.clo}
        fixed = {"na": p.ena, "k": p.ek, "cl": p.ecl}
        pairs = {"na": ("nai", "nao", 1), "k": ("ki", "ko", 1), "cl": ("cli", "clo", -1)}
        e = {
            ion: ions.nernst_mV(conc[ci], conc[co], z, p.celsius) if ion in p.nernst else fixed[ion]
            for ion, (ci, co, z) in pairs.items()
        }
        key = (p, tuple(round(x, 9) for x in inside.values()))
        if self._ion_cache is None or self._ion_cache[0] != key:
            held = p.with_overrides(inside) if p.dynamic_concentrations else p
            try:
                report = explain_rest(held)
                rest: tuple[float | None, float | None] = (report.rest_mV, report.ghk_mV)
            except Exception:
                rest = (None, None)
            self._ion_cache = (key, rest)
        rest_mV, ghk_mV = self._ion_cache[1]
        pump = float(ions.pump_current(inside["nai"], p.ko, p.ipump, p.km_na_pump, p.km_k_pump))
        return IonView(
            t_ms=self.live.t_ms, v_mV=float(y[K.S_V]), conc_mM=conc, e_mV=e, rest_mV=rest_mV,
            ghk_mV=ghk_mV, pump_uA_cm2=pump if p.ipump > 0 else 0.0,
            ouabain="ouabain" in self.state.blocks,
        )  # fmt: skip

    def set_preset(self, name: str) -> None:
        """Switch preset and restart from its resting state."""
        old = self._snapshot_state()
        self.state.preset = name
        self.state.celsius = None
        self.state.overrides = {}
        self._rebuild(True, old)

    def set_celsius(self, celsius: float) -> None:
        """Change temperature (from now on; rest is re-derived at reset)."""
        old = self._snapshot_state()
        self.state.celsius = float(np.clip(celsius, 0.0, 45.0))
        self._rebuild(False, old)

    def start_fresh(self, preset: str) -> None:
        """A lesson starts: every knob back to its default on ``preset`` (temperature,
        drugs, overrides, holding current, stimulus), from rest at t = 0, history cleared.

        So a lesson never inherits a drug or a temperature from earlier play.
        """
        old = self._snapshot_state()
        self.state = LabState(preset=preset)
        self._rebuild(True, old)

    def reset(self) -> None:
        """Back to rest at t = 0 with the current knobs; history cleared."""
        self._build(reset=True)

    def apply_spec(self, spec: dict[str, Any]) -> None:
        """Set the lab up from a content run spec ("try it" step) and schedule its pulses.

        Keys as in docs/content-format.md: preset, pulses, block, set, celsius, hold.
        """
        old = self._snapshot_state()
        if spec.get("preset"):
            self.state.preset = str(spec["preset"])
        self.state.celsius = float(spec["celsius"]) if spec.get("celsius") is not None else None
        self.state.blocks = frozenset(str(b) for b in spec.get("block", []) or [])
        self.state.overrides = {str(k): float(v) for k, v in (spec.get("set") or {}).items()}
        self.state.hold_uA_cm2 = float(spec.get("hold") or 0.0)
        pulses = [(float(d), float(w), float(a)) for d, w, a in spec.get("pulses", []) or []]
        # the panel shows (and `space` repeats) every pulse of the step, not just the first
        self.state.stimulus = StimulusSettings.from_pulses(pulses) if pulses else StimulusSettings()
        self._rebuild(True, old)
        from tutor.sim import Pulse

        for delay, width, amp in pulses:
            self.live.add_stimulus(Pulse(delay_ms=delay, width_ms=width, amp_uA_cm2=amp))
        self.pulses.extend(pulses)

    def apply_setup(self, setup: LabSetup) -> None:
        """Open a saved setup (`tutor.app.setups`): its knobs, from rest at t = 0."""
        old = self._snapshot_state()
        self.state.preset = setup.preset
        self.state.celsius = setup.celsius
        self.state.blocks = frozenset(setup.blocks)
        self.state.overrides = dict(setup.overrides)
        self.state.hold_uA_cm2 = setup.hold_uA_cm2
        self.state.stimulus = (
            StimulusSettings.from_pulses(list(setup.pulses), setup.interval_ms)
            if setup.pulses
            else StimulusSettings(setup.amp_uA_cm2, setup.width_ms, setup.count, setup.interval_ms)
        )
        self._rebuild(True, old)

    def setup(self) -> LabSetup:
        """The knobs now, as `S` saves them (temperature written as the number in effect)."""
        from tutor.app.setups import LabSetup

        return LabSetup.from_state(self.state, self.params().celsius)

    def rest_threshold(self) -> tuple[float, float | None]:
        """Threshold (µA/cm²) of the panel's pulse width on this membrane at rest.

        Pure and slow (a batched bisection): the screen calls it from a worker
        thread; it reads only the knobs, never the live state.
        """
        from tutor.lab.experiments import membranes, threshold_sweep

        st = self.state
        m = membranes(st.preset, st.celsius, dict(st.overrides), sorted(st.blocks))
        width = st.stimulus.width_ms
        thr = threshold_sweep(m, width)["threshold_uA_cm2"]
        return width, (None if thr is None or not np.isfinite(thr) else float(thr))

    # -- views -------------------------------------------------------------------------
    def freeze(self, event: Mapping[str, Any] | None) -> None:
        """Show the lab as it was at ``event`` (a question opened there) until
        :meth:`unfreeze`: banner phase, excitability, why and clock all at that instant,
        so the banner and the question dialog name the same moment."""
        self.frozen = event

    def unfreeze(self) -> None:
        """Back to the live view."""
        self.frozen = None

    def view(self, nt: Notation | None = None) -> tuple[str, str, str, float]:
        """(phase, excitability, why, t_ms) the banner shows: live, or frozen at an event;
        the why written in notation `nt` (None: modern)."""
        ev = getattr(self, "frozen", None)
        if ev is None:
            return self.phase, self.excitability, self.current_why(nt), self.t_ms
        return self._view_at(ev, nt)

    def _view_at(
        self, ev: Mapping[str, Any], nt: Notation | None = None
    ) -> tuple[str, str, str, float]:
        """The banner's state at an event: the state it enters (or the per-sample labels
        for an instant), the explanation from the model state at that sample."""
        t = self.buffer.col("t_ms")
        t_ev = float(ev["t_ms"])
        if len(t) == 0:
            return self.phase, self.excitability, self.current_why(nt), self.t_ms
        k = min(int(np.searchsorted(t, t_ev - 1e-9)), len(t) - 1)
        phase: str = PHASES[int(self.buffer.col("phase")[k])]
        exc: str = EXCITABILITY_STATES[int(self.buffer.col("exc")[k])]
        kind = ev.get("kind")
        if kind == "phase":
            phase = str(ev["phase"])
        elif kind == "excitability":
            exc = str(ev["phase"])
        why = ""
        ctx = getattr(self.machine, "context", None)
        if ctx is not None:
            from tutor.lab import explain as X

            col = {c: float(self.buffer.col(c)[k]) for c in _FLOAT_FIELDS}
            iion = col["i_na"] + col["i_k"] + col["i_l"] + col["i_pump"]
            state = X.ModelState(
                col["t_ms"], col["v_mV"], (col["i_stim"] - iion) / ctx.params.cm,
                col["m"], col["h"], col["n"], col["i_na"], col["i_k"], col["i_l"], col["i_stim"],
                ipump=col["i_pump"],
            )  # fmt: skip
            notation = nt or X.MODERN
            why = (
                str(ev["why"])  # the event's own words (stamped in the modern convention)
                if kind == "phase" and ev.get("why") and not notation.hh1952
                else (X.explain_phase(phase, state, ctx, nt=notation))
            )
            if exc != "excitable":
                at_thr = phase in ("threshold", "depolarization")
                why += " · " + X.explain_excitability(
                    exc, state, ctx, at_threshold=at_thr, nt=notation
                )
        return phase, exc, why, t_ev

    def current_why(self, nt: Notation | None = None) -> str:
        """The model's explanation of the current phase and excitability state, computed
        now from the latest sample (gates, currents, stimulus, blocks), so it never
        outlives the state it describes; "" before any sample. Written in `nt`."""
        return self.machine.explain_now(nt) if nt is not None else self.machine.explain_now()

    def window(self, width_ms: float) -> dict[str, np.ndarray]:
        """Samples of the last ``width_ms`` of model time."""
        return self.buffer.since(self.t_ms - width_ms)

    def markers(self, t0_ms: float, t1_ms: float = np.inf) -> list[Event]:
        """Marker events (threshold, peak, AHP, stimulus) with t0 ≤ t ≤ t1."""
        return [
            e for e in self.events if e.get("kind") in MARKER_KINDS and t0_ms <= e["t_ms"] <= t1_ms
        ]

    def export_csv(self, path: Path) -> int:
        """Write the whole kept trace as CSV (`tutor.sim.tracecsv`); returns the row count."""
        columns = {name: self.buffer.col(name) for name in TRACE_COLUMNS}
        with path.open("w", newline="", encoding="utf-8") as fh:
            return write_trace_csv(columns, fh)
