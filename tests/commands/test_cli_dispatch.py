"""Bare `tutor` options go to the lab; help and unknown commands behave."""

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True)


def test_options_without_a_command_belong_to_the_lab() -> None:
    out = run("--preset", "nope")
    assert out.returncode == 2
    assert "--preset" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_help_lists_every_command() -> None:
    out = run("--help")
    assert out.returncode == 0
    for name in ("lab", "simulate", "sweep", "content", "quiz", "progress"):
        assert name in out.stdout


def test_unknown_command_is_a_one_line_error() -> None:
    out = run("frobnicate")
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1


def test_bad_kernel_choice_is_a_one_line_usage_error() -> None:
    """TUTOR_KERNEL must name a kernel: one line naming it, exit 2, whatever the command."""
    import os

    for args in (["simulate", "--preset", "squid"], ["content", "validate", "content/"]):
        env = dict(os.environ, TUTOR_KERNEL="fortran")
        out = subprocess.run(
            [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env
        )
        assert out.returncode == 2
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and "TUTOR_KERNEL" in lines[0] and "fortran" in lines[0]
