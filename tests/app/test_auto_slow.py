"""Auto-slow: at fast speeds a spike crossed the 30 ms window in a fraction of a
second; near a stimulus or spike the lab now runs slowly enough to see it.

The wall clock is simulated (`_advance_wall`, what the live timer calls every
frame), so the tests measure how long, in wall seconds, a spike stays on screen.
"""

from __future__ import annotations

import pytest

from tutor.app.screens.lab import EVENT_VIEW_S
from tutor.app.settings import SPEEDS_MS_PER_S

from .helpers import text_of

SIZE = (120, 40)
FRAME_S = 1 / 40


def seconds_on_screen(lab, limit_s: float = 30.0) -> float:
    """Wall seconds, frame by frame, from the stimulus until the first peak leaves the window."""
    wall = 0.0
    peak = None
    while wall < limit_s:
        lab._advance_wall(FRAME_S)
        wall += FRAME_S
        peaks = [e["t_ms"] for e in lab.session.events if e["kind"] == "peak"]
        if peaks:
            peak = peaks[0]
        x0, _ = lab.x_range()
        if peak is not None and peak < x0:
            return wall
    raise AssertionError("the spike never left the window")


async def test_at_top_speed_a_spike_stays_in_view_for_seconds(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        for _ in SPEEDS_MS_PER_S:
            await pilot.press("right_square_bracket")
        top = SPEEDS_MS_PER_S[-1]
        assert lab.speed == top and lab.auto_slow
        lab.run_sim(40.0)  # no stimulus in view: full speed
        assert lab.effective_speed() == top
        await pilot.press("space")
        slow = lab.effective_speed()
        assert slow < top and slow <= lab.window_ms / EVENT_VIEW_S
        # the banner says the truth: the speed model time runs at now, and why
        lab.redraw()
        banner = text_of(lab.query_one("#banner"))
        assert f"speed {slow:g} ms/s (auto-slow, {top:g} set)" in banner
        on_screen = seconds_on_screen(lab)
        assert on_screen >= EVENT_VIEW_S * 0.9
        # once the spike has gone, the chosen speed is back
        lab._advance_wall(FRAME_S)
        assert lab.session.phase not in ("depolarization", "repolarization")
        assert lab.effective_speed() == top


async def test_without_auto_slow_the_spike_flashes_by(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        for _ in SPEEDS_MS_PER_S:
            await pilot.press("right_square_bracket")
        await pilot.press("A")
        assert not lab.auto_slow
        lab.run_sim(40.0)
        await pilot.press("space")
        assert lab.effective_speed() == SPEEDS_MS_PER_S[-1]
        assert seconds_on_screen(lab) < 0.5  # what the learner saw before


@pytest.mark.parametrize("speed", [0.5, 1.0, 5.0, 10.0])
async def test_slow_speeds_are_never_changed(make_app, speed: float) -> None:
    app = make_app(speed_ms_per_s=speed)
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("space")
        lab.run_sim(1.0)
        assert lab.effective_speed() == speed


async def test_history_view_runs_at_the_chosen_speed(make_app) -> None:
    """Auto-slow is for watching the live edge; reading history it does not apply."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        for _ in SPEEDS_MS_PER_S:
            await pilot.press("right_square_bracket")
        lab.run_sim(100.0)
        await pilot.press("space")
        lab.run_sim(1.0)
        assert lab.effective_speed() < lab.speed
        await pilot.press("less_than_sign")
        assert lab.effective_speed() == lab.speed
