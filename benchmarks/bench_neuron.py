"""The neuron view's frame rate and memory (issue 15), headless at 120×40.

1. Frames per second of the live view (the app's own 40 Hz timer) at each
   offered model speed, with a Poisson drive of AMPA + NMDA inputs on and 8
   coincident inputs every 40 ms of model time (spikes, so the phase machines
   at the AIS and soma and every trace are busy). Target ≥ 30 fps.
2. Memory over the equivalent of a 10-minute live run at the default speed
   (24 000 frames: model advanced and the view redrawn each frame), sampled as
   the process's current RSS.

Run: `uv run python benchmarks/bench_neuron.py [--seconds 5] [--frames 24000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path


async def neuron_fps(seconds: float, speed: float) -> dict[str, float]:
    """Frames per second of the live neuron view at one model speed (ms/s)."""
    from tutor.app.app import create_app
    from tutor.app.screens.neuron import NeuronScreen

    tmp = Path(tempfile.mkdtemp())
    app = create_app(data_dir=tmp, export_dir=tmp, questions=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, NeuronScreen)
        screen.speed = speed
        screen.action_nmda()
        for _ in range(3):
            screen.action_drive()  # Poisson 50 Hz
        await asyncio.sleep(0.5)
        f0, t0, m0 = screen.frames, time.perf_counter(), screen.session.t_ms
        next_burst = m0
        while time.perf_counter() - t0 < seconds:
            if screen.session.t_ms >= next_burst:
                screen.action_fire("exc", 8)
                next_burst = screen.session.t_ms + 40.0
            await asyncio.sleep(0.01)
        wall = time.perf_counter() - t0
        return {
            "speed_ms_per_s": speed,
            "fps": (screen.frames - f0) / wall,
            "model_ms_per_s": (screen.session.t_ms - m0) / wall,
            "spikes": screen.session.spike_count(),
        }


async def neuron_memory(frames: int) -> dict[str, object]:
    """Current RSS (MiB) before and after `frames` frames of the view at the default speed."""
    from tutor.app.app import create_app
    from tutor.app.screens.neuron import NeuronScreen

    def rss_mib() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    tmp = Path(tempfile.mkdtemp())
    app = create_app(data_dir=tmp, export_dir=tmp, questions=False, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, NeuronScreen)
        screen.action_nmda()
        for _ in range(3):
            screen.action_drive()
        per_frame_ms = screen.speed / 40.0
        samples = []
        for k in range(frames):
            if k % 320 == 0:  # 8 coincident inputs every 40 ms of model time
                screen.action_fire("exc", 8)
            screen.advance(per_frame_ms)
            if k % 200 == 0:
                await pilot.pause()
            if k % max(frames // 10, 1) == 0:
                samples.append(rss_mib())
        samples.append(rss_mib())
        return {"rss_first_mib": samples[1], "rss_last_mib": samples[-1], "samples": samples}


def main() -> int:
    from tutor.app.screens.neuron import SPEEDS_MS_PER_S

    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--frames", type=int, default=24000)
    args = ap.parse_args()
    out: dict[str, object] = {
        "fps": [asyncio.run(neuron_fps(args.seconds, s)) for s in SPEEDS_MS_PER_S],
    }
    if args.frames:
        out["memory"] = asyncio.run(neuron_memory(args.frames))
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
