"""Propagation along an axon: the `tutor propagate` protocol and its measures.

The protocol (docs/design.md, "Propagation along an axon"): a cable with sealed
ends starts from rest; a suprathreshold 0.5 ms current pulse is injected at
the left end at t = 1 ms (`right`: the right end; `both`: both ends at once).
Measures, all from upward 0-mV crossings located linearly in time between
samples:

- ``spike_ms``: the first crossing at each compartment centre (``positions_mm``);
- ``spike_count``: the number of upward crossings at each centre;
- ``velocity_m_s``: half the length divided by the time between the crossings
  at 25 % and 75 % of the length (``both``: a quarter of the length over the
  crossings at 12.5 % and 37.5 %, on the left spike's path before the two
  spikes meet). The crossing time at a position between compartment centres
  is interpolated linearly between the two centres either side; null if
  either never fired;
- ``peak_mV``: the highest V at the middle of the axon (interpolated between
  the two nearest centres);
- ``blocked``: a spike started somewhere but never reached the far measuring
  point (75 % for ``left``, 25 % for ``right``, both for ``both``).

Discretisation (chosen so the velocity has converged to better than 0.5 %;
tested): compartments by a d_lambda rule, Δx ≤ 0.1·λ_f with
λ_f = ½·√(d / (π·f·Ra·cm)) at f = 100 Hz × the kinetics' Q10 factor (the
spike's frequency content scales with its rates); time step
dt = min(0.025, 0.04 / Q10 factor) ms. The run stops once the cable is quiet
(every compartment below −20 mV for 2 ms after the stimulus is over), or — for a
velocity sweep — once the far measuring point has fired.

The stimulus amplitude is four times the current that holds the stimulated
end 20 mV above rest in the steady state (the cable's input conductance times
20 mV, computed on the actual cable), so it is suprathreshold for any
diameter, Ra or fibre while staying a brief, local kick.
"""

from __future__ import annotations

import bisect
import math
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from tutor.sim.params import MembraneParams, ParameterError

#: Where the stimulus goes.
STIM_SITES: tuple[str, ...] = ("left", "right", "both")
#: Default geometry of the squid giant axon (Hodgkin & Huxley 1952's propagated spike).
SQUID_DIAM_UM = 476.0
SQUID_RA_OHM_CM = 35.4
SQUID_CELSIUS = 18.5
DEFAULT_LENGTH_MM = 50.0
#: Myelinated fibres: default fibre diameter (µm) and length in internodes.
MYELIN_DEFAULT_DIAM_UM = 10.0
MYELIN_DEFAULT_INTERNODES = 40
#: Stimulus: onset and width (ms), and its strength relative to the steady current
#: that would hold the stimulated end STIM_HOLD_MV above rest.
STIM_DELAY_MS = 1.0
STIM_WIDTH_MS = 0.5
STIM_HOLD_MV = 20.0
STIM_FACTOR = 4.0
#: Discretisation rule (see module docstring).
D_LAMBDA = 0.1
LAMBDA_FREQ_HZ = 100.0
DT_MAX_MS = 0.025
DT_RATE_MS = 0.04
#: Quiet: every compartment below this (mV) once the stimulus is over, for QUIET_HOLD_MS.
QUIET_MV = -20.0
QUIET_HOLD_MS = 2.0
#: Longest run (ms) before giving up waiting for quiet.
MAX_TSTOP_MS = 400.0
#: Run in chunks of this (ms) between checks of the stopping rule.
CHUNK_MS = 0.25
#: Relative positions where `tutor propagate` runs the phase machine by default: the
#: velocity's measuring points and the middle (where `peak_mV` is read).
PHASE_AT: tuple[float, ...] = (0.25, 0.5, 0.75)
#: Budgets (see tutor.sim.limits): compartments of one batch, smallest time step (ms).
MAX_COMPARTMENTS = 200_000
MIN_DT_MS = 1e-4


