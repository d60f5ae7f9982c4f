"""Phase banner and stimulus/parameter panel: text views of the lab state.

Both are plain ``Static`` widgets fed a snapshot dataclass, so they are cheap
to update every frame and their text is what NO_COLOR users read.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from tutor.app.widgets.theme import EXC_COLOURS, PHASE_COLOURS, title
from tutor.lab.events import Event, timeline

#: One line of plain words per phase, shown when the model gave no "why" yet.
PHASE_BLURB: dict[str, str] = {
    "resting": "At rest: K⁺ leak dominates, net current ≈ 0. Press space to stimulate.",
    "subthreshold": "Displaced but not regenerative: the leak and K⁺ pull V back.",
    "threshold": "Threshold: net ionic current has turned inward — the upstroke feeds itself.",
    "depolarization": "Na⁺ channels open (m rises fast); inward I_Na drives V towards E_Na.",
    "repolarization": "Na⁺ channels inactivate (h falls) and K⁺ channels open (n rises).",
    "hyperpolarization": "n is still high: extra K⁺ current holds V below rest (AHP).",
}


@dataclass
class LabSnapshot:
    """What the banner and panel show; built by the lab screen each frame."""

    phase: str = "resting"
    excitability: str = "excitable"
    why: str = ""
    t_ms: float = 0.0
    running: bool = True
    speed_ms_per_s: float = 1.0
    """The chosen speed (`[` `]`), model ms per wall second."""
    effective_speed_ms_per_s: float | None = None
    """The speed model time runs at now (auto-slow near spikes); None: the chosen one."""
    auto_slow: bool = True
    preset: str = "textbook"
    celsius: float = 6.3
    blocks: frozenset[str] = frozenset()
    amp_uA_cm2: float = 20.0
    width_ms: float = 1.0
    count: int = 1
    interval_ms: float = 10.0
    pulses: tuple[tuple[float, float, float], ...] = ()
    """(onset from the first ms, width_ms, amp_uA_cm2) of every pulse `space` delivers;
    () = the uniform train the four values above describe."""
    plot2: str = "gates"
    last: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Latest marker values: kind -> (t_ms, v_mV)."""
    threshold: tuple[float, float | None] | str | None = None
    """Measured rest threshold (width_ms, µA/cm² or None), "…" while measuring."""
    message: str = ""
    readout: str = ""
    """The cursor readout (`k`): every value at the cursor; "" when it is closed."""
    baseline: str = ""
    """Name of the kept baseline run (`b`); "" without one."""
    compare: list[tuple[str, str]] = field(default_factory=list)
    """Rows comparing the run in view with the baseline: (what, "now (base) Δ unit")."""
    convention: str = "modern"
    """Voltage convention every number here is written in: "modern" or "1952"."""
    ions: Any = None
    """`tutor.app.lab_session.IonView` at this instant (None: a preset without ions)."""
    slow: bool = False
    """Slow-time (minutes) mode: `speed_ms_per_s` is then model time per wall second."""
    slow_dt_ms: float = 0.0
    """Sample interval of the slow-time mode (ms)."""
    slow_spikes: int = 0
    """Spikes found since slow-time mode began."""


def signed(x: float, digits: int = 1) -> str:
    """A voltage with its sign and a true minus sign (−88.8, +58.7)."""
    text = f"{x:+.{digits}f}"
    return text.replace("-", "−")


def clock(t_ms: float) -> str:
    """Model time in minutes and seconds (slow-time mode's clock)."""
    minutes, seconds = divmod(t_ms / 1000.0, 60.0)
    return f"{int(minutes)} min {seconds:04.1f} s"


def ion_rows(ions: Any) -> list[tuple[str, str, str]]:
    """The panel's ion section: (label, value, key) rows, every number from `ions`."""
    c, e = ions.conc_mM, ions.e_mV
    rows = [
        ("E_Na", f"{signed(e['na'])} mV", ""),
        ("E_K", f"{signed(e['k'])} mV", "{ }"),
        ("E_Cl", f"{signed(e['cl'])} mV", ""),
        ("[Na⁺]ᵢ/ₒ", f"{c['nai']:.2f}/{c['nao']:g} mM", ""),
        ("[K⁺]ᵢ/ₒ", f"{c['ki']:.2f}/{c['ko']:g} mM", "{ }"),
        ("[Cl⁻]ᵢ/ₒ", f"{c['cli']:.2f}/{c['clo']:g} mM", ""),
    ]
    if ions.rest_mV is None:
        rows.append(("rest →", "no stable rest", ""))
    else:
        rows.append(("rest →", f"{signed(ions.rest_mV)} mV", ""))
        rows.append(("GHK", f"{signed(ions.ghk_mV)} mV", ""))
    pump = "OFF (ouabain)" if ions.ouabain else f"{ions.pump_uA_cm2:.2f} µA/cm²"
    rows.append(("pump", pump, "O"))
    return rows


