"""Why the membrane is in its phase and excitability state — read from the model, now.

Every sentence here is built from one model state (V, gates, currents, stimulus)
and says only what that state shows: a current is called inward or outward by
its sign, a gate "still open" only when it is above its resting value,
inactivation is named only while h is low, a drug is named only when it is on.
The phase machine stamps each event with the explanation at the event's
sample; the lab banner recomputes it every frame from the latest sample, so
the text never outlives the state it describes (tests/lab/test_explain.py
checks every template against the state at the moment it is shown).

Units: mV, ms, µA/cm² (ionic currents outward positive, the stimulus
depolarising positive), gates dimensionless. The model always computes in the
modern convention; a `Notation` only changes how numbers are *written*: the
lab's 1952 display (docs/design.md: rest = 0, depolarisation negative, and, as
in Hodgkin & Huxley's eq. 1, inward current positive) passes `Notation(rest)`
so that its banner speaks the convention its plot is drawn in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from tutor.lab.notation import MODERN, Notation
from tutor.sim.params import MembraneParams
from tutor.sim.reduce import RestState

__all__ = ["MODERN", "Notation"]  # (re-exported: explanations are written in a Notation)

#: h below this fraction of its resting value is "low": only then is inactivation named.
H_LOW_FRACTION = 0.5
#: A gate this far above/below its resting value counts as displaced from rest.
GATE_MARGIN = 0.02
#: V this far from rest (mV) counts as displaced for the relative-refractory reasons.
V_MARGIN_MV = 0.5


@dataclass(frozen=True)
class ModelState:
    """One sample of the membrane: what every explanation is computed from."""

    t_ms: float
    v_mV: float
    dvdt: float
    m: float
    h: float
    n: float
    ina: float
    ik: float
    il: float
    istim: float
    dh: float = math.nan
    """dh/dt (1/ms), NaN when unknown."""
    dn: float = math.nan
    """dn/dt (1/ms), NaN when unknown."""
    ipump: float = 0.0
    """Na⁺/K⁺ pump current (µA/cm², net outward; 0 for a membrane without a pump)."""

    @property
    def iion(self) -> float:
        """Net ionic current (µA/cm², outward positive), the pump included."""
        return self.ina + self.ik + self.il + self.ipump

    @classmethod
    def from_mapping(cls, s: Mapping[str, float]) -> ModelState:
        """From the phase machine's per-sample dict (keys t v dvdt m h n ina ik il istim,
        optionally dh dn)."""
        return cls(
            float(s["t"]), float(s["v"]), float(s["dvdt"]), float(s["m"]), float(s["h"]),
            float(s["n"]), float(s["ina"]), float(s["ik"]), float(s["il"]), float(s["istim"]),
            float(s.get("dh", math.nan)), float(s.get("dn", math.nan)),
            float(s.get("ipump", 0.0)),
        )  # fmt: skip


@dataclass(frozen=True)
class Context:
    """What the explanations compare a state with.

    `rest` is the resting state the labels use (V, and the resting gates);
    `relative_amp`/`max_amp` are the excitability probe's test amplitudes
    (µA/cm²; `relative_amp` is inf when nothing can fire the membrane).
    """

    params: MembraneParams
    rest: RestState
    relative_amp: float = math.inf
    max_amp: float = 400.0

    @property
    def na_blocked(self) -> bool:
        return self.params.gna == 0.0

    @property
    def k_blocked(self) -> bool:
        return self.params.gk == 0.0

    def h_low(self, h: float) -> bool:
        """Is h low (Na⁺ channels largely inactivated) compared with rest?"""
        return h < H_LOW_FRACTION * self.rest.h


def dominant_current(s: ModelState) -> tuple[str, float]:
    """The largest current at a sample (by magnitude): its name and value (µA/cm²)."""
    currents = {"I_Na": s.ina, "I_K": s.ik, "I_L": s.il, "I_stim": s.istim}
    name = max(currents, key=lambda k: abs(currents[k]))
    return name, currents[name]


def _cur(name: str, x: float, nt: Notation = MODERN) -> str:
    """'I_Na −300.2 µA/cm² inward' (ionic: outward positive; 1952: inward positive)."""
    direction = "outward" if x > 0 else "inward" if x < 0 else "zero"
    return f"{name} {nt.i(x):+.1f} µA/cm² {direction}"


def _sum_cur(names: list[tuple[str, float]], nt: Notation = MODERN) -> str:
    """'I_K + I_L +52.3 µA/cm²' for the sum of the listed currents."""
    total = sum(x for _, x in names)
    return f"{' + '.join(n for n, _ in names)} {nt.i(total):+.1f} µA/cm²"


def _outward_ionic(s: ModelState, ctx: Context) -> list[tuple[str, float]]:
    """The K⁺ and leak currents (the K⁺ one left out when TEA blocks it)."""
    out = [] if ctx.k_blocked else [("I_K", s.ik)]
    return [*out, ("I_L", s.il)]


def _trend(rate: float) -> str:
    """' falling' / ' rising' from a gate's rate of change (nothing when unknown or ~0)."""
    if math.isnan(rate) or abs(rate) < 1e-4:
        return ""
    return " rising" if rate > 0 else " falling"


