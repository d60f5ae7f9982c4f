"""Speed of `tutor clamp` against NEURON on a 161-step voltage-clamp family.

Run by hand, not by pytest::

    uv run python benchmarks/bench_clamp.py [--repeats 7]

Protocol (squid preset, 6.3 °C, DESIGN.md "Voltage clamp"): hold −65 mV, steps
to −100 … +60 mV 1 mV apart (161), each 20 ms from t = 5 ms; per step the peak
I_Na and I_Na, I_K at the end of the step, printed as JSON.

- tutor: ``tutor clamp --preset squid --steps -100:60:161 --json`` — one
  process; the family is computed exactly from the closed-form gate solution
  (docs/clamp.md), every step in one pass.
- NEURON: one process running the steps one after another, `SEClamp`
  (rs = 1e-5 MΩ) on an `hh` section, fixed step dt = 0.025 ms, `ina`/`ik`
  recorded every step, the same three numbers per step printed as JSON (the
  first sample after the step edge is skipped: NEURON records there the
  currents it computed before moving V, i.e. the holding currents).
  NEURON runs with its defaults (`usetable_hh = 1`, its fast path).

Every timing is a whole process (interpreter start, imports, work, output),
wall time: one warm-up run, then the median (and minimum) of `--repeats`.
The script also reports how far NEURON's fixed-step numbers are from tutor's
(the tests compare tutor with NEURON CVODE; this is NEURON's own dt error).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = "-100:60:161"

NRN_SCRIPT = r"""
import json, os, sys
os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
from neuron import h
h.load_file("stdrun.hoc")
sec = h.Section(name="soma"); sec.nseg = 1; sec.L = sec.diam = 10.0
sec.insert("hh")
seg = sec(0.5)
h.celsius = 6.3
h.dt = 0.025; h.steps_per_ms = 40
c = h.SEClamp(seg); c.rs = 1e-5
c.dur1, c.amp1 = 5.0, -65.0
c.dur2 = 20.0
c.dur3, c.amp3 = 0.0, -65.0
h.tstop = 25.0
h.v_init = -65.0
ina = h.Vector().record(seg._ref_ina)
ik = h.Vector().record(seg._ref_ik)
t = h.Vector().record(h._ref_t)
points = []
for k in range(161):
    v = -100.0 + k
    c.amp2 = v
    h.run()
    tt = list(t)
    na = [x * 1e3 for x in ina]
    kk = [x * 1e3 for x in ik]
    # the first sample after the edge still holds the holding-potential currents
    # (NEURON computes them before it moves V), so the step's samples start one later
    step = [i for i, x in enumerate(tt) if 5.0 + 0.025 + 1e-9 < x <= 25.0 + 1e-9]
    peak = max((na[i] for i in step), key=abs)
    end = step[-1]
    points.append({"v_mV": v, "ina_peak_uA_cm2": peak, "ina_end_uA_cm2": na[end],
                   "ik_end_uA_cm2": kk[end]})
print(json.dumps({"points": points}))
"""


def timed(cmd: list[str], repeats: int) -> tuple[list[float], str]:
    """Wall times of `repeats` runs after one warm-up, and the last run's stdout."""
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        times.append(time.perf_counter() - t0)
    return times, out


def main() -> int:
    """Time both sides, print the ratio and NEURON's fixed-step deviation."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    env_python = sys.executable
    tutor_cmd = [
        env_python,
        "-m",
        "tutor",
        "clamp",
        "--preset",
        "squid",
        f"--steps={STEPS}",
        "--json",
    ]
    nrn_cmd = [env_python, "-c", NRN_SCRIPT]
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
    t_tutor, out_tutor = timed(tutor_cmd, args.repeats)
    t_nrn, out_nrn = timed(nrn_cmd, args.repeats)
    ours = json.loads(out_tutor)["points"]
    theirs = json.loads(out_nrn)["points"]
    assert len(ours) == len(theirs) == 161
    worst: dict[str, tuple[float, float]] = {}
    for key in ("ina_peak_uA_cm2", "ina_end_uA_cm2", "ik_end_uA_cm2"):
        devs = [
            (abs(a[key] - b[key]) / max(abs(a[key]), 2.0), a["v_mV"])
            for a, b in zip(ours, theirs, strict=True)
        ]
        worst[key] = (max(d for d, _ in devs), max(d for d, v in devs if -40 <= v <= 40))
    med_t, med_n = statistics.median(t_tutor), statistics.median(t_nrn)
    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"161-step clamp family (−100…+60 mV, 20 ms), whole processes, {args.repeats} runs:")
    print(f"  tutor clamp        median {med_t:.3f} s  [min {min(t_tutor):.3f}]")
    print(f"  NEURON dt=0.025    median {med_n:.3f} s  [min {min(t_nrn):.3f}]")
    print(
        f"  NEURON / tutor     {med_n / med_t:.1f}× (medians), {min(t_nrn) / min(t_tutor):.1f}× (minima)"
    )
    print("NEURON fixed step vs tutor (exact), largest |Δ| / max(|tutor|, 2 µA/cm²),")
    print("all 161 steps | steps −40…+40 mV (below −65 mV the I_Na peak is the instant")
    print("after the edge, which 0.025 ms sampling cannot see):")
    for key, (every, mid) in worst.items():
        print(f"  {key:<18} {every:.2e} | {mid:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
