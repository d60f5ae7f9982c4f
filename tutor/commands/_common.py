"""Argument types and options shared by `simulate` and `sweep`.

Argument types raise `argparse.ArgumentTypeError`, so a malformed value is
reported by argparse as one line naming the argument, with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from typing import Any

from tutor.lab.names import BLOCKS, PARAMETER_NAMES, PRESET_NAMES


def finite_float(text: str) -> float:
    """A finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got '{text}'")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def nonneg_float(text: str) -> float:
    """A finite number ≥ 0."""
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0, got {text}")
    return value


def _at_most_run(value: float, text: str) -> float:
    from tutor.sim.limits import MAX_RUN_MS

    if value > MAX_RUN_MS:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_RUN_MS:g} ms of model time is allowed, got {text}"
        )
    return value


def duration_ms(text: str) -> float:
    """A model time > 0 and ≤ MAX_RUN_MS (ms): run length, pulse width, step length."""
    return _at_most_run(positive_float(text), text)


def onset_ms(text: str) -> float:
    """A model time ≥ 0 and ≤ MAX_RUN_MS (ms): a pulse onset."""
    return _at_most_run(nonneg_float(text), text)


def amplitude(text: str) -> float:
    """A stimulus amplitude (µA/cm²) of magnitude ≤ MAX_AMP_UA_CM2."""
    from tutor.sim.limits import MAX_AMP_UA_CM2

    value = finite_float(text)
    if abs(value) > MAX_AMP_UA_CM2:
        raise argparse.ArgumentTypeError(
            f"amplitude must be within ±{MAX_AMP_UA_CM2:g} µA/cm², got {text}"
        )
    return value


def positive_amplitude(text: str) -> float:
    """An amplitude > 0 and ≤ MAX_AMP_UA_CM2 (µA/cm²)."""
    value = amplitude(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


#: Seeds are stored with every answer in an SQLite INTEGER (signed 64-bit).
MAX_SEED = 2**63 - 1


def seed_value(text: str) -> int:
    """A whole number 0 … 2⁶³−1: the range SQLite stores with each answer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_SEED}, got {text}")
    return value


def pulse_spec(text: str) -> tuple[float, float, float]:
    """DELAY,WIDTH,AMP in ms, ms, µA/cm² (delay ≥ 0, width > 0, both ≤ MAX_RUN_MS)."""
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected DELAY,WIDTH,AMP (ms,ms,µA/cm²), got '{text}'")
    try:
        delay, width, amp = (finite_float(p.strip()) for p in parts)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected three numbers DELAY,WIDTH,AMP, got '{text}'"
        ) from None
    if delay < 0:
        raise argparse.ArgumentTypeError(f"delay must be ≥ 0 ms, got {delay:g} in '{text}'")
    if width <= 0:
        raise argparse.ArgumentTypeError(f"width must be > 0 ms, got {width:g} in '{text}'")
    try:
        _at_most_run(delay, parts[0].strip())
        _at_most_run(width, parts[1].strip())
        amplitude(parts[2].strip())
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} in '{text}'") from None
    return delay, width, amp


def set_spec(text: str) -> tuple[str, float]:
    """NAME=VALUE with NAME one of the membrane parameters."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got '{text}'")
    name, _, raw = text.partition("=")
    name = name.strip().lower()
    if name not in PARAMETER_NAMES:
        raise argparse.ArgumentTypeError(
            f"unknown parameter '{name}' (known: {', '.join(PARAMETER_NAMES)})"
        )
    return name, finite_float(raw.strip())


