/*
 * neuron-tutor integration kernel (C99, loaded with ctypes; see kernel.py).
 *
 * One code path serves every caller: a batch is C independent cells, each with
 * its own parameters, stimulus and stopping rule. The live TUI is a batch of
 * one advanced a few ms at a time; sweeps are batches of hundreds of cells that
 * keep only reductions (spike times, peak, AHP).
 *
 * State per cell: y[7] = V (mV), m, h, n, [Na+]i, [K+]i, [Cl-]i (mM) at the
 * integrator time t (ms); f[7] = dy/dt at t (first-same-as-last reuse); yp, fp, tp = the same at the start of
 * the last accepted step (for cubic Hermite interpolation of output samples,
 * 0-mV crossings and extrema inside the step); h = next trial step (ms).
 *
 * The default integrator is Dormand–Prince 5(4) with per-cell step control.
 * Steps never cross a stimulus breakpoint, and do not depend on where a caller
 * chops a run into chunks, so chunked and unchunked runs agree to the bit.
 */
#include <math.h>
#include <stdint.h>

#define P_KIN 0
#define P_GNA 1
#define P_GK 2
#define P_GL 3
#define P_ENA 4 /* reversal potentials at the resting concentrations (or set explicitly) */
#define P_EK 5
#define P_EL 6
#define P_CM 7
#define P_Q 8
#define P_VT 9
#define P_GKL 10   /* K+ leak, mS/cm2 */
#define P_GNAL 11  /* Na+ leak */
#define P_GCLL 12  /* Cl- leak */
#define P_ECL 13
#define P_IPUMP 14 /* maximal pump current, uA/cm2 */
#define P_KMNA 15  /* pump half-saturation per internal Na+ site, mM */
#define P_KMK 16   /* pump half-saturation per external K+ site, mM */
#define P_NAI 17   /* resting internal concentrations, mM (used when they are fixed) */
#define P_KI 18
#define P_CLI 19
#define P_NAO 20   /* external concentrations, mM (fixed) */
#define P_KO 21
#define P_CLO 22
#define P_RTF 23   /* RT/F, mV */
#define P_CRATE 24 /* mM/ms per uA/cm2 of monovalent current (0 = fixed concentrations) */
#define P_NERNST_NA 25 /* 1 = E_Na follows the internal concentration (dynamic, not set) */
#define P_NERNST_K 26
#define P_NERNST_CL 27
#define NPARAMS 28

/* State per cell: V (mV), m, h, n, [Na+]i, [K+]i, [Cl-]i (mM). */
#define NSTATE 7

#define ST_VMAX 0
#define ST_TMAX 1
#define ST_VMIN 2
#define ST_TMIN 3
#define ST_AHP_OPEN 4
#define ST_NSPK 5
#define ST_DONE 6 /* 1 = reached its stop; 2 = the integrator failed */
#define ST_NSTEPS 7
#define NSTATS 8

#define INT_DP5 0
#define INT_EXPEULER 1

/* Largest step (ms): keeps quiet stretches from stepping over slow drifts. */
#define HMAX 2.0

/* x / (exp(x/y) - 1) with its removable singularity at x = 0, as hh.mod writes it. */
static inline double vtrap(double x, double y) {
    if (fabs(x / y) < 1e-6) return y * (1.0 - x / y / 2.0);
    return x / (exp(x / y) - 1.0);
}

/* Opening/closing rates (1/ms) of m, h, n at v (mV): kin 0 = NEURON hh.mod,
 * kin 1 = Traub–Miles as in Pospischil et al. (2008), shifted by VT. */
static inline void rates(double v, const double *p, double r[6]) {
    double q = p[P_Q];
    if ((int)p[P_KIN] == 0) {
        r[0] = 0.1 * vtrap(-(v + 40.0), 10.0);
        r[1] = 4.0 * exp(-(v + 65.0) / 18.0);
        r[2] = 0.07 * exp(-(v + 65.0) / 20.0);
        r[3] = 1.0 / (exp(-(v + 35.0) / 10.0) + 1.0);
        r[4] = 0.01 * vtrap(-(v + 55.0), 10.0);
        r[5] = 0.125 * exp(-(v + 65.0) / 80.0);
    } else {
        double u = v - p[P_VT];
        r[0] = 0.32 * vtrap(-(u - 13.0), 4.0);
        r[1] = 0.28 * vtrap(u - 40.0, 5.0);
        r[2] = 0.128 * exp(-(u - 17.0) / 18.0);
        r[3] = 4.0 / (1.0 + exp(-(u - 40.0) / 5.0));
        r[4] = 0.032 * vtrap(-(u - 15.0), 5.0);
        r[5] = 0.5 * exp(-(u - 10.0) / 40.0);
    }
    for (int j = 0; j < 6; j++) r[j] *= q;
}

