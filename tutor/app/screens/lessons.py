"""Lessons: the list with progress, the lesson text, and "try it" lab set-ups.

Choosing a lesson makes it the *active* lesson: its triggered questions then
open in the lab at the moment they are about. A "try it" step sets the lab
up from the lesson's front matter (preset, pulses, drugs) and goes there.
The screen reads lessons and progress from the quiz bridge it is given and
asks the app for everything else by posting messages (`tutor.app.messages`).
"""

from __future__ import annotations

import textwrap
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from tutor.app.literal import literal
from tutor.app.messages import AskQuestions, BackToLab, LeaveLesson, RunTryIt, StudyLesson
from tutor.app.quizbridge import QuizBridge


def bar(fraction: float, width: int = 6) -> str:
    """Text progress bar (readable without colour): ▰▰▰▱▱▱."""
    full = round(max(0.0, min(1.0, fraction)) * width)
    return "▰" * full + "▱" * (width - full)


def wrap_label(text: str, width: int) -> str:
    """`text` in lines of at most `width` characters, broken at spaces and after
    hyphens; a word is cut only where it alone is wider than the line."""
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=True)) or text


class LessonsScreen(Screen[None]):
    """Lesson list (with mastery), Markdown text, try-it steps."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to lab"),
        Binding("a", "ask", "Ask questions"),
        Binding("s", "study", "Study in lab"),
        Binding(
            "f",
            "free",
            "Free",
            tooltip="leave the active lesson: the lab without questions popping up",
        ),
        Binding("tab", "app.focus_next", "Next pane", show=False),
    ]

    def __init__(self, bridge: QuizBridge, start: str | None = None) -> None:
        super().__init__()
        self.bridge = bridge
        self.current: Any = None
        self.start = start
        """Lesson id to open at (else the active lesson, else the first)."""
        self._labels: dict[str, list[str]] = {}
        """Each option list's labels unwrapped (`_rewrap` fits them to the list's width)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="lessons-head")
        with Horizontal(id="lessons-body"):
            lessons = OptionList(id="lesson-list")
            lessons.border_title = "Lessons"
            yield lessons
            with Vertical(id="lesson-main"):
                with VerticalScroll(id="lesson-text"):
                    yield Markdown("", id="lesson-md")
                tries = OptionList(id="try-list")
                tries.border_title = "Try it in the lab (enter)"
                yield tries
        yield Footer()

    def on_mount(self) -> None:
        head = self.query_one("#lessons-head", Static)
        mastery: dict[str, float] = {}
        try:
            mastery = {p.lesson: p.mastery for p in self.bridge.progress()}
        except Exception as exc:  # a broken store still lets the learner read
            head.update(literal(f"progress unavailable: {exc}"))
        lst = self.query_one("#lesson-list", OptionList)
        for ls in self.bridge.lessons:
            m = mastery.get(ls.id, 0.0)
            lst.add_option(Option(literal(f"{bar(m)} {ls.title}"), id=ls.id))
        self._labels["#lesson-list"] = [
            f"{bar(mastery.get(ls.id, 0.0))} {ls.title}" for ls in self.bridge.lessons
        ]
        if self.bridge.error:
            head.update(literal(self.bridge.error))
        elif not self.bridge.lessons:
            head.update("No lessons found.")
        else:
            active = self.bridge.active_lesson
            head.update(
                literal(
                    f"active lesson: {active} (its questions pop up in the lab) · "
                    "f: free exploration, no lesson"
                    if active
                    else "no active lesson (free exploration) · pick one: s studies it in the lab"
                )
            )
        lst.focus()
        if self.bridge.lessons:
            ids = [ls.id for ls in self.bridge.lessons]
            want = self.start if self.start in ids else self.bridge.active_lesson
            start = ids.index(want) if want in ids else 0
            lst.highlighted = start
            self.show_lesson(self.bridge.lessons[start])

    @on(Resize)
    def _narrow(self, event: Resize) -> None:
        self.set_class(event.size.width < 100, "-narrow")
        self.call_after_refresh(self._rewrap)

    def _rewrap(self) -> None:
        """Wrap each list's labels to the width the list has now, breaking after hyphens.

        Rich breaks lines at spaces only and folds a word wider than the line mid-word;
        a lesson title such as "after-hyperpolarisation" is wider than the narrow list
        (80 columns), so it would read "after-hyperpolaris / ation".
        """
        for selector, labels in self._labels.items():
            lst = self.query_one(selector, OptionList)
            width = lst.scrollable_content_region.width
            if width <= 0 or lst.option_count != len(labels):
                continue
            for index, label in enumerate(labels):
                lst.replace_option_prompt_at_index(index, literal(wrap_label(label, width)))

    def show_lesson(self, lesson: Any) -> None:
        """Show a lesson's text and its try-it steps."""
        self.current = lesson
        qn = len(lesson.questions)
        body = lesson.body.lstrip()
        head = "" if body.startswith("# ") else f"# {lesson.title}\n\n"
        meta = (
            f"*preset `{lesson.preset}` · {qn} questions · `a` asks them, `s` studies in the lab*"
        )
        self.query_one("#lesson-md", Markdown).update(f"{head}{meta}\n\n{body}")
        tries = self.query_one("#try-list", OptionList)
        tries.clear_options()
        for k, step in enumerate(lesson.try_it):
            tries.add_option(Option(literal(f"▶ {step.label}"), id=str(k)))
        self._labels["#try-list"] = [f"▶ {step.label}" for step in lesson.try_it]
        self.call_after_refresh(self._rewrap)
        if lesson.try_it:
            tries.highlighted = 0  # enter on the list runs the first step, and it shows
        else:
            tries.add_option(Option("(no try-it steps in this lesson)", disabled=True))

    @on(OptionList.OptionHighlighted, "#lesson-list")
    def _highlight(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is None:
            return
        lesson = self.bridge.lesson(event.option.id)
        if lesson is not self.current:
            self.show_lesson(lesson)

    @on(OptionList.OptionSelected, "#lesson-list")
    def _select(self, event: OptionList.OptionSelected) -> None:
        tries = self.query_one("#try-list", OptionList)
        tries.focus()
        if tries.highlighted is None and tries.option_count:
            tries.highlighted = 0

    @on(OptionList.OptionSelected, "#try-list")
    def _try(self, event: OptionList.OptionSelected) -> None:
        if self.current is None or event.option.id is None:
            return
        self.try_it(int(event.option.id))

    def try_it(self, index: int) -> None:
        """Set the lab up from try-it step ``index`` of the current lesson and go there."""
        self.post_message(RunTryIt(self.current, index))

    def action_back(self) -> None:
        self.post_message(BackToLab())

    def action_study(self) -> None:
        """Make this lesson active (its questions pop up in the lab) and go to the lab."""
        if self.current is not None:
            self.post_message(StudyLesson(self.current))

    def action_free(self) -> None:
        """Leave the active lesson: free exploration in the lab, nothing pops up."""
        self.post_message(LeaveLesson())

    def action_ask(self) -> None:
        """Ask every question of this lesson now, one after another."""
        if self.current is None or not self.current.questions:
            return
        items = self.bridge.lesson_items(self.current.id)
        self.post_message(AskQuestions(items, title=self.current.title))
