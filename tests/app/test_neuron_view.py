"""The neuron view (key `n`): behaviour with Pilot, and what it says checked against the
model at that instant."""

from __future__ import annotations

import re

import numpy as np

from tutor.app.screens.neuron import NeuronScreen
from tutor.app.widgets.neuron_map import LEFT, V_GLYPHS, NeuronMapView, v_cells
from tutor.app.widgets.plot import PlotView
from tutor.lab.names import PHASES
from tutor.lab.neuron import SynapticInput, measures, simulate
from tutor.lab.neuron_live import NeuronSession

from .helpers import open_screen

SIZE = (120, 40)


async def _open(pilot) -> NeuronScreen:
    return await open_screen(pilot, "n", NeuronScreen)


def _banner(screen: NeuronScreen) -> str:
    return str(screen.query_one("#neuron-banner").render())


def _map_rows(screen: NeuronScreen) -> list[str]:
    view = screen.query_one("#neuron-map", NeuronMapView)
    return [view.render_line(r).text for r in range(5)]


def _readout(banner: str) -> dict[str, float]:
    """The `input @… → peak ΔV: name value · …` line as {name: mV}."""
    line = next(x for x in banner.splitlines() if "ΔV:" in x)
    return {k: float(v) for k, v in re.findall(r"(dend:[\d.]+|soma|AIS) ([+-]\d+\.\d+)", line)}