def number_list(text: str, element: Callable[[str], float] = finite_float) -> list[float]:
    """Comma-separated numbers, or START:STOP:COUNT for COUNT evenly spaced values.

    The size is checked before anything is built (MAX_POINTS), and every value
    (both ends of a range) is checked by `element`, so the error names the
    list argument and the value.
    """
    from tutor.sim.limits import MAX_POINTS

    text = text.strip()
    if text.count(":") == 2 and "," not in text:
        start, stop, count = text.split(":")
        try:
            n = int(count)
        except ValueError:
            raise argparse.ArgumentTypeError(f"COUNT must be a whole number in '{text}'") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"COUNT must be ≥ 1 in '{text}'")
        if n > MAX_POINTS:
            raise argparse.ArgumentTypeError(
                f"COUNT must be at most {MAX_POINTS} points, got {count} in '{text}'"
            )
        a, b = element(start.strip()), element(stop.strip())
        return [a + (b - a) * k / (n - 1) if n > 1 else a for k in range(n)]
    if text.count(",") + 1 > MAX_POINTS:
        raise argparse.ArgumentTypeError(f"at most {MAX_POINTS} values are allowed")
    values = [element(p.strip()) for p in text.split(",") if p.strip()]
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def list_of(element: Callable[[str], float]) -> Callable[[str], list[float]]:
    """An argparse type: a LIST whose every value passes `element` (e.g. `duration_ms`)."""

    def parse(text: str) -> list[float]:
        return number_list(text, element)

    parse.__name__ = f"list of {element.__name__}"
    return parse


def preset_name(text: str) -> str:
    """A preset shipped in data/presets."""
    if text not in PRESET_NAMES:
        raise argparse.ArgumentTypeError(
            f"unknown preset '{text}' (known: {', '.join(PRESET_NAMES)})"
        )
    return text


def add_membrane_options(parser: argparse.ArgumentParser) -> None:
    """--preset, --celsius, --block, --set: the membrane a protocol runs on."""
    parser.add_argument(
        "--preset", type=preset_name, default="textbook",
        help="membrane preset: textbook (default, mammalian) or squid (HH 1952)",
    )  # fmt: skip
    parser.add_argument("--celsius", type=finite_float, help="temperature, °C (preset's default)")
    parser.add_argument(
        "--block", action="append", default=[], choices=sorted(BLOCKS), type=str.lower,
        help="drug block from t = 0: ttx (gNa = 0), tea (delayed rectifier gK = 0) or "
        "ouabain (pump off); repeatable",
    )  # fmt: skip
    parser.add_argument(
        "--set", action="append", default=[], type=set_spec, metavar="NAME=VALUE",
        help=f"override a parameter from t = 0 ({', '.join(PARAMETER_NAMES)}); repeatable",
    )  # fmt: skip


def membranes_from_args(args: argparse.Namespace):
    """Start/run membranes from the membrane options (ParameterError → exit 2)."""
    from tutor.cli import UsageError
    from tutor.lab.experiments import membranes
    from tutor.sim.params import ParameterError

    try:
        return membranes(args.preset, args.celsius, dict(args.set), args.block)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None


def print_json(obj: Any) -> None:
    """Print one JSON object (NaN/inf become null so the output is valid JSON)."""

    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        if hasattr(x, "item"):
            return clean(x.item())
        return x

    json.dump(clean(obj), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def output_path(text: str) -> str:
    """A file to write, or '-' for standard output; an empty name is a usage error."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name ('-' for standard output), got ''")
    return text


def write_output(path: str, arg: str, write: Callable[[Any], None]) -> None:
    """Call `write(fh)` on `path` ('-' = stdout); an OSError becomes one line naming `arg`.

    A path that cannot be opened (a folder, a missing folder, a read-only
    file) is bad input: `UsageError`, exit 2. A write that fails on the way (a
    full disk, an I/O error) is the environment's fault: `OutputError`, exit 1.
    """
    from tutor.cli import OutputError, UsageError

    if path == "-":
        write(sys.stdout)
        return
    try:
        fh = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise UsageError(f"{arg}: cannot write '{path}': {exc.strerror or exc}") from None
    try:
        with fh:
            write(fh)
    except OSError as exc:
        raise OutputError(f"{arg}: cannot write '{path}': {exc.strerror or exc}") from None


def budget_hint(args: argparse.Namespace) -> str:
    """The arguments that most likely made a run exceed its step budget, for the message."""
    sets = " ".join(f"--set {k}={v:g}" for k, v in getattr(args, "set", []) or [])
    return f" (check {sets})" if sets else ""
