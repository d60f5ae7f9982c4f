"""`tutor clamp`: an ideal voltage clamp — step families, inactivation, tails, the HH fit.

Prints a table, one JSON object (`--json`) or the time courses (`--csv`).
The family is computed exactly (the clamp makes the gates' equations linear;
see `tutor.lab.clamp`) without numpy, so a 161-step family runs as fast as the
sweeps; only `--fit` and `--csv` import numpy (and scipy for the fit).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from tutor.commands._common import (
    add_membrane_options,
    finite_float,
    membranes_from_args,
    nonneg_float,
    number_list,
    output_path,
    positive_float,
    print_json,
    write_output,
)

#: Header of `tutor clamp --csv`: units in the names (gates are fractions, 0–1).
CSV_COLUMNS = (
    "run",
    "pre_mV",
    "step_mV",
    "t_ms",
    "v_mV",
    "m",
    "h",
    "n",
    "i_na_uA_cm2",
    "i_k_uA_cm2",
    "i_l_uA_cm2",
    "i_pump_uA_cm2",
    "i_ion_uA_cm2",
)
#: Command voltages (mV) the clamp accepts; same as tutor.lab.clamp.V_RANGE_MV (kept
#: here too so that argument parsing does not import the lab).
V_LO_MV, V_HI_MV = -150.0, 100.0


def command_voltage(text: str) -> float:
    """A command voltage in −150 … +100 mV."""
    value = finite_float(text)
    if not V_LO_MV <= value <= V_HI_MV:
        raise argparse.ArgumentTypeError(f"{value:g} mV is outside {V_LO_MV:g} … +{V_HI_MV:g} mV")
    return value


def voltage_list(text: str) -> list[float]:
    """LIST of command voltages (a,b,c or START:STOP:COUNT), each in −150 … +100 mV."""
    values = number_list(text)
    for v in values:
        if not V_LO_MV <= v <= V_HI_MV:
            raise argparse.ArgumentTypeError(
                f"{v:g} mV is outside {V_LO_MV:g} … +{V_HI_MV:g} mV in '{text}'"
            )
    return values


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `clamp` subcommand."""
    p = subparsers.add_parser(
        "clamp",
        help="voltage clamp: step families, currents by ion, inactivation, tails, HH fit",
        description=(
            "Ideal voltage clamp. The membrane sits at --hold from t = −∞; from t = 5 ms "
            "an optional prepulse (--prepulse, --pre-dur), then a step to each --steps "
            "voltage for --dur ms, then an optional tail (--tail). Ionic currents in "
            "µA/cm², outward positive (inward negative)."
        ),
    )
    # let LIST values start with a minus sign (`--steps -100:60:161`, `--hold -80`):
    # argparse only treats plain negative numbers as values, not lists of them
    p._negative_number_matcher = re.compile(r"^-\.?\d[\d.eE+\-:,]*$")
    add_membrane_options(p)
    p.add_argument(
        "--hold", type=command_voltage, default=-65.0, metavar="MV",
        help="holding potential, mV (−65; −150 … +100)",
    )  # fmt: skip
    p.add_argument(
        "--steps", type=voltage_list, required=True, metavar="LIST",
        help="test-step voltages, mV: a,b,c or START:STOP:COUNT",
    )  # fmt: skip
    p.add_argument(
        "--dur", type=positive_float, default=20.0, metavar="MS", help="step length, ms (20)"
    )
    p.add_argument(
        "--prepulse", type=voltage_list, default=None, metavar="LIST",
        help="two-step protocol: prepulse voltages (mV), each followed by every test step",
    )  # fmt: skip
    p.add_argument(
        "--pre-dur", type=positive_float, default=50.0, metavar="MS",
        help="prepulse length, ms (50)",
    )  # fmt: skip
    p.add_argument(
        "--tail", type=command_voltage, default=None, metavar="MV",
        help="tail potential after the step, mV (default: the holding potential)",
    )  # fmt: skip
    p.add_argument(
        "--tail-dur", type=nonneg_float, default=None, metavar="MS",
        help="record a tail this long after the step, ms (5 if --tail is given, else 0)",
    )  # fmt: skip
    p.add_argument(
        "--fit", action="store_true",
        help="fit gK = ḡK·n⁴ and gNa = ḡNa·m³h per step (least squares), beside the model's values",
    )  # fmt: skip
    p.add_argument(
        "--dt", type=positive_float, default=0.025, metavar="MS",
        help="sample interval of --csv, ms (0.025)",
    )  # fmt: skip
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument(
        "--csv", metavar="FILE", type=output_path,
        help="write the time courses as CSV ('-' for stdout)",
    )  # fmt: skip
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Clamp, optionally fit, then print in the chosen form."""
    from tutor.cli import UsageError
    from tutor.lab.clamp import ClampProtocol, run_family
    from tutor.sim.params import ParameterError

    m = membranes_from_args(args)
    tail_dur = (
        args.tail_dur if args.tail_dur is not None else (5.0 if args.tail is not None else 0.0)
    )
    try:
        protocol = ClampProtocol(
            steps_mV=tuple(args.steps),
            hold_mV=args.hold,
            dur_ms=args.dur,
            pre_mV=tuple(args.prepulse or ()),
            pre_dur_ms=args.pre_dur,
            tail_mV=args.tail,
            tail_dur_ms=tail_dur,
        )
        family = run_family(m.run, protocol)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    if args.fit:
        from tutor.lab.clamp_fit import fit_family

        fit_family(family)
    if args.csv:
        try:
            write_csv(family, args.csv, args.dt)
        except ParameterError as exc:  # the sample budget of --dt
            raise UsageError(str(exc)) from None
        return 0
    if args.json:
        data = family.to_dict()
        data["preset"] = args.preset
        print_json(data)
        return 0
    print_table(family.to_dict(), fit=args.fit)
    return 0


def _num(x: Any, fmt: str = "{:9.2f}") -> str:
    return "—".rjust(len(fmt.format(0.0))) if x is None else fmt.format(x)


def print_table(data: dict[str, Any], fit: bool) -> None:
    """One line per step: the currents (and ratio, tail, fitted/model gates when present)."""
    proto = data["protocol"]
    params = data["params"]
    print(
        f"clamp  {params['name']} at {params['celsius']:g} °C  hold {proto['hold_mV']:g} mV  "
        f"step {proto['dur_ms']:g} ms from {proto['onset_ms']:g} ms  "
        f"{' '.join(params['blocks'])}".rstrip()
    )
    print("currents µA/cm², outward +")
    head = f"{'pre mV':>7} " if proto["pre_mV"] else ""
    head += f"{'V mV':>7} {'INa peak':>9} {'INa end':>9} {'IK end':>9} {'I peak':>9} {'I end':>9}"
    if proto["pre_mV"]:
        head += f" {'INa ratio':>9}"
    if proto["tail_mV"] is not None:
        head += f" {'IK tail':>9}"
    if fit:
        head += f" {'n∞ fit':>7} {'n∞':>7} {'τn fit':>7} {'τn':>7}"
    print(head)
    for p in data["points"]:
        line = f"{p['pre_mV']:7.1f} " if proto["pre_mV"] else ""
        line += f"{p['v_mV']:7.1f} " + " ".join(
            _num(p[k])
            for k in (
                "ina_peak_uA_cm2",
                "ina_end_uA_cm2",
                "ik_end_uA_cm2",
                "i_peak_uA_cm2",
                "i_end_uA_cm2",
            )
        )
        if proto["pre_mV"]:
            line += " " + _num(p.get("ina_peak_ratio"), "{:9.3f}")
        if proto["tail_mV"] is not None:
            line += " " + _num(p.get("ik_tail_uA_cm2"))
        if fit:
            f, mo = p["fit"], p["model"]
            line += " " + " ".join(
                _num(x, "{:7.4f}") for x in (f["n_inf"], mo["n_inf"], f["tau_n_ms"], mo["tau_n_ms"])
            )
        print(line)
    rev = data["reversal"]
    for key, label in (("ina_peak_mV", "peak I_Na"), ("ik_end_mV", "I_K (end)")):
        if rev.get(key) is not None:
            print(f"{label} reverses at {rev[key]:.2f} mV")


def write_csv(family: Any, path: str, dt_ms: float) -> None:
    """Time courses of every run, one row per run and sample (columns CSV_COLUMNS, %.6g)."""
    import numpy as np

    from tutor.lab.clamp import traces

    tr = traces(family, dt_ms)
    nrun, nsamp = tr["v_mV"].shape
    run_idx = np.repeat(np.arange(nrun), nsamp)
    pre = np.repeat([np.nan if r.pre_mV is None else r.pre_mV for r in family.runs], nsamp)
    step = np.repeat([r.v_mV for r in family.runs], nsamp)
    t = np.tile(tr["t_ms"], nrun)
    cols = [run_idx, pre, step, t] + [
        tr[k].ravel() for k in ("v_mV", "m", "h", "n", "i_na", "i_k", "i_l", "i_pump", "i_ion")
    ]
    table = np.column_stack(cols)
    row = "%d," + ",".join(["%.6g"] * (len(cols) - 1)) + "\n"
    text = ",".join(CSV_COLUMNS) + "\n" + (row * len(table)) % tuple(table.ravel().tolist())
    text = text.replace(",nan,", ",,")
    write_output(path, "--csv", lambda fh: fh.write(text))  # open fails: 2; write fails: 1
