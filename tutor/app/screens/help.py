"""`?` help: every binding of the screen underneath, with its description.

Built from the live BINDINGS (not a hand-written list) so help can never
disagree with the footer or the command palette.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.app.glossary import Term
from tutor.app.messages import OpenLesson

_KEY_NAMES = {
    "space": "space",
    "full_stop": ".",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "plus": "+",
    "equals_sign": "=",
    "minus": "-",
    "escape": "esc",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "enter": "enter",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "shift+right": "Shift+→",
    "shift+left": "Shift+←",
    "shift+up": "Shift+↑",
    "shift+down": "Shift+↓",
    "tab": "tab",
}

INTRO = (
    "A Hodgkin–Huxley membrane runs live. The trace is coloured by phase and the "
    "ribbon under it names the phase (rest, sub, thr, depol, repol, hyper); the band "
    "below shows when the membrane is absolutely (ABS) or relatively (REL) refractory "
    "after a spike, or INEXCITABLE (no stimulus can fire it, e.g. Na⁺ channels blocked "
    "by TTX), as measured by probing the model."
)


def key_label(key: str) -> str:
    """Display form of a binding key list ("plus,equals_sign" → "+ / =")."""
    return " / ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in key.split(","))


def help_rows(screen: Screen, app_bindings: list[Binding]) -> list[tuple[str, str]]:
    """(key, description) for the screen's and the app's described bindings."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for b in [*screen.BINDINGS, *app_bindings]:
        if not isinstance(b, Binding) or not b.description or b.key in seen:
            continue
        seen.add(b.key)
        tip = b.tooltip
        rows.append((key_label(b.key), f"{b.description} — {tip}" if tip else b.description))
    return rows


def bindings_table(rows: list[tuple[str, str]]) -> Table:
    """The help rows as a two-column table."""
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("what it does")
    for key, desc in rows:
        table.add_row(key, desc)
    return table


def legend() -> Table:
    """Colour, ribbon text and fill character of every phase and refractory state."""
    from tutor.app.widgets.theme import (
        EXC_FILL,
        EXC_SHORT,
        EXC_STYLES,
        PHASE_FILL,
        PHASE_SHORT,
        PHASE_STYLES,
    )
    from tutor.lab.names import EXCITABILITY_STATES, PHASES

    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
    table.add_column("colour")
    table.add_column("ribbon / band")
    table.add_column("state")
    for name, short, fill, style in zip(PHASES, PHASE_SHORT, PHASE_FILL, PHASE_STYLES, strict=True):
        table.add_row(Text("━━━━", style=style), f"{fill} {short}", name)
    for state, short, fill, style in zip(
        EXCITABILITY_STATES, EXC_SHORT, EXC_FILL, EXC_STYLES, strict=True
    ):
        table.add_row(Text(" " + (fill * 3) + " ", style=style), short, state.replace("_", " "))
    return table


#: Width of the glossary's term column (longer terms wrap inside it), so definitions align.
GLOSSARY_TERM_WIDTH = 16


def glossary_option(index: int, term: Term, title: str) -> Option:
    """A glossary entry: the term, its definition, and the lesson it links to."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=GLOSSARY_TERM_WIDTH, style="bold")  # one column for every term
    grid.add_column()
    grid.add_row(Text(term.term), Text(term.definition))
    grid.add_row("", Text(f"→ lesson: {title}", style="italic"))
    return Option(grid, id=f"term-{index}")


class HelpScreen(ModalScreen[None]):
    """All keys of the screen below, the app's keys, what the colours mean, a glossary."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close help"),
        Binding("w", "app.welcome", "Getting started", tooltip="the first-run panel again"),
    ]

    def __init__(self, under: Screen, lesson_titles: dict[str, str] | None = None) -> None:
        super().__init__()
        self.under = under
        self.lesson_titles = dict(lesson_titles or {})
        """Lesson id → title, for the glossary's links (ids are shown when unknown)."""

    def compose(self) -> ComposeResult:
        from tutor.app.glossary import glossary

        app_bindings = [b for b in self.app.BINDINGS if isinstance(b, Binding)]
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Help — esc to close · w: getting started"
            yield Static(INTRO + "\n")
            self.rows = help_rows(self.under, app_bindings)
            yield Static(bindings_table(self.rows))
            # help's own keys, from its BINDINGS too (w: the getting-started panel again)
            self.own_rows = help_rows(self, [])
            yield Static("\n[b]Keys in this help[/b]")
            yield Static(bindings_table(self.own_rows), id="help-own-keys")
            yield Static("\n[b]What the colours and marks mean[/b]")
            yield Static(legend())
            yield Static("\nctrl+p opens the command palette: every action above is there too.")
            yield Static(
                "\n[b]Glossary[/b] — tab to it, ↑↓, enter opens the lesson that teaches the term"
            )
            self.terms = glossary()
            terms = OptionList(
                *[
                    glossary_option(k, t, self.lesson_titles.get(t.lesson, t.lesson))
                    for k, t in enumerate(self.terms)
                ],
                id="glossary",
            )
            yield terms

    @on(events.DescendantFocus)
    def _show_focused(self, event: events.DescendantFocus) -> None:
        """Bring the glossary into view when `tab` reaches it (it sits below the keys)."""
        if event.widget.id == "glossary":
            event.widget.scroll_visible(animate=False)

    @on(OptionList.OptionSelected, "#glossary")
    def _open(self, event: OptionList.OptionSelected) -> None:
        """Follow a term's link: the Lessons screen at the lesson that teaches it."""
        self.post_message(OpenLesson(self.terms[event.option_index].lesson))
