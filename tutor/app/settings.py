"""Settings of one TUI session, shared by the CLI, the tests and the benchmarks.

A frozen pydantic model (posting's pattern): the CLI builds it from
arguments and the environment, tests build it directly (``live=False``, a
temporary data dir), and nothing else reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

#: Simulation speeds offered by `[` and `]`, in ms of model time per wall second.
SPEEDS_MS_PER_S: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
#: Default speed: a textbook spike (threshold → back below rest, ≈2 ms) takes ≈2 s.
DEFAULT_SPEED_MS_PER_S = 1.0


class AppSettings(BaseModel):
    """Everything that varies between runs of the app."""

    model_config = ConfigDict(frozen=True)

    preset: str | None = None
    """Preset to start the lab with (None: the default preset, `textbook`)."""
    data_dir: Path | None = None
    """Progress store folder (None: TUTOR_DATA_DIR or the platform's user data dir)."""
    content_dir: Path | None = None
    """Lessons folder (None: the shipped content)."""
    live: bool = True
    """Run the simulation timer. Tests pass False and advance the model explicitly."""
    speed_ms_per_s: float = DEFAULT_SPEED_MS_PER_S
    """Model ms per wall-clock second at start."""
    fps: float = Field(40.0, gt=0, le=120)
    """Redraw / advance rate of the live timer."""
    window_ms: float = Field(30.0, gt=0)
    """Width of the scrolling trace, ms of model time."""
    dt_ms: float = Field(0.025, gt=0)
    """Output sample interval of the live simulation, ms."""
    step_ms: float = Field(0.25, gt=0)
    """Model time advanced by `.` (single step), ms."""
    seed: int = 0
    """Seed for drawn question parameters and shuffles (reproducible sessions)."""
    questions: bool = True
    """Open triggered questions while the lab runs."""
    export_dir: Path | None = None
    """Where `x` writes (None: the current working directory)."""

    @classmethod
    def from_env(cls, **overrides: object) -> AppSettings:
        """Settings with TUTOR_DATA_DIR applied unless ``data_dir`` is given."""
        values: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
        env_dir = os.environ.get("TUTOR_DATA_DIR")
        if "data_dir" not in values and env_dir:
            values["data_dir"] = Path(env_dir)
        return cls(**values)  # type: ignore[arg-type]
