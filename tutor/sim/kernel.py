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

import array
import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

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
    ptr, I64, D = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
    lib.advance_batch.restype = None
    lib.advance_batch.argtypes = [
        I64, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr,
        ptr, ptr, I64, ptr, I64, ptr, I64, ptr,
        ptr, D, ptr, ptr, ptr, I64, I64,
        D, D, D, I64, I64,
    ]  # fmt: skip
    for name in ("steady_gates", "gate_rates"):
        getattr(lib, name).restype = None
        getattr(lib, name).argtypes = [ptr, I64, ptr, ptr]
    lib.resting_potential.restype = D
    lib.resting_potential.argtypes = [ptr, D, D, D]
    return lib


def addr(buf: Any, typecode: str = "d") -> int:
    """Address of a contiguous float64 ('d') or int64 ('q') buffer for the kernel.

    Accepts `array.array` (the numpy-free path of the sweeps) and numpy arrays;
    refuses anything whose layout the C code would misread.
    """
    if isinstance(buf, array.array):
        if buf.typecode != typecode:
            raise TypeError(f"kernel buffer must have typecode {typecode!r}, got {buf.typecode!r}")
        return buf.buffer_info()[0]
    dtype = getattr(buf, "dtype", None)
    flags: Any = getattr(buf, "flags", None)
    expected = "float64" if typecode == "d" else "int64"
    if dtype is None or str(dtype) != expected or not flags["C_CONTIGUOUS"]:
        raise TypeError(f"kernel buffer must be a C-contiguous {expected} array")
    return int(buf.ctypes.data)


def _row(params: Iterable[float]) -> ctypes.Array:
    return (ctypes.c_double * NPARAMS)(*[float(x) for x in params])


def threads_for(ncell: int) -> int:
    """Use every core for big batches; one thread for small ones (no start-up cost)."""
    return min(os.cpu_count() or 1, 8) if ncell >= 16 else 1


def advance_batch(
    ncell, y, f, t, h, yp, fp, tp, fvalid, ksample, bpi,
    params, seg, nseg, bps, nbp, spikes, maxsp, stats,
    k_end, dt_out, t_stop, stop_spikes, rec, nrec, rec_k0,
    rtol, atol_v, atol_g, integrator,
) -> None:  # fmt: skip
    """Advance every cell until its sample index reaches `k_end[i]` or it is done.

    Buffers (flat, row-major; 'q' = int64, others float64): y, f, yp, fp [C×4];
    t, h, tp [C]; fvalid, ksample, bpi, k_end, stop_spikes [C] ('q');
    params [C×NPARAMS]; seg [C×nseg×4] stimulus pieces (t_on, t_off, amp_on,
    amp_off); bps [C×nbp] sorted breakpoints padded with +inf; spikes
    [C×maxsp]; stats [C×NSTATS]; rec [C×nrec×4] output samples (nrec may be 0):
    sample k of cell i is stored at rec[i, k − rec_k0]. A cell is done when its
    time passes `t_stop[i]` or it has fired `stop_spikes[i]` spikes (0 = never).
    All state is updated in place.
    """
    d = addr
    _library().advance_batch(
        ncell, d(y), d(f), d(t), d(h), d(yp), d(fp), d(tp), d(fvalid, "q"), d(ksample, "q"),
        d(bpi, "q"), d(params), d(seg), nseg, d(bps), nbp, d(spikes), maxsp, d(stats),
        d(k_end, "q"), dt_out, d(t_stop), d(stop_spikes, "q"), d(rec), nrec, rec_k0,
        rtol, atol_v, atol_g, integrator, threads_for(ncell),
    )  # fmt: skip


def currents(v, m, h, n, params):
    """I_Na, I_K, I_L (µA/cm², outward positive) for numpy arrays of samples of one cell."""
    ina = params[P_GNA] * m**3 * h * (v - params[P_ENA])
    ik = params[P_GK] * n**4 * (v - params[P_EK])
    il = params[P_GL] * (v - params[P_EL])
    return ina, ik, il


def steady_gates(v: float, params: Iterable[float]) -> tuple[float, float, float]:
    """m∞, h∞, n∞ at voltage v (mV)."""
    out = (ctypes.c_double * 3)()
    vv = (ctypes.c_double * 1)(float(v))
    row = _row(params)  # keep a reference for the duration of the call
    _library().steady_gates(ctypes.addressof(vv), 1, ctypes.addressof(row), ctypes.addressof(out))
    return float(out[0]), float(out[1]), float(out[2])


def gate_rates_array(v, params):
    """α and β of m, h, n over the voltage samples v (1/ms); numpy array of shape [6, N]."""
    import numpy as np

    v = np.ascontiguousarray(v, dtype=float)
    out = np.empty((6, len(v)))
    row = _row(params)
    _library().gate_rates(v.ctypes.data, len(v), ctypes.addressof(row), out.ctypes.data)
    return out


def resting_potential(params: Iterable[float], v_lo: float, v_hi: float, grid_step: float) -> float:
    """Lowest stable zero of the steady-state I–V curve in [v_lo, v_hi] (mV), NaN if none."""
    row = _row(params)
    return float(_library().resting_potential(ctypes.addressof(row), v_lo, v_hi, grid_step))
