"""Settings of one TUI session, shared by the CLI, the tests and the benchmarks.

posting's pattern (one typed settings object; the CLI builds it from arguments
and the environment, tests build it directly with ``live=False`` and a
temporary data dir) — but a frozen dataclass validated in ``__post_init__``
rather than a pydantic model: importing pydantic costs ≈0.2 s, and nothing
before the first frame should (the engine brings pydantic in right after).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.app.setups import LabSetup

#: Simulation speeds offered by `[` and `]`, in ms of model time per wall second.
SPEEDS_MS_PER_S: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
#: Default speed: a textbook spike (threshold → back below rest, ≈2 ms) takes ≈2 s.
DEFAULT_SPEED_MS_PER_S = 1.0


@dataclass(frozen=True)
class AppSettings:
    """Everything that varies between runs of the app (units in the names)."""

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
    fps: float = 40.0
    """Advance/redraw rate of the live timer (Hz); 40 so that ≥30 frames/s survive jitter."""
    window_ms: float = 30.0
    """Width of the scrolling trace, ms of model time."""
    dt_ms: float = 0.025
    """Output sample interval of the live simulation, ms."""
    step_ms: float = 0.25
    """Model time advanced by `.` (single step), ms."""
    seed: int = 0
    """Seed for drawn question parameters and shuffles (reproducible sessions)."""
    questions: bool = True
    """Open triggered questions while the lab runs."""
    lesson: str | None = None
    """Lesson active at start (its triggered questions open in the lab)."""
    export_dir: Path | None = None
    """Where `x` writes (None: the current working directory)."""
    confidence: bool = False
    """Certainty-based marking: ask how sure the learner is (1–3) before grading."""
    setup: LabSetup | None = None
    """A saved lab setup to open at start (`tutor lab --setup FILE`; checked already)."""
    welcome: bool | None = None
    """The getting-started panel at start: True always, False never, None on the first
    launch only (recorded in the data dir) and only in a live app, so a test app
    (``live=False``) stays deterministic unless it asks for the panel."""

    def __post_init__(self) -> None:
        for name in ("data_dir", "content_dir", "export_dir"):
            val = getattr(self, name)
            if val is not None and not isinstance(val, Path):
                object.__setattr__(self, name, Path(val))
        for name in ("speed_ms_per_s", "fps", "window_ms", "dt_ms", "step_ms"):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"{name} must be > 0, not {getattr(self, name)!r}")
        if self.fps > 120:
            raise ValueError("fps must be ≤ 120")

    def replace(self, **changes: Any) -> AppSettings:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, **overrides: Any) -> AppSettings:
        """Settings with TUTOR_DATA_DIR applied unless ``data_dir`` is given; None = default."""
        values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        env_dir = os.environ.get("TUTOR_DATA_DIR")
        if "data_dir" not in values and env_dir:
            values["data_dir"] = Path(env_dir)
        return cls(**values)
