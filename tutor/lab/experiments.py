"""Excitability experiments: thresholds, strength–duration, f–I, paired pulses.

Every definition here is the project's published one (README, "What counts as a
spike" and the sweep notes):

- spike: an upward 0-mV crossing at which the Na⁺ channels carry inward current
  larger than the leak current (counted by the kernel, `tutor/sim/kernel.c`);
  a response the stimulus alone charges past 0 mV is not a spike;
- threshold of a pulse: the smallest amplitude giving a spike within 40 ms of
  the pulse end, bisected to 0.01 % relative; None ("no threshold") when
  nothing up to `SEARCH_CAP_UA_CM2` fires (e.g. TTX);
- rheobase: threshold of a 200 ms step; chronaxie: the width whose threshold
  is twice the rheobase, interpolated linearly on the strength–duration points;
- f–I: step from t = 10 ms lasting `duration`; rate = 1000 / mean ISI of the
  spikes at t ≥ 110 ms; 0 Hz with fewer than two;
- paired pulse: conditioning 20 µA/cm², 1 ms at 5 ms; test 1 ms at 5 + ISI;
  test threshold = smallest amplitude ≤ max-amp giving a second spike, else
  None. Absolute refractory period = largest ISI with None; the relative one
  ends at the first later ISI whose threshold is within 5 % of the
  unconditioned 1 ms threshold.

All bisections are batched: every unfinished problem advances one halving per
call of the compiled kernel, so a sweep costs ~20 batched runs, not thousands
of single simulations. Each cell stops at the spike that decides it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutor.lab.names import AXON_MEASURES, CLAMP_MEASURES, MEASURES, NEURON_MEASURES
from tutor.sim.params import MembraneParams, ParameterError, load_preset
from tutor.sim.reduce import initial_state, params_row, run_reduced
from tutor.sim.stimulus import Piece, Pulse

if TYPE_CHECKING:
    from tutor.sim.engine import SimResult

#: A spike counts for a pulse if it comes within this long after the pulse end (ms).
SPIKE_WINDOW_MS = 40.0
#: Relative precision of every threshold bisection.
REL_TOL = 1e-4
#: A threshold search doubles its amplitude up to this (µA/cm²); nothing firing by then
#: means "no threshold" (null), e.g. with the Na⁺ channels blocked (TTX).
SEARCH_CAP_UA_CM2 = 1e5
#: Width of the step whose threshold is the rheobase (ms).
RHEOBASE_WIDTH_MS = 200.0
#: Conditioning pulse of the paired-pulse protocol: onset (ms), width (ms), amplitude (µA/cm²).
CONDITIONING = (5.0, 1.0, 20.0)
#: Width of the test pulse (ms).
TEST_WIDTH_MS = 1.0
#: The relative refractory period ends when the threshold is within this fraction of baseline.
RELATIVE_WITHIN = 0.05
#: f–I: onset of the step (ms) and the start of the counting window (ms).
FI_ONSET_MS = 10.0
FI_COUNT_FROM_MS = 110.0


@dataclass(frozen=True)
class Membranes:
    """The membrane a protocol starts from (`base`, at rest) and runs with (`run`)."""

    base: MembraneParams
    run: MembraneParams


def membranes(
    preset: str | MembraneParams = "textbook",
    celsius: float | None = None,
    sets: dict[str, float] | None = None,
    blocks: Sequence[str] = (),
) -> Membranes:
    """Build the start and run membranes of a protocol.

    Temperature (including `celsius` given through `sets`) belongs to both: the
    protocol starts at the rest of the unmodified membrane *at that
    temperature*. Other overrides and drug blocks apply from t = 0 on.
    """
    base = load_preset(preset) if isinstance(preset, str) else preset
    sets = dict(sets or {})
    if "celsius" in sets:
        celsius = sets.pop("celsius")
    if celsius is not None:
        base = base.at_temperature(celsius)
    run = base.with_overrides(sets) if sets else base
    if blocks:
        run = run.with_block(*blocks)
    return Membranes(base, run)


def bisect_thresholds(
    m: Membranes,
    pieces_for: Callable[[int, float], list[Piece]],
    t_stop: Sequence[float],
    need_spikes: Sequence[int],
    lo: Sequence[float],
    hi: Sequence[float],
    hi_is_cap: bool,
    rel_tol: float = REL_TOL,
) -> list[float]:
    """Smallest amplitude per problem that gives `need_spikes` spikes by `t_stop`.

    `pieces_for(i, amp)` builds problem i's stimulus at amplitude `amp`. If
    `hi_is_cap`, `hi` is the largest amplitude allowed (NaN when it does not
    fire); otherwise `hi` is a first guess, doubled until it fires (NaN when
    nothing up to `SEARCH_CAP_UA_CM2` fires: a membrane that cannot spike has no
    threshold, which is an answer, not an error). A problem whose `lo` is 0 is
    first run unstimulated: if that already gives the spikes, its threshold is 0.
    Every round runs all unfinished problems in one batch.
    """
    nprob = len(t_stop)
    init = initial_state(m.base, m.run)
    row = params_row(m.run)
    lo = [float(x) for x in lo]
    hi = [float(x) for x in hi]

    def fires(idx: list[int], amps: list[float]) -> list[bool]:
        res = run_reduced(
            row,
            [pieces_for(i, a) for i, a in zip(idx, amps, strict=True)],
            init,
            [t_stop[i] for i in idx],
            stop_spikes=[need_spikes[i] for i in idx],
            max_spikes=max(need_spikes) + 1,
        )
        return [c >= need_spikes[i] for c, i in zip(res.spike_counts, idx, strict=True)]

    # 0) a membrane that fires with no stimulus at all (e.g. squid with TEA, started
    #    from the unblocked rest) has threshold 0; bisecting towards 0 would halve `hi`
    #    until it underflows (~1000 rounds), since the tolerance is relative.
    from_zero = [i for i in range(nprob) if lo[i] <= 0.0]
    unstimulated = (
        {i for i, f in zip(from_zero, fires(from_zero, [0.0] * len(from_zero)), strict=True) if f}
        if from_zero
        else set()
    )
    # 1) bracket: make sure hi fires
    pending = [i for i in range(nprob) if i not in unstimulated]
    capped_out: set[int] = set()
    for _ in range(40):
        if not pending:
            break
        ok = fires(pending, [hi[i] for i in pending])
        if hi_is_cap:
            capped_out = {i for i, f in zip(pending, ok, strict=True) if not f}
            break
        still = [i for i, f in zip(pending, ok, strict=True) if not f]
        for i in still:
            if hi[i] >= SEARCH_CAP_UA_CM2:
                capped_out.add(i)
                continue
            lo[i] = hi[i]
            hi[i] = min(2.0 * hi[i], SEARCH_CAP_UA_CM2)
        pending = [i for i in still if i not in capped_out]
    active = [i for i in range(nprob) if i not in capped_out and i not in unstimulated]
    # 2) bisect
    while active:
        mids = [0.5 * (lo[i] + hi[i]) for i in active]
        ok = fires(active, mids)
        for i, mid, f in zip(active, mids, ok, strict=True):
            if f:
                hi[i] = mid
            else:
                lo[i] = mid
        active = [i for i in active if hi[i] - lo[i] > rel_tol * hi[i]]
    return [
        0.0 if i in unstimulated else math.nan if i in capped_out else hi[i] for i in range(nprob)
    ]


def _first_guess(width_ms: float) -> float:
    """A starting amplitude (µA/cm²) roughly at threshold, from a constant-charge guess."""
    return 2.0 + 4.0 / max(width_ms, 0.05)


def pulse_thresholds(
    m: Membranes, widths_ms: Sequence[float], delay_ms: float = 5.0
) -> list[float]:
    """Threshold (µA/cm²) of single pulses of the given widths, onset `delay_ms`."""
    widths = [float(w) for w in widths_ms]
    if any(not (w > 0 and math.isfinite(w)) for w in widths):
        raise ParameterError("--width must be positive (ms)")
    if delay_ms < 0:
        raise ParameterError("--delay must be ≥ 0 ms")
    n = len(widths)
    return bisect_thresholds(
        m,
        lambda i, a: [(delay_ms, delay_ms + widths[i], a, a)],
        t_stop=[delay_ms + w + SPIKE_WINDOW_MS for w in widths],
        need_spikes=[1] * n,
        lo=[0.0] * n,
        hi=[_first_guess(w) for w in widths],
        hi_is_cap=False,
    )


def _or_none(x: float) -> float | None:
    """NaN (no threshold) as None, so JSON says null."""
    return None if math.isnan(x) else x


def threshold_sweep(m: Membranes, width_ms: float, delay_ms: float = 5.0) -> dict:
    """`tutor sweep threshold`: the threshold of one pulse (None: nothing up to
    `SEARCH_CAP_UA_CM2` fires, e.g. TTX)."""
    thr = pulse_thresholds(m, [width_ms], delay_ms)[0]
    return {
        "width_ms": width_ms,
        "delay_ms": delay_ms,
        "threshold_uA_cm2": _or_none(thr),
        "max_amp_uA_cm2": SEARCH_CAP_UA_CM2,
    }


def strength_duration(m: Membranes, widths_ms: Sequence[float], delay_ms: float = 5.0) -> dict:
    """`tutor sweep strength-duration`: thresholds per width, rheobase and chronaxie."""
    widths = [float(w) for w in widths_ms]
    thr = pulse_thresholds(m, [*widths, RHEOBASE_WIDTH_MS], delay_ms)
    rheobase = thr[-1]
    points = [
        {"width_ms": w, "threshold_uA_cm2": _or_none(t)}
        for w, t in zip(widths, thr[:-1], strict=True)
    ]
    finite = [(w, t) for w, t in zip(widths, thr[:-1], strict=True) if not math.isnan(t)]
    return {
        "points": points,
        "rheobase_uA_cm2": _or_none(rheobase),
        "chronaxie_ms": None
        if math.isnan(rheobase)
        else chronaxie([w for w, _ in finite], [t for _, t in finite], rheobase),
        "delay_ms": delay_ms,
        "max_amp_uA_cm2": SEARCH_CAP_UA_CM2,
    }


def chronaxie(
    widths: Sequence[float], thresholds: Sequence[float], rheobase: float
) -> float | None:
    """Width at which the threshold is twice the rheobase, linear between bracketing points."""
    pairs = sorted(zip(widths, thresholds, strict=True))
    target = 2.0 * rheobase
    for (w0, t0), (w1, t1) in itertools.pairwise(pairs):
        a, b = t0 - target, t1 - target
        if a == 0:
            return float(w0)
        if (a > 0) != (b > 0) or b == 0:
            return float(w0 + (w1 - w0) * a / (a - b))
    return None


def fi_rate(spikes_ms: Sequence[float], count_from_ms: float = FI_COUNT_FROM_MS) -> float:
    """1000 / mean ISI (Hz) of the spikes at t ≥ `count_from_ms`; 0 with fewer than two."""
    late = [float(s) for s in spikes_ms if s >= count_from_ms]
    if len(late) < 2:
        return 0.0
    return 1000.0 * (len(late) - 1) / (late[-1] - late[0])


def fi_curve(m: Membranes, amps: Sequence[float], duration_ms: float = 500.0) -> dict:
    """`tutor sweep fi`: firing rate per step amplitude (one batched pass)."""
    if not duration_ms > 0:
        raise ParameterError("--duration must be positive (ms)")
    amps = [float(a) for a in amps]
    t_end = FI_ONSET_MS + duration_ms
    res = run_reduced(
        params_row(m.run),
        [[(FI_ONSET_MS, t_end, a, a)] for a in amps],
        initial_state(m.base, m.run),
        t_end,
        max_spikes=int(duration_ms / 1.5) + 8,
    )
    points = [
        {"amp_uA_cm2": a, "rate_hz": fi_rate(s), "spikes": len(s)}
        for a, s in zip(amps, res.spikes_ms, strict=True)
    ]
    return {"points": points, "duration_ms": duration_ms, "onset_ms": FI_ONSET_MS}


def refractory_curve(m: Membranes, isis_ms: Sequence[float], max_amp: float = 400.0) -> dict:
    """`tutor sweep refractory`: test-pulse threshold per ISI and the two periods."""
    isis = [float(x) for x in isis_ms]
    if any(x < 0 for x in isis):
        raise ParameterError("--isis must be ≥ 0 ms")
    if not max_amp > 0:
        raise ParameterError("--max-amp must be positive (µA/cm²)")
    c_on, c_w, c_amp = CONDITIONING
    n = len(isis)
    t_stop = [max(c_on + x + TEST_WIDTH_MS, c_on + c_w) + SPIKE_WINDOW_MS for x in isis]

    def pieces(i: int, amp: float) -> list[Piece]:
        onset = c_on + isis[i]
        return [(c_on, c_on + c_w, c_amp, c_amp), (onset, onset + TEST_WIDTH_MS, amp, amp)]

    # spikes from the conditioning pulse alone, in the same window
    res0 = run_reduced(
        params_row(m.run),
        [pieces(i, 0.0) for i in range(n)],
        initial_state(m.base, m.run),
        t_stop,
        max_spikes=8,
    )
    # "a second spike": two spikes in all, or one more than the conditioning pulse
    # fires by itself if it fires more than once
    need = [max(2, c + 1) for c in res0.spike_counts]
    thr = bisect_thresholds(m, pieces, t_stop, need, [0.0] * n, [max_amp] * n, hi_is_cap=True)
    baseline = pulse_thresholds(m, [TEST_WIDTH_MS], c_on)[0]
    if math.isnan(baseline):
        baseline = math.inf  # nothing fires this membrane: no ISI is within 5 % of it
    points = [
        {"isi_ms": isi, "threshold_uA_cm2": None if math.isnan(t) else t}
        for isi, t in zip(isis, thr, strict=True)
    ]
    absolute, relative = refractory_periods(isis, thr, baseline)
    if not math.isfinite(baseline):
        absolute = None  # a membrane that cannot fire has no refractory period either
    return {
        "points": points,
        "baseline_uA_cm2": baseline if math.isfinite(baseline) else None,
        "absolute_ms": absolute,
        "relative_ms": relative,
        "max_amp_uA_cm2": max_amp,
        "conditioning": {"delay_ms": c_on, "width_ms": c_w, "amp_uA_cm2": c_amp},
    }


def refractory_periods(
    isis: Sequence[float], thresholds: Sequence[float], baseline: float
) -> tuple[float | None, float | None]:
    """Absolute = largest ISI with no response; relative ends at the first later ISI
    whose threshold is within 5 % of baseline (None when the sweep never gets there)."""
    pairs = sorted(zip(isis, thresholds, strict=True))
    nulls = [isi for isi, thr in pairs if math.isnan(thr)]
    absolute = max(nulls) if nulls else None
    relative = None
    for isi, thr in pairs:
        if absolute is not None and isi <= absolute:
            continue
        if (
            math.isfinite(baseline)
            and not math.isnan(thr)
            and thr <= (1.0 + RELATIVE_WITHIN) * baseline
        ):
            relative = isi
            break
    return absolute, relative


# --- measures for predict questions and model-checked content -----------------------------


def run_membranes(run: dict, default_preset: str) -> Membranes:
    """Membranes of a content run spec (see docs/content-format.md)."""
    return membranes(
        run.get("preset", default_preset),
        celsius=run.get("celsius"),
        sets=dict(run.get("set", {})),
        blocks=list(run.get("block", [])),
    )


def run_stimuli(run: dict) -> list:
    """Stimulus objects of a content run spec (pulses and an optional holding current)."""
    from tutor.sim.stimulus import Holding

    stims: list = [Pulse(delay_ms=d, width_ms=w, amp_uA_cm2=a) for d, w, a in run.get("pulses", [])]
    if run.get("hold"):
        stims.append(Holding(amp_uA_cm2=float(run["hold"])))
    return stims


#: Runs longer than this (ms) are sampled at tstop / LONG_RUN_SAMPLES instead of every
#: 0.025 ms: minutes of model time (the run-down after ouabain) in a few thousand samples.
LONG_RUN_MS = 2000.0
LONG_RUN_SAMPLES = 4000


def run_dt_ms(tstop_ms: float, dt_ms: float = 0.025) -> float:
    """The sample interval of a content run: `dt_ms`, or coarser for long runs."""
    return dt_ms if tstop_ms <= LONG_RUN_MS else max(dt_ms, tstop_ms / LONG_RUN_SAMPLES)


def simulate_run(run: dict, default_preset: str, dt_ms: float = 0.025):
    """Simulate a content run spec; returns the SimResult.

    Spike times, peak and AHP are found inside the integrator's steps, so a long
    run's coarse sampling (`run_dt_ms`) changes only the trace, not them.
    """
    from tutor.sim.engine import simulate

    m = run_membranes(run, default_preset)
    tstop = float(run.get("tstop", 50.0))
    return simulate(
        m.run, run_stimuli(run), tstop_ms=tstop, dt_ms=run_dt_ms(tstop, dt_ms), base=m.base
    )


def measure(
    run: dict, measure_name: str, default_preset: str = "textbook"
) -> float | int | bool | None:
    """Read one named measure (see `tutor.lab.names.MEASURES`) from a content run spec."""
    if measure_name not in MEASURES:
        raise ParameterError(f"unknown measure '{measure_name}' (known: {', '.join(MEASURES)})")
    if "clamp" in run or measure_name in CLAMP_MEASURES:
        return clamp_measure(run, measure_name, default_preset)
    if "neuron" in run or measure_name in NEURON_MEASURES:  # synapses on a neuron
        from tutor.lab.neuron import neuron_measure

        return neuron_measure(run, measure_name, default_preset)
    if "axon" in run or measure_name in AXON_MEASURES:  # a cable, not a patch
        from tutor.lab.propagation import axon_measure

        return axon_measure(run, measure_name, default_preset)
    pulses = run.get("pulses", [])
    if measure_name == "threshold_uA_cm2":
        if not pulses:
            raise ParameterError("threshold_uA_cm2 needs a run with at least one pulse")
        delay, width, _ = pulses[0]
        thr = pulse_thresholds(run_membranes(run, default_preset), [width], delay)[0]
        return None if math.isnan(thr) else float(thr)
    res = simulate_run(run, default_preset)
    spikes = res.spikes_ms
    onset = float(pulses[0][0]) if pulses else 0.0
    values: dict[str, float | int | bool | None] = {
        "spiked": bool(len(spikes) > 0),
        "spike_count": len(spikes),
        "first_spike_ms": float(spikes[0]) if len(spikes) else None,
        "latency_ms": float(spikes[0] - onset) if len(spikes) else None,
        "peak_mV": res.peak_mV,
        "peak_ms": res.peak_ms,
        "ahp_min_mV": res.ahp_min_mV,
        "ahp_ms": res.ahp_ms,
        "rest_mV": res.rest_mV,
        "rate_hz": fi_rate(spikes, onset + 100.0),
        **shape_and_train_measures(res),
        **ion_measures(res),
    }
    return values[measure_name]


#: Elementary charge, C (ions per coulomb = 1 / E_CHARGE).
E_CHARGE = 1.602176634e-19


def ion_measures(res: SimResult) -> dict[str, float | None]:
    """What a run did to the ions (units in the names).

    - `v_shift_mV`: V at the end minus the rest the run started from;
    - `nai_end_mM`, `delta_nai_mM`: internal [Na⁺] at the end, and its net change
      (channels and leak in, pump out);
    - `delta_ena_mV`, `delta_ek_mV`: change of E_Na and E_K over the run (Nernst from
      the concentrations; 0 when they are fixed);
    - `na_entry_per_um2`: Na⁺ ions that entered through the voltage-gated Na⁺
      channels per µm² of membrane, −∫I_Na dt / e;
    - `e_na_mV`, `e_k_mV`: the reversal potentials the run started with (Nernst
      from the concentrations at the run's temperature, or as set).
    """
    from tutor.sim.ions import nernst_mV

    p = res.params
    assert p is not None
    t = res.t_ms
    # trapezoid rule on the samples: µA/cm² · ms = nC/cm²
    charge_nC_cm2 = float(((res.i_na[1:] + res.i_na[:-1]) * 0.5 * (t[1:] - t[:-1])).sum())
    ions_per_um2 = -charge_nC_cm2 * 1e-9 / E_CHARGE * 1e-8
    e_na = [nernst_mV(float(x), p.nao, 1, p.celsius) for x in (res.nai[0], res.nai[-1])]
    e_k = [nernst_mV(float(x), p.ko, 1, p.celsius) for x in (res.ki[0], res.ki[-1])]
    return {
        "v_shift_mV": float(res.v_mV[-1]) - res.rest_mV,
        "nai_end_mM": float(res.nai[-1]),
        "delta_nai_mM": float(res.nai[-1] - res.nai[0]),
        "delta_ena_mV": e_na[1] - e_na[0] if "na" in p.nernst else 0.0,
        "delta_ek_mV": e_k[1] - e_k[0] if "k" in p.nernst else 0.0,
        "na_entry_per_um2": ions_per_um2,
        "e_na_mV": p.ena,
        "e_k_mV": p.ek,
    }


def clamp_measure(run: dict, measure_name: str, default_preset: str) -> float | bool | None:
    """A clamp measure of a run spec with a `clamp` table (voltage clamp, tutor.lab.clamp).

    A clamp measure needs a clamp run and a clamp run only has clamp measures:
    under a clamp the membrane cannot spike, so spike measures mean nothing.
    """
    from tutor.lab.clamp import family_measures, protocol_from_spec, run_family

    if "clamp" not in run:
        raise ParameterError(
            f"measure '{measure_name}' needs a voltage-clamp run (a `clamp` table)"
        )
    if measure_name not in CLAMP_MEASURES:
        raise ParameterError(
            f"measure '{measure_name}' does not apply to a voltage-clamp run "
            f"(clamp measures: {', '.join(CLAMP_MEASURES)})"
        )
    protocol = protocol_from_spec(dict(run["clamp"]))
    m = run_membranes(run, default_preset)
    return family_measures(run_family(m.run, protocol))[measure_name]


def shape_and_train_measures(res: SimResult) -> dict[str, float | None]:
    """Spike width, peak dV/dt, inter-spike intervals and the final voltage of one run."""
    from tutor.lab.measures import max_dvdt, spike_width_ms, train_measures

    spikes = res.spikes_ms
    width = (
        spike_width_ms(res.t_ms, res.v_mV, float(spikes[0]), res.rest_mV) if len(spikes) else None
    )
    return {
        "width_ms": width,
        "max_dvdt_mV_ms": max_dvdt(res.dvdt),
        **train_measures(spikes),
        "v_end_mV": float(res.v_mV[-1]),
    }
