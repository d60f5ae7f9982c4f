"""`tutor rest` and the ion/pump protocols of issue 12, through the command line.

The textbook cell rests at −70 ± 1.5 mV with currents that sum to zero,
E_Na in +52…+65 mV and the GHK voltage within 4 mV of rest; [K⁺]ₒ × 2.5
depolarises it by 5–25 mV with GHK following; TEA leaves rest within 1 mV and
broadens the spike ≥ 1.5× at half amplitude; ouabain moves rest < 5 mV in
20 ms and ≥ 2 mV more over 10 minutes of model time. Units: mV, ms, mM, µA/cm².
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tutor.lab.experiments import membranes, pulse_thresholds
from tutor.sim import Pulse, simulate

#: Every test here runs on both kernels (compiled and numpy; see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("kernel")


def cli(*args: str, timeout_s: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=timeout_s
    )


def rest_json(*args: str) -> dict:
    proc = cli("rest", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_textbook_rest_explained() -> None:
    d = rest_json("--preset", "textbook")
    assert d["rest_mV"] == pytest.approx(-70.0, abs=1.5)
    currents = d["currents_uA_cm2"]
    assert set(currents) >= {"i_na", "i_k", "i_leak_k", "i_leak_na", "i_leak_cl", "i_pump"}
    scale = max(abs(x) for x in currents.values())
    assert abs(sum(currents.values())) <= 1e-9 * scale
    assert currents["i_pump"] > 0  # electrogenic: net outward
    assert currents["i_leak_k"] > 0 > currents["i_leak_na"]  # K⁺ out, Na⁺ in
    assert 52.0 <= d["nernst_mV"]["na"] <= 65.0
    assert d["nernst_mV"]["k"] == pytest.approx(-90.0, abs=2.5)
    assert abs(d["ghk_mV"] - d["rest_mV"]) <= 4.0
    # the pump's net outward current is why rest lies below the channels' GHK voltage
    assert d["ghk_mV"] > d["rest_mV"]
    assert set(d["concentrations_mM"]) == {"nai", "nao", "ki", "ko", "cli", "clo"}
    assert d["params"]["name"] == "textbook"


def test_raising_external_k_depolarises_rest_and_ghk_follows() -> None:
    base = rest_json()
    ko = base["concentrations_mM"]["ko"]
    high = rest_json("--set", f"ko={2.5 * ko}")
    shift = high["rest_mV"] - base["rest_mV"]
    ghk_shift = high["ghk_mV"] - base["ghk_mV"]
    assert 5.0 <= shift <= 25.0
    assert 5.0 <= ghk_shift <= 25.0
    assert abs(high["ghk_mV"] - high["rest_mV"]) <= 5.0
    # E_K moves by RT/F·ln 2.5, much more than rest: K⁺ is not the only resting permeability
    e_shift = high["nernst_mV"]["k"] - base["nernst_mV"]["k"]
    assert shift < e_shift


def half_width_ms(res) -> float:
    """Time above half amplitude (halfway from rest to peak) of the first spike, ms."""
    v, t = res.v_mV, res.t_ms
    half = 0.5 * (res.peak_mV + res.rest_mV)
    k = int(np.argmax(v))
    lo = k
    while lo > 0 and v[lo - 1] > half:
        lo -= 1
    hi = k
    while hi < len(v) - 1 and v[hi + 1] > half:
        hi += 1
    return float(t[hi] - t[lo])


def test_tea_blocks_the_delayed_rectifier_only() -> None:
    """Rest stays put (the K⁺ leak is TEA-insensitive); the spike broadens."""
    base = rest_json()
    tea = rest_json("--block", "tea")
    assert abs(tea["rest_mV"] - base["rest_mV"]) < 1.0
    assert tea["currents_uA_cm2"]["i_leak_k"] == pytest.approx(
        base["currents_uA_cm2"]["i_leak_k"], rel=0.05
    )
    m = membranes("textbook")
    amp = 1.5 * pulse_thresholds(m, [1.0], 5.0)[0]
    control = simulate(m.run, [Pulse(5, 1, amp)], tstop_ms=80.0, dt_ms=0.005)
    blocked_m = membranes("textbook", blocks=["tea"])
    blocked = simulate(
        blocked_m.run, [Pulse(5, 1, amp)], tstop_ms=80.0, dt_ms=0.005, base=blocked_m.base
    )
    assert len(control.spikes_ms) == 1 and len(blocked.spikes_ms) >= 1
    assert half_width_ms(blocked) >= 1.5 * half_width_ms(control)


def simulate_json(*args: str, timeout_s: float = 300) -> dict:
    proc = cli("simulate", *args, "--json", timeout_s=timeout_s)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_ouabain_short_and_long_term() -> None:
    """20 ms: only the pump's own current is lost (< 5 mV). 10 minutes: the gradients
    run down and rest depolarises ≥ 2 mV more; sampled once a second."""
    short = simulate_json("--block", "ouabain", "--tstop", "20")
    early = short["v_end_mV"] - short["rest_mV"]
    assert 0.0 < early < 5.0
    # ~2 M adaptive steps: seconds on the compiled kernel, ~1 min CPU on the numpy one
    long = simulate_json("--block", "ouabain", "--tstop", "600000", "--dt", "1000", timeout_s=1500)
    assert long["v_end_mV"] - long["rest_mV"] >= early + 2.0
    c = long["concentrations_mM"]
    start = rest_json()["concentrations_mM"]
    assert c["nai"] > start["nai"] and c["ki"] < start["ki"]  # the gradients ran down
    assert c["nao"] == start["nao"] and c["ko"] == start["ko"]  # outside is a bath
    assert long["spikes_ms"] == []


def test_simulate_json_reports_end_state() -> None:
    """v_end_mV always; concentrations_mM only where they can change."""
    tb = simulate_json("--pulse", "5,1,30", "--tstop", "30")
    assert "v_end_mV" in tb and "concentrations_mM" in tb
    assert tb["concentrations_mM"]["nai"] > rest_json()["concentrations_mM"]["nai"]
    squid = simulate_json("--preset", "squid", "--tstop", "10")
    assert squid["v_end_mV"] == pytest.approx(squid["rest_mV"], abs=1e-6)
    assert "concentrations_mM" not in squid


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["rest", "--preset", "frog"], "--preset"),
        (["rest", "--set", "ko=abc"], "--set"),
        (["rest", "--set", "ko=-1"], "ko"),
        (["rest", "--block", "digoxin"], "--block"),
        (["rest", "--celsius", "nan"], "--celsius"),
        (["simulate", "--tstop", "50", "--dt", "5"], "--dt"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], name: str) -> None:
    proc = cli(*args)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and name in lines[0], lines
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_readme_rest_example_is_what_the_command_prints() -> None:
    """The README's `tutor rest` block is the command's real output."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ uv run tutor rest\n") + len("$ uv run tutor rest\n")
    shown = readme[start : readme.index("```", start)]
    proc = cli("rest")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == shown
