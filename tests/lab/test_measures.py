"""Spike-shape and train measures: exact on traces whose answer is known, sensible on the model."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.lab.experiments import measure
from tutor.lab.measures import max_dvdt, spike_width_ms, train_measures


def test_width_of_a_triangular_spike_is_exact() -> None:
    # rest -60, linear rise to +40 at t = 10 over 2 ms, linear fall back over 4 ms:
    # the half level (-10 mV) is crossed at 9 ms and 12 ms -> width 3 ms
    t = np.arange(0.0, 20.0, 0.01)
    v = np.full_like(t, -60.0)
    rise = (t >= 8) & (t <= 10)
    fall = (t > 10) & (t <= 14)
    v[rise] = -60 + 50 * (t[rise] - 8)
    v[fall] = 40 - 25 * (t[fall] - 10)
    spike_t = 8 + 60 / 50  # 0 mV up-crossing
    assert spike_width_ms(t, v, spike_t, -60.0) == pytest.approx(3.0, abs=1e-9)
    assert max_dvdt(np.gradient(v, t)) == pytest.approx(50.0, rel=1e-6)


def test_width_is_none_when_the_trace_ends_on_the_spike() -> None:
    t = np.linspace(0, 10, 1001)
    v = np.where(t < 5, -65.0, 30.0)
    assert spike_width_ms(t, v, 5.0, -65.0) is None


def test_train_intervals() -> None:
    got = train_measures([10.0, 20.0, 32.0, 46.0])
    assert got == {"isi_ms": pytest.approx(12.0), "first_isi_ms": 10.0, "last_isi_ms": 14.0}
    assert train_measures([5.0]) == {"isi_ms": None, "first_isi_ms": None, "last_isi_ms": None}


def test_warming_narrows_the_squid_spike_and_speeds_its_upstroke() -> None:
    """Q10 = 3 speeds every gate: the spike at 18.5 °C is briefer than at 6.3 °C."""
    cold = {"preset": "squid", "pulses": [[5, 1, 20]]}
    warm = {**cold, "celsius": 18.5}
    w_cold, w_warm = measure(cold, "width_ms"), measure(warm, "width_ms")
    assert w_cold is not None and w_warm is not None
    assert 1.0 < w_cold < 2.5 and w_warm < 0.6 * w_cold
    # the half-amplitude window lies inside the spike: between threshold and the AHP minimum
    assert w_cold < measure(cold, "ahp_ms") - measure(cold, "first_spike_ms")  # type: ignore[operator]


def test_isi_of_a_sustained_train_matches_its_rate() -> None:
    run = {"preset": "squid", "hold": 10.0, "tstop": 400.0}
    isi, rate = measure(run, "isi_ms"), measure(run, "rate_hz")
    assert isi is not None and rate is not None and rate > 0
    # regular firing: the mean interval and 1000/rate agree to within 3 %
    assert isi == pytest.approx(1000.0 / rate, rel=0.03)


def test_simulate_json_reports_the_same_shape_and_train_measures() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    cmd = [sys.executable, "-m", "tutor", "simulate", "--preset", "squid", "--hold", "10"]
    cmd += ["--tstop", "300", "--json"]
    out = subprocess.run(
        cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=300
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    run = {"preset": "squid", "hold": 10.0, "tstop": 300.0}
    for key in ("width_ms", "max_dvdt_mV_ms", "isi_ms", "first_isi_ms", "last_isi_ms"):
        assert doc[key] == pytest.approx(measure(run, key), rel=1e-9), key
    spikes = doc["spikes_ms"]
    assert doc["isi_ms"] == pytest.approx((spikes[-1] - spikes[0]) / (len(spikes) - 1))
