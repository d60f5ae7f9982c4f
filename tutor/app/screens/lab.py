"""The Lab screen: the live membrane, its phases, and every lab key.

The screen is a view over :class:`~tutor.app.lab_session.LabSession`: a timer
advances the model by the model time due since the last tick (speed × wall
time), feeds the phase machine, and redraws. New events are posted to the
app (`LabScreen.NewEvents`), which matches question triggers and opens the
modal.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from tutor.app.instrument import (
    Baseline,
    describe,
    differences,
    keep_baseline,
    readout_at,
    run_start_ms,
    summarise,
)
from tutor.app.lab_session import SLOW_DT_MS, LabError, LabSession, next_interval
from tutor.app.settings import SPEEDS_MS_PER_S, AppSettings
from tutor.app.widgets.band import BandView
from tutor.app.widgets.banner import EventLog, LabSnapshot, ParamPanel, PhaseBanner, listed
from tutor.app.widgets.footer import FittingFooter
from tutor.app.widgets.plot import Label, PlotData, PlotView
from tutor.app.widgets.theme import (
    BASELINE_STYLE,
    CURRENT_COLOURS,
    CURRENT_NAMES,
    FAILED_MARKER_STYLE,
    GATE_COLOURS,
    GATE_NAMES,
    MARKER_STYLE,
    PHASE_STYLES,
    STIMULUS_MARKER_STYLE,
    legend,
)
from tutor.lab.events import Event
from tutor.lab.notation import MODERN, Notation
from tutor.quiz.safety import printable

#: Voltage axis (mV): covers both presets' AHP and overshoot.
V_RANGE = (-100.0, 60.0)
_MARKER = len(PHASE_STYLES)
_STIM = _MARKER + 1
_FAILED = _MARKER + 2
_BASELINE = _MARKER + 3
#: Stimulus widths the ← → keys step through (ms): 1-2-5 steps, so 1 ms is always reachable.
WIDTHS_MS: tuple[float, ...] = (
    0.05,
    0.1,
    0.2,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    20.0,
    50.0,
    100.0,
    200.0,
    500.0,
)
#: Time-axis widths the zoom keys step through (ms): 1-2-5 steps plus the 30 ms default.
ZOOM_WINDOWS_MS: tuple[float, ...] = (
    1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0, 200.0, 500.0,
    1000.0, 2000.0, 5000.0, 10000.0,
)  # fmt: skip
#: Marker labels drawn at most on the V plot (beyond: only the newest few).
MAX_LABELS = 24
#: Auto-slow: near a stimulus or a spike the model runs at most this fast that a spike takes
#: at least this many wall seconds to cross the window (30 ms window: 10 ms/s, 3 s).
EVENT_VIEW_S = 3.0
#: Phases of a spike in progress (auto-slow holds while the membrane is in one).
_SPIKE_PHASES = frozenset({"threshold", "depolarization", "repolarization"})
#: Slow-time (minutes) mode speeds offered by `[` and `]`: model seconds per wall second.
SLOW_SPEEDS_S_PER_S: tuple[float, ...] = (5.0, 10.0, 30.0, 60.0)
#: Slow-time mode's starting speed (s/s): ten minutes of model time in 20 s.
DEFAULT_SLOW_SPEED_S_PER_S = 30.0
#: Width of the slow-time trace (ms of model time): ten minutes.
SLOW_WINDOW_MS = 600_000.0
#: Lab actions that have no meaning in slow-time mode (stimuli, phase tools).
_FAST_ONLY = frozenset({"stimulate", "step", "cursor", "baseline", "measure_threshold",
                        "convention", "toggle_plot", "export", "scroll", "scroll_oldest",
                        "zoom", "live", "auto_slow", "save_setup"})  # fmt: skip
_PULSE_COUNTS = (1, 2, 3, 5, 10)
#: The getting-started panel's first steps: (key, the action it runs, what to expect).
#: Tests check each key really runs that action, so the panel cannot advertise a wrong key.
FIRST_STEPS: tuple[tuple[str, str, str], ...] = (
    ("space", "stimulate", "stimulate: a pulse fires the membrane — watch the spike"),
    ("p", "toggle_pause", "pause or resume; [ and ] slow down or speed up"),
    ("k", "cursor", "a cursor on the trace: t, V, gates and currents at that instant"),
    ("t", "block('ttx')", "block Na⁺ channels with TTX, then stimulate again"),
    ("l", "app.lessons", "the lessons: text, questions and try-it set-ups"),
    ("question_mark", "app.help", "every key, the colours, and a glossary"),
)


class LabScreen(Screen[None]):
    """Live trace coloured by phase, refractory band, gates/currents, banner, panel."""

    class NewEvents(Message):
        """The model emitted these events (time-ordered); the app matches question triggers."""

        def __init__(self, events: list[Event]) -> None:
            super().__init__()
            self.events = events

    BINDINGS: ClassVar[list[BindingType]] = [
        # The keys a newcomer needs come first, so an 80-column footer still shows them
        # (help, lessons and quit are the app's; repeated here only to order the footer).
        Binding(
            "question_mark", "app.help", "Help", tooltip="every key, and what the colours mean"
        ),
        Binding("space", "stimulate", "Stim", tooltip="deliver the stimulus shown in the panel"),
        Binding("p", "toggle_pause", "Pause", tooltip="pause / resume model time"),
        Binding("l", "app.lessons", "Lessons", tooltip="lesson list, text and try-it steps"),
        Binding("q", "app.quit", "Quit", tooltip="leave the tutor (progress is already saved)"),
        Binding("full_stop", "step", "Step", tooltip="pause and advance one step"),
        Binding(
            "left_square_bracket",
            "slower",
            "Speed",
            key_display="[ ]",
            tooltip="Slower/faster: slow motion, one speed step down (] is faster)",
        ),
        Binding("right_square_bracket", "faster", "Faster", show=False, tooltip="run faster"),
        Binding(
            "A",
            "auto_slow",
            "Auto-slow",
            show=False,
            tooltip="auto-slow on/off: near a stimulus or spike, fast speeds drop so that a "
            f"spike takes ≥ {EVENT_VIEW_S:g} s to cross the window",
        ),
        Binding("up", "amp(1)", "Amp +", show=False, tooltip="stimulus amplitude up"),
        Binding("down", "amp(-1)", "Amp −", show=False, tooltip="stimulus amplitude down"),
        Binding(
            "right",
            "width(1)",
            "Width +",
            show=False,
            tooltip="stimulus width longer (1-2-5 steps)",
        ),
        Binding("left", "width(-1)", "Width −", show=False, tooltip="stimulus width shorter"),
        Binding(
            "k", "cursor", "Cursor", tooltip="cursor readout: ←/→ move it (Shift: ×10), Esc closes"
        ),
        Binding(
            "shift+right",
            "cursor_move(10)",
            "Cursor ≫",
            show=False,
            tooltip="cursor 10 steps later",
        ),
        Binding(
            "shift+left",
            "cursor_move(-10)",
            "Cursor ≪",
            show=False,
            tooltip="cursor 10 steps earlier",
        ),
        Binding(
            "escape", "close_cursor", "Close cursor", show=False, tooltip="close the cursor readout"
        ),
        Binding(
            "b", "baseline", "Baseline", tooltip="keep this run as a dimmed baseline / clear it"
        ),
        Binding(
            "greater_than_sign,pagedown",
            "scroll(1)",
            "Later",
            show=False,
            tooltip="scroll forward through the run by half a window",
        ),
        Binding("home", "scroll_oldest", "Oldest", show=False, tooltip="oldest kept sample"),
        Binding(
            "z",
            "zoom(-1)",
            "Zoom",
            key_display="z Z",
            show=False,
            tooltip="zoom the time axis in (Z: out)",
        ),
        Binding("Z", "zoom(1)", "Zoom out", show=False, tooltip="zoom the time axis out"),
        Binding(
            "0", "live", "Live", show=False, tooltip="back to the live trace at the 30 ms window"
        ),
        Binding("t", "block('ttx')", "TTX", tooltip="toggle TTX: blocks Na⁺ channels (gNa = 0)"),
        Binding("e", "block('tea')", "TEA", tooltip="toggle TEA: blocks K⁺ channels (gK = 0)"),
        Binding("g", "toggle_plot", "Gates", tooltip="second plot: gates m h n / currents"),
        Binding(
            "v",
            "convention",
            "Convention",
            show=False,
            tooltip="voltage display: modern / Hodgkin–Huxley 1952 (rest = 0, depolarization negative)",
        ),
        Binding("r", "reset", "Reset", tooltip="back to the resting state at t = 0"),
        Binding(
            "less_than_sign,pageup",
            "scroll(-1)",
            "History",
            key_display="< >",
            # after the keys a newcomer needs first: in the footer from about 130 columns
            # (help, the palette and the paused plot's title name it at any width)
            tooltip="scroll back through the run (> forward) by half a window; 0 back to live",
        ),
        Binding("x", "export", "Export", tooltip="trace CSV + SVG screenshot to this folder"),
        Binding(
            "S",
            "save_setup",
            "Save setup",
            show=False,
            tooltip="save stimulus, preset, blocks, temperature (and --set values) as "
            "neuron-setup-<time>.toml here; open it with `tutor lab --setup FILE`",
        ),
        Binding(
            "c", "pulses", "Pulses", show=False, tooltip="pulse count: 1, 2 (paired), 3, 5, 10"
        ),
        Binding(
            "i", "interval(1)", "Interval +", show=False, tooltip="longer interval between pulses"
        ),
        Binding("I", "interval(-1)", "Interval −", show=False, tooltip="shorter interval"),
        Binding(
            "m",
            "measure_threshold",
            "Threshold",
            show=False,
            tooltip="measure this pulse's threshold from rest (runs in the background)",
        ),
        Binding("o", "preset", "Preset", show=False, tooltip="switch preset (textbook / squid)"),
        Binding("plus,equals_sign", "celsius(1)", "Temp +", show=False, tooltip="warmer by 1 °C"),
        Binding("minus", "celsius(-1)", "Temp −", show=False, tooltip="cooler by 1 °C"),
        Binding(
            "left_curly_bracket",
            "ko(-1)",
            "[K⁺]ₒ −",
            show=False,
            tooltip="lower external K⁺ one step (2.5 5 7.5 10 mM): E_K and rest follow",
        ),
        Binding(
            "right_curly_bracket",
            "ko(1)",
            "[K⁺]ₒ +",
            show=False,
            tooltip="raise external K⁺ one step (2.5 5 7.5 10 mM): E_K and rest follow",
        ),
        Binding(
            "O",
            "ouabain",
            "Ouabain",
            show=False,
            tooltip="toggle ouabain: blocks the Na⁺/K⁺ pump (ipump = 0), from now on",
        ),
        Binding(
            "M",
            "slow_time",
            "Minutes",
            show=False,
            tooltip="slow time: play minutes of model time (the run-down after ouabain); M returns",
        ),
    ]

    def __init__(self, settings: AppSettings) -> None:
        super().__init__()
        self.settings = settings
        # Live: the model (engine, C kernel, presets, probes) is built after the first frame,
        # so the learner sees the lab at once. Tests (live=False) get it immediately.
        self.session: LabSession | None = None
        """The running membrane; None until built (live: in a worker after the first frame)."""
        if not settings.live:
            self.session = LabSession(settings.preset, dt_ms=settings.dt_ms)
        self.running = True
        self.speed = self._nearest_speed(settings.speed_ms_per_s)
        self.auto_slow = True
        """Slow fast speeds near stimuli and spikes (`A`), so a spike can be seen."""
        self.slow_speed_s_per_s = DEFAULT_SLOW_SPEED_S_PER_S
        """Model seconds per wall second in slow-time mode."""
        self.plot2 = "gates"
        self.convention = "modern"
        self.message = ""
        self._due_ms = 0.0
        self._last_tick = time.monotonic()
        self._timer: Timer | None = None
        self._dirty = True
        self.frames = 0
        self.threshold: tuple[float, float | None] | str | None = None
        self._kernel_notice_shown = False
        self.cursor_ms: float | None = None
        """Model time of the cursor readout (`k`); None when it is closed."""
        self.baseline: Baseline | None = None
        """The run kept with `b`, drawn dimmed under the next runs."""
        self.window_ms = settings.window_ms
        """Width of the time axis, ms (zoom: `z`/`Z`)."""
        self._welcome_pending = False
        """The getting-started panel was asked for before the engine was ready."""
        self.view_end_ms: float | None = None
        """Right edge of the time axis while scrolled back (`<`); None: follow the model."""
        self._open_setup()  # tests build the model at once; live, `_engine_ready` opens it

    def notation(self) -> Notation:
        """How every view writes voltages and currents now: modern, or Hodgkin & Huxley
        1952 about this model's resting potential (`v`; docs/design.md)."""
        if self.convention == "1952" and self.session is not None:
            return Notation(float(self.session.live.rest.v_mV))
        return MODERN

    @property
    def ready(self) -> bool:
        """Whether the model is built (live, it is built in a worker after the first frame)."""
        return self.session is not None

    @property
    def membrane(self) -> LabSession:
        """`session`, once built: lab keys and the timer wait for `ready` before using it."""
        if self.session is None:
            raise RuntimeError("the lab's model is not built yet")
        return self.session

    @staticmethod
    def _nearest_speed(speed: float) -> float:
        return min(SPEEDS_MS_PER_S, key=lambda s: abs(np.log(s / speed)))

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield PhaseBanner(id="banner")
        with Horizontal(id="lab-body"):
            with Vertical(id="plots"):
                palette = [
                    *PHASE_STYLES,
                    MARKER_STYLE,
                    STIMULUS_MARKER_STYLE,
                    FAILED_MARKER_STYLE,
                    BASELINE_STYLE,
                ]
                trace = PlotView(palette, id="trace")
                trace.border_title = "membrane potential V (mV) — coloured by phase"
                yield trace
                yield BandView(id="band")
                gates = PlotView(self._plot2_palette(), y_format="{:.1f}", id="plot2")
                yield gates
            with Vertical(id="side"):
                yield ParamPanel(id="panel")
                log = EventLog(id="events")
                log.border_title = "event stream (t ms · kind · state · V)"
                yield log
        welcome = Static(welcome_text(), id="welcome")
        welcome.border_title = "Getting started — any key closes this"
        welcome.display = False
        yield welcome
        yield FittingFooter(compact=True)

    # -- getting started ---------------------------------------------------------------
    def show_welcome(self) -> None:
        """Show the getting-started panel over the plots; the next key closes it (and
        still does what it does: `space` both closes it and stimulates).

        Live, while the engine is still being built, it waits for it: drawing the panel
        then would hold up the model's start by ~0.2 s (benchmarks/README.md)."""
        if not self.ready:
            self._welcome_pending = True
            return
        self.query_one("#welcome", Static).display = True

    @property
    def welcome_shown(self) -> bool:
        return bool(self.query_one("#welcome", Static).display)

    def on_key(self) -> None:
        """Any key closes the getting-started panel; the key itself is not consumed."""
        self._welcome_pending = False  # a key before the panel appeared: it never will
        if self.welcome_shown:
            self.query_one("#welcome", Static).display = False

    def _plot2_palette(self) -> list[Style]:
        colours = GATE_COLOURS if self.plot2 == "gates" else CURRENT_COLOURS
        return [Style(color=c) for c in colours.values()]

    def on_mount(self) -> None:
        self._set_plot2_title()
        self.redraw()
        if not self.ready:
            self.call_after_refresh(self._start_engine)

    def _start_engine(self) -> None:
        """Build the model off the UI thread (presets, resting state, probes: a few ms)."""
        self._load_engine()

    @work(thread=True, exclusive=True, group="engine")
    def _load_engine(self) -> None:
        try:
            session: LabSession | Exception = LabSession(
                self.settings.preset, dt_ms=self.settings.dt_ms
            )
        except Exception as exc:  # e.g. no usable kernel: say so, don't crash
            session = exc
        self.app.call_from_thread(self._engine_ready, session)

    def _engine_ready(self, session: LabSession | Exception) -> None:
        if isinstance(session, Exception):
            self.query_one("#banner", PhaseBanner).update(
                f" The simulation could not start: {session}"
            )
            return
        self.session = session
        self._open_setup()
        self.engine_ready_at = time.perf_counter()
        self._last_tick = time.monotonic()
        self._timer = self.set_interval(1 / self.settings.fps, self._tick)
        self.refresh_bindings()  # the footer and palette now list the lab keys
        if self._welcome_pending:
            self._welcome_pending = False
            self.show_welcome()
        self.redraw()
        self._announce_kernel()

    def _open_setup(self) -> None:
        """Open the setup given with `tutor lab --setup FILE` (once the model exists)."""
        setup = self.settings.setup
        if setup is None or self.session is None:
            return
        try:
            self.session.apply_setup(setup)
        except LabError as exc:  # e.g. the overrides leave no stable rest
            self.message = "setup refused"
            self.notify(f"The model refused the setup: {exc}", severity="error", markup=False)
            return
        self.message = f"setup opened: {setup.preset} {self.session.params().celsius:g} °C"

    def _announce_kernel(self) -> None:
        """Once per run: say that the numpy kernel stands in for a compiled one that is absent."""
        from tutor.sim import kernel

        note = kernel.notice()
        if note and not self._kernel_notice_shown:
            self._kernel_notice_shown = True  # the lab lives as long as the app: once per run
            self.notify(note, title="Simulation kernel", severity="warning", timeout=10)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Lab keys wait for the engine (a fraction of a second after the first frame)."""
        if action in ("cursor_move", "close_cursor") and self.cursor_ms is None:
            return False  # Shift+arrows and Esc belong to the cursor only while it is open
        if action in _FAST_ONLY and self.session is not None and self.session.slow:
            return False  # no stimuli or phase tools in slow time (M returns)
        return self.ready or action in ("quit", "help", "lessons", "progress", "app.help",
                                        "app.lessons", "app.quit")  # fmt: skip

    @on(Resize)
    def _collapse(self, event: Resize) -> None:
        """Collapse the panel and the second plot on small terminals (80×24)."""
        self.set_class(event.size.width < 100, "-narrow")
        self.set_class(event.size.height < 30, "-short")
        self.set_class(event.size.width >= 160, "-wide")

    # -- time --------------------------------------------------------------------------
    def _tick(self) -> None:
        now = time.monotonic()
        wall = min(now - self._last_tick, 0.25)  # a stalled frame never causes a catch-up burst
        self._last_tick = now
        top = self.app.screen
        if top is not self and not top.is_modal:
            return  # lessons/progress cover the lab: model time waits, no CPU spent
        if self.running:
            self._advance_wall(wall)
        if self._dirty:
            self.redraw()

    def _advance_wall(self, wall_s: float) -> None:
        """Run the model time due for ``wall_s`` wall seconds at the effective speed."""
        self._due_ms += wall_s * self.effective_speed()
        steps = int(self._due_ms / self.membrane.dt_ms + 1e-9)
        if steps > 0:
            ms = steps * self.membrane.dt_ms
            self._due_ms -= ms
            try:
                self.run_sim(ms)
            except Exception as exc:  # a learner's lab must never die with a traceback
                self._due_ms = 0.0
                self.pause("model stopped")
                self.notify(
                    f"The model stopped: {exc}. Press r to reset.",
                    severity="error",
                    markup=False,
                )

    def effective_speed(self) -> float:
        """The speed model time runs at now (ms/s): the chosen one, or — auto-slow, live
        view, near a stimulus or spike — the fastest speed at which a spike takes
        `EVENT_VIEW_S` wall seconds to cross the window, if that is slower."""
        if self.session is not None and self.session.slow:
            return self.model_speed_ms_per_s  # minutes mode: its own speed, no auto-slow
        if not (self.auto_slow and self.live_view and self.ready):
            return self.speed
        cap = self.window_ms / EVENT_VIEW_S
        if self.speed <= cap or not self._near_event():
            return self.speed
        return max((v for v in SPEEDS_MS_PER_S if v <= cap), default=SPEEDS_MS_PER_S[0])

    def _near_event(self) -> bool:
        """A stimulus onset in the window or due within the next tick, a spike in
        progress, or a spike's threshold/peak still in the window."""
        s = self.membrane
        t = s.t_ms
        t0 = t - self.window_ms
        ahead = self.speed / self.settings.fps + 1.0  # the next tick at the full speed
        if any(t0 <= onset <= t + ahead for onset, _, _ in s.pulses[-64:]):
            return True
        if s.phase in _SPIKE_PHASES:
            return True
        for e in reversed(s.events[-64:]):
            if e["t_ms"] < t0:
                break
            if e["kind"] in ("threshold", "spike", "peak"):
                return True
        return False

    def run_sim(self, ms: float) -> list[Event]:
        """Advance the model by ``ms`` (whole samples), then hand events to the triggers."""
        events = self.membrane.advance(ms)
        self._dirty = True
        if events and self.settings.questions:
            self.post_message(self.NewEvents(events))
        return events

    def pause(self, why: str = "", at: Mapping[str, Any] | None = None) -> None:
        """Stop model time (questions call this); the trace stays frozen. With ``at`` (the
        event a question opened on) the banner shows the lab at that event's moment until
        the run resumes, so it names the same time and state as the question's dialog."""
        if at is not None and self.session is not None:
            self.session.freeze(at)
        self.running = False
        self.message = why
        self._dirty = True

    def resume(self) -> None:
        if self.session is not None:
            self.session.unfreeze()
        self.running = True
        self.message = ""
        self._last_tick = time.monotonic()
        self._dirty = True

    @property
    def model_speed_ms_per_s(self) -> float:
        """Model ms per wall second now: the lab's speed, or slow-time mode's."""
        if self.session is not None and self.session.slow:
            return self.slow_speed_s_per_s * 1000.0
        return self.speed

    # -- drawing -----------------------------------------------------------------------
    def snapshot(self) -> LabSnapshot:
        s = self.membrane
        nt = self.notation()
        last: dict[str, tuple[float, float]] = {}
        for ev in reversed(s.events):
            k = ev.get("kind")
            if k in ("threshold", "peak", "ahp_min") and k not in last:
                last[k] = (float(ev["t_ms"]), nt.v(float(ev.get("v_mV", np.nan))))
            if len(last) == 3:
                break
        params = s.params()
        phase, excitability, why, t_ms = s.view(nt if nt.hh1952 else None)
        return LabSnapshot(
            phase=phase,
            excitability=excitability,
            why=why,
            t_ms=t_ms,
            running=self.running,
            speed_ms_per_s=self.model_speed_ms_per_s,
            effective_speed_ms_per_s=self.effective_speed(),
            auto_slow=self.auto_slow,
            preset=s.state.preset,
            celsius=params.celsius,
            blocks=s.state.blocks,
            amp_uA_cm2=s.state.stimulus.amp_uA_cm2,
            width_ms=s.state.stimulus.width_ms,
            count=s.state.stimulus.count,
            interval_ms=s.state.stimulus.interval_ms,
            pulses=s.state.stimulus.pattern,
            plot2=self.plot2,
            last=last,
            threshold=self.threshold,
            message=self.message,
            readout=self.cursor_text(),
            baseline=self.baseline.name if self.baseline is not None else "",
            compare=self.comparison(),
            convention=self.convention,
            ions=s.ion_view() if s.has_ions else None,
            slow=s.slow,
            slow_dt_ms=SLOW_DT_MS,
            slow_spikes=s.slow_spikes,
        )

    # -- instrument: cursor readout and baseline ---------------------------------------
    def _cursor_in(self, xr: tuple[float, float]) -> float | None:
        """The cursor's time, kept inside the window (a live window moves under it)."""
        if self.cursor_ms is None:
            return None
        last = min(xr[1], self.membrane.t_ms)
        self.cursor_ms = float(np.clip(self.cursor_ms, xr[0], max(xr[0], last)))
        return self.cursor_ms

    def cursor_text(self) -> str:
        """The readout at the cursor, from the sample under it ("" when closed)."""
        if self.cursor_ms is None or not self.ready:
            return ""
        r = readout_at(self.window_cols(), self.cursor_ms)
        if r is None:
            return ""
        return r.text(self.notation(), compact=self.has_class("-narrow"))

    def _cursor_step_ms(self) -> float:
        """One braille dot-column of the trace (never less than one sample)."""
        cols = max(self.query_one("#trace", PlotView).plot_cols, 1)
        return max(self.window_ms / (2 * cols), self.membrane.dt_ms)

    def comparison(self) -> list[tuple[str, str]]:
        """Rows comparing the run in view with the baseline ([] without a baseline)."""
        if self.baseline is None or not self.ready:
            return []
        xr = self.x_range()
        w = self.window_cols()
        events = self.membrane.events
        start = run_start_ms(events, xr[0])
        now = summarise(w["t_ms"], w["v_mV"], events, start, float(self.membrane.live.rest.v_mV))
        return differences(now, self.baseline.summary, self.notation())

    def action_cursor(self) -> None:
        """Open the cursor at the latest peak in view (else the newest sample), or close it."""
        if self.cursor_ms is not None:
            self.action_close_cursor()
            return
        xr = self.x_range()
        peaks = [float(e["t_ms"]) for e in self.membrane.markers(*xr) if e["kind"] == "peak"]
        self.cursor_ms = peaks[-1] if peaks else min(self.membrane.t_ms, xr[1])
        self._note("cursor: ← → move (Shift ×10), Esc closes")

    def action_cursor_move(self, steps: int) -> None:
        """Move the cursor by ``steps`` dot-columns of the trace."""
        if self.cursor_ms is None:
            return
        self.cursor_ms += steps * self._cursor_step_ms()
        self._note("")

    def action_close_cursor(self) -> None:
        """Close the cursor readout."""
        self.cursor_ms = None
        self._note("cursor closed")

    # -- history: scroll and zoom the time axis ---------------------------------------
    def _history_note(self) -> str:
        """Where the axis is: live, or which stretch of the kept history."""
        x0, x1 = self.x_range()
        if self.live_view:
            return f"live · window {self.window_ms:g} ms"
        span = self.membrane.buffer.span_ms() or (0.0, 0.0)
        return (
            f"history {x0:.1f}–{x1:.1f} ms of {span[0]:.0f}–{span[1]:.0f} kept (< > scroll, 0 live)"
        )

    def action_scroll(self, direction: int) -> None:
        """Move the time axis back (−1) or forward (+1) by half a window; reaching the
        newest sample follows the model again."""
        end = self.x_range()[1] + direction * self.window_ms / 2
        t = self.membrane.t_ms
        self.view_end_ms = None if end >= t else end
        self._note(self._history_note())

    def action_scroll_oldest(self) -> None:
        """Jump to the oldest kept sample."""
        span = self.membrane.buffer.span_ms()
        if span is not None:
            self.view_end_ms = span[0] + self.window_ms
            if self.view_end_ms >= self.membrane.t_ms:
                self.view_end_ms = None
        self._note(self._history_note())

    def action_zoom(self, direction: int) -> None:
        """Narrow (−1) or widen (+1) the time axis along `ZOOM_WINDOWS_MS`, keeping its
        right edge (the newest sample when live) where it is."""
        self.window_ms = next_step(ZOOM_WINDOWS_MS, self.window_ms, direction)
        self._note(self._history_note())

    def action_live(self) -> None:
        """Back to the live trace at the default window."""
        self.view_end_ms = None
        self.window_ms = self.settings.window_ms
        self._note(self._history_note())

    def action_baseline(self) -> None:
        """Keep the run in view as a named, dimmed baseline; `b` again clears it."""
        if self.baseline is not None:
            self.baseline = None
            self._note("baseline cleared")
            return
        s = self.membrane
        st = s.state.stimulus
        name = describe(
            s.state.preset, s.params().celsius, s.state.blocks, st.amp_uA_cm2, st.width_ms, st.count
        )
        xr = self.x_range()
        self.baseline = keep_baseline(
            self.window_cols(), s.events, xr[0], float(s.live.rest.v_mV), name
        )
        self._note(f"baseline kept: {name}")

    def x_range(self) -> tuple[float, float]:
        """The time axis shown (ms): the latest ``window_ms`` (live), or a stretch of the
        kept history ending at ``view_end_ms`` (scrolled back), never before the oldest
        kept sample."""
        w = self.window_ms
        t = self.membrane.t_ms
        if self.view_end_ms is None:
            return (t - w, t) if t > w else (0.0, w)
        span = self.membrane.buffer.span_ms()
        oldest = span[0] if span else 0.0
        end = max(self.view_end_ms, oldest + w)
        if end >= t:  # scrolled up to the newest sample: follow the model again
            self.view_end_ms = None
            return (t - w, t) if t > w else (0.0, w)
        self.view_end_ms = end
        return (end - w, end)

    @property
    def live_view(self) -> bool:
        """Whether the time axis follows the model (not scrolled back into history)."""
        return self.view_end_ms is None

    def window_cols(self) -> dict[str, np.ndarray]:
        """The kept samples on the time axis shown (one either side)."""
        return self.membrane.buffer.between(*self.x_range())

    def redraw(self) -> None:
        """Push the current window into every view (called at most once per tick)."""
        self._dirty = False
        self.frames += 1
        if self.frames == 1:
            self.first_redraw_at = time.perf_counter()
        if not self.ready:
            self.query_one("#banner", PhaseBanner).update(" starting the membrane…")
            return
        if self.membrane.slow:
            self._redraw_slow()
            return
        xr = self.x_range()
        w = self.membrane.buffer.between(*xr)
        t = w["t_ms"]
        nt = self.notation()
        hh1952 = nt.hh1952
        rest = nt.rest_mV if nt.rest_mV is not None else 0.0
        disp = nt.v

        def disp_trace(v: np.ndarray) -> np.ndarray:
            """`disp` over a whole trace (one convention for plot, panel, banner, cursor)."""
            return -(v - rest) if hh1952 else v

        up, down = ("below", "above") if hh1952 else ("above", "below")
        y_range = (-120.0, 40.0) if hh1952 else V_RANGE
        labels: list[Label] = []
        for ev in self.membrane.markers(*xr):
            k, tm, v = ev["kind"], float(ev["t_ms"]), float(ev.get("v_mV", 0.0))
            dv = float(disp(v))
            if k == "peak":
                arrow = "▲" if hh1952 else "▼"  # pointing at the peak, drawn below in 1952
                labels.append(Label(tm, dv, f"{arrow}peak {dv:+.1f} mV", _MARKER, up))
            elif k == "threshold":
                labels.append(Label(tm, dv, f"thr {dv:+.1f} mV◆", _MARKER, "left"))
            elif k == "ahp_min":
                arrow = "▼" if hh1952 else "▲"
                labels.append(Label(tm, dv, f"{arrow}AHP {dv:+.1f} mV", _MARKER, down))
            elif k == "threshold_failed":
                labels.append(Label(tm, dv, "✗ no spike", _FAILED, up))
            elif k == "stimulus_on":
                y_stim = y_range[1] - 4 if hh1952 else y_range[0] + 4
                labels.append(Label(tm, y_stim, "ϟstim", _STIM, "right"))
        if len(labels) > MAX_LABELS:
            # zoomed out over many spikes: labels would overwrite one another (and cost a
            # frame's time); the newest ones stay, the cursor reads any other moment
            labels = labels[-MAX_LABELS // 4 :]
        trace = self.query_one("#trace", PlotView)
        series: list[tuple[np.ndarray, np.ndarray, np.ndarray | int]] = []
        if self.baseline is not None:
            # the kept run, aligned on the stimulus onset of the run in view, under the trace
            start = run_start_ms(self.membrane.events, xr[0])
            series.append((self.baseline.t_ms + start, disp_trace(self.baseline.v_mV), _BASELINE))
        series.append((t, disp_trace(w["v_mV"]), w["phase"]))
        cursor = self._cursor_in(xr)
        wide = self.window_ms > self.settings.window_ms  # zoomed out: draw envelopes
        trace.set_data(
            PlotData(xr, y_range, series, labels, cursor_x=cursor, y_lines=[0.0], envelope=wide)
        )
        base_title = f" · dim: baseline {self.baseline.name}" if self.baseline else ""
        if not self.live_view:
            base_title = f"HISTORY {xr[0]:.1f}–{xr[1]:.1f} ms · 0: live" + base_title
        elif self.window_ms != self.settings.window_ms:
            base_title = f"window {self.window_ms:g} ms · 0: default" + base_title
        elif not self.running and xr[0] > (self.membrane.buffer.span_ms() or xr)[0]:
            # paused with more run kept than the window shows: where the history keys help
            base_title = "paused · < > scroll back · z Z zoom" + base_title
        if trace.border_subtitle != base_title:
            trace.border_subtitle = base_title
        self.query_one("#band", BandView).set_data(t, w["phase"], w["exc"], xr)
        plot2 = self.query_one("#plot2", PlotView)
        if self.plot2 == "gates":
            gates = [(t, w[g], i) for i, g in enumerate("mhn")]
            plot2.set_data(PlotData(xr, (0.0, 1.0), gates, cursor_x=cursor, envelope=wide))
        else:
            names = list(CURRENT_COLOURS)
            sign = -1.0 if hh1952 else 1.0  # 1952: inward current positive (HH eq. 1)
            currents = [(t, sign * w[c], i) for i, c in enumerate(names)]
            peak = max((float(np.abs(w[c]).max()) for c in names if len(w[c])), default=0.0)
            lim = float(max(10.0, np.ceil(peak * 1.1 / 10) * 10))
            plot2.set_data(
                PlotData(xr, (-lim, lim), currents, cursor_x=cursor, y_lines=[0.0], envelope=wide)
            )
        snap = self.snapshot()
        self.query_one("#banner", PhaseBanner).show(snap, compact=self.has_class("-narrow"))
        self.query_one("#panel", ParamPanel).show(snap)
        if self.has_class("-wide"):
            log = self.query_one("#events", EventLog)
            log.show_events(self.membrane.events, log.size.height, nt.v)

    def slow_x_range(self) -> tuple[float, float]:
        """The slow-time trace's window (ms): the last SLOW_WINDOW_MS, from its start."""
        s = self.membrane
        t0 = float(s.slow_trace.cols["t_ms"][0]) if len(s.slow_trace) else s.t_ms
        t = s.t_ms
        return (t - SLOW_WINDOW_MS, t) if t - t0 > SLOW_WINDOW_MS else (t0, t0 + SLOW_WINDOW_MS)

    def _redraw_slow(self) -> None:
        """Slow time: V and [Na⁺]ᵢ over minutes (x in s), the clock in minutes."""
        s = self.membrane
        xr_ms = self.slow_x_range()
        xr = (xr_ms[0] / 1000.0, xr_ms[1] / 1000.0)
        w = s.slow_trace.since(xr_ms[0])
        t_s = w["t_ms"] / 1000.0
        trace = self.query_one("#trace", PlotView)
        trace.x_unit = "s"
        trace.border_title = "membrane potential V (mV) over minutes — not coloured by phase"
        trace.set_data(PlotData(xr, V_RANGE, [(t_s, w["v_mV"], _MARKER)], [], y_lines=[0.0]))
        self.query_one("#band", BandView).set_data(
            np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), xr_ms
        )
        plot2 = self.query_one("#plot2", PlotView)
        plot2.x_unit = "s"
        plot2.border_title = "[Na⁺]ᵢ (mM) over minutes"
        plot2.y_format = "{:.1f}"
        top = float(np.max(w["nai"])) if len(w["nai"]) else 20.0
        y_top = float(max(20.0, np.ceil(top * 1.2 / 10.0) * 10.0))
        plot2.set_data(PlotData(xr, (0.0, y_top), [(t_s, w["nai"], 0)]))
        snap = self.snapshot()
        self.query_one("#banner", PhaseBanner).show(snap, compact=self.has_class("-narrow"))
        self.query_one("#panel", ParamPanel).show(snap)

    def _set_plot2_title(self) -> None:
        plot2 = self.query_one("#plot2", PlotView)
        # the legend names each line in the colour it is drawn in (one table: theme.py)
        if self.plot2 == "gates":
            plot2.border_title = "gates  " + legend(GATE_COLOURS, GATE_NAMES, with_key=True)
        else:
            legend_text = legend(CURRENT_COLOURS, CURRENT_NAMES)
            sign = "1952: inward +" if self.convention == "1952" else "outward +"
            plot2.border_title = f"currents µA/cm² ({sign})  " + legend_text
        plot2.palette = self._plot2_palette()
        plot2.y_format = "{:.1f}" if self.plot2 == "gates" else "{:+.0f}"

    # -- actions -----------------------------------------------------------------------
    def _note(self, text: str) -> None:
        """Show what a key did, now (not at the next tick: keys must feel instant)."""
        self.message = printable(text)
        self.redraw()

    def action_stimulate(self) -> None:
        """Deliver the stimulus shown in the panel, starting 0.5 ms from now."""
        pulses = self.membrane.deliver()
        if not pulses:
            self._note("stimulus queue full: wait for the queued pulses to run")
            return
        amps = listed([a for _, _, a in pulses], "µA/cm²")
        self._note(f"⚡ {len(pulses)} pulse(s) of {amps}")

    def action_toggle_pause(self) -> None:
        """Pause or resume model time."""
        if self.running:
            self.pause("")
        else:
            self.resume()
        self._note("")

    def action_step(self) -> None:
        """Pause and advance one step (``step_ms`` of model time)."""
        self.running = False
        self.run_sim(self.settings.step_ms)
        self._note(f"step +{self.settings.step_ms:g} ms")

    def _change_speed(self, direction: int) -> None:
        if self.membrane.slow:
            i = SLOW_SPEEDS_S_PER_S.index(self.slow_speed_s_per_s)
            j = int(np.clip(i + direction, 0, len(SLOW_SPEEDS_S_PER_S) - 1))
            self.slow_speed_s_per_s = SLOW_SPEEDS_S_PER_S[j]
            self._note("slower" if direction < 0 else "faster")
            return
        i = SPEEDS_MS_PER_S.index(self.speed)
        self.speed = SPEEDS_MS_PER_S[int(np.clip(i + direction, 0, len(SPEEDS_MS_PER_S) - 1))]
        self._note("slower" if direction < 0 else "faster")  # the banner shows the speed

    def action_slower(self) -> None:
        """Slow motion: fewer model ms per wall second."""
        self._change_speed(-1)

    def action_faster(self) -> None:
        """More model ms per wall second."""
        self._change_speed(1)

    def action_auto_slow(self) -> None:
        """Auto-slow near stimuli and spikes on/off."""
        self.auto_slow = not self.auto_slow
        cap = self.window_ms / EVENT_VIEW_S
        self._note(f"auto-slow {'on' if self.auto_slow else 'off'} (≤ {cap:g} ms/s near spikes)")

    def action_amp(self, direction: int) -> None:
        """Stimulus amplitude up/down (1 µA/cm² steps, 0.5 below 5)."""
        a = self.membrane.state.stimulus.amp_uA_cm2
        step = 0.5 if abs(a + direction * 0.25) < 5 else 1.0
        s = self.membrane.set_stimulus(amp_uA_cm2=a + direction * step)
        self._note(f"amplitude {s.amp_uA_cm2:g} µA/cm²")

    def action_width(self, direction: int) -> None:
        """Stimulus width longer/shorter along 1-2-5 steps; moves the cursor while it is open."""
        if self.cursor_ms is not None:
            self.action_cursor_move(direction)
            return
        w = self.membrane.state.stimulus.width_ms
        s = self.membrane.set_stimulus(width_ms=next_width(w, direction))
        self._note(f"width {s.width_ms:g} ms")

    def action_pulses(self) -> None:
        """Cycle the pulse count (1 = single, 2 = paired pulse, …)."""
        c = self.membrane.state.stimulus.count
        nxt = (
            _PULSE_COUNTS[(_PULSE_COUNTS.index(c) + 1) % len(_PULSE_COUNTS)]
            if c in _PULSE_COUNTS
            else 1
        )
        self.membrane.set_stimulus(count=nxt)
        self._note(f"{nxt} pulse(s)")

    def action_interval(self, direction: int = 1) -> None:
        """Onset-to-onset interval of a train / paired pulse, one grid step longer or
        shorter (`lab_session.next_interval`: 0.5 ms steps below 5 ms, 1 ms to 20 ms …)."""
        iv = self.membrane.state.stimulus.interval_ms
        s = self.membrane.set_stimulus(interval_ms=next_interval(iv, direction))
        self._note(f"interval {s.interval_ms:g} ms")

    def _left_slow(self) -> None:
        """The plots back to ms (and phases) after slow time."""
        for pid in ("#trace", "#plot2"):
            self.query_one(pid, PlotView).x_unit = "ms"
        self.query_one(
            "#trace", PlotView
        ).border_title = "membrane potential V (mV) — coloured by phase"
        self._set_plot2_title()
        self.refresh_bindings()

    def _restarted(self) -> None:
        """After any restart from rest: what described the old run no longer holds.

        A measured threshold belonged to the old membrane, and model time owed to the old
        run is dropped. (The trigger matcher needs no telling: events carry `from`.)
        """
        self.threshold = None
        self._due_ms = 0.0
        self.view_end_ms = None  # the old run's history is gone
        if self.query_one("#trace", PlotView).x_unit != "ms":
            self._left_slow()  # a restart always comes back from slow time

    def _refused(self, exc: Exception) -> None:
        self.notify(f"The model refused that change: {exc}", severity="error", markup=False)
        self._note("change refused")

    def action_block(self, name: str) -> None:
        """Toggle TTX (gNa = 0) or TEA (gK = 0) from now on."""
        try:
            on = self.membrane.toggle_block(name)
        except LabError as exc:
            self._refused(exc)
            return
        self._note(f"{name.upper()} {'on' if on else 'off'}")

    def action_ko(self, direction: int) -> None:
        """External K⁺ one step down/up (`KO_STEPS_MM`), from now on; says where rest goes."""
        try:
            ko = self.membrane.set_ko(direction)
        except LabError as exc:
            self._refused(exc)
            return
        ions = self.membrane.ion_view()
        where = "no stable rest" if ions.rest_mV is None else f"rest → {ions.rest_mV:.1f} mV"
        self._note(f"[K⁺]ₒ {ko:g} mM: E_K {ions.e_mV['k']:.1f} mV, {where}")

    def action_ouabain(self) -> None:
        """Toggle ouabain (the Na⁺/K⁺ pump blocked) from now on."""
        if not self.membrane.has_ions or self.membrane.base_params().ipump <= 0:
            self._note("this preset has no Na⁺/K⁺ pump: ouabain changes nothing")
            return
        try:
            on = self.membrane.toggle_block("ouabain")
        except LabError as exc:
            self._refused(exc)
            return
        hint = " (M plays minutes: watch the run-down)" if on and not self.membrane.slow else ""
        self._note(f"ouabain {'on: pump blocked' if on else 'off: pump running'}{hint}")

    def action_slow_time(self) -> None:
        """Enter or leave slow-time mode (minutes of model time; see LabSession.set_slow)."""
        s = self.membrane
        s.set_slow(not s.slow)
        self.cursor_ms = None
        self._due_ms = 0.0
        if s.slow:
            self.refresh_bindings()
        else:
            self._left_slow()
        self._note(
            f"minutes mode: {self.slow_speed_s_per_s:g} s of model time per second"
            if s.slow
            else "back to ms: phases followed again"
        )

    def action_toggle_plot(self) -> None:
        """Switch the second plot between gates and currents."""
        self.plot2 = "currents" if self.plot2 == "gates" else "gates"
        self._set_plot2_title()
        self._note(f"showing {self.plot2}")

    def action_convention(self) -> None:
        """Display only: modern V, or the 1952 paper's V (rest = 0, depolarization negative)."""
        self.convention = "1952" if self.convention == "modern" else "modern"
        trace = self.query_one("#trace", PlotView)
        trace.border_title = (
            "membrane potential V (mV) — coloured by phase"
            if self.convention == "modern"
            else "V as in Hodgkin & Huxley 1952: rest = 0, depolarization NEGATIVE — coloured by phase"
        )
        self._set_plot2_title()  # currents change sign with the convention
        self._note(f"{self.convention} voltage convention")

    def action_reset(self) -> None:
        """Back to the resting state at t = 0 (knobs kept)."""
        self.membrane.reset()
        self._restarted()
        self._note("reset to rest")

    def action_preset(self) -> None:
        """Cycle the preset (restarts from its rest)."""
        from tutor.sim import preset_names

        names = list(preset_names())
        cur = self.membrane.state.preset
        nxt = names[(names.index(cur) + 1) % len(names)] if cur in names else names[0]
        if self.switch_preset(nxt):
            self._note(f"preset {nxt}")

    def switch_preset(self, name: str) -> bool:
        """Switch to preset `name` and restart from its rest (False, said why, if refused)."""
        try:
            self.membrane.set_preset(name)
        except LabError as exc:
            self._refused(exc)
            return False
        self._restarted()
        return True

    def study(self, preset: str, title: str) -> None:
        """Start studying a lesson: every knob back to its default on the lesson's preset
        (temperature, drugs, overrides, holding current, stimulus), from rest; the cursor
        and a baseline from earlier play are dropped; the title in the banner."""
        try:
            self.membrane.start_fresh(preset)
        except LabError as exc:
            self._refused(exc)
            return
        self._restarted()
        self._lesson_view()
        self.cursor_ms = None
        self.baseline = None
        self._note(f"studying: {title}")

    def _lesson_view(self) -> None:
        """A lesson (or its try-it step) is read on the live trace at the default window:
        a zoom or a scroll from earlier play would hide the spike it is about."""
        self.window_ms = self.settings.window_ms
        self.view_end_ms = None

    def note(self, text: str) -> None:
        """Say something in the banner now (the app's requests: leaving a lesson …)."""
        self._note(text)

    def action_celsius(self, direction: int) -> None:
        """Temperature ±1 °C (rates scale with Q10 = 3)."""
        c = self.membrane.params().celsius + direction
        try:
            self.membrane.set_celsius(round(c, 1))
        except LabError as exc:
            self._refused(exc)
            return
        self._note(f"temperature {self.membrane.params().celsius:g} °C")

    def action_export(self) -> None:
        """Write the trace CSV and an SVG screenshot; the paths are shown."""
        folder = Path(self.settings.export_dir or Path.cwd())
        try:
            csv_path, stamp = unique_export_path(folder)
            rows = self.membrane.export_csv(csv_path)
            self.redraw()
            svg = self.app.save_screenshot(filename=f"neuron-lab-{stamp}.svg", path=str(folder))
        except OSError as exc:  # read-only folder, disk full: say so, keep running
            self._note("export failed")
            self.notify(
                f"export to {folder} failed: {exc.strerror or exc}", severity="error", markup=False
            )
            return
        self.last_export = (csv_path, Path(svg))
        self._note(f"exported → {folder}")
        self.notify(
            f"{rows} samples → {csv_path}\nscreenshot → {svg}",
            title="Exported",
            timeout=8,
            markup=False,
        )

    def action_save_setup(self) -> None:
        """Write the lab's knobs to a new setup file beside the exports; the path is shown."""
        from tutor.app.setups import SETUP_PREFIX

        folder = Path(self.settings.export_dir or Path.cwd())
        try:
            path, _ = unique_export_path(folder, SETUP_PREFIX, ".toml")
            path.write_text(self.membrane.setup().to_toml(), encoding="utf-8")
        except OSError as exc:
            self._note("setup not saved")
            self.notify(
                f"saving the setup to {folder} failed: {exc.strerror or exc}",
                severity="error",
                markup=False,
            )
            return
        self.last_setup = path
        self._note(f"setup saved → {path.name}")  # the full path is in the notice
        self.notify(
            f"{path}\nopen it with: tutor lab --setup {path}",
            title="Setup saved",
            timeout=8,
            markup=False,
        )

    def action_measure_threshold(self) -> None:
        """Bisect the threshold of the panel's pulse in a worker; typing never waits."""
        self.threshold = "…"
        self._note("measuring threshold…")
        self._measure_threshold()

    @work(thread=True, exclusive=True, group="sweep")
    def _measure_threshold(self) -> None:
        try:
            result: tuple[float, float | None] | str = self.membrane.rest_threshold()
        except Exception as exc:
            result = f"failed: {exc}"
        self.app.call_from_thread(self._threshold_done, result)

    def _threshold_done(self, result: tuple[float, float | None] | str) -> None:
        if isinstance(result, str):
            self.threshold = None
            self.notify(result, severity="error", markup=False)
            return
        self.threshold = result
        width, thr = result
        text = f"{thr:.2f} µA/cm²" if thr is not None else "no spike up to the maximum"
        self._note(f"threshold of a {width:g} ms pulse: {text}")

    def apply_spec(self, spec: dict) -> None:
        """Set the lab up from a lesson's "try it" step and run it from t = 0."""
        try:
            self.membrane.apply_spec(spec)
        except LabError as exc:
            self._refused(exc)
            return
        self._restarted()
        self._lesson_view()
        self.resume()
        self._note("try it: " + str(spec.get("label", "set up")))


