"""The end of a question session in the TUI: score and misconceptions, as plain mode prints.

A session (a lesson's questions from Lessons `a`, a review from Progress `R`, `tutor quiz`
in a terminal) ends here rather than silently dropping the learner back where they were:
how many were answered and right, the score, certainty marks when they were asked, and the
misconceptions to revisit in the content's own words. The text is
`tutor.quiz.plain.SessionSummary.lines()`, the very lines plain mode prints.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.app.literal import literal
from tutor.quiz.plain import SessionSummary, misconception_words


def session_summary(seed: int, shown: list[Any], attempts: list[Any]) -> SessionSummary:
    """The summary of a session: ``shown`` questions (AskItems), the Attempts recorded."""
    words: dict[str, str] = {}
    for item in shown:
        for tag, text in misconception_words(item.question).items():
            words.setdefault(tag, text)
    return SessionSummary(seed, asked=len(shown), attempts=list(attempts), misconception_text=words)


class SummaryScreen(ModalScreen[None]):
    """The session's summary; enter or esc closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close", tooltip="back to where the session began"),
    ]

    def __init__(self, summary: SessionSummary, title: str = "") -> None:
        super().__init__()
        self.summary = summary
        self.lines = summary.lines()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-box") as box:
            box.border_title = literal(
                f"End of session{': ' + self.title_text if self.title_text else ''}"
            )
            yield Static(literal("\n".join(self.lines)), id="summary-text")
            yield Static("enter / esc: close", id="summary-hint")
