"""Accuracy against NEURON (CVODE, atol 1e-8): resting potentials and single runs.

Squid preset; pulses, two pulses, steps, 18.5 °C, TTX, TEA, parameter
overrides and anode-break (rebound) spikes. Tolerances are issue 3's (see
`oracle.compare`). Most cases go through the Python API; a few go through
`python -m tutor simulate --json` so the command-line contract is tested too.
"""

from __future__ import annotations

import pytest
from optional import require
from oracle import compare, ours, reference

#: Every test here runs on both kernels (compiled and numpy; see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("kernel")


REF = reference.load()
TRACES = reference.CASES["traces"]
CLI_TRACES = ["pulse_1ms_20", "ttx", "ttx_150", "tea@18.5", "anode_break_-10x20", "set_gk=24"]


@pytest.mark.parametrize("name", list(reference.CASES["rest"]))
def test_resting_potential(name: str) -> None:
    """`resting_state` agrees with NEURON's steady-state I–V zero within 0.02 mV."""
    got = ours.rest_api(reference.CASES["rest"][name])
    want = REF["rest"][name]
    assert abs(got - want) <= compare.REST_MV, f"{name}: {got} vs NEURON {want}"


@pytest.mark.parametrize("name", list(TRACES))
def test_trace_api(name: str) -> None:
    """Spike times, peak, peak time, AHP minimum and rest of one run (Python API)."""
    dev = compare.trace_deviation(ours.trace_api(TRACES[name]), REF["traces"][name])
    assert compare.trace_failures(dev) == [], f"{name}: {dev}"


@pytest.mark.parametrize("name", CLI_TRACES)
def test_trace_cli_json(name: str) -> None:
    """The same through `tutor simulate --json` (the documented keys and values)."""
    dev = compare.trace_deviation(ours.trace_cli(TRACES[name]), REF["traces"][name])
    assert compare.trace_failures(dev) == [], f"{name}: {dev}"


def test_protocols_exercise_what_they_claim() -> None:
    """Guard the reference itself: the cases show what the issue asks for."""
    t = REF["traces"]
    # anode break: a rebound spike after the hyperpolarising step ends (6.3 °C)
    for name in ("anode_break_-10x20", "anode_break_-20x20"):
        case = TRACES[name]["pulses"][0]
        assert t[name]["spikes_ms"] and t[name]["spikes_ms"][0] > case[0] + case[1]
    # TTX abolishes the spike; TEA gives a broad one
    assert t["ttx"]["spikes_ms"] == [] and t["ttx@18.5"]["spikes_ms"] == []
    # strong pulses charge the blocked membrane past 0 mV in NEURON too, yet the spike
    # rule (Na⁺ current inward and larger than the leak at the crossing) counts no spike
    for name in ("ttx_150", "ttx_400@18.5"):
        assert len(t[name]["crossings_ms"]) == 1 and t[name]["spikes_ms"] == [], t[name]
        assert t[name]["peak_mV"] > 0.0
    # every ordinary spike is also one of NEURON's raw crossings
    for name in ("pulse_1ms_20", "two_pulses", "tea", "anode_break_-10x20"):
        assert t[name]["spikes_ms"] == t[name]["crossings_ms"], name
    assert t["tea"]["spikes_ms"]
    # f–I includes depolarisation block: rates fall to 0 at high currents
    for temp in ("6.3", "18.5"):
        fi = REF["fi"][temp]
        rates = dict(zip(fi["amps"], fi["rates"], strict=True))
        assert max(rates.values()) > 50 and rates[200] == 0.0 and rates[100] == 0.0
    # paired pulses include ISIs with no response at all
    assert None in REF["paired"]["6.3"]["thresholds"]
    assert None in REF["paired"]["18.5"]["thresholds"]


def test_reference_cache_is_neurons() -> None:
    """The cached reference equals a fresh NEURON run of a few cases (no hand-typed numbers)."""
    require("neuron", "oracle", "re-running NEURON to check its cached numbers")
    from oracle.nrn import Oracle

    o = Oracle()
    r = o.run([(5.0, 1.0, 20.0)], 50.0)
    want = REF["traces"]["pulse_1ms_20"]
    # The cache is written by a separate process; inside the test session another
    # test's NEURON sections may still exist and share the CVODE system, which moves
    # CVODE's steps (seen: 1.8e-6 ms). Agreement to 1e-5 ms / 1e-4 mV still proves the
    # cache is NEURON's output (the engine's tolerances are 0.02 ms and 0.25 mV).
    assert r.spikes_ms == pytest.approx(want["spikes_ms"], abs=1e-5)
    assert r.peak_mV == pytest.approx(want["peak_mV"], abs=1e-4)
    assert o.rest() == pytest.approx(REF["rest"]["squid@6.3"], abs=1e-12)
    assert o.pulse_threshold(1.0) == pytest.approx(
        REF["thresholds"]["6.3"]["thresholds"][3], rel=1e-4
    )
