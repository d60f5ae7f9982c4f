"""Conductance-based synapses as point processes on a cable (NEURON's Exp2Syn).

A synapse opens a conductance g(t) after its onset t₀ and injects
``I = −g(t)·B(V)·(V − E_rev)`` (nA, depolarising positive), where

    g(t) = w · f · (exp(−(t − t₀)/τ₂) − exp(−(t − t₀)/τ₁)),  t ≥ t₀,

w is the weight (peak conductance, here in µS internally, nS at the
interfaces), τ₁ < τ₂ the rise and decay time constants (ms), and f the factor
that normalises the peak of the bracket to 1 — exactly NEURON's Exp2Syn. B(V)
is 1 except for NMDA receptors, whose channel is blocked by external Mg²⁺ in a
voltage-dependent way (Jahr & Stevens 1990, J Neurosci 10:3178, as used in
countless models):

    B(V) = 1 / (1 + [Mg²⁺]ₒ/3.57 mM · exp(−0.062/mV · V)).

The cable engine advances V by Crank–Nicolson, so a point process reports its
current over a step linearised about V at the step's start (`linearised`):
g is evaluated at the step's midpoint (second order, as the membrane's gates
are), and the conductance dI/dV goes into the matrix, so the synapse is as
implicit as the membrane.

This module never imports numpy or textual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tutor.sim.params import ParameterError

#: Jahr & Stevens (1990) Mg²⁺ block constants: 3.57 mM and 0.062 /mV.
MG_HALF_MM = 3.57
MG_SLOPE_PER_MV = 0.062


def mg_block(v_mV: float, mg_mM: float) -> float:
    """Fraction of NMDA conductance not blocked by Mg²⁺ at V (Jahr & Stevens 1990)."""
    return 1.0 / (1.0 + mg_mM / MG_HALF_MM * math.exp(-MG_SLOPE_PER_MV * v_mV))


def peak_factor(tau1_ms: float, tau2_ms: float) -> float:
    """The f that makes the peak of exp(−t/τ₂) − exp(−t/τ₁) equal 1 (as Exp2Syn's INITIAL)."""
    t_peak = tau1_ms * tau2_ms / (tau2_ms - tau1_ms) * math.log(tau2_ms / tau1_ms)
    return 1.0 / (math.exp(-t_peak / tau2_ms) - math.exp(-t_peak / tau1_ms))


@dataclass(frozen=True)
class SynapseKind:
    """A receptor type: rise/decay time constants (ms), reversal potential (mV) and,
    for NMDA, the external Mg²⁺ concentration (mM) that blocks it (None: no block)."""

    name: str
    tau1_ms: float
    tau2_ms: float
    e_rev_mV: float
    mg_mM: float | None = None

    def __post_init__(self) -> None:
        if not (0 < self.tau1_ms < self.tau2_ms and math.isfinite(self.tau2_ms)):
            raise ParameterError(
                f"synapse kind '{self.name}': need 0 < tau1_ms < tau2_ms, "
                f"got {self.tau1_ms}, {self.tau2_ms}"
            )
        if not math.isfinite(self.e_rev_mV):
            raise ParameterError(f"synapse kind '{self.name}': e_rev_mV must be finite")
        if self.mg_mM is not None and not (self.mg_mM >= 0 and math.isfinite(self.mg_mM)):
            raise ParameterError(f"synapse kind '{self.name}': mg_mM must be ≥ 0")


@dataclass(frozen=True)
class Exp2Syn:
    """One synaptic event at compartment `site`: kind, onset (ms), weight (µS peak).

    Implements the cable's `PointProcess` protocol.
    """

    site: int
    kind: SynapseKind
    onset_ms: float
    weight_uS: float

    def __post_init__(self) -> None:
        if not (self.weight_uS >= 0 and math.isfinite(self.weight_uS)):
            raise ParameterError(f"synapse weight must be ≥ 0, got {self.weight_uS * 1e3:g} nS")
        if not (self.onset_ms >= 0 and math.isfinite(self.onset_ms)):
            raise ParameterError(f"synapse onset must be ≥ 0 ms, got {self.onset_ms:g}")

    def conductance_uS(self, t_ms: float) -> float:
        """g(t) (µS) before the Mg²⁺ block."""
        s = t_ms - self.onset_ms
        if s < 0.0:
            return 0.0
        k = self.kind
        f = peak_factor(k.tau1_ms, k.tau2_ms)
        return self.weight_uS * f * (math.exp(-s / k.tau2_ms) - math.exp(-s / k.tau1_ms))

    def current_nA(self, t_ms: float, v_mV: float) -> float:
        """Injected current (nA, depolarising positive) at time t and V."""
        g = self.conductance_uS(t_ms)
        if self.kind.mg_mM is not None:
            g *= mg_block(v_mV, self.kind.mg_mM)
        return -g * (v_mV - self.kind.e_rev_mV)

    def linearised(self, t0_ms: float, t1_ms: float, v_mV: float) -> tuple[float, float]:
        """(i_nA, g_uS) over [t0, t1]: g at the midpoint, linearised about v (see module)."""
        g = self.conductance_uS(0.5 * (t0_ms + t1_ms))
        if g == 0.0:
            return 0.0, 0.0
        drive = v_mV - self.kind.e_rev_mV
        mg = self.kind.mg_mM
        if mg is None:
            return -g * drive, g
        b = mg_block(v_mV, mg)
        db = MG_SLOPE_PER_MV * b * (1.0 - b)  # dB/dV
        return -g * b * drive, g * (b + db * drive)
