"""Content runs on the ball-and-stick neuron: `run.neuron` is validated and measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from lesson_files import OneQuestionLesson

from tutor.quiz.loader import load_lessons


@pytest.fixture
def lesson(tmp_path: Path) -> OneQuestionLesson:
    return OneQuestionLesson(tmp_path / "syn.md", "syn", "Synapses", "textbook")


GOOD = """id = "q"
type = "predict"
prompt = "How big is the EPSP?"
run = { tstop = 40, neuron = { inputs = ["ampa,dend:0.5,5,2"] } }
measure = "soma_depol_mV"
answer_as = "number"
unit = "mV"
tolerance_pct = 20.0"""


def test_neuron_predict_is_valid(lesson: OneQuestionLesson) -> None:
    assert lesson.codes(GOOD) == []


@pytest.mark.parametrize(
    ("replace", "code"),
    [
        (("ampa,dend:0.5", "glycine,dend:0.5"), "E031"),
        (("dend:0.5", "dend:1.5"), "E031"),
        (("5,2", "5,-2"), "E031"),
        (('"ampa,dend:0.5,5,2"', '"ampa,dend:0.5"'), "E031"),
        (('["ampa,dend:0.5,5,2"]', "[]"), "E031"),
        (('measure = "soma_depol_mV"', 'measure = "peak_mV"'), "E041"),
    ],
)
def test_bad_neuron_runs_are_reported(
    lesson: OneQuestionLesson, replace: tuple[str, str], code: str
) -> None:
    codes = lesson.codes(GOOD.replace(*replace))
    assert codes and all(c == code for _, c in codes), codes
    assert all(line > 5 for line, _ in codes)


def test_neuron_measure_on_a_patch_run(lesson: OneQuestionLesson) -> None:
    body = GOOD.replace(
        'run = { tstop = 40, neuron = { inputs = ["ampa,dend:0.5,5,2"] } }',
        "run = { pulses = [[5, 1, 20]] }",
    )
    assert [c for _, c in lesson.codes(body)] == ["E041"]


def test_neuron_run_measured_through_the_quiz_model(lesson: OneQuestionLesson) -> None:
    """The question's run, as the quiz hands it to the engine, is `tutor synapse`'s run."""
    from tutor.lab.experiments import measure
    from tutor.lab.neuron import SynapticInput, synapse_protocol

    q = load_lessons([lesson.write(GOOD)])[0].questions[0]
    run = q.run.to_dict("textbook")
    assert run["neuron"] == {"inputs": ["ampa,dend:0.5,5,2"]}
    got = measure(run, q.measure, "textbook")
    want = synapse_protocol([SynapticInput("ampa", 0.5, 5.0, 2.0)], "textbook", 40.0)
    assert got == want["soma_depol_mV"] and 1.0 < got < 5.0
