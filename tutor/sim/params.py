"""Membrane parameters and presets.

Units are fixed and written into every field: conductances in mS/cm², potentials
in mV, capacitance in µF/cm², temperature in °C. Voltages follow the modern
convention (inside minus outside; squid rest ≈ −65 mV). Presets live in
`data/presets/*.toml` and load through `MembraneParams`, so a preset with a
typo or a negative conductance fails loudly at load time.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tutor.lab.names import BLOCKS, PARAMETER_NAMES

#: Kinetic schemes the engine implements (index = code passed to the kernel).
KINETICS: tuple[str, ...] = ("hh", "traub")


class ParameterError(ValueError):
    """A preset, override or block that cannot be applied; message names the culprit."""


class MembraneParams(BaseModel):
    """A single-compartment Hodgkin–Huxley-type membrane (frozen, validated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("custom", description="Preset name this membrane came from.")
    title: str = Field("", description="Human-readable description and citation.")
    kinetics: Literal["hh", "traub"] = Field(
        "hh",
        description="Rate functions: 'hh' = NEURON hh.mod; 'traub' = Traub–Miles as in Pospischil et al. 2008.",
    )
    gna: float = Field(120.0, ge=0, description="Maximal Na⁺ conductance, mS/cm².")
    gk: float = Field(36.0, ge=0, description="Maximal delayed-rectifier K⁺ conductance, mS/cm².")
    gl: float = Field(0.3, ge=0, description="Leak conductance, mS/cm².")
    ena: float = Field(50.0, description="Na⁺ reversal potential, mV.")
    ek: float = Field(-77.0, description="K⁺ reversal potential, mV.")
    el: float = Field(-54.3, description="Leak reversal potential, mV.")
    cm: float = Field(1.0, gt=0, description="Specific membrane capacitance, µF/cm².")
    celsius: float = Field(6.3, ge=-10, le=50, description="Temperature, °C.")
    temp_ref: float = Field(6.3, description="Temperature at which the rate functions hold, °C.")
    q10: float = Field(3.0, gt=0, description="Rate scaling per 10 °C (dimensionless).")
    vtraub: float = Field(0.0, description="Voltage shift of the Traub–Miles rates (VT), mV.")
    blocks: tuple[str, ...] = Field((), description="Drug blocks applied ('ttx', 'tea').")

    @property
    def rate_factor(self) -> float:
        """Q10 temperature factor multiplying every rate constant (dimensionless)."""
        return self.q10 ** ((self.celsius - self.temp_ref) / 10.0)

    @property
    def kinetics_code(self) -> int:
        """Integer code of the kinetic scheme, as the compiled kernel expects it."""
        return KINETICS.index(self.kinetics)

    def with_overrides(self, overrides: dict[str, float]) -> MembraneParams:
        """Return a copy with parameters replaced (names as in `tutor simulate --set`)."""
        for key, value in overrides.items():
            if key not in PARAMETER_NAMES:
                raise ParameterError(
                    f"unknown parameter '{key}' (known: {', '.join(PARAMETER_NAMES)})"
                )
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise ParameterError(f"parameter '{key}' needs a finite number, got {value!r}")
        return self._validated_copy(dict(overrides))

    def with_block(self, *blocks: str) -> MembraneParams:
        """Return a copy with the drug blocks applied (TTX: gna = 0, TEA: gk = 0)."""
        changes: dict[str, object] = {}
        applied = list(self.blocks)
        for block in blocks:
            key = block.lower()
            if key not in BLOCKS:
                raise ParameterError(f"unknown block '{block}' (known: {', '.join(BLOCKS)})")
            changes[BLOCKS[key]] = 0.0
            if key not in applied:
                applied.append(key)
        changes["blocks"] = tuple(applied)
        return self._validated_copy(changes)

    def at_temperature(self, celsius: float) -> MembraneParams:
        """Return a copy at another temperature (°C)."""
        return self.with_overrides({"celsius": celsius})

    def _validated_copy(self, changes: dict[str, object]) -> MembraneParams:
        data = self.model_dump()
        data.update(changes)
        try:
            return MembraneParams(**data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ParameterError(f"parameter '{where}': {err['msg']}") from None

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output (units as in the field docs)."""
        data = self.model_dump()
        data["blocks"] = list(self.blocks)
        return data


def presets_dir() -> Path:
    """Where the preset TOML files are: the checkout's data/ or the wheel's copy."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_shipped" / "data" / "presets", here.parent / "data" / "presets"):
        if candidate.is_dir():
            return candidate
    raise ParameterError("no presets directory found (data/presets is missing)")


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.stem for p in presets_dir().glob("*.toml"))


@cache
def load_preset(name: str) -> MembraneParams:
    """Load a preset by name from data/presets (validated)."""
    path = presets_dir() / f"{name}.toml"
    if not path.is_file():
        raise ParameterError(f"unknown preset '{name}' (known: {', '.join(preset_names())})")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    try:
        return MembraneParams(**data)
    except ValidationError as exc:
        raise ParameterError(f"preset {path}: {exc.errors()[0]['msg']}") from None
