"""Question dialogs: one ``ModalScreen`` per question type, each returning a typed result.

Flow inside every dialog: the learner answers with the keyboard → (predict:
the experiment runs in a worker thread) → the bridge grades and records the
answer (committed before feedback shows) → feedback → ``enter`` closes,
dismissing with an :class:`AnswerRecord`. ``escape`` before answering skips
(dismisses ``None``), which also ends a question session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tutor.app.literal import literal, literal_str
from tutor.app.quizbridge import AskItem, ColouredMarkTrace, PredictTrace, QuizBridge
from tutor.app.widgets.plot import Label, PlotData, PlotView
from tutor.app.widgets.theme import MARKER_STYLE, PHASE_STYLES
from tutor.lab.notation import MODERN, Notation
from tutor.quiz.safety import printable

#: The V axis of a question's trace, mV, in each convention (as the lab's plot).
Y_RANGE_MODERN = (-100.0, 60.0)
Y_RANGE_1952 = (-120.0, 40.0)

# -- typed answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceAnswer:
    """Indices of the chosen options (one for single-answer questions)."""

    selected: tuple[int, ...]
    multiple: bool = False

    def value(self) -> int | list[int]:
        return list(self.selected) if self.multiple else self.selected[0]


@dataclass(frozen=True)
class NumericAnswer:
    """A number in the question's unit."""

    number: float

    def value(self) -> float:
        return self.number


@dataclass(frozen=True)
class OrderAnswer:
    """The learner's sequence of item names."""

    items: tuple[str, ...]

    def value(self) -> list[str]:
        return list(self.items)


@dataclass(frozen=True)
class PredictAnswer:
    """A prediction: bool (yes/no), float (number) or int (count)."""

    prediction: bool | float | int

    def value(self) -> bool | float | int:
        return self.prediction


@dataclass(frozen=True)
class MarkAnswer:
    """Where the cursor was put on the frozen trace (ms)."""

    t_ms: float

    def value(self) -> float:
        return self.t_ms


Answer = ChoiceAnswer | NumericAnswer | OrderAnswer | PredictAnswer | MarkAnswer


@dataclass(frozen=True)
class AnswerRecord:
    """What a dialog returns: the question, the typed answer and the recorded Attempt."""

    item: AskItem
    answer: Answer
    attempt: Any


# -- base dialog -----------------------------------------------------------------------


