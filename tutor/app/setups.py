"""Lab setups: what `S` saves and `tutor lab --setup FILE` opens.

A setup is the lab's knobs, not its history: preset, temperature, drug
blocks, parameter overrides (`--set` names, the ion concentrations among them
where the preset has ions), the holding current and the stimulus panel. It is
a small TOML file a learner or a teacher can read and edit::

    # neuron-tutor lab setup: open with `tutor lab --setup FILE`
    version = 1
    preset = "textbook"
    celsius = 36.0
    blocks = ["ttx"]
    hold_uA_cm2 = 0.0

    [stimulus]
    amp_uA_cm2 = 20.0
    width_ms = 1.0
    count = 2
    interval_ms = 10.0

    [set]
    gk = 30.0

A stimulus that is not one uniform train (a try-it's paired pulse of 20 then
100 µA/cm²) is kept whole as ``pulses`` in ``[stimulus]``, one inline table a
pulse, onsets from the first pulse's onset; it is what `space` then delivers
(``amp_uA_cm2`` … ``interval_ms`` are written too, from its first pulses, for
a reader)::

    [stimulus]
    pulses = [
      { onset_ms = 0.0, width_ms = 1.0, amp_uA_cm2 = 20.0 },
      { onset_ms = 5.0, width_ms = 1.0, amp_uA_cm2 = 100.0 },
    ]

Every mistake in a file is one `path:line:col: error[CODE]: message` line
(the content format's codes, `tutor.quiz.problems`), raised as `SetupError`
before the TUI starts. Nothing here imports Textual.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from tutor.quiz.problems import Problem
from tutor.quiz.tomlpos import PositionMap

if TYPE_CHECKING:
    from tutor.app.lab_session import LabState

#: The format version written by `S`; files with another version are refused.
SETUP_VERSION = 1
#: File name prefix of saved setups (next to the exports: `neuron-setup-<time>.toml`).
SETUP_PREFIX = "neuron-setup-"
#: Bounds of every number a setup holds (the same as the lab's keys allow).
STIMULUS_LIMITS: dict[str, tuple[float, float]] = {
    "amp_uA_cm2": (-200.0, 400.0),
    "width_ms": (0.05, 500.0),
    "count": (1, 50),
    "interval_ms": (0.5, 1000.0),
}
#: Keys of one pulse in ``[stimulus] pulses`` and their bounds (onset from the first, ms).
PULSE_LIMITS: dict[str, tuple[float, float]] = {
    "onset_ms": (0.0, 10_000.0),
    "width_ms": STIMULUS_LIMITS["width_ms"],
    "amp_uA_cm2": STIMULUS_LIMITS["amp_uA_cm2"],
}
CELSIUS_RANGE = (0.0, 45.0)
HOLD_RANGE_UA_CM2 = (-200.0, 200.0)
_TOP_KEYS = ("version", "preset", "celsius", "blocks", "hold_uA_cm2", "stimulus", "set")


class SetupError(ValueError):
    """A setup file that cannot be opened; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class LabSetup:
    """The lab's knobs as a setup file holds them (units in the names)."""

    preset: str
    celsius: float | None = None
    """Temperature, °C; None: the preset's own."""
    blocks: tuple[str, ...] = ()
    overrides: dict[str, float] = field(default_factory=dict)
    """Parameter overrides by `tutor simulate --set` name (mS/cm², mV, mM…)."""
    hold_uA_cm2: float = 0.0
    amp_uA_cm2: float = 20.0
    width_ms: float = 1.0
    count: int = 1
    interval_ms: float = 10.0
    pulses: tuple[tuple[float, float, float], ...] = ()
    """(onset from the first ms, width_ms, amp_uA_cm2) of each pulse of a stimulus that
    is not one uniform train (`StimulusSettings.pattern`); () = the uniform train above."""

    @classmethod
    def from_state(cls, state: LabState, celsius: float) -> LabSetup:
        """The setup of the lab's knobs now; ``celsius`` is the temperature in effect
        (written as a number even when it is the preset's own)."""
        st = state.stimulus
        return cls(
            preset=state.preset,
            celsius=float(celsius),
            blocks=tuple(sorted(state.blocks)),
            overrides={k: float(v) for k, v in sorted(state.overrides.items())},
            hold_uA_cm2=float(state.hold_uA_cm2),
            amp_uA_cm2=float(st.amp_uA_cm2),
            width_ms=float(st.width_ms),
            count=int(st.count),
            interval_ms=float(st.interval_ms),
            pulses=tuple((float(o), float(w), float(a)) for o, w, a in st.pattern),
        )

    def to_toml(self) -> str:
        """The file `S` writes (read back by `parse_setup` into an equal setup)."""
        lines = [
            "# neuron-tutor lab setup: open with `tutor lab --setup FILE`",
            f"version = {SETUP_VERSION}",
            f"preset = {json.dumps(self.preset)}",
        ]
        if self.celsius is not None:
            lines.append(f"celsius = {self.celsius!r}  # °C")
        lines.append(f"blocks = [{', '.join(json.dumps(b) for b in self.blocks)}]")
        lines.append(f"hold_uA_cm2 = {self.hold_uA_cm2!r}")
        lines += [
            "",
            "[stimulus]",
            f"amp_uA_cm2 = {self.amp_uA_cm2!r}",
            f"width_ms = {self.width_ms!r}",
            f"count = {self.count}",
            f"interval_ms = {self.interval_ms!r}  # onset to onset",
        ]
        if self.pulses:
            lines.append("# every pulse `space` delivers (onset from the first pulse's onset):")
            lines.append("pulses = [")
            lines += [
                f"  {{ onset_ms = {o!r}, width_ms = {w!r}, amp_uA_cm2 = {a!r} }},"
                for o, w, a in self.pulses
            ]
            lines.append("]")
        if self.overrides:
            lines += ["", "[set]  # parameters by `tutor simulate --set` name"]
            lines += [f"{name} = {value!r}" for name, value in self.overrides.items()]
        return "\n".join(lines) + "\n"


