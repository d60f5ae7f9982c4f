"""The propagation cases the cable tests compare, and NEURON's numbers for them.

Like `oracle.reference` (same cache rules, separate file): `CASES` is plain
data; `compute()` runs every case in NEURON through `oracle.cable_nrn`, each at
a fine discretisation (d_lambda 0.01, CVODE) and again at half as many
compartments, so a test can check that the reference itself has converged;
`load()` returns the cache `tests/oracle/cable_reference.json` when it was made
from the same cases, oracle code and NEURON version, and recomputes otherwise.
`scripts/make_reference.py` writes it.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

from oracle import cache

HERE = Path(__file__).resolve().parent
CACHE = HERE / "cable_reference.json"

#: Stimulus (nA) for a 476 µm axon at Ra 35.4 Ω·cm; other diameters get amp·(d/476)^1.5,
#: the scaling of the threshold of a point current at a sealed end (≈ 5× threshold).
STIM_476_NA = 10000.0
#: Fine discretisation: Δx ≤ D_LAMBDA_FINE · λ_f(100 Hz × Q10 factor).
D_LAMBDA_FINE = 0.01

CASES: dict[str, Any] = {
    # Velocity and mid-axon peak vs diameter at two temperatures (20 mm axons).
    "diameters": {
        "diams_um": [50.0, 100.0, 238.0, 476.0, 952.0],
        "celsius": [18.5, 6.3],
        "length_um": 20000.0,
        "ra_ohm_cm": 35.4,
        "tstop_ms": 10.0,
    },
    # Hodgkin and Huxley's propagated spike: `tutor propagate`'s defaults.
    "default": {
        "diam_um": 476.0,
        "length_um": 50000.0,
        "ra_ohm_cm": 35.4,
        "celsius": 18.5,
        "tstop_ms": 8.0,
    },
}


def stim_nA(diam_um: float, ra_ohm_cm: float) -> float:
    """The case stimulus (nA) for a diameter and Ra (see STIM_476_NA)."""
    return STIM_476_NA * (diam_um / 476.0) ** 1.5 * math.sqrt(35.4 / ra_ohm_cm)


def fine_nseg(diam_um: float, length_um: float, ra_ohm_cm: float, celsius: float) -> int:
    """An odd nseg with Δx ≤ 0.01 λ_f at f = 100 Hz × 3^((T − 6.3)/10) (cm = 1 µF/cm²)."""
    freq = 100.0 * 3.0 ** ((celsius - 6.3) / 10.0)
    lam = 1e5 * math.sqrt(diam_um / (4.0 * math.pi * freq * ra_ohm_cm * 1.0))
    n = math.ceil(length_um / (D_LAMBDA_FINE * lam))
    return n + 1 if n % 2 == 0 else n


#: The oracle files whose code makes these numbers (hashed into the cache's fingerprint).
SOURCES = ("cable_nrn.py", "cable_reference.py", "nrn.py")


def _fingerprint() -> str:
    """Hash of the cases, the SOURCES' code and the installed NEURON's version."""
    return cache.fingerprint(CASES, SOURCES)


def _one(diam: float, length: float, ra: float, celsius: float, tstop: float) -> dict[str, Any]:
    from oracle.cable_nrn import run_cable

    n = fine_nseg(diam, length, ra, celsius)
    half = n // 2 if (n // 2) % 2 == 1 else n // 2 + 1
    fine = run_cable(diam, length, ra, celsius, n, stim_nA(diam, ra), tstop)
    coarse = run_cable(diam, length, ra, celsius, half, stim_nA(diam, ra), tstop)
    return {
        "diam_um": diam,
        "celsius": celsius,
        "length_um": length,
        "ra_ohm_cm": ra,
        "stim_nA": stim_nA(diam, ra),
        "nseg": n,
        "velocity_m_s": fine.velocity_m_s,
        "peak_mV": fine.peak_mV,
        "rest_mV": fine.rest_mV,
        "nseg_half": half,
        "velocity_half_m_s": coarse.velocity_m_s,
        "peak_half_mV": coarse.peak_mV,
    }


def compute() -> dict[str, Any]:
    """Run every case in NEURON (≈ 20 s) and return plain JSON data."""
    from neuron import __version__ as nrn_version

    from oracle.cable_nrn import ATOL

    c = CASES["diameters"]
    rows = [
        _one(d, c["length_um"], c["ra_ohm_cm"], t, c["tstop_ms"])
        for t in c["celsius"]
        for d in c["diams_um"]
    ]
    dflt = CASES["default"]
    default = _one(
        dflt["diam_um"], dflt["length_um"], dflt["ra_ohm_cm"], dflt["celsius"], dflt["tstop_ms"]
    )
    return {
        "meta": {"fingerprint": _fingerprint(), "neuron": nrn_version, "atol": ATOL},
        "diameters": rows,
        "default": default,
    }


def write(path: Path = CACHE) -> dict[str, Any]:
    """Compute the reference in NEURON and write it as JSON; returns it."""
    return cache.write(path, compute)


@functools.cache
def load() -> dict[str, Any]:
    """The reference numbers: the cache if current, else recomputed (see `oracle.cache`)."""
    return cache.load(CACHE, CASES, SOURCES, compute)
