"""Recover the gates from clamp currents, as Hodgkin and Huxley did in 1952.

For each test step the separated currents (I_K as measured under TTX, I_Na
under TEA; the clamp reports both) become conductances, g = I / (V − E), and
are fitted by nonlinear least squares (scipy.optimize.least_squares):

- gK(t) = ḡK·n(t)⁴, n(t) = n∞ − (n∞ − n₀)·e^(−t/τn): free n∞, τn. n₀ comes
  from the data: the K⁺ conductance at the step onset, n₀ = (gK(0)/ḡK)^¼
  (HH took it from the resting conductance in the same way).
- gNa(t) = ḡNa·m(t)³·h(t) with m and h relaxing like n: free m∞, τm, h∞, τh.
  h₀, the inactivation at the step onset, is what the two-pulse experiment
  measures (HH 1952, paper 4); it is taken from that experiment's answer, the
  membrane's h at the step onset. m₀ then follows from the Na⁺ conductance at
  the onset, m₀ = (gNa(0)/(ḡNa·h₀))^⅓.

ḡNa and ḡK are the membrane's maximal conductances (HH estimated them from
the largest conductances they saw). A fit is `None` where it cannot be made:
the conductance is blocked (ḡ = 0), the step sits within 0.5 mV of the
reversal potential, where I / (V − E) is undefined, or the conductance does not
change during the step (a step to the holding potential: no time course).

Imports numpy and scipy: only `tutor clamp --fit` and the TUI pay for them.
"""

from __future__ import annotations

import math
from typing import Any

from tutor.lab.clamp import ClampFamily, ClampRun, kinetics

#: Sampling interval (ms) of the conductance time courses handed to the fit.
FIT_DT_MS = 0.02
#: Steps closer than this to a reversal potential (mV) have no conductance to fit.
NEAR_REVERSAL_MV = 0.5
#: A conductance whose relative change over the step is below this has nothing to fit.
FLAT_REL = 1e-6
#: A fit whose cost (½·sum of squared residuals) is below this needs no other start.
GOOD_COST = 1e-12
#: Bounds of the fitted time constants (ms).
TAU_BOUNDS_MS = (1e-4, 1e4)


def _relax(x_inf: Any, x0: float, tau: Any, t: Any) -> Any:
    import numpy as np

    return x_inf - (x_inf - x0) * np.exp(-t / tau)


def _flat(g: Any) -> bool:
    """True when a conductance does not change over the step (a step to the holding
    potential): its time constant, and for gNa m∞ apart from h∞, are then undefined."""
    import numpy as np

    span = float(np.max(g) - np.min(g))
    return span <= FLAT_REL * float(np.max(np.abs(g)))


def fit_k(t_ms: Any, g_k: Any, gbar: float) -> tuple[float, float] | None:
    """(n∞, τn ms) fitted to a K⁺ conductance time course (mS/cm²) starting at t = 0."""
    import numpy as np
    from scipy.optimize import least_squares

    scale = float(np.max(np.abs(g_k)))
    if gbar <= 0 or scale <= 0 or _flat(g_k):
        return None
    n0 = (max(float(g_k[0]), 0.0) / gbar) ** 0.25
    n_end = min((max(float(g_k[-1]), 0.0) / gbar) ** 0.25, 1.0)
    # time constant guess: when n has covered 63 % of its way
    n_t = np.clip(g_k / gbar, 0.0, None) ** 0.25
    if abs(n_end - n0) > 1e-9:
        frac = (n_t - n0) / (n_end - n0)
        k = int(np.argmax(frac >= 1.0 - math.exp(-1.0)))
        tau0 = max(float(t_ms[k]), 0.01)
    else:
        tau0 = 1.0

    def residual(x: Any) -> Any:
        return (gbar * _relax(x[0], n0, x[1], t_ms) ** 4 - g_k) / scale

    lo, hi = TAU_BOUNDS_MS
    sol = least_squares(
        residual,
        [n_end, min(max(tau0, lo), hi)],
        bounds=([0.0, lo], [1.0, hi]),
        x_scale="jac",
        xtol=1e-12,
        ftol=1e-12,
        gtol=1e-12,
    )
    return float(sol.x[0]), float(sol.x[1])


