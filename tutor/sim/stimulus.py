"""Stimulus protocols as small validated objects.

Every protocol reduces to pieces `(t_on_ms, t_off_ms, amp_on, amp_off)`: a
current (µA/cm², positive = depolarising, injected into the cell) that goes
linearly from `amp_on` at `t_on_ms` to `amp_off` at `t_off_ms` and is zero
outside. The kernel sums the pieces and never steps across their edges.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Piece = tuple[float, float, float, float]


class _Stimulus(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def pieces(self) -> list[Piece]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def onsets_ms(self) -> list[float]:
        """Times at which a current switches on (for `stimulus_on` events)."""
        return [p[0] for p in self.pieces()]

    @property
    def offsets_ms(self) -> list[float]:
        """Times at which a current switches off (for `stimulus_off` events)."""
        return [p[1] for p in self.pieces() if math.isfinite(p[1])]


class Pulse(_Stimulus):
    """A rectangular current pulse."""

    kind: Literal["pulse"] = "pulse"
    delay_ms: float = Field(ge=0, description="Onset time, ms.")
    width_ms: float = Field(gt=0, description="Duration, ms.")
    amp_uA_cm2: float = Field(description="Amplitude, µA/cm² (negative hyperpolarises).")

    def pieces(self) -> list[Piece]:
        end = self.delay_ms + self.width_ms
        return [(self.delay_ms, end, self.amp_uA_cm2, self.amp_uA_cm2)]


class Step(Pulse):
    """A long pulse (same physics; a separate name reads better in protocols)."""

    kind: Literal["step"] = "step"  # type: ignore[assignment]


class Train(_Stimulus):
    """`count` identical pulses, onsets `interval_ms` apart."""

    kind: Literal["train"] = "train"
    delay_ms: float = Field(ge=0, description="Onset of the first pulse, ms.")
    width_ms: float = Field(gt=0, description="Width of each pulse, ms.")
    amp_uA_cm2: float = Field(description="Amplitude of each pulse, µA/cm².")
    count: int = Field(ge=1, le=100000, description="Number of pulses.")
    interval_ms: float = Field(gt=0, description="Onset-to-onset interval, ms.")

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


class Ramp(_Stimulus):
    """A current that rises linearly from `start_uA_cm2` to `stop_uA_cm2`."""

    kind: Literal["ramp"] = "ramp"
    delay_ms: float = Field(ge=0, description="Onset, ms.")
    duration_ms: float = Field(gt=0, description="Duration, ms.")
    start_uA_cm2: float = Field(0.0, description="Current at onset, µA/cm².")
    stop_uA_cm2: float = Field(description="Current at the end, µA/cm².")

    def pieces(self) -> list[Piece]:
        return [
            (
                self.delay_ms,
                self.delay_ms + self.duration_ms,
                self.start_uA_cm2,
                self.stop_uA_cm2,
            )
        ]


class Holding(_Stimulus):
    """A constant holding current from `delay_ms` (default t = 0) on, for ever."""

    kind: Literal["holding"] = "holding"
    amp_uA_cm2: float = Field(description="Holding current, µA/cm².")
    delay_ms: float = Field(0.0, ge=0, description="Onset, ms.")

    def pieces(self) -> list[Piece]:
        return [(self.delay_ms, math.inf, self.amp_uA_cm2, self.amp_uA_cm2)]


Stimulus = Annotated[Pulse | Step | Train | Ramp | Holding, Field(discriminator="kind")]


def pack_pieces(stimuli_per_cell: list[list[_Stimulus]]) -> tuple[np.ndarray, np.ndarray]:
    """Pieces and sorted breakpoints for a batch, padded to common shapes.

    Returns `seg[C, S, 4]` and `bps[C, B]` (breakpoints padded with +inf, at
    least one +inf per cell so the kernel always has a next breakpoint).
    """
    pieces = [[p for s in stims for p in s.pieces()] for stims in stimuli_per_cell]
    return pack_raw_pieces(pieces)


def pack_raw_pieces(pieces: list[list[Piece]]) -> tuple[np.ndarray, np.ndarray]:
    """Like `pack_pieces`, from raw `(t_on, t_off, a_on, a_off)` tuples per cell."""
    ncell = len(pieces)
    nseg = max(1, max((len(p) for p in pieces), default=0))
    seg = np.zeros((ncell, nseg, 4))
    seg[:, :, 0] = math.inf
    seg[:, :, 1] = math.inf
    points: list[np.ndarray] = []
    for i, cell in enumerate(pieces):
        if cell:
            seg[i, : len(cell)] = np.asarray(cell, dtype=float)
            edges = np.unique(np.asarray([(p[0], p[1]) for p in cell]).ravel())
            points.append(edges[np.isfinite(edges)])
        else:
            points.append(np.empty(0))
    nbp = max((len(x) for x in points), default=0) + 1
    bps = np.full((ncell, nbp), math.inf)
    for i, edges in enumerate(points):
        bps[i, : len(edges)] = edges
    return seg, bps
