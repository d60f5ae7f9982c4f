"""Voltage clamp: step families, the two-step inactivation protocol and tail currents.

An ideal clamp holds V at the command voltage, so V is piecewise constant and
every Hodgkin–Huxley gate obeys a linear ODE with constant coefficients on each
piece: x(t) = x∞ + (x₀ − x∞)·exp(−t/τx), with x∞ = α/(α+β) and τx = 1/(α+β) at
that voltage. The whole family is therefore computed *exactly* from the rates
at the few command voltages (one kernel call for all of them), with no
integration error and no time step: each step of the family is one "cell",
summarised in one pass. Integrating would only add error (the clamp removes
the one nonlinearity, V's feedback on the gates) and cost. Why this is right
is checked against NEURON's SEClamp (tiny series resistance) in the tests.

Protocol (docs/design.md, "Voltage clamp"): the membrane sits at `hold_mV` from
t = −∞ (gates at their steady state there); at `ONSET_MS` = 5 ms an optional
prepulse (`pre_mV`, `pre_dur_ms`) and then the test step (`v_mV`, `dur_ms`);
then an optional tail at `tail_mV` for `tail_dur_ms`. Currents are ionic
current densities in µA/cm², outward positive (inward negative); the
capacitive transient of an ideal clamp is a delta at each edge and is not
part of any reported value.

This module is numpy-free (the family summary is pure Python on the exact
solution) so that `tutor clamp --json` starts as fast as the sweeps;
`traces()` builds numpy arrays for plots, CSV and the fit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor.sim.params import MembraneParams, ParameterError

#: Time (ms) at which the first command change (prepulse or test step) happens.
ONSET_MS = 5.0
#: Default test-step duration (ms).
DEFAULT_DUR_MS = 20.0
#: Default holding potential (mV).
DEFAULT_HOLD_MV = -65.0
#: Default prepulse duration (ms) of the two-step protocol: long enough for h to settle.
DEFAULT_PRE_DUR_MS = 50.0
#: Command voltages must lie in this range (mV).
V_RANGE_MV = (-150.0, 100.0)
#: Largest duration of one piece (ms); keeps a typo from asking for hours of clamp.
MAX_DUR_MS = 10_000.0
#: Largest number of points (prepulses × steps) in one family.
MAX_POINTS = 5000

#: Points of the coarse time grid each extremum search starts from (then refined).
_GRID_POINTS = 64
#: Golden-section iterations refining an extremum (interval shrinks by 0.618 each).
_REFINE_ITERATIONS = 32
_GOLD = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class ClampProtocol:
    """A family of clamp runs: every prepulse × every test step (prepulse outer).

    Voltages in mV (modern convention), durations in ms. `pre_mV` empty means
    no prepulse; `tail_dur_ms` 0 means no tail (the record ends with the step).
    """

    steps_mV: tuple[float, ...]
    hold_mV: float = DEFAULT_HOLD_MV
    dur_ms: float = DEFAULT_DUR_MS
    pre_mV: tuple[float, ...] = ()
    pre_dur_ms: float = DEFAULT_PRE_DUR_MS
    tail_mV: float | None = None
    tail_dur_ms: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps_mV", tuple(float(v) for v in self.steps_mV))
        object.__setattr__(self, "pre_mV", tuple(float(v) for v in self.pre_mV))
        lo, hi = V_RANGE_MV
        if not self.steps_mV:
            raise ParameterError("--steps: give at least one step voltage (mV)")
        checks: list[tuple[str, Sequence[float]]] = [
            ("--hold", [self.hold_mV]),
            ("--steps", self.steps_mV),
            ("--prepulse", self.pre_mV),
            ("--tail", [] if self.tail_mV is None else [self.tail_mV]),
        ]
        for name, values in checks:
            for v in values:
                if not (math.isfinite(v) and lo <= v <= hi):
                    raise ParameterError(f"{name}: {v:g} mV is outside {lo:g} … {hi:+g} mV")
        for name, value, allow_zero in (
            ("--dur", self.dur_ms, False),
            ("--pre-dur", self.pre_dur_ms, False),
            ("--tail-dur", self.tail_dur_ms, True),
        ):
            ok = value >= 0 if allow_zero else value > 0
            if not (math.isfinite(value) and ok and value <= MAX_DUR_MS):
                bound = "≥ 0" if allow_zero else "> 0"
                raise ParameterError(
                    f"{name}: must be {bound} and ≤ {MAX_DUR_MS:g} ms, got {value:g}"
                )
        if len(self.steps_mV) * max(1, len(self.pre_mV)) > MAX_POINTS:
            raise ParameterError(f"--steps: at most {MAX_POINTS} runs in one family")

    @property
    def tail_v(self) -> float:
        """Tail potential (mV): the holding potential unless set."""
        return self.hold_mV if self.tail_mV is None else self.tail_mV

    def runs(self) -> list[tuple[float | None, float]]:
        """(prepulse mV or None, test mV) of every run, prepulse outer."""
        pres: list[float | None] = list(self.pre_mV) if self.pre_mV else [None]
        return [(p, v) for p in pres for v in self.steps_mV]

    def step_start_ms(self, has_pre: bool) -> float:
        """Time (ms) the test step starts."""
        return ONSET_MS + (self.pre_dur_ms if has_pre else 0.0)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {
            "hold_mV": self.hold_mV,
            "steps_mV": list(self.steps_mV),
            "dur_ms": self.dur_ms,
            "onset_ms": ONSET_MS,
            "pre_mV": list(self.pre_mV),
            "pre_dur_ms": self.pre_dur_ms if self.pre_mV else None,
            "tail_mV": self.tail_v if self.tail_dur_ms > 0 else None,
            "tail_dur_ms": self.tail_dur_ms,
        }


@dataclass(frozen=True)
class Kinetics:
    """Steady states and time constants of m, h, n at one voltage (dimensionless, ms)."""

    v_mV: float
    m_inf: float
    tau_m_ms: float
    h_inf: float
    tau_h_ms: float
    n_inf: float
    tau_n_ms: float

    def to_dict(self) -> dict[str, float]:
        """The six values under the keys of `tutor clamp --fit`'s `model` object."""
        return {
            "n_inf": self.n_inf,
            "tau_n_ms": self.tau_n_ms,
            "m_inf": self.m_inf,
            "tau_m_ms": self.tau_m_ms,
            "h_inf": self.h_inf,
            "tau_h_ms": self.tau_h_ms,
        }


