"""The phase state machine against issue 4's "What it must show" (squid preset, NEURON, CLI).

Units everywhere: mV, ms, µA/cm², °C. NEURON (dev dependency) is the oracle
for the timing of `peak` and `ahp_min`; `tutor sweep refractory` is the oracle
for the refractory band.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
from itertools import pairwise

import numpy as np
import pytest
from optional import require

from tutor.lab.annotate import annotate
from tutor.lab.events import timeline
from tutor.lab.experiments import TEST_WIDTH_MS, membranes, pulse_thresholds
from tutor.lab.names import EVENT_KINDS, EXCITABILITY_STATES, PHASES
from tutor.sim import Pulse, SimResult, Train, load_preset, resting_state, run_batch, simulate
from tutor.sim.params import MembraneParams

#: Conditioning pulse of the paired-pulse protocol (docs/design.md): onset ms, width ms, µA/cm².
COND = (5.0, 1.0, 20.0)
#: Tolerances of issue 4 (ms).
PEAK_TOL_MS = 0.03
AHP_TOL_MS = 0.1
BAND_TOL_MS = 0.25
#: ISIs for `tutor sweep refractory`: 0.05 ms apart up to 45 ms.
FINE_ISIS = [round(0.05 * k, 2) for k in range(1, 901)]


# --------------------------------------------------------------------------- helpers
def run(
    preset: str = "squid",
    pulses: Sequence[tuple[float, float, float]] = (COND,),
    tstop_ms: float = 50.0,
    celsius: float | None = None,
) -> SimResult:
    """Simulate `pulses` (onset ms, width ms, µA/cm²) from rest."""
    m = membranes(preset, celsius=celsius)
    stims = [Pulse(delay_ms=d, width_ms=w, amp_uA_cm2=a) for d, w, a in pulses]
    return simulate(m.run, stims, tstop_ms=tstop_ms, base=m.base)


def label(e: dict) -> str:
    """The name an event stands for: the phase entered, else its kind."""
    return e["phase"] if e["kind"] in ("phase", "excitability") else e["kind"]


def voltage_labels(events: list[dict]) -> list[str]:
    """Labels of every event except the excitability band, in stream order."""
    return [label(e) for e in events if e["kind"] != "excitability"]


def excitability_labels(events: list[dict]) -> list[str]:
    """The states the excitability band entered, in stream order."""
    return [e["phase"] for e in events if e["kind"] == "excitability"]


def first(events: list[dict], name: str, after: float = -math.inf) -> dict:
    """The first event labelled `name` at or after `after` (ms)."""
    for e in events:
        if label(e) == name and e["t_ms"] >= after:
            return e
    raise AssertionError(f"no '{name}' event after {after} ms in {[label(e) for e in events]}")


def is_subsequence(sub: Sequence[str], seq: Sequence[str]) -> bool:
    """True if `sub` appears in `seq` in order (not necessarily contiguously)."""
    it = iter(seq)
    return all(x in it for x in sub)


def assert_time_ordered(events: list[dict]) -> None:
    """The stream is sorted by t_ms."""
    times = [e["t_ms"] for e in events]
    assert times == sorted(times), f"events out of time order: {times}"


@cache
def squid_events() -> tuple[SimResult, list[dict]]:
    """The reference run: squid, one 20 µA/cm² 1 ms pulse at 5 ms, probes on."""
    res = run("squid", [COND], tstop_ms=50.0)
    return res, annotate(res)


# --------------------------------------------------------------------------- NEURON oracle
def neuron_trace(
    pulses: Sequence[tuple[float, float, float]], tstop_ms: float, celsius: float = 6.3
) -> tuple[np.ndarray, np.ndarray]:
    """NEURON's V(t) (ms, mV) for the squid preset, sampled every 0.001 ms.

    One section, nseg = 1, `hh` with its tables off (usetable_hh = 0), CVODE
    with atol 1e-8; IClamp amplitudes scaled by the segment area so they are
    µA/cm²; initialised at the project's own computed rest, so both programs
    start from the same state.
    """
    require("neuron", "oracle", "NEURON's trace of the same pulse")
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
    from neuron import h

    p = load_preset("squid").at_temperature(celsius)
    h.load_file("stdrun.hoc")
    sec = h.Section(name="phases_oracle")
    sec.nseg = 1
    sec.L = 10.0
    sec.diam = 10.0 / math.pi  # area 100 µm²
    sec.cm = p.cm
    sec.insert("hh")
    seg = sec(0.5)
    seg.hh.gnabar = p.gna * 1e-3  # mS/cm² -> S/cm²
    seg.hh.gkbar = p.gk * 1e-3
    seg.hh.gl = p.gl * 1e-3
    seg.hh.el = p.el
    seg.ena = p.ena
    seg.ek = p.ek
    h.usetable_hh = 0
    h.celsius = celsius
    na_per_uA_cm2 = seg.area() * 1e-5  # µm² · 1e-8 cm²/µm² · 1e3 nA/µA
    clamps = []
    for delay, width, amp in pulses:
        ic = h.IClamp(seg)
        ic.delay, ic.dur, ic.amp = delay, width, amp * na_per_uA_cm2
        clamps.append(ic)
    cvode = h.CVode()
    cvode.active(1)
    cvode.atol(1e-8)
    tvec, vvec = h.Vector(), h.Vector()
    tvec.record(h._ref_t, 0.001)
    vvec.record(seg._ref_v, 0.001)
    h.finitialize(resting_state(p).v_mV)
    h.continuerun(tstop_ms)
    t, v = np.array(tvec), np.array(vvec)
    del clamps, seg
    h.delete_section(sec=sec)
    return t, v


# --------------------------------------------------------------------------- order
def test_squid_voltage_events_come_in_physiological_order() -> None:
    """stimulus_on, subthreshold, threshold, depolarization, spike, peak,
    repolarization, hyperpolarization, ahp_min, resting — and nothing else."""
    _, events = squid_events()
    assert_time_ordered(events)
    expected = [
        "stimulus_on", "subthreshold", "threshold", "depolarization", "spike", "peak",
        "repolarization", "hyperpolarization", "ahp_min", "resting",
    ]  # fmt: skip
    seq = voltage_labels(events)
    assert is_subsequence(expected, seq), seq
    # nothing unexpected in between: the only other voltage events are the threshold
    # instant (beside the threshold phase) and the end of the stimulus
    phases = [e["phase"] for e in events if e["kind"] == "phase"]
    assert phases == [
        "subthreshold", "threshold", "depolarization", "repolarization", "hyperpolarization",
        "resting",
    ]  # fmt: skip
    instants = [e["kind"] for e in events if e["kind"] not in ("phase", "excitability")]
    assert instants == ["stimulus_on", "threshold", "stimulus_off", "spike", "peak", "ahp_min"]
    without_off = [x for x in seq if x != "stimulus_off"]
    assert without_off == [
        "stimulus_on", "subthreshold", "threshold", "threshold", "depolarization", "spike",
        "peak", "repolarization", "hyperpolarization", "ahp_min", "resting",
    ]  # fmt: skip
    assert first(events, "stimulus_off")["t_ms"] == pytest.approx(6.0)


def test_squid_excitability_goes_absolute_relative_excitable() -> None:
    """The band: absolute → relative → excitable, exactly, around the one spike."""
    _, events = squid_events()
    assert excitability_labels(events) == [
        "absolute_refractory", "relative_refractory", "excitable",
    ]  # fmt: skip
    spike = first(events, "spike")["t_ms"]
    absolute = first(events, "absolute_refractory")["t_ms"]
    relative = first(events, "relative_refractory")["t_ms"]
    assert absolute <= spike < relative


def test_event_names_are_known_and_carry_their_fields() -> None:
    """Every event has t_ms, kind, v_mV; phase/excitability events name a known state."""
    _, events = squid_events()
    for e in events:
        assert e["kind"] in EVENT_KINDS
        assert isinstance(e["t_ms"], float) and isinstance(e["v_mV"], float)
        if e["kind"] == "phase":
            assert e["phase"] in PHASES
            assert e.get("why"), e
        elif e["kind"] == "excitability":
            assert e["phase"] in EXCITABILITY_STATES
            assert e.get("why"), e
        else:
            assert "phase" not in e


def test_repolarization_why_names_the_currents_and_gates() -> None:
    """At repolarization the why reads the model: h falling, n rising, I_K vs I_Na."""
    _, events = squid_events()
    why = first(events, "repolarization")["why"]
    assert "h = " in why and why.split("h = ")[1].split(" and")[0].endswith("falling")
    assert "n = " in why and why.split("n = ")[1].split(":")[0].endswith("rising")
    assert "I_K" in why and "I_Na" in why


def test_peak_and_ahp_min_times_match_neuron() -> None:
    """`peak` within 0.03 ms and `ahp_min` within 0.1 ms of NEURON's (CVODE, atol 1e-8)."""
    _, events = squid_events()
    t, v = neuron_trace([COND], tstop_ms=30.0)
    k_peak = int(np.argmax(v))
    k_ahp = k_peak + int(np.argmin(v[k_peak:]))
    peak, ahp = first(events, "peak"), first(events, "ahp_min")
    assert peak["t_ms"] == pytest.approx(t[k_peak], abs=PEAK_TOL_MS)
    assert ahp["t_ms"] == pytest.approx(t[k_ahp], abs=AHP_TOL_MS)
    # the values too, loosely: they are the same extrema
    assert peak["v_mV"] == pytest.approx(v[k_peak], abs=0.05)
    assert ahp["v_mV"] == pytest.approx(v[k_ahp], abs=0.05)