def _largest(s: ModelState, nt: Notation = MODERN) -> str:
    name, value = dominant_current(s)
    shown = value if name == "I_stim" else nt.i(value)  # the stimulus is inward in both
    return f"largest current {name} {shown:+.1f} µA/cm²"


def _gates(s: ModelState) -> str:
    return f"m = {s.m:.2f}, h = {s.h:.2f}, n = {s.n:.2f}"


def explain_phase(
    phase: str, s: ModelState, ctx: Context, carried: bool = False, nt: Notation = MODERN
) -> str:
    """Why the membrane is in voltage `phase` at state `s`, written in notation `nt`.

    `carried`: the threshold was marked at a 0-mV crossing the stimulus carried
    there before the net ionic current turned inward (see the spike rule).
    """
    rest = ctx.rest.v_mV
    dv = s.v_mV - rest
    v = nt.v(s.v_mV)
    iion = nt.i(s.iion)
    tail = f" ({_gates(s)}; {_largest(s, nt)})"
    if phase == "resting":
        # every current of the net, the pump too: at the textbook rest it is the pump's
        # outward current that balances the inward leaks, not I_K
        parts = [("I_Na", s.ina), ("I_K", s.ik), ("I_L", s.il)]
        if s.ipump:
            parts.append(("I_pump", s.ipump))
        inward = [(n, x) for n, x in parts if x < 0]
        outward = [(n, x) for n, x in parts if x > 0]
        balance = f"net ionic current {iion:+.2f} µA/cm²"
        if inward and outward:
            balance = (
                f"inward {_sum_cur(inward, nt)} and outward {_sum_cur(outward, nt)} nearly "
                f"cancel ({balance})"
            )
        return f"at rest (V = {v:.1f} mV, within 1 mV of {nt.v(rest):.1f}): {balance}" + tail
    if phase == "subthreshold":
        if s.istim > 0:
            return (
                f"the stimulus ({s.istim:+.1f} µA/cm²) charges the membrane against "
                f"{_sum_cur(_outward_ionic(s, ctx), nt)}; net ionic current {iion:+.1f} µA/cm² "
                f"is {'outward: not regenerative' if s.iion > 0 else 'inward but not yet growing'}"
            ) + tail
        if s.istim < 0:
            return (
                f"a hyperpolarising current ({s.istim:+.1f} µA/cm²) holds V at "
                f"{v:.1f} mV, {nt.from_rest(dv)}"
            ) + tail
        if ctx.k_blocked and dv > 10.0:
            why = (
                f"V stays at {v:.1f} mV, {nt.from_rest(dv)}: K⁺ channels are "
                "blocked (TEA), so no outward K⁺ current brings it back"
            )
            if ctx.h_low(s.h):
                why += f"; Na⁺ channels inactivated (h = {s.h:.2f})"
            return why + tail
        moving = "rising" if s.dvdt > 0 else "falling" if s.dvdt < 0 else "steady"
        if nt.hh1952:  # its V falls as the membrane depolarises: name the physics
            moving = {"rising": "depolarising", "falling": "repolarising"}.get(moving, moving)
        return (
            f"V = {v:.1f} mV, {nt.from_rest(dv)} and {moving}: net ionic "
            f"current {iion:+.1f} µA/cm² is not regenerative"
        ) + tail
    if phase == "threshold":
        if carried:
            return (
                f"the stimulus ({s.istim:+.1f} µA/cm²) carried V to {nt.v(0.0):.0f} mV before "
                f"the net ionic current turned inward, but the Na⁺ channels are open: "
                f"{_cur('I_Na', s.ina, nt)}, more than the leak — an active response"
            ) + tail
        return (
            f"net ionic current turned inward ({iion:+.2f} µA/cm²): Na⁺ influx "
            f"({nt.i(s.ina):+.1f}) now outweighs {_sum_cur(_outward_ionic(s, ctx), nt)} and "
            f"grows as the membrane depolarises — positive feedback"
            if nt.hh1952
            else f"net ionic current turned inward ({iion:+.2f} µA/cm²): Na⁺ influx "
            f"({s.ina:+.1f}) now outweighs {_sum_cur(_outward_ionic(s, ctx))} and grows as "
            "V rises — positive feedback"
        ) + tail
    if phase == "depolarization":
        out = _sum_cur(_outward_ionic(s, ctx), nt)
        if s.iion < 0:
            return (
                f"Na⁺ channels open (m = {s.m:.2f}): {_cur('I_Na', s.ina, nt)} outweighs {out} "
                f"and drives V towards {nt.e_na} ({nt.v(ctx.params.ena):+.0f} mV)"
            ) + tail
        up = "depolarises the membrane" if nt.hh1952 else "drives V up"
        return (
            f"the stimulus ({s.istim:+.1f} µA/cm²) still {up}: {_cur('I_Na', s.ina, nt)} "
            f"no longer outweighs {out}"
        ) + tail
    if phase == "repolarization":
        if ctx.k_blocked:
            lead = "K⁺ channels blocked (TEA): only the leak repolarises"
        elif ctx.h_low(s.h):
            lead = f"Na⁺ channels inactivated (h = {s.h:.2f}) and K⁺ channels open (n = {s.n:.2f})"
        else:
            lead = f"h = {s.h:.2f}{_trend(s.dh)} and n = {s.n:.2f}{_trend(s.dn)}"
        return (
            f"{lead}: {_sum_cur(_outward_ionic(s, ctx), nt)} against I_Na {nt.i(s.ina):+.1f} "
            f"µA/cm², net ionic current {iion:+.1f} µA/cm² "
            f"{'outward' if s.iion > 0 else 'inward'}"
        ) + tail
    if phase == "hyperpolarization":
        below = f"V = {v:.1f} mV, {nt.from_rest(dv)}"
        if s.istim < 0:
            return (
                f"{below}: held there by a hyperpolarising current ({s.istim:+.1f} µA/cm²)" + tail
            )
        if not ctx.k_blocked and s.n > ctx.rest.n + GATE_MARGIN:
            return (
                f"{below}: K⁺ channels still open (n = {s.n:.2f}, {ctx.rest.n:.2f} at rest), "
                f"{_cur('I_K', s.ik, nt)} pulls V towards {nt.e_k} ({nt.v(ctx.params.ek):.0f} mV)"
            ) + tail
        return (
            f"{below}, returning: net ionic current {iion:+.1f} µA/cm² "
            f"(n = {s.n:.2f} is back near its resting {ctx.rest.n:.2f})"
        ) + tail
    return _gates(s)


