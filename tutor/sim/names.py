"""Names the engine itself accepts: presets, drug blocks, parameter overrides.

They live in `tutor.sim` because the engine validates against them
(`MembraneParams.with_overrides`, `with_block`) and a lower layer may not
import a higher one; `tutor.lab.names` re-exports them for the content
validator, the CLI and the TUI. No heavy imports, so argument parsing and
content validation never pay for the numerical engine.
"""

from __future__ import annotations

#: Presets shipped in data/presets (kept in sync by a test).
PRESET_NAMES: tuple[str, ...] = ("textbook", "squid")

#: Drug blocks and the conductance each removes.
BLOCKS: dict[str, str] = {"ttx": "gna", "tea": "gk"}

#: Parameter names accepted by `--set` and by content run specs.
PARAMETER_NAMES: tuple[str, ...] = ("gna", "gk", "gl", "ena", "ek", "el", "cm", "celsius")