def test_subthreshold_pulse_gives_no_threshold_no_spike() -> None:
    """5 µA/cm² for 1 ms (below the ≈6.9 µA/cm² threshold): only subthreshold."""
    res = run("squid", [(5.0, 1.0, 5.0)], tstop_ms=50.0)
    events = annotate(res)
    assert_time_ordered(events)
    names = voltage_labels(events)
    for absent in ("threshold", "threshold_failed", "depolarization", "repolarization",
                   "spike", "peak"):  # fmt: skip
        assert absent not in names, (absent, names)
    assert "subthreshold" in names
    assert len(res.spikes_ms) == 0


# --------------------------------------------------------------------------- refractory band
def sweep_refractory(preset: str, celsius: float | None) -> dict:
    """`tutor sweep refractory --json` over FINE_ISIS, in a subprocess."""
    cmd = [sys.executable, "-m", "tutor", "sweep", "refractory", "--preset", preset,
           "--isis", ",".join(f"{x:g}" for x in FINE_ISIS), "--json"]  # fmt: skip
    if celsius is not None:
        cmd += ["--celsius", str(celsius)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("preset", "celsius"), [("squid", 6.3), ("squid", 18.5), ("textbook", None)]
)
def test_single_pulse_band_agrees_with_sweep_refractory(preset: str, celsius: float | None) -> None:
    """Both ends of the band within 0.25 ms of `tutor sweep refractory`'s periods."""
    sweep = sweep_refractory(preset, celsius)
    assert sweep["absolute_ms"] is not None and sweep["relative_ms"] is not None
    res = run(preset, [COND], tstop_ms=COND[0] + sweep["relative_ms"] + 20.0, celsius=celsius)
    events = annotate(res)
    assert_time_ordered(events)
    spike = first(events, "spike")["t_ms"]
    assert first(events, "absolute_refractory")["t_ms"] <= spike
    to_relative = first(events, "relative_refractory", after=spike)["t_ms"]
    to_excitable = first(events, "excitable", after=to_relative)["t_ms"]
    assert to_relative - COND[0] == pytest.approx(sweep["absolute_ms"], abs=BAND_TOL_MS)
    assert to_excitable - COND[0] == pytest.approx(sweep["relative_ms"], abs=BAND_TOL_MS)


