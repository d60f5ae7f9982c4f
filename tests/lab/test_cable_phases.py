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
    run_with_phases,
)
from tutor.lab.names import EXCITABILITY_STATES, PHASES
from tutor.lab.propagation import AxonSpec, build_axon, stimulus_nA
from tutor.sim.cable import CableBatch, CurrentClamp
from tutor.sim.params import load_preset

DT_MS = 0.025
CELSIUS = 18.5
RUN_MS = 12.0


def _compiled() -> str:
    """The engine name of the tests that run the compiled cable kernel only; where it is
    not installed (no C compiler) they are skipped with that reason (a failure in CI)."""
    from optional import missing

    from tutor.sim.cable import compiled_available

    if not compiled_available():
        missing("the compiled kernel is not installed here (built without a C compiler)")
    return "compiled"


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
    return _run(_compiled())


def _run(kernel: str) -> tuple[dict, CableBatch, int]:
    """The protocol with a phase machine at the mid compartment, and alongside it a record
    of that compartment's own state at every step: V, its net ionic current (gates the
    mean of the half steps around the step) and dV/dt from its whole current balance."""
    batch = _batch(kernel)
    cable = batch.cables[0]
    mid = cable.compartment_at(0.5)
    pm = CompartmentPhaseMachine(batch, mid)
    row = cable.param_arrays()
    g = cable.g_axial_uS
    area = cable.area_cm2[mid]
    gates_prev = [batch.view(x)[mid] for x in "mhn"]
    t, v_mid, iion, dvdt = [], [], [], []
    for step in range(int(round(RUN_MS / DT_MS)) + 1):
        if step:
            batch.step(1)
        pm.observe()
        v = batch.view("v")
        now = [batch.view(x)[mid] for x in "mhn"]
        m, h, n = (0.5 * (a + b) for a, b in zip(gates_prev, now, strict=True))
        gates_prev = now
        i = (
            row["gna"][mid] * m**3 * h * (v[mid] - row["ena"][mid])
            + row["gk"][mid] * n**4 * (v[mid] - row["ek"][mid])
            + row["gl"][mid] * (v[mid] - row["el"][mid])
        )
        axial_uA = 1e-3 * (g[mid - 1] * (v[mid - 1] - v[mid]) + g[mid] * (v[mid + 1] - v[mid]))
        t.append(batch.t_ms)
        v_mid.append(v[mid])
        iion.append(i)
        dvdt.append((axial_uA / area - i) / row["cm"][mid])
    events = [*pm.events, *pm.flush()]
    arrays = {
        k: np.array(x) for k, x in (("t", t), ("v_mid", v_mid), ("iion", iion), ("dvdt", dvdt))
    }
    return {"events": events, **arrays}, batch, mid


def test_mid_axon_landmarks_are_the_compartments_own(kernel: str) -> None:
    """Threshold, spike and peak of the mid compartment are its own (measured apart)."""
    out, batch, mid = _run(kernel)
    events = out["events"]
    s = phase_summary(events)
    # the spike: the batch's own first upward crossing there (kernel reduction)
    first = batch.values("first", 0)[mid]
    assert s["spike_ms"] == pytest.approx(first, abs=1e-6)
    # the peak: the compartment's own maximum (parabola-refined by the batch)
    vpk, tpk = batch.peaks(0)
    assert s["peak_mV"] == pytest.approx(vpk[mid], abs=0.05)
    assert s["peak_ms"] == pytest.approx(tpk[mid], abs=DT_MS)
    # the threshold: the first step at which the compartment's own net ionic current is
    # inward, growing, while it is depolarised (> 1 mV) and rising — the patch's
    # definition, recomputed here from a record of the compartment's own state
    thr = s["threshold_ms"]
    assert thr is not None and thr < s["spike_ms"] < s["peak_ms"]
    k = int(round(thr / DT_MS))
    assert out["t"][k] == pytest.approx(thr, abs=1e-9)
    iion, dvdt, v = out["iion"], out["dvdt"], out["v_mid"]
    rest = batch.rest_mV[mid]
    regenerative = (iion[1:] < 0) & (dvdt[1:] > 0) & (v[1:] > rest + 1.0) & (iion[1:] < iion[:-1])
    assert int(np.argmax(regenerative)) + 1 == k
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
    batch = _batch(_compiled(), both=True)
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
    batch = _batch(_compiled())
    pm = CompartmentPhaseMachine(batch, 5, probes=False)
    assert pm.rest_mV == batch.rest_mV[5]
    pm.observe()
    assert pm.phase == "resting" and pm.excitability == "excitable"


