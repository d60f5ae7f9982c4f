"""`tutor propagate` and `tutor sweep velocity`: a spike travelling along an axon.

Both build the axon from the same options (see `add_axon_options`); the
protocol, the measures and the discretisation rule are documented in
`tutor.lab.propagation`.
"""

from __future__ import annotations

import argparse

from tutor.commands._common import (
    finite_float,
    list_of,
    positive_float,
    preset_name,
    print_json,
    set_spec,
)
from tutor.lab.names import BLOCKS

STIM_CHOICES = ("left", "right", "both")


def nseg_count(text: str) -> int:
    """A whole number of compartments ≥ 3."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 3:
        raise argparse.ArgumentTypeError(f"must be ≥ 3, got {value}")
    return value


def demyelination(text: str) -> tuple[float, float, float]:
    """FROM_MM,TO_MM,FACTOR: internodes in that stretch keep 1/FACTOR of their myelin."""
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected FROM_MM,TO_MM,FACTOR, got '{text}'")
    x0, x1, f = (finite_float(p.strip()) for p in parts)
    if not (0 <= x0 < x1):
        raise argparse.ArgumentTypeError(f"need 0 ≤ FROM_MM < TO_MM, got '{text}'")
    if f < 1:
        raise argparse.ArgumentTypeError(f"FACTOR must be ≥ 1, got {f:g}")
    return x0, x1, f


def add_axon_options(p: argparse.ArgumentParser) -> None:
    """The options shared by `propagate` and `sweep velocity`."""
    p.add_argument("--preset", type=preset_name, default="squid", help="membrane preset (squid)")
    p.add_argument(
        "--celsius", type=finite_float, help="temperature, °C (squid: 18.5; else the preset's)"
    )
    p.add_argument(
        "--length", type=positive_float, help="axon length, mm (50; myelin: 40 internodes)"
    )
    p.add_argument("--ra", type=positive_float, default=35.4, help="axial resistivity, Ω·cm (35.4)")
    p.add_argument(
        "--myelin", action="store_true", help="nodes of Ranvier and myelinated internodes"
    )
    p.add_argument(
        "--stim", choices=STIM_CHOICES, default="left", help="where the pulse goes (left)"
    )
    p.add_argument(
        "--nseg", type=nseg_count,
        help="compartments (bare: of the axon; myelin: per internode); default: d_lambda rule",
    )  # fmt: skip
    p.add_argument("--dt", type=positive_float, help="time step, ms (default: the rule)")
    p.add_argument(
        "--demyelinate", type=demyelination, metavar="FROM_MM,TO_MM,FACTOR",
        help="with --myelin: internodes in that stretch keep 1/FACTOR of their myelin",
    )  # fmt: skip
    p.add_argument("--stim-na", type=positive_float, help="stimulus amplitude, nA (default: 4× the"
                   " current holding the end 20 mV up)")  # fmt: skip
    p.add_argument(
        "--block", action="append", default=[], choices=sorted(BLOCKS), type=str.lower,
        help="drug block from t = 0: ttx or tea; repeatable",
    )  # fmt: skip
    p.add_argument(
        "--set", action="append", default=[], type=set_spec, metavar="NAME=VALUE",
        help="override a membrane parameter from t = 0; repeatable",
    )  # fmt: skip
    p.add_argument("--engine", choices=("compiled", "numpy"), help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print one JSON object")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `propagate` subcommand."""
    p = subparsers.add_parser(
        "propagate",
        help="a spike travelling along an axon: velocity, block, collision",
        description="Stimulate one end (or both) of an axon and follow the spike along it.",
    )
    p.add_argument(
        "--diam",
        type=diameter_um,
        help="diameter, µm (476; with --myelin the fibre diameter, 10)",
    )
    p.add_argument(
        "--phase-at",
        type=phase_positions,
        default=None,
        metavar="LIST|none",
        help="relative positions (0…1) where the phase machine runs: threshold, peak and "
        "the refractory periods there (default 0.25,0.5,0.75; none: skip)",
    )
    add_axon_options(p)
    p.set_defaults(handler=run)


def phase_positions(text: str) -> list[float]:
    """Relative positions in [0, 1] (a,b,c), or 'none' for no phase machine."""
    if text.strip().lower() == "none":
        return []
    values = list_of(finite_float)(text)
    for x in values:
        if not 0.0 <= x <= 1.0:
            raise argparse.ArgumentTypeError(f"positions are in [0, 1], got {x:g}")
    return values


