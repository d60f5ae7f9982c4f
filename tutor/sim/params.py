"""Membrane parameters and presets.

Units are fixed and written into every field: conductances in mS/cm², potentials
in mV, capacitance in µF/cm², temperature in °C. Voltages follow the modern
convention (inside minus outside; squid rest ≈ −65 mV). Presets live in
`data/presets/*.toml` and load through `MembraneParams`, so a preset with a
typo or a negative conductance fails loudly at load time.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from tutor.sim import ions
from tutor.sim.names import BLOCKS, PARAMETER_NAMES

#: Reversal-potential field of each ion, and its (inside, outside) concentration fields.
_REVERSALS: dict[str, str] = {"na": "ena", "k": "ek", "cl": "ecl"}
_CONCENTRATIONS: dict[str, tuple[str, str]] = {
    "na": ("nai", "nao"),
    "k": ("ki", "ko"),
    "cl": ("cli", "clo"),
}

#: A temperature written in prose ("37 °C", "6.3°C"): preset titles may not state one.
TEMPERATURE_IN_TEXT = re.compile(r"[−-]?\d+(?:\.\d+)?\s*°\s*C")
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
    title: str = field(
        default="",
        metadata=_doc(
            "What the membrane is, with its source; no numbers of its own (a temperature "
            "here could disagree with `celsius`: `heading` adds them)."
        ),
    )
    kinetics: str = field(
        default="hh",
        metadata=_doc("Rates: 'hh' = NEURON hh.mod; 'traub' = Traub–Miles (Pospischil 2008)."),
    )
    gna: float = field(default=120.0, metadata=_doc("Maximal Na⁺ conductance, mS/cm² (≥ 0)."))
    gk: float = field(
        default=36.0, metadata=_doc("Maximal delayed-rectifier K⁺ conductance, mS/cm² (≥ 0).")
    )
    gl: float = field(default=0.3, metadata=_doc("Leak conductance, mS/cm² (≥ 0)."))
    ena: float = field(
        default=math.nan,
        metadata=_doc(
            "Na⁺ reversal potential in use at the resting concentrations, mV. Left out "
            "(NaN), it follows Nernst from nai/nao at `celsius` (and the ion is listed in "
            "`nernst`); given, it is fixed."
        ),
    )
    ek: float = field(
        default=math.nan,
        metadata=_doc(
            "K⁺ reversal potential in use at the resting concentrations, mV. Left out "
            "(NaN), it follows Nernst from ki/ko at `celsius` (and the ion is listed in "
            "`nernst`); given, it is fixed."
        ),
    )
    ecl: float = field(
        default=math.nan,
        metadata=_doc(
            "Cl⁻ reversal potential in use at the resting concentrations, mV. Left out "
            "(NaN), it follows Nernst from cli/clo at `celsius` (and the ion is listed in "
            "`nernst`); given, it is fixed."
        ),
    )
    el: float = field(
        default=-54.3, metadata=_doc("Reversal potential of the unnamed leak `gl`, mV.")
    )
    gkl: float = field(
        default=0.0, metadata=_doc("K⁺ leak conductance (TEA-insensitive, K2P-like), mS/cm².")
    )
    gnal: float = field(default=0.0, metadata=_doc("Na⁺ leak conductance, mS/cm² (≥ 0)."))
    gcll: float = field(default=0.0, metadata=_doc("Cl⁻ leak conductance, mS/cm² (≥ 0)."))
    ipump: float = field(
        default=0.0,
        metadata=_doc(
            "Maximal Na⁺/K⁺-ATPase current, µA/cm² (net outward, 1 charge per cycle; "
            "0 = no pump; ouabain sets it to 0)."
        ),
    )
    km_na_pump: float = field(
        default=7.7, metadata=_doc("Pump half-saturation per internal Na⁺ site, mM (> 0).")
    )
    km_k_pump: float = field(
        default=2.0, metadata=_doc("Pump half-saturation per external K⁺ site, mM (> 0).")
    )
    nai: float = field(default=50.0, metadata=_doc("Internal [Na⁺] at rest, mM (> 0)."))
    nao: float = field(default=440.0, metadata=_doc("External [Na⁺], mM (> 0)."))
    ki: float = field(default=400.0, metadata=_doc("Internal [K⁺] at rest, mM (> 0)."))
    ko: float = field(default=20.0, metadata=_doc("External [K⁺], mM (> 0)."))
    cli: float = field(default=60.0, metadata=_doc("Internal [Cl⁻] at rest, mM (> 0)."))
    clo: float = field(default=560.0, metadata=_doc("External [Cl⁻], mM (> 0)."))
    volarea: float = field(
        default=0.0,
        metadata=_doc(
            "Cell volume / membrane area, µm (d/4 for a cylinder of diameter d, d/6 for a "
            "sphere); > 0 turns on internal concentration dynamics, 0 keeps them fixed."
        ),
    )
    cm: float = field(default=1.0, metadata=_doc("Specific membrane capacitance, µF/cm² (> 0)."))
    celsius: float = field(default=6.3, metadata=_doc("Temperature, °C (−10 … 50)."))
    temp_ref: float = field(default=6.3, metadata=_doc("Temperature at which the rates hold, °C."))
    q10: float = field(default=3.0, metadata=_doc("Rate scaling per 10 °C (dimensionless, > 0)."))
    vtraub: float = field(
        default=0.0, metadata=_doc("Voltage shift of the Traub–Miles rates (VT), mV.")
    )
    nernst: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Ions ('na', 'k', 'cl') whose reversal potential follows Nernst (filled in from "
            "the reversal potentials left out; with concentration dynamics it then tracks "
            "the internal concentration)."
        ),
    )
    blocks: tuple[str, ...] = field(
        default=(), metadata=_doc("Drug blocks applied ('ttx', 'tea').")
    )

    def __post_init__(self) -> None:
        if self.kinetics not in KINETICS:
            raise ParameterError(f"parameter 'kinetics': must be one of {', '.join(KINETICS)}")
        nernst = set(self.nernst) - set(_REVERSALS)
        if nernst:
            raise ParameterError(f"parameter 'nernst': unknown ion '{sorted(nernst)[0]}'")
        following = [ion for ion, name in _REVERSALS.items() if ion in self.nernst]
        for ion, name in _REVERSALS.items():
            value = getattr(self, name)
            if isinstance(value, float) and math.isnan(value) and ion not in following:
                following.append(ion)
        object.__setattr__(self, "nernst", tuple(i for i in _REVERSALS if i in following))
        for ion in self.nernst:
            object.__setattr__(self, _REVERSALS[ion], 0.0)  # placeholder, computed below
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "float":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ParameterError(f"parameter '{f.name}': expected a number, got {value!r}")
                if not math.isfinite(value):
                    raise ParameterError(f"parameter '{f.name}': must be finite, got {value}")
                object.__setattr__(self, f.name, float(value))
        for name in ("gna", "gk", "gl", "gkl", "gnal", "gcll"):
            if getattr(self, name) < 0:
                raise ParameterError(f"parameter '{name}': conductance must be ≥ 0 mS/cm²")
        if self.ipump < 0:
            raise ParameterError("parameter 'ipump': pump current must be ≥ 0 µA/cm²")
        if self.volarea < 0:
            raise ParameterError("parameter 'volarea': volume/area must be ≥ 0 µm")
        for name in ("nai", "nao", "ki", "ko", "cli", "clo", "km_na_pump", "km_k_pump"):
            if getattr(self, name) <= 0:
                raise ParameterError(f"parameter '{name}': concentration must be > 0 mM")
        if self.cm <= 0:
            raise ParameterError("parameter 'cm': capacitance must be > 0 µF/cm²")
        if self.q10 <= 0:
            raise ParameterError("parameter 'q10': must be > 0")
        from tutor.sim.limits import check_parameter_ranges  # (limits imports this module)

        check_parameter_ranges({f.name: getattr(self, f.name) for f in fields(self)})
        if not -10.0 <= self.celsius <= 50.0:
            raise ParameterError(f"parameter 'celsius': {self.celsius:g} °C is outside −10 … 50 °C")
        for ion in self.nernst:
            ci, co = _CONCENTRATIONS[ion]
            e = ions.nernst_mV(
                getattr(self, ci), getattr(self, co), ions.VALENCE[ion], self.celsius
            )
            object.__setattr__(self, _REVERSALS[ion], e)
        object.__setattr__(self, "blocks", tuple(self.blocks))
        unknown = [b for b in self.blocks if b not in BLOCKS]
        if unknown:
            raise ParameterError(f"unknown block '{unknown[0]}' (known: {', '.join(BLOCKS)})")

    @property
    def rate_factor(self) -> float:
        """Q10 temperature factor multiplying every rate constant (dimensionless)."""
        return self.q10 ** ((self.celsius - self.temp_ref) / 10.0)

    @property
    def rt_f_mV(self) -> float:
        """RT/F at `celsius`, mV (CODATA 2018 constants, as NEURON uses)."""
        return ions.rt_over_f_mV(self.celsius)

    @property
    def dynamic_concentrations(self) -> bool:
        """True when internal concentrations change with the currents (`volarea` > 0)."""
        return self.volarea > 0.0

    @property
    def e_na(self) -> float:
        """Na⁺ reversal potential in use at the resting concentrations, mV (= `ena`)."""
        return self.ena

    @property
    def e_k(self) -> float:
        """K⁺ reversal potential in use at the resting concentrations, mV (= `ek`)."""
        return self.ek

    @property
    def e_cl(self) -> float:
        """Cl⁻ reversal potential in use at the resting concentrations, mV (= `ecl`)."""
        return self.ecl

    @property
    def leak_mS_cm2(self) -> float:
        """Every voltage-independent conductance, mS/cm²: the unnamed leak and the K⁺,
        Na⁺ and Cl⁻ leaks. With the voltage-gated channels closed this is the
        membrane's whole conductance (a passive compartment's τ = cm / leak_mS_cm2)."""
        return self.gl + self.gkl + self.gnal + self.gcll

    @property
    def leak_reversal_mV(self) -> float:
        """Reversal potential of all the leaks together (mV): their conductance-weighted
        mean reversal (`el` when there is no leak at all)."""
        g = self.leak_mS_cm2
        if g <= 0.0:
            return self.el
        return (
            self.gl * self.el + self.gkl * self.ek + self.gnal * self.ena + self.gcll * self.ecl
        ) / g

    @property
    def pump_uA_cm2(self) -> float:
        """Na⁺/K⁺ pump current at the resting concentrations, µA/cm² (outward positive;
        0 with ouabain). It does not depend on V, so at fixed concentrations it is a
        constant outward current."""
        if self.ipump <= 0.0:
            return 0.0
        return float(
            ions.pump_current(self.nai, self.ko, self.ipump, self.km_na_pump, self.km_k_pump)
        )

    def equivalent_leak(self) -> tuple[float, float]:
        """(g mS/cm², E mV) of the one leak that carries, at every V, what every leak plus
        the pump carries at the resting concentrations: g = `leak_mS_cm2`,
        E = `leak_reversal_mV` − I_pump / g. Exact while concentrations stay put;
        models that know one leak (the cable, a passive compartment) use it."""
        g = self.leak_mS_cm2
        if g <= 0.0:
            return 0.0, self.el
        return g, self.leak_reversal_mV - self.pump_uA_cm2 / g

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
        # an ion whose reversal potential is set explicitly stops following Nernst;
        # the others are recomputed from the (possibly new) concentrations and celsius
        fixed = {ion for ion, name in _REVERSALS.items() if name in changes}
        changes["nernst"] = tuple(i for i in self.nernst if i not in fixed)
        return replace(self, **changes)

    def with_block(self, *blocks: str) -> MembraneParams:
        """Return a copy with the drug blocks applied.

        TTX: gna = 0 (voltage-gated Na⁺ only); TEA: gk = 0 (delayed rectifier only;
        the K⁺ leak stays); ouabain: ipump = 0.
        """
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

    @property
    def heading(self) -> str:
        """The title with the numbers that vary, derived from the fields themselves
        ("…, 36 °C, TTX"), so a shown title can never contradict the parameters."""
        parts = [self.title or self.name, f"{self.celsius:g} °C"]
        parts += [b.upper() for b in self.blocks]
        return ", ".join(parts)

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output (units as in the field docs); ``title`` is the
        derived `heading`, so it states the temperature the run used."""
        data = asdict(self)
        data["title"] = self.heading
        data["blocks"] = list(self.blocks)
        data["nernst"] = list(self.nernst)
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
    return load_preset_file(path)


def load_preset_file(path: Path) -> MembraneParams:
    """Load and validate one preset file (`load_preset` finds the shipped ones by name)."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    known = {f.name for f in fields(MembraneParams)}
    extra = sorted(set(data) - known)
    if extra:
        raise ParameterError(f"preset {path}: unknown key '{extra[0]}'")
    stated = TEMPERATURE_IN_TEXT.search(str(data.get("title", "")))
    if stated:
        raise ParameterError(
            f"preset {path}: the title states '{stated.group(0)}'; leave temperatures to "
            "'celsius' (the shown heading adds it)"
        )
    try:
        return MembraneParams(**data)
    except ParameterError as exc:
        raise ParameterError(f"preset {path}: {exc}") from None
