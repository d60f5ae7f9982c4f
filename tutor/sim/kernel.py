"""The integration kernel: the compiled extension (kernel.c) or its numpy twin.

Two implementations of the same integrators behind one set of functions:

- `compiled`: kernel.c, built when the package is installed (setup.py, a
  setuptools extension marked optional) into `tutor/sim/_kernel*.so|.pyd` and
  called through ctypes. Nothing is compiled at run time and nothing is
  written anywhere; loading it costs ~1 ms.
- `python`: `tutor.sim.pykernel`, the same algorithms in Python/numpy, for
  machines where the package was installed without a C compiler.

`TUTOR_KERNEL=compiled|python` chooses explicitly; unset, the compiled
kernel is used when present and the numpy one otherwise, announced once on
stderr (by the command line after a command succeeded: `defer_notice`,
`flush_notice`; `notice()` gives the same line to the TUI). A compiled library that
no longer matches the kernel.c beside it (kernel.c edited, `uv sync` not run)
is never used: its hash is checked at load.

Why C and not numba: both run the loop at the same speed, but numba costs
0.8–1.5 s at every process start (its import plus LLVM initialisation), which
alone would make `tutor sweep fi` slower than the margin over NEURON we
promise and the TUI's first frame slower than 1 s.

This module exposes thin typed wrappers; see kernel.c for the algorithms and
`tutor.sim.engine` for the state layout.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import hashlib
import importlib.machinery
import os
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from tutor.sim.params import ParameterError

# Parameter vector indices (per cell) — keep in sync with kernel.c.
P_KIN, P_GNA, P_GK, P_GL, P_ENA, P_EK, P_EL, P_CM, P_Q, P_VT = range(10)
P_GKL, P_GNAL, P_GCLL, P_ECL, P_IPUMP, P_KMNA, P_KMK = range(10, 17)
P_NAI, P_KI, P_CLI, P_NAO, P_KO, P_CLO, P_RTF, P_CRATE = range(17, 25)
P_NERNST_NA, P_NERNST_K, P_NERNST_CL = range(25, 28)
NPARAMS = 28
#: State per cell: V (mV), m, h, n, [Na⁺]ᵢ, [K⁺]ᵢ, [Cl⁻]ᵢ (mM).
NSTATE = 7
#: Index of each state variable.
S_V, S_M, S_H, S_N, S_NAI, S_KI, S_CLI = range(7)
# Reduction indices.
ST_VMAX, ST_TMAX, ST_VMIN, ST_TMIN, ST_AHP_OPEN, ST_NSPK, ST_DONE, ST_NSTEPS = range(8)
NSTATS = 8
# Integrator codes.
INT_DP5 = 0
INT_EXPEULER = 1

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "kernel.c"
#: Values of TUTOR_KERNEL.
CHOICES = ("compiled", "python")
ENV_VAR = "TUTOR_KERNEL"


class KernelChoiceError(ValueError):
    """TUTOR_KERNEL names no kernel (a usage error: exit 2)."""


class KernelUnavailableError(RuntimeError):
    """The kernel asked for cannot be used here (e.g. compiled, but not installed)."""


#: Accepted integration steps one cell may take in one `advance_batch` call (a whole run,
#: a live chunk, one bisection round). A normal run needs a few hundred steps per spike,
#: so this allows thousands of spikes, while parameters that make the membrane absurdly
#: stiff (cm = 1e-9 µF/cm²) end in seconds with StepBudgetError instead of running for hours.
MAX_STEPS_PER_CELL = 5_000_000
#: Steps per call of the compiled kernel, shared among the cells of a batch (at least
#: 256 each): control returns to Python this often, so Ctrl-C (KeyboardInterrupt,
#: delivered between bytecodes) stops even a 10 000-cell sweep within ~0.2 s. Resuming
#: is exact: the whole integrator state lives in the caller's buffers.
STEP_CHUNK = 500_000


class StepBudgetError(ParameterError):
    """A run needed more integration steps than its budget (stiff parameters or endless run)."""

    def __init__(self, t_ms: float, limit: int) -> None:
        self.t_ms = t_ms
        self.limit = limit
        super().__init__(
            f"the run needs more than {limit:,} integration steps (stopped at model time "
            f"t = {t_ms:.6g} ms): the parameters make the membrane too stiff or the run too long"
        )


def requested() -> str | None:
    """The kernel TUTOR_KERNEL asks for, None when unset; raises KernelChoiceError if invalid."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    if value not in CHOICES:
        raise KernelChoiceError(
            f"{ENV_VAR}={value!r} is not a kernel (choose {' or '.join(CHOICES)})"
        )
    return value