def kinetics(params: MembraneParams, voltages_mV: Sequence[float]) -> dict[float, Kinetics]:
    """Kinetics at each distinct voltage, from one call of the compiled rate functions."""
    from tutor.sim.kernel import gate_rates_list
    from tutor.sim.reduce import params_row

    vs = sorted({float(v) for v in voltages_mV})
    r = gate_rates_list(vs, params_row(params))
    n = len(vs)
    out: dict[float, Kinetics] = {}
    for k, v in enumerate(vs):
        am, bm, ah, bh, an, bn = (r[j * n + k] for j in range(6))
        out[v] = Kinetics(
            v_mV=v,
            m_inf=am / (am + bm),
            tau_m_ms=1.0 / (am + bm),
            h_inf=ah / (ah + bh),
            tau_h_ms=1.0 / (ah + bh),
            n_inf=an / (an + bn),
            tau_n_ms=1.0 / (an + bn),
        )
    return out


@dataclass(frozen=True)
class Piece:
    """One constant-voltage piece of a clamp run: the gates relax exponentially.

    `t0_ms`, `t1_ms`: absolute start and end; `m0`, `h0`, `n0`: gates at t0.
    """

    t0_ms: float
    t1_ms: float
    v_mV: float
    kin: Kinetics
    m0: float
    h0: float
    n0: float

    def gates(self, t_ms: float) -> tuple[float, float, float]:
        """m, h, n at absolute time t (t0 ≤ t ≤ t1), exactly."""
        s = t_ms - self.t0_ms
        k = self.kin
        return (
            k.m_inf + (self.m0 - k.m_inf) * math.exp(-s / k.tau_m_ms),
            k.h_inf + (self.h0 - k.h_inf) * math.exp(-s / k.tau_h_ms),
            k.n_inf + (self.n0 - k.n_inf) * math.exp(-s / k.tau_n_ms),
        )

    def end_gates(self) -> tuple[float, float, float]:
        """m, h, n at the end of the piece."""
        return self.gates(self.t1_ms)


