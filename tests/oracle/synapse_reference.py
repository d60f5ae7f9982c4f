"""Synapse cases the accuracy tests compare, and NEURON's numbers for them.

Same cache rules as `oracle.cable_reference` (file ``synapse_reference.json``,
keyed by a hash of the cases, the oracle code and NEURON's version). The
ball-and-stick geometry is written here as plain data; a test checks that it
is the shipped ``data/neurons/ball_and_stick.toml``, so the oracle runs the
morphology users get. Two membranes have an exact NEURON twin: a passive
one (the textbook leak: ``pas``) and squid ``hh`` at 6.3 °C (the textbook's
Traub–Miles kinetics have no built-in NEURON mechanism). NMDA's Mg²⁺ block
needs a compiled mod file, so NMDA is tested against its formula instead.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from oracle import cache

HERE = Path(__file__).resolve().parent
CACHE = HERE / "synapse_reference.json"

#: (name, L µm, diam µm, Ra Ω·cm, nseg, gna factor, gk factor): the shipped ball-and-stick.
GEOMETRY = [
    ("dend", 500.0, 2.0, 150.0, 25, 0.0, 0.0),
    ("soma", 20.0, 20.0, 150.0, 1, 1.0, 1.0),
    ("ais", 40.0, 1.5, 150.0, 5, 8.0, 2.0),
    ("axon", 400.0, 1.0, 150.0, 21, 1.0, 1.0),
]
#: Receptor kinetics of the shipped file (tau1, tau2 ms; E mV).
KINDS = {
    "ampa": (0.2, 2.0, 0.0),
    "gabaa": (0.5, 5.0, -70.0),
}
PASSIVE = {"kind": "pas", "gl": 0.1, "el": -70.0, "cm": 1.0}
SQUID = {"kind": "hh", "gna": 120.0, "gk": 36.0, "gl": 0.3, "el": -54.3, "ena": 50.0,
         "ek": -77.0, "cm": 1.0}  # fmt: skip


def _inp(kind: str, where: str | float, t: float, w: float) -> dict[str, Any]:
    tau1, tau2, e = KINDS[kind]
    return {"kind": kind, "where": where, "t_ms": t, "weight_nS": w, "tau1_ms": tau1,
            "tau2_ms": tau2, "e_rev_mV": e}  # fmt: skip


def _case(membrane: dict[str, Any], celsius: float, inputs: list[dict[str, Any]], tstop: float,
          v_init: float) -> dict[str, Any]:  # fmt: skip
    sections = []
    for name, length, diam, ra, nseg, fna, fk in GEOMETRY:
        mem = dict(membrane)
        if mem["kind"] == "hh":
            mem["gna"] *= fna
            mem["gk"] *= fk
        sections.append({"name": name, "length_um": length, "diam_um": diam, "ra_ohm_cm": ra,
                         "nseg": nseg, "membrane": mem})  # fmt: skip
    return {"sections": sections, "celsius": celsius, "inputs": inputs, "tstop_ms": tstop,
            "v_init_mV": v_init}  # fmt: skip


CASES: dict[str, dict[str, Any]] = {
    "pas_soma": _case(PASSIVE, 36.0, [_inp("ampa", "soma", 5.0, 2.0)], 40.0, -70.0),
    "pas_mid": _case(PASSIVE, 36.0, [_inp("ampa", 0.5, 5.0, 2.0)], 40.0, -70.0),
    "pas_tip": _case(PASSIVE, 36.0, [_inp("ampa", 0.9, 5.0, 4.0)], 40.0, -70.0),
    "pas_pair": _case(
        PASSIVE, 36.0, [_inp("ampa", 0.5, 5.0, 2.0), _inp("ampa", 0.5, 7.0, 2.0)], 40.0, -70.0
    ),
    "pas_shunt": _case(
        PASSIVE, 36.0, [_inp("ampa", 0.3, 5.0, 2.0), _inp("gabaa", "soma", 5.0, 10.0)], 40.0, -70.0
    ),
    "hh_mid": _case(SQUID, 6.3, [_inp("ampa", 0.5, 5.0, 1.0)], 40.0, -65.0),
    "hh_soma": _case(SQUID, 6.3, [_inp("ampa", "soma", 5.0, 0.5)], 40.0, -65.0),
}


#: The oracle files whose code makes these numbers (hashed into the cache's fingerprint).
SOURCES = ("synapse_nrn.py", "synapse_reference.py", "nrn.py")


def _fingerprint() -> str:
    """Hash of the cases, the SOURCES' code and the installed NEURON's version."""
    return cache.fingerprint(CASES, SOURCES)


def compute() -> dict[str, Any]:
    """Run every case in NEURON (a few seconds) and return plain JSON data."""
    from neuron import __version__ as nrn_version

    from oracle.synapse_nrn import ATOL, run_case

    return {
        "meta": {"fingerprint": _fingerprint(), "neuron": nrn_version, "atol": ATOL},
        "cases": {name: run_case(case) for name, case in CASES.items()},
    }


def write(path: Path = CACHE) -> dict[str, Any]:
    """Compute the reference in NEURON and write it as JSON; returns it."""
    return cache.write(path, compute)


@functools.cache
def load() -> dict[str, Any]:
    """The reference numbers: the cache if current, else recomputed (see `oracle.cache`)."""
    return cache.load(CACHE, CASES, SOURCES, compute)
