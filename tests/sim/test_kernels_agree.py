"""The numpy kernel is the compiled kernel's twin: same numbers, chosen when the extension is absent.

The accuracy tests against NEURON already run on both kernels (the `kernel`
fixture); here the two are compared with each other directly, on protocols
drawn at random, and the automatic choice is checked as a user meets it.
Both kernels use libm's exp and the same operation order (pykernel.py), so on
the same platform they agree to the last bit; the assertions allow 1e-9
(absolute, in mV, ms and gate units) for compilers that fuse multiply–adds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import compare, reference

from tutor.sim import Pulse, load_preset, run_batch, simulate
from tutor.sim import kernel as K
from tutor.sim.reduce import resting_state

ROUND_OFF = 1e-9

needs_compiled = pytest.mark.skipif(
    K.compiled_path() is None, reason="the compiled kernel is not installed here"
)


def _on(name: str, monkeypatch: pytest.MonkeyPatch, fn):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TUTOR_KERNEL", name)
    K.reset()
    resting_state.cache_clear()
    try:
        assert K.backend_name() == name
        return fn()
    finally:
        monkeypatch.delenv("TUTOR_KERNEL")
        K.reset()
        resting_state.cache_clear()


@needs_compiled
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    preset=st.sampled_from(["squid", "textbook"]),
    celsius=st.sampled_from([None, 6.3, 18.5, 30.0]),
    pulses=st.lists(
        st.tuples(st.floats(0.0, 30.0), st.floats(0.05, 20.0), st.floats(-30.0, 80.0)),
        min_size=0,
        max_size=3,
    ),
    integrator=st.sampled_from(["dp5", "expeuler"]),
)
def test_traces_agree(
    monkeypatch: pytest.MonkeyPatch,
    preset: str,
    celsius: float | None,
    pulses: list[tuple[float, float, float]],
    integrator: str,
) -> None:
    p = load_preset(preset)
    if celsius is not None:
        p = p.with_overrides({"celsius": celsius})
    stims = [Pulse(delay_ms=d, width_ms=w, amp_uA_cm2=a) for d, w, a in pulses]

    def run():  # type: ignore[no-untyped-def]
        return simulate(p, stims, tstop_ms=60.0, integrator=integrator)

    c, py = _on("compiled", monkeypatch, run), _on("python", monkeypatch, run)
    assert c.n_steps == py.n_steps
    for name in ("v_mV", "m", "h", "n"):
        np.testing.assert_allclose(getattr(py, name), getattr(c, name), rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(py.spikes_ms, c.spikes_ms, rtol=0, atol=ROUND_OFF)
    assert abs(py.peak_mV - c.peak_mV) <= ROUND_OFF and abs(py.peak_ms - c.peak_ms) <= ROUND_OFF


@needs_compiled
def test_batches_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 40-cell f–I batch (the numpy kernel's vector path) gives the compiled kernel's spikes."""
    p = load_preset("squid")
    amps = np.linspace(0.0, 120.0, 40)
    pieces = [[(10.0, 210.0, float(a), float(a))] for a in amps]

    def run():  # type: ignore[no-untyped-def]
        return run_batch(p, pieces, resting_state(p).as_array(), 210.0, max_spikes=200)

    c, py = _on("compiled", monkeypatch, run), _on("python", monkeypatch, run)
    np.testing.assert_array_equal(py.spike_counts, c.spike_counts)
    assert py.spike_counts.max() > 10  # the batch really fires trains
    for a, b in zip(py.spikes_ms, c.spikes_ms, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=ROUND_OFF)
    np.testing.assert_allclose(py.n_steps, c.n_steps, rtol=0, atol=0)


HIDE_EXTENSION = (
    "import sys, tutor.sim.kernel as k; k.compiled_path = lambda: None; "
    "from tutor.cli import main; sys.exit(main(sys.argv[1:]))"
)


def _tutor_without_extension(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`tutor ARGS` in a process that sees no compiled kernel (as on a machine without cc)."""
    environ = {k: v for k, v in os.environ.items() if k != "TUTOR_KERNEL"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", HIDE_EXTENSION, *args],
        capture_output=True, text=True, env=environ, timeout=120,
    )  # fmt: skip


def test_fallback_is_automatic_announced_once_and_accurate() -> None:
    """No extension: the numpy kernel runs, one note on stderr, NEURON's numbers."""
    out = _tutor_without_extension(
        "simulate", "--preset", "squid", "--pulse", "5,1,20", "--tstop", "50", "--json"
    )
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "numpy kernel" in lines[0] and "Traceback" not in out.stderr
    data = json.loads(out.stdout)
    ref = reference.load()["traces"]["pulse_1ms_20"]
    assert abs(data["peak_mV"] - ref["peak_mV"]) <= compare.PEAK_MV
    assert len(data["spikes_ms"]) == len(ref["spikes_ms"]) == 1
    assert abs(data["spikes_ms"][0] - ref["spikes_ms"][0]) <= compare.SPIKE_MS


def test_asking_for_a_missing_compiled_kernel_is_one_line_exit_1() -> None:
    out = _tutor_without_extension("simulate", "--preset", "squid", TUTOR_KERNEL="compiled")
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "TUTOR_KERNEL=compiled" in lines[0], out.stderr


def test_explicit_python_kernel_is_quiet() -> None:
    """Asked for by name, the numpy kernel needs no announcement."""
    out = _tutor_without_extension("simulate", "--preset", "squid", TUTOR_KERNEL="python")
    assert out.returncode == 0 and out.stderr == ""


def test_fallback_note_never_joins_an_error() -> None:
    """An error after the kernel was chosen is still the only line on stderr (the note
    waits for a success), while a success still carries the note once."""
    out = _tutor_without_extension("propagate", "--nseg", "2000000000", "--length", "1000")
    assert out.returncode == 2, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "error" in lines[0] and "note" not in lines[0], out.stderr
    ok = _tutor_without_extension("simulate", "--preset", "squid", "--tstop", "5", "--json")
    assert ok.returncode == 0 and ok.stderr.count("numpy kernel") == 1, ok.stderr
