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
from typing import TYPE_CHECKING

from live_views import measure_fps, measure_memory, opened_view

if TYPE_CHECKING:
    from tutor.app.screens.neuron import NeuronScreen


def _busy(screen: NeuronScreen) -> None:
    """NMDA on and the Poisson 50 Hz drive (the third setting of `t`)."""
    screen.action_nmda()
    for _ in range(3):
        screen.action_drive()


async def neuron_fps(seconds: float, speed: float) -> dict[str, float]:
    """Frames per second of the live neuron view at one model speed (ms/s)."""
    from tutor.app.screens.neuron import NeuronScreen

    async with opened_view("n", NeuronScreen, live=True) as (_, screen):
        screen.speed = speed
        _busy(screen)
        out = await measure_fps(screen, seconds, 40.0, lambda _: screen.action_fire("exc", 8))
        return {"speed_ms_per_s": speed, **out, "spikes": screen.session.spike_count()}


async def neuron_memory(frames: int) -> dict[str, object]:
    """Current RSS (MiB) before and after `frames` frames of the view at the default speed."""
    from tutor.app.screens.neuron import NeuronScreen

    async with opened_view("n", NeuronScreen, live=False) as (pilot, screen):
        _busy(screen)
        # 8 coincident inputs every 320 frames: every 40 ms of model time
        return await measure_memory(
            pilot, screen, frames, 320, lambda _: screen.action_fire("exc", 8)
        )


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