/* Ionic currents (uA/cm2, outward positive) of state y. With fixed concentrations
 * the reversal potentials and the pump use the resting values in p. */
typedef struct {
    double ina, ik, il, ikl, inal, icll, ipump;
} currents_t;

/* E_Na, E_K, E_Cl (mV) of state y: Nernst from the internal concentrations when
 * they are dynamic and not set explicitly, else the values in p. */
static inline void reversals(const double *y, const double *p, double e[3]) {
    int dyn = p[P_CRATE] > 0.0;
    e[0] = (dyn && p[P_NERNST_NA] > 0) ? p[P_RTF] * log(p[P_NAO] / y[4]) : p[P_ENA];
    e[1] = (dyn && p[P_NERNST_K] > 0) ? p[P_RTF] * log(p[P_KO] / y[5]) : p[P_EK];
    e[2] = (dyn && p[P_NERNST_CL] > 0) ? -p[P_RTF] * log(p[P_CLO] / y[6]) : p[P_ECL];
}

/* Net outward Na+/K+-ATPase current (uA/cm2): I_max (1 + K_Na/[Na]i)^-3 (1 + K_K/[K]o)^-2. */
static inline double pump(const double *y, const double *p) {
    if (!(p[P_IPUMP] > 0.0)) return 0.0;
    double nai = p[P_CRATE] > 0.0 ? y[4] : p[P_NAI];
    double a = 1.0 + p[P_KMNA] / nai, b = 1.0 + p[P_KMK] / p[P_KO];
    return p[P_IPUMP] / (a * a * a) / (b * b);
}

static inline currents_t membrane_currents(const double *y, const double *p) {
    currents_t c;
    double v = y[0], m = y[1], hh = y[2], n = y[3];
    double e[3];
    reversals(y, p, e);
    c.ina = p[P_GNA] * m * m * m * hh * (v - e[0]);
    c.ik = p[P_GK] * n * n * n * n * (v - e[1]);
    c.il = p[P_GL] * (v - p[P_EL]);
    c.ikl = p[P_GKL] * (v - e[1]);
    c.inal = p[P_GNAL] * (v - e[0]);
    c.icll = p[P_GCLL] * (v - e[2]);
    c.ipump = pump(y, p);
    return c;
}

static inline void deriv(const double *y, const double *p, double istim, double *out) {
    double r[6];
    double m = y[1], hh = y[2], n = y[3];
    rates(y[0], p, r);
    currents_t c = membrane_currents(y, p);
    out[0] = (istim - c.ina - c.ik - c.il - c.ikl - c.inal - c.icll - c.ipump) / p[P_CM];
    out[1] = r[0] * (1.0 - m) - r[1] * m;
    out[2] = r[2] * (1.0 - hh) - r[3] * hh;
    out[3] = r[4] * (1.0 - n) - r[5] * n;
    /* Ion fluxes: the pump moves 3 Na+ out (outward Na+ current 3I) and 2 K+ in (-2I). */
    double k = p[P_CRATE];
    out[4] = -k * (c.ina + c.inal + 3.0 * c.ipump);
    out[5] = -k * (c.ik + c.ikl - 2.0 * c.ipump);
    out[6] = k * c.icll; /* z = -1: an outward Cl- current is Cl- entering */
}

/* Stimulus on the open interval (t0, t1) as a + b·t (µA/cm², depolarising positive).
 * seg rows: (t_on, t_off, amp_on, amp_off), linear in between. */
static inline void stim_coeffs(const double *seg, int64_t nseg, double t0, double t1,
                               double *a, double *b) {
    double tm = 0.5 * (t0 + t1);
    *a = 0.0;
    *b = 0.0;
    for (int64_t s = 0; s < nseg; s++) {
        const double *g = seg + 4 * s;
        if (g[0] <= tm && tm < g[1]) {
            if (g[3] == g[2] || !isfinite(g[1])) {
                *a += g[2];
            } else {
                double slope = (g[3] - g[2]) / (g[1] - g[0]);
                *a += g[2] - slope * g[0];
                *b += slope;
            }
        }
    }
}

static inline double hermite(double y0, double y1, double f0, double f1, double h, double th) {
    double th2 = th * th, th3 = th2 * th;
    return (2 * th3 - 3 * th2 + 1) * y0 + (th3 - 2 * th2 + th) * h * f0 +
           (-2 * th3 + 3 * th2) * y1 + (th3 - th2) * h * f1;
}

static inline double hermite_slope(double y0, double y1, double f0, double f1, double h,
                                   double th) {
    double th2 = th * th;
    return (6 * th2 - 6 * th) * y0 / h + (3 * th2 - 4 * th + 1) * f0 +
           (-6 * th2 + 6 * th) * y1 / h + (3 * th2 - 2 * th) * f1;
}

