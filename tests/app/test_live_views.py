"""The live clock the axon and neuron views share (tutor/app/screens/live.py): speed keys,
pause, reset and the timer, checked on both views against their sessions."""

from __future__ import annotations

import pytest

from tutor.app.screens.axon import ROWS_PER_S, AxonScreen
from tutor.app.screens.live import LiveModelScreen
from tutor.app.screens.neuron import NeuronScreen

from .helpers import open_screen

SIZE = (120, 40)
VIEWS = [pytest.param("a", AxonScreen, id="axon"), pytest.param("n", NeuronScreen, id="neuron")]


@pytest.mark.parametrize(("key", "view"), VIEWS)
async def test_speed_keys_step_through_the_views_speeds_and_stop_at_the_ends(
    make_app, key: str, view: type[LiveModelScreen]
) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, key, view)
        speeds = view.SPEEDS_MS_PER_S
        assert screen.speed == view.DEFAULT_SPEED
        seen = [screen.speed]
        for _ in speeds:
            await pilot.press("right_square_bracket")
            seen.append(screen.speed)
        for _ in speeds:
            await pilot.press("left_square_bracket")
            seen.append(screen.speed)
        k = speeds.index(view.DEFAULT_SPEED)
        up = [speeds[min(k + i, len(speeds) - 1)] for i in range(len(speeds) + 1)]
        down = [speeds[max(len(speeds) - 1 - i, 0)] for i in range(1, len(speeds) + 1)]
        assert seen == up + down
        if isinstance(screen, AxonScreen):  # a picture row every 1/ROWS_PER_S wall seconds
            assert screen.session.sample_ms == pytest.approx(screen.speed / ROWS_PER_S)
        # a speed set from elsewhere, not in the list: the keys step from the default
        screen.speed = 1234.0
        await pilot.press("right_square_bracket")
        assert screen.speed == speeds[min(k + 1, len(speeds) - 1)]


@pytest.mark.parametrize(("key", "view"), VIEWS)
async def test_pause_stops_model_time_not_the_frames_and_reset_returns_to_zero(
    make_app, key: str, view: type[LiveModelScreen]
) -> None:
    app = make_app(questions=False, live=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, key, view)
        await pilot.pause(0.3)
        assert screen.session.t_ms > 0
        await pilot.press("p")
        assert not screen.running
        t_paused, frames = screen.session.t_ms, screen.frames
        await pilot.pause(0.3)
        assert screen.session.t_ms == t_paused and screen.frames > frames
        await pilot.press("r")
        assert screen.session.t_ms == 0.0
        await pilot.press("p")
        await pilot.pause(0.3)
        assert screen.running and screen.session.t_ms > 0