def compiled_path() -> Path | None:
    """The installed extension beside this file, if any."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = HERE / f"_kernel{suffix}"
        if candidate.is_file():
            return candidate
    return None


def _source_hash() -> int | None:
    """Hash of kernel.c as setup.py stamps it into the build (None: no source here, a wheel)."""
    try:
        code = SOURCE.read_bytes()
    except OSError:
        return None
    return int(hashlib.sha256(code).hexdigest()[:15], 16)


def _load_compiled() -> ctypes.CDLL:
    """Load the compiled kernel and declare its functions; KernelUnavailableError if unusable."""
    path = compiled_path()
    if path is None:
        raise KernelUnavailableError(
            "the compiled kernel is not installed (the package was built without a C compiler)"
        )
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as exc:
        raise KernelUnavailableError(
            f"the compiled kernel {path.name} cannot be loaded: {exc}"
        ) from exc
    lib.kernel_source_hash.restype = ctypes.c_longlong
    lib.kernel_source_hash.argtypes = []
    expected = _source_hash()
    if expected is not None and lib.kernel_source_hash() != expected:
        raise KernelUnavailableError(
            f"the compiled kernel {path.name} was built from an older kernel.c "
            "(run `uv sync` to rebuild it)"
        )
    ptr, I64, D = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
    lib.advance_batch.restype = ctypes.c_int64
    lib.advance_batch.argtypes = [
        I64, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr,
        ptr, ptr, I64, ptr, I64, ptr, I64, ptr,
        ptr, D, ptr, ptr, ptr, I64, I64,
        D, D, D, I64, I64, I64,
    ]  # fmt: skip
    for name in ("steady_gates", "gate_rates"):
        getattr(lib, name).restype = None
        getattr(lib, name).argtypes = [ptr, I64, ptr, ptr]
    lib.state_derivative.restype = None
    lib.state_derivative.argtypes = [ptr, ptr, D, ptr]
    lib.currents_of_state.restype = None
    lib.currents_of_state.argtypes = [ptr, ptr, ptr]
    lib.resting_potential.restype = D
    lib.resting_potential.argtypes = [ptr, D, D, D]
    return lib


_notice: list[str] = []


@cache
def _backend() -> tuple[str, Any]:
    """(name, implementation) of the kernel this process uses; chosen once."""
    _notice.clear()
    _written.clear()
    choice = requested()
    reason = "the numpy kernel was asked for"
    if choice != "python":
        try:
            return "compiled", _load_compiled()
        except KernelUnavailableError as exc:
            if choice == "compiled":
                raise KernelUnavailableError(f"{ENV_VAR}=compiled: {exc}") from None
            reason = str(exc)
    try:
        from tutor.sim import pykernel
    except ImportError as exc:  # numpy missing: nothing can run
        raise KernelUnavailableError(f"{reason}, and the numpy kernel cannot load: {exc}") from None
    if choice is None:  # chosen automatically: say so, once
        _notice.append(f"{reason}; using the numpy kernel (same numbers, slower)")
        if not _deferred:
            flush_notice()
    return "python", pykernel


#: The command line defers the note (`defer_notice`) and writes it when the command has
#: succeeded, so that a command failing after the kernel was chosen still prints its
#: error as the only line on stderr.
_deferred = False
_written: list[str] = []


def defer_notice() -> None:
    """Keep the fallback note until `flush_notice()` instead of writing it at once."""
    global _deferred
    _deferred = True


def flush_notice() -> None:
    """Write the fallback note on stderr, once per choice (nothing if there is none)."""
    if _notice and _written != _notice:
        _written[:] = _notice
        with contextlib.suppress(OSError, ValueError):  # no usable stderr: the TUI shows it
            sys.stderr.write(f"tutor: note: {_notice[0]}\n")


def reset() -> None:
    """Forget the kernel chosen (the next call chooses again from TUTOR_KERNEL); for tests."""
    _backend.cache_clear()


def backend_name() -> str:
    """'compiled' or 'python': the kernel this process runs (choosing it if not yet done)."""
    return _backend()[0]


def notice() -> str | None:
    """The one-line note shown when the numpy kernel was chosen automatically, else None."""
    _backend()
    return _notice[0] if _notice else None


def _lib() -> Any:
    return _backend()[1]


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
    rtol, atol_v, atol_g, integrator, max_steps=None,
) -> None:  # fmt: skip
    """Advance every cell until its sample index reaches `k_end[i]` or it is done.

    Buffers (flat, row-major; 'q' = int64, others float64): y, f, yp, fp [C×NSTATE];
    t, h, tp [C]; fvalid, ksample, bpi, k_end, stop_spikes [C] ('q');
    params [C×NPARAMS]; seg [C×nseg×4] stimulus pieces (t_on, t_off, amp_on,
    amp_off); bps [C×nbp] sorted breakpoints padded with +inf; spikes
    [C×maxsp]; stats [C×NSTATS]; rec [C×nrec×NSTATE] output samples (nrec may be 0):
    sample k of cell i is stored at rec[i, k − rec_k0]. A cell is done when its
    time passes `t_stop[i]` or it has fired `stop_spikes[i]` spikes (0 = never).
    All state is updated in place.

    Both kernels return to Python every STEP_CHUNK steps per cell (so Ctrl-C works in
    the compiled one; the numpy one mirrors it, so both stop at the same places), and
    the run stops with StepBudgetError once a cell has taken `max_steps` (default
    MAX_STEPS_PER_CELL, the same on both kernels) steps in this call.
    """
    name, lib = _backend()
    budget = MAX_STEPS_PER_CELL if max_steps is None else int(max_steps)
    flat_stats = stats.reshape(-1) if hasattr(stats, "reshape") else stats
    steps_before = list(flat_stats[ST_NSTEPS::NSTATS])
    chunk = max(256, STEP_CHUNK // max(ncell, 1))
    if name == "python":
        args: tuple[Any, ...] = (
            ncell, y, f, t, h, yp, fp, tp, fvalid, ksample, bpi, params, seg, nseg, bps, nbp,
            spikes, maxsp, stats, k_end, dt_out, t_stop, stop_spikes, rec, nrec, rec_k0,
            rtol, atol_v, atol_g, integrator, chunk,
        )  # fmt: skip
    else:
        d = addr
        args = (
            ncell, d(y), d(f), d(t), d(h), d(yp), d(fp), d(tp), d(fvalid, "q"), d(ksample, "q"),
            d(bpi, "q"), d(params), d(seg), nseg, d(bps), nbp, d(spikes), maxsp, d(stats),
            d(k_end, "q"), dt_out, d(t_stop), d(stop_spikes, "q"), d(rec), nrec, rec_k0,
            rtol, atol_v, atol_g, integrator, threads_for(ncell), chunk,
        )  # fmt: skip
    while lib.advance_batch(*args) > 0:  # a cell stopped at its chunk: check, then resume
        steps_now = flat_stats[ST_NSTEPS::NSTATS]
        taken = [float(a) - b for a, b in zip(steps_now, steps_before, strict=True)]
        worst = max(range(len(taken)), key=taken.__getitem__)
        if taken[worst] >= budget:
            raise StepBudgetError(float(t[worst]), budget)


def currents(state: Any, params: Any) -> dict[str, Any]:
    """Every membrane current (µA/cm², outward positive) of samples of one cell, by name.

    `state` is [N, NSTATE] (numpy) or one state of NSTATE values; returns a dict
    `i_na i_k i_l i_leak_k i_leak_na i_leak_cl i_pump` (the names of
    `tutor.sim.ions.CURRENT_NAMES`) of arrays or floats. The same formulas as
    kernel.c's `membrane_currents`, vectorised.
    """
    import numpy as np

    y = np.asarray(state, dtype=float)
    v, m, h, n = y[..., S_V], y[..., S_M], y[..., S_H], y[..., S_N]
    nai, ki, cli = y[..., S_NAI], y[..., S_KI], y[..., S_CLI]
    p = params
    dyn = p[P_CRATE] > 0
    rtf = p[P_RTF]
    ena = rtf * np.log(p[P_NAO] / nai) if dyn and p[P_NERNST_NA] > 0 else p[P_ENA]
    ek = rtf * np.log(p[P_KO] / ki) if dyn and p[P_NERNST_K] > 0 else p[P_EK]
    ecl = -rtf * np.log(p[P_CLO] / cli) if dyn and p[P_NERNST_CL] > 0 else p[P_ECL]
    if p[P_IPUMP] > 0:
        na_for_pump = nai if dyn else p[P_NAI]
        ipump = p[P_IPUMP] / (1 + p[P_KMNA] / na_for_pump) ** 3 / (1 + p[P_KMK] / p[P_KO]) ** 2
        ipump = ipump + 0 * v
    else:
        ipump = 0 * v
    out = {
        "i_na": p[P_GNA] * m**3 * h * (v - ena),
        "i_k": p[P_GK] * n**4 * (v - ek),
        "i_leak_k": p[P_GKL] * (v - ek),
        "i_leak_na": p[P_GNAL] * (v - ena),
        "i_leak_cl": p[P_GCLL] * (v - ecl),
        "i_l": p[P_GL] * (v - p[P_EL]),
        "i_pump": ipump,
    }
    if y.ndim == 1:
        return {k: float(x) for k, x in out.items()}
    return out


def state_derivative(state: Iterable[float], params: Any, istim: float = 0.0) -> list[float]:
    """d(state)/dt of one cell (NSTATE values) as the kernel computes it."""
    state = [float(x) for x in state]
    name, lib = _backend()
    if name == "python":
        return list(lib._deriv(state, [float(x) for x in params], float(istim)))
    y = (ctypes.c_double * NSTATE)(*state)
    out = (ctypes.c_double * NSTATE)()
    row = _row(params)
    lib.state_derivative(
        ctypes.addressof(y), ctypes.addressof(row), float(istim), ctypes.addressof(out)
    )
    return list(out)


#: Order of the currents `currents_of_state` returns.
STATE_CURRENTS: tuple[str, ...] = (
    "i_na", "i_k", "i_l", "i_leak_k", "i_leak_na", "i_leak_cl", "i_pump",
)  # fmt: skip


def currents_of_state(state: Iterable[float], params: Any) -> list[float]:
    """The kernel's currents of one state, in the order of STATE_CURRENTS (µA/cm²)."""
    state = [float(x) for x in state]
    name, lib = _backend()
    if name == "python":
        return list(lib._currents(state, [float(x) for x in params]))
    y = (ctypes.c_double * NSTATE)(*state)
    out = (ctypes.c_double * len(STATE_CURRENTS))()
    row = _row(params)
    lib.currents_of_state(ctypes.addressof(y), ctypes.addressof(row), ctypes.addressof(out))
    return list(out)