def listed(values: Sequence[float], unit: str) -> str:
    """One value when every pulse shares it, else each pulse's value in order."""
    if not values:
        return "—"
    if all(v == values[0] for v in values):
        return f"{values[0]:g} {unit}"
    return ", ".join(f"{v:g}" for v in values) + f" {unit}"


def pulse_list(s: LabSnapshot) -> list[tuple[float, float, float]]:
    """Every pulse `space` delivers, (onset from the first ms, width_ms, amp_uA_cm2)."""
    if s.pulses:
        return list(s.pulses)
    return [(k * s.interval_ms, s.width_ms, s.amp_uA_cm2) for k in range(max(s.count, 1))]


def stimulus_values(s: LabSnapshot) -> dict[str, str]:
    """Amplitude, width, pulse count and interval as the panel and banner print them:
    a try-it's mixed pulses (20 then 100 µA/cm²) show every pulse's value."""
    pulses = pulse_list(s)
    onsets = [o for o, _, _ in pulses]
    gaps = [b - a for a, b in pairwise(onsets)]
    kind = " (paired)" if len(pulses) == 2 else (" (train)" if len(pulses) > 2 else "")
    return {
        "amplitude": listed([a for _, _, a in pulses], "µA/cm²"),
        "width": listed([w for _, w, _ in pulses], "ms"),
        "pulses": f"{len(pulses)}{kind}",
        "interval": listed([round(g, 6) for g in gaps] or [s.interval_ms], "ms"),
    }


def stimulus_line(s: LabSnapshot) -> str:
    """Compact stimulus + drugs line (used when the panel is collapsed)."""
    v = stimulus_values(s)
    count = len(pulse_list(s))
    train = f" ×{count} every {v['interval']}" if count > 1 else ""
    drugs = " ".join(b.upper() for b in sorted(s.blocks)) or "no drugs"
    ions = ""
    if s.ions is not None:
        ions = f" · Kₒ {s.ions.conc_mM['ko']:g} mM E_K {signed(s.ions.e_mV['k'])}"
    if s.slow and s.ions is not None:
        return (
            f"V {signed(s.ions.v_mV)} mV · [Na⁺]ᵢ {s.ions.conc_mM['nai']:.2f} mM{ions} · "
            f"{drugs} · {s.preset} {s.celsius:g} °C"
        )
    if s.slow:
        return f"minutes mode · {s.preset} {s.celsius:g} °C · {drugs}"
    return (
        f"stim {v['amplitude']} × {v['width']}{train} · {s.preset} {s.celsius:g} °C · {drugs}{ions}"
    )


#: The "(m = …, h = …, n = …; largest current …)" an explanation ends its phase part with
#: (`tutor.lab.explain`), left out of the banner when the whole text does not fit.
GATES_TAIL = re.compile(r" \(m = [\d.]+, h = [\d.]+, n = [\d.]+; largest current [^()]*\)")


def fit_lines(text: str, width: int, rows: int) -> str:
    """`text` wrapped at spaces into at most `rows` lines of `width` columns; if it needs
    more, the last line ends at a whole word with "…", so the banner never stops
    mid-sentence without saying so (a height-3 banner silently cut the third line)."""
    if width <= 1:
        return text
    lines = textwrap.wrap(text, width=width, break_on_hyphens=False) or [""]
    if len(lines) <= rows:
        return "\n".join(lines)
    last = textwrap.wrap(" ".join(lines[rows - 1 :]), width=width - 1, break_on_hyphens=False)[0]
    return "\n".join([*lines[: rows - 1], last.rstrip(" ,;:·") + "…"])


