"""`tutor simulate`: one protocol, printed as a summary, JSON, CSV or a phase timeline."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, TextIO

from tutor.commands._common import (
    add_membrane_options,
    amplitude,
    budget_hint,
    duration_ms,
    membranes_from_args,
    output_path,
    positive_float,
    print_json,
    pulse_spec,
    write_output,
)
from tutor.lab.events import Event


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `simulate` subcommand."""
    p = subparsers.add_parser(
        "simulate",
        help="run one protocol and print what happened",
        description="Run one stimulus protocol from rest; print a summary, JSON, CSV or a timeline.",
    )
    add_membrane_options(p)
    p.add_argument("--tstop", type=duration_ms, default=50.0, help="run length, ms (50)")
    p.add_argument("--dt", type=positive_float, default=0.025, help="sample interval, ms (0.025)")
    p.add_argument(
        "--pulse", type=pulse_spec, action="append", default=[], metavar="DELAY,WIDTH,AMP",
        help="current pulse: onset ms, width ms, amplitude µA/cm²; repeatable",
    )  # fmt: skip
    p.add_argument("--hold", type=amplitude, default=0.0, help="holding current from t = 0, µA/cm²")
    p.add_argument("--integrator", default="dp5", help="integrator name (dp5, expeuler)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument(
        "--csv", metavar="FILE", type=output_path, help="write the trace as CSV ('-' for stdout)"
    )
    out.add_argument("--timeline", action="store_true", help="print the phase events as a table")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Simulate, then print in the chosen form."""
    from tutor.cli import UsageError
    from tutor.lab.annotate import annotate
    from tutor.lab.experiments import shape_and_train_measures
    from tutor.sim import Holding, ParameterError, Pulse, simulate
    from tutor.sim.kernel import StepBudgetError

    m = membranes_from_args(args)
    stimuli: list = [Pulse(delay_ms=d, width_ms=w, amp_uA_cm2=a) for d, w, a in args.pulse]
    if args.hold:
        stimuli.append(Holding(amp_uA_cm2=args.hold))
    try:
        res = simulate(
            m.run, stimuli, tstop_ms=args.tstop, dt_ms=args.dt, base=m.base,
            integrator=args.integrator,
        )  # fmt: skip
    except StepBudgetError as exc:
        raise UsageError(f"{exc}{budget_hint(args)}") from None
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    if args.csv:
        write_output(args.csv, "--csv", lambda fh: write_csv(res, fh))
        return 0
    if args.json:
        events = annotate(res)
        print_json(
            {
                "rest_mV": res.rest_mV,
                "spikes_ms": [float(s) for s in res.spikes_ms],
                "peak_mV": res.peak_mV,
                "peak_ms": res.peak_ms,
                "ahp_min_mV": res.ahp_min_mV,
                "ahp_ms": res.ahp_ms,
                **{k: v for k, v in shape_and_train_measures(res).items() if k != "v_end_mV"},
                "v_end_mV": float(res.v_mV[-1]),
                **end_concentrations(res, m.run),
                "events": events,
                "params": m.run.as_dict(),
                "tstop_ms": args.tstop,
                "dt_ms": args.dt,
                "pulses": [list(p) for p in args.pulse],
                "hold_uA_cm2": args.hold,
            }
        )
        return 0
    if args.timeline:
        print_timeline(annotate(res))
        return 0
    spikes = ", ".join(f"{s:.3f}" for s in res.spikes_ms) or "none"
    ahp = "—" if res.ahp_min_mV is None else f"{res.ahp_min_mV:.2f} mV at {res.ahp_ms:.3f} ms"
    print(f"preset     {m.run.name} at {m.run.celsius:g} °C  {' '.join(m.run.blocks)}".rstrip())
    print(f"rest       {res.rest_mV:.3f} mV")
    print(f"spikes     {spikes} ms")
    print(f"peak       {res.peak_mV:.2f} mV at {res.peak_ms:.3f} ms")
    print(f"AHP min    {ahp}")
    return 0


def end_concentrations(res: Any, p: Any) -> dict[str, Any]:
    """`concentrations_mM` at the end of the run, when they can change (else nothing)."""
    if not p.dynamic_concentrations:
        return {}
    return {
        "concentrations_mM": {
            "nai": float(res.nai[-1]),
            "nao": p.nao,
            "ki": float(res.ki[-1]),
            "ko": p.ko,
            "cli": float(res.cli[-1]),
            "clo": p.clo,
        }
    }


def print_timeline(events: Sequence[Event]) -> None:
    """Events as an aligned table: time, what, V, why (one row per moment and meaning:
    `tutor.lab.events.timeline`)."""
    from tutor.lab.events import timeline

    print(f"{'t (ms)':>9}  {'event':<28} {'V (mV)':>8}  why")
    for e in timeline(list(events)):
        what = e["kind"] if e["kind"] not in ("phase", "excitability") else e["phase"]
        if e["kind"] == "excitability":
            what = f"[{what}]"
        print(f"{e['t_ms']:9.3f}  {what:<28} {e['v_mV']:8.2f}  {e.get('why', '')}")


def write_csv(res: Any, fh: TextIO) -> None:
    """The trace as CSV (`tutor.sim.tracecsv`, the lab's export writer too), streamed to `fh`."""
    from tutor.sim.tracecsv import TRACE_COLUMNS, write_trace_csv

    write_trace_csv({name: getattr(res, name) for name in TRACE_COLUMNS}, fh)
