"""A ball-and-stick neuron with conductance-based synapses: the `tutor synapse` protocol.

The neuron (``data/neurons/ball_and_stick.toml``, sources cited there) is one
unbranched cable, dendrite tip … soma … axon initial segment (AIS) … axon, on
the cable engine (`tutor.sim.cable`); every section carries the chosen
membrane preset with its voltage-gated conductances scaled per section (the
dendrite is passive, the AIS Na⁺-rich). The cable knows one leak, so each
membrane's K⁺, Na⁺ and Cl⁻ leaks and its pump enter as their equivalent leak
(`MembraneParams.equivalent_leak`: exact while concentrations stay at rest,
which they do on the cable): the neuron rests where the patch rests, and a
passive compartment's τ is C_m over every leak (`Neuron.passive_tau_ms`). Synapses are NEURON Exp2Syn point
processes (`tutor.sim.synapse`): ``ampa``, ``nmda`` (Mg²⁺ block) and ``gabaa``
(shunting: E_rev at about rest), weights in nS, each placed at the soma or at
a fraction X of the dendrite's length from the soma (``dend:X``, 0 = soma end,
1 = tip; the compartment containing that point, as NEURON's ``dend(X)``).

Protocol: the cell starts at its steady resting state; each input opens its
conductance at its time; the run lasts ``tstop_ms`` (default: the last input +
DEFAULT_TAIL_MS) at dt = DT_MS. Measures:

- ``rest_mV``: the soma's resting V;
- ``soma_peak_mV`` / ``soma_peak_ms``: the highest somatic V after the first
  input (sample maximum refined by a parabola through its neighbours);
  ``soma_depol_mV`` = peak − rest (negative peaks, e.g. an IPSP alone, still
  report the maximum, so ``soma_min_mV`` gives the trough);
- ``spikes_ms``: upward 0-mV crossings at the middle of the AIS (linear in
  time between samples) — the project's spike rule: the AIS carries no
  synapse, so every crossing there is carried by its own Na⁺ current;
- ``spike_origins``: per spike, where the 0-mV crossing happened first
  (``ais`` or ``soma``) and each site's crossing time, so "the spike starts in
  the AIS" is a measured fact;
- ``events`` (runs made with ``phases=True``, as ``tutor synapse`` does): the
  phase machine (`tutor.lab.cable_phases`, the patch's definitions: threshold
  = the instant the compartment's own net ionic current turns inward while it
  is depolarised and rising; spike, peak, AHP minimum, phase transitions) run
  on the AIS's and the soma's compartments, one time-ordered list, each event
  with its ``site``; the AIS's ``spike`` events carry their origin record too.
  Without phases, ``events`` is ``spike_origins``;
- ``phases``: per site, the first spike's landmarks from those events
  (``threshold_ms``, ``spike_ms``, ``peak_ms``, ``peak_mV``, ``absolute_end_ms``,
  ``relative_end_ms``; None where absent; the last two need ``excitability``).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tutor.lab.events import Event
from tutor.sim.cable import Cable, CableBatch, Section
from tutor.sim.params import MembraneParams, ParameterError, load_preset
from tutor.sim.synapse import Exp2Syn, SynapseKind

#: Default neuron geometry file (data/neurons/<name>.toml).
DEFAULT_NEURON = "ball_and_stick"
#: Time step (ms): the propagation rule's for kinetics at their reference temperature.
DT_MS = 0.025
#: Default run length after the last input (ms): long enough for an NMDA EPSP to decay.
DEFAULT_TAIL_MS = 60.0
#: Longest run accepted (ms).
MAX_TSTOP_MS = 2000.0
#: Most inputs in one run.
MAX_INPUTS = 2000
#: The spike rule's threshold at the AIS (mV).
SPIKE_MV = 0.0
#: A phase-machine spike at the AIS is the 0-mV crossing found in the trace within this (ms).
SPIKE_MATCH_MS = 0.1


def neurons_dir() -> Path:
    """Where the neuron geometry files are: the checkout's data/ or the wheel's copy."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_shipped" / "data" / "neurons", here.parent / "data" / "neurons"):
        if candidate.is_dir():
            return candidate
    raise ParameterError("no neurons directory found (data/neurons is missing)")