def steady_gates(v: float, params: Iterable[float]) -> tuple[float, float, float]:
    """m∞, h∞, n∞ at voltage v (mV)."""
    name, lib = _backend()
    if name == "python":
        return lib.steady_gates(float(v), params)
    out = (ctypes.c_double * 3)()
    vv = (ctypes.c_double * 1)(float(v))
    row = _row(params)  # keep a reference for the duration of the call
    lib.steady_gates(ctypes.addressof(vv), 1, ctypes.addressof(row), ctypes.addressof(out))
    return float(out[0]), float(out[1]), float(out[2])


def gate_rates_array(v, params):
    """α and β of m, h, n over the voltage samples v (1/ms); numpy array of shape [6, N]."""
    import numpy as np

    v = np.ascontiguousarray(v, dtype=float)
    name, lib = _backend()
    if name == "python":
        return lib.gate_rates(v, params)
    out = np.empty((6, len(v)))
    row = _row(params)
    lib.gate_rates(v.ctypes.data, len(v), ctypes.addressof(row), out.ctypes.data)
    return out


def gate_rates_list(v_mV: list[float], params: Iterable[float]) -> list[float]:
    """α and β of m, h, n (1/ms, Q10 applied) at each voltage, without numpy (compiled).

    Flat list of 6·N values in the order αm…, βm…, αh…, βh…, αn…, βn… (N each).
    The voltage-clamp family (`tutor.lab.clamp`) takes this path: under a clamp
    V is piecewise constant, so the rates at the command voltages are all the
    kinetics it needs, and it must not pay numpy's import on `tutor clamp`.
    """
    name, lib = _backend()
    if name == "python":  # the numpy kernel: numpy is there anyway
        import numpy as np

        return [float(x) for x in lib.gate_rates(np.asarray(v_mV, dtype=float), params).ravel()]
    n = len(v_mV)
    vv = (ctypes.c_double * max(n, 1))(*[float(x) for x in v_mV])
    out = (ctypes.c_double * max(6 * n, 1))()
    row = _row(params)
    lib.gate_rates(ctypes.addressof(vv), n, ctypes.addressof(row), ctypes.addressof(out))
    return list(out[: 6 * n])


