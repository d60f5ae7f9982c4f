"""Running the membrane: resting state, whole runs, live runs and batches.

Three callers, one kernel (`tutor.sim.kernel.advance_batch`):

- `simulate` runs one protocol and returns a `SimResult` with full traces;
- `LiveSim` advances one cell a few ms at a time for the TUI, keeping state;
- `run_batch` advances hundreds of cells in one call and keeps only reductions
  (spike times, peak, AHP), so a 1000-cell sweep stays small in memory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tutor.sim import kernel as K
from tutor.sim.limits import sample_count
from tutor.sim.params import MembraneParams, ParameterError
from tutor.sim.reduce import (
    ATOL_GATE,
    ATOL_V,
    RTOL,
    initial_state,
    pack_pieces,
    params_row,
    resting_state,
    run_reduced,
)
from tutor.sim.stimulus import Piece, _Stimulus

#: Integrators registered by name: name -> (kernel code, description).
INTEGRATORS: dict[str, tuple[int, str]] = {
    "dp5": (K.INT_DP5, "Dormand–Prince 5(4), adaptive per cell, Hermite dense output (default)"),
    "expeuler": (
        K.INT_EXPEULER,
        "fixed step: exponential gates + implicit V, like NEURON's default fixed step",
    ),
}
DEFAULT_INTEGRATOR = "dp5"

#: Largest output interval accepted for ordinary runs (ms): coarser sampling would
#: alias a 1-ms spike.
MAX_DT_MS = 0.5
#: Long runs (minutes of model time, e.g. the run-down after ouabain) may be sampled
#: more coarsely, down to this many samples per run. Spike times, peak and AHP are
#: found inside the integrator's steps whatever the sampling.
MIN_SAMPLES_LONG_RUN = 500
#: Largest sample interval of a coarse live run (`LiveSim(coarse=True)`, ms): the lab's
#: slow-time mode plays minutes of model time (e.g. the run-down after ouabain) and
#: samples every few hundred ms; spikes are still found inside the integrator's steps.
MAX_COARSE_LIVE_DT_MS = 1000.0


def pack_raw_pieces(pieces: Sequence[Sequence[Piece]]) -> tuple[np.ndarray, np.ndarray]:
    """Stimulus pieces [C, S, 4] and breakpoints [C, B] as numpy arrays (see reduce.pack_pieces)."""
    seg, nseg, bps, nbp = pack_pieces(pieces)
    return np.array(seg).reshape(len(pieces), nseg, 4), np.array(bps).reshape(len(pieces), nbp)


def stimulus_current(pieces: Sequence[Piece], t_ms: np.ndarray) -> np.ndarray:
    """Injected current (µA/cm²) at sample times; a piece is on for t_on ≤ t < t_off."""
    out = np.zeros_like(t_ms, dtype=float)
    for t_on, t_off, a_on, a_off in pieces:
        on = (t_ms >= t_on) & (t_ms < t_off)
        if a_on == a_off or not math.isfinite(t_off):
            out[on] += a_on
        else:
            out[on] += a_on + (a_off - a_on) * (t_ms[on] - t_on) / (t_off - t_on)
    return out


@dataclass
class Trace:
    """Samples of one cell at a fixed interval, with the currents derived from them.

    Arrays are 1-D, one entry per sample: t_ms (ms), v_mV (mV), gates m, h, n,
    currents (µA/cm², outward positive) i_na (voltage-gated Na⁺), i_k (delayed
    rectifier), i_l (every leak: the unnamed one plus the K⁺, Na⁺ and Cl⁻
    leaks, which are also given one by one as i_leak_k, i_leak_na,
    i_leak_cl), i_pump (Na⁺/K⁺-ATPase, net), i_ion (their sum), i_stim
    (µA/cm², depolarising positive), dvdt (mV/ms), and the internal
    concentrations nai, ki, cli (mM; constant unless the membrane has
    concentration dynamics).
    """

    t_ms: np.ndarray
    v_mV: np.ndarray
    m: np.ndarray
    h: np.ndarray
    n: np.ndarray
    i_na: np.ndarray
    i_k: np.ndarray
    i_l: np.ndarray
    i_stim: np.ndarray
    i_ion: np.ndarray
    dvdt: np.ndarray
    i_leak_k: np.ndarray
    i_leak_na: np.ndarray
    i_leak_cl: np.ndarray
    i_pump: np.ndarray
    nai: np.ndarray
    ki: np.ndarray
    cli: np.ndarray

    @classmethod
    def from_samples(
        cls, t_ms: np.ndarray, states: np.ndarray, p: MembraneParams, pieces: Sequence[Piece]
    ) -> Trace:
        """Build from kernel samples `states[N, NSTATE]` at times `t_ms[N]`."""
        v, m, h, n, nai, ki, cli = (np.ascontiguousarray(states[:, j]) for j in range(K.NSTATE))
        cur = K.currents(states, params_row(p))
        il = cur["i_l"] + cur["i_leak_k"] + cur["i_leak_na"] + cur["i_leak_cl"]
        istim = stimulus_current(pieces, t_ms)
        iion = cur["i_na"] + cur["i_k"] + il + cur["i_pump"]
        return cls(
            t_ms, v, m, h, n, cur["i_na"], cur["i_k"], il, istim, iion, (istim - iion) / p.cm,
            cur["i_leak_k"], cur["i_leak_na"], cur["i_leak_cl"], cur["i_pump"], nai, ki, cli,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.t_ms)

    def slice(self, start: int, stop: int) -> Trace:
        """Samples start … stop−1 as a new Trace (arrays are views)."""
        return Trace(**{k: getattr(self, k)[start:stop] for k in Trace.__dataclass_fields__})


@dataclass
class SimResult(Trace):
    """A whole run: the trace plus what was measured on it.

    spikes_ms: upward 0-mV crossings (ms), located inside the integrator step.
    peak_mV/peak_ms: the highest V of the run; ahp_min_mV/ahp_ms: the lowest V
    after that peak and before the next spike (None if the run ends at the peak).
    rest_mV: the resting potential the run started from.
    """

    spikes_ms: np.ndarray = field(default_factory=lambda: np.empty(0))
    peak_mV: float = math.nan
    peak_ms: float = math.nan
    ahp_min_mV: float | None = None
    ahp_ms: float | None = None
    rest_mV: float = math.nan
    params: MembraneParams | None = None
    base: MembraneParams | None = None
    stimuli: tuple[_Stimulus, ...] = ()
    n_steps: int = 0


class Batch:
    """Integrator state of C independent cells (see `tutor.sim.kernel`)."""

    def __init__(
        self,
        params: Sequence[MembraneParams] | np.ndarray,
        pieces: Sequence[Sequence[Piece]],
        init: np.ndarray,
        dt_ms: float,
        t_stop_ms: np.ndarray | float = math.inf,
        stop_spikes: np.ndarray | int = 0,
        max_spikes: int = 64,
        integrator: str = DEFAULT_INTEGRATOR,
        rtol: float = RTOL,
    ) -> None:
        if integrator not in INTEGRATORS:
            raise ParameterError(
                f"unknown integrator '{integrator}' (known: {', '.join(INTEGRATORS)})"
            )
        ncell = len(pieces)
        self.params = (
            np.asarray(params, dtype=float)
            if isinstance(params, np.ndarray)
            else np.stack([params_row(p) for p in params])
        )
        if self.params.shape[0] != ncell:
            self.params = np.broadcast_to(self.params, (ncell, K.NPARAMS)).copy()
        self.pieces = [list(p) for p in pieces]
        self.seg, self.bps = pack_raw_pieces(self.pieces)
        self.y = np.broadcast_to(np.asarray(init, dtype=float), (ncell, K.NSTATE)).copy()
        self.f = np.zeros((ncell, K.NSTATE))
        self.t = np.zeros(ncell)
        self.h = np.full(ncell, 0.01 if integrator == "dp5" else dt_ms)
        self.yp = self.y.copy()
        self.fp = np.zeros((ncell, K.NSTATE))
        self.tp = np.zeros(ncell)
        self.fvalid = np.zeros(ncell, dtype=np.int64)
        self.ksample = np.zeros(ncell, dtype=np.int64)
        self.bpi = np.zeros(ncell, dtype=np.int64)
        self.spikes = np.full((ncell, max_spikes), math.nan)
        self.stats = np.zeros((ncell, K.NSTATS))
        self.stats[:, K.ST_VMAX] = -math.inf
        self.stats[:, K.ST_VMIN] = math.inf
        self.stats[:, K.ST_TMAX] = math.nan
        self.stats[:, K.ST_TMIN] = math.nan
        self.t_stop = np.broadcast_to(np.asarray(t_stop_ms, dtype=float), (ncell,)).copy()
        self.stop_spikes = np.broadcast_to(np.asarray(stop_spikes, dtype=np.int64), (ncell,)).copy()
        self.dt_ms = float(dt_ms)
        self.integrator = integrator
        self.rtol = rtol
        # The initial sample (t = 0) counts towards the extrema.
        self.stats[:, K.ST_VMAX] = self.y[:, 0]
        self.stats[:, K.ST_TMAX] = 0.0

    def __len__(self) -> int:
        return self.y.shape[0]

    def run(self, k_end: np.ndarray | int, record: int = 0, rec_k0: int = 0) -> np.ndarray:
        """Advance until each cell's next sample index is `k_end` (or it is done).

        `record` > 0 keeps samples rec_k0 … rec_k0+record−1 and returns them as
        [C, record, NSTATE]; with 0 nothing but reductions is kept.
        """
        ncell = len(self)
        k_end_arr = np.broadcast_to(np.asarray(k_end, dtype=np.int64), (ncell,)).copy()
        rec = np.full((ncell, record, K.NSTATE), math.nan)
        K.advance_batch(
            ncell, self.y, self.f, self.t, self.h, self.yp, self.fp, self.tp, self.fvalid,
            self.ksample, self.bpi, self.params, self.seg, self.seg.shape[1], self.bps,
            self.bps.shape[1], self.spikes, self.spikes.shape[1], self.stats, k_end_arr,
            self.dt_ms, self.t_stop, self.stop_spikes, rec, record, rec_k0, self.rtol,
            ATOL_V, ATOL_GATE, INTEGRATORS[self.integrator][0],
        )  # fmt: skip
        return rec

    def spike_times(self, i: int) -> np.ndarray:
        """Spike times (ms) of cell i found so far (capped at max_spikes)."""
        n = min(int(self.stats[i, K.ST_NSPK]), self.spikes.shape[1])
        return self.spikes[i, :n].copy()

    @property
    def spike_counts(self) -> np.ndarray:
        """Spikes found per cell (not capped)."""
        return self.stats[:, K.ST_NSPK].astype(int)

    def set_pieces(self, i: int, pieces: Sequence[Piece]) -> None:
        """Replace cell i's stimulus; rebuilds the packed arrays for the batch."""
        self.pieces[i] = list(pieces)
        self.seg, self.bps = pack_raw_pieces(self.pieces)
        self.bpi[:] = 0
        self.fvalid[:] = 0


