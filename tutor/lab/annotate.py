"""Label a finished run with the phase machine (the same code the TUI runs live)."""

from __future__ import annotations

from tutor.lab.phases import PhaseMachine
from tutor.sim.engine import SimResult


def annotate(res: SimResult, probes: bool = True, chunk_ms: float | None = None) -> list[dict]:
    """Feed the whole trace of `res` through a `PhaseMachine`; return its time-ordered events.

    `chunk_ms` feeds it in pieces of that length (for tests of chunk independence).
    """
    if res.params is None:
        raise ValueError("annotate needs a SimResult made by simulate() (it records its params)")
    machine = PhaseMachine(res.params, base=res.base, probes=probes)
    pieces = [p for s in res.stimuli for p in s.pieces()]
    if chunk_ms is None:
        machine.feed(res, pieces)
    else:
        n = max(1, round(chunk_ms / (res.t_ms[1] - res.t_ms[0])))
        for start in range(0, len(res), n):
            machine.feed(res.slice(start, start + n), pieces)
    machine.flush()
    return machine.events
