"""The `textbook` preset teaches the numbers the lessons use (issue 4).

Rest −70 ± 1 mV, threshold event at −55 ± 3 mV, peak +30…+45 mV, AHP minimum
−80 ± 3 mV, then back to rest; it is the CLI's default preset and it cites its
source. Units: mV, ms, µA/cm².
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tutor.lab.annotate import annotate
from tutor.lab.experiments import membranes, pulse_thresholds
from tutor.sim import Pulse, load_preset, preset_names, resting_state, simulate
from tutor.sim.params import (
    TEMPERATURE_IN_TEXT,
    ParameterError,
    load_preset_file,
    presets_dir,
)

#: Every test here runs on both kernels (compiled and numpy; see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("kernel")


REST_MV, REST_TOL = -70.0, 1.0
THRESHOLD_MV, THRESHOLD_TOL = -55.0, 3.0
PEAK_RANGE_MV = (30.0, 45.0)
AHP_MV, AHP_TOL = -80.0, 3.0


@cache
def threshold_1ms(kernel: str) -> float:
    """Threshold (µA/cm²) of a 1 ms pulse at 5 ms on the textbook membrane (per kernel)."""
    return float(pulse_thresholds(membranes("textbook"), [1.0], 5.0)[0])


def events_for(amp: float, tstop_ms: float = 60.0) -> tuple[list[dict], float]:
    """Events (no probes) of one 1 ms pulse of `amp` µA/cm² at 5 ms; and the last V."""
    res = simulate(
        load_preset("textbook"), [Pulse(delay_ms=5.0, width_ms=1.0, amp_uA_cm2=amp)],
        tstop_ms=tstop_ms,
    )  # fmt: skip
    return annotate(res, probes=False), float(res.v_mV[-1])


def only(events: list[dict], kind: str) -> dict:
    """The single event of `kind`."""
    found = [e for e in events if e["kind"] == kind]
    assert len(found) == 1, (kind, found)
    return found[0]


def test_rest_is_minus_70() -> None:
    """The steady resting state of the textbook membrane."""
    assert resting_state(load_preset("textbook")).v_mV == pytest.approx(REST_MV, abs=REST_TOL)


@pytest.mark.parametrize("factor", [1.01, 1.5, 3.0])
def test_spike_numbers(factor: float, kernel: str) -> None:
    """1 ms pulses just above, well above and far above threshold: the lesson's numbers."""
    events, v_end = events_for(factor * threshold_1ms(kernel))
    thr = only(events, "threshold")
    peak = only(events, "peak")
    ahp = only(events, "ahp_min")
    assert thr["v_mV"] == pytest.approx(THRESHOLD_MV, abs=THRESHOLD_TOL)
    assert PEAK_RANGE_MV[0] <= peak["v_mV"] <= PEAK_RANGE_MV[1]
    assert ahp["v_mV"] == pytest.approx(AHP_MV, abs=AHP_TOL)
    assert thr["t_ms"] < peak["t_ms"] < ahp["t_ms"]
    # back to rest afterwards: a resting event after the AHP, and it stays there
    resting = [e for e in events if e.get("phase") == "resting" and e["t_ms"] > ahp["t_ms"]]
    assert resting, [e.get("phase", e["kind"]) for e in events]
    last_phase = [e["phase"] for e in events if e["kind"] == "phase"][-1]
    assert last_phase == "resting"
    assert v_end == pytest.approx(REST_MV, abs=REST_TOL)


def test_cli_default_preset_is_textbook_with_the_lesson_numbers() -> None:
    """`tutor simulate` without --preset runs the textbook membrane."""
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "simulate", "--pulse", "5,1,20", "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["params"]["name"] == "textbook"
    assert data["rest_mV"] == pytest.approx(REST_MV, abs=REST_TOL)
    assert PEAK_RANGE_MV[0] <= data["peak_mV"] <= PEAK_RANGE_MV[1]
    assert data["ahp_min_mV"] == pytest.approx(AHP_MV, abs=AHP_TOL)
    events = data["events"]
    thr = [e for e in events if e["kind"] == "threshold"]
    assert len(thr) == 1
    assert thr[0]["v_mV"] == pytest.approx(THRESHOLD_MV, abs=THRESHOLD_TOL)
    ahp_t = data["ahp_ms"]
    assert any(e.get("phase") == "resting" and e["t_ms"] > ahp_t for e in events)


def test_preset_file_cites_its_source() -> None:
    """The preset names the published model it comes from."""
    assert "textbook" in preset_names() and "squid" in preset_names()
    p = load_preset("textbook")
    assert p.name == "textbook"
    text = (Path(__file__).resolve().parents[2] / "data" / "presets" / "textbook.toml").read_text()
    assert "Pospischil" in text or "Traub" in text
    assert "2008" in text or "1991" in text


@pytest.mark.parametrize("name", preset_names())
def test_preset_titles_derive_their_numbers_from_the_parameters(name: str) -> None:
    """The textbook title said 37 °C while its celsius was 36: a title now names the
    membrane only, and the heading shown (and printed as `params.title`) adds the
    temperature and blocks from the fields, so they cannot disagree."""
    p = load_preset(name)
    assert not TEMPERATURE_IN_TEXT.search(p.title), p.title
    assert f"{p.celsius:g} °C" in p.heading
    warm = p.at_temperature(p.celsius + 4.5).with_block("ttx")
    assert f"{p.celsius + 4.5:g} °C" in warm.heading and f"{p.celsius:g} °C" not in warm.heading
    assert warm.heading.endswith("TTX")
    assert warm.as_dict()["title"] == warm.heading


def test_a_preset_title_stating_a_temperature_is_refused(tmp_path: Path) -> None:
    src = (presets_dir() / "textbook.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(src.replace('title = "', 'title = "warm, 37 °C, '))
    with pytest.raises(ParameterError, match="37 °C"):
        load_preset_file(bad)
    assert load_preset_file(presets_dir() / "textbook.toml") == load_preset("textbook")
