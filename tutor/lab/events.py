"""The event stream's record type: one `Event` per transition or instant, time-ordered.

The same dicts feed the TUI, the quiz triggers and `tutor simulate --json`,
whose contract is `{t_ms, kind, phase?, v_mV, why?}`:

- `kind` is one of `tutor.lab.names.EVENT_KINDS`: the transitions `phase` and
  `excitability`, and the instants `threshold`, `threshold_failed`, `spike`,
  `peak`, `ahp_min`, `stimulus_on`, `stimulus_off`;
- `phase` holds the state a transition *entered* — a voltage phase for `phase`
  events and, for compatibility with that contract, the excitability state for
  `excitability` events, which also carry it under `excitability`, the key that
  says what it is (read that one in new code);
- `from` is the state the transition left (so `phase_exit` triggers need no
  memory of earlier events), `why` the model's explanation, and phase events
  name the `dominant` current (`I_Na`, `I_K`, `I_L`, `I_stim`).

Only the standard library is imported: the type costs nothing at run time.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from tutor.lab.names import EventKind

Event = TypedDict(
    "Event",
    {
        "t_ms": float,
        "kind": EventKind,
        "v_mV": float,
        "phase": NotRequired[str],
        "excitability": NotRequired[str],
        "from": NotRequired[str],
        "why": NotRequired[str],
        "dominant": NotRequired[str],
    },
)
"""One event of the stream (see the module docstring for what each key means)."""


def timeline(events: list[Event]) -> list[Event]:
    """The stream for a table read by people: one row per moment and meaning.

    The phase machine reports entering the `threshold` phase (a transition, with
    its explanation) and the `threshold` instant at the same sample; both belong
    in the stream (triggers and `simulate --json` match either), but a table
    listing both shows the same row twice. An instant whose name is the phase a
    transition at the same time entered is dropped here; the transition, which
    carries the why, stays.
    """
    entered = {(e["t_ms"], e.get("phase")) for e in events if e["kind"] == "phase"}
    return [
        e
        for e in events
        if e["kind"] in ("phase", "excitability") or (e["t_ms"], e["kind"]) not in entered
    ]
