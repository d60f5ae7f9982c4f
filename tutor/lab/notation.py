"""How the lab writes voltages and currents: the modern or the 1952 convention.

Standard library only, so the TUI can import it before its first frame (the
engine and its kernel load after it). `tutor.lab.explain` writes every
explanation through a `Notation`; the lab screen, the cursor readout and the
baseline comparison use the same one, so all views agree (docs/design.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notation:
    """How an explanation writes voltages and currents.

    ``rest_mV`` None: the modern convention (V inside minus outside, ionic current
    outward positive). A number: Hodgkin & Huxley's 1952 convention with rest at that
    potential — V is the displacement from rest with depolarisation negative
    (V₁₉₅₂ = −(V − rest)), reversal potentials likewise (V_Na, V_K), and ionic
    currents inward positive (I₁₉₅₂ = −I). The stimulus, depolarising positive in
    the lab, is inward and so keeps its sign in both. Words (inward, outward,
    depolarised, hyperpolarised) describe the physics and never change.
    """

    rest_mV: float | None = None

    @property
    def hh1952(self) -> bool:
        return self.rest_mV is not None

    def v(self, v_mV: float) -> float:
        """A membrane or reversal potential in this convention (mV)."""
        if self.rest_mV is None:
            return v_mV
        return -(v_mV - self.rest_mV) + 0.0  # + 0.0: rest is written 0.0, never −0.0

    def i(self, i_uA_cm2: float) -> float:
        """An ionic current in this convention (µA/cm²)."""
        return -i_uA_cm2 + 0.0 if self.rest_mV is not None else i_uA_cm2

    def from_rest(self, dv_mV: float) -> str:
        """'3.2 mV below rest' (modern) / '3.2 mV hyperpolarised from rest' (1952, where
        'below' would point the wrong way on its axis)."""
        if self.rest_mV is None:
            return f"{abs(dv_mV):.1f} mV {'above' if dv_mV > 0 else 'below'} rest"
        word = "depolarised" if dv_mV > 0 else "hyperpolarised"
        return f"{abs(dv_mV):.1f} mV {word} from rest"

    @property
    def e_na(self) -> str:
        return "V_Na" if self.hh1952 else "E_Na"

    @property
    def e_k(self) -> str:
        return "V_K" if self.hh1952 else "E_K"


#: The modern convention (the default of every explanation).
MODERN = Notation()
