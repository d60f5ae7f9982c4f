"""Property tests of the phase machine over random pulse trains near threshold (issue 4).

Random 1–4 pulses of 1 ms, amplitudes 0.8–1.2 × the 1 ms threshold, random
onset-to-onset intervals, on the squid and textbook presets. Invariants:

- the stream is time-ordered, and its spikes are the trace's upward 0-mV crossings;
- every spike is preceded by exactly one threshold event since the previous spike (or
  the previous `threshold_failed`, which closes its own threshold);
- every threshold is closed by a spike or `threshold_failed` before the next threshold;
- phases never skip (only the transitions in ALLOWED), repolarization only after a peak;
- labels do not depend on how the run is chopped into chunks (probes off and on).

Units: mV, ms, µA/cm².
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.lab.annotate import annotate
from tutor.lab.experiments import membranes, pulse_thresholds
from tutor.sim import Pulse, SimResult, load_preset, simulate

#: Phase → phases it may go to next. The machine starts in `resting`.
ALLOWED: dict[str, set[str]] = {
    "resting": {"subthreshold", "threshold"},
    "subthreshold": {"resting", "threshold"},
    "threshold": {"depolarization"},
    "depolarization": {"repolarization", "subthreshold"},  # the latter only on threshold_failed
    # subthreshold at an AHP above rest; threshold when a stimulus carries V back over 0 mV
    "repolarization": {"hyperpolarization", "subthreshold", "threshold"},
    "hyperpolarization": {"resting", "subthreshold", "threshold"},
}
PULSE_WIDTH_MS = 1.0
#: Time after the last pulse's end the run goes on for (ms): the spike window of docs/design.md.
TAIL_MS = 40.0

FAST = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
SLOW = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@cache
def threshold_1ms(preset: str) -> float:
    """Threshold (µA/cm²) of a 1 ms pulse at 5 ms (tutor.lab.experiments)."""
    return float(pulse_thresholds(membranes(preset), [PULSE_WIDTH_MS], 5.0)[0])


@dataclass(frozen=True)
class Protocol:
    """A drawn protocol: preset, pulse onsets (ms) and amplitudes (× threshold)."""

    preset: str
    onsets_ms: tuple[float, ...]
    factors: tuple[float, ...]

    def run(self) -> SimResult:
        """Simulate it from rest."""
        thr = threshold_1ms(self.preset)
        stims = [
            Pulse(delay_ms=t, width_ms=PULSE_WIDTH_MS, amp_uA_cm2=f * thr)
            for t, f in zip(self.onsets_ms, self.factors, strict=True)
        ]
        tstop = self.onsets_ms[-1] + PULSE_WIDTH_MS + TAIL_MS
        return simulate(load_preset(self.preset), stims, tstop_ms=tstop)


@st.composite
def protocols(draw: st.DrawFn, presets: tuple[str, ...] = ("squid", "textbook")) -> Protocol:
    """1–4 pulses, amplitudes in [0.8, 1.2] × threshold, intervals 1–30 ms."""
    preset = draw(st.sampled_from(presets))
    n = draw(st.integers(1, 4))
    first = draw(st.floats(1.0, 10.0))
    gaps = draw(st.lists(st.floats(1.0, 30.0), min_size=n - 1, max_size=n - 1))
    onsets = [round(first, 3)]
    for g in gaps:
        onsets.append(round(onsets[-1] + g, 3))
    factors = draw(st.lists(st.floats(0.8, 1.2), min_size=n, max_size=n))
    return Protocol(preset, tuple(onsets), tuple(factors))


def label(e: dict) -> str:
    """The phase entered, or the kind of an instant."""
    return e["phase"] if e["kind"] in ("phase", "excitability") else e["kind"]


def zero_crossings(res: SimResult) -> np.ndarray:
    """Spikes of the sampled trace: upward 0-mV crossings, linearly interpolated, at
    which the Na⁺ current (gates interpolated too) is inward and larger than the leak."""
    v, t, p = res.v_mV, res.t_ms, res.params
    k = np.nonzero((v[:-1] < 0.0) & (v[1:] >= 0.0))[0]
    th = (0.0 - v[k]) / (v[k + 1] - v[k])
    m = res.m[k] + th * (res.m[k + 1] - res.m[k])
    h = res.h[k] + th * (res.h[k + 1] - res.h[k])
    ina = p.gna * m**3 * h * (0.0 - p.ena)
    keep = (ina < 0) & (-ina > abs(p.gl * (0.0 - p.el)))
    return (t[k] + (t[k + 1] - t[k]) * th)[keep]


def check_stream(res: SimResult, events: list[dict]) -> None:
    """Every invariant of the module docstring that one stream must satisfy."""
    names = [label(e) for e in events]
    times = [e["t_ms"] for e in events]
    assert times == sorted(times), names

    spikes = [e["t_ms"] for e in events if e["kind"] == "spike"]
    crossings = zero_crossings(res)
    assert len(spikes) == len(crossings), (spikes, crossings.tolist(), names)
    assert np.allclose(spikes, crossings, atol=1e-5), (spikes, crossings.tolist())

    # spikes and thresholds
    n_thr_since_spike = 0
    open_threshold = False
    for e in events:
        kind = e["kind"]
        if kind == "threshold":
            assert not open_threshold, f"threshold at {e['t_ms']} while one is still open: {names}"
            open_threshold = True
            n_thr_since_spike += 1
        elif kind == "spike":
            assert n_thr_since_spike == 1, f"spike at {e['t_ms']}: {n_thr_since_spike} thresholds"
            assert open_threshold, f"spike at {e['t_ms']} closes no threshold: {names}"
            open_threshold = False
            n_thr_since_spike = 0
        elif kind == "threshold_failed":
            assert open_threshold, f"threshold_failed at {e['t_ms']} with none open: {names}"
            open_threshold = False
            n_thr_since_spike = 0  # a failed threshold is closed: the next spike needs its own
    assert not open_threshold, f"a threshold is never closed: {names}"

    # every transition names the state it leaves
    last = {"phase": "resting", "excitability": "excitable"}
    for e in events:
        if e["kind"] in last:
            assert e["from"] == last[e["kind"]] != e["phase"], (e, names)
            last[e["kind"]] = e["phase"]

    # phases never skip
    phase = "resting"
    since_phase: list[str] = []  # instants since the last phase event
    for e in events:
        kind = e["kind"]
        if kind == "phase":
            new = e["phase"]
            assert new in ALLOWED[phase], f"{phase} → {new} at {e['t_ms']}: {names}"
            if new == "repolarization":
                assert "peak" in since_phase, f"repolarization without a peak at {e['t_ms']}"
            if phase == "depolarization" and new == "subthreshold":
                assert "threshold_failed" in since_phase, names
            if new == "depolarization":
                assert phase == "threshold" and since_phase == ["threshold"], names
            phase, since_phase = new, []
        elif kind != "excitability":
            since_phase.append(kind)
            if kind == "peak":
                assert phase == "depolarization", f"peak in {phase}: {names}"
            if kind == "ahp_min":
                assert phase in ("repolarization", "hyperpolarization"), names
            if kind in ("spike", "threshold_failed"):
                assert phase == "depolarization", f"{kind} in {phase}: {names}"


@FAST
@given(protocols())
def test_spikes_thresholds_and_phase_order(proto: Protocol) -> None:
    """The voltage invariants, probes off."""
    res = proto.run()
    check_stream(res, annotate(res, probes=False))


@FAST
@given(protocols(), st.floats(0.025, 25.0))
def test_labels_do_not_depend_on_chunking(proto: Protocol, chunk_ms: float) -> None:
    """The same events whether the run is fed whole or in chunks (probes off)."""
    res = proto.run()
    whole = annotate(res, probes=False)
    assert annotate(res, probes=False, chunk_ms=chunk_ms) == whole


@SLOW
@given(protocols(), st.sampled_from([0.025, 0.1, 0.7, 3.3, 16.0]))
def test_chunking_with_probes(proto: Protocol, chunk_ms: float) -> None:
    """With excitability probes on: same stream whole or chunked, the invariants hold,
    and each spike happens while the band says absolutely refractory."""
    res = proto.run()
    whole = annotate(res, probes=True)
    assert annotate(res, probes=True, chunk_ms=chunk_ms) == whole
    check_stream(res, whole)
    state = "excitable"
    for e in whole:
        if e["kind"] == "excitability":
            state = e["phase"]
        elif e["kind"] == "spike":
            assert state == "absolute_refractory", (e, [label(x) for x in whole])
