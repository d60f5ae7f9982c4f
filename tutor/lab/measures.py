"""Measures of spike shape and spike trains, read off one simulated trace.

These are what a student can predict and then check: how wide a spike is, how
fast its upstroke is, how far apart the spikes of a train are. They are pure
functions of sampled arrays (no engine import), so the content checks, the
predict questions and the tests all use the same definitions:

- width at half amplitude (`width_ms`): amplitude is measured from the
  resting potential the run started from to the first spike's peak; the width
  is the time between the upward and the downward crossings of the half-way
  voltage around that peak, each linearly interpolated between samples;
- peak rate of rise (`max_dvdt_mV_ms`): the largest dV/dt of the run, in
  mV/ms (in a spiking run, the steepest point of an upstroke);
- inter-spike intervals (`isi_ms`, `first_isi_ms`, `last_isi_ms`): the mean,
  first and last interval between successive spikes (ms); None with fewer
  than two spikes. `last / first` above 1 is adaptation.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

Samples = Sequence[float] | np.ndarray
"""Sampled values: a list or a 1-D numpy array."""


def _crossing(t: np.ndarray, v: np.ndarray, i: int, level: float) -> float:
    """Time where the segment i → i+1 crosses `level` (linear interpolation)."""
    v0, v1 = float(v[i]), float(v[i + 1])
    if v1 == v0:
        return float(t[i])
    return float(t[i] + (t[i + 1] - t[i]) * (level - v0) / (v1 - v0))


def spike_width_ms(t_ms: Samples, v_mV: Samples, spike_ms: float, rest_mV: float) -> float | None:
    """Width (ms) at half amplitude of the spike whose 0 mV up-crossing is at `spike_ms`.

    The spike's peak is the highest sample between the up-crossing and the next time V
    falls back through the half-way level; None if the trace ends before it does.
    """
    t = np.asarray(t_ms, dtype=float)
    v = np.asarray(v_mV, dtype=float)
    k = int(np.searchsorted(t, spike_ms))  # first sample at or after the crossing
    if k >= len(t):
        return None
    # the peak: follow the trace up to where it turns down and falls below 0 mV again
    below = np.nonzero(v[k:] < 0.0)[0]
    end = k + int(below[0]) if len(below) else len(v)
    if end <= k:
        return None
    peak_i = k + int(np.argmax(v[k:end]))
    half = 0.5 * (rest_mV + float(v[peak_i]))
    up = np.nonzero((v[:peak_i] < half) & (v[1 : peak_i + 1] >= half))[0]
    down = np.nonzero((v[peak_i:-1] >= half) & (v[peak_i + 1 :] < half))[0]
    if not len(up) or not len(down):
        return None
    t_up = _crossing(t, v, int(up[-1]), half)
    t_down = _crossing(t, v, peak_i + int(down[0]), half)
    return t_down - t_up


def max_dvdt(dvdt: Samples) -> float:
    """The largest rate of rise of the run (mV/ms)."""
    return float(np.max(np.asarray(dvdt, dtype=float)))


def intervals_ms(spikes_ms: Samples) -> list[float]:
    """Inter-spike intervals (ms) of successive spikes."""
    s = [float(x) for x in spikes_ms]
    return [b - a for a, b in itertools.pairwise(s)]


def train_measures(spikes_ms: Samples) -> dict[str, float | None]:
    """`isi_ms` (mean), `first_isi_ms`, `last_isi_ms`; None with fewer than two spikes."""
    isis = intervals_ms(spikes_ms)
    if not isis:
        return {"isi_ms": None, "first_isi_ms": None, "last_isi_ms": None}
    return {
        "isi_ms": float(sum(isis) / len(isis)),
        "first_isi_ms": isis[0],
        "last_isi_ms": isis[-1],
    }
