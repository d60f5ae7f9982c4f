"""Write tests/oracle/reference.json, clamp_, cable_ and synapse_reference.json: NEURON's
numbers for every accuracy-test case.

Usage: ``uv run --group oracle python scripts/make_reference.py`` (≈ 1 min; NEURON is
in the `oracle` dependency group, which a plain `uv run` does not install). The accuracy tests
use the cache only if it matches the current cases, oracle code and NEURON
version; otherwise they recompute it themselves, so this script is an
optimisation, never a source of hand-typed numbers.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from oracle.cache import installed_neuron

#: The reference modules (in tests/oracle), each written by its own NEURON process:
#: sections left by one oracle share CVODE's system with the next and move its steps
#: (by ~1e-7 relative), so a cache must never depend on what ran before it.
MODULES = ("reference", "clamp_reference", "cable_reference", "synapse_reference")


def write_one(name: str) -> int:
    """Compute and write one reference in this process; print where and how long it took."""
    module = importlib.import_module(f"oracle.{name}")
    t0 = time.perf_counter()
    data = module.write()
    dt = time.perf_counter() - t0
    print(
        f"wrote {module.CACHE} (NEURON {data['meta']['neuron']}, "
        f"fingerprint {data['meta']['fingerprint']}) in {dt:.1f} s"
    )
    return 0


def main(argv: list[str]) -> int:
    """Write every reference (each in a fresh process), or only the one named by `--only`."""
    if installed_neuron() is None:
        print(
            "make_reference: NEURON is not installed (uv run --group oracle python "
            "scripts/make_reference.py)",
            file=sys.stderr,
        )
        return 1
    if argv[:1] == ["--only"] and len(argv) == 2 and argv[1] in MODULES:
        return write_one(argv[1])
    if argv:
        print(f"make_reference: usage: make_reference.py [--only {'|'.join(MODULES)}]",
              file=sys.stderr)  # fmt: skip
        return 2
    for name in MODULES:
        code = subprocess.call([sys.executable, __file__, "--only", name])
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
