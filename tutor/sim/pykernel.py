"""The numpy kernel: kernel.c's integrators in Python, for installs without a compiler.

Same functions, same arguments and the same in-place state layout as the
compiled kernel (see `tutor.sim.kernel.advance_batch`), and the same
algorithms line by line, so that every number agrees with the compiled
kernel to round-off (the tests run the engine on both):

- Dormand–Prince 5(4) adaptive per cell (same tableau, error norm, step
  control, HMAX, breakpoint clipping, first-same-as-last), and the
  NEURON-like `expeuler` fixed step;
- cubic Hermite dense output for samples, 0-mV crossings (bisection to
  1e-13 of the step) and extrema (bisection on the slope), and the same
  reductions (spike list, peak, AHP window, step count, done flags).

Two ways of running it, chosen by batch size because their costs differ:

- `_advance_cell`: one cell in plain Python floats (`math`), the scalar
  translation of kernel.c's `advance_cell`. A numpy call costs ~1 µs
  whatever its size, so for the live lab (one cell) and the excitability
  probes (one to three cells) plain floats are several times faster.
- `_advance_vector`: many cells in lock step, one accepted step per active
  cell per round, as numpy arrays over the cells (sweeps, bisections of
  thresholds). Rejected trial steps are retried for those cells only; the
  rare per-step events (an extremum or a 0-mV crossing inside a step) go
  through the scalar `_reduce_step` of the cells concerned, so spike times
  are located by exactly the same code in both ways.

Keeping it in step with kernel.c: every C function has a twin here with the
same name (rates, deriv, stim_coeffs, hermite, root_in_step,
extremum_in_step, record_spike, reduce_step, advance_cell), in scalar form
and, for the per-step arithmetic, in vector form (`_rates_v`, `_deriv_v`,
`_stim_v`). A change to the model in kernel.c must be mirrored in both
forms; `tests/sim/test_kernels_agree.py` compares the two kernels directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tutor.sim.kernel import (
    INT_EXPEULER,
    NPARAMS,
    NSTATE,
    NSTATS,
    P_CLI,
    P_CLO,
    P_CM,
    P_CRATE,
    P_ECL,
    P_EK,
    P_EL,
    P_ENA,
    P_GCLL,
    P_GK,
    P_GKL,
    P_GL,
    P_GNA,
    P_GNAL,
    P_IPUMP,
    P_KI,
    P_KIN,
    P_KMK,
    P_KMNA,
    P_KO,
    P_NAI,
    P_NAO,
    P_NERNST_CL,
    P_NERNST_K,
    P_NERNST_NA,
    P_Q,
    P_RTF,
    P_VT,
    ST_AHP_OPEN,
    ST_DONE,
    ST_NSPK,
    ST_NSTEPS,
    ST_TMAX,
    ST_TMIN,
    ST_VMAX,
    ST_VMIN,
)

#: Largest step (ms), as HMAX in kernel.c.
HMAX = 2.0
#: Batches at least this big run as numpy vectors; smaller ones cell by cell in floats.
#: Measured (benchmarks/README.md, "Where the numpy kernel vectorises"): a vector round
#: costs about as much as ~40 scalar cell steps, so below 40 cells the scalar path wins
#: (6 cells: 5 ms scalar vs 31 ms vector; 48 cells: 43 vs 47 ms for 46 ms pulses, 1.35 vs
#: 1.02 s for 200 ms trains).
VECTOR_MIN_CELLS = 40

exp = math.exp


def log(x: float) -> float:
    """libm's log as C sees it: NaN below 0 and −inf at 0 (math.log raises instead)."""
    if x > 0.0:
        return math.log(x)
    return -math.inf if x == 0.0 else math.nan


def _exp_or_inf(x: float) -> float:
    """exp() that overflows to inf as C's does (for the fixed-step path's gate update)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


# Dormand–Prince 5(4) tableau (as in kernel.c).
C2, C3, C4, C5 = 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9
A21 = 1.0 / 5
A31, A32 = 3.0 / 40, 9.0 / 40
A41, A42, A43 = 44.0 / 45, -56.0 / 15, 32.0 / 9
A51, A52, A53, A54 = 19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729
A61, A62, A63, A64, A65 = 9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656
B1, B3, B4, B5, B6 = 35.0 / 384, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84
E1, E3, E4, E5, E6, E7 = (
    71.0 / 57600,
    -71.0 / 16695,
    71.0 / 1920,
    -17253.0 / 339200,
    22.0 / 525,
    -1.0 / 40,
)


# -- scalar twins of kernel.c ----------------------------------------------------------------


def _vtrap(x: float, y: float) -> float:
    """x / (exp(x/y) − 1) with its removable singularity at x = 0, as hh.mod writes it."""
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / y / 2.0)
    return x / (exp(x / y) - 1.0)


def _rates(v: float, p: list[float]) -> tuple[float, float, float, float, float, float]:
    """α/β of m, h, n (1/ms) at v (mV): kin 0 = NEURON hh.mod, kin 1 = Traub–Miles (shifted by VT)."""
    q = p[P_Q]
    if int(p[P_KIN]) == 0:
        return (
            0.1 * _vtrap(-(v + 40.0), 10.0) * q,
            4.0 * exp(-(v + 65.0) / 18.0) * q,
            0.07 * exp(-(v + 65.0) / 20.0) * q,
            1.0 / (exp(-(v + 35.0) / 10.0) + 1.0) * q,
            0.01 * _vtrap(-(v + 55.0), 10.0) * q,
            0.125 * exp(-(v + 65.0) / 80.0) * q,
        )
    u = v - p[P_VT]
    return (
        0.32 * _vtrap(-(u - 13.0), 4.0) * q,
        0.28 * _vtrap(u - 40.0, 5.0) * q,
        0.128 * exp(-(u - 17.0) / 18.0) * q,
        4.0 / (1.0 + exp(-(u - 40.0) / 5.0)) * q,
        0.032 * _vtrap(-(u - 15.0), 5.0) * q,
        0.5 * exp(-(u - 10.0) / 40.0) * q,
    )


def _reversals(y: Sequence[float], p: Sequence[float]) -> tuple[float, float, float]:
    """E_Na, E_K, E_Cl (mV) of state y, as kernel.c's `reversals`."""
    if p[P_CRATE] > 0.0:
        return (
            p[P_RTF] * log(p[P_NAO] / y[4]) if p[P_NERNST_NA] > 0 else p[P_ENA],
            p[P_RTF] * log(p[P_KO] / y[5]) if p[P_NERNST_K] > 0 else p[P_EK],
            -p[P_RTF] * log(p[P_CLO] / y[6]) if p[P_NERNST_CL] > 0 else p[P_ECL],
        )
    return p[P_ENA], p[P_EK], p[P_ECL]


