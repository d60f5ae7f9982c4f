"""Build step of neuron-tutor: the C kernel as an optional compiled extension.

Why setuptools (and not hatchling, scikit-build-core or meson-python): the
project has one C file and no build-time dependencies. setuptools' `Extension`
with `optional=True` is the conventional way to say "compile this where a C
compiler exists, and still install where none does" — the tutor then runs on
its numpy kernel (tutor/sim/pykernel.py). scikit-build-core and meson-python
would add CMake or meson + ninja to every build, and neither has an optional
extension: a machine without a compiler could not install the package at all.

Everything else about the package is declared in pyproject.toml; this file only
adds what setuptools cannot express there:

- `tutor.sim._kernel`: kernel.c (+ the tiny module shim _kernel_module.c)
  compiled with OpenMP when the compiler supports it (tried first, then without),
  and stamped with a hash of kernel.c so the loader can refuse a stale build;
- the repository's content/ and data/ copied into the wheel as
  tutor/_shipped/content and tutor/_shipped/data (an editable install reads the
  checkout's folders directly, see tutor/quiz/paths.py and tutor/sim/params.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: Wheel builders (cibuildwheel) set this so a wheel can never ship without the kernel.
REQUIRE_KERNEL = os.environ.get("TUTOR_REQUIRE_KERNEL") == "1"
KERNEL_C = Path("tutor") / "sim" / "kernel.c"
#: Folders of the repository shipped inside the package: source -> path in the wheel.
SHIPPED = {"content": "tutor/_shipped/content", "data": "tutor/_shipped/data"}


def exported_functions() -> list[str]:
    """Functions kernel.c defines at file scope (not static): what ctypes calls.

    Only Windows needs the list (MSVC exports nothing unless told); reading it
    from the source keeps it right when a function is added.
    """
    source = (HERE / KERNEL_C).read_text()
    names = re.findall(r"^(?:void|double|int64_t|int)\s+(\w+)\s*\(", source, flags=re.M)
    return [*names, "kernel_source_hash"]


def kernel_source_hash() -> int:
    """First 60 bits of kernel.c's SHA-256: the loader compares it with the file it sits beside."""
    return int(hashlib.sha256((HERE / KERNEL_C).read_bytes()).hexdigest()[:15], 16)


class BuildKernel(build_ext):
    """build_ext that tries OpenMP first and falls back to a serial build."""

    def build_extension(self, ext: Extension) -> None:
        compiler = self.compiler.compiler_type
        openmp = (["/openmp"], []) if compiler == "msvc" else (["-fopenmp"], ["-fopenmp"])
        optimise = ["/O2"] if compiler == "msvc" else ["-O2"]
        base_compile, base_link = list(ext.extra_compile_args), list(ext.extra_link_args)
        try:
            ext.extra_compile_args = base_compile + optimise + openmp[0]
            ext.extra_link_args = base_link + openmp[1]
            super().build_extension(ext)
            return
        except Exception as exc:  # no OpenMP here (e.g. Apple clang): build it serial
            self.warn(f"building {ext.name} without OpenMP ({exc})")
        ext.extra_compile_args = base_compile + optimise
        ext.extra_link_args = base_link
        super().build_extension(ext)


class BuildPyWithShipped(build_py):
    """build_py that also copies content/ and data/ into the package (wheels only)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's content/ and data/
        for source, target in SHIPPED.items():
            src = HERE / source
            if src.is_dir():
                shutil.copytree(src, Path(self.build_lib) / target, dirs_exist_ok=True)


setup(
    ext_modules=[
        Extension(
            "tutor.sim._kernel",
            sources=[str(KERNEL_C), str(KERNEL_C.with_name("_kernel_module.c"))],
            define_macros=[("KERNEL_SOURCE_HASH", f"{kernel_source_hash()}LL")],
            export_symbols=exported_functions(),
            optional=not REQUIRE_KERNEL,
        )
    ],
    cmdclass={"build_ext": BuildKernel, "build_py": BuildPyWithShipped},
)
