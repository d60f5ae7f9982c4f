"""Colours, fills and short names for phases and excitability states.

One table so the trace, the ribbon, the band and the banner agree. Every
colour is doubled by text (short names, fill characters) for NO_COLOR.
"""

from __future__ import annotations

from rich.style import Style

from tutor.lab.names import EXCITABILITY_STATES, PHASES

PHASE_COLOURS: dict[str, str] = {
    "resting": "grey62",
    "subthreshold": "cyan",
    "threshold": "bright_yellow",
    "depolarization": "red1",
    "repolarization": "dodger_blue1",
    "hyperpolarization": "magenta",
}
PHASE_SHORT: list[str] = ["rest", "sub", "thr", "depol", "repol", "hyper"]
PHASE_FILL: list[str] = ["─", "╌", "!", "▲", "▼", "~"]
PHASE_STYLES: list[Style] = [Style(color=PHASE_COLOURS[p]) for p in PHASES]

EXC_COLOURS: dict[str, str] = {
    "excitable": "green",
    "absolute_refractory": "red1",
    "relative_refractory": "dark_orange",
    "inexcitable": "medium_purple",
}
EXC_SHORT: list[str] = ["excitable", "ABS REFRACTORY", "REL REFRACTORY", "INEXCITABLE"]
EXC_FILL: list[str] = [" ", "█", "▒", "╳"]
EXC_STYLES: list[Style] = [
    Style(color=EXC_COLOURS["excitable"], dim=True),
    Style(color="white", bgcolor="red3", bold=True),
    Style(color="black", bgcolor="dark_orange", bold=True),
    Style(color="white", bgcolor="medium_purple4", bold=True),
]

#: Styles for marker labels on the voltage plot (indices after the phases).
MARKER_STYLE = Style(color="bright_white", bold=True)
STIMULUS_MARKER_STYLE = Style(color="green", bold=True)
FAILED_MARKER_STYLE = Style(color="yellow", bold=True)
#: A kept baseline run (`b`): drawn dimmed under the live trace.
BASELINE_STYLE = Style(color="grey62", dim=True)
GATE_COLOURS: dict[str, str] = {"m": "red1", "h": "yellow", "n": "dodger_blue1"}
CURRENT_COLOURS: dict[str, str] = {
    "i_na": "red1",
    "i_k": "dodger_blue1",
    "i_l": "grey62",
    "i_stim": "green",
}


GATE_NAMES: dict[str, str] = {"m": "Na⁺ act.", "h": "Na⁺ inact.", "n": "K⁺ act."}
CURRENT_NAMES: dict[str, str] = {"i_na": "I_Na", "i_k": "I_K", "i_l": "I_L", "i_stim": "I_stim"}


def legend(colours: dict[str, str], labels: dict[str, str], with_key: bool = False) -> str:
    """Markup naming each series in the colour it is drawn in (`[red1]m[/] (Na⁺ act.)`)."""
    if with_key:
        return "  ".join(f"[{colours[k]}]{k}[/] ({labels[k]})" for k in colours)
    return "  ".join(f"[{colours[k]}]{labels[k]}[/]" for k in colours)


def phase_index(name: str | None) -> int:
    """Index of a phase name in PHASES (resting when unknown)."""
    return PHASES.index(name) if name in PHASES else 0


def exc_index(name: str | None) -> int:
    """Index of an excitability state (excitable when unknown)."""
    return EXCITABILITY_STATES.index(name) if name in EXCITABILITY_STATES else 0


def title(name: str | None) -> str:
    """Human name: 'absolute_refractory' → 'absolute refractory'."""
    return (name or "").replace("_", " ")
