"""The README stays true: its example question validates and its commands exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_example_question_validates(tmp_path: Path) -> None:
    block = re.search(r"````\n(```question\n.*?\n```)\n````", README, re.S)
    assert block, "the README lost its example question"
    lesson = tmp_path / "example.md"
    lesson.write_text(
        '+++\nid = "readme-example"\ntitle = "README example"\npreset = "squid"\n+++\n'
        f"Prose.\n\n{block.group(1)}\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "content", "validate", str(lesson)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 predict" in out.stdout


def test_readme_gives_the_quick_start_and_ci_runs_it() -> None:
    assert "pip install uv" in README
    assert "uv run tutor" in README and "uv run pytest" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "uv run pytest" in ci
