"""Tolerances of issue 3 and the deviations the accuracy tests check against them.

Shared by the tests and `scripts/accuracy_report.py`, so the report prints
exactly what the tests assert. Tolerances are the issue's; never widen them.
"""

from __future__ import annotations

import math
from typing import Any

#: Resting potential (mV).
REST_MV = 0.02
#: Spike peak (mV) and its time (ms).
PEAK_MV = 0.25
PEAK_MS = 0.03
#: Whole-trace V on a 0.25 ms grid (mV): the issue's voltage tolerance for the peak.
TRACE_MV = PEAK_MV
#: Spike (0-mV crossing) time (ms).
SPIKE_MS = 0.02
#: AHP minimum (mV).
AHP_MV = 0.2
#: Pulse thresholds and rheobase (relative).
THRESHOLD_REL = 0.005
#: f–I rates (relative).
FI_REL = 0.01
#: Paired-pulse thresholds (relative).
PAIRED_REL = 0.01


def rel(a: float, b: float) -> float:
    """|a − b| / |b| (b is NEURON's value)."""
    return abs(a - b) / abs(b)


def trace_deviation(ours: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """Deviations of one run: spike count, max |Δ spike time|, |Δ peak|, |Δ peak time|, |Δ AHP|."""
    s_o, s_r = list(ours["spikes_ms"]), list(ref["spikes_ms"])
    same = len(s_o) == len(s_r)
    ahp_o, ahp_r = ours["ahp_min_mV"], ref["ahp_min_mV"]
    return {
        "spike_count": (len(s_o), len(s_r)),
        "spike_ms": max((abs(a - b) for a, b in zip(s_o, s_r, strict=True)), default=0.0)
        if same
        else math.inf,
        "peak_mV": abs(ours["peak_mV"] - ref["peak_mV"]),
        "peak_ms": abs(ours["peak_ms"] - ref["peak_ms"]),
        "ahp_mV": None
        if ahp_o is None and ahp_r is None
        else (math.inf if ahp_o is None or ahp_r is None else abs(ahp_o - ahp_r)),
        "ahp_ms": None if ahp_o is None or ahp_r is None else abs(ours["ahp_ms"] - ref["ahp_ms"]),
        "rest_mV": abs(ours["rest_mV"] - ref["rest_mV"]),
        # whole trace: max |ΔV| on the reference grid (API runs only; the CLI JSON has no trace)
        "v_mV": max(abs(a - b) for a, b in zip(ours["v_grid_mV"], ref["v_grid_mV"], strict=True))
        if "v_grid_mV" in ours
        else None,
    }


def trace_failures(dev: dict[str, Any]) -> list[str]:
    """Which tolerances a trace deviation breaks (empty when it passes)."""
    bad = []
    n_o, n_r = dev["spike_count"]
    if n_o != n_r:
        bad.append(f"spike count {n_o} vs NEURON {n_r}")
    elif dev["spike_ms"] > SPIKE_MS:
        bad.append(f"spike time off by {dev['spike_ms']:.4g} ms (> {SPIKE_MS})")
    if dev["peak_mV"] > PEAK_MV:
        bad.append(f"peak off by {dev['peak_mV']:.4g} mV (> {PEAK_MV})")
    if dev["peak_ms"] > PEAK_MS:
        bad.append(f"peak time off by {dev['peak_ms']:.4g} ms (> {PEAK_MS})")
    if dev["ahp_mV"] is not None and dev["ahp_mV"] > AHP_MV:
        bad.append(f"AHP minimum off by {dev['ahp_mV']:.4g} mV (> {AHP_MV})")
    if dev["v_mV"] is not None and dev["v_mV"] > TRACE_MV:
        bad.append(f"trace V off by {dev['v_mV']:.4g} mV somewhere (> {TRACE_MV})")
    if dev["rest_mV"] > REST_MV:
        bad.append(f"rest off by {dev['rest_mV']:.4g} mV (> {REST_MV})")
    return bad


def threshold_deviation(ours: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """Relative deviations of a strength–duration result (`points`, rheobase, chronaxie)."""
    got = {p["width_ms"]: p["threshold_uA_cm2"] for p in ours["points"]}
    per_width = {
        w: rel(got[float(w)], t) for w, t in zip(ref["widths"], ref["thresholds"], strict=True)
    }
    chron = (
        None
        if ours["chronaxie_ms"] is None or ref["chronaxie"] is None
        else rel(ours["chronaxie_ms"], ref["chronaxie"])
    )
    return {
        "thresholds": per_width,
        "max_threshold": max(per_width.values()),
        "rheobase": rel(ours["rheobase_uA_cm2"], ref["rheobase"]),
        "chronaxie": chron,
    }


def fi_deviation(ours: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """Per amplitude: (ours Hz, NEURON Hz, relative deviation; inf if only one is 0)."""
    got = {p["amp_uA_cm2"]: p["rate_hz"] for p in ours["points"]}
    out: dict[float, tuple[float, float, float]] = {}
    for amp, r_ref in zip(ref["amps"], ref["rates"], strict=True):
        r = got[float(amp)]
        d = (0.0 if r == r_ref else math.inf) if r_ref == 0.0 or r == 0.0 else rel(r, r_ref)
        out[float(amp)] = (r, r_ref, d)
    return out


def paired_deviation(ours: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """Per ISI: (ours, NEURON, relative deviation; inf if exactly one is null), and summaries."""
    got = {p["isi_ms"]: p["threshold_uA_cm2"] for p in ours["points"]}
    per: dict[float, tuple[float | None, float | None, float]] = {}
    for isi, t_ref in zip(ref["isis"], ref["thresholds"], strict=True):
        t = got[float(isi)]
        if t is None or t_ref is None:
            d = 0.0 if t is None and t_ref is None else math.inf
        else:
            d = rel(t, t_ref)
        per[float(isi)] = (t, t_ref, d)
    return {
        "points": per,
        "max": max(d for _, _, d in per.values()),
        "baseline": rel(ours["baseline_uA_cm2"], ref["baseline"]),
        "absolute": (ours["absolute_ms"], ref["absolute"]),
        "relative": (ours["relative_ms"], ref["relative"]),
    }
