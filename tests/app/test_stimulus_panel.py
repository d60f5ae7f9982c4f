"""The stimulus panel shows every pulse `space` delivers, and the interval is adjustable.

Issue 17: a try-it step's second pulse (lesson 7: 20 then 100 µA/cm²) never appeared in
the panel, and the interval only cycled a few fixed values. Every number checked here is
read from the session (what the model was given) at the instant the panel is drawn.
"""

from __future__ import annotations

import itertools
import random
import re

import pytest

from tutor.app.lab_session import INTERVAL_RANGE_MS, StimulusSettings, next_interval
from tutor.quiz.loader import load_lessons

from .helpers import text_of

SIZE = (120, 40)


def _row(panel_text: str, name: str) -> str:
    """The value column of one panel row, with its wrapped continuation lines joined."""
    lines = panel_text.splitlines()
    for k, line in enumerate(lines):
        if line.strip().startswith(name):
            value = line.strip()[len(name) :]
            for more in lines[k + 1 :]:  # a long list wraps onto lines with an empty label
                if more[: len(line) - len(line.lstrip()) + len(name)].strip():
                    break
                value += " " + more.strip()
            return " ".join(value.split())
    raise AssertionError(f"no {name!r} row in the panel:\n{panel_text}")


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?", text)]


def _amp_list(pulses: list[tuple[float, float, float]]) -> list[float]:
    amps = [a for _, _, a in pulses]
    return amps if len(set(amps)) > 1 else amps[:1]


# -- the interval grid -------------------------------------------------------------------


def test_interval_steps_are_fine_where_refractoriness_lives() -> None:
    lo, hi = INTERVAL_RANGE_MS
    assert next_interval(3.0, 1) == 3.5 and next_interval(3.0, -1) == 2.5
    assert next_interval(10.0, 1) == 11.0 and next_interval(10.0, -1) == 9.0
    assert next_interval(50.0, 1) == 55.0
    assert next_interval(hi, 1) == hi and next_interval(lo, -1) == lo
    # up then down returns to any grid point; every value in range is reachable by steps
    x, seen = lo, [lo]
    while x < hi:
        nxt = next_interval(x, 1)
        assert nxt > x and next_interval(nxt, -1) == x
        x = nxt
        seen.append(x)
    assert {1.0, 2.0, 3.0, 4.0, 5.0, 8.0, 10.0, 20.0, 100.0} <= set(seen)
    # a lesson's off-grid value moves to the nearest grid point in the key's direction
    assert next_interval(3.2, 1) == 3.5 and next_interval(3.2, -1) == 3.0


# -- the settings keep every pulse --------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_from_pulses_delivers_exactly_the_given_pulses(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 6)
    uniform = rng.random() < 0.4
    delay, width, amp, gap = rng.uniform(1, 20), rng.choice([0.5, 1, 2]), rng.randint(1, 90), 4.0
    pulses = [
        (
            delay + k * (gap if uniform else rng.uniform(1, 10) + k * 5),
            width if uniform else rng.choice([0.5, 1, 2]),
            float(amp if uniform else rng.randint(1, 120)),
        )
        for k in range(n)
    ]
    pulses.sort()
    st = StimulusSettings.from_pulses(pulses)
    again = st.pulses(pulses[0][0])
    assert len(again) == len(pulses)
    for (d1, w1, a1), (d2, w2, a2) in zip(again, pulses, strict=True):
        assert d1 == pytest.approx(d2, abs=1e-9) and (w1, a1) == (w2, a2)
    if uniform:
        assert st.pattern == () and st.count == n


# -- the panel, in the app ------------------------------------------------------------------


def _shipped_try_its() -> list[tuple[str, dict]]:
    out = []
    for ls in load_lessons(None):
        for step in ls.try_it:
            spec = step.to_dict(ls.preset)
            if spec.get("pulses"):
                out.append((f"{ls.id}: {step.label}", spec))
    return out


async def test_every_shipped_try_it_shows_all_its_pulses(make_app) -> None:
    """Lesson 7's 100 µA/cm² second pulse, lesson 10's ramp: the panel lists them all."""
    try_its = _shipped_try_its()
    mixed = [s for _, s in try_its if len({tuple(p[1:]) for p in s["pulses"]}) > 1]
    assert mixed, "the shipped lessons have a try-it with unequal pulses (lesson 7)"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        for name, spec in try_its:
            lab.apply_spec(spec)
            await pilot.pause()
            lab.redraw()
            given = sorted(lab.session.pulses)  # what the model was given
            panel = text_of(lab.query_one("#panel"))
            amps = _numbers(_row(panel, "amplitude"))
            assert amps == _amp_list(given), name
            widths = _numbers(_row(panel, "width"))
            assert set(widths) == {w for _, w, _ in given}, name
            assert _numbers(_row(panel, "pulses"))[0] == len(given), name
            if len(given) > 1:
                gaps = [round(b[0] - a[0], 6) for a, b in itertools.pairwise(given)]
                shown = _numbers(_row(panel, "interval"))
                assert shown == (gaps if len(set(gaps)) > 1 else gaps[:1]), name


async def test_space_repeats_the_try_its_pulses_and_a_knob_makes_them_uniform(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        lab.apply_spec({"preset": "squid", "pulses": [[5, 1, 20], [8, 1, 100]], "label": "pp"})
        lab.run_sim(30.0)
        before = len(lab.session.pulses)
        await pilot.press("space")
        new = lab.session.pulses[before:]
        assert [(w, a) for _, w, a in new] == [(1.0, 20.0), (1.0, 100.0)]
        assert new[1][0] - new[0][0] == pytest.approx(3.0)
        assert "20, 100 µA/cm²" in lab.message  # the note names both amplitudes
        await pilot.press("up")  # a knob: one uniform train from the first pulse's values
        lab.redraw()
        panel = text_of(lab.query_one("#panel"))
        st = lab.session.state.stimulus
        assert st.pattern == () and st.amp_uA_cm2 == 21.0
        assert _numbers(_row(panel, "amplitude")) == [21.0]
        assert _numbers(_row(panel, "pulses"))[0] == st.count == 2


async def test_narrow_banner_lists_every_pulse(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        lab = app.lab
        lab.apply_spec({"preset": "squid", "pulses": [[5, 1, 20], [13, 1, 100]], "label": "pp"})
        await pilot.pause()
        lab.redraw()
        banner = text_of(lab.query_one("#banner"))
        assert "20, 100 µA/cm²" in banner and "×2 every 8 ms" in banner


async def test_interval_keys_step_both_ways_and_the_train_follows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lab = app.lab
        await pilot.press("c")  # 2 pulses (paired)
        start = lab.session.state.stimulus.interval_ms
        await pilot.press("I", "I", "I")
        iv = lab.session.state.stimulus.interval_ms
        assert iv == next_interval(next_interval(next_interval(start, -1), -1), -1) < start
        lab.redraw()
        panel = text_of(lab.query_one("#panel"))
        assert _numbers(_row(panel, "interval")) == [iv]
        assert f"interval {iv:g} ms" in lab.message
        await pilot.press("space")
        (d1, _, _), (d2, _, _) = lab.session.pulses[-2:]
        assert d2 - d1 == pytest.approx(iv)  # what the model gets is what the panel said
        await pilot.press("i")
        assert lab.session.state.stimulus.interval_ms == next_interval(iv, 1)
