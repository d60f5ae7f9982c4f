"""The lab's ion panel, [K⁺]ₒ and ouabain keys and slow-time mode (issue 12), by Pilot.

Every number the panel and banner show is recomputed here from the model's
state at that instant — the internal concentrations in the live simulation's
last sample, the knobs' membrane — with the closed forms (Nernst) and the rest
explanation (`tutor rest`), never read back from the code that formats them.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tutor.app.lab_session import KO_STEPS_MM, SLOW_DT_MS
from tutor.app.widgets.banner import ParamPanel, PhaseBanner
from tutor.sim import ions
from tutor.sim import kernel as K
from tutor.sim.reduce import params_row
from tutor.sim.rest import explain_rest

from .helpers import text_of

SIZE = (120, 40)
NARROW = (80, 24)


def minus(text: str) -> float:
    """A number as the panel prints it (true minus sign) → float."""
    return float(text.replace("−", "-"))


def panel_values(app) -> dict[str, str]:
    """The panel's ion rows: label → value text."""
    app.lab.redraw()
    text = text_of(app.lab.query_one("#panel", ParamPanel))
    rows = {}
    for label in (
        "E_Na",
        "E_K",
        "E_Cl",
        "[Na⁺]ᵢ/ₒ",
        "[K⁺]ᵢ/ₒ",
        "[Cl⁻]ᵢ/ₒ",
        "rest →",
        "GHK",
        "pump",
    ):
        m = re.search(re.escape(label) + r"\s+(.+?)(?:\s{2,}|$)", text, re.M)
        if m:
            value = m.group(1).strip()
            for key in ("{ }", "O"):  # the key column, when the value leaves one space
                value = value.removesuffix(" " + key)
            rows[label] = value.strip()
    return rows


def expected(app) -> dict[str, float]:
    """The same numbers from the model state now, computed independently."""
    session = app.lab.session
    p = session.params()
    y = session.live.state
    nai, ki, cli = float(y[K.S_NAI]), float(y[K.S_KI]), float(y[K.S_CLI])
    held = explain_rest(p.with_overrides({"nai": nai, "ki": ki, "cli": cli}))
    return {
        "E_Na": ions.nernst_mV(nai, p.nao, 1, p.celsius),
        "E_K": ions.nernst_mV(ki, p.ko, 1, p.celsius),
        "E_Cl": ions.nernst_mV(cli, p.clo, -1, p.celsius),
        "nai": nai, "ki": ki, "cli": cli, "nao": p.nao, "ko": p.ko, "clo": p.clo,
        "rest": held.rest_mV,
        "ghk": held.ghk_mV,
        "pump": ions.pump_current(nai, p.ko, p.ipump, p.km_na_pump, p.km_k_pump),
        "v": float(y[K.S_V]),
    }  # fmt: skip


def check_panel(app) -> dict[str, float]:
    """Assert every ion number shown equals the model's at this instant (as rounded)."""
    shown, want = panel_values(app), expected(app)
    for label, key in (("E_Na", "E_Na"), ("E_K", "E_K"), ("E_Cl", "E_Cl"),
                       ("rest →", "rest"), ("GHK", "ghk")):  # fmt: skip
        assert shown[label] == f"{want[key]:+.1f} mV".replace("-", "−"), label
    for label, (i, o) in (("[Na⁺]ᵢ/ₒ", ("nai", "nao")), ("[K⁺]ᵢ/ₒ", ("ki", "ko")),
                          ("[Cl⁻]ᵢ/ₒ", ("cli", "clo"))):  # fmt: skip
        assert shown[label] == f"{want[i]:.2f}/{want[o]:g} mM", label
    if "ouabain" in app.lab.session.state.blocks:
        assert shown["pump"].startswith("OFF (ouabain)")
    else:
        assert shown["pump"] == f"{want['pump']:.2f} µA/cm²"
    return want


async def test_panel_shows_concentrations_and_reversals_now(make_app) -> None:
    app = make_app(preset="textbook")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        want = check_panel(app)
        p = app.lab.session.params()
        assert f"{want['E_K']:.1f}" == "-88.8" and f"{want['E_Na']:.1f}" == "58.7"
        assert abs(want["ghk"] - want["rest"]) < 4.0  # the pump's share: a few mV
        # a spike moves Na⁺ in: the panel follows the state, to the sample
        await pilot.press("space")
        app.lab.run_sim(12.0)
        after = check_panel(app)
        assert after["nai"] > want["nai"] and p.dynamic_concentrations


async def test_ko_keys_move_ek_and_say_where_rest_goes(make_app) -> None:
    app = make_app(preset="textbook")
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("right_curly_bracket")
        assert lab.session.params().ko == 7.5
        want = check_panel(app)
        assert f"rest → {want['rest']:.1f} mV" in lab.message
        assert f"E_K {want['E_K']:.1f} mV" in lab.message
        v0 = want["v"]
        lab.run_sim(200.0)  # 20 membrane time constants: V is where the panel said
        now = check_panel(app)
        assert abs(now["v"] - want["rest"]) < 0.05 and now["v"] > v0 + 2.0
        for _ in range(len(KO_STEPS_MM) + 1):  # down to the lowest step, and no further
            await pilot.press("left_curly_bracket")
        assert lab.session.params().ko == KO_STEPS_MM[0]
        for _ in range(len(KO_STEPS_MM) + 1):
            await pilot.press("right_curly_bracket")
        assert lab.session.params().ko == KO_STEPS_MM[-1]
        check_panel(app)


