"""Names shared by the phase machine, the content validator and the TUI.

Each set is written once, as a `Literal` type: the content schema
(`tutor.quiz.models`) types its fields with it, mypy checks code against it,
and the tuples below are derived from it (`get_args`). Kept in a module with no
heavy imports so that validating content or parsing arguments never pays for
the numerical engine.
"""

from __future__ import annotations

from typing import Literal, get_args

# The engine's own names (it validates overrides and blocks against them); re-exported here
# so that every layer above finds all names in one place.
from tutor.sim.names import (
    BLOCKS,
    PARAMETER_NAMES,
    PRESET_NAMES,
    BlockName,
    ParameterName,
    PresetName,
)

__all__ = [
    "BLOCKS",
    "CLAMP_MEASURES",
    "EVENT_KINDS",
    "EXCITABILITY_STATES",
    "MARK_TARGETS",
    "MEASURES",
    "PARAMETER_NAMES",
    "PHASES",
    "PRESET_NAMES",
    "TRIGGER_ON",
    "BlockName",
    "EventKind",
    "ExcitabilityState",
    "MarkTarget",
    "MeasureName",
    "ParameterName",
    "Phase",
    "PresetName",
    "TriggerOn",
]

Phase = Literal[
    "resting",
    "subthreshold",
    "threshold",
    "depolarization",
    "repolarization",
    "hyperpolarization",
]
#: Voltage phases, in the order a spike passes through them.
PHASES: tuple[Phase, ...] = get_args(Phase)

#: Excitability states decided by probing the model. `inexcitable`: no amplitude fires and
#: no spike is to blame (Na⁺ channels blocked, or inactivated by a depolarisation that
#: did not fire); `absolute_refractory` only ever begins at a spike's threshold event.
ExcitabilityState = Literal[
    "excitable", "absolute_refractory", "relative_refractory", "inexcitable"
]
EXCITABILITY_STATES: tuple[ExcitabilityState, ...] = get_args(ExcitabilityState)

EventKind = Literal[
    "phase",
    "excitability",
    "threshold",
    "threshold_failed",
    "spike",
    "peak",
    "ahp_min",
    "stimulus_on",
    "stimulus_off",
]
#: Every event kind the stream can carry.
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)

TriggerOn = Literal[
    "phase_enter",
    "phase_exit",
    "spike",
    "threshold",
    "threshold_failed",
    "peak",
    "ahp_min",
    "run_end",
]
#: What a question trigger may listen for.
TRIGGER_ON: tuple[TriggerOn, ...] = get_args(TriggerOn)

MeasureName = Literal[
    "spiked",
    "spike_count",
    "first_spike_ms",
    "latency_ms",
    "peak_mV",
    "peak_ms",
    "ahp_min_mV",
    "ahp_ms",
    "rest_mV",
    "threshold_uA_cm2",
    "rate_hz",
    "width_ms",
    "max_dvdt_mV_ms",
    "isi_ms",
    "first_isi_ms",
    "last_isi_ms",
    "v_end_mV",
    # ions (runs on a membrane with concentrations; long runs are sampled coarsely)
    "v_shift_mV",
    "nai_end_mM",
    "delta_nai_mM",
    "delta_ena_mV",
    "delta_ek_mV",
    "na_entry_per_um2",
    "e_na_mV",
    "e_k_mV",
    # voltage clamp (a run with `clamp`; CLAMP_MEASURES below)
    "ina_peak_uA_cm2",
    "ina_end_uA_cm2",
    "ik_end_uA_cm2",
    "i_peak_uA_cm2",
    "i_end_uA_cm2",
    "ina_peak_ms",
    "ik_half_ms",
    "ina_peaks_first",
    "ina_peak_ratio",
    "ik_tail_uA_cm2",
    "ina_reversal_mV",
    # propagation (a run with `axon`; AXON_MEASURES below)
    "velocity_m_s",
    "blocked",
    "arrived",
    "mid_spike_count",
    "conduction_ms",
    "axon_peak_mV",
    # synapses on the ball-and-stick neuron (a run with `neuron`; NEURON_MEASURES below)
    "soma_depol_mV",
    "soma_peak_ms",
    "ais_spike_count",
]
#: Measures a predict question or a model-checked numeric answer may read from a run,
#: with the type of their value (keys = `MeasureName`, kept in step by a test).
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
    "velocity_m_s": "float",
    "blocked": "bool",
    "arrived": "bool",
    "mid_spike_count": "int",
    "conduction_ms": "float",
    "axon_peak_mV": "float",
    "soma_depol_mV": "float",
    "soma_peak_ms": "float",
    "ais_spike_count": "int",
    "v_shift_mV": "float",
    "nai_end_mM": "float",
    "delta_nai_mM": "float",
    "delta_ena_mV": "float",
    "delta_ek_mV": "float",
    "na_entry_per_um2": "float",
    "e_na_mV": "float",
    "e_k_mV": "float",
}
#: The measures of an axon run (a run spec with an `axon` table; `tutor.lab.propagation`):
#: conduction velocity (25 %–75 %), whether the spike was blocked, whether a spike
#: reached the far end, how often the middle fired, stimulus-to-far-end time, mid peak.
#: They read only axon runs, and the other measures only patch runs.
AXON_MEASURES: frozenset[str] = frozenset(
    {"velocity_m_s", "blocked", "arrived", "mid_spike_count", "conduction_ms", "axon_peak_mV"}
)
#: The measures of a neuron run (a run spec with a `neuron` table; `tutor.lab.neuron`):
#: the somatic PSP's peak above rest and its time, and the spikes at the axon initial
#: segment. They read only neuron runs.
NEURON_MEASURES: frozenset[str] = frozenset({"soma_depol_mV", "soma_peak_ms", "ais_spike_count"})
#: Where an axon run's stimulus may go.
AXON_STIM_SITES: tuple[str, ...] = ("left", "right", "both")

#: Measures of a voltage-clamp run (a run spec with a `clamp` table; tutor.lab.clamp).
#: Point measures read the first run of the family; `ina_reversal_mV` the whole family.
CLAMP_MEASURES: dict[str, str] = {
    "ina_peak_uA_cm2": "float",
    "ina_end_uA_cm2": "float",
    "ik_end_uA_cm2": "float",
    "i_peak_uA_cm2": "float",
    "i_end_uA_cm2": "float",
    "ina_peak_ms": "float",
    "ik_half_ms": "float",
    "ina_peaks_first": "bool",
    "ina_peak_ratio": "float",
    "ik_tail_uA_cm2": "float",
    "ina_reversal_mV": "float",
}
MEASURES.update(CLAMP_MEASURES)

MarkTarget = Literal[
    "threshold",
    "peak",
    "ahp_min",
    "spike",
    "phase:resting",
    "phase:subthreshold",
    "phase:threshold",
    "phase:depolarization",
    "phase:repolarization",
    "phase:hyperpolarization",
]
#: Targets a mark question may ask the learner to place the cursor on (`phase:NAME`
#: for every name in PHASES; a test keeps the two in step).
MARK_TARGETS: tuple[MarkTarget, ...] = get_args(MarkTarget)
