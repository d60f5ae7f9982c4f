"""Frame rate and memory of a live cable view (axon `a`, neuron `n`), headless at 120×40.

Shared by bench_axon.py and bench_neuron.py, so both views are measured the same way:

- `measure_fps`: the app's own live timer runs the view for `seconds` of wall time
  (after 0.5 s to settle) while the caller pokes the model (stimuli, inputs) every
  `every_ms` of model time; frames per second and model ms per wall second.
- `measure_memory`: without the timer, the view is advanced by one frame's worth of
  model time (speed / 40 fps) and redrawn `frames` times, as a live run would, with a
  poke every `every_frames` frames; the process's current RSS sampled ten times.

Imported as a sibling module: `uv run python benchmarks/bench_axon.py` puts
benchmarks/ first on sys.path.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from textual.pilot import Pilot

from tutor.app.screens.live import LiveModelScreen

SIZE = (120, 40)
#: The live timer's rate (AppSettings.fps); one memory-run frame is speed / FPS of model time.
FPS = 40.0

ViewT = TypeVar("ViewT", bound=LiveModelScreen[Any])


def rss_mib() -> float:
    """This process's current resident set size (MiB), from /proc."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@asynccontextmanager
async def opened_view(
    key: str, view: type[ViewT], live: bool
) -> AsyncIterator[tuple[Pilot[Any], ViewT]]:
    """The app headless at SIZE (no questions, throw-away store) with the view `key` opens."""
    from tutor.app.app import create_app

    tmp = Path(tempfile.mkdtemp())
    app = create_app(data_dir=tmp, export_dir=tmp, questions=False, live=live)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, view)
        yield pilot, screen


async def measure_fps(
    screen: LiveModelScreen[Any], seconds: float, every_ms: float, poke: Callable[[float], None]
) -> dict[str, float]:
    """Frames per second and model ms per second of a live view over `seconds` of wall time;
    `poke(due_ms)` is called once the model reaches each due time, `every_ms` apart."""
    await asyncio.sleep(0.5)
    f0, t0, m0 = screen.frames, time.perf_counter(), screen.session.t_ms
    due_ms = m0
    while time.perf_counter() - t0 < seconds:
        if screen.session.t_ms >= due_ms:
            poke(due_ms)
            due_ms = screen.session.t_ms + every_ms
        await asyncio.sleep(0.01)
    wall = time.perf_counter() - t0
    return {
        "fps": (screen.frames - f0) / wall,
        "model_ms_per_s": (screen.session.t_ms - m0) / wall,
    }


async def measure_memory(
    pilot: Pilot[Any],
    screen: LiveModelScreen[Any],
    frames: int,
    every_frames: int,
    poke: Callable[[int], None],
) -> dict[str, Any]:
    """Current RSS (MiB) over `frames` frames of the view at its speed; `poke(n)` before
    the frame that starts the n-th group of `every_frames`."""
    per_frame_ms = screen.speed / FPS
    samples = []
    for k in range(frames):
        if k % every_frames == 0:
            poke(k // every_frames)
        screen.advance(per_frame_ms)
        if k % 200 == 0:
            await pilot.pause()
        if k % max(frames // 10, 1) == 0:
            samples.append(rss_mib())
    samples.append(rss_mib())
    return {"rss_first_mib": samples[1], "rss_last_mib": samples[-1], "samples": samples}