def state_at(events: list[dict], t_ms: float) -> str:
    """The excitability state in force at `t_ms` (events at exactly t_ms count)."""
    state = "excitable"
    for e in events:
        if e["kind"] == "excitability" and e["t_ms"] <= t_ms + 1e-9:
            state = e["phase"]
    return state


def paired_pulse_fires(
    p: MembraneParams, base: MembraneParams, pieces: list, t_ms: float, amp: float
) -> bool:
    """The paired-pulse question asked from t = 0: does a 1 ms test pulse of `amp` at
    `t_ms` add a spike within 40 ms of its end, given everything stimulated *before*
    `t_ms` (a stimulus still on at `t_ms` is cut there: the test pulse is asked instead
    of it, as the band's probes do)?"""
    so_far = [(a, min(b, t_ms), x, y) for a, b, x, y in pieces if a < t_ms - 1e-9]
    t_stop = t_ms + TEST_WIDTH_MS + 40.0
    res = run_batch(
        p,
        [so_far, [*so_far, (t_ms, t_ms + TEST_WIDTH_MS, amp, amp)]],
        resting_state(base).as_array(),
        t_stop,
        max_spikes=64,
    )
    return bool(res.spike_counts[1] > res.spike_counts[0])


TRAIN = {"delay_ms": 5.0, "width_ms": 1.0, "count": 10, "interval_ms": 10.0}