def fit_na(
    t_ms: Any, g_na: Any, gbar: float, h0: float
) -> tuple[float, float, float, float] | None:
    """(m∞, τm ms, h∞, τh ms) fitted to a Na⁺ conductance time course from t = 0."""
    import numpy as np
    from scipy.optimize import least_squares

    scale = float(np.max(np.abs(g_na)))
    if gbar <= 0 or scale <= 0 or h0 <= 0 or _flat(g_na):
        return None
    m0 = (max(float(g_na[0]), 0.0) / (gbar * h0)) ** (1.0 / 3.0)
    k_peak = int(np.argmax(g_na))
    t_peak = max(float(t_ms[k_peak]), 0.02)
    lo, hi = TAU_BOUNDS_MS

    # relative (log) residuals: a deactivating Na⁺ conductance spans orders of magnitude
    log_g = np.log(np.clip(g_na, 1e-300, None))

    def residual(x: Any) -> Any:
        m = _relax(x[0], m0, x[1], t_ms)
        h = _relax(x[2], h0, x[3], t_ms)
        return np.log(np.clip(gbar * m**3 * h, 1e-300, None)) - log_g

    best = None
    h_end = float(g_na[-1]) / gbar
    starts = []
    if g_na[-1] < g_na[0]:
        # the conductance falls from the start (a hyperpolarizing step): m closes fast
        # towards a small m∞ while h recovers slowly towards a larger h∞
        k_fast = int(np.argmax(g_na <= g_na[0] * math.exp(-3.0)))
        t_fast = max(float(t_ms[k_fast]) / 3.0, 0.01)
        starts.append([0.2 * m0, t_fast, min(1.0, max(1.5 * h0, 0.5)), 5.0])
    else:
        # a small depolarisation: m rises a little, h barely moves
        m_small = min((float(g_na[k_peak]) / (gbar * h0)) ** (1.0 / 3.0), 1.0)
        starts.append([m_small, t_peak / 3.0, h0, 20.0 * t_peak])
    for m_guess in (0.6, 0.3, 0.95, 0.1):
        starts.append(
            [m_guess, t_peak / 3.0, min(max(h_end / m_guess**3, 1e-3), 1.0), 2.0 * t_peak]
        )
        starts.append([m_guess, t_peak / 2.0, 0.5, 5.0 * t_peak])
    for x0 in starts:
        x0[1] = min(max(x0[1], lo), hi)
        x0[3] = min(max(x0[3], lo), hi)
        sol = least_squares(
            residual,
            x0,
            bounds=([0.0, lo, 0.0, lo], [1.0, hi, 1.0, hi]),
            x_scale="jac",
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
        )
        if best is None or sol.cost < best.cost:
            best = sol
        if best.cost < GOOD_COST:
            break
    assert best is not None
    return tuple(float(x) for x in best.x)  # type: ignore[return-value]


def _step_samples(run: ClampRun, dt_ms: float) -> tuple[Any, Any, Any, Any]:
    """Times (ms from step onset) and m, h, n at them (exact, from the step piece)."""
    import numpy as np

    step = run.step
    k = step.kin
    n = int(math.floor((step.t1_ms - step.t0_ms) / dt_ms + 1e-9)) + 1
    s = np.arange(n) * dt_ms
    m = k.m_inf + (step.m0 - k.m_inf) * np.exp(-s / k.tau_m_ms)
    h = k.h_inf + (step.h0 - k.h_inf) * np.exp(-s / k.tau_h_ms)
    nn = k.n_inf + (step.n0 - k.n_inf) * np.exp(-s / k.tau_n_ms)
    return s, m, h, nn


def fit_family(family: ClampFamily, dt_ms: float = FIT_DT_MS) -> None:
    """Add `fit` and `model` (n_inf, tau_n_ms, m_inf, tau_m_ms, h_inf, tau_h_ms) to every point.

    The currents handed to the fit are the clamp's sampled I_Na and I_K of the
    step, turned into conductances; the model values are the membrane's own
    kinetics at the step voltage.
    """
    p = family.params
    kin = kinetics(p, [r.v_mV for r in family.runs])
    for run, point in zip(family.runs, family.points, strict=True):
        v = run.v_mV
        s, m, h, n = _step_samples(run, dt_ms)
        fit: dict[str, float | None] = dict.fromkeys(
            ("n_inf", "tau_n_ms", "m_inf", "tau_m_ms", "h_inf", "tau_h_ms")
        )
        if p.gk > 0 and abs(v - p.ek) >= NEAR_REVERSAL_MV:
            i_k = p.gk * n**4 * (v - p.ek)  # the current the clamp records (under TTX)
            res = fit_k(s, i_k / (v - p.ek), p.gk)
            if res is not None:
                fit["n_inf"], fit["tau_n_ms"] = res
        if p.gna > 0 and abs(v - p.ena) >= NEAR_REVERSAL_MV:
            i_na = p.gna * m**3 * h * (v - p.ena)  # the current the clamp records (under TEA)
            res4 = fit_na(s, i_na / (v - p.ena), p.gna, run.step.h0)
            if res4 is not None:
                fit["m_inf"], fit["tau_m_ms"], fit["h_inf"], fit["tau_h_ms"] = res4
        point["fit"] = fit
        point["model"] = kin[v].to_dict()
