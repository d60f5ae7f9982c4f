"""A live ball-and-stick neuron for the TUI's neuron view: synapses fired by hand.

The same neuron and synapses as `tutor synapse` (`tutor.lab.neuron`: the
cable of ``data/neurons/ball_and_stick.toml`` on a membrane preset, NEURON
Exp2Syn point processes), advanced a little at a time on the cable engine so
a learner can place inputs along the dendrite or on the soma, fire them, and
watch EPSPs and IPSPs add up at the input site, the soma and the axon initial
segment (AIS) as it happens.

What a learner controls, and what it means in the model:

- the **site**: ``soma`` or a fraction X of the dendrite from the soma
  (``dend:X``, 0 = soma end, 1 = tip; `SITES`, the same compartment rule as
  ``tutor synapse``);
- **excitatory** input: one AMPA synapse of the excitatory weight at the site,
  opening now; with NMDA on, an NMDA synapse of the same weight opens with it
  (the Mg²⁺ block makes it count only on a depolarised membrane);
  ``count`` coincident inputs are ``count`` synapses at once;
- **inhibitory** input: one GABA-A synapse (E_rev at rest: shunting);
- a **drive**: a regular train or Poisson input of excitatory inputs at the
  site (reproducible from the seed), scheduled as model time passes.

Measures the screen shows are defined here once (and tested against the
model state): V now at every compartment; the EPSP as the highest V at a
compartment since the last input fired, minus its rest (`peak_since_input`);
spikes as upward 0-mV crossings at the middle of the AIS (the project's spike
rule: the AIS carries no synapse, so every crossing there is carried by its
own Na⁺ current).

The phase machine (`tutor.lab.cable_phases.CompartmentPhaseMachine`, the
patch's definitions on one compartment) labels the AIS and the soma at every
step — voltage phases and their events (threshold, spike, peak, AHP minimum);
the refractory band's probes are left out (each forks the whole cell).

Memory stays flat over any run: a fixed ring of recent steps; synapses whose
conductance is over (more than `FORGET_TAUS` decay constants after onset, g
below e⁻²⁰ of its peak) are dropped. This module never imports textual.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

import numpy as np

from tutor.lab.cable_phases import CompartmentPhaseMachine
from tutor.lab.events import Event
from tutor.lab.names import PHASES
from tutor.lab.neuron import DT_MS, Neuron, build_neuron
from tutor.sim.cable import CableBatch
from tutor.sim.params import MembraneParams, ParameterError
from tutor.sim.synapse import Exp2Syn

#: Input sites offered, left to right as the neuron is drawn (tip … soma).
SITES: tuple[str | float, ...] = (*(round(1.0 - k / 10, 1) for k in range(11)), "soma")
DEFAULT_SITE: str | float = 0.5
#: Weights offered (nS, peak conductance), and the defaults.
EXC_WEIGHTS_NS: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0)
INH_WEIGHTS_NS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
DEFAULT_EXC_NS = 2.0
DEFAULT_INH_NS = 10.0
#: Background drives offered: (name, pattern, rate Hz). Each event is one excitatory input.
DRIVES: tuple[tuple[str, str, float], ...] = (
    ("off", "off", 0.0),
    ("train 20 Hz", "train", 20.0),
    ("train 100 Hz", "train", 100.0),
    ("Poisson 50 Hz", "poisson", 50.0),
)
#: Steps of V kept for the traces (ms of history = HISTORY_STEPS × dt).
HISTORY_STEPS = 4800
#: A synapse is forgotten this many decay time constants after its onset.
FORGET_TAUS = 20.0
#: Most coincident inputs fired by one key.
MAX_COUNT = 20
#: Marker letter of each receptor kind on the drawing.
KIND_MARK: dict[str, str] = {"ampa": "E", "nmda": "N", "gabaa": "I"}
#: An input is drawn as active while its conductance is above this fraction of its peak.
MARK_FRACTION = 0.05
#: Inputs stay marked on the drawing this long after their onset (ms; as long as the traces).
MARK_MS = 100.0
#: Most inputs remembered for the drawing.
MAX_MARKERS = 400
#: The compartments the phase machine labels, by name.
PHASE_SITES: tuple[str, ...] = ("ais", "soma")
#: Most recent phase-machine events kept per site.
MAX_EVENTS = 64


def site_label(where: str | float) -> str:
    """'soma' or 'dend:0.5' (as `tutor synapse --input` writes it)."""
    return "soma" if where == "soma" else f"dend:{float(where):g}"


@dataclass(frozen=True)
class Marker:
    """An input marked on the drawing: compartment, kind name, onset (ms), weight (nS),
    and whether its conductance is on now (≥ MARK_FRACTION of its peak)."""

    site: int
    kind: str
    onset_ms: float
    weight_nS: float
    active: bool


class NeuronSession:
    """One ball-and-stick neuron advanced live, with a ring of recent steps for the traces."""

    def __init__(
        self, membrane: MembraneParams | str = "textbook", seed: int = 1, dt_ms: float = DT_MS
    ) -> None:
        self.membrane_spec = membrane
        self.neuron: Neuron = build_neuron(membrane)
        self.dt_ms = dt_ms
        self.seed = seed
        self.site_index = SITES.index(DEFAULT_SITE)
        self.dend_site: float = float(DEFAULT_SITE)
        """The dendritic site traced: the site while it is on the dendrite; while it is on
        the soma, the site of the last input fired on the dendrite (else the last
        dendritic site)."""
        self._dend_input: float | None = None
        self.exc_nS = DEFAULT_EXC_NS
        self.inh_nS = DEFAULT_INH_NS
        self.nmda = False
        self.drive_index = 0
        self._build()

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        nrn = self.neuron
        self.batch = CableBatch([nrn.cable], [[]], self.dt_ms, engine="numpy")
        n = len(nrn.cable)
        self.rest = np.array(self.batch.rest_mV)
        self._ring_v = np.zeros((HISTORY_STEPS, n))
        self._ring_t = np.zeros(HISTORY_STEPS)
        self._count = 0
        self._push(self.rest[None, :], np.array([0.0]))
        self.inputs_fired = 0
        self.last_input_ms: float | None = None
        self.last_input_kind: str | None = None
        self._peak_v = self.rest.copy()
        self._peak_t = np.zeros(n)
        self._min_v = self.rest.copy()
        self._min_t = np.zeros(n)
        self._recent: deque[Exp2Syn] = deque(maxlen=MAX_MARKERS)
        self._rng = random.Random(self.seed)
        self._next_drive_ms: float | None = None
        # the phase machine on the AIS and the soma (voltage phases; the probes of the
        # refractory band would fork the whole cell every half millisecond)
        self.machines = {
            name: CompartmentPhaseMachine(self.batch, getattr(self.neuron, name), probes=False)
            for name in PHASE_SITES
        }
        self.events: dict[str, deque[Event]] = {n: deque(maxlen=MAX_EVENTS) for n in PHASE_SITES}
        self._ring_phase = {n: np.zeros(HISTORY_STEPS, dtype=np.int8) for n in PHASE_SITES}
        for name, pm in self.machines.items():
            self.events[name].extend(pm.observe())
            self._ring_phase[name][0] = PHASES.index(pm.phase)

    def reset(self) -> None:
        """Back to rest at t = 0: no synapses, same site, weights and drive."""
        self._dend_input = None
        self._build()
        self._restart_drive()

    # -- reading the layout --------------------------------------------------------------
    @property
    def t_ms(self) -> float:
        """Model time (ms)."""
        return self.batch.t_ms

    @property
    def n(self) -> int:
        """Number of compartments."""
        return len(self.neuron.cable)

    @property
    def site(self) -> str | float:
        """Where the next input goes: 'soma' or a dendritic fraction from the soma."""
        return SITES[self.site_index]

    @property
    def site_compartment(self) -> int:
        """The compartment of the current site."""
        return self.neuron.site(self.site)

    @property
    def soma(self) -> int:
        return self.neuron.soma

    @property
    def ais(self) -> int:
        return self.neuron.ais

    @property
    def drive(self) -> tuple[str, str, float]:
        """(name, pattern, rate Hz) of the background drive."""
        return DRIVES[self.drive_index]

    def site_text(self) -> str:
        """The site and its path distance from the soma: 'dend:0.5 (250 µm)'."""
        if self.site == "soma":
            return "soma"
        return f"{site_label(self.site)} ({self.neuron.distance_um(self.site_compartment):.0f} µm)"

    # -- controls ------------------------------------------------------------------------
    def move_site(self, direction: int) -> None:
        """Move the site one place towards the tip (−1) or the soma (+1)."""
        self.site_index = min(max(self.site_index + direction, 0), len(SITES) - 1)
        self._follow_site()

    def _follow_site(self) -> None:
        if self.site != "soma":
            self.dend_site = float(self.site)
        elif self._dend_input is not None:
            self.dend_site = self._dend_input

    def set_site(self, where: str | float) -> None:
        """Put the site at one of `SITES`."""
        if where not in SITES:
            raise ParameterError(f"site must be one of {', '.join(map(site_label, SITES))}")
        self.site_index = SITES.index(where)
        self._follow_site()

    def step_weight(self, kind: str, direction: int) -> float:
        """Next/previous offered weight of 'exc' or 'inh' inputs; returns it (nS)."""
        options = EXC_WEIGHTS_NS if kind == "exc" else INH_WEIGHTS_NS
        now = self.exc_nS if kind == "exc" else self.inh_nS
        k = min(range(len(options)), key=lambda i: abs(options[i] - now))
        value = options[min(max(k + direction, 0), len(options) - 1)]
        if kind == "exc":
            self.exc_nS = value
        else:
            self.inh_nS = value
        return value

    def toggle_nmda(self) -> bool:
        """Excitatory inputs open NMDA receptors too (on/off); returns the new state."""
        self.nmda = not self.nmda
        return self.nmda

    def cycle_drive(self) -> str:
        """Next background drive (off → trains → Poisson → off); returns its name."""
        self.drive_index = (self.drive_index + 1) % len(DRIVES)
        self._restart_drive()
        return self.drive[0]

    def _restart_drive(self) -> None:
        _, pattern, rate = self.drive
        if pattern == "off":
            self._next_drive_ms = None
        elif pattern == "train":
            self._next_drive_ms = self.t_ms
        else:
            self._next_drive_ms = self.t_ms + self._rng.expovariate(rate / 1e3)

    def fire(self, kind: str, count: int = 1, at_ms: float | None = None) -> list[Exp2Syn]:
        """Open `count` coincident inputs at the site now (or at `at_ms` ≥ now).

        kind 'exc': AMPA (+ NMDA when on) of the excitatory weight; 'inh': GABA-A
        of the inhibitory weight. Returns the synapses added.
        """
        if kind not in ("exc", "inh"):
            raise ParameterError(f"input kind must be 'exc' or 'inh', got '{kind}'")
        if not 1 <= count <= MAX_COUNT:
            raise ParameterError(f"count must be within 1…{MAX_COUNT}, got {count}")
        onset = self.t_ms if at_ms is None else max(at_ms, self.t_ms)
        kinds = self.neuron.kinds
        if kind == "exc":
            receptors = [("ampa", self.exc_nS)] + ([("nmda", self.exc_nS)] if self.nmda else [])
        else:
            receptors = [("gabaa", self.inh_nS)]
        added = []
        site = self.site_compartment
        for _ in range(count):
            for name, w_nS in receptors:
                syn = Exp2Syn(site, kinds[name], onset, w_nS * 1e-3)
                self.batch.add_point_process(0, syn)
                self._recent.append(syn)
                added.append(syn)
        if self.site != "soma":
            self._dend_input = float(self.site)
        self.inputs_fired += count
        self.last_input_ms = onset
        self.last_input_kind = kind
        self._peak_v = self.v_now()
        self._peak_t = np.full(self.n, self.t_ms)
        self._min_v = self._peak_v.copy()
        self._min_t = self._peak_t.copy()
        return added

    # -- time ----------------------------------------------------------------------------
    def advance(self, ms: float) -> int:
        """Advance by `ms` of model time (whole steps; drive inputs fired on time)."""
        steps = int(round(ms / self.dt_ms))
        done = 0
        while done < steps:
            chunk = steps - done
            due = self._next_drive_ms
            if due is not None:
                # stop at the step containing the next drive input, fire it there
                to_due = int(math.floor((due - self.t_ms) / self.dt_ms + 1e-9))
                if to_due <= 0:
                    self._fire_drive(due)
                    continue
                chunk = min(chunk, to_due)
            self._step(chunk)
            done += chunk
        self._forget_finished()
        return done

    def _fire_drive(self, due_ms: float) -> None:
        self.fire("exc", at_ms=due_ms)
        _, pattern, rate = self.drive
        if pattern == "train":
            self._next_drive_ms = due_ms + 1e3 / rate
        else:
            self._next_drive_ms = due_ms + self._rng.expovariate(rate / 1e3)

    def _step(self, count: int) -> None:
        """`count` steps, one at a time: the phase machines read every step's state."""
        t0 = self.t_ms
        rec = np.empty((count, self.n))
        phase = {name: np.empty(count, dtype=np.int8) for name in PHASE_SITES}
        v = self.batch.view("v")
        for j in range(count):
            self.batch.step(1)
            rec[j] = v
            for name, pm in self.machines.items():
                self.events[name].extend(pm.observe())
                phase[name][j] = PHASES.index(pm.phase)
        t = t0 + self.dt_ms * np.arange(1, count + 1)
        start = self._count
        self._push(rec, t)
        for name in PHASE_SITES:
            self._push_column(self._ring_phase[name], phase[name], start)
        row_max = rec.max(axis=0)
        higher = row_max > self._peak_v
        if higher.any():
            where = np.argmax(rec, axis=0)
            self._peak_t[higher] = t[where[higher]]
            self._peak_v[higher] = row_max[higher]
        row_min = rec.min(axis=0)
        lower = row_min < self._min_v
        if lower.any():
            where = np.argmin(rec, axis=0)
            self._min_t[lower] = t[where[lower]]
            self._min_v[lower] = row_min[lower]

    def _push(self, rows: np.ndarray, t: np.ndarray) -> None:
        """Append rows of V (one per step) to the ring (vectorised, wrapping)."""
        rows, t = rows[-HISTORY_STEPS:], t[-HISTORY_STEPS:]
        k = len(t)
        start = self._count % HISTORY_STEPS
        first = min(k, HISTORY_STEPS - start)
        self._ring_v[start : start + first] = rows[:first]
        self._ring_t[start : start + first] = t[:first]
        if first < k:
            self._ring_v[: k - first] = rows[first:]
            self._ring_t[: k - first] = t[first:]
        self._count += k

    @staticmethod
    def _push_column(ring: np.ndarray, values: np.ndarray, start_count: int) -> None:
        """Write `values` into a ring at the positions the last `_push` used."""
        values = values[-HISTORY_STEPS:]
        k = len(values)
        start = (start_count + len(values) - k) % HISTORY_STEPS
        first = min(k, HISTORY_STEPS - start)
        ring[start : start + first] = values[:first]
        if first < k:
            ring[: k - first] = values[first:]

    def _forget_finished(self) -> None:
        procs = self.batch.stimuli[0]
        keep = [
            p
            for p in procs
            if not (
                isinstance(p, Exp2Syn) and self.t_ms - p.onset_ms > FORGET_TAUS * p.kind.tau2_ms
            )
        ]
        if len(keep) != len(procs):
            self.batch.stimuli[0] = keep

    # -- reading -------------------------------------------------------------------------
    def v_now(self) -> np.ndarray:
        """V (mV) at every compartment now (a copy)."""
        return np.array(self.batch.view("v"), dtype=float)

    def trace(self, site: int, since_ms: float) -> tuple[np.ndarray, np.ndarray]:
        """(t ms, V mV) at one compartment for every step kept since `since_ms`."""
        have = min(self._count, HISTORY_STEPS)
        start = (self._count - have) % HISTORY_STEPS
        idx = (start + np.arange(have)) % HISTORY_STEPS
        t = self._ring_t[idx]
        keep = t >= since_ms - 1e-9
        return t[keep], self._ring_v[idx[keep], site]

    def phase_trace(self, name: str, since_ms: float) -> np.ndarray:
        """The phase machine's phase (index into PHASES) at 'ais' or 'soma' for every step
        that `trace(..., since_ms)` returns."""
        have = min(self._count, HISTORY_STEPS)
        start = (self._count - have) % HISTORY_STEPS
        idx = (start + np.arange(have)) % HISTORY_STEPS
        keep = self._ring_t[idx] >= since_ms - 1e-9
        return self._ring_phase[name][idx[keep]]

    def phase(self, name: str) -> str:
        """The phase machine's voltage phase now at 'ais' or 'soma'."""
        return self.machines[name].phase

    def last_event(self, name: str, *kinds: str) -> Event | None:
        """The newest phase-machine event at 'ais' or 'soma' of one of `kinds`."""
        for e in reversed(self.events[name]):
            if e["kind"] in kinds:
                return e
        return None

    @property
    def history_ms(self) -> float:
        """Model time the ring covers (ms)."""
        return (HISTORY_STEPS - 1) * self.dt_ms

    def peak_since_input(self, site: int) -> tuple[float, float] | None:
        """(highest V − rest in mV, its time in ms) at a compartment since the last input;
        None before any input. Sample maximum over every step."""
        if self.last_input_ms is None:
            return None
        return float(self._peak_v[site] - self.rest[site]), float(self._peak_t[site])

    def trough_since_input(self, site: int) -> tuple[float, float] | None:
        """(lowest V − rest in mV, its time in ms) at a compartment since the last input;
        None before any input. Sample minimum over every step."""
        if self.last_input_ms is None:
            return None
        return float(self._min_v[site] - self.rest[site]), float(self._min_t[site])

    def spike_count(self) -> int:
        """Upward 0-mV crossings at the middle of the AIS since t = 0."""
        return int(self.batch.values("count", 0)[self.ais])

    def synapses(self) -> list[Exp2Syn]:
        """The synapses the model still carries (recent ones and those still conducting)."""
        return [p for p in self.batch.stimuli[0] if isinstance(p, Exp2Syn)]

    def markers(self) -> list[Marker]:
        """Inputs to mark on the drawing now: every input fired in the last MARK_MS (none
        scheduled later), oldest first; `active` while its conductance is ≥ MARK_FRACTION
        of its peak (or it opened within the last step)."""
        t = self.t_ms
        out = []
        for p in self._recent:
            if not (t - MARK_MS <= p.onset_ms <= t):
                continue
            g = p.conductance_uS(t)
            on = g >= MARK_FRACTION * p.weight_uS > 0 or t - p.onset_ms <= self.dt_ms
            out.append(Marker(p.site, p.kind.name, p.onset_ms, p.weight_uS * 1e3, on))
        return out

    def describe(self) -> str:
        """One line: the neuron and its membrane."""
        mem = self.neuron.membrane
        return (
            f"ball-and-stick neuron, {self.n} compartments, "
            f"{mem.name} membrane at {mem.celsius:g} °C"
        )