@cache
def neuron_file(name: str = DEFAULT_NEURON) -> dict[str, Any]:
    """The parsed geometry file (sections and synapse kinds)."""
    path = neurons_dir() / f"{name}.toml"
    if not path.is_file():
        raise ParameterError(f"unknown neuron '{name}'")
    with path.open("rb") as fh:
        return tomllib.load(fh)


def synapse_kinds(name: str = DEFAULT_NEURON) -> dict[str, SynapseKind]:
    """The receptor kinds of a neuron file, by name."""
    table = neuron_file(name)["synapse"]
    return {k: SynapseKind(k, **v) for k, v in table.items()}


@dataclass(frozen=True)
class Neuron:
    """A built neuron: its cable and the compartments that matter.

    ``dend`` holds the dendrite's compartment indices from the soma outwards
    (the cable runs tip → soma, so they decrease); ``soma`` and ``ais`` the
    soma's and the AIS middle's compartment.
    """

    cable: Cable
    membrane: MembraneParams
    dend: tuple[int, ...]
    dend_length_um: float
    soma: int
    ais: int
    kinds: dict[str, SynapseKind]

    def site(self, where: str | float) -> int:
        """Compartment of 'soma' or a dendritic fraction X ∈ [0, 1] from the soma."""
        if where == "soma":
            return self.soma
        x = float(where)
        if not 0.0 <= x <= 1.0:
            raise ParameterError(f"dendrite location must be within 0…1, got {x:g}")
        n = len(self.dend)
        return self.dend[min(int(x * n), n - 1)]

    def membrane_at(self, site: int) -> MembraneParams:
        """The membrane of one compartment (its section's, gNa and gK scaled)."""
        return self.cable.membranes[self.cable.membrane_index[site]]

    def passive_tau_ms(self, site: int) -> float:
        """Membrane time constant (ms) of a compartment with its voltage-gated channels
        closed: C_m over every leak (unnamed and by ion; the pump adds no conductance)
        — the dendrite's τ = R_m·C_m."""
        mem = self.membrane_at(site)
        g = mem.leak_mS_cm2
        if g <= 0.0:
            raise ParameterError(f"compartment {site} has no leak: its time constant is infinite")
        return mem.cm / g

    def distance_um(self, site: int) -> float:
        """Path distance from the soma's centre to a compartment's centre (µm)."""
        return abs(self.cable.x_um[site] - self.cable.x_um[self.soma])


