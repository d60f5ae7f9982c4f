"""The `lab` subcommand's arguments, and the layering rule seen from the UI side."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tutor.app.settings import AppSettings


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=60
    )


def test_lab_help_lists_options() -> None:
    out = run("lab", "--help")
    assert out.returncode == 0
    for opt in ("--preset", "--data-dir", "--content", "--speed", "--seed", "--lesson"):
        assert opt in out.stdout


@pytest.mark.parametrize(
    ("args", "word"), [(["--preset", "frog"], "--preset"), (["--speed", "0"], "--speed")]
)
def test_lab_bad_arguments_exit_2_with_one_line(args: list[str], word: str) -> None:
    out = run("lab", *args)
    assert out.returncode == 2
    assert word in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_core_packages_never_import_textual() -> None:
    code = (
        "import sys, tutor.sim, tutor.lab.phases, tutor.lab.experiments, tutor.quiz.grading, "
        "tutor.quiz.loader, tutor.quiz.store, tutor.app.lab_session, tutor.app.quizbridge; "
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_settings_validate() -> None:
    with pytest.raises(ValueError):
        AppSettings(fps=0)
    s = AppSettings(data_dir="somewhere")  # type: ignore[arg-type]
    assert s.data_dir is not None and s.data_dir.name == "somewhere"
    assert s.replace(seed=3).seed == 3
