"""Tests that need an optional dependency group: skipped with the reason, never silently.

A student's `uv run pytest` has only the runtime and the `test` group (see
pyproject.toml); NEURON (`oracle`), Playwright (`browser`) and the static
checkers (`lint`) come with `uv sync --all-groups`, which CI runs. A test that
needs one of them calls `require(...)`: where the package is missing the test is
skipped with a reason that names the group and the command that installs it —
except when TUTOR_TEST_REQUIRE_ALL=1 (set by `.ci/run`), where the same absence is
a failure, so a CI run can never count a skipped test as a passed one.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

#: Set by .ci/run: every optional group is installed there, so nothing may be skipped.
REQUIRE_ALL_VAR = "TUTOR_TEST_REQUIRE_ALL"


def require_all() -> bool:
    """Whether a missing optional dependency must fail instead of skip (CI)."""
    return os.environ.get(REQUIRE_ALL_VAR, "") == "1"


def missing(reason: str) -> None:
    """Skip the current test (or module) for `reason`, or fail under TUTOR_TEST_REQUIRE_ALL=1."""
    if require_all():
        pytest.fail(f"{reason} ({REQUIRE_ALL_VAR}=1: nothing may be skipped)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def has(module: str) -> bool:
    """Whether `module` can be imported here (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, group: str, what: str) -> None:
    """Skip (or fail, see `missing`) unless `module` is installed; `what` says what needs it."""
    if not has(module):
        missing(
            f"{what} needs {module} (dependency group '{group}': uv sync --group {group}, "
            "or --all-groups)"
        )


def _compiled_kernel_installed() -> bool:
    from tutor.sim.kernel import compiled_path

    return compiled_path() is not None


#: Marks a test (or a pytest.param) that runs the compiled kernel by name: skipped with the
#: reason where the package was installed without a C compiler.
needs_compiled = pytest.mark.skipif(
    not _compiled_kernel_installed(),
    reason="the compiled kernel is not installed here (built without a C compiler)",
)