class _TextView(Widget):
    """A widget showing one rich renderable, repainted without a layout pass.

    Why not ``Static``: ``Static.update`` asks for a full layout every time, and
    the banner changes every frame (the clock); our size never depends on it.
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.content: Any = ""

    def update(self, content: Any) -> None:
        self.content = content
        self.refresh()

    def render(self) -> Any:
        return self.content


class PhaseBanner(_TextView):
    """What is happening now and why, plus clock, speed and run state."""

    def show(self, s: LabSnapshot, compact: bool = False) -> None:
        """Line 1: phase, excitability, clock. Then the why (two lines, or one plus
        the stimulus line when the panel is collapsed)."""
        from rich.console import Group

        if s.slow:
            self._show_slow(s, compact)
            return
        colour = PHASE_COLOURS.get(s.phase, "white")
        exc_colour = EXC_COLOURS.get(s.excitability, "white")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {title(s.phase).upper()} ", style=f"bold reverse {colour}")
        text.append(" ")
        exc = title(s.excitability).upper()
        if compact:
            exc = exc.replace("ABSOLUTE", "ABS").replace("RELATIVE", "REL")
        text.append(exc, style=f"bold {exc_colour}")
        if s.convention == "1952":  # every number below is in the 1952 convention
            text.append("  HH1952" if compact else "  [HH 1952: rest 0, depol −, inward I +]")
        run = "▶" if s.running else "⏸ paused"
        eff = s.effective_speed_ms_per_s
        slowed = eff is not None and eff < s.speed_ms_per_s
        if compact:
            speed = f"{eff:g}↓" if slowed else f"{s.speed_ms_per_s:g}"
            text.append(f"  t={s.t_ms:.2f} ms {run} {speed} ms/s")
        else:
            run = "▶ running" if s.running else "⏸ paused"
            speed = (
                f"speed {eff:g} ms/s (auto-slow, {s.speed_ms_per_s:g} set)"
                if slowed
                else f"speed {s.speed_ms_per_s:g} ms/s"
            )
            text.append(f"   t = {s.t_ms:8.2f} ms   {run}   {speed}")
        if s.message:
            text.append(f"  {s.message}", style="bold")
        why = s.why or PHASE_BLURB.get(s.phase, "")
        if s.readout:  # the cursor readout takes the explanation's place while it is open
            self.update(Group(text, Text(s.readout, style="bold")))
            return
        if compact:
            # no side panel: the third line compares with the baseline when one is kept
            third = (
                "vs baseline: " + "  ".join(f"{k} {v}" for k, v in s.compare)
                if s.baseline
                else stimulus_line(s)
            )
            self.update(
                Group(
                    text,
                    Text(why, style="italic", no_wrap=True, overflow="ellipsis"),
                    Text(third, style="dim", no_wrap=True, overflow="ellipsis"),
                )
            )
        else:
            rows, width = max(self.size.height - 1, 1), self.content_region.width
            shown = fit_lines(why, width, rows)
            if shown.endswith("…") and GATES_TAIL.search(why):
                # the gates and largest current are on the gates/currents plot; the
                # reason for the excitability, after them, is not: it keeps the room
                shown = fit_lines(GATES_TAIL.sub("", why), width, rows)
            self.update(Group(text, Text(shown, style="italic", no_wrap=True)))

    def _show_slow(self, s: LabSnapshot, compact: bool) -> None:
        """Slow-time mode: the clock in minutes, and what is (and is not) followed."""
        from rich.console import Group

        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" MINUTES ", style="bold reverse")
        run = "▶" if s.running else "⏸ paused"
        text.append(f"  t = {clock(s.t_ms)}  {run}  {s.speed_ms_per_s / 1000:g} s/s")
        if s.message:
            text.append(f"  {s.message}", style="bold")
        why = (
            f"Slow time, M: back to ms · {s.slow_spikes} spike(s) so far, not drawn: "
            f"a sample every {s.slow_dt_ms / 1000:g} s, phases not followed"
        )
        lines = [
            text,
            Text(why, style="italic", no_wrap=True, overflow="ellipsis"),
            Text(stimulus_line(s), style="dim", no_wrap=True, overflow="ellipsis"),
        ]
        self.update(Group(*lines))


#: Width of the panel's label column ("Last spike", "threshold"): every grid of it uses it.
PANEL_LABEL_WIDTH = 10


class ParamPanel(_TextView):
    """Stimulus, membrane and run settings with the keys that change them."""

    _shown: tuple | None = None

    def show(self, s: LabSnapshot) -> None:
        """Rebuild only when something shown changed: a rich Table is costly to
        re-render at 40 fps, and the panel changes only on keys and spikes."""
        ions = tuple(ion_rows(s.ions)) if s.ions is not None else ()
        key = (s.amp_uA_cm2, s.width_ms, s.count, s.interval_ms, s.pulses, s.preset, s.celsius,
               s.blocks, s.speed_ms_per_s, s.auto_slow, s.running, s.plot2, tuple(sorted(s.last.items())),
               s.threshold, s.baseline, tuple(s.compare), s.convention, ions, s.slow)  # fmt: skip
        if key == self._shown:
            return
        self._shown = key
        # Several grids (a baseline's name is a full-width line between them), one label
        # width, so their columns line up.
        parts: list[Any] = []

        def grid() -> Table:
            g = Table.grid(padding=(0, 1))
            g.add_column(style="bold", min_width=PANEL_LABEL_WIDTH)
            g.add_column()
            g.add_column(style="dim")
            parts.append(g)
            return g

        t = grid()

        def section(name: str) -> None:
            t.add_row(Text(name, style="underline bold"), "", "")

        def ion_section() -> None:
            # E and rest are always modern voltages (the 1952 convention has no E_Cl)
            section("Ions" if s.convention == "modern" else "Ions (modern V)")
            for row in ions:
                t.add_row(*row)

        section("Stimulus")
        stim = stimulus_values(s)
        t.add_row("amplitude", stim["amplitude"], "↑ ↓")
        t.add_row("width", stim["width"], "← →")
        t.add_row("pulses", stim["pulses"], "c")
        t.add_row("interval", stim["interval"], "i I")
        if s.threshold == "…":
            t.add_row("threshold", "measuring…", "m")
        elif isinstance(s.threshold, tuple):
            w, thr = s.threshold
            val = f"{thr:.2f} µA/cm²" if thr is not None else "none ≤ max"
            t.add_row("threshold", val, f"{w:g} ms")
        else:
            t.add_row("threshold", "—", "m")
        t.add_row("", "", "")
        section("Membrane")
        t.add_row("preset", s.preset, "o")
        t.add_row("temp", f"{s.celsius:g} °C", "- +")
        t.add_row("TTX", "ON (gNa=0)" if "ttx" in s.blocks else "off", "t")
        t.add_row("TEA", "ON (gK=0)" if "tea" in s.blocks else "off", "e")
        t.add_row("", "", "")
        if ions and not s.baseline:
            ion_section()
            t.add_row("", "", "")
        section("Run")
        if s.slow:
            t.add_row("speed", f"{s.speed_ms_per_s / 1000:g} s/s", "[ ] M")
        else:
            t.add_row("speed", f"{s.speed_ms_per_s:g} ms/s", "[ ] M")
        t.add_row("state", "running" if s.running else "paused", "p .")
        t.add_row("plot 2", "[Na⁺]ᵢ" if s.slow else s.plot2, "" if s.slow else "g")
        if s.convention == "1952":  # every voltage and current here is written that way
            t.add_row("volts", "HH 1952", "v")
        t.add_row("", "", "")
        section("Last spike")
        names = {"threshold": "threshold", "peak": "peak", "ahp_min": "AHP min"}
        for kind, label in names.items():
            if kind in s.last:
                tm, v = s.last[kind]
                t.add_row(label, f"{v:+.1f} mV", f"@{tm:.2f}")
            else:
                t.add_row(label, "—", "")
        if s.baseline:
            # the comparison is what a kept baseline is for: before the ion rows, which
            # then follow it (a tall panel would push it below the 40-row screen)
            t.add_row("", "", "")
            # full-width lines, not grid cells: they would widen the label column
            parts.append(Text("vs baseline (b)", style="underline bold"))
            parts.append(Text(s.baseline, style="dim"))  # wraps across the panel
            t = grid()
            for what, text in s.compare:
                t.add_row(what, text, "")
            if ions:
                t.add_row("", "", "")
                ion_section()
        self.update(Group(*parts))


class EventLog(_TextView):
    """The latest phase-machine events, newest last (shown when the terminal is wide)."""

    _shown_count: int = -1
    _rows: int = -1
    _probe: float = 0.0

    def show_events(
        self, events: Sequence[Event], rows: int, v_shown: Callable[[float], float] = float
    ) -> None:
        """Rebuild only when new events arrived (or the voltage convention changed);
        ``v_shown`` writes a voltage in the convention the plot is drawn in."""
        probe = v_shown(0.0)
        if len(events) == self._shown_count and rows == self._rows and probe == self._probe:
            return
        self._shown_count = len(events)
        self._rows = rows
        self._probe = probe
        t = Table.grid(padding=(0, 1))
        t.add_column(justify="right", style="dim")
        t.add_column(style="bold")
        t.add_column()
        t.add_column(justify="right")
        # the threshold instant echoes the threshold phase entered at that sample: one row
        for ev in timeline(list(events[-max(rows, 1) * 2 :]))[-max(rows, 1) :]:
            kind = str(ev.get("kind", ""))
            name = title(ev.get("phase")) if kind in ("phase", "excitability") else ""
            colour = PHASE_COLOURS.get(
                ev.get("phase", ""), EXC_COLOURS.get(ev.get("phase", ""), "")
            )
            v = ev.get("v_mV")
            t.add_row(
                f"{float(ev['t_ms']):8.2f}",
                kind.replace("_", " "),
                Text(name, style=colour),
                f"{v_shown(float(v)):+6.1f} mV" if v is not None else "",
            )
        self.update(t)
