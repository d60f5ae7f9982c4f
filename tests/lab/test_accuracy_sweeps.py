"""Accuracy against NEURON of the sweeps: thresholds, rheobase, f–I, paired pulses.

Every sweep runs through `python -m tutor sweep … --json` (the CLI contract;
≈ 1 s of process start each) in a subprocess with a timeout, so a hang in the
engine fails one test instead of stopping the suite. Tolerances are
issue 3's: thresholds and rheobase 0.5 %, f–I rates 1 % (0 Hz exactly where
NEURON gives 0, i.e. below rheobase and in depolarisation block), paired-pulse
thresholds 1 % with the same ISIs giving no response.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import pytest
from oracle import compare, ours, reference

#: Every test here runs on both kernels (compiled and numpy; see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("kernel")


REF = reference.load()
C = reference.CASES
TEMPS = [6.3, 18.5]


def _via(temp: float) -> str:
    """Always the CLI (see the module docstring); `oracle.ours` also has the API path."""
    return "cli"


@cache
def strength_duration(temp: float, kernel: str) -> dict[str, Any]:
    """Cached per temperature and kernel (the kernel is chosen by TUTOR_KERNEL, set by the fixture)."""
    widths, delay = C["thresholds"]["widths"], C["thresholds"]["delay"]
    if _via(temp) == "cli":
        return ours.cli_json(
            ours.sweep_args("strength-duration", widths, temp, ["--delay", str(delay)])
        )
    return ours.strength_duration_api(widths, delay, temp)


@cache
def fi(temp: float, kernel: str) -> dict[str, Any]:
    """Cached per temperature and kernel (the kernel is chosen by TUTOR_KERNEL, set by the fixture)."""
    amps, dur = C["fi"][str(temp)], C["fi"]["duration"]
    if _via(temp) == "cli":
        return ours.cli_json(ours.sweep_args("fi", amps, temp, ["--duration", str(dur)]))
    return ours.fi_api(amps, dur, temp)


@cache
def refractory(temp: float, kernel: str) -> dict[str, Any]:
    """Cached per temperature and kernel (the kernel is chosen by TUTOR_KERNEL, set by the fixture)."""
    isis, cap = C["paired"][str(temp)], C["paired"]["max_amp"]
    if _via(temp) == "cli":
        return ours.cli_json(ours.sweep_args("refractory", isis, temp, ["--max-amp", str(cap)]))
    return ours.refractory_api(isis, cap, temp)


@pytest.mark.parametrize("temp", TEMPS)
def test_pulse_thresholds(temp: float, kernel: str) -> None:
    """Every pulse threshold of the strength–duration curve within 0.5 %."""
    dev = compare.threshold_deviation(strength_duration(temp, kernel), REF["thresholds"][str(temp)])
    bad = {w: d for w, d in dev["thresholds"].items() if d > compare.THRESHOLD_REL}
    assert not bad, f"{temp} °C: relative deviations above 0.5 %: {bad}"


@pytest.mark.parametrize("temp", TEMPS)
def test_rheobase_and_chronaxie(temp: float, kernel: str) -> None:
    """Rheobase (200 ms step threshold) within 0.5 %; chronaxie (derived) within 0.5 %."""
    dev = compare.threshold_deviation(strength_duration(temp, kernel), REF["thresholds"][str(temp)])
    assert dev["rheobase"] <= compare.THRESHOLD_REL, dev
    assert dev["chronaxie"] is not None and dev["chronaxie"] <= compare.THRESHOLD_REL, dev


def test_threshold_cli_single_pulse() -> None:
    """`tutor sweep threshold --width 1 --json` prints width_ms and threshold_uA_cm2."""
    out = ours.cli_json(["sweep", "threshold", "--preset", "squid", "--width", "1", "--json"])
    assert out["width_ms"] == 1.0
    want = REF["thresholds"]["6.3"]["thresholds"][C["thresholds"]["widths"].index(1)]
    assert compare.rel(out["threshold_uA_cm2"], want) <= compare.THRESHOLD_REL


@pytest.mark.parametrize("temp", TEMPS)
def test_fi_rates(temp: float, kernel: str) -> None:
    """f–I rates within 1 %, including 0 Hz below rheobase and in depolarisation block."""
    dev = compare.fi_deviation(fi(temp, kernel), REF["fi"][str(temp)])
    bad = {a: v for a, v in dev.items() if v[2] > compare.FI_REL}
    assert not bad, f"{temp} °C: (ours Hz, NEURON Hz, rel) beyond 1 %: {bad}"


@pytest.mark.parametrize("temp", TEMPS)
def test_paired_pulse_thresholds(temp: float, kernel: str) -> None:
    """Test-pulse thresholds within 1 %; no-response (null) at exactly NEURON's ISIs."""
    dev = compare.paired_deviation(refractory(temp, kernel), REF["paired"][str(temp)])
    nulls_ours = [i for i, (t, _, _) in dev["points"].items() if t is None]
    nulls_ref = [i for i, (_, t, _) in dev["points"].items() if t is None]
    assert nulls_ours == nulls_ref
    bad = {i: v for i, v in dev["points"].items() if v[2] > compare.PAIRED_REL}
    assert not bad, f"{temp} °C: (ours, NEURON, rel) beyond 1 %: {bad}"


@pytest.mark.parametrize("temp", TEMPS)
def test_refractory_summaries(temp: float, kernel: str) -> None:
    """Baseline (1 ms threshold) within 0.5 %; absolute and relative periods identical."""
    dev = compare.paired_deviation(refractory(temp, kernel), REF["paired"][str(temp)])
    assert dev["baseline"] <= compare.THRESHOLD_REL, dev
    assert dev["absolute"][0] == dev["absolute"][1]
    assert dev["relative"][0] == dev["relative"][1]


def test_sweep_json_shapes(kernel: str) -> None:
    """The sweep JSON carries the documented keys (null where there is none)."""
    sd, f, rf = strength_duration(6.3, kernel), fi(6.3, kernel), refractory(6.3, kernel)
    assert {"points", "rheobase_uA_cm2", "chronaxie_ms"} <= sd.keys()
    assert all({"width_ms", "threshold_uA_cm2"} <= p.keys() for p in sd["points"])
    assert all({"amp_uA_cm2", "rate_hz"} <= p.keys() for p in f["points"])
    assert {"points", "baseline_uA_cm2", "absolute_ms", "relative_ms"} <= rf.keys()
    assert all({"isi_ms", "threshold_uA_cm2"} <= p.keys() for p in rf["points"])
    assert any(p["threshold_uA_cm2"] is None for p in rf["points"])
    assert all(
        p["threshold_uA_cm2"] is None or math.isfinite(p["threshold_uA_cm2"]) for p in rf["points"]
    )