def test_probe_threshold_fires_and_just_below_does_not() -> None:
    """From rest, the 1.05 × threshold test pulse launches a spike and a pulse just
    below threshold does not (the threshold is bisected on the cable itself)."""
    batch = _batch(_compiled())
    mid = batch.cables[0].compartment_at(0.5)
    probe = CompartmentPhaseMachine(batch, mid)._probe
    rest = CableFork.at_rest(batch)
    fired = probe.run(rest, [probe.relative_nA, 0.99 * probe.baseline_nA], with_base=False)
    assert any(fired[0]) and not any(fired[1])
    assert math.isfinite(probe.max_nA) and probe.max_nA > probe.relative_nA


# --- refractory ends measured by test stimulation at the compartment ------------------------


def _launched_spikes(
    kernel: str,
    tests: list[tuple[float, float]],
    watch: list[int],
    until_ms: float,
    rearm_mV: float,
    conditioning: bool = True,
) -> list[list[list[float]]]:
    """Run the protocol once per test (onset ms, amplitude nA at the mid compartment;
    amplitude 0 = no test) as copies of one batch stepped one step at a time for the
    whole window (no forks, no early stop), and return each copy's spikes at each watch
    point: Na⁺-carried upward 0 mV crossings (gates interpolated to the crossing), each
    needing V below `rearm_mV` since that compartment's previous one."""
    cable, stims = _axon()
    stims = stims if conditioning else []
    site = cable.compartment_at(0.5)
    copies = len(tests)
    procs = [[*stims, *([CurrentClamp(site, t, 1.0, a)] if a > 0 else [])] for t, a in tests]
    batch = CableBatch([cable] * copies, procs, DT_MS, engine=_engine(kernel))
    n = len(cable)
    flat = np.array([[j * n + w for w in watch] for j in range(copies)])
    p = cable.param_arrays()
    gna, ena, gl, el = (p[k][site] for k in ("gna", "ena", "gl", "el"))
    v, m, h = batch.view("v"), batch.view("m"), batch.view("h")
    armed = v[flat] < rearm_mV
    found: list[list[list[float]]] = [[[] for _ in watch] for _ in range(copies)]
    for _ in range(int(round(until_ms / DT_MS))):
        v0, m0, h0, t0 = v[flat].copy(), m[flat].copy(), h[flat].copy(), batch.t_ms
        batch.step(1)
        v1 = v[flat]
        armed |= v1 < rearm_mV
        up = (v0 < 0.0) & (v1 >= 0.0) & armed
        if up.any():
            th = -v0 / np.where(up, v1 - v0, 1.0)
            mm = m0 + th * (m[flat] - m0)
            hh = h0 + th * (h[flat] - h0)
            ina = gna * mm**3 * hh * (0.0 - ena)
            carried = up & (ina < 0.0) & (-ina > abs(gl * (0.0 - el)))
            for j, w in zip(*np.nonzero(carried), strict=True):
                found[j][w].append(t0 + th[j, w] * DT_MS)
            armed &= ~carried
    return found


def _fires_after(spikes: list[list[float]], base: list[list[float]], t_test: float) -> bool:
    """The paired-pulse rule: the test adds a spike within its 41 ms window (at a watch
    point: a spike launched from the position)."""

    def count(sp: list[float]) -> int:
        return sum(1 for x in sp if t_test < x <= t_test + 41.0)

    return any(count(a) > count(b) for a, b in zip(spikes, base, strict=True))


def _first_firing_time(
    kernel: str, amp: float, lo: float, hi: float, watch: list[int], rearm: float
) -> float:
    """Earliest test onset on the step grid in (lo, hi] at which `amp` adds a spike,
    by grid refinement (several onsets per batch)."""
    while hi - lo > DT_MS * 1.5:
        grid = np.round(np.linspace(lo, hi, 9)[1:] / DT_MS) * DT_MS
        runs = _launched_spikes(
            kernel, [(0.0, 0.0), *[(float(t), amp) for t in grid]], watch, hi + 41.5, rearm
        )
        fired = [_fires_after(sp, runs[0], float(t)) for sp, t in zip(runs[1:], grid, strict=True)]
        assert fired[-1], "the latest onset must fire"
        first = fired.index(True)
        hi = float(grid[first])
        lo = float(grid[first - 1]) if first > 0 else lo
    return hi


