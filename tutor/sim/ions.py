"""Ions: Nernst and Goldman–Hodgkin–Katz potentials, the Na⁺/K⁺ pump, currents by name.

Pure functions on floats (and, where noted, numpy arrays), with no import of
numpy or of the kernel, so `tutor rest` and the content validator can use them
cheaply. The compiled kernel (kernel.c) implements the same formulas; the
tests check one against the other and both against closed forms and NEURON.

Conventions: concentrations in mM, potentials in mV, conductances in mS/cm²,
currents in µA/cm² with outward positive (a positive Na⁺ current is Na⁺
leaving the cell), temperature in °C.
"""

from __future__ import annotations

import math
from typing import Any

#: Faraday constant, C/mol, and gas constant, J/(mol·K): CODATA 2018, the values NEURON uses.
FARADAY = 96485.33212
GAS_CONSTANT = 8.314462618
#: 0 °C in kelvin.
ZERO_CELSIUS_K = 273.15

#: Valence of each ion the model knows.
VALENCE: dict[str, int] = {"na": 1, "k": 1, "cl": -1}

#: The membrane currents by name, outward positive, as `tutor rest` prints them.
CURRENT_NAMES: tuple[str, ...] = (
    "i_na",  # voltage-gated Na⁺ channels (TTX-sensitive)
    "i_k",  # delayed-rectifier K⁺ channels (TEA-sensitive)
    "i_leak_k",  # K⁺ leak (K2P-like, TEA-insensitive)
    "i_leak_na",  # Na⁺ leak
    "i_leak_cl",  # Cl⁻ leak
    "i_l",  # unnamed leak of HH 1952 (squid preset)
    "i_pump",  # Na⁺/K⁺-ATPase, net outward (3 Na⁺ out, 2 K⁺ in per cycle)
)


def rt_over_f_mV(celsius: float) -> float:
    """RT/F at `celsius`, in mV (26.6 mV at 36 °C, 24.1 mV at 6.3 °C)."""
    return 1e3 * GAS_CONSTANT * (celsius + ZERO_CELSIUS_K) / FARADAY


def nernst_mV(c_in_mM: float, c_out_mM: float, valence: int, celsius: float) -> float:
    """Equilibrium potential E = (RT/zF)·ln([out]/[in]), mV."""
    return rt_over_f_mV(celsius) / valence * math.log(c_out_mM / c_in_mM)


def concentration_rate(volarea_um: float) -> float:
    """mM/ms of internal concentration change per µA/cm² of monovalent current.

    d[ion]ᵢ/dt = −rate · I_ion / z, with rate = 10 / (F · vol/area[µm]):
    1 µA/cm² = 1e-6 C/(s·cm²); divided by F and by vol/area (1e-4 cm per µm)
    gives mol/(cm³·s) = 1e6 mM/s = 1e3 mM/ms. 0 when concentrations are fixed.
    """
    return 10.0 / (FARADAY * volarea_um) if volarea_um > 0 else 0.0


def pump_current(nai_mM: Any, ko_mM: float, ipump: float, km_na: float, km_k: float) -> Any:
    """Net outward Na⁺/K⁺-ATPase current, µA/cm² (floats or numpy arrays for `nai_mM`).

    I = I_max · (1 + K_Na/[Na⁺]ᵢ)⁻³ · (1 + K_K/[K⁺]ₒ)⁻²: three internal Na⁺ sites
    and two external K⁺ sites, each saturating; voltage-independent. Each
    cycle moves 3 Na⁺ out and 2 K⁺ in, so the Na⁺ current it carries is
    3·I (outward) and the K⁺ current −2·I (inward).
    """
    return ipump / (1.0 + km_na / nai_mM) ** 3 / (1.0 + km_k / ko_mM) ** 2


def ghk_current_factor(
    v_mV: float, c_in: float, c_out: float, valence: int, celsius: float
) -> float:
    """GHK current per unit permeability: z²F²V/(RT)·(cᵢ − cₒe^(−u))/(1 − e^(−u)), u = zFV/RT.

    In arbitrary but consistent units (permeabilities derived from it are only
    used in ratios). Vanishes at the ion's Nernst potential.
    """
    u = valence * v_mV / rt_over_f_mV(celsius)
    if abs(u) < 1e-9:
        return valence * (c_in - c_out) * (1.0 - u / 2.0)
    return valence * u * (c_in - c_out * math.exp(-u)) / (1.0 - math.exp(-u))


def permeability_from_conductance(
    g: float, v_mV: float, c_in: float, c_out: float, valence: int, celsius: float
) -> float:
    """Permeability (relative units) whose GHK current equals g·(V − E) at `v_mV`.

    The ohmic currents of the model are matched, ion by ion, to GHK currents at
    rest; at V = E (no current) the slopes are matched instead.
    """
    if g == 0.0:
        return 0.0
    e = nernst_mV(c_in, c_out, valence, celsius)
    if abs(v_mV - e) > 1e-6:
        return g * (v_mV - e) / ghk_current_factor(v_mV, c_in, c_out, valence, celsius)
    d = 1e-3
    slope = (
        ghk_current_factor(e + d, c_in, c_out, valence, celsius)
        - ghk_current_factor(e - d, c_in, c_out, valence, celsius)
    ) / (2 * d)
    return g / slope


def ghk_voltage_mV(
    p_na: float,
    p_k: float,
    p_cl: float,
    conc: dict[str, float],
    celsius: float,
) -> float:
    """Goldman–Hodgkin–Katz voltage equation, mV.

    V = (RT/F)·ln((P_K[K]ₒ + P_Na[Na]ₒ + P_Cl[Cl]ᵢ) / (P_K[K]ᵢ + P_Na[Na]ᵢ + P_Cl[Cl]ₒ)):
    the voltage at which the GHK currents of the three ions add up to zero.
    """
    top = p_k * conc["ko"] + p_na * conc["nao"] + p_cl * conc["cli"]
    bottom = p_k * conc["ki"] + p_na * conc["nai"] + p_cl * conc["clo"]
    return rt_over_f_mV(celsius) * math.log(top / bottom)
