"""Propagation along an axon against NEURON, and the cable's physical invariants.

NEURON runs the same cable (squid `hh`, sealed ends, CVODE, d_lambda 0.01;
`oracle.cable_reference`); the project runs its default discretisation rule.
Tolerances are issue 14's: velocity within 1.5 %, mid-axon peak within 1 mV,
the Ra-doubling invariant within 0.5 %; our own discretisation converged to
≤ 1 %. Every engine is tested (compiled kernel and numpy fallback).
"""

from __future__ import annotations

import math

import pytest
from optional import needs_compiled
from oracle import cable_reference
from oracle.ours import cli_json

from tutor.lab.propagation import AxonSpec, build_axon, propagate, rule_dt_ms, velocity_sweep
from tutor.sim.params import load_preset

REF = cable_reference.load()
ENGINES = [pytest.param("compiled", marks=needs_compiled), "numpy"]
VELOCITY_REL = 0.015
PEAK_MV = 1.0
RA_INVARIANT_REL = 0.005
CONVERGED_REL = 0.01


def squid(celsius: float):
    return load_preset("squid").at_temperature(celsius)


def _spec(case: dict, **kw) -> AxonSpec:
    return AxonSpec(
        squid(case["celsius"]),
        diam_um=case["diam_um"],
        length_mm=case["length_um"] / 1000.0,
        ra_ohm_cm=case["ra_ohm_cm"],
        stim_nA=case["stim_nA"],
        **kw,
    )


def _case_id(case: dict) -> str:
    return f"{case['diam_um']:g}um@{case['celsius']:g}C"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", REF["diameters"], ids=_case_id)
def test_velocity_and_peak_match_neuron(case: dict, engine: str) -> None:
    """Velocity within 1.5 % and the mid-axon peak within 1 mV of NEURON (50–952 µm)."""
    out = propagate(_spec(case), engine=engine)
    v, want = out["velocity_m_s"], case["velocity_m_s"]
    assert v is not None and abs(v - want) / want <= VELOCITY_REL, (v, want)
    assert abs(out["peak_mV"] - case["peak_mV"]) <= PEAK_MV, (out["peak_mV"], case["peak_mV"])
    assert out["blocked"] is False


def test_default_propagate_is_hodgkin_huxley_axon() -> None:
    """`tutor propagate --json` with no options: 476 µm, 35.4 Ω·cm, 18.5 °C, vs NEURON."""
    out = cli_json(["propagate", "--json"])
    ref = REF["default"]
    p = out["params"]
    assert (p["diam_um"], p["ra_ohm_cm"], p["membrane"]["celsius"]) == (476.0, 35.4, 18.5)
    assert abs(out["velocity_m_s"] - ref["velocity_m_s"]) / ref["velocity_m_s"] <= VELOCITY_REL
    assert abs(out["peak_mV"] - ref["peak_mV"]) <= PEAK_MV
    assert out["blocked"] is False and set(out["spike_count"]) == {1}


def test_reference_itself_converged() -> None:
    """NEURON's numbers barely move when its compartments are halved (a converged oracle)."""
    for case in [*REF["diameters"], REF["default"]]:
        rel = abs(case["velocity_half_m_s"] - case["velocity_m_s"]) / case["velocity_m_s"]
        assert rel < 1e-3, case
        assert abs(case["peak_half_mV"] - case["peak_mV"]) < 0.05, case


@pytest.mark.parametrize("celsius", [18.5, 6.3])
@pytest.mark.parametrize("diam", [50.0, 476.0, 952.0])
def test_our_discretisation_converged(diam: float, celsius: float) -> None:
    """The default rule is within 1 % of a run with 4× the compartments and dt / 4."""
    m = squid(celsius)
    coarse = propagate(AxonSpec(m, diam_um=diam, length_mm=20.0))
    nseg = coarse["nseg"] * 4
    fine = propagate(AxonSpec(m, diam_um=diam, length_mm=20.0, nseg=nseg, dt_ms=rule_dt_ms(m) / 4))
    rel = abs(coarse["velocity_m_s"] - fine["velocity_m_s"]) / fine["velocity_m_s"]
    assert rel <= CONVERGED_REL, (coarse["velocity_m_s"], fine["velocity_m_s"])