@dataclass(frozen=True)
class Currents:
    """Ionic current densities (µA/cm², outward positive) of a membrane at one V.

    ``il`` is every leak together (the unnamed leak and the K⁺, Na⁺ and Cl⁻
    leaks: `MembraneParams.leak_mS_cm2` at `leak_reversal_mV`), as the engine's
    ``i_l``; ``ipump`` the Na⁺/K⁺ pump at the resting concentrations, a constant
    outward current (a clamp of ms to seconds does not change the
    concentrations). Both are part of the net current ``total``.
    """

    gna: float
    gk: float
    gl: float
    ena: float
    ek: float
    el: float
    ipump: float = 0.0

    @classmethod
    def of(cls, p: MembraneParams) -> Currents:
        return cls(p.gna, p.gk, p.leak_mS_cm2, p.ena, p.ek, p.leak_reversal_mV, p.pump_uA_cm2)

    def ina(self, v: float, m: float, h: float) -> float:
        return self.gna * m * m * m * h * (v - self.ena)

    def ik(self, v: float, n: float) -> float:
        n2 = n * n
        return self.gk * n2 * n2 * (v - self.ek)

    def il(self, v: float) -> float:
        return self.gl * (v - self.el)

    def total(self, v: float, m: float, h: float, n: float) -> float:
        return self.ina(v, m, h) + self.ik(v, n) + self.il(v) + self.ipump


@dataclass
class ClampRun:
    """One run of the family: its pieces (hold, [prepulse], step, [tail])."""

    pre_mV: float | None
    v_mV: float
    pieces: list[Piece]
    step: Piece
    tail: Piece | None


def build_runs(params: MembraneParams, protocol: ClampProtocol) -> list[ClampRun]:
    """Every run's pieces with exact gate values at each piece start."""
    pairs = protocol.runs()
    volts = [protocol.hold_mV, protocol.tail_v, *protocol.steps_mV, *protocol.pre_mV]
    kin = kinetics(params, volts)
    hold = kin[protocol.hold_mV]
    runs: list[ClampRun] = []
    for pre, v in pairs:
        pieces = [Piece(0.0, ONSET_MS, protocol.hold_mV, hold, hold.m_inf, hold.h_inf, hold.n_inf)]
        if pre is not None:
            m0, h0, n0 = pieces[-1].end_gates()
            t0 = ONSET_MS
            pieces.append(Piece(t0, t0 + protocol.pre_dur_ms, pre, kin[pre], m0, h0, n0))
        m0, h0, n0 = pieces[-1].end_gates()
        t0 = pieces[-1].t1_ms
        step = Piece(t0, t0 + protocol.dur_ms, v, kin[v], m0, h0, n0)
        pieces.append(step)
        tail = None
        if protocol.tail_dur_ms > 0:
            m0, h0, n0 = step.end_gates()
            tv = protocol.tail_v
            tail = Piece(step.t1_ms, step.t1_ms + protocol.tail_dur_ms, tv, kin[tv], m0, h0, n0)
            pieces.append(tail)
        runs.append(ClampRun(pre, v, pieces, step, tail))
    return runs


def time_grid(piece: Piece) -> list[float]:
    """Coarse times (ms) over the closed piece: geometric from its start, so that the
    first points resolve the fastest gate's time constant and the last reach t1."""
    t0, t1 = piece.t0_ms, piece.t1_ms
    span = t1 - t0
    k = piece.kin
    first = min(k.tau_m_ms, k.tau_h_ms, k.tau_n_ms, span) / 32.0
    ratio = (span / first) ** (1.0 / (_GRID_POINTS - 2)) if span > first else 1.0
    grid = [t0] + [t0 + first * ratio**j for j in range(_GRID_POINTS - 1)]
    grid[-1] = t1
    return grid


def largest_magnitude(
    fn: Callable[[float], float], grid: Sequence[float], values: Sequence[float] | None = None
) -> tuple[float, float]:
    """(time ms, value) of the largest |fn(t)| between grid[0] and grid[-1].

    `fn` is smooth inside a piece (sums of products of exponentials). The grid
    (`time_grid`) locates every local maximum of |fn|; each is refined by
    golden-section search between its grid neighbours to ~1e-8 of that
    interval. This is the limit of "the sample of largest magnitude" as the
    sampling interval goes to zero. `values` may carry fn on the grid already.
    """
    vals = [abs(fn(t)) for t in grid] if values is None else [abs(x) for x in values]
    best_i = max(range(len(grid)), key=vals.__getitem__)
    best_t, best_abs = grid[best_i], vals[best_i]
    for i in range(1, len(grid) - 1):
        if vals[i] >= vals[i - 1] and vals[i] >= vals[i + 1] and vals[i] > 0.0:
            t, a = _golden_max(lambda t: abs(fn(t)), grid[i - 1], grid[i + 1])
            if a > best_abs:
                best_t, best_abs = t, a
    return best_t, fn(best_t)