async def test_squid_has_no_ion_panel_and_refuses_the_ion_keys(make_app) -> None:
    app = make_app()  # squid: HH's fixed reversal potentials, no pump
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        assert panel_values(app) == {}
        await pilot.press("right_curly_bracket")
        assert "ko" not in lab.session.state.overrides and lab.message == "change refused"
        await pilot.press("O")
        assert "ouabain" not in lab.session.state.blocks and "no Na⁺/K⁺ pump" in lab.message


async def test_ouabain_key_blocks_the_pump_from_now_on(make_app) -> None:
    app = make_app(preset="textbook")
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        lab.run_sim(2.0)
        await pilot.press("O")
        assert "ouabain" in lab.session.state.blocks and lab.session.live.params.ipump == 0.0
        check_panel(app)
        assert "ouabain on" in lab.message
        lab.run_sim(20.0)  # in 20 ms only the pump's own current is lost: a few mV at most
        v = check_panel(app)["v"]
        assert 0.5 < v - lab.session.live.rest.v_mV < 5.0
        await pilot.press("O")
        assert "ouabain" not in lab.session.state.blocks and lab.session.live.params.ipump > 0
        check_panel(app)


async def test_slow_time_plays_minutes_and_returns(make_app) -> None:
    app = make_app(preset="textbook")
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        lab.run_sim(3.0)
        await pilot.press("O")
        t0 = lab.session.t_ms
        await pilot.press("M")
        s = lab.session
        assert s.slow and s.live.dt_ms == SLOW_DT_MS and s.t_ms == t0
        start = check_panel(app)
        await pilot.press("space")  # no stimulus in slow time
        assert not any(d > t0 for d, _, _ in s.pulses)
        lab.run_sim(120_000.0)  # two minutes of model time
        assert s.t_ms == pytest.approx(t0 + 120_000.0, abs=SLOW_DT_MS)
        tr = s.slow_trace.cols
        assert len(tr["t_ms"]) == pytest.approx(120_000.0 / SLOW_DT_MS, abs=1)
        assert np.all(np.diff(tr["t_ms"]) == pytest.approx(SLOW_DT_MS))
        now = check_panel(app)
        assert now["v"] == tr["v_mV"][-1] and now["nai"] == tr["nai"][-1]
        assert now["nai"] > start["nai"] + 1.0 and now["v"] > start["v"]  # the run-down
        banner = text_of(lab.query_one("#banner", PhaseBanner))
        minutes, seconds = divmod(s.t_ms / 1000.0, 60.0)
        assert f"t = {int(minutes)} min {seconds:04.1f} s" in banner and "MINUTES" in banner
        assert f"{s.slow_spikes} spike(s)" in banner
        assert lab.query_one("#trace").x_unit == "s"
        # back to ms: the fine run continues from the slow run's state and time
        end_state, t_end = s.live.state, s.t_ms
        await pilot.press("M")
        assert not s.slow and s.live.dt_ms == app.settings.dt_ms and s.t_ms == t_end
        assert np.array_equal(s.live.state, end_state)
        lab.run_sim(1.0)
        v = s.buffer.col("v_mV")[-1]
        assert abs(v - now["v"]) < 0.1 and s.buffer.col("t_ms")[-1] > t_end
        assert lab.query_one("#trace").x_unit == "ms"
        back = check_panel(app)
        # the phase machine labels against today's concentrations: the run-down cell is
        # at its (moved) rest, not "depolarised" from the rest it started with
        assert s.machine.rest_mV == pytest.approx(back["rest"], abs=1e-3)  # 1 ms later
        assert s.phase == "resting" and back["rest"] > start["rest"] + 1.0


async def test_slow_time_at_80x24_without_colour(make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(preset="textbook")
    async with app.run_test(size=NARROW) as pilot:
        lab = app.lab
        await pilot.press("O", "M")
        lab.run_sim(30_000.0)
        lab.redraw()
        banner = text_of(lab.query_one("#banner", PhaseBanner))
        want = expected(app)
        assert f"V {want['v']:+.1f} mV".replace("-", "−") in banner
        assert f"[Na⁺]ᵢ {want['nai']:.2f} mM" in banner
        assert f"E_K {want['E_K']:+.1f}".replace("-", "−") in banner
        assert "OUABAIN" in banner and "MINUTES" in banner


def test_rest_explanation_counts_the_pump_live_and_frozen() -> None:
    """At the textbook rest the inward leaks are balanced by I_K and the pump: the why
    names the pump with the sums of the model's currents, and a question frozen at that
    sample (its net current rebuilt from the kept columns, the pump included) says the
    same."""
    from tutor.app.lab_session import LabSession

    s = LabSession("textbook")
    s.advance(5.0)
    why = s.current_why()
    p = s.params()
    c = K.currents(s.live.state[None, :], params_row(p))
    il = float(c["i_l"][0] + c["i_leak_k"][0] + c["i_leak_na"][0] + c["i_leak_cl"][0])
    inward = float(c["i_na"][0]) + il
    outward = float(c["i_k"][0] + c["i_pump"][0])
    assert f"inward I_Na + I_L {inward:+.1f} µA/cm²" in why
    assert f"outward I_K + I_pump {outward:+.1f} µA/cm²" in why
    assert f"net ionic current {inward + outward:+.2f} µA/cm²" in why
    s.freeze({"t_ms": s.t_ms, "kind": "peak"})
    assert s.view()[2] == why
