"""The compiled integration kernel (kernel.c), built on first use and loaded with ctypes.

Why C and not numba: both run the loop at the same speed, but numba costs
0.8–1.5 s at every process start (its import plus LLVM initialisation before
the first cached function runs), which alone would make `tutor sweep fi`
slower than the 10× margin over NEURON we promise and the TUI's first frame
slower than 1 s. kernel.c is compiled once per source version with the
system C compiler (`$CC`, else `cc`), with OpenMP when available, into the
user cache directory (`TUTOR_CACHE_DIR` overrides), then loads in ~1 ms.

This module exposes thin typed wrappers; see kernel.c for the algorithms and
`tutor.sim.engine` for the state layout.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from functools import cache
from pathlib import Path

import numpy as np

# Parameter vector indices (per cell) — keep in sync with kernel.c.
P_KIN, P_GNA, P_GK, P_GL, P_ENA, P_EK, P_EL, P_CM, P_Q, P_VT = range(10)
NPARAMS = 10
# Reduction indices.
ST_VMAX, ST_TMAX, ST_VMIN, ST_TMIN, ST_AHP_OPEN, ST_NSPK, ST_DONE, ST_NSTEPS = range(8)
NSTATS = 8
# Integrator codes.
INT_DP5 = 0
INT_EXPEULER = 1

SOURCE = Path(__file__).with_name("kernel.c")
_FLAG_SETS = (["-O2", "-fPIC", "-shared", "-fopenmp"], ["-O2", "-fPIC", "-shared"])


class KernelBuildError(RuntimeError):
    """The C kernel could not be compiled (no compiler?)."""


def cache_dir() -> Path:
    """Where compiled kernels are kept."""
    env = os.environ.get("TUTOR_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("neuron-tutor"))


def _compiler() -> str:
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate.split()[0]):
            return candidate
    raise KernelBuildError(
        "no C compiler found: install gcc (or set CC) so the simulation kernel can be built"
    )


@cache
def _library() -> ctypes.CDLL:
    """Compile (once per source version) and load the kernel."""
    code = SOURCE.read_bytes()
    tag = f"{sys.implementation.cache_tag}-{sysconfig.get_platform()}"
    digest = hashlib.sha256(code + tag.encode()).hexdigest()[:16]
    target = cache_dir() / f"kernel-{digest}.so"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        cc = _compiler()
        errors = []
        for flags in _FLAG_SETS:
            fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
            os.close(fd)
            cmd = [*cc.split(), *flags, str(SOURCE), "-o", tmp, "-lm"]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode == 0:
                os.replace(tmp, target)  # atomic: concurrent builders never see half a file
                break
            os.unlink(tmp)
            errors.append(proc.stderr.strip().splitlines()[-1:] or [""])
        else:
            raise KernelBuildError(f"could not compile {SOURCE.name}: {errors[-1][0]}")
    lib = ctypes.CDLL(str(target))
    f64 = np.ctypeslib.ndpointer(np.float64, flags="C_CONTIGUOUS")
    i64 = np.ctypeslib.ndpointer(np.int64, flags="C_CONTIGUOUS")
    I64, D = ctypes.c_int64, ctypes.c_double
    lib.advance_batch.restype = None
    lib.advance_batch.argtypes = [
        I64, f64, f64, f64, f64, f64, f64, f64, i64, i64, i64,
        f64, f64, I64, f64, I64, f64, I64, f64,
        i64, D, f64, i64, f64, I64, I64,
        D, D, D, I64, I64,
    ]  # fmt: skip
    lib.steady_gates.restype = None
    lib.steady_gates.argtypes = [f64, I64, f64, f64]
    lib.gate_rates.restype = None
    lib.gate_rates.argtypes = [f64, I64, f64, f64]
    lib.steady_current.restype = D
    lib.steady_current.argtypes = [D, f64]
    lib.resting_potential.restype = D
    lib.resting_potential.argtypes = [f64, D, D, D]
    return lib


def threads_for(ncell: int) -> int:
    """Use every core for big batches; one thread for small ones (no start-up cost)."""
    return min(os.cpu_count() or 1, 8) if ncell >= 16 else 1


def advance_batch(
    y, f, t, h, yp, fp, tp, fvalid, ksample, bpi,
    params, seg, bps, spikes, stats,
    k_end, dt_out, t_stop, stop_spikes,
    rec, rec_k0,
    rtol, atol_v, atol_g, integrator,
) -> None:  # fmt: skip
    """Advance every cell until its sample index reaches `k_end[i]` or it is done.

    Shapes: y, f, yp, fp [C, 4]; t, h, tp [C]; fvalid, ksample, bpi, k_end,
    stop_spikes [C] (int64); params [C, NPARAMS]; seg [C, S, 4] stimulus pieces
    (t_on, t_off, amp_on, amp_off); bps [C, B] sorted breakpoints padded with
    +inf; spikes [C, K]; stats [C, NSTATS]; rec [C, R, 4] output samples
    (R may be 0): sample k of cell i is stored at rec[i, k - rec_k0].
    A cell is done when its time passes `t_stop[i]` or it has fired
    `stop_spikes[i]` spikes (0 = never). All state is updated in place.
    """
    ncell = y.shape[0]
    _library().advance_batch(
        ncell, y, f, t, h, yp, fp, tp, fvalid, ksample, bpi,
        params, seg, seg.shape[1], bps, bps.shape[1], spikes, spikes.shape[1], stats,
        k_end, dt_out, t_stop, stop_spikes, rec, rec.shape[1], rec_k0,
        rtol, atol_v, atol_g, integrator, threads_for(ncell),
    )  # fmt: skip


def currents(v: np.ndarray, m: np.ndarray, h: np.ndarray, n: np.ndarray, params: np.ndarray):
    """I_Na, I_K, I_L (µA/cm², outward positive) for arrays of samples of one cell."""
    ina = params[P_GNA] * m**3 * h * (v - params[P_ENA])
    ik = params[P_GK] * n**4 * (v - params[P_EK])
    il = params[P_GL] * (v - params[P_EL])
    return ina, ik, il


def steady_gates(v: float, params: np.ndarray) -> tuple[float, float, float]:
    """m∞, h∞, n∞ at voltage v (mV)."""
    out = np.empty(3)
    _library().steady_gates(np.array([float(v)]), 1, np.ascontiguousarray(params), out)
    return float(out[0]), float(out[1]), float(out[2])


def gate_rates_array(v: np.ndarray, params: np.ndarray) -> np.ndarray:
    """α and β of m, h, n over the voltage samples v (1/ms); shape [6, N]."""
    v = np.ascontiguousarray(v, dtype=float)
    out = np.empty((6, len(v)))
    _library().gate_rates(v, len(v), np.ascontiguousarray(params), out)
    return out


def steady_current(v: float, params: np.ndarray) -> float:
    """Net ionic current (µA/cm², outward positive) with every gate at steady state."""
    return float(_library().steady_current(float(v), np.ascontiguousarray(params)))


def resting_potential(params: np.ndarray, v_lo: float, v_hi: float, grid_step: float) -> float:
    """Lowest stable zero of the steady-state I–V curve in [v_lo, v_hi] (mV), NaN if none."""
    return float(_library().resting_potential(np.ascontiguousarray(params), v_lo, v_hi, grid_step))
