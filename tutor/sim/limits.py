"""Budgets of one run: how much a single command may ask the engine to do.

Without limits a typo is a denial of service: `--tstop 1e7` allocated 12 GB
before failing, `--widths 1:2:99999999999999999999` tried to build a list of
10²⁰ widths, `--set cm=1e-9` made the integrator take steps of 10⁻⁹ ms for
hours. Every limit here is checked before anything is allocated or run, and
the message names the argument and the limit. The kernel adds a last line of
defence, a budget of integration steps per cell (`tutor.sim.kernel`).

The numbers leave room for every legitimate use: 2 000 001 samples is 50 s of
model time at the default 0.025 ms (or 1000 s at 0.5 ms), enough for minutes
of model time for slow processes such as the pump run-down.
"""

from __future__ import annotations

import math

from tutor.sim.params import ParameterError

#: Samples one trace may hold (t, V, gates and currents: ~100 bytes per sample in all):
#: 50 000 ms at the default 0.025 ms (1000 s at 0.5 ms), both ends included; ~300 MB at most.
MAX_SAMPLES = 2_000_001
#: Longest protocol (model ms): run length, pulse onset and width, f–I step, ISI.
MAX_RUN_MS = 1_000_000.0
#: Points of one sweep (widths, amplitudes, ISIs).
MAX_POINTS = 10_000
#: Cells × model ms of one batched sweep (the README's 1000-amplitude f–I sweep is 5.1e5).
MAX_BATCH_CELL_MS = 2.0e7
#: Largest stimulus amplitude accepted, µA/cm² (a spike needs ~1–100).
MAX_AMP_UA_CM2 = 10_000.0

#: Physiologically meaningful ranges of the membrane parameters (inclusive).
#: Outside them the model stops being a membrane (the rate functions overflow
#: at |V| of several hundred mV; cm → 0 makes the equations infinitely stiff).
PARAMETER_RANGES: dict[str, tuple[float, float, str]] = {
    "gna": (0.0, 10_000.0, "mS/cm²"),
    "gk": (0.0, 10_000.0, "mS/cm²"),
    "gl": (0.0, 10_000.0, "mS/cm²"),
    "ena": (-200.0, 200.0, "mV"),
    "ek": (-200.0, 200.0, "mV"),
    "el": (-200.0, 200.0, "mV"),
    "cm": (0.01, 100.0, "µF/cm²"),
    "gkl": (0.0, 10_000.0, "mS/cm²"),
    "gnal": (0.0, 10_000.0, "mS/cm²"),
    "gcll": (0.0, 10_000.0, "mS/cm²"),
    "ecl": (-200.0, 200.0, "mV"),
    "ipump": (0.0, 10_000.0, "µA/cm²"),
    # concentrations: a Nernst potential needs both sides > 0; 1e-6 mM is 1 nM
    "nai": (1e-6, 10_000.0, "mM"),
    "nao": (1e-6, 10_000.0, "mM"),
    "ki": (1e-6, 10_000.0, "mM"),
    "ko": (1e-6, 10_000.0, "mM"),
    "cli": (1e-6, 10_000.0, "mM"),
    "clo": (1e-6, 10_000.0, "mM"),
    "volarea": (0.0, 10_000.0, "µm"),
}


def check_parameter_ranges(values: dict[str, float]) -> None:
    """Raise ParameterError naming the first parameter outside PARAMETER_RANGES."""
    for name, (lo, hi, unit) in PARAMETER_RANGES.items():
        if name in values and not lo <= values[name] <= hi:
            raise ParameterError(
                f"parameter '{name}': {values[name]:g} {unit} is outside {lo:g} … {hi:g} {unit}"
            )


def sample_count(tstop_ms: float, dt_ms: float) -> int:
    """Samples of a run from 0 to `tstop_ms` every `dt_ms`; ParameterError beyond MAX_SAMPLES.

    Computed in floating point first, so `--dt 1e-320` is refused instead of
    overflowing int().
    """
    if not (tstop_ms > 0 and math.isfinite(tstop_ms)):
        raise ParameterError(f"--tstop must be a positive number of ms, got {tstop_ms}")
    if tstop_ms > MAX_RUN_MS:
        raise ParameterError(
            f"--tstop {tstop_ms:g} ms is longer than the limit ({MAX_RUN_MS:g} ms)"
        )
    ratio = tstop_ms / dt_ms
    if not math.isfinite(ratio) or round(ratio) + 1 > MAX_SAMPLES:
        raise ParameterError(
            f"--tstop {tstop_ms:g} ms at --dt {dt_ms:g} ms would be {ratio + 1:.3g} samples; "
            f"the limit is {MAX_SAMPLES:,} (shorten --tstop or raise --dt)"
        )
    return int(round(ratio)) + 1


def check_batch(cells: int, run_ms: float, what: str) -> None:
    """Refuse a sweep whose cells × model time exceeds MAX_BATCH_CELL_MS, naming `what`."""
    if cells * run_ms > MAX_BATCH_CELL_MS:
        raise ParameterError(
            f"{what}: {cells} runs of {run_ms:g} ms is {cells * run_ms:.3g} cell·ms of model "
            f"time; the limit is {MAX_BATCH_CELL_MS:.3g} (fewer points or a shorter run)"
        )