def _golden_max(f: Callable[[float], float], a: float, b: float) -> tuple[float, float]:
    """Maximise a unimodal f on [a, b] by golden-section search; (t, f(t))."""
    c = b - _GOLD * (b - a)
    d = a + _GOLD * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(_REFINE_ITERATIONS):
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - _GOLD * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + _GOLD * (b - a)
            fd = f(d)
    return (c, fc) if fc >= fd else (d, fd)


def _time_to_fraction(fn: Callable[[float], float], piece: Piece, fraction: float) -> float | None:
    """Time (ms from the piece start) at which fn first covers `fraction` of its change
    from the start to the end of the piece (bisection on a monotone rise); None if flat."""
    a, b = piece.t0_ms, piece.t1_ms
    f0, f1 = fn(a), fn(b)
    if abs(f1 - f0) <= 1e-12 * max(1.0, abs(f1)):
        return None
    target = f0 + fraction * (f1 - f0)
    sign = 1.0 if f1 > f0 else -1.0
    lo, hi = a, b
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if sign * (fn(mid) - target) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi) - a


def summarise(run: ClampRun, cur: Currents) -> dict[str, Any]:
    """The `tutor clamp --json` point of one run (see docs/clamp.md for every key)."""
    step = run.step
    v = step.v_mV

    def ina(t: float) -> float:
        m, h, _ = step.gates(t)
        return cur.ina(v, m, h)

    def ik(t: float) -> float:
        return cur.ik(v, step.gates(t)[2])

    def itot(t: float) -> float:
        m, h, n = step.gates(t)
        return cur.total(v, m, h, n)

    m1, h1, n1 = step.end_gates()
    grid = time_grid(step)
    on_grid = [step.gates(t) for t in grid]
    ina_grid = [cur.ina(v, m, h) for m, h, _ in on_grid]
    i_rest = cur.il(v) + cur.ipump
    i_grid = [x + cur.ik(v, n) + i_rest for x, (_, _, n) in zip(ina_grid, on_grid, strict=True)]
    if cur.gna > 0:
        ina_peak_t, ina_peak = largest_magnitude(ina, grid, ina_grid)
    else:
        ina_peak_t, ina_peak = step.t0_ms, 0.0
    i_peak_t, i_peak = largest_magnitude(itot, grid, i_grid)
    ik_half = _time_to_fraction(ik, step, 0.5) if cur.gk > 0 else None
    point: dict[str, Any] = {
        "v_mV": v,
        "ina_peak_uA_cm2": ina_peak,
        "ina_peak_ms": ina_peak_t - step.t0_ms if cur.gna > 0 else None,
        "ina_end_uA_cm2": cur.ina(v, m1, h1),
        "ik_end_uA_cm2": cur.ik(v, n1),
        "ik_half_ms": ik_half,
        "il_uA_cm2": cur.il(v),
        "ipump_uA_cm2": cur.ipump,
        "i_peak_uA_cm2": i_peak,
        "i_peak_ms": i_peak_t - step.t0_ms,
        "i_end_uA_cm2": cur.total(v, m1, h1, n1),
    }
    if run.pre_mV is not None:
        point["pre_mV"] = run.pre_mV
    if run.tail is not None:
        tail = run.tail
        tv = tail.v_mV
        point["tail_mV"] = tv
        point["ina_tail_uA_cm2"] = cur.ina(tv, m1, h1)
        point["ik_tail_uA_cm2"] = cur.ik(tv, n1)

        def ttot(t: float) -> float:
            m, h, n = tail.gates(t)
            return cur.total(tv, m, h, n)

        point["i_tail_peak_uA_cm2"] = largest_magnitude(ttot, time_grid(tail))[1]
    return point