def test_watch_points_are_half_a_length_constant_away() -> None:
    """On a uniform axon the watch points are the first compartments ≥ λ/2 from the site
    either side, λ = √(d / (4 Ra g_m)) with g_m the patch's resting slope conductance."""
    from tutor.lab.cable_phases import watch_points
    from tutor.sim.reduce import resting_state

    cable, _ = _axon()
    m = cable.membranes[0]
    v = resting_state(m).v_mV
    from tutor.sim.cable import steady_current
    from tutor.sim.reduce import params_row

    row = params_row(m)
    g_m = (steady_current(v + 1e-3, row) - steady_current(v - 1e-3, row)) / 2e-3  # mS/cm²
    lam_um = 1e4 * math.sqrt(476e-4 / (4 * 35.4 * g_m * 1e-3))
    site = cable.compartment_at(0.5)
    left, right = watch_points(cable, site)
    x = cable.x_um
    assert x[site] - x[left] >= lam_um / 2 > x[site] - x[left + 1]
    assert x[right] - x[site] >= lam_um / 2 > x[right - 1] - x[site]
    assert watch_points(cable, 0) == [right - site]


def test_refractory_ends_agree_with_test_stimulation_at_the_compartment(kernel: str) -> None:
    """The machine's absolute and relative refractory ends at a mid-axon compartment are
    where test pulses at that compartment start to add a spike (max amplitude; 1.05 ×
    the resting threshold there), measured by fresh runs of the whole protocol."""
    out, _, mid = _run(kernel)
    events = out["events"]
    s = phase_summary(events)
    rearm = next(e["v_mV"] for e in events if e["kind"] == "threshold")
    pm = CompartmentPhaseMachine(_batch(kernel), mid)
    probe = pm._probe
    watch = probe.watch
    # the resting threshold at the compartment, bisected here on fresh runs from rest
    lo, hi = 0.0, 4.0 * probe.baseline_nA
    while hi - lo > 1e-4 * hi:
        amp = 0.5 * (lo + hi)
        runs = _launched_spikes(kernel, [(1.0, amp)], watch, 42.5, 0.0, conditioning=False)
        lo, hi = (lo, amp) if any(runs[0]) else (amp, hi)
    assert probe.baseline_nA == pytest.approx(hi, rel=3e-4)
    # the maximum is the patch's multiple of the resting threshold
    from tutor.lab import experiments as ex

    patch = ex.pulse_thresholds(ex.Membranes(probe.params, probe.params), [1.0], 5.0)[0]
    assert probe.max_nA == pytest.approx(400.0 / patch * probe.baseline_nA, rel=1e-9)
    peak = s["peak_ms"]
    absolute = _first_firing_time(kernel, probe.max_nA, peak, peak + 6.0, watch, rearm)
    relative = _first_firing_time(kernel, probe.relative_nA, absolute, peak + 14.0, watch, rearm)
    assert s["absolute_end_ms"] == pytest.approx(absolute, abs=2 * DT_MS + 1e-9)
    assert s["relative_end_ms"] == pytest.approx(relative, abs=2 * DT_MS + 1e-9)
    assert absolute < relative


# --- every position at once -----------------------------------------------------------------


@pytest.mark.parametrize("both", [False, True])
def test_vectorised_phases_are_the_machines_at_every_position(both: bool) -> None:
    """`CablePhases` labels every compartment as a `CompartmentPhaseMachine` without
    probes labels it, step by step (left stimulus, and a collision)."""
    from tutor.lab.cable_phases import CablePhases

    batch = _batch(_compiled(), both=both)
    n = len(batch.cables[0])
    sites = [0, 1, n // 4, n // 2 - 1, n // 2, n - 2, n - 1]
    machines = {s: CompartmentPhaseMachine(batch, s, probes=False) for s in sites}
    every = CablePhases(batch)
    seen = set()
    for step in range(int(round(RUN_MS / DT_MS)) + 1):
        if step:
            batch.step(1)
        every.observe()
        for s, pm in machines.items():
            pm.observe()
            label = pm.phase if pm.phase != "threshold" else "depolarization"
            assert PHASES[every.phase[s]] == label, (step, s)
            seen.add(label)
    assert {"subthreshold", "depolarization", "repolarization", "hyperpolarization"} <= seen
    for s, pm in machines.items():
        assert every.spikes[s] == sum(1 for e in pm.events if e["kind"] == "spike") == 1