def load_setup(path: Path) -> LabSetup:
    """Read and check a setup file (a regular file of sane size, UTF-8, valid TOML).

    Raises `SetupError` for a mistake in the file, OSError when it cannot be read.
    """
    from tutor.quiz import safety

    shown = str(path)
    try:
        text = safety.read_text(path)
    except safety.UnsafeFile as exc:
        raise SetupError(Problem(shown, 1, 1, exc.code, exc.message)) from None
    except UnicodeDecodeError:
        raise SetupError(Problem(shown, 1, 1, "E032", "not UTF-8 text")) from None
    return parse_setup(text, shown)  # (OSError: the caller names the argument)


def parse_setup(text: str, path: str) -> LabSetup:
    """Check a setup's text and return it; the first problem raises `SetupError`."""
    from tutor.quiz import safety

    for tp in safety.text_problems(text):
        raise SetupError(Problem(path, tp.line, tp.col, tp.code, tp.message))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise SetupError(Problem(path, line, col, "E001", f"TOML: {message}")) from None
    except RecursionError:
        raise SetupError(Problem(path, 1, 1, "E053", safety.too_deep_message())) from None
    pos = PositionMap(text)

    def fail(
        where: tuple[str | int, ...], code: str, message: str, at_value: bool = True
    ) -> NoReturn:
        p = (pos.value(where) if at_value else pos.key(where)) or (0, 0)
        raise SetupError(Problem(path, p[0] + 1, p[1] + 1, code, message))

    for where, code, message in safety.value_problems(data):
        fail(where, code, message)
    for key in data:
        if key not in _TOP_KEYS:
            fail((key,), "E003", f"unknown key '{key}' (known: {', '.join(_TOP_KEYS)})", False)

    def number(where: tuple[str, ...], value: Any, lo: float, hi: float, unit: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail(where, "E005", f"'{where[-1]}' must be a number ({unit}), not {value!r}")
        if not (math.isfinite(value) and lo <= value <= hi):
            fail(where, "E031", f"'{where[-1]}' = {value!r} is outside {lo:g} … {hi:g} {unit}")
        return float(value)

    version = data.get("version", SETUP_VERSION)
    if version != SETUP_VERSION:
        fail(("version",), "E031", f"setup version {version!r}; this tutor reads version 1")
    from tutor.sim import preset_names

    presets = preset_names()
    if "preset" not in data:
        raise SetupError(Problem(path, 1, 1, "E004", "required key 'preset' missing"))
    preset = data["preset"]
    if preset not in presets:
        fail(("preset",), "E016", f"unknown preset {preset!r} (known: {', '.join(presets)})")
    celsius = None
    if "celsius" in data:
        celsius = number(("celsius",), data["celsius"], *CELSIUS_RANGE, "°C")
    from tutor.sim.names import BLOCKS

    blocks = data.get("blocks", [])
    if not isinstance(blocks, list):
        fail(("blocks",), "E005", "'blocks' must be a list of names, e.g. [\"ttx\"]")
    for i, b in enumerate(blocks):
        if b not in BLOCKS:
            fail(("blocks", i), "E017", f"unknown block {b!r} (known: {', '.join(BLOCKS)})")
    hold = number(("hold_uA_cm2",), data.get("hold_uA_cm2", 0.0), *HOLD_RANGE_UA_CM2, "µA/cm²")
    stim = data.get("stimulus", {})
    if not isinstance(stim, dict):
        fail(("stimulus",), "E005", "'stimulus' must be a table ([stimulus])")
    values: dict[str, float] = {}
    defaults = LabSetup(preset=preset)
    for key in stim:
        if key not in STIMULUS_LIMITS and key != "pulses":
            known = ", ".join([*STIMULUS_LIMITS, "pulses"])
            fail(("stimulus", key), "E003", f"unknown key '{key}' (known: {known})", False)
    for key, (lo, hi) in STIMULUS_LIMITS.items():
        unit = key.rsplit("_", 1)[-1] if "_" in key else "pulses"
        unit = {"cm2": "µA/cm²"}.get(unit, unit)
        values[key] = number(("stimulus", key), stim.get(key, getattr(defaults, key)), lo, hi, unit)
    if values["count"] != int(values["count"]):
        fail(("stimulus", "count"), "E005", "'count' must be a whole number of pulses")
    pulses = _pulse_list(stim.get("pulses"), fail, number)
    overrides = data.get("set", {})
    if not isinstance(overrides, dict):
        fail(("set",), "E005", "'set' must be a table ([set]) of parameter = number")
    from tutor.sim import ParameterError, load_preset
    from tutor.sim.names import PARAMETER_NAMES

    over: dict[str, float] = {}
    for name, value in overrides.items():
        if name not in PARAMETER_NAMES:
            known = ", ".join(PARAMETER_NAMES)
            fail(("set", name), "E018", f"unknown parameter '{name}' (known: {known})", False)
        over[name] = number(("set", name), value, -math.inf, math.inf, "")
    try:
        params = load_preset(preset).with_overrides(over)
        if celsius is not None:
            params.at_temperature(celsius)
    except ParameterError as exc:
        named = re.search(r"parameter '(\w+)'", str(exc))
        culprit = named.group(1) if named else ""
        where = ("set", culprit) if culprit in over else ("celsius",) if culprit else ("set",)
        fail(where if over or culprit == "celsius" else ("preset",), "E031", str(exc))
    return LabSetup(
        preset=preset,
        celsius=celsius,
        blocks=tuple(blocks),
        overrides=over,
        hold_uA_cm2=hold,
        amp_uA_cm2=values["amp_uA_cm2"],
        width_ms=values["width_ms"],
        count=int(values["count"]),
        interval_ms=values["interval_ms"],
        pulses=pulses,
    )


def _pulse_list(
    raw: Any, fail: Callable[..., NoReturn], number: Callable[..., float]
) -> tuple[tuple[float, float, float], ...]:
    """``[stimulus] pulses``: each an inline table of `PULSE_LIMITS`' keys, at most
    ``count``'s bound of them, onsets counted from the first (so the earliest is 0)."""
    if raw is None:
        return ()
    where: tuple[str | int, ...] = ("stimulus", "pulses")
    most = int(STIMULUS_LIMITS["count"][1])
    if not isinstance(raw, list) or not 1 <= len(raw) <= most:
        fail(where, "E005", f"'pulses' must be a list of 1 … {most} pulses, e.g. "
             "[{ onset_ms = 0.0, width_ms = 1.0, amp_uA_cm2 = 20.0 }]")  # fmt: skip
    out = []
    for i, pulse in enumerate(raw):
        if not isinstance(pulse, dict):
            fail(
                (*where, i), "E005", "each pulse must be a table { onset_ms, width_ms, amp_uA_cm2 }"
            )
        for key in pulse:
            if key not in PULSE_LIMITS:
                known = ", ".join(PULSE_LIMITS)
                fail((*where, i, key), "E003", f"unknown key '{key}' (known: {known})", False)
        values = []
        for key, (lo, hi) in PULSE_LIMITS.items():
            if key not in pulse:
                fail((*where, i), "E004", f"pulse {i + 1}: required key '{key}' missing")
            unit = "µA/cm²" if key == "amp_uA_cm2" else "ms"
            values.append(number((*where, i, key), pulse[key], lo, hi, unit))
        out.append((values[0], values[1], values[2]))
    first = min(o for o, _, _ in out)
    return tuple(sorted((o - first, w, a) for o, w, a in out))
