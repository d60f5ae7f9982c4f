"""Label a finished run with the phase machine (the same code the TUI runs live)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tutor.lab.events import Event
from tutor.lab.phases import PhaseMachine
from tutor.sim.engine import SimResult


def annotate(res: SimResult, probes: bool = True, chunk_ms: float | None = None) -> list[Event]:
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


def labels_from_events(
    t_ms: Iterable[float],
    events: Sequence[Mapping[str, Any]],
    kind: str = "phase",
    initial: str = "resting",
) -> list[str]:
    """The state every sample is in, rebuilt from a time-ordered event stream.

    A sample at time t is in the state the last `kind` transition at or before t
    entered (`initial` before the first). This is how a finished run is coloured
    by phase (a mark question's trace); the live lab reads the machine's own
    per-sample `labels` instead.
    """
    changes = [(float(e["t_ms"]), str(e["phase"])) for e in events if e.get("kind") == kind]
    out: list[str] = []
    state, k = initial, 0
    for t in t_ms:
        while k < len(changes) and changes[k][0] <= float(t) + 1e-9:
            state = changes[k][1]
            k += 1
        out.append(state)
    return out
