"""A cable: an unbranched chain of compartments, solved implicitly (NEURON's scheme).

Geometry follows NEURON's ``nseg`` discretisation: a section of length L (µm)
and diameter d (µm) is cut into ``nseg`` equal compartments whose centres sit
at (i + 0.5)/nseg · L; neighbouring centres are joined by the axial
resistance of the two half-compartments between them,
``r = Ra·(Δx₁/2)/(π d₁²/4) + Ra·(Δx₂/2)/(π d₂²/4)`` (Ra in Ω·cm). Both ends are
sealed (no axial current leaves the chain). Sections of different geometry or
membrane (a soma, a dendrite, nodes and myelinated internodes) are chained in
order; every compartment carries its own membrane (`MembraneParams`: the same
HH-type mechanism as the single patch, with its own conductances and
capacitance).

Time stepping is NEURON's second-order staggered scheme (``secondorder = 2``):
the gates live at half steps, V at whole steps. Over one step the ionic current
is linear in V once the gates are fixed at the step's midpoint, so V is
advanced by Crank–Nicolson — one tridiagonal solve per cable per step — and
the gates are then advanced exactly (exponential update) over the next step
with V frozen at the new whole step. Both are second order in dt; the scheme
is unconditionally stable.

Two engines run this algorithm: ``compiled`` (kernel.c, `cable_advance`:
Thomas algorithm per cable, one thread) and ``numpy`` (the
stacked batch as one banded system for scipy's LAPACK solver; the fallback,
and the only engine that takes point processes other than current clamps).
They agree to round-off (tested). Setting a cable up (geometry, resting state,
input conductance) needs neither numpy nor scipy, so a sweep that runs on the
compiled engine never imports them (process start-up is most of its cost).

Point processes (current clamps; synapses later) sit on a compartment and add
a current I = i₀ − g·(V − V_n) linearised at the start of each step: the
conductance part goes into the matrix, so a conductance-based synapse is
implicit like the membrane.

Units: µm (geometry), Ω·cm (Ra), mV, ms, nA (point currents, depolarising
positive), µS (point conductances), µA/cm² and mS/cm² for membrane densities.
This module never imports textual.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from tutor.sim import kernel as K
from tutor.sim.params import MembraneParams, ParameterError
from tutor.sim.reduce import params_row, resting_state

#: Index of each kinetic scheme (as `MembraneParams.kinetics_code`).
_HH, _TRAUB = 0, 1
#: e^0.5 and e^−1.5 (kernel.c's CABLE_E05 and CABLE_EM15).
_E05 = 1.6487212707001282
_EM15 = 0.22313016014842982


def fold_ion_leaks(row: list[float]) -> list[float]:
    """A membrane row with its K⁺/Na⁺/Cl⁻ leaks and pump folded into the unnamed leak.

    The cable kernel knows one leak (gl, el). With fixed concentrations the ion
    leaks are ohmic and the pump current is constant, so one leak of conductance
    gl + gkl + gnal + gcll whose reversal makes the same current at every V is
    exact: el' = (gl·el + gkl·E_K + gnal·E_Na + gcll·E_Cl − I_pump) / gl'.
    """
    g = row[K.P_GL] + row[K.P_GKL] + row[K.P_GNAL] + row[K.P_GCLL]
    ipump = 0.0
    if row[K.P_IPUMP] > 0.0:
        a = 1.0 + row[K.P_KMNA] / row[K.P_NAI]
        b = 1.0 + row[K.P_KMK] / row[K.P_KO]
        ipump = row[K.P_IPUMP] / (a * a * a) / (b * b)
    if g == row[K.P_GL] and ipump == 0.0:
        return row
    if g > 0.0:
        row[K.P_EL] = (
            row[K.P_GL] * row[K.P_EL] + row[K.P_GKL] * row[K.P_EK] + row[K.P_GNAL] * row[K.P_ENA]
            + row[K.P_GCLL] * row[K.P_ECL] - ipump
        ) / g  # fmt: skip
        row[K.P_GL] = g
    for col in (K.P_GKL, K.P_GNAL, K.P_GCLL, K.P_IPUMP):
        row[col] = 0.0
    return row


@dataclass(frozen=True)
class Section:
    """A stretch of uniform cable: geometry, axial resistivity, membrane, compartments.

    length_um: length (µm, > 0); diam_um: diameter (µm, > 0); ra_ohm_cm: axial
    resistivity (Ω·cm, > 0); nseg: number of equal compartments (≥ 1);
    membrane: the membrane of every compartment of this section; name: a label
    (e.g. "node", "internode", "soma", "dend") kept per compartment; sheath:
    how many membranes in series wrap this one (1 = bare; a myelin sheath of N
    wraps adds 2N): the capacitance and leak per cm² of the section's own
    membrane are divided by it (capacitors and conductances in series).
    """

    length_um: float
    diam_um: float
    ra_ohm_cm: float
    nseg: int
    membrane: MembraneParams
    name: str = "axon"
    sheath: float = 1.0

    def __post_init__(self) -> None:
        for key, unit in (("length_um", "µm"), ("diam_um", "µm"), ("ra_ohm_cm", "Ω·cm")):
            value = getattr(self, key)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ParameterError(
                    f"section '{self.name}': {key} must be > 0 {unit}, got {value}"
                )
        if not (isinstance(self.nseg, int) and self.nseg >= 1):
            raise ParameterError(f"section '{self.name}': nseg must be a whole number ≥ 1")
        if not (math.isfinite(self.sheath) and self.sheath >= 1):
            raise ParameterError(f"section '{self.name}': sheath must be ≥ 1")


@dataclass(frozen=True)
class Cable:
    """An unbranched chain of compartments with sealed ends (build with `chain`/`uniform`).

    Per compartment i (tuples of length N): ``dx_um`` length, ``diam_um``
    diameter, ``ra_ohm_cm`` axial resistivity, ``x_um`` centre position from
    the left end, ``area_cm2`` membrane area, ``membrane_index`` into
    ``membranes``, ``kind`` (its section's name), ``section_index``, ``sheath``.
    ``g_axial_uS[i]`` joins compartments i and i + 1 (length N − 1).
    """

    sections: tuple[Section, ...]
    dx_um: tuple[float, ...]
    diam_um: tuple[float, ...]
    ra_ohm_cm: tuple[float, ...]
    x_um: tuple[float, ...]
    area_cm2: tuple[float, ...]
    g_axial_uS: tuple[float, ...]
    membranes: tuple[MembraneParams, ...]
    membrane_index: tuple[int, ...]
    kind: tuple[str, ...]
    section_index: tuple[int, ...]
    sheath: tuple[float, ...] = ()

    @classmethod
    def chain(cls, sections: Sequence[Section]) -> Cable:
        """Join sections end to end (the right end of one to the left end of the next)."""
        if not sections:
            raise ParameterError("a cable needs at least one section")
        membranes: list[MembraneParams] = []
        dx: list[float] = []
        diam: list[float] = []
        ra: list[float] = []
        mi: list[int] = []
        kind: list[str] = []
        si: list[int] = []
        sheath: list[float] = []
        for j, s in enumerate(sections):
            if s.membrane not in membranes:
                membranes.append(s.membrane)
            k = membranes.index(s.membrane)
            dx += [s.length_um / s.nseg] * s.nseg
            diam += [float(s.diam_um)] * s.nseg
            ra += [float(s.ra_ohm_cm)] * s.nseg
            mi += [k] * s.nseg
            kind += [s.name] * s.nseg
            si += [j] * s.nseg
            sheath += [float(s.sheath)] * s.nseg
        x, pos = [], 0.0
        for d in dx:
            x.append(pos + 0.5 * d)
            pos += d
        area = [math.pi * d * L * 1e-8 for d, L in zip(diam, dx, strict=True)]  # µm² -> cm²
        # resistance of each half compartment (Ω): Ra·(Δx/2)/(π d²/4), lengths in cm
        half = [
            r * (0.5 * L * 1e-4) / (math.pi * (d * 1e-4) ** 2 / 4.0)
            for r, L, d in zip(ra, dx, diam, strict=True)
        ]
        g = [1e6 / (half[i] + half[i + 1]) for i in range(len(half) - 1)]  # µS
        return cls(
            tuple(sections), tuple(dx), tuple(diam), tuple(ra), tuple(x), tuple(area), tuple(g),
            tuple(membranes), tuple(mi), tuple(kind), tuple(si), tuple(sheath),
        )  # fmt: skip

    @classmethod
    def uniform(
        cls,
        membrane: MembraneParams,
        length_um: float,
        diam_um: float,
        ra_ohm_cm: float,
        nseg: int,
    ) -> Cable:
        """One uniform section (an unmyelinated axon)."""
        return cls.chain([Section(length_um, diam_um, ra_ohm_cm, nseg, membrane)])

    def __len__(self) -> int:
        return len(self.dx_um)

    @cached_property
    def length_um(self) -> float:
        """Total length (µm)."""
        return math.fsum(self.dx_um)

    @cached_property
    def _edges(self) -> list[float]:
        """Right edge of every compartment, relative to the length."""
        edges, pos = [], 0.0
        for d in self.dx_um:
            pos += d
            edges.append(pos / self.length_um)
        return edges

    def compartment_at(self, x_frac: float) -> int:
        """The compartment containing the relative position x_frac ∈ [0, 1] (as NEURON's sec(x))."""
        return min(bisect.bisect_left(self._edges, x_frac), len(self) - 1)

    def with_membranes(self, replace: dict[int, MembraneParams]) -> Cable:
        """A copy whose compartments with the given indices use other membranes."""
        membranes = list(self.membranes)
        mi = list(self.membrane_index)
        for i, mem in replace.items():
            if mem not in membranes:
                membranes.append(mem)
            mi[i] = membranes.index(mem)
        return Cable(
            self.sections, self.dx_um, self.diam_um, self.ra_ohm_cm, self.x_um, self.area_cm2,
            self.g_axial_uS, tuple(membranes), tuple(mi), self.kind, self.section_index,
            self.sheath,
        )  # fmt: skip

    def param_rows(self) -> list[list[float]]:
        """Per compartment, the membrane row in the kernel's layout (`kernel.P_*`), its
        capacitance and leak divided by the compartment's sheath."""
        rows = [fold_ion_leaks(list(params_row(m))) for m in self.membranes]
        sheath = self.sheath or (1.0,) * len(self)
        out = []
        for k, layers in zip(self.membrane_index, sheath, strict=True):
            row = list(rows[k])
            if layers != 1.0:
                row[K.P_CM] /= layers
                row[K.P_GL] /= layers
            out.append(row)
        return out

    def param_arrays(self) -> dict[str, Any]:
        """Per-compartment numpy arrays: gna gk gl (mS/cm²), ena ek el (mV), cm (µF/cm²),
        q (rate factor), vt (mV), kin (0 = hh, 1 = traub)."""
        import numpy as np

        table = np.array(self.param_rows(), dtype=float).reshape(len(self), K.NPARAMS)
        return {key: np.ascontiguousarray(table[:, col]) for col, key in enumerate(_PAR_KEYS)}


# --- membrane kinetics, vectorised (numpy engine; operations in kernel.c's order) ----------


def _vtrap(x, y: float):
    """x / (exp(x/y) − 1) with its removable singularity at 0 (as hh.mod writes it)."""
    import numpy as np

    small = np.abs(x / y) < 1e-6
    safe = np.where(small, 1.0, x)
    return np.where(small, y * (1.0 - x / y / 2.0), safe / (np.exp(safe / y) - 1.0))


def gate_rates(v, p: dict[str, Any]) -> tuple[Any, ...]:
    """α_m, β_m, α_h, β_h, α_n, β_n (1/ms) per compartment at V (mV) (numpy arrays)."""
    import numpy as np

    kin = p["kin"]
    if np.all(kin == _HH):
        return _rates_hh(v, p["q"])
    if np.all(kin == _TRAUB):
        return _rates_traub(v - p["vt"], p["q"])
    hh = _rates_hh(v, p["q"])
    tr = _rates_traub(v - p["vt"], p["q"])
    is_hh = kin == _HH
    return tuple(np.where(is_hh, a, b) for a, b in zip(hh, tr, strict=True))


def _rates_hh(v, q) -> tuple[Any, ...]:
    """NEURON hh.mod rates (1/ms) × q, from three exponentials (kernel.c's cable_rates)."""
    import numpy as np

    e10 = np.exp(-(v + 40.0) / 10.0)
    e18 = np.exp(-(v + 65.0) / 18.0)
    e80 = np.exp(-(v + 65.0) / 80.0)
    x = -(v + 40.0)
    y = -(v + 55.0)
    e20 = (e80 * e80) * (e80 * e80)
    sx = np.abs(x / 10.0) < 1e-6
    sy = np.abs(y / 10.0) < 1e-6
    am = 0.1 * np.where(sx, 10.0 * (1.0 - x / 10.0 / 2.0), x / np.where(sx, 2.0, e10 - 1.0))
    an = 0.01 * np.where(
        sy, 10.0 * (1.0 - y / 10.0 / 2.0), y / np.where(sy, 2.0, e10 * _EM15 - 1.0)
    )
    return (
        am * q,
        (4.0 * e18) * q,
        (0.07 * e20) * q,
        (1.0 / (e10 * _E05 + 1.0)) * q,
        an * q,
        (0.125 * e80) * q,
    )


def _rates_traub(u, q) -> tuple[Any, ...]:
    """Traub–Miles rates (Pospischil et al. 2008) at u = V − VT (1/ms), times q."""
    import numpy as np

    return (
        (0.32 * _vtrap(-(u - 13.0), 4.0)) * q,
        (0.28 * _vtrap(u - 40.0, 5.0)) * q,
        (0.128 * np.exp(-(u - 17.0) / 18.0)) * q,
        (4.0 / (1.0 + np.exp(-(u - 40.0) / 5.0))) * q,
        (0.032 * _vtrap(-(u - 15.0), 5.0)) * q,
        (0.5 * np.exp(-(u - 10.0) / 40.0)) * q,
    )


def ionic_currents(v, m, h, n, p: dict[str, Any]) -> tuple[Any, Any, Any]:
    """I_Na, I_K, I_L (µA/cm², outward positive) per compartment (numpy arrays)."""
    return (
        p["gna"] * (m * m * m * h) * (v - p["ena"]),
        p["gk"] * (n * n * n * n) * (v - p["ek"]),
        p["gl"] * (v - p["el"]),
    )


# --- point processes -----------------------------------------------------------------------


class PointProcess(Protocol):
    """Anything sitting on one compartment that injects current (a clamp, a synapse).

    `site` is the compartment index within its cable. `linearised(t0, t1, v)`
    returns (i_nA, g_uS): the current it injects (nA, depolarising positive)
    over the step [t0, t1] evaluated at V = v (mV, the site's V at t0), and
    its conductance dI_out/dV (µS), so that the injected current over the
    step is i_nA − g_uS·(V − v). A pure current source has g = 0.
    """

    @property
    def site(self) -> int:
        """Compartment index within its cable."""
        ...

    def linearised(self, t0_ms: float, t1_ms: float, v_mV: float) -> tuple[float, float]:
        """(i_nA, g_uS) over the step [t0_ms, t1_ms] linearised at v_mV."""
        ...


@dataclass(frozen=True)
class CurrentClamp:
    """NEURON's IClamp: `amp_nA` (depolarising positive) from `delay_ms` for `dur_ms`,
    at compartment `site`. Over a step it injects its mean current (exact charge
    even when an edge falls inside the step)."""

    site: int
    delay_ms: float
    dur_ms: float
    amp_nA: float

    def __post_init__(self) -> None:
        if not (self.dur_ms > 0 and self.delay_ms >= 0 and math.isfinite(self.amp_nA)):
            raise ParameterError("a current clamp needs delay ≥ 0 ms, duration > 0 ms, finite nA")

    def linearised(self, t0_ms: float, t1_ms: float, v_mV: float) -> tuple[float, float]:
        """Mean injected current over [t0, t1] (nA); no conductance."""
        on = max(t0_ms, self.delay_ms)
        off = min(t1_ms, self.delay_ms + self.dur_ms)
        if off <= on:
            return 0.0, 0.0
        return self.amp_nA * (off - on) / (t1_ms - t0_ms), 0.0


# --- resting state and input conductance (plain Python + the kernel's steady current) -----


def solve_tridiagonal(
    lower: Sequence[float], diag: Sequence[float], upper: Sequence[float], rhs: Sequence[float]
) -> list[float]:
    """Thomas algorithm (no pivoting: cable matrices are diagonally dominant).

    lower[i] multiplies x[i] in row i + 1, upper[i] multiplies x[i + 1] in row i
    (both of length N − 1).
    """
    n = len(diag)
    cp = [0.0] * n
    dp = [0.0] * n
    cp[0] = upper[0] / diag[0] if n > 1 else 0.0
    dp[0] = rhs[0] / diag[0]
    for i in range(1, n):
        den = diag[i] - lower[i - 1] * cp[i - 1]
        cp[i] = upper[i] / den if i < n - 1 else 0.0
        dp[i] = (rhs[i] - lower[i - 1] * dp[i - 1]) / den
    for i in range(n - 2, -1, -1):
        dp[i] -= cp[i] * dp[i + 1]
    return dp


def _vtrap1(x: float, y: float) -> float:
    return y * (1.0 - x / y / 2.0) if abs(x / y) < 1e-6 else x / (math.exp(x / y) - 1.0)


def steady_current(v: float, row: Sequence[float]) -> float:
    """Net ionic current (µA/cm², outward positive) with every gate at its steady state at
    V (mV), for a membrane row in the kernel's layout (plain Python: no numpy, no kernel);
    ion leaks and the pump count, folded into the leak (`fold_ion_leaks`)."""
    row = fold_ion_leaks(list(row))
    if int(row[K.P_KIN]) == _HH:
        am, bm = 0.1 * _vtrap1(-(v + 40.0), 10.0), 4.0 * math.exp(-(v + 65.0) / 18.0)
        ah, bh = 0.07 * math.exp(-(v + 65.0) / 20.0), 1.0 / (math.exp(-(v + 35.0) / 10.0) + 1.0)
        an, bn = 0.01 * _vtrap1(-(v + 55.0), 10.0), 0.125 * math.exp(-(v + 65.0) / 80.0)
    else:
        u = v - row[K.P_VT]
        am, bm = 0.32 * _vtrap1(-(u - 13.0), 4.0), 0.28 * _vtrap1(u - 40.0, 5.0)
        ah, bh = 0.128 * math.exp(-(u - 17.0) / 18.0), 4.0 / (1.0 + math.exp(-(u - 40.0) / 5.0))
        an, bn = 0.032 * _vtrap1(-(u - 15.0), 5.0), 0.5 * math.exp(-(u - 10.0) / 40.0)
    m, h, n = am / (am + bm), ah / (ah + bh), an / (an + bn)  # the Q10 factor cancels
    return (
        row[K.P_GNA] * m**3 * h * (v - row[K.P_ENA])
        + row[K.P_GK] * n**4 * (v - row[K.P_EK])
        + row[K.P_GL] * (v - row[K.P_EL])
    )


def _steady_slopes(cable: Cable, v: Sequence[float], eps: float = 1e-4) -> list[float]:
    """dI∞/dV (mS/cm²) per compartment at V, by a central difference."""
    rows = cable.param_rows()
    return [
        (steady_current(vi + eps, r) - steady_current(vi - eps, r)) / (2 * eps)
        for vi, r in zip(v, rows, strict=True)
    ]


def cable_rest(cable: Cable) -> list[float]:
    """The steady resting V (mV) per compartment, gates at steady state.

    Each compartment starts from its own membrane's patch rest (the same
    bisection as the single patch, so a uniform cable rests exactly where the
    patch does); where membranes differ, Newton's method on the coupled
    steady-state equations settles the axial currents between them.
    """
    rests = [resting_state(m).v_mV for m in cable.membranes]
    v = [rests[k] for k in cable.membrane_index]
    if len(set(rests)) == 1 or len(cable) == 1:
        return v
    rows = cable.param_rows()
    g = [x * 1e-3 for x in cable.g_axial_uS]  # mS; times mV gives µA
    area = cable.area_cm2
    n = len(v)
    for _ in range(50):
        r = [steady_current(vi, row) * a for vi, row, a in zip(v, rows, area, strict=True)]
        for i in range(n - 1):
            flow = g[i] * (v[i + 1] - v[i])  # µA from i + 1 into i
            r[i] -= flow
            r[i + 1] += flow
        if max(abs(ri / a) for ri, a in zip(r, area, strict=True)) < 1e-10:
            return v
        diag = [s * a for s, a in zip(_steady_slopes(cable, v), area, strict=True)]
        for i in range(n - 1):
            diag[i] += g[i]
            diag[i + 1] += g[i]
        neg = [-x for x in g]
        step = solve_tridiagonal(neg, diag, neg, r)
        v = [vi - si for vi, si in zip(v, step, strict=True)]
    raise ParameterError("the cable has no steady resting state (Newton did not converge)")


def input_conductance_uS(cable: Cable, site: int) -> float:
    """Steady-state input conductance (µS) at a compartment of a cable at rest.

    The linearised steady state: every membrane contributes its slope
    conductance dI∞/dV (gates at steady state) and the axial conductances
    couple neighbours; 1 nA injected at `site` raises it by 1/G mV.
    """
    v = cable_rest(cable)
    diag = [s * a * 1e3 for s, a in zip(_steady_slopes(cable, v), cable.area_cm2, strict=True)]
    g = list(cable.g_axial_uS)
    for i in range(len(g)):
        diag[i] += g[i]
        diag[i + 1] += g[i]
    e = [0.0] * len(v)
    e[site] = 1.0
    neg = [-x for x in g]
    return 1.0 / solve_tridiagonal(neg, diag, neg, e)[site]


# --- running a batch of cables -------------------------------------------------------------

#: Cable engines: the compiled kernel (kernel.c, `cable_advance`) and its numpy twin.
ENGINES: tuple[str, ...] = ("compiled", "numpy")
#: Columns of the per-compartment parameter table (kernel.c's CABLE_NPAR layout).
_PAR_KEYS = ("kin", "gna", "gk", "gl", "ena", "ek", "el", "cm", "q", "vt")
CP_AREA, CP_CL, CP_CR, CABLE_NPAR = 10, 11, 12, 13
#: Membrane columns of a cable row: the kernel's P_KIN … P_VT.
CABLE_MEMBRANE_COLS = K.P_VT + 1
#: State and reduction buffers of a batch (one float per compartment each).
_BUFFERS = ("v", "m", "h", "n", "first", "count", "vmax", "tmax", "vbef", "vaft", "atlast")


def compiled_available() -> bool:
    """Whether the compiled kernel can be loaded here."""
    try:
        K.cable_library()
    except Exception:
        return False
    return True


def choose_engine(engine: str | None, stimuli: Sequence[Sequence[PointProcess]]) -> str:
    """The engine to use: as asked, else compiled when it is available and every point
    process is a current clamp (the kernel knows no others), else numpy."""
    only_clamps = all(isinstance(pp, CurrentClamp) for procs in stimuli for pp in procs)
    if engine is not None:
        if engine not in ENGINES:
            raise ParameterError(f"unknown cable engine '{engine}' (known: {', '.join(ENGINES)})")
        if engine == "compiled" and not only_clamps:
            raise ParameterError("the compiled cable engine only knows current clamps")
        return engine
    return "compiled" if only_clamps and compiled_available() else "numpy"


class CableBatch:
    """Several independent cables advanced together.

    State (flat over the stacked compartments, M = Σ Nᵢ; cable k owns
    ``cable_slice(k)``): V (mV) at time ``t_ms``; gates m, h, n at
    ``t_ms + dt/2`` (staggered). Reductions kept per compartment over the run:
    first upward 0-mV crossing (NaN if none), number of upward crossings, the
    highest sample and its time (`peaks` refines them by a parabola). All of
    it lives in `array('d')` buffers read with `values(name, k)` (plain
    lists); `view(name)` gives a numpy view for array work (the TUI, tests).
    Buffer names: v m h n first count vmax tmax (and vbef vaft atlast, the
    samples around the maximum).

    `engine`: 'compiled' or 'numpy'; None picks compiled when it can (see
    `choose_engine`). `base`: cables whose rest is the initial state (default:
    the cables themselves).
    """

    def __init__(
        self,
        cables: Sequence[Cable],
        stimuli: Sequence[Sequence[PointProcess]],
        dt_ms: float,
        base: Sequence[Cable] | None = None,
        engine: str | None = None,
    ) -> None:
        if not (dt_ms > 0 and math.isfinite(dt_ms)):
            raise ParameterError(f"dt must be a positive number of ms, got {dt_ms}")
        if len(stimuli) != len(cables) or not cables:
            raise ParameterError("one list of point processes per cable is needed")
        self.engine = choose_engine(engine, stimuli)
        self.cables = list(cables)
        self.stimuli = [list(s) for s in stimuli]
        self.dt_ms = float(dt_ms)
        offsets = [0]
        for c in self.cables:
            offsets.append(offsets[-1] + len(c))
        self.offsets = array("q", offsets)
        m_total = offsets[-1]
        self.par = array("d", [0.0] * (m_total * CABLE_NPAR))
        for k, c in enumerate(self.cables):
            self._fill_par(k, c)
        starts = list(base) if base is not None else self.cables
        if [len(c) for c in starts] != [len(c) for c in self.cables]:
            raise ParameterError("base cables must have the same compartments as the cables")
        v0: list[float] = []
        gates: list[tuple[float, float, float]] = []
        for c in starts:
            rest = cable_rest(c)
            v0 += rest
            rows = [fold_ion_leaks(list(params_row(m))) for m in c.membranes]
            known: dict[tuple[float, int], tuple[float, float, float]] = {}
            for v, mi in zip(rest, c.membrane_index, strict=True):
                if (v, mi) not in known:  # a uniform stretch rests at one V: one call
                    known[v, mi] = K.steady_gates(v, rows[mi])
                gates.append(known[v, mi])
        self.buf: dict[str, array] = {
            "v": array("d", v0),
            "m": array("d", [g[0] for g in gates]),
            "h": array("d", [g[1] for g in gates]),
            "n": array("d", [g[2] for g in gates]),
            "first": array("d", [math.nan] * m_total),
            "count": array("d", [0.0] * m_total),
            "vmax": array("d", v0),
            "tmax": array("d", [0.0] * m_total),
            "vbef": array("d", v0),
            "vaft": array("d", v0),
            "atlast": array("d", [0.0] * m_total),
        }
        self.rest_mV = list(v0)
        self.t_ms = 0.0
        self.steps = 0
        self._work = array("d", [0.0] * (2 * m_total))
        for k, procs in enumerate(self.stimuli):
            for pp in procs:
                self._check_site(k, pp)

    # -- layout --------------------------------------------------------------------------
    def _fill_par(self, k: int, cable: Cable) -> None:
        o = self.offsets[k]
        n = len(cable)
        for j, row in enumerate(cable.param_rows()):
            base = (o + j) * CABLE_NPAR
            # the cable kernel reads the membrane's first columns (P_KIN … P_VT: kinetics,
            # conductances, reversal potentials, cm, Q10 factor, VT); the ion columns
            # after them (leaks by ion, pump, concentrations) are not modelled in cables
            self.par[base : base + CABLE_MEMBRANE_COLS] = array("d", row[:CABLE_MEMBRANE_COLS])
            area = cable.area_cm2[j]
            self.par[base + CP_AREA] = area
            g_left = cable.g_axial_uS[j - 1] * 1e-3 if j > 0 else 0.0
            g_right = cable.g_axial_uS[j] * 1e-3 if j < n - 1 else 0.0
            self.par[base + CP_CL] = g_left / area
            self.par[base + CP_CR] = g_right / area

    def _check_site(self, k: int, pp: PointProcess) -> None:
        if not 0 <= pp.site < len(self.cables[k]):
            raise ParameterError(
                f"point process at compartment {pp.site}: cable {k} has {len(self.cables[k])}"
            )

    def __len__(self) -> int:
        return len(self.cables)

    def cable_slice(self, k: int) -> slice:
        """The flat-buffer slice of cable k."""
        return slice(self.offsets[k], self.offsets[k + 1])

    def values(self, name: str, k: int) -> list[float]:
        """Cable k's values of a buffer as a plain list (see the class docstring)."""
        return self.buf[name][self.cable_slice(k)].tolist()

    def view(self, name: str):
        """A numpy view (no copy) of a whole buffer; writes go into the batch."""
        import numpy as np

        return np.frombuffer(self.buf[name], dtype=float)

    def add_point_process(self, k: int, pp: PointProcess) -> None:
        """Attach a point process to cable k from now on."""
        self._check_site(k, pp)
        if self.engine == "compiled" and not isinstance(pp, CurrentClamp):
            raise ParameterError("the compiled cable engine only knows current clamps")
        self.stimuli[k].append(pp)

    def forget_finished_clamps(self, k: int) -> None:
        """Drop cable k's current clamps that are over (so a long live run stays small)."""
        self.stimuli[k] = [
            pp
            for pp in self.stimuli[k]
            if not (isinstance(pp, CurrentClamp) and pp.delay_ms + pp.dur_ms < self.t_ms)
        ]

    def set_cable(self, k: int, cable: Cable) -> None:
        """Replace cable k's membranes/geometry (same number of compartments); state kept."""
        if len(cable) != len(self.cables[k]):
            raise ParameterError("set_cable: the new cable must have the same compartments")
        self.cables[k] = cable
        self._fill_par(k, cable)

    def reset_reductions(self) -> None:
        """Forget crossings and maxima (e.g. when a live view starts over)."""
        m_total = self.offsets[-1]
        v = self.buf["v"]
        self.buf["first"][:] = array("d", [math.nan] * m_total)
        self.buf["count"][:] = array("d", [0.0] * m_total)
        for name in ("vmax", "vbef", "vaft"):
            self.buf[name][:] = array("d", v)
        self.buf["tmax"][:] = array("d", [self.t_ms] * m_total)
        self.buf["atlast"][:] = array("d", [0.0] * m_total)

    # -- stepping ------------------------------------------------------------------------
    def advance(
        self, duration_ms: float, active: Sequence[bool] | None = None, record_every: int = 0
    ) -> Any:
        """Advance by `duration_ms` (rounded to whole steps); see `step`."""
        return self.step(int(round(duration_ms / self.dt_ms)), active, record_every)

    def step(
        self, count: int = 1, active: Sequence[bool] | None = None, record_every: int = 0
    ) -> Any:
        """Advance `count` steps of dt.

        `active[k]` False freezes cable k (state and reductions unchanged), so
        finished cables of a batch cost nothing. With `record_every` > 0 returns
        V every that many steps as a numpy array [count // record_every, M] (mV);
        else None (and numpy is not needed).
        """
        act = array("q", [1] * len(self) if active is None else [1 if a else 0 for a in active])
        nrec = count // record_every if record_every > 0 else 0
        rec = None
        if nrec:
            import numpy as np

            rec = np.full((nrec, self.offsets[-1]), math.nan)
        if count <= 0:
            return rec
        if self.engine == "compiled":
            self._step_compiled(count, act, rec, record_every)
        else:
            self._step_numpy(count, act, rec, record_every)
        self.steps += count
        if rec is not None:
            for k in range(len(self)):
                if not act[k]:  # frozen cables keep their V
                    sl = self.cable_slice(k)
                    rec[:, sl] = self.view("v")[sl]
        return rec

    def _clamp_tables(self) -> tuple[array, array, array]:
        sites, clamps, start = [], [], [0]
        for k, procs in enumerate(self.stimuli):
            for pp in procs:
                assert isinstance(pp, CurrentClamp)
                sites.append(self.offsets[k] + pp.site)
                clamps += [pp.delay_ms, pp.dur_ms, pp.amp_nA]
            start.append(len(sites))
        return array("q", start), array("q", sites or [-1]), array("d", clamps or [0.0] * 3)

    def _step_compiled(self, count: int, act: array, rec: Any, every: int) -> None:
        start, sites, clamps = self._clamp_tables()
        b = self.buf
        K.cable_advance(
            len(self), self.offsets, act, self.par, b["v"], b["m"], b["h"], b["n"], start,
            sites, clamps, self.t_ms, self.dt_ms, count, b["first"], b["count"], b["vmax"],
            b["tmax"], b["vbef"], b["vaft"], b["atlast"], rec, every if rec is not None else 0,
            self._work,
        )  # fmt: skip
        t = self.t_ms
        for _ in range(count):  # the same sums the kernel made, so t is bit-identical
            t = t + self.dt_ms
        self.t_ms = t

    def _step_numpy(self, count: int, act: array, rec: Any, every: int) -> None:
        import numpy as np

        dt = self.dt_ms
        par = np.frombuffer(self.par, dtype=float).reshape(-1, CABLE_NPAR)
        p = {key: par[:, col] for col, key in enumerate(_PAR_KEYS)}
        live = np.repeat(np.frombuffer(act, dtype=np.int64) != 0, np.diff(self.offsets))
        frozen = None if live.all() else ~live
        k2 = 2.0 * p["cm"] / dt
        c_left, c_right, area = par[:, CP_CL], par[:, CP_CR], par[:, CP_AREA]
        lower = -c_left[1:]
        upper = -c_right[:-1]
        sites = [
            (self.offsets[k] + pp.site, pp)
            for k, procs in enumerate(self.stimuli)
            if act[k]
            for pp in procs
        ]
        vv, mm, hh, nn = (self.view(x) for x in ("v", "m", "h", "n"))
        for s in range(count):
            t0 = self.t_ms
            t1 = t0 + dt
            m, h, n = mm.copy(), hh.copy(), nn.copy()
            gna = p["gna"] * (m * m * m * h)
            gk = p["gk"] * (n * n * n * n)
            diag = k2 + c_left + c_right + gna + gk + p["gl"]
            rhs = k2 * vv + gna * p["ena"] + gk * p["ek"] + p["gl"] * p["el"]
            for site, pp in sites:
                vs = float(vv[site])
                i_na, g_us = pp.linearised(t0, t1, vs)
                scale = 1e-3 / area[site]
                rhs[site] += (i_na + g_us * vs) * scale
                diag[site] += g_us * scale
            vbar = _solve_banded(lower, diag, upper, rhs)
            v0 = vv.copy()
            v1 = 2.0 * vbar - v0
            if frozen is not None:
                v1 = np.where(frozen, v0, v1)
            # gates over [t + dt/2, t + 3dt/2] with V frozen at t + dt (exact exponential)
            am, bm, ah, bh, an, bn = gate_rates(v1, p)
            for x, out, a, b in ((m, mm, am, bm), (h, hh, ah, bh), (n, nn, an, bn)):
                tot = a + b
                inf = a / tot
                x1 = inf + (x - inf) * np.exp(-dt * tot)
                out[:] = x1 if frozen is None else np.where(frozen, x, x1)
            self._reduce(v0, v1, t0, t1, live)
            vv[:] = v1
            self.t_ms = t1
            if rec is not None and (s + 1) % every == 0:
                rec[(s + 1) // every - 1] = v1

    def _reduce(self, v0: Any, v1: Any, t0: float, t1: float, live: Any) -> None:
        """Crossings (linear in time between samples) and running maxima (live compartments)."""
        import numpy as np

        first, count = self.view("first"), self.view("count")
        vmax, tmax = self.view("vmax"), self.view("tmax")
        vbef, vaft, atlast = self.view("vbef"), self.view("vaft"), self.view("atlast")
        up = (v0 < 0.0) & (v1 >= 0.0) & live
        if up.any():
            tc = t0 + (t1 - t0) * (-v0[up]) / (v1[up] - v0[up])
            old = first[up]
            first[up] = np.where(np.isnan(old), tc, old)
            count[up] += 1.0
        after = (atlast != 0.0) & live
        vaft[after] = v1[after]
        atlast[live] = 0.0
        new_max = (v1 > vmax) & live
        if new_max.any():
            vmax[new_max] = v1[new_max]
            tmax[new_max] = t1
            vbef[new_max] = v0[new_max]
            atlast[new_max] = 1.0

    def peaks(self, k: int) -> tuple[list[float], list[float]]:
        """Highest V (mV) and its time (ms) per compartment of cable k, refined by the
        parabola through the samples either side of the largest one (when both exist)."""
        y0s, y1s, y2s = self.values("vbef", k), self.values("vmax", k), self.values("vaft", k)
        ts, last = self.values("tmax", k), self.values("atlast", k)
        vpk, tpk = [], []
        for y0, y1, y2, t, at in zip(y0s, y1s, y2s, ts, last, strict=True):
            denom = y0 - 2.0 * y1 + y2
            if at == 0.0 and t > 0 and denom < 0:
                shift = 0.5 * (y0 - y2) / denom  # in steps, within (−0.5, 0.5)
                vpk.append(y1 - 0.25 * (y0 - y2) * shift)
                tpk.append(t + shift * self.dt_ms)
            else:
                vpk.append(y1)
                tpk.append(t)
        return vpk, tpk


def _solve_banded(lower: Any, diag: Any, upper: Any, rhs: Any) -> Any:
    """Solve the stacked tridiagonal system with LAPACK (scipy; imported on first use)."""
    import numpy as np
    from scipy.linalg import solve_banded

    ab = np.empty((3, len(diag)))
    ab[0, 0] = 0.0
    ab[0, 1:] = upper
    ab[1] = diag
    ab[2, :-1] = lower
    ab[2, -1] = 0.0
    return solve_banded((1, 1), ab, rhs, overwrite_ab=True, overwrite_b=True, check_finite=False)
