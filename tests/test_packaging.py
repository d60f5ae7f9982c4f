"""The package as built: the compiled kernel at install time, content and data in the wheel.

The wheel is built the way `uv build` does it (sdist first, then the wheel from
the unpacked sdist) through setuptools' PEP 517 hooks, in a copy of the
tracked files, so the test sees exactly what a user would install.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from optional import missing

from tutor.sim import kernel

REPO = Path(__file__).resolve().parent.parent

BUILD = """
import sys, setuptools.build_meta as b
kind, out = sys.argv[1], sys.argv[2]
print(b.build_sdist(out) if kind == "sdist" else b.build_wheel(out))
"""


def _hook(kind: str, cwd: Path, out: Path) -> Path:
    proc = subprocess.run(
        [sys.executable, "-c", BUILD, kind, str(out)],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out / proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """File names inside a wheel built from an sdist of the tracked files."""
    tmp = tmp_path_factory.mktemp("build")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    src = tmp / "src"
    for name in filter(None, tracked):
        path = REPO / os.fsdecode(name)
        if path.is_file():
            (src / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            (src / os.fsdecode(name)).write_bytes(path.read_bytes())
    sdist = _hook("sdist", src, tmp)
    with tarfile.open(sdist) as tar:
        if hasattr(tarfile, "data_filter"):  # Python ≥ 3.11.4
            tar.extractall(tmp / "unpacked", filter="data")
        else:
            tar.extractall(tmp / "unpacked")  # our own sdist, just built
    (unpacked,) = (tmp / "unpacked").iterdir()
    wheel = _hook("wheel", unpacked, tmp / "dist")
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def test_wheel_carries_the_compiled_kernel(wheel_names: list[str]) -> None:
    if kernel.compiled_path() is None:
        missing("no C compiler here: the wheel is built without the kernel (optional)")
    kernels = [
        n for n in wheel_names if n.startswith("tutor/sim/_kernel") and n.endswith((".so", ".pyd"))
    ]
    assert len(kernels) == 1, kernels


def test_wheel_ships_content_data_and_styles(wheel_names: list[str]) -> None:
    lessons = sorted(p.name for p in (REPO / "content").glob("*.md"))
    presets = sorted(p.name for p in (REPO / "data" / "presets").glob("*.toml"))
    shipped_lessons = sorted(
        Path(n).name for n in wheel_names if n.startswith("tutor/_shipped/content/")
    )
    shipped_presets = sorted(
        Path(n).name for n in wheel_names if n.startswith("tutor/_shipped/data/presets/")
    )
    assert lessons and shipped_lessons == lessons
    assert presets and shipped_presets == presets
    assert "tutor/app/tutor.tcss" in wheel_names
    assert not [n for n in wheel_names if n.startswith(("tests/", "benchmarks/"))]


def test_editable_install_loads_the_compiled_kernel_without_compiling(tmp_path: Path) -> None:
    """`uv sync` built the extension: a run with no compiler and no writable cache uses it."""
    if kernel.compiled_path() is None:
        missing("this install was built without a C compiler (the numpy kernel runs)")
    env = dict(
        os.environ,
        PATH=str(tmp_path),  # no cc, gcc or clang
        CC="/nonexistent",
        TUTOR_CACHE_DIR="/proc/nope",
        TUTOR_KERNEL="compiled",
    )
    code = (
        "from tutor.sim import kernel, load_preset, simulate, Pulse;"
        "r = simulate(load_preset('squid'), [Pulse(5, 1, 20)], tstop_ms=20);"
        "print(kernel.backend_name(), len(r.spikes_ms))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["compiled", "1"]
    assert out.stderr == ""
