"""The cases the accuracy tests compare, and NEURON's numbers for them.

`CASES` lists every protocol (plain data). `compute()` runs them all in NEURON
through `oracle.nrn` (≈ 20 s); `scripts/make_reference.py` writes the result
to `tests/oracle/reference.json`. `load()` returns the cached numbers when the
cache was made from the same cases, the same oracle code and the same NEURON
version, and recomputes them otherwise — so a stale cache can never be used,
and no reference number is ever typed in by hand.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path
from typing import Any

from oracle import cache

HERE = Path(__file__).resolve().parent
CACHE = HERE / "reference.json"

#: Spacing (ms) of the voltage samples stored per trace (whole-trace comparison).
V_GRID_MS = 0.25

#: Temperatures every excitability protocol is run at (°C).
TEMPERATURES: tuple[float, ...] = (6.3, 18.5)

CASES: dict[str, Any] = {
    # Resting potential of (possibly modified) membranes: name -> overrides, celsius.
    "rest": {
        "squid@6.3": {"celsius": 6.3, "overrides": {}},
        "squid@18.5": {"celsius": 18.5, "overrides": {}},
        "gk=24": {"celsius": 6.3, "overrides": {"gk": 24.0}},
        "ek=-80": {"celsius": 6.3, "overrides": {"ek": -80.0}},
        "gl=0.5,el=-60": {"celsius": 6.3, "overrides": {"gl": 0.5, "el": -60.0}},
        "gna=60": {"celsius": 6.3, "overrides": {"gna": 60.0}},
    },
    # Single runs: spikes, peak, AHP. pulses are (delay ms, width ms, amp µA/cm²).
    "traces": {
        "pulse_1ms_20": {"pulses": [[5, 1, 20]], "tstop": 50},
        "pulse_0.5ms_30": {"pulses": [[5, 0.5, 30]], "tstop": 50},
        "pulse_near_threshold": {"pulses": [[5, 1, 7.5]], "tstop": 60},
        "two_pulses": {"pulses": [[5, 1, 20], [25, 1, 20]], "tstop": 60},
        "step_10_100ms": {"pulses": [[10, 100, 10]], "tstop": 120},
        "pulse_1ms_20@18.5": {"pulses": [[5, 1, 20]], "tstop": 50, "celsius": 18.5},
        "pulse_0.5ms_40@18.5": {"pulses": [[5, 0.5, 40]], "tstop": 30, "celsius": 18.5},
        "step_20_100ms@18.5": {"pulses": [[10, 100, 20]], "tstop": 120, "celsius": 18.5},
        "ttx": {"pulses": [[5, 1, 20]], "tstop": 50, "blocks": ["ttx"]},
        "tea": {"pulses": [[5, 1, 20]], "tstop": 50, "blocks": ["tea"]},
        "ttx@18.5": {"pulses": [[5, 1, 20]], "tstop": 50, "blocks": ["ttx"], "celsius": 18.5},
        # strong enough to charge the blocked membrane past 0 mV: a crossing, not a spike
        "ttx_150": {"pulses": [[5, 1, 150]], "tstop": 50, "blocks": ["ttx"]},
        "ttx_400@18.5": {"pulses": [[5, 1, 400]], "tstop": 50, "blocks": ["ttx"], "celsius": 18.5},
        "tea@18.5": {"pulses": [[5, 1, 20]], "tstop": 50, "blocks": ["tea"], "celsius": 18.5},
        "anode_break_-10x20": {"pulses": [[5, 20, -10]], "tstop": 60},
        "anode_break_-20x20": {"pulses": [[10, 20, -20]], "tstop": 60},
        "anode_break_-10x20@18.5": {"pulses": [[5, 20, -10]], "tstop": 60, "celsius": 18.5},
        "set_gk=24": {"pulses": [[5, 1, 20]], "tstop": 50, "overrides": {"gk": 24.0}},
        "set_ek=-80": {"pulses": [[5, 1, 20]], "tstop": 50, "overrides": {"ek": -80.0}},
    },
    # Strength–duration: thresholds of single pulses at delay 5 ms, and the rheobase.
    "thresholds": {"widths": [0.1, 0.2, 0.5, 1, 2, 5, 10], "delay": 5.0},
    # f–I: step amplitudes per temperature (500 ms steps from t = 10 ms).
    "fi": {
        "6.3": [0, 5, 7, 10, 15, 20, 30, 40, 50, 100, 200],
        "18.5": [5, 10, 15, 20, 30, 50, 100, 200],
        "duration": 500.0,
    },
    # Paired pulse: ISIs per temperature (11 each), max test amplitude 400 µA/cm².
    "paired": {
        "6.3": [2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15, 20],
        "18.5": [1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, 20],
        "max_amp": 400.0,
    },
}


def chronaxie(widths: list[float], thresholds: list[float], rheobase: float) -> float | None:
    """Width whose threshold is twice the rheobase, linear between bracketing points."""
    pts = sorted(zip(widths, thresholds, strict=True))
    target = 2.0 * rheobase
    for (w0, t0), (w1, t1) in itertools.pairwise(pts):
        a, b = t0 - target, t1 - target
        if a == 0:
            return w0
        if (a > 0) != (b > 0) or b == 0:
            return w0 + (w1 - w0) * a / (a - b)
    return None


def refractory_periods(
    isis: list[float], thresholds: list[float | None], baseline: float
) -> tuple[float | None, float | None]:
    """Absolute = largest ISI with no response; relative ends at the first later ISI
    whose threshold is within 5 % of the unconditioned 1 ms threshold."""
    pts = sorted(zip(isis, thresholds, strict=True))
    nulls = [i for i, t in pts if t is None]
    absolute = max(nulls) if nulls else None
    for isi, thr in pts:
        if absolute is not None and isi <= absolute:
            continue
        if thr is not None and thr <= 1.05 * baseline:
            return absolute, isi
    return absolute, None


def v_grid(tstop_ms: float) -> list[float]:
    """Times (ms) at which whole-trace voltages are compared: 0, 0.25, … < tstop − 0.5."""
    n = int((tstop_ms - 0.5) / V_GRID_MS + 1e-9)
    return [k * V_GRID_MS for k in range(n)]


#: The oracle files whose code makes these numbers (hashed into the cache's fingerprint).
SOURCES = ("nrn.py", "reference.py")


def _fingerprint() -> str:
    """Hash of the cases, the SOURCES' code and the installed NEURON's version."""
    return cache.fingerprint(CASES, SOURCES)


def compute() -> dict[str, Any]:
    """Run every case in NEURON and return the reference numbers (plain JSON data)."""
    from neuron import __version__ as nrn_version

    from oracle.nrn import ATOL, SQUID, Oracle, fi_rate_from_spikes

    o = Oracle()
    out: dict[str, Any] = {
        "meta": {"fingerprint": _fingerprint(), "neuron": nrn_version, "atol": ATOL},
        "rest": {},
        "traces": {},
        "thresholds": {},
        "fi": {},
        "paired": {},
    }
    for name, c in CASES["rest"].items():
        out["rest"][name] = o.rest(dict(SQUID, celsius=c["celsius"], **c["overrides"]))
    for name, c in CASES["traces"].items():
        r = o.run(
            [tuple(p) for p in c["pulses"]],
            c["tstop"],
            celsius=c.get("celsius", 6.3),
            overrides=c.get("overrides"),
            blocks=c.get("blocks", ()),
        )
        out["traces"][name] = {
            "spikes_ms": r.spikes_ms,
            "crossings_ms": r.crossings_ms,
            "peak_mV": r.peak_mV,
            "peak_ms": r.peak_ms,
            "ahp_min_mV": r.ahp_min_mV,
            "ahp_ms": r.ahp_ms,
            "rest_mV": r.rest_mV,
            # V every V_GRID_MS up to 0.5 ms before the end (CVODE's last step may stop short)
            "v_grid_mV": [float(x) for x in r.v_at(v_grid(c["tstop"]))],
        }
    widths = CASES["thresholds"]["widths"]
    delay = CASES["thresholds"]["delay"]
    for temp in TEMPERATURES:
        thr = [o.pulse_threshold(w, delay, celsius=temp) for w in widths]
        rheo = o.pulse_threshold(200.0, delay, celsius=temp)
        assert rheo is not None and all(t is not None for t in thr)
        out["thresholds"][str(temp)] = {
            "widths": widths,
            "thresholds": thr,
            "rheobase": rheo,
            "chronaxie": chronaxie(widths, thr, rheo),  # type: ignore[arg-type]
        }
        duration = CASES["fi"]["duration"]
        rates, spikes = [], []
        for amp in CASES["fi"][str(temp)]:
            rate, s = o.fi_rate(amp, duration, celsius=temp)
            rates.append(rate)
            spikes.append(s)
            assert rate == fi_rate_from_spikes(s, 10.0 + duration)
        out["fi"][str(temp)] = {"amps": CASES["fi"][str(temp)], "rates": rates, "spikes": spikes}
        isis = CASES["paired"][str(temp)]
        max_amp = CASES["paired"]["max_amp"]
        pthr = [o.paired_threshold(isi, max_amp, celsius=temp) for isi in isis]
        baseline = o.pulse_threshold(1.0, 5.0, celsius=temp)
        assert baseline is not None
        absolute, relative = refractory_periods(isis, pthr, baseline)
        out["paired"][str(temp)] = {
            "isis": isis,
            "thresholds": pthr,
            "baseline": baseline,
            "absolute": absolute,
            "relative": relative,
        }
    return out


def write(path: Path = CACHE) -> dict[str, Any]:
    """Compute the reference in NEURON and write it as JSON; returns it."""
    return cache.write(path, compute)


@functools.cache
def load() -> dict[str, Any]:
    """The reference numbers: the cache if current, else recomputed (see `oracle.cache`)."""
    return cache.load(CACHE, CASES, SOURCES, compute)
