"""The NEURON reference caches: committed current, used without NEURON, never stale.

A student's install has no NEURON (the `oracle` group), so the accuracy tests run
on the committed caches; these tests make sure every committed cache matches its
cases and oracle code (else such a run would skip them), and that the cache rule
(`oracle.cache`) uses a cache only when its fingerprint matches, skips (or, under
TUTOR_TEST_REQUIRE_ALL=1, fails) when it cannot recompute a stale one, and
recomputes when NEURON is there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from oracle import cable_reference, cache, clamp_reference, reference, synapse_reference

MODULES = (reference, clamp_reference, cable_reference, synapse_reference)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_committed_cache_is_current_for_its_neuron_version(module: Any) -> None:
    data = json.loads(module.CACHE.read_text())
    meta = data["meta"]
    assert meta["fingerprint"] == cache.fingerprint(module.CASES, module.SOURCES, meta["neuron"])
    # the module's own sources are hashed, so editing it invalidates the cache
    assert Path(module.__file__).name in module.SOURCES


def _copy(tmp_path: Path, module: Any, *, spoil: bool) -> Path:
    data = json.loads(module.CACHE.read_text())
    if spoil:
        data["meta"]["fingerprint"] = "0" * 16
    path = tmp_path / module.CACHE.name
    path.write_text(json.dumps(data))
    return path


def _never(*_: Any) -> dict[str, Any]:
    raise AssertionError("compute() must not run")


def test_without_neuron_a_current_cache_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "installed_neuron", lambda: None)
    path = _copy(tmp_path, clamp_reference, spoil=False)
    got = cache.load(path, clamp_reference.CASES, clamp_reference.SOURCES, _never)
    assert got == json.loads(clamp_reference.CACHE.read_text())


def test_without_neuron_a_changed_case_is_skipped_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "installed_neuron", lambda: None)
    monkeypatch.delenv("TUTOR_TEST_REQUIRE_ALL", raising=False)
    path = _copy(tmp_path, clamp_reference, spoil=False)
    changed = dict(clamp_reference.CASES, extra=[1])
    with pytest.raises(pytest.skip.Exception, match=r"stale.*NEURON is not installed.*oracle"):
        cache.load(path, changed, clamp_reference.SOURCES, _never)
    with pytest.raises(pytest.skip.Exception, match="missing"):
        cache.load(tmp_path / "absent.json", changed, clamp_reference.SOURCES, _never)


def test_under_require_all_a_stale_cache_without_neuron_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "installed_neuron", lambda: None)
    monkeypatch.setenv("TUTOR_TEST_REQUIRE_ALL", "1")
    path = _copy(tmp_path, clamp_reference, spoil=True)
    with pytest.raises(pytest.fail.Exception, match="nothing may be skipped"):
        cache.load(path, clamp_reference.CASES, clamp_reference.SOURCES, _never)


def test_with_neuron_a_stale_cache_is_recomputed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "installed_neuron", lambda: "9.9.9")
    path = _copy(tmp_path, clamp_reference, spoil=False)  # made by another NEURON version
    fresh = {"meta": {"fingerprint": "recomputed"}}
    with pytest.warns(UserWarning, match="stale"):
        got = cache.load(path, clamp_reference.CASES, clamp_reference.SOURCES, lambda: fresh)
    assert got is fresh
