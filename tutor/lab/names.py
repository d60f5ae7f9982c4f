"""Names shared by the phase machine, the content validator and the TUI.

Kept in a module with no heavy imports so that validating content or parsing
arguments never pays for the numerical engine.
"""

from __future__ import annotations

# The engine's own names (it validates overrides and blocks against them); re-exported here
# so that every layer above finds all names in one place.
from tutor.sim.names import BLOCKS, PARAMETER_NAMES, PRESET_NAMES

__all__ = [
    "BLOCKS",
    "EVENT_KINDS",
    "EXCITABILITY_STATES",
    "MARK_TARGETS",
    "MEASURES",
    "PARAMETER_NAMES",
    "PHASES",
    "PRESET_NAMES",
    "TRIGGER_ON",
]

#: Voltage phases, in the order a spike passes through them.
PHASES: tuple[str, ...] = (
    "resting",
    "subthreshold",
    "threshold",
    "depolarization",
    "repolarization",
    "hyperpolarization",
)

#: Excitability states decided by probing the model.
EXCITABILITY_STATES: tuple[str, ...] = ("excitable", "absolute_refractory", "relative_refractory")

#: Every event kind the stream can carry.
EVENT_KINDS: tuple[str, ...] = (
    "phase",
    "excitability",
    "threshold",
    "threshold_failed",
    "spike",
    "peak",
    "ahp_min",
    "stimulus_on",
    "stimulus_off",
)

#: What a question trigger may listen for.
TRIGGER_ON: tuple[str, ...] = (
    "phase_enter",
    "phase_exit",
    "spike",
    "threshold",
    "threshold_failed",
    "peak",
    "ahp_min",
    "run_end",
)

#: Measures a predict question or a model-checked numeric answer may read from a run.
MEASURES: dict[str, str] = {
    "spiked": "bool",
    "spike_count": "int",
    "first_spike_ms": "float",
    "latency_ms": "float",
    "peak_mV": "float",
    "peak_ms": "float",
    "ahp_min_mV": "float",
    "ahp_ms": "float",
    "rest_mV": "float",
    "threshold_uA_cm2": "float",
    "rate_hz": "float",
    "width_ms": "float",
    "max_dvdt_mV_ms": "float",
    "isi_ms": "float",
    "first_isi_ms": "float",
    "last_isi_ms": "float",
    "v_end_mV": "float",
}

#: Targets a mark question may ask the learner to place the cursor on.
MARK_TARGETS: tuple[str, ...] = (
    "threshold",
    "peak",
    "ahp_min",
    "spike",
    *tuple(f"phase:{p}" for p in PHASES),
)