def fibres_dir() -> Path:
    """Where the fibre presets (myelin model) are: the checkout's data/ or the wheel's copy."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_shipped" / "data" / "fibres", here.parent / "data" / "fibres"):
        if candidate.is_dir():
            return candidate
    raise ParameterError("no fibres directory found (data/fibres is missing)")


@dataclass(frozen=True)
class MyelinModel:
    """The teaching model of a myelinated fibre (data/fibres/myelinated.toml; sources there).

    g_ratio: axon / fibre diameter; internode_per_diam: internode length per µm
    of fibre diameter; node_length_um: node length (µm); lamella_period_um:
    thickness of one wrap of myelin (µm); node_channel_density: nodal channel
    (and leak) density relative to the preset membrane.
    """

    name: str
    g_ratio: float
    internode_per_diam: float
    node_length_um: float
    lamella_period_um: float
    node_channel_density: float

    def __post_init__(self) -> None:
        if not 0 < self.g_ratio < 1:
            raise ParameterError("myelin model: g_ratio must be between 0 and 1")
        for key in ("internode_per_diam", "node_length_um", "lamella_period_um"):
            if not getattr(self, key) > 0:
                raise ParameterError(f"myelin model: {key} must be > 0")
        if not self.node_channel_density > 0:
            raise ParameterError("myelin model: node_channel_density must be > 0")

    def wraps(self, fibre_diam_um: float) -> float:
        """Number of myelin wraps around an axon in a fibre of this diameter."""
        thickness = 0.5 * (1.0 - self.g_ratio) * fibre_diam_um
        return max(thickness / self.lamella_period_um, 1.0)

    def internode_um(self, fibre_diam_um: float) -> float:
        """Internode length (µm)."""
        return self.internode_per_diam * fibre_diam_um

    def node_membrane(self, m: MembraneParams) -> MembraneParams:
        """The nodal membrane: the preset's, with its channel density scaled."""
        k = self.node_channel_density
        return replace(m, name=f"{m.name}-node", gna=m.gna * k, gk=m.gk * k, gl=m.gl * k)

    def internode_membrane(self, m: MembraneParams) -> MembraneParams:
        """The axolemma under the myelin: no voltage-gated channels, its leak reversing
        at the preset's rest (so the fibre rests uniformly); the sheath in series is
        the internode Section's `sheath` (see `sheath_layers`)."""
        from tutor.sim.reduce import resting_state

        return replace(m, name=f"{m.name}-internode", gna=0.0, gk=0.0, el=resting_state(m).v_mV)

    def sheath_layers(self, fibre_diam_um: float, damage: float = 1.0) -> float:
        """Membranes in series around the internode axolemma: 2N wraps, of which a
        demyelinated stretch keeps 1/damage (at least the axolemma itself)."""
        return max(2.0 * self.wraps(fibre_diam_um) / damage, 1.0)


@cache
def load_myelin(name: str = "myelinated") -> MyelinModel:
    """Load a fibre model from data/fibres (validated)."""
    path = fibres_dir() / f"{name}.toml"
    if not path.is_file():
        raise ParameterError(f"unknown fibre model '{name}'")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    try:
        return MyelinModel(**data)
    except TypeError as exc:
        raise ParameterError(f"fibre model {path}: {exc}") from None