@pytest.mark.parametrize("celsius", [18.5, 6.3])
@pytest.mark.parametrize("diam", [100.0, 476.0, 952.0])
def test_doubling_ra_equals_halving_diameter(diam: float, celsius: float) -> None:
    """Cable invariant: velocity depends on d/Ra only, so (d, 2·Ra) conducts like (d/2, Ra)."""
    m = squid(celsius)
    a = propagate(AxonSpec(m, diam_um=diam, ra_ohm_cm=70.8, length_mm=20.0))["velocity_m_s"]
    b = propagate(AxonSpec(m, diam_um=diam / 2, ra_ohm_cm=35.4, length_mm=20.0))["velocity_m_s"]
    assert abs(a - b) / b <= RA_INVARIANT_REL, (a, b)
    # and it is a real dependence, not a constant: the full diameter is faster
    c = propagate(AxonSpec(m, diam_um=diam, ra_ohm_cm=35.4, length_mm=20.0))["velocity_m_s"]
    assert c > 1.3 * b


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("myelin", [False, True])
def test_collision_annihilates(myelin: bool, engine: str) -> None:
    """Spikes started at both ends meet and vanish: every position fires exactly once,
    and the two halves mirror each other."""
    spec = AxonSpec(squid(18.5), stim="both", myelin=myelin, diam_um=10.0 if myelin else 476.0)
    out = propagate(spec, engine=engine)
    assert out["spike_count"] and all(c == 1 for c in out["spike_count"])
    times = out["spike_ms"]
    assert all(t is not None for t in times)
    for a, b in zip(times, reversed(times), strict=True):
        assert abs(a - b) < 1e-6
    # the meeting point (middle) fires last
    mid = len(times) // 2
    assert max(times) == pytest.approx(times[mid], abs=0.2)
    # one end alone: the spike runs the whole way, also once per position
    one_end = AxonSpec(spec.membrane, diam_um=spec.diam_um, myelin=myelin)
    single = propagate(one_end, engine=engine)
    assert set(single["spike_count"]) == {1}
    # arrival is in order along the axon (at the nodes, for a myelinated fibre)
    kinds = build_axon(one_end).kind
    arrivals = [t for t, k in zip(single["spike_ms"], kinds, strict=True) if k != "internode"]
    assert arrivals == sorted(arrivals) and len(arrivals) > 10


def test_right_end_mirrors_left() -> None:
    """Stimulating the right end gives the mirror image (same velocity, reversed times)."""
    m = squid(18.5)
    left = propagate(AxonSpec(m, length_mm=20.0))
    right = propagate(AxonSpec(m, length_mm=20.0, stim="right"))
    assert right["velocity_m_s"] == pytest.approx(left["velocity_m_s"], rel=1e-9)
    assert right["spike_ms"] == pytest.approx(list(reversed(left["spike_ms"])), abs=1e-9)


def _slope(points: list[dict]) -> float:
    xs = [math.log(p["diam_um"]) for p in points]
    ys = [math.log(p["velocity_m_s"]) for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


@pytest.mark.parametrize("celsius", [18.5, 6.3])
def test_myelin_faster_and_linear(celsius: float) -> None:
    """Myelinated 2–20 µm fibres conduct ≥ 5× faster than bare fibres of the same diameter;
    log–log slope ≈ 1 (0.7–1.3) with myelin and ≈ 0.5 (0.4–0.6) without."""
    m = squid(celsius)
    diams = [2.0, 3.0, 5.0, 8.0, 12.0, 20.0]
    myel = velocity_sweep(AxonSpec(m, myelin=True), diams)["points"]
    bare = velocity_sweep(AxonSpec(m, length_mm=20.0), diams)["points"]
    for a, b in zip(myel, bare, strict=True):
        assert a["velocity_m_s"] >= 5.0 * b["velocity_m_s"], (a, b)
    assert 0.7 <= _slope(myel) <= 1.3
    assert 0.4 <= _slope(bare) <= 0.6


def test_demyelination_slows_then_blocks() -> None:
    """Thinning the myelin of a stretch (capacitance and leak × factor) slows the spike
    through it, and enough damage blocks it: it never reaches the far end."""
    m = squid(18.5)
    healthy = propagate(AxonSpec(m, myelin=True))
    length = healthy["length_mm"]
    stretch = (0.4 * length, 0.6 * length)
    velocities = []
    for factor in (1.0, 3.0, 8.0):
        out = propagate(AxonSpec(m, myelin=True, demyelinate=(*stretch, factor)))
        assert out["blocked"] is False
        velocities.append(out["velocity_m_s"])
    assert velocities[0] == pytest.approx(healthy["velocity_m_s"], rel=1e-12)
    assert velocities[0] > velocities[1] > velocities[2]
    blocked = propagate(AxonSpec(m, myelin=True, demyelinate=(*stretch, 100.0)))
    assert blocked["blocked"] is True and blocked["velocity_m_s"] is None
    # it started (the near end fired) but nothing past the damaged stretch fired
    fired = [x for x, t in zip(blocked["positions_mm"], blocked["spike_ms"], strict=True) if t]
    assert fired and max(fired) < stretch[1]


def test_ttx_never_starts() -> None:
    """With Na⁺ channels blocked nothing propagates (and it is not 'blocked': nothing started
    beyond the stimulus' own passive charging, which stays below 0 mV at 4× threshold)."""
    m = squid(18.5).with_block("ttx")
    out = propagate(AxonSpec(m, length_mm=20.0))
    assert out["velocity_m_s"] is None
    assert all(t is None for t in out["spike_ms"][len(out["spike_ms"]) // 4 :])


@needs_compiled
@pytest.mark.parametrize("myelin", [False, True])
def test_engines_agree_to_round_off(myelin: bool) -> None:
    """The compiled kernel and the numpy fallback run the same algorithm."""
    spec = AxonSpec(squid(6.3), myelin=myelin, diam_um=5.0 if myelin else 238.0, length_mm=10.0)
    a = propagate(spec, engine="compiled")
    b = propagate(spec, engine="numpy")
    assert a["velocity_m_s"] == pytest.approx(b["velocity_m_s"], rel=1e-9)
    assert a["peak_mV"] == pytest.approx(b["peak_mV"], abs=1e-8)
    assert a["spike_ms"] == pytest.approx(b["spike_ms"], abs=1e-9)
    assert a["spike_count"] == b["spike_count"]
