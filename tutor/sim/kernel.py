"""Compiled integration kernels (numba).

One code path serves every caller: a batch is `C` independent cells, each with
its own parameters, stimulus and stopping rule, advanced by `advance_batch`.
The live TUI is a batch of one advanced a few ms at a time; sweeps are batches
of hundreds of cells that keep only reductions (spike times, peak, AHP).

State layout per cell (float64 arrays, shapes in brackets):

- ``y[C, 4]``: V (mV), m, h, n at the integrator time ``t[C]`` (ms)
- ``f[C, 4]``: dy/dt at ``t`` (mV/ms, 1/ms), first-same-as-last reuse
- ``yp, fp, tp``: the same at the start of the last accepted step, so that
  output samples inside that step can be interpolated (cubic Hermite)
- ``h[C]``: next trial step (ms); ``ksample[C]``: index of the next sample
- ``stats[C, NSTATS]``: reductions (see the ``ST_*`` indices)

The default integrator is Dormand–Prince 5(4) with per-cell step control.
Steps never cross a stimulus breakpoint and are independent of where a caller
chops a run into chunks, so chunked and unchunked runs agree to the bit.
Output samples, 0-mV crossings and extrema are located inside a step with the
cubic Hermite interpolant built from the values and slopes at both ends.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Parameter vector indices (per cell).
P_KIN, P_GNA, P_GK, P_GL, P_ENA, P_EK, P_EL, P_CM, P_Q, P_VT = range(10)
NPARAMS = 10

# Reduction indices.
ST_VMAX, ST_TMAX, ST_VMIN, ST_TMIN, ST_AHP_OPEN, ST_NSPK, ST_DONE, ST_NSTEPS = range(8)
NSTATS = 8

# Integrator codes.
INT_DP5 = 0
INT_EXPEULER = 1

# Dormand–Prince 5(4) tableau.
C2, C3, C4, C5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9
A21 = 1 / 5
A31, A32 = 3 / 40, 9 / 40
A41, A42, A43 = 44 / 45, -56 / 15, 32 / 9
A51, A52, A53, A54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
A61, A62, A63, A64, A65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
B1, B3, B4, B5, B6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
E1, E3, E4, E5, E6, E7 = (
    71 / 57600,
    -71 / 16695,
    71 / 1920,
    -17253 / 339200,
    22 / 525,
    -1 / 40,
)

#: Maximum step (ms): keeps quiet stretches from stepping over slow drifts.
HMAX = 2.0


@njit(cache=True, inline="always")
def _vtrap(x: float, y: float) -> float:
    """x / (exp(x/y) - 1) with its removable singularity at x = 0, as hh.mod writes it."""
    if abs(x / y) < 1e-6:
        return y * (1.0 - x / y / 2.0)
    return x / (math.exp(x / y) - 1.0)


@njit(cache=True)
def rates(v: float, kin: int, q: float, vt: float) -> tuple:
    """Opening and closing rates (1/ms) of m, h, n at voltage v (mV).

    kin 0: NEURON hh.mod (squid, modern convention).
    kin 1: Traub–Miles as in Pospischil et al. (2008), shifted by VT.
    Every rate is multiplied by the temperature factor q.
    """
    if kin == 0:
        am = 0.1 * _vtrap(-(v + 40.0), 10.0)
        bm = 4.0 * math.exp(-(v + 65.0) / 18.0)
        ah = 0.07 * math.exp(-(v + 65.0) / 20.0)
        bh = 1.0 / (math.exp(-(v + 35.0) / 10.0) + 1.0)
        an = 0.01 * _vtrap(-(v + 55.0), 10.0)
        bn = 0.125 * math.exp(-(v + 65.0) / 80.0)
    else:
        u = v - vt
        am = 0.32 * _vtrap(-(u - 13.0), 4.0)
        bm = 0.28 * _vtrap(u - 40.0, 5.0)
        ah = 0.128 * math.exp(-(u - 17.0) / 18.0)
        bh = 4.0 / (1.0 + math.exp(-(u - 40.0) / 5.0))
        an = 0.032 * _vtrap(-(u - 15.0), 5.0)
        bn = 0.5 * math.exp(-(u - 10.0) / 40.0)
    return am * q, bm * q, ah * q, bh * q, an * q, bn * q


@njit(cache=True, inline="always")
def _deriv(v, m, hh, n, p, istim, out):
    am, bm, ah, bh, an, bn = rates(v, int(p[P_KIN]), p[P_Q], p[P_VT])
    ina = p[P_GNA] * m * m * m * hh * (v - p[P_ENA])
    ik = p[P_GK] * n * n * n * n * (v - p[P_EK])
    il = p[P_GL] * (v - p[P_EL])
    out[0] = (istim - ina - ik - il) / p[P_CM]
    out[1] = am * (1.0 - m) - bm * m
    out[2] = ah * (1.0 - hh) - bh * hh
    out[3] = an * (1.0 - n) - bn * n


@njit(cache=True, inline="always")
def _stim_coeffs(seg, t0, t1):
    """Stimulus on the open interval (t0, t1) as A + B·t (µA/cm², inward positive)."""
    tm = 0.5 * (t0 + t1)
    a = 0.0
    b = 0.0
    for s in range(seg.shape[0]):
        s0 = seg[s, 0]
        s1 = seg[s, 1]
        if s0 <= tm < s1:
            a0 = seg[s, 2]
            a1 = seg[s, 3]
            if a1 == a0 or not math.isfinite(s1):
                a += a0
            else:
                slope = (a1 - a0) / (s1 - s0)
                a += a0 - slope * s0
                b += slope
    return a, b


@njit(cache=True, inline="always")
def _hermite(y0, y1, f0, f1, h, th):
    th2 = th * th
    th3 = th2 * th
    return (
        (2 * th3 - 3 * th2 + 1) * y0
        + (th3 - 2 * th2 + th) * h * f0
        + (-2 * th3 + 3 * th2) * y1
        + (th3 - th2) * h * f1
    )


@njit(cache=True, inline="always")
def _hermite_slope(y0, y1, f0, f1, h, th):
    th2 = th * th
    return (
        (6 * th2 - 6 * th) * y0 / h
        + (3 * th2 - 4 * th + 1) * f0
        + (-6 * th2 + 6 * th) * y1 / h
        + (3 * th2 - 2 * th) * f1
    )


@njit(cache=True)
def _root_in_step(v0, v1, f0, f1, h, level):
    """θ in [0, 1] where the Hermite V crosses `level` upward (bisection + secant)."""
    lo = 0.0
    hi = 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _hermite(v0, v1, f0, f1, h, mid) < level:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return 0.5 * (lo + hi)


@njit(cache=True)
def _extremum_in_step(v0, v1, f0, f1, h):
    """θ in (0, 1) where the Hermite V has zero slope, found by bisection on the slope."""
    lo = 0.0
    hi = 1.0
    s_lo = f0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        s = _hermite_slope(v0, v1, f0, f1, h, mid)
        if (s > 0) == (s_lo > 0):
            lo = mid
            s_lo = s
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return 0.5 * (lo + hi)


@njit(cache=True)
def _reduce_step(i, tp, t, v0, v1, f0, f1, spikes, stats, t_limit):
    """Update spike list and peak/AHP reductions with the step [tp, t] of cell i."""
    h = t - tp
    # Upward 0-mV crossing (at most one per step at these step sizes).
    if v0 < 0.0 <= v1 and h > 0:
        th = _root_in_step(v0, v1, f0, f1, h, 0.0)
        tc = tp + th * h
        if tc <= t_limit:
            k = int(stats[i, ST_NSPK])
            if k < spikes.shape[1]:
                spikes[i, k] = tc
            stats[i, ST_NSPK] = k + 1
            if stats[i, ST_TMAX] < tc:
                stats[i, ST_AHP_OPEN] = 0.0  # the AHP window closes at the next spike
    # Candidates for extrema in this step: the end point and an interior turning point.
    tv = t
    vv = v1
    if t > t_limit:
        tv = -1.0
    if tv >= 0 and vv > stats[i, ST_VMAX]:
        stats[i, ST_VMAX] = vv
        stats[i, ST_TMAX] = tv
        stats[i, ST_VMIN] = vv
        stats[i, ST_TMIN] = tv
        stats[i, ST_AHP_OPEN] = 1.0
    elif tv >= 0 and stats[i, ST_AHP_OPEN] > 0 and vv < stats[i, ST_VMIN]:
        stats[i, ST_VMIN] = vv
        stats[i, ST_TMIN] = tv
    if h > 0 and ((f0 > 0) != (f1 > 0)) and f0 != 0.0:
        th = _extremum_in_step(v0, v1, f0, f1, h)
        te = tp + th * h
        ve = _hermite(v0, v1, f0, f1, h, th)
        if te <= t_limit:
            if f0 > 0 and ve > stats[i, ST_VMAX]:
                stats[i, ST_VMAX] = ve
                stats[i, ST_TMAX] = te
                # the end point, lower than the peak, opens the AHP window
                stats[i, ST_VMIN] = v1 if t <= t_limit else ve
                stats[i, ST_TMIN] = t if t <= t_limit else te
                stats[i, ST_AHP_OPEN] = 1.0
            elif f0 < 0 and stats[i, ST_AHP_OPEN] > 0 and ve < stats[i, ST_VMIN]:
                stats[i, ST_VMIN] = ve
                stats[i, ST_TMIN] = te


@njit(cache=True)
def advance_batch(
    y, f, t, h, yp, fp, tp, fvalid, ksample, bpi,
    params, seg, bps, spikes, stats,
    k_end, dt_out, t_stop, stop_spikes,
    rec, rec_k0,
    rtol, atol_v, atol_g, integrator,
):  # fmt: skip
    """Advance every cell until its sample index reaches `k_end[i]` or it is done.

    Shapes: y, f, yp, fp [C, 4]; t, h, tp [C]; fvalid, ksample, bpi, k_end,
    stop_spikes [C] (int); params [C, NPARAMS]; seg [C, S, 4] stimulus pieces
    (t_on, t_off, amp_on, amp_off); bps [C, B] sorted breakpoints padded with
    +inf; spikes [C, K]; stats [C, NSTATS]; rec [C, R, 4] output samples
    (R may be 0), sample k of cell i is stored at rec[i, k - rec_k0].
    A cell is done when its time passes `t_stop[i]` or when it has fired
    `stop_spikes[i]` spikes (0 = never). Returns nothing; all state is in place.
    """
    ncell = y.shape[0]
    nrec = rec.shape[1]
    k1 = np.empty(4)
    k2 = np.empty(4)
    k3 = np.empty(4)
    k4 = np.empty(4)
    k5 = np.empty(4)
    k6 = np.empty(4)
    k7 = np.empty(4)
    ys = np.empty(4)
    yn = np.empty(4)
    for i in range(ncell):
        p = params[i]
        sg = seg[i]
        while True:
            # 1) emit every sample that lies inside the last accepted step
            while ksample[i] < k_end[i]:
                s = ksample[i] * dt_out
                if s > t[i] + 1e-12 * (1.0 + abs(s)):
                    break
                r = ksample[i] - rec_k0
                if 0 <= r < nrec:
                    hs = t[i] - tp[i]
                    if hs <= 0.0 or s >= t[i]:
                        for j in range(4):
                            rec[i, r, j] = y[i, j]
                    else:
                        th = (s - tp[i]) / hs
                        for j in range(4):
                            rec[i, r, j] = _hermite(yp[i, j], y[i, j], fp[i, j], f[i, j], hs, th)
                ksample[i] += 1
            if ksample[i] >= k_end[i] or stats[i, ST_DONE] > 0:
                break
            if t[i] >= t_stop[i]:
                stats[i, ST_DONE] = 1.0
                break
            # 2) take one accepted step, never across a breakpoint
            while bps[i, bpi[i]] <= t[i]:
                bpi[i] += 1
                fvalid[i] = 0
            nbp = bps[i, bpi[i]]
            if fvalid[i] == 0:
                a, b = _stim_coeffs(sg, t[i], min(nbp, t[i] + 1e-9))
                _deriv(y[i, 0], y[i, 1], y[i, 2], y[i, 3], p, a + b * t[i], f[i])
                fvalid[i] = 1
            t0 = t[i]
            if integrator == INT_EXPEULER:
                hstep = min(h[i], nbp - t0)
                clipped = hstep >= nbp - t0
                a, b = _stim_coeffs(sg, t0, t0 + hstep)
                v = y[i, 0]
                am, bm, ah, bh, an, bn = rates(v, int(p[P_KIN]), p[P_Q], p[P_VT])
                # gates: exact exponential update at frozen V (as NEURON's cnexp)
                tau = 1.0 / (am + bm)
                yn[1] = am * tau + (y[i, 1] - am * tau) * math.exp(-hstep / tau)
                tau = 1.0 / (ah + bh)
                yn[2] = ah * tau + (y[i, 2] - ah * tau) * math.exp(-hstep / tau)
                tau = 1.0 / (an + bn)
                yn[3] = an * tau + (y[i, 3] - an * tau) * math.exp(-hstep / tau)
                # V: backward Euler on the linearised current with the new gates
                m3h = yn[1] ** 3 * yn[2]
                n4 = yn[3] ** 4
                g = p[P_GNA] * m3h + p[P_GK] * n4 + p[P_GL]
                e = p[P_GNA] * m3h * p[P_ENA] + p[P_GK] * n4 * p[P_EK] + p[P_GL] * p[P_EL]
                istim = a + b * (t0 + hstep)
                yn[0] = (p[P_CM] * v / hstep + e + istim) / (p[P_CM] / hstep + g)
                tn = nbp if clipped else t0 + hstep
                _deriv(yn[0], yn[1], yn[2], yn[3], p, a + b * tn, k7)
            else:
                while True:
                    hstep = min(h[i], HMAX, nbp - t0)
                    clipped = hstep >= nbp - t0
                    a, b = _stim_coeffs(sg, t0, t0 + hstep)
                    for j in range(4):
                        k1[j] = f[i, j]
                    for j in range(4):
                        ys[j] = y[i, j] + hstep * A21 * k1[j]
                    _deriv(ys[0], ys[1], ys[2], ys[3], p, a + b * (t0 + C2 * hstep), k2)
                    for j in range(4):
                        ys[j] = y[i, j] + hstep * (A31 * k1[j] + A32 * k2[j])
                    _deriv(ys[0], ys[1], ys[2], ys[3], p, a + b * (t0 + C3 * hstep), k3)
                    for j in range(4):
                        ys[j] = y[i, j] + hstep * (A41 * k1[j] + A42 * k2[j] + A43 * k3[j])
                    _deriv(ys[0], ys[1], ys[2], ys[3], p, a + b * (t0 + C4 * hstep), k4)
                    for j in range(4):
                        ys[j] = y[i, j] + hstep * (
                            A51 * k1[j] + A52 * k2[j] + A53 * k3[j] + A54 * k4[j]
                        )
                    _deriv(ys[0], ys[1], ys[2], ys[3], p, a + b * (t0 + C5 * hstep), k5)
                    for j in range(4):
                        ys[j] = y[i, j] + hstep * (
                            A61 * k1[j] + A62 * k2[j] + A63 * k3[j] + A64 * k4[j] + A65 * k5[j]
                        )
                    _deriv(ys[0], ys[1], ys[2], ys[3], p, a + b * (t0 + hstep), k6)
                    for j in range(4):
                        yn[j] = y[i, j] + hstep * (
                            B1 * k1[j] + B3 * k3[j] + B4 * k4[j] + B5 * k5[j] + B6 * k6[j]
                        )
                    _deriv(yn[0], yn[1], yn[2], yn[3], p, a + b * (t0 + hstep), k7)
                    err = 0.0
                    for j in range(4):
                        e = hstep * (
                            E1 * k1[j] + E3 * k3[j] + E4 * k4[j] + E5 * k5[j]
                            + E6 * k6[j] + E7 * k7[j]
                        )  # fmt: skip
                        atol = atol_v if j == 0 else atol_g
                        sc = atol + rtol * max(abs(y[i, j]), abs(yn[j]))
                        err += (e / sc) ** 2
                    err = math.sqrt(err / 4.0)
                    if err <= 1.0:
                        fac = 5.0 if err == 0.0 else min(5.0, max(0.2, 0.9 * err**-0.2))
                        if not clipped or fac < 1.0:
                            h[i] = hstep * fac
                        break
                    h[i] = hstep * max(0.1, 0.9 * err**-0.25)
                tn = nbp if clipped else t0 + hstep
            # 3) accept
            for j in range(4):
                yp[i, j] = y[i, j]
                fp[i, j] = f[i, j]
                y[i, j] = yn[j]
                f[i, j] = k7[j]
            tp[i] = t0
            t[i] = tn
            stats[i, ST_NSTEPS] += 1
            if clipped:
                fvalid[i] = 0  # the stimulus changes here: slope must be re-evaluated
            _reduce_step(i, t0, tn, yp[i, 0], y[i, 0], fp[i, 0], f[i, 0], spikes, stats, t_stop[i])
            if stop_spikes[i] > 0 and stats[i, ST_NSPK] >= stop_spikes[i]:
                stats[i, ST_DONE] = 1.0


@njit(cache=True)
def currents(v, m, hh, n, params):
    """Ionic currents (µA/cm², outward positive) for arrays of samples of one cell."""
    ina = params[P_GNA] * m**3 * hh * (v - params[P_ENA])
    ik = params[P_GK] * n**4 * (v - params[P_EK])
    il = params[P_GL] * (v - params[P_EL])
    return ina, ik, il


@njit(cache=True)
def steady_gates(v, params):
    """m∞, h∞, n∞ at voltage v (mV)."""
    am, bm, ah, bh, an, bn = rates(v, int(params[P_KIN]), params[P_Q], params[P_VT])
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


@njit(cache=True)
def gate_rates_array(v, params):
    """Arrays of (α, β) for m, h, n over the voltage samples v (1/ms); shape [6, N]."""
    out = np.empty((6, v.shape[0]))
    for k in range(v.shape[0]):
        r = rates(v[k], int(params[P_KIN]), params[P_Q], params[P_VT])
        for j in range(6):
            out[j, k] = r[j]
    return out