def _pump(y: Sequence[float], p: Sequence[float]) -> float:
    """Net outward pump current (µA/cm²), as kernel.c's `pump`."""
    if not p[P_IPUMP] > 0.0:
        return 0.0
    nai = y[4] if p[P_CRATE] > 0.0 else p[P_NAI]
    a = 1.0 + p[P_KMNA] / nai
    b = 1.0 + p[P_KMK] / p[P_KO]
    return p[P_IPUMP] / (a * a * a) / (b * b)


def _currents(y: Sequence[float], p: Sequence[float]) -> tuple[float, ...]:
    """ina ik il ikl inal icll ipump (µA/cm², outward +), as kernel.c's `membrane_currents`."""
    v, m, hh, n = y[0], y[1], y[2], y[3]
    ena, ek, ecl = _reversals(y, p)
    return (
        p[P_GNA] * m * m * m * hh * (v - ena),
        p[P_GK] * n * n * n * n * (v - ek),
        p[P_GL] * (v - p[P_EL]),
        p[P_GKL] * (v - ek),
        p[P_GNAL] * (v - ena),
        p[P_GCLL] * (v - ecl),
        _pump(y, p),
    )


def _deriv(y: Sequence[float], p: list[float], istim: float) -> tuple[float, ...]:
    """d(state)/dt at the state y = (V, m, h, n, [Na⁺]ᵢ, [K⁺]ᵢ, [Cl⁻]ᵢ), as kernel.c's `deriv`."""
    m, hh, n = y[1], y[2], y[3]
    am, bm, ah, bh, an, bn = _rates(y[0], p)
    ina, ik, il, ikl, inal, icll, ip = _currents(y, p)
    k = p[P_CRATE]
    return (
        (istim - ina - ik - il - ikl - inal - icll - ip) / p[P_CM],
        am * (1.0 - m) - bm * m,
        ah * (1.0 - hh) - bh * hh,
        an * (1.0 - n) - bn * n,
        -k * (ina + inal + 3.0 * ip),
        -k * (ik + ikl - 2.0 * ip),
        k * icll,
    )


def _stim_coeffs(seg: list[list[float]], t0: float, t1: float) -> tuple[float, float]:
    """Stimulus on (t0, t1) as a + b·t (µA/cm²); seg rows are (t_on, t_off, amp_on, amp_off)."""
    tm = 0.5 * (t0 + t1)
    a = 0.0
    b = 0.0
    for g0, g1, g2, g3 in seg:
        if g0 <= tm < g1:
            if g3 == g2 or not math.isfinite(g1):
                a += g2
            else:
                slope = (g3 - g2) / (g1 - g0)
                a += g2 - slope * g0
                b += slope
    return a, b


def _hermite(y0: float, y1: float, f0: float, f1: float, h: float, th: float) -> float:
    th2 = th * th
    th3 = th2 * th
    return (
        (2 * th3 - 3 * th2 + 1) * y0
        + (th3 - 2 * th2 + th) * h * f0
        + (-2 * th3 + 3 * th2) * y1
        + (th3 - th2) * h * f1
    )


def _hermite_slope(y0: float, y1: float, f0: float, f1: float, h: float, th: float) -> float:
    th2 = th * th
    return (
        (6 * th2 - 6 * th) * y0 / h
        + (3 * th2 - 4 * th + 1) * f0
        + (-6 * th2 + 6 * th) * y1 / h
        + (3 * th2 - 2 * th) * f1
    )


def _root_in_step(
    v0: float, v1: float, f0: float, f1: float, h: float, level: float, lo: float, hi: float
) -> float:
    """θ in [lo, hi] where the Hermite V crosses `level` upward (bisection)."""
    k = 0
    while k < 60 and hi - lo >= 1e-13:
        mid = 0.5 * (lo + hi)
        if _hermite(v0, v1, f0, f1, h, mid) < level:
            lo = mid
        else:
            hi = mid
        k += 1
    return 0.5 * (lo + hi)


def _extremum_in_step(v0: float, v1: float, f0: float, f1: float, h: float) -> float:
    """θ in (0, 1) where the Hermite V has zero slope (bisection on the slope)."""
    lo, hi, s_lo = 0.0, 1.0, f0
    k = 0
    while k < 60 and hi - lo >= 1e-13:
        mid = 0.5 * (lo + hi)
        s = _hermite_slope(v0, v1, f0, f1, h, mid)
        if (s > 0) == (s_lo > 0):
            lo = mid
            s_lo = s
        else:
            hi = mid
        k += 1
    return 0.5 * (lo + hi)


def _record_spike(tc: float, spikes: Any, base: int, maxsp: int, st: list[float], t_limit: float):
    if tc > t_limit:
        return
    k = int(st[ST_NSPK])
    if k < maxsp:
        spikes[base + k] = tc
    st[ST_NSPK] = float(k + 1)
    if st[ST_TMAX] < tc:
        st[ST_AHP_OPEN] = 0.0  # the AHP window closes at the next spike


def _na_carried(m: float, hh: float, p: Sequence[float]) -> bool:
    """The spike rule (kernel.c's na_carried): at the crossing, I_Na(0 mV) is inward and
    larger in magnitude than the leak current at 0 mV (every leak, at the resting E's)."""
    ina = p[P_GNA] * m * m * m * hh * (0.0 - p[P_ENA])
    il = (
        p[P_GL] * (0.0 - p[P_EL])
        + p[P_GKL] * (0.0 - p[P_EK])
        + p[P_GNAL] * (0.0 - p[P_ENA])
        + p[P_GCLL] * (0.0 - p[P_ECL])
    )
    return ina < 0.0 and -ina > abs(il)


def _crossing(
    tp: float,
    h: float,
    yp: Sequence[float],
    y: Sequence[float],
    fp: Sequence[float],
    f: Sequence[float],
    p: Sequence[float],
    lo: float,
    hi: float,
    spikes: Any,
    base: int,
    maxsp: int,
    st: list[float],
    t_limit: float,
) -> None:
    """An upward 0-mV crossing at θ ∈ [lo, hi]: recorded if the spike rule holds there."""
    th = _root_in_step(yp[0], y[0], fp[0], f[0], h, 0.0, lo, hi)
    m = _hermite(yp[1], y[1], fp[1], f[1], h, th)
    hh = _hermite(yp[2], y[2], fp[2], f[2], h, th)
    if _na_carried(m, hh, p):
        _record_spike(tp + th * h, spikes, base, maxsp, st, t_limit)


