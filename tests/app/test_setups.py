"""Lab setups: `S` saves the knobs to a small TOML file, `tutor lab --setup FILE`
opens it; a bad file is one `path:line:col: error[CODE]: message` line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.app.setups import SETUP_PREFIX, LabSetup, SetupError, load_setup, parse_setup

from .helpers import text_of

SIZE = (120, 40)


def screen_text(app) -> str:
    """What the terminal shows now (the SVG screenshot's text, entities decoded)."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_S_saves_a_setup_that_opens_the_same_lab(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("o")  # next preset
        await pilot.press("minus", "minus", "minus")  # 3 °C cooler
        await pilot.press("t")  # TTX
        await pilot.press("up", "up", "right", "c", "c", "i")
        lab.session.state.overrides["gk"] = 30.0  # a --set value (a try-it step sets these)
        want = lab.session.setup()
        await pilot.press("S")
        await pilot.pause()
        path = lab.last_setup
        assert path.parent == tmp_path and path.name.startswith(SETUP_PREFIX)
        assert path.suffix == ".toml"
        assert path.name in screen_text(app)  # on screen: the name…
        assert any(str(path) in n.message for n in app._notifications)  # …and the full path
        saved = load_setup(path)
        assert saved == want
        assert saved.celsius == lab.session.params().celsius  # the number in effect
        assert saved.blocks == ("ttx",) and saved.overrides == {"gk": 30.0}
        st = lab.session.state.stimulus
        assert (saved.amp_uA_cm2, saved.width_ms, saved.count, saved.interval_ms) == (
            st.amp_uA_cm2, st.width_ms, st.count, st.interval_ms
        )  # fmt: skip
        params = lab.session.params()
    reopened = make_app(setup=saved)
    async with reopened.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = reopened.lab.session
        assert s.setup() == saved
        assert s.params() == params  # the same membrane, drugs and temperature
        assert s.t_ms == 0.0 and len(s.buffer) == 0  # from rest
        assert "setup opened" in text_of(reopened.lab.query_one("#banner"))


async def test_a_try_its_mixed_pulses_survive_S_and_reopening(make_app, tmp_path: Path) -> None:
    """Lesson 7's paired pulse (20 then 100 µA/cm²): saved whole, reopened whole, and the
    reopened lab's `space` gives the model exactly those pulses."""
    spec = {"preset": "squid", "pulses": [[5, 1, 20], [9.5, 0.5, 100]], "label": "pp"}
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        lab.apply_spec(spec)
        await pilot.pause()
        pattern = lab.session.state.stimulus.pattern
        assert pattern  # not one uniform train
        await pilot.press("S")
        await pilot.pause()
        saved = load_setup(lab.last_setup)
        assert saved == lab.session.setup()
        assert saved.pulses == pattern
        text = lab.last_setup.read_text()
        assert "amp_uA_cm2 = 100.0" in text  # the second pulse is in the file, readable
    reopened = make_app(setup=saved)
    async with reopened.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = reopened.lab.session
        assert s.state.stimulus.pattern == pattern and s.setup() == saved
        await pilot.press("space")
        given = s.pulses[-2:]
        want = [(d, w, a) for d, w, a in spec["pulses"]]
        assert [(w, a) for _, w, a in given] == [(w, a) for _, w, a in want]
        assert given[1][0] - given[0][0] == pytest.approx(want[1][0] - want[0][0], abs=1e-9)
        reopened.lab.redraw()
        panel = text_of(reopened.lab.query_one("#panel"))
        assert "20, 100" in panel and "1, 0.5" in panel


@pytest.mark.parametrize(
    "setup",
    [
        LabSetup(preset="squid"),
        LabSetup(
            preset="squid", count=3, pulses=((0.0, 1.0, 20.0), (2.5, 0.5, 100.0), (7.0, 2.0, -5.0))
        ),
        LabSetup(
            "textbook",
            36.0,
            ("tea", "ttx"),
            {"gk": 0.1 + 0.2, "el": -1e-5},
            0.75,
            -3.5,
            0.05,
            50,
            0.5,
        ),
    ],
)
def test_setup_text_round_trips(setup: LabSetup) -> None:
    assert parse_setup(setup.to_toml(), "x.toml") == setup


BAD = [
    ('preset = "squid\n', 1, "E001"),
    ('preset = "squid"\ncolour = "red"\n', 2, "E003"),
    ("celsius = 20\n", 1, "E004"),
    ('preset = "octopus"\n', 1, "E016"),
    ('preset = "squid"\nblocks = ["ttx", "cocaine"]\n', 2, "E017"),
    ('preset = "squid"\ncelsius = 99\n', 2, "E031"),
    ('preset = "squid"\ncelsius = "warm"\n', 2, "E005"),
    ('preset = "squid"\n\n[stimulus]\nwidth_ms = 0\n', 4, "E031"),
    ('preset = "squid"\n\n[stimulus]\ncount = 2.5\n', 4, "E005"),
    ('preset = "squid"\n\n[stimulus]\nwidth = 3\n', 4, "E003"),
    ('preset = "squid"\n\n[set]\ngna = -5\n', 4, "E031"),
    ('preset = "squid"\n\n[set]\nfoo = 1\n', 4, "E018"),
    ('preset = "squid"\nversion = 7\n', 2, "E031"),
    ('preset = "squid\\u001b[2J"\n', 1, "E050"),
    ('preset = "squid"\n\n[stimulus]\npulses = 3\n', 4, "E005"),
    (
        'preset = "squid"\n\n[stimulus]\npulses = [\n  { onset_ms = 0, width_ms = 1 },\n]\n',
        5,
        "E004",
    ),
    (
        'preset = "squid"\n\n[stimulus]\npulses = [\n  { onset_ms = 0, width_ms = 1, amp_uA_cm2 = 900 },\n]\n',
        5,
        "E031",
    ),
    (
        'preset = "squid"\n\n[stimulus]\npulses = [\n  { onset_ms = 0, width_ms = 1, amp_uA_cm2 = 9, x = 1 },\n]\n',
        5,
        "E003",
    ),
]


@pytest.mark.parametrize(("text", "line", "code"), BAD)
def test_bad_setups_name_the_line_and_the_code(text: str, line: int, code: str) -> None:
    with pytest.raises(SetupError) as err:
        parse_setup(text, "bad.toml")
    p = err.value.problem
    assert (p.line, p.code) == (line, code), str(p)
    assert str(p).startswith(f"bad.toml:{line}:{p.col}: error[{code}]: ")
    assert "\x1b" not in str(p)


@pytest.mark.parametrize(("text", "line", "code"), BAD[:6])
def test_tutor_lab_refuses_a_bad_setup_in_one_line(
    text: str, line: int, code: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "lab", "--setup", str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:{line}:"), out.stderr
    assert f"error[{code}]" in lines[0] and "Traceback" not in out.stderr