async def test_key_opens_the_view_and_escape_returns(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        assert "n" in [b.key for b in app.BINDINGS]
        screen = await _open(pilot)
        assert "no input yet" in _banner(screen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NeuronScreen)


async def test_epsp_on_screen_is_the_model_and_the_synapse_protocol(make_app) -> None:
    """One AMPA input at dend:0.3: the banner's and the titles' numbers are the session's
    state now, and the somatic EPSP is `tutor synapse`'s for the same input."""
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        screen.running = False
        await pilot.press("left", "right", "right", "right")  # → goes towards the soma
        s = screen.session
        assert s.site == 0.3
        screen.advance(4.0)
        await pilot.press("e")
        screen.advance(30.0)
        await pilot.pause()
        banner = _banner(screen)
        got = _readout(banner)
        for name, comp in (("dend:0.3", s.site_compartment), ("soma", s.soma), ("AIS", s.ais)):
            assert got[name] == round(s.peak_since_input(comp)[0], 2)  # type: ignore[index]
        # independent: the same input through the synapse protocol
        want = measures(simulate(s.neuron, [SynapticInput("ampa", 0.3, 4.0, s.exc_nS)], s.t_ms))
        assert abs(got["soma"] - want["soma_depol_mV"]) <= 0.006
        assert f"input @{4.0:.2f} ms → peak ΔV" in banner
        assert f"site dend:0.3 ({s.neuron.distance_um(s.site_compartment):.0f} µm)" in banner
        assert f"t = {s.t_ms:8.2f} ms" in banner and "spikes (AIS) 0" in banner
        # each trace's title: V now at its compartment
        v = s.v_now()
        for selector, comp in (("#trace-site", s.site_compartment), ("#trace-soma", s.soma),
                               ("#trace-ais", s.ais)):  # fmt: skip
            title = str(screen.query_one(selector, PlotView).border_title)
            assert f"{v[comp]:+.2f} mV" in title


async def test_summation_grows_on_screen(make_app) -> None:
    """Two inputs 2 ms apart at the soma: the soma readout after the second is ≥ 1.6× the
    single EPSP the screen showed before (temporal summation as it happens)."""
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        for _ in range(6):
            await pilot.press("right")
        assert screen.session.site == "soma"
        await pilot.press("down")  # 1 nS
        await pilot.press("e")
        screen.advance(30.0)
        single = _readout(_banner(screen))["soma"]
        await pilot.press("r")
        await pilot.press("e")
        screen.advance(2.0)
        await pilot.press("e")
        screen.advance(30.0)
        double = _readout(_banner(screen))["soma"]
        assert 1.0 < single < 5.0 and double >= 1.6 * single


async def test_drawing_marks_inputs_and_site_and_shades_v(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        s = screen.session
        await pilot.press("left", "left")
        assert s.site == 0.7
        await pilot.press("e")
        screen.advance(0.5)
        await pilot.pause()
        view = screen.query_one("#neuron-map", NeuronMapView)
        rows = _map_rows(screen)
        col = view.column_of(s.site_compartment)
        assert rows[3][col] == "E"  # active AMPA input at its site
        assert rows[4][col:].startswith("▲ dend:0.7 (")
        assert "soma" in rows[0] and "AIS" in rows[0] and "dendrite" in rows[0]
        # every column's glyph is V now at the compartment it shows
        cols = view.columns()
        v = s.v_now()
        glyph, _ = v_cells(v[[max(c, 0) for c in cols]])
        body = rows[2][LEFT : LEFT + len(cols)]
        want = "".join("│" if c < 0 else V_GLYPHS[g] for c, g in zip(cols, glyph, strict=True))
        assert body == want
        assert len(set(body) - {"│"}) > 1  # the EPSP shows: the site is shaded above rest
        # after the conductance is over, the mark stays small; inhibition at the soma
        screen.advance(20.0)
        for _ in range(8):
            await pilot.press("right")
        assert s.site == "soma"
        await pilot.press("i")
        await pilot.pause()
        rows = _map_rows(screen)
        assert rows[3][col] == "e"
        assert rows[3][view.column_of(s.soma)] == "I"
        assert "trough ΔV" in _banner(screen)
        # inputs on the soma: the dendritic trace stays at the last dendritic site
        assert "dend:0.7 " in _banner(screen) and s.dend_site == 0.7
        title = str(screen.query_one("#trace-site", PlotView).border_title)
        assert title.startswith("V at dend:0.7: ")


async def test_nmda_drive_and_coincidence_fire_the_cell(make_app) -> None:
    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        s = screen.session
        await pilot.press("n")  # inside the view: NMDA, not a new view
        assert isinstance(app.screen, NeuronScreen) and s.nmda
        assert "AMPA+NMDA" in _banner(screen)
        await pilot.press("n")
        await pilot.press("t")
        assert s.drive[0] != "off" and f"drive {s.drive[0]}" in _banner(screen)
        await pilot.press("t", "t", "t")
        assert s.drive[0] == "off"
        await pilot.press("8")  # eight coincident inputs at dend:0.5
        screen.advance(25.0)
        await pilot.pause()
        assert s.spike_count() == 1 and "spikes (AIS) 1" in _banner(screen)


async def test_phase_labels_are_the_phase_machine_at_that_instant(make_app) -> None:
    """Mid-spike, the banner and the titles name each site's phase as the phase machine
    has it; independently, `tutor synapse`'s event stream for the same inputs gives the
    same phase at that time at the AIS and the soma, and the threshold marked on the
    traces is its threshold."""
    from tutor.app.widgets.theme import title
    from tutor.lab.neuron import synapse_protocol

    app = make_app(questions=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        screen.running = False
        s = screen.session
        screen.advance(2.0)
        await pilot.press("8")
        offline = synapse_protocol([SynapticInput("ampa", 0.5, 2.0, s.exc_nS)] * 8, tstop_ms=30.0)
        seen = set()
        for _ in range(40):
            screen.advance(0.25)
            await pilot.pause()
            banner = _banner(screen)
            for site, label in (("ais", "AIS"), ("soma", "soma")):
                want = (
                    [
                        e["phase"]
                        for e in offline["events"]
                        if e["site"] == site and e["kind"] == "phase" and e["t_ms"] <= s.t_ms + 1e-9
                    ]
                    or ["resting"]  # the machine starts at rest
                )[-1]
                assert s.phase(site) == want
                assert f"{label} {title(want).upper()}" in banner
                shown = str(screen.query_one(f"#trace-{site}", PlotView).border_title)
                assert f"— {title(want)}" in shown
                seen.add(want)
        assert {"threshold", "depolarization", "repolarization"} & seen >= {
            "depolarization",
            "repolarization",
        }
        for site in ("ais", "soma"):
            plot = screen.query_one(f"#trace-{site}", PlotView)
            thr = next(lab for lab in plot.data.labels if "thr" in lab.text)
            assert thr.x == offline["phases"][site]["threshold_ms"]
            assert thr.text == f"◆thr {thr.y:+.1f}"
        # the traces are coloured by the machine's phase at every step
        _, _, styles = screen.query_one("#trace-ais", PlotView).data.series[0]
        assert list(styles[-1:]) == [PHASES.index(s.phase("ais"))]


async def test_live_timer_keeps_frames_coming(make_app) -> None:
    """With the live timer the view advances and redraws by itself."""
    app = make_app(questions=False, live=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("e")
        await pilot.pause(0.5)
        assert screen.frames > 3 and screen.session.t_ms > 0


def test_session_is_the_one_the_screen_uses() -> None:
    assert isinstance(NeuronScreen(live=False).session, NeuronSession)
    assert np.isfinite(NeuronScreen(live=False).session.rest).all()


def test_snapshot_neuron_summation(snap_compare, make_app) -> None:
    async def run(pilot) -> None:
        screen = await _open(pilot)
        screen.running = False
        await pilot.press("left", "left", "e")
        screen.advance(3.0)
        await pilot.press("e")
        screen.advance(6.0)
        await pilot.press(*["right"] * 8, "i")
        screen.advance(1.0)
        await pilot.pause()

    assert snap_compare(make_app(questions=False), terminal_size=SIZE, run_before=run)
