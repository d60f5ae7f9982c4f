"""Write tests/oracle/reference.json, clamp_, cable_ and synapse_reference.json: NEURON's
numbers for every accuracy-test case.

Usage: ``uv run python scripts/make_reference.py`` (≈ 20 s). The accuracy tests
use the cache only if it matches the current cases, oracle code and NEURON
version; otherwise they recompute it themselves, so this script is an
optimisation, never a source of hand-typed numbers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from oracle import cable_reference, clamp_reference, reference, synapse_reference


def main() -> int:
    """Compute and write the reference; print where and how long it took."""
    for module in (reference, clamp_reference, cable_reference, synapse_reference):
        t0 = time.perf_counter()
        data = module.write()
        dt = time.perf_counter() - t0
        print(
            f"wrote {module.CACHE} (NEURON {data['meta']['neuron']}, "
            f"fingerprint {data['meta']['fingerprint']}) in {dt:.1f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
