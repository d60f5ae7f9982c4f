"""The glossary shown in help: each term, what it means here, and the lesson that teaches it.

Why here and not in the lessons: a learner meets "rheobase" in a banner or a question
before reaching the lesson that teaches it; help is one key away everywhere. Every
definition that is a *measurement* is written from the constants the measuring code
uses (`tutor.lab.experiments`), which are the definitions in docs/design.md, so help,
the CLI and the tests cannot drift apart. `tests/app/test_getting_started.py` checks
that every linked lesson exists and mentions its term, and that the numbers here are
the ones docs/design.md states.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    term: str
    definition: str
    lesson: str
    """Id of the lesson that teaches the term (content/*.md front matter `id`)."""
    mentions: str
    """Regular expression (case-insensitive) the lesson's text must match: the term
    as that lesson writes it (British and American spellings both accepted)."""


def glossary() -> list[Term]:
    """Every term, in the order a learner meets them."""
    from tutor.lab.experiments import (
        CONDITIONING,
        RELATIVE_WITHIN,
        RHEOBASE_WIDTH_MS,
        SPIKE_WINDOW_MS,
        TEST_WIDTH_MS,
    )

    c_delay, c_width, c_amp = CONDITIONING
    return [
        Term(
            "resting potential",
            "The steady voltage of an unstimulated membrane, where the inward and outward "
            "currents cancel (net ionic current 0). Every protocol starts from it.",
            "resting-potential",
            r"resting potential",
        ),
        Term(
            "spike (action potential)",
            "An upward crossing of 0 mV that the membrane itself makes regenerative "
            "(inward Na⁺ current larger than the leak at 0 mV); a stimulus that merely "
            "charges the membrane past 0 mV, e.g. under TTX, is not a spike.",
            "depolarization",
            r"\bspike",
        ),
        Term(
            "threshold",
            "Of a pulse: the smallest amplitude that gives a spike within "
            f"{SPIKE_WINDOW_MS:g} ms of the pulse end (found by bisection). Of the trace: "
            "the instant the membrane becomes regenerative — net ionic current turns "
            "inward while V is depolarized and rising (◆thr on the trace).",
            "threshold",
            r"threshold",
        ),
        Term(
            "rheobase",
            f"The threshold of a {RHEOBASE_WIDTH_MS:g} ms step: the weakest current that "
            "fires the membrane however long it lasts.",
            "strength-duration",
            r"rheobase",
        ),
        Term(
            "chronaxie",
            "The pulse width whose threshold is twice the rheobase (interpolated on the "
            "strength–duration curve).",
            "strength-duration",
            r"chronaxie",
        ),
        Term(
            "depolarization",
            "V moving up, away from rest towards 0 mV and beyond; in the lab the phase from "
            "threshold to the peak, carried by inward Na⁺ current.",
            "depolarization",
            r"depolari[sz]ation",
        ),
        Term(
            "inactivation",
            "Na⁺ channels closing from inside (the h gate falls) a little after they open, "
            "whatever the voltage; they reopen only after V has come back down and h has "
            "recovered. It ends the upstroke and underlies refractoriness.",
            "repolarization",
            r"inactivation",
        ),
        Term(
            "repolarization",
            "The fall from the peak back to rest: Na⁺ channels inactivate and K⁺ channels open.",
            "repolarization",
            r"repolari[sz]ation",
        ),
        Term(
            "AHP (after-hyperpolarization)",
            "The dip below rest after a spike, while K⁺ channels are still open (n high); "
            "its lowest point is marked ▲AHP.",
            "hyperpolarization",
            r"\bAHP\b",
        ),
        Term(
            "absolute refractory period",
            "After a spike's threshold, the time in which no second stimulus fires a second "
            f"spike, however strong. Measured with paired pulses (a {c_width:g} ms, "
            f"{c_amp:g} µA/cm² conditioning pulse at {c_delay:g} ms, then a {TEST_WIDTH_MS:g} ms "
            "test pulse one interval later): the longest interval with no test threshold.",
            "refractory",
            r"absolute refractory",
        ),
        Term(
            "relative refractory period",
            "After the absolute period: a second spike needs a stronger stimulus than at rest. "
            f"It ends at the first interval whose test threshold is within "
            f"{RELATIVE_WITHIN * 100:g} % of the unconditioned {TEST_WIDTH_MS:g} ms threshold.",
            "refractory",
            r"relative refractory",
        ),
        Term(
            "reversal potential (E_rev)",
            "The voltage at which a current through open channels changes direction (no net "
            "flow); for a channel that passes one ion it is that ion's Nernst potential "
            "(E_Na, E_K). The current is g·(V − E_rev).",
            "voltage-clamp",
            r"reversal potential",
        ),
        Term(
            "driving force",
            "V − E_rev: how far the voltage is from a current's reversal potential; with the "
            "conductance it sets the current's size and sign.",
            "voltage-clamp",
            r"driving force",
        ),
        Term(
            "Nernst potential",
            "E = (RT/zF)·ln([out]/[in]) for one ion: the voltage at which its electrical "
            "drive balances its diffusion (E_K, E_Na, E_Cl).",
            "nernst",
            r"nernst",
        ),
        Term(
            "GHK (Goldman–Hodgkin–Katz) equation",
            "The resting voltage of a membrane permeable to several ions: a permeability-"
            "weighted compromise between their Nernst potentials.",
            "nernst",
            r"\bGHK\b|Goldman",
        ),
        Term(
            "depolarization block",
            "Under a strong steady depolarizing current the membrane fires once or a few "
            "times, then settles at a depolarized voltage where too many Na⁺ channels are "
            "inactivated to fire again.",
            "repetitive-firing",
            r"depolari[sz]ation block",
        ),
        Term(
            "EPSP / IPSP",
            "Excitatory / inhibitory postsynaptic potential: the small change in V one "
            "synaptic input makes — towards the excitatory reversal near 0 mV (EPSP), or "
            "towards E_Cl or E_K, at or below rest (IPSP).",
            "synaptic-summation",
            r"\bEPSP.*\bIPSP|\bIPSP.*\bEPSP",
        ),
        Term(
            "shunting inhibition",
            "An inhibitory conductance whose reversal potential is near rest: it barely moves "
            "V, yet it short-circuits excitatory current, so EPSPs shrink.",
            "synaptic-summation",
            r"shunting",
        ),
        Term(
            "conduction velocity",
            "How fast a spike travels along an axon; measured from the 0 mV crossings at "
            "25 % and 75 % of the axon's length (as `tutor propagate` measures it).",
            "axon-propagation",
            r"conduction velocity",
        ),
        Term(
            "myelin",
            "Insulating wraps around an axon between nodes of Ranvier: less membrane to "
            "charge, so the spike jumps from node to node (saltatory conduction) and "
            "travels faster for its diameter.",
            "axon-propagation",
            r"myelin",
        ),
    ]
