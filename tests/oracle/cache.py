"""The one cache rule of every NEURON reference (reference, clamp_, cable_, synapse_.json).

Each reference module (`oracle.reference`, `oracle.clamp_reference`,
`oracle.cable_reference`, `oracle.synapse_reference`) has its cases as plain
data, the oracle files whose code makes the numbers, and a `compute()` that
runs NEURON. Its cache is keyed by a fingerprint: a hash of the cases, the
bytes of those files and NEURON's version. The cache is used only when the
fingerprint matches, so a stale number can never be used and none is typed by
hand; otherwise the numbers are recomputed in NEURON (with a warning: run
`scripts/make_reference.py` to refresh the file).

Without NEURON (a student's install has no `oracle` group) the version in
the cache's own meta stands in for the installed one: a cache made by that
NEURON version from exactly these cases and this code is still its output.
A cache that does not match then cannot be recomputed: the tests that need it
are skipped with that reason (a failure under TUTOR_TEST_REQUIRE_ALL=1, see
`optional`).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def installed_neuron() -> str | None:
    """NEURON's version if it is installed here, else None."""
    from optional import has

    if not has("neuron"):
        return None
    from neuron import __version__

    return str(__version__)


def fingerprint(cases: Any, sources: Iterable[str], neuron_version: str | None = None) -> str:
    """Hash of the cases, the named oracle files (in this folder) and NEURON's version.

    `neuron_version` None: the installed NEURON's (it must be installed).
    """
    if neuron_version is None:
        neuron_version = installed_neuron()
        if neuron_version is None:
            raise RuntimeError("NEURON is not installed (dependency group 'oracle')")
    digest = hashlib.sha256()
    digest.update(json.dumps(cases, sort_keys=True).encode())
    for name in sources:
        digest.update((HERE / name).read_bytes())
    digest.update(neuron_version.encode())
    return digest.hexdigest()[:16]


def write(path: Path, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Compute the reference in NEURON and write it as JSON; returns it."""
    data = compute()
    path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
    return data


def load(
    path: Path, cases: Any, sources: Iterable[str], compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """The reference numbers: the cache if it is current, else a fresh NEURON computation.

    Without NEURON and without a current cache: skipped (see the module docstring).
    """
    sources = tuple(sources)
    installed = installed_neuron()
    data: dict[str, Any] | None = None
    if path.is_file():
        data = json.loads(path.read_text())
        meta = data.get("meta", {}) if isinstance(data, dict) else {}
        version = installed or meta.get("neuron")
        if isinstance(version, str) and meta.get("fingerprint") == fingerprint(
            cases, sources, version
        ):
            return data
    state = "missing" if data is None else "stale (the cases or the oracle code changed)"
    if installed is None:
        from optional import missing

        missing(
            f"tests/oracle/{path.name} is {state} and NEURON is not installed to recompute "
            "it (dependency group 'oracle': uv sync --group oracle)"
        )
    warnings.warn(
        f"tests/oracle/{path.name} is {state} (run scripts/make_reference.py); "
        "recomputing the NEURON numbers in this session",
        stacklevel=3,
    )
    return compute()