class QuestionDialog(ModalScreen[AnswerRecord | None]):
    """Prompt, answer area, feedback; subclasses build the answer area."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Skip / close"),
        Binding("enter", "continue", "Continue", show=False),
        Binding("1", "confidence(1)", "Not sure", show=False),
        Binding("2", "confidence(2)", "Fairly sure", show=False),
        Binding("3", "confidence(3)", "Very sure", show=False),
    ]

    def __init__(
        self,
        item: AskItem,
        bridge: QuizBridge,
        *,
        position: tuple[int, int] = (1, 1),
        title: str = "",
        lab_convention: str = "modern",
    ) -> None:
        super().__init__()
        self.item = item
        self.lab_convention = lab_convention
        """How the lab behind the dialog shows V (`v`): "modern" or "1952"."""
        self.bridge = bridge
        self.position = position
        self.title_text = title
        self.answer: Answer | None = None
        self.record: AnswerRecord | None = None
        self.confidence: int | None = None
        self.state = "asking"  # asking → (sure?) → checking → done

    @property
    def q(self) -> Any:
        return self.item.question

    def convention(self) -> str:
        """The convention this dialog draws a trace in: the one the question's words
        assume (its `convention`), else the lab's current view, so the trace, its
        readout, the prompt and the lab behind the dialog never disagree silently."""
        return getattr(self.q, "convention", None) or self.unstated_convention()

    def unstated_convention(self) -> str:
        """The convention when the question states none: the lab's current view."""
        return self.lab_convention

    def notation(self, rest_mV: float) -> Notation:
        """`convention()` as a Notation about the run's resting potential ``rest_mV``."""
        return Notation(rest_mV) if self.convention() == "1952" else MODERN

    def convention_note(self) -> str:
        """One line under a trace naming its convention ("" for modern V in a modern lab)."""
        conv, lab = self.convention(), self.lab_convention
        text = (
            "V as in Hodgkin & Huxley 1952: rest = 0, depolarization negative"
            if conv == "1952"
            else ("V in the modern convention" if lab != conv else "")
        )
        if conv != lab:
            text += f", as the question is written (the lab shows {lab} V)"
        return text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            n, total = self.position
            where = f" · {n}/{total}" if total > 1 else ""
            box.border_title = literal(f"{self.title_text or self.item.lesson.title}{where}")
            box.border_subtitle = self.q.type
            if self.item.event is not None:
                ev = self.item.event
                label = ev.get("phase") or ev.get("kind")
                yield Static(
                    f"⏸ paused at t = {float(ev['t_ms']):.2f} ms — {str(label).replace('_', ' ')}",
                    id="meta",
                )
            yield Static(literal(self.q.prompt), id="prompt")
            with Vertical(id="answer-area"):
                yield from self.compose_answer()
            yield Static("", id="feedback")
            yield Static(self.hint(), id="hint")

    def compose_answer(self) -> ComposeResult:  # pragma: no cover - abstract
        yield Static("")

    def hint(self) -> str:
        return "enter: answer · esc: skip"

    def set_hint(self, text: str) -> None:
        self.query_one("#hint", Static).update(text)

    # -- answering ---------------------------------------------------------------------
    def submit(self, answer: Answer) -> None:
        """Take the answer once; grade (after a run, for predict) and show feedback."""
        if self.state != "asking":
            return
        self.answer = answer
        for w in self.query("#answer-area *"):
            w.disabled = True
        self.set_focus(None)
        if self.bridge.settings.confidence:
            # certainty-based marking: how sure, asked before the answer is revealed
            self.state = "sure?"
            self.set_hint(
                "how sure are you?  1 not sure (+1/0) · 2 fairly (+2/−2) · 3 very (+3/−6)"
            )
            return
        self._check_now()

    def action_confidence(self, level: int) -> None:
        """1–3 after answering, when certainty-based marking is on."""
        if self.state == "sure?" and self.answer is not None:
            self.confidence = level
            self._check_now()

    def _check_now(self) -> None:
        assert self.answer is not None
        self.state = "checking"
        self.set_hint("checking…")
        self.check(self.answer)

    def check(self, answer: Answer) -> None:
        """Default: grade at once (choice, numeric, order, mark)."""
        self.finish(answer, self.measured_for(answer))

    def measured_for(self, answer: Answer) -> Any:
        return None

    def finish(self, answer: Answer, measured: Any) -> None:
        """Grade + record on the UI thread (SQLite), then show the feedback."""
        try:
            attempt = self.bridge.grade(self.item, answer.value(), measured, self.confidence)
        except Exception as exc:  # a broken store must not kill the lab
            self.state = "done"
            self.query_one("#feedback", Static).update(Text(f"Could not record: {exc}", "bold red"))
            self.set_hint("enter / esc: close")
            return
        self.record = AnswerRecord(self.item, answer, attempt)
        self.state = "done"
        fb = self.query_one("#feedback", Static)
        fb.set_class(attempt.correct, "-right")
        fb.set_class(not attempt.correct, "-wrong")
        fb.update(self.feedback(attempt, measured))
        self.set_hint("recorded ✓ · enter: continue")

    def feedback(self, attempt: Any, measured: Any) -> Any:
        head = (
            "✔ Right"
            if attempt.correct
            else ("◐ Partly right" if attempt.score > 0 else "✘ Not quite")
        )
        text = Text()
        cbm = "" if attempt.cbm is None else f", certainty mark {attempt.cbm:+g}"
        text.append(f"{head}  (score {attempt.score:.0%}{cbm})\n", style="bold")
        text.append(printable(attempt.feedback))
        return text

    def action_continue(self) -> None:
        if self.state == "done":
            self.dismiss(self.record)

    def action_close(self) -> None:
        if self.state in ("checking", "sure?"):
            return
        self.dismiss(self.record)


# -- by type ---------------------------------------------------------------------------


def tick_box(ticked: bool) -> str:
    """The tick box as text, so ticked and unticked differ without colour (NO_COLOR)."""
    return "[x]" if ticked else "[ ]"