/* θ in [lo, hi] where the Hermite V crosses `level` upward, given V(lo) < level ≤ V(hi). */
static double root_in_step(double v0, double v1, double f0, double f1, double h, double level,
                           double lo, double hi) {
    for (int k = 0; k < 60 && hi - lo >= 1e-13; k++) {
        double mid = 0.5 * (lo + hi);
        if (hermite(v0, v1, f0, f1, h, mid) < level) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* θ in (0, 1) where the Hermite V has zero slope (bisection on the slope). */
static double extremum_in_step(double v0, double v1, double f0, double f1, double h) {
    double lo = 0.0, hi = 1.0, s_lo = f0;
    for (int k = 0; k < 60 && hi - lo >= 1e-13; k++) {
        double mid = 0.5 * (lo + hi);
        double s = hermite_slope(v0, v1, f0, f1, h, mid);
        if ((s > 0) == (s_lo > 0)) { lo = mid; s_lo = s; } else hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The spike rule (README "What counts as a spike"; the same rule is applied to NEURON's
 * recorded gates in tests/oracle/nrn.py and mirrored by any other kernel):
 * an upward 0-mV crossing is a spike only if, at the crossing, the Na⁺ channels carry
 * inward current larger in magnitude than the leak current,
 *     I_Na(0 mV) = gNa·m³·h·(0 − ENa) < 0   and   |I_Na(0 mV)| > |I_L(0 mV)| = |gL·(0 − EL)|,
 * (the leak being every leak: HH's unnamed one and the K+, Na+ and Cl- leaks),
 * i.e. the membrane's own voltage-gated inward current is taking part. A response that
 * the stimulus alone charges past 0 mV (Na⁺ blocked: I_Na = 0; or charged faster than
 * the Na⁺ channels can open) is not a spike. */
static inline int na_carried(double m, double hh, const double *p) {
    double ina = p[P_GNA] * m * m * m * hh * (0.0 - p[P_ENA]);
    /* every leak: HH's unnamed one and the K+, Na+, Cl- leaks (at the resting E's) */
    double il = p[P_GL] * (0.0 - p[P_EL]) + p[P_GKL] * (0.0 - p[P_EK]) +
                p[P_GNAL] * (0.0 - p[P_ENA]) + p[P_GCLL] * (0.0 - p[P_ECL]);
    return ina < 0.0 && -ina > fabs(il);
}

static void record_spike(double tc, double *spikes, int64_t maxsp, double *st, double t_limit) {
    if (tc > t_limit) return;
    int64_t k = (int64_t)st[ST_NSPK];
    if (k < maxsp) spikes[k] = tc;
    st[ST_NSPK] = (double)(k + 1);
    if (st[ST_TMAX] < tc) st[ST_AHP_OPEN] = 0.0; /* the AHP window closes at the next spike */
}

/* An upward 0-mV crossing at θ ∈ [lo, hi] of the step (tp → tp + h): locate it on the
 * Hermite V, interpolate m and h there the same way, record it if the spike rule holds. */
static void crossing(double tp, double h, const double *yp, const double *y, const double *fp,
                     const double *f, const double *p, double lo, double hi, double *spikes,
                     int64_t maxsp, double *st, double t_limit) {
    double th = root_in_step(yp[0], y[0], fp[0], f[0], h, 0.0, lo, hi);
    double m = hermite(yp[1], y[1], fp[1], f[1], h, th);
    double hh = hermite(yp[2], y[2], fp[2], f[2], h, th);
    if (na_carried(m, hh, p)) record_spike(tp + th * h, spikes, maxsp, st, t_limit);
}

/* Update the spike list and the peak/AHP reductions with the step [tp, t] (states yp → y,
 * slopes fp → f). The step is split at its interior turning point (if the slope of V
 * changes sign), so a brief excursion above 0 mV that starts and ends inside one step is
 * still an upward crossing. */
static void reduce_step(double tp, double t, const double *yp, const double *y,
                        const double *fp, const double *f, const double *p, double *spikes,
                        int64_t maxsp, double *st, double t_limit) {
    double v0 = yp[0], v1 = y[0], f0 = fp[0], f1 = f[0];
    double h = t - tp;
    double th = -1.0, te = 0.0, ve = 0.0;
    if (h > 0 && ((f0 > 0) != (f1 > 0)) && f0 != 0.0) {
        th = extremum_in_step(v0, v1, f0, f1, h);
        te = tp + th * h;
        ve = hermite(v0, v1, f0, f1, h, th);
    }
    if (h > 0) {
        if (th > 0.0) {
            if (v0 < 0.0 && 0.0 <= ve)
                crossing(tp, h, yp, y, fp, f, p, 0.0, th, spikes, maxsp, st, t_limit);
            if (ve < 0.0 && 0.0 <= v1)
                crossing(tp, h, yp, y, fp, f, p, th, 1.0, spikes, maxsp, st, t_limit);
        } else if (v0 < 0.0 && 0.0 <= v1) {
            crossing(tp, h, yp, y, fp, f, p, 0.0, 1.0, spikes, maxsp, st, t_limit);
        }
    }
    if (t <= t_limit) {
        if (v1 > st[ST_VMAX]) {
            st[ST_VMAX] = v1; st[ST_TMAX] = t; st[ST_VMIN] = v1; st[ST_TMIN] = t;
            st[ST_AHP_OPEN] = 1.0;
        } else if (st[ST_AHP_OPEN] > 0 && v1 < st[ST_VMIN]) {
            st[ST_VMIN] = v1; st[ST_TMIN] = t;
        }
    }
    if (th > 0.0 && te <= t_limit) {
        if (f0 > 0 && ve > st[ST_VMAX]) {
            st[ST_VMAX] = ve; st[ST_TMAX] = te;
            st[ST_VMIN] = (t <= t_limit) ? v1 : ve;
            st[ST_TMIN] = (t <= t_limit) ? t : te;
            st[ST_AHP_OPEN] = 1.0;
        } else if (f0 < 0 && st[ST_AHP_OPEN] > 0 && ve < st[ST_VMIN]) {
            st[ST_VMIN] = ve; st[ST_TMIN] = te;
        }
    }
}

/* Dormand–Prince 5(4) tableau. */
static const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
static const double A21 = 1.0 / 5;
static const double A31 = 3.0 / 40, A32 = 9.0 / 40;
static const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
static const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561,
                    A54 = -212.0 / 729;
static const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247,
                    A64 = 49.0 / 176, A65 = -5103.0 / 18656;
static const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784,
                    B6 = 11.0 / 84;
static const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920,
                    E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

/* Advance one cell until its sample index reaches k_end or it is done, or until it has
 * taken max_steps accepted steps in this call (max_steps <= 0: no limit). Returns 1 when
 * stopped by max_steps (the state is complete: calling again resumes exactly), else 0. */
static int advance_cell(double *y, double *f, double *t, double *h, double *yp, double *fp,
                         double *tp, int64_t *fvalid, int64_t *ksample, int64_t *bpi,
                         const double *p, const double *seg, int64_t nseg, const double *bps,
                         double *spikes, int64_t maxsp, double *st, int64_t k_end, double dt_out,
                         double t_stop, int64_t stop_spikes, double *rec, int64_t nrec,
                         int64_t rec_k0, double rtol, double atol_v, double atol_g,
                         int64_t integrator, int64_t max_steps) {
    int64_t taken = 0;
    double k1[NSTATE], k2[NSTATE], k3[NSTATE], k4[NSTATE], k5[NSTATE], k6[NSTATE], k7[NSTATE],
        ys[NSTATE], yn[NSTATE];
    /* concentrations enter the error norm only when they change */
    int nerr = p[P_CRATE] > 0.0 ? NSTATE : 4;
    for (;;) {
        /* 1) emit every sample that lies inside the last accepted step */
        while (*ksample < k_end) {
            double s = (double)(*ksample) * dt_out;
            if (s > *t + 1e-12 * (1.0 + fabs(s))) break;
            int64_t r = *ksample - rec_k0;
            if (r >= 0 && r < nrec) {
                double hs = *t - *tp;
                double *out = rec + NSTATE * r;
                if (hs <= 0.0 || s >= *t) {
                    for (int j = 0; j < NSTATE; j++) out[j] = y[j];
                } else {
                    double th = (s - *tp) / hs;
                    for (int j = 0; j < NSTATE; j++)
                        out[j] = hermite(yp[j], y[j], fp[j], f[j], hs, th);
                }
            }
            (*ksample)++;
        }
        if (*ksample >= k_end || st[ST_DONE] > 0) break;
        if (*t >= t_stop) { st[ST_DONE] = 1.0; break; }
        if (max_steps > 0 && taken >= max_steps) return 1;
        /* 2) take one accepted step, never across a breakpoint */
        /* edges closer than round-off to t (abutting pulses) count as reached */
        while (bps[*bpi] <= *t + 1e-12 * (1.0 + fabs(*t))) { (*bpi)++; *fvalid = 0; }
        double nbp = bps[*bpi];
        double a, b;
        if (!*fvalid) {
            stim_coeffs(seg, nseg, *t, fmin(nbp, *t + 1e-9), &a, &b);
            deriv(y, p, a + b * *t, f);
            *fvalid = 1;
        }
        double t0 = *t, hstep, tn;
        int clipped;
        if (integrator == INT_EXPEULER) {
            double r[6];
            hstep = fmin(*h, nbp - t0);
            clipped = hstep >= nbp - t0;
            stim_coeffs(seg, nseg, t0, t0 + hstep, &a, &b);
            rates(y[0], p, r);
            for (int g = 0; g < 3; g++) {  /* gates: exact exponential update at frozen V */
                double tau = 1.0 / (r[2 * g] + r[2 * g + 1]);
                double inf = r[2 * g] * tau;
                yn[g + 1] = inf + (y[g + 1] - inf) * exp(-hstep / tau);
            }
            /* V: backward Euler on the linearised current with the new gates; the
             * reversal potentials and the pump are taken at the old concentrations */
            double m3h = yn[1] * yn[1] * yn[1] * yn[2], n4 = yn[3] * yn[3] * yn[3] * yn[3];
            double ev[3];
            reversals(y, p, ev);
            double ip = pump(y, p);
            double g = p[P_GNA] * m3h + p[P_GK] * n4 + p[P_GL] + p[P_GKL] + p[P_GNAL] + p[P_GCLL];
            double e = p[P_GNA] * m3h * ev[0] + p[P_GK] * n4 * ev[1] + p[P_GL] * p[P_EL] +
                       p[P_GKL] * ev[1] + p[P_GNAL] * ev[0] + p[P_GCLL] * ev[2] - ip;
            double istim = a + b * (t0 + hstep);
            yn[0] = (p[P_CM] * y[0] / hstep + e + istim) / (p[P_CM] / hstep + g);
            tn = clipped ? nbp : t0 + hstep;
            for (int j = 4; j < NSTATE; j++) yn[j] = y[j];
            if (p[P_CRATE] > 0.0) { /* concentrations: forward Euler with the new V and gates */
                deriv(yn, p, a + b * tn, k7);
                for (int j = 4; j < NSTATE; j++) yn[j] = y[j] + hstep * k7[j];
            }
            deriv(yn, p, a + b * tn, k7);
        } else {
            for (;;) {
                hstep = fmin(fmin(*h, HMAX), nbp - t0);
                if (!(hstep > 1e-12 * (1.0 + fabs(t0)))) {
                    st[ST_DONE] = 2.0; /* step size collapsed (non-finite state): give up */
                    return 0;
                }
                clipped = hstep >= nbp - t0;
                stim_coeffs(seg, nseg, t0, t0 + hstep, &a, &b);
                for (int j = 0; j < NSTATE; j++) k1[j] = f[j];
                for (int j = 0; j < NSTATE; j++) ys[j] = y[j] + hstep * A21 * k1[j];
                deriv(ys, p, a + b * (t0 + C2 * hstep), k2);
                for (int j = 0; j < NSTATE; j++)
                    ys[j] = y[j] + hstep * (A31 * k1[j] + A32 * k2[j]);
                deriv(ys, p, a + b * (t0 + C3 * hstep), k3);
                for (int j = 0; j < NSTATE; j++)
                    ys[j] = y[j] + hstep * (A41 * k1[j] + A42 * k2[j] + A43 * k3[j]);
                deriv(ys, p, a + b * (t0 + C4 * hstep), k4);
                for (int j = 0; j < NSTATE; j++)
                    ys[j] = y[j] + hstep * (A51 * k1[j] + A52 * k2[j] + A53 * k3[j] + A54 * k4[j]);
                deriv(ys, p, a + b * (t0 + C5 * hstep), k5);
                for (int j = 0; j < NSTATE; j++)
                    ys[j] = y[j] + hstep * (A61 * k1[j] + A62 * k2[j] + A63 * k3[j] +
                                            A64 * k4[j] + A65 * k5[j]);
                deriv(ys, p, a + b * (t0 + hstep), k6);
                for (int j = 0; j < NSTATE; j++)
                    yn[j] = y[j] + hstep * (B1 * k1[j] + B3 * k3[j] + B4 * k4[j] + B5 * k5[j] +
                                            B6 * k6[j]);
                deriv(yn, p, a + b * (t0 + hstep), k7);
                double err = 0.0;
                for (int j = 0; j < nerr; j++) {
                    double e = hstep * (E1 * k1[j] + E3 * k3[j] + E4 * k4[j] + E5 * k5[j] +
                                        E6 * k6[j] + E7 * k7[j]);
                    double sc = (j == 0 ? atol_v : atol_g) + rtol * fmax(fabs(y[j]), fabs(yn[j]));
                    err += (e / sc) * (e / sc);
                }
                err = sqrt(err / (double)nerr);
                if (!isfinite(err)) err = 1e10;
                if (err <= 1.0) {
                    double fac = err == 0.0 ? 5.0 : fmin(5.0, fmax(0.2, 0.9 * pow(err, -0.2)));
                    if (!clipped || fac < 1.0) *h = hstep * fac;
                    break;
                }
                *h = hstep * fmax(0.1, 0.9 * pow(err, -0.25));
            }
            tn = clipped ? nbp : t0 + hstep;
        }
        /* 3) accept */
        for (int j = 0; j < NSTATE; j++) {
            yp[j] = y[j]; fp[j] = f[j]; y[j] = yn[j]; f[j] = k7[j];
        }
        *tp = t0;
        *t = tn;
        st[ST_NSTEPS] += 1.0;
        taken++;
        if (clipped) *fvalid = 0; /* the stimulus changes here: the slope must be re-evaluated */
        reduce_step(t0, tn, yp, y, fp, f, p, spikes, maxsp, st, t_stop);
        if (stop_spikes > 0 && st[ST_NSPK] >= (double)stop_spikes) st[ST_DONE] = 1.0;
    }
    return 0;
}

/* Advance every cell of a batch (shapes in kernel.py). Cells are independent,
 * so with OpenMP they are shared among the cores. Returns how many cells stopped at
 * max_steps (steps per cell in this call) and need another call to finish. */
int64_t advance_batch(int64_t ncell, double *y, double *f, double *t, double *h, double *yp,
                   double *fp, double *tp, int64_t *fvalid, int64_t *ksample, int64_t *bpi,
                   const double *params, const double *seg, int64_t nseg, const double *bps,
                   int64_t nbp, double *spikes, int64_t maxsp, double *stats,
                   const int64_t *k_end, double dt_out, const double *t_stop,
                   const int64_t *stop_spikes, double *rec, int64_t nrec, int64_t rec_k0,
                   double rtol, double atol_v, double atol_g, int64_t integrator,
                   int64_t nthreads, int64_t max_steps) {
    int64_t unfinished = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads) if (ncell > 1 && nthreads > 1) reduction(+ : unfinished)
#endif
    for (int64_t i = 0; i < ncell; i++) {
        unfinished += advance_cell(y + NSTATE * i, f + NSTATE * i, t + i, h + i, yp + NSTATE * i,
                     fp + NSTATE * i, tp + i, fvalid + i, ksample + i, bpi + i,
                     params + NPARAMS * i, seg + 4 * nseg * i, nseg, bps + nbp * i,
                     spikes + maxsp * i, maxsp, stats + NSTATS * i, k_end[i], dt_out, t_stop[i],
                     stop_spikes[i], rec + NSTATE * nrec * i, nrec, rec_k0, rtol, atol_v, atol_g,
                     integrator, max_steps);
    }
    return unfinished;
}

/* m∞, h∞, n∞ at each of n voltages (mV); out has 3n entries (m's, h's, n's). */
void steady_gates(const double *v, int64_t n, const double *p, double *out) {
    double r[6];
    for (int64_t k = 0; k < n; k++) {
        rates(v[k], p, r);
        out[k] = r[0] / (r[0] + r[1]);
        out[n + k] = r[2] / (r[2] + r[3]);
        out[2 * n + k] = r[4] / (r[4] + r[5]);
    }
}

/* α and β of m, h, n at each of n voltages (1/ms); out has 6n entries. */
void gate_rates(const double *v, int64_t n, const double *p, double *out) {
    double r[6];
    for (int64_t k = 0; k < n; k++) {
        rates(v[k], p, r);
        for (int j = 0; j < 6; j++) out[j * n + k] = r[j];
    }
}

/* Net ionic current (µA/cm², outward positive) with every gate at steady state and the
 * internal concentrations at their resting values (pump included). */
double steady_current(double v, const double *p) {
    double r[6], y[NSTATE];
    rates(v, p, r);
    y[0] = v;
    y[1] = r[0] / (r[0] + r[1]);
    y[2] = r[2] / (r[2] + r[3]);
    y[3] = r[4] / (r[4] + r[5]);
    y[4] = p[P_NAI];
    y[5] = p[P_KI];
    y[6] = p[P_CLI];
    currents_t c = membrane_currents(y, p);
    return c.ina + c.ik + c.il + c.ikl + c.inal + c.icll + c.ipump;
}

/* The state derivative (NSTATE values) of one cell at state y with stimulus istim. */
void state_derivative(const double *y, const double *p, double istim, double *out) {
    deriv(y, p, istim, out);
}

/* The currents of one state (7 values: ina ik il ikl inal icll ipump, uA/cm2). */
void currents_of_state(const double *y, const double *p, double *out) {
    currents_t c = membrane_currents(y, p);
    out[0] = c.ina; out[1] = c.ik; out[2] = c.il; out[3] = c.ikl;
    out[4] = c.inal; out[5] = c.icll; out[6] = c.ipump;
}

/* Lowest stable zero of the steady-state I–V curve in [v_lo, v_hi] (mV), NaN if none.
 * Stable: the current goes from inward to outward as V rises, so a small
 * displacement decays. Scan on a grid, then bisect to machine precision. */
double resting_potential(const double *p, double v_lo, double v_hi, double grid_step) {
    int64_t n = (int64_t)((v_hi - v_lo) / grid_step) + 1;
    double prev_v = v_lo, prev_i = steady_current(v_lo, p);
    for (int64_t k = 1; k < n; k++) {
        double v = v_lo + k * grid_step, cur = steady_current(v, p);
        if (prev_i == 0.0) return prev_v;
        if (prev_i < 0.0 && 0.0 <= cur) {
            double lo = prev_v, hi = v;
            for (int it = 0; it < 200; it++) {
                double mid = 0.5 * (lo + hi);
                if (mid == lo || mid == hi) break;
                if (steady_current(mid, p) < 0.0) lo = mid; else hi = mid;
            }
            return 0.5 * (lo + hi);
        }
        prev_v = v;
        prev_i = cur;
    }
    return NAN;
}

/* ---------------------------------------------------------------------------------------
 * Cables (see tutor/sim/cable.py for the model and the layout; the numpy engine there runs
 * the same algorithm). B independent unbranched cables are stacked: cable k owns the flat
 * compartments offsets[k] .. offsets[k+1]-1. Per compartment `par` holds CABLE_NPAR
 * values: the membrane row in the layout above (P_KIN … P_VT), then the area (cm²) and
 * the coupling to the left and right neighbour (mS/cm²; 0 at the sealed ends).
 *
 * One step of dt (NEURON's staggered second-order scheme): with the gates at t + dt/2
 * the ionic current is linear in V, so Crank–Nicolson gives a tridiagonal system for
 * V̄ = (V(t) + V(t+dt))/2, solved by the Thomas algorithm; then V(t+dt) = 2V̄ − V(t) and
 * the gates advance exactly over [t + dt/2, t + 3dt/2] with V frozen at V(t+dt).
 * Current clamps (nA) add their mean current over the step at their compartment.
 * Reductions per compartment: first upward 0-mV crossing and the number of them
 * (linear in time between samples), the running maximum with the samples either side.
 * ------------------------------------------------------------------------------------- */
#define CP_AREA 10
#define CP_CL 11
#define CP_CR 12
#define CABLE_NPAR 13

/* e^0.5 and e^−1.5: exp(−(v+35)/10) and exp(−(v+55)/10) are exp(−(v+40)/10) times these. */
#define CABLE_E05 1.6487212707001282
#define CABLE_EM15 0.22313016014842982

/* The rates of `rates` (hh.mod) from three exponentials instead of six (the others are
 * products of these); Traub–Miles goes through `rates`. tutor/sim/cable.py mirrors this. */
static inline void cable_rates(double v, const double *p, double r[6]) {
    if ((int)p[P_KIN] != 0) {
        rates(v, p, r);
        return;
    }
    double q = p[P_Q];
    double e10 = exp(-(v + 40.0) / 10.0);
    double e18 = exp(-(v + 65.0) / 18.0);
    double e80 = exp(-(v + 65.0) / 80.0);
    double x = -(v + 40.0), y = -(v + 55.0);
    double e20 = (e80 * e80) * (e80 * e80);
    r[0] = 0.1 * (fabs(x / 10.0) < 1e-6 ? 10.0 * (1.0 - x / 10.0 / 2.0) : x / (e10 - 1.0));
    r[1] = 4.0 * e18;
    r[2] = 0.07 * e20;
    r[3] = 1.0 / (e10 * CABLE_E05 + 1.0);
    r[4] = 0.01 * (fabs(y / 10.0) < 1e-6 ? 10.0 * (1.0 - y / 10.0 / 2.0)
                                           : y / (e10 * CABLE_EM15 - 1.0));
    r[5] = 0.125 * e80;
    for (int j = 0; j < 6; j++) r[j] *= q;
}

static void cable_gates(double v, const double *p, double dt, double *m, double *h, double *n) {
    double r[6];
    cable_rates(v, p, r);
    double tot, inf;
    tot = r[0] + r[1]; inf = r[0] / tot; *m = inf + (*m - inf) * exp(-dt * tot);
    tot = r[2] + r[3]; inf = r[2] / tot; *h = inf + (*h - inf) * exp(-dt * tot);
    tot = r[4] + r[5]; inf = r[4] / tot; *n = inf + (*n - inf) * exp(-dt * tot);
}

static void cable_one(int64_t i0, int64_t i1, const double *par, double *v, double *m, double *h,
                      double *n, int64_t c0, int64_t c1, const int64_t *clamp_site,
                      const double *clamp, double t, double dt, int64_t nsteps, double *first, double *count,
                      double *vmax, double *tmax, double *vbef, double *vaft, double *atlast,
                      double *rec, int64_t record_every, int64_t mtotal, double *work) {
    int64_t len = i1 - i0;
    double *cprime = work, *dprime = work + len;
    for (int64_t s = 0; s < nsteps; s++) {
        double t0 = t, t1 = t + dt;
        /* forward sweep of the Thomas algorithm, building each row on the fly */
        for (int64_t j = 0; j < len; j++) {
            int64_t i = i0 + j;
            const double *p = par + CABLE_NPAR * i;
            double k2 = 2.0 * p[P_CM] / dt;
            double m3h = m[i] * m[i] * m[i] * h[i], n4 = n[i] * n[i] * n[i] * n[i];
            double gna = p[P_GNA] * m3h, gk = p[P_GK] * n4;
            double diag = k2 + p[CP_CL] + p[CP_CR] + gna + gk + p[P_GL];
            double rhs = k2 * v[i] + gna * p[P_ENA] + gk * p[P_EK] + p[P_GL] * p[P_EL];
            for (int64_t c = c0; c < c1; c++) {
                if (clamp_site[c] != i) continue;
                const double *q = clamp + 3 * c; /* delay, dur, amp (nA) */
                double on = fmax(t0, q[0]), off = fmin(t1, q[0] + q[1]);
                if (off > on) rhs += (q[2] * (off - on) / (t1 - t0)) * (1e-3 / p[CP_AREA]);
            }
            double lower = -p[CP_CL], upper = -p[CP_CR];
            if (j == 0) {
                cprime[j] = upper / diag;
                dprime[j] = rhs / diag;
            } else {
                double den = diag - lower * cprime[j - 1];
                cprime[j] = upper / den;
                dprime[j] = (rhs - lower * dprime[j - 1]) / den;
            }
        }
        for (int64_t j = len - 1; j >= 0; j--) {
            if (j < len - 1) dprime[j] -= cprime[j] * dprime[j + 1];
            int64_t i = i0 + j;
            double v0 = v[i], v1 = 2.0 * dprime[j] - v0;
            cable_gates(v1, par + CABLE_NPAR * i, dt, &m[i], &h[i], &n[i]);
            /* reductions */
            if (v0 < 0.0 && v1 >= 0.0) {
                double tc = t0 + (t1 - t0) * (-v0) / (v1 - v0);
                if (isnan(first[i])) first[i] = tc;
                count[i] += 1.0;
            }
            if (atlast[i] != 0.0) vaft[i] = v1;
            atlast[i] = 0.0;
            if (v1 > vmax[i]) {
                vmax[i] = v1; tmax[i] = t1; vbef[i] = v0; atlast[i] = 1.0;
            }
            v[i] = v1;
        }
        t = t1;
        if (record_every > 0 && (s + 1) % record_every == 0)
            for (int64_t i = i0; i < i1; i++) rec[((s + 1) / record_every - 1) * mtotal + i] = v[i];
    }
}

/* Advance the active cables of a stacked batch by nsteps steps of dt from time t.
 * Cable k's current clamps are rows clamp_start[k] .. clamp_start[k+1]-1 of clamp_site
 * (flat compartment index) and clamp (delay ms, duration ms, amplitude nA). */
void cable_advance(int64_t ncable, const int64_t *offsets, const int64_t *active,
                   const double *par, double *v, double *m, double *h, double *n,
                   const int64_t *clamp_start, const int64_t *clamp_site, const double *clamp,
                   double t,
                   double dt, int64_t nsteps, double *first, double *count, double *vmax,
                   double *tmax, double *vbef, double *vaft, double *atlast, double *rec,
                   int64_t record_every, double *work, int64_t nthreads) {
    int64_t mtotal = offsets[ncable];
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads) if (ncable > 1 && nthreads > 1)
#endif
    for (int64_t k = 0; k < ncable; k++) {
        if (!active[k]) continue;
        int64_t i0 = offsets[k], i1 = offsets[k + 1];
        cable_one(i0, i1, par, v, m, h, n, clamp_start[k], clamp_start[k + 1], clamp_site,
                  clamp, t, dt, nsteps, first,
                  count, vmax, tmax, vbef, vaft, atlast, rec, record_every, mtotal,
                  work + 2 * i0);
    }
}
