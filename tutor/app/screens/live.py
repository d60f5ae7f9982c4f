"""The live clock shared by the cable views (axon `a`, neuron `n`).

Both views run a model session in wall-clock time: a timer at `fps` frames per
second turns the wall time since the last frame (at most 0.25 s, so a stalled
terminal does not make the model leap) into model time at `speed` ms per wall
second, advances the session by the whole steps that adds up to (the remainder
is carried to the next frame) and redraws. `p` pauses the model without
stopping the frames, `[`/`]` step through the view's speeds, `r` resets the
session and `escape` goes back to the lab. Tests drive a view with
`advance(ms)` instead of the timer (`live=False`).

A view subclasses `LiveModelScreen[ItsSession]`, sets `SPEEDS_MS_PER_S` and
`DEFAULT_SPEED`, builds its session before calling `super().__init__`, and
implements `redraw()`; `speed_changed()` is its hook for what follows the speed.
The key bindings stay in each view, whose footer order is its own.
"""

from __future__ import annotations

import time
from typing import ClassVar, Generic, Protocol, TypeVar

from textual.screen import Screen
from textual.timer import Timer

from tutor.app.messages import BackToLab

#: Longest wall interval one frame turns into model time (s): after a stall the model
#: resumes where it was instead of leaping ahead.
MAX_FRAME_WALL_S = 0.25


class LiveSession(Protocol):
    """What the clock needs of a session: its step, its time, a way to advance and reset it."""

    @property
    def dt_ms(self) -> float: ...

    @property
    def t_ms(self) -> float: ...

    def advance(self, ms: float) -> int: ...

    def reset(self) -> None: ...


SessionT = TypeVar("SessionT", bound=LiveSession)


class LiveModelScreen(Screen[None], Generic[SessionT]):
    """A screen whose session runs in wall-clock time (see the module docstring)."""

    #: Model speeds offered by [ and ] (ms of model time per wall second).
    SPEEDS_MS_PER_S: ClassVar[tuple[float, ...]] = (1.0,)
    #: The speed a view starts at (one of SPEEDS_MS_PER_S; also where [ and ] start
    #: from should the speed have been set to another value).
    DEFAULT_SPEED: ClassVar[float] = 1.0

    def __init__(self, session: SessionT, live: bool = True, fps: float = 40.0) -> None:
        super().__init__()
        self.session = session
        self.live = live
        self.fps = fps
        self.speed = self.DEFAULT_SPEED
        self.running = True
        self.frames = 0
        self._due_ms = 0.0
        self._last = time.monotonic()
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self.redraw()
        if self.live:
            self._last = time.monotonic()
            self._timer = self.set_interval(1 / self.fps, self._tick)

    # -- time ----------------------------------------------------------------------------
    def _tick(self) -> None:
        now = time.monotonic()
        wall = min(now - self._last, MAX_FRAME_WALL_S)
        self._last = now
        if not self.is_current:
            return
        if self.running:
            self._due_ms += wall * self.speed
            steps = int(self._due_ms / self.session.dt_ms)
            if steps > 0:
                ms = steps * self.session.dt_ms
                self._due_ms -= ms
                self.session.advance(ms)
        self.redraw()

    def advance(self, ms: float) -> None:
        """Advance model time by `ms` and redraw (tests drive the view with this)."""
        self.session.advance(ms)
        self.redraw()

    def redraw(self) -> None:
        """Draw the view from the session, now (each view draws its own)."""
        raise NotImplementedError

    # -- actions -------------------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        self.running = not self.running
        self._last = time.monotonic()
        self.redraw()

    def action_speed(self, direction: int) -> None:
        speeds = self.SPEEDS_MS_PER_S
        k = speeds.index(self.speed if self.speed in speeds else self.DEFAULT_SPEED)
        self.speed = speeds[min(max(k + direction, 0), len(speeds) - 1)]
        self.speed_changed()
        self.redraw()

    def speed_changed(self) -> None:
        """Called after `[`/`]` changed `speed`, before the redraw (nothing by default)."""

    def action_reset(self) -> None:
        self.session.reset()
        self.redraw()

    def action_back(self) -> None:
        self.post_message(BackToLab())
