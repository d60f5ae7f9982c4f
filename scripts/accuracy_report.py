"""Print the largest deviation from NEURON (CVODE) per quantity, next to issue 3's tolerance.

Usage: ``uv run python scripts/accuracy_report.py``. Uses the same cases,
reference and comparisons as the accuracy tests (tests/oracle), through the
Python API, so the numbers here are the ones the tests assert.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from oracle import compare, ours, reference


def main() -> int:
    """Compute every comparison and print one line per quantity."""
    ref = reference.load()
    c = reference.CASES
    worst: dict[str, tuple[float, str]] = {}

    def note(key: str, value: float | None, where: str) -> None:
        if value is not None and (key not in worst or value > worst[key][0]):
            worst[key] = (value, where)

    for name, case in c["rest"].items():
        note("rest (mV)", abs(ours.rest_api(case) - ref["rest"][name]), name)
    for name, case in c["traces"].items():
        dev = compare.trace_deviation(ours.trace_api(case), ref["traces"][name])
        n_o, n_r = dev["spike_count"]
        note("spike count mismatches", float(n_o != n_r), name)
        note("spike time (ms)", dev["spike_ms"], name)
        note("peak (mV)", dev["peak_mV"], name)
        note("peak time (ms)", dev["peak_ms"], name)
        note("AHP minimum (mV)", dev["ahp_mV"], name)
        note("whole-trace V, 0.25 ms grid (mV)", dev["v_mV"], name)
        note("AHP time (ms, not a tolerance)", dev["ahp_ms"], name)
    for temp in reference.TEMPERATURES:
        t = str(temp)
        sd = ours.strength_duration_api(c["thresholds"]["widths"], c["thresholds"]["delay"], temp)
        dev = compare.threshold_deviation(sd, ref["thresholds"][t])
        for w, d in dev["thresholds"].items():
            note("pulse threshold (rel)", d, f"{w} ms @ {t} °C")
        note("rheobase (rel)", dev["rheobase"], f"{t} °C")
        note("chronaxie (rel)", dev["chronaxie"], f"{t} °C")
        fi = compare.fi_deviation(ours.fi_api(c["fi"][t], c["fi"]["duration"], temp), ref["fi"][t])
        for amp, (_, _, d) in fi.items():
            note("f–I rate (rel)", d, f"{amp} µA/cm² @ {t} °C")
        rf = ours.refractory_api(c["paired"][t], c["paired"]["max_amp"], temp)
        dev = compare.paired_deviation(rf, ref["paired"][t])
        for isi, (_, _, d) in dev["points"].items():
            note("paired-pulse threshold (rel)", d, f"ISI {isi} ms @ {t} °C")
        note("refractory baseline (rel)", dev["baseline"], f"{t} °C")
        note("absolute/relative period mismatch", float(
            dev["absolute"][0] != dev["absolute"][1] or dev["relative"][0] != dev["relative"][1]
        ), f"{t} °C")  # fmt: skip
    tol = {
        "rest (mV)": compare.REST_MV,
        "spike time (ms)": compare.SPIKE_MS,
        "peak (mV)": compare.PEAK_MV,
        "peak time (ms)": compare.PEAK_MS,
        "AHP minimum (mV)": compare.AHP_MV,
        "whole-trace V, 0.25 ms grid (mV)": compare.TRACE_MV,
        "pulse threshold (rel)": compare.THRESHOLD_REL,
        "rheobase (rel)": compare.THRESHOLD_REL,
        "chronaxie (rel)": compare.THRESHOLD_REL,
        "refractory baseline (rel)": compare.THRESHOLD_REL,
        "f–I rate (rel)": compare.FI_REL,
        "paired-pulse threshold (rel)": compare.PAIRED_REL,
        "spike count mismatches": 0.0,
        "absolute/relative period mismatch": 0.0,
    }
    print(f"NEURON {ref['meta']['neuron']} CVODE atol {ref['meta']['atol']:g}; max |deviation|:")
    for key, (value, where) in worst.items():
        limit = tol.get(key)
        ok = "" if limit is None else ("ok" if value <= limit else "FAIL")
        lim = "" if limit is None else f"(tolerance {limit:g})"
        shown = "inf" if math.isinf(value) else f"{value:.3g}"
        print(f"  {key:<36} {shown:>10}  at {where:<28} {lim} {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