@pytest.mark.parametrize("amp", [20.0, 30.0, 60.0])
def test_band_is_measured_during_a_100_hz_train(amp: float) -> None:
    """100 Hz, 10 × 1 ms pulses (20 µA/cm² fails on every other pulse; 30 and 60 fire on
    each). The band follows every spike: absolute from each threshold event, and each
    later transition that no stimulus overlaps agrees (±0.25 ms) with the paired-pulse
    question asked from t = 0 at that moment. A pulse that fails is never drawn in an
    excitable band."""
    p = load_preset("squid")
    train = Train(amp_uA_cm2=amp, **TRAIN)
    res = simulate(p, [train], tstop_ms=150.0)
    events = annotate(res)
    assert_time_ordered(events)
    spikes = [e["t_ms"] for e in events if e["kind"] == "spike"]
    thresholds = [e["t_ms"] for e in events if e["kind"] == "threshold"]
    assert len(spikes) >= 3, spikes
    assert (len(spikes) < TRAIN["count"]) == (amp == 20.0), spikes  # 20: some pulses fail
    # absolute refractoriness begins exactly at each threshold event, never before it
    trans = [e for e in events if e["kind"] == "excitability"]
    for t_thr in thresholds:
        assert any(e["t_ms"] == t_thr and e["phase"] == "absolute_refractory" for e in trans)
        assert state_at(events, t_thr - 1e-6) != "absolute_refractory", t_thr
    bounds = [*spikes[1:], math.inf]
    for s, nxt in zip(spikes, bounds, strict=True):
        assert state_at(events, s) == "absolute_refractory", (s, events)
        after = [e for e in trans if s < e["t_ms"] < nxt]
        assert after, f"no excitability change between the spikes at {s} and {nxt} ms"
    # failed pulses: the band is refractory (never excitable) all through them
    pieces = train.pieces()
    fired_by = {min((t for t in thresholds if on <= t < off + 2.0), default=None) for on, off, _, _
                in pieces}  # fmt: skip
    failed = [(on, off) for on, off, _, _ in pieces
              if not any(on <= t < off + 2.0 for t in thresholds)]  # fmt: skip
    assert (len(failed) > 0) == (amp == 20.0), (failed, fired_by)
    for on, off in failed:
        for t in np.arange(on, off, 0.025):
            assert state_at(events, float(t)) in ("absolute_refractory", "relative_refractory")
    thr = float(pulse_thresholds(membranes(p), [TEST_WIDTH_MS], 5.0)[0])

    def classify(t_ms: float) -> str:
        if not paired_pulse_fires(p, p, pieces, t_ms, 400.0):
            return "absolute_refractory"
        if not paired_pulse_fires(p, p, pieces, t_ms, 1.05 * thr):
            return "relative_refractory"
        return "excitable"

    def stimulus_near(t0: float, t1: float) -> bool:
        return any(on < t1 and off > t0 for on, off, _, _ in pieces)

    times = [-math.inf, *(e["t_ms"] for e in trans), math.inf]
    checked = 0
    for k, e in enumerate(trans):
        t = e["t_ms"]
        before, after = t - BAND_TOL_MS, t + BAND_TOL_MS
        if t in thresholds or stimulus_near(before, after):
            continue
        if times[k] < before and after < times[k + 2]:  # no other change within ±0.25 ms
            assert classify(before) == state_at(events, before), (before, e)
            assert classify(after) == e["phase"], (after, e)
            checked += 1
    assert checked >= len(spikes), (checked, len(spikes))


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_band_between_spikes_of_a_sustained_step_is_not_all_absolute(preset: str) -> None:
    """A 100 ms, 10 µA/cm² step fires repetitively. Late in each interspike interval a
    400 µA/cm² test pulse fires an extra spike at once (checked below from the model),
    so the band must leave absolute_refractory between consecutive spikes.

    The probes ask their test pulse instead of the step (the membrane's own state), so
    the literal paired-pulse count sees it, also at the textbook cell's ~215 Hz.
    """
    p = load_preset(preset)
    step = [(5.0, 105.0, 10.0, 10.0)]
    res = simulate(p, [Pulse(delay_ms=5.0, width_ms=100.0, amp_uA_cm2=10.0)], tstop_ms=130.0)
    events = annotate(res)
    spikes = [float(x) for x in res.spikes_ms]
    assert len(spikes) >= 4, spikes
    rest = resting_state(p).as_array()
    stuck = []
    for s0, s1 in pairwise(spikes[1:]):
        t = s0 + 0.75 * (s1 - s0)
        # the model: a 400 µA/cm² test pulse at t fires well before the step's next spike
        r = run_batch(p, [step, [*step, (t, t + TEST_WIDTH_MS, 400.0, 400.0)]], rest, t + 5.0)
        with_test = [x for x in r.spikes_ms[1] if x > t]
        assert with_test and with_test[0] < s1 - 0.5, (t, with_test, s1)
        if state_at(events, t) == "absolute_refractory":
            stuck.append(round(t, 3))
    assert not stuck, f"band says absolute_refractory at {stuck} ms, yet a test pulse fires"


