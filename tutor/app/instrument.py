"""The lab as an instrument: a cursor readout and a baseline run to compare with.

Pure functions over the lab's trace buffer (arrays and events), so the Pilot
tests can check every number the screen shows against the model's samples.
Nothing here draws; `screens/lab.py` puts the results on screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tutor.lab.events import Event
from tutor.lab.measures import spike_width_ms
from tutor.lab.names import EXCITABILITY_STATES, PHASES
from tutor.lab.notation import MODERN, Notation


@dataclass(frozen=True)
class Readout:
    """The model's state at one sample, as the cursor readout shows it.

    Voltages in mV (modern convention), dV/dt in mV/ms (central difference of
    the sampled trace), gates dimensionless, currents in µA/cm² outward
    positive (the stimulus inward positive, as everywhere in the lab).
    """

    t_ms: float
    v_mV: float
    dvdt_mV_ms: float
    m: float
    h: float
    n: float
    i_na: float
    i_k: float
    i_l: float
    i_stim: float
    phase: str
    excitability: str

    def text(self, nt: Notation = MODERN, compact: bool = False) -> str:
        """One line (wraps on narrow screens): every value the cursor reads, written in
        the convention the plots are drawn in (`nt`): in the 1952 one V is the
        displacement from rest with depolarisation negative (dV/dt likewise) and ionic
        currents are inward positive; the stimulus is inward, so positive in both.
        """
        v, dvdt = nt.v(self.v_mV), -self.dvdt_mV_ms if nt.hh1952 else self.dvdt_mV_ms
        ina, ik, il = nt.i(self.i_na), nt.i(self.i_k), nt.i(self.i_l)
        if compact:  # 80 columns: two lines
            tag = "₁₉₅₂" if nt.hh1952 else ""
            return (
                f"⊢ t {self.t_ms:.3f} V{tag} {v:+.1f} dV/dt {dvdt:+.0f} "
                f"m {self.m:.2f} h {self.h:.2f} n {self.n:.2f} INa {ina:+.0f} "
                f"IK {ik:+.0f} IL {il:+.1f} Istim {self.i_stim:+.0f} · "
                f"{self.phase.replace('_', ' ')} · {self.excitability.replace('_', ' ')}"
            )
        conv = " (1952: rest 0, depol. −; inward +)" if nt.hh1952 else ""
        return (
            f"cursor t {self.t_ms:.3f} ms · V {v:+.2f} mV · dV/dt {dvdt:+.1f} mV/ms · "
            f"m {self.m:.3f} h {self.h:.3f} n {self.n:.3f} · "
            f"I_Na {ina:+.1f} I_K {ik:+.1f} I_L {il:+.2f} "
            f"I_stim {self.i_stim:+.1f} µA/cm²{conv} · {self.phase.replace('_', ' ')} · "
            f"{self.excitability.replace('_', ' ')}"
        )


def readout_at(cols: Mapping[str, np.ndarray], t_ms: float) -> Readout | None:
    """The sample nearest to ``t_ms`` in a window of buffer columns (None if empty)."""
    t = cols["t_ms"]
    if len(t) == 0:
        return None
    i = int(np.clip(np.searchsorted(t, t_ms), 0, len(t) - 1))
    if i > 0 and abs(t[i - 1] - t_ms) <= abs(t[i] - t_ms):
        i -= 1
    v = cols["v_mV"]
    lo, hi = max(i - 1, 0), min(i + 1, len(t) - 1)
    dvdt = float((v[hi] - v[lo]) / (t[hi] - t[lo])) if hi > lo else 0.0
    return Readout(
        t_ms=float(t[i]),
        v_mV=float(v[i]),
        dvdt_mV_ms=dvdt,
        m=float(cols["m"][i]),
        h=float(cols["h"][i]),
        n=float(cols["n"][i]),
        i_na=float(cols["i_na"][i]),
        i_k=float(cols["i_k"][i]),
        i_l=float(cols["i_l"][i]),
        i_stim=float(cols["i_stim"][i]),
        phase=PHASES[int(cols["phase"][i])],
        excitability=EXCITABILITY_STATES[int(cols["exc"][i])],
    )


@dataclass(frozen=True)
class RunSummary:
    """What the baseline comparison reads off one run: the first spike after the
    run's stimulus (None where the run has none)."""

    threshold_mV: float | None
    peak_mV: float | None
    width_ms: float | None
    ahp_mV: float | None


def run_start_ms(events: Sequence[Event], t0_ms: float) -> float:
    """Start of the latest run in view: the last stimulus onset at or after ``t0_ms``
    (the window's start where none is in view)."""
    onsets = [float(e["t_ms"]) for e in events if e.get("kind") == "stimulus_on"]
    later = [t for t in onsets if t >= t0_ms]
    return later[-1] if later else t0_ms


def summarise(
    t: np.ndarray, v: np.ndarray, events: Sequence[Event], start_ms: float, rest_mV: float
) -> RunSummary:
    """Threshold, peak, AHP (from the phase machine's events) and width at half
    amplitude (`tutor.lab.measures`) of the first spike at or after ``start_ms``."""

    def first(kind: str, after: float) -> Event | None:
        return next(
            (e for e in events if e.get("kind") == kind and float(e["t_ms"]) >= after), None
        )

    spike = first("spike", start_ms)
    if spike is None:
        return RunSummary(None, None, None, None)
    s_ms = float(spike["t_ms"])
    thr = first("threshold", start_ms)
    peak = first("peak", s_ms)
    ahp = first("ahp_min", s_ms)
    keep = t >= start_ms
    width = spike_width_ms(t[keep], v[keep], s_ms, rest_mV) if keep.any() else None

    def volt(e: Event | None) -> float | None:
        return float(e["v_mV"]) if e is not None and "v_mV" in e else None

    return RunSummary(volt(thr) if thr and float(thr["t_ms"]) <= s_ms else None,
                      volt(peak), width, volt(ahp))  # fmt: skip


@dataclass(frozen=True)
class Baseline:
    """A kept run, drawn dimmed under the next runs and compared with them.

    ``t_ms``/``v_mV`` are relative to the run's start (its stimulus onset), so
    the baseline lines up with the stimulus of whatever run is shown now.
    """

    name: str
    t_ms: np.ndarray
    v_mV: np.ndarray
    summary: RunSummary


def keep_baseline(
    cols: Mapping[str, np.ndarray],
    events: Sequence[Event],
    t0_ms: float,
    rest_mV: float,
    name: str,
) -> Baseline:
    """Keep the run in view (from its stimulus onset on) as a baseline called ``name``."""
    start = run_start_ms(events, t0_ms)
    t, v = cols["t_ms"], cols["v_mV"]
    keep = t >= start
    return Baseline(
        name=name,
        t_ms=np.array(t[keep] - start),
        v_mV=np.array(v[keep]),
        summary=summarise(t, v, events, start, rest_mV),
    )


def differences(now: RunSummary, base: RunSummary, nt: Notation = MODERN) -> list[tuple[str, str]]:
    """Rows ``(what, "now (base) Δ")`` for peak, threshold, width and AHP; voltages
    written in the convention `nt` the plot is drawn in."""

    def v(x: float | None) -> float | None:
        return None if x is None else nt.v(x)

    rows: list[tuple[str, str]] = []
    for label, a, b, unit in (
        ("peak", v(now.peak_mV), v(base.peak_mV), "mV"),
        ("thresh", v(now.threshold_mV), v(base.threshold_mV), "mV"),
        ("width", now.width_ms, base.width_ms, "ms"),
        ("AHP", v(now.ahp_mV), v(base.ahp_mV), "mV"),
    ):
        fmt = "{:+.1f}" if unit == "mV" else "{:.2f}"
        sa = fmt.format(a) if a is not None else "—"
        sb = fmt.format(b) if b is not None else "—"
        delta = f" Δ{a - b:+.2f}" if a is not None and b is not None else ""
        rows.append((label, f"{sa} ({sb}){delta} {unit}"))
    return rows


def describe(
    preset: str, celsius: float, blocks: frozenset[str], amp: float, width: float, count: int
) -> str:
    """A baseline's name: what distinguishes the run (preset, temperature, drugs, stimulus)."""
    drugs = "+".join(b.upper() for b in sorted(blocks)) or "no drugs"
    train = f"×{count}" if count > 1 else ""
    return f"{preset} {celsius:g} °C {drugs} {amp:g} µA/cm² {width:g} ms{train}"