def max_dt_ms(tstop_ms: float | None = None) -> float:
    """Largest sample interval (ms) for a run of `tstop_ms`: 0.5 ms, or tstop / 500 if larger."""
    if tstop_ms is None or not math.isfinite(tstop_ms):
        return MAX_DT_MS
    return max(MAX_DT_MS, tstop_ms / MIN_SAMPLES_LONG_RUN)


def check_dt(dt_ms: float, tstop_ms: float | None = None) -> None:
    """Reject output intervals that are not positive or too coarse for the run.

    Up to 0.5 ms always; a long run (`tstop_ms` > 250 ms) may use up to
    tstop / 500, e.g. `--tstop 600000 --dt 1000` (one sample a second).
    """
    if not (dt_ms > 0 and math.isfinite(dt_ms)):
        raise ParameterError(f"--dt must be a positive number of ms, got {dt_ms}")
    limit = max_dt_ms(tstop_ms)
    if dt_ms > limit:
        raise ParameterError(
            f"--dt {dt_ms:g} ms is too large to resolve a spike (at most {MAX_DT_MS:g} ms, "
            f"or tstop/{MIN_SAMPLES_LONG_RUN} for long runs: {limit:g} ms here)"
        )


def simulate(
    params: MembraneParams,
    stimuli: Sequence[_Stimulus] = (),
    tstop_ms: float = 50.0,
    dt_ms: float = 0.025,
    base: MembraneParams | None = None,
    integrator: str = DEFAULT_INTEGRATOR,
    rtol: float = RTOL,
) -> SimResult:
    """Run one protocol from the resting state of `base` (default: `params`).

    `base` is the unmodified membrane whose rest is the initial condition; the
    run itself uses `params` (drug blocks, overrides) from t = 0 on.
    Samples are every `dt_ms` from 0 to `tstop_ms` inclusive.
    """
    check_dt(dt_ms, tstop_ms if tstop_ms > 0 and math.isfinite(tstop_ms) else None)
    nsamp = sample_count(tstop_ms, dt_ms)  # before anything is allocated
    rest = resting_state(base or params)
    pieces = [p for s in stimuli for p in s.pieces()]
    batch = Batch(
        [params], [pieces], np.array(initial_state(base or params, params)), dt_ms,
        t_stop_ms=tstop_ms, max_spikes=4096, integrator=integrator, rtol=rtol,
    )  # fmt: skip
    rec = batch.run(nsamp, record=nsamp)[0]
    if batch.stats[0, K.ST_DONE] == 2.0:
        raise ParameterError(
            f"the integrator failed at t = {batch.t[0]:.3f} ms (state no longer finite); "
            "check the parameters"
        )
    t = np.arange(nsamp) * dt_ms
    trace = Trace.from_samples(t, rec, params, pieces)
    st = batch.stats[0]
    has_ahp = math.isfinite(st[K.ST_TMIN]) and st[K.ST_TMIN] > st[K.ST_TMAX]
    return SimResult(
        **trace.__dict__,
        spikes_ms=batch.spike_times(0),
        peak_mV=float(st[K.ST_VMAX]),
        peak_ms=float(st[K.ST_TMAX]),
        ahp_min_mV=float(st[K.ST_VMIN]) if has_ahp else None,
        ahp_ms=float(st[K.ST_TMIN]) if has_ahp else None,
        rest_mV=rest.v_mV,
        params=params,
        base=base or params,
        stimuli=tuple(stimuli),
        n_steps=int(st[K.ST_NSTEPS]),
    )