def unique_export_path(
    folder: Path, prefix: str = "neuron-trace-", suffix: str = ".csv"
) -> tuple[Path, str]:
    """A new file path in `folder` (``prefix<stamp>suffix``) and its stamp; never one
    that exists already.

    The stamp has millisecond resolution and the file is created exclusively
    (``x`` mode), with a counter when two exports share a millisecond, so
    exports in quick succession never overwrite each other.
    """
    now = datetime.now()
    base = now.strftime("%Y%m%d-%H%M%S-") + f"{now.microsecond // 1000:03d}"
    for n in range(1000):
        stamp = base if n == 0 else f"{base}-{n}"
        path = folder / f"{prefix}{stamp}{suffix}"
        try:
            path.open("x").close()
        except FileExistsError:
            continue
        return path, stamp
    raise FileExistsError(f"no free export name in {folder}")


def next_width(width_ms: float, direction: int) -> float:
    """The next stimulus width along `WIDTHS_MS` (1-2-5 steps) up or down from ``width_ms``.

    A width off the ladder (set by a lesson) goes to the nearest step in that direction.
    """
    return next_step(WIDTHS_MS, width_ms, direction)


def next_step(ladder: tuple[float, ...], value: float, direction: int) -> float:
    """The next value of an ascending ``ladder`` above (direction > 0) or below ``value``;
    a value off the ladder goes to the nearest step that way; the ends stay put."""
    if direction > 0:
        return next((w for w in ladder if w > value + 1e-9), ladder[-1])
    return next((w for w in reversed(ladder) if w < value - 1e-9), ladder[0])