def _recovery_reasons(s: ModelState, ctx: Context, nt: Notation = MODERN) -> list[str]:
    """What the state shows that raises the threshold above rest (h, n, V)."""
    reasons = []
    if s.h < ctx.rest.h - GATE_MARGIN:
        word = "inactivated" if ctx.h_low(s.h) else "not yet recovered from inactivation"
        reasons.append(f"Na⁺ channels {word} (h = {s.h:.2f}, {ctx.rest.h:.2f} at rest)")
    if not ctx.k_blocked and s.n > ctx.rest.n + GATE_MARGIN:
        reasons.append(f"K⁺ channels still open (n = {s.n:.2f}, {ctx.rest.n:.2f} at rest)")
    dv = s.v_mV - ctx.rest.v_mV
    if dv < -V_MARGIN_MV:
        reasons.append(f"V = {nt.v(s.v_mV):.1f} mV is {nt.from_rest(dv)}, further from threshold")
    return reasons


def explain_excitability(
    state: str, s: ModelState, ctx: Context, at_threshold: bool = False, nt: Notation = MODERN
) -> str:
    """Why the membrane is in excitability `state` at `s` (see module docstring), in `nt`."""
    if state == "excitable":
        return (
            f"excitable: a test pulse of {ctx.relative_amp:.1f} µA/cm² (1.05 × the resting "
            "threshold) fires"
        )
    if state == "inexcitable":
        if ctx.na_blocked:
            return "inexcitable: Na⁺ channels blocked (TTX), no stimulus can fire a spike"
        why = f"inexcitable: no test pulse up to {ctx.max_amp:g} µA/cm² fires"
        if ctx.h_low(s.h):
            why += f" — Na⁺ channels inactivated (h = {s.h:.2f}) at V = {nt.v(s.v_mV):.1f} mV"
        return why
    if state == "absolute_refractory":
        if at_threshold:
            return (
                "absolute refractory: a spike has begun, no test pulse up to "
                f"{ctx.max_amp:g} µA/cm² can add a second one"
            )
        why = f"absolute refractory: no test pulse up to {ctx.max_amp:g} µA/cm² adds a spike"
        reasons = _recovery_reasons(s, ctx, nt)
        return why + (" — " + "; ".join(reasons) if reasons else "")
    if state == "relative_refractory":
        why = (
            f"relative refractory: a spike needs more than {ctx.relative_amp:.1f} µA/cm² "
            "(1.05 × the resting threshold)"
        )
        reasons = _recovery_reasons(s, ctx, nt)
        return why + (" — " + "; ".join(reasons) if reasons else "")
    return state.replace("_", " ")
