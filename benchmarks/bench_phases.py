"""Cost of the live path: `LiveSim.advance` + `PhaseMachine.feed` (probes on), per simulated ms.

Issue 4 asks for well under 1 ms of compute per ms of simulated time, probes
included. The run is 1 s of model time holding a few isolated spikes, a
subthreshold pulse and a 100 Hz train (the busiest case for the excitability
probes), fed in chunks the size the TUI uses (30 frames/s at 1…100 model-ms
per wall second ≈ 0.033…3.3 ms; a single sample is the worst case).

Usage::

    uv run python benchmarks/bench_phases.py [--preset squid] [--chunk-ms 1 0.025 3.3]
        [--repeat 3] [--no-probes]

Prints, per preset and chunk size: compute ms per simulated ms (best of the
repeats), the share spent in the phase machine, the slowest single chunk, and
the number of spikes and events.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

from tutor.lab.phases import PhaseMachine
from tutor.sim import LiveSim, Pulse, Train, load_preset

#: Length of the run (ms of model time).
RUN_MS = 1000.0
#: Sample interval (ms), the TUI's default.
DT_MS = 0.025


def protocol() -> list:
    """Three isolated 20 µA/cm² spikes, a 3 µA/cm² subthreshold pulse and a 100 Hz train."""
    return [
        Pulse(delay_ms=50.0, width_ms=1.0, amp_uA_cm2=20.0),
        Pulse(delay_ms=150.0, width_ms=1.0, amp_uA_cm2=3.0),
        Pulse(delay_ms=250.0, width_ms=1.0, amp_uA_cm2=20.0),
        Pulse(delay_ms=450.0, width_ms=1.0, amp_uA_cm2=20.0),
        Train(delay_ms=600.0, width_ms=1.0, amp_uA_cm2=30.0, count=10, interval_ms=10.0),
    ]


@dataclass
class Measurement:
    """One timed run."""

    total_s: float
    machine_s: float
    worst_chunk_s: float
    spikes: int
    events: int


def run_once(preset: str, chunk_ms: float, probes: bool) -> Measurement:
    """Advance 1 s of model time in `chunk_ms` pieces, feeding every chunk to the machine."""
    params = load_preset(preset)
    sim = LiveSim(params, dt_ms=DT_MS)
    for s in protocol():
        sim.add_stimulus(s)
    machine = PhaseMachine(params, probes=probes)  # resting threshold bisection: set-up, untimed
    total = machine_s = worst = 0.0
    n_chunks = int(round(RUN_MS / chunk_ms))
    for _ in range(n_chunks):
        t0 = time.perf_counter()
        chunk = sim.advance(chunk_ms)
        t1 = time.perf_counter()
        machine.feed(chunk, sim.pieces)
        t2 = time.perf_counter()
        total += t2 - t0
        machine_s += t2 - t1
        worst = max(worst, t2 - t0)
    machine.flush()
    spikes = sum(1 for e in machine.events if e["kind"] == "spike")
    return Measurement(total, machine_s, worst, spikes, len(machine.events))


def main() -> None:
    """Parse options, run, print one line per preset × chunk size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", nargs="+", default=["squid", "textbook"])
    ap.add_argument("--chunk-ms", nargs="+", type=float, default=[0.025, 1.0, 3.3])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-probes", action="store_true", help="excitability probes off")
    args = ap.parse_args()
    probes = not args.no_probes
    run_once(args.preset[0], 10.0, probes)  # warm-up: kernel load, caches
    print(
        f"live path, {RUN_MS:g} ms of model time, dt {DT_MS} ms, probes {'on' if probes else 'off'}"
    )
    print(
        f"{'preset':<9} {'chunk ms':>8} {'ms/ms':>7} {'median':>7} {'machine':>8} "
        f"{'worst chunk ms':>14} {'spikes':>6} {'events':>6}"
    )
    for preset in args.preset:
        for chunk_ms in args.chunk_ms:
            runs = [run_once(preset, chunk_ms, probes) for _ in range(args.repeat)]
            best = min(runs, key=lambda m: m.total_s)
            ratio = best.total_s * 1e3 / RUN_MS
            median = statistics.median(m.total_s for m in runs) * 1e3 / RUN_MS
            share = best.machine_s / best.total_s
            print(
                f"{preset:<9} {chunk_ms:8.3f} {ratio:7.3f} {median:7.3f} {share:8.0%} "
                f"{best.worst_chunk_s * 1e3:14.2f} {best.spikes:6d} {best.events:6d}"
            )


if __name__ == "__main__":
    main()
