"""`tutor sweep`: thresholds, strength–duration, f–I, refractory and velocity curves (batched)."""

from __future__ import annotations

import argparse

from tutor.commands._common import (
    add_membrane_options,
    amplitude,
    budget_hint,
    duration_ms,
    list_of,
    membranes_from_args,
    onset_ms,
    positive_amplitude,
    print_json,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `sweep` and its four experiments."""
    p = subparsers.add_parser("sweep", help="excitability experiments (batched)")
    sub = p.add_subparsers(dest="experiment", metavar="EXPERIMENT", required=True)

    th = sub.add_parser("threshold", help="threshold of one pulse")
    th.add_argument("--width", type=duration_ms, required=True, help="pulse width, ms")
    th.add_argument("--delay", type=onset_ms, default=5.0, help="pulse onset, ms (5)")

    sd = sub.add_parser("strength-duration", help="threshold vs width, rheobase, chronaxie")
    sd.add_argument(
        "--widths", type=list_of(duration_ms), required=True,
        help="widths, ms: a,b,c or START:STOP:COUNT",
    )  # fmt: skip
    sd.add_argument("--delay", type=onset_ms, default=5.0, help="pulse onset, ms (5)")

    fi = sub.add_parser("fi", help="firing rate vs step amplitude")
    fi.add_argument(
        "--amps",
        type=list_of(amplitude),
        required=True,
        help="amplitudes, µA/cm²: a,b,c or START:STOP:COUNT",
    )
    fi.add_argument("--duration", type=duration_ms, default=500.0, help="step length, ms (500)")

    rf = sub.add_parser("refractory", help="paired-pulse test threshold vs ISI")
    rf.add_argument(
        "--isis", type=list_of(onset_ms), required=True, help="ISIs (onset to onset), ms"
    )
    rf.add_argument(
        "--max-amp", type=positive_amplitude, default=400.0,
        help="largest test amplitude, µA/cm² (400)",
    )  # fmt: skip

    for q in (th, sd, fi, rf):
        add_membrane_options(q)
        q.add_argument("--json", action="store_true", help="print one JSON object")
        q.set_defaults(handler=run)

    from tutor.commands.propagate import register_sweep

    register_sweep(sub)  # `sweep velocity`: conduction velocity vs diameter


def run(args: argparse.Namespace) -> int:
    """Run the chosen experiment and print it."""
    from tutor.cli import UsageError
    from tutor.lab import experiments as ex
    from tutor.sim import ParameterError
    from tutor.sim.kernel import StepBudgetError
    from tutor.sim.limits import check_batch

    m = membranes_from_args(args)
    try:
        if args.experiment == "threshold":
            out = ex.threshold_sweep(m, args.width, args.delay)
        elif args.experiment == "strength-duration":
            out = ex.strength_duration(m, args.widths, args.delay)
        elif args.experiment == "fi":
            check_batch(len(args.amps), ex.FI_ONSET_MS + args.duration, "--amps/--duration")
            out = ex.fi_curve(m, args.amps, args.duration)
        else:
            out = ex.refractory_curve(m, args.isis, args.max_amp)
    except StepBudgetError as exc:
        raise UsageError(f"{exc}{budget_hint(args)}") from None
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    out["preset"] = m.run.name
    out["params"] = m.run.as_dict()
    if args.json:
        print_json(out)
    else:
        print_table(args.experiment, out)
    return 0


def print_table(experiment: str, out: dict) -> None:
    """Readable table of a sweep's points and summaries."""

    def fmt(x: object) -> str:
        return "—" if x is None else f"{x:.4g}" if isinstance(x, float) else str(x)

    if experiment == "threshold":
        thr = out["threshold_uA_cm2"]
        if thr is None:
            print(
                f"no threshold: no {out['width_ms']:g} ms pulse up to "
                f"{out['max_amp_uA_cm2']:g} µA/cm² gives a spike"
            )
        else:
            print(f"threshold of a {out['width_ms']:g} ms pulse: {thr:.4f} µA/cm²")
        return
    for point in out["points"]:
        print("  ".join(f"{k}={fmt(v)}" for k, v in point.items()))
    for key in ("rheobase_uA_cm2", "chronaxie_ms", "baseline_uA_cm2", "absolute_ms", "relative_ms"):
        if key in out:
            print(f"{key}: {fmt(out[key])}")