def _reduce_step(
    tp: float,
    t: float,
    yp: Sequence[float],
    y: Sequence[float],
    fp: Sequence[float],
    f: Sequence[float],
    p: Sequence[float],
    spikes: Any,
    base: int,
    maxsp: int,
    st: list[float],
    t_limit: float,
) -> None:
    """Spike list and peak/AHP reductions for the step [tp, t] (as reduce_step in kernel.c)."""
    v0, v1, f0, f1 = yp[0], y[0], fp[0], f[0]
    h = t - tp
    th, te, ve = -1.0, 0.0, 0.0
    if h > 0 and ((f0 > 0) != (f1 > 0)) and f0 != 0.0:
        th = _extremum_in_step(v0, v1, f0, f1, h)
        te = tp + th * h
        ve = _hermite(v0, v1, f0, f1, h, th)
    if h > 0:
        if th > 0.0:
            if v0 < 0.0 <= ve:
                _crossing(tp, h, yp, y, fp, f, p, 0.0, th, spikes, base, maxsp, st, t_limit)
            if ve < 0.0 <= v1:
                _crossing(tp, h, yp, y, fp, f, p, th, 1.0, spikes, base, maxsp, st, t_limit)
        elif v0 < 0.0 <= v1:
            _crossing(tp, h, yp, y, fp, f, p, 0.0, 1.0, spikes, base, maxsp, st, t_limit)
    if t <= t_limit:
        if v1 > st[ST_VMAX]:
            st[ST_VMAX] = v1
            st[ST_TMAX] = t
            st[ST_VMIN] = v1
            st[ST_TMIN] = t
            st[ST_AHP_OPEN] = 1.0
        elif st[ST_AHP_OPEN] > 0 and v1 < st[ST_VMIN]:
            st[ST_VMIN] = v1
            st[ST_TMIN] = t
    if th > 0.0 and te <= t_limit:
        if f0 > 0 and ve > st[ST_VMAX]:
            st[ST_VMAX] = ve
            st[ST_TMAX] = te
            st[ST_VMIN] = v1 if t <= t_limit else ve
            st[ST_TMIN] = t if t <= t_limit else te
            st[ST_AHP_OPEN] = 1.0
        elif f0 < 0 and st[ST_AHP_OPEN] > 0 and ve < st[ST_VMIN]:
            st[ST_VMIN] = ve
            st[ST_TMIN] = te


class _Buffers:
    """numpy views (no copies) of the caller's flat buffers, shaped per cell."""

    def __init__(self, ncell: int, nseg: int, nbp: int, maxsp: int, nrec: int, bufs: dict):
        def view(name: str, dtype: type, *shape: int) -> np.ndarray:
            arr = bufs[name]
            out = np.frombuffer(arr, dtype=dtype) if not isinstance(arr, np.ndarray) else arr
            return out.reshape(ncell, *shape) if shape else out.reshape(ncell)

        f8, i8 = np.float64, np.int64
        self.y, self.f = view("y", f8, NSTATE), view("f", f8, NSTATE)
        self.yp, self.fp = view("yp", f8, NSTATE), view("fp", f8, NSTATE)
        self.t, self.h, self.tp = view("t", f8), view("h", f8), view("tp", f8)
        self.fvalid, self.ksample, self.bpi = (
            view("fvalid", i8),
            view("ksample", i8),
            view("bpi", i8),
        )
        self.params = view("params", f8, NPARAMS)
        self.seg = view("seg", f8, nseg, 4)
        self.bps = view("bps", f8, nbp)
        self.spikes = view("spikes", f8, maxsp) if maxsp else np.zeros((ncell, 0))
        self.stats = view("stats", f8, NSTATS)
        self.k_end = view("k_end", i8)
        self.t_stop = view("t_stop", f8)
        self.stop_spikes = view("stop_spikes", i8)
        self.rec = view("rec", f8, nrec, NSTATE) if nrec else None


