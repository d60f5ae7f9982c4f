"""Every lab key does what the footer says (Pilot, deterministic app)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from tutor.app.screens.help import HelpScreen
from tutor.app.screens.lab import LabScreen
from tutor.app.screens.lessons import LessonsScreen
from tutor.app.screens.progress import ProgressScreen
from tutor.app.settings import SPEEDS_MS_PER_S

SIZE = (120, 40)


async def test_starts_on_lab(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LabScreen)
        assert app.lab.session.t_ms == 0.0


async def test_space_delivers_stimulus_and_spikes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        lab = app.lab
        assert len(lab.session.pulses) == 1
        _delay, width, amp = lab.session.pulses[0]
        assert (width, amp) == (1.0, 20.0)
        lab.run_sim(15.0)
        await pilot.pause()
        assert lab.session.buffer.col("v_mV").max() > 0.0  # it spiked


async def test_pause_and_step(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        assert lab.running
        await pilot.press("p")
        assert not lab.running
        await pilot.press("p")
        assert lab.running
        t0 = lab.session.t_ms
        await pilot.press("full_stop")
        assert not lab.running
        assert lab.session.t_ms > t0
        t1 = lab.session.t_ms
        await pilot.press("full_stop")
        assert np.isclose(lab.session.t_ms - t1, app.settings.step_ms)


async def test_speed_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        s0 = lab.speed
        await pilot.press("right_square_bracket")
        assert lab.speed > s0
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert lab.speed < s0
        for _ in range(20):
            await pilot.press("left_square_bracket")
        assert lab.speed == SPEEDS_MS_PER_S[0]


async def test_amplitude_and_width_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        stim = lambda: app.lab.session.state.stimulus  # noqa: E731
        await pilot.press("up")
        assert stim().amp_uA_cm2 == 21.0
        await pilot.press("down", "down")
        assert stim().amp_uA_cm2 == 19.0
        await pilot.press("right")
        assert stim().width_ms == 2.0  # 1-2-5 steps
        await pilot.press("left", "left")
        assert stim().width_ms == 0.5
        await pilot.press("right")
        assert stim().width_ms == 1.0  # back to 1 ms exactly
        await pilot.press("c")
        assert stim().count == 2
        await pilot.press("i")
        assert stim().interval_ms != 10.0


async def test_drug_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("t")
        assert lab.session.state.blocks == {"ttx"}
        assert lab.session.params().gna == 0
        await pilot.press("e")
        assert lab.session.state.blocks == {"ttx", "tea"}
        await pilot.press("t", "e")
        assert lab.session.state.blocks == frozenset()
        # With TTX on, the stimulus produces no spike.
        await pilot.press("t", "space")
        lab.run_sim(15.0)
        assert lab.session.buffer.col("v_mV").max() < 0.0


async def test_gates_currents_toggle(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        assert lab.plot2 == "gates"
        await pilot.press("g")
        assert lab.plot2 == "currents"
        assert "I_Na" in str(lab.query_one("#plot2").border_title)
        await pilot.press("g")
        assert lab.plot2 == "gates"


async def test_reset(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("space")
        lab.run_sim(10.0)
        assert lab.session.t_ms > 0
        await pilot.press("r")
        assert lab.session.t_ms == 0.0
        assert len(lab.session.buffer) == 0
        assert lab.session.pulses == []


async def test_lessons_and_progress_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LessonsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, LabScreen)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        await pilot.press("l")  # straight from progress to lessons
        await pilot.pause()
        assert isinstance(app.screen, LessonsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, LabScreen)


async def test_help_lists_every_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(f"{k} {d}" for k, d in app.screen.rows)
        for word in (
            "Stim",
            "Pause",
            "Step",
            "Slower",
            "Faster",
            "Amp",
            "Width",
            "TTX",
            "TEA",
            "Gates",
            "Reset",
            "Lessons",
            "Progress",
            "Export",
            "Quit",
        ):
            assert word in text, word
        for key in (
            "space",
            "p",
            ".",
            "[",
            "]",
            "↑",
            "↓",
            "←",
            "→",
            "t",
            "e",
            "g",
            "r",
            "l",
            "P",
            "x",
            "q",
            "?",
        ):
            assert key in [k for k, _ in app.screen.rows] or any(
                key in k.split(" / ") for k, _ in app.screen.rows
            ), key
        await pilot.press("escape")
        assert isinstance(app.screen, LabScreen)


async def test_palette_has_lab_actions(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for t in ("Stim", "Pause", "TTX", "Export", "Lessons", "Quit"):
            assert t in titles


async def test_export_writes_csv_and_svg(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        app.lab.run_sim(10.0)
        await pilot.press("x")
        await pilot.pause()
        csv_path, svg_path = app.lab.last_export
        assert csv_path.parent == tmp_path and svg_path.parent == tmp_path
        lines = csv_path.read_text().splitlines()
        assert lines[0] == "t_ms,v_mV,m,h,n,i_na_uA_cm2,i_k_uA_cm2,i_l_uA_cm2,i_stim_uA_cm2"
        assert len(lines) == 1 + len(app.lab.session.buffer)
        assert svg_path.read_text().lstrip().startswith("<svg")
        notes = [n.message for n in app._notifications]
        assert any(str(csv_path) in m and str(svg_path) in m for m in notes), notes


async def test_q_quits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_refused_change_keeps_lab_running(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        before = lab.session.state.preset
        lab.apply_spec({"preset": "squid", "set": {"gk": -5.0}, "label": "broken"})
        await pilot.pause()
        assert lab.session.state.overrides == {}
        assert lab.session.state.preset == before
        assert any("refused" in n.message for n in app._notifications)
        await pilot.press("space")
        lab.run_sim(10.0)
        assert lab.session.buffer.col("v_mV").max() > 0.0


async def test_temperature_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        c0 = app.lab.session.params().celsius
        await pilot.press("plus")
        assert np.isclose(app.lab.session.params().celsius, c0 + 1)
        await pilot.press("minus", "minus")
        assert np.isclose(app.lab.session.params().celsius, c0 - 1)
        await pilot.press("o")
        assert app.lab.session.state.preset != "squid"


async def test_threshold_measured_in_worker_keys_still_work(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        real = lab.session.rest_threshold
        gate = threading.Event()

        def slow() -> tuple[float, float | None]:
            gate.wait(5)  # a long sweep, held until the keys below have been handled
            return real()

        lab.session.rest_threshold = slow
        await pilot.press("m")
        assert lab.threshold == "…"
        await pilot.press("up")  # typing goes on while the worker bisects
        assert lab.session.state.stimulus.amp_uA_cm2 == 21.0
        assert lab.threshold == "…"
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        width, thr = lab.threshold
        assert width == 1.0
        assert thr is not None and 0.5 < thr < 20.0  # squid 1 ms threshold is a few µA/cm²


async def test_1952_convention_is_display_only(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("space")
        lab.run_sim(15.0)
        await pilot.press("v")
        assert lab.convention == "1952"
        trace = lab.query_one("#trace")
        _t, v_shown, _p = trace.data.series[0]
        v_model = lab.session.buffer.since(trace.data.x_range[0])["v_mV"]
        rest = lab.session.live.rest.v_mV
        assert np.allclose(v_shown, -(v_model - rest))  # depolarization is negative
        assert v_shown.min() < -90  # the spike points down
        assert lab.session.buffer.col("v_mV").max() > 0  # the model itself is unchanged
        assert "1952" in str(trace.border_title)
        await pilot.press("v")
        assert lab.convention == "modern"


async def test_live_timer_runs_and_waits_behind_lessons(make_app) -> None:
    app = make_app(live=True, speed_ms_per_s=100.0)
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        for _ in range(100):
            if lab.session is not None and lab.session.t_ms > 5.0:
                break
            await pilot.pause(0.05)
        assert lab.session.t_ms > 5.0  # the timer advances model time on its own
        await pilot.press("l")
        await pilot.pause(0.1)
        t0 = lab.session.t_ms
        await pilot.pause(0.3)
        assert lab.session.t_ms == t0  # hidden lab: model time waits
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert lab.session.t_ms > t0
        await pilot.press("p")
        t1 = lab.session.t_ms
        await pilot.pause(0.3)
        assert lab.session.t_ms == t1  # paused