@dataclass
class BatchResult:
    """Reductions of a batch run: per cell spike times, counts, peak and AHP."""

    spikes_ms: list[np.ndarray]
    spike_counts: np.ndarray
    peak_mV: np.ndarray
    peak_ms: np.ndarray
    n_steps: np.ndarray


def run_batch(
    params: MembraneParams | Sequence[float] | np.ndarray,
    pieces: Sequence[Sequence[Piece]],
    init: Sequence[float] | np.ndarray,
    t_stop_ms: Sequence[float] | np.ndarray | float,
    stop_spikes: Sequence[int] | np.ndarray | int = 0,
    max_spikes: int = 64,
    integrator: str = DEFAULT_INTEGRATOR,
    rtol: float = RTOL,
) -> BatchResult:
    """Run C cells to their stop times keeping only reductions (no traces).

    `params` is one membrane (or kernel row) shared by all cells, or a
    [C, NPARAMS] array of rows.
    """
    if isinstance(params, MembraneParams):
        row: list[float] | list[list[float]] = list(params_row(params))
    else:
        arr = np.asarray(params, dtype=float)
        if arr.ndim == 2 and arr.shape[0] == 1:
            arr = arr[0]  # one row shared by every cell
        row = arr.tolist()
    t_stop = np.asarray(t_stop_ms, dtype=float)
    stops = np.asarray(stop_spikes, dtype=np.int64)
    res = run_reduced(
        row,
        pieces,
        [float(x) for x in np.asarray(init, dtype=float)],
        float(t_stop) if t_stop.ndim == 0 else t_stop.tolist(),
        int(stops) if stops.ndim == 0 else stops.tolist(),
        max_spikes=max_spikes,
        rtol=rtol,
        integrator=INTEGRATORS[integrator][0],
    )
    return BatchResult(
        spikes_ms=[np.array(s) for s in res.spikes_ms],
        spike_counts=np.array(res.spike_counts),
        peak_mV=np.array(res.peak_mV),
        peak_ms=np.array(res.peak_ms),
        n_steps=np.array(res.n_steps),
    )


