"""The project's side of each reference case: through the Python API or the CLI JSON.

Runs the same protocols as `oracle.reference.CASES` with `tutor` and returns
the same plain-data shapes as `oracle.reference.compute`, so tests and
`scripts/accuracy_report.py` compare like with like.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np

from oracle.reference import v_grid

PRESET = "squid"


def _fmt(x: float) -> str:
    return repr(float(x))


def simulate_args(case: dict[str, Any]) -> list[str]:
    """`tutor simulate` arguments for a trace case (JSON output)."""
    args = ["simulate", "--preset", PRESET, "--tstop", _fmt(case["tstop"]), "--json"]
    if "celsius" in case:
        args += ["--celsius", _fmt(case["celsius"])]
    for d, w, a in case["pulses"]:
        args += [f"--pulse={_fmt(d)},{_fmt(w)},{_fmt(a)}"]
    for b in case.get("blocks", ()):
        args += ["--block", b]
    for k, v in case.get("overrides", {}).items():
        args += ["--set", f"{k}={_fmt(v)}"]
    return args


#: A CLI call that takes longer than this (s) is reported as hung instead of blocking the suite.
CLI_TIMEOUT_S = 120.0


def run_cli(args: list[str], timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run `python -m tutor ARGS` and return the finished process (text mode)."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"tutor {' '.join(args)} did not finish in {timeout:g} s") from None


def cli_json(args: list[str]) -> dict[str, Any]:
    """Run `python -m tutor ARGS` (which must include --json) and parse its one object."""
    proc = run_cli(args)
    assert proc.returncode == 0, f"tutor {' '.join(args)} failed: {proc.stderr}"
    return json.loads(proc.stdout)


def trace_cli(case: dict[str, Any]) -> dict[str, Any]:
    """A trace case through `tutor simulate --json`."""
    out = cli_json(simulate_args(case))
    return {
        k: out[k] for k in ("spikes_ms", "peak_mV", "peak_ms", "ahp_min_mV", "ahp_ms", "rest_mV")
    }


def _membranes(celsius: float | None = None, overrides: dict | None = None, blocks=()):
    from tutor.lab.experiments import membranes

    return membranes(PRESET, celsius=celsius, sets=dict(overrides or {}), blocks=list(blocks))


def trace_api(case: dict[str, Any]) -> dict[str, Any]:
    """A trace case through `tutor.sim.simulate` (base = unmodified membrane at temperature)."""
    from tutor.sim import Pulse, simulate

    m = _membranes(case.get("celsius"), case.get("overrides"), case.get("blocks", ()))
    stims = [Pulse(delay_ms=d, width_ms=w, amp_uA_cm2=a) for d, w, a in case["pulses"]]
    res = simulate(m.run, stims, tstop_ms=case["tstop"], dt_ms=0.025, base=m.base)
    grid = v_grid(case["tstop"])
    return {
        "v_grid_mV": [float(v) for v in np.interp(grid, res.t_ms, res.v_mV)],
        "spikes_ms": [float(s) for s in res.spikes_ms],
        "peak_mV": res.peak_mV,
        "peak_ms": res.peak_ms,
        "ahp_min_mV": res.ahp_min_mV,
        "ahp_ms": res.ahp_ms,
        "rest_mV": res.rest_mV,
    }


def rest_api(case: dict[str, Any]) -> float:
    """Resting potential (mV) of a (possibly modified) membrane via `resting_state`."""
    from tutor.sim import load_preset, resting_state

    p = load_preset(PRESET).at_temperature(case["celsius"])
    if case["overrides"]:
        p = p.with_overrides(case["overrides"])
    return resting_state(p).v_mV


def strength_duration_api(widths: list[float], delay: float, celsius: float) -> dict[str, Any]:
    """`strength_duration` through the Python API."""
    from tutor.lab.experiments import strength_duration

    return strength_duration(_membranes(celsius), widths, delay)


def fi_api(amps: list[float], duration: float, celsius: float) -> dict[str, Any]:
    """`fi_curve` through the Python API."""
    from tutor.lab.experiments import fi_curve

    return fi_curve(_membranes(celsius), amps, duration)


def refractory_api(isis: list[float], max_amp: float, celsius: float) -> dict[str, Any]:
    """`refractory_curve` through the Python API."""
    from tutor.lab.experiments import refractory_curve

    return refractory_curve(_membranes(celsius), isis, max_amp)


def sweep_args(kind: str, values: list[float], celsius: float, extra: list[str]) -> list[str]:
    """`tutor sweep KIND` arguments with a comma list of values (JSON output)."""
    flag = {"strength-duration": "--widths", "fi": "--amps", "refractory": "--isis"}[kind]
    return [
        "sweep", kind, "--preset", PRESET, "--celsius", _fmt(celsius),
        flag, ",".join(_fmt(v) for v in values), *extra, "--json",
    ]  # fmt: skip
