"""`tutor synapse`: synaptic inputs on a ball-and-stick neuron, measured at the soma and AIS.

The protocol and measures are documented in `tutor.lab.neuron`; the events are the
phase machine's at the AIS and at the soma (`tutor.lab.cable_phases`).
"""

from __future__ import annotations

import argparse

from tutor.commands._common import positive_float, preset_name, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `synapse` subcommand."""
    p = subparsers.add_parser(
        "synapse",
        help="EPSPs and IPSPs on a ball-and-stick neuron: summation, shunting, threshold",
        description=(
            "Conductance-based synapses (ampa, nmda with Mg2+ block, gabaa) on a neuron with a "
            "passive dendrite, a soma and an axon initial segment where spikes start."
        ),
    )
    p.add_argument(
        "--preset", type=preset_name, default="textbook", help="membrane preset (textbook)"
    )
    p.add_argument(
        "--input", action="append", default=[], metavar="KIND,WHERE,T_MS,WEIGHT_NS",
        help="one synaptic input: KIND ampa|nmda|gabaa, WHERE soma or dend:X (0 = soma, "
        "1 = tip), onset in ms, peak conductance in nS; repeatable",
    )  # fmt: skip
    p.add_argument("--tstop", type=positive_float, help="run length, ms (last input + 60)")
    p.add_argument(
        "--excitability", action="store_true",
        help="also probe refractoriness at the AIS and soma (excitability events; slower)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Parse the inputs, run the neuron and print the measures."""
    from tutor.cli import UsageError
    from tutor.lab.neuron import parse_input, synapse_kinds, synapse_protocol
    from tutor.sim.params import ParameterError

    if not args.input:
        raise UsageError("argument --input: at least one KIND,WHERE,T_MS,WEIGHT_NS is needed")
    kinds = list(synapse_kinds())
    try:
        inputs = [parse_input(text, kinds) for text in args.input]
    except ParameterError as exc:
        raise UsageError(f"argument --input: {exc}") from None
    try:
        out = synapse_protocol(inputs, args.preset, args.tstop, excitability=args.excitability)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print_json(out)
        return 0
    print(f"rest         {out['rest_mV']:.2f} mV at the soma")
    print(
        f"soma peak    {out['soma_peak_mV']:.2f} mV ({out['soma_depol_mV']:+.2f} mV) "
        f"at {out['soma_peak_ms']:.2f} ms"
    )
    spikes = out["spikes_ms"]
    shown = ", ".join(f"{t:.2f}" for t in spikes) + " ms" if spikes else "none"
    print(f"spikes (AIS) {shown}")
    for e in out["spike_origins"]:
        print(f"  spike {e['index'] + 1} starts in the {e['starts'].upper()} at {e['t_ms']:.2f} ms")
    for site, summary in out["phases"].items():
        print(f"{site.upper():<5}        {_landmarks(summary)}")
    return 0


def _landmarks(summary: dict) -> str:
    """The phase machine's first-spike landmarks at a site, or 'no threshold'."""
    if summary["threshold_ms"] is None:
        return "no threshold (subthreshold only)"
    text = f"threshold at {summary['threshold_ms']:.2f} ms"
    if summary["spike_ms"] is None:
        return text + ", no spike (threshold failed)"
    return (
        text + f", spike at {summary['spike_ms']:.2f} ms, peak {summary['peak_mV']:+.1f} mV "
        f"at {summary['peak_ms']:.2f} ms"
    )
