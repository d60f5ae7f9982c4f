"""Names the engine itself accepts: presets, drug blocks, parameter overrides.

They live in `tutor.sim` because the engine validates against them
(`MembraneParams.with_overrides`, `with_block`) and a lower layer may not
import a higher one; `tutor.lab.names` re-exports them for the content
validator, the CLI and the TUI. Each set of names is written once, as a
`Literal` type (what the content schema and the type checker use); the tuples
are derived from it. No heavy imports, so argument parsing and content
validation never pay for the numerical engine.
"""

from __future__ import annotations

from typing import Literal, get_args

PresetName = Literal["textbook", "squid"]
#: Presets shipped in data/presets (kept in sync by a test).
PRESET_NAMES: tuple[PresetName, ...] = get_args(PresetName)

BlockName = Literal["ttx", "tea", "ouabain"]
#: Drug blocks and the parameter each sets to zero (keys = `BlockName`, kept in step by a
#: test): TTX the voltage-gated Na⁺ conductance, TEA the delayed rectifier (the K⁺ leak
#: stays), ouabain the Na⁺/K⁺ pump.
BLOCKS: dict[str, str] = {"ttx": "gna", "tea": "gk", "ouabain": "ipump"}

ParameterName = Literal[
    "gna",
    "gk",
    "gl",
    "ena",
    "ek",
    "el",
    "cm",
    "celsius",
    "gkl",
    "gnal",
    "gcll",
    "ecl",
    "ipump",
    "nai",
    "nao",
    "ki",
    "ko",
    "cli",
    "clo",
    "volarea",
]
#: Parameter names accepted by `--set` and by content run specs.
PARAMETER_NAMES: tuple[ParameterName, ...] = get_args(ParameterName)
