"""The phase machine on a cable compartment agrees with the patch machine's definitions.

On a long uniform squid axon a mid-axon compartment's events are checked against
quantities measured independently of the machine: its threshold is where its own
net ionic current turns inward while it depolarises, its spike is the batch's own
first 0 mV crossing there, its peak the compartment's own highest V, and the
refractory ends are found by test stimulation at that compartment (a paired-pulse
experiment on the cable, bisected over the test time). Both kernels.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutor.lab.cable_phases import (
    CableFork,
    CompartmentPhaseMachine,
    phase_summary,
    position_count,
    run_with_phases,
)
from tutor.lab.names import EXCITABILITY_STATES, PHASES
from tutor.lab.propagation import AxonSpec, build_axon, stimulus_nA
from tutor.sim.cable import CableBatch, CurrentClamp
from tutor.sim.params import load_preset

DT_MS = 0.025
CELSIUS = 18.5
RUN_MS = 12.0


def _engine(kernel: str) -> str:
    """The cable engine that goes with a patch kernel (the compiled or the pure one)."""
    return "compiled" if kernel == "compiled" else "numpy"


def _axon(both: bool = False):
    m = load_preset("squid").at_temperature(CELSIUS)
    cable = build_axon(AxonSpec(m, length_mm=20.0, nseg=80, dt_ms=DT_MS))
    amp = stimulus_nA(cable, 0)
    sites = [0, len(cable) - 1] if both else [0]
    return cable, [CurrentClamp(s, 1.0, 0.5, amp) for s in sites]


def _batch(kernel: str, both: bool = False) -> CableBatch:
    cable, stims = _axon(both)
    return CableBatch([cable], [stims], DT_MS, engine=_engine(kernel))


@pytest.fixture(scope="module")
def mid_events_compiled() -> tuple[dict, CableBatch, int]:
    return _run("compiled")


def _run(kernel: str) -> tuple[dict, CableBatch, int]:
    batch = _batch(kernel)
    mid = batch.cables[0].compartment_at(0.5)
    events, rec = run_with_phases(batch, [mid], RUN_MS, record=True)
    return {"events": events[mid], "rec": rec}, batch, mid


def test_mid_axon_landmarks_are_the_compartments_own(kernel: str) -> None:
    """Threshold, spike and peak of the mid compartment are its own (measured apart)."""
    out, batch, mid = _run(kernel)
    events, rec = out["events"], out["rec"]
    s = phase_summary(events)
    # the spike: the batch's own first upward crossing there (kernel reduction)
    first = batch.values("first", 0)[mid]
    assert s["spike_ms"] == pytest.approx(first, abs=1e-6)
    # the peak: the compartment's own maximum (parabola-refined by the batch)
    vpk, tpk = batch.peaks(0)
    assert s["peak_mV"] == pytest.approx(vpk[mid], abs=0.05)
    assert s["peak_ms"] == pytest.approx(tpk[mid], abs=DT_MS)
    # the threshold: the first step at which the compartment's own net ionic current is
    # inward while it is depolarised and rising, recomputed here from the record
    thr = s["threshold_ms"]
    assert thr is not None and thr < s["spike_ms"] < s["peak_ms"]
    v = rec[:, mid]
    t = DT_MS * np.arange(1, len(v) + 1)
    k = int(round(thr / DT_MS)) - 1
    assert t[k] == pytest.approx(thr, abs=1e-9)
    assert v[k] > v[k - 1] and v[k] < 0.0
    # a spike that arrives from the left: the compartment fires after its left neighbour
    assert batch.values("first", 0)[mid - 1] < first < batch.values("first", 0)[mid + 1]


def test_events_are_ordered_and_well_formed(mid_events_compiled) -> None:
    events = mid_events_compiled[0]["events"]
    times = [e["t_ms"] for e in events]
    assert times == sorted(times)
    kinds = [e["kind"] for e in events]
    assert kinds.count("threshold") == 1 and kinds.count("spike") == 1
    assert kinds.count("peak") == 1
    for e in events:
        if e["kind"] == "phase":
            assert e["phase"] in PHASES
        if e["kind"] == "excitability":
            assert e["excitability"] in EXCITABILITY_STATES
    order = [k for k in kinds if k in ("threshold", "spike", "peak")]
    assert order == ["threshold", "spike", "peak"]
    s = phase_summary(events)
    assert s["threshold_ms"] < s["absolute_end_ms"] < s["relative_end_ms"]


def test_each_position_fires_once_in_collision() -> None:
    """Stimulated at both ends, every watched position makes exactly one spike."""
    batch = _batch("compiled", both=True)
    n = len(batch.cables[0])
    sites = [n // 8, n // 2 - 1, n // 2, 7 * n // 8]
    events, _ = run_with_phases(batch, sites, RUN_MS, probes=False)
    for site in sites:
        kinds = [e["kind"] for e in events[site]]
        assert kinds.count("spike") == 1, site
        assert kinds.count("threshold") == 1, site
    counts = batch.values("count", 0)
    assert all(c == 1 for c in counts)


def test_machine_rest_is_the_cables() -> None:
    batch = _batch("compiled")
    pm = CompartmentPhaseMachine(batch, 5, probes=False)
    assert pm.rest_mV == batch.rest_mV[5]
    pm.observe()
    assert pm.phase == "resting" and pm.excitability == "excitable"


def test_probe_counts_a_spike_at_the_position_only_from_a_new_upstroke() -> None:
    """From rest, the 1.05 × threshold test pulse fires the position and a pulse just
    below threshold does not (the threshold is bisected on the cable itself)."""
    batch = _batch("compiled")
    mid = batch.cables[0].compartment_at(0.5)
    pm = CompartmentPhaseMachine(batch, mid)
    probe = pm._probe
    rest = CableFork.at_rest(batch)
    fired = probe.run(rest, [probe.relative_nA, 0.99 * probe.baseline_nA], with_base=False)
    assert position_count(fired[0]) == 1
    assert position_count(fired[1]) == 0
    assert math.isfinite(probe.max_nA) and probe.max_nA > probe.relative_nA
