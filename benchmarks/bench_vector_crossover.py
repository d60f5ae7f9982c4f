"""Where the numpy kernel should switch from cell-by-cell floats to numpy vectors.

`tutor.sim.pykernel.advance_batch` runs a batch of at least `VECTOR_MIN_CELLS`
cells in lock step as numpy arrays and smaller ones cell by cell in plain
floats. A vector round pays numpy's per-call overhead once for all cells but
steps every cell with the smallest common work; the scalar path pays Python's
float arithmetic per cell. This times both paths on the same batches, in one
process, so the crossover is measured rather than guessed.

Usage::

    TUTOR_KERNEL=python uv run python benchmarks/bench_vector_crossover.py [--repeats 3]

Two workloads, squid at 6.3 °C from rest: (a) 1 ms pulses of spread amplitudes
run until the first spike or 46 ms (a threshold bisection round); (b) 200 ms
of constant current (an f–I sweep's cells).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from functools import partial

from tutor.sim import pykernel
from tutor.sim.params import load_preset
from tutor.sim.reduce import initial_state, params_row, run_reduced


def timed(run: Callable[[], object], repeats: int) -> float:
    """Best of `repeats` wall times (ms): the least disturbed by other processes."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        best = min(best, (time.perf_counter() - t0) * 1000.0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cells", type=int, nargs="+", default=[6, 12, 24, 40, 64])
    args = ap.parse_args()
    if os.environ.get("TUTOR_KERNEL") != "python":
        raise SystemExit("run with TUTOR_KERNEL=python: this measures the numpy kernel")
    p = load_preset("squid")
    row = params_row(p)
    init = initial_state(p, p)

    def bisection_round(n: int) -> None:
        amps = [2.0 + i * 20.0 / n for i in range(n)]
        pieces = [[(5.0, 6.0, a, a)] for a in amps]
        run_reduced(row, pieces, init, [46.0] * n, stop_spikes=[1] * n, max_spikes=2)

    def fi_cells(n: int) -> None:
        amps = [2.0 + i * 20.0 / n for i in range(n)]
        run_reduced(row, [[(5.0, 200.0, a, a)] for a in amps], init, [200.0] * n, max_spikes=100)

    print(f"VECTOR_MIN_CELLS today: {pykernel.VECTOR_MIN_CELLS}")
    print("workload            cells  scalar (ms)  vector (ms)  faster")
    chosen = pykernel.VECTOR_MIN_CELLS
    try:
        for name, work in (("(a) bisection round", bisection_round), ("(b) 200 ms f–I", fi_cells)):
            for n in args.cells:
                pykernel.VECTOR_MIN_CELLS = 10**9
                scalar = timed(partial(work, n), args.repeats)
                pykernel.VECTOR_MIN_CELLS = 1
                vector = timed(partial(work, n), args.repeats)
                best = "scalar" if scalar < vector else "vector"
                print(f"{name:<20}{n:>5}  {scalar:>11.1f}  {vector:>11.1f}  {best}")
    finally:
        pykernel.VECTOR_MIN_CELLS = chosen


if __name__ == "__main__":
    main()