# --------------------------------------------------------------------------- CLI
def tutor_cli(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m tutor ARGS`."""
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=120
    )


def test_simulate_json_carries_the_event_stream() -> None:
    """`simulate --json`: events with t_ms, kind, v_mV (+ phase) in time order."""
    out = tutor_cli("simulate", "--preset", "squid", "--pulse", "5,1,20", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    events = data["events"]
    assert events
    for e in events:
        assert {"t_ms", "kind", "v_mV"} <= set(e)
        assert e["kind"] in EVENT_KINDS
        if e["kind"] in ("phase", "excitability"):
            assert "phase" in e
    assert_time_ordered(events)
    kinds = {e["kind"] for e in events}
    assert {"phase", "excitability", "threshold", "spike", "peak", "ahp_min"} <= kinds
    _, ours = squid_events()
    assert events == json.loads(json.dumps(ours))  # the CLI prints the machine's stream


def test_simulate_timeline_prints_a_table() -> None:
    """`simulate --timeline`: a header, then one row per event with time, name, V."""
    out = tutor_cli("simulate", "--preset", "squid", "--pulse", "5,1,20", "--timeline")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = lines[0]
    assert "t (ms)" in header and "V (mV)" in header and "why" in header
    _, events = squid_events()
    rows = lines[1:]
    shown = timeline(events)
    assert len(rows) == len(shown)
    for row, e in zip(rows, shown, strict=True):
        cells = row.split()
        assert float(cells[0]) == pytest.approx(e["t_ms"], abs=5e-4)
        assert label(e) in cells[1]
        assert float(cells[2]) == pytest.approx(e["v_mV"], abs=5e-3)


@pytest.mark.parametrize(
    ("preset", "pulses", "blocks"),
    [
        ("squid", ["5,1,20"], []),
        ("textbook", ["5,1,20", "12,1,40"], []),  # the second pulse in the refractory period
        ("squid", ["5,0.5,6.6"], []),  # near threshold: hesitation, perhaps a failure
        ("textbook", ["5,1,20"], ["tea"]),
    ],
)
def test_timeline_has_one_row_per_moment_and_meaning(
    preset: str, pulses: list[str], blocks: list[str]
) -> None:
    """No row of `--timeline` repeats another's time and name (the threshold phase and the
    threshold instant were listed twice), and only such echoes are left out of the stream."""
    args = ["simulate", "--preset", preset, "--tstop", "40"]
    for p in pulses:
        args += ["--pulse", p]
    for b in blocks:
        args += ["--block", b]
    out = tutor_cli(*args, "--timeline")
    assert out.returncode == 0, out.stderr
    rows = [(r.split()[0], r.split()[1]) for r in out.stdout.splitlines()[1:]]
    assert len(rows) == len(set(rows)), [r for r in rows if rows.count(r) > 1]
    data = json.loads(tutor_cli(*args, "--json").stdout)
    events = data["events"]
    kept = timeline(events)
    assert len(rows) == len(kept)
    entered = {(e["t_ms"], e["phase"]) for e in events if e["kind"] == "phase"}
    for e in events:
        if e not in kept:  # dropped: an instant naming the phase entered at that very time
            assert e["kind"] not in ("phase", "excitability")
            assert (e["t_ms"], e["kind"]) in entered
    # every threshold instant is still on a row: the transition into the threshold phase
    thresholds = [e["t_ms"] for e in events if e["kind"] == "threshold"]
    assert thresholds == [e["t_ms"] for e in kept if label(e) == "threshold"]


def test_core_packages_never_import_textual() -> None:
    """tutor.sim, tutor.lab and tutor.quiz stay headless."""
    code = (
        "import importlib, pkgutil, sys\n"
        "for name in ('tutor.sim', 'tutor.lab', 'tutor.quiz'):\n"
        "    pkg = importlib.import_module(name)\n"
        "    for mod in pkgutil.walk_packages(pkg.__path__, name + '.'):\n"
        "        importlib.import_module(mod.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("preset", "celsius"), [("squid", 6.3), ("squid", 18.5), ("textbook", None)]
)
def test_band_edges_agree_with_sweep_to_one_sample(preset: str, celsius: float | None) -> None:
    """Each edge of the band after one conditioning pulse is exactly where the sweep
    changes its answer: `refractory_curve` at the ISI one sample before an edge and at
    the edge itself gives null / non-null (absolute end) and beyond / within 5 % of
    baseline (relative end)."""
    from tutor.lab.experiments import RELATIVE_WITHIN, refractory_curve

    m = membranes(preset, celsius=celsius)
    res = run(preset, [COND], tstop_ms=60.0, celsius=celsius)
    dt = float(res.t_ms[1] - res.t_ms[0])
    events = annotate(res)
    spike = first(events, "spike")["t_ms"]
    to_relative = first(events, "relative_refractory", after=spike)["t_ms"]
    to_excitable = first(events, "excitable", after=to_relative)["t_ms"]
    isis = [to_relative - COND[0] - dt, to_relative - COND[0],
            to_excitable - COND[0] - dt, to_excitable - COND[0]]  # fmt: skip
    sweep = refractory_curve(m, isis)
    thr = [p["threshold_uA_cm2"] for p in sweep["points"]]
    limit = (1.0 + RELATIVE_WITHIN) * sweep["baseline_uA_cm2"]
    assert thr[0] is None and thr[1] is not None, (isis, thr)
    assert thr[2] is not None and thr[2] > limit, (isis, thr, limit)
    assert thr[3] is not None and thr[3] <= limit, (isis, thr, limit)


# --------------------------------------------------------------------------- issue 11 musts
def excitability_per_sample(preset: str, pulses, blocks=(), tstop_ms: float = 40.0):
    """Run live-style through the machine; (trace, events, per-sample band labels)."""
    from tutor.lab.phases import PhaseMachine

    m = membranes(preset, blocks=list(blocks))
    stims = [Pulse(delay_ms=d, width_ms=w, amp_uA_cm2=a) for d, w, a in pulses]
    res = simulate(m.run, stims, tstop_ms=tstop_ms, base=m.base)
    machine = PhaseMachine(m.run, base=m.base)
    machine.feed(res, [p for s in stims for p in s.pieces()])
    labels = list(machine.excitability_labels)
    machine.flush()
    return res, machine.events, labels


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_refractoriness_begins_at_the_threshold_event(preset: str) -> None:
    """Excitable before any stimulus and through the stimulus until the threshold event;
    absolute refractory from exactly that event."""
    res, events, labels = excitability_per_sample(preset, [COND])
    thr = first(events, "threshold")["t_ms"]
    t = res.t_ms
    assert all(lab == "excitable" for lab, tt in zip(labels, t, strict=True) if tt < thr - 1e-9)
    assert labels[int(np.searchsorted(t, thr - 1e-9))] == "absolute_refractory"
    first_abs = first(events, "absolute_refractory")
    assert first_abs["t_ms"] == thr and first_abs["from"] == "excitable"


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_failed_second_pulse_3_ms_later_is_inside_a_refractory_state(preset: str) -> None:
    """Paired 20 µA/cm² pulses 3 ms apart: one spike, and the band is absolute or relative
    refractory at every sample of the second pulse."""
    res, _, labels = excitability_per_sample(preset, [COND, (8.0, 1.0, 20.0)])
    assert len(res.spikes_ms) == 1
    during = [lab for lab, tt in zip(labels, res.t_ms, strict=True) if 8.0 <= tt < 9.0]
    assert during and set(during) <= {"absolute_refractory", "relative_refractory"}, during


@pytest.mark.parametrize("preset", ["squid", "textbook"])
@pytest.mark.parametrize("amp", [20.0, 150.0])
def test_ttx_membrane_is_inexcitable_never_excitable(preset: str, amp: float) -> None:
    """With TTX: no spike, no threshold, and the band is inexcitable at every sample."""
    res, events, labels = excitability_per_sample(preset, [(5.0, 1.0, amp)], blocks=("ttx",))
    assert len(res.spikes_ms) == 0
    assert not [e for e in events if e["kind"] in ("spike", "threshold")]
    assert set(labels) == {"inexcitable"}
    assert [e["phase"] for e in events if e["kind"] == "excitability"] == ["inexcitable"]


def test_ttx_on_and_off_mid_run() -> None:
    """Blocking Na⁺ mid-run makes the band inexcitable at once; unblocking lets the probes
    find the membrane excitable again."""
    from tutor.lab.phases import PhaseMachine
    from tutor.sim import LiveSim

    p = load_preset("squid")
    live = LiveSim(p)
    machine = PhaseMachine(p, base=p)
    machine.feed(live.advance(2.0), live.pieces)
    assert machine.excitability == "excitable"
    ttx = p.with_block("ttx")
    live.set_params(ttx)
    machine.set_params(ttx)
    machine.feed(live.advance(2.0), live.pieces)
    assert machine.excitability == "inexcitable"
    live.set_params(p)
    machine.set_params(p)
    machine.feed(live.advance(5.0), live.pieces)
    assert machine.excitability == "excitable"
    machine.flush()
    states = [e["phase"] for e in machine.events if e["kind"] == "excitability"]
    # (V relaxed to the TTX rest, 0.9 mV below the normal one: recovery may pass through
    # relative refractory), but never absolute: no spike started anything
    assert states[0] == "inexcitable" and states[-1] == "excitable"
    assert "absolute_refractory" not in states