@dataclass
class ClampFamily:
    """The result of `run_family`: points (plain dicts) plus what produced them."""

    params: MembraneParams
    protocol: ClampProtocol
    runs: list[ClampRun]
    points: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The `tutor clamp --json` object."""
        return {
            "points": self.points,
            "protocol": self.protocol.to_dict(),
            "reversal": reversals(self.points),
            "params": self.params.as_dict(),
        }


def run_family(params: MembraneParams, protocol: ClampProtocol) -> ClampFamily:
    """Clamp `params` (blocks and overrides already applied) through every run of `protocol`.

    Returns every point's summary; with prepulses also `ina_peak_ratio`, the
    peak I_Na divided by that of the same test step without prepulse (HH's
    two-pulse measure of the inactivation left by the prepulse: h(pre)/h(hold)).
    """
    runs = build_runs(params, protocol)
    cur = Currents.of(params)
    points = [summarise(r, cur) for r in runs]
    if protocol.pre_mV:
        plain = build_runs(
            params, ClampProtocol(protocol.steps_mV, protocol.hold_mV, protocol.dur_ms)
        )
        ref = {r.v_mV: summarise(r, cur)["ina_peak_uA_cm2"] for r in plain}
        for p in points:
            base = ref[p["v_mV"]]
            p["ina_peak_ratio"] = p["ina_peak_uA_cm2"] / base if base != 0.0 else None
    return ClampFamily(params, protocol, runs, points)


def zero_crossing(vs: Sequence[float], values: Sequence[float | None]) -> float | None:
    """Voltage (mV) where values (sorted by voltage) change sign, linearly interpolated;
    the first crossing from the negative side, None if there is none."""
    pairs = sorted((v, y) for v, y in zip(vs, values, strict=True) if y is not None)
    for (v0, y0), (v1, y1) in itertools.pairwise(pairs):
        if y0 < 0.0 <= y1 or y0 <= 0.0 < y1:
            if y0 == y1:
                return v0
            return v0 + (v1 - v0) * (0.0 - y0) / (y1 - y0)
    return None


def reversals(points: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Reversal potentials (mV) read off the family's I–V curves (steps without prepulse):
    `ina_peak` (peak I_Na), `ik_end`, `i_peak`, `i_tail` (instantaneous tail, if any)."""
    pts = [p for p in points if "pre_mV" not in p]
    vs = [p["v_mV"] for p in pts]
    out: dict[str, float | None] = {
        "ina_peak_mV": zero_crossing(vs, [p["ina_peak_uA_cm2"] for p in pts]),
        "ik_end_mV": zero_crossing(vs, [p["ik_end_uA_cm2"] for p in pts]),
        "i_peak_mV": zero_crossing(vs, [p["i_peak_uA_cm2"] for p in pts]),
    }
    return out


# --- content runs (predict questions, model-checked numbers) ----------------------------------

#: Keys of a content run's `clamp` table → (ClampProtocol field, CLI flag in its messages).
CLAMP_SPEC_KEYS: dict[str, tuple[str, str]] = {
    "steps": ("steps_mV", "--steps"),
    "hold": ("hold_mV", "--hold"),
    "dur": ("dur_ms", "--dur"),
    "prepulse": ("pre_mV", "--prepulse"),
    "pre_dur": ("pre_dur_ms", "--pre-dur"),
    "tail": ("tail_mV", "--tail"),
    "tail_dur": ("tail_dur_ms", "--tail-dur"),
}


def protocol_from_spec(spec: dict[str, Any]) -> ClampProtocol:
    """The protocol of a content run's `clamp` table (see docs/content-format.md).

    Same defaults as `tutor clamp`; `tail` alone records a 5 ms tail. Errors name
    the content key (`clamp.steps: …`), never the CLI flag.
    """
    unknown = sorted(set(spec) - set(CLAMP_SPEC_KEYS))
    if unknown:
        raise ParameterError(
            f"clamp.{unknown[0]}: unknown key (known: {', '.join(CLAMP_SPEC_KEYS)})"
        )
    kwargs: dict[str, Any] = {}
    for key, (fieldname, _flag) in CLAMP_SPEC_KEYS.items():
        if key not in spec:
            continue
        value = spec[key]
        many = key in ("steps", "prepulse")
        values = value if many and isinstance(value, list | tuple) else [value]
        if many and not isinstance(value, list | tuple):
            raise ParameterError(f"clamp.{key}: expected a list of voltages (mV)")
        for x in values:
            if isinstance(x, bool) or not isinstance(x, int | float):
                raise ParameterError(f"clamp.{key}: expected numbers, got {x!r}")
        kwargs[fieldname] = tuple(float(x) for x in values) if many else float(value)
    if "steps_mV" not in kwargs:
        raise ParameterError("clamp.steps: missing (the test-step voltages, mV)")
    if "tail_mV" in kwargs and "tail_dur_ms" not in kwargs:
        kwargs["tail_dur_ms"] = 5.0
    try:
        return ClampProtocol(**kwargs)
    except ParameterError as exc:
        text = str(exc)
        for key, (_field, flag) in CLAMP_SPEC_KEYS.items():
            if text.startswith(flag + ":"):
                text = f"clamp.{key}:" + text[len(flag) + 1 :]
                break
        raise ParameterError(text) from None


