"""Budgets of a run: checked before anything is built; the kernel's step budget and chunking.

The kernel returns to Python every few hundred thousand steps so that Ctrl-C
works (the numpy kernel mirrors it); resuming must be exact (the state lives in the caller's buffers), so a
run cut into chunks gives the same numbers to the bit as one uncut call.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutor.sim import Holding, Pulse, load_preset, simulate
from tutor.sim import kernel as K
from tutor.sim.limits import MAX_SAMPLES, PARAMETER_RANGES, sample_count
from tutor.sim.params import ParameterError


def test_chunked_kernel_calls_give_identical_results(
    kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On both kernels: the numpy kernel stops at the same chunks and resumes as exactly."""
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


def test_step_budget_stops_a_run_and_says_where(
    kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On both kernels (the numpy kernel mirrors kernel.c's per-cell step budget)."""
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


def test_step_budget_stops_both_kernels_at_the_same_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The numpy kernel's budget mirrors kernel.c's: a batch (its vector path) and a single
    cell stop at the same model time on both, after the same chunk of steps."""
    from optional import missing

    from tutor.sim import run_batch
    from tutor.sim.reduce import resting_state

    if K.compiled_path() is None:
        missing("the compiled kernel is not installed here (built without a C compiler)")
    monkeypatch.setattr(K, "STEP_CHUNK", 1)  # chunks of 256 steps per cell
    monkeypatch.setattr(K, "MAX_STEPS_PER_CELL", 1000)
    p = load_preset("squid")
    from tutor.sim import pykernel

    batch = pykernel.VECTOR_MIN_CELLS  # the smallest batch on the numpy kernel's vector path
    amps = np.linspace(20.0, 120.0, batch)
    pieces = [[(10.0, 5000.0, float(a), float(a))] for a in amps]

    def stop_time(cells: int) -> float:
        with pytest.raises(K.StepBudgetError) as info:
            run_batch(p, pieces[:cells], resting_state(p).as_array(), 5000.0)
        assert info.value.limit == 1000
        return info.value.t_ms

    got = {}
    for name in ("compiled", "python"):
        monkeypatch.setenv("TUTOR_KERNEL", name)
        K.reset()
        resting_state.cache_clear()
        got[name] = (stop_time(batch), stop_time(1))
    monkeypatch.delenv("TUTOR_KERNEL")
    K.reset()
    resting_state.cache_clear()
    for compiled, python in zip(got["compiled"], got["python"], strict=True):
        assert 10.0 < compiled < 5000.0
        assert python == pytest.approx(compiled, abs=1e-9)


def test_a_collapsed_step_ends_the_cell_on_both_kernels(kernel: str) -> None:
    """A non-finite state makes the step size collapse: the cell is given up (done = 2)
    and the call returns normally on both kernels (the numpy kernel's scalar path once
    returned None there, which broke the count of cells stopped at their budget)."""
    from tutor.sim import run_batch
    from tutor.sim.reduce import resting_state

    p = load_preset("squid")
    init = np.array(resting_state(p).as_array(), dtype=float)
    init[0] = np.nan
    res = run_batch(p, [[]], init, 50.0)
    assert list(res.n_steps) == [0]
    assert len(res.spikes_ms[0]) == 0
