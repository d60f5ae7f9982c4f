"""The numpy-free path: resting state and batches that keep only reductions.

Sweeps (`tutor sweep …`) are whole processes timed against NEURON, and
importing numpy costs more CPU than a whole refractory sweep. Everything a
sweep needs — parameter rows, the resting state, packing stimuli and running
a batch that returns spike times — is therefore written here with
`array.array` buffers and plain lists. `tutor.sim.engine` builds the numpy
API (traces, live runs) on the same kernel and the same helpers.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from tutor.sim import kernel as K
from tutor.sim.ions import concentration_rate
from tutor.sim.params import MembraneParams, ParameterError
from tutor.sim.stimulus import Piece

#: Default error tolerances of the adaptive integrator (relative; absolute mV; absolute gates).
RTOL = 1e-6
ATOL_V = 1e-5
ATOL_GATE = 1e-7


def params_row(p: MembraneParams) -> array:
    """Parameter vector in the kernel's layout (see `kernel.P_*`).

    Reversal potentials are stored at the resting concentrations (or as set);
    with concentration dynamics the kernel recomputes the Nernst ones from the
    internal concentrations it integrates.
    """
    row = array("d", [0.0] * K.NPARAMS)
    row[K.P_KIN] = p.kinetics_code
    row[K.P_GNA] = p.gna
    row[K.P_GK] = p.gk
    row[K.P_GL] = p.gl
    row[K.P_ENA] = p.e_na
    row[K.P_EK] = p.e_k
    row[K.P_EL] = p.el
    row[K.P_CM] = p.cm
    row[K.P_Q] = p.rate_factor
    row[K.P_VT] = p.vtraub
    row[K.P_GKL] = p.gkl
    row[K.P_GNAL] = p.gnal
    row[K.P_GCLL] = p.gcll
    row[K.P_ECL] = p.e_cl
    row[K.P_IPUMP] = p.ipump
    row[K.P_KMNA] = p.km_na_pump
    row[K.P_KMK] = p.km_k_pump
    row[K.P_NAI] = p.nai
    row[K.P_KI] = p.ki
    row[K.P_CLI] = p.cli
    row[K.P_NAO] = p.nao
    row[K.P_KO] = p.ko
    row[K.P_CLO] = p.clo
    row[K.P_RTF] = p.rt_f_mV
    row[K.P_CRATE] = concentration_rate(p.volarea)
    row[K.P_NERNST_NA] = 1.0 if "na" in p.nernst else 0.0
    row[K.P_NERNST_K] = 1.0 if "k" in p.nernst else 0.0
    row[K.P_NERNST_CL] = 1.0 if "cl" in p.nernst else 0.0
    return row


@dataclass(frozen=True)
class RestState:
    """The steady resting state: V (mV), the gates at their steady values, and the
    internal concentrations (mM) it was computed at."""

    v_mV: float
    m: float
    h: float
    n: float
    nai: float = 0.0
    ki: float = 0.0
    cli: float = 0.0

    def as_list(self) -> list[float]:
        """[V, m, h, n, nai, ki, cli] as the kernel stores a cell's state."""
        return [self.v_mV, self.m, self.h, self.n, self.nai, self.ki, self.cli]

    def as_array(self):
        """The state as a numpy array (see `as_list`)."""
        import numpy as np

        return np.array(self.as_list())


@lru_cache(maxsize=256)
def resting_state(p: MembraneParams) -> RestState:
    """The lowest stable zero of the steady-state I–V curve (−130…+60 mV).

    Stable means the steady current goes from inward to outward as V rises,
    so a small displacement decays back; refined by bisection to machine
    precision. Cached per membrane (parameters are frozen, hence hashable).
    """
    row = params_row(p)
    v = K.resting_potential(row, -130.0, 60.0, 0.5)
    if math.isnan(v):
        raise ParameterError("this membrane has no stable resting state between −130 and +60 mV")
    m, h, n = K.steady_gates(v, row)
    return RestState(v, m, h, n, p.nai, p.ki, p.cli)


def initial_state(base: MembraneParams, run: MembraneParams | None = None) -> list[float]:
    """Where a protocol starts: the rest of `base` (V and gates), with the internal
    concentrations of `run` — a concentration set for the run applies from t = 0."""
    state = resting_state(base).as_list()
    if run is not None:
        state[4:7] = [run.nai, run.ki, run.cli]
    return state


