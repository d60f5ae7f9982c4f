"""Print the K⁺ and Na⁺ leak conductances that make a preset's rest a fixed point.

    uv run python scripts/balance_preset.py textbook [V_mV]

V defaults to the preset's E_Cl (a passively distributed Cl⁻, so the Cl⁻ leak
carries no net current at rest either). The printed `gkl` and `gnal` are what
data/presets/<name>.toml holds; tests/sim/test_ions.py checks that the rest is
then a fixed point of the full model, concentrations included.
"""

from __future__ import annotations

import sys

from tutor.sim.params import load_preset
from tutor.sim.rest import balanced_leaks


def main() -> None:
    """Solve and print (full precision, ready to paste into the preset)."""
    p = load_preset(sys.argv[1] if len(sys.argv) > 1 else "textbook")
    v = float(sys.argv[2]) if len(sys.argv) > 2 else p.e_cl
    gkl, gnal = balanced_leaks(p, v)
    print(f"# balanced at V = {v!r} mV")
    print(f"gkl = {gkl!r}")
    print(f"gnal = {gnal!r}")


if __name__ == "__main__":
    main()
