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


def test_missing_compiler_is_a_one_line_error(tmp_path) -> None:
    """Without a C compiler the kernel cannot be built: one line, exit 1, no traceback."""
    import os

    env = dict(os.environ, PATH=str(tmp_path), TUTOR_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("CC", None)
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "simulate", "--preset", "squid"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert out.returncode == 1
    assert "C compiler" in out.stderr and "Traceback" not in out.stderr