def build_neuron(
    membrane: MembraneParams | str = "textbook", geometry: str = DEFAULT_NEURON
) -> Neuron:
    """The ball-and-stick cable on a membrane (a preset name or parameters)."""
    mem = load_preset(membrane) if isinstance(membrane, str) else membrane
    spec = neuron_file(geometry)
    sections = []
    for s in spec["section"]:
        m = mem.with_overrides({"gna": mem.gna * s["gna_factor"], "gk": mem.gk * s["gk_factor"]})
        sections.append(
            Section(s["length_um"], s["diam_um"], s["ra_ohm_cm"], s["nseg"], m, s["name"])
        )
    names = [s.name for s in sections]
    for needed in ("dend", "soma", "ais"):
        if needed not in names:
            raise ParameterError(f"neuron '{geometry}' has no '{needed}' section")
    if names.index("dend") > names.index("soma"):
        raise ParameterError(f"neuron '{geometry}': the dendrite must come before the soma")
    cable = Cable.chain(sections)
    of = {n: [i for i, k in enumerate(cable.kind) if k == n] for n in ("dend", "soma", "ais")}
    ais = of["ais"]
    return Neuron(
        cable=cable,
        membrane=mem,
        dend=tuple(reversed(of["dend"])),
        dend_length_um=sections[names.index("dend")].length_um,
        soma=of["soma"][len(of["soma"]) // 2],
        ais=ais[len(ais) // 2],
        kinds=synapse_kinds(geometry),
    )


@dataclass(frozen=True)
class SynapticInput:
    """One input: receptor kind, place ('soma' or dendritic fraction), time (ms), weight (nS)."""

    kind: str
    where: str | float
    t_ms: float
    weight_nS: float

    def label(self) -> str:
        """KIND,WHERE,T,W as the command line writes it."""
        w = "soma" if self.where == "soma" else f"dend:{float(self.where):g}"
        return f"{self.kind},{w},{self.t_ms:g},{self.weight_nS:g}"


def parse_input(text: str, kinds: Sequence[str]) -> SynapticInput:
    """KIND,WHERE,T_MS,WEIGHT_NS → SynapticInput (ParameterError naming what is wrong)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise ParameterError(f"expected KIND,WHERE,T_MS,WEIGHT_NS, got '{text}'")
    kind, where_text, t_text, w_text = parts
    kind = kind.lower()
    if kind not in kinds:
        raise ParameterError(f"unknown synapse kind '{kind}' (known: {', '.join(kinds)})")
    where: str | float
    if where_text.lower() == "soma":
        where = "soma"
    elif where_text.lower().startswith("dend:"):
        where = _number(where_text[5:], "dendrite location")
        if not 0.0 <= where <= 1.0:
            raise ParameterError(f"dendrite location must be within 0…1, got '{where_text}'")
    else:
        raise ParameterError(f"WHERE must be 'soma' or 'dend:X' with X in 0…1, got '{where_text}'")
    t = _number(t_text, "time")
    if t < 0:
        raise ParameterError(f"input time must be ≥ 0 ms, got '{t_text}'")
    w = _number(w_text, "weight")
    if w < 0:
        raise ParameterError(f"weight must be ≥ 0 nS, got '{w_text}'")
    return SynapticInput(kind, where, t, w)


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"{what}: expected a number, got '{text}'") from None
    if not math.isfinite(value):
        raise ParameterError(f"{what}: must be finite, got '{text}'")
    return value


def train(kind: str, where: str | float, start_ms: float, rate_hz: float, count: int,
          weight_nS: float) -> list[SynapticInput]:  # fmt: skip
    """A regular train: `count` inputs at `rate_hz` from `start_ms`."""
    if rate_hz <= 0 or count < 0:
        raise ParameterError("a train needs a rate > 0 Hz and a count ≥ 0")
    return [
        SynapticInput(kind, where, start_ms + i * 1e3 / rate_hz, weight_nS) for i in range(count)
    ]


def poisson(kind: str, where: str | float, start_ms: float, stop_ms: float, rate_hz: float,
            weight_nS: float, seed: int) -> list[SynapticInput]:  # fmt: skip
    """Poisson input at `rate_hz` on [start, stop) (ms), reproducible from `seed`."""
    import random

    if rate_hz < 0:
        raise ParameterError("a Poisson input needs a rate ≥ 0 Hz")
    rng = random.Random(seed)
    out, t = [], start_ms
    while rate_hz > 0:
        t += rng.expovariate(rate_hz / 1e3)
        if t >= stop_ms:
            break
        out.append(SynapticInput(kind, where, t, weight_nS))
    return out


def point_processes(neuron: Neuron, inputs: Sequence[SynapticInput]) -> list[Exp2Syn]:
    """The Exp2Syn point processes of a list of inputs."""
    out = []
    for inp in inputs:
        if inp.kind not in neuron.kinds:
            raise ParameterError(
                f"unknown synapse kind '{inp.kind}' (known: {', '.join(neuron.kinds)})"
            )
        out.append(
            Exp2Syn(neuron.site(inp.where), neuron.kinds[inp.kind], inp.t_ms, inp.weight_nS * 1e-3)
        )
    return out


@dataclass
class NeuronRun:
    """A finished run: time (ms), V (mV) per compartment at every step, and the neuron."""

    neuron: Neuron
    inputs: list[SynapticInput]
    t_ms: Any
    v_mV: Any
    rest_mV: list[float]
    #: The phase machine's events at the AIS and at the soma ({"ais": [...], "soma": [...]},
    #: each time-ordered), when the run was made with `phases=True`; else None.
    phase_events: dict[str, list[Event]] | None = None

    def trace(self, site: int) -> Any:
        """V (mV) at one compartment over time (including t = 0)."""
        return self.v_mV[:, site]


def simulate(
    neuron: Neuron,
    inputs: Sequence[SynapticInput],
    tstop_ms: float | None = None,
    dt_ms: float = DT_MS,
    phases: bool = False,
    excitability: bool = False,
) -> NeuronRun:
    """Run the neuron from rest with the inputs (numpy cable engine).

    `phases`: also run the phase machine (`tutor.lab.cable_phases`) on the AIS's and
    the soma's compartments, step by step (the same V: one run); `excitability`: with
    its refractoriness probes too (forks of the whole cell — much slower).
    """
    import numpy as np

    if len(inputs) > MAX_INPUTS:
        raise ParameterError(f"too many inputs: {len(inputs)} (at most {MAX_INPUTS})")
    if tstop_ms is None:
        tstop_ms = max((i.t_ms for i in inputs), default=0.0) + DEFAULT_TAIL_MS
    if not (0 < tstop_ms <= MAX_TSTOP_MS):
        raise ParameterError(f"tstop must be within (0, {MAX_TSTOP_MS:g}] ms, got {tstop_ms:g}")
    procs = point_processes(neuron, inputs)
    batch = CableBatch([neuron.cable], [procs], dt_ms, engine="numpy")
    steps = int(round(tstop_ms / dt_ms))
    events: dict[str, list[Event]] | None = None
    if phases:
        from tutor.lab.cable_phases import run_with_phases

        sites = {"ais": neuron.ais, "soma": neuron.soma}
        by_site, rec = run_with_phases(
            batch, list(sites.values()), steps * dt_ms, record=True, probes=excitability
        )
        events = {name: by_site[site] for name, site in sites.items()}
    else:
        rec = batch.step(steps, record_every=1)
    v0 = np.asarray(batch.rest_mV)[None, :]
    v = np.concatenate([v0, rec], axis=0)
    t = np.arange(steps + 1) * dt_ms
    return NeuronRun(neuron, list(inputs), t, v, list(batch.rest_mV), events)


def crossings(t: Any, v: Any, level: float = SPIKE_MV) -> list[float]:
    """Upward crossings of `level` (ms), linear in time between samples."""
    out = []
    for i in range(1, len(v)):
        if v[i - 1] < level <= v[i]:
            out.append(float(t[i - 1] + (t[i] - t[i - 1]) * (level - v[i - 1]) / (v[i] - v[i - 1])))
    return out


def _refined_peak(t: Any, v: Any, i: int) -> tuple[float, float]:
    if 0 < i < len(v) - 1:
        y0, y1, y2 = float(v[i - 1]), float(v[i]), float(v[i + 1])
        denom = y0 - 2.0 * y1 + y2
        if denom < 0:
            shift = 0.5 * (y0 - y2) / denom
            return y1 - 0.25 * (y0 - y2) * shift, float(t[i]) + shift * float(t[1] - t[0])
    return float(v[i]), float(t[i])


def measures(run: NeuronRun) -> dict[str, Any]:
    """The `tutor synapse --json` measures of a run (see the module docstring)."""
    import numpy as np

    nrn = run.neuron
    t = run.t_ms
    soma = run.trace(nrn.soma)
    start = min((i.t_ms for i in run.inputs), default=0.0)
    first = int(np.searchsorted(t, start))
    seg = soma[first:]
    i_max = first + int(np.argmax(seg))
    peak, t_peak = _refined_peak(t, soma, i_max)
    rest = run.rest_mV[nrn.soma]
    spikes = crossings(t, run.trace(nrn.ais))
    soma_x = crossings(t, soma)
    origins: list[dict[str, Any]] = []
    for k, ts in enumerate(spikes):
        after = [x for x in soma_x if x > ts - 5.0]
        t_soma = after[0] if after and after[0] < ts + 5.0 else None
        if t_soma is not None:
            soma_x.remove(t_soma)
        starts = "soma" if t_soma is not None and t_soma < ts else "ais"
        origins.append({"t_ms": ts, "kind": "spike", "index": k, "starts": starts,
                        "ais_ms": ts, "soma_ms": t_soma})  # fmt: skip
    out: dict[str, Any] = {
        "rest_mV": rest,
        "soma_peak_mV": peak,
        "soma_depol_mV": peak - rest,
        "soma_peak_ms": t_peak,
        "soma_min_mV": float(np.min(seg)) if len(seg) else rest,
        "spikes_ms": spikes,
        "events": origins,
        "spike_origins": origins,
    }
    if run.phase_events is not None:
        from tutor.lab.cable_phases import phase_summary

        out["events"] = site_events(run.phase_events, origins)
        out["phases"] = {site: phase_summary(evs) for site, evs in run.phase_events.items()}
    return out


def site_events(
    by_site: dict[str, list[Event]], origins: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The phase machine's events at each site as one time-ordered list, each with its
    ``site`` ('ais' or 'soma'); an AIS ``spike`` event also carries its spike's origin
    record (``index``, ``starts``, ``ais_ms``, ``soma_ms``: where 0 mV was crossed first)."""
    merged: list[dict[str, Any]] = []
    for site, events in by_site.items():
        merged += [{**e, "site": site} for e in events]
    merged.sort(key=lambda e: e["t_ms"])  # stable: AIS before soma at one instant
    unused = list(origins)
    for e in merged:
        if e["site"] == "ais" and e["kind"] == "spike" and unused:
            best = min(unused, key=lambda o: abs(o["ais_ms"] - e["t_ms"]))
            if abs(best["ais_ms"] - e["t_ms"]) <= SPIKE_MATCH_MS:
                unused.remove(best)
                e.update({k: best[k] for k in ("index", "starts", "ais_ms", "soma_ms")})
    return merged


def synapse_protocol(
    inputs: Sequence[SynapticInput],
    preset: str | MembraneParams = "textbook",
    tstop_ms: float | None = None,
    phases: bool = True,
    excitability: bool = False,
) -> dict[str, Any]:
    """Build the neuron, run the inputs and return the `--json` object (with the phase
    machine's events at the AIS and the soma unless `phases` is False)."""
    nrn = build_neuron(preset)
    run = simulate(nrn, inputs, tstop_ms, phases=phases, excitability=excitability)
    out = measures(run)
    out["params"] = {
        "preset": nrn.membrane.name,
        "neuron": DEFAULT_NEURON,
        "dt_ms": DT_MS,
        "tstop_ms": float(run.t_ms[-1]),
        "inputs": [
            {"kind": i.kind, "where": i.where if i.where == "soma" else float(i.where),
             "t_ms": i.t_ms, "weight_nS": i.weight_nS,
             "distance_um": nrn.distance_um(nrn.site(i.where))}
            for i in inputs
        ],
        "sections": [
            {"name": s.name, "length_um": s.length_um, "diam_um": s.diam_um,
             "ra_ohm_cm": s.ra_ohm_cm, "nseg": s.nseg, "gna": s.membrane.gna, "gk": s.membrane.gk}
            for s in nrn.cable.sections
        ],
        "synapse_kinds": {k: vars(v) for k, v in nrn.kinds.items()},
    }  # fmt: skip
    return out


def neuron_measure(run: dict[str, Any], name: str, default_preset: str = "textbook") -> Any:
    """Read one neuron measure (`tutor.lab.names.NEURON_MEASURES`) from a content run spec
    with a `neuron` table: {"preset", "tstop", "neuron": {"inputs": ["KIND,WHERE,T,W", ...]}}."""
    from tutor.lab.names import NEURON_MEASURES

    if name not in NEURON_MEASURES:
        raise ParameterError(f"measure '{name}' reads a membrane patch, not a neuron run")
    if "neuron" not in run:
        raise ParameterError(f"measure '{name}' needs a run with a `neuron` table")
    inputs = [parse_input(str(text), list(synapse_kinds())) for text in run["neuron"]["inputs"]]
    tstop = run.get("tstop")
    out = synapse_protocol(
        inputs,
        str(run.get("preset") or default_preset),
        None if tstop is None else float(tstop),
        phases=False,  # the measures need V only
    )
    values = {
        "soma_depol_mV": out["soma_depol_mV"],
        "soma_peak_ms": out["soma_peak_ms"],
        "ais_spike_count": len(out["spikes_ms"]),
    }
    return values[name]