def _advance_cell(
    b: _Buffers,
    i: int,
    dt_out: float,
    nrec: int,
    rec_k0: int,
    rtol: float,
    atol_v: float,
    atol_g: float,
    integrator: int,
    max_steps: int = 0,
) -> int:
    """Advance cell i until its sample index reaches k_end or it is done (plain floats),
    or until it has taken `max_steps` accepted steps in this call (0: no limit).

    Returns 1 when stopped by `max_steps` (the state is stored complete: calling again
    resumes exactly), else 0 — kernel.c's `advance_cell`. States are lists of NSTATE
    floats (V, m, h, n, [Na⁺]ᵢ, [K⁺]ᵢ, [Cl⁻]ᵢ).
    """
    taken = 0
    ns = NSTATE
    y = b.y[i].tolist()
    f = b.f[i].tolist()
    yp = b.yp[i].tolist()
    fp = b.fp[i].tolist()
    t, h, tp = float(b.t[i]), float(b.h[i]), float(b.tp[i])
    fvalid, ksample, bpi = int(b.fvalid[i]), int(b.ksample[i]), int(b.bpi[i])
    p = b.params[i].tolist()
    seg = [g for g in b.seg[i].tolist() if g[0] != math.inf]
    bps = b.bps[i].tolist()
    st = b.stats[i].tolist()
    maxsp = b.spikes.shape[1]
    spikes = b.spikes[i]
    k_end, t_stop, stop_spikes = int(b.k_end[i]), float(b.t_stop[i]), int(b.stop_spikes[i])
    rec = b.rec[i] if b.rec is not None else None
    gna, gk, gl, el, cm = p[P_GNA], p[P_GK], p[P_GL], p[P_EL], p[P_CM]
    gkl, gnal, gcll = p[P_GKL], p[P_GNAL], p[P_GCLL]
    dynamic = p[P_CRATE] > 0.0
    nerr = ns if dynamic else 4  # concentrations enter the error norm only when they change
    deriv = _deriv
    while True:
        # 1) emit every sample that lies inside the last accepted step
        while ksample < k_end:
            s = ksample * dt_out
            if s > t + 1e-12 * (1.0 + abs(s)):
                break
            r = ksample - rec_k0
            if rec is not None and 0 <= r < nrec:
                hs = t - tp
                if hs <= 0.0 or s >= t:
                    rec[r] = y
                else:
                    th = (s - tp) / hs
                    rec[r] = [_hermite(yp[j], y[j], fp[j], f[j], hs, th) for j in range(ns)]
            ksample += 1
        if ksample >= k_end or st[ST_DONE] > 0:
            break
        if t >= t_stop:
            st[ST_DONE] = 1.0
            break
        if max_steps > 0 and taken >= max_steps:
            _store_cell(b, i, y, f, yp, fp, t, h, tp, fvalid, ksample, bpi, st)
            return 1
        # 2) take one accepted step, never across a breakpoint
        while bps[bpi] <= t + 1e-12 * (1.0 + abs(t)):
            bpi += 1
            fvalid = 0
        nbp = bps[bpi]
        if not fvalid:
            a, bb = _stim_coeffs(seg, t, min(nbp, t + 1e-9))
            f = list(deriv(y, p, a + bb * t))
            fvalid = 1
        t0 = t
        if integrator == INT_EXPEULER:
            v, m, hh, n = y[0], y[1], y[2], y[3]
            hstep = min(h, nbp - t0)
            clipped = hstep >= nbp - t0
            a, bb = _stim_coeffs(seg, t0, t0 + hstep)
            try:
                am, bm, ah, bh, an, bn = _rates(v, p)
            except OverflowError:  # V has run away: C carries inf/NaN on, and so do we
                am = bm = ah = bh = an = bn = math.nan
            gates = []
            for alpha, beta, x in ((am, bm, m), (ah, bh, hh), (an, bn, n)):
                tau = 1.0 / (alpha + beta)
                inf = alpha * tau
                gates.append(inf + (x - inf) * _exp_or_inf(-hstep / tau))
            nm, nh, nn = gates
            m3h = nm * nm * nm * nh
            n4 = nn * nn * nn * nn
            # V: backward Euler on the linearised current with the new gates; reversal
            # potentials and the pump at the old concentrations (kernel.c)
            ena, ek, ecl = _reversals(y, p)
            ip = _pump(y, p)
            g = gna * m3h + gk * n4 + gl + gkl + gnal + gcll
            e = gna * m3h * ena + gk * n4 * ek + gl * el + gkl * ek + gnal * ena + gcll * ecl - ip
            istim = a + bb * (t0 + hstep)
            nv = (cm * v / hstep + e + istim) / (cm / hstep + g)
            tn = nbp if clipped else t0 + hstep
            yn = [nv, nm, nh, nn, y[4], y[5], y[6]]
            if dynamic:  # concentrations: forward Euler with the new V and gates
                k7 = deriv(yn, p, a + bb * tn)
                for j in range(4, ns):
                    yn[j] = y[j] + hstep * k7[j]
            k7 = deriv(yn, p, a + bb * tn)
        else:
            k1 = f
            while True:
                hstep = min(min(h, HMAX), nbp - t0)
                if not (hstep > 1e-12 * (1.0 + abs(t0))):
                    st[ST_DONE] = 2.0  # step size collapsed (non-finite state): give up
                    _store_cell(b, i, y, f, yp, fp, t, h, tp, fvalid, ksample, bpi, st)
                    return 0
                clipped = hstep >= nbp - t0
                a, bb = _stim_coeffs(seg, t0, t0 + hstep)
                try:
                    ys = [y[j] + hstep * A21 * k1[j] for j in range(ns)]
                    k2 = deriv(ys, p, a + bb * (t0 + C2 * hstep))
                    ys = [y[j] + hstep * (A31 * k1[j] + A32 * k2[j]) for j in range(ns)]
                    k3 = deriv(ys, p, a + bb * (t0 + C3 * hstep))
                    ys = [
                        y[j] + hstep * (A41 * k1[j] + A42 * k2[j] + A43 * k3[j]) for j in range(ns)
                    ]
                    k4 = deriv(ys, p, a + bb * (t0 + C4 * hstep))
                    ys = [
                        y[j] + hstep * (A51 * k1[j] + A52 * k2[j] + A53 * k3[j] + A54 * k4[j])
                        for j in range(ns)
                    ]
                    k5 = deriv(ys, p, a + bb * (t0 + C5 * hstep))
                    ys = [
                        y[j]
                        + hstep
                        * (A61 * k1[j] + A62 * k2[j] + A63 * k3[j] + A64 * k4[j] + A65 * k5[j])
                        for j in range(ns)
                    ]
                    k6 = deriv(ys, p, a + bb * (t0 + hstep))
                    yn = [
                        y[j]
                        + hstep * (B1 * k1[j] + B3 * k3[j] + B4 * k4[j] + B5 * k5[j] + B6 * k6[j])
                        for j in range(ns)
                    ]
                    k7 = deriv(yn, p, a + bb * (t0 + hstep))
                    err = 0.0
                    for j in range(nerr):
                        e = hstep * (
                            E1 * k1[j]
                            + E3 * k3[j]
                            + E4 * k4[j]
                            + E5 * k5[j]
                            + E6 * k6[j]
                            + E7 * k7[j]
                        )
                        sc = (atol_v if j == 0 else atol_g) + rtol * max(abs(y[j]), abs(yn[j]))
                        err += (e / sc) * (e / sc)
                    err = math.sqrt(err / float(nerr))
                except OverflowError:  # exp() overflowed: inf in C, a rejected trial
                    err = math.inf
                if not math.isfinite(err):
                    err = 1e10
                if err <= 1.0:
                    fac = 5.0 if err == 0.0 else min(5.0, max(0.2, 0.9 * err**-0.2))
                    if not clipped or fac < 1.0:
                        h = hstep * fac
                    break
                h = hstep * max(0.1, 0.9 * err**-0.25)
            tn = nbp if clipped else t0 + hstep
        # 3) accept
        yp, fp = y, f
        y, f = list(yn), list(k7)
        tp = t0
        t = tn
        st[ST_NSTEPS] += 1.0
        taken += 1
        if clipped:
            fvalid = 0  # the stimulus changes here: the slope must be re-evaluated
        _reduce_step(t0, tn, yp, y, fp, f, p, spikes, 0, maxsp, st, t_stop)
        if stop_spikes > 0 and st[ST_NSPK] >= float(stop_spikes):
            st[ST_DONE] = 1.0
    _store_cell(b, i, y, f, yp, fp, t, h, tp, fvalid, ksample, bpi, st)
    return 0


def _store_cell(b: _Buffers, i: int, y, f, yp, fp, t, h, tp, fvalid, ksample, bpi, st) -> None:
    """Write one cell's state back into the caller's buffers."""
    b.y[i] = y
    b.f[i] = f
    b.yp[i] = yp
    b.fp[i] = fp
    b.t[i], b.h[i], b.tp[i] = t, h, tp
    b.fvalid[i], b.ksample[i], b.bpi[i] = fvalid, ksample, bpi
    b.stats[i] = st


# -- vector forms (many cells at once) -------------------------------------------------------


