"""Fixtures shared by every test package.

`kernel`: runs a test once per simulation kernel — the compiled extension and
the numpy fallback (tutor/sim/pykernel.py) — by setting TUTOR_KERNEL for this
process and for every `tutor` subprocess the test starts, so the fallback is
held to the same accuracy tests as the compiled kernel and cannot rot. Where
the extension was not built (no C compiler at install) the compiled case is
reported as skipped, never as passed (and fails under TUTOR_TEST_REQUIRE_ALL=1,
which CI sets: see tests/optional.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from optional import missing

KERNELS = ("compiled", "python")


@pytest.fixture(params=KERNELS)
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The kernel name this test runs on (TUTOR_KERNEL set, the choice made afresh)."""
    from tutor.sim import kernel as K
    from tutor.sim.reduce import resting_state

    name: str = request.param
    if name == "compiled" and K.compiled_path() is None:
        missing("the compiled kernel is not installed here (built without a C compiler)")
    monkeypatch.setenv("TUTOR_KERNEL", name)
    K.reset()
    resting_state.cache_clear()
    assert K.backend_name() == name
    yield name
    monkeypatch.undo()
    K.reset()
    resting_state.cache_clear()
