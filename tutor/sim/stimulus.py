"""Stimulus protocols as small validated objects.

Every protocol reduces to pieces `(t_on_ms, t_off_ms, amp_on, amp_off)`: a
current (µA/cm², positive = depolarising, injected into the cell) that goes
linearly from `amp_on` at `t_on_ms` to `amp_off` at `t_off_ms` and is zero
outside. The kernel sums the pieces and never steps across their edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tutor.sim.params import ParameterError

Piece = tuple[float, float, float, float]


class StimulusError(ParameterError):
    """A stimulus with an impossible value (negative width, …)."""


def _check(name: str, value: float, low: float | None = None, strict: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StimulusError(f"{name} must be a finite number, got {value!r}")
    if low is not None and (value <= low if strict else value < low):
        raise StimulusError(f"{name} must be {'>' if strict else '≥'} {low:g}, got {value:g}")


class _Stimulus:
    """Base: a protocol that reduces to current pieces (see module docstring)."""

    def pieces(self) -> list[Piece]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Pulse(_Stimulus):
    """A rectangular current pulse: onset `delay_ms` (ms ≥ 0), `width_ms` (ms > 0),
    `amp_uA_cm2` (µA/cm², negative hyperpolarises)."""

    delay_ms: float
    width_ms: float
    amp_uA_cm2: float
    kind: str = field(default="pulse", init=False)

    def __post_init__(self) -> None:
        _check("delay_ms", self.delay_ms, 0.0)
        _check("width_ms", self.width_ms, 0.0, strict=True)
        _check("amp_uA_cm2", self.amp_uA_cm2)

    def pieces(self) -> list[Piece]:
        end = self.delay_ms + self.width_ms
        return [(self.delay_ms, end, self.amp_uA_cm2, self.amp_uA_cm2)]


@dataclass(frozen=True)
class Step(Pulse):
    """A long pulse (same physics; a separate name reads better in protocols)."""

    kind: str = field(default="step", init=False)


@dataclass(frozen=True)
class Train(_Stimulus):
    """`count` identical pulses (width ms, amplitude µA/cm²), onsets `interval_ms` apart
    starting at `delay_ms`."""

    delay_ms: float
    width_ms: float
    amp_uA_cm2: float
    count: int
    interval_ms: float
    kind: str = field(default="train", init=False)

    def __post_init__(self) -> None:
        _check("delay_ms", self.delay_ms, 0.0)
        _check("width_ms", self.width_ms, 0.0, strict=True)
        _check("amp_uA_cm2", self.amp_uA_cm2)
        _check("interval_ms", self.interval_ms, 0.0, strict=True)
        if not isinstance(self.count, int) or not 1 <= self.count <= 100000:
            raise StimulusError(f"count must be a whole number 1 … 100000, got {self.count!r}")

    def pieces(self) -> list[Piece]:
        return [
            (
                self.delay_ms + k * self.interval_ms,
                self.delay_ms + k * self.interval_ms + self.width_ms,
                self.amp_uA_cm2,
                self.amp_uA_cm2,
            )
            for k in range(self.count)
        ]


@dataclass(frozen=True)
class Ramp(_Stimulus):
    """A current rising linearly from `start_uA_cm2` to `stop_uA_cm2` (µA/cm²)
    over `duration_ms` (ms > 0) from `delay_ms` (ms ≥ 0)."""

    delay_ms: float
    duration_ms: float
    stop_uA_cm2: float
    start_uA_cm2: float = 0.0
    kind: str = field(default="ramp", init=False)

    def __post_init__(self) -> None:
        _check("delay_ms", self.delay_ms, 0.0)
        _check("duration_ms", self.duration_ms, 0.0, strict=True)
        _check("start_uA_cm2", self.start_uA_cm2)
        _check("stop_uA_cm2", self.stop_uA_cm2)

    def pieces(self) -> list[Piece]:
        end = self.delay_ms + self.duration_ms
        return [(self.delay_ms, end, self.start_uA_cm2, self.stop_uA_cm2)]


@dataclass(frozen=True)
class Holding(_Stimulus):
    """A constant holding current (µA/cm²) from `delay_ms` (default t = 0) on, for ever."""

    amp_uA_cm2: float
    delay_ms: float = 0.0
    kind: str = field(default="holding", init=False)

    def __post_init__(self) -> None:
        _check("delay_ms", self.delay_ms, 0.0)
        _check("amp_uA_cm2", self.amp_uA_cm2)

    def pieces(self) -> list[Piece]:
        return [(self.delay_ms, math.inf, self.amp_uA_cm2, self.amp_uA_cm2)]


Stimulus = Pulse | Step | Train | Ramp | Holding