@dataclass(frozen=True)
class AxonSpec:
    """Everything `tutor propagate` needs to build and stimulate an axon.

    membrane: the excitable membrane (preset, temperature, overrides);
    diam_um: axon diameter (bare) or fibre outer diameter (myelinated), µm;
    length_mm: total length (mm; None = the default for this kind of fibre);
    ra_ohm_cm: axial resistivity (Ω·cm); myelin: nodes and myelinated
    internodes instead of a bare axon; stim: 'left', 'right' or 'both';
    nseg: compartments (bare: of the whole axon; myelin: per internode; None =
    the d_lambda rule); dt_ms: time step (None = the rule); demyelinate:
    (from_mm, to_mm, factor) — internodes whose centre lies in that stretch
    have their capacitance and leak multiplied by factor; stim_nA: override
    the stimulus amplitude (nA).
    """

    membrane: MembraneParams
    diam_um: float = SQUID_DIAM_UM
    length_mm: float | None = None
    ra_ohm_cm: float = SQUID_RA_OHM_CM
    myelin: bool = False
    stim: str = "left"
    nseg: int | None = None
    dt_ms: float | None = None
    demyelinate: tuple[float, float, float] | None = None
    stim_nA: float | None = None
    base: MembraneParams | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.diam_um) and self.diam_um > 0):
            raise ParameterError(f"argument --diam: must be > 0 µm, got {self.diam_um:g}")
        if self.length_mm is not None and not (
            math.isfinite(self.length_mm) and self.length_mm > 0
        ):
            raise ParameterError(f"argument --length: must be > 0 mm, got {self.length_mm:g}")
        if not (math.isfinite(self.ra_ohm_cm) and self.ra_ohm_cm > 0):
            raise ParameterError(f"argument --ra: must be > 0 Ω·cm, got {self.ra_ohm_cm:g}")
        if self.stim not in STIM_SITES:
            raise ParameterError(
                f"argument --stim: unknown site '{self.stim}' (known: {', '.join(STIM_SITES)})"
            )
        if self.nseg is not None and (
            not isinstance(self.nseg, int) or self.nseg < (1 if self.myelin else 3)
        ):
            raise ParameterError(
                f"argument --nseg: must be a whole number ≥ {1 if self.myelin else 3}, "
                f"got {self.nseg}"
            )
        if self.dt_ms is not None and not (MIN_DT_MS <= self.dt_ms <= DT_MAX_MS):
            raise ParameterError(f"argument --dt: must be in [{MIN_DT_MS:g}, {DT_MAX_MS}] ms")
        if self.demyelinate is not None:
            x0, x1, f = self.demyelinate
            if not (0 <= x0 < x1 and f >= 1 and all(math.isfinite(v) for v in (x0, x1, f))):
                raise ParameterError(
                    "argument --demyelinate: expected FROM_MM,TO_MM,FACTOR with "
                    "0 ≤ FROM < TO and FACTOR ≥ 1"
                )
            if not self.myelin:
                raise ParameterError("argument --demyelinate: needs --myelin")
        if self.stim_nA is not None and not (math.isfinite(self.stim_nA) and self.stim_nA > 0):
            raise ParameterError("argument --stim-na: must be > 0 nA")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (`params`)."""
        out = asdict(self)
        out["membrane"] = self.membrane.as_dict()
        out["base"] = None if self.base is None else self.base.as_dict()
        return out


def lambda_f_um(diam_um: float, ra_ohm_cm: float, cm_uF_cm2: float, freq_hz: float) -> float:
    """AC length constant λ_f (µm) of a cable at frequency f (NEURON's lambda_f)."""
    return 1e5 * math.sqrt(diam_um / (4.0 * math.pi * freq_hz * ra_ohm_cm * cm_uF_cm2))


def rule_nseg(
    length_um: float, diam_um: float, ra_ohm_cm: float, m: MembraneParams, minimum: int
) -> int:
    """Compartments of a section by the d_lambda rule (see module docstring)."""
    lam = lambda_f_um(diam_um, ra_ohm_cm, m.cm, LAMBDA_FREQ_HZ * m.rate_factor)
    return max(minimum, math.ceil(length_um / (D_LAMBDA * lam)))


def rule_dt_ms(m: MembraneParams) -> float:
    """Time step (ms) by the rule: min(0.025, 0.04 / Q10 factor)."""
    return min(DT_MAX_MS, DT_RATE_MS / m.rate_factor)


def _check_size(count: float) -> None:
    """Refuse, before allocating, an axon of more than MAX_COMPARTMENTS compartments."""
    if not count <= MAX_COMPARTMENTS:
        raise ParameterError(
            f"argument --nseg/--length: the axon would have {count:.3g} compartments "
            f"(at most {MAX_COMPARTMENTS})"
        )


def build_axon(spec: AxonSpec):
    """The cable of a spec (a `tutor.sim.cable.Cable`)."""
    from tutor.sim.cable import Cable, Section

    mem = spec.membrane
    if not spec.myelin:
        length_um = 1000.0 * (spec.length_mm or DEFAULT_LENGTH_MM)
        if spec.nseg is None:
            lam = lambda_f_um(
                spec.diam_um, spec.ra_ohm_cm, mem.cm, LAMBDA_FREQ_HZ * mem.rate_factor
            )
            _check_size(length_um / (D_LAMBDA * lam))
        _check_size(spec.nseg or 0)
        nseg = spec.nseg or rule_nseg(length_um, spec.diam_um, spec.ra_ohm_cm, mem, 3)
        return Cable.uniform(mem, length_um, spec.diam_um, spec.ra_ohm_cm, nseg)
    model = load_myelin()
    fibre = spec.diam_um
    axon = model.g_ratio * fibre
    inter = model.internode_um(fibre)
    node_len = model.node_length_um
    period = inter + node_len
    if spec.length_mm is None:
        n_int = MYELIN_DEFAULT_INTERNODES
    else:
        n_int = max(1, round((1000.0 * spec.length_mm - node_len) / period))
    node_mem = model.node_membrane(mem)
    inter_mem = model.internode_membrane(mem)
    healthy = model.sheath_layers(fibre)
    _check_size(n_int * (1 + (spec.nseg or 1)))
    # the d_lambda rule with the sheathed capacitance (the internode's effective cm)
    lam = lambda_f_um(
        axon, spec.ra_ohm_cm, inter_mem.cm / healthy, LAMBDA_FREQ_HZ * inter_mem.rate_factor
    )
    nseg_int = spec.nseg or max(1, math.ceil(inter / (D_LAMBDA * lam)))
    _check_size(n_int * (1 + nseg_int))
    sections = [Section(node_len, axon, spec.ra_ohm_cm, 1, node_mem, "node")]
    for k in range(n_int):
        centre_mm = 1e-3 * (node_len + k * period + 0.5 * inter)
        layers = healthy
        if spec.demyelinate is not None:
            x0, x1, factor = spec.demyelinate
            if x0 <= centre_mm <= x1:
                layers = model.sheath_layers(fibre, damage=factor)
        sections.append(
            Section(inter, axon, spec.ra_ohm_cm, nseg_int, inter_mem, "internode", layers)
        )
        sections.append(Section(node_len, axon, spec.ra_ohm_cm, 1, node_mem, "node"))
    return Cable.chain(sections)


def stimulus_nA(cable, site: int) -> float:
    """Default stimulus amplitude (nA): STIM_FACTOR × input conductance × STIM_HOLD_MV."""
    from tutor.sim.cable import input_conductance_uS

    return STIM_FACTOR * input_conductance_uS(cable, site) * STIM_HOLD_MV


def _sites(spec: AxonSpec, n: int) -> list[int]:
    return {"left": [0], "right": [n - 1], "both": [0, n - 1]}[spec.stim]


def _measure_points(stim: str) -> tuple[float, float]:
    """Relative positions whose crossings give the velocity."""
    return (0.125, 0.375) if stim == "both" else (0.25, 0.75)


def crossing_at(x_um: Sequence[float], times: Sequence[float], x: float) -> float:
    """Crossing time at position x (µm), linear between the two compartment centres either
    side of it (the nearest one at the ends); NaN unless both have fired."""
    k = bisect.bisect_left(x_um, x)
    if k <= 0 or k >= len(x_um):
        t = times[0] if k <= 0 else times[-1]
        return float(t)
    x0, x1, t0, t1 = x_um[k - 1], x_um[k], times[k - 1], times[k]
    if math.isnan(t0) or math.isnan(t1):
        return math.nan
    return t0 + (t1 - t0) * (x - x0) / (x1 - x0)


def _interp(x_um: Sequence[float], values: Sequence[float], x: float) -> float:
    """Linear interpolation of values (given at increasing positions x_um) at x."""
    k = bisect.bisect_left(x_um, x)
    if k <= 0:
        return float(values[0])
    if k >= len(x_um):
        return float(values[-1])
    x0, x1 = x_um[k - 1], x_um[k]
    return float(values[k - 1] + (values[k] - values[k - 1]) * (x - x0) / (x1 - x0))


def run_axons(
    specs: Sequence[AxonSpec],
    until: str = "quiet",
    engine: str | None = None,
    phase_sites: Sequence[int] = (),
    machines: dict[int, Any] | None = None,
):
    """Build, stimulate and run several axons in one batch; returns (cables, batch).

    until='quiet' runs each to quiet (see module docstring); 'far' stops as soon as
    every axon's far measuring point has fired (or it is quiet). `phase_sites`:
    compartments of the first axon that get a phase machine
    (`tutor.lab.cable_phases.CompartmentPhaseMachine`), fed every step; they are put
    into `machines` (site → machine).
    """
    from tutor.sim.cable import CableBatch, CurrentClamp

    cables = [build_axon(s) for s in specs]
    _check_size(sum(len(c) for c in cables))
    stims = []
    for s, c in zip(specs, cables, strict=True):
        sites = _sites(s, len(c))
        amp = s.stim_nA if s.stim_nA is not None else stimulus_nA(c, sites[0])
        stims.append([CurrentClamp(k, STIM_DELAY_MS, STIM_WIDTH_MS, amp) for k in sites])
    dts = {s.dt_ms or rule_dt_ms(s.membrane) for s in specs}
    bases = None
    if any(s.base is not None for s in specs):
        bases = [build_axon(replace(s, membrane=s.base or s.membrane)) for s in specs]
    batch = CableBatch(cables, stims, min(dts), base=bases, engine=engine)
    stim_end = STIM_DELAY_MS + STIM_WIDTH_MS
    far_sites = []
    for s, c in zip(specs, cables, strict=True):
        lo, hi = _measure_points(s.stim)
        far = {"left": [hi], "right": [lo], "both": [lo, hi]}[s.stim]
        far_sites.append([c.compartment_at(f) for f in far])
    done = [False] * len(specs)
    quiet_since = [math.inf] * len(specs)
    watched: list[Any] = []
    if phase_sites:
        from tutor.lab.cable_phases import CompartmentPhaseMachine

        for site in phase_sites:
            pm = CompartmentPhaseMachine(batch, site, 0)
            pm.observe()  # the resting state at t = 0 is the first sample
            watched.append(pm)
            if machines is not None:
                machines[site] = pm
    chunk_steps = int(round(CHUNK_MS / batch.dt_ms))
    while not all(done) and batch.t_ms < MAX_TSTOP_MS:
        active = [not d for d in done]
        if watched and active[0]:
            for _ in range(chunk_steps):  # the machines read every step
                batch.step(1, active=active)
                for pm in watched:
                    pm.observe()
        else:
            batch.step(chunk_steps, active=active)
        if batch.t_ms < stim_end:
            continue
        for k in range(len(specs)):
            if done[k]:
                continue
            if max(batch.values("v", k)) < QUIET_MV:
                quiet_since[k] = min(quiet_since[k], batch.t_ms)
            else:
                quiet_since[k] = math.inf
            quiet = batch.t_ms - quiet_since[k] >= QUIET_HOLD_MS - 1e-9
            if k == 0 and watched:
                # the watched positions have their whole story: back at rest, excitable
                quiet = quiet and all(pm.settled for pm in watched)
            if until == "far":
                fired = batch.values("first", k)
                beyond = all(
                    _beyond_fired(fired, site, s_dir)
                    for site, s_dir in zip(far_sites[k], _directions(specs[k].stim), strict=True)
                )
                done[k] = quiet or beyond
            else:
                done[k] = quiet
    return cables, batch


def _directions(stim: str) -> list[int]:
    return {"left": [1], "right": [-1], "both": [-1, 1]}[stim]


def _beyond_fired(fired, site: int, direction: int) -> bool:
    """Whether the compartment after `site` in the travel direction has fired
    (so the crossing time at the measuring point is known)."""
    nxt = min(max(site + direction, 0), len(fired) - 1)
    return not math.isnan(fired[site]) and not math.isnan(fired[nxt])


def _velocity(spec: AxonSpec, cable, first: list[float]) -> tuple[float | None, bool]:
    """(velocity m/s or None, blocked) from the first crossing time of every compartment."""
    x = cable.x_um
    length = cable.length_um
    lo, hi = _measure_points(spec.stim)
    t_lo, t_hi = crossing_at(x, first, lo * length), crossing_at(x, first, hi * length)
    dt = abs(t_hi - t_lo)
    velocity = (hi - lo) * length * 1e-3 / dt if dt > 0 and math.isfinite(dt) else None
    started = any(not math.isnan(t) for t in first)
    need = {"left": [t_hi], "right": [t_lo], "both": [t_lo, t_hi]}[spec.stim]
    blocked = started and any(math.isnan(t) for t in need)
    return (None if blocked else velocity), blocked


def summarise(spec: AxonSpec, cable, batch, k: int) -> dict[str, Any]:
    """The `tutor propagate --json` object for axon k of a batch."""
    x = list(cable.x_um)
    first = batch.values("first", k)
    counts = [int(c) for c in batch.values("count", k)]
    vpk, _ = batch.peaks(k)
    length = cable.length_um
    velocity, blocked = _velocity(spec, cable, first)
    return {
        "velocity_m_s": velocity,
        "positions_mm": [xi * 1e-3 for xi in x],
        "spike_ms": [None if math.isnan(t) else t for t in first],
        "peak_mV": _interp(x, vpk, 0.5 * length),
        "spike_count": counts,
        "blocked": blocked,
        "length_mm": length * 1e-3,
        "nseg": len(cable),
        "dt_ms": batch.dt_ms,
        "tstop_ms": batch.t_ms,
        "stim_nA": batch.stimuli[k][0].amp_nA,
        "kinds": sorted(set(cable.kind)),
        "params": spec.as_dict(),
    }


def propagate(
    spec: AxonSpec, engine: str | None = None, phase_at: Sequence[float] = ()
) -> dict[str, Any]:
    """`tutor propagate`: run one axon to quiet and measure it.

    `phase_at`: relative positions (0 … 1) whose compartments run the phase machine
    (`tutor.lab.cable_phases`); their events go under `phases` (see `phase_records`).
    """
    for f in phase_at:
        if not (math.isfinite(f) and 0.0 <= f <= 1.0):
            raise ParameterError(f"argument --phase-at: positions are in [0, 1], got {f:g}")
    cable = build_axon(spec)
    sites = sorted({phase_site(cable, f) for f in phase_at})
    machines: dict[int, Any] = {}
    cables, batch = run_axons(
        [spec], until="quiet", engine=engine, phase_sites=sites, machines=machines
    )
    out = summarise(spec, cables[0], batch, 0)
    if phase_at:
        out["phases"] = phase_records(cables[0], machines)
    return out


def phase_site(cable, x_frac: float) -> int:
    """The compartment watched at relative position x_frac: the one containing it on a
    bare axon; on a myelinated fibre the nearest node of Ranvier (where the spike is
    made)."""
    site = cable.compartment_at(x_frac)
    nodes = [i for i, kind in enumerate(cable.kind) if kind == "node"]
    if not nodes or cable.kind[site] == "node":
        return site
    x = cable.x_um[site]
    return min(nodes, key=lambda i: abs(cable.x_um[i] - x))


def phase_records(cable, machines: dict[int, Any]) -> list[dict[str, Any]]:
    """Per watched compartment: `position_mm`, `compartment`, `events` (the phase
    machine's stream, docs/design.md) and `summary` (`phase_summary`: threshold, spike,
    peak, end of the absolute and of the relative refractory period, ms)."""
    from tutor.lab.cable_phases import phase_summary

    out = []
    for site in sorted(machines):
        pm = machines[site]
        events = [*pm.events, *pm.flush()]
        out.append(
            {
                "position_mm": cable.x_um[site] * 1e-3,
                "compartment": site,
                "events": events,
                "summary": phase_summary(events),
            }
        )
    return out


def velocity_sweep(
    spec: AxonSpec, diams_um: Sequence[float], engine: str | None = None
) -> dict[str, Any]:
    """`tutor sweep velocity`: conduction velocity per diameter (one batch)."""
    for d in diams_um:
        if not (math.isfinite(d) and d > 0):
            raise ParameterError(f"argument --diams: every diameter must be > 0 µm, got {d:g}")
    specs = [replace(spec, diam_um=float(d)) for d in diams_um]
    cables, batch = run_axons(specs, until="far", engine=engine)
    points = []
    for k, s in enumerate(specs):
        velocity, blocked = _velocity(s, cables[k], batch.values("first", k))
        points.append({"diam_um": s.diam_um, "velocity_m_s": velocity, "blocked": blocked})
    return {"points": points, "params": spec.as_dict()}


# --- content runs (predict questions and model-checked numbers) --------------------------


def axon_spec_from_run(run: dict[str, Any], default_preset: str = "squid") -> AxonSpec:
    """The AxonSpec of a content run spec with an `axon` table (docs/content-format.md).

    `axon` holds `tutor propagate`'s options (diam µm, length mm, ra Ω·cm, myelin,
    stim, demyelinate [from_mm, to_mm, factor], nseg); `preset`, `celsius`, `set`
    and `block` are the run's as for a patch. The squid preset defaults to 18.5 °C.
    """
    from tutor.lab.experiments import membranes

    axon = dict(run.get("axon") or {})
    preset = run.get("preset", default_preset)
    celsius = run.get("celsius")
    if celsius is None and preset == "squid":
        celsius = SQUID_CELSIUS
    m = membranes(preset, celsius, dict(run.get("set", {})), list(run.get("block", [])))
    myelin = bool(axon.get("myelin", False))
    dm = axon.get("demyelinate")
    return AxonSpec(
        membrane=m.run,
        base=m.base if m.base != m.run else None,
        diam_um=float(axon.get("diam", MYELIN_DEFAULT_DIAM_UM if myelin else SQUID_DIAM_UM)),
        length_mm=None if axon.get("length") is None else float(axon["length"]),
        ra_ohm_cm=float(axon.get("ra", SQUID_RA_OHM_CM)),
        myelin=myelin,
        stim=str(axon.get("stim", "left")),
        nseg=axon.get("nseg"),
        demyelinate=None if dm is None else (float(dm[0]), float(dm[1]), float(dm[2])),
    )


def axon_measures(out: dict[str, Any], cable_stim: str) -> dict[str, Any]:
    """The content measures (`tutor.lab.names.AXON_MEASURES`) of a `propagate` result."""
    times, counts = out["spike_ms"], out["spike_count"]
    n = len(times)
    far = {"left": [n - 1], "right": [0], "both": [n // 2]}[cable_stim]
    arrived = all(times[k] is not None for k in far)
    return {
        "velocity_m_s": out["velocity_m_s"],
        "blocked": out["blocked"],
        "arrived": arrived,
        "mid_spike_count": counts[n // 2],
        "conduction_ms": max(times[k] for k in far) - STIM_DELAY_MS if arrived else None,
        "axon_peak_mV": out["peak_mV"],
    }


def axon_measure(run: dict[str, Any], name: str, default_preset: str = "squid") -> Any:
    """Read one axon measure from a content run spec with an `axon` table."""
    from tutor.lab.names import AXON_MEASURES

    if name not in AXON_MEASURES:
        raise ParameterError(f"measure '{name}' reads a membrane patch, not an axon run")
    if "axon" not in run:
        raise ParameterError(f"measure '{name}' needs a run with an `axon` table")
    spec = axon_spec_from_run(run, default_preset)
    return axon_measures(propagate(spec), spec.stim)[name]
