"""`tutor rest`: what holds the resting potential, current by current."""

from __future__ import annotations

import argparse

from tutor.commands._common import add_membrane_options, membranes_from_args, print_json

#: How each current is labelled in the plain-text table.
LABELS: dict[str, str] = {
    "i_na": "I_Na   voltage-gated Na⁺ (TTX)",
    "i_k": "I_K    delayed-rectifier K⁺ (TEA)",
    "i_leak_k": "I_Kl   K⁺ leak (K2P-like)",
    "i_leak_na": "I_Nal  Na⁺ leak",
    "i_leak_cl": "I_Cll  Cl⁻ leak",
    "i_l": "I_L    unnamed leak (HH 1952)",
    "i_pump": "I_pump Na⁺/K⁺-ATPase (ouabain)",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `rest` subcommand."""
    p = subparsers.add_parser(
        "rest",
        help="what holds the resting potential: currents, Nernst and GHK",
        description=(
            "The resting potential of the membrane (with the --set/--block changes), "
            "each current at rest (outward positive; they sum to zero), each ion's "
            "Nernst potential and the GHK voltage from the resting permeabilities."
        ),
    )
    add_membrane_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Compute the resting state and print it."""
    from tutor.cli import UsageError
    from tutor.sim.params import ParameterError
    from tutor.sim.rest import explain_rest

    m = membranes_from_args(args)
    try:
        report = explain_rest(m.run)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    data = report.to_dict()
    if args.json:
        print_json({**data, "params": m.run.as_dict()})
        return 0
    p = m.run
    blocks = " ".join(p.blocks)
    print(f"preset     {p.name} at {p.celsius:g} °C  {blocks}".rstrip())
    print(f"rest       {report.rest_mV:8.2f} mV")
    if report.currents_uA_cm2["i_pump"] > 0:
        why = "the channels alone; rest lies below it by the pump's share"
    elif p.gl > 0:
        why = "Na⁺, K⁺ and Cl⁻ only; the unnamed leak I_L is not in it"
    else:
        why = "the channels alone"
    print(f"GHK        {report.ghk_mV:8.2f} mV   ({why})")
    for ion, label in (("na", "Na⁺"), ("k", "K⁺ "), ("cl", "Cl⁻")):
        used = report.reversal_mV[ion]
        nernst = report.nernst_mV[ion]
        note = "" if abs(used - nernst) < 1e-9 else f"   (set: {used:.2f} mV in use)"
        print(f"E_{label.strip():<8}{nernst:8.2f} mV{note}")
    print("currents at rest (µA/cm², outward +):")
    for name, value in report.currents_uA_cm2.items():
        print(f"  {LABELS[name]:<34} {value:+9.4f}")
    print(f"  {'sum':<34} {sum(report.currents_uA_cm2.values()):+9.4f}")
    c = report.concentrations_mM
    print(
        f"[Na⁺] {c['nai']:g} in / {c['nao']:g} out   [K⁺] {c['ki']:g} / {c['ko']:g}   "
        f"[Cl⁻] {c['cli']:g} / {c['clo']:g} mM"
    )
    return 0
