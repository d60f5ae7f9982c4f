"""Voltage-clamp cases and NEURON's numbers for them (cached like `oracle.reference`).

`CASES` lists every clamp protocol (plain data). `compute()` runs them in NEURON
through `oracle.nrn_clamp` (≈ 5 s); `scripts/make_reference.py` writes the
result to `tests/oracle/clamp_reference.json`. `load()` returns the cache only
when it was made from the same cases, the same oracle code and the same NEURON
version (a hash of all three), and recomputes it otherwise. A separate cache
from `reference.json`, so that changing one set of cases never invalidates the
other.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from oracle import cache

HERE = Path(__file__).resolve().parent
CACHE = HERE / "clamp_reference.json"

#: Voltages (mV) at which the fit is checked against hh's own n∞ and τn.
FIT_VOLTAGES: tuple[float, ...] = (-40.0, 0.0, 40.0)

CASES: dict[str, Any] = {
    # Step families: test voltages (mV) from a hold, 20 ms unless said otherwise.
    "families": {
        "squid": {
            "steps": [-100, -80, -65, -60, -50, *range(-40, 41, 10), 45, 48, 49, 50, 51, 52, 55, 60]
        },
        "ttx": {"steps": [-40, -20, 0, 20, 40], "blocks": ["ttx"]},
        "tea": {"steps": [-40, -20, 0, 20, 40], "blocks": ["tea"]},
        "squid@18.5": {"steps": [-40, -20, 0, 20, 40], "celsius": 18.5},
        "hold-80_dur10": {"steps": [-50, -20, 10, 40], "hold": -80.0, "dur": 10.0},
    },
    # Two-step protocol: prepulses (mV) for `pre_dur` ms, then one test step.
    "prepulse": {
        "test": 0.0,
        "pre": [-120, -100, -80, -70, -65, -60, -55, -50, -45, -40, -30, -20],
        "pre_dur": 50.0,
    },
    # Tails: a step to `step` mV for `dur` ms, then each tail potential for `tail_dur` ms.
    "tails": {
        "step": 0.0,
        "dur": 5.0,
        "tail": [-110, -100, -90, -80, -77, -70, -60, -40, -20, 0],
        "tail_dur": 2.0,
    },
    # hh's own kinetics at these voltages and temperatures.
    "rates": {"voltages": list(FIT_VOLTAGES), "celsius": [6.3, 18.5]},
}


#: The oracle files whose code makes these numbers (hashed into the cache's fingerprint).
SOURCES = ("nrn_clamp.py", "clamp_reference.py")


def _fingerprint() -> str:
    """Hash of the cases, the SOURCES' code and the installed NEURON's version."""
    return cache.fingerprint(CASES, SOURCES)


def compute() -> dict[str, Any]:
    """Run every clamp case in NEURON and return the numbers (plain JSON data)."""
    from neuron import __version__ as nrn_version

    from oracle.nrn_clamp import ATOL, RS_MOHM, ClampOracle

    o = ClampOracle()
    out: dict[str, Any] = {
        "meta": {
            "fingerprint": _fingerprint(),
            "neuron": nrn_version,
            "atol": ATOL,
            "rs_MOhm": RS_MOHM,
        },
        "families": {},
        "prepulse": {},
        "tails": {},
        "rates": {},
    }
    for name, c in CASES["families"].items():
        out["families"][name] = [
            o.run(
                float(v),
                hold_mV=c.get("hold", -65.0),
                dur_ms=c.get("dur", 20.0),
                celsius=c.get("celsius", 6.3),
                blocks=c.get("blocks", ()),
            )
            for v in c["steps"]
        ]
    pp = CASES["prepulse"]
    out["prepulse"] = [
        dict(o.run(pp["test"], pre=(float(v), pp["pre_dur"])), pre_mV=float(v)) for v in pp["pre"]
    ]
    out["prepulse_plain"] = o.run(pp["test"])
    tl = CASES["tails"]
    out["tails"] = [
        dict(o.run(tl["step"], dur_ms=tl["dur"], tail=(float(v), tl["tail_dur"])), tail_mV=float(v))
        for v in tl["tail"]
    ]
    for temp in CASES["rates"]["celsius"]:
        out["rates"][str(temp)] = {
            str(float(v)): o.rates(float(v), temp) for v in CASES["rates"]["voltages"]
        }
    return out


def write(path: Path = CACHE) -> dict[str, Any]:
    """Compute the reference in NEURON and write it as JSON; returns it."""
    return cache.write(path, compute)


@functools.cache
def load() -> dict[str, Any]:
    """The reference numbers: the cache if current, else recomputed (see `oracle.cache`)."""
    return cache.load(CACHE, CASES, SOURCES, compute)