class LiveSim:
    """One membrane advanced a few ms at a time, state kept between calls.

    Times are absolute (ms since the last reset). Samples are emitted every
    `dt_ms`; `t_ms` is the time of the last emitted sample. Stimuli added or
    parameters changed take effect from `t_ms` on. How a run is chopped into
    `advance` calls does not change the samples.

    `coarse=True` accepts sample intervals up to `MAX_COARSE_LIVE_DT_MS` (the
    lab's slow-time mode: minutes of model time, sampled every few hundred
    ms; the integrator's steps are the same, only the output is sparser).
    `start_from` continues from a given state and time, so a run can switch
    between a fine and a coarse live simulation without a jump.
    """

    def __init__(
        self,
        params: MembraneParams,
        dt_ms: float = 0.025,
        base: MembraneParams | None = None,
        integrator: str = DEFAULT_INTEGRATOR,
        coarse: bool = False,
    ) -> None:
        if coarse:
            if not (0 < dt_ms <= MAX_COARSE_LIVE_DT_MS and math.isfinite(dt_ms)):
                raise ParameterError(
                    f"--dt must be within (0, {MAX_COARSE_LIVE_DT_MS:g}] ms for a coarse live "
                    f"run, got {dt_ms}"
                )
        else:
            check_dt(dt_ms)
        self.dt_ms = dt_ms
        self.integrator = integrator
        self.params = params
        self.base = base or params
        self.stimuli: list[_Stimulus] = []
        self.reset()

    def reset(self) -> None:
        """Back to the resting state at t = 0, with no stimuli."""
        self.rest = resting_state(self.base)
        self.stimuli = []
        init = np.array(initial_state(self.base, self.params))
        self._batch = Batch(
            [self.params], [[]], init, self.dt_ms, integrator=self.integrator,
            max_spikes=100000,
        )  # fmt: skip
        self._last_state = init.copy()
        self._nspk_emitted = 0
        self._k_start, self._t_start = 0, 0.0

    def start_from(self, state: Sequence[float], t_ms: float) -> None:
        """Continue from `state` (V, m, h, n, [Na⁺]ᵢ, [K⁺]ᵢ, [Cl⁻]ᵢ) at time `t_ms`, stimuli
        kept: `t_ms` becomes the time of the last sample, and the next sample is the first
        multiple of `dt_ms` after it. Spikes found after `t_ms` are forgotten."""
        y = np.asarray(state, dtype=float)
        if y.shape != (K.NSTATE,) or not np.all(np.isfinite(y)) or not math.isfinite(t_ms):
            raise ParameterError("start_from needs a finite state of the kernel's size and time")
        b = self._batch
        k = int(math.floor(t_ms / self.dt_ms + 1e-9)) + 1
        b.y[0] = y
        b.yp[0] = y
        b.t[0] = t_ms
        b.tp[0] = t_ms
        b.fvalid[0] = 0
        b.bpi[0] = 0
        b.ksample[0] = k
        self._k_start, self._t_start = k, float(t_ms)
        self._last_state = y.copy()
        n = int(b.stats[0, K.ST_NSPK])
        keep = [x for x in b.spikes[0, : min(n, b.spikes.shape[1])] if x <= t_ms]
        b.spikes[0, :] = math.nan
        b.spikes[0, : len(keep)] = keep
        b.stats[0, K.ST_NSPK] = len(keep)
        self._nspk_emitted = min(self._nspk_emitted, len(keep))

    @property
    def state(self) -> np.ndarray:
        """The state at `t_ms` (a copy): V, m, h, n, [Na⁺]ᵢ, [K⁺]ᵢ, [Cl⁻]ᵢ."""
        return self._last_state.copy()

    @property
    def t_ms(self) -> float:
        """Time of the last emitted sample (ms): the start time until a sample is emitted."""
        k = int(self._batch.ksample[0])
        if k == self._k_start:
            return self._t_start
        return max(0, k - 1) * self.dt_ms

    @property
    def pieces(self) -> list[Piece]:
        """Stimulus pieces currently scheduled (absolute times)."""
        return [p for s in self.stimuli for p in s.pieces()]

    def advance(self, duration_ms: float) -> Trace:
        """Emit the samples of the next `duration_ms` (rounded to whole samples)."""
        count = int(round(duration_ms / self.dt_ms))
        b = self._batch
        k0 = int(b.ksample[0])
        if k0 == 0:
            count += 1  # the first call also emits the sample at t = 0
        rec = b.run(k0 + count, record=count, rec_k0=k0)[0]
        t = (k0 + np.arange(count)) * self.dt_ms
        if count:
            self._last_state = rec[-1].copy()
        return Trace.from_samples(t, rec, self.params, self.pieces)

    def new_spikes(self) -> np.ndarray:
        """Spike times (ms) found up to `t_ms` that were not returned before."""
        times = self._batch.spike_times(0)
        times = times[times <= self.t_ms + 1e-12]
        out = times[self._nspk_emitted :]
        self._nspk_emitted = len(times)
        return out

    def _rewind_to_last_sample(self) -> None:
        """Put the integrator back at the last emitted sample so changes start there."""
        b = self._batch
        k = int(b.ksample[0])
        t_last = self.t_ms
        b.y[0] = self._last_state
        b.yp[0] = self._last_state
        b.t[0] = t_last
        b.tp[0] = t_last
        b.fvalid[0] = 0
        b.bpi[0] = 0
        b.ksample[0] = k
        n = int(b.stats[0, K.ST_NSPK])
        keep = [s for s in b.spikes[0, : min(n, b.spikes.shape[1])] if s <= t_last]
        b.spikes[0, :] = math.nan
        b.spikes[0, : len(keep)] = keep
        b.stats[0, K.ST_NSPK] = len(keep)

    def add_stimulus(self, stimulus: _Stimulus) -> None:
        """Schedule a stimulus (absolute times; pieces before `t_ms` are ignored)."""
        self._rewind_to_last_sample()
        # forget pieces that are over, so a long session does not grow the arrays
        self.stimuli = [s for s in self.stimuli if any(p[1] > self.t_ms for p in s.pieces())]
        self.stimuli.append(stimulus)
        self._batch.set_pieces(0, self.pieces)

    def set_params(self, params: MembraneParams) -> None:
        """Change the membrane from `t_ms` on (state kept).

        An internal concentration that the change sets explicitly (`nai`, `ki`,
        `cli` differ from the old membrane's) replaces the one in the state.
        """
        old = self.params
        for j, name in ((K.S_NAI, "nai"), (K.S_KI, "ki"), (K.S_CLI, "cli")):
            if getattr(params, name) != getattr(old, name):
                self._last_state[j] = getattr(params, name)
        self._rewind_to_last_sample()
        self.params = params
        self._batch.params[0] = params_row(params)
