"""Budgets of a run: checked before anything is built; the kernel's step budget and chunking.

The kernel returns to Python every few hundred thousand steps so that Ctrl-C
works; resuming must be exact (the state lives in the caller's buffers), so a
run cut into chunks gives the same numbers to the bit as one uncut call.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutor.sim import Holding, Pulse, load_preset, simulate
from tutor.sim import kernel as K
from tutor.sim.limits import MAX_SAMPLES, PARAMETER_RANGES, sample_count
from tutor.sim.params import ParameterError


def test_chunked_kernel_calls_give_identical_results(monkeypatch: pytest.MonkeyPatch) -> None:
    p = load_preset("squid")
    stim = [Pulse(delay_ms=5, width_ms=1, amp_uA_cm2=20), Holding(amp_uA_cm2=8.0)]
    whole = simulate(p, stim, tstop_ms=200.0)
    monkeypatch.setattr(K, "STEP_CHUNK", 1)  # every call stops after 256 steps
    calls = []
    real = K._backend()[1].advance_batch

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(K._backend()[1], "advance_batch", counting)
    cut = simulate(p, stim, tstop_ms=200.0)
    assert len(calls) > 5  # really cut into pieces
    assert whole.n_steps == cut.n_steps
    np.testing.assert_array_equal(whole.v_mV, cut.v_mV)
    np.testing.assert_array_equal(whole.spikes_ms, cut.spikes_ms)


def test_step_budget_stops_a_run_and_says_where(monkeypatch: pytest.MonkeyPatch) -> None:
    p = load_preset("textbook")
    monkeypatch.setattr(K, "STEP_CHUNK", 1)
    monkeypatch.setattr(K, "MAX_STEPS_PER_CELL", 2000)
    with pytest.raises(K.StepBudgetError) as info:
        simulate(p, [Holding(amp_uA_cm2=50.0)], tstop_ms=2000.0)
    assert info.value.limit == 2000
    assert 0 < info.value.t_ms < 2000.0
    assert "2,000 integration steps" in str(info.value)
    assert isinstance(info.value, ParameterError)  # commands turn it into exit 2


def test_sample_budget_is_checked_in_floating_point() -> None:
    assert sample_count(50_000.0, 0.025) == MAX_SAMPLES
    for tstop, dt in ((50_000.1, 0.025), (50.0, 1e-320), (1e6, 0.025)):
        with pytest.raises(ParameterError, match=r"samples|--tstop"):
            sample_count(tstop, dt)
    with pytest.raises(ParameterError, match="--tstop"):
        simulate(load_preset("squid"), [], tstop_ms=1e308)


@pytest.mark.parametrize("name", sorted(PARAMETER_RANGES))
def test_parameters_outside_their_range_are_refused_by_name(name: str) -> None:
    lo, hi, _ = PARAMETER_RANGES[name]
    p = load_preset("squid")
    for bad in (lo - 1.0 - abs(lo), hi + 1.0 + abs(hi)):
        with pytest.raises(ParameterError, match=f"'{name}'"):
            p.with_overrides({name: bad})
    p.with_overrides({name: hi})  # the ends themselves are allowed
