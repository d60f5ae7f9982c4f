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
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from tutor.sim.names import BLOCKS, PARAMETER_NAMES

#: Kinetic schemes the engine implements (index = code passed to the kernel).
KINETICS: tuple[str, ...] = ("hh", "traub")


class ParameterError(ValueError):
    """A preset, override or block that cannot be applied; message names the culprit."""


def _doc(text: str) -> dict:
    return {"doc": text}


@dataclass(frozen=True)
class MembraneParams:
    """A single-compartment Hodgkin–Huxley-type membrane (frozen, validated on creation).

    A plain frozen dataclass rather than a pydantic model: it is on the start-up
    path of every `tutor simulate` / `tutor sweep`, and pydantic's import alone
    costs more than a whole threshold sweep. Every field's unit is in its
    metadata (`fields(MembraneParams)[i].metadata["doc"]`).
    """

    name: str = field(default="custom", metadata=_doc("Preset name this membrane came from."))
    title: str = field(default="", metadata=_doc("Human-readable description and citation."))
    kinetics: str = field(
        default="hh",
        metadata=_doc("Rates: 'hh' = NEURON hh.mod; 'traub' = Traub–Miles (Pospischil 2008)."),
    )
    gna: float = field(default=120.0, metadata=_doc("Maximal Na⁺ conductance, mS/cm² (≥ 0)."))
    gk: float = field(
        default=36.0, metadata=_doc("Maximal delayed-rectifier K⁺ conductance, mS/cm² (≥ 0).")
    )
    gl: float = field(default=0.3, metadata=_doc("Leak conductance, mS/cm² (≥ 0)."))
    ena: float = field(default=50.0, metadata=_doc("Na⁺ reversal potential, mV."))
    ek: float = field(default=-77.0, metadata=_doc("K⁺ reversal potential, mV."))
    el: float = field(default=-54.3, metadata=_doc("Leak reversal potential, mV."))
    cm: float = field(default=1.0, metadata=_doc("Specific membrane capacitance, µF/cm² (> 0)."))
    celsius: float = field(default=6.3, metadata=_doc("Temperature, °C (−10 … 50)."))
    temp_ref: float = field(default=6.3, metadata=_doc("Temperature at which the rates hold, °C."))
    q10: float = field(default=3.0, metadata=_doc("Rate scaling per 10 °C (dimensionless, > 0)."))
    vtraub: float = field(
        default=0.0, metadata=_doc("Voltage shift of the Traub–Miles rates (VT), mV.")
    )
    blocks: tuple[str, ...] = field(
        default=(), metadata=_doc("Drug blocks applied ('ttx', 'tea').")
    )

    def __post_init__(self) -> None:
        if self.kinetics not in KINETICS:
            raise ParameterError(f"parameter 'kinetics': must be one of {', '.join(KINETICS)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "float":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ParameterError(f"parameter '{f.name}': expected a number, got {value!r}")
                if not math.isfinite(value):
                    raise ParameterError(f"parameter '{f.name}': must be finite, got {value}")
                object.__setattr__(self, f.name, float(value))
        for name in ("gna", "gk", "gl"):
            if getattr(self, name) < 0:
                raise ParameterError(f"parameter '{name}': conductance must be ≥ 0 mS/cm²")
        if self.cm <= 0:
            raise ParameterError("parameter 'cm': capacitance must be > 0 µF/cm²")
        if self.q10 <= 0:
            raise ParameterError("parameter 'q10': must be > 0")
        from tutor.sim.limits import check_parameter_ranges  # (limits imports this module)

        check_parameter_ranges({f.name: getattr(self, f.name) for f in fields(self)})
        if not -10.0 <= self.celsius <= 50.0:
            raise ParameterError(f"parameter 'celsius': {self.celsius:g} °C is outside −10 … 50 °C")
        object.__setattr__(self, "blocks", tuple(self.blocks))
        unknown = [b for b in self.blocks if b not in BLOCKS]
        if unknown:
            raise ParameterError(f"unknown block '{unknown[0]}' (known: {', '.join(BLOCKS)})")

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
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise ParameterError(f"parameter '{key}' needs a finite number, got {value!r}")
        changes: dict[str, Any] = {k: float(v) for k, v in overrides.items()}
        return replace(self, **changes)

    def with_block(self, *blocks: str) -> MembraneParams:
        """Return a copy with the drug blocks applied (TTX: gna = 0, TEA: gk = 0)."""
        changes: dict[str, Any] = {}
        applied = list(self.blocks)
        for block in blocks:
            key = block.lower()
            if key not in BLOCKS:
                raise ParameterError(f"unknown block '{block}' (known: {', '.join(BLOCKS)})")
            changes[BLOCKS[key]] = 0.0
            if key not in applied:
                applied.append(key)
        return replace(self, blocks=tuple(applied), **changes)

    def at_temperature(self, celsius: float) -> MembraneParams:
        """Return a copy at another temperature (°C)."""
        return self.with_overrides({"celsius": celsius})

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output (units as in the field docs)."""
        data = asdict(self)
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
    known = {f.name for f in fields(MembraneParams)}
    extra = sorted(set(data) - known)
    if extra:
        raise ParameterError(f"preset {path}: unknown key '{extra[0]}'")
    try:
        return MembraneParams(**data)
    except ParameterError as exc:
        raise ParameterError(f"preset {path}: {exc}") from None
