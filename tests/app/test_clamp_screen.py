"""The voltage-clamp view: its key, stepping, TTX/TEA live, and that it tells the truth."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from tutor.app.screens.clamp import HOLD_MV, STEPS_MV, ClampScreen
from tutor.app.screens.help import HelpScreen
from tutor.app.screens.lab import LabScreen
from tutor.lab.clamp import ClampProtocol, run_family
from tutor.lab.experiments import membranes

from .helpers import text_of

SIZE = (120, 40)


def model_point(preset: str, step: int, blocks: tuple[str, ...] = ()) -> dict:
    """What the clamp engine says about step `step` (0-based) of the view's family."""
    m = membranes(preset, blocks=list(blocks))
    return run_family(m.run, ClampProtocol(STEPS_MV, hold_mV=HOLD_MV)).points[step]


async def test_capital_c_opens_the_clamp_and_escape_returns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ClampScreen)
        # the lab's membrane (the test settings use squid)
        assert app.screen.state.family.params.name == "squid"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LabScreen)


async def test_clamp_key_is_in_footer_and_help(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert any(key == "C" and desc.startswith("Clamp") for key, desc in app.screen.rows)
        await pilot.press("escape")
        await pilot.press("C")
        await pilot.pause()
        footer = {(fk.key, fk.description) for fk in app.screen.query(FooterKey)}
        assert {("C", "Clamp"), ("space", "Next step"), ("t", "TTX"), ("e", "TEA")} <= footer
        await pilot.press("question_mark")
        await pilot.pause()
        rows = dict(app.screen.rows)
        assert rows["t"].startswith("TTX") and rows["e"].startswith("TEA")
        assert rows["space"].startswith("Next step")


async def test_each_step_adds_a_point_and_the_banner_is_the_model(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        screen = app.screen
        assert isinstance(screen, ClampScreen)
        for k in range(1, 12):
            await pilot.press("space")
            await pilot.pause()
            assert screen.state.shown == k
            iv = screen.query_one("#clamp-iv").data
            assert len(iv.series) == 2  # peak I_Na and I_K, through the k points so far
            assert iv.series[0][0][-1] == STEPS_MV[k - 1]
            p = model_point("squid", k - 1)
            banner = text_of(screen.query_one("#clamp-banner"))
            assert f"step {k}/{len(STEPS_MV)} to {STEPS_MV[k - 1]:+g} mV" in banner
            assert f"peak I_Na {p['ina_peak_uA_cm2']:+.1f} µA/cm²" in banner
            assert f"I_K at 20 ms {p['ik_end_uA_cm2']:+.1f} µA/cm²" in banner


async def test_ttx_and_tea_block_live_and_keep_the_control(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        screen = app.screen
        for _ in range(9):  # up to 0 mV
            await pilot.press("space")
        await pilot.press("t")
        await pilot.pause()
        banner = text_of(screen.query_one("#clamp-banner"))
        assert "TTX ON" in banner and "TEA off" in banner
        p = model_point("squid", 8, ("ttx",))
        assert p["ina_peak_uA_cm2"] == 0.0
        assert "peak I_Na +0.0" in banner
        assert f"I_K at 20 ms {p['ik_end_uA_cm2']:+.1f}" in banner
        iv = screen.query_one("#clamp-iv").data
        assert len(iv.series) == 4  # control curves (dim) plus the blocked ones
        currents = screen.state.traces
        assert (currents["i_na"] == 0.0).all()
        await pilot.press("t", "e")
        await pilot.pause()
        banner = text_of(screen.query_one("#clamp-banner"))
        assert "TTX off" in banner and "TEA ON" in banner
        p = model_point("squid", 8, ("tea",))
        assert f"peak I_Na {p['ina_peak_uA_cm2']:+.1f}" in banner
        assert (screen.state.traces["i_k"] == 0.0).all()


async def test_after_the_last_step_the_banner_gives_the_reversal(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        for _ in range(len(STEPS_MV)):
            await pilot.press("space")
        await pilot.pause()
        banner = text_of(app.screen.query_one("#clamp-banner"))
        rev = app.screen.state.family.to_dict()["reversal"]["ina_peak_mV"]
        assert rev is not None and abs(rev - 50.0) < 1.0
        assert f"crosses zero at {rev:+.1f} mV" in " ".join(banner.split())
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.state.shown == 0
        assert app.screen.query_one("#clamp-iv").data.series == []


async def test_small_terminal_shows_the_banner(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("C", "space")
        await pilot.pause()
        banner = text_of(app.screen.query_one("#clamp-banner"))
        assert "VOLTAGE CLAMP" in banner and "step 1/" in banner