def _exp_v(x: np.ndarray) -> np.ndarray:
    """exp() of each element through libm, exactly as kernel.c and the scalar path compute it.

    numpy's own vectorised exp differs from libm's in the last bit for a few
    per cent of arguments; that would make a cell's numbers depend on the size
    of the batch it runs in (vector or scalar path). Overflow gives inf, as in C.
    """
    flat = x.ravel().tolist()
    try:
        out = np.fromiter(map(exp, flat), dtype=float, count=len(flat))
    except OverflowError:
        out = np.fromiter(map(_exp_or_inf, flat), dtype=float, count=len(flat))
    return out.reshape(x.shape)


def _pow_v(x: np.ndarray, y: float) -> np.ndarray:
    """x**y through libm (see `_exp_v`); only step-size factors use it (one per cell)."""
    return np.fromiter((v**y for v in x.tolist()), dtype=float, count=x.size)


def _log_v(x: np.ndarray) -> np.ndarray:
    """log() of each element through libm (see `_exp_v`)."""
    flat = x.ravel().tolist()
    return np.fromiter(map(log, flat), dtype=float, count=len(flat)).reshape(x.shape)  # libm


class _Cells:
    """Per-cell parameters of the cells in a vector step, as contiguous rows."""

    # per-cell parameter columns (set from _FIELDS), then derived flags
    q: np.ndarray
    gna: np.ndarray
    gk: np.ndarray
    gl: np.ndarray
    ena: np.ndarray
    ek: np.ndarray
    el: np.ndarray
    cm: np.ndarray
    vt: np.ndarray
    gkl: np.ndarray
    gnal: np.ndarray
    gcll: np.ndarray
    ecl: np.ndarray
    ipump: np.ndarray
    kmna: np.ndarray
    kmk: np.ndarray
    nai0: np.ndarray
    nao: np.ndarray
    ko: np.ndarray
    clo: np.ndarray
    rtf: np.ndarray
    crate: np.ndarray
    nernst_na: np.ndarray
    nernst_k: np.ndarray
    nernst_cl: np.ndarray
    kin0: np.ndarray
    dyn: np.ndarray
    nerr: np.ndarray
    all0: bool
    all1: bool
    any_dyn: bool
    any_pump: bool

    _FIELDS: tuple[tuple[str, int], ...] = (
        ("q", P_Q), ("gna", P_GNA), ("gk", P_GK), ("gl", P_GL), ("ena", P_ENA), ("ek", P_EK),
        ("el", P_EL), ("cm", P_CM), ("vt", P_VT), ("gkl", P_GKL), ("gnal", P_GNAL),
        ("gcll", P_GCLL), ("ecl", P_ECL), ("ipump", P_IPUMP), ("kmna", P_KMNA), ("kmk", P_KMK),
        ("nai0", P_NAI), ("nao", P_NAO), ("ko", P_KO), ("clo", P_CLO), ("rtf", P_RTF),
        ("crate", P_CRATE), ("nernst_na", P_NERNST_NA), ("nernst_k", P_NERNST_K),
        ("nernst_cl", P_NERNST_CL),
    )  # fmt: skip

    def __init__(self, p: np.ndarray, kin0: np.ndarray):
        for name, col in self._FIELDS:
            setattr(self, name, p[:, col].copy())
        self.kin0 = kin0
        self.all0, self.all1 = bool(kin0.all()), not kin0.any()
        self._flags()

    def _flags(self) -> None:
        """Which of the per-step extras any cell of this set needs."""
        dyn = self.crate > 0.0
        self.dyn = dyn
        self.any_dyn = bool(dyn.any())
        self.any_pump = bool((self.ipump > 0.0).any())
        self.nerr = np.where(dyn, float(NSTATE), 4.0)

    def take(self, sel: np.ndarray) -> _Cells:
        new = object.__new__(_Cells)
        for name, _ in self._FIELDS:
            setattr(new, name, getattr(self, name)[sel])
        new.kin0 = self.kin0[sel]
        new.all0, new.all1 = self.all0, self.all1
        if not (new.all0 or new.all1):
            new.all0, new.all1 = bool(new.kin0.all()), not new.kin0.any()
        new._flags()
        return new

    def reversals(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """E_Na, E_K, E_Cl per cell at states y [NSTATE, n] (kernel.c's `reversals`)."""
        if not self.any_dyn:
            return self.ena, self.ek, self.ecl
        ena = np.where(
            self.dyn & (self.nernst_na > 0), self.rtf * _log_v(self.nao / y[4]), self.ena
        )
        ek = np.where(self.dyn & (self.nernst_k > 0), self.rtf * _log_v(self.ko / y[5]), self.ek)
        ecl = np.where(
            self.dyn & (self.nernst_cl > 0), -self.rtf * _log_v(self.clo / y[6]), self.ecl
        )
        return ena, ek, ecl

    def pump(self, y: np.ndarray) -> np.ndarray:
        """Net outward pump current per cell (kernel.c's `pump`)."""
        if not self.any_pump:
            return np.zeros(y.shape[1])
        nai = np.where(self.dyn, y[4], self.nai0)
        a = 1.0 + self.kmna / nai
        b = 1.0 + self.kmk / self.ko
        return np.where(self.ipump > 0.0, self.ipump / (a * a * a) / (b * b), 0.0)


def _vtrap_fix(r: np.ndarray, x: np.ndarray, xy: np.ndarray, y: float, gain: float) -> None:
    """Where |x/y| < 1e-6 replace gain·x/(e^(x/y) − 1) by gain·y·(1 − x/y/2) (vtrap's limit)."""
    small = np.abs(xy) < 1e-6
    if small.any():
        r[small] = gain * (y * (1.0 - x[small] / y / 2.0))


def _rates_one(v: np.ndarray, kin: int, vt: np.ndarray) -> np.ndarray:
    """Rates [6, n] (before the temperature factor) for cells that all use scheme `kin`.

    The arithmetic is kernel.c's, in the same order, so results are bitwise
    those of the scalar path (`_rates`); the six exponentials of a call go
    through libm in one pass (`_exp_v`).
    """
    n = v.size
    arg = np.empty((6, n))
    r = np.empty((6, n))
    if kin == 0:
        x0 = -(v + 40.0)
        x4 = -(v + 55.0)
        t65 = -(v + 65.0)
        np.divide(x0, 10.0, out=arg[0])
        np.divide(t65, 18.0, out=arg[1])
        np.divide(t65, 20.0, out=arg[2])
        np.divide(-(v + 35.0), 10.0, out=arg[3])
        np.divide(x4, 10.0, out=arg[4])
        np.divide(t65, 80.0, out=arg[5])
        e = _exp_v(arg)
        e[0] -= 1.0
        e[4] -= 1.0
        r[0] = 0.1 * (x0 / e[0])
        r[1] = 4.0 * e[1]
        r[2] = 0.07 * e[2]
        r[3] = 1.0 / (e[3] + 1.0)
        r[4] = 0.01 * (x4 / e[4])
        r[5] = 0.125 * e[5]
        _vtrap_fix(r[0], x0, arg[0], 10.0, 0.1)
        _vtrap_fix(r[4], x4, arg[4], 10.0, 0.01)
    else:
        u = v - vt
        x0 = -(u - 13.0)
        x1 = u - 40.0
        x4 = -(u - 15.0)
        np.divide(x0, 4.0, out=arg[0])
        np.divide(x1, 5.0, out=arg[1])
        np.divide(-(u - 17.0), 18.0, out=arg[2])
        np.divide(-(u - 40.0), 5.0, out=arg[3])
        np.divide(x4, 5.0, out=arg[4])
        np.divide(-(u - 10.0), 40.0, out=arg[5])
        e = _exp_v(arg)
        r[0] = 0.32 * (x0 / (e[0] - 1.0))
        r[1] = 0.28 * (x1 / (e[1] - 1.0))
        r[2] = 0.128 * e[2]
        r[3] = 4.0 / (1.0 + e[3])
        r[4] = 0.032 * (x4 / (e[4] - 1.0))
        r[5] = 0.5 * e[5]
        _vtrap_fix(r[0], x0, arg[0], 4.0, 0.32)
        _vtrap_fix(r[1], x1, arg[1], 5.0, 0.28)
        _vtrap_fix(r[4], x4, arg[4], 5.0, 0.032)
    return r


def _rates_v(v: np.ndarray, c: _Cells) -> np.ndarray:
    """α/β of m, h, n [6, n] (1/ms) for each cell at its voltage v."""
    if c.all0:
        r = _rates_one(v, 0, c.vt)
    elif c.all1:
        r = _rates_one(v, 1, c.vt)
    else:
        r = np.where(c.kin0, _rates_one(v, 0, c.vt), _rates_one(v, 1, c.vt))
    r *= c.q
    return r


def _deriv_v(y: np.ndarray, c: _Cells, istim: np.ndarray) -> np.ndarray:
    """dy/dt [NSTATE, n] for the states y [NSTATE, n] of n cells (as `_deriv`)."""
    v, m, hh, n = y[0], y[1], y[2], y[3]
    r = _rates_v(v, c)
    ena, ek, ecl = c.reversals(y)
    ina = c.gna * m * m * m * hh * (v - ena)
    ik = c.gk * n * n * n * n * (v - ek)
    il = c.gl * (v - c.el)
    ikl = c.gkl * (v - ek)
    inal = c.gnal * (v - ena)
    icll = c.gcll * (v - ecl)
    ip = c.pump(y)
    out = np.empty_like(y)
    out[0] = (istim - ina - ik - il - ikl - inal - icll - ip) / c.cm
    gates = y[1:4]
    out[1:4] = r[0::2] * (1.0 - gates) - r[1::2] * gates
    k = c.crate
    out[4] = -k * (ina + inal + 3.0 * ip)
    out[5] = -k * (ik + ikl - 2.0 * ip)
    out[6] = k * icll
    return out


def _stim_v(seg: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stimulus a + b·t on (t0, t1) for each cell; seg [n, S, 4]."""
    tm = (0.5 * (t0 + t1))[:, None]
    g0, g1, g2, g3 = seg[:, :, 0], seg[:, :, 1], seg[:, :, 2], seg[:, :, 3]
    on = (g0 <= tm) & (tm < g1)
    if not on.any():
        zero = np.zeros(t0.shape)
        return zero, zero.copy()
    const = (g3 == g2) | ~np.isfinite(g1)
    ramp = on & ~const
    if not ramp.any():
        return np.where(on, g2, 0.0).sum(axis=1), np.zeros(t0.shape)
    slope = np.where(ramp, (g3 - g2) / (g1 - g0), 0.0)
    a = np.where(on & const, g2, 0.0) + np.where(ramp, g2 - slope * g0, 0.0)
    return a.sum(axis=1), slope.sum(axis=1)


def _emit_v(b: _Buffers, idx: np.ndarray, dt_out: float, nrec: int, rec_k0: int) -> None:
    """Advance the sample index of cells idx past every sample inside their last step."""
    t = b.t[idx]
    k0 = b.ksample[idx]
    k = np.maximum(k0, np.floor(t / dt_out).astype(np.int64) - 1)
    for _ in range(4):  # first k whose time lies beyond t (at most a couple of rounds)
        inside = k * dt_out <= t + 1e-12 * (1.0 + np.abs(k * dt_out))
        if not inside.any():
            break
        k = np.where(inside, k + 1, k)
    k = np.minimum(np.maximum(k, k0), b.k_end[idx])
    if b.rec is not None:
        for j in np.nonzero(k > k0)[0]:
            i = idx[j]
            ks = np.arange(k0[j], k[j])
            r = ks - rec_k0
            keep = (r >= 0) & (r < nrec)
            if not keep.any():
                continue
            s = ks[keep] * dt_out
            hs = b.t[i] - b.tp[i]
            if hs <= 0.0:
                b.rec[i, r[keep]] = b.y[i]
                continue
            th = ((s - b.tp[i]) / hs)[:, None]
            th2, th3 = th * th, th * th * th
            vals = (
                (2 * th3 - 3 * th2 + 1) * b.yp[i]
                + (th3 - 2 * th2 + th) * hs * b.fp[i]
                + (-2 * th3 + 3 * th2) * b.y[i]
                + (th3 - th2) * hs * b.f[i]
            )
            vals[s >= b.t[i]] = b.y[i]
            b.rec[i, r[keep]] = vals
    b.ksample[idx] = k


def _advance_vector(
    b: _Buffers,
    dt_out: float,
    nrec: int,
    rec_k0: int,
    rtol: float,
    atol_v: float,
    atol_g: float,
    integrator: int,
    max_steps: int = 0,
) -> int:
    """Advance every cell in lock step: each round, one accepted step per active cell.

    A cell that has taken `max_steps` accepted steps in this call (0: no limit) stops
    there, its state complete, as in kernel.c; returns how many cells stopped so.
    Inside, states are [NSTATE, n] (rows V, m, h, n, [Na⁺]ᵢ, [K⁺]ᵢ, [Cl⁻]ᵢ) so each
    row is contiguous.
    """
    ncell = b.y.shape[0]
    maxsp = b.spikes.shape[1]
    spikes_flat = b.spikes.reshape(-1)
    everyone = _Cells(b.params, b.params[:, P_KIN].astype(int) == 0)
    atol = np.array([atol_v] + [atol_g] * (NSTATE - 1))[:, None]
    active = np.arange(ncell)
    taken = np.zeros(ncell, dtype=np.int64)
    stopped_by_budget = 0
    cells, cells_for = everyone, active
    while True:
        # 1) emit samples; drop cells that reached their last sample, are done or past t_stop
        _emit_v(b, active, dt_out, nrec, rec_k0)
        active = active[(b.ksample[active] < b.k_end[active]) & (b.stats[active, ST_DONE] <= 0)]
        past = b.t[active] >= b.t_stop[active]
        if past.any():
            b.stats[active[past], ST_DONE] = 1.0
            active = active[~past]
        if max_steps > 0:
            spent = taken[active] >= max_steps
            if spent.any():
                stopped_by_budget += int(spent.sum())
                active = active[~spent]
        if active.size == 0:
            return stopped_by_budget
        idx = active
        if cells_for.size != idx.size:  # parameters of the cells still running
            cells, cells_for = everyone.take(idx), idx
        # 2) breakpoints reached: move on, and the slope must be re-evaluated
        t0 = b.t[idx]
        while True:
            nbp = b.bps[idx, b.bpi[idx]]
            reached = nbp <= t0 + 1e-12 * (1.0 + np.abs(t0))
            if not reached.any():
                break
            b.bpi[idx[reached]] += 1
            b.fvalid[idx[reached]] = 0
        seg = b.seg[idx]
        y = b.y[idx].T.copy()
        f = b.f[idx].T.copy()
        stale = b.fvalid[idx] == 0
        if stale.any():
            a, bb = _stim_v(seg[stale], t0[stale], np.minimum(nbp[stale], t0[stale] + 1e-9))
            f[:, stale] = _deriv_v(y[:, stale], cells.take(stale), a + bb * t0[stale])
            b.f[idx[stale]] = f[:, stale].T  # a rejected trial retries from this slope
            b.fvalid[idx] = 1
        h = b.h[idx]
        if integrator == INT_EXPEULER:
            hstep = np.minimum(h, nbp - t0)
            clipped = hstep >= nbp - t0
            a, bb = _stim_v(seg, t0, t0 + hstep)
            r = _rates_v(y[0], cells)
            yn = np.empty_like(y)
            tau = 1.0 / (r[0::2] + r[1::2])  # gates: exact exponential update at frozen V
            inf = r[0::2] * tau
            yn[1:4] = inf + (y[1:4] - inf) * _exp_v(-hstep / tau)
            m3h = yn[1] * yn[1] * yn[1] * yn[2]
            n4 = yn[3] * yn[3] * yn[3] * yn[3]
            c = cells
            ena, ek, ecl = c.reversals(y)
            ip = c.pump(y)
            gsum = c.gna * m3h + c.gk * n4 + c.gl + c.gkl + c.gnal + c.gcll
            e = (
                c.gna * m3h * ena + c.gk * n4 * ek + c.gl * c.el
                + c.gkl * ek + c.gnal * ena + c.gcll * ecl - ip
            )  # fmt: skip
            istim = a + bb * (t0 + hstep)
            yn[0] = (c.cm * y[0] / hstep + e + istim) / (c.cm / hstep + gsum)
            tn = np.where(clipped, nbp, t0 + hstep)
            yn[4:] = y[4:]
            if c.any_dyn:  # concentrations: forward Euler with the new V and gates
                k7 = _deriv_v(yn, cells, a + bb * tn)
                yn[4:] = np.where(c.dyn, y[4:] + hstep * k7[4:], y[4:])
            k7 = _deriv_v(yn, cells, a + bb * tn)
        else:
            yn, k7, hstep, clipped, h, ok, collapsed = _dp5_v(
                y, f, t0, h, nbp, cells, seg, rtol, atol
            )
            tn = np.where(clipped, nbp, t0 + hstep)
            b.h[idx] = h
            if collapsed.any():  # step size collapsed (non-finite state): give up on those
                b.stats[idx[collapsed], ST_DONE] = 2.0
            if not ok.all():  # rejected trials: those cells try again next round
                idx, t0, tn, clipped = idx[ok], t0[ok], tn[ok], clipped[ok]
                y, f, yn, k7 = y[:, ok], f[:, ok], yn[:, ok], k7[:, ok]
                if idx.size == 0:
                    continue
        # 3) accept
        b.yp[idx] = y.T
        b.fp[idx] = f.T
        b.y[idx] = yn.T
        b.f[idx] = k7.T
        b.tp[idx] = t0
        b.t[idx] = tn
        b.stats[idx, ST_NSTEPS] += 1.0
        taken[idx] += 1
        if clipped.any():
            b.fvalid[idx[clipped]] = 0
        _reduce_v(b, idx, t0, tn, y, yn, f, k7, spikes_flat, maxsp)


def _dp5_v(y, f, t0, h, nbp, cells: _Cells, seg, rtol, atol):
    """One Dormand–Prince trial step per cell, with kernel.c's error control.

    Returns (y_new, f_new, hstep, clipped, h_next, accepted, collapsed). A
    rejected cell keeps its state and retries next round with the smaller
    `h_next` — the same sequence of trials kernel.c's inner loop makes.
    """
    hstep = np.minimum(np.minimum(h, HMAX), nbp - t0)
    collapsed = ~(hstep > 1e-12 * (1.0 + np.abs(t0)))
    clipped = hstep >= nbp - t0
    a, bb = _stim_v(seg, t0, t0 + hstep)
    k1 = f
    k2 = _deriv_v(y + (hstep * A21) * k1, cells, a + bb * (t0 + C2 * hstep))
    k3 = _deriv_v(y + hstep * (A31 * k1 + A32 * k2), cells, a + bb * (t0 + C3 * hstep))
    k4 = _deriv_v(y + hstep * (A41 * k1 + A42 * k2 + A43 * k3), cells, a + bb * (t0 + C4 * hstep))
    k5 = _deriv_v(
        y + hstep * (A51 * k1 + A52 * k2 + A53 * k3 + A54 * k4),
        cells, a + bb * (t0 + C5 * hstep),
    )  # fmt: skip
    k6 = _deriv_v(
        y + hstep * (A61 * k1 + A62 * k2 + A63 * k3 + A64 * k4 + A65 * k5),
        cells, a + bb * (t0 + hstep),
    )  # fmt: skip
    ynew = y + hstep * (B1 * k1 + B3 * k3 + B4 * k4 + B5 * k5 + B6 * k6)
    knew = _deriv_v(ynew, cells, a + bb * (t0 + hstep))
    e = hstep * (E1 * k1 + E3 * k3 + E4 * k4 + E5 * k5 + E6 * k6 + E7 * knew)
    e /= atol + rtol * np.maximum(np.abs(y), np.abs(ynew))
    # rows of cells without concentration dynamics are exactly 0 beyond the gates, and
    # their norm divides by 4, as kernel.c's (which sums only the first 4)
    err = np.sqrt((e * e).sum(axis=0) / cells.nerr)
    err[~np.isfinite(err)] = 1e10
    acc = (err <= 1.0) & ~collapsed
    safe = np.where(err == 0.0, 1.0, err)
    fac = np.where(err == 0.0, 5.0, np.minimum(5.0, np.maximum(0.2, 0.9 * _pow_v(safe, -0.2))))
    h_next = np.where(
        acc,
        np.where(~clipped | (fac < 1.0), hstep * fac, h),
        hstep * np.maximum(0.1, 0.9 * _pow_v(safe, -0.25)),
    )
    h_next[collapsed] = h[collapsed]
    return ynew, knew, hstep, clipped, h_next, acc, collapsed


def _reduce_v(b, idx, tp, t, y0, y1, f0_all, f1_all, spikes_flat, maxsp) -> None:
    """Reductions for one accepted step of each cell in idx (events via the scalar twin).

    y0, y1, f0_all, f1_all: states and slopes [NSTATE, n] at the start and end of the step.
    """
    st = b.stats
    v0, v1, f0, f1 = y0[0], y1[0], f0_all[0], f1_all[0]
    hstep = t - tp
    ext = (hstep > 0) & ((f0 > 0) != (f1 > 0)) & (f0 != 0.0)
    cross = (hstep > 0) & (v0 < 0.0) & (v1 >= 0.0)
    special = ext | cross
    t_limit = b.t_stop[idx]
    for j in np.nonzero(special)[0]:
        i = int(idx[j])
        row = st[i].tolist()
        _reduce_step(
            float(tp[j]), float(t[j]), y0[:, j].tolist(), y1[:, j].tolist(),
            f0_all[:, j].tolist(), f1_all[:, j].tolist(), b.params[i].tolist(),
            spikes_flat, i * maxsp, maxsp, row, float(t_limit[j]),
        )  # fmt: skip
        st[i] = row
    plain = ~special & (t <= t_limit)
    if plain.any():
        cells, vv, tt = idx[plain], v1[plain], t[plain]
        higher = vv > st[cells, ST_VMAX]
        if higher.any():
            c = cells[higher]
            st[c, ST_VMAX] = vv[higher]
            st[c, ST_TMAX] = tt[higher]
            st[c, ST_VMIN] = vv[higher]
            st[c, ST_TMIN] = tt[higher]
            st[c, ST_AHP_OPEN] = 1.0
        lower = ~higher & (st[cells, ST_AHP_OPEN] > 0) & (vv < st[cells, ST_VMIN])
        if lower.any():
            c = cells[lower]
            st[c, ST_VMIN] = vv[lower]
            st[c, ST_TMIN] = tt[lower]
    stop = b.stop_spikes[idx]
    hit = (stop > 0) & (st[idx, ST_NSPK] >= stop)
    if hit.any():
        st[idx[hit], ST_DONE] = 1.0


# -- the kernel's entry points ---------------------------------------------------------------


def advance_batch(
    ncell, y, f, t, h, yp, fp, tp, fvalid, ksample, bpi,
    params, seg, nseg, bps, nbp, spikes, maxsp, stats,
    k_end, dt_out, t_stop, stop_spikes, rec, nrec, rec_k0,
    rtol, atol_v, atol_g, integrator, max_steps=0,
) -> int:  # fmt: skip
    """As kernel.c's `advance_batch` (same buffers, updated in place): returns how many
    cells stopped at `max_steps` accepted steps in this call (0: no limit) and need
    another call to finish."""
    if ncell == 0:
        return 0
    bufs = {
        "y": y, "f": f, "t": t, "h": h, "yp": yp, "fp": fp, "tp": tp, "fvalid": fvalid,
        "ksample": ksample, "bpi": bpi, "params": params, "seg": seg, "bps": bps,
        "spikes": spikes, "stats": stats, "k_end": k_end, "t_stop": t_stop,
        "stop_spikes": stop_spikes, "rec": rec,
    }  # fmt: skip
    b = _Buffers(ncell, nseg, nbp, maxsp, nrec, bufs)
    if ncell >= VECTOR_MIN_CELLS:
        with np.errstate(all="ignore"):  # vtrap's 0/0 and overflow are handled where they arise
            return _advance_vector(
                b, dt_out, nrec, rec_k0, rtol, atol_v, atol_g, integrator, max_steps
            )
    return sum(
        _advance_cell(b, i, dt_out, nrec, rec_k0, rtol, atol_v, atol_g, integrator, max_steps)
        for i in range(ncell)
    )


def steady_gates(v: float, params: Any) -> tuple[float, float, float]:
    """m∞, h∞, n∞ at voltage v (mV)."""
    am, bm, ah, bh, an, bn = _rates(float(v), [float(x) for x in params])
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def gate_rates(v: np.ndarray, params: Any) -> np.ndarray:
    """α and β of m, h, n over the voltage samples v (1/ms), shape [6, N]."""
    v = np.ascontiguousarray(v, dtype=float)
    p = np.broadcast_to(np.asarray([float(x) for x in params]), (len(v), NPARAMS))
    with np.errstate(all="ignore"):
        return _rates_v(v, _Cells(p, p[:, P_KIN].astype(int) == 0))


def steady_current(v: float, p: list[float]) -> float:
    """Net ionic current (µA/cm², outward positive) with every gate at steady state and
    the internal concentrations at their resting values (pump included), as kernel.c."""
    am, bm, ah, bh, an, bn = _rates(v, p)
    y = (v, am / (am + bm), ah / (ah + bh), an / (an + bn), p[P_NAI], p[P_KI], p[P_CLI])
    ina, ik, il, ikl, inal, icll, ip = _currents(y, p)
    return ina + ik + il + ikl + inal + icll + ip


def resting_potential(params: Any, v_lo: float, v_hi: float, grid_step: float) -> float:
    """Lowest stable zero of the steady-state I–V curve in [v_lo, v_hi] (mV), NaN if none."""
    p = [float(x) for x in params]
    n = int((v_hi - v_lo) / grid_step) + 1
    prev_v, prev_i = v_lo, steady_current(v_lo, p)
    for k in range(1, n):
        v = v_lo + k * grid_step
        cur = steady_current(v, p)
        if prev_i == 0.0:
            return prev_v
        if prev_i < 0.0 <= cur:
            lo, hi = prev_v, v
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                if mid in (lo, hi):
                    break
                if steady_current(mid, p) < 0.0:
                    lo = mid
                else:
                    hi = mid
            return 0.5 * (lo + hi)
        prev_v, prev_i = v, cur
    return math.nan