def pack_pieces(pieces: Sequence[Sequence[Piece]]) -> tuple[list[float], int, list[float], int]:
    """Flatten stimulus pieces and their sorted breakpoints for a batch.

    Returns (seg, nseg, bps, nbp): `seg` is C×nseg×4 (unused rows have +inf
    times), `bps` is C×nbp sorted edge times padded with +inf (at least one
    +inf per cell so the kernel always has a next breakpoint).
    """
    nseg = max(1, max((len(c) for c in pieces), default=0))
    edges = [sorted({x for p in cell for x in (p[0], p[1]) if math.isfinite(x)}) for cell in pieces]
    nbp = max((len(e) for e in edges), default=0) + 1
    seg: list[float] = []
    bps: list[float] = []
    for cell, cell_edges in zip(pieces, edges, strict=True):
        for p in cell:
            seg.extend(float(x) for x in p)
        seg.extend([math.inf, math.inf, 0.0, 0.0] * (nseg - len(cell)))
        bps.extend(cell_edges)
        bps.extend([math.inf] * (nbp - len(cell_edges)))
    return seg, nseg, bps, nbp


@dataclass
class Reduced:
    """Per-cell reductions of a batch: spike times (ms), spike counts, peak V (mV) and time."""

    spikes_ms: list[list[float]]
    spike_counts: list[int]
    peak_mV: list[float]
    peak_ms: list[float]
    n_steps: list[int]


def run_reduced(
    row: Sequence[float] | Sequence[Sequence[float]],
    pieces: Sequence[Sequence[Piece]],
    init: Sequence[float],
    t_stop_ms: float | Sequence[float],
    stop_spikes: int | Sequence[int] = 0,
    max_spikes: int = 64,
    rtol: float = RTOL,
    integrator: int = K.INT_DP5,
) -> Reduced:
    """Run C cells from the state `init` (NSTATE values, shared) to their stop times.

    `row` is one parameter row for all cells or one per cell. Keeps no traces:
    memory is O(C · max_spikes) whatever the run length.
    """
    c = len(pieces)
    rows: list[Sequence[float]] = (
        [cast("Sequence[float]", row)] * c
        if isinstance(row[0], int | float)
        else [cast("Sequence[float]", r) for r in row]
    )
    if len(rows) != c or any(len(r) != K.NPARAMS for r in rows):
        raise ValueError(
            f"run_reduced: need one parameter row of {K.NPARAMS} values, or one per cell "
            f"({c}); got {len(rows)}"
        )
    params = array("d", [float(x) for r in rows for x in r])
    seg, nseg, bps, nbp = pack_pieces(pieces)
    t_stop = [float(t_stop_ms)] * c if isinstance(t_stop_ms, int | float) else list(t_stop_ms)
    stops = (
        [int(stop_spikes)] * c if isinstance(stop_spikes, int) else [int(s) for s in stop_spikes]
    )
    if len(init) != K.NSTATE:
        raise ValueError(f"run_reduced: the initial state needs {K.NSTATE} values, got {len(init)}")
    zeros = array("d", [0.0] * (K.NSTATE * c))
    y = array("d", [float(x) for x in init] * c)
    stats = array("d", [0.0] * (K.NSTATS * c))
    for i in range(c):
        stats[i * K.NSTATS + K.ST_VMAX] = y[K.NSTATE * i]
        stats[i * K.NSTATS + K.ST_TMAX] = 0.0
        stats[i * K.NSTATS + K.ST_VMIN] = math.inf
        stats[i * K.NSTATS + K.ST_TMIN] = math.nan
    spikes = array("d", [math.nan] * (max_spikes * c))
    K.advance_batch(
        c, y, array("d", zeros), array("d", [0.0] * c), array("d", [0.01] * c), array("d", y),
        array("d", zeros), array("d", [0.0] * c), array("q", [0] * c), array("q", [0] * c),
        array("q", [0] * c), params, array("d", seg), nseg, array("d", bps), nbp, spikes,
        max_spikes, stats, array("q", [2**62] * c), 1.0, array("d", t_stop), array("q", stops),
        array("d"), 0, 0, rtol, ATOL_V, ATOL_GATE, integrator,
    )  # fmt: skip
    counts = [int(stats[i * K.NSTATS + K.ST_NSPK]) for i in range(c)]
    return Reduced(
        spikes_ms=[
            list(spikes[i * max_spikes : i * max_spikes + min(counts[i], max_spikes)])
            for i in range(c)
        ],
        spike_counts=counts,
        peak_mV=[stats[i * K.NSTATS + K.ST_VMAX] for i in range(c)],
        peak_ms=[stats[i * K.NSTATS + K.ST_TMAX] for i in range(c)],
        n_steps=[int(stats[i * K.NSTATS + K.ST_NSTEPS]) for i in range(c)],
    )
