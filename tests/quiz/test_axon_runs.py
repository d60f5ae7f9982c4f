"""Content runs on the cable engine: `run.axon` is validated and measured like a patch run."""

from __future__ import annotations

from pathlib import Path

import pytest
from lesson_files import OneQuestionLesson

from tutor.quiz.loader import load_lessons


@pytest.fixture
def lesson(tmp_path: Path) -> OneQuestionLesson:
    return OneQuestionLesson(tmp_path / "ax.md", "ax", "Axon", "squid")


GOOD = """id = "q"
type = "predict"
prompt = "Does it arrive?"
run = { axon = { diam = 10, myelin = true, demyelinate = [16, 24, 100] } }
measure = "arrived"
answer_as = "yes_no\""""


def test_axon_predict_is_valid(lesson: OneQuestionLesson) -> None:
    assert lesson.codes(GOOD) == []


@pytest.mark.parametrize(
    ("replace", "code"),
    [
        (("diam = 10", "diam = -1"), "E031"),
        (("diam = 10", "width = 10"), "E003"),
        (("myelin = true, ", ""), "E031"),  # demyelinate needs myelin
        (("[16, 24, 100]", "[24, 16, 100]"), "E031"),
        (("diam = 10", 'diam = 10, stim = "middle"'), "E031"),
        (("diam = 10", "diam = 10, nseg = 2"), "E031"),
        (('measure = "arrived"', 'measure = "spiked"'), "E041"),  # a patch measure on an axon
    ],
)
def test_bad_axon_runs_are_reported_at_their_line(
    lesson: OneQuestionLesson, replace: tuple[str, str], code: str
) -> None:
    codes = lesson.codes(GOOD.replace(*replace))
    assert codes and all(c == code for _, c in codes), codes
    assert all(line > 7 for line, _ in codes)  # inside the question block, not the file start


def test_axon_measure_on_a_patch_run(lesson: OneQuestionLesson) -> None:
    body = GOOD.replace(
        "run = { axon = { diam = 10, myelin = true, demyelinate = [16, 24, 100] } }",
        "run = { pulses = [[5, 1, 20]] }",
    )
    assert [c for _, c in lesson.codes(body)] == ["E041"]


def test_axon_run_measured_through_the_quiz_model(lesson: OneQuestionLesson) -> None:
    """The question's run, as the quiz hands it to the engine, gives the lesson's answer."""
    from tutor.lab.experiments import measure

    lessons = load_lessons([lesson.write(GOOD)])
    q = lessons[0].questions[0]
    run = q.run.to_dict("squid")
    assert run["axon"] == {"diam": 10.0, "myelin": True, "demyelinate": (16.0, 24.0, 100.0)}
    assert measure(run, q.measure, "squid") is False
