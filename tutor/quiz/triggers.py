"""When a question tied to the live event stream opens: pure trigger matching.

One definition for every caller — the TUI (through `tutor.app.quizbridge`) and
plain mode (`tutor.quiz.plain`) — with no state of its own: a transition event
carries both the state it enters (`phase`) and the state it leaves (`from`),
so "leaving the relative refractory period" is read off the event itself, not
reconstructed from what a caller happened to see before.

Triggers (docs/content-format.md): `phase_enter` / `phase_exit` with a phase or
excitability state name, or an instant kind (`spike`, `threshold`,
`threshold_failed`, `peak`, `ahp_min`), or `run_end` (the end of a finished run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Event kinds that are transitions (they carry `phase` and `from`).
TRANSITIONS: tuple[str, ...] = ("phase", "excitability")


def matches(on: str, phase: str | None, event: Mapping[str, Any]) -> bool:
    """Does `event` fire a trigger `on`/`phase`?

    `phase_enter`: a transition into `phase`. `phase_exit`: a transition whose
    `from` is `phase` (into any other state). Instants match by kind. `run_end`
    never matches a single event (see `first_match`).
    """
    kind = event.get("kind")
    if on == "phase_enter":
        return kind in TRANSITIONS and event.get("phase") == phase
    if on == "phase_exit":
        return kind in TRANSITIONS and event.get("from") == phase and event.get("phase") != phase
    if on == "run_end":
        return False
    return kind == on


def first_match(
    on: str, phase: str | None, events: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The first event of a stream that fires the trigger (`run_end`: the last event)."""
    if on == "run_end":
        return events[-1] if events else None
    for ev in events:
        if matches(on, phase, ev):
            return ev
    return None
