"""docs/architecture.md stays true: every import its code blocks show works.

The blocks are sketches (`...`, annotations after names), so they are not run
whole; each `from X import (a, b, …)` statement in them is, which catches a
renamed class (`TraceChunk` was one) or a function that moved.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def _imports() -> list[tuple[str, list[str]]]:
    code = "\n".join(re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S))
    code = re.sub(r"#[^\n]*", "", code)
    found = re.findall(r"^from ([\w.]+) import \(([^)]*)\)", code, re.M)
    found += re.findall(r"^from ([\w.]+) import ([^(\n]+)$", code, re.M)
    out = []
    for module, names in found:
        cleaned = [n.strip() for n in names.replace("\n", ",").split(",")]
        out.append((module, [n for n in cleaned if n and n != "..."]))
    return out


def test_the_doc_shows_imports() -> None:
    assert len(_imports()) >= 10


@pytest.mark.parametrize(("module", "names"), _imports(), ids=lambda x: str(x)[:40])
def test_every_import_in_the_architecture_doc_works(module: str, names: list[str]) -> None:
    mod = importlib.import_module(module)
    for name in names:
        assert hasattr(mod, name), f"docs/architecture.md: {module} has no {name}"
