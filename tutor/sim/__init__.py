"""The Hodgkin–Huxley engine: parameters, stimuli, integrators and results.

Never imports textual (enforced by a test): the TUI, the CLI and the sweeps all
call into this package.
"""

from tutor.sim.engine import (
    DEFAULT_INTEGRATOR,
    INTEGRATORS,
    Batch,
    BatchResult,
    LiveSim,
    RestState,
    SimResult,
    Trace,
    check_dt,
    resting_state,
    run_batch,
    simulate,
)
from tutor.sim.params import (
    MembraneParams,
    ParameterError,
    load_preset,
    preset_names,
)
from tutor.sim.stimulus import Holding, Pulse, Ramp, Step, Stimulus, StimulusError, Train

__all__ = [
    "DEFAULT_INTEGRATOR",
    "INTEGRATORS",
    "Batch",
    "BatchResult",
    "Holding",
    "LiveSim",
    "MembraneParams",
    "ParameterError",
    "Pulse",
    "Ramp",
    "RestState",
    "SimResult",
    "Step",
    "Stimulus",
    "StimulusError",
    "Trace",
    "Train",
    "check_dt",
    "load_preset",
    "preset_names",
    "resting_state",
    "run_batch",
    "simulate",
]
