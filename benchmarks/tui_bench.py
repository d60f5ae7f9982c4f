"""TUI numbers for docs/tui.md: first frame, live frames per second, key latency.

Two ways for each, so the numbers mean what a learner feels:

- headless (Textual's test driver, in-process): precise and repeatable;
- real terminal (tmux, 120×40, `.venv/bin/tutor`): what a user sees,
  including process start, imports and terminal I/O; needs `tmux`.

Run: `uv run python benchmarks/tui_bench.py [--seconds S] [--no-tmux]`.
Targets (issue 6): first frame < 1 s, ≥ 30 fps live at 120×40, key → visible < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 40)


# -- headless ----------------------------------------------------------------------------


async def first_frame_headless() -> tuple[float, float]:
    """Seconds from importing the app to (the lab's first frame, the membrane running)."""
    t0 = time.perf_counter()
    from tutor.app.app import create_app

    tmp = Path(tempfile.mkdtemp())
    app = create_app(data_dir=tmp, export_dir=tmp)
    async with app.run_test(size=SIZE) as pilot:
        while True:
            try:
                lab = app.lab
            except LookupError:
                lab = None
            if lab is not None and lab.session is not None:
                break
            await asyncio.sleep(0.001)
        await pilot.pause()
        # The lab stamps its first redraw and the engine's start (perf_counter);
        # Textual paints the redraw in the same refresh.
        return lab.first_redraw_at - t0, lab.engine_ready_at - t0


async def live_fps(seconds: float, speed: float, history_ms: float = 0.0) -> dict[str, float]:
    """Frames per second while the membrane runs live (spiking every 20 ms of model time).

    ``history_ms`` > 0: first run that much model time (a 20 ms train), then widen
    the time axis to show all of it (`Z`), so every frame draws the whole history.
    """
    from tutor.app.app import create_app

    tmp = Path(tempfile.mkdtemp())
    app = create_app(data_dir=tmp, export_dir=tmp, speed_ms_per_s=speed, questions=False)
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        while not lab.ready:
            await asyncio.sleep(0.01)
        lab.session.set_stimulus(count=50, interval_ms=20.0)
        if history_ms:
            while lab.session.t_ms < history_ms:
                lab.action_stimulate()
                lab.session.advance(1000.0)
            lab.window_ms = history_ms
        lab.action_stimulate()
        tick_costs: list[float] = []
        original = lab._tick

        def timed_tick() -> None:
            t = time.perf_counter()
            original()
            tick_costs.append((time.perf_counter() - t) * 1000)

        lab._timer.stop()
        lab._tick = timed_tick  # type: ignore[method-assign]
        lab._timer = lab.set_interval(1 / app.settings.fps, lab._tick)
        await asyncio.sleep(0.5)
        f0, t_model0, w0 = lab.frames, lab.session.t_ms, time.perf_counter()
        tick_costs.clear()
        await asyncio.sleep(seconds)
        frames, wall = lab.frames - f0, time.perf_counter() - w0
        model = lab.session.t_ms - t_model0
        await pilot.press("q")
    return {
        "fps": frames / wall,
        "model_ms_per_s": model / wall,
        "tick_ms_median": statistics.median(tick_costs),
        "tick_ms_p95": sorted(tick_costs)[int(0.95 * (len(tick_costs) - 1))],
    }


async def key_latency_headless(n: int = 20) -> list[float]:
    """ms from a key event to the screen refresh that shows its effect (live app, TTX).

    The key is posted as the terminal driver would; the time stops in the
    first ``call_after_refresh`` after the panel changed, i.e. once Textual has
    painted the frame that shows it.
    """
    from textual import events

    from tutor.app.app import create_app

    tmp = Path(tempfile.mkdtemp())
    app = create_app(data_dir=tmp, export_dir=tmp, questions=False)
    out: list[float] = []
    async with app.run_test(size=SIZE):
        lab = app.lab
        while not lab.ready:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        for _ in range(n):
            before = set(lab.session.state.blocks)
            done = asyncio.Event()
            t0 = time.perf_counter()
            app.post_message(events.Key("t", "t"))
            while set(lab.session.state.blocks) == before:
                await asyncio.sleep(0)
            app.call_after_refresh(done.set)
            await done.wait()
            out.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0.1)
    return out


