"""The entry point exists and answers."""

import subprocess
import sys


def test_module_entry_point_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "tutor", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "tutor" in out.stdout
