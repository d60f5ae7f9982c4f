"""Static checks run as tests: the import-layer contract and the type checker.

Both are configured in pyproject.toml (`[tool.importlinter]`, `[tool.mypy]`);
running them here means a plain `pytest` (and CI, which runs pytest) refuses
an upward import or a type error, with the tool's own report as the message.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from optional import missing, require

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    """The console script installed next to this interpreter (the project's venv)."""
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        missing(f"{name} is not installed (dependency group 'lint': uv sync --group lint)")
    return found


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_import_layers_contract_is_kept() -> None:
    """cli/commands → app → quiz → lab → sim, and no textual below the app."""
    out = _run(_tool("lint-imports"), "--no-cache")
    assert out.returncode == 0, out.stdout + out.stderr
    # the contracts really ran (an empty configuration would also exit 0)
    assert "Layers: cli/commands" in out.stdout
    assert "never imports textual" in out.stdout
    assert "BROKEN" not in out.stdout


def test_mypy_is_clean_on_the_package() -> None:
    require("mypy", "lint", "type-checking tutor/")
    out = _run(sys.executable, "-m", "mypy", "tutor")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout
