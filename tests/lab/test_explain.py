"""Every explanation is true at the moment it is shown (issue 11, "explanations are live").

Each protocol runs live (LiveSim + PhaseMachine, fed in 0.5 ms chunks, as the TUI
does). After every chunk the banner's text (`explain_now`) is checked against the
last sample of that chunk, read from the chunk itself; every event's `why` is checked
against the sample at the event's time. A checker parses what the text claims —
gate values and trends, V, each current or sum of currents and its direction, the
net ionic current, the stimulus, "above/below rest", "still open", the largest
current, inactivation, drugs, test amplitudes — and compares each claim with the
model state. Both presets; one pulse, TTX, TEA, paired pulses 3 ms apart, a train,
a hyperpolarising step. Units: mV, ms, µA/cm².
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest

from tutor.lab.experiments import TEST_WIDTH_MS, Membranes, membranes, pulse_thresholds
from tutor.lab.explain import H_LOW_FRACTION, Notation
from tutor.lab.phases import PhaseMachine
from tutor.sim import LiveSim, Pulse, Train
from tutor.sim import kernel as K
from tutor.sim.engine import Trace, params_row
from tutor.sim.params import MembraneParams

NUM = r"([+-]?\d+\.\d+)"
CURRENT = r"((?:I_Na|I_K|I_L|I_stim)(?: \+ (?:I_Na|I_K|I_L|I_stim))*) " + NUM + r" µA/cm²"


@dataclass
class Shown:
    """One explanation and the model state at the moment it was shown."""

    text: str
    s: dict[str, float]
    phase: str | None
    excitability: str | None
    where: str


def tol(number: str) -> float:
    """Half a unit of the last printed decimal (plus float noise)."""
    decimals = len(number.split(".")[1]) if "." in number else 0
    return 0.5 * 10.0**-decimals + 1e-9


def sample(chunk: Trace, k: int, p: MembraneParams) -> dict[str, float]:
    """The model state of sample k of a chunk, with gate rates of change."""
    v = float(chunk.v_mV[k])
    r = K.gate_rates_array(np.array([v]), params_row(p))[:, 0]
    m, h, n = float(chunk.m[k]), float(chunk.h[k]), float(chunk.n[k])
    return {
        "t": float(chunk.t_ms[k]), "v": v, "m": m, "h": h, "n": n,
        "I_Na": float(chunk.i_na[k]), "I_K": float(chunk.i_k[k]), "I_L": float(chunk.i_l[k]),
        "I_stim": float(chunk.i_stim[k]), "iion": float(chunk.i_ion[k]),
        "dm": r[0] * (1 - m) - r[1] * m, "dh": r[2] * (1 - h) - r[3] * h,
        "dn": r[4] * (1 - n) - r[5] * n,
    }  # fmt: skip


@cache
def relative_amp(preset: str, blocks: tuple[str, ...]) -> float:
    """1.05 × the resting 1 ms threshold, computed independently of the machine."""
    return 1.05 * float(pulse_thresholds(membranes(preset, blocks=list(blocks)), [1.0])[0])


def check(sh: Shown, machine: PhaseMachine, preset: str, blocks: tuple[str, ...]) -> None:
    """Every claim of one explanation holds for its state (see the module docstring)."""
    text, s, p, rest = sh.text, sh.s, machine.params, machine.rest
    ctx = f"{sh.where} t={s['t']:.3f} [{sh.phase}/{sh.excitability}]: {text}"
    for g, val, trend in re.findall(r"\b([mhn]) = (\d\.\d\d)( rising| falling)?", text):
        assert abs(float(val) - s[g]) <= tol(val), ctx
        if trend:
            assert (s["d" + g] > 0) == (trend == " rising"), ctx
    for val in re.findall(r"V = " + NUM + " mV", text):
        assert abs(float(val) - s["v"]) <= tol(val), ctx
    for names, val in re.findall(CURRENT, text):
        total = sum(s[x] for x in names.split(" + "))
        assert abs(float(val) - total) <= tol(val) * len(names.split(" + ")), (names, ctx)
    for name, val, direction in re.findall(
        r"(I_Na|I_K|I_L) " + NUM + r" µA/cm² (inward|outward)", text
    ):
        assert (s[name] < 0) == (direction == "inward"), ctx
        assert abs(float(val) - s[name]) <= tol(val), ctx
    for val in re.findall(r"net ionic current (?:turned inward \()?" + NUM, text):
        assert abs(float(val) - s["iion"]) <= tol(val), ctx
    if "turned inward" in text:
        assert s["iion"] < 0, ctx
    for val in re.findall(r"(?:stimulus|hyperpolarising current) \(" + NUM, text):
        assert abs(float(val) - s["I_stim"]) <= tol(val) and s["I_stim"] != 0, ctx
    for dv, side in re.findall(r"(\d+\.\d) mV (above|below) rest", text):
        assert abs(abs(s["v"] - rest.v_mV) - float(dv)) <= tol(dv), ctx
        assert (s["v"] > rest.v_mV) == (side == "above"), ctx
    if "K⁺ channels still open" in text:
        assert s["n"] > rest.n, ctx
    if re.search(r"inactivat", text) and "not yet recovered from inactivation" not in text:
        assert s["h"] < H_LOW_FRACTION * rest.h, f"inactivation named while h is not low: {ctx}"
    if "not yet recovered from inactivation" in text:
        assert s["h"] < rest.h, ctx
    for name, val in re.findall(r"largest current (I_\w+) " + NUM, text):
        biggest = max(("I_Na", "I_K", "I_L", "I_stim"), key=lambda x: abs(s[x]))
        assert name == biggest and abs(float(val) - s[name]) <= tol(val), ctx
    m_out = re.search(r"(?:I_Na|influx \()\s?" + NUM + r".{0,20}? (no longer )?outweighs "
                      + r"((?:I_\w+)(?: \+ I_\w+)*) " + NUM, text)  # fmt: skip
    if m_out:
        outward = sum(s[x] for x in m_out.group(3).split(" + "))
        assert (-s["I_Na"] > outward) == (m_out.group(2) is None), ctx
    if "TEA" in text:
        assert p.gk == 0, ctx
    if "TTX" in text:
        assert p.gna == 0, ctx
    if p.gk == 0:
        assert "I_K" not in text and "K⁺ channels still open" not in text, ctx
    if text.startswith("at rest"):
        assert sh.phase == "resting" and abs(s["v"] - rest.v_mV) <= 1.0 + 1e-9, ctx
    for val in re.findall(r"(?:needs more than|test pulse of) " + NUM + " µA/cm²", text):
        assert abs(float(val) - relative_amp(preset, blocks)) <= tol(val), ctx


PROTOCOLS: dict[str, tuple[list, tuple[str, ...], float]] = {
    "pulse": ([Pulse(5.0, 1.0, 20.0)], (), 40.0),
    "ttx_150": ([Pulse(5.0, 1.0, 150.0)], ("ttx",), 30.0),
    "tea": ([Pulse(5.0, 1.0, 20.0)], ("tea",), 30.0),
    "paired_3ms": ([Pulse(5.0, 1.0, 20.0), Pulse(8.0, 1.0, 20.0)], (), 40.0),
    "train": (
        [Train(delay_ms=5.0, width_ms=1.0, amp_uA_cm2=30.0, count=4, interval_ms=6.0)],
        (),
        45.0,
    ),
    "hyperpolarising_step": ([Pulse(5.0, 20.0, -10.0)], (), 60.0),
}


def started(preset: str, name: str) -> tuple[LiveSim, PhaseMachine, Membranes, float]:
    """A protocol's live run at t = 0 (its stimuli added), its phase machine, its membranes
    and the time to run it to."""
    stims, blocks, tstop = PROTOCOLS[name]
    m = membranes(preset, blocks=list(blocks))
    live = LiveSim(m.run, base=m.base)
    for st in stims:
        live.add_stimulus(st)
    return live, PhaseMachine(m.run, base=m.base), m, tstop


@cache
def shown(preset: str, name: str) -> tuple[list[Shown], PhaseMachine, tuple[str, ...]]:
    """Run a protocol live and collect every explanation with its state."""
    live, machine, m, tstop = started(preset, name)
    blocks = PROTOCOLS[name][1]
    out: list[Shown] = []
    by_time: dict[float, dict[str, float]] = {}
    while live.t_ms < tstop:
        chunk = live.advance(0.5)
        for k in range(len(chunk)):
            by_time[round(float(chunk.t_ms[k]), 6)] = sample(chunk, k, m.run)
        machine.feed(chunk, live.pieces)
        last = sample(chunk, len(chunk) - 1, m.run)
        out.append(Shown(machine.explain_now(), last, machine.phase, machine.excitability,
                         "banner"))  # fmt: skip
    machine.flush()
    for e in machine.events:
        if e.get("why"):
            s = by_time[round(e["t_ms"], 6)]
            phase = e["phase"] if e["kind"] == "phase" else None
            exc = e["phase"] if e["kind"] == "excitability" else None
            out.append(Shown(e["why"], s, phase, exc, f"event {e['kind']}"))
    return out, machine, blocks


CASES = [(p, n) for p in ("squid", "textbook") for n in PROTOCOLS]


@pytest.mark.parametrize(("preset", "name"), CASES)
def test_every_explanation_is_true_when_shown(preset: str, name: str) -> None:
    """All claims of every banner text and event why hold at their instant."""
    items, machine, blocks = shown(preset, name)
    assert len(items) > 20
    for sh in items:
        check(sh, machine, preset, blocks)


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_banner_text_follows_the_state(preset: str) -> None:
    """The banner is recomputed: after the pulse it no longer talks about the stimulus,
    and during the AHP its n is the current one, not the value at phase entry."""
    items, _, _ = shown(preset, "pulse")
    banner = [x for x in items if x.where == "banner"]
    after_pulse = [x for x in banner if x.s["t"] > 6.5]
    assert after_pulse and not any("stimulus" in x.text for x in after_pulse)
    hyper = [x for x in banner if x.phase == "hyperpolarization"]
    assert len({re.search(r"n = (\d\.\d\d)", x.text).group(1) for x in hyper}) > 1  # type: ignore[union-attr]


def test_squid_rest_names_the_inward_leak() -> None:
    """Squid at rest: I_L is inward (E_L = −54.3 mV is above rest), and the text says so."""
    items, _, _ = shown("squid", "pulse")
    rest = [x for x in items if x.where == "banner" and x.phase == "resting"]
    assert rest
    for x in rest:
        assert x.s["I_L"] < 0
        assert re.search(r"inward (?:I_\w+ \+ )*I_L", x.text), x.text


def test_tea_plateau_is_not_resting() -> None:
    """Squid with TEA settles near −0.6 mV with h ≈ 0: never labelled resting there,
    and the band stays absolutely refractory (it never recovers)."""
    items, _machine, _ = shown("squid", "tea")
    late = [x for x in items if x.where == "banner" and x.s["t"] > 15.0]
    assert late and all(x.s["v"] > -5.0 for x in late)
    assert all(x.phase != "resting" for x in late)
    assert all(x.excitability == "absolute_refractory" for x in late)
    assert all("blocked (TEA)" in x.text for x in late)


def test_textbook_late_relative_refractory_is_explained_by_v() -> None:
    """Textbook cell, 10 ms after its spike: h is back near 1 and n at or below rest; the
    band is still relative, and the text blames the hyperpolarised V, not h or n."""
    items, machine, _ = shown("textbook", "pulse")
    late = [x for x in items if x.where == "banner" and 16.0 <= x.s["t"] <= 25.0]
    assert late
    for x in late:
        assert x.excitability == "relative_refractory", x
        assert x.s["h"] > 0.95 and x.s["n"] <= machine.rest.n + 0.02
        assert "below rest" in x.text and "K⁺ channels still open" not in x.text, x.text


@pytest.mark.parametrize("preset", ["squid", "textbook"])
def test_inactivation_is_named_only_while_h_is_low(preset: str) -> None:
    """The texts that name inactivation, over every protocol, are all said at low h (the
    check above) — and some are said at all, so the check is not vacuous."""
    n_named = 0
    for name in PROTOCOLS:
        items, machine, _ = shown(preset, name)
        for x in items:
            if re.search(r"Na⁺ channels inactivated", x.text):
                assert x.s["h"] < H_LOW_FRACTION * machine.rest.h
                n_named += 1
    assert n_named > 5
    assert TEST_WIDTH_MS == 1.0  # the test amplitudes above are for 1 ms pulses


@pytest.mark.parametrize(
    "false_text",
    [
        "h = 0.99 falling",
        "V = -20.0 mV",
        "I_K + I_L +999.0 µA/cm² outward",
        "I_Na -5.0 µA/cm² outward",
        "net ionic current +50.00 µA/cm²",
        "the stimulus (+20.0 µA/cm²) charges the membrane",
        "Na⁺ channels inactivated (h = 0.60)",
        "K⁺ channels still open (n = 0.10)",
        "largest current I_stim +0.0 µA/cm²",
        "K⁺ channels blocked (TEA)",
    ],
)
def test_the_checker_catches_false_claims(false_text: str) -> None:
    """Each kind of claim, made false on purpose against squid rest, is refused."""
    items, machine, blocks = shown("squid", "pulse")
    at_rest = next(x for x in items if x.where == "banner" and x.phase == "resting")
    with pytest.raises(AssertionError):
        check(Shown(false_text, at_rest.s, "resting", "excitable", "mutated"), machine,
              "squid", blocks)  # fmt: skip


# --------------------------------------------------------------------------- 1952 notation
@cache
def shown_both(preset: str, name: str) -> tuple[list[tuple[str, str, dict]], PhaseMachine]:
    """Every banner text of a protocol in both notations, with its state."""
    live, machine, m, tstop = started(preset, name)
    nt = Notation(machine.rest.v_mV)
    out = []
    while live.t_ms < tstop:
        chunk = live.advance(0.5)
        machine.feed(chunk, live.pieces)
        last = sample(chunk, len(chunk) - 1, m.run)
        out.append((machine.explain_now(), machine.explain_now(nt), last))
    return out, machine


def check_1952(text: str, s: dict[str, float], machine: PhaseMachine) -> None:
    """Every number of a 1952-notation text is the model's, written as Hodgkin and Huxley
    did: V = −(V − rest), reversal potentials likewise, ionic currents inward positive
    (the stimulus, inward, positive in both)."""
    rest, p = machine.rest.v_mV, machine.params
    hh = {k: -x for k, x in s.items() if k in ("I_Na", "I_K", "I_L", "iion")}
    hh["I_stim"] = s["I_stim"]
    ctx = f"t={s['t']:.3f}: {text}"
    assert "E_Na" not in text and "E_K" not in text, ctx
    assert not re.search(r"mV (above|below) rest", text), ctx
    for val in re.findall(r"V = " + NUM + " mV", text):
        assert abs(float(val) - -(s["v"] - rest)) <= tol(val), ctx
    for names, val in re.findall(CURRENT, text):
        total = sum(hh[x] for x in names.split(" + "))
        assert abs(float(val) - total) <= tol(val) * len(names.split(" + ")), (names, ctx)
    for _name, val, direction in re.findall(
        r"(I_Na|I_K|I_L) " + NUM + r" µA/cm² (inward|outward)", text
    ):
        assert (float(val) > 0) == (direction == "inward") or float(val) == 0.0, ctx
    for val in re.findall(r"net ionic current (?:turned inward \()?" + NUM, text):
        assert abs(float(val) - hh["iion"]) <= tol(val), ctx
    for dv, side in re.findall(r"(\d+\.\d) mV (depolarised|hyperpolarised) from rest", text):
        assert abs(abs(s["v"] - rest) - float(dv)) <= tol(dv), ctx
        assert (s["v"] > rest) == (side == "depolarised"), ctx
    for name, val in re.findall(r"towards (V_Na|V_K) \(([+-]?\d+) mV\)", text):
        e = p.ena if name == "V_Na" else p.ek
        assert abs(float(val) - -(e - rest)) <= 0.5 + 1e-9, ctx
    for name, val in re.findall(r"largest current (I_\w+) " + NUM, text):
        assert abs(float(val) - hh[name]) <= tol(val), ctx


@pytest.mark.parametrize(("preset", "name"), CASES)
def test_1952_explanations_are_the_models_numbers_in_its_convention(preset: str, name: str) -> None:
    """The lab's 1952 display explains in the convention its plot is drawn in; the
    modern text (the default) is what every other check above reads."""
    items, machine = shown_both(preset, name)
    n_volts = 0
    for modern, old, s in items:
        check_1952(old, s, machine)
        n_volts += len(re.findall(r"V = " + NUM, old))
        # the same sentence: only numbers and the convention's words differ
        assert len(re.findall(NUM, modern)) == len(re.findall(NUM, old)), (modern, old)
    assert n_volts > 0 or name in ("tea", "ttx_150")


def test_1952_checker_catches_modern_numbers() -> None:
    """A modern-convention text read as 1952 is refused (so the check is not vacuous)."""
    items, machine = shown_both("squid", "pulse")
    caught = 0
    for modern, _old, s in items:
        if "V = " in modern or "µA/cm² inward" in modern:
            with pytest.raises(AssertionError):
                check_1952(modern, s, machine)
            caught += 1
    assert caught > 5