class OptionPrompt(Table):
    """An option as a two-column grid: ``head`` ("[x] b)") fixed, the text wrapping under
    itself, so a long option is shown whole on narrow terminals and never cut off.

    ``str()`` gives the option as one line of plain text ("[x] b) text"), what a reader
    of the list (a test, a screen reader's dump) expects from a prompt.
    """

    def __init__(self, head: str, text: str) -> None:
        super().__init__(box=None, show_header=False, show_edge=False, padding=(0, 1, 0, 0))
        self.plain = f"{head} {printable(text)}"
        self.add_column(no_wrap=True)
        self.add_column(overflow="fold")
        self.add_row(Text(head), Text(printable(text)))

    def __str__(self) -> str:
        return self.plain


class CheckList(OptionList):
    """Multiple choice ("select all that apply"): each option carries a `[x]`/`[ ]` box.

    Why not Textual's SelectionList: its boxes differ only by colour (invisible under
    NO_COLOR) and it draws one box per *line*, so an option that wraps was cut off.
    Here the box is text inside the option, and options wrap like any OptionList prompt.
    ``space`` (or a click) ticks/unticks the highlighted option, ``enter`` submits.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "tick", "Tick / untick", show=False),
        Binding("enter", "submit", "Submit", show=False),
    ]

    def __init__(self, entries: list[tuple[str, str, int]], **kwargs: Any) -> None:
        """``entries``: (letter, option text, file index) in the order shown."""
        super().__init__(**kwargs)
        self.entries = list(entries)
        self.ticked: set[int] = set()
        """File indices of the ticked options."""
        self.add_options([self._option(i) for i in range(len(self.entries))])

    @property
    def selected(self) -> list[int]:
        """File indices of the ticked options, ascending."""
        return sorted(self.ticked)

    def _option(self, row: int) -> Option:
        letter, text, index = self.entries[row]
        return Option(
            OptionPrompt(f"{tick_box(index in self.ticked)} {letter})", text), id=str(index)
        )

    def action_tick(self) -> None:
        row = self.highlighted
        if row is None or self.disabled:
            return
        index = self.entries[row][2]
        self.ticked ^= {index}
        self.replace_option_prompt_at_index(row, self._option(row).prompt)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        """A click ticks the option (enter, bound above, submits instead)."""
        event.stop()
        self.action_tick()

    def action_submit(self) -> None:
        screen = self.screen
        if isinstance(screen, ChoiceDialog):
            screen.submit(ChoiceAnswer(tuple(self.selected), multiple=True))


class ChoiceDialog(QuestionDialog):
    """One option (↑/↓, enter) or several (space ticks `[x]`, enter submits)."""

    def compose_answer(self) -> ComposeResult:
        letters = "abcdefghijklmnop"
        # shown in the learner's seeded order; values/ids stay the file's option indices
        shown = self.bridge.option_order(self.item)
        if self.q.multiple:
            yield CheckList(
                [(letters[i], self.q.option[k].text, k) for i, k in enumerate(shown)],
                id="choices",
            )
        else:
            yield OptionList(
                *[
                    Option(OptionPrompt(f"{letters[i]})", self.q.option[k].text), id=str(k))
                    for i, k in enumerate(shown)
                ],
                id="choices",
            )

    def hint(self) -> str:
        if self.q.multiple:
            return literal_str(
                "select all that apply · ↑↓ move · space: tick [x] / untick [ ] · "
                "enter: submit · esc: skip"
            )
        return "↑↓ move · enter: choose · esc: skip"

    def on_mount(self) -> None:
        choices = self.query_one("#choices", OptionList)
        choices.focus()
        if choices.highlighted is None and choices.option_count:
            choices.highlighted = 0

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if not self.q.multiple:
            self.submit(ChoiceAnswer((int(event.option.id or 0),)))


class NumericDialog(QuestionDialog):
    """Type a number in the stated unit."""

    def compose_answer(self) -> ComposeResult:
        # text, not type="number": a learner may type the unit with the number ("-65 mV")
        yield Input(placeholder=f"number in {self.q.unit}", id="number")
        yield Static(literal(f"unit: {self.q.unit}"), id="unit")

    def hint(self) -> str:
        return literal_str(f"type a number ({self.q.unit}) · enter: answer · esc: skip")

    def on_mount(self) -> None:
        self.query_one("#number", Input).focus()

    @on(Input.Submitted, "#number")
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        from tutor.quiz.session import AnswerError, parse_number

        try:
            value = parse_number(event.value, self.q.unit)
        except AnswerError as exc:
            self.set_hint(f"'{event.value}': {exc}")
            return
        self.submit(NumericAnswer(value))


class OrderList(OptionList):
    """Items to put in order: shift+↑/↓ (or u/d) move the highlighted item."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("shift+up,u", "move(-1)", "Move up"),
        Binding("shift+down,d", "move(1)", "Move down"),
        Binding("enter", "submit", "Submit", show=False),
    ]

    def __init__(self, items: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items = list(items)
        self._fill()

    def _fill(self) -> None:
        self.clear_options()
        self.add_options(
            [literal(f"{k + 1}. {name.replace('_', ' ')}") for k, name in enumerate(self.items)]
        )

    def action_move(self, direction: int) -> None:
        i = self.highlighted
        if i is None:
            return
        j = i + direction
        if not 0 <= j < len(self.items):
            return
        self.items[i], self.items[j] = self.items[j], self.items[i]
        self._fill()
        self.highlighted = j

    def action_submit(self) -> None:
        screen = self.screen
        if isinstance(screen, OrderDialog):
            screen.submit(OrderAnswer(tuple(self.items)))


class OrderDialog(QuestionDialog):
    """Put the phases in order."""

    def compose_answer(self) -> ComposeResult:
        from tutor.quiz.session import shuffled_order

        shown = shuffled_order(self.q, self.item.lesson.id, self.bridge.settings.seed)
        yield OrderList(shown, id="order")

    def hint(self) -> str:
        return "↑↓ highlight · shift+↑↓ (or u/d) move item · enter: submit · esc: skip"

    def on_mount(self) -> None:
        order = self.query_one("#order", OrderList)
        order.focus()
        order.highlighted = 0


class PredictDialog(QuestionDialog):
    """Predict first; then the run is simulated and shown beside the prediction.

    After the answer the dialog shows the run itself (its V trace coloured by phase, the
    protocol in words, the spike count and peak) next to the measured value, so a later
    question that refers to "the TEA run" refers to something the learner has seen.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_trace: PredictTrace | None = None
        """The simulated run, once it has been made (None before, or for clamp/cable runs)."""

    def compose_answer(self) -> ComposeResult:
        if self.q.answer_as == "yes_no":
            yield OptionList(Option("Yes", id="yes"), Option("No", id="no"), id="predict")
        else:
            unit = self.q.unit or ("count" if self.q.answer_as == "count" else "")
            yield Input(
                placeholder=f"your prediction ({unit})",
                type="integer" if self.q.answer_as == "count" else "text",
                id="predict",
            )
        plot = PlotView([*PHASE_STYLES, MARKER_STYLE], id="predict-plot")
        plot.display = False
        yield plot
        yield Static("", id="run-caption")

    def hint(self) -> str:
        return "predict, then the model runs · enter: answer · esc: skip"

    def unstated_convention(self) -> str:
        """A prediction in mV (or mV/ms) is graded against the model's modern numbers, shown
        beside the run: the run is then drawn in modern V too, whatever the lab shows."""
        if "mV" in (self.q.unit or ""):
            return "modern"
        return self.lab_convention

    def on_mount(self) -> None:
        self.query_one("#predict").focus()

    @on(OptionList.OptionSelected, "#predict")
    def _yes_no(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit(PredictAnswer(event.option.id == "yes"))

    @on(Input.Submitted, "#predict")
    def _number(self, event: Input.Submitted) -> None:
        event.stop()
        from tutor.quiz.session import AnswerError, parse_count, parse_number

        try:
            value: float | int = (
                parse_count(event.value)
                if self.q.answer_as == "count"
                else parse_number(event.value, self.q.unit)
            )
        except AnswerError as exc:
            self.set_hint(f"'{event.value}': {exc}")
            return
        self.submit(PredictAnswer(value))

    def check(self, answer: Answer) -> None:
        self.set_hint("running the experiment…")
        self._run_experiment(answer)

    @work(thread=True, exclusive=True, group="predict")
    def _run_experiment(self, answer: Answer) -> None:
        """The simulation may take a while: off the UI thread, result posted back."""
        try:
            measured = self.bridge.measure(self.item)
        except Exception as exc:
            self.app.call_from_thread(self.set_hint, literal_str(f"the run failed: {exc}"))
            measured = None
        try:
            trace = self.bridge.predict_trace(self.item)
        except Exception:  # the trace is an illustration: its failure must not lose the answer
            trace = None
        self.app.call_from_thread(self._ran, answer, measured, trace)

    def _ran(self, answer: Answer, measured: Any, trace: PredictTrace | None) -> None:
        self.run_trace = trace
        self.finish(answer, measured)
        self.show_run()

    def show_run(self) -> None:
        """Draw the run beside the feedback: trace by phase, peak marked, protocol in words."""
        tr = self.run_trace
        if tr is None:
            return
        v = np.asarray(tr.v_mV, float)
        nt = self.notation(float(v[0]))  # the run starts from rest
        labels: list[Label] = []
        if tr.peak is not None:
            t_pk, v_pk = tr.peak[0], nt.v(tr.peak[1])
            arrow, side = ("▲", "below") if nt.hh1952 else ("▼", "above")
            labels.append(Label(t_pk, v_pk, f"{arrow}peak {v_pk:+.1f} mV", len(PHASE_STYLES), side))
        plot = self.query_one("#predict-plot", PlotView)
        n = len(tr.spikes_ms)
        name = "V₁₉₅₂" if nt.hh1952 else "V"
        plot.border_title = (
            f"the run: {name} (mV), 0–{tr.tstop_ms:g} ms — {n} spike{'s' * (n != 1)}"
        )
        plot.styles.height = 12 if self.size.height >= 30 else 7  # 80×24: room for feedback
        plot.display = True
        plot.set_data(
            PlotData(
                (0.0, tr.tstop_ms),
                Y_RANGE_1952 if nt.hh1952 else Y_RANGE_MODERN,
                [(tr.t_ms, _displayed(v, nt), tr.phase)],
                labels,
                None,
                [0.0],
            )
        )
        note = self.convention_note()
        caption = f"{tr.described}\n{note}." if note else tr.described
        self.query_one("#run-caption", Static).update(literal(caption))
        # the prediction is in the table below: its input makes room for the run
        self.query_one("#predict").display = False
        self.query_one("#dialog").add_class("-wide")

    def feedback(self, attempt: Any, measured: Any) -> Any:
        from rich.console import Group

        from tutor.quiz.grading import describe_measured

        table = Table(box=None, padding=(0, 3), show_edge=False)
        table.add_column("your prediction", style="bold cyan")
        table.add_column("the model (measured)", style="bold magenta")
        pred = self.answer.value() if self.answer else None
        said = describe_measured(self.q, pred) if pred is not None else "—"
        table.add_row(Text(printable(said)), Text(printable(describe_measured(self.q, measured))))
        return Group(table, super().feedback(attempt, measured))


class MarkDialog(QuestionDialog):
    """Move a cursor along the frozen trace to the asked-for event."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cursor(-1)", "Cursor ←", show=False),
        Binding("right", "cursor(1)", "Cursor →", show=False),
        Binding("shift+left", "cursor(-10)", "Cursor ⇐", show=False),
        Binding("shift+right", "cursor(10)", "Cursor ⇒", show=False),
        Binding("enter", "mark", "Mark here", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trace: ColouredMarkTrace | None = None
        self.nt: Notation = MODERN
        """How the trace and readout write V (`convention()` about the run's rest)."""
        self.cursor_ms = 0.0
        self.step_ms = 0.05

    def compose_answer(self) -> ComposeResult:
        palette = [*PHASE_STYLES, MARKER_STYLE]
        plot = PlotView(palette, id="mark-plot")
        plot.border_title = "frozen trace V (mV) — loading…"
        yield plot
        yield Static("", id="readout")

    def hint(self) -> str:
        return "←/→ move cursor (shift: ×10) · enter: mark here · esc: skip"

    def on_mount(self) -> None:
        self.query_one("#dialog").add_class("-wide")
        self._load()

    @work(thread=True, exclusive=True, group="mark")
    def _load(self) -> None:
        try:
            trace = self.bridge.mark_trace(self.item)
        except Exception as exc:  # a worker error would end the app: report it instead
            self.app.call_from_thread(
                self.set_hint, literal_str(f"the trace could not be made: {exc} · esc")
            )
            return
        self.app.call_from_thread(self._loaded, trace)

    def _loaded(self, trace: ColouredMarkTrace) -> None:
        self.trace = trace
        self.nt = self.notation(float(trace.v_mV[0]))  # the run starts from rest
        start, stop = trace.window
        self.cursor_ms = start
        self.step_ms = max(float(trace.t_ms[1] - trace.t_ms[0]) * 2, (stop - start) / 400)
        name = "V₁₉₅₂" if self.nt.hh1952 else "V"
        self.query_one(
            "#mark-plot", PlotView
        ).border_title = (
            f"frozen trace {name} (mV), {start:g}–{stop:g} ms — colour/ribbon hidden until you mark"
        )
        self._draw()

    def _draw(self, reveal: bool = False) -> None:
        tr = self.trace
        if tr is None:
            return
        phase = tr.phase if reveal else 0
        nt = self.nt
        v = _displayed(np.asarray(tr.v_mV, float), nt)
        labels: list[Label] = []
        if reveal and tr.target_ms is not None:
            i = int(np.searchsorted(tr.t_ms, tr.target_ms))
            i = min(i, len(v) - 1)
            labels.append(Label(tr.target_ms, float(v[i]), "◆target", len(PHASE_STYLES), "right"))
        self.query_one("#mark-plot", PlotView).set_data(
            PlotData(
                tr.window,
                Y_RANGE_1952 if nt.hh1952 else Y_RANGE_MODERN,
                [(np.asarray(tr.t_ms, float), v, phase)],
                labels,
                self.cursor_ms,
                [0.0],
            )
        )
        i = min(int(np.searchsorted(tr.t_ms, self.cursor_ms)), len(v) - 1)
        name = "V₁₉₅₂" if nt.hh1952 else "V"
        note = self.convention_note()
        self.query_one("#readout", Static).update(
            f"cursor t = {self.cursor_ms:.2f} ms   {name} = {float(v[i]):+.1f} mV"
            + (f"   · {note}" if note else "")
        )

    def action_cursor(self, steps: int) -> None:
        if self.trace is None or self.state != "asking":
            return
        lo, hi = self.trace.window
        self.cursor_ms = float(np.clip(self.cursor_ms + steps * self.step_ms, lo, hi))
        self._draw()

    def action_mark(self) -> None:
        if self.state == "done":
            self.action_continue()
        elif self.trace is not None and self.state == "asking":
            self.submit(MarkAnswer(round(self.cursor_ms, 3)))

    def measured_for(self, answer: Answer) -> Any:
        return self.trace.target_ms if self.trace else None

    def finish(self, answer: Answer, measured: Any) -> None:
        super().finish(answer, measured)
        self._draw(reveal=True)


def _displayed(v_mV: np.ndarray, nt: Notation) -> np.ndarray:
    """A whole trace in ``nt``'s convention (`Notation.v` over an array)."""
    if nt.rest_mV is None:
        return v_mV
    return -(v_mV - nt.rest_mV)


_DIALOGS: dict[str, type[QuestionDialog]] = {
    "choice": ChoiceDialog,
    "numeric": NumericDialog,
    "order": OrderDialog,
    "predict": PredictDialog,
    "mark": MarkDialog,
}


def make_dialog(
    item: AskItem,
    bridge: QuizBridge,
    *,
    position: tuple[int, int] = (1, 1),
    title: str = "",
    lab_convention: str = "modern",
) -> QuestionDialog:
    """The dialog class for the question's type; ``lab_convention`` is how the lab behind
    it shows V, which a trace follows where the question's words allow."""
    return _DIALOGS[item.question.type](
        item, bridge, position=position, title=title, lab_convention=lab_convention
    )
