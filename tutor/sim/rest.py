"""What holds the resting potential: currents by name, Nernst and GHK (`tutor rest`).

The resting potential is the lowest stable zero of the steady-state I–V curve
at the membrane's resting internal concentrations (`reduce.resting_state`).
This module explains it: every current at rest, by name (outward positive;
they sum to zero), each ion's Nernst potential, and the Goldman–Hodgkin–Katz
voltage from the membrane's resting permeabilities. The GHK voltage is where
the channel currents alone would balance; the model's rest lies below it by
about I_pump / g_rest, because the pump's net outward current must be
balanced by a net inward channel current.

Numpy-free (the kernel is called through ctypes with plain arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.sim import ions
from tutor.sim import kernel as K
from tutor.sim.params import MembraneParams
from tutor.sim.reduce import params_row, resting_state


@dataclass(frozen=True)
class RestReport:
    """The resting state explained (units in the field names)."""

    rest_mV: float
    ghk_mV: float
    nernst_mV: dict[str, float]
    reversal_mV: dict[str, float]
    currents_uA_cm2: dict[str, float]
    conductances_mS_cm2: dict[str, float]
    permeability_ratios: dict[str, float]
    ion_fluxes_uA_cm2: dict[str, float]
    concentrations_mM: dict[str, float]
    gates: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON."""
        return {
            "rest_mV": self.rest_mV,
            "ghk_mV": self.ghk_mV,
            "nernst_mV": self.nernst_mV,
            "reversal_mV": self.reversal_mV,
            "currents_uA_cm2": self.currents_uA_cm2,
            "net_uA_cm2": sum(self.currents_uA_cm2.values()),
            "conductances_mS_cm2": self.conductances_mS_cm2,
            "permeability_ratios": self.permeability_ratios,
            "ion_fluxes_uA_cm2": self.ion_fluxes_uA_cm2,
            "concentrations_mM": self.concentrations_mM,
            "gates": self.gates,
        }


def concentrations(p: MembraneParams) -> dict[str, float]:
    """The membrane's resting concentrations (mM) by name."""
    return {k: getattr(p, k) for k in ("nai", "nao", "ki", "ko", "cli", "clo")}


def nernst_potentials(p: MembraneParams) -> dict[str, float]:
    """Nernst potential of Na⁺, K⁺ and Cl⁻ (mV) from the concentrations at `p.celsius`."""
    c = concentrations(p)
    return {
        "na": ions.nernst_mV(c["nai"], c["nao"], 1, p.celsius),
        "k": ions.nernst_mV(c["ki"], c["ko"], 1, p.celsius),
        "cl": ions.nernst_mV(c["cli"], c["clo"], -1, p.celsius),
    }


def explain_rest(p: MembraneParams) -> RestReport:
    """Currents, conductances, Nernst and GHK at the resting state of `p`.

    Raises `ParameterError` when the membrane has no stable rest.
    """
    rest = resting_state(p)
    row = params_row(p)
    state = rest.as_list()
    values = K.currents_of_state(state, row)
    by_kernel = dict(
        zip(
            ("i_na", "i_k", "i_l", "i_leak_k", "i_leak_na", "i_leak_cl", "i_pump"),
            values,
            strict=True,
        )
    )
    currents = {name: by_kernel[name] for name in ions.CURRENT_NAMES}
    v = rest.v_mV
    e = {"na": p.e_na, "k": p.e_k, "cl": p.e_cl}
    cond = {
        "na": p.gna * rest.m**3 * rest.h + p.gnal,
        "k": p.gk * rest.n**4 + p.gkl,
        "cl": p.gcll,
        "unnamed_leak": p.gl,
    }
    c = concentrations(p)
    perm = {
        "na": ions.permeability_from_conductance(cond["na"], v, c["nai"], c["nao"], 1, p.celsius),
        "k": ions.permeability_from_conductance(cond["k"], v, c["ki"], c["ko"], 1, p.celsius),
        "cl": ions.permeability_from_conductance(cond["cl"], v, c["cli"], c["clo"], -1, p.celsius),
    }
    ghk = ions.ghk_voltage_mV(perm["na"], perm["k"], perm["cl"], c, p.celsius)
    ref = perm["k"] if perm["k"] > 0 else max(perm.values()) or 1.0
    ipump = currents["i_pump"]
    fluxes = {
        "na": currents["i_na"] + currents["i_leak_na"] + 3.0 * ipump,
        "k": currents["i_k"] + currents["i_leak_k"] - 2.0 * ipump,
        "cl": currents["i_leak_cl"],
    }
    return RestReport(
        rest_mV=v,
        ghk_mV=ghk,
        nernst_mV=nernst_potentials(p),
        reversal_mV=e,
        currents_uA_cm2=currents,
        conductances_mS_cm2=cond,
        permeability_ratios={k: x / ref for k, x in perm.items()},
        ion_fluxes_uA_cm2=fluxes,
        concentrations_mM=c,
        gates={"m": rest.m, "h": rest.h, "n": rest.n},
    )


def balanced_leaks(p: MembraneParams, v_mV: float) -> tuple[float, float]:
    """The K⁺ and Na⁺ leak conductances (mS/cm²) that make `v_mV` a true steady state.

    At a steady state with concentration dynamics each ion's net flux must
    vanish: the Na⁺ channels and leak carry in what the pump carries out
    (I_Na + I_leak,Na + 3·I_pump = 0) and the K⁺ channels and leak carry out
    what it carries in (I_K + I_leak,K − 2·I_pump = 0). Given the pump and the
    voltage-gated channels this fixes both leaks. Used to build presets whose
    rest is a fixed point of the full model (the textbook preset's numbers
    come from it; `scripts/balance_preset.py`).
    """
    row = params_row(p)
    m, h, n = K.steady_gates(v_mV, row)
    ipump = ions.pump_current(p.nai, p.ko, p.ipump, p.km_na_pump, p.km_k_pump)
    ina = p.gna * m**3 * h * (v_mV - p.e_na)
    ik = p.gk * n**4 * (v_mV - p.e_k)
    gnal = -(ina + 3.0 * ipump) / (v_mV - p.e_na)
    gkl = (2.0 * ipump - ik) / (v_mV - p.e_k)
    return gkl, gnal