# -- real terminal (tmux) ----------------------------------------------------------------


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def tmux_numbers(runs: int = 3, keys: int = 10) -> dict[str, list[float]]:
    """First frame (s) and key → visible (ms) measured by polling a real tmux pane."""
    exe = ROOT / ".venv" / "bin" / "tutor"
    cmd = str(exe) if exe.exists() else "uv run tutor"
    first: list[float] = []
    lat: list[float] = []
    for r in range(runs):
        name = f"tuibench{r}"
        tmp = tempfile.mkdtemp()
        _tmux("kill-session", "-t", name)
        t0 = time.perf_counter()
        _tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40",
              f"cd {tmp} && TUTOR_DATA_DIR={tmp} {cmd}")  # fmt: skip
        while "membrane potential" not in _tmux("capture-pane", "-p", "-t", name):
            if time.perf_counter() - t0 > 30:
                break
            time.sleep(0.005)
        first.append(time.perf_counter() - t0)
        time.sleep(0.5)
        for k in range(keys):
            want = "currents" if k % 2 == 0 else "gates  m"
            t1 = time.perf_counter()
            _tmux("send-keys", "-t", name, "g")
            while want not in _tmux("capture-pane", "-p", "-t", name):
                if time.perf_counter() - t1 > 5:
                    break
            lat.append((time.perf_counter() - t1) * 1000)
            time.sleep(0.1)
        _tmux("send-keys", "-t", name, "q")
        time.sleep(0.5)
        _tmux("kill-session", "-t", name)
    # polling cost: one capture-pane round trip, for reference
    _tmux("new-session", "-d", "-s", "tuibenchcap", "-x", "120", "-y", "40", "sleep 5")
    t = time.perf_counter()
    for _ in range(20):
        _tmux("capture-pane", "-p", "-t", "tuibenchcap")
    cap = (time.perf_counter() - t) / 20 * 1000
    _tmux("kill-session", "-t", "tuibenchcap")
    return {"first_frame_s": first, "key_ms": lat, "capture_ms": [cap]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--no-tmux", action="store_true")
    args = ap.parse_args()

    ff, live = asyncio.run(first_frame_headless())
    print(
        f"headless  import → first lab frame: {ff * 1000:5.0f} ms; "
        f"→ engine loaded, membrane running: {live * 1000:5.0f} ms"
    )
    for speed in (1.0, 20.0):
        r = asyncio.run(live_fps(args.seconds, speed))
        print(
            f"headless  live @ {speed:g} ms/s: {r['fps']:5.1f} fps, model {r['model_ms_per_s']:.2f} ms/s, "
            f"tick cost median {r['tick_ms_median']:.1f} ms (p95 {r['tick_ms_p95']:.1f} ms)"
        )
    r = asyncio.run(live_fps(args.seconds, 1.0, history_ms=10_000.0))
    print(
        f"headless  live @ 1 ms/s, 10 s of history in view (z Z): {r['fps']:5.1f} fps, "
        f"tick cost median {r['tick_ms_median']:.1f} ms (p95 {r['tick_ms_p95']:.1f} ms)"
    )
    lat = asyncio.run(key_latency_headless())
    print(
        f"headless  key → screen updated: median {statistics.median(lat):.1f} ms, max {max(lat):.1f} ms"
    )
    if not args.no_tmux and shutil.which("tmux"):
        t = tmux_numbers()
        print(
            f"tmux      first frame (spawn → lab visible): median {statistics.median(t['first_frame_s']) * 1000:.0f} ms "
            f"(runs: {', '.join(f'{x * 1000:.0f}' for x in t['first_frame_s'])})"
        )
        print(
            f"tmux      key → visible: median {statistics.median(t['key_ms']):.1f} ms, max {max(t['key_ms']):.1f} ms "
            f"(includes ~{t['capture_ms'][0]:.1f} ms per capture-pane poll)"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