def welcome_text() -> Any:
    """The getting-started panel: what to press first, and what colours and ribbons mean.

    Keys come from `FIRST_STEPS`, the phase and band symbols from the theme tables the
    ribbon and band draw with, so the panel shows what the screen really uses.
    """
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from tutor.app.screens.help import key_label
    from tutor.app.widgets.theme import (
        EXC_FILL,
        EXC_SHORT,
        EXC_STYLES,
        PHASE_FILL,
        PHASE_SHORT,
        PHASE_STYLES,
    )

    steps = Table.grid(padding=(0, 2))
    steps.add_column(style="bold", no_wrap=True)
    steps.add_column()
    for key, _action, what in FIRST_STEPS:
        steps.add_row(key_label(key), what)
    ribbon = Text("phase ribbon (under the trace; the trace has the same colours): ")
    for fill, short, style in zip(PHASE_FILL, PHASE_SHORT, PHASE_STYLES, strict=True):
        ribbon.append(f"{fill * 2} {short}", style=style)
        ribbon.append("  ")
    band = Text("excitability band: ")
    for fill, short, style in zip(EXC_FILL[1:], EXC_SHORT[1:], EXC_STYLES[1:], strict=True):
        band.append(f"{fill * 2} {short}", style=style)
        band.append("  ")
    band.append("blank = excitable")
    return Group(
        Text("A Hodgkin–Huxley membrane is running live. Try, in this order:", style="bold"),
        steps,
        Text(""),
        ribbon,
        band,
        Text("Show this again: ? then w.", style="dim"),
    )
