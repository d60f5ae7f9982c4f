"""The voltage-clamp lesson states only numbers the engine gives, and clamp runs validate.

Every number in the prose of content/15-voltage-clamp.md is recomputed here
from the clamp engine (and the fit) and must appear in the text exactly as
rounded there; predict and `from_model` questions are checked by
test_content_model.py like every other lesson.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.lab.clamp import ClampProtocol, kinetics, run_family
from tutor.lab.experiments import measure, membranes
from tutor.quiz.loader import load_paths

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "content" / "15-voltage-clamp.md"
TEXT = " ".join(LESSON.read_text(encoding="utf-8").split())  # prose with lines joined


def squid_point(step_mV: float, blocks: tuple[str, ...] = (), **kw: object) -> dict:
    m = membranes("squid", blocks=list(blocks))
    return run_family(m.run, ClampProtocol((step_mV,), **kw)).points[0]  # type: ignore[arg-type]


def stated(text: str) -> None:
    assert text in TEXT, f"the lesson should say {text!r} (the model's value)"


def test_hold_and_step_are_the_models() -> None:
    p = squid_point(0.0)
    stated("Hold the squid membrane at −65 mV and step it to 0 mV for 20 ms")
    stated(f"peaks at **−{-p['ina_peak_uA_cm2']:.0f} µA/cm²**")
    stated(f"**{p['ina_peak_ms']:.2f} ms** after the step")
    stated(f"it is down to −{-p['ina_end_uA_cm2']:.0f} µA/cm² after 20 ms")
    stated(f"half-way after **{p['ik_half_ms']:.2f} ms**")
    stated(f"**+{p['ik_end_uA_cm2']:.0f} µA/cm²** at 20 ms")


def test_ttx_numbers() -> None:
    p = squid_point(0.0, ("ttx",))
    control = squid_point(0.0)
    assert p["ina_peak_uA_cm2"] == 0.0
    stated(f"the peak I_Na is **{p['ina_peak_uA_cm2']:.0f} µA/cm²**")
    assert p["ik_end_uA_cm2"] == control["ik_end_uA_cm2"]
    stated(f"still **+{p['ik_end_uA_cm2']:.0f} µA/cm²** at 20 ms")
    assert squid_point(0.0, ("tea",))["ina_peak_uA_cm2"] == control["ina_peak_uA_cm2"]


def test_reversal_is_ena() -> None:
    rev = measure(
        {"preset": "squid", "clamp": {"steps": [float(v) for v in range(30, 71, 2)]}},
        "ina_reversal_mV",
    )
    assert rev is not None
    stated(f"**reverses at {rev:+.0f} mV**")
    stated("E_Na of the squid preset")
    assert rev == pytest.approx(membranes("squid").run.ena, abs=0.5)


@pytest.mark.parametrize("pre_mV", [-40.0, -100.0])
def test_prepulse_ratios(pre_mV: float) -> None:
    ratio = squid_point(0.0, pre_mV=(pre_mV,), pre_dur_ms=50.0)["ina_peak_ratio"]
    if pre_mV == -40.0:
        stated(f"After a prepulse to −40 mV only **{ratio:.2f}** of the Na⁺ current is left")
    else:
        stated(f"after a prepulse to −100 mV it is **{ratio:.2f}** times larger")
    stated("hold the membrane for 50 ms at a *prepulse*")


def test_fit_numbers() -> None:
    from tutor.lab.clamp_fit import fit_family

    fam = run_family(membranes("squid").run, ClampProtocol((0.0,)))
    fit_family(fam)
    fit = fam.points[0]["fit"]
    stated(f"**n∞ = {fit['n_inf']:.3f}**")
    stated(f"**τn = {fit['tau_n_ms']:.2f} ms**")
    k = kinetics(membranes("squid").run, [0.0])[0.0]
    assert (
        f"{fit['n_inf']:.3f}" == f"{k.n_inf:.3f}"
        and f"{fit['tau_n_ms']:.2f}" == f"{k.tau_n_ms:.2f}"
    )


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "clamp.md"
    path.write_text(
        '+++\nid = "c"\ntitle = "C"\npreset = "squid"\n+++\nText.\n\n```question\n'
        + body
        + "```\n",
        encoding="utf-8",
    )
    return path


PREDICT = (
    'id = "q"\ntype = "predict"\nprompt = "?"\nanswer_as = "number"\nunit = "mV"\ntolerance = 1.0\n'
)


@pytest.mark.parametrize(
    "body, code, where",
    [
        # a clamp measure on a current-clamp run, and the reverse
        (
            PREDICT + 'run = { pulses = [[5, 1, 20]] }\nmeasure = "ina_peak_uA_cm2"\n',
            "E040",
            "measure",
        ),
        (PREDICT + 'run = { clamp = { steps = [0] } }\nmeasure = "peak_mV"\n', "E040", "measure"),
        # pulses beside a clamp
        (
            PREDICT
            + 'run = { pulses = [[5, 1, 20]], clamp = { steps = [0] } }\nmeasure = "ina_peak_uA_cm2"\n',
            "E040",
            "pulses",
        ),
        # bad clamp tables
        (
            PREDICT
            + 'run = { clamp = { steps = [0], hold = -200 } }\nmeasure = "ina_peak_uA_cm2"\n',
            "E031",
            "hold",
        ),
        (
            PREDICT + 'run = { clamp = { steps = [0], dur = 0 } }\nmeasure = "ina_peak_uA_cm2"\n',
            "E031",
            "dur",
        ),
        (
            PREDICT + 'run = { clamp = { steps = [] } }\nmeasure = "ina_peak_uA_cm2"\n',
            "E031",
            "steps",
        ),
        (
            PREDICT + 'run = { clamp = { hold = -65 } }\nmeasure = "ina_peak_uA_cm2"\n',
            "E004",
            "clamp",
        ),
        (
            PREDICT
            + 'run = { clamp = { steps = [0], hodl = -65 } }\nmeasure = "ina_peak_uA_cm2"\n',
            "E003",
            "hodl",
        ),
        (
            PREDICT + 'run = { clamp = { steps = 0 } }\nmeasure = "ina_peak_uA_cm2"\n',
            "E005",
            "steps",
        ),
        (
            PREDICT + 'run = { clamp = { steps = ["{v}"] } }\nmeasure = "ina_peak_uA_cm2"\n',
            "E021",
            "{v}",
        ),
    ],
)
def test_clamp_runs_are_validated(tmp_path: Path, body: str, code: str, where: str) -> None:
    path = write(tmp_path, body)
    problems = load_paths([path]).problems
    assert [p.code for p in problems] == [code], problems
    line = path.read_text(encoding="utf-8").splitlines()[problems[0].line - 1]
    assert where in line


def test_a_good_clamp_question_validates_and_measures(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        PREDICT
        + 'params.v = { values = [-20, 0, 20] }\nrun = { clamp = { steps = ["{v}"], prepulse = [-40] } }\n'
        'measure = "ina_peak_ratio"\n',
    )
    result = load_paths([path])
    assert result.problems == ()
    lessons = result.lessons
    from tutor.quiz.grading import instantiate

    q = instantiate(lessons[0].questions[0], "c", seed=3)
    run = q.run.to_dict("squid")  # type: ignore[attr-defined]
    assert run["clamp"]["steps"][0] in (-20, 0, 20)
    value = measure(run, "ina_peak_ratio", "squid")
    assert value is not None and 0.0 < value < 0.5


def test_plain_mode_describes_a_clamp_run_truthfully() -> None:
    from tutor.quiz.plain import describe_run

    text = describe_run(
        {
            "preset": "squid",
            "block": ["ttx"],
            "clamp": {"steps": [0], "prepulse": [-40], "pre_dur": 50},
        },
        "squid",
    )
    assert "voltage clamp held at -65 mV" in text and "with TTX" in text
    assert "a 50 ms prepulse to -40 mV, then a step to 0 mV for 20 ms" in text
    assert "stimulus" not in text  # no current pulses in a clamp run