def family_measures(family: ClampFamily) -> dict[str, float | bool | None]:
    """The clamp measures of `tutor.lab.names.CLAMP_MEASURES` for one family.

    Point measures read the family's first run (prepulse outer, steps inner);
    `ina_reversal_mV` reads the whole family's peak-I_Na I–V curve.
    """
    p = family.points[0]
    na_ms, k_half = p["ina_peak_ms"], p["ik_half_ms"]
    return {
        "ina_peak_uA_cm2": p["ina_peak_uA_cm2"],
        "ina_end_uA_cm2": p["ina_end_uA_cm2"],
        "ik_end_uA_cm2": p["ik_end_uA_cm2"],
        "i_peak_uA_cm2": p["i_peak_uA_cm2"],
        "i_end_uA_cm2": p["i_end_uA_cm2"],
        "ina_peak_ms": na_ms,
        "ik_half_ms": k_half,
        "ina_peaks_first": None if na_ms is None or k_half is None else bool(na_ms < k_half),
        "ina_peak_ratio": p.get("ina_peak_ratio"),
        "ik_tail_uA_cm2": p.get("ik_tail_uA_cm2"),
        "ina_reversal_mV": reversals(family.points)["ina_peak_mV"],
    }


# --- traces (numpy) -------------------------------------------------------------------------


def traces(family: ClampFamily, dt_ms: float = 0.025) -> dict[str, Any]:
    """Sampled time courses of every run: arrays of shape [runs, samples] (numpy).

    Keys: `t_ms` (1-D, shared; every run is padded to the longest with its
    last piece), `v_mV`, `m`, `h`, `n`, `i_na`, `i_k`, `i_l` (every leak),
    `i_pump`, `i_ion` (their sum) (µA/cm², outward positive). Computed from the same exact pieces as the summary, all
    runs in one array pass.
    """
    import numpy as np

    if not dt_ms > 0:
        raise ParameterError("--dt must be > 0 ms")
    t_end = max(r.pieces[-1].t1_ms for r in family.runs)
    from tutor.sim.limits import MAX_SAMPLES  # budget checked before anything is allocated

    total = (t_end / dt_ms + 1) * len(family.runs)
    if not math.isfinite(total) or total > MAX_SAMPLES:
        raise ParameterError(
            f"--dt {dt_ms:g} ms: {len(family.runs)} run(s) of {t_end:g} ms would be "
            f"{total:.3g} samples; the limit is {MAX_SAMPLES:,} (raise --dt or use fewer steps)"
        )
    nsamp = int(math.floor(t_end / dt_ms + 1e-9)) + 1
    t = np.arange(nsamp) * dt_ms
    nrun = len(family.runs)
    shape = (nrun, nsamp)
    v = np.empty(shape)
    gates = {g: np.empty(shape) for g in "mhn"}
    for i, run in enumerate(family.runs):
        for j, pc in enumerate(run.pieces):
            sel = t >= pc.t0_ms  # the last piece runs on to the end of the record
            if j < len(run.pieces) - 1:
                sel &= t < pc.t1_ms
            s = t[sel] - pc.t0_ms
            k = pc.kin
            v[i, sel] = pc.v_mV
            gates["m"][i, sel] = k.m_inf + (pc.m0 - k.m_inf) * np.exp(-s / k.tau_m_ms)
            gates["h"][i, sel] = k.h_inf + (pc.h0 - k.h_inf) * np.exp(-s / k.tau_h_ms)
            gates["n"][i, sel] = k.n_inf + (pc.n0 - k.n_inf) * np.exp(-s / k.tau_n_ms)
    p = family.params
    m, h, n = gates["m"], gates["h"], gates["n"]
    i_na = p.gna * m**3 * h * (v - p.ena)
    i_k = p.gk * n**4 * (v - p.ek)
    i_l = p.leak_mS_cm2 * (v - p.leak_reversal_mV)
    i_pump = np.full(shape, p.pump_uA_cm2)
    return {
        "t_ms": t,
        "v_mV": v,
        "m": m,
        "h": h,
        "n": n,
        "i_na": i_na,
        "i_k": i_k,
        "i_l": i_l,
        "i_pump": i_pump,
        "i_ion": i_na + i_k + i_l + i_pump,
    }
