"""The Hodgkin–Huxley engine: parameters, stimuli, integrators and results.

Never imports textual (enforced by a test). Names are loaded lazily so that
`tutor.sim.reduce` — the numpy-free path the sweeps take — does not pay for
numpy when only it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "DEFAULT_INTEGRATOR": "engine",
    "INTEGRATORS": "engine",
    "Batch": "engine",
    "BatchResult": "engine",
    "LiveSim": "engine",
    "SimResult": "engine",
    "Trace": "engine",
    "check_dt": "engine",
    "run_batch": "engine",
    "simulate": "engine",
    "RestState": "reduce",
    "resting_state": "reduce",
    "run_reduced": "reduce",
    "MembraneParams": "params",
    "ParameterError": "params",
    "load_preset": "params",
    "preset_names": "params",
    "Holding": "stimulus",
    "Pulse": "stimulus",
    "Ramp": "stimulus",
    "Step": "stimulus",
    "Stimulus": "stimulus",
    "StimulusError": "stimulus",
    "Train": "stimulus",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tutor.sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tutor.sim.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