def resting_potential(params: Iterable[float], v_lo: float, v_hi: float, grid_step: float) -> float:
    """Lowest stable zero of the steady-state I–V curve in [v_lo, v_hi] (mV), NaN if none."""
    name, lib = _backend()
    if name == "python":
        return lib.resting_potential(params, v_lo, v_hi, grid_step)
    row = _row(params)
    return float(lib.resting_potential(ctypes.addressof(row), v_lo, v_hi, grid_step))


@cache
def cable_library() -> ctypes.CDLL:
    """The compiled kernel with its cable function declared (see kernel.c, `cable_advance`).

    Raises KernelUnavailableError when this process runs the numpy kernel: the cable
    engine then uses its own numpy twin (`tutor.sim.cable`).
    """
    name, lib = _backend()
    if name != "compiled":
        raise KernelUnavailableError("the compiled kernel is not in use")
    ptr, I64, D = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
    lib.cable_advance.restype = None
    lib.cable_advance.argtypes = [
        I64, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, D, D, I64,
        ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, I64, ptr, I64,
    ]  # fmt: skip
    return lib


def cable_advance(
    ncable, offsets, active, par, v, m, h, n, clamp_start, clamp_site, clamp, t_ms, dt_ms, nsteps,
    first, count, vmax, tmax, vbef, vaft, atlast, rec, record_every, work,
) -> None:  # fmt: skip
    """Advance a stacked batch of cables by `nsteps` steps (layout in kernel.c and
    `tutor.sim.cable.CableBatch`). Buffers are float64 ('d') except offsets, active,
    clamp_start and clamp_site (int64, 'q'); `rec` ([nsteps // record_every, M] numpy)
    may be None when record_every is 0.

    One thread: a propagation run calls this every 0.25 ms of model time with a few
    milliseconds of work, and OpenMP's waiting threads spin between calls — on the
    2-core benchmark machine two threads doubled the CPU time and slowed the sweep.
    """
    d = addr
    rec_addr = d(rec) if rec is not None and rec.size else None
    cable_library().cable_advance(
        ncable, d(offsets, "q"), d(active, "q"), d(par), d(v), d(m), d(h), d(n),
        d(clamp_start, "q"),
        d(clamp_site, "q"), d(clamp), t_ms, dt_ms, nsteps, d(first), d(count), d(vmax), d(tmax),
        d(vbef), d(vaft), d(atlast), rec_addr, record_every, d(work), 1,
    )  # fmt: skip
