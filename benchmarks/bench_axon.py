"""Propagation benchmarks (issue 14), side by side with NEURON in one run.

1. `tutor sweep velocity` over 50 diameters (50–950 µm, 20 mm squid axons,
   18.5 °C) against NEURON doing the same one axon at a time (nseg 400,
   fixed step dt 0.025 ms, tstop 6 ms — every axon's spike has passed 75 % by
   then; crossings at 25 %/75 % from NetCons). Whole processes, wall time:
   one warm-up, then the median of `--repeats` runs each; the ratio of the
   medians. Both print their velocities; the script checks they agree.
2. The axon view's frame rate: the TUI headless at 120×40, the axon view
   open (≥ 400 compartments), live timer, a stimulus every 3 ms of model time.
3. Memory of the axon view over the equivalent of a 10-minute live run
   (24 000 frames at 40 fps: model advanced and the view redrawn each frame),
   sampled as the process's current RSS.

Run: `uv run python benchmarks/bench_axon.py [--repeats 5] [--seconds 5] [--frames 24000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from live_views import measure_fps, measure_memory, opened_view

ROOT = Path(__file__).resolve().parent.parent
DIAMS = [50 + k * 900 / 49 for k in range(50)]

NEURON_SCRIPT = r"""
import os, sys, json
os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
from neuron import h
h.load_file("stdrun.hoc")
diams = json.loads(sys.argv[1])
out = []
for d in diams:
    sec = h.Section(name="axon")
    sec.L = 20000.0; sec.diam = d; sec.nseg = 400; sec.Ra = 35.4
    sec.insert("hh")
    h.celsius = 18.5
    st = h.IClamp(sec(0)); st.delay = 1.0; st.dur = 0.5; st.amp = 10000.0 * (d / 476.0) ** 1.5
    recs = []
    for x in (0.25, 0.75):
        nc = h.NetCon(sec(x)._ref_v, None, sec=sec); nc.threshold = 0.0
        v = h.Vector(); nc.record(v); recs.append((nc, v))
    h.dt = 0.025
    h.finitialize(-65.0)
    h.continuerun(6.0)
    t25, t75 = recs[0][1][0], recs[1][1][0]
    out.append(10.0 / (t75 - t25))
    del st, recs, sec
print(json.dumps(out))
"""


CPU_S: dict[str, list[float]] = {"tutor": [], "neuron": []}


def timed(cmd: list[str], who: str = "") -> tuple[float, str]:
    """Wall time (s) and stdout of one whole process; its CPU time (user + sys) goes to CPU_S."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if who:
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        CPU_S[who].append(cpu)
    return wall, proc.stdout


def sweep_benchmark(repeats: int) -> dict[str, float]:
    """Whole-process wall times (s) of both sides; medians, minima and the ratio."""
    py = sys.executable
    tutor_cmd = [
        py, "-m", "tutor", "sweep", "velocity", "--diams", "50:950:50", "--length", "20", "--json",
    ]  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(NEURON_SCRIPT)
        script = fh.name
    nrn_cmd = [py, script, json.dumps(DIAMS)]
    timed(tutor_cmd)  # warm-up (page cache, .pyc)
    timed(nrn_cmd)
    ours, theirs = [], []
    for _ in range(repeats):  # interleaved, so load changes hit both alike
        t, out_t = timed(tutor_cmd, "tutor")
        ours.append(t)
        t, out_n = timed(nrn_cmd, "neuron")
        theirs.append(t)
    os.unlink(script)
    v_ours = [p["velocity_m_s"] for p in json.loads(out_t)["points"]]
    v_nrn = json.loads(out_n)
    worst = max(abs(a - b) / b for a, b in zip(v_ours, v_nrn, strict=True))
    return {
        "tutor_median_s": statistics.median(ours),
        "tutor_min_s": min(ours),
        "neuron_median_s": statistics.median(theirs),
        "neuron_min_s": min(theirs),
        "ratio": statistics.median(theirs) / statistics.median(ours),
        "tutor_cpu_s": statistics.median(CPU_S["tutor"]),
        "neuron_cpu_s": statistics.median(CPU_S["neuron"]),
        "max_velocity_difference": worst,
    }


async def axon_fps(seconds: float) -> dict[str, float]:
    """Frames per second of the live axon view (headless, 120×40), a stimulus every 3 ms."""
    from tutor.app.screens.axon import AxonScreen

    async with opened_view("a", AxonScreen, live=True) as (_, screen):

        def stimulate(due_ms: float) -> None:
            screen.action_stimulate("both" if int(due_ms) % 2 else "left")

        out = await measure_fps(screen, seconds, 3.0, stimulate)
        return {**out, "compartments": screen.session.n}


async def axon_memory(frames: int) -> dict[str, float]:
    """Current RSS (MiB) before and after `frames` live frames of the axon view."""
    from tutor.app.screens.axon import AxonScreen

    async with opened_view("a", AxonScreen, live=False) as (pilot, screen):

        def stimulate(n: int) -> None:  # every 120 frames: every 3 ms of model time
            screen.action_stimulate(("left", "right", "both")[n % 3])

        return await measure_memory(pilot, screen, frames, 120, stimulate)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--frames", type=int, default=24000)
    args = ap.parse_args()
    sw = sweep_benchmark(args.repeats)
    print(
        f"sweep velocity, 50 diameters: tutor {sw['tutor_median_s']:.3f} s "
        f"[{sw['tutor_min_s']:.3f}]  NEURON {sw['neuron_median_s']:.3f} s "
        f"[{sw['neuron_min_s']:.3f}]  ratio {sw['ratio']:.2f}x wall; CPU {sw['tutor_cpu_s']:.3f} "
        f"vs {sw['neuron_cpu_s']:.3f} s ({sw['neuron_cpu_s'] / sw['tutor_cpu_s']:.2f}x); "
        f"NEURON fixed-step velocities differ from ours by up to "
        f"{100 * sw['max_velocity_difference']:.2f} %"
    )
    fps = asyncio.run(axon_fps(args.seconds))
    print(
        f"axon view: {fps['fps']:.1f} frames/s at 120x40, {fps['compartments']} compartments, "
        f"{fps['model_ms_per_s']:.2f} ms of model time per s"
    )
    mem = asyncio.run(axon_memory(args.frames))
    print(
        f"axon view memory over {args.frames} frames: RSS {mem['rss_first_mib']:.1f} -> "
        f"{mem['rss_last_mib']:.1f} MiB (samples {[round(x, 1) for x in mem['samples']]})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