def register_sweep(sub: argparse._SubParsersAction) -> None:
    """Add `sweep velocity` to the `sweep` command's experiments."""
    p = sub.add_parser("velocity", help="conduction velocity vs diameter (one batch)")
    p.add_argument(
        "--diams",
        type=list_of(diameter_um),
        required=True,
        help="diameters, µm: a,b,c or START:STOP:COUNT",
    )
    add_axon_options(p)
    p.set_defaults(handler=run_sweep)


#: Largest axon diameter accepted (µm): 1 cm, twenty times the squid giant axon.
MAX_DIAM_UM = 10_000.0


def diameter_um(text: str) -> float:
    """A diameter > 0 and ≤ MAX_DIAM_UM µm (1e308 would overflow the cable's areas)."""
    value = positive_float(text)
    if value > MAX_DIAM_UM:
        raise argparse.ArgumentTypeError(f"at most {MAX_DIAM_UM:g} µm, got {text}")
    return value


def spec_from_args(args: argparse.Namespace, diam: float | None):
    """The AxonSpec of the options (ParameterError → one line, exit 2)."""
    from tutor.cli import UsageError
    from tutor.lab.experiments import membranes
    from tutor.lab.propagation import (
        MYELIN_DEFAULT_DIAM_UM,
        SQUID_CELSIUS,
        SQUID_DIAM_UM,
        AxonSpec,
    )
    from tutor.sim.params import ParameterError

    celsius = args.celsius
    if celsius is None and args.preset == "squid":
        celsius = SQUID_CELSIUS
    try:
        m = membranes(args.preset, celsius, dict(args.set), args.block)
        return AxonSpec(
            membrane=m.run,
            base=m.base if m.base != m.run else None,
            diam_um=(MYELIN_DEFAULT_DIAM_UM if args.myelin else SQUID_DIAM_UM)
            if diam is None
            else diam,
            length_mm=args.length,
            ra_ohm_cm=args.ra,
            myelin=args.myelin,
            stim=args.stim,
            nseg=args.nseg,
            dt_ms=args.dt,
            demyelinate=args.demyelinate,
            stim_nA=args.stim_na,
        )
    except ParameterError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Run one axon and print what the spike did."""
    from tutor.cli import UsageError
    from tutor.lab.propagation import PHASE_AT, propagate
    from tutor.sim.params import ParameterError

    spec = spec_from_args(args, args.diam)
    phase_at = PHASE_AT if args.phase_at is None else tuple(args.phase_at)
    try:
        out = propagate(spec, engine=args.engine, phase_at=phase_at)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print_json(out)
        return 0
    print_summary(out)
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    """Conduction velocity for every diameter of the list."""
    from tutor.cli import UsageError
    from tutor.lab.propagation import velocity_sweep
    from tutor.sim.params import ParameterError

    if any(d <= 0 for d in args.diams):
        raise UsageError("argument --diams: every diameter must be > 0 µm")
    spec = spec_from_args(args, None)
    try:
        out = velocity_sweep(spec, args.diams, engine=args.engine)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print_json(out)
        return 0
    for p in out["points"]:
        v = p["velocity_m_s"]
        shown = "blocked" if p["blocked"] else "—" if v is None else f"{v:.3f} m/s"
        print(f"diam_um={p['diam_um']:.4g}  velocity={shown}")
    return 0


def print_summary(out: dict) -> None:
    """Readable summary: velocity, peak, block, and the arrival time along the axon."""
    v = out["velocity_m_s"]
    print(f"velocity   {'—' if v is None else f'{v:.3f} m/s'}")
    print(f"peak       {out['peak_mV']:.2f} mV at the middle")
    print(f"blocked    {'yes' if out['blocked'] else 'no'}")
    counts = out["spike_count"]
    print(f"spikes     {min(counts)}–{max(counts)} per position")
    pos, times = out["positions_mm"], out["spike_ms"]
    n = len(pos)
    print("position (mm)   first 0-mV crossing (ms)")
    for k in sorted({round(i * (n - 1) / 10) for i in range(11)}):
        t = times[k]
        print(f"{pos[k]:12.3f}    {'—' if t is None else f'{t:.3f}'}")
    if out.get("phases"):
        print("phase machine   threshold   peak ms (mV)      refractory ends (ms)")
        print("position (mm)   (ms)                          absolute   relative")
        for rec in out["phases"]:
            s = rec["summary"]

            def ms(key: str, s: dict = s) -> str:
                return "—" if s[key] is None else f"{s[key]:.3f}"

            peak = "—" if s["peak_mV"] is None else f"{s['peak_ms']:.3f} ({s['peak_mV']:.1f})"
            print(
                f"{rec['position_mm']:12.3f}    {ms('threshold_ms'):<11} {peak:<17} "
                f"{ms('absolute_end_ms'):<10} {ms('relative_end_ms')}"
            )
